"""Display-ready tables for the dashboard pages: Russian column names, numbers and dates as text
(from `lib.russian`).

Pure pandas (no Streamlit): the pages only call these and draw. They format and reshape; every count
comes from `lib.metrics.counts`. Every function accepts empty
inputs and returns an empty frame with the same columns, so pages can show an empty state instead of
failing.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import date

import pandas as pd

from lib.model.contract import ACTIVITY_TYPE_NAMES
from lib.metrics import counts as metrics
from lib.metrics.counts import NOTHING, PARTLY, REPORTED, activity_counts
from lib.metrics.selection import Selection
from lib.model.workbook import SEVERITY_RU, Workbook
from lib.model.periods import Period
from lib.russian import format_date_numeric, format_dates_numeric, format_number, quarter_label, quarters_text

COMPLETENESS_COLORS = {REPORTED: "#c8e6c9", PARTLY: "#fff3c4", NOTHING: "#ffcdd2"}


def source_text(wb: Workbook, escape: Callable[[str], str] = str) -> str:
    """«Данные: файл «omp.xlsx» · прочитаны 22.11.2026 в 09:41». `escape`: applied to the source's name
    (a file name or a Google Sheet's title), e.g. the app's Markdown escape."""
    src = wb.source
    kind = {"file": "файл", "upload": "загруженный файл", "gsheet": "Google Таблица"}.get(src.kind, "источник")
    return f"Данные: {kind} «{escape(src.label)}» · прочитаны {src.read_at.strftime('%d.%m.%Y в %H:%M')}"


# --------------------------------------------------------------------------- plan

PLAN_TABLE_COLUMNS = ["№", "Мероприятие", "Статус", "Выполнение", "Факт", "Нужно к дате", "Цель", "Сроки",
                      "Контрольные даты", "Ближайший срок", "Раздел", "Строк"]
_PER = {"квартал": "в квартал", "месяц": "в месяц", "год": "в год"}


def _target_text(row) -> str:
    target = row["target"]
    if target is None or (isinstance(target, float) and math.isnan(target)):
        return f"{row['required_total']} (по числу сроков)"
    what = row["count_what"] or "мероприятия"
    unit = {"мероприятия": "", "участники": " участн.", "специалисты": " спец.", "учреждения": " учрежд."}.get(what, "")
    return f"{format_number(target)}{unit} {_PER.get(row['target_period'], '')}".strip()


def plan_table(status: pd.DataFrame) -> pd.DataFrame:
    """`plan_status()` → the «План» page table (progress in percent 0–100)."""
    if status.empty:
        return pd.DataFrame(columns=PLAN_TABLE_COLUMNS)
    out = pd.DataFrame({
        "№": status["item"],
        "Раздел": status["section"].fillna(""),
        "Мероприятие": status["title"],
        "Сроки": status["deadline_text"].fillna(""),
        "Контрольные даты": [format_dates_numeric(c) if p else "срок не распознан"
                             for c, p in zip(status["checkpoints"], status["parsed"])],
        "Цель": [_target_text(r) for _, r in status.iterrows()],
        "Нужно к дате": status["required_due"].astype(int),
        "Факт": status["actual"].astype(int),
        "Выполнение": (status["progress"].astype(float) * 100).round(0),
        "Статус": status["status"],
        "Ближайший срок": pd.to_datetime(status["next_checkpoint"]),
        "Строк": status["activity_rows"].astype(int),
    })
    return out[PLAN_TABLE_COLUMNS].reset_index(drop=True)


def plan_timeline(status: pd.DataFrame, as_of: date | None = None, max_title: int = 48) -> pd.DataFrame:
    """One row per checkpoint: item label, date, status, and whether it has passed by `as_of` (for the
    Gantt-like chart)."""
    cols = ["Пункт", "Порядок", "Дата", "Статус", "Срок", "Начало", "Конец", "Мероприятие", "Этап"]
    records = []
    for order, (_, row) in enumerate(status.iterrows()):
        checkpoints = list(row["checkpoints"] or [])
        if not checkpoints:
            continue
        title = str(row["title"])
        short = title if len(title) <= max_title else title[: max_title - 1].rstrip() + "…"
        for day in checkpoints:
            records.append({"Пункт": f"{row['item']} {short}", "Порядок": order, "Дата": pd.Timestamp(day),
                            "Статус": row["status"], "Срок": format_date_numeric(day),
                            "Начало": pd.Timestamp(checkpoints[0]), "Конец": pd.Timestamp(checkpoints[-1]),
                            "Мероприятие": f"{row['item']}. {title}",
                            "Этап": "прошла" if as_of is not None and day < as_of else "впереди"})
    return pd.DataFrame(records, columns=cols)


# --------------------------------------------------------------------------- activities

ACTIVITY_TABLE_COLUMNS = ["Учреждение", "Дата", "Квартал", "Вид мероприятия", "Как записано", "Пункт плана",
                          "Тема / содержание", "Участников", "Специалистов", "Учреждений", "Ссылка", "Примечание",
                          "Вкладка", "Строка"]
def activities_table(acts: pd.DataFrame) -> pd.DataFrame:
    """Activity rows for display and export, sorted by date then institution."""
    if acts.empty:
        out = pd.DataFrame({c: pd.Series(dtype="object") for c in ACTIVITY_TABLE_COLUMNS})
        out["Дата"] = pd.Series(dtype="datetime64[ns]")
        return out
    acts = acts.sort_values(["date", "institution", "row"], kind="stable")
    out = pd.DataFrame({
        "Учреждение": acts["institution"],
        "Дата": pd.to_datetime(acts["date"]),
        "Квартал": acts["quarter"].map({q: quarter_label(q) for q in range(1, 5)}),
        "Вид мероприятия": acts["type"],
        "Как записано": acts["type_raw"],
        "Пункт плана": acts["plan_item"],
        "Тема / содержание": acts["topic"],
        "Участников": acts["participants"],
        "Специалистов": acts["specialists"],
        "Учреждений": acts["institutions_count"],
        "Ссылка": acts["link"].where(acts["link"].astype("string").str.match(r"https?://", na=False)),
        "Примечание": acts["note"],
        "Вкладка": acts["tab"],
        "Строка": acts["row"],
    })
    return out.reset_index(drop=True)


def _counted(acts: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Counts per `keys` of an `activity_counts()` frame (activity rows are counted by it first)."""
    counts = acts if "count" in acts.columns else activity_counts(acts)
    return counts.groupby(keys, sort=False)["count"].sum()


def counts_long(acts: pd.DataFrame, by: str) -> pd.DataFrame:
    """Activity counts per `by` (institution / quarter) and canonical type, long form for charts.
    `acts`: activity rows or their `activity_counts()`."""
    cols = [by, "type", "count"]
    if acts.empty:
        return pd.DataFrame(columns=cols)
    out = _counted(acts, [by, "type"]).reset_index(name="count")
    out = out[out["count"] > 0]
    order = {t: i for i, t in enumerate(ACTIVITY_TYPE_NAMES)}
    return out.sort_values([by, "type"], key=lambda s: s.map(order) if s.name == "type" else s)[cols] \
        .reset_index(drop=True)


def pivot_counts(acts: pd.DataFrame, by: str, index_values: list | None = None) -> pd.DataFrame:
    """A table `by` × canonical type (+ «Всего»), zero rows kept for `index_values`.
    `acts`: activity rows or their `activity_counts()`."""
    if acts.empty and not index_values:
        return pd.DataFrame()
    table = _counted(acts, [by, "type"]).unstack("type", fill_value=0).sort_index() \
        if not acts.empty else pd.DataFrame(index=pd.Index([], name=by))
    table = table[[t for t in ACTIVITY_TYPE_NAMES if t in table.columns]]
    if index_values is not None:
        table = table.reindex(index_values, fill_value=0)
    table = table.astype(int)
    table["Всего"] = table.sum(axis=1)
    table.columns.name = None
    return table


def heatmap_frame(acts: pd.DataFrame, institutions: list[str], quarters: Iterable[int]) -> pd.DataFrame:
    """Every institution × quarter with its activity count, zeros included.
    `acts`: activity rows or their `activity_counts()`."""
    quarters = list(quarters)
    counts = _counted(acts, ["institution", "quarter"]).to_dict() if not acts.empty else {}
    records = [{"Учреждение": inst, "Квартал": quarter_label(q), "q": q, "Мероприятий": int(counts.get((inst, q), 0))}
               for inst in institutions for q in quarters]
    return pd.DataFrame(records, columns=["Учреждение", "Квартал", "q", "Мероприятий"])


# --------------------------------------------------------------------------- monitoring

def monitoring_grid(wb: Workbook, indicator: str, institutions: list[str], quarters: Iterable[int]) -> pd.DataFrame:
    """Institution × quarter values of one indicator; `value` NaN where the cell was left blank or the
    row is missing (`state` says which)."""
    quarters = list(quarters)
    mon = wb.monitoring[wb.monitoring["indicator"] == indicator]
    by_key = {(i, q): v for i, q, v in zip(mon["institution"], mon["quarter"], mon["value"])}
    records = []
    for inst in institutions:
        for q in quarters:
            present = (inst, q) in by_key
            value = by_key.get((inst, q))
            blank = value is None or (isinstance(value, float) and math.isnan(value))
            records.append({"Учреждение": inst, "Квартал": quarter_label(q), "q": q,
                            "value": None if blank else float(value),
                            "Значение": "не заполнено" if present and blank else ("нет строки" if blank else
                                                                                  format_number(value)),
                            "state": "заполнено" if not blank else ("не заполнено" if present else "нет строки")})
    return pd.DataFrame(records, columns=["Учреждение", "Квартал", "q", "value", "Значение", "state"])


def monitoring_table(values: pd.DataFrame, indicators, institutions: list[str]) -> pd.DataFrame:
    """Institution × indicator figures of a period (NaN = nothing filled), institutions without data kept."""
    names = [i.name for i in indicators]
    extra = [n for n in values["indicator"].unique() if n not in names] if not values.empty else []
    if values.empty:
        table = pd.DataFrame(index=pd.Index(institutions, name="Учреждение"), columns=names + extra, dtype=float)
    else:
        table = values.pivot_table(index="institution", columns="indicator", values="value", aggfunc="first",
                                   dropna=False)
        table = table.reindex(index=institutions, columns=names + extra)
        table.index.name = "Учреждение"
    table.columns.name = None
    return table.astype(float)


def monitoring_matrix(values: pd.DataFrame, indicators, institutions: list[str],
                      totals: dict[str, float | None]) -> pd.DataFrame:
    """Indicators as rows (unit, region total, then one column per institution) — compact even for
    28 institutions with long indicator names. NaN = nothing filled in the period."""
    table = monitoring_table(values, indicators, institutions).T
    units = {i.name: i.unit for i in indicators}
    table.insert(0, "Итого", [totals.get(name) for name in table.index])
    table.insert(0, "Ед.", [units.get(name, "") for name in table.index])
    table.index.name = "Показатель"
    table.columns.name = None
    return table


def blanks_by_institution(blanks: pd.DataFrame) -> pd.DataFrame:
    """`monitoring_blanks()` summarised: one row per institution."""
    cols = ["Учреждение", "Не заполнено показателей", "Кварталы", "Вкладка"]
    if blanks.empty:
        return pd.DataFrame(columns=cols)
    out = blanks.groupby("Учреждение", sort=False).agg(
        n=("Показатель", "count"), q=("Не заполнено", lambda s: "; ".join(sorted(set(s)))),
        tab=("Вкладка", "first")).reset_index()
    out.columns = cols
    return out


def monitoring_blanks(wb: Workbook, period: Period, institutions: list[str]) -> pd.DataFrame:
    """Who left monitoring figures blank in the period: one row per institution × indicator with the
    blank quarters, including indicators whose row is missing from the tab (blank is not zero)."""
    cols = ["Учреждение", "Показатель", "Не заполнено", "Кварталов", "Вкладка", "Ячейки"]
    if period.year != wb.year:
        return pd.DataFrame(columns=cols)
    quarters = list(period.quarters)
    mon = wb.monitoring[wb.monitoring["quarter"].isin(quarters)]
    names = [i.name for i in wb.indicators]
    tabs = dict(zip(wb.institutions["institution"], wb.institutions["tab"]))
    # One pass over plain lists (a pandas groupby per institution × indicator costs far more)
    present: dict[tuple, set] = {}
    blank_rows: dict[tuple, list] = {}
    for inst, name, q, value, cell in zip(mon["institution"], mon["indicator"], mon["quarter"], mon["value"],
                                          mon["cell"]):
        present.setdefault((inst, name), set()).add(int(q))
        if value is None or value != value:                   # NaN: left blank
            blank_rows.setdefault((inst, name), []).append((int(q), cell))
    records = []
    for inst in institutions:
        for name in names:
            seen = present.get((inst, name))
            if seen is None:
                blank_q, cells = quarters, "строки нет"
            else:
                blank = blank_rows.get((inst, name), [])
                blank_q = sorted({q for q, _ in blank} | (set(quarters) - seen))
                cells = ", ".join(str(c) for _, c in blank)
            if blank_q:
                records.append({"Учреждение": inst, "Показатель": name, "Не заполнено": quarters_text(blank_q),
                                "Кварталов": len(blank_q), "Вкладка": tabs.get(inst) or "", "Ячейки": cells})
    return pd.DataFrame(records, columns=cols)


# --------------------------------------------------------------------------- data quality

def issues_table(wb: Workbook, institutions: Iterable[str] | None = None,
                 severities: Iterable[str] | None = None, query: str = "",
                 codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Validation issues for display: the cell is a link to that exact cell for a Google Sheet
    (`Ячейка` holds the URL, `Адрес` the plain address). `codes`: only the issues of these rules
    (`lib.validate.rules`)."""
    issues = wb.issues
    chosen = list(institutions or [])
    if chosen:
        issues = issues[issues["institution"].isin(chosen)]
    sev = list(severities or [])
    if sev:
        issues = issues[issues["severity"].isin(sev)]
    kinds = list(codes or [])
    if kinds:
        issues = issues[issues["code"].isin(kinds)]
    words = str(query or "").lower().split()
    for word in words:
        issues = issues[(issues["message"].str.lower().str.contains(word, regex=False)) |
                        (issues["tab"].str.lower().str.contains(word, regex=False))]
    order = {"error": 0, "warning": 1}
    issues = issues.assign(_o=issues["severity"].map(order).fillna(2)).sort_values(
        ["_o", "tab", "row"], kind="stable", na_position="first")
    links = [wb.cell_url(t, c) for t, c in zip(issues["tab"], issues["cell"])]
    out = pd.DataFrame({
        "Серьёзность": issues["severity"].map(SEVERITY_RU).fillna(issues["severity"]),
        "Учреждение": issues["institution"].fillna(""),
        "Вкладка": issues["tab"],
        "Ячейка": [link or cell for link, cell in zip(links, issues["cell"])],
        "Сообщение": issues["message"],
        "Адрес": issues["cell"],
    })
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- one institution

def institution_share(wb: Workbook, period: Period, institution: str) -> pd.DataFrame:
    """Headline groups and all activity: the institution's count, the region's, and its share."""
    rows = metrics.institution_share(wb, Selection(period), institution)
    out = pd.DataFrame(rows, columns=["Показатель", "Учреждение", "Область"])
    out["Доля"] = [o / r if r else None for o, r in zip(out["Учреждение"], out["Область"])]
    return out


def institution_monitoring(wb: Workbook, institution: str) -> pd.DataFrame:
    """One institution's monitoring: indicator × «I кв.»…«IV кв.» (NaN = left blank or row missing)."""
    mon = wb.monitoring[wb.monitoring["institution"] == institution]
    names = [i.name for i in wb.indicators]
    names += [n for n in mon["indicator"].unique() if n not in names]
    table = mon.pivot_table(index="indicator", columns="quarter", values="value", aggfunc="first", dropna=False) \
        if len(mon) else pd.DataFrame()
    table = table.reindex(index=names, columns=[1, 2, 3, 4]).astype(float)
    table.columns = [quarter_label(q) for q in table.columns]
    table.index.name = "Показатель"
    return table
