"""The plan from its Word file (`lib.sources.word_plan`, `python -m lib.cli import-plan`, the «Импорт плана»
page): seed 000 as the Word table it was, plans laid out otherwise, the files people pick by mistake,
the .xlsx written from it read back by the loader, and the page in AppTest.

The .docx files are written with python-docx (`tests/plan_docx.py`); LibreOffice, where installed,
turns them into a real .doc and back into a .docx as LibreOffice writes it.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook
from streamlit.testing.v1 import AppTest

from ui import signin
from lib.model import contract as C
from lib.loader import load_workbook
from lib.model.workbook import PLAN_COLUMNS
from lib.model.headers import HeaderVocabulary
from lib.sources.word_plan import (WORD_PLAN_COLUMNS, PlanImportError, PlanItem, import_plan_docx, review_table,
                             revise_plan)
from lib.export.template import LISTS_TAB, PLAN_TAB, plan_workbook_bytes
from tests.app_support import hashed_users, sign_in
from tests.app_workbook import build_app_workbook
from tests.plan_docx import (LEFT, SEED_ROWS, UP, Heading, WordNumbered, write_plan_docx)
from tests.test_bad_files import ole_file, zip_of

ROOT = Path(__file__).resolve().parent.parent
KEY_FILE = "plan_import_file"          # the page's session key for the uploaded file (name, bytes)
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) не установлен")

SEED_ITEMS = ["1.1", "1.2", "1.3", "1.4", "1.5", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "2.8", "2.9",
              "2.10", "3.1", "3.2", "3.3", "3.4"]
SECTION_1 = "1. Организационные мероприятия"
SECTION_2 = "II. Методическое сопровождение специалистов учреждений социальной защиты населения Вологодской области"
SECTION_3 = "III. Информационно-аналитическая деятельность"
QUARTER_ENDS = ["2026-03-31", "2026-06-30", "2026-09-30", "2026-12-31"]
MONTH_ENDS = ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30", "2026-07-31",
              "2026-08-31", "2026-09-30", "2026-10-31", "2026-11-30", "2026-12-31"]
SEED_CHECKPOINTS = {
    "1.1": ["2026-03-31"], "1.2": ["2026-03-31"], "1.3": QUARTER_ENDS,
    "1.4": ["2026-04-01", "2026-06-01", "2026-10-01", "2026-12-01"], "1.5": ["2026-12-04"],
    "2.1": QUARTER_ENDS, "2.2": ["2026-03-20", "2026-07-15", "2026-09-18"],
    "2.3": ["2026-04-30", "2026-07-31", "2026-12-31"], "2.4": MONTH_ENDS, "2.5": ["2026-12-31"],
    "2.6": ["2026-12-31"], "2.7": ["2026-06-30"], "2.8": ["2026-09-30"], "2.9": ["2026-12-31"],
    "2.10": ["2026-06-30", "2026-12-31"], "3.1": QUARTER_ENDS,
    "3.2": ["2026-04-01", "2026-07-01", "2026-10-01", "2026-12-20"], "3.3": ["2026-06-30", "2026-12-31"],
    "3.4": ["2026-07-01", "2026-12-20"],
}
# item → (target, target period, what is counted, activity type), as the plan's words say them
SEED_TARGETS = {
    "1.2": (None, "год", "мероприятия", "совещание"),                   # «Проведение областного совещания»
    "1.3": (10, "квартал", "мероприятия", None),                        # «не менее 10 ежеквартально»
    "1.5": (100, "год", "участники", "мероприятие для получателей"),    # «более 100 граждан», «фестиваля»
    "2.1": (None, "год", "мероприятия", "мониторинг"),
    "2.2": (3, "год", "мероприятия", "семинар"),                        # «Проведение 3 семинаров»
    "2.3": (5, "год", "мероприятия", "формуляр практики"),              # «не менее 5 формуляров»
    "2.4": (15, "год", "мероприятия", "буклет"),                        # «не менее 15 буклетов и лифлетов»
    "2.6": (None, "год", "мероприятия", "консультация"),                # «Консультативная помощь»
    "2.8": (None, "год", "мероприятия", "мероприятие для получателей"), # «в экологических городских акциях»
    "2.10": (None, "год", "мероприятия", "мониторинг"),                 # «Анализ деятельности»
    "3.1": (24, "год", "мероприятия", None),                            # «не менее 24 информаций»
    "3.2": (1, "год", "мероприятия", "буклет"),                         # «не менее1 издания от учреждения»
}
TYPE_UNCLEAR = {"1.1": 3, "1.3": 6, "2.7": 16, "2.9": 18, "3.1": 21, "3.3": 23, "3.4": 24}   # item → table row
TYPES_MIXED = {"1.4": (7, "консультация, совещание"), "2.5": (14, "совещание, конференция")}


def run_cli(*args) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "lib.cli", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def folded(text: str | None) -> str:
    """Text as the workbook loader keeps it: line breaks and runs of spaces folded into one space."""
    return " ".join((text or "").split())


def by_item(plan) -> dict[str, PlanItem]:
    return {i.item: i for i in plan.items}


# --------------------------------------------------------------------------- seed 000


def test_the_seed_plan_gives_its_items_sections_year_and_topic(seed):
    assert [i.item for i in seed.items] == SEED_ITEMS          # «2.4.» → 2.4, «2.10» stays 2.10
    sections = {i.item: i.section for i in seed.items}
    assert {sections[n] for n in SEED_ITEMS if n.startswith("1.")} == {SECTION_1}
    assert {sections[n] for n in SEED_ITEMS if n.startswith("2.")} == {SECTION_2}
    assert {sections[n] for n in SEED_ITEMS if n.startswith("3.")} == {SECTION_3}
    assert seed.sections == [SECTION_1, SECTION_2, SECTION_3]
    assert seed.year == 2026 and seed.year_found             # «на 2026 год», not the approval block's 2025
    assert seed.title.startswith("План работы опорно-методической площадки (ресурсного центра)")
    assert seed.topic.startswith("Развитие в Вологодской области на базе комплексных центров")
    assert seed.topic.endswith("граждан, страдающих психическими расстройствами")
    assert seed.summary == "План на 2026 год: 19 пунктов в 3 разделах, 10 предупреждений"


def test_seed_deadlines_become_checkpoints(seed):
    items = by_item(seed)
    assert {n: [d.isoformat() for d in i.checkpoints] for n, i in items.items()} == SEED_CHECKPOINTS
    assert all(i.deadline_parsed and i.deadline_problem is None for i in seed.items)
    assert items["2.1"].deadline_text == "Март,\nиюнь,\nсентябрь, декабрь\n2026 год"
    assert items["2.8"].deadline_text == "II -III квартал\n2026"


def test_seed_targets_and_activity_types_from_the_words(seed):
    items = by_item(seed)
    for number, (target, period, count_what, kind) in SEED_TARGETS.items():
        item = items[number]
        assert (item.target, item.target_period, item.count_what, item.indicator) == (target, period, count_what, kind), number
    others = set(SEED_ITEMS) - set(SEED_TARGETS)
    assert all(items[n].target is None for n in others), [n for n in others if items[n].target is not None]
    assert {n for n in SEED_ITEMS if items[n].indicator is None} == set(TYPE_UNCLEAR) | set(TYPES_MIXED) | {"1.3", "3.1"}
    assert items["1.3"].target_text == "10 мероприятий в квартал"
    assert items["2.2"].target_text == "3 семинара в год"
    assert items["1.5"].target_text == "100 участников в год"
    assert items["2.3"].target_text == "5 формуляров практики в год"
    assert items["2.1"].target_text == "цель не задана"


def test_seed_warnings_name_the_table_row_and_the_item(seed):
    texts = [str(w) for w in seed.warnings]
    unclear = [t for t in texts if "вид мероприятия для подсчёта не определён" in t]
    assert sorted(unclear) == sorted(f"Строка {row} таблицы: пункт {n}: вид мероприятия для подсчёта не определён "
                                     "по тексту — выберите его в столбце «Показатель» (пока считаются все "
                                     "мероприятия со ссылкой на пункт)" for n, row in TYPE_UNCLEAR.items())
    for number, (row, kinds) in TYPES_MIXED.items():
        assert f"Строка {row} таблицы: пункт {number}: в названии несколько видов мероприятий ({kinds})" \
               " — выберите, какой считать, в столбце «Показатель»" in texts
    per_institution = [t for t in texts if "на одно учреждение" in t]
    assert per_institution == ["Строка 22 таблицы: пункт 3.2: цель «не менее1 издания от учреждения» указана на "
                               "одно учреждение: в «Цель» записано 1 — умножьте на число учреждений, если считать "
                               "по всей области"]
    assert len(texts) == len(unclear) + len(TYPES_MIXED) + len(per_institution) == 10


def test_a_continued_row_joins_its_item_and_cells_keep_their_paragraphs(seed):
    items = by_item(seed)
    seed_12 = next(r for r in SEED_ROWS if r[0] == ["1.2"])
    item = items["1.2"]
    assert item.row == 4 and items["1.3"].row == 6             # the item took rows 4 and 5
    assert item.title == "\n".join(folded(line) for line in seed_12[1])   # 2 paragraphs + 1 on the next row
    assert item.title.count("\n") == 2
    assert item.expected_result.splitlines()[1:] == [
        "Промежуточный срез реализуемых соглашений – отчетность на 01 сентября 2026 года.",
        "Итоговый срез реализуемых соглашений и аналитический отчет с описанием межрегионального сотрудничества – "
        "20 декабря 2026 года."]
    # merged down into the continued row: read once, not twice
    assert item.deadline_text == "По отдельному плану.\nМарт 2026 года"
    assert item.mechanism == "Совещание в он-лайн режиме"
    assert item.responsible == "Л.А.Андреевская\nЮ.В.Шемякина"
    assert items["2.4"].mechanism.splitlines()[1] == "Использование Интернет ресурса в ВКОНТАКТЕ"   # a line break
    assert items["2.2"].responsible == "Е.В.Алексеевская,\nЮ.В.Шемякина,\nН.С. Жаравина"
    assert items["1.1"].expected_result.startswith("Формирование организационных и информационных механизмов "
                                                   "деятельности ОПМ.")          # double spaces folded
    assert items["2.6"].responsible == ""                     # «Ответствен / ный» was found, this cell is empty


@needs_soffice
def test_the_seed_as_libreoffice_writes_it_gives_the_same_plan(seed, seed_docx, tmp_path):
    """Word → .doc → .docx through LibreOffice: another writer's XML (its merges, its paragraphs)."""
    doc = _soffice(seed_docx, "doc", tmp_path / "doc")
    with pytest.raises(PlanImportError, match=r"документ Word 97–2003 \(\.doc\)"):
        import_plan_docx(doc)
    again = import_plan_docx(_soffice(doc, "docx", tmp_path / "docx"))
    assert again.frame().drop(columns="row").equals(seed.frame().drop(columns="row"))
    assert [str(w) for w in again.warnings] == [str(w) for w in seed.warnings]


def _soffice(path: Path, to: str, out_dir: Path) -> Path:
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{out_dir.parent}/lo-profile", "--headless",
                    "--convert-to", to, "--outdir", str(out_dir), str(path)], check=True, capture_output=True,
                   timeout=180)
    return out_dir / f"{path.stem}.{to}"


# --------------------------------------------------------------------------- other layouts

# The layout other ОМП use: a form column, a coverage column, items numbered 1., 2. in each section,
# sections as unnumbered bold rows, a row of column numbers under the header.
FORM_LAYOUT = [
    [["№ п/п"], ["Наименование мероприятия"], ["Форма проведения, продукт"], ["Охват специалистами (чел.)"],
     ["Сроки проведения"], ["Ожидаемый результат"], ["Ответственный"]],
    [str(i) for i in range(1, 8)],
    Heading("Организационно-методическая работа"),
    ["1.", "Профилактика семейного неблагополучия: опыт КЦСОН области", "Вебинар", "не менее 500", "Март 2025",
     "Повышение компетентности специалистов", "Иванова А.А."],
    ["2.", "Консультирование специалистов по вопросам сопровождения семей", "Консультации по телефону, онлайн",
     "по запросу учреждений", "В течение года", "Решение проблемных ситуаций", "Петрова Б.Б."],
    ["3.", "Выпуск информационных материалов для семей с детьми", "Буклет, 100 экз.", "", "II квартал",
     "Информирование семей", "Сидорова В.В."],
    Heading("Информационная работа", merged=False),
    ["1.", "Публикации о работе ресурсного центра на сайте и в группе ВКонтакте – не менее 2 ежемесячно",
     "Публикация", "", "Ежемесячно", "Информирование населения", "Иванова А.А."],
    ["2.", "Круглый стол «Семья и школа»", "Круглый стол", "40", "до 20 ноября", "Обмен опытом",
     ["Петрова Б.Б.", "Сидорова В.В."]],
]

# Columns reordered, the header over two rows («Результат» split into two columns), numbered sections
# and sub-sections merged across, a column the dashboard does not use, no year in the title.
SPLIT_HEADER_LAYOUT = [
    [["Срок исполнения"], ["№"], ["Содержание работы"], ["Результат"], LEFT, ["Исполнитель"],
     ["Отметка о выполнении"]],
    [UP, UP, UP, ["Ожидаемый результат"], ["Показатель"], UP, UP],
    Heading("1. Методическая работа"),
    Heading("1.1. Семинары и консультации", bold=False),
    ["Январь 2027", "1.1.1", "Обучающие семинары для специалистов КЦСОН", "Повышение квалификации",
     "не менее 3 семинаров", "Петрова", ""],
    ["Ежеквартально", "1.1.2", "Консультации специалистов по запросам", "Методическая помощь",
     "ежеквартально, не менее 2", "Петрова", ""],
    Heading("1.2. Издания", bold=False),
    ["II квартал 2027", "1.2.1", "Методические рекомендации по сопровождению семей", "Методическое пособие",
     "100 экз.", "Иванова", "выполнено"],
    Heading("2. Мониторинг"),
    ["до 15 декабря", "2.1.", "Мониторинг охвата семей социальным сопровождением", "Аналитическая справка",
     "28 учреждений", "Иванова", ""],
    ["по мере необходимости", "2.2", "Доклад на коллегии министерства", "", "", "Директор", ""],
]


def summary_of(plan) -> list[tuple]:
    return [(i.item, i.section, [d.isoformat() for d in i.checkpoints], i.target, i.target_period, i.count_what,
             i.indicator) for i in plan.items]


def test_the_seven_column_layout_with_a_form_and_a_coverage_column(tmp_path):
    path = write_plan_docx(tmp_path / "семья.docx", ["План работы ресурсного центра «Семейный очаг» на 2025 год"],
                           FORM_LAYOUT)
    plan = import_plan_docx(path)
    first, second = "Организационно-методическая работа", "Информационная работа"
    assert summary_of(plan) == [
        ("1.1", first, ["2025-03-31"], 500, "год", "специалисты", "семинар"),   # «Вебинар», «не менее 500»
        ("1.2", first, ["2025-12-31"], None, "год", "мероприятия", "консультация"),
        ("1.3", first, ["2025-06-30"], None, "год", "мероприятия", "буклет"),   # «Буклет, 100 экз.»: the form
        ("2.1", second, [f"2025-{m:02d}-{d}" for m, d in zip(range(1, 13), [31, 28, 31, 30, 31, 30, 31, 31, 30,
                                                                            31, 30, 31])],
         2, "месяц", "мероприятия", "публикация"),                              # «не менее 2 ежемесячно»
        ("2.2", second, ["2025-11-20"], 40, "год", "специалисты", "круглый стол"),
    ]
    assert plan.year == 2025 and plan.items[4].responsible == "Петрова Б.Б.\nСидорова В.В."
    assert [str(w) for w in plan.warnings] == [
        "Строка 5 таблицы: пункт 1.2: в столбце «Охват специалистами (чел.)» нет числа («по запросу учреждений») "
        "— цель не задана",
        "Номера пунктов дополнены номером раздела (1. → 1.1, 2. → 1.2, 3. → 1.3, …): в панели пункты плана "
        "обозначаются номерами вида 2.4"]


def test_reordered_columns_a_two_row_header_and_sub_sections(tmp_path):
    path = write_plan_docx(tmp_path / "план.docx", ["План мероприятий ресурсного центра"], SPLIT_HEADER_LAYOUT)
    plan = import_plan_docx(path)
    sub_1, sub_2 = "1. Методическая работа — 1.1. Семинары и консультации", "1. Методическая работа — 1.2. Издания"
    assert summary_of(plan) == [
        ("1.1.1", sub_1, ["2027-01-31"], 3, "год", "мероприятия", "семинар"),
        ("1.1.2", sub_1, ["2027-03-31", "2027-06-30", "2027-09-30", "2027-12-31"], 2, "квартал", "мероприятия",
         "консультация"),
        ("1.2.1", sub_2, ["2027-06-30"], 100, "год", "мероприятия", "методические материалы"),
        ("2.1", "2. Мониторинг", ["2027-12-15"], 28, "год", "учреждения", "мониторинг"),
        ("2.2", "2. Мониторинг", [], None, "год", "мероприятия", "выступление"),
    ]
    assert plan.year == 2027                       # no year in the title: the deadlines name 2027
    items = by_item(plan)
    assert items["1.2.1"].expected_result == "Методическое пособие" and items["1.2.1"].responsible == "Иванова"
    assert items["1.1.1"].title == "Обучающие семинары для специалистов КЦСОН"
    assert [str(w) for w in plan.warnings] == [
        "Строка 1 таблицы: столбец «Отметка о выполнении» не входит в план панели — его текст не перенесён",
        "Строка 11 таблицы: пункт 2.2: Срок «по мере необходимости» не распознан: укажите месяц, квартал или дату "
        "(например, «Март 2026» или «до 20 декабря»)"]


def test_numbers_typed_by_word_numbering_are_given_in_order(tmp_path):
    rows = [[["№"], ["Мероприятие"], ["Срок"], ["Ответственный"]],
            Heading("Раздел I. Организационная работа"),
            [WordNumbered(), "Совещание с директорами КЦСОН", "Февраль", "Директор"],
            [WordNumbered(), "Семинар для специалистов", "Апрель", "Методист"],
            Heading("Раздел II. Информационная работа"),
            [WordNumbered(), "Публикации на сайте", "Ежеквартально", "Методист"]]
    plan = import_plan_docx(write_plan_docx(tmp_path / "список.docx", ["План"], rows), year=2026)
    assert [(i.item, i.section, i.indicator, i.title) for i in plan.items] == [
        ("1.1", "Раздел I. Организационная работа", "совещание", "Совещание с директорами КЦСОН"),
        ("1.2", "Раздел I. Организационная работа", "семинар", "Семинар для специалистов"),
        ("2.1", "Раздел II. Информационная работа", "публикация", "Публикации на сайте")]
    assert plan.year == 2026 and plan.items[0].checkpoints == (date(2026, 2, 28),)    # `year` given by the caller
    assert [str(w) for w in plan.warnings] == [
        "Пункты пронумерованы по порядку в разделах (1.1, 1.2, 2.1): номера набраны автоматической нумерацией "
        "Word и не читаются как текст. Сверьте номера с утверждённым планом"]


def test_without_a_year_anywhere_this_year_is_taken_with_a_warning(tmp_path):
    rows = [[["№"], ["Мероприятие"], ["Срок"]], ["1.1", "Семинар", "Май"], ["1.2", "", "Июнь"], [[], "Консультации", ""]]
    plan = import_plan_docx(write_plan_docx(tmp_path / "без года.docx", ["План работы"], rows))
    this_year = date.today().year
    assert plan.year == this_year and not plan.year_found
    assert plan.items[0].checkpoints == (date(this_year, 5, 31),)
    assert (plan.items[1].title, plan.items[1].indicator) == ("Консультации", "консультация")   # continued
    assert [str(w) for w in plan.warnings] == [
        f"Год плана не найден ни в заголовке («на {this_year} год»), ни в сроках: сроки без года отнесены к "
        f"{this_year} году"]


def test_header_spellings_extend_the_contract_and_keep_its_own():
    vocabulary = HeaderVocabulary(WORD_PLAN_COLUMNS)
    for key, column in WORD_PLAN_COLUMNS.items():
        for spelling in (column.title, *C.PLAN_COLUMNS[key].synonyms):
            if spelling != "показатель":
                assert vocabulary.key_of(spelling) == key, spelling
    assert vocabulary.key_of("Форма проведения, продукт") == "mechanism"
    assert vocabulary.key_of("Охват специалистами (чел.)") == "target"
    assert vocabulary.key_of("Показатель") == "target"      # in a Word plan: the number, not the activity type
    assert [f.name for f in PlanItem.__dataclass_fields__.values()] == PLAN_COLUMNS


# --------------------------------------------------------------------------- files that are no plan


def no_table_docx(path: Path) -> Path:
    return write_plan_docx(path, ["План работы на 2026 год"], [[["Утверждаю"], ["Директор"]], ["подпись", "ФИО"]])


BAD_FILES = {
    # kind → (file name, how to make it, words of the message)
    "missing": ("нет такого.docx", None, "не найден"),
    "old .doc": ("план.doc", lambda p: p.write_bytes(ole_file(["WordDocument", "\x05SummaryInformation"])),
                 "документ Word 97–2003 (.doc)"),
    "password": ("секрет.docx", lambda p: p.write_bytes(ole_file(["EncryptionInfo", "EncryptedPackage"])),
                 "защищён паролем"),
    "garbage": ("мусор.docx", lambda p: p.write_bytes(bytes(range(256)) * 8), "не документ Word (.docx)"),
    "empty": ("пусто.docx", lambda p: p.write_bytes(b""), "пустой (0 байт)"),
    "broken zip": ("битый.docx", lambda p: p.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8), "повреждён"),
    "xlsx": ("книга.docx", lambda p: p.write_bytes(zip_of({"xl/workbook.xml": "<workbook/>"})), "книга Excel"),
    "rtf": ("план.rtf", lambda p: p.write_bytes(b"{\\rtf1\\ansi plan}"), "в формате RTF"),
    "no plan table": ("письмо.docx", no_table_docx, "нет таблицы плана"),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_files_that_are_no_plan_get_a_russian_message_and_exit_2(tmp_path, kind):
    name, make, words = BAD_FILES[kind]
    path = tmp_path / name
    if make:
        make(path)
    with pytest.raises(PlanImportError) as err:
        import_plan_docx(path)
    assert words in str(err.value)
    proc = run_cli("import-plan", path, "--json")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("Ошибка: ") and words in proc.stderr


def test_no_template_is_written_from_a_file_that_is_no_plan(tmp_path):
    doc = tmp_path / "план.doc"
    BAD_FILES["old .doc"][1](doc)
    proc = run_cli("template", "--plan", doc, "-o", tmp_path / "шаблон.xlsx")
    assert proc.returncode == 2 and "документ Word 97–2003 (.doc)" in proc.stderr
    assert not (tmp_path / "шаблон.xlsx").exists()


def test_a_truncated_docx_and_a_folder(seed_docx, tmp_path):
    cut = tmp_path / "обрезан.docx"
    cut.write_bytes(seed_docx.read_bytes()[:4000])
    assert "повреждён" in run_cli("import-plan", cut).stderr
    proc = run_cli("import-plan", tmp_path)
    assert proc.returncode == 2 and "это папка" in proc.stderr


# --------------------------------------------------------------------------- the CLI


def test_cli_json_lists_the_items_with_iso_checkpoints(seed_docx, seed):
    proc = run_cli("import-plan", seed_docx, "--json")
    assert proc.returncode == 0, proc.stderr
    records = json.loads(proc.stdout)
    assert [r["item"] for r in records] == SEED_ITEMS
    assert {"item", "section", "title", "deadline", "checkpoints", "parsed", "target", "target_period", "type",
            "responsible"} <= set(records[0])
    r13 = records[2]
    assert (r13["deadline"], r13["checkpoints"], r13["parsed"], r13["target"], r13["target_period"], r13["type"]) == (
        "Ежеквартально", QUARTER_ENDS, True, 10, "квартал", None)
    r24 = records[8]
    assert (r24["item"], r24["type"], r24["target"], r24["section"]) == ("2.4", "буклет", 15, SECTION_2)
    assert records == seed.json_records()
    warnings = proc.stderr.splitlines()
    assert len(warnings) == 10 and all(w.startswith("[предупреждение] Строка ") for w in warnings)


def test_cli_text_output(seed_docx):
    proc = run_cli("import-plan", seed_docx)
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0] == "План_ОМП_2026.docx: План на 2026 год: 19 пунктов в 3 разделах, 10 предупреждений"
    assert "1.3  31.03.2026, 30.06.2026, 30.09.2026, 31.12.2026 · 10 мероприятий в квартал · вид не определён" in lines[3]
    assert lines[7].endswith("2.2  20.03.2026, 15.07.2026, 18.09.2026 · 3 семинара в год · семинар")


def none_if_missing(value):
    return None if pd.isna(value) else value


def assert_same_plan(loaded_plan, plan) -> None:
    """The plan tab as the loader read it against the imported items (the loader folds line breaks)."""
    assert list(loaded_plan["item"]) == [i.item for i in plan.items]
    for row, item in zip(loaded_plan.to_dict("records"), plan.items):
        assert row["checkpoints"] == list(item.checkpoints), item.item
        assert (none_if_missing(row["target"]), row["target_period"], row["count_what"],
                none_if_missing(row["indicator"])) == (item.target, item.target_period, item.count_what,
                                                       item.indicator), item.item
        for key in ("section", "title", "deadline_text", "mechanism", "expected_result", "responsible"):
            assert row[key] == folded(getattr(item, key)), (item.item, key)


def test_cli_writes_the_plan_tab_by_the_workbook_contract(seed_docx, seed, tmp_path):
    out = tmp_path / "План.xlsx"
    proc = run_cli("import-plan", seed_docx, "-o", out, "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout)[0]["item"] == "1.1"
    assert f"Вкладка «План» сохранена: {out}" in proc.stderr
    book = CalamineWorkbook.from_path(str(out))
    assert book.sheet_names == ["Настройки", PLAN_TAB, LISTS_TAB]
    rows = book.get_sheet_by_name(PLAN_TAB).to_python()
    assert rows[0] == [c.title for c in C.PLAN_COLUMNS.values()]          # the template's План header
    assert [r[0] for r in rows[1:]] == SEED_ITEMS                          # numbers as text: 2.10 stays 2.10
    by_number = {r[0]: dict(zip(C.PLAN_COLUMNS, r)) for r in rows[1:]}
    assert by_number["1.3"]["target"] == 10 and by_number["1.3"]["target_period"] == "квартал"
    assert by_number["1.2"]["title"].count("\n") == 2                       # paragraphs kept in the cell
    wb = load_workbook(out)
    assert wb.settings.year == 2026 and wb.settings.topic == seed.topic
    assert not [m for m in wb.issues[wb.issues["tab"] == PLAN_TAB]["message"]], "the plan tab loads cleanly"
    assert_same_plan(wb.plan, seed)


def test_cli_template_with_the_plan_from_word(seed_docx, seed, tmp_path):
    out = tmp_path / "шаблон.xlsx"
    proc = run_cli("template", "--plan", seed_docx, "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == (f"Шаблон сохранён: {out} (план из «План_ОМП_2026.docx»: План на 2026 год: "
                                   "19 пунктов в 3 разделах, 10 предупреждений)")
    wb = load_workbook(out)
    assert wb.error_count == 0 and len(wb.institution_names) == 28
    assert_same_plan(wb.plan, seed)
    lists = CalamineWorkbook.from_path(str(out)).get_sheet_by_name(LISTS_TAB).to_python()
    assert [r[1] for r in lists[1:] if r[1]] == SEED_ITEMS                 # the drop-down of plan items


def test_cli_year_option_and_bad_arguments(seed_docx):
    proc = run_cli("import-plan", seed_docx, "--json", "--year", "2027")
    assert json.loads(proc.stdout)[2]["checkpoints"][0] == "2027-03-31"     # «Ежеквартально» in 2027
    assert json.loads(proc.stdout)[0]["checkpoints"] == ["2026-03-31"]      # «I квартал 2026» keeps its year
    assert run_cli("import-plan").returncode == 2


# --------------------------------------------------------------------------- edits


def test_an_edited_table_is_revised_and_written(seed):
    table = review_table(seed.frame())
    assert list(table.columns[:5]) == ["item", "section", "title", "deadline_text", "checkpoints"]
    assert table.loc[2, "checkpoints"] == "31.03.2026, 30.06.2026, 30.09.2026, 31.12.2026"
    table.loc[0, "indicator"] = "Публикации"                  # typed, not chosen: made canonical
    table.loc[2, "target"] = 12
    table.loc[10, "deadline_text"] = "до 1 октября"           # 2.6: the checkpoints follow the new text
    table.loc[11, "deadline_text"] = "по запросу"
    table.loc[len(table)] = {"item": "", "title": ""}         # an empty row added in the editor
    revised = revise_plan(table, seed.year)
    assert list(revised.columns) == PLAN_COLUMNS and list(revised["item"]) == SEED_ITEMS
    rows = {r["item"]: r for r in revised.to_dict("records")}
    assert rows["1.1"]["indicator"] == "публикация" and rows["1.3"]["target"] == 12
    assert rows["2.6"]["checkpoints"] == [date(2026, 10, 1)] and rows["2.6"]["deadline_parsed"]
    assert not rows["2.7"]["deadline_parsed"] and "«по запросу» не распознан" in rows["2.7"]["deadline_problem"]
    wb = load_workbook(plan_workbook_bytes(plan=seed.template_plan(revised)), "план.xlsx")
    loaded = {r["item"]: r for r in wb.plan.to_dict("records")}
    assert loaded["1.1"]["indicator"] == "публикация" and loaded["1.3"]["target"] == 12
    assert loaded["2.6"]["checkpoints"] == [date(2026, 10, 1)] and not loaded["2.7"]["deadline_parsed"]


# --------------------------------------------------------------------------- the page


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory) -> Path:
    return build_app_workbook(tmp_path_factory.mktemp("app") / "demo.xlsx", n_institutions=4)


def open_import_page(at: AppTest) -> AppTest:
    at.switch_page("app_pages/plan_import.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_page_shows_the_parsed_plan_and_takes_a_fix(make_app, demo_path, seed_docx):
    at = open_import_page(make_app(demo_path, period=None))
    assert [t.value for t in at.title] == ["Импорт плана"]
    assert not at.data_editor and "Загрузите утверждённый план" in at.info[0].value
    at.session_state[KEY_FILE] = (seed_docx.name, seed_docx.read_bytes())
    at.run()
    assert not at.exception and not at.error
    assert at.success[0].value == "«План_ОМП_2026.docx»: План на 2026 год: 19 пунктов в 3 разделах, 10 предупреждений."
    editor = at.data_editor[0]
    table = editor.value
    assert list(table["item"]) == SEED_ITEMS
    rows = table.set_index("item")
    assert rows.loc["1.3", "checkpoints"] == "31.03.2026, 30.06.2026, 30.09.2026, 31.12.2026"
    assert rows.loc["1.3", "target"] == 10 and rows.loc["1.3", "target_period"] == "квартал"
    assert rows.loc["2.4", "indicator"] == "буклет" and rows.loc["2.2", "target"] == 3
    assert "Строка 7 таблицы: пункт 1.4" in at.expander[0].children[0].value
    assert at.number_input[0].value == 2026
    assert [b.label for b in at.get("download_button")] == ["Скачать вкладку «План» (.xlsx)",
                                                             "Скачать шаблон книги с этим планом (.xlsx)",
                                                             "Скачать «demo.xlsx» с этим планом"]   # the open book
    untyped = [i.value for i in at.info if i.value.startswith("Без показателя")]
    assert untyped and untyped[0].startswith("Без показателя (9): 1.1, 1.3, 1.4, 2.5")
    # a fix in the table (AppTest seeds the editor's edits through its key)
    at.session_state[editor.key] = {"edited_rows": {0: {"indicator": "публикация"}, 10: {"deadline_text": "по запросу"}},
                                    "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    assert [w.value for w in at.warning][0].startswith("Срок не распознан: 2.6 «по запросу».")
    assert [i.value for i in at.info if i.value.startswith("Без показателя")][0].startswith("Без показателя (8): 1.3,")


def test_the_page_explains_a_file_that_is_no_plan(make_app, demo_path):
    at = open_import_page(make_app(demo_path, period=None))
    at.session_state[KEY_FILE] = ("план.doc", ole_file(["WordDocument"]))
    at.run()
    assert not at.exception and not at.data_editor
    assert "«план.doc» — документ Word 97–2003 (.doc)" in at.error[0].value


def _signed_in(make_app, demo_path, role: str) -> AppTest:
    account = {"password": "password-123", "role": role}
    if role == "institution":
        account["institution"] = load_workbook(demo_path).institution_names[0]
    at = make_app(demo_path, period=None, auth={"users": hashed_users({"user": account})})
    return sign_in(at, "user", "password-123")


@pytest.mark.parametrize("role", ["director", "coordinator"])
def test_the_director_and_coordinators_reach_the_page(make_app, demo_path, role):
    at = open_import_page(_signed_in(make_app, demo_path, role))
    assert [t.value for t in at.title] == ["Импорт плана"]
    assert [u.label for u in at.get("file_uploader") if u.key == "plan_import_upload"] == ["План работы (.docx)"]


def test_a_centres_login_has_no_such_page(make_app, demo_path):
    at = _signed_in(make_app, demo_path, "institution")
    with pytest.raises(ValueError, match="Could not find a navigation page"):   # not registered for it at all
        at.switch_page("app_pages/plan_import.py")
    assert [t.value for t in at.title] == ["Обзор"]
    # and the page itself refuses such a login, should it ever be run for one
    user = at.session_state[signin.KEY_USER]
    direct = AppTest.from_file(str(ROOT / "app_pages" / "plan_import.py"), default_timeout=60)
    direct.secrets["auth"] = at.secrets["auth"]
    direct.session_state[signin.KEY_USER] = user
    direct.session_state[KEY_FILE] = ("план.docx", b"PK")
    direct.run()
    assert user.role == "institution" and not direct.exception
    assert [e.value for e in direct.error] == ["Импорт плана доступен только директору и координаторам ОМП."]
    assert not [u for u in direct.get("file_uploader") if u.key == "plan_import_upload"] and not direct.data_editor
