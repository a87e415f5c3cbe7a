"""Обзор — the director's 10-second glance: plan status, this period's headline counts and their
change to the previous period, who has reported, open data errors. Every number opens the rows
behind it. The plan comparison lives with the plan items (the block above and the «План» page)."""
from __future__ import annotations

import streamlit as st

from ui import cached, widgets
from ui.markup import plain
from lib.model.contract import ACTIVITY_GROUPS
from lib.metrics.overview import overdue_text
from lib.metrics.plan_status import DONE, IN_PROGRESS, NOT_STARTED, OVERDUE
from lib.russian import format_date_numeric, format_number, plural, quarter_label

INSTITUTION_FORMS = ("учреждение", "учреждения", "учреждений")
ROWS_IN_EXPANDER = 200     # a glance: the full lists are on «Мероприятия» and «Качество данных»

ctx = widgets.page("Обзор", lambda ctx: f"статус плана на {format_date_numeric(ctx.as_of)}")
wb = ctx.wb
ov = cached.overview(ctx)
# A centre's user sees its own figures plus the region's totals (counts only, no other centre's row).
region = cached.overview(ctx, institutions=()) if ctx.own_only else None

# --------------------------------------------------------------------------- plan
st.subheader(f"Выполнение плана на {format_date_numeric(ctx.as_of)}")
if not ov.plan_items:
    widgets.empty("План работы не загружен: заполните вкладку «План» (№, Мероприятие, Сроки, Показатель, Цель) "
             "и нажмите «Обновить данные».")
else:
    cols = st.columns(4)
    for col, (name, label) in zip(cols, [(DONE, "Выполнено"), (IN_PROGRESS, "В работе"),
                                         (OVERDUE, "Просрочено"), (NOT_STARTED, "Не начато")]):
        with col.container(border=True):
            st.metric(label, format_number(ov.status_counts[name]), help=f"Пунктов плана со статусом «{name}» "
                      f"из {ov.plan_items}. Статус считается по всем учреждениям.")
    if not ov.overdue.empty:
        st.error("**Просрочено:**\n" + "\n".join(f"- {plain(overdue_text(r))}" for _, r in ov.overdue.iterrows()),
                 icon=":material/schedule:")
    else:
        st.success("Просроченных пунктов плана нет.", icon=":material/check_circle:")
    with st.expander("Пункты плана по статусам"):
        plan_rows = cached.plan_table(ctx)
        widgets.table(plan_rows[["№", "Мероприятие", "Статус", "Факт", "Нужно к дате", "Ближайший срок"]],
                 hide_index=True, column_config={
                     "Ближайший срок": st.column_config.DateColumn(format="DD.MM.YYYY")})
        st.page_link("app_pages/plan.py", label="Открыть план полностью", icon=":material/arrow_forward:")

# --------------------------------------------------------------------------- activities
st.subheader(f"Мероприятия: {ctx.period.label}")
prev = ov.previous_period
cols = st.columns(4)
for n, (col, fig) in enumerate(zip(cols, ov.groups)):
    with col.container(border=True):
        st.metric(fig.group, format_number(fig.count), delta=fig.delta,
                  delta_description="к пред. периоду" if fig.delta is not None else None,
                  help=(f"За {prev.label} — {format_number(fig.previous)}." if fig.previous is not None
                        else f"Данных за {prev.label} в книге нет, сравнить не с чем."))
        if region is not None:
            st.caption(f"По области: {format_number(region.groups[n].count)}")
if ov.activities_total == 0:
    widgets.empty(f"Нет мероприятий за {ctx.period.label}. Проверьте, что учреждения внесли строки в блок "
             "«Мероприятия» своих вкладок (дата в этом периоде), или выберите другой период.")
else:
    compared = any(fig.delta is not None for fig in ov.groups)
    st.caption(f"Всего мероприятий за период: {format_number(ov.activities_total)}. " +
               (f"Стрелки — изменение к предыдущему периоду ({prev.label})"
                + (f"; {ctx.period.label} ещё идёт, а предыдущий период — полный. "
                   if ctx.as_of < ctx.period.end else ". ") if compared else
                f"Сравнения нет: в книге нет данных за {prev.label}. ") +
               "Выполнение плана — по пунктам плана: в зачёт идут строки, где указан номер пункта.")
    for fig in (f for f in ov.groups if f.count):
        with st.expander(f"Строки: {fig.group} ({format_number(fig.count)})"):
            n_rows, rows = cached.activity_rows_page(ctx, types=tuple(ACTIVITY_GROUPS[fig.group]),
                                                     limit=ROWS_IN_EXPANDER)
            if n_rows > len(rows):
                st.caption(cached.rows_caption(n_rows, len(rows)))
            widgets.table(rows.drop(columns=["Квартал"]), hide_index=True,
                     column_config={"Дата": st.column_config.DateColumn(format="DD.MM.YYYY"),
                                    "Ссылка": st.column_config.LinkColumn(display_text="открыть")})

# --------------------------------------------------------------------------- reporting and errors
st.subheader("Отчётность и качество данных")
left, right = st.columns(2)
with left.container(border=True):
    st.metric(f"Сдали данные за {ctx.period.label}", f"{ov.reported} из {ov.institutions_total}",
              help="Учреждение сдало, если в каждом квартале периода есть мероприятия или показатели мониторинга; "
                   "«частично» — есть не всё (нет мероприятий или заполнены не все показатели).")
    if ov.institutions_total == 0:
        st.caption("В книге нет учреждений: заполните вкладку «Учреждения».")
    elif ov.partly:
        st.caption(f"Из них полностью (мероприятия и все показатели мониторинга): {ov.fully_reported}")
    if ov.not_reported:
        st.markdown(f"**Нет данных ({ov.not_reported_total}):** " + ", ".join(map(plain, ov.not_reported)))
    if ov.partly:
        if ov.partly_total <= 5:
            st.markdown(f"**Частично ({ov.partly_total}):** " + ", ".join(map(plain, ov.partly)))
        else:
            st.markdown(f"**Частично:** {plural(ov.partly_total, INSTITUTION_FORMS)} — "
                        "список ниже, в «Сдаче данных по учреждениям»")
    if ov.institutions_total and not ov.not_reported and not ov.partly:
        st.caption("Все учреждения сдали данные полностью.")
with right.container(border=True):
    st.metric("Ошибок в данных", format_number(ov.errors),
              help="Строки и ячейки, которые не учтены из-за ошибок заполнения.")
    st.caption(f"Предупреждений: {format_number(ov.warnings)}")
    st.page_link("app_pages/quality.py", label="Ошибки и напоминания учреждениям", icon=":material/fact_check:")
if ov.institutions_total:
    with st.expander("Сдача данных по учреждениям"):
        matrix = cached.reporting(ctx)
        matrix = matrix.rename(columns={q: quarter_label(q) for q in matrix.columns})
        matrix.index.name = "Учреждение"
        widgets.table(widgets.styled(matrix.reset_index(), {c: widgets.completeness_style for c in matrix.columns}),
                 hide_index=True, height="content")
if ov.errors:
    with st.expander(f"Ошибки ({format_number(ov.errors)})"):
        n_errors, errors = cached.issues(ctx, severities=("error",))
        errors = errors.head(ROWS_IN_EXPANDER)
        if n_errors > len(errors):
            st.caption(f"Показаны первые {format_number(len(errors))} — все ошибки на странице «Качество данных».")
        widgets.table(errors.drop(columns=["Серьёзность", "Адрес"]), hide_index=True,
                 column_config={"Ячейка": st.column_config.LinkColumn(display_text=r"range=(.*)$")
                                if wb.source.kind == "gsheet" else st.column_config.TextColumn()})
