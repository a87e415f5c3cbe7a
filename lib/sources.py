"""Sources of raw tabs: an Excel workbook (path or uploaded bytes) or a Google Sheet.

Both produce the same thing — a list of `RawTab` (a grid anchored at A1) plus a `SourceInfo` — so
nothing downstream knows where the data came from.
"""
from __future__ import annotations

import io
import os
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor
import zipfile
import zlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from lib import xlsx_grid
from lib.cellgrid import CellGrid

GSHEET_PREFIX = "gsheet:"


class SourceError(Exception):
    """The source cannot be read at all. The message is Russian and meant for the user."""


class SourceUnavailable(SourceError):
    """The source exists but cannot be reached right now (Google quota, 5xx, timeouts): worth serving
    the last good snapshot (`lib.snapshot`) rather than nothing."""


class RawTab:
    """One tab's cells anchored at A1, as rows of values (`rows[r][c]` is cell (r+1, c+1); '' or None
    is empty) or as a `CellGrid`, whichever the source gave: the other is made from it when asked for."""

    def __init__(self, name: str, rows: list[list] | None = None, gid: int | None = None,
                 merges: list | None = None, problem: str | None = None, *, grid: CellGrid | None = None):
        self.name = name
        self.gid = gid                   # Google Sheets sheetId, for links to a cell
        self.merges = merges if merges is not None else []
        # merged ranges as ((first row, first col), (last row, last col)), 0-based and inclusive
        self.problem = problem           # the tab could not be read (too big): Russian, reported as an issue
        self._rows, self._grid = rows, grid
        # (row, column) of cells whose value could not be read (a formula saved without its result)
        self.unread: list[tuple[int, int]] = grid.unread if grid is not None else []

    @property
    def rows(self) -> list[list]:
        if self._rows is None:
            self._rows = self.grid.rows() if self._grid is not None else []
        return self._rows

    @property
    def grid(self) -> CellGrid:
        if self._grid is None:
            self._grid = CellGrid.from_rows(self.rows)
        return self._grid

    def __eq__(self, other) -> bool:
        if not isinstance(other, RawTab):
            return NotImplemented
        return (self.name, self.rows, self.gid, self.merges, self.problem) == \
            (other.name, other.rows, other.gid, other.merges, other.problem)

    __hash__ = None

    def __repr__(self) -> str:
        return f"RawTab({self.name!r}, problem={self.problem!r})"


class LazyTab(RawTab):
    """A tab of an .xlsx whose cells are read when first used and dropped again by `release()`.

    The loader parses one tab at a time and releases it, so only one tab's cells are in memory at
    once instead of all of them. Reading again after `release()` simply reads the tab again. A tab
    that turns out too big when read (its declared range understated it) gets no cells and its
    `problem`, with `late_problem` set."""

    def __init__(self, name: str, load):
        super().__init__(name)
        self._load = load                    # () → (CellGrid or rows, merges); may raise TabTooBig or SourceError
        self._read = False
        self.late_problem = False

    def _fetch(self) -> None:
        if not self._read:
            try:
                cells, self._merges = self._load()
            except TabTooBig as exc:
                cells, self._merges = [], []
                self.problem, self.late_problem = exc.tab_problem, True
            self._rows, self._grid = (None, cells) if isinstance(cells, CellGrid) else (cells, None)
            self.unread = cells.unread if isinstance(cells, CellGrid) else []
            self._read = True

    @property
    def rows(self) -> list[list]:
        self._fetch()
        return super().rows

    @property
    def grid(self) -> CellGrid:
        self._fetch()
        return super().grid

    @property
    def merges(self) -> list:
        self._fetch()
        return self._merges

    @merges.setter
    def merges(self, value) -> None:
        self._merges = value

    def release(self) -> None:
        if not self.late_problem:
            self._rows = self._grid = self._merges = None
            self._read = False


class TabTooBig(Exception):
    """A lazily read tab turned out bigger than the caps (its declared range understated it)."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.tab_problem = problem


@dataclass
class SourceInfo:
    kind: str                        # "xlsx" | "gsheet" | "upload"
    label: str                       # what the user sees: a file name or the sheet title
    location: str                    # path or spreadsheet key
    read_at: datetime = field(default_factory=datetime.now)
    url: str | None = None           # the Google Sheet's address

    def cell_url(self, gid: int | None, cell: str) -> str | None:
        """A link that opens exactly this cell of the Google Sheet (None for Excel)."""
        if self.kind != "gsheet" or gid is None:
            return None
        return f"https://docs.google.com/spreadsheets/d/{self.location}/edit#gid={gid}&range={cell}"


MAX_XLSX_BYTES = 50 * 1024 * 1024
# Caps on one tab, far above real data (28 tabs × 10 000 rows): a tab over them is not loaded and is
# reported as an issue instead of eating the server's memory.
MAX_ROWS_PER_TAB = 100_000
MAX_CELLS_PER_TAB = 5_000_000
# calamine allocates the used range densely *before* we can look at it: a 2-cell file with A1 and
# XFD1048576 asks for 512 GiB and aborts the process. So the range an .xlsx declares (<dimension>) is
# checked before loading; this limit is higher than MAX_CELLS_PER_TAB because the declared range also
# counts empty formatted cells, which calamine skips.
MAX_DECLARED_CELLS_PER_TAB = 20_000_000
MAX_UNZIPPED_BYTES = 2 * 1024 ** 3      # all parts of the .xlsx unpacked (a "zip bomb" guard)


def describe_source(spec: str) -> str:
    return f"Google Таблица {spec[len(GSHEET_PREFIX):]}" if spec.startswith(GSHEET_PREFIX) else Path(spec).name


def _n(number: int) -> str:
    """12 345 678 — digits grouped the Russian way (no-break spaces)."""
    return f"{number:,}".replace(",", "\u00a0")


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _check_xlsx_bytes(head: bytes, label: str, whole: bytes | None = None) -> None:
    """Recognise the files people upload by mistake before calamine gives an obscure error.

    `head` is the start of the file; `whole` (optional) the entire file, used to tell an encrypted
    workbook from an old .xls (both are OLE compound files)."""
    if not head:
        raise SourceError(f"Файл «{label}» пустой (0 байт). Выберите заполненную книгу Excel (.xlsx).")
    if head.startswith(_OLE_MAGIC[:4]):
        blob = whole if whole is not None else head
        if "EncryptedPackage".encode("utf-16-le") in blob or "EncryptionInfo".encode("utf-16-le") in blob:
            raise SourceError(f"Книга «{label}» защищена паролем. Откройте её в Excel, снимите пароль "
                              "(Файл → Сведения → Защитить книгу → Зашифровать с использованием пароля → "
                              "удалите пароль), сохраните и загрузите снова.")
        if "WordDocument".encode("utf-16-le") in blob:
            raise SourceError(f"Файл «{label}» — документ Word (.doc), а не книга Excel (.xlsx).")
        raise SourceError(
            f"Файл «{label}» — в старом формате Excel 97–2003 (.xls) или защищён паролем. "
            "Откройте его в Excel и сохраните как «Книга Excel (.xlsx)» без пароля.")
    if head.startswith(b"PK"):
        return
    if head.startswith(b"%PDF"):
        raise SourceError(f"Файл «{label}» не является книгой Excel (.xlsx): это документ PDF.")
    sample = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if sample.startswith((b"<html", b"<!doctype", b"<table", b"<?xml")):
        raise SourceError(f"Файл «{label}» не является книгой Excel (.xlsx): это веб-страница или XML (так "
                          "некоторые программы сохраняют «Excel»). Откройте его в Excel и сохраните как "
                          "«Книга Excel (.xlsx)».")
    if b"\x00" not in head:
        raise SourceError(f"Файл «{label}» не является книгой Excel (.xlsx): это текстовый файл (например, "
                          "CSV). Откройте его в Excel и сохраните как «Книга Excel (.xlsx)».")
    raise SourceError(f"Файл «{label}» не является книгой Excel (.xlsx). "
                      "Сохраните таблицу в формате .xlsx и загрузите снова.")


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?\"")
_WIDE_REF = re.compile(rb' r="([A-Z]{2,3})\d')        # a cell in column AA or further
_DIGITS = re.compile(rb"\d+")
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters.decode("ascii"):
        n = n * 26 + ord(ch) - 64
    return n


def _declared_size(zf: zipfile.ZipFile, part: str) -> tuple[int, int]:
    """(rows, columns) of a worksheet counted from A1: its <dimension>, or, when a writer left that
    out, measured by streaming through the part: the last row number, and the widest cell reference
    beyond column Z (rarely present, so cheap to search for)."""
    with zf.open(part) as fh:
        head = fh.read(8192)
        m = _DIMENSION.search(head)
        if m:
            last_col, last_row = (m[3], m[4]) if m[3] else (m[1], m[2])
            return int(last_row), _col_number(last_col)
        rows = cols = 0
        chunk, tail = head, b""
        while chunk:
            text = tail + chunk
            at = text.rfind(b'row r="')
            if at >= 0:
                digits = _DIGITS.match(text, at + 7)
                if digits:
                    rows = max(rows, int(digits[0]))
            for letters in _WIDE_REF.findall(text):
                cols = max(cols, _col_number(letters))
            tail = text[-32:]
            chunk = fh.read(1 << 20)
        return rows, max(cols, 26 if rows else 0)


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Tab name → worksheet part ("xl/worksheets/sheet1.xml") from workbook.xml and its rels."""
    try:
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") or "" for r in rels}
        book = ET.fromstring(zf.read("xl/workbook.xml"))
    except (KeyError, ET.ParseError):
        return {}
    out = {}
    for el in book.iter():
        if el.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        target = targets.get(el.get(f"{{{_REL_NS}}}id"), "")
        part = target.lstrip("/") if target.startswith("/") else "xl/" + target
        out[el.get("name") or ""] = os.path.normpath(part).replace(os.sep, "/")
    return out


def _size_problem(tab: str, rows: int, cols: int, limit_cells: int | None = None) -> str | None:
    limit_cells = MAX_CELLS_PER_TAB if limit_cells is None else limit_cells
    if rows > MAX_ROWS_PER_TAB:
        return (f"На вкладке «{tab}» {_n(rows)} строк — больше допустимых {_n(MAX_ROWS_PER_TAB)}: вкладка не "
                "загружена. Удалите лишние строки (Ctrl+End в Excel показывает конец данных листа) "
                "или разделите данные на несколько книг")
    if rows * cols > limit_cells:
        return (f"На вкладке «{tab}» занят диапазон из {_n(rows)} строк и {_n(cols)} столбцов ({_n(rows * cols)} "
                f"ячеек) — больше допустимых {_n(limit_cells)} ячеек: вкладка не загружена. Удалите лишние "
                "строки и столбцы (Ctrl+End в Excel показывает конец данных листа)")
    return None


def _inspect_zip(source: io.BytesIO | str, label: str) -> tuple[dict[str, str], dict[str, str]]:
    """Check that a zip is an .xlsx workbook; returns (tab name → problem for tabs too big to open,
    tab name → worksheet part)."""
    try:
        with zipfile.ZipFile(source) as zf:
            names = set(zf.namelist())
            if "mimetype" in names:
                kind = zf.read("mimetype")[:100].decode("ascii", "replace").strip()
                if kind == "application/vnd.oasis.opendocument.spreadsheet":
                    raise SourceError(f"Файл «{label}» — в формате OpenDocument (.ods), а не Excel (.xlsx). "
                                      "Откройте его (LibreOffice Calc или Excel) и сохраните как «Книга Excel (.xlsx)».")
                if kind.startswith("application/vnd.oasis.opendocument"):
                    raise SourceError(f"Файл «{label}» — документ OpenDocument ({kind.rsplit('.', 1)[-1]}), "
                                      "а не книга Excel (.xlsx).")
            if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
                if "word/document.xml" in names:
                    raise SourceError(f"Файл «{label}» — документ Word (.docx), а не книга Excel (.xlsx).")
                if "ppt/presentation.xml" in names:
                    raise SourceError(f"Файл «{label}» — презентация PowerPoint (.pptx), а не книга Excel (.xlsx).")
                raise SourceError(f"Файл «{label}» — zip-архив, но не книга Excel (.xlsx): внутри нет листов "
                                  "книги. Распакуйте архив и загрузите сам файл .xlsx.")
            infos = zf.infolist()
            if sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES:
                raise SourceError(f"Книга «{label}» после распаковки занимает больше "
                                  f"{MAX_UNZIPPED_BYTES // 1024 ** 3} ГБ — такую книгу загрузить нельзя. "
                                  "Удалите лишние листы, строки и картинки.")
            if "xl/workbook.xml" not in names:
                return {}, {}
            problems = {}
            parts = _sheet_parts(zf)
            for tab, part in parts.items():
                if part in names:
                    rows, cols = _declared_size(zf, part)
                    problem = _size_problem(tab, rows, cols, MAX_DECLARED_CELLS_PER_TAB)
                    if problem:
                        problems[tab] = problem
            return problems, parts
    except SourceError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError):
        raise SourceError(f"Файл «{label}» повреждён (возможно, скачан или скопирован не полностью): это не "
                          f"читаемая книга Excel (.xlsx). Сохраните книгу заново и загрузите снова.") from None
    finally:
        if isinstance(source, io.BytesIO):
            source.seek(0)


def read_xlsx(data: str | os.PathLike | bytes, label: str | None = None, *,
              lazy: bool = False) -> tuple[list[RawTab], SourceInfo]:
    """Read every tab of an .xlsx file (a path or its bytes) as raw grids: with the fast reader of
    `lib.xlsx_grid` where it applies, else with python-calamine (both give the same grid).

    `lazy`: tabs are `LazyTab`s, read when first used (the loader reads, parses and releases one
    tab at a time); the caps on the declared range are checked here, those on the cells read when
    the tab is read (a tab too big then gets its `problem`), and a corrupt tab raises `SourceError`
    when read."""
    from python_calamine import CalamineWorkbook

    if isinstance(data, (bytes, bytearray)):
        label = label or "загруженный файл"
        if len(data) > MAX_XLSX_BYTES:
            raise SourceError(f"Файл «{label}» слишком большой ({len(data) / 1048576:.0f} МБ); "
                              f"допустимо не больше {MAX_XLSX_BYTES // 1048576} МБ.")
        _check_xlsx_bytes(bytes(data[:4096]), label, bytes(data) if data[:4] == _OLE_MAGIC[:4] else None)
        buffer: io.BytesIO | str = io.BytesIO(data)
        info = SourceInfo("upload", label, label)
        opener = CalamineWorkbook.from_filelike
    else:
        path = Path(data)
        label = label or path.name
        if not path.exists():
            raise SourceError(f"Файл «{path}» не найден.")
        if path.is_dir():
            raise SourceError(f"«{path}» — это папка, а не файл .xlsx.")
        with open(path, "rb") as fh:
            head = fh.read(4096)
            _check_xlsx_bytes(head, label, head + fh.read(MAX_XLSX_BYTES) if head[:4] == _OLE_MAGIC[:4] else None)
        buffer = str(path)
        info = SourceInfo("xlsx", label, str(path))
        opener = CalamineWorkbook.from_path
    try:
        too_big, parts = _inspect_zip(buffer, label)
        book = _Book(buffer, opener, label, parts, not_read=set(too_big))
        names = book.sheet_names()
        tabs = []
        for name in names:
            problem = too_big.get(name)
            if problem is None and lazy:
                tabs.append(LazyTab(name, lambda name=name: book.load(name)))
                continue
            if problem is None:
                try:
                    cells, merges = book.load(name)
                    tabs.append(RawTab(name, None, None, merges, grid=cells) if isinstance(cells, CellGrid)
                                else RawTab(name, cells, None, merges))
                    continue
                except TabTooBig as exc:
                    problem = exc.tab_problem
            tabs.append(RawTab(name, [], None, [], problem=problem))
    except SourceError:
        raise
    except Exception as exc:  # calamine raises its own error types for every kind of corrupt file
        raise _unreadable(exc, label) from None
    if not tabs:
        raise SourceError(f"В книге «{label}» нет ни одного листа.")
    return tabs, info


def _unreadable(exc: Exception, label: str) -> SourceError:
    text = str(exc).lower()
    if "password" in text or "encrypt" in text:
        return SourceError(f"Книга «{label}» защищена паролем. Снимите пароль и загрузите снова.")
    if ".ods" in label.lower() or "ods" in text:
        return SourceError(f"Файл «{label}» в формате OpenDocument (.ods). Сохраните его как .xlsx.")
    return SourceError(f"Файл «{label}» повреждён или не является книгой Excel (.xlsx).")


class _Book:
    """An open .xlsx: each tab is read by the fast reader (`lib.xlsx_grid`) when it can, else by
    calamine, which is opened only if some tab needs it. One tab is read at a time (a lock: an open
    zip or calamine workbook must not be read by two threads at once)."""

    def __init__(self, buffer: io.BytesIO | str, opener, label: str, parts: dict[str, str],
                 not_read: set[str] = frozenset()):
        self.label, self._opener, self._buffer = label, opener, buffer
        self._calamine = None
        self._lock = threading.Lock()
        self._zip = zipfile.ZipFile(buffer)
        self._parts = parts                  # tab name → worksheet part, as `_inspect_zip` found them
        try:
            self._fast = xlsx_grid.FastWorkbook(self._zip)
        except (xlsx_grid.Unsupported, KeyError):
            self._fast = None
        # The next worksheet is unzipped in the background while the caller parses the one it has:
        # zlib and crc32 run without the GIL, so this takes the unzipping off the critical path.
        self._unzipped: dict[str, Future] = {}
        self._unzipper: ThreadPoolExecutor | None = None
        to_read = [part for tab, part in parts.items() if tab not in not_read]     # (not the tabs too big to load)
        self._next_part = dict(zip(to_read, to_read[1:]))
        self._unzipped_once: set[str] = set()

    def _calamine_book(self):
        if self._calamine is None:
            if isinstance(self._buffer, io.BytesIO):
                self._buffer.seek(0)
            self._calamine = self._opener(self._buffer)
        return self._calamine

    def sheet_names(self) -> list[str]:
        parts = self._parts
        if self._fast is not None and parts and all(p.startswith("xl/worksheets/") for p in parts.values()):
            return list(parts)
        return list(self._calamine_book().sheet_names)

    def load(self, name: str) -> tuple[CellGrid | list[list], list]:
        """(cells, merges) of one tab, checked against the caps; raises `TabTooBig` or `SourceError`."""
        def check_size(rows: int, cols: int) -> None:
            problem = _size_problem(name, rows, cols)
            if problem:
                raise TabTooBig(problem)

        with self._lock:
            try:
                part = self._parts.get(name)
                if self._fast is not None and part is not None:
                    xml = self._unzip(part)
                    try:
                        return self._fast.sheet(part, check_size, xml)
                    except xlsx_grid.Unsupported:
                        pass                          # something the fast reader leaves to calamine
                sheet = self._calamine_book().get_sheet_by_name(name)
                end = sheet.end                      # (last row, last col), 0-based; None when empty
                if end:
                    check_size(end[0] + 1, end[1] + 1)
                return sheet.to_python(skip_empty_area=False), list(sheet.merged_cell_ranges or ())
            except (TabTooBig, SourceError):
                raise
            except Exception as exc:  # noqa: BLE001 — calamine's own error types, zlib errors of a corrupt part
                raise _unreadable(exc, self.label) from None


    def _unzip(self, part: str) -> bytes:
        """The part's bytes, unzipped ahead of time if it was asked for in order; the next part is
        then unzipped in the background."""
        ahead = self._unzipped.pop(part, None)
        self._unzipped_once.add(part)
        following = self._next_part.get(part)
        if following is not None and following not in self._unzipped and following not in self._unzipped_once:
            if self._unzipper is None:
                self._unzipper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="unzip")
            self._unzipped[following] = self._unzipper.submit(self._zip.read, following)
            self._unzipped_once.add(following)
        elif following is None and self._unzipper is not None:
            self._unzipper.shutdown(wait=False)       # the last part: the worker thread may end
            self._unzipper = None
        return ahead.result() if ahead is not None else self._zip.read(part)


def read_source(spec: str, **gsheet_options) -> tuple[list[RawTab], SourceInfo]:
    """Read a source given as an `.xlsx` path or `gsheet:<key>`."""
    if spec.startswith(GSHEET_PREFIX):
        from lib.gsheets import read_gsheet
        return read_gsheet(spec[len(GSHEET_PREFIX):].strip(), **gsheet_options)
    return read_xlsx(spec)
