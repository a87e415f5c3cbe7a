"""Status of each plan item on an `as_of` date: выполнено / в работе / просрочено / не начато.

How it is judged (also shown to users on the «План» page):
- *actual* — what the activity rows citing the item's number add up to by `as_of` (rows of the plan
  year; only the item's `Показатель` type when one is set; counting events, participants, specialists
  or institutions as `Считать` says);
- *required in total* — `Цель` for the year (×4 for a per-quarter target, ×12 per month); with no
  target, one activity per checkpoint;
- *required by as_of* — a per-quarter / per-month target for every quarter / month already ended;
  a yearly target or no target is spread evenly over the checkpoints already passed;
- выполнено: actual ≥ required in total; просрочено: a checkpoint has passed and actual < required
  by as_of; в работе: something is done; не начато: nothing done and nothing due yet.
A deadline that could not be parsed has no checkpoints: its yearly share falls due at the year end,
and the item is flagged «срок не распознан».
"""
from __future__ import annotations

import math
from datetime import date

from collections.abc import Iterable

import pandas as pd

from lib.metrics.counts import measure, target_over
from lib.metrics.selection import Rows, select_rows
from lib.model.workbook import Workbook

DONE, IN_PROGRESS, OVERDUE, NOT_STARTED = "выполнено", "в работе", "просрочено", "не начато"
STATUSES = (DONE, IN_PROGRESS, OVERDUE, NOT_STARTED)
STATUS_COLORS = {DONE: "#2e7d32", IN_PROGRESS: "#1565c0", OVERDUE: "#c62828", NOT_STARTED: "#9e9e9e"}

STATUS_COLUMNS = ["item", "section", "title", "deadline_text", "checkpoints", "parsed", "indicator", "count_what",
                  "target", "target_period", "required_total", "required_due", "actual", "progress", "status",
                  "next_checkpoint", "missed_checkpoints", "activity_rows"]


def _months_ended(as_of: date, year: int, per: str) -> int:
    """The months of `year` in the quarters (per «квартал») or months (per «месяц») that have fully
    ended before `as_of`."""
    if as_of.year > year:
        return 12
    if as_of.year < year:
        return 0
    months = as_of.month - 1               # months fully ended before this month
    return months - months % 3 if per == "квартал" else months


def item_rows(rows: Rows, item: str, indicator: str | None) -> Rows:
    """The rule for what counts toward a plan item: the rows that cite its number, of its
    «Показатель» type when one is set (the plan page, the overview, the summary and the report)."""
    cited = rows.citing(item)
    return cited.of_type(indicator) if isinstance(indicator, str) and indicator else cited


def item_requirements(item: pd.Series, year: int, as_of: date) -> tuple[int, int, list[date]]:
    """(required in total, required by as_of, checkpoints passed) for one plan item."""
    checkpoints: list[date] = list(item["checkpoints"] or [])
    passed = [d for d in checkpoints if d < as_of]
    target = item["target"]
    has_target = target is not None and not (isinstance(target, float) and math.isnan(target))
    period = item["target_period"]
    if has_target and period in ("квартал", "месяц"):
        return (int(target_over(target, period, 12)), int(target_over(target, period, _months_ended(as_of, year, period))),
                passed)
    total = int(target_over(target, "год", 12)) if has_target else max(1, len(checkpoints))
    if checkpoints:
        due = math.ceil(total * len(passed) / len(checkpoints))
    else:
        due = total if as_of > date(year, 12, 31) else 0
    return total, due, passed


def plan_status(wb: Workbook, as_of: date, institutions: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per plan item with its checkpoints, target, actual and status on `as_of`; `institutions`:
    count only the activity rows of these (None or empty: every institution's)."""
    plan = wb.plan
    if plan.empty:
        return pd.DataFrame(columns=STATUS_COLUMNS)
    year = wb.year
    done = select_rows(wb, year=year, until=as_of, institutions=tuple(institutions or ()))
    records = []
    for _, item in plan.iterrows():
        rows = item_rows(done, item["item"], item["indicator"])
        actual = measure(rows, item["count_what"])
        total, due, passed = item_requirements(item, year, as_of)
        if actual >= total:
            status = DONE
        elif due > 0 and actual < due:
            status = OVERDUE
        elif actual > 0:
            status = IN_PROGRESS
        else:
            status = NOT_STARTED
        upcoming = [d for d in item["checkpoints"] if d >= as_of]
        records.append({
            "item": item["item"], "section": item["section"], "title": item["title"],
            "deadline_text": item["deadline_text"], "checkpoints": list(item["checkpoints"]),
            "parsed": bool(item["deadline_parsed"]), "indicator": item["indicator"], "count_what": item["count_what"],
            "target": item["target"], "target_period": item["target_period"], "required_total": total,
            "required_due": due, "actual": actual, "progress": min(actual / total, 1.0) if total else 0.0,
            "status": status, "next_checkpoint": upcoming[0] if upcoming else None,
            "missed_checkpoints": passed if status == OVERDUE else [], "activity_rows": len(rows)})
    return pd.DataFrame(records, columns=STATUS_COLUMNS)


def matching_items(status: pd.DataFrame, statuses: Iterable[str] = (), sections: Iterable[str] = (),
                   query: str = "") -> pd.DataFrame:
    """The plan status rows of the chosen statuses and sections (none chosen: all) whose number or
    title contains `query` (case-insensitive)."""
    shown = status
    statuses, sections, q = list(statuses or []), list(sections or []), str(query or "").strip().lower()
    if statuses:
        shown = shown[shown["status"].isin(statuses)]
    if sections:
        shown = shown[shown["section"].isin(sections)]
    if q:
        shown = shown[shown["item"].str.lower().str.contains(q, regex=False) |
                      shown["title"].str.lower().str.contains(q, regex=False)]
    return shown


def status_counts(status: pd.DataFrame) -> dict[str, int]:
    counts = status["status"].value_counts() if len(status) else pd.Series(dtype=int)
    return {s: int(counts.get(s, 0)) for s in STATUSES}
