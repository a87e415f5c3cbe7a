"""Drawing «Готово к отправке» (`lib.metrics.readiness`): one institution's checklist for a period (page «Моё
учреждение») and the colours of the institution × quarter matrix (page «Качество данных»).

Every red line lists where to fix it: for a Google Sheet each cell is a link that opens it; for an
Excel file the tab and cell are named, and the lines that come from the issue log link to the
«Качество данных» page filtered to the tab (its search field and severity filter are bound to the
address: `?quality_search=<tab>&quality_severity=ошибка` — a bound multiselect takes its options as
shown). Workbook texts (messages, indicator names, tab names) go into tables, never into Markdown;
a line is an alert coloured by its state, with its icon as the alert's icon (not a Markdown directive).
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.model.workbook import ERROR, SEVERITY_RU, Workbook
from lib.metrics.readiness import AHEAD, ERRORS, NOT_READY, PLAN_ITEMS, STATE_COLORS, Checklist, Line, state_of

QUALITY_PAGE = "app_pages/quality.py"
MAX_FIXES_SHOWN = 50
# A line by its state: the alert drawing it and its Material icon (Streamlit's own font — colour emoji
# are missing on many servers' browsers)
ALERTS = {True: (st.success, ":material/check_circle:"), False: (st.error, ":material/cancel:"),
          None: (st.info, ":material/radio_button_unchecked:")}


def readiness_style(value: str) -> str:
    """Background of a matrix cell by its state."""
    color = STATE_COLORS.get(state_of(str(value)))
    return f"background-color: {color}" if color else ""


def quality_link_params(tab: str, errors_only: bool) -> dict[str, str]:
    """The address of «Качество данных» showing this tab's issues (its bound search and severity)."""
    params = {"quality_search": tab}
    if errors_only:
        params["quality_severity"] = SEVERITY_RU[ERROR]      # a bound multiselect: the option as shown
    return params


def _fixes_table(line: Line, gsheet: bool, key: str) -> None:
    fixes = line.fixes[:MAX_FIXES_SHOWN]
    frame = pd.DataFrame({"Где": [f.url if gsheet and f.url else f.where for f in fixes],
                          ("Что исправить" if line.ok is False else "Что там"): [f.text for f in fixes]})
    st.dataframe(frame, hide_index=True, key=key, height="content" if len(frame) <= 12 else "auto",
                 column_config={
                     "Где": (st.column_config.LinkColumn("Где", display_text=r"range=([A-Z]+[0-9]+)", width="small")
                             if gsheet else st.column_config.TextColumn("Где", width="small")),
                     "Что исправить": st.column_config.TextColumn(width="large"),
                     "Что там": st.column_config.TextColumn(width="large")})
    if len(line.fixes) > MAX_FIXES_SHOWN:
        st.caption(f"Показаны первые {MAX_FIXES_SHOWN} из {len(line.fixes)}.")


def draw_checklist(cl: Checklist, wb: Workbook, key: str = "readiness") -> None:
    """The headline (ready or not, for the period) and one row per check, red rows with their cells."""
    period = cl.period.label
    red = cl.red_lines
    if cl.state == AHEAD:
        st.info(f"{period} ещё не начался — проверять пока нечего.", icon=":material/schedule:")
    elif not red:
        st.success(f"Готово к отправке: {period} — все проверки пройдены.", icon=":material/task_alt:")
    else:
        st.error(f"{NOT_READY.capitalize()} к отправке: {period} — не пройдено проверок: {len(red)} из "
                 f"{len(cl.lines)}. Исправьте по списку ниже.", icon=":material/assignment_late:")
    gsheet = wb.source.kind == "gsheet"
    for i, line in enumerate(cl.lines):
        with st.container(border=True, key=f"{key}_line_{line.key}"):
            alert, icon = ALERTS[line.ok]
            alert(f"**{line.title}**  \n{line.text}", icon=icon)     # the module's own words and numbers only
            if line.ok is False and line.fixes:
                _fixes_table(line, gsheet, f"{key}_fixes_{line.key}")
                if not gsheet and line.key in (ERRORS, PLAN_ITEMS) and cl.tab:
                    st.page_link(QUALITY_PAGE, label="Открыть на странице «Качество данных»",
                                 icon=":material/fact_check:",
                                 query_params=quality_link_params(cl.tab, line.key == ERRORS))
            elif line.ok and line.fixes:                 # e.g. where the «мероприятий не было» rows are
                _fixes_table(line, gsheet, f"{key}_proofs_{line.key}")
    if not gsheet and red and cl.tab:
        st.caption("Книга Excel: откройте названные вкладку и ячейки, исправьте их, сохраните книгу и нажмите "
                   "«Обновить данные».")
