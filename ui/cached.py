"""The cached facade the pages call: every number and table a page shows, for the page's `Context`.

Pages call `cached.overview(ctx)`, `cached.activities_view(ctx, types, query)`, …; this module passes
the data key (`Context.key`, which changes whenever the data is read again) and the filter values to
`st.cache_data` functions as hashed arguments, and the workbook as `_wb` (not hashed). So a widget
change that does not affect a value reuses it, and nothing is ever re-read or re-parsed. Everything
is computed by `lib.metrics` (rows selected through its one activity index); `clear()` — the refresh
button — forgets all of it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from lib.metrics import (changes, counts, laggards as laggards_lib, overview as overview_lib, plan_status as plan_lib,
                         readiness as readiness_lib)
from lib.russian import format_number
from lib.metrics import tables
from lib.metrics.selection import Selection, activity_index
from lib.model.contract import ACTIVITY_TYPE_NAMES
from lib.model.periods import Period
from lib.model.workbook import ERROR, Workbook
from lib.report import reminders as reminders_lib
from lib.report.draft import Report, ReportData, build_report

if TYPE_CHECKING:
    from ui.context import Context

_TTL = 3600
_ENTRIES = 64
ROWS_SHOWN = 1000          # rows of a long table sent to the browser at once (downloads have all of them)


def _chosen(ctx: Context, institutions) -> tuple[str, ...]:
    return tuple(ctx.institutions if institutions is None else institutions)


# --------------------------------------------------------------------------- plan and overview


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def _plan_status(key: str, as_of: date, _wb: Workbook) -> pd.DataFrame:
    return plan_lib.plan_status(_wb, as_of)


def plan_status(ctx: Context) -> pd.DataFrame:
    """`plan_status` on the context's as-of date (every institution's rows)."""
    return _plan_status(ctx.key, ctx.as_of, _wb=ctx.wb)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def _plan_table(key: str, as_of: date, _wb: Workbook) -> pd.DataFrame:
    return tables.plan_table(_plan_status(key, as_of, _wb))


def plan_table(ctx: Context) -> pd.DataFrame:
    return _plan_table(ctx.key, ctx.as_of, _wb=ctx.wb)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def _year_completeness(key: str, year: int, _wb: Workbook) -> pd.DataFrame:
    """`counts.completeness` of every institution and quarter of a year (the pages take slices of it)."""
    return counts.completeness(_wb, year)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def _overview(key: str, period_code: str, institutions: tuple[str, ...], as_of: date,
              _wb: Workbook) -> overview_lib.Overview:
    period = Period.parse(period_code)
    return overview_lib.build_overview(_wb, period, institutions, as_of, _plan_status(key, as_of, _wb),
                                       _year_completeness(key, period.year, _wb))


def overview(ctx: Context, institutions: tuple[str, ...] | None = None) -> overview_lib.Overview:
    """The overview of the context's period and as-of date; `institutions`: None — the chosen ones,
    () — the whole region."""
    return _overview(ctx.key, ctx.period.code, _chosen(ctx, institutions), ctx.as_of, _wb=ctx.wb)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def _reporting(key: str, period_code: str, institutions: tuple[str, ...], _wb: Workbook) -> pd.DataFrame:
    period = Period.parse(period_code)
    return counts.reporting_state(_wb, Selection(period, institutions), _year_completeness(key, period.year, _wb))


def reporting(ctx: Context) -> pd.DataFrame:
    """Institution × quarter of the period → сдано / частично / нет данных, for the chosen institutions."""
    return _reporting(ctx.key, ctx.period.code, tuple(ctx.institutions), _wb=ctx.wb)


# --------------------------------------------------------------------------- monitoring


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def _monitoring_values(key: str, period_code: str, institutions: tuple[str, ...], _wb: Workbook) -> pd.DataFrame:
    return counts.monitoring_period_values(_wb, Period.parse(period_code), institutions)


def monitoring_values(ctx: Context, institutions: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Institution × indicator figures of the period (`institutions` as in `overview`)."""
    return _monitoring_values(ctx.key, ctx.period.code, _chosen(ctx, institutions), _wb=ctx.wb)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def _monitoring_figures(key: str, period_code: str, institutions: tuple[str, ...],
                        _wb: Workbook) -> dict[str, counts.RegionFigure]:
    return counts.region_figures(_monitoring_values(key, period_code, institutions, _wb), _wb.indicators)


def monitoring_figures(ctx: Context, institutions: tuple[str, ...] | None = None) -> dict[str, counts.RegionFigure]:
    """Indicator → its figure over the institutions and how many of them filled it."""
    return _monitoring_figures(ctx.key, ctx.period.code, _chosen(ctx, institutions), _wb=ctx.wb)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def _monitoring_blanks(key: str, period_code: str, scope: tuple[str, ...], _wb: Workbook) -> pd.DataFrame:
    return tables.monitoring_blanks(_wb, Period.parse(period_code), list(scope))


def monitoring_blanks(ctx: Context) -> pd.DataFrame:
    """Who left the period's monitoring figures blank, over the institutions in view."""
    return _monitoring_blanks(ctx.key, ctx.period.code, tuple(ctx.scope), _wb=ctx.wb)


# --------------------------------------------------------------------------- readiness, issues, reminders


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def _readiness(key: str, year: int, as_of: date, _wb: Workbook) -> readiness_lib.Assessment:
    return readiness_lib.assess(_wb, year, as_of)


def readiness(ctx: Context) -> readiness_lib.Assessment:
    """«Готово к отправке» of every institution for the year: the one computation behind the checklist
    («Моё учреждение»), the matrix and the reminders («Качество данных»)."""
    return _readiness(ctx.key, ctx.year, ctx.as_of, _wb=ctx.wb)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def _readiness_matrix(key: str, year: int, as_of: date, institutions: tuple[str, ...],
                      _wb: Workbook) -> pd.DataFrame:
    return _readiness(key, year, as_of, _wb).matrix(list(institutions))


def readiness_matrix(ctx: Context) -> pd.DataFrame:
    return _readiness_matrix(ctx.key, ctx.year, ctx.as_of, tuple(ctx.institutions), _wb=ctx.wb)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def _laggards(key: str, period_code: str, institutions: tuple[str, ...], as_of: date,
              _wb: Workbook) -> list[laggards_lib.Laggard]:
    period = Period.parse(period_code)
    return laggards_lib.find_laggards(_wb, period, list(institutions), as_of,
                                      assessment=_readiness(key, period.year, as_of, _wb))


def laggards(ctx: Context) -> list[laggards_lib.Laggard]:
    return _laggards(ctx.key, ctx.period.code, tuple(ctx.institutions), ctx.as_of, _wb=ctx.wb)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def _reminders(key: str, period_code: str, institutions: tuple[str, ...], as_of: date, deadline: date,
               _wb: Workbook) -> dict[str, str]:
    period = Period.parse(period_code)
    return {lag.institution: reminders_lib.reminder_text(_wb, lag, period, as_of, deadline)
            for lag in _laggards(key, period_code, institutions, as_of, _wb)}


def reminders(ctx: Context, deadline: date) -> dict[str, str]:
    """Institution → its reminder text, for every laggard of the period."""
    return _reminders(ctx.key, ctx.period.code, tuple(ctx.institutions), ctx.as_of, deadline, _wb=ctx.wb)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def _issue_counts(key: str, institutions: tuple[str, ...], _wb: Workbook) -> dict[str, int]:
    return counts.issue_counts(_wb, institutions)


def issue_counts(ctx: Context, institutions: tuple[str, ...] | None = None) -> dict[str, int]:
    """{ERROR: n, WARNING: n} of the institutions' issues (`institutions` as in `overview`)."""
    return _issue_counts(ctx.key, _chosen(ctx, institutions), _wb=ctx.wb)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def _issues(key: str, institutions: tuple[str, ...], severities: tuple[str, ...], query: str,
            codes: tuple[str, ...], _wb: Workbook) -> tuple[int, pd.DataFrame]:
    table = tables.issues_table(_wb, list(institutions), list(severities), query, list(codes))
    return len(table), table.head(ROWS_SHOWN)


def issues(ctx: Context, severities: tuple[str, ...] = (), query: str = "", codes: tuple[str, ...] = (),
           institutions: tuple[str, ...] | None = None) -> tuple[int, pd.DataFrame]:
    """(number of issues, the first ROWS_SHOWN of them as `tables.issues_table` shows them)."""
    return _issues(ctx.key, _chosen(ctx, institutions), tuple(severities), query, tuple(codes), _wb=ctx.wb)


# --------------------------------------------------------------------------- activities


@st.cache_resource(ttl=_TTL, max_entries=4, show_spinner=False)
def _activity_table(key: str, _wb: Workbook) -> pd.DataFrame:
    """`tables.activities_table` of every row, in the index's report order (shared, read-only)."""
    return tables.activities_table(activity_index(_wb).rows)


@dataclass(frozen=True)
class ActivityView:
    """Everything the «Мероприятия» page draws for one filter combination (small frames only)."""
    present_types: list[str]         # types of the year's rows (before the type and text filters)
    year_rows: int                   # rows of the year after the type and text filters
    counts: pd.DataFrame             # counts.activity_counts of those rows (institution × quarter × type)
    period_counts: pd.DataFrame      # the same, the period's quarters only
    rows: int                        # rows in the period
    participants: int
    specialists: int
    active: int                      # institutions with at least one activity in the period
    scope_size: int                  # institutions in view
    first_rows: pd.DataFrame         # the first ROWS_SHOWN display rows of the period


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def _present_types(key: str, year: int, institutions: tuple[str, ...], _wb: Workbook) -> list[str]:
    rows = activity_index(_wb).select(year=year, institutions=institutions)
    found = counts.counts_by_type(rows)
    return [t for t in ACTIVITY_TYPE_NAMES if found[t]]


def present_types(ctx: Context) -> list[str]:
    """The activity types of the year's rows of the chosen institutions, in vocabulary order."""
    return _present_types(ctx.key, ctx.year, tuple(ctx.institutions), _wb=ctx.wb)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def _activities_view(key: str, period_code: str, institutions: tuple[str, ...], scope_size: int,
                     types: tuple[str, ...], query: str, _wb: Workbook) -> ActivityView:
    period = Period.parse(period_code)
    year = activity_index(_wb).select(year=period.year, institutions=institutions, types=types, query=query)
    in_period = year.in_period(period)
    participants, specialists = counts.people(in_period)
    year_counts = counts.activity_counts(year)
    return ActivityView(
        present_types=_present_types(key, period.year, institutions, _wb),
        year_rows=len(year), counts=year_counts,
        period_counts=counts.activity_counts(in_period),
        rows=len(in_period), participants=participants, specialists=specialists,
        active=len(counts.institutions_with_rows(in_period)), scope_size=scope_size,
        first_rows=_activity_table(key, _wb).iloc[in_period.positions[:ROWS_SHOWN]].reset_index(drop=True))


def activities_view(ctx: Context, types: tuple[str, ...] = (), query: str = "") -> ActivityView:
    return _activities_view(ctx.key, ctx.period.code, tuple(ctx.institutions), len(ctx.scope), tuple(types),
                            query, _wb=ctx.wb)


def activity_rows(ctx: Context, types: tuple[str, ...] = (), query: str = "") -> pd.DataFrame:
    """All display rows of the period (for the download: built only when the button is clicked)."""
    rows = activity_index(ctx.wb).select(period=ctx.period, institutions=tuple(ctx.institutions),
                                         types=tuple(types), query=query)
    return _activity_table(ctx.key, _wb=ctx.wb).iloc[rows.positions].reset_index(drop=True)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def _activity_rows_page(key: str, year: int, institutions: tuple[str, ...], types: tuple[str, ...],
                        quarters: tuple[int, int] | None, plan_item: str | None, limit: int,
                        _wb: Workbook) -> tuple[int, pd.DataFrame]:
    rows = activity_index(_wb).select(year=year, institutions=institutions, types=types, quarters=quarters,
                                      plan_item=plan_item)
    return len(rows), _activity_table(key, _wb).iloc[rows.positions[:limit]].reset_index(drop=True)


def activity_rows_page(ctx: Context, institutions: tuple[str, ...] | None = None, *, types: tuple[str, ...] = (),
                       whole_year: bool = False, year: int | None = None, plan_item: str | None = None,
                       limit: int = ROWS_SHOWN) -> tuple[int, pd.DataFrame]:
    """(number of activity rows, the first `limit` of them as `tables.activities_table` shows them):
    rows of the period (`whole_year`: of the year; `year`: of that year, default the chosen one),
    of the institutions (as in `overview`), types and plan item."""
    quarters = None if whole_year else (ctx.period.first_quarter, ctx.period.last_quarter)
    return _activity_rows_page(ctx.key, ctx.year if year is None else year, _chosen(ctx, institutions),
                               tuple(types), quarters, plan_item, limit, _wb=ctx.wb)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def _activity_count(key: str, period_code: str, institutions: tuple[str, ...], _wb: Workbook) -> int:
    return len(activity_index(_wb).select(Selection(Period.parse(period_code), institutions)))


@dataclass(frozen=True)
class InstitutionFigures:
    """The headline figures of one institution for the «Моё учреждение» page."""
    rows: int                        # activity rows in the period
    previous: int                    # in the previous period
    comparable: bool                 # whether the workbook covers the previous period
    share: pd.DataFrame              # tables.institution_share
    errors: int                      # errors on its tab(s)
    monitoring: pd.DataFrame | None  # tables.institution_monitoring (None: the workbook's year is another)
    monitoring_filled: int           # monitoring cells of the period's quarters filled
    monitoring_expected: int         # … and expected

    @property
    def delta(self) -> int | None:
        return self.rows - self.previous if self.comparable else None


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def _institution_figures(key: str, period_code: str, institution: str, _wb: Workbook) -> InstitutionFigures:
    period = Period.parse(period_code)
    previous = period.previous()
    own_year = period.year == _wb.year
    filled, expected = counts.monitoring_cells(_wb, period, institution) if own_year else (0, 0)
    return InstitutionFigures(
        rows=_activity_count(key, period_code, (institution,), _wb),
        previous=_activity_count(key, previous.code, (institution,), _wb),
        comparable=counts.has_data_for(_wb, previous),
        share=tables.institution_share(_wb, period, institution),
        errors=_issue_counts(key, (institution,), _wb)[ERROR],
        monitoring=tables.institution_monitoring(_wb, institution) if own_year else None,
        monitoring_filled=filled, monitoring_expected=expected)


def institution_figures(ctx: Context, institution: str) -> InstitutionFigures:
    return _institution_figures(ctx.key, ctx.period.code, institution, _wb=ctx.wb)


# --------------------------------------------------------------------------- the report


@st.cache_resource(ttl=_TTL, max_entries=2, show_spinner=False)
def _report_data(key: str, _wb: Workbook) -> ReportData:
    """What every draft of one loaded workbook shares (normalised texts, topic codes), built once per
    data key — a filter change does not re-normalise every activity row."""
    return ReportData(_wb)


@st.cache_data(ttl=_TTL, max_entries=16, show_spinner="Составляю черновик отчета…")
def _report(key: str, period_code: str, institutions: tuple[str, ...], _wb: Workbook) -> Report:
    return build_report(_wb, Period.parse(period_code), list(institutions), data=_report_data(key, _wb))


def report(ctx: Context) -> Report:
    """The report draft of the context's period and chosen institutions."""
    return _report(ctx.key, ctx.period.code, tuple(ctx.institutions), _wb=ctx.wb)


# --------------------------------------------------------------------------- changes since a read


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def _changes(key: str, baseline: str, _before: changes.Digest, _now: changes.Digest) -> changes.Changes:
    return changes.compare(_before, _now)


def changes_since(ctx: Context, baseline: str, before: changes.Digest, now: changes.Digest) -> changes.Changes:
    """What changed from the stored read `before` (its fingerprint: `baseline`) to the data on screen
    (`now`, its digest)."""
    return _changes(ctx.key, baseline, _before=before, _now=now)


def rows_caption(total: int, shown: int) -> str:
    """«Строк: 12 345, показаны первые 1 000 — …» when a table shows only its first rows, else «»."""
    if total <= shown:
        return ""
    return (f"Строк: {format_number(total)}, показаны первые {format_number(shown)} — уточните фильтры "
            "(все строки — на странице «Мероприятия», в скачиваемой таблице).")


_RESOURCES = (_activity_table, _report_data)


def clear() -> None:
    """Forget everything derived from the data: every `st.cache_data` value and the shared resources
    (the display table, the report's data)."""
    st.cache_data.clear()
    for func in _RESOURCES:
        func.clear()
