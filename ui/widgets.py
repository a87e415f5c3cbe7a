"""Small drawing helpers shared by the pages: the page header, empty states, coloured statuses, tables
(charts: `ui/charts.py`)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ui.context import Context, get_context
from ui.markup import plain
from lib.metrics.plan_status import STATUS_COLORS
from lib.sources.spreadsheet import MAX_FILE_BYTES
from lib.metrics.tables import COMPLETENESS_COLORS
from lib.russian import institutions_text

CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p { font-size: 0; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {
  content: "Выбрать файл"; font-size: 0.875rem; }
[data-testid="stFileUploaderDropzoneInstructions"] span { font-size: 0; }
[data-testid="stFileUploaderDropzoneInstructions"] span::after {
  content: "до {max_mb} МБ, форматы .xlsx, .xls, .ods"; font-size: 0.75rem; }
.omp-card-title { font-size: 0.875rem; line-height: 1.25; min-height: 2.5em; margin-bottom: -0.5rem; }
</style>"""


def inject_css() -> None:
    """Page padding and Russian texts for the file uploader (Streamlit has no UI translation)."""
    st.html(CSS.replace("{max_mb}", str(MAX_FILE_BYTES // 1048576)))


def header(ctx: Context, title: str, note: str | None = None, *, with_period: bool = True) -> None:
    """Title plus one caption line: the period and institutions in view, and where the data came from.
    `note` is Markdown (the caller escapes any workbook text in it with `plain`)."""
    st.title(title)
    parts = []
    if with_period:
        parts.append(f"**{ctx.period.label}**")
    parts.append(institutions_text([plain(n) for n in ctx.institutions], len(ctx.wb.institution_names)))
    if note:
        parts.append(note)
    st.caption(" · ".join(parts) + "  \n" + ctx.source_text)


def page(title: str, note=None, *, with_period: bool = True, needs_institutions: bool = False) -> Context:
    """How a page opens: the context, the title with its caption (`note`: a text, or a function of the
    context giving one), and a stop with guidance when the source could not be read — or, with
    `needs_institutions`, when the workbook has no institutions."""
    ctx = get_context()
    header(ctx, title, note(ctx) if callable(note) else note, with_period=with_period)
    stop_if_unreadable(ctx)
    if needs_institutions and no_institutions(ctx):
        st.stop()
    return ctx


def empty(message: str) -> None:
    st.info(message, icon=":material/info:")


def stop_if_unreadable(ctx: Context) -> None:
    """When the source could not be read, say what to do (the error itself is shown above) and stop."""
    if ctx.load_error:
        empty("Здесь появятся данные, когда источник будет прочитан: исправьте файл или ссылку и нажмите "
              "«Обновить данные», либо загрузите книгу в боковой панели.")
        st.stop()


def no_institutions(ctx: Context) -> bool:
    """Show guidance and return True when the workbook has no institutions at all."""
    if ctx.wb.institution_names:
        return False
    if ctx.load_error:
        empty("Данных нет: источник не прочитан (см. сообщение выше). Загрузите книгу в боковой панели.")
    else:
        empty("В книге нет ни одного учреждения. Добавьте их на вкладку «Учреждения» и создайте для каждого "
              "вкладку с его кратким наименованием, затем нажмите «Обновить данные».")
    return True


def status_style(value: str) -> str:
    color = STATUS_COLORS.get(value)
    return f"color: white; background-color: {color}; font-weight: 600" if color else ""


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


def table(data, **kwargs):
    """st.dataframe with «—» for empty cells (instead of «None»)."""
    kwargs.setdefault("placeholder", "—")
    return st.dataframe(data, **kwargs)
