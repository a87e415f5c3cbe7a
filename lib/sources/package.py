"""What a zip-packaged workbook (.xlsx, .xlsm, .xlsb, .ods) may cost, found out before python-calamine
reads it, and what calamine cannot tell: formula cells saved without their result.

A workbook is a zip whose directory states each part's sizes — and may lie. So every part is inflated
once here, as a stream that stops at the limit (never trusting the directory), and the worksheet XML of
an .xlsx/.xlsm is looked at on the way: how far its cells reach (calamine allocates a tab's range
densely, A1 to the last cell, before anything can look at it: A1 + XFD1048576 would be 512 GiB) and
which formulas have no cached value. The scans are C-level byte searches; the regular-expression work is
only for the rare sheets that have what it looks for.
"""
from __future__ import annotations

import copy
import html
import io
import os
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field

from lib.sources.base import SourceError

# A real workbook of 28 tabs × 10 000 rows unpacks to ≈ 200–400 MiB of XML (openpyxl writes every
# Cyrillic letter as `&#1058;`: seven bytes) and compresses 8–30 times; a tab of 100 000 rows is
# ≈ 100 MiB. A `<row/>` bomb compresses about a thousand times.
MAX_PART_BYTES = 384 * 1024 ** 2        # one part unpacked
MAX_UNPACKED_BYTES = 1024 ** 3          # all parts unpacked
MAX_RATIO = 150                         # unpacked / packed, for a part over RATIO_FROM_BYTES
RATIO_FROM_BYTES = 4 * 1024 ** 2
CHUNK = 1 << 20

_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_ROW_NUMBER = re.compile(rb'row r="(\d{1,9})"')
_WIDE_REF = re.compile(rb' r="([A-Z]{2,3})\d')          # a cell in column AA or further
_CELL_REF = re.compile(rb' r="([A-Z]{1,3})(\d{1,9})"')


@dataclass
class SheetScan:
    """What the XML of one worksheet holds: the last row with a value, the widest column with a cell
    (for an .xlsx 0 when no cell names one beyond Z: then at most 26), the formula cells without a
    cached value."""
    part: str = ""
    name: str = ""                                       # (.ods only: the table's name)
    last_row: int = 0
    widest: int = 0
    unread: list[tuple[int, int]] = field(default_factory=list)
    merges: list = field(default_factory=list)           # (.ods only: calamine reports those of the others)

    @property
    def width(self) -> int:
        return self.widest or (26 if self.last_row else 0)


def check_package(data: bytes, label: str) -> list[SheetScan | None]:
    """Inflate every part of the zip `data` within the limits (raises `SourceError` in Russian when a
    limit is passed); returns a `SheetScan` per tab in the workbook's order for an .xlsx/.xlsm (None
    where a tab's part is missing) and an .ods; [] for an .xlsb (its sizes only are checked)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            parts = worksheet_parts(zf)
            sheets = set(parts)
            scans: dict[str, SheetScan] = {}
            ods = OdsScanner() if not parts and "content.xml" in zf.namelist() else None
            total = 0
            for info in zf.infolist():
                if info.is_dir():
                    continue
                _check_directory(info, label)
                if info.filename in sheets:
                    scan = scans[info.filename] = SheetScan(info.filename)
                    feed = (lambda xml, scan=scan: _scan_rows(xml, scan)), b"row>"   # </row>, </x:row>
                elif ods is not None and info.filename == "content.xml":
                    feed = ods.feed, b"table-row>"
                else:
                    feed = None
                total += _inflate(zf, info, label, feed, MAX_UNPACKED_BYTES - total)
            if ods is not None:
                return ods.tables
    except SourceError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError,
            RuntimeError):
        raise corrupt(label) from None
    except Exception:  # noqa: BLE001 — zlib.error and the like from a damaged part
        raise corrupt(label) from None
    return [scans.get(part) for part in parts]


def corrupt(label: str, format_name: str = "") -> SourceError:
    """The file is damaged; `format_name` says what it was recognised as («в формате Excel 97–2003 (.xls)»)."""
    return SourceError(f"Файл «{label}»{' ' + format_name if format_name else ''} повреждён (возможно, скачан или "
                       "скопирован не полностью): это не читаемая книга. Сохраните книгу заново (например, как "
                       "«Книга Excel (.xlsx)») и загрузите снова.")


def _too_big(label: str) -> SourceError:
    return SourceError(f"Книга «{label}» после распаковки занимает больше {MAX_UNPACKED_BYTES // 1024 ** 2} МБ "
                       f"(или один её лист — больше {MAX_PART_BYTES // 1024 ** 2} МБ) — такую книгу загрузить "
                       "нельзя. Удалите лишние листы, строки и картинки.")


def _part_limit(info: zipfile.ZipInfo) -> int:
    """An .ods keeps every table in one part (content.xml: 400 MB at 28 × 10 000 rows): its limit is the
    whole book's."""
    return MAX_UNPACKED_BYTES if info.filename == "content.xml" else MAX_PART_BYTES


def _check_directory(info: zipfile.ZipInfo, label: str) -> None:
    """The sizes the zip directory states: over the limits, the file is refused before inflating."""
    if info.file_size > _part_limit(info):
        raise _too_big(label)
    if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise _suspicious(label)


def _suspicious(label: str) -> SourceError:
    return SourceError(f"Книга «{label}» сжата подозрительно сильно (в сотни раз): так выглядят не данные, а "
                       "архив-«бомба». Такую книгу загрузить нельзя. Сохраните данные в новую книгу и "
                       "загрузите её.")


def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, feed, budget: int) -> int:
    """Inflate one part as a stream (whatever size the directory states), at most to the limits;
    returns its real size. `feed`: (a scanner, the end of the element it is fed whole runs of), for
    the XML of a worksheet or of an .ods, scanned on the way."""
    limit = min(_part_limit(info), budget)
    unbounded = copy.copy(info)
    unbounded.file_size = limit + CHUNK + 1  # zipfile would otherwise stop at the stated size
    size, tail = 0, b""
    with zf.open(unbounded) as stream:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise _too_big(label)
            if size > RATIO_FROM_BYTES and size > MAX_RATIO * max(info.compress_size, 1):
                raise _suspicious(label)
            if feed is not None:
                text = tail + chunk
                cut = text.rfind(feed[1])
                if cut < 0:
                    tail = text
                    continue
                cut += len(feed[1])
                feed[0](text[:cut])
                tail = text[cut:]
    if size != info.file_size:
        raise SourceError(f"Файл «{label}» повреждён: размер его части {info.filename} не совпадает с "
                          "указанным в оглавлении архива. Сохраните книгу заново и загрузите снова.")
    if feed is not None and tail:
        feed[0](tail)
    return size


def _scan_rows(xml: bytes, scan: SheetScan) -> None:
    """Whole rows of a worksheet: the last row holding a value (`<v>` or an inline `<t>`), cells beyond
    column Z, formulas (`<f`) whose cell has no value."""
    last_value = max(xml.rfind(b"v>"), xml.rfind(b"t>"))
    if last_value >= 0:
        row = xml.rfind(b'row r="', 0, last_value)
        if row >= 0:
            number = _ROW_NUMBER.match(xml, row)
            if number:
                scan.last_row = max(scan.last_row, int(number[1]))
        else:                                      # rows without numbers: count them
            scan.last_row += xml.count(b"<row") + xml.count(b":row ")
    if _WIDE_REF.search(xml):
        scan.widest = max(scan.widest, *(column_number(letters) for letters in _WIDE_REF.findall(xml)))
    at = xml.find(b"<f")
    while at >= 0:
        _formula_cell(xml, at, scan)
        at = xml.find(b"<f", at + 2)


def _formula_cell(xml: bytes, at: int, scan: SheetScan) -> None:
    """The cell around the formula at `at`: recorded when it holds no cached value."""
    start = max(xml.rfind(b"<c ", 0, at), xml.rfind(b":c ", 0, at))
    end = xml.find(b"c>", at)
    if start < 0 or end < 0:
        return
    body = xml[at:end]
    value = body.find(b"v>")
    if value >= 0 and not body[value + 2:value + 3].startswith(b"<"):
        return                                     # <v>12</v>: the result is there
    ref = _CELL_REF.search(xml, start, at)
    if ref:
        scan.unread.append((int(ref[2]) - 1, column_number(ref[1]) - 1))


_ODS_TAG = re.compile(rb"<table:(table|table-row|table-cell|covered-table-cell)(?=[\s/>])([^>]*)>")
_ODS_NAME = re.compile(rb'table:name="([^"]*)"')
_ODS_ATTR = re.compile(rb'table:number-(rows-repeated|columns-repeated|columns-spanned|rows-spanned)="(\d+)"')


class OdsScanner:
    """The tables of an .ods `content.xml`, fed as runs of whole rows: how far each table's values
    reach and its merged ranges (calamine reports none for .ods). Rows and cells are counted with their
    repeats — a row repeated a million times is one element, and calamine would allocate every cell."""

    def __init__(self) -> None:
        self.tables: list[SheetScan] = []
        self.row = self.next_row = self.col = self.repeat = 0

    def feed(self, xml: bytes) -> None:
        tables = self.tables
        row, next_row, col, repeat = self.row, self.next_row, self.col, self.repeat
        for m in _ODS_TAG.finditer(xml):
            kind, attrs = m[1], m[2]
            numbers = {k: int(v) for k, v in _ODS_ATTR.findall(attrs)} if b"number-" in attrs else {}
            if kind == b"table":
                name = _ODS_NAME.search(attrs)
                tables.append(SheetScan("content.xml",
                                        name=html.unescape(name[1].decode("utf-8", "replace")) if name else ""))
                next_row = 0
            elif kind == b"table-row":
                repeat = numbers.get(b"rows-repeated", 1)
                row, next_row, col = next_row, next_row + repeat, 0
            elif tables:
                span = col + numbers.get(b"columns-repeated", 1)
                if kind == b"table-cell" and b"value-type" in attrs:
                    scan = tables[-1]
                    scan.last_row, scan.widest = max(scan.last_row, row + repeat), max(scan.widest, span)
                    rows, cols = numbers.get(b"rows-spanned", 1), numbers.get(b"columns-spanned", 1)
                    if rows > 1 or cols > 1:
                        scan.merges.append(((row, col), (row + rows - 1, col + cols - 1)))
                col = span
        self.row, self.next_row, self.col, self.repeat = row, next_row, col, repeat


_NUMBER_CELL = re.compile(rb'<(?:\w+:)?c r="([A-Z]{1,3})\d+"[^>]*>\s*<(?:\w+:)?v>(-?[\d.]+(?:[eE][-+]?\d+)?)<')
LAST_SERIAL_DAY = 2_958_465              # 31.12.9999 — no date cell can hold more (or less than −it)


def cells_beyond_the_calendar(data: bytes, part: str, row0: int) -> list[int]:
    """The columns (0-based) of row `row0` of a worksheet part whose number no calendar can hold as a
    date — the cells a date format makes calamine fail on."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = zf.read(part)
    start = xml.find(f'row r="{row0 + 1}"'.encode())
    end = xml.find(b"row>", start)
    if start < 0 or end < 0:
        return []
    return [column_number(m[1]) - 1 for m in _NUMBER_CELL.finditer(xml, start, end)
            if abs(float(m[2])) > LAST_SERIAL_DAY]


def column_number(letters: bytes) -> int:
    """b"A" → 1, b"AA" → 27."""
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def with_unique_sheet_names(data: bytes) -> tuple[bytes, dict[str, str]]:
    """An .xlsx whose tabs share a name (a hand-edited or generated file) has them renamed in a copy
    — calamine finds a tab by its name and would read the first one twice. Returns (the copy, new
    name → the name in the workbook)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        book = zf.read("xl/workbook.xml").decode("utf-8")
        seen: dict[str, int] = {}
        renamed: dict[str, str] = {}

        def rename(m: re.Match) -> str:
            name = html.unescape(m[2])
            seen[name] = seen.get(name, 0) + 1
            if seen[name] == 1:
                return m[0]
            new = f"{name} ({seen[name]})"
            while new in seen:
                new += "'"
            renamed[new] = name
            return f'{m[1]}"{html.escape(new)}"'

        book = re.sub(r'(<(?:\w+:)?sheet\b[^>]*?\bname=)"([^"]*)"', rename, book)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
            for info in zf.infolist():
                copy.writestr(info, book if info.filename == "xl/workbook.xml" else zf.read(info),
                              compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue(), renamed


def worksheet_parts(zf: zipfile.ZipFile) -> list[str]:
    """The worksheet part ("xl/worksheets/sheet1.xml") of each tab of an .xlsx/.xlsm, in the workbook's
    order, from workbook.xml and its relationships; [] for other packages. (zipfile never inflates more
    than a part's stated size, so these small parts are safe to read before the check.)"""
    try:
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") or "" for r in rels}
        book = ET.fromstring(zf.read("xl/workbook.xml"))
    except (KeyError, ET.ParseError):
        return []
    out = []
    for el in book.iter():
        if el.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        target = targets.get(el.get(f"{{{_REL_NS}}}id"), "")
        part = target.lstrip("/") if target.startswith("/") else "xl/" + target
        out.append(os.path.normpath(part).replace(os.sep, "/"))
    return out
