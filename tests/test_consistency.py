"""The dashboard, the Excel summary and the report cannot disagree, proven with generated workbooks
(hypothesis).

Random small workbooks (1–3 institution tabs, activity rows of random dates — some outside the plan
year —, types in people's spellings, plan references, counts or blanks; a monitoring block or none)
are written to a real .xlsx and read back through `lib.loader`. For random periods (a quarter, a
half-year, 9 months, the year) and random institution filters, `check_consistency` asserts that the
numbers of every consumer equal those of the metrics layer (`lib.metrics.counts` over
`lib.metrics.selection`):

* the overview's count cards (`lib.metrics.overview.build_overview`, what «Обзор» draws);
* the «Мероприятия» page's figures and tables (`ui.cached.activities_view` — the very call the page
  makes — and the pivots it draws from it);
* the Excel summary (`lib.export.summary.summary_xlsx_bytes`, opened with openpyxl and read back):
  the period's totals per type, and each plan item's «Факт» against `plan_status`;
* the report (`lib.report.draft.build_report`): each row is described once per kind of indicator, so
  the rows of a type its indicators describe (`numbers["type:<вид>"]`) add up to the metrics layer's
  count of that type, for every type a «Источник» lists; and the report's row count.

`test_the_check_fails_when_a_consumer_counts_differently` shows the check is not vacuous: one consumer
at a time is made to count differently and the check must raise.
"""
from __future__ import annotations

import io
import os
import tempfile
import uuid
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from lib.export.summary import ALL, summary_xlsx_bytes
from lib.loader import load_workbook
from lib.metrics import selection as selection_lib
from lib.metrics.counts import counts_by_group, counts_by_type
from lib.metrics.overview import build_overview
from lib.metrics.plan_status import plan_status
from lib.metrics.selection import Selection, select_rows
from lib.metrics.tables import pivot_counts
from lib.model.contract import ACTIVITY_TYPE_NAMES, DEFAULT_MONITORING_INDICATORS
from lib.model.periods import Period
from lib.model.workbook import Workbook
from lib.report.criteria import parse_source
from lib.report.draft import as_of_for, build_report
from tests.workbook_builder import ACTIVITY_HEADER, MONITORING_HEADER, write_workbook

EXAMPLES = int(os.environ.get("OMP_HYPOTHESIS_EXAMPLES_CONSISTENCY", "25"))
DERANDOMIZE = not os.environ.get("OMP_HYPOTHESIS_RANDOM")
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=DERANDOMIZE, database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])
YEAR = 2026
NAMES = ["Бабаевский", "Белозерский", "Вашкинский"]
SPELLINGS = ["Консультация", "консультирование", "Семинар", "вебинар", "Круглый стол", "мастер-класс",
             "Совещание", "Публикация", "статья", "Буклет", "памятка", "Выступление", "Формуляр практики",
             "Видеоролик", "Мониторинг"]
PLAN_REFS = ["", "", "1.3", "2.2", "2.4", "3.3"]
PERIODS = ["Q1", "Q2", "Q3", "Q4", "H1", "9M", ""]


# --------------------------------------------------------------------------- generated workbooks

days = st.dates(min_value=date(YEAR - 1, 10, 1), max_value=date(YEAR + 1, 3, 31))
counts = st.one_of(st.none(), st.integers(0, 40))


@st.composite
def activity_rows(draw) -> list[list]:
    rows = []
    for _ in range(draw(st.integers(0, 9))):
        day = draw(days)
        rows.append([day.strftime("%d.%m.%Y"), draw(st.sampled_from(SPELLINGS)), draw(st.sampled_from(PLAN_REFS)),
                     draw(st.sampled_from(["Тема А", "Тема Б", ""])), draw(counts), draw(counts), draw(counts), "", ""])
    return rows


@st.composite
def monitoring_rows(draw) -> list[list]:
    if not draw(st.booleans()):
        return []
    rows = [[], MONITORING_HEADER]
    for ind in DEFAULT_MONITORING_INDICATORS:
        rows.append([ind.name, *[draw(st.one_of(st.none(), st.integers(0, 100))) for _ in range(4)]])
    return rows


@st.composite
def workbook_tabs(draw) -> dict[str, list[list]]:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True))
    return {name: [ACTIVITY_HEADER, *draw(activity_rows()), *draw(monitoring_rows())] for name in names}


def load_tabs(tabs: dict[str, list[list]]) -> Workbook:
    with tempfile.TemporaryDirectory() as tmp:
        return load_workbook(write_workbook(Path(tmp) / "book.xlsx", institutions=tabs))


@st.composite
def scopes(draw) -> tuple[Period, tuple[str, ...]]:
    kind = draw(st.sampled_from(PERIODS))
    period = Period.parse(f"{YEAR}-{kind}" if kind else str(YEAR))
    chosen = tuple(draw(st.lists(st.sampled_from(NAMES), max_size=2, unique=True)))
    return period, chosen


# --------------------------------------------------------------------------- the consumers, read back


def cards(wb: Workbook, period: Period, chosen: tuple[str, ...], as_of: date) -> tuple[dict[str, int], int]:
    """The overview's count cards and its «Всего мероприятий за период»."""
    ov = build_overview(wb, period, chosen, as_of)
    return {g.group: g.count for g in ov.groups}, ov.activities_total


def activities_page(wb: Workbook, period: Period, chosen: tuple[str, ...], as_of: date) -> tuple[dict[str, int], int]:
    """What the «Мероприятия» page shows: its «Мероприятий» figure and its «Учреждения × виды» table
    (per type over the institutions), through the same `ui.cached` call the page makes."""
    from ui import cached
    from ui.context import Context
    ctx = Context(wb=wb, period=period, institutions=list(chosen), as_of=as_of, year=period.year,
                  key=f"consistency-{uuid.uuid4()}")
    view = cached.activities_view(ctx)
    table = pivot_counts(view.period_counts, "institution", ctx.scope)
    by_type = {t: int(table[t].sum()) if t in table.columns else 0 for t in ACTIVITY_TYPE_NAMES}
    return by_type, view.rows


def summary_sheet(wb: Workbook, period: Period, chosen: tuple[str, ...],
                  as_of: date) -> tuple[dict[str, int], dict[str, int]]:
    """The Excel summary read back: the period's totals per type (its «Все учреждения — итого» row)
    and each plan item's «Факт»."""
    book = openpyxl.load_workbook(io.BytesIO(summary_xlsx_bytes(wb, period, list(chosen), as_of)))
    sheet = book["Мероприятия"]
    header = [c.value for c in sheet[1]]
    label = period.label if len(period.quarters) > 1 else f"{['I', 'II', 'III', 'IV'][period.first_quarter - 1]} " \
                                                          f"квартал {period.year}"
    totals = [dict(zip(header, (c.value for c in row))) for row in sheet.iter_rows(min_row=2)]
    total = next(r for r in totals if r["Учреждение"] == f"{ALL} — итого" and r["Квартал"] == label)
    plan = book["План"]
    plan_header = [c.value for c in plan[1]]
    facts = {r["№"]: r["Факт"] for r in (dict(zip(plan_header, (c.value for c in row)))
                                         for row in plan.iter_rows(min_row=2))}
    return {t: int(total[t]) for t in ACTIVITY_TYPE_NAMES}, facts


def report_numbers(wb: Workbook, period: Period, chosen: tuple[str, ...]) -> tuple[dict[tuple[str, str], int], int]:
    """(kind of indicator, type) → how many rows of that type the report's indicators of that kind
    describe, for every type some «Источник» of that kind lists; and the report's row count.

    Each row is described once per kind (`_Context.claim`): by the indicator that names it most
    precisely. So over the indicators of one kind (those not marked «повторно»), the rows of a type
    that a source of that kind lists add up to every row of that type of the period and scope."""
    report = build_report(wb, period, list(chosen))
    listed: set[tuple[str, str]] = set()
    found: dict[tuple[str, str], int] = {}
    for ind in report.indicators():
        source, _ = parse_source(ind.source, wb)
        if source.again:
            continue
        listed |= {(ind.kind, kind) for kind in source.types}
        for key, n in ind.numbers.items():
            if key.startswith("type:"):
                found[(ind.kind, key[5:])] = found.get((ind.kind, key[5:]), 0) + int(n)
    return {pair: found.get(pair, 0) for pair in sorted(listed)}, report.activity_rows


def check_consistency(wb: Workbook, period: Period, chosen: tuple[str, ...]) -> None:
    """Every consumer's numbers equal the metrics layer's for this period and scope."""
    as_of = as_of_for(period, today=date(YEAR + 1, 6, 1))
    rows = select_rows(wb, Selection(period, chosen, as_of))
    by_type, by_group = counts_by_type(rows), counts_by_group(rows)

    groups, total = cards(wb, period, chosen, as_of)
    assert groups == by_group, ("overview cards", groups, by_group)
    assert total == len(rows), ("overview total", total, len(rows))

    page_types, page_rows = activities_page(wb, period, chosen, as_of)
    assert page_types == by_type, ("activities page", page_types, by_type)
    assert page_rows == len(rows), ("activities page rows", page_rows, len(rows))

    sheet_types, facts = summary_sheet(wb, period, chosen, as_of)
    assert sheet_types == by_type, ("Excel summary", sheet_types, by_type)
    status = plan_status(wb, as_of, chosen)
    assert facts == dict(zip(status["item"], status["actual"].astype(int))), ("Excel summary plan", facts)

    listed, report_rows = report_numbers(wb, period, chosen)
    assert listed, "the criteria list activity types"
    for (indicator_kind, kind), n in listed.items():
        assert n == by_type[kind], ("report", indicator_kind, kind, n, by_type[kind])
    assert report_rows == len(rows), ("report rows", report_rows, len(rows))


# --------------------------------------------------------------------------- the properties


@SETTINGS
@given(tabs=workbook_tabs(), picks=st.lists(scopes(), min_size=1, max_size=3))
def test_overview_activities_page_summary_and_report_agree(tabs, picks):
    wb = load_tabs(tabs)
    for period, chosen in picks:
        check_consistency(wb, period, chosen)


def _fixed_workbook() -> Workbook:
    """Rows in every quarter of the year for two institutions, citing plan items: any consumer that
    drops a row, or counts the year instead of the period, gets another number."""
    rows = {name: [ACTIVITY_HEADER] + [[(date(YEAR, 1, 10) + timedelta(days=40 * k + i)).strftime("%d.%m.%Y"),
                                        SPELLINGS[(k + i) % len(SPELLINGS)], PLAN_REFS[k % len(PLAN_REFS)], "Тема",
                                        5, 2, 1, "", ""] for k in range(9)]
            for i, name in enumerate(NAMES[:2])}
    return load_tabs(rows)


def _whole_year(select):
    def wrong(wb, sel=None, **filters):
        return select(wb, replace(sel, period=Period(sel.period.year, 1, 4)) if sel is not None else None, **filters)
    return wrong


def _one_row_less(counter):
    def wrong(rows):
        out = dict(counter(rows))
        first = next((k for k, v in out.items() if v), None)
        if first is not None:
            out[first] -= 1
        return out
    return wrong


@pytest.mark.parametrize("consumer", ["overview counts the year", "summary drops a row",
                                      "report counts the year", "activities page drops a row"])
def test_the_check_fails_when_a_consumer_counts_differently(monkeypatch, consumer):
    wb = _fixed_workbook()
    period, chosen = Period.parse(f"{YEAR}-Q2"), ()
    check_consistency(wb, period, chosen)              # as built, everything agrees
    if consumer == "overview counts the year":
        import lib.metrics.overview as target
        monkeypatch.setattr(target, "select_rows", _whole_year(selection_lib.select_rows))
    elif consumer == "summary drops a row":
        import lib.export.summary as target
        monkeypatch.setattr(target, "counts_by_type", _one_row_less(counts_by_type))
    elif consumer == "report counts the year":
        import lib.report.draft as target
        monkeypatch.setattr(target, "select_rows", _whole_year(selection_lib.select_rows))
    else:
        from lib.metrics import counts as counts_lib
        from ui import cached
        real = counts_lib.activity_counts
        monkeypatch.setattr(cached.counts, "activity_counts",
                            lambda rows: real(rows.where(np.arange(len(rows)) > 0)) if hasattr(rows, "where")
                            else real(rows))
    with pytest.raises(AssertionError):
        check_consistency(wb, period, chosen)
