"""«Готово к отправке» and «Что изменилось с прошлого чтения» in a real browser: `streamlit run` on a
generated workbook, Debian's Chromium via Playwright. Clicks through a centre's checklist, follows its
link to the quality page filtered to the tab, edits the file, refreshes and reads the change view.
Full-page screenshots go to `artifacts/screenshots/` (git-ignored; CI keeps them)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.app_workbook import build_app_workbook, fix_two_errors_and_insert_a_row
from tests.browser_support import assert_no_exception, choose_selectbox, expect, open_page, screenshot, wait_idle


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    return build_app_workbook(tmp_path_factory.mktemp("ready-browser") / "омп.xlsx", n_institutions=8)


@pytest.fixture(scope="module")
def server(app_server, book, tmp_path_factory):
    return app_server(book, env={"OMP_SNAPSHOT_DIR": str(tmp_path_factory.mktemp("ready-server") / "snapshots")})


@pytest.fixture
def page(new_page, server):
    return new_page(server)


def test_a_centre_clicks_through_its_checklist(page):
    choose_selectbox(page, "Период", "II квартал")
    wait_idle(page)
    open_page(page, "", "Моё учреждение")
    choose_selectbox(page, "Учреждение", "Белозерский")
    expect(page.get_by_text("Не готово к отправке: II квартал 2026").first).to_be_visible()
    wait_idle(page)
    assert_no_exception(page)
    lines = page.locator("[class*='st-key-readiness_line_']")
    expect(lines).to_have_count(4)
    expect(lines.nth(0).locator("[data-testid='stAlertContentError']")).to_be_visible()        # red
    expect(lines.nth(0)).to_contain_text("Ошибки на вкладке исправлены")
    expect(lines.nth(0)).to_contain_text("На вкладке 3 ошибки")
    for i in (1, 2, 3):
        expect(lines.nth(i).locator("[data-testid='stAlertContentSuccess']")).to_be_visible()  # green
    expect(lines.nth(0).locator("[data-testid='stDataFrame']")).to_be_visible()
    screenshot(page, "11_readiness_checklist_red")

    # the red line's link: the quality page, filtered to this tab's errors
    lines.nth(0).get_by_role("link", name="Открыть на странице «Качество данных»").click()
    page.wait_for_url(re.compile(r"/quality\?"), timeout=30_000)
    page.wait_for_selector("h1:has-text('Качество данных')")
    wait_idle(page)
    assert "quality_search=" in page.url and "quality_severity=" in page.url
    expect(page.get_by_role("textbox", name="Поиск в сообщениях")).to_have_value("Белозерский")
    expect(page.get_by_text("Сообщений: 3").first).to_be_visible()
    assert_no_exception(page)
    screenshot(page, "12_quality_filtered_from_checklist")

    # a centre that is ready
    open_page(page, "", "Моё учреждение")
    choose_selectbox(page, "Учреждение", "Бабаевский")
    expect(page.get_by_text("Готово к отправке: II квартал 2026 — все проверки пройдены").first).to_be_visible()
    wait_idle(page)
    screenshot(page, "13_readiness_checklist_green")


def test_the_coordinator_sees_what_changed(page, book):
    choose_selectbox(page, "Период", "II квартал")
    wait_idle(page)
    open_page(page, "", "Качество данных")
    expect(page.get_by_text("Готово к отправке, 2026 год").first).to_be_visible()
    expect(page.get_by_text("Сравнивать пока не с чем").first).to_be_visible()
    assert_no_exception(page)

    fix_two_errors_and_insert_a_row(book)
    page.get_by_role("button", name="Обновить данные").click()
    summary = "исправлено 2 из 4 замечаний · добавлено 3 строки"
    expect(page.locator("[data-testid='stMarkdownContainer'] strong", has_text=summary)).to_be_visible()
    wait_idle(page)
    assert_no_exception(page)
    # the table of centres (its cells live in the grid's accessible copy)
    expect(page.locator("td[role='gridcell']", has_text=summary)).to_have_count(1)
    expect(page.get_by_role("combobox", name="Подробно по учреждению", exact=True)).to_have_value("Белозерский")
    expect(page.get_by_text("Строки мероприятий").first).to_be_visible()
    heading = page.get_by_role("heading", name="Что изменилось с прошлого чтения")
    expect(heading).to_be_visible()
    heading.scroll_into_view_if_needed()
    screenshot(page, "14_quality_changes")

    # another coordinator opening the page (a new session) sees the same comparison
    page.reload()
    wait_idle(page)
    page.wait_for_selector("h1:has-text('Качество данных')")
    wait_idle(page)
    expect(page.locator("[data-testid='stMarkdownContainer'] strong", has_text=summary)).to_be_visible()
    # and the checklist shows what is left: one error
    open_page(page, "", "Моё учреждение")
    choose_selectbox(page, "Учреждение", "Белозерский")
    expect(page.locator("[class*='st-key-readiness_line_errors']")).to_contain_text("На вкладке 1 ошибка")
    wait_idle(page)
    screenshot(page, "15_readiness_after_fixes")
