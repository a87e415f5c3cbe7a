"""Running the app with `streamlit run` on a free port and driving it with Playwright + Debian's Chromium.

No `playwright install`: the browser is `/usr/bin/chromium` (apt package `chromium`). The fixtures that
use these helpers (`browser`, `app_server`, `new_page`) are in tests/conftest.py; every test file named
`*browser*.py` gets the `browser` marker there (`pytest -m "not browser"` runs the fast suite alone).
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.app_support import hashed_users

# Playwright's assertions; a test module that imports this one is skipped where Playwright is not installed.
expect = pytest.importorskip("playwright.sync_api").expect

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# The sidebar's page titles, and each page's h1 (None: any heading — the report page's own).
PAGES = ["Обзор", "План", "Мероприятия", "Мониторинг", "Качество данных", "Моё учреждение", "Отчет"]
PAGE_H1 = {"Обзор": "Обзор", "План": "План работы", "Мероприятия": "Мероприятия", "Мониторинг": "Мониторинг",
           "Качество данных": "Качество данных", "Моё учреждение": "Моё учреждение", "Отчет": None}

APP = "[data-testid='stApp']"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
CONNECTED = "[data-testid='stApp'][data-test-connection-state='CONNECTED']"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(source: str | os.PathLike, timeout: float = 60.0, log: Path | None = None,
                     secrets: str | os.PathLike | None = None, env: dict[str, str] | None = None):
    """`streamlit run app.py` with `OMP_SOURCE=source`; yields the base URL; stops the process after.

    `secrets`: a secrets.toml to use instead of `.streamlit/secrets.toml` (e.g. with `[auth]` users);
    `env`: extra environment variables."""
    port = free_port()
    env = {**os.environ, "OMP_SOURCE": str(source), "PYTHONUNBUFFERED": "1", **(env or {})}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    if secrets is not None:
        cmd += ["--secrets.files", str(secrets)]
    out = open(log, "w") if log else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {proc.returncode}")
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as resp:
                    if resp.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("streamlit did not become healthy in time")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log:
            out.close()


def write_secrets(path: Path, users: dict[str, dict]) -> Path:
    """A secrets.toml with `[auth.users]` for `users` (login → {"password": …, "role": …, …}, see
    `hashed_users`). Values are written as JSON strings, which are TOML basic strings."""
    sections = []
    for login, account in hashed_users(users).items():
        lines = [f"[auth.users.{login}]"] + [f"{key} = {json.dumps(value, ensure_ascii=False)}"
                                             for key, value in account.items()]
        sections.append("\n".join(lines))
    path.write_text("\n\n".join(sections) + "\n", encoding="utf-8")
    return path


def wait_idle(page, timeout: float = 30_000) -> None:
    """Wait until the app is connected and no script run is in progress."""
    page.wait_for_selector(CONNECTED, timeout=timeout)
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_timeout(150)            # let the last deltas paint
    page.wait_for_selector(IDLE, timeout=timeout)


def assert_no_exception(page, where: str = "") -> None:
    """No traceback and no «page failed» message on the page."""
    assert page.locator("[data-testid='stException']").count() == 0, where
    assert page.get_by_text("не смогла отобразиться").count() == 0, where


def sign_in(page, login: str, password: str) -> None:
    """Fill in the sign-in form and press «Войти» (the caller waits for what should follow)."""
    page.get_by_label("Логин").fill(login)
    page.get_by_label("Пароль", exact=True).fill(password)
    page.get_by_role("button", name="Войти").click()


_TITLE = object()


def open_page(page, url: str, title: str, heading: str | None | object = _TITLE) -> None:
    """Click the page `title` in the sidebar navigation and wait until it is shown — its address, then an
    h1 with `heading` (default: the title; None: any heading) — and the script run has ended. `url` (the
    app's base address) is kept for callers' convenience."""
    heading = title if heading is _TITLE else heading
    link = page.locator("[data-testid='stSidebarNav'] a", has_text=title).first
    href = link.get_attribute("href") or ""
    link.click()
    path = href.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    page.wait_for_url(lambda url: url.split("?")[0].rstrip("/").rsplit("/", 1)[-1] == path, timeout=30_000)
    if heading:
        page.wait_for_selector(f"h1:has-text('{heading}')", timeout=30_000)
    wait_idle(page)


def metric_value(page, label: str) -> str:
    """The shown value of the first st.metric whose label is exactly `label`."""
    metric = page.locator("[data-testid='stMetric']").filter(
        has=page.locator("[data-testid='stMetricLabel']", has_text=label)).first
    return metric.locator("[data-testid='stMetricValue']").inner_text().strip()


def choose_selectbox(page, label: str, option: str) -> None:
    """Pick an option in the st.selectbox labelled `label` (a combobox in Streamlit 1.67)."""
    page.get_by_role("combobox", name=label, exact=True).first.click()
    page.get_by_role("option", name=option, exact=True).first.click()


def choose_multiselect(page, label: str, option: str) -> None:
    """Add an option to the st.multiselect labelled `label` and close its list."""
    page.get_by_role("combobox", name=label, exact=True).first.click()
    page.get_by_role("option", name=option, exact=True).first.click()
    page.keyboard.press("Escape")


def screenshot(page, name: str) -> Path:
    """A full-page screenshot. Streamlit scrolls inside its main container, not the document, so the
    viewport is made as tall as the content for the shot and restored afterwards."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate("""() => Math.max(...['stMain', 'stAppViewContainer', 'stSidebarContent']
        .map(id => document.querySelector(`[data-testid='${id}']`))
        .filter(Boolean).map(el => el.scrollHeight), document.body.scrollHeight)""")
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 16000)})
    page.wait_for_timeout(400)            # charts re-layout to the new size
    wait_idle(page)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path
