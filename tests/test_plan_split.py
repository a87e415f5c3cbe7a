"""A Word plan split over several tables (`lib.sources.word_plan`): continued after a page break under
the same header repeated, continued without a header (a section title between the tables), an item
that runs over the page break — one plan, items in document order — and tables after the plan that
are something else (a signature block, another table) left out."""
from __future__ import annotations

from pathlib import Path

import pytest

from lib.sources.word_plan import import_plan_docx
from tests.plan_docx import PAGE_BREAK, Heading, Plain, write_plan_docx

TITLE = ["План работы ресурсного центра на 2026 год"]
HEADER = [["№ п/п"], ["Наименование мероприятия"], ["Сроки проведения"], ["Ответственный"]]
FIRST = [HEADER,
         Heading("1. Организационная работа"),
         ["1.1", "Совещание с директорами КЦСОН", "Февраль", "Иванова"],
         ["1.2", "Проведение 3 семинаров для специалистов", "Апрель", "Петрова"]]
SIGNATURE = [["Директор БУ СО ВО «КЦСОН»", "", "подпись", "А.А. Андреева"]]
JOINED = "План продолжается в 1 следующей таблице — пункты всех 2 таблиц собраны в один план"


def items_of(plan) -> list[tuple]:
    return [(i.item, i.section, i.title, i.deadline_text, i.responsible) for i in plan.items]


def write(tmp_path: Path, continued, after=()) -> Path:
    return write_plan_docx(tmp_path / "план.docx", TITLE, FIRST, continued=continued, after=after)


def test_a_table_continued_after_a_page_break_under_the_repeated_header(tmp_path):
    second = [HEADER,
              Heading("2. Информационная работа"),
              ["2.1", "Не менее 15 буклетов для граждан", "Ежеквартально", "Сидорова"],
              ["2.2", "Публикации на сайте", "Декабрь", "Сидорова"]]
    plan = import_plan_docx(write(tmp_path, [([PAGE_BREAK], second)]))
    assert items_of(plan) == [
        ("1.1", "1. Организационная работа", "Совещание с директорами КЦСОН", "Февраль", "Иванова"),
        ("1.2", "1. Организационная работа", "Проведение 3 семинаров для специалистов", "Апрель", "Петрова"),
        ("2.1", "2. Информационная работа", "Не менее 15 буклетов для граждан", "Ежеквартально", "Сидорова"),
        ("2.2", "2. Информационная работа", "Публикации на сайте", "Декабрь", "Сидорова")]
    assert [(i.target, i.indicator) for i in plan.items[2:3]] == [(15, "буклет")]
    assert "№ п/п" not in [i.item for i in plan.items]          # the repeated header is no item
    assert [str(w) for w in plan.warnings][:1] == [JOINED]
    assert plan.summary.startswith("План на 2026 год: 4 пункта в 2 разделах, ")


def test_a_continuation_without_a_header_under_a_section_title(tmp_path):
    second = [["1", "2", "3", "4"],                                   # the column numbers at the top of a page
              ["", "(по итогам — протокол)", "", ""],                 # the rest of 1.2 from the page before
              ["2.1", "Консультации для специалистов", "Ежемесячно", "Сидорова"],
              ["2.2", "Публикации на сайте", "по мере необходимости", "Сидорова"]]
    plan = import_plan_docx(write(tmp_path, [(["Продолжение таблицы", "2. Информационная работа"], second)]))
    assert items_of(plan) == [
        ("1.1", "1. Организационная работа", "Совещание с директорами КЦСОН", "Февраль", "Иванова"),
        ("1.2", "1. Организационная работа", "Проведение 3 семинаров для специалистов\n(по итогам — протокол)",
         "Апрель", "Петрова"),
        ("2.1", "2. Информационная работа", "Консультации для специалистов", "Ежемесячно", "Сидорова"),
        ("2.2", "2. Информационная работа", "Публикации на сайте", "по мере необходимости", "Сидорова")]
    assert len(plan.items[2].checkpoints) == 12
    warnings = [str(w) for w in plan.warnings]
    assert warnings[0] == JOINED
    # a warning about a row of the second table names that table
    assert any(w.startswith("Строка 4 таблицы 2: пункт 2.2: Срок «по мере необходимости» не распознан")
               for w in warnings), warnings


def test_a_note_in_plain_type_between_the_tables_is_no_section(tmp_path):
    second = [["1.3", "Круглый стол", "Май", "Петрова"]]
    plan = import_plan_docx(write(tmp_path, [([Plain("Примечание: сроки уточняются"), PAGE_BREAK], second)]))
    assert [(i.item, i.section) for i in plan.items] == [("1.1", "1. Организационная работа"),
                                                         ("1.2", "1. Организационная работа"),
                                                         ("1.3", "1. Организационная работа")]


def test_three_tables_and_a_number_repeated_across_them(tmp_path):
    second = [["1.3", "Круглый стол", "Май", "Петрова"]]
    third = [HEADER, ["1.3", "Вебинар", "Июнь", "Петрова"]]
    plan = import_plan_docx(write(tmp_path, [([PAGE_BREAK], second), ([PAGE_BREAK], third)]))
    assert [i.item for i in plan.items] == ["1.1", "1.2", "1.3", "1.3"]
    warnings = [str(w) for w in plan.warnings]
    assert warnings[0] == "План продолжается в 2 следующих таблицах — пункты всех 3 таблиц собраны в один план"
    assert "Строка 2 таблицы 3: пункт 1.3: такой номер уже есть в строке 1 таблицы 2 — исправьте номер" in warnings


@pytest.mark.parametrize("signature", [SIGNATURE, [["Директор", "А.А. Андреева"]]], ids=["same width", "narrower"])
def test_a_signature_table_after_the_plan_is_not_taken(tmp_path, signature):
    plan = import_plan_docx(write(tmp_path, [(["Согласовано:"], signature)]))
    assert [i.item for i in plan.items] == ["1.1", "1.2"]
    assert JOINED not in [str(w) for w in plan.warnings]
    assert all("Андреева" not in i.responsible + i.title for i in plan.items)


def test_a_table_after_a_foreign_table_is_not_taken_either(tmp_path):
    later = [["3.1", "Мониторинг", "Декабрь", "Иванова"]]
    plan = import_plan_docx(write(tmp_path, [([], SIGNATURE), ([PAGE_BREAK], later)]))
    assert [i.item for i in plan.items] == ["1.1", "1.2"]


def test_a_plan_table_with_other_columns_after_the_plan_is_left_out_with_a_warning(tmp_path):
    other = [[["№"], ["Мероприятие"], ["Ожидаемый результат"], ["Сроки"]],
             ["1", "Отчёт за год", "Отчёт", "Декабрь"]]
    plan = import_plan_docx(write(tmp_path, [([PAGE_BREAK], other)]))
    assert [i.item for i in plan.items] == ["1.1", "1.2"]
    assert ("Таблица 2 после таблицы плана похожа на план, но её столбцы другие — она не перенесена, проверьте её "
            "пункты") in [str(w) for w in plan.warnings]
