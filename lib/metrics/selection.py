"""What a number is about and where its rows come from: a `Selection` (period, institutions, as-of
date) and the one index of a loaded workbook's activity rows that every count selects from — the
pages, the Excel summary, the CLI and the report.

The index (`activity_index(wb)`) is built once per loaded workbook and kept on it: the rows in report
order (date → institution → row), institutions, types and plan items as integer codes, and the
participant / specialist / institution counts as numeric arrays. Selecting the rows of a period and
institutions is then a few array comparisons (`Rows`: positions in that order), not a DataFrame filter.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd

from lib.model.periods import Period
from lib.model.workbook import Workbook

NUMERIC = ("participants", "specialists", "institutions_count")
REPORT_ORDER = ["date", "institution", "row"]
_SEARCHED = ("institution", "type", "type_raw", "plan_item", "topic", "note", "link")


@dataclass(frozen=True)
class Selection:
    """A period, the chosen institutions (empty: all) and the date things are judged on (None: the
    period's end). Activity rows are those dated in the period; `as_of` judges plan status,
    readiness and laggards."""
    period: Period
    institutions: tuple[str, ...] = ()
    as_of: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "institutions", tuple(self.institutions or ()))

    @property
    def judged_on(self) -> date:
        return self.as_of or self.period.end

    def previous(self) -> "Selection":
        """The same institutions in the period this one is compared with (`Period.previous`)."""
        return replace(self, period=self.period.previous(), as_of=None)


def factorized(column: pd.Series, order: np.ndarray) -> tuple[np.ndarray, list]:
    """(integer code per row in `order`, -1 for a blank; the distinct values, in order of first
    appearance in the frame)."""
    codes, names = pd.factorize(column)
    return codes.astype(np.int64, copy=False)[order], list(names)


def search_text(acts: pd.DataFrame) -> pd.Series:
    """The searched columns of each activity row joined, lower case, «ё» as «е»."""
    text = acts[_SEARCHED[0]].astype("string").fillna("")
    for column in _SEARCHED[1:]:
        text = text + " " + acts[column].astype("string").fillna("")
    return text.str.lower().str.replace("ё", "е", regex=False)


def _in_quarters(quarter: np.ndarray, first: int, last: int) -> np.ndarray:
    return (quarter >= first) & (quarter <= last)


class ActivityIndex:
    """The activity rows of one workbook in report order, with their columns as plain arrays.
    Every array is in that order; `frame_positions` maps a position back to `wb.activities`."""

    def __init__(self, acts: pd.DataFrame):
        self.source = acts                                      # the frame it was built from (identity)
        order = acts.reset_index(drop=True).sort_values(REPORT_ORDER, kind="stable").index.to_numpy(dtype=np.int64)
        self.frame_positions = order
        self.n = len(acts)
        self.year = acts["year"].to_numpy(dtype="float64", na_value=np.nan)[order]
        self.quarter = acts["quarter"].to_numpy(dtype="float64", na_value=np.nan)[order]
        self.day = acts["date"].to_numpy(dtype="datetime64[D]")[order]
        self.inst_code, self.inst_names = factorized(acts["institution"], order)
        self.type_code, self.type_names = factorized(acts["type"], order)
        self.item_code, self.item_names = factorized(acts["plan_item"], order)
        self.inst_of = {v: c for c, v in enumerate(self.inst_names)}
        self.type_of = {v: c for c, v in enumerate(self.type_names)}
        self.item_of = {v: c for c, v in enumerate(self.item_names)}
        self.num = {k: acts[k].astype("float64").fillna(0).to_numpy()[order] if self.n else np.zeros(0)
                    for k in NUMERIC}
        self._text: pd.Series | None = None

    @property
    def rows(self) -> pd.DataFrame:
        """Every row as a DataFrame in report order (the index labels of `wb.activities`)."""
        return self.source.iloc[self.frame_positions]

    # masks (bool per row, report order) -------------------------------------

    def _code_mask(self, codes: np.ndarray, lookup: dict, values: Iterable) -> np.ndarray:
        wanted = [lookup[v] for v in set(values) if v in lookup]
        return np.isin(codes, np.asarray(wanted, dtype=np.int64))

    def mask(self, period: Period | None = None, institutions: Iterable[str] = (), *, year: int | None = None,
             quarters: tuple[int, int] | None = None, types: Iterable[str] = (), plan_item: str | None = None,
             until: date | None = None, query: str = "") -> np.ndarray:
        """Rows of a period (or a year, optionally its quarters `first, last`), of the chosen
        institutions, types and plan item, dated on or before `until`, containing every word of `query`."""
        mask = np.ones(self.n, dtype=bool)
        if period is not None:
            year, quarters = period.year, (period.first_quarter, period.last_quarter)
        if year is not None:
            mask &= self.year == year
        if quarters is not None:
            mask &= _in_quarters(self.quarter, *quarters)
        chosen = tuple(institutions or ())
        if chosen:
            mask &= self._code_mask(self.inst_code, self.inst_of, chosen)
        types = tuple(types or ())
        if types:
            mask &= self._code_mask(self.type_code, self.type_of, types)
        if plan_item is not None:
            mask &= self.item_code == self.item_of.get(plan_item, -2)
        if until is not None:
            mask &= self.day <= np.datetime64(until, "D")
        words = [w for w in str(query or "").lower().replace("ё", "е").split() if w]
        if words and self.n:
            if self._text is None:
                self._text = search_text(self.rows)
            for word in words:
                mask &= self._text.str.contains(word, regex=False).to_numpy(dtype=bool, na_value=False)
        return mask

    def select(self, sel: Selection | None = None, **filters) -> "Rows":
        """The rows of a selection (None: every row) and of the `mask` filters."""
        if sel is not None:
            filters = {"period": sel.period, "institutions": sel.institutions, **filters}
        return Rows(self, np.flatnonzero(self.mask(**filters)))


@dataclass(frozen=True)
class Rows:
    """Some activity rows of an index: positions in report order."""
    index: ActivityIndex
    positions: np.ndarray = field(repr=False)

    def __len__(self) -> int:
        return len(self.positions)

    @property
    def frame(self) -> pd.DataFrame:
        """The rows as a DataFrame in report order (the index labels of `wb.activities`)."""
        return self.index.source.iloc[self.frame_positions]

    @property
    def frame_positions(self) -> np.ndarray:
        """Their positions in `wb.activities`."""
        return self.index.frame_positions[self.positions]

    def codes(self, column: str) -> np.ndarray:
        """Integer codes of `institution`, `type` or `plan_item` (-1: blank)."""
        return {"institution": self.index.inst_code, "type": self.index.type_code,
                "plan_item": self.index.item_code}[column][self.positions]

    def values(self, column: str) -> np.ndarray:
        """A count column (`participants`, `specialists`, `institutions_count`), blanks as 0."""
        return self.index.num[column][self.positions]

    def where(self, keep: np.ndarray) -> "Rows":
        return Rows(self.index, self.positions[keep])

    def in_period(self, period: Period) -> "Rows":
        """Those of the rows dated in the period."""
        at = self.positions
        return self.where((self.index.year[at] == period.year)
                          & _in_quarters(self.index.quarter[at], period.first_quarter, period.last_quarter))

    def of_type(self, kind: str) -> "Rows":
        return self.where(self.codes("type") == self.index.type_of.get(kind, -2))

    def citing(self, item: str) -> "Rows":
        return self.where(self.codes("plan_item") == self.index.item_of.get(item, -2))


def activity_index(wb: Workbook) -> ActivityIndex:
    """The index of `wb.activities`, built on first use and kept on the workbook (rebuilt if the
    workbook's activity frame is replaced)."""
    return wb.kept("activity_index", (wb.activities,), lambda: ActivityIndex(wb.activities))


def select_rows(wb: Workbook, sel: Selection | None = None, **filters) -> Rows:
    """The activity rows of a selection (None: all) — `ActivityIndex.mask` filters may narrow them."""
    return activity_index(wb).select(sel, **filters)
