"""Workbook text is shown literally in a real browser (issue 14, item 5): `streamlit run` on the payload
workbook of tests/payload_workbook.py, Debian's Chromium via Playwright, every page for the director
and for the institution whose tab name is a payload. No <img> or <a> from a payload, no colour, icon
or formula, and not a single request to the payloads' address; the payload texts are on the page as
text. (Every Markdown string of every page, in AppTest: tests/test_markup.py.)"""
from __future__ import annotations

import pytest

from tests import payload_workbook as pw
from tests import browser_support
from tests.browser_support import PAGE_H1, PAGES, expect, open_page, screenshot, wait_idle

PASSWORDS = {"director": "director-pass-1", "kcson": "kcson-pass-333"}
WJ = "\u2060"

# What a payload would have made of the page: elements that must not exist.
FORBIDDEN = {
    "a payload image": f"img[src*='{pw.HOST}'], img[src='x'], img[src$='/x']",
    "a payload link": f"a[href*='{pw.HOST}'], a[href*='evil.example'], a[href^='mailto:'], a[href='x'], a[href$='/x']",
    "a colour, badge or background directive": ".stMarkdownColoredText, .stMarkdownBadge, .stMarkdownColoredBackground",
    "a formula": ".katex, .katex-display",
    "payload bold, italics, strikethrough or code": ", ".join(
        f"[data-testid='stMarkdownContainer'] {tag}:text-is('{word}')"
        for tag in ("b", "strong", "em", "i", "del", "s", "code")
        for word in ("жирный", "жир", "курсив", "к", "А", "Б", "зачёркнуто", "s", "код", "x")),
    "a payload icon": "[role='img']:text-is('skull')",
}


@pytest.fixture(scope="module")
def server(app_server, tmp_path_factory):
    source = pw.build_payload_workbook(tmp_path_factory.mktemp("markup_browser"))
    return app_server(source, users={
        "director": {"password": PASSWORDS["director"], "role": "director"},
        "kcson": {"password": PASSWORDS["kcson"], "role": "institution", "institution": pw.TAB_OWN}})


@pytest.fixture
def page(new_page):
    pg = new_page(height=1000)
    pg.requests = []
    pg.on("request", lambda request: pg.requests.append(request.url))
    return pg


def shown_text(page) -> str:
    return page.locator("[data-testid='stApp']").inner_text().replace(WJ, "")


def assert_inert(page, where: str) -> None:
    browser_support.assert_no_exception(page, where)
    found = {what: page.locator(selector).count() for what, selector in FORBIDDEN.items()}
    assert not any(found.values()), f"{where}: {found}"
    fetched = [u for u in page.requests if pw.HOST in u or u.split("?")[0].endswith("/x")]
    assert not fetched, f"{where}: the browser fetched {fetched}"


def sign_in(page, server: str, login: str) -> None:
    page.goto(server)
    wait_idle(page)
    browser_support.sign_in(page, login, PASSWORDS[login])
    expect(page.locator("h1").first).to_have_text("Обзор", timeout=60_000)
    wait_idle(page)


def visit_every_page(page, role: str) -> str:
    texts = []
    for title in PAGES:
        open_page(page, "", title, PAGE_H1[title])
        page.wait_for_timeout(500)                    # images would be requested by now
        assert_inert(page, f"{role}: {title}")
        texts.append(shown_text(page))
        if role == "kcson" and title in ("Моё учреждение", "Мониторинг"):
            screenshot(page, f"markup_{role}_{'my_institution' if title == 'Моё учреждение' else 'monitoring'}")
    return "\n".join(texts)


def test_the_director_sees_payloads_as_text_on_every_page(page, server):
    sign_in(page, server, "director")
    assert_inert(page, "director: Обзор")
    text = visit_every_page(page, "director")
    for field in ("пункт плана", "срок", "показатель", "критерий", "показатель отчета"):
        assert pw.FIELDS[field] in text, f"{field} is not shown literally"
    assert pw.FILE_NAME in text


def test_an_institution_with_a_payload_name_sees_payloads_as_text(page, server):
    sign_in(page, server, "kcson")
    assert_inert(page, "kcson: Обзор")
    assert f"Учреждение: {pw.TAB_OWN}" in shown_text(page)
    text = visit_every_page(page, "kcson")
    for field in ("полное наименование", "район", "ответственный", "контакты", "ОМП"):
        assert pw.FIELDS[field] in text, f"{field} is not shown literally"
