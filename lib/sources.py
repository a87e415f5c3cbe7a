"""Sources of raw tabs: an Excel workbook (path or uploaded bytes) or a Google Sheet.

Both produce the same thing — a list of `RawTab` (a grid anchored at A1) plus a `SourceInfo` — so
nothing downstream knows where the data came from.
"""
from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

GSHEET_PREFIX = "gsheet:"


class SourceError(Exception):
    """The source cannot be read at all. The message is Russian and meant for the user."""


@dataclass
class RawTab:
    name: str
    rows: list[list]                 # rows[r][c] is the value of cell (r+1, c+1); '' / None is empty
    gid: int | None = None           # Google Sheets sheetId, for links to a cell
    merges: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    # merged ranges as ((first row, first col), (last row, last col)), 0-based and inclusive


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


def describe_source(spec: str) -> str:
    return f"Google Таблица {spec[len(GSHEET_PREFIX):]}" if spec.startswith(GSHEET_PREFIX) else Path(spec).name


def _check_xlsx_bytes(head: bytes, label: str) -> None:
    """Recognise the files people upload by mistake before calamine gives an obscure error."""
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise SourceError(
            f"Файл «{label}» — в старом формате Excel 97–2003 (.xls) или защищён паролем. "
            "Откройте его в Excel и сохраните как «Книга Excel (.xlsx)» без пароля.")
    if not head.startswith(b"PK"):
        raise SourceError(f"Файл «{label}» не является книгой Excel (.xlsx). "
                          "Сохраните таблицу в формате .xlsx и загрузите снова.")


def read_xlsx(data: str | os.PathLike | bytes, label: str | None = None) -> tuple[list[RawTab], SourceInfo]:
    """Read every tab of an .xlsx file (a path or its bytes) as raw grids with python-calamine."""
    from python_calamine import CalamineWorkbook

    if isinstance(data, (bytes, bytearray)):
        label = label or "загруженный файл"
        if len(data) > MAX_XLSX_BYTES:
            raise SourceError(f"Файл «{label}» слишком большой ({len(data) / 1048576:.0f} МБ); "
                              f"допустимо не больше {MAX_XLSX_BYTES // 1048576} МБ.")
        _check_xlsx_bytes(bytes(data[:8]), label)
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
            _check_xlsx_bytes(fh.read(8), label)
        buffer = str(path)
        info = SourceInfo("xlsx", label, str(path))
        opener = CalamineWorkbook.from_path
    try:
        if isinstance(buffer, io.BytesIO) and not zipfile.is_zipfile(buffer):
            raise SourceError(f"Файл «{label}» повреждён: это не книга Excel (.xlsx).")
        workbook = opener(buffer)
        names = workbook.sheet_names
        tabs = []
        for name in names:
            sheet = workbook.get_sheet_by_name(name)
            tabs.append(RawTab(name, sheet.to_python(skip_empty_area=False), None,
                               list(sheet.merged_cell_ranges or ())))
    except SourceError:
        raise
    except Exception as exc:  # calamine raises its own error types for every kind of corrupt file
        text = str(exc).lower()
        if "password" in text or "encrypt" in text:
            raise SourceError(f"Книга «{label}» защищена паролем. Снимите пароль и загрузите снова.") from None
        if ".ods" in label.lower() or "ods" in text:
            raise SourceError(f"Файл «{label}» в формате OpenDocument (.ods). Сохраните его как .xlsx.") from None
        raise SourceError(f"Файл «{label}» повреждён или не является книгой Excel (.xlsx).") from None
    if not tabs:
        raise SourceError(f"В книге «{label}» нет ни одного листа.")
    return tabs, info


def read_source(spec: str, **gsheet_options) -> tuple[list[RawTab], SourceInfo]:
    """Read a source given as an `.xlsx` path or `gsheet:<key>`."""
    if spec.startswith(GSHEET_PREFIX):
        from lib.gsheets import read_gsheet
        return read_gsheet(spec[len(GSHEET_PREFIX):].strip(), **gsheet_options)
    return read_xlsx(spec)
