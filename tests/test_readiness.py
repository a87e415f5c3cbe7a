"""«Готово к отправке» (lib.metrics.readiness) on real workbooks: each line green or red with where to fix it,
which quarters are checked, the matrix being the per-quarter checklists, and reminders that list
exactly the red lines (lib.metrics.laggards, lib.report.reminders)."""
from __future__ import annotations

from datetime import date

import pytest

from lib.model.contract import DEFAULT_MONITORING_INDICATORS
from lib.loader import load_workbook
from lib.model.periods import Period
from lib.metrics.readiness import (ACTIVITIES, AHEAD, ERRORS, MONITORING, NOT_READY, PLAN_ITEMS, READY, assess,
                           checklist)
from lib.metrics.laggards import find_laggards
from lib.report.reminders import reminder_text
from lib.sources import SourceInfo
from tests.workbook_builder import ACTIVITY_HEADER, MONITORING_HEADER, write_workbook

NAMES = [i.name for i in DEFAULT_MONITORING_INDICATORS]
H1 = Period(2026, 1, 2)
JULY = date(2026, 7, 10)


def monitoring(q1=5, q2=5, blank: tuple[int, int] | None = None) -> list[list]:
    """The Мониторинг block: every indicator filled for quarters I and II (0 is a value), except the
    (indicator index, quarter) in `blank`."""
    rows = [["Мониторинг"], MONITORING_HEADER]
    for i, name in enumerate(NAMES):
        values = [q1, q2, None, None]
        if blank and blank[0] == i:
            values[blank[1] - 1] = None
        rows.append([name, *values])
    return rows


def tab(*activity_rows, mon=None) -> list[list]:
    return [["Мероприятия"], ACTIVITY_HEADER, *activity_rows, [], *(mon if mon is not None else monitoring())]


@pytest.fixture(scope="module")
def wb(tmp_path_factory):
    tabs = {
        "Готовый": tab(["15.01.2026", "Семинар", "2.2", "Тема", 10], ["20.04.2026", "Консультация", "1.3", "Тема", 3],
                       mon=monitoring(q1=0, q2=0)),                        # zeros are values, not blanks
        "С ошибкой": tab(["15.01.2026", "Семинар", "2.2", "Тема", 10], ["31.02.2026", "Семинар", "2.2", "Плохая дата"],
                         ["20.04.2026", "Танцы", "", "Неизвестный вид"], ["21.04.2026", "Консультация", "1.3", "x"]),
        "Пустая ячейка": tab(["15.01.2026", "Семинар", "2.2", "Тема"], ["20.04.2026", "Семинар", "2.2", "Тема"],
                             mon=monitoring(blank=(5, 2))),
        "Тихий": tab(["15.01.2026", "Семинар", "2.2", "Тема"], ["30.06.2026", "", "", "Мероприятий не было"]),
        "Молчун": tab(["15.01.2026", "Семинар", "2.2", "Тема"]),
        "Чужой пункт": tab(["15.01.2026", "Семинар", "9.9", "Тема"], ["20.04.2026", "Семинар", "2.2", "Тема"]),
    }
    return load_workbook(write_workbook(tmp_path_factory.mktemp("ready") / "book.xlsx", institutions=tabs,
                                        listed=[*tabs, "Без вкладки"]))


def lines(cl) -> dict[str, bool | None]:
    return {line.key: line.ok for line in cl.lines}


def test_a_complete_tab_is_ready_and_zero_is_not_blank(wb):
    cl = checklist(wb, "Готовый", H1, JULY)
    assert cl.ready and cl.state == READY and not cl.red_lines
    assert cl.checked == (1, 2)
    assert lines(cl) == {ERRORS: True, MONITORING: True, ACTIVITIES: True, PLAN_ITEMS: True}
    assert cl.line(ACTIVITIES).text == "Внесено 2 мероприятия."


def test_errors_line_names_every_erroneous_cell(wb):
    cl = checklist(wb, "С ошибкой", H1, JULY)
    assert lines(cl) == {ERRORS: False, MONITORING: True, ACTIVITIES: True, PLAN_ITEMS: True}
    errors = cl.line(ERRORS)
    assert [f.where for f in errors.fixes] == ["С ошибкой!A4", "С ошибкой!B5"]
    assert "Дата «31.02.2026» не существует" in errors.fixes[0].text and errors.fixes[0].url is None   # Excel
    assert errors.text.startswith("На вкладке 2 ошибки")
    # errors block every quarter, also one the error rows are not in (a rejected row has no date to trust)
    assert checklist(wb, "С ошибкой", Period.quarter(2026, 1), JULY).line(ERRORS).ok is False


def test_a_blank_monitoring_cell_is_red_with_its_cell(wb):
    cl = checklist(wb, "Пустая ячейка", H1, JULY)
    mon = cl.line(MONITORING)
    assert mon.ok is False and mon.quarters == (2,)
    (fix,) = mon.fixes
    assert fix.subject == NAMES[5] and fix.quarter == 2 and fix.where == "Пустая ячейка!C13"
    assert "1 ячейка мониторинга за II квартал" in mon.text
    assert checklist(wb, "Пустая ячейка", Period.quarter(2026, 1), JULY).ready       # quarter I is complete


def test_no_activities_is_red_unless_marked(wb):
    quiet = checklist(wb, "Тихий", H1, JULY)
    assert quiet.ready
    acts = quiet.line(ACTIVITIES)
    assert "за II квартал отмечено «мероприятий не было»" in acts.text
    assert [f.where for f in acts.fixes] == ["Тихий!A4"]                           # where the mark is
    silent = checklist(wb, "Молчун", H1, JULY)
    acts = silent.line(ACTIVITIES)
    assert acts.ok is False and acts.quarters == (2,)
    assert acts.text.startswith("Нет мероприятий за II квартал")
    assert [f.where for f in acts.fixes] == ["вкладка «Молчун»"]


def test_plan_items_the_plan_lacks_are_red_in_their_quarter(wb):
    cl = checklist(wb, "Чужой пункт", H1, JULY)
    items = cl.line(PLAN_ITEMS)
    assert items.ok is False and items.quarters == (1,)
    assert [f.where for f in items.fixes] == ["Чужой пункт!C3"]
    assert items.fixes[0].text.startswith("Пункта 9.9 нет в плане работы")
    assert checklist(wb, "Чужой пункт", Period.quarter(2026, 2), JULY).line(PLAN_ITEMS).ok is True


def test_an_institution_without_a_tab(wb):
    cl = checklist(wb, "Без вкладки", H1, JULY)
    assert cl.tab is None and not cl.ready
    assert lines(cl)[ACTIVITIES] is False and lines(cl)[MONITORING] is False
    assert cl.line(ACTIVITIES).fixes[0].where == "нет вкладки"


def test_checked_quarters_are_those_begun_by_as_of(wb):
    assert checklist(wb, "Готовый", H1, date(2026, 2, 1)).checked == (1,)
    ahead = checklist(wb, "С ошибкой", Period.quarter(2026, 3), date(2026, 6, 1))
    assert ahead.state == AHEAD and not ahead.ready and not ahead.red_lines      # errors too: nothing checked
    # the year on 10 July: III quarter runs (and is empty), IV is ahead
    year = checklist(wb, "Готовый", Period(2026, 1, 4), JULY)
    assert year.checked == (1, 2, 3) and year.line(ACTIVITIES).quarters == (3,)
    assert year.line(MONITORING).quarters == (3,)


def test_monitoring_is_not_checked_for_another_year(wb):
    cl = checklist(wb, "Готовый", Period.quarter(2025, 4), JULY)
    assert cl.line(MONITORING).ok is None and "за 2026 год" in cl.line(MONITORING).text


def test_the_matrix_is_the_checklists_of_the_quarters(wb):
    a = assess(wb, 2026, JULY)
    matrix = a.matrix()
    assert list(matrix.columns) == ["I кв.", "II кв.", "III кв.", "IV кв."]
    assert list(matrix.index) == wb.institution_names
    for inst in wb.institution_names:
        for q, cl in a.quarter_checklists(inst).items():
            assert matrix.loc[inst, f"{['I', 'II', 'III', 'IV'][q - 1]} кв."] == cl.summary
        # a period is ready exactly when every checked quarter of it is
        period = a.checklist(inst, H1)
        assert period.ready == all(a.checklist(inst, Period.quarter(2026, q)).ready for q in period.checked)
    assert matrix.loc["Готовый", "I кв."] == READY and matrix.loc["Готовый", "IV кв."] == AHEAD
    assert matrix.loc["Пустая ячейка", "II кв."] == f"{NOT_READY}: мониторинг"
    assert matrix.loc["С ошибкой", "I кв."] == f"{NOT_READY}: ошибки"
    assert matrix.loc["Чужой пункт", "I кв."] == f"{NOT_READY}: пункты плана"
    assert list(a.matrix(["Тихий"]).index) == ["Тихий"]


def test_google_sheet_fixes_link_to_their_cells(wb):
    sheet = load_workbook(wb.source.location)
    sheet.source = SourceInfo("gsheet", "Таблица", "KEY")
    sheet.tab_gids = {name: 100 + i for i, name in enumerate(sheet.institution_names) if name != "Без вкладки"}
    errors = checklist(sheet, "С ошибкой", H1, JULY).line(ERRORS)
    gid = sheet.tab_gids["С ошибкой"]
    assert errors.fixes[0].url == f"https://docs.google.com/spreadsheets/d/KEY/edit#gid={gid}&range=A4"
    blank = checklist(sheet, "Пустая ячейка", H1, JULY).line(MONITORING).fixes[0]
    assert blank.url.endswith("&range=C13")
    tab_link = checklist(sheet, "Молчун", H1, JULY).line(ACTIVITIES).fixes[0]
    assert tab_link.url.endswith(f"#gid={sheet.tab_gids['Молчун']}&range=A1")


def test_reminders_list_exactly_the_red_lines(wb):
    laggards = {lag.institution: lag for lag in find_laggards(wb, H1, as_of=JULY)}
    assert set(laggards) == {"С ошибкой", "Пустая ячейка", "Молчун", "Чужой пункт", "Без вкладки"}
    bullets = {ERRORS: "в заполнении — исправьте ячейки", MONITORING: "не заполнены показатели мониторинга",
               ACTIVITIES: "мероприяти", PLAN_ITEMS: "которого нет в плане работы"}
    for lag in laggards.values():
        text = reminder_text(wb, lag, H1, JULY)
        body = [line for line in text.splitlines() if line.startswith("• ")]
        red = [line.key for line in lag.checklist.red_lines]
        assert len(body) == len(red), (lag.institution, body)
        for line, key in zip(body, red):
            assert bullets[key] in line, (lag.institution, line)
    text = reminder_text(wb, laggards["Чужой пункт"], H1, JULY)
    assert "Чужой пункт!C3: Пункта 9.9 нет в плане работы" in text
    text = reminder_text(wb, laggards["Пустая ячейка"], H1, JULY)
    assert f"«{NAMES[5]}» — II квартал" in text and "ошибк" not in text
    text = reminder_text(wb, laggards["Молчун"], H1, JULY)
    assert "не внесено ни одного мероприятия за II квартал" in text and "«мероприятий не было»" in text
    assert "в таблице нет вкладки «Без вкладки»" in reminder_text(wb, laggards["Без вкладки"], H1, JULY)
    # the laggards of a quarter ahead: nobody (nothing to check yet)
    assert find_laggards(wb, Period.quarter(2026, 4), as_of=JULY) == []
