"""The benchmark machinery at a toy size: it runs end to end and writes a table with every row.
Timings themselves are the benchmark's business, not the tests'."""
from __future__ import annotations

import zipfile

from bench.run import Config, run_benchmark
from bench.workbooks import workbook_path
from lib.loader import load_workbook


def test_generated_workbook_is_deterministic_and_loads(tmp_path):
    a = workbook_path(3, 20, tmp_path / "a")
    b = workbook_path(3, 20, tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as zf:
        assert "xl/sharedStrings.xml" in zf.namelist()
    wb = load_workbook(a)
    assert len(wb.institution_names) == 3 and set(wb.tab_summary["has_monitoring"]) == {True}
    acc = wb.accounting
    assert acc.rows_total == acc.rows_loaded + acc.rows_rejected and acc.rows_loaded > 0


def test_benchmark_writes_every_row(tmp_path):
    out = tmp_path / "results.md"
    logged = []
    result = run_benchmark(Config(sizes=[20], tabs=3, repeat=1, out=out, cache_dir=tmp_path / "cache",
                                  log=logged.append))
    text = out.read_text(encoding="utf-8")
    assert text == result.markdown
    from bench.workbooks import WRITERS
    for writer in WRITERS:                               # a row per writer and format
        assert f"| {WRITERS[writer]} |" in text, writer
    for row in ("## Cold load + validation, every writer", "## Goals",
                "| 5 | 8 | 2 |", "| 28 | 31 | 2 |", "| 100 | 103 | 2 |",
                "## Memory: loading 3 × 20", "Sheets: requests per read ≤ 3 whatever the number of tabs"):
        assert row in text, row
    dashboard = "## Dashboard: warm rerun of each page after a filter change"
    assert dashboard in text
    from bench.app_rerun import discover_pages
    for page in discover_pages():                       # every page of app.py has its row
        assert f"| {page.removeprefix('app_pages/')} |" in text, page
    assert "## Word report for the whole year" in text
    assert "| **report, total** |" in text or "not there yet" in text
    assert any(status in ("PASS", "FAIL") for _g, _m, status in result.goals)
