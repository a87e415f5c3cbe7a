"""Who lags behind for a period, and a ready-to-send Russian reminder for each of them.

A laggard is an institution whose «Готово к отправке» checklist for the period (`lib.metrics.readiness`) has a
red line: errors on its tab, monitoring figures left blank (blank is not zero), a quarter with no
activities and no «мероприятий не было» mark, or activities citing plan items the plan does not have.
The reminder lists exactly those red lines, each with its cells (with a link for a Google Sheet).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from lib.metrics import readiness
from lib.model.workbook import Workbook
from lib.model.periods import Period
from lib.metrics.readiness import ACTIVITIES, ERRORS, MONITORING, PLAN_ITEMS, Checklist
from lib.russian import ERROR_FORMS, IN_ROW_FORMS, ROW_FORMS, format_date_numeric, plural, quarters_text

MAX_LISTED_ERRORS = 10


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


def reply_by(as_of: date, working_days: int = 3) -> date:
    """The date `working_days` working days (Mon–Fri) after `as_of`."""
    day = as_of
    left = working_days
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def _cells(wb: Workbook, items: list[CellError], forms: tuple[str, str, str]) -> list[str]:
    lines = []
    for err in items[:MAX_LISTED_ERRORS]:
        cell = f"{err.tab}!{err.cell}" if err.cell else f"вкладка «{err.tab}»"
        link = wb.cell_url(err.tab, err.cell) if err.cell else None
        lines.append(f"  – {cell}: {err.message}" + (f" ({link})" if link else ""))
    if len(items) > MAX_LISTED_ERRORS:
        rest = len(items) - MAX_LISTED_ERRORS
        lines.append(f"  – и ещё {plural(rest, forms)}.")
    return lines


def reminder_text(wb: Workbook, lag: Laggard, period: Period, as_of: date, deadline: date | None = None) -> str:
    """A polite, specific reminder in Russian, ready to paste into an e-mail or messenger: one bullet
    per red line of the institution's checklist, in the checklist's order, and nothing else."""
    deadline = deadline or reply_by(as_of)
    omp = wb.settings.omp_name or "ОМП"
    name = lag.responsible.split(",")[0].strip()     # «Комарова В.О., психолог» → «Комарова В.О.»
    greeting = f"Добрый день, {name}!" if name else "Добрый день!"
    where = f"на вкладке «{lag.tab}»" if lag.tab else f"для учреждения «{lag.institution}»"
    lines = [f"Тема: данные ОМП за {period.label} — {lag.institution}", "", greeting, "",
             f"По состоянию на {format_date_numeric(as_of)} в общей таблице ОМП {where} за {period.label} "
             "не хватает данных:"]
    red = [line.key for line in lag.checklist.red_lines] if lag.checklist is not None else \
        [k for k, on in ((ERRORS, lag.errors), (MONITORING, lag.blank_indicators), (ACTIVITIES, lag.no_activities),
                         (PLAN_ITEMS, lag.unknown_items)) if on]
    for key in red:
        if key == ERRORS:
            n = lag.error_count
            lines.append(f"• {plural(n, ERROR_FORMS)} в заполнении — исправьте ячейки:")
            lines += _cells(wb, lag.errors, ERROR_FORMS)
        elif key == MONITORING:
            lines.append("• не заполнены показатели мониторинга (пустая ячейка — не ноль, укажите 0, если значение "
                         "нулевое):")
            for indicator, qs in lag.blank_indicators.items():
                lines.append(f"  – «{indicator}» — {quarters_text(qs)};")
        elif key == ACTIVITIES:
            if lag.tab is None:
                lines.append(f"• в таблице нет вкладки «{lag.institution}» — создайте её по образцу других вкладок "
                             f"и внесите мероприятия за {quarters_text(lag.no_activities)};")
            else:
                lines.append(f"• не внесено ни одного мероприятия за {quarters_text(lag.no_activities)} (если "
                             "мероприятий не было, добавьте в блок «Мероприятия» строку: в «Тема / содержание» — "
                             "«мероприятий не было», в «Дата» — любой день квартала);")
        elif key == PLAN_ITEMS:
            n = len(lag.unknown_items)
            lines.append(f"• в {plural(n, IN_ROW_FORMS)} указан пункт, которого нет в "
                         "плане работы, — исправьте номер пункта:")
            lines += _cells(wb, lag.unknown_items, ROW_FORMS)
    lines += ["", f"Пожалуйста, внесите данные до {format_date_numeric(deadline)}."]
    if wb.source.url:
        lines.append(f"Таблица: {wb.source.url}")
    lines += ["", "С уважением,", omp]
    return "\n".join(lines)
