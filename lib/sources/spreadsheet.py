"""Spreadsheet files — .xlsx, .xlsm, .xlsb, .xls, .ods from a path or uploaded bytes — read through
python-calamine, the one reader of record, into raw tabs.

The format is told by the file's content, never by its name (a .csv renamed to .xlsx, an .ods saved as
«.xlsx» are common). Before calamine sees a zip package, `lib.sources.package` bounds what it may cost;
files people pick by mistake (Word, PDF, a web page, CSV, an encrypted workbook) get a Russian message
saying what they are. calamine is given its own copy of the bytes each time (no buffer shared between
threads). A Rust panic inside calamine (a date cell far outside the calendar) is a `BaseException` that
no `except Exception` catches: it is caught here, and costs only the row it happened on.
"""
from __future__ import annotations

import io
import os
import re
import threading
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor

from lib.russian import format_number
from lib.sources.base import RawTab, SourceError, SourceInfo, user_file
from lib.sources.package import (SheetScan, cells_beyond_the_calendar, check_package, corrupt,
                                 with_unique_sheet_names)

MAX_FILE_BYTES = 100 * 1024 * 1024           # an .xls is not compressed: 28 × 10 000 rows take 65 MB
# Caps on one tab, far above real data (28 tabs × 10 000 rows): a tab over them is not loaded and is
# reported as an issue instead of eating the server's memory; all tabs together have a cap too.
MAX_ROWS_PER_TAB = 100_000
MAX_CELLS_PER_TAB = 5_000_000
MAX_CELLS_PER_WORKBOOK = 20_000_000

FORMAT_NAMES = {"xlsx": "в формате Excel (.xlsx)", "xlsm": "в формате Excel с макросами (.xlsm)",
                "xlsb": "в двоичном формате Excel (.xlsb)", "xls": "в формате Excel 97–2003 (.xls)",
                "ods": "в формате OpenDocument (.ods)"}
EXTENSIONS = ("xlsx", "xlsm", "xlsb", "xls", "ods")       # what the upload widget accepts
_SAVE_AS = "Откройте его в Excel или LibreOffice Calc и сохраните как «Книга Excel (.xlsx)»."
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UTF16 = {name: name.encode("utf-16-le") for name in
          ("EncryptedPackage", "EncryptionInfo", "WordDocument", "Workbook", "Book", "PowerPoint Document")}


def read(data: str | os.PathLike | bytes, label: str | None = None) -> tuple[list[RawTab], SourceInfo]:
    """Every tab of a spreadsheet file (its path or its bytes) as raw tabs anchored at A1. Raises
    `SourceError` (Russian) when the file cannot be read at all; a tab that cannot be read gets its
    `problem` and the other tabs load."""
    blob, label, location = user_file(data, label, what="файл книги", max_bytes=MAX_FILE_BYTES)
    kind, location = ("upload", label) if location is None else ("file", location)
    fmt = sniff(blob, label)
    scans = check_package(blob, label) if fmt in ("xlsx", "xlsm", "xlsb", "ods") else []
    info = SourceInfo(kind, label, location, format=fmt)
    renamed = {}
    if _repeated_names(blob, fmt):
        blob, renamed = with_unique_sheet_names(blob)
    tabs = _read_tabs(blob, label, fmt, scans)
    for tab in tabs:                     # the names as the workbook has them (the parser reports repeats)
        tab.name = renamed.get(tab.name, tab.name)
    if fmt == "xls":                   # whole numbers come as int from an .xls, as float from the others
        for tab in tabs:
            tab.rows = [[float(v) if type(v) is int else v for v in row] for row in tab.rows]
    return tabs, info


def _repeated_names(blob: bytes, fmt: str) -> bool:
    """Two tabs of an .xlsx/.xlsm with one name (possible in a hand-edited or generated file)."""
    if fmt not in ("xlsx", "xlsm"):
        return False
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        book = zf.read("xl/workbook.xml")
    names = re.findall(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"', book)
    return len(set(names)) < len(names)


def sniff(blob: bytes, label: str) -> str:
    """The file's format from its content: "xlsx", "xlsm", "xlsb", "xls" or "ods" — or a `SourceError`
    saying in Russian what the file is instead."""
    head = blob[:4096]
    if not head:
        raise SourceError(f"Файл «{label}» пустой (0 байт). Выберите заполненную книгу Excel или LibreOffice.")
    if head.startswith(_OLE_MAGIC[:4]):
        return _sniff_ole(blob, label)
    if head.startswith(b"PK"):
        return _sniff_zip(blob, label)
    if head.startswith(b"%PDF"):
        raise SourceError(f"Файл «{label}» не является книгой Excel (.xlsx): это документ PDF.")
    sample = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if sample.startswith((b"<html", b"<!doctype", b"<table", b"<?xml")):
        raise SourceError(f"Файл «{label}» не является книгой Excel (.xlsx): это веб-страница или XML (так "
                          f"некоторые программы сохраняют «Excel»). {_SAVE_AS}")
    if b"\x00" not in head:
        raise SourceError(f"Файл «{label}» не является книгой Excel (.xlsx): это текстовый файл (например, "
                          f"CSV). {_SAVE_AS}")
    raise SourceError(f"Файл «{label}» не является книгой Excel (.xlsx) или LibreOffice (.ods). "
                      "Сохраните таблицу в формате .xlsx и загрузите снова.")


def _sniff_ole(blob: bytes, label: str) -> str:
    """An OLE compound file: an Excel 97–2003 workbook, an encrypted workbook of any version, or a
    Word / PowerPoint 97–2003 document (stream names are UTF-16 in its directory)."""
    if _UTF16["EncryptedPackage"] in blob or _UTF16["EncryptionInfo"] in blob:
        raise _password(label)
    if _UTF16["WordDocument"] in blob:
        raise SourceError(f"Файл «{label}» — документ Word (.doc), а не книга Excel.")
    if _UTF16["PowerPoint Document"] in blob:
        raise SourceError(f"Файл «{label}» — презентация PowerPoint (.ppt), а не книга Excel.")
    return "xls"


def _password(label: str) -> SourceError:
    return SourceError(f"Книга «{label}» защищена паролем. Откройте её в Excel или LibreOffice, снимите пароль "
                       "(Excel: Файл → Сведения → Защитить книгу → Зашифровать с использованием пароля → "
                       "удалите пароль), сохраните и загрузите снова.")


def _sniff_zip(blob: bytes, label: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as zf:
            names = set(zf.namelist())
            if "mimetype" in names:
                mimetype = zf.read("mimetype")[:100].decode("ascii", "replace").strip()
                if mimetype == "application/vnd.oasis.opendocument.spreadsheet":
                    if b"manifest:encryption-data" in zf.read("META-INF/manifest.xml")[:1 << 20] \
                            if "META-INF/manifest.xml" in names else False:
                        raise _password(label)
                    return "ods"
                if mimetype.startswith("application/vnd.oasis.opendocument"):
                    raise SourceError(f"Файл «{label}» — документ OpenDocument ({mimetype.rsplit('.', 1)[-1]}), "
                                      "а не таблица.")
            if "xl/workbook.bin" in names:
                return "xlsb"
            if "xl/workbook.xml" in names:
                types = zf.read("[Content_Types].xml")[:1 << 20] if "[Content_Types].xml" in names else b""
                return "xlsm" if b"macroEnabled" in types else "xlsx"
            if "word/document.xml" in names:
                raise SourceError(f"Файл «{label}» — документ Word (.docx), а не книга Excel (.xlsx).")
            if "ppt/presentation.xml" in names:
                raise SourceError(f"Файл «{label}» — презентация PowerPoint (.pptx), а не книга Excel (.xlsx).")
            raise SourceError(f"Файл «{label}» — zip-архив, но не книга Excel (.xlsx): внутри нет листов "
                              "книги. Распакуйте архив и загрузите сам файл книги.")
    except SourceError:
        raise
    except Exception:  # noqa: BLE001 — BadZipFile, zlib.error, OSError… of a damaged file
        raise corrupt(label) from None


def _read_tabs(blob: bytes, label: str, fmt: str, scans: list[SheetScan | None]) -> list[RawTab]:
    """Every worksheet of the book, each judged by its size before its cells are made: from the scan of
    its XML where there is one, else from the range calamine reports before converting it. An .ods is
    parsed whole when calamine opens it, so a table too big refuses the whole file before that."""
    from python_calamine import CalamineWorkbook, PasswordError

    format_name = FORMAT_NAMES[fmt]
    if fmt == "ods":
        budget = MAX_CELLS_PER_WORKBOOK
        for scan in scans:
            problem = size_problem(scan.name, scan.last_row, scan.width)
            budget -= scan.last_row * scan.width
            if problem or budget < 0:
                problem = problem or _workbook_problem(scan.name)
                raise SourceError(f"Книга «{label}» не загружена: {problem[0].lower()}{problem[1:]}.")
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(blob))
        sheets_meta = [(meta.name, str(meta.typ)) for meta in book.sheets_metadata]
    except PasswordError:
        raise _password(label) from None
    except BaseException as exc:  # noqa: BLE001 — calamine's errors and its Rust panics
        _reraise_interrupts(exc)
        raise corrupt(label, format_name) from None
    worksheets = [(i, name) for i, (name, typ) in enumerate(sheets_meta) if "Chart" not in typ]
    if not worksheets:
        raise SourceError(f"В книге «{label}» {format_name} нет ни одного листа.")
    tabs, budget, to_read = [], MAX_CELLS_PER_WORKBOOK, {}
    for index, name in worksheets:
        scan = scans[index] if index < len(scans) else None
        if scan is not None:
            problem = size_problem(name, scan.last_row, scan.width)
            budget -= scan.last_row * scan.width
            if problem or budget < 0:
                tabs.append(RawTab(name, problem=problem or _workbook_problem(name)))
                continue
        to_read[index] = len(tabs)
        tabs.append(None)
    # Every tab of a scanned .xlsx is known to fit before any is read: calamine builds them two at a
    # time (it lets go of the GIL while parsing), each thread with its own workbook and its own copy
    # of the bytes. .xls/.xlsb are judged one tab at a time, by calamine's range: read in order.
    sheets = _SheetsAhead(blob, list(to_read), book if fmt not in ("xlsx", "xlsm") else None)
    budget = MAX_CELLS_PER_WORKBOOK
    try:
        for index, at in to_read.items():
            name, scan = sheets_meta[index][0], (scans[index] if index < len(scans) else None)
            tab = _read_tab(sheets.get(index), name, label, format_name, budget if scan is None else None)
            if scan is not None:
                tab.unread, tab.merges = scan.unread, tab.merges or scan.merges
                if tab.broken:                     # the rows calamine failed on: the cells to blame
                    tab.broken = [(r, c, reason) for r, _, reason in tab.broken
                                  for c in (cells_beyond_the_calendar(blob, scan.part, r) or [None])]
            else:
                budget -= len(tab.rows) * max(map(len, tab.rows), default=0)
            tabs[at] = tab
    finally:
        sheets.close()
    return tabs


class _SheetsAhead:
    """calamine's sheets of the tabs to read, in order: with `book` (a format judged tab by tab), each
    built when asked for; without, built by two threads at most two tabs ahead of the one asked for.
    `get` gives the sheet, or the exception (a Rust panic included) building it raised."""

    AHEAD = 2

    def __init__(self, blob: bytes, indices: list[int], book=None):
        self.blob, self.indices, self.book = blob, indices, book
        self.local = threading.local()
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="calamine") if book is None else None
        self.pending: dict[int, Future] = {}
        self.next = 0

    def _build(self, index: int):
        from python_calamine import CalamineWorkbook
        try:
            book = self.book or getattr(self.local, "book", None)
            if book is None:
                book = self.local.book = CalamineWorkbook.from_filelike(io.BytesIO(self.blob))
            return book.get_sheet_by_index(index)
        except BaseException as exc:  # noqa: BLE001 — handed to the caller, who decides
            return exc

    def get(self, index: int):
        if self.pool is None:
            return self._build(index)
        while self.next < len(self.indices) and len(self.pending) < self.AHEAD + 1:
            ahead = self.indices[self.next]
            self.pending[ahead] = self.pool.submit(self._build, ahead)
            self.next += 1
        return self.pending.pop(index).result()

    def close(self) -> None:
        if self.pool is not None:
            for future in self.pending.values():
                future.cancel()
            self.pool.shutdown(wait=True)


def _workbook_problem(name: str) -> str:
    return (f"Вкладка «{name}» не загружена: вместе с предыдущими вкладками в книге больше "
            f"{format_number(MAX_CELLS_PER_WORKBOOK)} ячеек. Удалите лишние строки и столбцы или разделите "
            "данные на несколько книг")


def size_problem(tab: str, rows: int, cols: int) -> str | None:
    if rows > MAX_ROWS_PER_TAB:
        return (f"На вкладке «{tab}» {format_number(rows)} строк — больше допустимых "
                f"{format_number(MAX_ROWS_PER_TAB)}: вкладка не загружена. Удалите лишние строки (Ctrl+End в "
                "Excel показывает конец данных листа) или разделите данные на несколько книг")
    if rows * cols > MAX_CELLS_PER_TAB:
        return (f"На вкладке «{tab}» занят диапазон из {format_number(rows)} строк и {format_number(cols)} "
                f"столбцов ({format_number(rows * cols)} ячеек) — больше допустимых "
                f"{format_number(MAX_CELLS_PER_TAB)} ячеек: вкладка не загружена. Удалите лишние строки и "
                "столбцы (Ctrl+End в Excel показывает конец данных листа)")
    return None


def _reraise_interrupts(exc: BaseException) -> None:
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise exc


def _read_tab(sheet, name: str, label: str, format_name: str, budget: int | None) -> RawTab:
    """One tab's rows from A1 and its merged ranges, from calamine's `sheet` (or the exception building
    it raised). A calamine error means a damaged file (`SourceError`); a panic costs this tab only, or,
    while converting cells, only the rows it happened on, each reported. `budget`: the cells the
    workbook may still take, checked against the range calamine reports (for the formats whose XML
    was not scanned)."""
    from python_calamine import CalamineError

    try:
        if isinstance(sheet, BaseException):
            raise sheet
        merges = list(sheet.merged_cell_ranges or ())
        end = sheet.end                          # (last row, last column), 0-based; None when empty
    except CalamineError:
        raise corrupt(label, format_name) from None
    except BaseException as exc:  # noqa: BLE001 — a Rust panic: this tab only
        _reraise_interrupts(exc)
        return RawTab(name, problem=f"Вкладку «{name}» не удалось прочитать: программа чтения книг не справилась "
                                    "с её содержимым. Сохраните книгу заново в Excel или LibreOffice",
                      problem_code="tab.unreadable")
    if budget is not None and end:
        rows, cols = end[0] + 1, end[1] + 1
        problem = size_problem(name, rows, cols) or (_workbook_problem(name) if rows * cols > budget else None)
        if problem:
            return RawTab(name, problem=problem)
    try:
        return RawTab(name, sheet.to_python(skip_empty_area=False), merges=merges)
    except CalamineError:
        raise corrupt(label, format_name) from None
    except BaseException as exc:  # noqa: BLE001
        _reraise_interrupts(exc)
    rows, broken = _rows_past_panics(sheet)
    return RawTab(name, rows, merges=merges, broken=broken)


_BAD_VALUE = ("значение не удалось прочитать: вероятно, это число в формате даты за пределами календаря "
              "(например, −3 000 000 000 000). Исправьте значение или формат ячейки")


def _rows_past_panics(sheet) -> tuple[list[list], list[tuple[int, int | None, str]]]:
    """The tab's rows read one by one: a row whose conversion panics is left empty and reported."""
    start_row, start_col = sheet.start or (0, 0)
    rows: list[list] = [[] for _ in range(start_row)]
    broken = []
    pad = [""] * start_col
    it = sheet.iter_rows()
    for _ in range(sheet.height + 1):
        try:
            row = next(it)
        except StopIteration:
            break
        except BaseException as exc:  # noqa: BLE001
            _reraise_interrupts(exc)
            broken.append((len(rows), None, _BAD_VALUE))
            rows.append([])
            continue
        rows.append(pad + row if pad else row)
    return rows, broken

