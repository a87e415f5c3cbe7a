"""Every format a centre may save — .xlsx from openpyxl and from LibreOffice, .xlsm, .ods, .xls — gives
the same raw tabs, the same row accounting and the same issues at the same cells.

The copies are written by LibreOffice itself (headless), from workbooks the tests build: the demo, a
workbook with the mistakes people make (dates as text and as cells, a date merged over two rows,
unknown types, negative counts, a formula), and an old Mac workbook in the 1904 date system.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from bench.office import convert, soffice
from lib import sources
from lib.loader import SAMPLE_WORKBOOK, load_workbook
from tests.workbook_builder import ACTIVITY_HEADER, MONITORING_HEADER, write_workbook

pytestmark = pytest.mark.skipif(soffice() is None, reason="нет LibreOffice (scripts/setup.sh --dev ставит его)")

FORMATS = ["ods", "xls", "xlsx", "xlsm"]


def bent_workbook(path: Path) -> Path:
    """A workbook as people fill it, with a date merged over two rows and a formula."""
    rows_a = [["Мероприятия КЦСОН А за 2026 год"], [], ACTIVITY_HEADER,
              [date(2026, 1, 16), "консультация", "1.3", "По вопросам СЗТ", 3, 1, "", "", ""],
              ["", "семинар", "2.2", "Семинар о СЗТ", 12, 10, 2, "", "в тот же день"],
              ["15.03.2026", "Семинар-практикум", "п. 2.2", "Практикум", "12 чел.", 5, 1, "", ""],
              ["31.02.2026", "семинар", "2.2", "Несуществующая дата", 5, "", "", "", ""],
              [date(2026, 4, 2), "танцы", "1.3", "Вид не из списка", 5, "", "", "", ""],
              [date(2026, 5, 2), "буклет", "9.9", "Пункта нет в плане", -4, "", "", "", ""],
              [date(2026, 6, 2), "консультация", "1.3", "Формула", "=2+3", 1, "", "", ""],
              [], ["Мониторинг"], MONITORING_HEADER,
              ["Численность граждан, получивших услуги на дому", 12, 14, "", ""],
              ["Достижение показателей дорожной карты", 0.88, "н/д", "", ""]]
    rows_b = [ACTIVITY_HEADER, ["5 марта 2026 г.", "Вебинар", "2.2", "Вебинар", 30, 28, 9, "https://x", ""],
              [datetime(2026, 7, 1, 10, 30), "выступление", "", "Выступление", 40, "", "", "", ""]]
    write_workbook(path, institutions={"КЦСОН А": rows_a, "КЦСОН Б": rows_b})
    book = openpyxl.load_workbook(path)
    book["КЦСОН А"].merge_cells("A4:A5")          # the date of row 4 stands for row 5 too
    book["КЦСОН А"].merge_cells("A1:I1")
    book.save(path)
    return path


def mac_workbook(path: Path) -> Path:
    """An old Mac workbook: dates counted from 1904."""
    write_workbook(path, institutions={"КЦСОН А": [ACTIVITY_HEADER,
                                                   [date(2026, 3, 15), "семинар", "2.2", "Семинар", 10, 2, 1, "", ""]]})
    book = openpyxl.load_workbook(path)
    book.epoch = CALENDAR_MAC_1904
    book["КЦСОН А"]["A2"].value = date(2026, 3, 15)
    book["КЦСОН А"]["A2"].number_format = "dd.mm.yyyy"
    book.save(path)
    return path


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """name → {"original": path, fmt: LibreOffice's copy}."""
    root = tmp_path_factory.mktemp("formats")
    originals = {"demo": root / "demo.xlsx", "bent": bent_workbook(root / "bent.xlsx"),
                 "mac": mac_workbook(root / "mac.xlsx")}
    originals["demo"].write_bytes(SAMPLE_WORKBOOK.read_bytes())
    out = {name: {"original": path} for name, path in originals.items()}
    for fmt in FORMATS:
        for name, copy in zip(originals, convert(list(originals.values()), fmt, root / fmt)):
            out[name][fmt] = copy
    return out


def trimmed(rows: list[list]) -> list[list]:
    """Rows without trailing empty cells and rows (writers differ in how far a sheet's range reaches)."""
    out = [list(r) for r in rows]
    for row in out:
        while row and row[-1] in ("", None):
            row.pop()
    while out and not out[-1]:
        out.pop()
    return out


def typed(rows: list[list]) -> list[list]:
    return [[(type(v).__name__, v) for v in row] for row in trimmed(rows)]


def issues_of(wb) -> list[tuple]:
    return sorted(wb.issues[["severity", "tab", "cell", "message"]].itertuples(index=False, name=None))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", ["demo", "bent", "mac"])
def test_every_format_gives_the_same_raw_tabs(books, name, fmt):
    reference, _ = sources.read(books[name]["xlsx"])        # LibreOffice's own .xlsx: formulas with results
    tabs, info = sources.read(books[name][fmt])
    assert info.format == fmt and info.kind == "file"
    assert [t.name for t in tabs] == [t.name for t in reference]
    for mine, theirs in zip(tabs, reference):
        assert typed(mine.rows) == typed(theirs.rows), mine.name
        assert sorted(mine.merges) == sorted(theirs.merges), mine.name


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", ["demo", "bent", "mac"])
def test_every_format_gives_the_same_accounting_and_issue_cells(books, name, fmt):
    reference = load_workbook(books[name]["xlsx"])
    wb = load_workbook(books[name][fmt])
    assert wb.accounting == reference.accounting
    assert issues_of(wb) == issues_of(reference)
    assert wb.activities.drop(columns=["tab"]).equals(reference.activities.drop(columns=["tab"]))


def test_the_original_and_its_copies_agree_but_for_the_formula_result(books):
    """openpyxl saves a formula without its result (reported at its cell); LibreOffice computes it."""
    original, copy = load_workbook(books["bent"]["original"]), load_workbook(books["bent"]["ods"])
    formula_cell = [i for i in issues_of(original) if i[1] == "КЦСОН А" and i[2] == "E10"]
    assert formula_cell and "Формула без сохранённого результата" in formula_cell[0][3]
    assert not [i for i in issues_of(copy) if i[2] == "E10"]
    assert [i for i in issues_of(original) if i[2] != "E10"] == issues_of(copy)
    assert copy.activities.set_index("row").loc[10, "participants"] == 5
    assert original.accounting == copy.accounting


def test_the_bent_workbook_is_read_as_people_meant_it(books):
    wb = load_workbook(books["bent"]["ods"])
    acts = wb.activities.set_index(["institution", "row"])
    assert acts.loc[("КЦСОН А", 5), "date"] == datetime(2026, 1, 16)      # the merged date, in .ods too
    assert acts.loc[("КЦСОН Б", 3), "date"] == datetime(2026, 7, 1)
    assert wb.accounting.rows_total == 9 and wb.accounting.rows_rejected == 3
    errors = {(i[1], i[2]) for i in issues_of(wb) if i[0] == "error"}
    assert errors == {("КЦСОН А", "A7"), ("КЦСОН А", "B8"), ("КЦСОН А", "E9"), ("КЦСОН А", "C15")}   # C15: «н/д»


@pytest.mark.parametrize("fmt", ["original", *FORMATS])
def test_1904_dates_read_as_the_same_calendar_day(books, fmt):
    with open(books["mac"][fmt], "rb") as fh:
        head = fh.read(4)
    wb = load_workbook(books["mac"][fmt])
    assert list(wb.activities["date"]) == [datetime(2026, 3, 15)], head


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_upload_of_any_format_loads_whatever_its_name(books, fmt):
    data = books["bent"][fmt].read_bytes()
    reference = load_workbook(books["bent"]["xlsx"])
    for name in (f"отчет.{fmt}", "отчет.xlsx", "отчет"):
        wb = load_workbook(data, name)
        assert wb.source.kind == "upload" and wb.source.label == name and wb.source.format == fmt
        assert wb.accounting == reference.accounting and issues_of(wb) == issues_of(reference)
