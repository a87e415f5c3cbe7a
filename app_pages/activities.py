"""Мероприятия — counts per quarter by type and by institution, an institution × quarter heat map,
and the filtered, searchable activity table with an .xlsx download."""
from __future__ import annotations

import altair as alt
import streamlit as st

from app_pages import ui
from app_pages.context import get_context
from lib.contract import ACTIVITY_TYPE_NAMES
from lib.excel_export import frames_to_xlsx
from lib.metrics import select_activities
from lib.views import (activities_table, counts_long, fmt_int, heatmap_frame, pivot_counts, quarter_label,
                       search_activities)

ctx = get_context()
wb = ctx.wb
ui.header(ctx, "Мероприятия")
ui.stop_if_unreadable(ctx)
if ui.no_institutions(ctx):
    st.stop()

# --------------------------------------------------------------------------- filters
year_acts = select_activities(wb, None, ctx.institutions)
year_acts = year_acts[year_acts["year"] == ctx.year]
present_types = [t for t in ACTIVITY_TYPE_NAMES if t in set(year_acts["type"])]
f1, f2 = st.columns([3, 2])
types = f1.multiselect("Вид мероприятия", present_types, key="acts_types", placeholder="Все виды")
query = f2.text_input("Поиск по теме, учреждению, примечанию", key="acts_search", placeholder="например, волонтер")
if types:
    year_acts = year_acts[year_acts["type"].isin(types)]
year_acts = search_activities(year_acts, query)
acts = year_acts[year_acts["quarter"].between(ctx.period.first_quarter, ctx.period.last_quarter)]

# --------------------------------------------------------------------------- figures
scope = ctx.scope
active = acts["institution"].nunique()
m1, m2, m3, m4 = st.columns(4)
m1.metric("Мероприятий", fmt_int(len(acts)))
m2.metric("Участников", fmt_int(int(acts["participants"].fillna(0).sum()) if len(acts) else 0))
m3.metric("Специалистов", fmt_int(int(acts["specialists"].fillna(0).sum()) if len(acts) else 0))
m4.metric("Учреждений с мероприятиями", f"{active} из {len(scope)}")

if year_acts.empty:
    ui.empty(f"Нет мероприятий за {ctx.year} год" + (" с такими условиями — измените фильтры." if types or query
             else ". Учреждения вносят их в блок «Мероприятия» своих вкладок (Дата, Вид мероприятия, …)."))
    st.stop()

type_color = alt.Color("Вид:N", title="Вид мероприятия", scale=alt.Scale(scheme="tableau20"),
                       sort=ACTIVITY_TYPE_NAMES, legend=alt.Legend(orient="right"))
count_axis = alt.Axis(format="d", title="Мероприятий", tickMinStep=1)

left, right = st.columns([2, 3])
with left:
    st.markdown(f"**По кварталам {ctx.year} года**")
    by_q = counts_long(year_acts, "quarter").rename(columns={"type": "Вид", "count": "Мероприятий"})
    by_q["Квартал"] = by_q["quarter"].map(quarter_label)
    by_q["В периоде"] = by_q["quarter"].isin(ctx.period.quarters)
    ui.chart(alt.Chart(by_q).mark_bar().encode(
        x=alt.X("Квартал:N", sort=[quarter_label(q) for q in (1, 2, 3, 4)], title=None,
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("sum(Мероприятий):Q", axis=count_axis),
        color=type_color if acts.empty else type_color.legend(None),
        opacity=alt.condition(alt.datum["В периоде"], alt.value(1.0), alt.value(0.35)),
        tooltip=[alt.Tooltip("Квартал:N"), alt.Tooltip("Вид:N", title="Вид мероприятия"),
                 alt.Tooltip("Мероприятий:Q", format="d")]), height=420)
    st.caption("Яркие столбцы — выбранный период; цвета — виды мероприятий (легенда справа).")
with right:
    st.markdown(f"**По учреждениям: {ctx.period.label}**")
    if acts.empty:
        ui.empty(f"Нет мероприятий за {ctx.period.label}.")
    else:
        by_i = counts_long(acts, "institution").rename(columns={"institution": "Учреждение", "type": "Вид",
                                                                "count": "Мероприятий"})
        ui.chart(alt.Chart(by_i).mark_bar().encode(
            y=alt.Y("Учреждение:N", sort="-x", title=None),
            x=alt.X("sum(Мероприятий):Q", axis=count_axis),
            color=type_color,
            tooltip=[alt.Tooltip("Учреждение:N"), alt.Tooltip("Вид:N", title="Вид мероприятия"),
                     alt.Tooltip("Мероприятий:Q", format="d")]),
            height=max(ui.rows_height(by_i["Учреждение"].nunique(), 22, 70), 420))

st.markdown(f"**Учреждение × квартал, {ctx.year} год** — число мероприятий")
heat = heatmap_frame(year_acts, scope, (1, 2, 3, 4))
base = alt.Chart(heat).encode(
    x=alt.X("Квартал:N", sort=[quarter_label(q) for q in (1, 2, 3, 4)], title=None,
            axis=alt.Axis(orient="top", labelAngle=0)),
    y=alt.Y("Учреждение:N", sort=scope, title=None))
rects = base.mark_rect(stroke="white").encode(
    color=alt.Color("Мероприятий:Q", scale=alt.Scale(scheme="blues", domainMin=0), title="Мероприятий",
                    legend=alt.Legend(format="d")),
    tooltip=["Учреждение:N", "Квартал:N", alt.Tooltip("Мероприятий:Q", format="d")])
text = base.mark_text(fontSize=12).encode(
    text=alt.Text("Мероприятий:Q", format="d"),
    color=alt.condition(alt.datum["Мероприятий"] > heat["Мероприятий"].max() / 2, alt.value("white"),
                        alt.value("#1b1f24")))
ui.chart(rects + text, height=ui.rows_height(len(scope), 26, 60))

tab_q, tab_i = st.tabs(["Виды × кварталы", "Учреждения × виды"])
with tab_q:
    table = pivot_counts(year_acts, "quarter", [1, 2, 3, 4])
    table.index = [quarter_label(q) for q in table.index]
    ui.table(table.T, height="content",
             column_config={"_index": st.column_config.TextColumn("Вид мероприятия", width="medium")})
with tab_i:
    table = pivot_counts(acts, "institution", scope)
    table.index.name = "Учреждение"
    st.caption(ctx.period.label)
    ui.table(table, height="content" if len(table) <= 30 else "auto")

# --------------------------------------------------------------------------- rows and download
st.subheader(f"Строки мероприятий: {ctx.period.label}")
rows = activities_table(acts)
if rows.empty:
    ui.empty(f"Нет строк за {ctx.period.label}" + (" с такими условиями." if types or query else "."))
else:
    st.caption(f"Строк: {fmt_int(len(rows))}. «Вкладка» и «Строка» — где строка записана в таблице.")
    ui.table(rows, hide_index=True, key="acts_table", column_config={
        "Дата": st.column_config.DateColumn(format="DD.MM.YYYY"),
        "Ссылка": st.column_config.LinkColumn(display_text="открыть"),
        "Тема / содержание": st.column_config.TextColumn(width="large"),
        "Участников": st.column_config.NumberColumn(format="%d"),
        "Специалистов": st.column_config.NumberColumn(format="%d"),
        "Учреждений": st.column_config.NumberColumn(format="%d"),
        "Строка": st.column_config.NumberColumn(format="%d")})
    st.download_button(
        "Скачать таблицу (.xlsx)", data=lambda: frames_to_xlsx({"Мероприятия": rows}),
        file_name=f"мероприятия_{ctx.period.file_suffix}_{ctx.year}.xlsx", key="acts_download",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:",
        on_click="ignore")
