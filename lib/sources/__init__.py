"""Where raw tabs come from. One `read(spec_or_bytes, name)` for every kind of source; the kinds are
the table `KINDS` below — a spec prefix and the module that reads it (adding a kind is one module and
one line here):

* spreadsheet files (`lib.sources.spreadsheet`): .xlsx, .xlsm, .xlsb, .xls, .ods by path or as bytes,
  through python-calamine;
* Google Sheets (`lib.sources.gsheets`): `gsheet:<key>`;
* the last good snapshot of a Google Sheet (`lib.sources.snapshot`), served when Google is unavailable.

Every kind returns the same thing — a list of `RawTab` plus a `SourceInfo` — so nothing downstream
knows where the data came from.
"""
from __future__ import annotations

import os
from pathlib import Path

from lib.sources.base import GSHEET_PREFIX, RawTab, Reader, SourceError, SourceInfo, SourceUnavailable

__all__ = ["GSHEET_PREFIX", "KINDS", "RawTab", "Reader", "SourceError", "SourceInfo", "SourceUnavailable",
           "describe", "read", "revision"]


def _read_gsheet(key: str, label: str | None = None, **options):
    from lib.sources.gsheets import read_gsheet
    return read_gsheet(key.strip(), **options)


def _read_file(location, label: str | None = None, **_options):
    from lib.sources import spreadsheet
    return spreadsheet.read(location, label)


# spec prefix → reader; a spec with no known prefix (a path) or bytes is a spreadsheet file
KINDS: dict[str, Reader] = {GSHEET_PREFIX: _read_gsheet}


def read(source: str | os.PathLike | bytes, name: str | None = None, **options) -> tuple[list[RawTab], SourceInfo]:
    """Read a source: `gsheet:<key>`, a path to a spreadsheet file, or a file's bytes (`name`: the
    file name the user sees). Options go to the kind's reader (e.g. a gspread client for Google)."""
    if isinstance(source, str):
        for prefix, reader in KINDS.items():
            if source.startswith(prefix):
                return reader(source[len(prefix):], name, **options)
    return _read_file(source, name, **options)


def describe(spec: str) -> str:
    """What the user calls the source: «Google Таблица <key>» or the file name."""
    return f"Google Таблица {spec[len(GSHEET_PREFIX):]}" if spec.startswith(GSHEET_PREFIX) else Path(spec).name


def revision(spec: str) -> str:
    """What changes when the source changes — for cache keys. Google Sheets rely on the cache's TTL."""
    if spec.startswith(GSHEET_PREFIX):
        return spec
    try:
        stat = os.stat(spec)
    except OSError:
        return f"{spec}:missing"
    return f"{spec}:{stat.st_mtime_ns}:{stat.st_size}"
