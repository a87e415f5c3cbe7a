"""The Excel summary that goes with the report: activity counts per institution × quarter and type,
monitoring figures, plan status — formatted through `lib.export.excel` (header style, widths,
frozen panes, number formats; every text cell written as text, so nothing runs as a formula).
"""
from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime

import pandas as pd
from openpyxl import Workbook as XlsxWorkbook
from openpyxl.styles import Alignment, Font, PatternFill

from lib.model.contract import ACTIVITY_TYPE_NAMES, MonitoringIndicator
from lib.export.excel import add_sheet
from lib.metrics.counts import monitoring_period_values, region_totals, select_activities
from lib.model.workbook import Workbook
from lib.model.periods import ROMAN, Period
from lib.metrics.plan_status import STATUS_COLORS, plan_status
from lib.report.draft import as_of_for, scope_label
from lib.russian import format_date_numeric

TOTAL_FONT = Font(bold=True)
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
WRAP = Alignment(wrap_text=True, vertical="top")
ALL = "Все учреждения"


def _quarter_label(q: int, year: int) -> str:
    return f"{ROMAN[q]} квартал {year}"


def counts_frame(wb: Workbook, period: Period, institutions: list[str]) -> pd.DataFrame:
    """Institution × quarter rows (zeros included), a column per activity type, «Всего»; then the
    totals per quarter and for the period."""
    acts = select_activities(wb, period, institutions)
    scope = institutions or wb.institution_names
    grouped = acts.groupby(["institution", "quarter", "type"]).size() if len(acts) else pd.Series(dtype=int)
    by_quarter = acts.groupby(["quarter", "type"]).size() if len(acts) else pd.Series(dtype=int)
    by_type = acts["type"].value_counts() if len(acts) else pd.Series(dtype=int)
    records = []
    for inst in scope:
        for q in period.quarters:
            row = {"Учреждение": inst, "Квартал": _quarter_label(q, period.year)}
            for t in ACTIVITY_TYPE_NAMES:
                row[t] = int(grouped.get((inst, q, t), 0))
            records.append(row)
    for q in period.quarters:
        row = {"Учреждение": f"{ALL} — итого", "Квартал": _quarter_label(q, period.year)}
        for t in ACTIVITY_TYPE_NAMES:
            row[t] = int(by_quarter.get((q, t), 0))
        records.append(row)
    if len(period.quarters) > 1:
        row = {"Учреждение": f"{ALL} — итого", "Квартал": period.label}
        for t in ACTIVITY_TYPE_NAMES:
            row[t] = int(by_type.get(t, 0))
        records.append(row)
    frame = pd.DataFrame(records, columns=["Учреждение", "Квартал", *ACTIVITY_TYPE_NAMES])
    frame["Всего"] = frame[list(ACTIVITY_TYPE_NAMES)].sum(axis=1)
    return frame


def monitoring_frame(wb: Workbook, period: Period, institutions: list[str]) -> pd.DataFrame:
    """Institution × indicator with the quarters of the period and the period figure, then the
    region figure per indicator («По области»: sum, or mean for percentages)."""
    scope = institutions or wb.institution_names
    mon = wb.monitoring
    mon = mon[mon["quarter"].between(period.first_quarter, period.last_quarter) & mon["institution"].isin(scope)]
    per_q = mon.set_index(["institution", "indicator", "quarter"])["value"]
    per_q = per_q[~per_q.index.duplicated()]
    values = monitoring_period_values(wb, period, scope)
    period_value = values.set_index(["institution", "indicator"])["value"] if len(values) else pd.Series(dtype=float)
    q_cols = [_quarter_label(q, period.year) for q in period.quarters]
    known = {i.name for i in wb.indicators}
    extra = [MonitoringIndicator(n) for n in pd.unique(mon["indicator"]) if n not in known]   # «учтён как есть»
    indicators = (*wb.indicators, *extra)
    q_totals = {q: region_totals(monitoring_period_values(wb, Period(period.year, q, q), scope), indicators)
                for q in period.quarters}
    totals = region_totals(values, indicators)
    records = []
    for ind in indicators:
        for inst in scope:
            row = {"Учреждение": inst, "Показатель": ind.name, "Ед.": ind.unit}
            for q, col in zip(period.quarters, q_cols):
                v = per_q.get((inst, ind.name, q))
                row[col] = None if v is None or pd.isna(v) else float(v)
            v = period_value.get((inst, ind.name))
            row["За период"] = None if v is None or pd.isna(v) else float(v)
            records.append(row)
    region = "По области" if not institutions else "По выбранным учреждениям"
    for ind in indicators:
        row = {"Учреждение": region, "Показатель": ind.name, "Ед.": ind.unit}
        for q, col in zip(period.quarters, q_cols):
            row[col] = q_totals[q].get(ind.name)
        row["За период"] = totals.get(ind.name)
        records.append(row)
    return pd.DataFrame(records, columns=["Учреждение", "Показатель", "Ед.", *q_cols, "За период"])


def plan_frame(wb: Workbook, institutions: list[str], as_of: date) -> pd.DataFrame:
    """Plan status on `as_of`, counting only the activity rows of the chosen institutions."""
    scoped = wb if not institutions else replace(wb, activities=wb.activities[wb.activities["institution"].isin(institutions)])
    status = plan_status(scoped, as_of)
    columns = ["№", "Раздел", "Мероприятие", "Сроки", "Контрольные даты", "Вид мероприятия", "Цель", "Период цели",
               "Требуется на дату", "Требуется за год", "Факт", "Выполнение", "Статус"]
    records = []
    for s in status.itertuples():
        target = s.target if s.target is not None and s.target == s.target else None
        records.append({
            "№": s.item, "Раздел": s.section, "Мероприятие": s.title, "Сроки": s.deadline_text,
            "Контрольные даты": ", ".join(format_date_numeric(d) for d in s.checkpoints) or "срок не распознан",
            "Вид мероприятия": s.indicator or "", "Цель": target, "Период цели": s.target_period or "",
            "Требуется на дату": int(s.required_due), "Требуется за год": int(s.required_total),
            "Факт": int(s.actual), "Выполнение": float(s.progress), "Статус": s.status})
    return pd.DataFrame(records, columns=columns)


def info_frame(wb: Workbook, period: Period, institutions: list[str], as_of: date) -> pd.DataFrame:
    s = wb.settings
    rows = [("ОМП", s.omp_name), ("Тема", s.topic), ("Период", period.label),
            ("Учреждения", scope_label(institutions)), ("Статус плана на дату", format_date_numeric(as_of)),
            ("Источник данных", wb.source.label),
            ("Сформировано", datetime.now().strftime("%d.%m.%Y %H:%M"))]
    return pd.DataFrame(rows, columns=["Параметр", "Значение"])


def _style_totals(ws, frame: pd.DataFrame, column: str, prefixes: tuple[str, ...]) -> None:
    for r, value in enumerate(frame[column], start=2):
        if isinstance(value, str) and value.startswith(prefixes):
            for cell in ws[r]:
                cell.font, cell.fill = TOTAL_FONT, TOTAL_FILL


def summary_xlsx_bytes(wb: Workbook, period: Period, institutions: list[str] | None = None,
                       as_of: date | None = None) -> bytes:
    """The summary workbook's bytes for a period and scope (None or empty: all institutions)."""
    chosen = list(institutions or [])
    as_of = as_of or as_of_for(period)
    book = XlsxWorkbook()
    book.remove(book.active)

    info = info_frame(wb, period, chosen, as_of)
    add_sheet(book, "Сведения", info, widths={"Параметр": 24, "Значение": 80})

    counts = counts_frame(wb, period, chosen)
    add_sheet(book, "Мероприятия", counts, number_formats={c: "0" for c in [*ACTIVITY_TYPE_NAMES, "Всего"]},
              widths={"Учреждение": 34, "Квартал": 18, **{t: 13 for t in ACTIVITY_TYPE_NAMES}, "Всего": 10})
    ws = book["Мероприятия"]
    ws.freeze_panes = "C2"
    ws.row_dimensions[1].height = 45
    _style_totals(ws, counts, "Учреждение", (ALL,))
    for cell in ws[1]:
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")

    mon = monitoring_frame(wb, period, chosen)
    add_sheet(book, "Мониторинг", mon, widths={"Учреждение": 30, "Показатель": 60, "Ед.": 7})
    ws = book["Мониторинг"]
    ws.freeze_panes = "C2"
    units = list(mon["Ед."])
    for r, unit in enumerate(units, start=2):
        fmt = '0.0" %"' if str(unit).strip() == "%" else "#,##0.##"
        for c in range(4, mon.shape[1] + 1):
            ws.cell(row=r, column=c).number_format = fmt
        ws.cell(row=r, column=2).alignment = WRAP
    _style_totals(ws, mon, "Учреждение", ("По области", "По выбранным"))

    plan = plan_frame(wb, chosen, as_of)
    add_sheet(book, "План", plan, number_formats={"Выполнение": "0%", "Цель": "0", "Факт": "0",
                                                 "Требуется на дату": "0", "Требуется за год": "0"},
              widths={"№": 7, "Раздел": 24, "Мероприятие": 60, "Сроки": 24, "Контрольные даты": 24,
                      "Вид мероприятия": 16, "Цель": 8, "Период цели": 10, "Требуется на дату": 11,
                      "Требуется за год": 11, "Факт": 8, "Выполнение": 11, "Статус": 13})
    ws = book["План"]
    ws.freeze_panes = "C2"
    for r in range(2, len(plan) + 2):
        for c in (2, 3, 4, 5):
            ws.cell(row=r, column=c).alignment = WRAP
        status_cell = ws.cell(row=r, column=plan.shape[1])
        color = STATUS_COLORS.get(status_cell.value)
        if color:
            status_cell.font = Font(bold=True, color=color.lstrip("#"))

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def summary_file_name(period: Period, institutions: list[str] | tuple[str, ...] = ()) -> str:
    """«Сводка_ОМП_2026_1кв.xlsx»."""
    from lib.report.docx import report_file_name
    return report_file_name(period, institutions, ext="xlsx", stem="Сводка_ОМП")
