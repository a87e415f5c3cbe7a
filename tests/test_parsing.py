"""Parsing and validation of workbooks written the way people write them (DESIGN.md §3)."""
from __future__ import annotations

from datetime import date

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from lib.loader import load_workbook
from tests.workbook_builder import ACTIVITY_HEADER, MONITORING_HEADER, write_workbook

INST = "КЦСОН Бабаевского района"


def issues_at(wb, tab, cell):
    rows = wb.issues[(wb.issues["tab"] == tab) & (wb.issues["cell"] == cell)]
    return list(zip(rows["severity"], rows["message"]))


def one_issue(wb, tab, cell, severity, phrase, code=None):
    """An issue at the cell with this severity and wording (and the code of its rule, when given)."""
    rows = wb.issues[(wb.issues["tab"] == tab) & (wb.issues["cell"] == cell)]
    found = list(zip(rows["severity"], rows["message"], rows["code"]))
    assert any(s == severity and phrase in m and code in (None, c) for s, m, c in found), \
        f"no {severity} «{phrase}» ({code}) at {tab}!{cell}: {found}"


def load_rows(tmp_path, rows, **kw):
    return load_workbook(write_workbook(tmp_path / "wb.xlsx", institutions={INST: rows}, **kw))


def test_clean_rows_load_with_typed_values(tmp_path):
    wb = load_rows(tmp_path, [ACTIVITY_HEADER,
                              [date(2026, 1, 16), "консультация", "1.3", "Тема", 12, 3, 1, "https://vk.com/x", ""],
                              [date(2026, 5, 20), "семинар", "2.2", "Семинар", 23, 20, 9, "", "онлайн"]])
    assert wb.error_count == 0
    acts = wb.activities
    assert list(acts["type"]) == ["консультация", "семинар"]
    assert list(acts["quarter"]) == [1, 2]
    assert list(acts["participants"]) == [12, 23]
    assert list(acts["row"]) == [2, 3]
    assert acts["date"].iloc[1].date() == date(2026, 5, 20)
    assert (wb.accounting.rows_total, wb.accounting.rows_loaded, wb.accounting.rows_rejected) == (2, 2, 0)


@pytest.mark.parametrize("typed, expected", [
    ("15.03.2026", date(2026, 3, 15)), ("15.03.26", date(2026, 3, 15)), ("15 марта 2026", date(2026, 3, 15)),
    ("15 марта 2026 г.", date(2026, 3, 15)), ("5.3.2026", date(2026, 3, 5)), ("2026-03-15", date(2026, 3, 15)),
    (" 15.03.2026 ", date(2026, 3, 15)), ("1 сентября 2026 года", date(2026, 9, 1)),
])
def test_text_dates(tmp_path, typed, expected):
    wb = load_rows(tmp_path, [ACTIVITY_HEADER, [typed, "семинар", "2.2", "x"]])
    assert wb.activities["date"].iloc[0].date() == expected
    assert wb.error_count == 0


def test_date_without_year_takes_the_workbook_year_with_a_warning(tmp_path):
    wb = load_rows(tmp_path, [ACTIVITY_HEADER, ["15 марта", "семинар", "2.2", "x"]])
    assert wb.activities["date"].iloc[0].date() == date(2026, 3, 15)
    one_issue(wb, INST, "A2", "warning", "не указан год", "date.no_year")


@pytest.mark.parametrize("typed, phrase, code", [
    ("31.02.2026", "Дата «31.02.2026» не существует", "date.invalid"), ("15.13.2026", "не существует", "date.invalid"),
    ("вчера", "Не удалось распознать дату «вчера»", "date.invalid"), ("", "Не указана дата", "date.missing"),
])
def test_bad_dates_reject_the_row_and_name_the_cell(tmp_path, typed, phrase, code):
    wb = load_rows(tmp_path, [ACTIVITY_HEADER, [typed, "семинар", "2.2", "тема"],
                              ["01.02.2026", "семинар", "2.2", "хорошая"]])
    one_issue(wb, INST, "A2", "error", phrase, code)
    assert len(wb.activities) == 1 and wb.activities["row"].iloc[0] == 3
    assert (wb.accounting.rows_total, wb.accounting.rows_rejected) == (2, 1)


@pytest.mark.parametrize("typed, canonical", [
    ("Семинар-практикум", "семинар"), ("вебинар", "семинар"), ("консультирование", "консультация"),
    ("КОНСУЛЬТАЦИЯ ", "консультация"), ("Консультации", "консультация"), ("пресс-релиз", "публикация"),
    ("Лифлет", "буклет"), ("Мастер класс", "мастер-класс"), ("формуляр", "формуляр практики"),
    ("Круглый стол", "круглый стол"), ("доклад", "выступление"), ("Соглашение о сотрудничестве", "соглашение"),
])
def test_activity_type_synonyms(tmp_path, typed, canonical):
    wb = load_rows(tmp_path, [ACTIVITY_HEADER, ["01.02.2026", typed, "", "x"]])
    assert wb.activities["type"].tolist() == [canonical]
    assert wb.activities["type_raw"].iloc[0] == typed.strip()


def test_unknown_type_is_rejected_with_the_allowed_list(tmp_path):
    wb = load_rows(tmp_path, [ACTIVITY_HEADER, ["01.02.2026", "танцы", "", "x"]])
    one_issue(wb, INST, "B2", "error", "«танцы» не из списка (консультация, семинар", "type.unknown")
    assert wb.accounting.rows_rejected == 1


@pytest.mark.parametrize("typed, expected", [("2.4", "2.4"), ("2.4.", "2.4"), ("п. 2.4", "2.4"), ("п.2.4", "2.4"),
                                             ("пункт 2.4", "2.4"), (2.4, "2.4"), ("1.3", "1.3")])
def test_plan_references(tmp_path, typed, expected):
    wb = load_rows(tmp_path, [ACTIVITY_HEADER, ["01.02.2026", "буклет", typed, "x"]])
    assert wb.activities["plan_item"].tolist() == [expected]
    assert wb.error_count == 0


def test_plan_reference_problems_are_warnings_and_the_row_loads(tmp_path):
    wb = load_rows(tmp_path, [ACTIVITY_HEADER, ["01.02.2026", "буклет", "9.9", "x"],
                              ["02.02.2026", "буклет", "два", "y"]])
    one_issue(wb, INST, "C2", "warning", "Пункта 9.9 нет в плане", "plan_ref.unknown")
    one_issue(wb, INST, "C3", "warning", "Пункт плана «два» не распознан", "plan_ref.unparsed")
    assert len(wb.activities) == 2


@pytest.mark.parametrize("typed, expected", [("12 чел.", 12), ("12", 12), (12.0, 12), ("12 человек", 12),
                                             ("1 200", 1200), ("9 учреждений", 9)])
def test_numbers_with_units(tmp_path, typed, expected):
    wb = load_rows(tmp_path, [ACTIVITY_HEADER, ["01.02.2026", "семинар", "2.2", "x", typed]])
    assert wb.activities["participants"].tolist() == [expected]


@pytest.mark.parametrize("typed, phrase, code", [("двенадцать", "не число", "count.not_number"),
                                                 (-3, "отрицательным", "count.negative"),
                                                 (2.5, "дробное", "count.fraction"),
                                                 (date(2026, 3, 15), "это дата", "count.not_number")])
def test_bad_numbers_reject_the_row(tmp_path, typed, phrase, code):
    wb = load_rows(tmp_path, [ACTIVITY_HEADER, ["01.02.2026", "семинар", "2.2", "x", typed]])
    one_issue(wb, INST, "E2", "error", phrase, code)
    assert wb.activities.empty


def test_header_anywhere_with_synonyms_reordered_and_extra_columns(tmp_path):
    rows = [["Отчёт о работе ОМП за 2026 год"], [], ["Ответственный:", "Иванова И.И."], [],
            ["", "Форма работы", "Кол-во участников", "Дата проведения", "Отметка", "Тема мероприятия", "№ пункта плана"],
            ["", "семинар", 10, "15.03.2026", "да", "Про СЗТ", "2.2"]]
    wb = load_rows(tmp_path, rows)
    acts = wb.activities
    assert acts[["type", "participants", "topic", "plan_item", "row"]].values.tolist() == \
        [["семинар", 10, "Про СЗТ", "2.2", 6]]
    one_issue(wb, INST, "E5", "warning", "Столбец «Отметка» не входит в шаблон", "block.extra_column")
    assert wb.accounting.rows_total == 1


def test_blank_rows_titles_and_totals(tmp_path):
    rows = [ACTIVITY_HEADER, ["01.02.2026", "семинар", "", "a"], [], [None, "  ", None],
            ["02.02.2026", "семинар", "", "b"], ["Итого", "", "", "", 35],
            ["Мониторинг показателей"], MONITORING_HEADER, ["Дорожная карта", 80, 90, None, None]]
    wb = load_rows(tmp_path, rows)
    assert len(wb.activities) == 2
    one_issue(wb, INST, "A6", "warning", "Строка итогов", "row.total")
    assert (wb.accounting.rows_total, wb.accounting.rows_loaded, wb.accounting.rows_rejected) == (3, 2, 1)


def test_merged_cells_date_repeats_and_title_is_skipped(tmp_path):
    path = write_workbook(tmp_path / "m.xlsx", institutions={INST: [
        ["Мероприятия КЦСОН"], ACTIVITY_HEADER, ["15.03.2026", "семинар", "2.2", "утро"], ["", "консультация", "1.3", "вечер"]]})
    book = openpyxl.load_workbook(path)
    ws = book[INST]
    ws.merge_cells("A1:I1")
    ws.merge_cells("A3:A4")
    book.save(path)
    wb = load_workbook(path)
    assert wb.activities["date"].dt.date.tolist() == [date(2026, 3, 15)] * 2
    assert wb.error_count == 0


def test_monitoring_block_values_blanks_and_errors(tmp_path):
    rows = [ACTIVITY_HEADER, ["01.02.2026", "семинар", "", "a"], [],
            MONITORING_HEADER,
            ["обслужено на дому", 10, "12 чел.", None, ""],
            ["Достижение показателей дорожной карты", 0.88, "90%", "abc", None],
            ["Придуманный показатель", 1, 2, 3, 4],
            ["", 5, None, None, None]]
    wb = load_rows(tmp_path, rows)
    mon = wb.monitoring.set_index(["indicator", "quarter"])["value"]
    home = "Граждане с психическими расстройствами, обслуженные на дому"
    assert mon[(home, 1)] == 10 and mon[(home, 2)] == 12
    assert mon.isna()[(home, 3)]                       # blank is not zero
    assert mon[("Достижение показателей дорожной карты", 1)] == pytest.approx(88)
    assert mon[("Достижение показателей дорожной карты", 2)] == 90
    one_issue(wb, INST, "D6", "error", "«abc» — не число", "monitoring.not_number")
    one_issue(wb, INST, "A7", "warning", "не из списка показателей мониторинга", "monitoring.unknown_indicator")
    one_issue(wb, INST, "A8", "error", "Не указан показатель", "monitoring.no_indicator")


def test_tab_names_are_matched_ignoring_case_and_spaces(tmp_path):
    path = write_workbook(tmp_path / "t.xlsx", listed=["КЦСОН Бабаевского района"],
                          institutions={" кцсон  бабаевского района ": [ACTIVITY_HEADER, ["01.02.2026", "семинар", "", "a"]]})
    wb = load_workbook(path)
    assert wb.activities["institution"].tolist() == ["КЦСОН Бабаевского района"]
    assert not wb.issues["message"].str.contains("нет в списке").any()


def test_unlisted_tab_and_listed_without_tab_and_no_data(tmp_path):
    path = write_workbook(tmp_path / "t.xlsx", listed=[INST, "КЦСОН Вожегодского района", "КЦСОН Нет вкладки"],
                          institutions={INST: [ACTIVITY_HEADER, ["01.02.2026", "семинар", "", "a"]],
                                        "КЦСОН Вожегодского района": [ACTIVITY_HEADER],
                                        "Чужая вкладка": [ACTIVITY_HEADER, ["01.03.2026", "публикация", "", "пост"]]})
    wb = load_workbook(path)
    messages = " | ".join(wb.issues["message"])
    assert "Вкладки «Чужая вкладка» нет в списке учреждений" in messages
    assert "Для учреждения «КЦСОН Нет вкладки» нет вкладки" in messages
    assert "«КЦСОН Вожегодского района» не внесло ни одного мероприятия" in messages
    assert "Чужая вкладка" in wb.activities["institution"].tolist()     # reported, and not lost


def test_a_tab_without_header_is_reported_and_counted_and_others_still_load(tmp_path):
    path = write_workbook(tmp_path / "t.xlsx", institutions={
        INST: [["Когда", "Что"], ["01.02.2026", "семинар"], ["02.02.2026", "вебинар"]],
        "КЦСОН Вожегодского района": [ACTIVITY_HEADER, ["01.02.2026", "семинар", "", "a"]]})
    wb = load_workbook(path)
    one_issue(wb, INST, "A1", "error", "Не найдена строка заголовков блока «Мероприятия»", "block.no_header")
    assert wb.activities["institution"].tolist() == ["КЦСОН Вожегодского района"]
    assert (wb.accounting.rows_total, wb.accounting.rows_loaded, wb.accounting.rows_rejected) == (4, 1, 3)


def test_plan_tab_sections_targets_and_deadlines(tmp_path):
    plan = [["1. Организационные мероприятия"],
            ["1.3", "", "Переговоры", "Ежеквартально", "", "", "", "Консультирование", "мероприятий", "10", "квартал"],
            ["2.4.", "Методическое", "Буклеты", "Ежемесячно", "", "", "", "буклет", "", 15, ""],
            ["3.3", "", "Отчет", "по согласованию", "", "", "", "", "", "", ""],
            ["3.3", "", "Повтор", "июнь", "", "", "", "", "", "", ""],
            ["x.y", "", "Плохой номер", "июнь", "", "", "", "", "", "", ""]]
    wb = load_rows(tmp_path, [ACTIVITY_HEADER], plan=plan)
    p = wb.plan.set_index("item")
    assert list(p.index) == ["1.3", "2.4", "3.3"]
    assert p.loc["1.3", "section"] == "1. Организационные мероприятия"
    assert p.loc["1.3", "indicator"] == "консультация" and p.loc["1.3", "target"] == 10
    assert p.loc["1.3", "target_period"] == "квартал"
    assert len(p.loc["2.4", "checkpoints"]) == 12
    assert not p.loc["3.3", "deadline_parsed"]
    one_issue(wb, "План", "D5", "warning", "не распознан", "plan.deadline_unparsed")
    one_issue(wb, "План", "A6", "error", "повторяется", "plan.duplicate")
    one_issue(wb, "План", "A7", "error", "Номер пункта «x.y» не распознан", "plan.bad_number")


def test_settings_and_missing_service_tabs(tmp_path):
    wb = load_rows(tmp_path, [ACTIVITY_HEADER], settings={"ОМП": "Тест", "Год": "две тысячи", "Цвет": "синий"})
    one_issue(wb, "Настройки", "B3", "error", "Год «две тысячи» не распознан", "settings.year_invalid")
    one_issue(wb, "Настройки", "A4", "warning", "Параметр «Цвет» не известен", "settings.unknown")
    assert wb.settings.omp_name == "Тест"

    book = openpyxl.Workbook()
    book.active.title = INST
    book.active.append(ACTIVITY_HEADER)
    book.active.append(["01.02.2026", "семинар", "", "a"])
    book.save(tmp_path / "bare.xlsx")
    bare = load_workbook(tmp_path / "bare.xlsx")
    assert len(bare.activities) == 1 and bare.year == 2026
    assert "Нет вкладки «План»" in " ".join(bare.issues["message"])


def test_every_rejected_row_has_an_error_in_that_row(tmp_path):
    rows = [ACTIVITY_HEADER, ["31.02.2026", "семинар"], ["01.02.2026", "ерунда"], ["01.02.2026", "семинар", "", "", "x"],
            ["01.02.2026", "семинар"], ["", "", "", "только тема"]]
    wb = load_rows(tmp_path, rows)
    errors = wb.issues[(wb.issues["severity"] == "error") & (wb.issues["tab"] == INST)]
    assert sorted(set(errors["row"])) == [2, 3, 4, 6]
    assert wb.activities["row"].tolist() == [5]
    assert wb.accounting.rows_total == wb.accounting.rows_loaded + wb.accounting.rows_rejected == 5


@pytest.mark.parametrize("typed", ["99999999999999999999 чел.", 1e20, 2_000_000])
def test_absurd_counts_are_rejected_not_crashing(tmp_path, typed):
    wb = load_rows(tmp_path, [ACTIVITY_HEADER, ["01.02.2026", "семинар", "2.2", "x", typed],
                              ["02.02.2026", "семинар", "2.2", "y", 12]])
    one_issue(wb, INST, "E2", "error", "слишком большое количество", "count.too_big")
    assert wb.activities["participants"].tolist() == [12]


def test_a_tab_whose_rows_break_the_checker_is_reported_and_the_other_tabs_still_load(tmp_path, monkeypatch):
    """The Мероприятия blocks of all tabs are checked together; if that fails on one tab's value, the
    blocks are checked again one by one, so only that tab is given up on — with a Russian message."""
    from lib.validate import parsing

    real = parsing._count_or_blank

    def breaks_on_13(value):
        if value == 13:
            raise ValueError("internal")
        return real(value)

    monkeypatch.setattr(parsing, "_count_or_blank", breaks_on_13)
    other = "КЦСОН Белозерского района"
    path = write_workbook(tmp_path / "wb.xlsx", institutions={
        INST: [ACTIVITY_HEADER, [date(2026, 1, 16), "консультация", "1.3", "Тема", 12, 3, 1, "", ""],
               [date(2026, 2, 16), "консультация", "1.3", "Тема", 14, 3, 1, "", ""]],
        other: [ACTIVITY_HEADER, [date(2026, 3, 16), "семинар", "2.2", "Семинар", 13, 3, 1, "", ""]]})
    wb = load_workbook(path)
    assert list(wb.activities["institution"]) == [INST, INST]
    broken = issues_at(wb, other, "")
    assert [s for s, m in broken if "не удалось разобрать (ValueError)" in m] == ["error"]
    assert not any("internal" in m for m in wb.issues["message"])
    summary = wb.tab_summary.set_index("tab")
    assert summary.loc[other, "rows_loaded"] == 0 and summary.loc[INST, "rows_loaded"] == 2


def test_plain_date_spellings_parse_as_the_normalising_parser_does():
    """`parse_date` takes a short cut for «15.03.2026» and «5 марта 2026 г.»: it must give exactly what
    the full (normalising) parser gives, problems and their wording included."""
    import itertools

    from lib.validate import values

    spellings = [f"{d} {w} {y}{tail}" for d, w, y, tail in itertools.product(
        ["1", "05", "31", "0"], [*values._MONTH_WORDS, "мартобря"], ["2026", "0001"], ["", " г.", " г", " года", "."])]
    spellings += [f"{d}{sep}{m}{sep}{y}" for d, m, y, sep in itertools.product(
        ["1", "01", "31", "32", "0"], ["2", "12", "13", "00"], ["2026", "26", "1999"], "./-")]
    for text in spellings:
        assert values.parse_date(text, 2026) == values._parse_date_text(text, values.shown(text), 2026), text


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.text(alphabet=st.sampled_from(list("aZяЁё -—–‐«»№.,\t\u00a0\u2003\x1c\x85_#|\"'“”„:;!?()[]{}/\\*ΣİДата")),
               max_size=16))
def test_norm_is_one_pass_of_what_it_promises(text):
    """`norm` folds every run of punctuation, dashes and whitespace into one space in a single regex
    pass; the same as doing it step by step (dashes, «№», punctuation, then whitespace)."""
    import re

    from lib.model.contract import norm

    s = text.replace("\u00a0", " ").lower().replace("ё", "е")
    s = re.sub(r"[\u2010-\u2015\-]+", " ", s).replace("№", " номер ")
    s = re.sub(r"[\"'«»“”„.,:;!?()\[\]{}/\\|*_#]+", " ", s)
    assert norm(text) == re.sub(r"\s+", " ", s).strip()


def test_a_formula_saved_without_its_result_is_reported_at_its_cell(tmp_path):
    """openpyxl (and some generators) save a formula without its result: there is no value to read.
    The cell reads as empty, as in calamine — and the centre is told which cell and what to do."""
    wb = load_rows(tmp_path, [ACTIVITY_HEADER,
                              [date(2026, 1, 16), "консультация", "1.3", "Тема", "=10+2", 3, 1, "", ""],
                              [date(2026, 2, 16), "семинар", "2.2", "Семинар", 23, 20, 9, "", ""]])
    assert list(wb.activities["participants"].astype("Int64").astype(object)) == [pd.NA, 23]
    one_issue(wb, INST, "E2", "warning", "Формула без сохранённого результата", "formula.no_result")
    assert len(issues_at(wb, INST, "E3")) == 0


def test_a_formula_with_its_saved_result_is_read_as_that_value(tmp_path):
    """What Excel and LibreOffice write — the formula and its last result — loads the result, silently."""
    from tests.test_bad_files import raw_xlsx

    sheet = ('<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c><c r="B1"><f>2+3</f><v>5</v></c>'
             '<c r="C1"><f>A1&amp;"!"</f></c></row>')
    path = tmp_path / "f.xlsx"
    path.write_bytes(raw_xlsx({"Лист": sheet}))
    from lib.sources import read
    tabs, _ = read(path)
    assert tabs[0].rows == [["x", 5.0]] and tabs[0].unread == [(0, 2)]
