"""Workbooks bent by an attacker or by bad luck: none takes the reader down, blows its memory or breaks an
export. (Issue 14, items 1–4 and 9: a Rust panic inside calamine, zip bombs, uploads read in parallel,
control characters, duplicate sheet names.)"""
from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import docx
import openpyxl
import pytest

from lib.report.docx import report_docx_bytes
from lib.export.excel import frames_to_xlsx
from lib.loader import load_workbook
from lib.model.periods import Period
from lib.report.draft import build_report
from lib.sources import SourceError, package
from tests.test_bad_files import raw_xlsx
from tests.workbook_builder import ACTIVITY_HEADER, write_workbook

ROOT = Path(__file__).resolve().parent.parent
ROW = [datetime(2026, 3, 15), "семинар", "2.2", "Семинар", 12, 3, 1, "", ""]


def peak_rss_mb(code: str) -> tuple[int, str]:
    """Run `code` in a fresh interpreter; (its peak RSS in MB, what it printed). VmHWM, not ru_maxrss:
    after fork + exec Linux carries the parent's peak over into the child's ru_maxrss."""
    probe = code + ("\nprint('RSS', next(int(line.split()[1]) // 1024 for line in open('/proc/self/status') "
                    "if line.startswith('VmHWM:')))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    rss = int(out.stdout.rsplit("RSS", 1)[1])
    return rss, out.stdout


# --------------------------------------------------------------------------- 1. a Rust panic in calamine

def far_date_workbook(path: Path) -> Path:
    write_workbook(path, institutions={"КЦСОН А": [ACTIVITY_HEADER, ROW, ROW, ROW], "КЦСОН Б": [ACTIVITY_HEADER, ROW]})
    book = openpyxl.load_workbook(path)
    cell = book["КЦСОН А"]["E3"]                  # participants of the second activity
    cell.value, cell.number_format = -3052535466115, "dd.mm.yyyy"
    book.save(path)
    return path


def test_a_date_cell_beyond_the_calendar_costs_only_its_row(tmp_path):
    path = far_date_workbook(tmp_path / "far.xlsx")
    for wb in (load_workbook(path), load_workbook(path.read_bytes(), "far.xlsx")):
        bad = wb.issues[(wb.issues["tab"] == "КЦСОН А") & (wb.issues["severity"] == "error")]
        assert list(bad["cell"]) == ["E3"] and "за пределами календаря" in bad.iloc[0]["message"]
        assert wb.activities.groupby("institution").size().to_dict() == {"КЦСОН А": 2, "КЦСОН Б": 1}


def test_the_cli_reports_the_cell_without_a_traceback(tmp_path):
    path = far_date_workbook(tmp_path / "far.xlsx")
    out = subprocess.run([sys.executable, "-m", "lib.cli", "validate", str(path), "--json"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1                       # the data has an error; the file was read
    assert "Traceback" not in out.stderr and "panicked" not in out.stderr
    issues = json.loads(out.stdout)["issues"]
    assert any(i["tab"] == "КЦСОН А" and i["cell"] == "E3" and i["severity"] == "error" for i in issues)


# --------------------------------------------------------------------------- 2. zip bombs

def row_bomb(rows: int) -> bytes:
    """An .xlsx whose one sheet inflates to `rows` × `<row/>` (6 bytes each), compressed ~1000×."""
    small = raw_xlsx({"Лист": "<row/>"})
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(small)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED,
                                                                    compresslevel=9) as out:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info.filename, src.read(info))
                continue
            with out.open(info.filename, "w", force_zip64=True) as sheet:
                sheet.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                            b'spreadsheetml/2006/main"><sheetData>')
                chunk = b"<row/>" * 1_000_000
                for _ in range(rows // 1_000_000):
                    sheet.write(chunk)
                sheet.write(b"</sheetData></worksheet>")
    return buf.getvalue()


def test_a_row_bomb_is_refused_with_a_reason_and_little_memory():
    data = row_bomb(100_000_000)                     # 600 MB of <row/>
    assert len(data) < 2_000_000
    with pytest.raises(SourceError, match="подозрительно сильно|больше"):
        load_workbook(data, "бомба.xlsx")
    rss, printed = peak_rss_mb(
        "from tests.test_hostile_files import row_bomb\nfrom lib.loader import load_workbook\n"
        "from lib.sources import SourceError\ndata = row_bomb(100_000_000)\n"
        "try:\n    load_workbook(data, 'b.xlsx')\nexcept SourceError as exc:\n    print('REFUSED', exc)")
    assert "REFUSED" in printed and rss < 1024, rss


def lying_directory(data: bytes, part: str, stated: int) -> bytes:
    """The zip `data` with `part`'s uncompressed size stated as `stated` in both of its headers."""
    blob = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(part)
    struct.pack_into("<I", blob, info.header_offset + 22, stated)          # local file header
    central = blob.find(b"PK\x01\x02")
    while central >= 0:                                                    # its central directory entry
        name_len = struct.unpack_from("<H", blob, central + 28)[0]
        if bytes(blob[central + 46:central + 46 + name_len]) == part.encode():
            struct.pack_into("<I", blob, central + 24, stated)
            break
        central = blob.find(b"PK\x01\x02", central + 4)
    return bytes(blob)


def test_a_directory_that_understates_a_part_is_not_believed(tmp_path):
    rows = [ACTIVITY_HEADER] + [ROW] * 2000
    data = write_workbook(tmp_path / "big.xlsx", institutions={"КЦСОН А": rows}).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        part = next(n for n in zf.namelist() if n.endswith("sheet4.xml"))
    lying = lying_directory(data, part, 1000)
    with pytest.raises(SourceError, match="не совпадает|повреждён"):
        load_workbook(lying, "лжёт.xlsx")
    monkey_small = package.MAX_PART_BYTES
    try:                                            # the real size, not the stated one, meets the limit
        package.MAX_PART_BYTES = 100_000
        with pytest.raises(SourceError, match="больше"):
            package.check_package(lying, "лжёт.xlsx")
    finally:
        package.MAX_PART_BYTES = monkey_small


def ods_of(content: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                   'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>')
    return buf.getvalue()


ODS_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>')


def test_an_ods_of_repeated_cells_is_refused_before_calamine_allocates_them():
    """One row repeated 99 000 times with 1 000 repeated cells: 99 million cells from 1 KB (calamine
    would take 6 GB and a minute to open it)."""
    content = (ODS_HEAD + '<table:table table:name="КЦСОН А"><table:table-row table:number-rows-repeated="99000">'
               '<table:table-cell table:number-columns-repeated="1000" office:value-type="float" office:value="1">'
               '<text:p>1</text:p></table:table-cell></table:table-row></table:table>'
               '</office:spreadsheet></office:body></office:document-content>')
    with pytest.raises(SourceError, match="«КЦСОН А».*99\u00a0000\u00a0000 ячеек"):
        load_workbook(ods_of(content), "повтор.ods")


# --------------------------------------------------------------------------- 3. uploads read in parallel

def test_the_same_upload_read_in_parallel_hundreds_of_times_is_never_refused(tmp_path):
    tabs = {f"КЦСОН {i}": [ACTIVITY_HEADER, ROW, ROW] for i in range(8)}
    path = write_workbook(tmp_path / "восемь.xlsx", institutions=tabs)
    book = openpyxl.load_workbook(path)
    cell = book["КЦСОН 4"]["A2"]
    cell.value, cell.number_format = datetime(2026, 3, 15, 14, 30), "dd.mm.yyyy hh:mm"
    book.save(path)
    data = path.read_bytes()

    def upload(_):
        return load_workbook(data, "восемь.xlsx").accounting

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(upload, range(300)))
    assert {(a.rows_total, a.rows_loaded) for a in results} == {(16, 16)}


# --------------------------------------------------------------------------- 4. control characters

BAD_CODE_POINTS = [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]     # Excel writes them as _x0001_


def test_control_characters_are_removed_with_a_warning_and_every_export_opens(tmp_path):
    rows = [ACTIVITY_HEADER] + [[datetime(2026, 2, 1 + i % 27), "консультация", "1.3",
                                 f"Тема_x{code:04X}_ номер {i}", 2, 1, 1, f"ссылка_x{code:04X}_", ""]
                                for i, code in enumerate(BAD_CODE_POINTS)]
    wb = load_workbook(write_workbook(tmp_path / "ctl.xlsx", institutions={"КЦСОН А": rows}))
    assert len(wb.activities) == len(BAD_CODE_POINTS)
    texts = "".join(wb.activities["topic"]) + "".join(wb.activities["link"])
    assert not any(chr(code) in texts for code in BAD_CODE_POINTS)
    warned = set(wb.issues.loc[wb.issues["message"].str.contains("непечатаемые символы"), "cell"])
    assert {f"D{r}" for r in range(2, len(rows) + 1)} <= warned and {f"H{r}" for r in range(2, len(rows) + 1)} <= warned
    report = build_report(wb, Period.parse("2026-Q1"))
    document = docx.Document(io.BytesIO(report_docx_bytes(report, wb.settings)))
    assert "29 консультаций" in "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    sheet = openpyxl.load_workbook(io.BytesIO(frames_to_xlsx({"Мероприятия": wb.activities.drop(columns=["date"])})))
    assert sheet["Мероприятия"].max_row == len(BAD_CODE_POINTS) + 1


def test_noncharacters_written_as_they_are_are_removed_too():
    cells = "".join(f'<c r="{col}1" t="inlineStr"><is><t>{text}</t></is></c>'
                    for col, text in zip("AB", ["до\ufffeпосле", "x\uffffy"]))
    wb = load_workbook(raw_xlsx({"Лист": f'<row r="1">{cells}</row>'}), "fffe.xlsx")
    warned = wb.issues.loc[wb.issues["message"].str.contains("непечатаемые символы"), "cell"]
    assert sorted(warned) == ["A1", "B1"]


# --------------------------------------------------------------------------- 9. duplicate sheet names

def test_two_tabs_of_one_name_are_both_read_and_reported():
    header = "".join(f'<c r="{col}1" t="inlineStr"><is><t>{text}</t></is></c>'
                     for col, text in zip("ABC", ["Дата", "Вид мероприятия", "Участников"]))

    def rows(n: int) -> str:
        return f'<row r="1">{header}</row>' + "".join(
            f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>15.03.2026</t></is></c><c r="B{r}" t="inlineStr">'
            f'<is><t>Семинар</t></is></c><c r="C{r}"><v>{r}</v></c></row>' for r in range(2, n + 2))

    wb = load_workbook(raw_xlsx([("КЦСОН А", rows(5)), ("КЦСОН А", rows(3))]), "повтор.xlsx")
    assert wb.accounting.rows_total == 8 and len(wb.activities) == 8          # nothing lost
    assert any("несколько вкладок с именем «КЦСОН А»" in m for m in wb.issues["message"])
