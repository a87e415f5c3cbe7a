"""Мониторинг — the quarterly indicators by institution and quarter: region totals, charts, road-map
achievement against 100 %, the table, and who left figures blank (blank is not zero)."""
from __future__ import annotations

import html

import streamlit as st

from ui import charts, cached, widgets
from ui.markup import plain
from lib.metrics.counts import latest_filled_quarter
from lib.russian import format_number, format_percent
from lib.model.periods import quarter_name
from lib.metrics.tables import blanks_by_institution, monitoring_grid, monitoring_matrix

ctx = widgets.page("Мониторинг", needs_institutions=True)
wb = ctx.wb
if ctx.year != wb.year:
    widgets.empty(f"Показатели мониторинга в книге — за {wb.year} год. Выберите {wb.year} год в боковой панели.")
    st.stop()
if wb.monitoring.empty:
    widgets.empty("Показатели мониторинга не заполнены ни одним учреждением. На вкладке учреждения нужен блок "
             "«Мониторинг»: строка заголовков «Показатель | I квартал | II квартал | III квартал | IV квартал» "
             "и строки показателей.")
    st.stop()

scope = ctx.scope
values = cached.monitoring_values(ctx)
figures = cached.monitoring_figures(ctx)
totals = {name: fig.value for name, fig in figures.items()}
units = {i.name: i.unit for i in wb.indicators}
# A centre's user sees its own figures plus the region's totals (sums and means only, no other centre's row).
own_only = ctx.own_only
region = cached.monitoring_figures(ctx, institutions=()) if own_only else figures

# --------------------------------------------------------------------------- region totals and road map

def draw_totals() -> None:
    where = "области" if own_only or not ctx.institutions else "выбранным учреждениям"
    st.subheader(f"Итого по {where}: {ctx.period.label}")
    in_region = len(wb.institution_names) if own_only else len(scope)
    cols = st.columns(4)
    for n, ind in enumerate(wb.indicators):
        fig = region.get(ind.name)
        total = fig.value if fig is not None else None
        how = "среднее" if ind.over_region == "среднее" else "сумма"
        with cols[n % 4].container(border=True):
            # the name comes from the workbook: escaped, so a cell cannot inject HTML or script (an HTML block
            # is not parsed as Markdown; a blank line would end it, so the name is kept on one line)
            st.markdown(f"<div class='omp-card-title'>{html.escape(' '.join(ind.name.split()))}</div>",
                        unsafe_allow_html=True)
            st.metric(plain(ind.name), "нет данных" if total is None else f"{format_number(total)} {plain(ind.unit)}",
                      label_visibility="collapsed",
                      help=f"{how.capitalize()} по учреждениям, заполнившим показатель; за период — "
                           f"{'сумма кварталов' if ind.over_time == 'сумма' else 'последний заполненный квартал'}.")
            st.caption(f"Заполнили {fig.filled if fig is not None else 0} из {in_region}")
            if own_only:
                mine = totals.get(ind.name)
                shown = "нет данных" if mine is None else f"{format_number(mine)} {plain(ind.unit)}"
                st.caption(f"Ваше учреждение: {shown}")


def draw_road_map() -> None:
    percent = [i for i in wb.indicators if i.is_percent]
    for ind in percent:
        st.subheader(f"{plain(ind.name)}: {ctx.period.label}")
        rows = values[values["indicator"] == ind.name].dropna(subset=["value"])
        if rows.empty:
            widgets.empty(f"Никто не заполнил показатель «{plain(ind.name)}» за {ctx.period.label}.")
            continue
        data = rows.rename(columns={"institution": "Учреждение", "value": "Процент"})[["Учреждение", "Процент"]]
        data["Итог"] = ["достигнуто" if v >= 100 else "ниже 100 %" for v in data["Процент"]]
        data["Подпись"] = [format_percent(v) for v in data["Процент"]]
        charts.draw(charts.road_map, data=data, height=charts.rows_height(len(data), 26, 90))
        st.caption("Красная линия — 100 % плана дорожной карты.")


any_filled = any(fig.value is not None for fig in figures.values())
if any_filled:
    draw_totals()
    draw_road_map()
else:
    latest = latest_filled_quarter(wb, scope)
    hint = (f" Последние данные — за {quarter_name(latest)}: выберите его в боковой панели."
            if latest else "")
    widgets.empty(f"За {ctx.period.label} показатели мониторинга ещё не заполнены ни одним учреждением.{hint}")

# --------------------------------------------------------------------------- one indicator
st.subheader("Показатель по учреждениям и кварталам")
names = [i.name for i in wb.indicators]
indicator = st.selectbox("Показатель", names, key="mon_indicator")
last_q = max(ctx.period.last_quarter, latest_filled_quarter(wb) or 0)
grid = monitoring_grid(wb, indicator, scope, range(1, last_q + 1))
grid["Текст"] = [v if s == "заполнено" else "—" for v, s in zip(grid["Значение"], grid["state"])]
grid["В периоде"] = grid["q"].isin(ctx.period.quarters)
unit = units.get(indicator, "")
left, right = st.columns([3, 2])
with left:
    st.markdown(f"**{plain(indicator)}, {plain(unit)} — по кварталам {wb.year} года**")
    charts.draw(charts.indicator_heatmap, unit, data=grid, height=charts.rows_height(len(scope), 26, 60))
    st.caption("«—» на сером — значение не заполнено или строки показателя нет на вкладке (пустая ячейка — "
               "это не ноль). Яркие столбцы — выбранный период.")
with right:
    st.markdown(f"**За {ctx.period.label}**")
    per = values[values["indicator"] == indicator].dropna(subset=["value"])
    if per.empty:
        widgets.empty(f"Никто не заполнил этот показатель за {ctx.period.label}.")
    else:
        per = per.rename(columns={"institution": "Учреждение", "value": "Значение"})
        per["Подпись"] = [format_number(v) for v in per["Значение"]]
        charts.draw(charts.indicator_bars, unit, data=per, height=charts.rows_height(len(per), 26, 70))

# --------------------------------------------------------------------------- table and blanks
if any_filled:
    st.subheader(f"Таблица показателей: {ctx.period.label}")
    table = monitoring_matrix(values, wb.indicators, scope, totals)
    widgets.table(table, height="content", column_config={
        "_index": st.column_config.TextColumn("Показатель", width="large", pinned=True),
        "Ед.": st.column_config.TextColumn(width="small", pinned=True),
        **{c: st.column_config.NumberColumn(format="%g") for c in table.columns[1:]}})
    st.caption("«—» — за период ничего не заполнено. «Итого» — сумма по учреждениям (для процентов — среднее). "
               "Суммирующиеся показатели (открыто служб, заключено соглашений) сложены за кварталы периода, "
               "остальные — значение последнего заполненного квартала.")

st.subheader("Кто не заполнил")
blanks = cached.monitoring_blanks(ctx)
if blanks.empty:
    st.success(f"Все показатели за {ctx.period.label} заполнены.", icon=":material/check_circle:")
else:
    summary = blanks_by_institution(blanks)
    st.warning(f"Не заполнены показатели у {len(summary)} из {len(scope)} учреждений за {ctx.period.label}. "
               "Пустая ячейка — это не ноль: если значение нулевое, нужно указать 0.", icon=":material/edit_note:")
    widgets.table(summary, hide_index=True, key="mon_blanks")
    with st.expander("По показателям и ячейкам"):
        widgets.table(blanks.drop(columns=["Кварталов"]), hide_index=True,
                 column_config={"Показатель": st.column_config.TextColumn(width="large")})
