"""Sign-in in a real browser: `streamlit run` with users in a secrets file, Debian's Chromium via
Playwright. A centre's user signs in and sees its own institution only — also when the address asks
for another institution; wrong passwords get the generic message; «Выйти» closes the session."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from lib.auth import FAILURE_MESSAGE
from lib.loader import load_workbook
from lib.metrics.selection import Selection, select_rows
from lib.model.periods import Period
from lib.russian import format_number
from tests.app_workbook import build_app_workbook
from tests.browser_support import (PAGE_H1, PAGES, assert_no_exception, expect, open_page, screenshot, sign_in,
                                   wait_idle)

OWN = "Белозерский"
PASSWORDS = {"kcson": "kcson-pass-333", "director": "director-pass-1"}


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return build_app_workbook(tmp_path_factory.mktemp("auth_browser") / "demo.xlsx", n_institutions=8)


@pytest.fixture(scope="module")
def workbook(source):
    return load_workbook(source)


@pytest.fixture(scope="module")
def server(app_server, source):
    return app_server(source, users={
        "kcson": {"password": PASSWORDS["kcson"], "role": "institution", "institution": OWN, "name": "Оператор КЦСОН"},
        "director": {"password": PASSWORDS["director"], "role": "director"}})


@pytest.fixture
def page(new_page):
    return new_page()


def body_text(page) -> str:
    """The page's text plus the cells of its tables (drawn on a canvas; their accessible copy is hidden)."""
    cells = page.locator("[data-testid='stDataFrame'] [role='gridcell']").all_text_contents()
    return page.locator("[data-testid='stApp']").inner_text() + "\n" + "\n".join(cells)


def assert_only_own(page, workbook, where: str) -> None:
    text = body_text(page)
    leaked = [n for n in workbook.institution_names if n != OWN and n in text]
    assert not leaked, f"{where}: {leaked}"


def test_sign_in_form_then_a_centre_user_sees_only_its_own_institution(page, server, workbook):
    page.goto(server)
    wait_idle(page)
    expect(page.locator("h1").first).to_have_text("Вход в панель ОМП")
    assert page.locator("[data-testid='stSidebarNav']").count() == 0
    assert page.locator("[data-testid='stMetric']").count() == 0
    screenshot(page, "auth_1_sign_in")

    sign_in(page, "kcson", "not-the-password")
    expect(page.get_by_text(FAILURE_MESSAGE)).to_be_visible()
    wait_idle(page, timeout=60_000)
    expect(page.get_by_label("Пароль", exact=True)).to_have_value("")
    assert page.locator("[data-testid='stMetric']").count() == 0

    sign_in(page, "kcson", PASSWORDS["kcson"])
    expect(page.locator("h1").first).to_have_text("Обзор", timeout=60_000)
    wait_idle(page)
    expect(page.get_by_text(f"Учреждение: {OWN}").first).to_be_visible()
    expect(page.get_by_text("Оператор КЦСОН (учреждение, Белозерский)")).to_be_visible()
    assert page.get_by_role("combobox", name="Учреждения", exact=True).count() == 0
    assert_only_own(page, workbook, "Обзор")
    screenshot(page, "auth_2_centre_overview")
    for title in PAGES:
        open_page(page, server, title, PAGE_H1[title])
        assert_no_exception(page)
        assert_only_own(page, workbook, title)

    page.get_by_role("button", name="Выйти").click()
    expect(page.locator("h1").first).to_have_text("Вход в панель ОМП")
    wait_idle(page)
    assert page.locator("[data-testid='stMetric']").count() == 0


def test_a_crafted_url_for_another_institution_shows_only_own_data(page, server, workbook):
    other = next(n for n in workbook.institution_names if n != OWN)
    page.goto(f"{server}/my_institution?institution={quote(other)}")
    wait_idle(page)
    expect(page.locator("h1").first).to_have_text("Вход в панель ОМП")
    sign_in(page, "kcson", PASSWORDS["kcson"])
    expect(page.locator("h1").first).to_have_text("Моё учреждение", timeout=60_000)
    wait_idle(page)
    assert_no_exception(page)
    expect(page.get_by_role("combobox", name="Учреждение", exact=True)).to_have_value(OWN)
    assert_only_own(page, workbook, "my_institution?institution=other")
    own = select_rows(workbook, Selection(Period.quarter(workbook.year, 1), [OWN])).frame
    page.get_by_role("combobox", name="Период", exact=True).click()
    page.get_by_role("option", name="I квартал", exact=True).click()
    wait_idle(page)
    metric = page.locator("[data-testid='stMetric']").filter(has_text="Мероприятий за период")
    expect(metric.locator("[data-testid='stMetricValue']")).to_have_text(format_number(len(own)))
    # the list offers nothing else
    page.get_by_role("combobox", name="Учреждение", exact=True).click()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    assert [o.strip() for o in options] == [OWN]
    assert other not in page.url
    screenshot(page, "auth_3_crafted_url")


def test_the_director_sees_every_institution(page, server, workbook):
    page.goto(f"{server}/quality")
    wait_idle(page)
    sign_in(page, "Director", PASSWORDS["director"])
    expect(page.locator("h1").first).to_have_text("Качество данных", timeout=60_000)
    wait_idle(page)
    assert_no_exception(page)
    page.wait_for_selector("[data-testid='stDataFrame'] [role='gridcell']", state="attached")
    text = body_text(page)
    assert sum(n in text for n in workbook.institution_names) >= 3, "the issues of several institutions"
    page.get_by_role("combobox", name="Учреждения", exact=True).click()
    options = [o.strip() for o in page.get_by_role("option").all_inner_texts()]
    page.keyboard.press("Escape")
    assert options == workbook.institution_names
