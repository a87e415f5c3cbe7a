"""A ready-to-send Russian reminder for each laggard of a period (`lib.metrics.laggards`: whose
«Готово к отправке» checklist has a red line). The reminder lists exactly those red lines, each with
its cells (with a link for a Google Sheet), and asks for the data by a date.
"""
from __future__ import annotations

from datetime import date, timedelta

from lib.metrics.laggards import CellError, Laggard
from lib.metrics.readiness import ACTIVITIES, ERRORS, MONITORING, PLAN_ITEMS
from lib.model.periods import Period
from lib.model.workbook import Workbook
from lib.russian import ERROR_FORMS, IN_ROW_FORMS, ROW_FORMS, format_date_numeric, plural, quarters_text

MAX_LISTED_ERRORS = 10


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
