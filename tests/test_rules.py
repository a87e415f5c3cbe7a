"""Validation as data (`lib.validate.rules`): every rule of the table is well formed and raised by a crafted
workbook with its code, severity and template; a rule's check and its message cannot diverge."""
from __future__ import annotations

import re
import string
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from lib.validate import rules
from lib.loader import load_workbook
from lib.model.workbook import ERROR, WARNING
from lib.validate.rules import ROW_RULES, RULES, TAB_RULES, Rule
from tests.test_bad_files import inline, raw_xlsx, rows_xml
from tests.test_hostile_files import far_date_workbook
from tests.workbook_builder import ACTIVITY_HEADER, MONITORING_HEADER, PLAN_HEADER, write_workbook

ROOT = Path(__file__).resolve().parent.parent
INST = "КЦСОН Бабаевского района"
ALL_RULES = (*ROW_RULES, *TAB_RULES)
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def template_pattern(template: str) -> re.Pattern:
    """The messages a template can give: its text as written, any text for each field."""
    parts = []
    for literal, field, _spec, _conv in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append(".+?")
    return re.compile("".join(parts), re.DOTALL)


def issues_with(wb, code: str) -> list[tuple]:
    found = wb.issues[wb.issues["code"] == code]
    return list(zip(found["tab"], found["cell"], found["severity"], found["message"]))


# --------------------------------------------------------------------------- the table itself

def test_every_rule_has_a_unique_code_a_title_a_severity_and_a_russian_template():
    codes = [r.code for r in ALL_RULES]
    assert len(codes) == len(set(codes)) == len(RULES)
    for r in ALL_RULES:
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*\.[a-z]+(_[a-z]+)*", r.code), r.code
        assert r.severity in (ERROR, WARNING), r.code
        assert CYRILLIC.search(r.title) and r.title[0].isupper(), r.code
        # Russian text, or the parser's Russian explanation put in place (`{problem}`, checked below)
        assert r.template and (CYRILLIC.search(r.template) or "problem" in r.fields), r.code
        string.Formatter().parse(r.template)            # a well-formed template
    for r in TAB_RULES:                                 # the tab rules: every field given, it formats
        assert r.message(**{name: "x" for name in r.fields}), r.code
        assert r.check is None and not r.columns
    for r in ROW_RULES:                                 # the row rules: a check over named columns
        assert callable(r.check) and r.columns, r.code
        assert set(r.fields) <= {"column", "value", "problem", "item", "day", "year", "allowed", "participants",
                                 "specialists", "mark"}, r.code
    assert all(r.severity == ERROR for r in ROW_RULES if r.template.endswith(rules.NOT_COUNTED) and not r.stops)


def test_every_code_the_parser_raises_is_in_the_table():
    """The parser names its rules by code: each code it spells is the table's (a typo would only fail
    when that branch runs)."""
    for path in (ROOT / "lib" / "validate" / "parsing.py", ROOT / "lib" / "sources" / "spreadsheet.py"):
        spelled = set(re.findall(r'"([a-z_]+\.[a-z_]+)"', path.read_text(encoding="utf-8")))
        assert spelled and spelled <= set(RULES), spelled - set(RULES)


def test_templates_give_the_messages_users_know():
    """A few templates as the centres read them (the rest are asserted through the loaded workbooks)."""
    assert rules.rule("type.unknown").message(value="танцы", allowed="консультация, семинар") == \
        "Вид мероприятия «танцы» не из списка (консультация, семинар) — строка не учтена"
    assert rules.rule("date.other_year").message(day=date(2025, 3, 1), year=2026) == \
        "Дата 01.03.2025 не в 2026 году: мероприятие учтено в 2025 году"
    assert rules.rule("count.negative").message(column="Участников", problem="Количество не может быть "
                                                "отрицательным: «-3»") == \
        "Участников: Количество не может быть отрицательным: «-3» — строка не учтена"
    assert rules.rule("tab.missing").message(name="КЦСОН Н") == \
        "Для учреждения «КЦСОН Н» нет вкладки: создайте вкладку с именем «КЦСОН Н»"
    assert rules.rule("plan.no_header").message(tab="План", columns="«№», «Мероприятие»") == \
        "На вкладке «План» не найдена строка заголовков таблицы (нужны столбцы «№», «Мероприятие»)"
    assert rules.title_of("count.approximate") == "Приблизительное количество («более 30»)"
    assert rules.title_of("no.such") == "no.such"
    assert rules.in_table_order(["tab.missing", "row.total", "x.y", "row.total"]) == ["row.total", "tab.missing", "x.y"]


# --------------------------------------------------------------------------- every rule raised by a workbook

def activities(tmp_path, *rows, **kw):
    """A workbook whose one institution tab holds a Мероприятия block of `rows`."""
    return load_workbook(write_workbook(tmp_path / "wb.xlsx", institutions={INST: [ACTIVITY_HEADER, *rows]}, **kw))


def book(tmp_path, tabs: dict[str, list[list]]):
    """A workbook of exactly these tabs (service tabs only where given)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in tabs.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return load_workbook(path)


def monitoring(tmp_path, *rows):
    return activities(tmp_path, ["01.02.2026", "семинар", "2.2", "x"], [], MONITORING_HEADER, *rows)


A_ROW = ["01.02.2026", "семинар", "2.2", "x"]
SETTINGS = {"ОМП": "Тест", "Год": 2026}


def plan(tmp_path, *rows):
    return activities(tmp_path, A_ROW, plan=list(rows))


def criteria(tmp_path, *rows):
    return activities(tmp_path, A_ROW, criteria=list(rows))


def panicking_reader(monkeypatch, tab: str):
    """python-calamine with a Rust panic on one tab's merged ranges (what a damaged sheet does)."""
    import python_calamine

    real = python_calamine.CalamineWorkbook

    class Sheet:
        def __init__(self, sheet, panics):
            self._sheet, self._panics = sheet, panics

        @property
        def merged_cell_ranges(self):
            if self._panics:
                raise BaseException("a Rust panic")       # pyo3's PanicException is a BaseException
            return self._sheet.merged_cell_ranges

        def __getattr__(self, name):
            return getattr(self._sheet, name)

    class Book:
        def __init__(self, book):
            self._book = book

        @classmethod
        def from_filelike(cls, f):
            return cls(real.from_filelike(f))

        def get_sheet_by_index(self, i):
            return Sheet(self._book.get_sheet_by_index(i), self._book.sheet_names[i] == tab)

        def __getattr__(self, name):
            return getattr(self._book, name)

    monkeypatch.setattr(python_calamine, "CalamineWorkbook", Book)


def unreadable_tab(tmp_path, monkeypatch):
    panicking_reader(monkeypatch, "КЦСОН Б")
    path = write_workbook(tmp_path / "p.xlsx", institutions={"КЦСОН А": [ACTIVITY_HEADER, A_ROW],
                                                            "КЦСОН Б": [ACTIVITY_HEADER, A_ROW]})
    return load_workbook(path), "КЦСОН Б", ""


def broken_tab(tmp_path, monkeypatch):
    """A tab the parser fails on (here: its Мониторинг block)."""
    from lib.validate import parsing

    def breaks(*args, **kwargs):
        raise ValueError("internal")
    monkeypatch.setattr(parsing, "_parse_monitoring_block", breaks)
    return activities(tmp_path, A_ROW, [], MONITORING_HEADER), INST, ""


# code → how to raise it: (tmp_path, monkeypatch) → (workbook, tab, cell)
CASES = {
    # the rows of a Мероприятия block (A date, B type, C plan item, D topic, E participants, F specialists)
    "row.total": lambda t, m: (activities(t, A_ROW, ["Итого", "", "", "", 35]), INST, "A3"),
    "activities.none": lambda t, m: (activities(t, A_ROW, ["30.06.2026", "", "", "Мероприятий не было"]), INST, "A3"),
    "activities.none_unclear": lambda t, m: (activities(t, A_ROW, ["", "", "", "Мероприятий не было"]), INST, "A3"),
    "date.missing": lambda t, m: (activities(t, ["", "семинар", "2.2", "x"]), INST, "A2"),
    "date.invalid": lambda t, m: (activities(t, ["31.02.2026", "семинар"]), INST, "A2"),
    "date.no_year": lambda t, m: (activities(t, ["15 марта", "семинар"]), INST, "A2"),
    "type.missing": lambda t, m: (activities(t, ["01.02.2026", "", "", "x"]), INST, "B2"),
    "type.unknown": lambda t, m: (activities(t, ["01.02.2026", "танцы"]), INST, "B2"),
    "count.not_number": lambda t, m: (activities(t, [*A_ROW, "двенадцать"]), INST, "E2"),
    "count.negative": lambda t, m: (activities(t, [*A_ROW, 5, -3]), INST, "F2"),
    "count.fraction": lambda t, m: (activities(t, [*A_ROW, 2.5]), INST, "E2"),
    "count.too_big": lambda t, m: (activities(t, [*A_ROW, 5, 1, 2_000_000]), INST, "G2"),
    "count.approximate": lambda t, m: (activities(t, [*A_ROW, "более 30"]), INST, "E2"),
    "plan_ref.several": lambda t, m: (activities(t, ["01.02.2026", "семинар", "2.2, 2.4"]), INST, "C2"),
    "plan_ref.unparsed": lambda t, m: (activities(t, ["01.02.2026", "семинар", "два"]), INST, "C2"),
    "plan_ref.unknown": lambda t, m: (activities(t, ["01.02.2026", "семинар", "9.9"]), INST, "C2"),
    "date.other_year": lambda t, m: (activities(t, [date(2025, 3, 1), "семинар"]), INST, "A2"),
    "specialists.over_participants": lambda t, m: (activities(t, [*A_ROW, 5, 10]), INST, "F2"),
    # the workbook and its tabs
    "book.empty": lambda t, m: (book(t, {"Лист1": []}), "", ""),
    "tab.same_name": lambda t, m: (load_workbook(raw_xlsx([("КЦСОН А", "<row/>"), ("КЦСОН А", "<row/>")]),
                                                 "повтор.xlsx"), "КЦСОН А", ""),
    "tab.service_duplicate": lambda t, m: (activities(t, A_ROW, extra_tabs={"Параметры": [["Параметр", "Значение"]]}),
                                           "Параметры", ""),
    "tab.too_big": lambda t, m: (load_workbook(raw_xlsx({"КЦСОН А": f'<row r="1">{inline("A1", "Дата")}</row>',
                                                         "КЦСОН Б": rows_xml(200_000)}), "большая.xlsx"),
                                 "КЦСОН Б", ""),
    "tab.unreadable": unreadable_tab,
    "tab.duplicate": lambda t, m: (load_workbook(write_workbook(t / "d.xlsx", listed=[INST], institutions={
        INST: [ACTIVITY_HEADER, A_ROW], INST + " ": [ACTIVITY_HEADER, A_ROW]})), INST + " ", ""),
    "tab.empty": lambda t, m: (activities(t, A_ROW, extra_tabs={"Лист5": []}), "Лист5", ""),
    "tab.unlisted": lambda t, m: (activities(t, A_ROW, listed=[INST], extra_tabs={
        "Чужая вкладка": [ACTIVITY_HEADER, A_ROW]}), "Чужая вкладка", ""),
    "tab.missing": lambda t, m: (activities(t, A_ROW, listed=[INST, "КЦСОН Нет вкладки"]), "Учреждения", ""),
    "tab.broken": broken_tab,
    # the blocks of an institution tab
    "block.no_header": lambda t, m: (load_workbook(write_workbook(t / "h.xlsx", institutions={
        INST: [["Когда", "Что"], ["01.02.2026", "семинар"]]})), INST, "A1"),
    "block.duplicate_column": lambda t, m: (load_workbook(write_workbook(t / "c.xlsx", institutions={
        INST: [["Дата", "Вид мероприятия", "Тема", "Дата"], A_ROW]})), INST, "D1"),
    "block.extra_column": lambda t, m: (load_workbook(write_workbook(t / "c.xlsx", institutions={
        INST: [["Дата", "Вид мероприятия", "Тема", "Отметка"], A_ROW]})), INST, "D1"),
    "block.missing_column": lambda t, m: (load_workbook(write_workbook(t / "c.xlsx", institutions={
        INST: [["Дата", "Вид мероприятия", "Пункт плана", "Тема"], A_ROW]})), INST, "A1"),
    "block.empty": lambda t, m: (activities(t), INST, ""),
    "block.no_monitoring": lambda t, m: (activities(t, A_ROW), INST, ""),
    # the Мониторинг block (rows 4.. of the tab; A indicator, B–E quarters)
    "monitoring.no_indicator": lambda t, m: (monitoring(t, ["", 5]), INST, "A5"),
    "monitoring.unknown_indicator": lambda t, m: (monitoring(t, ["Придуманный показатель", 1]), INST, "A5"),
    "monitoring.duplicate": lambda t, m: (monitoring(t, ["на дому", 1], ["обслужено на дому", 2]), INST, "A6"),
    "monitoring.not_number": lambda t, m: (monitoring(t, ["на дому", "abc"]), INST, "B5"),
    "monitoring.negative": lambda t, m: (monitoring(t, ["на дому", 1, -5]), INST, "C5"),
    "monitoring.missing_rows": lambda t, m: (monitoring(t, ["на дому", 1]), INST, "A4"),
    # cells as read
    "cell.unreadable": lambda t, m: (load_workbook(far_date_workbook(t / "far.xlsx")), "КЦСОН А", "E3"),
    "formula.no_result": lambda t, m: (activities(t, [*A_ROW, "=10+2"]), INST, "E2"),
    "text.control_chars": lambda t, m: (activities(t, ["01.02.2026", "семинар", "2.2", "Тема_x0001_"]), INST, "D2"),
    # Настройки
    "settings.missing": lambda t, m: (book(t, {INST: [ACTIVITY_HEADER, A_ROW]}), "", ""),
    "settings.unknown": lambda t, m: (activities(t, A_ROW, settings={**SETTINGS, "Цвет": "синий"}), "Настройки", "A4"),
    "settings.no_value": lambda t, m: (activities(t, A_ROW, settings={**SETTINGS, "Тема": None}), "Настройки", "B4"),
    "settings.year_invalid": lambda t, m: (activities(t, A_ROW, settings={"Год": "две тысячи"}), "Настройки", "B2"),
    # Учреждения
    "institutions.missing": lambda t, m: (book(t, {INST: [ACTIVITY_HEADER, A_ROW]}), "", ""),
    "institutions.no_header": lambda t, m: (book(t, {"Учреждения": [["Что-то", "Другое"]], INST: [ACTIVITY_HEADER]}),
                                            "Учреждения", ""),
    "institutions.no_name": lambda t, m: (book(t, {"Учреждения": [["Учреждение", "Район"], [None, "Бабаевский"]],
                                                   INST: [ACTIVITY_HEADER]}), "Учреждения", "A2"),
    "institutions.duplicate": lambda t, m: (book(t, {"Учреждения": [["Учреждение"], [INST], [INST]],
                                                     INST: [ACTIVITY_HEADER]}), "Учреждения", "A3"),
    # План (A №, C Мероприятие, D Сроки, G Ответственный, H Показатель, I Считать, J Цель, K Период цели)
    "plan.missing": lambda t, m: (book(t, {INST: [ACTIVITY_HEADER, A_ROW]}), "", ""),
    "plan.no_header": lambda t, m: (book(t, {"План": [["что", "когда"]], INST: [ACTIVITY_HEADER]}), "План", ""),
    "plan.no_number": lambda t, m: (plan(t, ["", "", "Семинар", "июнь", "", "", "Иванова"]), "План", "A2"),
    "plan.bad_number": lambda t, m: (plan(t, ["x.y", "", "Плохой номер", "июнь"]), "План", "A2"),
    "plan.duplicate": lambda t, m: (plan(t, ["3.3", "", "Отчет", "июнь"], ["3.3", "", "Повтор", "июнь"]), "План", "A3"),
    "plan.deadline_unparsed": lambda t, m: (plan(t, ["3.3", "", "Отчет", "по согласованию"]), "План", "D2"),
    "plan.indicator_unknown": lambda t, m: (plan(t, ["3.3", "", "Отчет", "июнь", "", "", "", "танцы"]), "План", "H2"),
    "plan.count_what_unknown": lambda t, m: (plan(t, ["3.3", "", "Отчет", "июнь", "", "", "", "", "вёдра"]),
                                             "План", "I2"),
    "plan.target_invalid": lambda t, m: (plan(t, ["3.3", "", "Отчет", "июнь", "", "", "", "", "", "много"]),
                                         "План", "J2"),
    "plan.target_period_unknown": lambda t, m: (plan(t, ["3.3", "", "Отчет", "июнь", "", "", "", "", "", 2, "век"]),
                                                "План", "K2"),
    "plan.empty": lambda t, m: (plan(t), "План", ""),
    # Критерии (A Критерий, B Вид показателя, C Показатель, D Источник)
    "criteria.no_header": lambda t, m: (activities(t, A_ROW, extra_tabs={"Критерии": [["что", "как"]]}), "Критерии", ""),
    "criteria.no_criterion": lambda t, m: (criteria(t, ["", "качественный", "Показатель", ""]), "Критерии", "A2"),
    "criteria.no_indicator": lambda t, m: (criteria(t, ["Критерий 1", "качественный", "", ""]), "Критерии", "C2"),
    "criteria.bad_kind": lambda t, m: (criteria(t, ["Критерий 1", "какой-то", "Показатель", ""]), "Критерии", "B2"),
    "criteria.empty": lambda t, m: (criteria(t), "Критерии", ""),
    # Показатели мониторинга
    "indicators.no_header": lambda t, m: (activities(t, A_ROW, extra_tabs={"Показатели мониторинга": [["что"]]}),
                                          "Показатели мониторинга", ""),
}


@pytest.mark.parametrize("code", [r.code for r in ALL_RULES])
def test_every_rule_is_raised_by_a_crafted_workbook(code, tmp_path, monkeypatch):
    """Adding a rule to the table without a case here fails: each rule is raised, at its cell, with its
    severity and a message its template gives."""
    if code not in CASES:
        pytest.fail(f"no crafted workbook raises «{code}»: add one to CASES")
    wb, tab, cell = CASES[code](tmp_path, monkeypatch)
    rule = RULES[code]
    found = [(s, m) for t, c, s, m in issues_with(wb, code) if (t, c) == (tab, cell)]
    assert found, f"«{code}» not at {tab}!{cell}: {issues_with(wb, code)} / {wb.issues.to_dict('records')}"
    pattern = template_pattern(rule.template)
    for severity, message in found:
        assert severity == rule.severity
        assert pattern.fullmatch(message), (rule.template, message)
        assert CYRILLIC.search(message)


def test_cases_name_only_rules_of_the_table():
    assert set(CASES) <= set(RULES)


# --------------------------------------------------------------------------- the check and the message are one

def test_a_rule_added_to_the_table_is_checked_and_reported_with_its_message(tmp_path, monkeypatch):
    """A new row rule needs nothing but its entry in the table: the rows it fires on are reported with
    its message at its column's cell, a warning keeps the row, an error rejects it."""
    short_topic = Rule("topic.short", "Слишком короткая тема", WARNING, "Тема «{value}» слишком короткая",
                       ("topic",), rules.cells(lambda result, value, facts: isinstance(value, str) and
                                               0 < len(value.strip()) < 3))
    no_link = Rule("link.missing", "Нет ссылки", ERROR, "{column}: нужна ссылка на подтверждение" + rules.NOT_COUNTED,
                   ("link",), rules.cells(lambda result, value, facts: value == "нет"), only_loaded=True)
    monkeypatch.setattr(rules, "ROW_RULES", (*ROW_RULES, short_topic, no_link))
    wb = activities(tmp_path, ["01.02.2026", "семинар", "2.2", "ab"],
                    ["02.02.2026", "семинар", "2.2", "Хорошая тема", 3, 1, 1, "нет"],
                    ["31.02.2026", "семинар", "2.2", "cd", 3, 1, 1, "нет"],
                    ["03.02.2026", "семинар", "2.2", "Другая тема"])
    assert issues_with(wb, "topic.short") == [(INST, "D2", WARNING, "Тема «ab» слишком короткая"),
                                              (INST, "D4", WARNING, "Тема «cd» слишком короткая")]
    assert issues_with(wb, "link.missing") == [
        (INST, "H3", ERROR, "Ссылка / подтверждение: нужна ссылка на подтверждение — строка не учтена")]
    assert wb.activities["row"].tolist() == [2, 5]       # row 3: the new error; row 4: a bad date
    assert (wb.accounting.rows_total, wb.accounting.rows_rejected) == (4, 2)
    row4 = wb.issues[wb.issues["row"] == 4]
    assert row4["code"].tolist() == ["date.invalid", "topic.short"]       # in the table's order; no link check


def test_a_row_is_looked_at_only_if_a_rule_fires_on_it(tmp_path, monkeypatch):
    """Without the table's rules every row loads, silently: the checker has no checks of its own."""
    monkeypatch.setattr(rules, "ROW_RULES", ())
    wb = activities(tmp_path, ["31.02.2026", "танцы", "9.9", "x", -3], ["Итого", "", "", "", 35])
    assert not wb.issues["code"].isin([r.code for r in ROW_RULES]).any()
    assert len(wb.activities) == 2


def test_a_rows_issues_come_in_the_tables_order_counts_column_by_column(tmp_path):
    wb = activities(tmp_path, ["15 марта", "семинар", "9.9", "x", "более 30", "x", -2],
                    [date(2025, 3, 1), "семинар", "2.2, 9.9", "y", "более 5", 10])
    row2 = wb.issues[wb.issues["row"] == 2]
    assert list(zip(row2["cell"], row2["code"])) == [("A2", "date.no_year"), ("E2", "count.approximate"),
                                                     ("F2", "count.not_number"), ("G2", "count.negative")]
    row3 = wb.issues[wb.issues["row"] == 3]
    assert list(zip(row3["cell"], row3["code"])) == [
        ("E3", "count.approximate"), ("C3", "plan_ref.several"), ("A3", "date.other_year"),
        ("F3", "specialists.over_participants")]
    assert wb.activities["row"].tolist() == [3] and wb.activities["plan_item"].tolist() == ["2.2"]


def test_the_checkers_verdict_is_what_the_issues_say(tmp_path, monkeypatch):
    """`check_rows` on its own: `fired` is exactly the rows and rules of the masks, and a row is kept iff
    no error (and no stopping rule) fired on it."""
    seen = {}
    real = rules.check_rows

    def spy(facts, table=None):
        seen["verdict"] = verdict = real(facts, table)
        return verdict
    monkeypatch.setattr(rules, "check_rows", spy)
    wb = activities(tmp_path, A_ROW, ["31.02.2026", "танцы"], ["Итого", "", "", "", 3], [*A_ROW, "более 3"])
    verdict = seen["verdict"]
    by_row = {}
    for i, rule, _ in verdict.fired:
        by_row.setdefault(i, []).append(rule)
    assert sorted(by_row) == [1, 2, 3]
    for i in range(4):
        fired = by_row.get(i, [])
        assert verdict.keep[i] == (not any(r.severity == ERROR or r.stops for r in fired))
        for code, mask in verdict.hits.items():
            assert mask[i] == any(r.code == code for r in fired)
    assert np.count_nonzero(verdict.keep) == len(wb.activities) == 2


def test_the_readme_lists_every_code_with_its_severity():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for r in ALL_RULES:
        row = re.search(rf"^\| `{re.escape(r.code)}` \| (.+?) \| (.+?) \|$", readme, re.MULTILINE)
        assert row, f"README «Правила проверки» lacks «{r.code}»"
        assert row[2].startswith("ошибка" if r.severity == ERROR else "предупреждение"), r.code
