"""Files people upload by mistake: each gets a Russian message naming the problem, never a crash.

Every fixture is written by the test itself (no binary files in the repository).
"""
from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest

from lib.russian import format_number
from lib.sources import package, spreadsheet
from lib.loader import load_workbook
from lib.model.workbook import ERROR
from lib.sources import SourceError, read
from tests.workbook_builder import activity_rows, write_workbook

ROW = ["15.03.2026", "Консультация", "1.3", "Тема", 5]


def good_xlsx(tmp_path: Path, **tabs) -> bytes:
    path = write_workbook(tmp_path / "good.xlsx", institutions=tabs or {"КЦСОН А": activity_rows(ROW)})
    return path.read_bytes()


def raw_xlsx(sheets: dict[str, str] | list[tuple[str, str]]) -> bytes:
    """A minimal .xlsx written by hand: tab name → the <sheetData> inner XML (or a whole part); a list
    of (name, XML) pairs may name two tabs alike."""
    sheets = list(sheets.items() if isinstance(sheets, dict) else sheets)
    buf = io.BytesIO()
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel_ns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, len(sheets) + 1))
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Default Extension="rels" ContentType="application/'
                   'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                   'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
                   '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   f'{overrides}</Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        entries = "".join(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>'
                          for i, (name, _) in enumerate(sheets, 1))
        z.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook {ns} {rel_ns}>'
                                      f'<sheets>{entries}</sheets></workbook>')
        rels = "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                       f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(sheets) + 1))
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   f'package/2006/relationships">{rels}</Relationships>')
        for i, (_, body) in enumerate(sheets, 1):
            part = body if body.startswith("<?xml") else (
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData>{body}</sheetData></worksheet>')
            z.writestr(f"xl/worksheets/sheet{i}.xml", part)
    return buf.getvalue()


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def rows_xml(n: int, start: int = 1) -> str:
    return "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(start, start + n))


def ole_file(stream_names: list[str]) -> bytes:
    """An OLE compound file (what Excel writes for .xls and for password-protected workbooks): the
    header, then one directory sector naming the streams. Enough for a format check, not for Excel."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHH", header, 0x18, 0x3E, 0x03, 0xFFFE, 0x09)
    struct.pack_into("<I", header, 0x30, 0)            # the directory starts at sector 0
    directory = bytearray()
    for name in ["Root Entry", *stream_names]:
        entry = bytearray(128)
        raw = name.encode("utf-16-le") + b"\0\0"
        entry[:len(raw)] = raw
        struct.pack_into("<H", entry, 0x40, len(raw))
        entry[0x42] = 5 if name == "Root Entry" else 2
        directory += entry
    directory += bytes(512 - len(directory) % 512)
    return bytes(header) + bytes(directory)


def ods_file() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
        z.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
    return buf.getvalue()


def zip_of(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


def message_of(data: bytes, label: str = "отчет.xlsx") -> str:
    with pytest.raises(SourceError) as err:
        load_workbook(data, label)
    text = str(err.value)
    assert "«" + label + "»" in text        # the message names the file
    assert "Traceback" not in text and "Error" not in text   # Russian, not an exception's repr
    return text


# --------------------------------------------------------------------------- not a workbook at all

@pytest.mark.parametrize("data, expected", [
    (b"", "пустой (0 байт)"),
    ("Дата;Вид;Участников\n15.03.2026;Семинар;12\n".encode("cp1251"), "текстовый файл (например, CSV)"),
    ("Дата,Вид\n15.03.2026,Семинар\n".encode("utf-8-sig"), "текстовый файл (например, CSV)"),
    (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "веб-страница или XML"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "документ PDF"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "не является книгой Excel (.xlsx)"),
])
def test_files_that_are_not_workbooks(data, expected):
    assert expected in message_of(data)


def test_corrupt_zip():
    text = message_of(b"PK\x03\x04" + bytes(range(256)) * 20)
    assert "повреждён" in text


def test_truncated_xlsx(tmp_path):
    data = good_xlsx(tmp_path)
    for cut in (len(data) // 2, len(data) - 30, 100):
        assert "повреждён" in message_of(data[:cut])


def test_xlsx_with_a_damaged_sheet_inside(tmp_path):
    data = bytearray(good_xlsx(tmp_path))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet4.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 5, start + min(info.compress_size, 200) - 5):
        data[i] ^= 0x5A                      # scramble the compressed sheet data
    assert "повреждён" in message_of(bytes(data))


def test_password_protected_workbook():
    text = message_of(ole_file(["\x06DataSpaces", "EncryptionInfo", "EncryptedPackage"]))
    assert "защищена паролем" in text and "снимите пароль" in text


def test_old_xls():
    text = message_of(ole_file(["Workbook", "\x05SummaryInformation"]), "отчет.xls")
    assert "Excel 97–2003 (.xls)" in text and "Книга Excel (.xlsx)" in text


def test_word_doc_and_docx():
    assert "документ Word (.doc)" in message_of(ole_file(["WordDocument", "1Table"]), "отчет.doc")
    assert "документ Word (.docx)" in message_of(zip_of({"word/document.xml": "<w:document/>"}), "отчет.docx")


def test_ods_is_named_by_its_mimetype_whatever_the_file_name():
    for label in ("отчет.ods", "отчет.xlsx"):
        assert "формат OpenDocument (.ods)" in message_of(ods_file(), label).replace("в формате", "формат")


def test_zip_of_something_else():
    assert "zip-архив, но не книга Excel" in message_of(zip_of({"data.csv": "a,b\n1,2\n"}))


def test_file_over_the_size_limit(tmp_path, monkeypatch):
    data = good_xlsx(tmp_path)
    monkeypatch.setattr(spreadsheet, "MAX_FILE_BYTES", len(data) - 1)
    text = message_of(data)
    assert "слишком большой" in text and "допустимо не больше" in text


def test_the_same_checks_apply_to_a_path(tmp_path):
    cases = {"a.csv": b"a;b\n1;2\n", "b.xls": ole_file(["Workbook"]), "c.ods": ods_file(),
             "d.xlsx": ole_file(["EncryptionInfo", "EncryptedPackage"]), "e.xlsx": good_xlsx(tmp_path)[:500]}
    expected = {"a.csv": "текстовый файл", "b.xls": "(.xls)", "c.ods": "OpenDocument (.ods)",
                "d.xlsx": "защищена паролем", "e.xlsx": "повреждён"}
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(SourceError, match=expected[name].replace("(", r"\(").replace(")", r"\)")):
            load_workbook(path)


# --------------------------------------------------------------------------- huge and empty sheets

def test_a_tab_of_200_000_rows_is_reported_and_the_other_tabs_load():
    small = inline("A1", "Дата") + inline("B1", "Вид мероприятия") + inline("C1", "Участников")
    small = f'<row r="1">{small}</row><row r="2">{inline("A2", "15.03.2026")}{inline("B2", "Семинар")}' \
            f'<c r="C2"><v>12</v></c></row>'
    data = raw_xlsx({"КЦСОН А": small, "КЦСОН Б": rows_xml(200_000)})
    wb = load_workbook(data, "большая.xlsx")
    errors = wb.issues[wb.issues["severity"] == ERROR]
    big = errors[errors["tab"] == "КЦСОН Б"]
    assert len(big) == 1
    assert "200\u00a0000 строк" in big.iloc[0]["message"] and "100\u00a0000" in big.iloc[0]["message"]
    assert list(wb.activities["institution"]) == ["КЦСОН А"]           # the other tab still loads
    assert "КЦСОН Б" in wb.institution_names


def test_a_tab_whose_xml_declares_no_dimension_is_measured_before_loading():
    tabs, _ = read(raw_xlsx({"Лист": rows_xml(100_001)}), "x.xlsx")
    assert tabs[0].rows == [] and "100\u00a0001 строк" in tabs[0].problem


def test_two_cells_far_apart_do_not_crash_the_server(tmp_path):
    """calamine allocates the range densely: A1 + XFD1048576 would ask for 512 GiB and abort."""
    wb = openpyxl.Workbook()
    wb.active.title = "Лист"
    wb.active["A1"] = 1
    wb.active["XFD1048576"] = 2
    path = tmp_path / "far.xlsx"
    wb.save(path)
    tabs, _ = read(path)
    assert tabs[0].rows == [] and "1\u00a0048\u00a0576 строк" in tabs[0].problem
    # the same without the <dimension> element: found by scanning the cell references
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    part = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData><row r="1"><c r="A1"><v>1</v></c>'
            f'</row><row r="90000"><c r="XFD90000"><v>2</v></c></row></sheetData></worksheet>')
    tabs, _ = read(raw_xlsx({"Лист": part}), "far.xlsx")
    assert tabs[0].rows == [] and "ячеек" in tabs[0].problem


def test_cell_cap_after_loading_when_the_declared_range_lies(monkeypatch):
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    part = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><dimension ref="A1:B2"/><sheetData>'
            f'{rows_xml(300)}<row r="301"><c r="Z301"><v>1</v></c></row></sheetData></worksheet>')
    monkeypatch.setattr(spreadsheet, "MAX_CELLS_PER_TAB", 5_000)
    tabs, _ = read(raw_xlsx({"Лист": part}), "x.xlsx")
    assert tabs[0].rows == [] and "301 строк и 26 столбцов" in tabs[0].problem
    monkeypatch.setattr(spreadsheet, "MAX_ROWS_PER_TAB", 100)
    tabs, _ = read(raw_xlsx({"Лист": part}), "x.xlsx")
    assert "301 строк — больше допустимых 100" in tabs[0].problem


def test_a_workbook_with_no_sheets():
    text = message_of(raw_xlsx({}))
    assert "нет ни одного листа" in text


def test_a_workbook_of_empty_sheets_loads_with_a_clear_error(tmp_path):
    wb = openpyxl.Workbook()
    wb.create_sheet("Лист2")
    path = tmp_path / "пустая.xlsx"
    wb.save(path)
    loaded = load_workbook(path)
    errors = loaded.issues[loaded.issues["severity"] == ERROR]
    assert any("нет данных: все листы пустые" in m for m in errors["message"])
    assert loaded.accounting.rows_total == 0 and loaded.activities.empty


def test_an_empty_service_tab_and_an_empty_institution_tab(tmp_path):
    path = write_workbook(tmp_path / "x.xlsx", institutions={"КЦСОН А": activity_rows(ROW), "КЦСОН Б": []})
    wb = load_workbook(path)
    assert len(wb.activities) == 1
    assert any("КЦСОН Б" in m for m in wb.issues["message"])


def test_sizes_in_messages_are_grouped_the_russian_way():
    assert format_number(1048576) == "1\u00a0048\u00a0576"


def test_a_writer_that_leaves_out_the_dimension_still_loads(tmp_path):
    """openpyxl's write-only mode (like some exporters) writes no <dimension>: measured by scanning."""
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("КЦСОН А")
    ws.append(["Дата", "Вид мероприятия", "Участников"] + [None] * 24 + ["Примечание"])
    for day in range(1, 29):
        ws.append([f"{day:02d}.03.2026", "Семинар", day])
    path = tmp_path / "stream.xlsx"
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        assert b"<dimension" not in z.read("xl/worksheets/sheet1.xml")
    scan, = package.check_package(path.read_bytes(), "stream.xlsx")
    assert (scan.last_row, scan.width) == (29, 28)
    loaded = load_workbook(path)
    assert len(loaded.activities) == 28
