"""lib.metrics.tables, lib.metrics.overview, lib.metrics.laggards with lib.report.reminders, lib.metrics.choices — the
computations behind the dashboard pages."""
from __future__ import annotations

import io
from datetime import date

import openpyxl
import pandas as pd
import pytest

from lib.metrics.choices import default_period_kind, empty_workbook, year_options
from lib.export.excel import frames_to_xlsx
from lib.loader import load_workbook
from lib.metrics.counts import counts_by_group, has_data_for, reporting_state
from lib.metrics.selection import Selection, select_rows
from tests.expected import reported_count
from lib.metrics.overview import build_overview, overdue_text
from lib.model.periods import Period
from lib.metrics.plan_status import OVERDUE, plan_status, status_counts
from lib.metrics.laggards import find_laggards
from lib.report.reminders import reminder_text, reply_by
from lib.sources import SourceInfo
from lib.metrics.tables import (activities_table, blanks_by_institution, counts_long,
                               heatmap_frame, institution_monitoring, institution_share, issues_table,
                               monitoring_blanks, monitoring_grid, monitoring_matrix, pivot_counts, plan_table,
                               plan_timeline)
from tests.app_workbook import build_app_workbook
from tests.workbook_builder import ACTIVITY_HEADER, write_workbook

AS_OF = date(2026, 11, 22)
Q2 = Period.parse("2026-Q2")


@pytest.fixture(scope="module")
def wb(tmp_path_factory):
    return load_workbook(build_app_workbook(tmp_path_factory.mktemp("lib") / "demo.xlsx", n_institutions=8))


# --------------------------------------------------------------------------- periods in the sidebar


def test_period_kinds_and_defaults(wb):
    assert Period.of_kind(2026, "H1") == Period(2026, 1, 2) and Period.of_kind(2026, "Y").label == "2026 год"
    assert year_options(wb) == [2026]
    # the latest quarter with data, not after today's quarter
    assert default_period_kind(wb, 2026, date(2026, 11, 22)) == "Q3"
    assert default_period_kind(wb, 2026, date(2026, 5, 2)) == "Q2"
    assert default_period_kind(wb, 2026, date(2027, 2, 1)) == "Q3"
    assert default_period_kind(wb, 2027, date(2026, 5, 2)) == "Q1"


def test_empty_workbook_stands_in_for_an_unreadable_source():
    wb = empty_workbook("/nowhere/книга.xlsx")
    assert wb.source.label == "книга.xlsx" and wb.institution_names == [] and wb.activities.empty
    ov = build_overview(wb, Q2, [], AS_OF)
    assert ov.activities_total == 0 and ov.institutions_total == 0 and ov.errors == 0
    assert all(g.count == 0 and g.previous == 0 for g in ov.groups)   # Q1 is in the (empty) plan year
    assert plan_table(plan_status(wb, AS_OF)).empty
    assert empty_workbook("gsheet:abc").source.kind == "gsheet"


# --------------------------------------------------------------------------- overview


def test_overview_equals_metrics(wb):
    ov = build_overview(wb, Q2, [], AS_OF)
    assert ov.status_counts == status_counts(plan_status(wb, AS_OF))
    counts = counts_by_group(select_rows(wb, Selection(Q2)).frame)
    previous = counts_by_group(select_rows(wb, Selection(Period.parse("2026-Q1"))).frame)
    for g in ov.groups:
        assert (g.count, g.previous) == (counts[g.group], previous[g.group])
        assert g.delta == counts[g.group] - previous[g.group]
    assert (ov.reported, ov.institutions_total) == reported_count(wb, Q2)
    assert ov.not_reported == ["Вологодский"] and ov.partly == ["Бабушкинский"]
    assert ov.errors == wb.error_count
    assert list(ov.overdue["status"].unique()) in ([], [OVERDUE])


def test_overview_for_chosen_institutions(wb):
    ov = build_overview(wb, Q2, ["Белозерский", "Вологодский"], AS_OF)
    assert ov.institutions_total == 2 and ov.not_reported == ["Вологодский"]
    assert ov.errors == 3                   # the workbook-level plan warnings are not counted here
    assert ov.activities_total == len(select_rows(wb, Selection(Q2, ["Белозерский", "Вологодский"])).frame)


def test_previous_period_outside_the_workbook_has_no_delta(wb):
    ov = build_overview(wb, Period.parse("2026-Q1"), [], AS_OF)
    assert not has_data_for(wb, Period.parse("2025-Q4"))
    assert all(g.previous is None and g.delta is None for g in ov.groups)


def test_overdue_text_names_the_item(wb):
    status = plan_status(wb, AS_OF)
    overdue = status[status["status"] == OVERDUE]
    assert len(overdue)
    text = overdue_text(overdue.iloc[0])
    assert text.startswith(overdue.iloc[0]["item"]) and "пропущен срок" in text


# --------------------------------------------------------------------------- plan


def test_plan_table_and_timeline(wb):
    status = plan_status(wb, AS_OF)
    table = plan_table(status)
    assert list(table["№"]) == list(status["item"])
    assert table["Выполнение"].between(0, 100).all()
    row = table[table["№"] == "3.3"].iloc[0]
    assert row["Контрольные даты"] == "срок не распознан"
    assert table[table["№"] == "2.1"].iloc[0]["Контрольные даты"] == "20.03.2026, 15.07.2026, 18.09.2026"
    assert table[table["№"] == "1.3"].iloc[0]["Цель"] == "10 в квартал"
    timeline = plan_timeline(status, AS_OF)
    assert "3.3" not in {p.split()[0] for p in timeline["Пункт"]}      # no checkpoints → not on the chart
    assert set(timeline["Этап"]) == {"прошла", "впереди"}
    assert (timeline[timeline["Дата"] < pd.Timestamp(AS_OF)]["Этап"] == "прошла").all()


# --------------------------------------------------------------------------- activities


def test_activity_table_search_and_counts(wb):
    acts = select_rows(wb, Selection(Q2)).frame
    table = activities_table(acts)
    assert len(table) == len(acts) and table["Дата"].is_monotonic_increasing
    assert table["Квартал"].eq("II кв.").all()
    long = counts_long(acts, "institution")
    assert long["count"].sum() == len(acts)
    pivot = pivot_counts(acts, "institution", wb.institution_names)
    assert list(pivot.index) == wb.institution_names                # zero rows kept
    assert pivot.loc["Вологодский", "Всего"] == 0 and pivot["Всего"].sum() == len(acts)
    heat = heatmap_frame(select_rows(wb).frame, wb.institution_names, (1, 2, 3, 4))
    assert len(heat) == 4 * len(wb.institution_names) and heat["Мероприятий"].sum() == len(wb.activities)
    assert activities_table(acts.iloc[0:0]).empty


def test_activity_export_is_formula_safe(tmp_path):
    path = write_workbook(tmp_path / "f.xlsx", institutions={"Бабаевский": [
        ACTIVITY_HEADER, ["15.03.2026", "Консультация", "1.3", "@всем: консультация", 5, 1, 1, "", "+7 900 000"]]})
    wb = load_workbook(path)
    table = activities_table(wb.activities)
    table.loc[0, "Примечание"] = '=HYPERLINK("http://evil")'
    data = frames_to_xlsx({"Мероприятия": table})
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    row = {h: c for h, c in zip(header, sheet[2])}
    assert row["Примечание"].value == '=HYPERLINK("http://evil")' and row["Примечание"].data_type == "s"
    assert row["Тема / содержание"].value == "@всем: консультация" and row["Тема / содержание"].data_type == "s"
    assert row["Дата"].number_format == "DD.MM.YYYY" and row["Дата"].value.day == 15
    assert row["Учреждение"].value == "Бабаевский" and row["Участников"].value == 5


# --------------------------------------------------------------------------- monitoring


def test_monitoring_blanks_are_not_zeros(wb):
    blanks = monitoring_blanks(wb, Q2, wb.institution_names)
    assert set(blanks["Учреждение"]) == {"Бабушкинский", "Вологодский"}
    # Бабушкинский: seven indicators blank in II (the road-map % is filled); cells are named
    own = blanks[blanks["Учреждение"] == "Бабушкинский"]
    assert len(own) == 7 and own["Ячейки"].str.match(r"^[A-Z]+\d+$").all()
    summary = blanks_by_institution(blanks)
    assert dict(zip(summary["Учреждение"], summary["Не заполнено показателей"])) == {"Бабушкинский": 7,
                                                                                     "Вологодский": 8}
    assert monitoring_blanks(wb, Period.parse("2025-Q2"), wb.institution_names).empty


def test_monitoring_grid_and_matrix(wb):
    name = "Граждане с психическими расстройствами, обслуженные на дому"
    grid = monitoring_grid(wb, name, wb.institution_names, (1, 2, 3, 4))
    cell = grid[(grid["Учреждение"] == "Бабушкинский") & (grid["q"] == 2)].iloc[0]
    assert pd.isna(cell["value"]) and cell["state"] == "не заполнено"
    from lib.metrics.counts import monitoring_period_values, region_totals
    values = monitoring_period_values(wb, Q2)
    totals = region_totals(values, wb.indicators)
    matrix = monitoring_matrix(values, wb.indicators, wb.institution_names, totals)
    assert list(matrix.columns[:2]) == ["Ед.", "Итого"] and list(matrix.columns[2:]) == wb.institution_names
    assert matrix.loc[name, "Итого"] == totals[name]
    assert pd.isna(matrix.loc[name, "Бабушкинский"])
    own = institution_monitoring(wb, "Бабушкинский")
    assert list(own.columns) == ["I кв.", "II кв.", "III кв.", "IV кв."] and pd.isna(own.loc[name, "II кв."])


# --------------------------------------------------------------------------- quality


def test_issues_table_and_cell_links(wb):
    table = issues_table(wb)
    assert len(table) == len(wb.issues) and table["Серьёзность"].iloc[0] == "ошибка"
    assert set(issues_table(wb, ["Белозерский"], ["error"])["Адрес"]) == {"A20", "B21", "A22"}
    assert len(issues_table(wb, query="не существует")) == 1
    sheet = load_workbook(wb.source.location)
    sheet.source = SourceInfo("gsheet", "Таблица", "KEY")
    sheet.tab_gids = {"Белозерский": 42}
    links = issues_table(sheet, ["Белозерский"])["Ячейка"]
    assert "https://docs.google.com/spreadsheets/d/KEY/edit#gid=42&range=A20" in set(links)


def test_reporting_state(wb):
    year = Period(2026, 1, 4)
    matrix = reporting_state(wb, Selection(year))
    assert list(matrix.columns) == [1, 2, 3, 4]
    assert matrix.loc["Бабушкинский", 2] == "частично"
    assert (matrix.loc["Вологодский"] == "нет данных").all()
    assert list(reporting_state(wb, Selection(year, ["Вологодский"])).index) == ["Вологодский"]
    assert list(reporting_state(wb, Selection(Q2)).columns) == [2]


def test_laggards_and_reminder_text(wb):
    laggards = {lag.institution: lag for lag in find_laggards(wb, Q2)}
    assert set(laggards) == {"Бабушкинский", "Белозерский", "Вологодский"}
    assert laggards["Вологодский"].no_activities == [2] and len(laggards["Вологодский"].blank_indicators) == 8
    assert laggards["Белозерский"].error_count == 3 and not laggards["Белозерский"].blank_indicators
    text = reminder_text(wb, laggards["Белозерский"], Q2, AS_OF)
    assert "за II квартал 2026" in text and "3 ошибки" in text and "Белозерский!A20" in text
    assert "до 25.11.2026" in text and text.rstrip().endswith(wb.settings.omp_name)
    text = reminder_text(wb, laggards["Вологодский"], Q2, AS_OF, deadline=date(2026, 12, 1))
    assert "не внесено ни одного мероприятия за II квартал" in text and "до 01.12.2026" in text
    assert "пустая ячейка — не ноль" in text
    assert find_laggards(wb, Q2, ["Вашкинский"]) == []
    lag = laggards["Вологодский"]
    lag.responsible = "Комарова В.О., психолог"
    assert "Добрый день, Комарова В.О.!" in reminder_text(wb, lag, Q2, AS_OF)


def test_reply_by_skips_weekends():
    assert reply_by(date(2026, 11, 20)) == date(2026, 11, 25)     # Friday → Wednesday
    assert reply_by(date(2026, 11, 23), 1) == date(2026, 11, 24)


def test_institution_share(wb):
    share = institution_share(wb, Q2, "Белозерский")
    total = share.iloc[-1]
    assert total["Показатель"] == "Все мероприятия"
    assert total["Учреждение"] == len(select_rows(wb, Selection(Q2, ["Белозерский"])).frame)
    assert total["Область"] == len(select_rows(wb, Selection(Q2)).frame)
    assert share["Доля"].dropna().between(0, 1).all()
