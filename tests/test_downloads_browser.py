"""A download's address on a real server (issue 14, item 8): `streamlit run` with sign-in on, Debian's
Chromium via Playwright. Before sign-in the page has no download; after a signed-in click the file is
served at /media/<hash> — to anyone, without a session or a cookie: that is Streamlit, and why
docs/AUTH.md puts the app behind the organisation's authenticating proxy — and a few seconds later
the address answers 404 (ui/media.py's janitor, here every 3 s)."""
from __future__ import annotations

import os
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import bcrypt
import pytest

from tests.app_workbook import build_app_workbook
from tests.browser_support import CHROMIUM, open_page, streamlit_server, wait_idle

pytestmark = [
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium is not installed (apt-get install chromium)"),
    pytest.mark.timeout(600),
]
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

PASSWORD = "director-pass-1"
CLEANUP_S = 3
MEDIA_LINKS = """() => [...document.querySelectorAll('[href], [src]')]
    .map(e => new URL(e.getAttribute('href') || e.getAttribute('src'), location.href).pathname)
    .filter(p => p.startsWith('/media/'))"""          # Streamlit's own fonts are under /static/media/


def is_media(url: str) -> bool:
    return urlsplit(url).path.startswith("/media/")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("downloads_browser")
    source = build_app_workbook(tmp / "demo.xlsx", n_institutions=4)
    secrets = tmp / "secrets.toml"
    secrets.write_text(f'[auth.users.director]\npassword_hash = '
                       f'"{bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()}"\nrole = "director"\n',
                       encoding="utf-8")
    with streamlit_server(source, log=tmp / "streamlit.log", secrets=secrets,
                          env={"OMP_MEDIA_CLEANUP_S": str(CLEANUP_S)}) as url:
        yield url


def status(url: str) -> tuple[int, bytes]:
    """GET without any cookie or session: (status, body)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def test_a_download_exists_only_after_a_signed_in_click_and_not_for_long(browser, server):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="ru-RU", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    media_requests: list[str] = []
    page.on("request", lambda r: media_requests.append(r.url) if is_media(r.url) else None)
    try:
        page.goto(f"{server}/activities")
        wait_idle(page)
        expect(page.locator("h1").first).to_have_text("Вход в панель ОМП")
        assert page.locator("[data-testid='stDownloadButton']").count() == 0
        assert page.evaluate(MEDIA_LINKS) == [] and not media_requests

        page.get_by_label("Логин").fill("director")
        page.get_by_label("Пароль", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Войти").click()
        expect(page.locator("h1").first).to_have_text("Мероприятия", timeout=60_000)
        wait_idle(page)
        assert page.evaluate(MEDIA_LINKS) == [] and not media_requests, "nothing is built before the click"
        button = page.get_by_role("button", name="Скачать таблицу (.xlsx)")
        with page.expect_download(timeout=60_000) as info:
            button.click()
        download = info.value
        url = download.url
        assert is_media(url) and url.endswith(".xlsx"), url
        body = Path(download.path()).read_bytes()

        code, served = status(url)                  # no cookie, no session: Streamlit serves it anyway
        assert code == 200 and served == body

        deadline = time.monotonic() + 4 * CLEANUP_S + 10
        while status(url)[0] == 200:
            assert time.monotonic() < deadline, "the file is still served"
            time.sleep(0.5)
        assert status(url)[0] == 404
        open_page(page, server, "Обзор")            # the app keeps working; another click builds a new file
        open_page(page, server, "Мероприятия")
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="Скачать таблицу (.xlsx)").click()
        assert Path(info.value.path()).read_bytes()[:2] == b"PK"
    finally:
        context.close()
