"""The loader reads an .xlsx one tab at a time (`read_xlsx(lazy=True)`): same Workbook as reading every
tab first, a tab too big for the caps still reported on its own, a corrupt file still a SourceError."""
from __future__ import annotations

import pytest
from pandas.testing import assert_frame_equal

from lib import sources
from lib.loader import load_workbook, load_workbook_bytes
from lib.parsing import build_workbook
from lib.sources import LazyTab, SourceError, read_xlsx
from tests.test_bad_files import inline, raw_xlsx, rows_xml
from tests.workbook_builder import ACTIVITY_HEADER, write_workbook

INST = "КЦСОН Бабаевского района"


def test_lazy_load_equals_reading_every_tab_first(tmp_path):
    path = write_workbook(tmp_path / "wb.xlsx", institutions={
        INST: [["Отчет"], [], ACTIVITY_HEADER, ["15.03.2026", "семинар", "2.2", "тема", 12, 3],
               ["вчера", "семинар", "", ""], ["01.02.2026", "консультация", "п. 1.3", "x", "5 чел."]],
        "КЦСОН Белозерского района": [ACTIVITY_HEADER, ["16.01.2026", "вебинар", "2.2", "y", 7]]})
    lazy = load_workbook(path)
    tabs, info = read_xlsx(path)
    eager = build_workbook(tabs, info)
    for name in ("institutions", "plan", "activities", "monitoring", "issues", "tab_summary"):
        assert_frame_equal(getattr(lazy, name), getattr(eager, name))
    assert vars(lazy.accounting) == vars(eager.accounting)


def test_a_lazy_tab_is_read_on_use_and_again_after_release(tmp_path):
    path = write_workbook(tmp_path / "wb.xlsx", institutions={INST: [ACTIVITY_HEADER, ["15.03.2026", "семинар"]]})
    tabs, _ = read_xlsx(path, lazy=True)
    tab = next(t for t in tabs if t.name == INST)
    assert isinstance(tab, LazyTab) and tab._rows is None
    first = tab.rows
    assert first[1][:2] == ["15.03.2026", "семинар"] and tab.merges == []
    tab.release()
    assert tab._rows is None and tab.rows == first


def test_a_tab_found_too_big_only_when_read_is_reported_and_the_others_load(monkeypatch):
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    lying = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><dimension ref="A1:B2"/><sheetData>'
             f'{rows_xml(300)}</sheetData></worksheet>')
    good = (f'<row r="1">{inline("A1", "Дата")}{inline("B1", "Вид мероприятия")}{inline("C1", "Участников")}'
            f'</row><row r="2">{inline("A2", "15.03.2026")}{inline("B2", "Семинар")}<c r="C2"><v>12</v></c></row>')
    monkeypatch.setattr(sources, "MAX_ROWS_PER_TAB", 100)
    wb = load_workbook_bytes(raw_xlsx({"КЦСОН А": good, "КЦСОН Б": lying}), "x.xlsx")
    big = wb.issues[(wb.issues["tab"] == "КЦСОН Б") & (wb.issues["severity"] == "error")]
    assert any("300 строк — больше допустимых 100" in m for m in big["message"])
    assert list(wb.activities["institution"]) == ["КЦСОН А"]


def test_a_corrupt_sheet_read_lazily_is_still_a_source_error():
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    broken = f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData><row r="1"><c r="A1"><v>1'
    with pytest.raises(SourceError):
        load_workbook_bytes(raw_xlsx({"Лист": broken}), "x.xlsx")


def test_the_next_sheet_is_unzipped_ahead_but_never_a_tab_too_big_to_load(tmp_path, monkeypatch):
    """While one tab is parsed the next sheet is unzipped in the background — the sheets of the tabs
    to load, in order, each once; a tab whose declared range is over the caps is never unzipped."""
    huge = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<dimension ref="A1:XFD1048576"/><sheetData>' + rows_xml(3) + '</sheetData></worksheet>')
    path = tmp_path / "wb.xlsx"
    path.write_bytes(raw_xlsx({"А": rows_xml(2), "Огромная": huge, "Б": rows_xml(4), "В": rows_xml(5)}))
    unzipped = []
    real_read = sources.zipfile.ZipFile.read

    def read(self, name, *args):
        if name.startswith("xl/worksheets/"):
            unzipped.append(name)
        return real_read(self, name, *args)

    monkeypatch.setattr(sources.zipfile.ZipFile, "read", read)
    tabs, _ = read_xlsx(path, lazy=True)
    by_name = {t.name: t for t in tabs}
    assert by_name["Огромная"].problem and not isinstance(by_name["Огромная"], LazyTab)
    assert [len(by_name[n].rows) for n in ("А", "Б", "В")] == [2, 4, 5]
    assert sorted(unzipped) == ["xl/worksheets/sheet1.xml", "xl/worksheets/sheet3.xml", "xl/worksheets/sheet4.xml"]
