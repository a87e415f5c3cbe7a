"""The one loader: a source spec (`.xlsx` path or `gsheet:<key>`) or uploaded bytes → `Workbook`.

Shared by the app (which caches it), the CLI and the tests.
"""
from __future__ import annotations

import os
from pathlib import Path

from lib.model import Workbook
from lib.parsing import build_workbook
from lib.sources import GSHEET_PREFIX, read_source, read_xlsx

SAMPLE_WORKBOOK = Path(__file__).resolve().parent.parent / "sample_data" / "omp_2026_demo.xlsx"


def load_workbook(spec: str | os.PathLike, **gsheet_options) -> Workbook:
    """Read and validate a workbook. Raises `SourceError` (Russian message) when it cannot be read."""
    spec = str(spec)
    if spec.startswith(GSHEET_PREFIX):
        tabs, info = read_source(spec, **gsheet_options)
    else:
        tabs, info = read_xlsx(spec, lazy=True)     # one tab's cells in memory at a time
    return build_workbook(tabs, info)


def load_workbook_bytes(data: bytes, label: str) -> Workbook:
    """An uploaded `.xlsx`."""
    tabs, info = read_xlsx(data, label, lazy=True)
    return build_workbook(tabs, info)


def source_revision(spec: str) -> str:
    """What changes when the source changes — for cache keys. Google Sheets rely on the cache's TTL."""
    if spec.startswith(GSHEET_PREFIX):
        return spec
    try:
        stat = os.stat(spec)
    except OSError:
        return f"{spec}:missing"
    return f"{spec}:{stat.st_mtime_ns}:{stat.st_size}"
