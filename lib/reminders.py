"""Who lags behind for a period, and a ready-to-send Russian reminder for each of them.

A laggard is an institution that, in the quarters of the period, has no activity rows, left
monitoring figures blank (blank is not zero), or has errors on its tab. The reminder names the tab,
the quarters, the indicators and every erroneous cell (with a link for a Google Sheet).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from lib.model import ERROR, Workbook
from lib.periods import Period
from lib.views import fmt_date, plural, quarters_text

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
    no_activities: list[int] = field(default_factory=list)               # quarters without any row
    blank_indicators: dict[str, list[int]] = field(default_factory=dict)   # indicator → blank quarters
    errors: list[CellError] = field(default_factory=list)                 # in the order of the issues

    @property
    def error_count(self) -> int:
        return len(self.errors)

    @property
    def summary(self) -> str:
        """One line for lists: «нет мероприятий: II квартал; пустых показателей: 3; ошибок: 2»."""
        parts = []
        if self.tab is None:
            parts.append("нет вкладки")
        if self.no_activities:
            parts.append(f"нет мероприятий: {quarters_text(self.no_activities)}")
        if self.blank_indicators:
            parts.append(f"не заполнено показателей: {len(self.blank_indicators)}")
        if self.error_count:
            parts.append(f"ошибок: {self.error_count}")
        return "; ".join(parts)


def find_laggards(wb: Workbook, period: Period, institutions: list[str] | None = None) -> list[Laggard]:
    """Institutions (the chosen ones, else all) with something missing or wrong for the period."""
    chosen = list(institutions or []) or wb.institution_names
    quarters = list(period.quarters)
    acts = wb.activities
    pairs = acts.loc[(acts["year"] == period.year) & acts["quarter"].isin(quarters), ["institution", "quarter"]]
    pairs = pairs.drop_duplicates()
    has_acts = set(zip(pairs["institution"], pairs["quarter"]))
    monitoring_year = period.year == wb.year
    mon = wb.monitoring[wb.monitoring["quarter"].isin(quarters)]
    filled = set(zip(mon.dropna(subset=["value"])["institution"], mon.dropna(subset=["value"])["indicator"],
                     mon.dropna(subset=["value"])["quarter"]))
    info: dict[str, dict] = {}                 # institution → its first row of «Учреждения» (plain lookups)
    for record in wb.institutions.to_dict("records"):
        info.setdefault(record["institution"], record)
    errors = wb.issues.loc[wb.issues["severity"] == ERROR]
    errors_of: dict[str, list[CellError]] = {}
    for inst, tab, cell, message in zip(errors["institution"], errors["tab"], errors["cell"], errors["message"]):
        errors_of.setdefault(inst, []).append(CellError(tab, cell, message))
    out = []
    for inst in chosen:
        row = info.get(inst)
        tab = None if row is None or not isinstance(row["tab"], str) else row["tab"]
        lag = Laggard(inst, tab, "" if row is None else str(row["responsible"] or ""),
                      "" if row is None else str(row["contacts"] or ""))
        lag.no_activities = [q for q in quarters if (inst, q) not in has_acts]
        if monitoring_year:
            for ind in wb.indicators:
                blank = [q for q in quarters if (inst, ind.name, q) not in filled]
                if blank:
                    lag.blank_indicators[ind.name] = blank
        lag.errors = errors_of.get(inst, [])
        if lag.tab is None or lag.no_activities or lag.blank_indicators or lag.error_count:
            out.append(lag)
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


def reminder_text(wb: Workbook, lag: Laggard, period: Period, as_of: date, deadline: date | None = None) -> str:
    """A polite, specific reminder in Russian, ready to paste into an e-mail or messenger."""
    deadline = deadline or reply_by(as_of)
    omp = wb.settings.omp_name or "ОМП"
    name = lag.responsible.split(",")[0].strip()     # «Комарова В.О., психолог» → «Комарова В.О.»
    greeting = f"Добрый день, {name}!" if name else "Добрый день!"
    where = f"на вкладке «{lag.tab}»" if lag.tab else f"для учреждения «{lag.institution}»"
    lines = [f"Тема: данные ОМП за {period.label} — {lag.institution}", "", greeting, "",
             f"По состоянию на {fmt_date(as_of)} в общей таблице ОМП {where} за {period.label} "
             "не хватает данных:"]
    if lag.tab is None:
        lines.append(f"• в таблице нет вкладки «{lag.institution}» — создайте её по образцу других вкладок;")
    if lag.no_activities:
        lines.append(f"• не внесено ни одного мероприятия за {quarters_text(lag.no_activities)} "
                     "(если мероприятий не было, напишите об этом в ответ);")
    if lag.blank_indicators:
        lines.append("• не заполнены показатели мониторинга (пустая ячейка — не ноль, укажите 0, если значение "
                     "нулевое):")
        for name, qs in lag.blank_indicators.items():
            lines.append(f"  – «{name}» — {quarters_text(qs)};")
    if lag.error_count:
        n = lag.error_count
        lines.append(f"• {n} {plural(n, ('ошибка', 'ошибки', 'ошибок'))} в заполнении — исправьте ячейки:")
        for err in lag.errors[:MAX_LISTED_ERRORS]:
            cell = f"{err.tab}!{err.cell}" if err.cell else f"вкладка «{err.tab}»"
            link = wb.cell_url(err.tab, err.cell) if err.cell else None
            lines.append(f"  – {cell}: {err.message}" + (f" ({link})" if link else ""))
        if n > MAX_LISTED_ERRORS:
            rest = n - MAX_LISTED_ERRORS
            lines.append(f"  – и ещё {rest} {plural(rest, ('ошибка', 'ошибки', 'ошибок'))}.")
    lines += ["", f"Пожалуйста, внесите данные до {fmt_date(deadline)}."]
    if wb.source.url:
        lines.append(f"Таблица: {wb.source.url}")
    lines += ["", "С уважением,", omp]
    return "\n".join(lines)
