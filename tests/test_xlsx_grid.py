"""The fast worksheet reader (`lib.xlsx_grid`) gives exactly calamine's grid, or steps aside.

Every case writes a real .xlsx to disk and compares, tab by tab, what `lib.sources.read_xlsx` returns
with what python-calamine returns on its own (values *and* their types, and merged ranges). Cases the
fast reader leaves to calamine are checked to raise `Unsupported` in the fast reader and still to
come out of `read_xlsx` identical to calamine's.
"""
from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from bench.workbooks import workbook_tabs, write_xlsx
from lib import xlsx_grid
from lib.sources import _sheet_parts, read_xlsx
from lib.template import write_template
from sample_data.make_sample import write_sample

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def calamine_tabs(path: Path) -> dict[str, tuple[list[list], list]]:
    book = CalamineWorkbook.from_path(str(path))
    out = {}
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        out[name] = (sheet.to_python(skip_empty_area=False), list(sheet.merged_cell_ranges or ()))
    return out


def typed(rows: list[list]) -> list[list]:
    """Values with their types, so that 1.0 and True, or a date and a datetime, differ."""
    return [[(type(v).__name__, v) for v in row] for row in rows]


def assert_same_as_calamine(path: Path) -> None:
    expected = calamine_tabs(path)
    tabs, _ = read_xlsx(path)
    assert [t.name for t in tabs] == list(expected)
    for tab in tabs:
        rows, merges = expected[tab.name]
        assert typed(tab.rows) == typed(rows), tab.name
        assert sorted(tab.merges) == sorted(merges), tab.name


def fast_read(path: Path) -> dict[str, tuple[list[list], list]]:
    """Every tab through the fast reader alone (raises `Unsupported` where it steps aside)."""
    with zipfile.ZipFile(path) as zf:
        book = xlsx_grid.FastWorkbook(zf)
        sheets = {name: book.sheet(part) for name, part in _sheet_parts(zf).items()}
        return {name: (grid.rows(), merges) for name, (grid, merges) in sheets.items()}


# --------------------------------------------------------------------------- workbooks of the app


def test_bench_workbook_is_read_fast_and_alike(tmp_path):
    """Shared strings, a date style on every date, styled empty cells, merges: Excel's way of writing."""
    path = write_xlsx(tmp_path / "bench.xlsx", workbook_tabs(4, 60))
    fast = fast_read(path)                      # no tab needs calamine
    expected = calamine_tabs(path)
    for name, (rows, merges) in expected.items():
        assert typed(fast[name][0]) == typed(rows), name
        assert sorted(fast[name][1]) == sorted(merges), name
    assert_same_as_calamine(path)


def test_demo_workbook_and_template_are_read_fast_and_alike(tmp_path):
    """openpyxl writes inline strings and explicit number types: the demo and the template."""
    demo = write_sample(tmp_path / "demo.xlsx")
    template = write_template(tmp_path / "template.xlsx")
    for path in (demo, template):
        fast_read(path)
        assert_same_as_calamine(path)


# --------------------------------------------------------------------------- hand-written parts

def write_parts(path: Path, sheets: list[str], shared: list[str] | None = None, styles: str | None = None,
                workbook_attrs: str = "") -> Path:
    """An .xlsx from raw worksheet bodies (the XML inside <worksheet>) and shared-string items."""
    sheet_entries = "".join(f'<sheet name="Лист{i + 1}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                            for i in range(len(sheets)))
    rels = "".join(f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   f'relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>' for i in range(len(sheets)))
    n = len(sheets)
    rels += (f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
             f'relationships/styles" Target="styles.xml"/>'
             f'<Relationship Id="rId{n + 2}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
             f'relationships/sharedStrings" Target="sharedStrings.xml"/>')
    styles = styles or (
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd.mm.yyyy;@"/></numFmts>'
        '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/></cellXfs>')
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/'
                        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(n))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml",
                    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                    '2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                    'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                    'officedocument.spreadsheetml.sheet.main+xml"/>' + overrides + '</Types>')
        zf.writestr("_rels/.rels",
                    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                    'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        zf.writestr("xl/workbook.xml",
                    f'<?xml version="1.0" encoding="UTF-8"?><workbook {NS} xmlns:r="http://schemas.openxmlformats.'
                    f'org/officeDocument/2006/relationships">{workbook_attrs}<sheets>{sheet_entries}</sheets></workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels",
                    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                    f'package/2006/relationships">{rels}</Relationships>')
        zf.writestr("xl/styles.xml", f'<?xml version="1.0" encoding="UTF-8"?><styleSheet {NS}>{styles}</styleSheet>')
        items = "".join(shared or [])
        zf.writestr("xl/sharedStrings.xml", f'<?xml version="1.0" encoding="UTF-8"?><sst {NS} count="{len(shared or [])}" '
                    f'uniqueCount="{len(shared or [])}">{items}</sst>')
        for i, body in enumerate(sheets):
            zf.writestr(f"xl/worksheets/sheet{i + 1}.xml",
                        f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}>{body}</worksheet>')
    return path


SHARED = [
    "<si><t>Дата</t></si>",
    '<si><t xml:space="preserve"> с пробелами </t></si>',
    "<si><t>&amp; &lt;b&gt; &quot;кавычки&quot; &#1087;&#x41;</t></si>",
    "<si><t/></si>",
    "<si><r><rPr><b/></rPr><t>Жирный</t></r><r><t xml:space=\"preserve\"> и обычный</t></r>"
    "<rPh sb=\"0\" eb=\"1\"><t>ふ</t></rPh></si>",
    "<si><t>строка\nвторая</t></si>",
    "<si><t>_x0041_ &#95;x0042_ _x005F_x0043_ _x00zz_</t></si>",
]

FAST_CASES = {
    "shared strings, rich text, entities": '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v>'
    '</c><c r="C1" t="s"><v>2</v></c></row><row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" t="s"><v>4</v></c>'
    '<c r="C2" t="s"><v>5</v></c><c r="D2" t="s"><v>6</v></c></row></sheetData>',
    "numbers of every shape": '<sheetData><row r="1"><c r="A1"><v>12</v></c><c r="B1" t="n"><v>-3</v></c>'
    '<c r="C1"><v>1E-3</v></c><c r="D1"><v>12.50</v></c><c r="E1"><v>123456789012345678</v></c>'
    '<c r="F1"><v>0</v></c><c r="G1"><v>0.1</v></c><c r="H1"><v>-0.0</v></c></row></sheetData>',
    "booleans and a formula with and without its value": '<sheetData><row r="1"><c r="A1" t="b"><v>1</v></c>'
    '<c r="B1" t="b"><v>0</v></c><c r="C1"><f>1+2</f><v>3</v></c><c r="D1"><f>A1</f><v></v></c>'
    '<c r="E1" s="0"><f t="shared" ref="E1:E2" si="0">B1*2</f><v>4</v></c></row></sheetData>',
    "dates in built-in and custom formats": '<sheetData><row r="1"><c r="A1" s="1"><v>46086</v></c>'
    '<c r="B1" s="2"><v>46100</v></c><c r="C1" s="0"><v>46086</v></c></row></sheetData>',
    "wide and far cells, sparse rows": '<sheetData><row r="3"><c r="AA3" t="s"><v>0</v></c></row>'
    '<row r="70"><c r="B70"><v>7</v></c><c r="XFD70" t="b"><v>1</v></c></row></sheetData>',
    "styled empty cells only": '<sheetData><row r="1"><c r="A1" s="1"/><c r="B1" s="2"/></row></sheetData>',
    "no data": "<sheetData/>",
    "merged cells": '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="0"/></row>'
    '<row r="2"><c r="A2"><v>5</v></c></row></sheetData><mergeCells count="2"><mergeCell ref="A1:B1"/>'
    '<mergeCell ref="A2:A4"/></mergeCells>',
    "inline strings": '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&#1087;ривет &amp; пока</t></is></c>'
    '<c r="B1" t="inlineStr"><is><r><t>два</t></r><r><t xml:space="preserve"> куска</t></r></is></c>'
    '<c r="C1" t="inlineStr"><is><t/></is></c></row></sheetData>',
}

FALLBACK_CASES = {
    "an error value": '<sheetData><row r="1"><c r="A1" t="e"><v>#DIV/0!</v></c><c r="B1"><v>1</v></c></row></sheetData>',
    "a formula's text": '<sheetData><row r="1"><c r="A1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c></row></sheetData>',
    "a date with a time of day": '<sheetData><row r="1"><c r="A1" s="1"><v>46086.5</v></c></row></sheetData>',
    "a date before March 1900": '<sheetData><row r="1"><c r="A1" s="1"><v>33</v></c></row></sheetData>',
    "a cell without its reference": '<sheetData><row r="1"><c t="s"><v>0</v></c></row></sheetData>',
    "attributes in another order": '<sheetData><row r="1"><c s="0" r="A1"><v>1</v></c></row></sheetData>',
    "another attribute": '<sheetData><row r="1"><c r="A1" cm="1"><v>1</v></c></row></sheetData>',
    "a carriage return in an inline string": '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>а\r\nб</t></is>'
    '</c></row></sheetData>',
    "a namespace prefix": '<x:sheetData xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row></x:sheetData>',
}


@pytest.mark.parametrize("case", list(FAST_CASES))
def test_fast_cases_match_calamine(tmp_path, case):
    path = write_parts(tmp_path / "fast.xlsx", [FAST_CASES[case]], SHARED)
    fast = fast_read(path)["Лист1"]
    rows, merges = calamine_tabs(path)["Лист1"]
    assert typed(fast[0]) == typed(rows)
    assert sorted(fast[1]) == sorted(merges)
    assert_same_as_calamine(path)


@pytest.mark.parametrize("case", list(FALLBACK_CASES))
def test_fallback_cases_are_left_to_calamine(tmp_path, case):
    path = write_parts(tmp_path / "other.xlsx", [FALLBACK_CASES[case], FAST_CASES["numbers of every shape"]], SHARED)
    with pytest.raises(xlsx_grid.Unsupported):
        fast_read(path)
    assert_same_as_calamine(path)               # the other tab still goes the fast way


@pytest.mark.parametrize("styles, workbook_attrs, shared", [
    (None, '<workbookPr date1904="1"/>', SHARED),
    (None, "", SHARED + ["<si><t>перенос\r\nстроки\rещё</t></si>"]),
    ('<numFmts count="1"><numFmt numFmtId="164" formatCode="h:mm"/></numFmts>'
     '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs>', "", SHARED),
], ids=["1904 dates", "carriage returns", "a time format"])
def test_workbook_wide_fallbacks_match_calamine(tmp_path, styles, workbook_attrs, shared):
    body = '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="1"><v>0.25</v></c></row></sheetData>'
    path = write_parts(tmp_path / "wide.xlsx", [body], shared, styles, workbook_attrs)
    assert_same_as_calamine(path)


@pytest.mark.parametrize("code, kind", [
    ("General", "number"), ("0.00", "number"), ('#,##0 "чел."', "number"), ("0%", "number"),
    ("dd.mm.yyyy", "date"), ("dd.mm.yyyy;@", "date"), ("[$-419]d mmmm yyyy", "date"), ("yyyy-mm-dd", "date"),
    ("h:mm", "unsure"), ("dd.mm.yyyy hh:mm", "unsure"), ("[h]:mm:ss", "unsure"), ("mm:ss.0", "unsure"),
])
def test_number_formats_are_classified(code, kind):
    assert xlsx_grid._format_kind(code) == kind


# --------------------------------------------------------------------------- any grid openpyxl writes

PLAIN_CELL = st.one_of(
    st.none(),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
    st.sampled_from(["&", "<>", "  ", "Итого", "=не формула", "_x0041_", "а\r\nб", "в\tг", "д\nе"]),
    st.integers(min_value=-10 ** 12, max_value=10 ** 12),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.booleans(),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 12, 31)),
)
GRID_SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                         suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def openpyxl_file(tmp_path: Path, grid: list[list]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for r, row in enumerate(grid, start=1):
        for c, value in enumerate(row, start=1):
            if isinstance(value, str) and value.startswith("="):
                value = "'" + value
            sheet.cell(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "any.xlsx"
    path.write_bytes(buffer.getvalue())
    return path


@GRID_SETTINGS
@given(grid=st.lists(st.lists(PLAIN_CELL, min_size=1, max_size=5), min_size=1, max_size=6))
def test_any_plain_grid_is_read_fast_as_calamine_reads_it(tmp_path, grid):
    """Text, numbers, booleans and dates: always the fast way, always calamine's grid."""
    path = openpyxl_file(tmp_path, grid)
    rows, _ = fast_read(path)["Sheet"]
    assert typed(rows) == typed(calamine_tabs(path)["Sheet"][0])


@GRID_SETTINGS
@given(grid=st.lists(st.lists(st.one_of(PLAIN_CELL, st.datetimes(min_value=datetime(1900, 3, 1),
                                                                   max_value=datetime(2100, 12, 31))),
                              min_size=1, max_size=5), min_size=1, max_size=6))
def test_any_grid_reads_as_calamine_reads_it(tmp_path, grid):
    """With date-times too (left to calamine): `read_xlsx` still gives calamine's grid."""
    assert_same_as_calamine(openpyxl_file(tmp_path, grid))
