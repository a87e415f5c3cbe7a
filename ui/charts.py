"""The dashboard's charts: each one an Altair definition without data, compiled to its Vega-Lite spec
once per process and then drawn with each rerun's data.

Building an Altair chart and converting it to a spec takes 20–30 ms (copies and schema look-ups); a
page reruns on every click and some pages draw three charts. So a chart here is a function of a few
fixed parameters (an indicator's unit, the year) that returns the chart *without data*; `draw`
compiles it once (`functools.lru_cache`, keyed by the function and its parameters — never by data,
which changes with every filter) and hands the spec plus the data frame to `st.vega_lite_chart`.
Everything that depends on the data is in the data: rows come in the order they should be shown
(`sort=None` keeps it), and a per-row flag replaces a threshold computed from the data.

The specs are checked against the Vega-Lite schema when compiled under pytest (every chart the tests
draw), not in the running app.
"""
from __future__ import annotations

import copy
import functools
import sys
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from lib.model.contract import ACTIVITY_TYPE_NAMES
from lib.metrics.plan_status import STATUS_COLORS
from lib.russian import quarter_label

# Label expressions: Russian decimal comma and thousands separated by a space; Russian month names.
NUM_LABEL = "replace(replace(format(datum.value, ',~r'), ',', ' '), '.', ',')"
MONTH_LABEL = ("['янв', 'фев', 'мар', 'апр', 'май', 'июн', 'июл', 'авг', 'сен', 'окт', 'ноя', 'дек']"
               "[month(datum.value)]")
QUARTERS = [quarter_label(q) for q in (1, 2, 3, 4)]

_CONFIG = alt.Config(axis=alt.AxisConfig(labelLimit=320, labelFontSize=12, titleFontSize=12),
                     axisBand=alt.AxisConfig(labelOverlap=False),
                     legend=alt.LegendConfig(labelLimit=320, labelFontSize=12, titleFontSize=12))
VALIDATE = "pytest" in sys.modules
if not VALIDATE:             # nor every encoding channel as it is built (Altair's «debug mode», on by default)
    alt.utils.schemapi.disable_debug_mode()


_NO_DATA = {"name": "empty"}         # what Altair writes for a chart built without data


@functools.lru_cache(maxsize=256)
def compiled(build, *params) -> dict:
    """The Vega-Lite spec of `build(*params)`, with the shared axis and legend style, and without
    Altair's stand-in for the missing data (so the chart and its layers take the data of `draw`)."""
    chart = build(*params).copy(deep=False)
    chart.config = _CONFIG
    spec = chart.to_dict(validate=VALIDATE)
    _drop_stand_in(spec)
    spec.get("datasets", {}).pop(_NO_DATA["name"], None)
    if spec.get("datasets") == {}:
        del spec["datasets"]
    return spec


def _drop_stand_in(node) -> None:
    if isinstance(node, dict):
        if node.get("data") == _NO_DATA:
            del node["data"]
        for value in node.values():
            _drop_stand_in(value)
    elif isinstance(node, list):
        for value in node:
            _drop_stand_in(value)


def draw(build, *params, data: pd.DataFrame, height: int | None = None) -> None:
    """Draw the chart `build(*params)` with `data`, given as a named dataset like the chart's own fixed
    ones (as `st.altair_chart` does; the compiled spec is copied: Streamlit edits it)."""
    spec = copy.deepcopy(compiled(build, *params))
    spec["data"] = {"name": "rows"}
    spec.setdefault("datasets", {})["rows"] = data
    if height:
        spec["height"] = height
    st.vega_lite_chart(spec=spec, width="stretch")


def rows_height(n: int, per_row: int = 26, extra: int = 80) -> int:
    """Chart height for `n` rows of a band axis (Streamlit fits axes and legends inside the height)."""
    return max(200, per_row * n + extra)


# --------------------------------------------------------------------------- Мероприятия

_TYPE_COLOR = alt.Color("Вид:N", title="Вид мероприятия", scale=alt.Scale(scheme="tableau20"),
                        sort=ACTIVITY_TYPE_NAMES, legend=alt.Legend(orient="right"))
_COUNT_AXIS = alt.Axis(format="d", title="Мероприятий", tickMinStep=1)
_TYPE_TOOLTIP = [alt.Tooltip("Вид:N", title="Вид мероприятия"), alt.Tooltip("Мероприятий:Q", format="d")]


def activities_by_quarter(with_legend: bool) -> alt.Chart:
    """Stacked bars per quarter and type (one data row each); the quarters outside the period faded."""
    return alt.Chart().mark_bar().encode(
        x=alt.X("Квартал:N", sort=QUARTERS, title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("Мероприятий:Q", stack="zero", axis=_COUNT_AXIS),   # one row per quarter and type: no aggregate,
        color=_TYPE_COLOR if with_legend else _TYPE_COLOR.legend(None),      # which would drop «В периоде»
        opacity=alt.OpacityValue(**alt.condition(alt.datum["В периоде"], alt.value(1.0), alt.value(0.35))),
        tooltip=[alt.Tooltip("Квартал:N"), *_TYPE_TOOLTIP])


def activities_by_institution() -> alt.Chart:
    return alt.Chart().mark_bar().encode(
        y=alt.Y("Учреждение:N", sort="-x", title=None),
        x=alt.X("Мероприятий:Q", stack="zero", axis=_COUNT_AXIS),
        color=_TYPE_COLOR,
        tooltip=[alt.Tooltip("Учреждение:N"), *_TYPE_TOOLTIP])


def activities_heatmap() -> alt.LayerChart:
    """Institution × quarter counts, rows in data order; `Светлый текст` marks the dark cells."""
    base = alt.Chart().encode(
        x=alt.X("Квартал:N", sort=QUARTERS, title=None, axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("Учреждение:N", sort=None, title=None))
    rects = base.mark_rect(stroke="white").encode(
        color=alt.Color("Мероприятий:Q", scale=alt.Scale(scheme="blues", domainMin=0), title="Мероприятий",
                        legend=alt.Legend(format="d")),
        tooltip=[alt.Tooltip("Учреждение:N"), alt.Tooltip("Квартал:N"), alt.Tooltip("Мероприятий:Q", format="d")])
    text = base.mark_text(fontSize=12).encode(
        text=alt.Text("Мероприятий:Q", format="d"),
        color=alt.ColorValue(**alt.condition(alt.datum["Светлый текст"], alt.value("white"), alt.value("#1b1f24"))))
    return alt.layer(rects, text)


# --------------------------------------------------------------------------- Мониторинг

def road_map() -> alt.LayerChart:
    """Achievement per institution (`Процент`, `Итог`, `Подпись`) against the 100 % line."""
    bars = alt.Chart().mark_bar().encode(
        y=alt.Y("Учреждение:N", sort="-x", title=None),
        x=alt.X("Процент:Q", title="Достижение, %", scale=alt.Scale(domainMin=0), axis=alt.Axis(labelExpr=NUM_LABEL)),
        color=alt.Color("Итог:N", title=None, legend=alt.Legend(orient="top"),
                        scale=alt.Scale(domain=["достигнуто", "ниже 100 %"], range=["#2e7d32", "#ef6c00"])),
        tooltip=[alt.Tooltip("Учреждение:N"), alt.Tooltip("Подпись:N", title="Достижение")])
    labels = bars.mark_text(align="left", dx=3).encode(text="Подпись:N", color=alt.ColorValue("#1b1f24"))
    target = alt.Chart(pd.DataFrame({"x": [100]})).mark_rule(color="#c62828", strokeDash=[6, 4], strokeWidth=2) \
        .encode(x="x:Q")
    return alt.layer(bars, labels, target)


def indicator_heatmap(unit: str) -> alt.LayerChart:
    """One indicator by institution × quarter (rows and quarters in data order); grey «—» for blanks."""
    base = alt.Chart().encode(
        x=alt.X("Квартал:N", sort=None, title=None, axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("Учреждение:N", sort=None, title=None))
    blank = base.mark_rect(stroke="white", color="#eeeeee")
    rects = base.mark_rect(stroke="white").encode(
        color=alt.Color("value:Q", title=unit or "значение", scale=alt.Scale(scheme="greens"),
                        legend=alt.Legend(labelExpr=NUM_LABEL)),
        opacity=alt.OpacityValue(**alt.condition(alt.datum["В периоде"], alt.value(1.0), alt.value(0.55))),
        tooltip=[alt.Tooltip("Учреждение:N"), alt.Tooltip("Квартал:N"), alt.Tooltip("Значение:N", title="Значение")])
    text = base.mark_text(fontSize=12).encode(
        text=alt.Text("Текст:N"),
        color=alt.ColorValue(**alt.condition("datum.value === null", alt.value("#c62828"), alt.value("#1b1f24"))))
    return alt.layer(blank, rects, text)


def indicator_bars(unit: str) -> alt.LayerChart:
    """One indicator's figure per institution for the period (`Значение`, `Подпись`)."""
    bars = alt.Chart().mark_bar(color="#1f5f99").encode(
        y=alt.Y("Учреждение:N", sort="-x", title=None),
        x=alt.X("Значение:Q", title=unit or "значение", axis=alt.Axis(labelExpr=NUM_LABEL)),
        tooltip=[alt.Tooltip("Учреждение:N"), alt.Tooltip("Подпись:N", title="Значение")])
    return alt.layer(bars, bars.mark_text(align="left", dx=3).encode(text="Подпись:N"))


# --------------------------------------------------------------------------- План

def plan_timeline(year: int, as_of: date, as_of_label: str) -> alt.LayerChart:
    """Checkpoints of the plan items over the year (`lib.metrics.tables.plan_timeline`), with the as-of line."""
    domain = [pd.Timestamp(year, 1, 1).isoformat(), pd.Timestamp(year, 12, 31).isoformat()]
    status_scale = alt.Scale(domain=list(STATUS_COLORS), range=list(STATUS_COLORS.values()))
    y = alt.Y("Пункт:N", sort=alt.EncodingSortField("Порядок"), title=None, axis=alt.Axis(labelLimit=380))
    x = alt.X("Начало:T", title=None, scale=alt.Scale(domain=domain, clamp=True),
              axis=alt.Axis(labelExpr=MONTH_LABEL, tickCount="month", labelAngle=0, grid=True, orient="top"))
    spans = alt.Chart().mark_rule(strokeWidth=7, opacity=0.25).encode(
        x=x, x2="Конец:T", y=y, color=alt.Color("Статус:N", scale=status_scale, legend=None))
    points = alt.Chart().mark_point(filled=True, size=90, opacity=1).encode(
        x="Дата:T", y=y,
        color=alt.Color("Статус:N", scale=status_scale, title="Статус пункта", legend=alt.Legend(orient="top")),
        shape=alt.Shape("Этап:N", scale=alt.Scale(domain=["прошла", "впереди"], range=["circle", "diamond"]),
                        title="Контрольная дата", legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("Мероприятие:N", title="Пункт"), alt.Tooltip("Срок:N", title="Контрольная дата"),
                 alt.Tooltip("Статус:N", title="Статус")])
    marker = pd.DataFrame({"Дата": [pd.Timestamp(as_of)], "Подпись": [as_of_label]})
    rule = alt.Chart(marker).mark_rule(color="#c62828", strokeDash=[6, 4], strokeWidth=2).encode(x="Дата:T")
    label = alt.Chart(marker).mark_text(align="left", dx=4, dy=8, color="#c62828", fontWeight="bold").encode(
        x="Дата:T", y=alt.YValue(0), text="Подпись:N")
    return alt.layer(spans, points, rule, label).resolve_scale(color="independent")
