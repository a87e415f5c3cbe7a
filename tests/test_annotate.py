"""«Скачать книгу с отметками» (lib/export/annotate.py, `python -m lib.cli annotate`): on real workbooks written
from the template with deliberate errors, the copy has a mark on exactly the cells `validate --json`
names and nowhere else, and everything else — every value, formula and saved result, format, merge,
width, drop-down and every other tab — is as it was (compared cell by cell with openpyxl and read
back with python-calamine). A second run on the fixed copy leaves no stale mark; a person's comments
survive both runs exactly."""
from __future__ import annotations

import copy
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.comments import Comment
from python_calamine import CalamineWorkbook

from lib.export import annotate as A
from lib.loader import load_workbook
from lib.model.workbook import ERROR, ISSUE_COLUMNS, WARNING
from lib.export.template import build_template, load_institutions

ROOT = Path(__file__).resolve().parent.parent
DAY1, DAY2 = date(2026, 11, 22), date(2026, 11, 23)
PERSON_ON_ERROR = ("Иванова Н.П.:\nДату уточнить у специалиста", "Иванова Н.П.")
PERSON_ELSEWHERE = ("Проверено 20.03, всё верно", "Петров")


def run_cli(*args):
    proc = subprocess.run([sys.executable, "-m", "lib.cli", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=180)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def template_with_errors(path: Path) -> Path:
    """The real template (3 institutions) filled with mistakes of every kind, and two people's comments."""
    wb, layouts = build_template(institutions=load_institutions()[:3])
    first, second, _third = layouts                     # the third institution reports nothing
    la, lb = layouts[first], layouts[second]
    ws, r = wb[first], la.first_data_row
    rows = [
        {"date": "31.02.2026", "type": "консультация", "plan_item": "1.3"},      # error: no such date
        {"date": "15.03.2026", "type": "пляски"},                                # error: unknown type
        {"date": "16.03.2026", "type": "семинар", "participants": "много"},      # error: not a number
        {"date": "17.03.2026", "type": "семинар", "plan_item": "9.9"},           # warning: not in the plan
        {"date": "18.03.2026", "type": "консультация", "participants": "=2+3"},  # warning: formula, no result
        {"date": "19.03", "type": "консультация"},                               # error: no year
        {"date": "20.03.2026", "type": "консультация", "topic": "Хорошая строка", "participants": 5,
         "specialists": 9},                                                      # warning: more specialists
        {"date": "21.03.2026", "type": "семинар", "topic": "Без замечаний", "participants": 12},
    ]
    for i, row in enumerate(rows):
        for key, value in row.items():
            ws[la.cell(r + i, key)] = value
    ws[la.cell(r, "date")].comment = Comment(*PERSON_ON_ERROR)
    ws[la.cell(r + 7, "topic")].comment = Comment(*PERSON_ELSEWHERE)
    ws, r = wb[second], lb.first_data_row
    ws[lb.cell(r, "date")], ws[lb.cell(r, "type")] = "40.13.2026", "семинар"          # error
    ws[lb.cell(r + 1, "date")], ws[lb.cell(r + 1, "type")] = "01.04.2026", "семинар"
    indicator = next(iter(lb.indicator_rows))
    ws.cell(lb.indicator_rows[indicator], lb.quarter_columns[1], "abc")                 # error in Мониторинг
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    return template_with_errors(tmp_path_factory.mktemp("annotate") / "омп.xlsx")


@pytest.fixture(scope="module")
def annotated(book):
    result, wb = A.annotate_source(book, checked_on=DAY1)
    assert result.complete and result.reason is None
    return result, wb


def cells_with(issues: list[dict]) -> dict[tuple[str, str], list[dict]]:
    out: dict = {}
    for i in issues:
        if i["cell"]:
            out.setdefault((i["tab"], i["cell"]), []).append(i)
    return out


def marks(data: bytes) -> dict[tuple[str, str], tuple[str, str]]:
    """(tab, cell) → (comment text, author) of every comment that holds our block."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return {(ws.title, c.coordinate): (c.comment.text, c.comment.author)
            for ws in wb.worksheets for c in ws._cells.values() if c.comment is not None and A.has_mark(c.comment.text)}


def comments(data_or_path) -> dict[tuple[str, str], tuple[str, str]]:
    src = io.BytesIO(data_or_path) if isinstance(data_or_path, bytes) else data_or_path
    wb = openpyxl.load_workbook(src)
    return {(ws.title, c.coordinate): (c.comment.text, c.comment.author)
            for ws in wb.worksheets for c in ws._cells.values() if c.comment is not None}


def coloured(data: bytes) -> dict[tuple[str, str], str]:
    """(tab, cell) → severity of the cells our marker rules colour."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    out = {}
    for ws in wb.worksheets:
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                if A._is_marker_rule(rule):
                    severity = ERROR if rule.dxf.fill.fgColor.rgb.endswith(A.ERROR_RGB) else WARNING
                    for rng in cf.sqref.ranges:
                        for row in ws.iter_rows(min_row=rng.min_row, max_row=rng.max_row, min_col=rng.min_col,
                                                max_col=rng.max_col):
                            for cell in row:
                                out[(ws.title, cell.coordinate)] = severity
    return out


# --------------------------------------------------------------------------- exactly the cells validate names

def test_marks_exactly_the_cells_validate_names(book, tmp_path):
    proc = run_cli("validate", book, "--json")
    assert proc.returncode == 1
    issues = json.loads(proc.stdout)["issues"]
    named = cells_with(issues)
    assert len(named) >= 9 and any(not i["cell"] for i in issues)       # whole-tab issues exist too

    out = tmp_path / "с отметками.xlsx"
    proc = run_cli("annotate", book, "-o", out)
    assert proc.returncode == 1, proc.stderr
    assert "Книга с отметками сохранена" in proc.stdout and f"отмечено ячеек: {len(named)}" in proc.stdout
    data = out.read_bytes()

    got = marks(data)
    assert set(got) == set(named)                                         # every named cell, no other
    for where, (text, _author) in got.items():
        for issue in named[where]:
            assert issue["message"] in text
        assert f"{A.MARK}, {date.today():%d.%m.%Y}:" in text
    # colours: the same cells, red where any issue of the cell is an error, yellow otherwise
    expected = {where: ERROR if any(i["severity"] == ERROR for i in items) else WARNING
                for where, items in named.items()}
    assert coloured(data) == expected
    # no comment anywhere else, except the person's own, untouched
    others = {k: v for k, v in comments(data).items() if k not in named}
    originals = {k: v for k, v in comments(book).items() if k not in named}
    assert others == originals and len(others) == 1


def test_a_persons_comment_on_a_problem_cell_stays_above_the_mark(book, annotated):
    result, wb = annotated
    first = wb.institution_names[0]
    text, author = marks(result.data)[(first, "A6")]
    assert author == PERSON_ON_ERROR[1]
    assert text.startswith(PERSON_ON_ERROR[0] + "\n\n" + f"{A.MARK}, 22.11.2026:\n• ошибка: Дата «31.02.2026»")
    assert A.strip_marks(text) == PERSON_ON_ERROR[0]


def test_whole_tab_issues_are_only_in_the_list(annotated):
    result, wb = annotated
    whole_tab = wb.issues[wb.issues["cell"] == ""]
    assert len(whole_tab)
    listed = openpyxl.load_workbook(io.BytesIO(result.data))[A.LIST_TAB]
    messages = [row[3] for row in listed.iter_rows(min_row=3, values_only=True)]
    assert all(m in messages for m in whole_tab["message"])
    assert not any(m in t for m in whole_tab["message"] for t, _ in marks(result.data).values())


# --------------------------------------------------------------------------- everything else as it was

def _cell_state(cell) -> tuple:
    link = cell.hyperlink
    styles = [copy.copy(s) for s in (cell.font, cell.fill, cell.border, cell.alignment, cell.protection)]
    return (cell.value, cell.data_type, cell.number_format, *styles, (link.target, link.location) if link else None)


def _validations(ws) -> list[tuple]:
    return sorted(tuple(repr(x) for x in (dv.type, dv.formula1, dv.formula2, str(dv.sqref), dv.operator, dv.allow_blank,
                                     dv.showDropDown, dv.showErrorMessage, dv.showInputMessage, dv.errorStyle,
                                     dv.errorTitle, dv.error, dv.promptTitle, dv.prompt))
                  for dv in ws.data_validations.dataValidation)


def assert_same_except_marks(original, copy: bytes, marked: set[tuple[str, str]]) -> None:
    """Cell by cell, openpyxl's view of the copy equals the original's — except our marks and the list tab."""
    a = openpyxl.load_workbook(original if not isinstance(original, bytes) else io.BytesIO(original), rich_text=True)
    b = openpyxl.load_workbook(io.BytesIO(copy), rich_text=True)
    assert b.sheetnames == [n for n in a.sheetnames if n != A.LIST_TAB] + [A.LIST_TAB]
    assert b.active.title == a.active.title
    assert sorted(a.defined_names) == sorted(b.defined_names)
    for wa in a.worksheets:
        if wa.title == A.LIST_TAB:
            continue
        wb_ = b[wa.title]
        for coord in set(wa._cells) | set(wb_._cells):
            ca, cb = wa.cell(*coord), wb_.cell(*coord)
            assert _cell_state(ca) == _cell_state(cb), (wa.title, ca.coordinate)
            ta = (ca.comment.text, ca.comment.author) if ca.comment else None
            tb = (cb.comment.text, cb.comment.author) if cb.comment else None
            if (wa.title, ca.coordinate) in marked:
                assert A.strip_marks(tb[0]) == A.strip_marks(ta[0] if ta else "")
            else:
                assert ta == tb, (wa.title, ca.coordinate)
        assert {str(r) for r in wa.merged_cells.ranges} == {str(r) for r in wb_.merged_cells.ranges}
        assert {k: (d.width, d.hidden, d.outlineLevel) for k, d in wa.column_dimensions.items()} == \
               {k: (d.width, d.hidden, d.outlineLevel) for k, d in wb_.column_dimensions.items()}
        assert {k: (d.height, d.hidden) for k, d in wa.row_dimensions.items()} == \
               {k: (d.height, d.hidden) for k, d in wb_.row_dimensions.items()}
        assert _validations(wa) == _validations(wb_), wa.title
        assert (wa.freeze_panes, wa.sheet_state, wa.print_title_rows, wa.page_setup.orientation,
                wa.auto_filter.ref) == \
               (wb_.freeze_panes, wb_.sheet_state, wb_.print_title_rows, wb_.page_setup.orientation,
                wb_.auto_filter.ref)
        theirs = [(str(cf.sqref), r.type, r.formula, r.priority) for cf in wa.conditional_formatting for r in cf.rules
                  if not A._is_marker_rule(r)]
        kept = [(str(cf.sqref), r.type, r.formula, r.priority) for cf in wb_.conditional_formatting for r in cf.rules
                if not A._is_marker_rule(r)]
        assert theirs == kept, wa.title


def assert_calamine_reads_the_same(original: bytes, copy: bytes) -> None:
    a = CalamineWorkbook.from_filelike(io.BytesIO(original))
    b = CalamineWorkbook.from_filelike(io.BytesIO(copy))
    names = [n for n in a.sheet_names if n != A.LIST_TAB]
    assert b.sheet_names[:len(names)] == names
    for name in names:
        assert a.get_sheet_by_name(name).to_python(skip_empty_area=False) == \
               b.get_sheet_by_name(name).to_python(skip_empty_area=False), name


def test_everything_else_stays_as_it_was(book, annotated):
    result, _ = annotated
    assert_same_except_marks(book, result.data, set(marks(result.data)))
    assert_calamine_reads_the_same(book.read_bytes(), result.data)


def test_the_templates_drop_downs_are_all_there(book, annotated):
    result, wb = annotated
    a, b = openpyxl.load_workbook(book), openpyxl.load_workbook(io.BytesIO(result.data))
    for tab in wb.institution_names + ["План"]:
        lists = [dv for dv in b[tab].data_validations.dataValidation if dv.type == "list" and dv.formula1]
        assert lists and _validations(a[tab]) == _validations(b[tab])
    assert b["Списки"].sheet_state == "hidden"


def test_validating_the_copy_gives_the_same_issues(book, annotated):
    """The list tab is not read as an institution's tab, and nothing the loader reads changed."""
    result, wb = annotated
    again = load_workbook(result.data, "копия.xlsx")
    columns = ["severity", "tab", "cell", "message"]
    assert again.issues[columns].reset_index(drop=True).equals(wb.issues[columns].reset_index(drop=True))
    assert again.accounting == wb.accounting


def test_the_list_tab_links_every_issue_to_its_cell(annotated):
    result, wb = annotated
    ws = openpyxl.load_workbook(io.BytesIO(result.data))[A.LIST_TAB]
    assert ws["A1"].value.startswith(f"{A.MARK}, 22.11.2026, «омп.xlsx»: ")
    assert [c.value for c in ws[2]] == ["Серьёзность", "Вкладка", "Ячейка", "Сообщение"]
    rows = list(ws.iter_rows(min_row=3))
    assert len(rows) == len(wb.issues) == result.listed
    for row, issue in zip(rows, wb.issues.itertuples()):
        severity, tab, cell, message = (c.value for c in row)
        assert (severity, tab, cell or "", message) == (
            {"error": "ошибка", "warning": "предупреждение"}[issue.severity], issue.tab, issue.cell, issue.message)
        if issue.cell:
            assert row[2].hyperlink.location == f"'{issue.tab}'!{issue.cell}"
        else:
            assert row[1].hyperlink.location == f"'{issue.tab}'!A1"
    assert ws.freeze_panes == "A3"


# --------------------------------------------------------------------------- a second run

def fix_copy(data: bytes, tab: str, cell: str, value, path: Path) -> Path:
    """What a person does: opens the marked copy, corrects one cell, saves (LibreOffice, a real office
    program, when there is one; else openpyxl)."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    wb[tab][cell] = value
    wb.save(path)
    return path


def test_a_second_run_on_the_fixed_copy_leaves_no_stale_mark(annotated, tmp_path):
    result, wb = annotated
    first = wb.institution_names[0]
    fixed = fix_copy(result.data, first, "A6", "28.02.2026", tmp_path / "исправлено.xlsx")       # the date
    fixed = fix_copy(fixed.read_bytes(), first, "B7", "семинар", tmp_path / "исправлено.xlsx")  # the type

    again, wb2 = A.annotate_source(fixed, checked_on=DAY2)
    assert again.complete and again.cleared == 2
    got = marks(again.data)
    named = {(i.tab, i.cell) for i in wb2.issues.itertuples() if i.cell}
    assert set(got) == named
    assert (first, "A6") not in got and (first, "B7") not in got
    assert all("23.11.2026" in text and "22.11.2026" not in text for text, _ in got.values())
    assert (first, "A6") not in coloured(again.data) and (first, "B7") not in coloured(again.data)
    assert set(coloured(again.data)) == named
    # the person's comments: exactly as they wrote them, author included
    every = comments(again.data)
    assert every[(first, "A6")] == PERSON_ON_ERROR
    assert (first, "B7") not in every                         # it held only our mark
    assert sum(1 for v in every.values() if v == PERSON_ELSEWHERE) == 1
    book = openpyxl.load_workbook(io.BytesIO(again.data))
    assert book.sheetnames.count(A.LIST_TAB) == 1 and book.sheetnames[-1] == A.LIST_TAB
    assert len(list(book[A.LIST_TAB].iter_rows(min_row=3))) == len(wb2.issues)


def test_annotating_twice_changes_nothing_but_the_date(annotated):
    result, wb = annotated
    again, _ = A.annotate_source(result.data, "омп.xlsx", checked_on=DAY1)
    assert marks(again.data) == marks(result.data)
    assert comments(again.data) == comments(result.data)
    assert coloured(again.data) == coloured(result.data)
    assert_calamine_reads_the_same(result.data, again.data)


def test_a_clean_workbook_keeps_only_the_persons_comments(annotated):
    result, wb = annotated
    clean = A.annotate_workbook(result.data, pd.DataFrame(columns=ISSUE_COLUMNS), label="омп.xlsx",
                                checked_on=DAY2, list_tab=False)
    assert clean.complete and clean.marked == 0 and clean.cleared == len(marks(result.data))
    assert marks(clean.data) == {} and coloured(clean.data) == {}
    first = wb.institution_names[0]
    assert set(comments(clean.data).values()) == {PERSON_ON_ERROR, PERSON_ELSEWHERE}
    assert (first, "A6") in comments(clean.data)
    assert A.LIST_TAB not in openpyxl.load_workbook(io.BytesIO(clean.data)).sheetnames


# --------------------------------------------------------------------------- the mark's text

def test_mark_blocks_are_cut_out_exactly():
    block = A.mark_block([(ERROR, "Дата «31.02.2026» не существует"), (WARNING, "Пункта 9.9\nнет в плане")], DAY1)
    assert block == ("Проверка ОМП, 22.11.2026:\n• ошибка: Дата «31.02.2026» не существует\n"
                     "• предупреждение: Пункта 9.9 нет в плане")
    for person in ("", "Иванова:\nтекст", "текст с пустой строкой в конце\n", "  пробелы  "):
        marked = A.with_mark(person, block)
        assert A.has_mark(marked) and A.strip_marks(marked) == (person if person.strip() else "")
        assert A.strip_marks(A.with_mark(A.strip_marks(marked), block)) == A.strip_marks(marked)
    # the person kept writing below our block: their words are kept
    assert A.strip_marks("до\n\n" + block + "\nпосле") == "до\nпосле"
    assert not A.has_mark("Проверка ОМП — это хорошо") and A.strip_marks("Проверка ОМП!") == "Проверка ОМП!"
    assert A.is_marker_formula('="Проверка ОМП"<>""') and A.is_marker_formula(A.MARK_FORMULA)
    assert not A.is_marker_formula("ISBLANK(A1)")


# --------------------------------------------------------------------------- special workbooks

def small_issues(*rows) -> pd.DataFrame:
    return pd.DataFrame([{"severity": s, "tab": t, "cell": c, "message": m, "institution": t, "row": None}
                         for s, t, c, m in rows], columns=ISSUE_COLUMNS)


def test_a_cell_inside_a_merged_range_is_marked_on_its_first_cell(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Лист"
    ws["A2"] = "объединено"
    ws.merge_cells("A2:C3")
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    result = A.annotate_workbook(path, small_issues((ERROR, "Лист", "B3", "не так")), checked_on=DAY1)
    assert set(marks(result.data)) == {("Лист", "A2")}
    assert set(coloured(result.data)) == {("Лист", "A2")}


def test_issues_of_a_missing_tab_are_listed_not_placed(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Лист"
    path = tmp_path / "one.xlsx"
    wb.save(path)
    result = A.annotate_workbook(path, small_issues((ERROR, "Нет такой", "A1", "где-то")), checked_on=DAY1)
    assert result.complete and result.marked == 0 and result.unplaced == 1 and marks(result.data) == {}
    ws = openpyxl.load_workbook(io.BytesIO(result.data))[A.LIST_TAB]
    assert ws["C3"].value == "A1" and ws["C3"].hyperlink is None


def test_formula_results_and_shared_strings_as_an_office_program_saves_them(book, tmp_path):
    """LibreOffice writes shared strings and every formula's saved result; openpyxl would drop the
    results — the copy has them back, so calamine (and the loader) read it exactly as the original."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("нет soffice: установите libreoffice-calc-nogui (scripts/setup.sh --dev)")
    proc = subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to",
                           "xlsx", "--outdir", str(tmp_path / "lo"), str(book)], capture_output=True, timeout=180)
    saved = tmp_path / "lo" / book.name
    assert saved.exists(), proc.stderr
    data = saved.read_bytes()
    assert b"sharedStrings" in data and b"<v>5</v>" in zipfile.ZipFile(io.BytesIO(data)).read(
        A._sheet_parts(zipfile.ZipFile(io.BytesIO(data)))[load_workbook(saved).institution_names[0]])
    result, wb = A.annotate_source(data, "омп.xlsx", checked_on=DAY1)
    assert result.complete
    assert_calamine_reads_the_same(data, result.data)
    assert_same_except_marks(data, result.data, set(marks(result.data)))
    again = load_workbook(result.data, "копия.xlsx")
    assert not again.issues["message"].str.contains("Формула без сохранённого результата").any()
    assert again.issues[["severity", "tab", "cell", "message"]].reset_index(drop=True).equals(
        wb.issues[["severity", "tab", "cell", "message"]].reset_index(drop=True))


X14_DV = ('<extLst><ext uri="{CCE6A557-97BC-4B89-ADB6-D9C93CAAB3DF}" '
          'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:dataValidations count="1" '
          'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><x14:dataValidation type="list" allowBlank="1" '
          'showInputMessage="1" showErrorMessage="1" xr:uid="{5C1E2A4B-0000-4000-8000-000000000001}">'
          "<x14:formula1><xm:f>'Списки'!$A$2:$A$18</xm:f></x14:formula1><xm:sqref>G6:G205</xm:sqref>"
          "</x14:dataValidation></x14:dataValidations></ext></extLst>")


def with_x14_dropdown(data: bytes, tab: str) -> bytes:
    """The workbook as Excel saves a drop-down whose list is on another sheet: in the worksheet's
    <extLst> (x14), with the xr namespace declared on the root, as Excel 2016+ writes it."""
    zin = zipfile.ZipFile(io.BytesIO(data))
    part = A._sheet_parts(zin)[tab]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == part:
                body = body.replace(b"<worksheet ", b'<worksheet xmlns:xr="http://schemas.microsoft.com/office/'
                                                    b'spreadsheetml/2014/revision" ', 1)
                body = body.replace(b"</worksheet>", X14_DV.encode("utf-8") + b"</worksheet>")
            zout.writestr(info, body)
    return out.getvalue()


def test_excels_own_x14_drop_downs_are_kept(book, annotated):
    _, wb = annotated
    first = wb.institution_names[0]
    data = with_x14_dropdown(book.read_bytes(), first)
    with pytest.warns(UserWarning, match="Data Validation extension"):
        openpyxl.load_workbook(io.BytesIO(data))          # what openpyxl alone would drop
    result = A.annotate_workbook(data, wb.issues, label="омп.xlsx", checked_on=DAY1)
    assert result.complete
    out = zipfile.ZipFile(io.BytesIO(result.data))
    xml = out.read(A._sheet_parts(out)[first]).decode("utf-8")
    assert xml.rstrip().endswith("</extLst></worksheet>")
    ext = re.search(r"<extLst.*</extLst>", xml, re.S)[0]
    assert "<xm:f>'Списки'!$A$2:$A$18</xm:f>" in ext and "<xm:sqref>G6:G205</xm:sqref>" in ext
    assert 'xr:uid="{5C1E2A4B-0000-4000-8000-000000000001}"' in ext and "xmlns:xr=" in ext
    from lxml import etree
    etree.fromstring(out.read(A._sheet_parts(out)[first]))     # well-formed
    assert_calamine_reads_the_same(data, result.data)
    # and a second run keeps it too (it is in the copy's worksheet now)
    again = A.annotate_workbook(result.data, wb.issues, label="омп.xlsx", checked_on=DAY2)
    out2 = zipfile.ZipFile(io.BytesIO(again.data))
    assert out2.read(A._sheet_parts(out2)[first]).decode().count("<x14:dataValidation ") == 1


def test_macros_are_kept_in_an_xlsm(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Лист"
    wb.active["A1"] = "данные"
    plain = io.BytesIO()
    wb.save(plain)
    vba = b"\xd0\xcf\x11\xe0" + bytes(range(256)) * 4           # the macro project is kept byte for byte
    zin = zipfile.ZipFile(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == "[Content_Types].xml":
                body = body.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
                body = body.replace(b"</Types>", b'<Default Extension="bin" ContentType="application/'
                                                 b'vnd.ms-office.vbaProject"/></Types>')
            if info.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(b"</Relationships>", b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.'
                                                         b'com/office/2006/relationships/vbaProject" '
                                                         b'Target="vbaProject.bin"/></Relationships>')
            zout.writestr(info, body)
        zout.writestr("xl/vbaProject.bin", vba)
    path = tmp_path / "макросы.xlsm"
    path.write_bytes(out.getvalue())
    assert A.file_kind(path) == "xlsm"
    result = A.annotate_workbook(path, small_issues((WARNING, "Лист", "A1", "проверьте")), checked_on=DAY1)
    assert result.complete and result.file_name == "макросы (с отметками).xlsm" and result.mime == A.XLSM_MIME
    copy = zipfile.ZipFile(io.BytesIO(result.data))
    assert copy.read("xl/vbaProject.bin") == vba
    assert b"macroEnabled" in copy.read("[Content_Types].xml")
    assert set(marks(result.data)) == {("Лист", "A1")}
    assert A.planned_output(path) == ("макросы (с отметками).xlsm", A.XLSM_MIME, None)


def test_a_workbook_with_a_chart_gets_only_the_list(tmp_path):
    from openpyxl.chart import BarChart, Reference
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Лист"
    for i in range(1, 5):
        ws.append([i, i * i])
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=4))
    ws.add_chart(chart, "D2")
    path = tmp_path / "диаграмма.xlsx"
    wb.save(path)
    issues = small_issues((ERROR, "Лист", "A1", "не так"), (WARNING, "Лист", "", "вкладка"))
    reason = A.planned_output(path)[2]
    assert reason and "диаграммы" in reason and "нельзя переписать без потерь" in reason
    result = A.annotate_workbook(path, issues, checked_on=DAY1)
    assert not result.complete and result.reason == reason
    assert result.file_name == "диаграмма (замечания).xlsx"
    listed = openpyxl.load_workbook(io.BytesIO(result.data))
    assert listed.sheetnames == [A.LIST_TAB]
    values = [[c.value for c in row] for row in listed[A.LIST_TAB].iter_rows()]
    assert values[1][0] == reason and values[2] == ["Серьёзность", "Вкладка", "Ячейка", "Сообщение"]
    assert values[3] == ["ошибка", "Лист", "A1", "не так"] and values[4] == ["предупреждение", "Лист", None, "вкладка"]


@pytest.mark.parametrize("kind, words", [("ods", "OpenDocument (.ods)"), ("xls", "Excel 97–2003 (.xls)"),
                                         ("xlsb", "двоичном формате Excel (.xlsb)")])
def test_formats_openpyxl_cannot_rewrite_get_the_list_with_the_reason(book, annotated, tmp_path, kind, words):
    _, wb = annotated
    if kind == "xlsb":      # LibreOffice does not write .xlsb: the parts that make one are enough here
        data = io.BytesIO()
        with zipfile.ZipFile(data, "w") as zf:
            zf.writestr("[Content_Types].xml", "<Types/>")
            zf.writestr("xl/workbook.bin", b"\x83\x01\x00")
        data = data.getvalue()
    else:
        soffice = shutil.which("soffice")
        if soffice is None:
            pytest.skip("нет soffice: установите libreoffice-calc-nogui")
        subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", kind,
                        "--outdir", str(tmp_path), str(book)], capture_output=True, timeout=180)
        data = (tmp_path / f"{book.stem}.{kind}").read_bytes()
    label = f"{book.stem}.{kind}"
    assert A.file_kind(data) == kind
    result = A.annotate_workbook(data, wb.issues, label=label, checked_on=DAY1)
    assert not result.complete and words in result.reason and "отдельным файлом" in result.reason
    assert result.file_name == f"{book.stem} (замечания).xlsx" and result.mime == A.XLSX_MIME
    assert A.planned_output(data, label) == (result.file_name, A.XLSX_MIME, result.reason)
    listed = openpyxl.load_workbook(io.BytesIO(result.data))[A.LIST_TAB]
    assert listed.max_row == 3 + len(wb.issues)


# --------------------------------------------------------------------------- command line

def test_cli_clean_workbook_exit_zero_and_no_marks(tmp_path):
    from tests.workbook_builder import ACTIVITY_HEADER, MONITORING_HEADER, write_workbook
    path = write_workbook(tmp_path / "ok.xlsx", institutions={"КЦСОН Бабаевского района": [
        ACTIVITY_HEADER, ["01.02.2026", "семинар", "2.2", "x", 10], [], MONITORING_HEADER]})
    proc = run_cli("annotate", path, "-o", tmp_path / "out.xlsx", "--no-list")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = (tmp_path / "out.xlsx").read_bytes()
    assert marks(data) == {} and A.LIST_TAB not in openpyxl.load_workbook(io.BytesIO(data)).sheetnames


def test_cli_bad_arguments_and_unreadable_files_exit_two_in_russian(book, tmp_path):
    proc = run_cli("annotate", book)
    assert proc.returncode == 2 and "Укажите, куда сохранить книгу с отметками" in proc.stderr
    proc = run_cli("annotate", book, "-o", tmp_path / "out.ods")
    assert proc.returncode == 2 and "расширением .xlsx" in proc.stderr
    assert not (tmp_path / "out.ods").exists()
    proc = run_cli("annotate", tmp_path / "нет.xlsx", "-o", tmp_path / "out.xlsx")
    assert proc.returncode == 2 and "не найден" in proc.stderr
    broken = tmp_path / "битый.xlsx"
    broken.write_bytes(b"PK\x03\x04" + bytes(200))
    proc = run_cli("annotate", broken, "-o", tmp_path / "out.xlsx")
    assert proc.returncode == 2 and "Ошибка:" in proc.stderr
    proc = run_cli("annotate", "gsheet:abc", "-o", tmp_path / "out.xlsx")
    assert proc.returncode == 2 and "в самой таблице" in proc.stderr


def test_cli_can_overwrite_the_source_itself(book, tmp_path):
    target = tmp_path / "на месте.xlsx"
    target.write_bytes(book.read_bytes())
    proc = run_cli("annotate", target, "-o", target)
    assert proc.returncode == 1
    assert marks(target.read_bytes()) and not list(tmp_path.glob(".*.tmp"))
