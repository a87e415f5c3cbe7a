"""Numbers the pages, the CLI, the Excel summary and the report share, for a `Selection`: activity
counts by type, group, institution and quarter, participants, "what to count" (`measure`), the one
rule for a plan target over a span (`target_over`), monitoring figures per period with who filled
them, completeness, who has reported, and error / warning counts. The rows come from `lib.metrics.selection` (one index per
workbook); nothing here filters a DataFrame row by row.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.metrics.selection import Rows, Selection, select_rows
from lib.model.contract import ACTIVITY_GROUPS, ACTIVITY_TYPE_NAMES, COUNT_WHAT, MonitoringIndicator
from lib.model.periods import Period
from lib.model.workbook import ERROR, WARNING, Workbook

REPORTED, PARTLY, NOTHING = "сдано", "частично", "нет данных"
RowsLike = Rows | pd.DataFrame          # selected rows, or activity rows as a DataFrame


def _type_codes(rows: RowsLike) -> tuple[np.ndarray, list]:
    if isinstance(rows, Rows):
        return rows.codes("type"), rows.index.type_names
    codes, names = pd.factorize(rows["type"])
    return codes, list(names)


# --------------------------------------------------------------------------- activities


def counts_by_type(rows: RowsLike) -> dict[str, int]:
    """Every canonical type in vocabulary order, zero included."""
    codes, names = _type_codes(rows)
    tally = np.bincount(codes[codes >= 0], minlength=len(names))
    found = dict(zip(names, tally.tolist()))
    return {name: int(found.get(name, 0)) for name in ACTIVITY_TYPE_NAMES}


def counts_by_group(rows: RowsLike) -> dict[str, int]:
    """Headline group («Консультации», …) → rows of its types."""
    by_type = counts_by_type(rows)
    return {group: sum(by_type[t] for t in types) for group, types in ACTIVITY_GROUPS.items()}


def measure(rows: RowsLike, count_what: str | None) -> int:
    """What a plan item counts (`Считать`): the rows themselves, or the sum of their participants,
    specialists or institutions (blank: 0). A row's participants are at least its specialists: a
    blank «Участников» next to filled «Специалистов» never makes fewer people than specialists."""
    column = COUNT_WHAT.get(count_what or "", "events")
    if column == "events":
        return int(len(rows))
    values = rows.values if isinstance(rows, Rows) else (lambda name: rows[name].fillna(0).to_numpy(dtype="float64"))
    counted = values(column)
    if column == "participants":
        counted = np.maximum(counted, values("specialists"))
    return int(counted.sum())


def people(rows: RowsLike) -> tuple[int, int]:
    """(participants, specialists) of the rows."""
    return measure(rows, "участники"), measure(rows, "специалисты")


def institutions_with_rows(rows: Rows) -> list[str]:
    """The institutions the rows come from, in order of their first row."""
    codes = rows.codes("institution")
    first = pd.unique(codes[codes >= 0])
    return [rows.index.inst_names[c] for c in first.tolist()]


def activity_counts(rows: RowsLike) -> pd.DataFrame:
    """Rows counted per institution × quarter × type (`count`), in order of first appearance: the
    small frame the charts and pivots of `lib.metrics.tables` draw from."""
    cols = ["institution", "quarter", "type", "count"]
    if isinstance(rows, Rows):
        return _activity_counts_of_rows(rows)
    if rows.empty:
        return _no_activity_counts()
    return rows.groupby(["institution", "quarter", "type"], sort=False).size().reset_index(name="count")[cols]


def _no_activity_counts() -> pd.DataFrame:
    return pd.DataFrame({"institution": pd.Series(dtype="object"), "quarter": pd.Series(dtype="int64"),
                         "type": pd.Series(dtype="object"), "count": pd.Series(dtype="int64")})


def _activity_counts_of_rows(rows: Rows) -> pd.DataFrame:
    """`activity_counts` on the index's codes: one key per institution × quarter × type, counted with
    numpy, in order of first appearance (as a groupby without sorting gives); rows without an
    institution, quarter or type are left out, as groupby leaves out missing keys."""
    inst, kind = rows.codes("institution"), rows.codes("type")
    quarter = rows.index.quarter[rows.positions]
    keep = (inst >= 0) & (kind >= 0) & ~np.isnan(quarter)
    if not keep.any():
        return _no_activity_counts()
    inst, kind, quarter = inst[keep], kind[keep], quarter[keep].astype(np.int64)
    n_types, n_quarters = len(rows.index.type_names), int(quarter.max()) + 1
    key = (inst * n_quarters + quarter) * n_types + kind
    unique, first, count = np.unique(key, return_index=True, return_counts=True)
    order = np.argsort(first, kind="stable")
    unique, count = unique[order], count[order]
    inst_names, type_names = np.asarray(rows.index.inst_names, dtype=object), np.asarray(rows.index.type_names, dtype=object)
    return pd.DataFrame({"institution": inst_names[unique // (n_quarters * n_types)],
                         "quarter": (unique // n_types % n_quarters).astype(np.int64),
                         "type": type_names[unique % n_types], "count": count.astype(np.int64)})


def counts_by_institution_quarter(rows: Rows) -> dict[tuple[str, int], int]:
    """(institution, quarter) → rows."""
    inst, quarter = rows.codes("institution"), rows.index.quarter[rows.positions]
    keep = (inst >= 0) & (quarter >= 1) & (quarter <= 4)
    pair = inst[keep] * 4 + (quarter[keep].astype(np.int64) - 1)
    tally = np.bincount(pair, minlength=4 * len(rows.index.inst_names))
    names = rows.index.inst_names
    return {(names[p // 4], p % 4 + 1): int(tally[p]) for p in np.flatnonzero(tally).tolist()}


def has_data_for(wb: Workbook, period: Period) -> bool:
    """Whether the workbook covers a period: it is in the plan year, or some activity row is dated in it."""
    return period.year == wb.year or bool(len(select_rows(wb, Selection(period))))


def previous_group_counts(wb: Workbook, sel: Selection) -> dict[str, int] | None:
    """The group counts of the previous period, None when the workbook does not cover it."""
    previous = sel.previous()
    return counts_by_group(select_rows(wb, previous)) if has_data_for(wb, previous.period) else None


def institution_share(wb: Workbook, sel: Selection, institution: str) -> list[tuple[str, int, int]]:
    """(headline group or «Все мероприятия», the institution's rows, every institution's rows) for a period."""
    region = select_rows(wb, Selection(sel.period))
    own = region.where(region.codes("institution") == region.index.inst_of.get(institution, -2))
    own_g, reg_g = counts_by_group(own), counts_by_group(region)
    return [(g, own_g[g], reg_g[g]) for g in ACTIVITY_GROUPS] + [("Все мероприятия", len(own), len(region))]


# --------------------------------------------------------------------------- plan targets


def target_over(target: float, target_period: str | None, months: int) -> float:
    """The one rule for a plan target over a span of `months`: a per-quarter target times the
    quarters, a per-month target times the months, a yearly target pro rata."""
    if target_period == "квартал":
        return float(target) * months / 3
    if target_period == "месяц":
        return float(target) * months
    return float(target) * months / 12


# --------------------------------------------------------------------------- monitoring


def monitoring_period_values(wb: Workbook, period: Period,
                             institutions: Iterable[str] | None = None) -> pd.DataFrame:
    """Per institution × indicator (in order of first appearance): the figure for the period (sum of
    the quarters in quarter order, or the latest filled quarter, as the indicator says; None when
    none is filled) and how many of the period's quarters were left blank — computed with
    whole-array operations."""
    columns = ["institution", "indicator", "value", "blank_quarters"]
    mon = wb.monitoring
    quarter = mon["quarter"].to_numpy(dtype="float64", na_value=np.nan)
    keep = (quarter >= period.first_quarter) & (quarter <= period.last_quarter)
    keep &= mon["institution"].notna().to_numpy() & mon["indicator"].notna().to_numpy()
    chosen = list(institutions or [])
    if chosen:
        keep &= mon["institution"].isin(chosen).to_numpy()
    if not keep.any():
        return pd.DataFrame(columns=columns)
    inst, name = mon["institution"].to_numpy()[keep], mon["indicator"].to_numpy()[keep]
    quarter, value = quarter[keep], mon["value"].to_numpy(dtype="float64", na_value=np.nan)[keep]
    inst_code, _ = pd.factorize(inst)
    name_code, names = pd.factorize(name)
    pair = inst_code.astype(np.int64) * len(names) + name_code
    group, firsts = pd.factorize(pair)                 # group per row, in order of first appearance
    n_groups = len(firsts)
    filled = np.flatnonzero(~np.isnan(value))
    filled = filled[np.argsort(quarter[filled], kind="stable")]          # quarter order
    g = group[filled]
    n_filled = np.bincount(g, minlength=n_groups)
    summed = np.bincount(g, weights=value[filled], minlength=n_groups)   # added in quarter order, from 0.0
    last = np.full(n_groups, -1, dtype=np.int64)
    np.maximum.at(last, g, np.arange(len(g)))
    latest = np.where(last >= 0, value[filled][np.maximum(last, 0)] if len(g) else np.nan, np.nan)
    sum_names = {i.name for i in wb.indicators if i.over_time == "сумма"}
    first_row = np.unique(group, return_index=True)[1]
    is_sum = np.fromiter((names[c] in sum_names for c in name_code[first_row].tolist()), dtype=bool, count=n_groups)
    figure = np.where(n_filled > 0, np.where(is_sum, summed, latest), np.nan)
    return pd.DataFrame({"institution": inst[first_row], "indicator": name[first_row],
                         "value": pd.Series(figure, dtype="float64"),
                         "blank_quarters": (len(period.quarters) - n_filled).astype(int)}, columns=columns)


def monitoring_cells(wb: Workbook, period: Period, institution: str) -> tuple[int, int]:
    """(filled, expected) monitoring cells of one institution in the period's quarters: every
    indicator of the workbook (and any other its tab has) × quarter; blank is not filled."""
    mon = wb.monitoring[wb.monitoring["institution"] == institution]
    names = {i.name for i in wb.indicators} | set(mon["indicator"].dropna())
    in_period = mon[mon["quarter"].isin(period.quarters)].dropna(subset=["value"])
    return len(in_period[["indicator", "quarter"]].drop_duplicates()), len(names) * len(period.quarters)


def latest_filled_quarter(wb: Workbook, institutions: Iterable[str] | None = None) -> int | None:
    """The last quarter with a monitoring figure filled by one of the institutions (None or empty:
    any); None when nothing is filled."""
    mon = wb.monitoring.dropna(subset=["value"])
    chosen = list(institutions or [])
    if chosen:
        mon = mon[mon["institution"].isin(chosen)]
    return int(mon["quarter"].max()) if len(mon) else None


@dataclass(frozen=True)
class RegionFigure:
    """One indicator over the chosen institutions: the figure (sum, or mean for percentages; None
    when nobody filled it) and the institutions that filled it in the period (in order of first row)."""
    value: float | None
    filled_by: tuple[str, ...]

    @property
    def filled(self) -> int:
        """How many institutions filled it."""
        return len(self.filled_by)


def region_figures(values: pd.DataFrame, indicators: tuple[MonitoringIndicator, ...]) -> dict[str, RegionFigure]:
    """Indicator → `RegionFigure`, from `monitoring_period_values`."""
    rules = {i.name: i for i in indicators}
    out: dict[str, RegionFigure] = {}
    for name, rows in values.groupby("indicator", sort=False):
        filled = rows.dropna(subset=["value"])
        if filled.empty:
            value = None
        elif rules.get(name) is not None and rules[name].over_region == "среднее":
            value = round(float(filled["value"].mean()), 1)
        else:
            value = float(filled["value"].sum())
        out[name] = RegionFigure(value, tuple(pd.unique(filled["institution"]).tolist()))
    return out


def region_totals(values: pd.DataFrame, indicators: tuple[MonitoringIndicator, ...]) -> dict[str, float | None]:
    """Indicator → region figure (sum, or mean for percentages), over the institutions that filled it."""
    return {name: fig.value for name, fig in region_figures(values, indicators).items()}


# --------------------------------------------------------------------------- who has reported


def completeness(wb: Workbook, year: int, quarters: Iterable[int] = (1, 2, 3, 4)) -> pd.DataFrame:
    """Institution × quarter → сдано / частично / нет данных.

    сдано: at least one activity row and every monitoring indicator filled for that quarter;
    частично: one of the two; нет данных: neither.
    """
    quarters = list(quarters)
    has_acts = counts_by_institution_quarter(select_rows(wb, year=year))
    mon = wb.monitoring.dropna(subset=["value"])
    expected = len(wb.indicators)
    filled = mon.groupby(["institution", "quarter"])["indicator"].nunique().to_dict()
    any_filled = mon.groupby(["institution", "quarter"]).size().to_dict()
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


def reporting_state(wb: Workbook, sel: Selection, year_matrix: pd.DataFrame | None = None) -> pd.DataFrame:
    """Completeness (institution × quarter of the period) for the chosen institutions. `year_matrix`:
    `completeness(wb, period.year)` when the caller already has it (a cached copy)."""
    period = sel.period
    matrix = completeness(wb, period.year, period.quarters) if year_matrix is None \
        else year_matrix[list(period.quarters)]
    if sel.institutions:
        chosen = set(sel.institutions)
        matrix = matrix.loc[[i for i in matrix.index if i in chosen]]
    return matrix


# --------------------------------------------------------------------------- data errors


def scoped_issues(wb: Workbook, institutions: Iterable[str] | None = None) -> pd.DataFrame:
    """Issues of the chosen institutions (all issues — workbook-level ones included — when none chosen)."""
    chosen = list(institutions or [])
    return wb.issues[wb.issues["institution"].isin(chosen)] if chosen else wb.issues


def issue_counts(wb: Workbook, institutions: Iterable[str] | None = None) -> dict[str, int]:
    """{ERROR: n, WARNING: n} of the chosen institutions' issues (every issue when none chosen)."""
    severity = scoped_issues(wb, institutions)["severity"]
    return {ERROR: int((severity == ERROR).sum()), WARNING: int((severity == WARNING).sum())}
