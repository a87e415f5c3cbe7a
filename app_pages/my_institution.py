"""Моё учреждение — what one КЦСОН sees of itself while fixing its tab: its rows, its issues, its
monitoring and its share of the region."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import cached, readiness_panel, widgets
from ui.context import get_context
from ui.markup import plain
from lib.russian import format_number, format_share, quarter_label

ctx = get_context()
wb = ctx.wb
st.title("Моё учреждение")
names = ctx.visible                   # an institution's user: only its own institution
if ctx.load_error:
    st.caption(ctx.source_text)
    widgets.stop_if_unreadable(ctx)
if not wb.institution_names:
    st.caption(ctx.source_text)
    widgets.no_institutions(ctx)
    st.stop()
if not names:
    st.caption(ctx.source_text)
    st.error(f"Учреждения «{plain(ctx.institutions[0])}» нет в книге. Сообщите администратору: название учреждения "
             "в настройках входа должно совпадать с именем его вкладки.", icon=":material/person_alert:")
    st.stop()
if st.session_state.get("institution") not in (None, *names):
    del st.session_state["institution"]          # a value this user may not see (or no longer in the book)

first = names.index(ctx.institutions[0]) if ctx.institutions and ctx.institutions[0] in names else 0
inst = st.selectbox("Учреждение", names, index=first, key="institution", bind="query-params",
                    help="Ссылку на эту страницу с выбранным учреждением можно сохранить в закладки.")
info = wb.institutions[wb.institutions["institution"] == inst].iloc[0]
details = [plain(info[c]) for c in ("full_name", "district", "responsible", "contacts")
           if isinstance(info[c], str) and info[c].strip()]
st.caption(" · ".join([f"**{ctx.period.label}**", *details]) + "  \n" + ctx.source_text)
tab = info["tab"] if isinstance(info["tab"], str) else None
if tab is None:
    st.error(f"В таблице нет вкладки «{plain(inst)}». Создайте вкладку с таким именем (скопируйте вкладку другого "
             "учреждения и очистите данные).", icon=":material/tab_unselected:")

n_own, own = cached.activity_rows_page(ctx, (inst,))
figures = cached.institution_figures(ctx, inst)
share = figures.share
n_issues, issues = cached.issues(ctx, institutions=(inst,))
mon = figures.monitoring
period_cols = [quarter_label(q) for q in ctx.period.quarters]

m1, m2, m3, m4 = st.columns(4)
m1.metric("Мероприятий за период", format_number(figures.rows), delta=figures.delta, border=True,
          delta_description="к пред. периоду" if figures.comparable else None,
          help=f"{ctx.period.previous().label}: {format_number(figures.previous)}.")
total = share.iloc[-1]
m2.metric("Доля в области", format_share(total["Доля"]), border=True,
          help=f"{format_number(total['Учреждение'])} из {format_number(total['Область'])} мероприятий всех учреждений.")
m3.metric("Показатели мониторинга", f"{figures.monitoring_filled} из {figures.monitoring_expected}", border=True,
          help="Заполненных ячеек мониторинга за кварталы периода.")
m4.metric("Ошибок на вкладке", format_number(figures.errors), border=True)

# --------------------------------------------------------------------------- ready to send (lib.metrics.readiness)
st.subheader(f"Готово к отправке: {ctx.period.label}")
assessment = cached.readiness(ctx)
if inst in assessment.facts:
    readiness_panel.draw_checklist(assessment.checklist(inst, ctx.period), wb)
    by_quarter = assessment.quarter_checklists(inst)
    st.caption(f"По кварталам {ctx.year} года: " + " · ".join(f"{quarter_label(q)} — {cl.summary}"
                                                              for q, cl in by_quarter.items()) +
               f". Проверяются кварталы, начавшиеся к {ctx.as_of:%d.%m.%Y} (дата — в боковой панели).")

st.subheader("Ошибки и предупреждения")
if issues.empty:
    st.success("На вкладке нет ошибок и предупреждений.", icon=":material/check_circle:")
else:
    gsheet = wb.source.kind == "gsheet"
    if n_issues > len(issues):
        st.caption(f"Сообщений: {format_number(n_issues)}, показаны первые {format_number(len(issues))} — все на странице "
                   "«Качество данных».")
    widgets.table(issues.drop(columns=["Учреждение", "Адрес"]), hide_index=True, column_config={
        "Ячейка": (st.column_config.LinkColumn(display_text=r"range=([A-Z]+[0-9]+)") if gsheet
                   else st.column_config.TextColumn(width="small")),
        "Сообщение": st.column_config.TextColumn(width="large")})

st.subheader(f"Мониторинг, {wb.year} год")
if mon is None:
    widgets.empty(f"Показатели мониторинга в книге — за {wb.year} год.")
elif mon.isna().all().all():
    widgets.empty(f"Показатели мониторинга не заполнены. Заполните блок «Мониторинг» на вкладке «{plain(tab or inst)}».")
else:
    blank_style = {c: (lambda v: "background-color: #ffebee" if pd.isna(v) else "") for c in period_cols}
    widgets.table(widgets.styled(mon, blank_style), column_config={
        "_index": st.column_config.TextColumn("Показатель", width="large"),
        **{c: st.column_config.NumberColumn(format="%g") for c in mon.columns}})
    st.caption("«—» — ячейка пустая или строки показателя нет; розовым — пустые ячейки выбранного периода. "
               "Пустая ячейка — это не ноль: если значение нулевое, укажите 0.")

st.subheader(f"Доля в области: {ctx.period.label}")
widgets.table(share, hide_index=True, width=640, column_config={
    "Учреждение": st.column_config.NumberColumn(inst[:30], format="%d"),
    "Область": st.column_config.NumberColumn("Все учреждения", format="%d"),
    "Доля": st.column_config.ProgressColumn(min_value=0, max_value=1, format="percent")})

st.subheader(f"Мероприятия: {ctx.period.label}")
if own.empty:
    widgets.empty(f"Нет мероприятий за {ctx.period.label}. Внесите их в блок «Мероприятия» на вкладке "
             f"«{plain(tab or inst)}» (дата, вид мероприятия, пункт плана, тема, участники).")
else:
    if n_own > len(own):
        st.caption(cached.rows_caption(n_own, len(own)))
    widgets.table(own.drop(columns=["Учреждение"]), hide_index=True, column_config={
        "Дата": st.column_config.DateColumn(format="DD.MM.YYYY"),
        "Ссылка": st.column_config.LinkColumn(display_text="открыть"),
        "Тема / содержание": st.column_config.TextColumn(width="large")})
