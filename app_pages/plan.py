"""План — every plan item with its deadline, checkpoints, target, actual, status and progress; the
activity rows that cite an item; a timeline of checkpoints against the as-of date."""
from __future__ import annotations

import streamlit as st

from ui import charts, cached, widgets
from ui.markup import plain
from lib.metrics.plan_status import STATUSES, matching_items, status_counts
from lib.russian import format_date_numeric, format_number
from lib.metrics.tables import plan_table, plan_timeline

ctx = widgets.page("План работы", lambda ctx: f"статус на {format_date_numeric(ctx.as_of)}; мероприятия всех учреждений",
              with_period=False)
wb = ctx.wb
status = cached.plan_status(ctx)

if status.empty:
    widgets.empty("План работы не загружен. Заполните вкладку «План» — столбцы «№», «Раздел», «Мероприятие», «Сроки», "
             "а для подсчёта выполнения ещё «Показатель», «Считать», «Цель», «Период цели» — "
             "и нажмите «Обновить данные».")
    st.stop()

with st.expander("Как считается статус"):
    st.markdown(
        "- **Факт** — сумма по строкам мероприятий, где указан номер пункта (за год плана, по дату статуса; "
        "только вид из столбца «Показатель», если он задан).\n"
        "- **Нужно к дате** — цель за уже прошедшие кварталы/месяцы или доля цели за пройденные контрольные даты.\n"
        "- **выполнено** — факт не меньше годовой цели; **просрочено** — контрольная дата прошла, а факт меньше "
        "нужного; **в работе** — что-то сделано; **не начато** — ничего не сделано и срок ещё не наступил.\n"
        "- Срок, который не удалось распознать, показан как «срок не распознан»: его доля цели наступает "
        "в конце года.")

# --------------------------------------------------------------------------- filters
f1, f2, f3 = st.columns([2, 3, 2])
chosen_status = f1.multiselect("Статус", list(STATUSES), key="plan_status_filter", placeholder="Все статусы",
                              select_all=False)
sections = [s for s in status["section"].fillna("").unique() if s]
chosen_sections = f2.multiselect("Раздел", sections, key="plan_section_filter", placeholder="Все разделы",
                                 select_all=False)
query = f3.text_input("Поиск", key="plan_search", placeholder="номер или слово")

shown = matching_items(status, chosen_status, chosen_sections, query)
counts = status_counts(shown)
st.caption(f"Пунктов: {len(shown)} из {len(status)} · " +
           " · ".join(f"{s}: {counts[s]}" for s in STATUSES))

# --------------------------------------------------------------------------- table
table = plan_table(shown)
if table.empty:
    widgets.empty("Нет пунктов плана с такими условиями — измените фильтры.")
else:
    widgets.table(
        widgets.styled(table, {"Статус": widgets.status_style}), hide_index=True, key="plan_table",
        height="content" if len(table) <= 40 else "auto",
        column_config={
            "№": st.column_config.TextColumn(width="small"),
            "Мероприятие": st.column_config.TextColumn(width="large"),
            "Выполнение": st.column_config.ProgressColumn(min_value=0, max_value=100, format="%d %%"),
            "Ближайший срок": st.column_config.DateColumn(format="DD.MM.YYYY"),
            "Нужно к дате": st.column_config.NumberColumn(help="Сколько должно быть сделано к дате статуса"),
            "Строк": st.column_config.NumberColumn(help="Строк мероприятий, которые ссылаются на пункт"),
        })

# --------------------------------------------------------------------------- rows citing an item
st.subheader("Мероприятия по пункту плана")
items = list(shown["item"]) or list(status["item"])
titles = dict(zip(status["item"], status["title"]))
item = st.selectbox("Пункт плана", items, key="plan_item_rows",
                    format_func=lambda i: f"{i}. {titles.get(i, '')}"[:120])
# the sidebar's choice of institutions; an institution's user: its own rows only
n_rows, rows = cached.activity_rows_page(ctx, whole_year=True, year=wb.year, plan_item=item)
if rows.empty:
    widgets.empty(f"Ни одна строка мероприятий не ссылается на пункт {plain(item)}. Учреждения указывают номер пункта "
             "в столбце «Пункт плана» (например, «2.4»).")
else:
    st.caption(f"Строк: {format_number(n_rows)} (за {wb.year} год, " +
               ("выбранные учреждения)." if ctx.institutions else "все учреждения).") +
               (f" Показаны первые {format_number(len(rows))}." if n_rows > len(rows) else ""))
    widgets.table(rows, hide_index=True,
             column_config={"Дата": st.column_config.DateColumn(format="DD.MM.YYYY"),
                            "Ссылка": st.column_config.LinkColumn()})

# --------------------------------------------------------------------------- timeline
st.subheader("Контрольные даты")
timeline = plan_timeline(shown, ctx.as_of)
unparsed = shown[~shown["parsed"].astype(bool)]
if timeline.empty:
    widgets.empty("У выбранных пунктов нет распознанных сроков — укажите в столбце «Сроки» месяц, квартал или дату.")
else:
    charts.draw(charts.plan_timeline, wb.year, ctx.as_of, f"на {format_date_numeric(ctx.as_of)}", data=timeline,
                height=charts.rows_height(timeline["Пункт"].nunique(), 30, 110))
    st.caption("Точки — контрольные даты пункта (круг — дата прошла, ромб — впереди), цвет — статус пункта; "
               "красная линия — дата статуса.")
if len(unparsed):
    st.warning("Срок не распознан: " + "; ".join(f"{plain(r['item'])} «{plain(r['deadline_text'])}»"
                                                  for _, r in unparsed.iterrows()) +
               ". Уточните столбец «Сроки» на вкладке «План» (месяц, квартал или дата).",
               icon=":material/help:")
