"""Мероприятия — counts per quarter by type and by institution, an institution × quarter heat map,
and the filtered, searchable activity table with an .xlsx download."""
from __future__ import annotations

import streamlit as st

from ui import charts, cached, widgets
from lib.export.excel import frames_to_xlsx
from lib.metrics.tables import counts_long, heatmap_frame, pivot_counts
from lib.russian import format_number, quarter_label

ctx = widgets.page("Мероприятия", needs_institutions=True)

# --------------------------------------------------------------------------- filters
# Everything below is computed once per filter combination (ui/cached.py): the page only draws
# small aggregated frames and at most ROWS_SHOWN table rows.
present_types = cached.present_types(ctx)
f1, f2 = st.columns([3, 2])
types = f1.multiselect("Вид мероприятия", present_types, key="acts_types", placeholder="Все виды",
                       select_all=False)
query = f2.text_input("Поиск по теме, учреждению, примечанию", key="acts_search", placeholder="например, волонтер")
filters = (tuple(types), query.strip())
view = cached.activities_view(ctx, *filters)
year_counts = view.counts
counts = view.period_counts

# --------------------------------------------------------------------------- figures
scope = ctx.scope
m1, m2, m3, m4 = st.columns(4)
m1.metric("Мероприятий", format_number(view.rows))
m2.metric("Участников", format_number(view.participants))
m3.metric("Специалистов", format_number(view.specialists))
m4.metric("Учреждений с мероприятиями", f"{view.active} из {view.scope_size}")

if view.year_rows == 0:
    widgets.empty(f"Нет мероприятий за {ctx.year} год" + (" с такими условиями — измените фильтры." if types or query
             else ". Учреждения вносят их в блок «Мероприятия» своих вкладок (Дата, Вид мероприятия, …)."))
    st.stop()

left, right = st.columns([2, 3])
with left:
    st.markdown(f"**По кварталам {ctx.year} года**")
    by_q = counts_long(year_counts, "quarter").rename(columns={"type": "Вид", "count": "Мероприятий"})
    by_q["Квартал"] = by_q["quarter"].map(quarter_label)
    by_q["В периоде"] = by_q["quarter"].isin(ctx.period.quarters)
    charts.draw(charts.activities_by_quarter, view.rows == 0, data=by_q, height=420)
    st.caption("Яркие столбцы — выбранный период; цвета — виды мероприятий (легенда справа).")
with right:
    st.markdown(f"**По учреждениям: {ctx.period.label}**")
    if view.rows == 0:
        widgets.empty(f"Нет мероприятий за {ctx.period.label}.")
    else:
        by_i = counts_long(counts, "institution").rename(columns={"institution": "Учреждение", "type": "Вид",
                                                                "count": "Мероприятий"})
        charts.draw(charts.activities_by_institution, data=by_i,
                    height=max(charts.rows_height(by_i["Учреждение"].nunique(), 22, 70), 420))

st.markdown(f"**Учреждение × квартал, {ctx.year} год** — число мероприятий")
heat = heatmap_frame(year_counts, scope, (1, 2, 3, 4))
heat["Светлый текст"] = heat["Мероприятий"] > heat["Мероприятий"].max() / 2
charts.draw(charts.activities_heatmap, data=heat, height=charts.rows_height(len(scope), 26, 60))

tab_q, tab_i = st.tabs(["Виды × кварталы", "Учреждения × виды"])
with tab_q:
    table = pivot_counts(year_counts, "quarter", [1, 2, 3, 4])
    table.index = [quarter_label(q) for q in table.index]
    widgets.table(table.T, height="content",
             column_config={"_index": st.column_config.TextColumn("Вид мероприятия", width="medium")})
with tab_i:
    table = pivot_counts(counts, "institution", scope)
    table.index.name = "Учреждение"
    st.caption(ctx.period.label)
    widgets.table(table, height="content" if len(table) <= 30 else "auto")

# --------------------------------------------------------------------------- rows and download
st.subheader(f"Строки мероприятий: {ctx.period.label}")
rows = view.first_rows
if rows.empty:
    widgets.empty(f"Нет строк за {ctx.period.label}" + (" с такими условиями." if types or query else "."))
else:
    shown = (f"Строк: {format_number(view.rows)}." if view.rows <= len(rows) else
             f"Строк: {format_number(view.rows)}, показаны первые {format_number(len(rows))} — уточните фильтры или поиск; "
             "в скачанной таблице все строки.")
    st.caption(f"{shown} «Вкладка» и «Строка» — где строка записана в таблице.")
    widgets.table(rows, hide_index=True, key="acts_table", column_config={
        "Дата": st.column_config.DateColumn(format="DD.MM.YYYY"),
        "Ссылка": st.column_config.LinkColumn(display_text="открыть"),
        "Тема / содержание": st.column_config.TextColumn(width="large"),
        "Участников": st.column_config.NumberColumn(format="%d"),
        "Специалистов": st.column_config.NumberColumn(format="%d"),
        "Учреждений": st.column_config.NumberColumn(format="%d"),
        "Строка": st.column_config.NumberColumn(format="%d")})
    st.download_button(
        "Скачать таблицу (.xlsx)",
        data=lambda: frames_to_xlsx({"Мероприятия": cached.activity_rows(ctx, *filters)}),
        file_name=f"мероприятия_{ctx.period.file_suffix}_{ctx.year}.xlsx", key="acts_download",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:",
        on_click="ignore")
