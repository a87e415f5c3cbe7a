"""The dashboard in a real browser: `streamlit run` on a free port, Debian's Chromium via Playwright.

Visits every page, changes the period and institution filters and checks the shown numbers against
`lib`, downloads the activity table, uploads a broken and a good workbook, and saves full-page
screenshots of every page under `artifacts/screenshots/` (git-ignored).
"""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from lib.loader import SAMPLE_WORKBOOK, load_workbook
from lib.metrics.counts import counts_by_group
from lib.metrics.selection import Selection, select_rows
from lib.model.periods import Period
from lib.russian import format_number
from tests.app_workbook import build_app_workbook
from tests.browser_support import (PAGE_H1, PAGES, assert_no_exception, choose_multiselect, choose_selectbox,
                                   expect, metric_value, open_page, screenshot, wait_idle)

SLUG = {"Обзор": "1_overview", "План": "2_plan", "Мероприятия": "3_activities", "Мониторинг": "4_monitoring",
        "Качество данных": "5_quality", "Моё учреждение": "6_my_institution", "Отчет": "7_report"}


@pytest.fixture(scope="session")
def source(tmp_path_factory) -> Path:
    """The bundled demo workbook (what a new user sees), else a generated one."""
    if SAMPLE_WORKBOOK.exists():
        return SAMPLE_WORKBOOK
    return build_app_workbook(tmp_path_factory.mktemp("browser") / "demo.xlsx", n_institutions=12)


@pytest.fixture(scope="session")
def workbook(source):
    return load_workbook(source)


@pytest.fixture(scope="module")
def server(app_server, source):
    return app_server(source)


@pytest.fixture
def page(new_page, server):
    return new_page(server)


def set_period(page, label: str) -> None:
    choose_selectbox(page, "Период", label)
    wait_idle(page)


def test_every_page_renders_with_screenshots(page, workbook):
    for title in PAGES:
        open_page(page, "", title, PAGE_H1[title])
        if PAGE_H1[title]:
            expect(page.locator("h1").first).to_have_text(PAGE_H1[title])
        else:
            expect(page.locator("h1").first).to_be_visible()
        assert_no_exception(page)
        if title != "Отчет":
            expect(page.get_by_text("прочитаны", exact=False).first).to_be_visible()
        path = screenshot(page, SLUG[title])
        assert path.stat().st_size > 20_000


def test_the_sidebar_lists_the_pages_in_sections(page):
    """The navigation groups the pages (app.py's sections); the demo, without sign-in, lists the admin page."""
    nav = page.locator("[data-testid='stSidebarNav']")
    sections = ["Сводка", "Данные учреждений", "Отчётность", "Администрирование"]
    expect(nav.locator("[data-testid='stNavSectionHeader']")).to_have_count(len(sections))
    expect(nav.locator("[data-testid='stNavSectionHeader']")).to_contain_text(sections)    # (and an icon)
    expect(nav.locator("a")).to_have_count(len(PAGES) + 1)
    expect(nav.locator("a")).to_contain_text(PAGES + ["Импорт плана"])                      # in this order


def test_period_and_institution_filters_change_the_numbers(page, workbook):
    year = workbook.year
    set_period(page, "I квартал")
    q1 = counts_by_group(select_rows(workbook, Selection(Period.quarter(year, 1))).frame)
    expect(page.locator("[data-testid='stMetric']").filter(has_text="Консультации")
           .locator("[data-testid='stMetricValue']")).to_have_text(format_number(q1["Консультации"]))

    set_period(page, "1 полугодие")
    h1 = counts_by_group(select_rows(workbook, Selection(Period(year, 1, 2))).frame)
    assert h1["Консультации"] != q1["Консультации"]
    expect(page.locator("[data-testid='stMetric']").filter(has_text="Консультации")
           .locator("[data-testid='stMetricValue']")).to_have_text(format_number(h1["Консультации"]))
    assert metric_value(page, "Публикации") == format_number(h1["Публикации"])

    name = workbook.institution_names[0]
    choose_multiselect(page, "Учреждения", name)
    wait_idle(page)
    own = counts_by_group(select_rows(workbook, Selection(Period(year, 1, 2), [name])).frame)
    expect(page.locator("[data-testid='stMetric']").filter(has_text="Консультации")
           .locator("[data-testid='stMetricValue']")).to_have_text(format_number(own["Консультации"]))
    expect(page.get_by_text("Сдали данные за 1 полугодие").first).to_be_visible()
    screenshot(page, "8_overview_one_institution")

    # the filters hold across pages
    open_page(page, "", "Мероприятия")
    acts = select_rows(workbook, Selection(Period(year, 1, 2), [name])).frame
    assert metric_value(page, "Мероприятий") == format_number(len(acts))
    assert metric_value(page, "Учреждений с мероприятиями") == f"{acts['institution'].nunique()} из 1"


def chart_marks(page, nth: int, selector: str, attribute: str) -> list:
    """The `attribute` of the SVG elements `selector` drawn by the nth chart of the page (Vega renders SVG)."""
    chart = page.locator("[data-testid='stVegaLiteChart']").nth(nth)
    expect(chart.locator("svg")).to_be_visible()
    return chart.evaluate(f"(e, sel) => Array.from(e.querySelectorAll(sel)).map(m => m.{attribute})", selector)


def test_charts_draw_the_data_they_are_given(page, workbook):
    """The chart specs are compiled once (ui/charts.py): every draw must bind this run's data."""
    year = workbook.year
    open_page(page, "", "Мероприятия")
    set_period(page, "III квартал")
    bars = chart_marks(page, 0, "path[aria-label]", "getAttribute('aria-label') + '|' + m.getAttribute('opacity')")
    per_quarter = {q: 0 for q in ("I кв.", "II кв.", "III кв.", "IV кв.")}
    for label, opacity in (bar.rsplit("|", 1) for bar in bars):
        fields = dict(part.split(": ", 1) for part in label.split("; "))
        per_quarter[fields["Квартал"]] += int(fields["Мероприятий"])
        assert opacity == ("1" if fields["Квартал"] == "III кв." else "0.35"), label   # the period stands out
    acts = select_rows(workbook, Selection(Period(year, 1, 4))).frame
    assert per_quarter == {f"{q} кв.": int((acts["quarter"] == n).sum())
                           for n, q in enumerate(("I", "II", "III", "IV"), start=1)}
    # the heat map's first row: the first institution's counts per quarter
    first = workbook.institution_names[0]
    cells = chart_marks(page, 2, "g.role-mark text", "textContent")
    mine = acts[acts["institution"] == first]
    assert cells[:4] == [str(int((mine["quarter"] == q).sum())) for q in (1, 2, 3, 4)]

    open_page(page, "", "План")
    texts = chart_marks(page, 0, "text", "textContent")
    assert f"на {date.today():%d.%m.%Y}" in texts and "undefined" not in texts


def test_download_activity_table(page, workbook):
    open_page(page, "", "Мероприятия")
    set_period(page, "II квартал")
    expected = select_rows(workbook, Selection(Period.quarter(workbook.year, 2))).frame
    expect(page.get_by_text(f"Строк: {format_number(len(expected))}.").first).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("button", name="Скачать таблицу (.xlsx)").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx") and "2кв" in download.suggested_filename
    book = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    sheet = book["Мероприятия"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Учреждение", "Дата", "Квартал", "Вид мероприятия"]
    assert sheet.max_row - 1 == len(expected)
    assert sorted(r[0] for r in sheet.iter_rows(min_row=2, values_only=True)) == sorted(expected["institution"])
    dates = [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(d.month in (4, 5, 6) for d in dates)
    assert sheet["B2"].number_format == "DD.MM.YYYY"


def test_upload_broken_then_good_workbook(page, workbook, tmp_path):
    before = metric_value(page, "Консультации")
    uploader = page.locator("[data-testid='stFileUploaderDropzoneInput']")

    broken = tmp_path / "сломанный.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    uploader.set_input_files(str(broken))
    expect(page.get_by_text("Показаны прежние данные").first).to_be_visible()
    wait_idle(page)
    assert_no_exception(page)
    assert metric_value(page, "Консультации") == before
    screenshot(page, "9_upload_broken")

    good = build_app_workbook(tmp_path / "загрузка.xlsx", n_institutions=5)
    uploaded = load_workbook(good)
    uploader.set_input_files(str(good))
    expect(page.get_by_text("Загружен файл «загрузка.xlsx»").first).to_be_visible()
    wait_idle(page)
    set_period(page, "II квартал")
    q2 = counts_by_group(select_rows(uploaded, Selection(Period.quarter(2026, 2))).frame)
    expect(page.locator("[data-testid='stMetric']").filter(has_text="Консультации")
           .locator("[data-testid='stMetricValue']")).to_have_text(format_number(q2["Консультации"]))
    expect(page.get_by_text("загруженный файл «загрузка.xlsx»").first).to_be_visible()
    for title in PAGES:
        open_page(page, "", title, PAGE_H1[title])
        assert_no_exception(page)

    # removing the file from the uploader returns to the main source
    page.locator("[data-testid='stFileChipDeleteBtn'] button").first.click()
    expect(page.get_by_text(f"файл «{workbook.source.label}»").first).to_be_visible()
    wait_idle(page)
    assert_no_exception(page)


def test_broken_source_still_renders_every_page(app_server, new_page, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_text("не Excel", encoding="utf-8")
    url = app_server(broken)
    pg = new_page(url)
    for title in PAGES:
        open_page(pg, url, title, PAGE_H1[title])
        assert_no_exception(pg)
        expect(pg.get_by_text("Обновить данные» или загрузите").first).to_be_visible()
    open_page(pg, url, "Обзор")
    screenshot(pg, "10_broken_source")


def test_as_of_date_is_shown_in_russian_format(page):
    today = date.today().strftime("%d.%m.%Y")
    expect(page.get_by_text(f"Выполнение плана на {today}").first).to_be_visible()


def test_link_to_one_institution_opens_its_page(page, server, workbook):
    """A КЦСОН can bookmark its own page: the institution is in the address."""
    name = workbook.institution_names[1]
    page.goto(f"{server}/my_institution?institution={name}")
    wait_idle(page)
    expect(page.locator("h1").first).to_have_text("Моё учреждение")
    expect(page.get_by_role("combobox", name="Учреждение", exact=True)).to_have_value(name)
    assert_no_exception(page)
