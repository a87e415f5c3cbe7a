"""Small drawing helpers shared by the pages: the page header, empty states, coloured statuses and
Russian number formats for Altair."""
from __future__ import annotations

import functools
import sys

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.context import Context
from lib.plan_status import STATUS_COLORS
from lib.sources import MAX_XLSX_BYTES
from lib.views import COMPLETENESS_COLORS, institutions_text

# Altair label expressions: Russian decimal comma and thousands separated by a space.
INT_LABEL = "replace(format(datum.value, ',d'), ',', ' ')"
NUM_LABEL = "replace(replace(format(datum.value, ',~r'), ',', ' '), '.', ',')"


CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p { font-size: 0; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {
  content: "Выбрать файл"; font-size: 0.875rem; }
[data-testid="stFileUploaderDropzoneInstructions"] span { font-size: 0; }
[data-testid="stFileUploaderDropzoneInstructions"] span::after {
  content: "до {max_mb} МБ, формат .xlsx"; font-size: 0.75rem; }
.omp-card-title { font-size: 0.875rem; line-height: 1.25; min-height: 2.5em; margin-bottom: -0.5rem; }
</style>"""


def inject_css() -> None:
    """Page padding and Russian texts for the file uploader (Streamlit has no UI translation)."""
    st.html(CSS.replace("{max_mb}", str(MAX_XLSX_BYTES // 1048576)))


def rows_height(n: int, per_row: int = 26, extra: int = 80) -> int:
    """Chart height for `n` rows of a band axis (Streamlit fits axes and legends inside the height)."""
    return max(200, per_row * n + extra)


def header(ctx: Context, title: str, note: str | None = None, *, with_period: bool = True) -> None:
    """Title plus one caption line: the period and institutions in view, and where the data came from."""
    st.title(title)
    parts = []
    if with_period:
        parts.append(f"**{ctx.period.label}**")
    parts.append(institutions_text(ctx.institutions, len(ctx.wb.institution_names)))
    if note:
        parts.append(note)
    st.caption(" · ".join(parts) + "  \n" + ctx.source_text)


def empty(message: str) -> None:
    st.info(message, icon=":material/info:")


def stop_if_unreadable(ctx: Context) -> None:
    """When the source could not be read, say what to do (the error itself is shown above) and stop."""
    if ctx.load_error:
        empty("Здесь появятся данные, когда источник будет прочитан: исправьте файл или ссылку и нажмите "
              "«Обновить данные», либо загрузите книгу .xlsx в боковой панели.")
        st.stop()


def no_institutions(ctx: Context) -> bool:
    """Show guidance and return True when the workbook has no institutions at all."""
    if ctx.wb.institution_names:
        return False
    if ctx.load_error:
        empty("Данных нет: источник не прочитан (см. сообщение выше). Загрузите книгу .xlsx в боковой панели.")
    else:
        empty("В книге нет ни одного учреждения. Добавьте их на вкладку «Учреждения» и создайте для каждого "
              "вкладку с его кратким наименованием, затем нажмите «Обновить данные».")
    return True


def status_style(value: str) -> str:
    color = STATUS_COLORS.get(value)
    return f"color: white; background-color: {color}; font-weight: 600" if color else ""


def severity_style(value: str) -> str:
    return "color: #c62828; font-weight: 600" if value == "ошибка" else ""


def completeness_style(value: str) -> str:
    color = COMPLETENESS_COLORS.get(value)
    return f"background-color: {color}" if color else ""


def styled(frame: pd.DataFrame, column_styles: dict[str, callable]):
    """A pandas Styler colouring some columns cell by cell (st.dataframe keeps column_config on it)."""
    styler = frame.style
    for column, func in column_styles.items():
        if column in frame.columns:
            styler = styler.map(func, subset=[column])
    return styler


def status_scale() -> alt.Scale:
    return alt.Scale(domain=list(STATUS_COLORS), range=list(STATUS_COLORS.values()))


_CHART_CONFIG = alt.Config(axis=alt.AxisConfig(labelLimit=320, labelFontSize=12, titleFontSize=12),
                           axisBand=alt.AxisConfig(labelOverlap=False),
                           legend=alt.LegendConfig(labelLimit=320, labelFontSize=12, titleFontSize=12))

# Channels given as plain dicts (`alt.condition(...)`, `alt.value(...)`) are resolved by Altair through
# a schema search on every build; the pages wrap them in their typed channel class
# (`alt.OpacityValue(**alt.condition(...))`, `alt.ColorValue(...)`, `alt.Tooltip("…")` rather than a bare
# string in a tooltip list) — the same spec, ~3× faster. Layers get their data once, on the layer
# (`alt.layer(a, b, data=frame)`): given to each sub-chart, Altair hashes the frame's text for each one.
# Charts are checked against the Vega-Lite JSON schema under pytest (every chart the tests draw), not on
# every rerun of the running app: the check costs more than building the chart, and the charts are
# fixed in code.
VALIDATE_CHARTS = "pytest" in sys.modules
if not VALIDATE_CHARTS:      # nor every encoding channel as it is built (Altair's «debug mode», on by default)
    alt.utils.schemapi.disable_debug_mode()


def chart(c: alt.Chart, height: int | None = None) -> None:
    """Draw an Altair chart (always built on aggregated frames) with the shared axis and legend style
    (set in one step instead of three `configure_*` copies of the chart)."""
    c = c.properties(height=height) if height else c.copy(deep=False)
    c.config = _CHART_CONFIG
    if not VALIDATE_CHARTS:
        object.__setattr__(c, "to_dict", functools.partial(c.to_dict, validate=False))
    st.altair_chart(c, width="stretch")


MONTH_LABEL = ("['янв', 'фев', 'мар', 'апр', 'май', 'июн', 'июл', 'авг', 'сен', 'окт', 'ноя', 'дек']"
               "[month(datum.value)]")


def table(data, **kwargs):
    """st.dataframe with «—» for empty cells (instead of «None»)."""
    kwargs.setdefault("placeholder", "—")
    return st.dataframe(data, **kwargs)
