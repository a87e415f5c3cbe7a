"""Fixtures shared by the whole suite: the app factory for AppTest (`make_app`), the browser tests'
Chromium, servers and pages (`browser`, `app_server`, `new_page`), and the settings every test runs
with (snapshots in a temporary folder, no pause between refreshes or after a failed sign-in).

Every test in a file named `*browser*.py` gets the `browser` marker (tests/test_load.py, the load test
with 20 Chromium sessions, sets it itself): `pytest -m "not browser"` runs the fast suite alone.
Helpers the tests call directly are in tests/app_support.py and tests/browser_support.py.
"""
from __future__ import annotations

import os
from contextlib import ExitStack

import pytest
import streamlit

from tests.fake_sheets import fake_sheets  # noqa: F401  (the local fake Google Sheets server fixture)


def pytest_collection_modifyitems(items):
    for item in items:
        if "browser" in item.path.name:
            item.add_marker(pytest.mark.browser)


# --------------------------------------------------------------------------- every test


@pytest.fixture(scope="session", autouse=True)
def snapshots_in_a_temporary_folder(tmp_path_factory):
    """The app writes Google snapshots and the history of reads (lib.metrics.changes) to `.snapshots/`: tests
    write them to a temporary folder instead (servers started by browser tests inherit it). A test
    that sets OMP_SNAPSHOT_DIR itself still wins."""
    saved = os.environ.get("OMP_SNAPSHOT_DIR")
    if saved is None:
        os.environ["OMP_SNAPSHOT_DIR"] = str(tmp_path_factory.mktemp("snapshots"))
    yield
    if saved is None:
        os.environ.pop("OMP_SNAPSHOT_DIR", None)


@pytest.fixture(autouse=True)
def refresh_without_pause(monkeypatch):
    """Tests click «Обновить данные» many times a minute: no pause between refreshes here (the pause has
    its own test in test_app.py)."""
    from ui import context
    monkeypatch.setattr(context, "MIN_REFRESH_S", 0)
    monkeypatch.setitem(context._last_refresh, "at", None)


@pytest.fixture(autouse=True)
def signin_pauses(monkeypatch) -> list[float]:
    """A failed sign-in pauses (ui.signin.SLEEP): here the pauses are recorded instead of slept — the
    list is the fixture's value — and every test starts with a fresh process-wide attempt limiter."""
    from ui import signin
    waits: list[float] = []
    monkeypatch.setattr(signin, "SLEEP", waits.append)
    signin.limiter.clear()
    yield waits
    signin.limiter.clear()


# --------------------------------------------------------------------------- AppTest


@pytest.fixture
def make_app(monkeypatch):
    """The app factory: `make_app(source, run=True, **options)` → an AppTest of app.py reading `source`
    (None: the OMP_SOURCE the test has set), run once unless `run=False`; `options` as in
    tests.app_support.new_app (period="Q2", as_of, auth, timeout, session values)."""
    from tests.app_support import new_app

    def make(source=None, *, run: bool = True, **options):
        if source is not None:
            monkeypatch.setenv("OMP_SOURCE", str(source))
        at = new_app(**options)
        return at.run() if run else at
    return make


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="module")
def browser():
    """One headless Debian Chromium per test module, driven by Playwright (never a downloaded browser).
    Without Chromium the browser tests are skipped — except in CI (`CI` set), where that is a failure.

    Module scope: Playwright's sync API owns the event loop while it runs, so it must be stopped
    before another test module starts its own.
    """
    sync_api = pytest.importorskip("playwright.sync_api")
    from tests.browser_support import CHROMIUM, CHROMIUM_ARGS
    if not os.path.exists(CHROMIUM):
        message = f"нет {CHROMIUM}: установите пакет chromium (scripts/setup.sh --dev)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    """The server factory: `app_server(source, users=None, env=None)` → the base URL of `streamlit run
    app.py` on `source`, with sign-in for `users` (login → {"password": …, "role": …}, see
    tests.app_support.hashed_users) and extra environment variables. The servers stop when the module ends;
    each writes its log to a temporary folder."""
    from tests.browser_support import streamlit_server, write_secrets

    with ExitStack() as servers:
        def start(source: str | os.PathLike, users: dict[str, dict] | None = None,
                  env: dict[str, str] | None = None) -> str:
            folder = tmp_path_factory.mktemp("server")
            secrets = write_secrets(folder / "secrets.toml", users) if users else None
            return servers.enter_context(streamlit_server(source, log=folder / "streamlit.log", secrets=secrets,
                                                          env=env))
        yield start


@pytest.fixture
def new_page(browser):
    """The page factory: `new_page(url=None, width=1440, height=900, timeout=30_000)` → a Playwright page in
    a fresh browser context (Russian locale, downloads accepted), opened at `url` and idle if given.
    The contexts close when the test ends."""
    from tests.browser_support import wait_idle
    contexts = []

    def open_new(url: str | None = None, width: int = 1440, height: int = 900, timeout: float = 30_000):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="ru-RU",
                                      accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(timeout)
        if url is not None:
            page.goto(url)
            wait_idle(page)
        return page
    yield open_new
    for context in contexts:
        context.close()


@pytest.fixture
def downloads(monkeypatch) -> list[dict]:
    """Every st.download_button the page draws, with its arguments (its bytes are not readable through
    AppTest: the callable is)."""
    seen: list[dict] = []
    original = streamlit.download_button

    def recording(label, data, *args, **kwargs):
        seen.append({"label": label, "data": data, **kwargs})
        return original(label, data, *args, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", recording)
    return seen


@pytest.fixture(scope="module")
def seed_docx(tmp_path_factory):
    """Seed 000's approved Word plan, rebuilt as a .docx (tests/plan_docx.py)."""
    from tests.plan_docx import seed_plan_docx
    return seed_plan_docx(tmp_path_factory.mktemp("plan") / "План_ОМП_2026.docx")


@pytest.fixture(scope="module")
def seed(seed_docx):
    """Seed 000's plan as the Word import reads it."""
    from lib.sources.word_plan import import_plan_docx
    return import_plan_docx(seed_docx)
