"""Google Sheets side of the benchmark: the real gspread client against the local fake server
(tests/fake_sheets.py), counting API requests for workbooks of N institution tabs."""
from __future__ import annotations

from datetime import date

from bench.workbooks import workbook_tabs

_EPOCH = date(1899, 12, 30)


def _as_google(value):
    """What the API returns with UNFORMATTED_VALUE + SERIAL_NUMBER: dates as serial day numbers."""
    return (value - _EPOCH).days if isinstance(value, date) else value


def fake_tabs(n_tabs: int, rows: int) -> dict[str, list[list]]:
    return {name: [[_as_google(v) for v in row] for row in grid] for name, grid, _ in workbook_tabs(n_tabs, rows)}


def count_requests(n_tabs: int, rows: int = 20) -> dict:
    """Read an N-tab Google Sheet through `lib.sources.gsheets.read_gsheet` and parse it; the request count."""
    from lib.sources.gsheets import read_gsheet
    from lib.validate.parsing import build_workbook
    from tests.fake_sheets import FakeSheets, make_client

    with FakeSheets() as fake:
        fake.tabs = fake_tabs(n_tabs, rows)
        tabs, info = read_gsheet(fake.key, client=make_client(fake))
        wb = build_workbook(tabs, info)
        return {"tabs": len(tabs), "requests": fake.requests, "paths": sorted(set(fake.paths)),
                "activities": len(wb.activities), "institutions": len(wb.institution_names)}
