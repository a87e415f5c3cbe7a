"""The one loader: a source (`gsheet:<key>`, a spreadsheet file's path or its uploaded bytes) → the
validated `Workbook`. Shared by the app (which caches it), the CLI and the tests.
"""
from __future__ import annotations

import os
from pathlib import Path

from lib import sources
from lib.model.workbook import Workbook
from lib.validate.parsing import build_workbook

SAMPLE_WORKBOOK = Path(__file__).resolve().parent.parent / "sample_data" / "omp_2026_demo.xlsx"


def load_workbook(source: str | os.PathLike | bytes, name: str | None = None, **options) -> Workbook:
    """Read and validate a workbook. Raises `SourceError` (Russian message) when it cannot be read."""
    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    return build_workbook(*sources.read(source, name, **options))
