"""Shared numbers: counts, period targets, monitoring per period, completeness, and periods themselves."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from lib.loader import load_workbook
from lib.metrics.counts import RegionFigure, measure, region_figures, target_over
from lib.metrics.plan_status import plan_status
from lib.metrics.selection import Selection, activity_index, select_rows
from lib.metrics.counts import (NOTHING, PARTLY, REPORTED, completeness, counts_by_group, monitoring_period_values,
                                region_totals)
from lib.model.periods import Period
from tests.expected import reported_count
from tests.workbook_builder import ACTIVITY_HEADER, MONITORING_HEADER, write_workbook

A, B, C = "КЦСОН А", "КЦСОН Б", "КЦСОН В"
ROAD = "Достижение показателей дорожной карты"
OPENED = "Открыто служб социально-реабилитационной помощи"
HOME = "Граждане с психическими расстройствами, обслуженные на дому"


def full_monitoring(q_values):
    """A monitoring block with every default indicator filled for the given quarters."""
    from lib.model.contract import DEFAULT_MONITORING_INDICATORS
    rows = [MONITORING_HEADER]
    for ind in DEFAULT_MONITORING_INDICATORS:
        rows.append([ind.name, *[q_values.get(q) for q in (1, 2, 3, 4)]])
    return rows


@pytest.fixture(scope="module")
def wb(tmp_path_factory):
    path = tmp_path_factory.mktemp("m") / "m.xlsx"
    return load_workbook(write_workbook(path, institutions={
        A: [ACTIVITY_HEADER, ["10.01.2026", "консультация"], ["11.01.2026", "вебинар"], ["12.01.2026", "лифлет"],
            ["12.04.2026", "формуляр"], ["13.04.2026", "статья"], [], *full_monitoring({1: 80, 2: 90})],
        B: [ACTIVITY_HEADER, ["10.02.2026", "консультация"], [],
            MONITORING_HEADER, [ROAD, 60, None, None, None], [OPENED, 1, 2, None, None], [HOME, 10, 12, None, None]],
        C: [ACTIVITY_HEADER]}))


def test_counts_by_group_and_scope(wb):
    q1 = select_rows(wb, Selection(Period.parse("2026-Q1"))).frame
    assert counts_by_group(q1) == {"Консультации": 2, "Семинары": 1, "Публикации": 0, "Материалы": 1}
    h1_a = select_rows(wb, Selection(Period.parse("2026-H1"), [A])).frame
    assert counts_by_group(h1_a) == {"Консультации": 1, "Семинары": 1, "Публикации": 1, "Материалы": 2}


def test_one_activity_index_per_workbook_and_rows_in_report_order(wb):
    index = activity_index(wb)
    assert activity_index(wb) is index                                   # built once, kept on the workbook
    fewer = replace(wb, activities=wb.activities.iloc[:2])
    assert activity_index(fewer) is not index and activity_index(fewer).n == 2
    sel = Selection(Period.parse("2026-Q1"), [A])
    assert sel.institutions == (A,) and sel.judged_on == date(2026, 3, 31)
    rows = select_rows(wb, sel)
    assert len(rows) == 3 and set(rows.frame["institution"]) == {A}
    assert rows.frame["date"].is_monotonic_increasing
    assert list(wb.activities.iloc[rows.frame_positions]["date"]) == list(rows.frame["date"])
    assert measure(rows, "мероприятия") == 3 and measure(rows, "участники") == measure(rows.frame, "участники") == 0


def test_one_target_rule_for_plan_status(wb):
    assert (target_over(10, "квартал", 3), target_over(10, "квартал", 12)) == (10, 40)
    assert (target_over(2, "месяц", 6), target_over(3, "год", 3)) == (12, 0.75)
    status = plan_status(wb, date(2026, 7, 1)).set_index("item")
    assert status.loc["1.3", "required_total"] == target_over(10, "квартал", 12)
    assert status.loc["1.3", "required_due"] == target_over(10, "квартал", 6)       # two quarters ended
    assert status.loc["2.2", "required_total"] == target_over(3, "год", 12)


def test_monitoring_period_values_and_region_totals(wb):
    h1 = monitoring_period_values(wb, Period.parse("2026-H1")).set_index(["institution", "indicator"])
    assert h1.loc[(A, ROAD), "value"] == 90              # latest filled quarter
    assert h1.loc[(B, OPENED), "value"] == 3             # a "сумма" indicator adds quarters
    assert h1.loc[(B, ROAD), "blank_quarters"] == 1      # blank is not zero
    totals = region_totals(monitoring_period_values(wb, Period.parse("2026-Q1")), wb.indicators)
    assert totals[ROAD] == 70.0                          # percentages average
    assert totals[HOME] == 90                            # A: 80, B: 10
    figures = region_figures(monitoring_period_values(wb, Period.parse("2026-Q1")), wb.indicators)
    assert figures[ROAD] == RegionFigure(70.0, (A, B)) and figures[OPENED] == RegionFigure(81.0, (A, B))
    assert figures[ROAD].filled == 2
    only_a = [name for name in figures if name not in (ROAD, OPENED, HOME)]
    assert only_a and all(figures[name].filled == 1 for name in only_a)     # B has no such rows


def test_completeness_matrix_and_reported_count(wb):
    matrix = completeness(wb, 2026)
    assert matrix.loc[A, 1] == REPORTED and matrix.loc[A, 3] == NOTHING
    assert matrix.loc[B, 1] == PARTLY                    # some monitoring blank
    assert matrix.loc[C, 1] == NOTHING
    assert reported_count(wb, Period.parse("2026-Q1")) == (2, 3)
    assert reported_count(wb, Period.parse("2026-9M")) == (0, 3)


@pytest.mark.parametrize("code, label, title, suffix", [
    ("2026-Q1", "I квартал 2026", "в 1 квартале 2026 года", "1кв"),
    ("2026-Q4", "IV квартал 2026", "в 4 квартале 2026 года", "4кв"),
    ("2026-H1", "1 полугодие 2026", "за 1 полугодие 2026 года", "1пг"),
    ("2026-9M", "9 месяцев 2026", "за 9 месяцев 2026 года", "9мес"),
    ("2026", "2026 год", "за 2026 год", "год"),
])
def test_period_names(code, label, title, suffix):
    period = Period.parse(code)
    assert (period.label, period.in_title, period.file_suffix, period.code) == (label, title, suffix, code)


def test_previous_period():
    assert Period.parse("2026-Q1").previous().code == "2025-Q4"
    assert Period.parse("2026-Q3").previous().code == "2026-Q2"
    assert Period.parse("2026").previous().code == "2025"
    with pytest.raises(ValueError, match="не распознан"):
        Period.parse("2026-Q5")
