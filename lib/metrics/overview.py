"""The director's overview: plan status counts with the overdue items, this period's headline
activity counts against plan targets with the change from the previous period, who has reported,
and how many data errors are open — for the chosen period, institutions and as-of date.

Everything here is computed with `lib.metrics.counts` / `lib.metrics.plan_status`, so the page, the tests and the
report agree on every number.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Iterable

import pandas as pd

from lib.model.contract import ACTIVITY_GROUPS
from lib.metrics.counts import NOTHING, PARTLY, completeness, counts_by_group, period_targets, select_activities
from lib.model.workbook import ERROR, WARNING, Workbook
from lib.model.periods import Period
from lib.metrics.plan_status import OVERDUE, plan_status, status_counts


@dataclass(frozen=True)
class GroupFigure:
    group: str                 # «Консультации», «Семинары», «Публикации», «Материалы»
    count: int
    previous: int | None       # None: the workbook has no data for the previous period
    target: float | None       # the plan's target for the whole ОМП for this period

    @property
    def delta(self) -> int | None:
        return None if self.previous is None else self.count - self.previous

    @property
    def share(self) -> float | None:
        """count / target (may exceed 1)."""
        return self.count / self.target if self.target else None


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


def has_data_for(wb: Workbook, period: Period) -> bool:
    """Whether the workbook covers a period: it is in the plan year, or some activity row is dated in it."""
    if period.year == wb.year:
        return True
    return not select_activities(wb, period).empty


def scoped_issues(wb: Workbook, institutions: Iterable[str] | None) -> pd.DataFrame:
    """Issues of the chosen institutions (all issues — workbook-level ones included — when none chosen)."""
    chosen = list(institutions or [])
    return wb.issues[wb.issues["institution"].isin(chosen)] if chosen else wb.issues


def reporting_state(wb: Workbook, period: Period, institutions: Iterable[str] | None = None,
                    year_matrix: pd.DataFrame | None = None) -> pd.DataFrame:
    """Completeness (institution × quarter of the period) for the chosen institutions. `year_matrix`:
    `completeness(wb, period.year)` when the caller already has it (a cached copy)."""
    matrix = completeness(wb, period.year, period.quarters) if year_matrix is None \
        else year_matrix[list(period.quarters)]
    chosen = list(institutions or [])
    if chosen:
        matrix = matrix.loc[[i for i in matrix.index if i in set(chosen)]]
    return matrix


def build_overview(wb: Workbook, period: Period, institutions: Iterable[str] | None, as_of: date,
                   status: pd.DataFrame | None = None, year_matrix: pd.DataFrame | None = None) -> Overview:
    chosen = list(institutions or [])
    status = plan_status(wb, as_of) if status is None else status
    acts = select_activities(wb, period, chosen)
    counts = counts_by_group(acts)
    prev_period = period.previous()
    prev_counts = counts_by_group(select_activities(wb, prev_period, chosen)) if has_data_for(wb, prev_period) \
        else None
    targets = period_targets(wb, period)
    groups = [GroupFigure(g, counts[g], None if prev_counts is None else prev_counts[g], targets.get(g))
              for g in ACTIVITY_GROUPS]

    matrix = reporting_state(wb, period, chosen, year_matrix)
    nothing = (matrix == NOTHING).any(axis=1) if len(matrix) else pd.Series(dtype=bool)
    partly = ((matrix == PARTLY).any(axis=1) & ~nothing) if len(matrix) else pd.Series(dtype=bool)
    issues = scoped_issues(wb, chosen)
    return Overview(
        period=period, previous_period=prev_period, institutions=chosen,
        status_counts=status_counts(status),
        overdue=status[status["status"] == OVERDUE].reset_index(drop=True),
        groups=groups, activities_total=len(acts),
        reported=int((~nothing).sum()) if len(matrix) else 0, institutions_total=len(matrix),
        not_reported=list(matrix.index[nothing]) if len(matrix) else [],
        partly=list(matrix.index[partly]) if len(matrix) else [],
        errors=int((issues["severity"] == ERROR).sum()), warnings=int((issues["severity"] == WARNING).sum()))


def overdue_text(row: pd.Series) -> str:
    """«2.2 Не менее 15 буклетов — нужно 13 к дате, сделано 6; пропущен срок 31.10.2026»."""
    missed = list(row["missed_checkpoints"] or [])
    when = f"; пропущен срок {missed[-1].strftime('%d.%m.%Y')}" if missed else ""
    return f"{row['item']} {row['title']} — нужно {row['required_due']} к дате, сделано {row['actual']}{when}"
