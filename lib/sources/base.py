"""What every source gives: raw tabs (`RawTab`), a description of where they came from (`SourceInfo`),
the two errors a source may raise, and the `Reader` protocol each kind of source implements.

Nothing here knows a file format or an API; `lib.sources` keeps the table of kinds.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

GSHEET_PREFIX = "gsheet:"


class SourceError(Exception):
    """The source cannot be read at all. The message is Russian and meant for the user."""


class SourceUnavailable(SourceError):
    """The source exists but cannot be reached right now (Google quota, 5xx, timeouts): worth serving
    the last good snapshot (`lib.sources.snapshot`) rather than nothing."""


@dataclass
class RawTab:
    """One tab's cells anchored at A1: `rows[r][c]` is cell (r+1, c+1); '' or None is empty."""
    name: str
    rows: list[list] = field(default_factory=list)
    gid: int | None = None           # Google Sheets sheetId, for links to a cell
    merges: list = field(default_factory=list)
    # merged ranges as ((first row, first col), (last row, last col)), 0-based and inclusive
    problem: str | None = None       # the tab could not be read (too big, unreadable): Russian, an issue
    problem_code: str | None = None  # its rule (`lib.validate.rules`): "tab.unreadable"; None — "tab.too_big"
    # (row, column) of cells whose value could not be read: a formula saved without its result
    unread: list[tuple[int, int]] = field(default_factory=list)
    # (row, column or None, Russian reason) of cells the reader failed on; the row's other cells are
    # read where the reader allows it
    broken: list[tuple[int, int | None, str]] = field(default_factory=list)

    __hash__ = None


@dataclass
class SourceInfo:
    kind: str                        # "file" | "upload" | "gsheet"
    label: str                       # what the user sees: a file name or the sheet title
    location: str                    # path or spreadsheet key
    read_at: datetime = field(default_factory=datetime.now)
    url: str | None = None           # the Google Sheet's address
    format: str = ""                 # the file's format: "xlsx", "xlsm", "xlsb", "xls", "ods" ("" for Google)

    def cell_url(self, gid: int | None, cell: str) -> str | None:
        """A link that opens exactly this cell of the Google Sheet (None for a file)."""
        if self.kind != "gsheet" or gid is None:
            return None
        return f"https://docs.google.com/spreadsheets/d/{self.location}/edit#gid={gid}&range={cell}"


class Reader(Protocol):
    """A kind of source: reads everything it holds as raw tabs, or raises `SourceError`."""

    def __call__(self, location, label: str | None = None, **options) -> tuple[list[RawTab], SourceInfo]: ...


def user_file(source: str | os.PathLike | bytes, label: str | None, *, what: str, max_bytes: int,
              error: type[Exception] = SourceError) -> tuple[bytes, str, str | None]:
    """A file the user gave — a path or uploaded bytes — as (its bytes, the name the user sees, its path
    or None), with a Russian `error` when it is missing, a folder or over `max_bytes`. `what`: what the
    file should be, for the messages («файл книги»)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        blob, label, location = bytes(source), label or "загруженный файл", None
        size = len(blob)
    else:
        path = Path(source)
        label, location = label or path.name, str(path)
        if not path.exists():
            raise error(f"Файл «{path}» не найден.")
        if path.is_dir():
            raise error(f"«{path}» — это папка, а не {what}.")
        size = path.stat().st_size
    if size > max_bytes:
        raise error(f"Файл «{label}» слишком большой ({size / 1048576:.0f} МБ); допустимо не больше "
                    f"{max_bytes // 1048576} МБ.")
    try:
        return (blob if location is None else Path(location).read_bytes()), label, location
    except OSError as exc:
        raise error(f"Файл «{label}» не удалось прочитать: {exc.strerror or exc}.") from None
