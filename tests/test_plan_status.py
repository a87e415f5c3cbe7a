"""Plan item status on an as-of date, from checkpoints, targets and the activity rows citing the item."""
from __future__ import annotations

from datetime import date

import pytest

from lib.loader import load_workbook
from lib.metrics.plan_status import DONE, IN_PROGRESS, NOT_STARTED, OVERDUE, plan_status, status_counts
from tests.workbook_builder import ACTIVITY_HEADER, write_workbook

PLAN = [
    ["1.3", "", "Переговоры — не менее 2 ежеквартально", "Ежеквартально", "", "", "", "консультация", "мероприятия", 2, "квартал"],
    ["2.2", "", "3 семинара", "20 марта, 15 июля, 18 сентября", "", "", "", "семинар", "", 3, "год"],
    ["2.5", "", "Выступления", "В течение года", "", "", "", "", "", "", ""],
    ["2.8", "", "Участники фестиваля", "04 декабря", "", "", "", "", "участники", 100, ""],
    ["3.9", "", "По согласованию", "по согласованию", "", "", "", "", "", "", ""],
]
ROWS = [ACTIVITY_HEADER,
        ["10.02.2026", "консультация", "1.3", "", ""], ["11.02.2026", "консультация", "1.3", "", ""],
        ["12.05.2026", "консультация", "1.3", "", ""],
        ["12.05.2026", "семинар", "1.3", "not a consultation", ""],
        ["20.03.2026", "семинар", "2.2", "", 30],
        ["04.12.2026", "мероприятие для получателей", "2.8", "", 60],
        ["05.12.2026", "мероприятие для получателей", "2.8", "", 45],
        ["10.03.2025", "семинар", "2.2", "last year", ""]]


@pytest.fixture(scope="module")
def wb(tmp_path_factory):
    path = tmp_path_factory.mktemp("plan") / "plan.xlsx"
    return load_workbook(write_workbook(path, institutions={"КЦСОН А": ROWS}, plan=PLAN))


def status_on(wb, day):
    return plan_status(wb, day).set_index("item")


@pytest.mark.parametrize("day, item, status, actual, due", [
    (date(2026, 1, 10), "1.3", NOT_STARTED, 0, 0),
    (date(2026, 3, 1), "1.3", IN_PROGRESS, 2, 0),
    (date(2026, 4, 1), "1.3", IN_PROGRESS, 2, 2),      # Q1 needed 2, has 2
    (date(2026, 7, 1), "1.3", OVERDUE, 3, 4),           # the seminar citing 1.3 does not count
    (date(2026, 3, 20), "2.2", IN_PROGRESS, 1, 0),      # due today, not yet overdue
    (date(2026, 3, 21), "2.2", IN_PROGRESS, 1, 1),
    (date(2026, 7, 16), "2.2", OVERDUE, 1, 2),
    (date(2026, 6, 1), "2.5", NOT_STARTED, 0, 0),
    (date(2027, 1, 1), "2.5", OVERDUE, 0, 1),
    (date(2026, 12, 3), "2.8", NOT_STARTED, 0, 0),
    (date(2026, 12, 4), "2.8", IN_PROGRESS, 60, 0),     # an activity dated as_of counts; due today is not late
    (date(2026, 12, 5), "2.8", DONE, 105, 100),
])
def test_status_on_dates(wb, day, item, status, actual, due):
    row = status_on(wb, day).loc[item]
    assert (row["status"], row["actual"], row["required_due"]) == (status, actual, due)


def test_quarterly_target_totals_and_progress(wb):
    row = status_on(wb, date(2026, 6, 1)).loc["1.3"]
    assert row["required_total"] == 8 and row["progress"] == pytest.approx(3 / 8)
    assert row["next_checkpoint"] == date(2026, 6, 30)


def test_unparsed_deadline_is_flagged_not_guessed(wb):
    row = status_on(wb, date(2026, 6, 1)).loc["3.9"]
    assert not row["parsed"] and row["checkpoints"] == [] and row["next_checkpoint"] is None
    assert row["status"] == NOT_STARTED


def test_status_counts_add_up(wb):
    status = plan_status(wb, date(2026, 7, 16))
    counts = status_counts(status)
    assert sum(counts.values()) == len(status) == 5
    assert counts[OVERDUE] == 2
