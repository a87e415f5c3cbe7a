"""The dashboard in Streamlit's AppTest: every page on a normal and on broken workbooks, filters that
change the numbers, and the overview's numbers against `lib` for the same filters."""
from __future__ import annotations

import json
import os
import time
import uuid
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

import ui.context as context
from lib.loader import load_workbook
from lib.metrics.counts import counts_by_group, monitoring_period_values, region_totals
from lib.metrics.selection import Selection, select_rows
from tests.expected import reported_count
from lib.model.periods import Period
from lib.metrics.plan_status import plan_status, status_counts
from lib.metrics.laggards import find_laggards
from lib.russian import format_number
from tests.app_support import PAGES, assert_clean, go
from tests.app_workbook import build_app_workbook
from tests.fake_sheets import FakeSheets, make_client, workbook_tabs
from tests.workbook_builder import write_workbook

AS_OF = date(2026, 11, 22)
PAGE_TITLES = {"overview": "Обзор", "plan": "План работы", "activities": "Мероприятия", "monitoring": "Мониторинг",
               "quality": "Качество данных", "my_institution": "Моё учреждение", "report": None}


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory) -> Path:
    return build_app_workbook(tmp_path_factory.mktemp("app") / "demo.xlsx", n_institutions=8)


@pytest.fixture(scope="module")
def demo_wb(demo_path):
    return load_workbook(demo_path)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table_with(at: AppTest, column: str):
    """The first st.dataframe on the page that has `column`."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with column {column!r}")


# --------------------------------------------------------------------------- every page renders


def test_every_page_renders_on_a_normal_workbook(make_app, demo_path):
    at = make_app(demo_path, as_of=AS_OF)
    assert_clean(at, "start")
    for page in PAGES:
        go(at, page)
        title = PAGE_TITLES[page]
        if title:
            assert at.title[0].value == title
        assert any("demo.xlsx" in c.value for c in at.caption), f"{page}: the data source is not shown"
    assert not at.error or all("Просрочено" in e.value for e in at.error)


def _broken_sources(tmp: Path) -> dict[str, Path]:
    blank = tmp / "blank.xlsx"
    openpyxl.Workbook().save(blank)
    garbage = tmp / "garbage.xlsx"
    garbage.write_text("это не книга Excel", encoding="utf-8")
    return {
        "missing": tmp / "no-such-file.xlsx",
        "garbage": garbage,
        "blank": blank,
        "no_institutions": write_workbook(tmp / "noinst.xlsx", institutions={}, plan=[]),
        "empty_tabs": write_workbook(tmp / "empty.xlsx",
                                     institutions={"Бабаевский": [], "Вашкинский": [["Мероприятия"]]}),
        "headers_only": write_workbook(tmp / "headers.xlsx", institutions={
            "Бабаевский": [["Дата", "Вид мероприятия"], [], ["Показатель", "I квартал", "II квартал"]]}),
    }


@pytest.mark.parametrize("kind", ["missing", "garbage", "blank", "no_institutions", "empty_tabs", "headers_only"])
def test_every_page_renders_on_a_broken_or_empty_workbook(make_app, tmp_path, kind):
    source = _broken_sources(tmp_path)[kind]
    at = make_app(source, as_of=AS_OF)
    assert_clean(at, kind)
    for page in PAGES:
        go(at, page)
        guidance = [e.value for e in at.info] + [e.value for e in at.error] + [e.value for e in at.warning] + \
            [e.value for e in at.success]
        tables = [d for d in at.dataframe if len(d.value)]
        assert guidance or tables or at.metric, f"{kind}/{page}: an empty page without guidance"
    if kind in ("missing", "garbage"):
        message = at.error[0].value
        assert "Обновить данные" in message and ("не найден" in message or "Excel" in message)


def test_load_failure_is_russian_and_shown_on_every_page(make_app, tmp_path):
    at = make_app(tmp_path / "нет-файла.xlsx", as_of=AS_OF)
    for page in PAGES:
        go(at, page)
        assert any("не найден" in e.value for e in at.error), page


# --------------------------------------------------------------------------- overview numbers = lib


def expected_overview(wb, period: Period, institutions: list[str]) -> dict[str, str]:
    counts = status_counts(plan_status(wb, AS_OF))
    groups = counts_by_group(select_rows(wb, Selection(period, institutions)).frame)
    out = {"Выполнено": counts["выполнено"], "В работе": counts["в работе"], "Просрочено": counts["просрочено"],
           "Не начато": counts["не начато"], **groups}
    out = {k: format_number(v) for k, v in out.items()}
    issues = wb.issues if not institutions else wb.issues[wb.issues["institution"].isin(institutions)]
    out["Ошибок в данных"] = format_number(int((issues["severity"] == "error").sum()))
    if not institutions:
        reported, total = reported_count(wb, period)
        out[f"Сдали данные за {period.label}"] = f"{reported} из {total}"
    return out


@pytest.mark.parametrize("period,institutions", [
    ("Q1", []), ("Q2", []), ("Q3", []), ("H1", []), ("Y", []),
    ("Q2", ["Бабаевский", "Белозерский"]), ("9M", ["Вашкинский"]),
])
def test_overview_numbers_equal_lib(make_app, demo_path, demo_wb, period, institutions):
    at = make_app(demo_path, as_of=AS_OF, period=period, omp_institutions=institutions)
    assert_clean(at)
    shown = metrics(at)
    expected = expected_overview(demo_wb, Period.parse(f"2026-{period}" if period != "Y" else "2026"), institutions)
    for label, value in expected.items():
        assert shown[label] == value, label


def test_overview_delta_is_the_change_from_the_previous_period(make_app, demo_path, demo_wb):
    at = make_app(demo_path, as_of=AS_OF, period="Q2")
    now = counts_by_group(select_rows(demo_wb, Selection(Period.parse("2026-Q2"))).frame)
    before = counts_by_group(select_rows(demo_wb, Selection(Period.parse("2026-Q1"))).frame)
    deltas = {m.label: m.delta for m in at.metric}
    for group in now:
        assert deltas[group] == str(now[group] - before[group]).lstrip("+"), group
    # Q1 2026 compares with Q4 2025, which the workbook does not cover: no delta rather than a fake one
    at = make_app(demo_path, as_of=AS_OF, period="Q1")
    assert all(not m.delta for m in at.metric if m.label in now)


def test_period_and_institution_filters_change_the_overview(make_app, demo_path, demo_wb):
    at = make_app(demo_path, as_of=AS_OF, period="Q1")
    q1 = metrics(at)
    at.selectbox(key="omp_period").set_value("Q3").run()
    q3 = metrics(at)
    assert q1["Консультации"] != q3["Консультации"]
    assert q3["Консультации"] == format_number(counts_by_group(select_rows(demo_wb, Selection(Period.parse("2026-Q3"))).frame)[
        "Консультации"])
    at.multiselect(key="omp_institutions").set_value(["Белозерский"]).run()
    one = metrics(at)
    acts = select_rows(demo_wb, Selection(Period.parse("2026-Q3"), ["Белозерский"])).frame
    assert one["Консультации"] == format_number(counts_by_group(acts)["Консультации"])
    assert one["Ошибок в данных"] == "3"           # the three broken rows are Белозерский's
    assert one["Сдали данные за III квартал 2026"] == "1 из 1"


def test_as_of_date_changes_plan_status(make_app, demo_path, demo_wb):
    at = make_app(demo_path, as_of=AS_OF)
    late = metrics(at)
    at.date_input(key="omp_as_of").set_value(date(2026, 1, 10)).run()
    early = metrics(at)
    expected = status_counts(plan_status(demo_wb, date(2026, 1, 10)))
    assert early["Просрочено"] == str(expected["просрочено"])
    assert early["Выполнено"] == str(expected["выполнено"])
    assert (early["Выполнено"], early["Не начато"]) != (late["Выполнено"], late["Не начато"])


# --------------------------------------------------------------------------- pages and their filters


def test_plan_page_filters_by_status_and_section(make_app, demo_path, demo_wb):
    at = go(make_app(demo_path, as_of=AS_OF), "plan")
    status = plan_status(demo_wb, AS_OF)
    table = at.dataframe[0].value
    assert len(table) == len(status)
    assert list(table.columns[:4]) == ["№", "Мероприятие", "Статус", "Выполнение"]
    at.multiselect(key="plan_status_filter").set_value(["просрочено"]).run()
    assert len(at.dataframe[0].value) == int((status["status"] == "просрочено").sum())
    at.multiselect(key="plan_status_filter").set_value([]).run()
    at.multiselect(key="plan_section_filter").set_value(["Методическое сопровождение"]).run()
    assert set(at.dataframe[0].value["№"]) == {"2.1", "2.2", "2.3", "2.4"}
    # the rows that cite an item
    at.selectbox(key="plan_item_rows").set_value("2.1").run()
    rows = table_with(at, "Тема / содержание")
    cited = demo_wb.activities[demo_wb.activities["plan_item"] == "2.1"]
    assert len(rows) == len(cited) and set(rows["Пункт плана"]) == {"2.1"}
    # the timeline chart is there, with the as-of rule
    charts = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert len(charts) == 1
    marks = [layer["mark"] for layer in charts[0]["layer"]]
    assert {"type": "rule", "color": "#c62828", "strokeDash": [6, 4], "strokeWidth": 2} in marks


def test_activities_page_counts_search_types_and_download(make_app, demo_path, demo_wb):
    at = go(make_app(demo_path, as_of=AS_OF, period="Q2"), "activities")
    period = Period.parse("2026-Q2")
    assert metrics(at)["Мероприятий"] == format_number(len(select_rows(demo_wb, Selection(period)).frame))
    rows = table_with(at, "Тема / содержание")
    assert len(rows) == len(select_rows(demo_wb, Selection(period)).frame)
    assert at.get("download_button")[0].proto.label == "Скачать таблицу (.xlsx)"
    assert len(at.get("vega_lite_chart")) == 3          # by quarter, by institution, heat map

    at.multiselect(key="acts_types").set_value(["семинар"]).run()
    seminars = select_rows(demo_wb, Selection(period)).frame
    seminars = seminars[seminars["type"] == "семинар"]
    assert metrics(at)["Мероприятий"] == format_number(len(seminars))
    assert set(table_with(at, "Тема / содержание")["Вид мероприятия"]) == {"семинар"}

    at.multiselect(key="acts_types").set_value([]).run()
    at.text_input(key="acts_search").input("волонтерство").run()
    found = table_with(at, "Тема / содержание")
    assert 0 < len(found) < len(rows)
    assert all("волонтерство" in t.lower().replace("ё", "е") for t in found["Тема / содержание"])

    at.multiselect(key="omp_institutions").set_value(["Вашкинский"]).run()
    assert set(table_with(at, "Тема / содержание")["Учреждение"]) <= {"Вашкинский"}


def test_monitoring_page_totals_and_blanks(make_app, demo_path, demo_wb):
    at = go(make_app(demo_path, as_of=AS_OF, period="Q2"), "monitoring")
    period = Period.parse("2026-Q2")
    totals = region_totals(monitoring_period_values(demo_wb, period), demo_wb.indicators)
    shown = metrics(at)
    road = "Достижение показателей дорожной карты"
    assert shown[road] == f"{format_number(totals[road])} %"
    home = "Граждане с психическими расстройствами, обслуженные на дому"
    assert shown[home] == f"{format_number(totals[home])} чел."
    blanks = table_with(at, "Не заполнено показателей")
    # Бабушкинский left quarter II blank; Вологодский (the silent one) filled nothing
    assert set(blanks["Учреждение"]) == {"Бабушкинский", "Вологодский"}
    at.selectbox(key="omp_period").set_value("Q1").run()
    assert set(table_with(at, "Не заполнено показателей")["Учреждение"]) == {"Вологодский"}
    assert any("нет данных" != v for v in metrics(at).values())


def test_monitoring_blank_is_not_zero(make_app, demo_path, demo_wb):
    at = go(make_app(demo_path, as_of=AS_OF, period="Q2", omp_institutions=["Бабушкинский"]), "monitoring")
    shown = metrics(at)
    assert shown["Граждане с психическими расстройствами, обслуженные на дому"] == "нет данных"
    assert shown["Достижение показателей дорожной карты"] != "нет данных"


def test_quality_page_filters_and_reminders(make_app, demo_path, demo_wb):
    at = go(make_app(demo_path, as_of=AS_OF, period="Q2"), "quality")
    assert metrics(at)["Ошибок"] == str(demo_wb.error_count)
    table = at.dataframe[0].value
    assert len(table) == len(demo_wb.issues)
    at.multiselect(key="quality_severity").set_value(["error"]).run()
    errors = at.dataframe[0].value
    assert len(errors) == demo_wb.error_count and set(errors["Серьёзность"]) == {"🔴 ошибка"}
    assert {"A20", "B21", "A22"} <= set(errors["Ячейка"])
    matrix = table_with(at, "I кв.")
    assert len(matrix) == len(demo_wb.institution_names)
    laggards = find_laggards(demo_wb, Period.parse("2026-Q2"))
    assert len(laggards) >= 2
    assert list(table_with(at, "Что не так")["Учреждение"]) == [lag.institution for lag in laggards]
    assert at.code[0].value.startswith(f"Тема: данные ОМП за II квартал 2026 — {laggards[0].institution}")
    assert at.code[1].value.count("Тема: данные ОМП") == len(laggards)      # all of them in one text
    at.selectbox(key="quality_reminder_for").set_value("Белозерский").run()
    belozersky = at.code[0].value
    assert "Белозерский!A20" in belozersky and "Дата «31.02.2026» не существует" in belozersky
    at.date_input(key="quality_deadline").set_value(date(2026, 12, 1)).run()
    assert "до 01.12.2026" in at.code[0].value
    at.multiselect(key="omp_institutions").set_value(["Вологодский"]).run()
    assert len(at.code) == 1 and "не внесено ни одного мероприятия" in at.code[0].value


def test_quality_page_filters_by_the_kind_of_issue(make_app, demo_path, demo_wb):
    """«Вид замечания» lists the rules (`lib.validate.rules`) of the workbook's issues by their titles; choosing
    one shows only its issues."""
    from lib.validate.rules import in_table_order, title_of
    at = go(make_app(demo_path, as_of=AS_OF, period="Q2"), "quality")
    kinds = at.multiselect(key="quality_codes")
    assert list(kinds.options) == [title_of(c) for c in in_table_order(demo_wb.issues["code"])]
    kinds.set_value(["date.invalid"]).run()
    table = at.dataframe[0].value
    assert len(table) == int((demo_wb.issues["code"] == "date.invalid").sum()) >= 1
    assert "A20" in set(table["Ячейка"]) and all("Дат" in m for m in table["Сообщение"])


def test_my_institution_page(make_app, demo_path, demo_wb):
    at = go(make_app(demo_path, as_of=AS_OF, period="Q2"), "my_institution")
    assert at.selectbox(key="institution").value == demo_wb.institution_names[0]
    at.selectbox(key="institution").set_value("Белозерский").run()
    assert_clean(at)
    own = select_rows(demo_wb, Selection(Period.parse("2026-Q2"), ["Белозерский"])).frame
    region = select_rows(demo_wb, Selection(Period.parse("2026-Q2"))).frame
    shown = metrics(at)
    assert shown["Мероприятий за период"] == format_number(len(own))
    assert shown["Ошибок на вкладке"] == "3"
    assert shown["Доля в области"] == f"{round(100 * len(own) / len(region))}\u00a0%"
    # the sidebar's first chosen institution is the default
    at = go(make_app(demo_path, as_of=AS_OF, period="Q2", omp_institutions=["Вашкинский"]), "my_institution")
    assert at.selectbox(key="institution").value == "Вашкинский"


# --------------------------------------------------------------------------- source, cache, refresh


@pytest.fixture
def fake_gsheet(monkeypatch, demo_path, tmp_path):
    """The demo workbook served as a Google Sheet by the local fake, read through the real gspread client;
    yields (spec, fake) — `fake.requests` counts the HTTP requests (2 per read)."""
    with FakeSheets(key=f"fake-{uuid.uuid4().hex[:8]}", title="Тестовая таблица",
                    tabs=workbook_tabs(demo_path)) as fake:
        monkeypatch.setattr(context, "GSHEET_OPTIONS", {"client": make_client(fake)})
        monkeypatch.setenv("OMP_SNAPSHOT_DIR", str(tmp_path / "snapshots"))
        yield f"gsheet:{fake.key}", fake


def test_google_sheet_cells_are_links(make_app, fake_gsheet):
    spec, _ = fake_gsheet
    at = go(make_app(spec, as_of=AS_OF), "quality")
    cells = at.dataframe[0].value["Ячейка"]
    links = [c for c in cells if c.startswith("https://")]
    assert links and all("#gid=" in c and "&range=" in c for c in links)
    assert any(c.endswith("&range=A20") for c in links)
    assert any("Google Таблица" in c.value for c in at.caption)


def test_data_is_read_once_and_refresh_rereads(make_app, fake_gsheet):
    spec, fake = fake_gsheet
    at = make_app(spec, as_of=AS_OF)
    assert fake.requests == 2                 # metadata + all tabs in one batch
    at.selectbox(key="omp_period").set_value("Q3").run()
    at.multiselect(key="omp_institutions").set_value(["Вашкинский"]).run()
    go(at, "activities")
    go(at, "monitoring")
    assert fake.requests == 2, "a widget change or page switch must not re-read the source"
    at.button(key="omp_refresh").click().run()
    assert_clean(at)
    assert fake.requests == 4


def test_refresh_rereads_at_most_once_in_a_while(make_app, monkeypatch, fake_gsheet):
    """28 centres clicking «Обновить данные» within a minute must not cost 28 Google reads."""
    spec, fake = fake_gsheet
    monkeypatch.setattr(context, "MIN_REFRESH_S", 30)
    at = make_app(spec, as_of=AS_OF)
    at.button(key="omp_refresh").click().run()
    assert fake.requests == 4
    second = make_app(spec, as_of=AS_OF)                 # another viewer, seconds later
    second.button(key="omp_refresh").click().run()
    assert_clean(second)
    assert fake.requests == 4
    assert "Обновить ещё раз можно через" in second.toast[0].value
    monkeypatch.setitem(context._last_refresh, "at", time.monotonic() - 31)
    second.button(key="omp_refresh").click().run()
    assert fake.requests == 6


def test_changed_file_is_read_again(make_app, tmp_path):
    path = build_app_workbook(tmp_path / "book.xlsx", n_institutions=4)
    at = make_app(path, as_of=AS_OF)
    first = metrics(at)["Консультации"]
    build_app_workbook(path, n_institutions=4, rows_per_quarter=12, seed=99)
    os.utime(path, ns=(1, 2_000_000_000_000_000_000))   # a different mtime even on coarse clocks
    at.run()
    assert metrics(at)["Консультации"] != first


def test_source_from_secrets_when_no_environment_variable(make_app, monkeypatch, tmp_path):
    path = build_app_workbook(tmp_path / "from_secrets.xlsx", n_institutions=3)
    monkeypatch.delenv("OMP_SOURCE", raising=False)
    at = make_app(period=None, run=False)
    at.secrets["source"] = str(path)
    at.run()
    assert_clean(at)
    assert any("from_secrets.xlsx" in c.value for c in at.caption)


def test_default_source_without_secrets_is_the_sample(monkeypatch):
    monkeypatch.delenv("OMP_SOURCE", raising=False)
    assert context.default_source().endswith("omp_2026_demo.xlsx")
