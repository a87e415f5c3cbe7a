"""Who lags behind for a period: the institutions whose «Готово к отправке» checklist
(`lib.metrics.readiness`) has a red line — errors on its tab, monitoring figures left blank (blank is
not zero), a quarter with no activities and no «мероприятий не было» mark, or activities citing plan
items the plan does not have — each with the cells to fix and the contacts from «Учреждения».
The letters to them are `lib.report.reminders`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from lib.metrics import readiness
from lib.metrics.readiness import ACTIVITIES, ERRORS, MONITORING, PLAN_ITEMS, Checklist
from lib.model.periods import Period
from lib.model.workbook import Workbook
from lib.russian import quarters_text


class CellError(NamedTuple):
    tab: str
    cell: str | None
    message: str


@dataclass
class Laggard:
    institution: str
    tab: str | None
    responsible: str = ""
    contacts: str = ""
    no_activities: list[int] = field(default_factory=list)               # quarters without any row or mark
    blank_indicators: dict[str, list[int]] = field(default_factory=dict)   # indicator → blank quarters
    errors: list[CellError] = field(default_factory=list)                 # in the order of the issues
    unknown_items: list[CellError] = field(default_factory=list)          # rows citing items not in the plan
    checklist: Checklist | None = None                                    # what all of the above comes from

    @property
    def error_count(self) -> int:
        return len(self.errors)

    @property
    def summary(self) -> str:
        """One line for lists: «ошибок: 2; не заполнено показателей: 3; нет мероприятий: II квартал»."""
        parts = []
        if self.tab is None:
            parts.append("нет вкладки")
        if self.error_count:
            parts.append(f"ошибок: {self.error_count}")
        if self.blank_indicators:
            parts.append(f"не заполнено показателей: {len(self.blank_indicators)}")
        if self.no_activities:
            parts.append(f"нет мероприятий: {quarters_text(self.no_activities)}")
        if self.unknown_items:
            parts.append(f"пунктов не из плана: {len(self.unknown_items)}")
        return "; ".join(parts)


def laggard_of(wb: Workbook, cl: Checklist) -> Laggard:
    """The laggard a checklist describes (its red lines), with the contacts from «Учреждения»."""
    rows = wb.institutions[wb.institutions["institution"] == cl.institution]
    row = rows.iloc[0] if len(rows) else None
    lag = Laggard(cl.institution, cl.tab, "" if row is None else str(row["responsible"] or ""),
                  "" if row is None else str(row["contacts"] or ""), checklist=cl)
    for line in cl.red_lines:
        if line.key == ERRORS:
            lag.errors = [CellError(f.tab, f.cell or None, f.text) for f in line.fixes]
        elif line.key == MONITORING:
            for f in line.fixes:
                lag.blank_indicators.setdefault(f.subject, []).append(f.quarter)
        elif line.key == ACTIVITIES:
            lag.no_activities = list(line.quarters)
        elif line.key == PLAN_ITEMS:
            lag.unknown_items = [CellError(f.tab, f.cell or None, f.text) for f in line.fixes]
    return lag


def find_laggards(wb: Workbook, period: Period, institutions: list[str] | None = None,
                  as_of: date | None = None, assessment: readiness.Assessment | None = None) -> list[Laggard]:
    """Institutions (the chosen ones, else all) whose checklist for the period has a red line.

    `as_of`: which quarters are checked (those begun by then); None checks every quarter of the period.
    `assessment`: `readiness.assess(wb, period.year, as_of)` when the caller already has it."""
    chosen = list(institutions or []) or wb.institution_names
    if assessment is None:
        assessment = readiness.assess(wb, period.year, as_of or period.end, chosen)
    out = []
    for inst in chosen:
        if inst not in assessment.facts:
            continue
        cl = assessment.checklist(inst, period)
        if cl.red_lines:
            out.append(laggard_of(wb, cl))
    return out
