"""The director's overview: plan status counts with the overdue items, this period's headline
activity counts with the change from the previous period, who has reported, and how many data
errors are open — for one `Selection` (period, institutions, as-of date).

The cards show counts, not a comparison with the plan: an item's plan target is judged by the rows
that cite it (`lib.metrics.plan_status`, the «План» page). Every number comes from `lib.metrics.counts`
/ `lib.metrics.plan_status`, so the page, the tests, the summary and the report agree.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from lib.metrics.counts import (NOTHING, PARTLY, counts_by_group, issue_counts, previous_group_counts,
                                reporting_state)
from lib.metrics.plan_status import OVERDUE, plan_status, status_counts
from lib.metrics.selection import Selection, select_rows
from lib.model.contract import ACTIVITY_GROUPS
from lib.model.periods import Period
from lib.model.workbook import ERROR, WARNING, Workbook


@dataclass(frozen=True)
class GroupFigure:
    group: str                 # «Консультации», «Семинары», «Публикации», «Материалы»
    count: int
    previous: int | None       # None: the workbook has no data for the previous period

    @property
    def delta(self) -> int | None:
        return None if self.previous is None else self.count - self.previous


@dataclass
class Overview:
    period: Period
    previous_period: Period
    institutions: list[str]                  # the chosen ones (empty: all)
    status_counts: dict[str, int]
    overdue: pd.DataFrame                    # plan_status rows that are overdue
    groups: list[GroupFigure]
    activities_total: int
    reported: int                            # institutions with something in every quarter of the period
    institutions_total: int
    not_reported: list[str] = field(default_factory=list)    # nothing at all in some quarter
    partly: list[str] = field(default_factory=list)          # something, but not everything
    errors: int = 0
    warnings: int = 0
    plan_items: int = 0                      # items of the plan (0: no plan loaded)

    @property
    def fully_reported(self) -> int:
        """Institutions with activities and every monitoring figure in every quarter of the period."""
        return self.reported - len(self.partly)

    @property
    def not_reported_total(self) -> int:
        return len(self.not_reported)

    @property
    def partly_total(self) -> int:
        return len(self.partly)


def build_overview(wb: Workbook, period: Period, institutions: Iterable[str] | None, as_of: date,
                   status: pd.DataFrame | None = None, year_matrix: pd.DataFrame | None = None) -> Overview:
    """The overview of a period and institutions (None or empty: all) on `as_of`; `status` (plan
    status on `as_of`) and `year_matrix` (`completeness` of the period's year) when the caller
    already has them."""
    sel = Selection(period, tuple(institutions or ()), as_of)
    status = plan_status(wb, sel.judged_on) if status is None else status
    rows = select_rows(wb, sel)
    counts = counts_by_group(rows)
    previous = previous_group_counts(wb, sel)
    groups = [GroupFigure(g, counts[g], None if previous is None else previous[g]) for g in ACTIVITY_GROUPS]

    matrix = reporting_state(wb, sel, year_matrix)
    nothing = (matrix == NOTHING).any(axis=1) if len(matrix) else pd.Series(dtype=bool)
    partly = ((matrix == PARTLY).any(axis=1) & ~nothing) if len(matrix) else pd.Series(dtype=bool)
    issues = issue_counts(wb, sel.institutions)
    return Overview(
        period=sel.period, previous_period=sel.period.previous(), institutions=list(sel.institutions),
        status_counts=status_counts(status),
        overdue=status[status["status"] == OVERDUE].reset_index(drop=True),
        groups=groups, activities_total=len(rows),
        reported=int((~nothing).sum()) if len(matrix) else 0, institutions_total=len(matrix),
        not_reported=list(matrix.index[nothing]) if len(matrix) else [],
        partly=list(matrix.index[partly]) if len(matrix) else [],
        errors=issues[ERROR], warnings=issues[WARNING], plan_items=len(status))


def overdue_text(row: pd.Series) -> str:
    """«2.2 Не менее 15 буклетов — нужно 13 к дате, сделано 6; пропущен срок 31.10.2026»."""
    missed = list(row["missed_checkpoints"] or [])
    when = f"; пропущен срок {missed[-1].strftime('%d.%m.%Y')}" if missed else ""
    return f"{row['item']} {row['title']} — нужно {row['required_due']} к дате, сделано {row['actual']}{when}"
