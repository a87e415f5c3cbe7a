"""The «мероприятий не было» mark (lib.validate.no_activities): recognised in real workbooks, never loaded as an
activity, always reported — so «every non-empty row is loaded or reported» still holds."""
from __future__ import annotations

from datetime import date

import pytest

from lib.loader import load_workbook
from lib.validate.no_activities import is_mark_text, quarter_in_text, read_mark
from tests.workbook_builder import ACTIVITY_HEADER, MONITORING_HEADER, write_workbook

INST = "КЦСОН Бабаевского района"


def load(tmp_path, *rows, settings=None):
    tabs = {INST: [ACTIVITY_HEADER, *rows, [], ["Мониторинг"], MONITORING_HEADER]}
    kw = {} if settings is None else {"settings": settings}
    return load_workbook(write_workbook(tmp_path / "wb.xlsx", institutions=tabs, **kw))


def issues(wb):
    return list(zip(wb.issues["severity"], wb.issues["cell"], wb.issues["message"]))


def accounted(wb) -> None:
    acc = wb.accounting
    assert acc.rows_total == acc.rows_loaded + acc.rows_rejected and acc.rows_loaded == len(wb.activities)


@pytest.mark.parametrize("text", ["Мероприятий не было", "мероприятия не проводились", "Нет мероприятий",
                                  "МЕРОПРИЯТИЙ НЕТ", "Во II квартале мероприятий не было",
                                  "II кв. 2026 — мероприятий не было", "Мероприятия отсутствуют"])
def test_mark_texts(text):
    assert is_mark_text(text)


@pytest.mark.parametrize("text", ["Мероприятия", "Мероприятия II квартала", "Мероприятие для получателей",
                                  "Мероприятие для семей, где нет работы", "Консультация", "", None, 5,
                                  "мероприятий не было " + "очень " * 20])
def test_texts_that_are_not_marks(text):
    assert not is_mark_text(text)


def test_quarter_in_text_and_read_mark():
    assert quarter_in_text("II квартал 2026", None) == (2026, 2)
    assert quarter_in_text("2 кв.", 2026) == (2026, 2)
    assert quarter_in_text("IV квартал", 2025) == (2025, 4)
    assert quarter_in_text("30.06.2026", 2026) == (None, None)
    mark = read_mark(["", "Мероприятий не было"], date(2026, 6, 30), date(2026, 6, 30), 2026)
    assert (mark.year, mark.quarter, mark.problem) == (2026, 2, None)
    assert "за II квартал 2026 принята" in mark.message
    assert read_mark(["семинар", "Мероприятий не было"], None, "", 2026).quarter is None   # asked only for unknown types
    assert read_mark(["", "Тема"], None, "", 2026) is None
    assert read_mark(["", "Мероприятий не было"], None, "III квартал", None).problem.startswith(
        "Отметка «мероприятий не было»: не указан год")


def test_a_mark_in_the_topic_with_a_day_of_the_quarter(tmp_path):
    wb = load(tmp_path, ["15.01.2026", "Семинар", "2.2", "Обычная строка", 10],
              ["30.06.2026", "", "", "Мероприятий не было"])
    assert len(wb.activities) == 1 and wb.error_count == 0
    marks = wb.no_activity_marks
    assert list(zip(marks["institution"], marks["year"], marks["quarter"], marks["cell"], marks["row"])) == \
        [(INST, 2026, 2, "A3", 3)]
    assert ("warning", "A3", "Отметка «мероприятий не было» за II квартал 2026 принята: строка не считается "
                             "мероприятием") in issues(wb)
    assert (wb.accounting.rows_total, wb.accounting.rows_loaded, wb.accounting.rows_rejected) == (2, 1, 1)
    accounted(wb)


def test_a_mark_in_the_type_column_with_the_quarter_as_text(tmp_path):
    wb = load(tmp_path, ["III квартал", "мероприятия не проводились"])
    assert wb.activities.empty and wb.error_count == 0
    assert list(wb.no_activity_marks["quarter"]) == [3] and list(wb.no_activity_marks["year"]) == [2026]
    # a tab whose only row is a mark has not «entered no activity at all»
    assert not any("не внесло ни одного мероприятия" in m for m in wb.issues["message"])
    accounted(wb)


def test_a_lone_mark_in_the_first_column_is_reported_not_taken_for_a_title(tmp_path):
    wb = load(tmp_path, ["Мероприятий не было"], ["Во II квартале мероприятий не было"])
    errors = wb.issues[wb.issues["severity"] == "error"]
    assert list(errors["cell"]) == ["A2"] and "не указан квартал" in errors["message"].iloc[0]
    assert list(wb.no_activity_marks["quarter"]) == [2]            # the second row names its quarter
    assert (wb.accounting.rows_total, wb.accounting.rows_rejected) == (2, 2)
    accounted(wb)


def test_a_known_type_wins_over_a_topic_that_says_none(tmp_path):
    wb = load(tmp_path, ["15.05.2026", "Консультация", "1.3", "Мероприятий не было"],
              ["16.05.2026", "", "", "Мероприятие для семей, где нет работы"])
    assert list(wb.activities["type"]) == ["консультация"] and wb.no_activity_marks.empty
    assert any(s == "error" and c == "B3" and "Не указан вид мероприятия" in m for s, c, m in issues(wb))
    accounted(wb)


def test_a_mark_without_a_year_anywhere_is_an_error(tmp_path):
    wb = load(tmp_path, ["II квартал", "", "", "Мероприятий не было"], settings={"ОМП": "x"})
    assert wb.no_activity_marks.empty and wb.error_count == 1
    assert "не указан год" in wb.issues[wb.issues["severity"] == "error"]["message"].iloc[0]
    accounted(wb)
