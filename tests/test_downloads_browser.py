"""A download's address on a real server (issue 14, item 8): `streamlit run` with sign-in on, Debian's
Chromium via Playwright. Before sign-in the page has no download; after a signed-in click the file is
served at /media/<hash> — to anyone, without a session or a cookie: that is Streamlit, and why
docs/AUTH.md puts the app behind the organisation's authenticating proxy — and a few seconds later
the address answers 404 (ui/media.py's janitor, here every 3 s)."""
from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.app_workbook import build_app_workbook
from tests.browser_support import expect, open_page, sign_in, wait_idle

PASSWORD = "director-pass-1"
CLEANUP_S = 3
MEDIA_LINKS = """() => [...document.querySelectorAll('[href], [src]')]
    .map(e => new URL(e.getAttribute('href') || e.getAttribute('src'), location.href).pathname)
    .filter(p => p.startsWith('/media/'))"""          # Streamlit's own fonts are under /static/media/


def is_media(url: str) -> bool:
    return urlsplit(url).path.startswith("/media/")


@pytest.fixture(scope="module")
def server(app_server, tmp_path_factory):
    source = build_app_workbook(tmp_path_factory.mktemp("downloads_browser") / "demo.xlsx", n_institutions=4)
    return app_server(source, users={"director": {"password": PASSWORD, "role": "director"}},
                      env={"OMP_MEDIA_CLEANUP_S": str(CLEANUP_S)})


def status(url: str) -> tuple[int, bytes]:
    """GET without any cookie or session: (status, body)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def test_a_download_exists_only_after_a_signed_in_click_and_not_for_long(new_page, server):
    page = new_page()
    media_requests: list[str] = []
    page.on("request", lambda r: media_requests.append(r.url) if is_media(r.url) else None)
    page.goto(f"{server}/activities")
    wait_idle(page)
    expect(page.locator("h1").first).to_have_text("Вход в панель ОМП")
    assert page.locator("[data-testid='stDownloadButton']").count() == 0
    assert page.evaluate(MEDIA_LINKS) == [] and not media_requests

    sign_in(page, "director", PASSWORD)
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
