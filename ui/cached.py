"""Cached values derived from the loaded workbook.

Each function takes the data key (`Context.key`, which changes whenever the data is read again) and
the filter values as hashed arguments, and the workbook itself as `_wb` (not hashed). So a widget
change that does not affect a value reuses it, and nothing is ever re-read or re-parsed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import streamlit as st

from lib.metrics import changes
from lib.metrics import counts as metrics
from lib.metrics import overview
from lib.metrics import plan_status
from lib.metrics import readiness
from lib.report import reminders
from lib.metrics import tables as views
from lib.russian import format_number
from lib.model.contract import ACTIVITY_TYPE_NAMES
from lib.model.workbook import Workbook
from lib.model.periods import Period

_TTL = 3600
_ENTRIES = 64
ROWS_SHOWN = 1000          # rows of a long table sent to the browser at once (downloads have all of them)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def plan_status_on(key: str, as_of: date, _wb: Workbook) -> pd.DataFrame:
    return plan_status.plan_status(_wb, as_of)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def year_completeness(key: str, year: int, _wb: Workbook) -> pd.DataFrame:
    """`metrics.completeness` of every institution and quarter of a year (the pages take slices of it)."""
    return metrics.completeness(_wb, year)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def overview_of(key: str, period_code: str, institutions: tuple[str, ...], as_of: date,
                _wb: Workbook) -> overview.Overview:
    period = Period.parse(period_code)
    return overview.build_overview(_wb, period, list(institutions), as_of, plan_status_on(key, as_of, _wb),
                                   year_completeness(key, period.year, _wb))


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def completeness_of(key: str, year: int, institutions: tuple[str, ...], _wb: Workbook) -> pd.DataFrame:
    return views.completeness_table(_wb, year, list(institutions), year_completeness(key, year, _wb))


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def monitoring_values(key: str, period_code: str, institutions: tuple[str, ...], _wb: Workbook) -> pd.DataFrame:
    return metrics.monitoring_period_values(_wb, Period.parse(period_code), list(institutions))


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def readiness_of(key: str, year: int, as_of: date, _wb: Workbook) -> readiness.Assessment:
    """«Готово к отправке» of every institution for a year: the one computation behind the checklist
    («Моё учреждение»), the matrix and the reminders («Качество данных»)."""
    return readiness.assess(_wb, year, as_of)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def readiness_matrix_of(key: str, year: int, as_of: date, institutions: tuple[str, ...],
                        _wb: Workbook) -> pd.DataFrame:
    return readiness_of(key, year, as_of, _wb).matrix(list(institutions))


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def laggards_of(key: str, period_code: str, institutions: tuple[str, ...], as_of: date,
                _wb: Workbook) -> list[reminders.Laggard]:
    period = Period.parse(period_code)
    return reminders.find_laggards(_wb, period, list(institutions), as_of,
                                   assessment=readiness_of(key, period.year, as_of, _wb))


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def monitoring_blanks_of(key: str, period_code: str, scope: tuple[str, ...], _wb: Workbook) -> pd.DataFrame:
    return views.monitoring_blanks(_wb, Period.parse(period_code), list(scope))


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def issues_of(key: str, institutions: tuple[str, ...], severities: tuple[str, ...], query: str,
              _wb: Workbook, codes: tuple[str, ...] = ()) -> tuple[int, pd.DataFrame]:
    """(number of issues, the first ROWS_SHOWN of them as `views.issues_table` shows them)."""
    table = views.issues_table(_wb, list(institutions), list(severities), query, list(codes))
    return len(table), table.head(ROWS_SHOWN)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def reminders_of(key: str, period_code: str, institutions: tuple[str, ...], as_of: date, deadline: date,
                 _wb: Workbook) -> dict[str, str]:
    """Institution → its reminder text, for every laggard of the period."""
    period = Period.parse(period_code)
    return {lag.institution: reminders.reminder_text(_wb, lag, period, as_of, deadline)
            for lag in laggards_of(key, period_code, institutions, as_of, _wb)}


# --------------------------------------------------------------------------- activities


@dataclass
class ActivityBase:
    """The workbook's activity rows sorted for display once, with their display table and (built on
    the first search) their lower-case search text — shared, read-only, by every filter combination."""
    acts: pd.DataFrame                      # wb.activities sorted by date, institution, row
    table: pd.DataFrame                     # views.activities_table(acts), same order
    _text: pd.Series | None = field(default=None, repr=False)

    def mask(self, year: int, institutions: tuple[str, ...], types: tuple[str, ...] = (),
             query: str = "", quarters: tuple[int, int] | None = None, plan_item: str | None = None) -> np.ndarray:
        acts = self.acts
        mask = (acts["year"] == year).to_numpy(dtype=bool, copy=True)
        if quarters is not None:
            mask = mask & acts["quarter"].between(*quarters).to_numpy(dtype=bool)
        if plan_item is not None:
            mask = mask & (acts["plan_item"] == plan_item).to_numpy(dtype=bool, na_value=False)
        if institutions:
            mask = mask & acts["institution"].isin(institutions).to_numpy(dtype=bool)
        if types:
            mask = mask & acts["type"].isin(types).to_numpy(dtype=bool)
        words = [w for w in str(query or "").lower().replace("ё", "е").split() if w]
        if words and len(acts):
            if self._text is None:
                self._text = views.search_text(acts)
            for word in words:
                mask = mask & self._text.str.contains(word, regex=False).to_numpy(dtype=bool, na_value=False)
        return mask


@st.cache_resource(ttl=_TTL, max_entries=4, show_spinner=False)
def activity_base(key: str, _wb: Workbook) -> ActivityBase:
    acts = _wb.activities.sort_values(["date", "institution", "row"], kind="stable").reset_index(drop=True)
    return ActivityBase(acts, views.activities_table(acts))


@dataclass(frozen=True)
class ActivityView:
    """Everything the «Мероприятия» page draws for one filter combination (small frames only)."""
    present_types: list[str]         # types of the year's rows (before the type and text filters)
    year_rows: int                   # rows of the year after the type and text filters
    counts: pd.DataFrame             # views.activity_counts of those rows (institution × quarter × type)
    rows: int                        # rows in the period
    participants: int
    specialists: int
    active: int                      # institutions with at least one activity in the period
    first_rows: pd.DataFrame         # the first ROWS_SHOWN display rows of the period


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def present_types_of(key: str, year: int, institutions: tuple[str, ...], _wb: Workbook) -> list[str]:
    base = activity_base(key, _wb)
    present = set(base.acts.loc[base.mask(year, institutions), "type"].unique())
    return [t for t in ACTIVITY_TYPE_NAMES if t in present]


def _period_mask(base: ActivityBase, year_mask: np.ndarray, first_q: int, last_q: int) -> np.ndarray:
    return year_mask & base.acts["quarter"].between(first_q, last_q).to_numpy()


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def activities_view(key: str, year: int, institutions: tuple[str, ...], types: tuple[str, ...], query: str,
                    first_q: int, last_q: int, _wb: Workbook) -> ActivityView:
    base = activity_base(key, _wb)
    year_mask = base.mask(year, institutions, types, query)
    in_period = _period_mask(base, year_mask, first_q, last_q)
    acts = base.acts
    positions = np.flatnonzero(in_period)
    period_acts = acts.iloc[positions]
    return ActivityView(
        present_types=present_types_of(key, year, institutions, _wb),
        year_rows=int(year_mask.sum()),
        counts=views.activity_counts(acts[year_mask]),
        rows=len(positions),
        participants=int(period_acts["participants"].fillna(0).sum()) if len(positions) else 0,
        specialists=int(period_acts["specialists"].fillna(0).sum()) if len(positions) else 0,
        active=int(period_acts["institution"].nunique()),
        first_rows=base.table.iloc[positions[:ROWS_SHOWN]].reset_index(drop=True))


def activity_rows(key: str, year: int, institutions: tuple[str, ...], types: tuple[str, ...], query: str,
                  first_q: int, last_q: int, wb: Workbook) -> pd.DataFrame:
    """All display rows of the period (for the download: built only when the button is clicked)."""
    base = activity_base(key, wb)
    in_period = _period_mask(base, base.mask(year, institutions, types, query), first_q, last_q)
    return base.table[in_period].reset_index(drop=True)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def activity_rows_page(key: str, year: int, institutions: tuple[str, ...], types: tuple[str, ...] = (),
                       quarters: tuple[int, int] | None = None, plan_item: str | None = None, *,
                       limit: int = ROWS_SHOWN, _wb: Workbook) -> tuple[int, pd.DataFrame]:
    """(number of activity rows, the first `limit` of them as `views.activities_table` shows them)."""
    base = activity_base(key, _wb)
    positions = np.flatnonzero(base.mask(year, institutions, types, quarters=quarters, plan_item=plan_item))
    return len(positions), base.table.iloc[positions[:limit]].reset_index(drop=True)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def reporting_of(key: str, period_code: str, institutions: tuple[str, ...], _wb: Workbook) -> pd.DataFrame:
    period = Period.parse(period_code)
    return overview.reporting_state(_wb, period, list(institutions), year_completeness(key, period.year, _wb))


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def plan_table_on(key: str, as_of: date, _wb: Workbook) -> pd.DataFrame:
    return views.plan_table(plan_status_on(key, as_of, _wb))


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def activity_count(key: str, period_code: str, institutions: tuple[str, ...], _wb: Workbook) -> int:
    period = Period.parse(period_code)
    base = activity_base(key, _wb)
    return int(base.mask(period.year, institutions, quarters=(period.first_quarter, period.last_quarter)).sum())


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def institution_share_of(key: str, period_code: str, institution: str, _wb: Workbook) -> pd.DataFrame:
    return views.institution_share(_wb, Period.parse(period_code), institution)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def changes_since(key: str, baseline: str, _before: changes.Digest, _now: changes.Digest) -> changes.Changes:
    """What changed from the stored read `_before` (its fingerprint: `baseline`) to the data on screen
    (`_now`, its digest; `key` names it)."""
    return changes.compare(_before, _now)


def rows_caption(total: int, shown: int) -> str:
    """«Строк: 12 345, показаны первые 1 000 — …» when a table shows only its first rows, else «»."""
    if total <= shown:
        return ""
    return (f"Строк: {format_number(total)}, показаны первые {format_number(shown)} — уточните фильтры "
            "(все строки — на странице «Мероприятия», в скачиваемой таблице).")


ALL = (year_completeness, plan_status_on, overview_of, completeness_of, monitoring_values, laggards_of,
       readiness_of, readiness_matrix_of, changes_since,
       monitoring_blanks_of, issues_of, reminders_of, activity_base, present_types_of, activities_view,
       activity_rows_page, reporting_of, plan_table_on, activity_count, institution_share_of)


def clear() -> None:
    for func in ALL:
        func.clear()
