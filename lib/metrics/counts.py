"""Numbers the pages, the CLI and the report share: activity counts by type and group, plan targets
for a period, monitoring figures per period, and who has reported.
"""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from lib.model.contract import ACTIVITY_GROUPS, ACTIVITY_TYPE_NAMES, MonitoringIndicator
from lib.model.workbook import Workbook
from lib.model.periods import Period

REPORTED, PARTLY, NOTHING = "сдано", "частично", "нет данных"


def select_activities(wb: Workbook, period: Period | None = None,
                      institutions: Iterable[str] | None = None) -> pd.DataFrame:
    """Activity rows of a period (by date) and of chosen institutions (None or empty: all)."""
    acts = wb.activities
    if period is not None:
        acts = acts[(acts["year"] == period.year) & acts["quarter"].between(period.first_quarter, period.last_quarter)]
    chosen = list(institutions or [])
    if chosen:
        acts = acts[acts["institution"].isin(chosen)]
    return acts


def counts_by_type(acts: pd.DataFrame) -> dict[str, int]:
    """Every canonical type in vocabulary order, zero included."""
    counts = acts["type"].value_counts()
    return {name: int(counts.get(name, 0)) for name in ACTIVITY_TYPE_NAMES}


def counts_by_group(acts: pd.DataFrame) -> dict[str, int]:
    by_type = counts_by_type(acts)
    return {group: sum(by_type[t] for t in types) for group, types in ACTIVITY_GROUPS.items()}


def period_targets(wb: Workbook, period: Period) -> dict[str, float | None]:
    """Plan targets per headline group for a period: a per-quarter target times the quarters, a
    per-month target times the months, a yearly target pro rata. None where the plan sets none."""
    out: dict[str, float | None] = {}
    plan = wb.plan
    for group, types in ACTIVITY_GROUPS.items():
        rows = plan[plan["indicator"].isin(types) & plan["target"].notna() & (plan["count_what"] == "мероприятия")]
        if rows.empty:
            out[group] = None
            continue
        total = 0.0
        for target, per in zip(rows["target"], rows["target_period"]):
            factor = {"квартал": len(period.quarters), "месяц": period.months}.get(per, period.months / 12)
            total += float(target) * factor
        out[group] = round(total, 1)
    return out


def monitoring_period_values(wb: Workbook, period: Period,
                             institutions: Iterable[str] | None = None) -> pd.DataFrame:
    """Per institution × indicator: the figure for the period (sum of quarters or the latest
    filled quarter, as the indicator says) and how many of the period's quarters were left blank."""
    mon = wb.monitoring
    mon = mon[mon["quarter"].between(period.first_quarter, period.last_quarter)]
    chosen = list(institutions or [])
    if chosen:
        mon = mon[mon["institution"].isin(chosen)]
    rules = {i.name: i for i in wb.indicators}
    # One pass over plain lists instead of a pandas groupby with several operations per group (28
    # institutions × 8 indicators = 224 groups): same groups, in order of first appearance.
    filled_of: dict[tuple, list[tuple[int, float]]] = {}
    for inst, name, quarter, value in zip(mon["institution"].tolist(), mon["indicator"].tolist(),
                                          mon["quarter"].tolist(), mon["value"].tolist()):
        if _missing(inst) or _missing(name):        # groupby leaves NaN keys out
            continue
        filled = filled_of.setdefault((inst, name), [])
        if not _missing(value):
            filled.append((quarter, value))
    records = []
    for (inst, name), filled in filled_of.items():
        filled.sort(key=_first)                      # stable, like the sort of a few rows by quarter
        rule = rules.get(name)
        if not filled:
            value = None
        elif rule is not None and rule.over_time == "сумма":
            value = 0.0
            for _q, v in filled:                     # in quarter order, from 0.0: as Series.sum adds
                value += v
            value = float(value)
        else:
            value = float(filled[-1][1])
        records.append({"institution": inst, "indicator": name, "value": value,
                        "blank_quarters": int(len(period.quarters) - len(filled))})
    return pd.DataFrame(records, columns=["institution", "indicator", "value", "blank_quarters"])


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _first(pair: tuple):
    return pair[0]


def region_totals(values: pd.DataFrame, indicators: tuple[MonitoringIndicator, ...]) -> dict[str, float | None]:
    """Indicator → region figure (sum, or mean for percentages), over the institutions that filled it."""
    rules = {i.name: i for i in indicators}
    out: dict[str, float | None] = {}
    for name, rows in values.groupby("indicator", sort=False):
        filled = rows["value"].dropna()
        if filled.empty:
            out[name] = None
        elif rules.get(name) is not None and rules[name].over_region == "среднее":
            out[name] = round(float(filled.mean()), 1)
        else:
            out[name] = float(filled.sum())
    return out


def completeness(wb: Workbook, year: int, quarters: Iterable[int] = (1, 2, 3, 4)) -> pd.DataFrame:
    """Institution × quarter → сдано / частично / нет данных.

    сдано: at least one activity row and every monitoring indicator filled for that quarter;
    частично: one of the two; нет данных: neither.
    """
    quarters = list(quarters)
    acts = wb.activities[wb.activities["year"] == year]
    has_acts = acts.groupby(["institution", "quarter"]).size()
    mon = wb.monitoring
    expected = len(wb.indicators)
    filled = mon.dropna(subset=["value"]).groupby(["institution", "quarter"])["indicator"].nunique()
    any_filled = mon.dropna(subset=["value"]).groupby(["institution", "quarter"]).size()
    has_acts, filled, any_filled = has_acts.to_dict(), filled.to_dict(), any_filled.to_dict()  # plain lookups
    table = {}
    for inst in wb.institution_names:
        row = {}
        for q in quarters:
            a = has_acts.get((inst, q), 0) > 0
            m_full = filled.get((inst, q), 0) >= expected
            m_any = any_filled.get((inst, q), 0) > 0
            row[q] = REPORTED if (a and m_full) else (PARTLY if (a or m_any) else NOTHING)
        table[inst] = row
    frame = pd.DataFrame.from_dict(table, orient="index", columns=quarters)
    frame.index.name = "institution"
    return frame


def reported_count(wb: Workbook, period: Period) -> tuple[int, int]:
    """(institutions with something reported in every quarter of the period, all institutions)."""
    matrix = completeness(wb, period.year, period.quarters)
    if matrix.empty:
        return 0, 0
    ok = (matrix != NOTHING).all(axis=1)
    return int(ok.sum()), len(matrix)
