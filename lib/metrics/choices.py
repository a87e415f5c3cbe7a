"""App-level helpers without Streamlit: the period selector's default (its choices are
`lib.model.periods.SELECTABLE_KINDS`), the year choices, and an empty workbook to show when the source
cannot be read (every page still renders, with guidance).
"""
from __future__ import annotations

from datetime import date, datetime

from lib.model.workbook import (ACTIVITY_COLUMNS, INSTITUTION_COLUMNS, MONITORING_COLUMNS, PLAN_COLUMNS, Settings, Workbook,
                       empty_frame)
from lib.model.periods import quarter_of
from lib.sources import GSHEET_PREFIX, SourceInfo, describe

def year_options(wb: Workbook) -> list[int]:
    """The plan year plus every year that has activity rows, newest first."""
    years = {int(wb.year)} | {int(y) for y in wb.activities["year"].dropna().unique()}
    return sorted(years, reverse=True)


def default_period_kind(wb: Workbook, year: int, today: date) -> str:
    """The latest quarter of `year`, not after today's quarter, that has activity rows; else today's
    quarter (the first quarter for a future year, the last for a past one)."""
    if today.year > year:
        current = 4
    elif today.year < year:
        return "Q1"
    else:
        current = quarter_of(today)
    acts = wb.activities[wb.activities["year"] == year]
    with_data = [int(q) for q in acts["quarter"].unique() if int(q) <= current]
    return f"Q{max(with_data) if with_data else current}"


def empty_workbook(spec: str) -> Workbook:
    """A workbook with no data, standing in for a source that could not be read."""
    kind = "gsheet" if spec.startswith(GSHEET_PREFIX) else "file"
    frame = empty_frame(ACTIVITY_COLUMNS)
    return Workbook(source=SourceInfo(kind, describe(spec), spec, datetime.now()), settings=Settings(),
                    institutions=empty_frame(INSTITUTION_COLUMNS), plan=empty_frame(PLAN_COLUMNS),
                    activities=frame.astype({"year": "int64", "quarter": "int64", "row": "int64"})
                    .assign(date=lambda f: f["date"].astype("datetime64[ns]")),
                    monitoring=empty_frame(MONITORING_COLUMNS), criteria=None)
