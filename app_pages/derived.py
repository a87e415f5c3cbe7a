"""Cached values derived from the loaded workbook.

Each function takes the data key (`Context.key`, which changes whenever the data is read again) and
the filter values as hashed arguments, and the workbook itself as `_wb` (not hashed). So a widget
change that does not affect a value reuses it, and nothing is ever re-read or re-parsed.
"""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from lib import metrics, overview, plan_status, reminders, views
from lib.model import Workbook
from lib.periods import Period

_TTL = 3600
_ENTRIES = 64


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def plan_status_on(key: str, as_of: date, _wb: Workbook) -> pd.DataFrame:
    return plan_status.plan_status(_wb, as_of)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def overview_of(key: str, period_code: str, institutions: tuple[str, ...], as_of: date,
                _wb: Workbook) -> overview.Overview:
    return overview.build_overview(_wb, Period.parse(period_code), list(institutions), as_of,
                                   plan_status_on(key, as_of, _wb))


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def completeness_of(key: str, year: int, institutions: tuple[str, ...], _wb: Workbook) -> pd.DataFrame:
    return views.completeness_table(_wb, year, list(institutions))


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def monitoring_values(key: str, period_code: str, institutions: tuple[str, ...], _wb: Workbook) -> pd.DataFrame:
    return metrics.monitoring_period_values(_wb, Period.parse(period_code), list(institutions))


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def laggards_of(key: str, period_code: str, institutions: tuple[str, ...],
                _wb: Workbook) -> list[reminders.Laggard]:
    return reminders.find_laggards(_wb, Period.parse(period_code), list(institutions))


ALL = (plan_status_on, overview_of, completeness_of, monitoring_values, laggards_of)


def clear() -> None:
    for func in ALL:
        func.clear()
