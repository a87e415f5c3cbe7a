"""Качество данных — every validation issue with its tab, cell (a link into a Google Sheet) and
message; the institution × quarter «Готово к отправке» matrix (`lib.readiness`, the same checks as
the checklist on «Моё учреждение»); ready-to-send reminders for the laggards; and, for coordinators,
what changed since the previous read (`lib.changes`).

The search field and the severity filter are bound to the address (`?quality_search=…&
quality_severity=ошибка`), so other pages can link to one tab's issues."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import changes_ui, derived, readiness_ui, ui
from lib.model import ERROR, SEVERITY_RU, WARNING
from lib.reminders import reply_by
from lib.views import fmt_int

SEVERITY_MARK = {SEVERITY_RU[ERROR]: "🔴 " + SEVERITY_RU[ERROR], SEVERITY_RU[WARNING]: "🟡 " + SEVERITY_RU[WARNING]}

ctx = ui.page("Качество данных")
wb = ctx.wb

# --------------------------------------------------------------------------- summary
acc = wb.accounting
errors = int((wb.issues["severity"] == ERROR).sum())
warnings = int((wb.issues["severity"] == WARNING).sum())
m1, m2, m3, m4 = st.columns(4)
m1.metric("Ошибок", fmt_int(errors), help="Строка или значение не учтены — нужно исправить.", border=True)
m2.metric("Предупреждений", fmt_int(warnings), help="Данные учтены, но стоит проверить.", border=True)
m3.metric("Строк мероприятий учтено", fmt_int(acc.rows_loaded), border=True)
m4.metric("Строк не учтено", fmt_int(acc.rows_rejected), border=True,
          help="Непустые строки блоков «Мероприятия», отклонённые из-за ошибок (каждая есть в списке ниже).")

# --------------------------------------------------------------------------- issues
st.subheader("Ошибки и предупреждения")
f2, f3 = st.columns(2)
severities = f2.multiselect("Серьёзность", [ERROR, WARNING], format_func=SEVERITY_RU.get,
                            key="quality_severity", placeholder="Ошибки и предупреждения", select_all=False,
                            bind="query-params")
query = f3.text_input("Поиск в сообщениях", key="quality_search", placeholder="например, дата",
                      bind="query-params")
n_issues, table = derived.issues_of(ctx.key, tuple(ctx.institutions), tuple(severities), query.strip(), _wb=wb)
if wb.issues.empty and not ctx.load_error:
    st.success("Ошибок и предупреждений нет — все строки учтены.", icon=":material/check_circle:")
elif table.empty:
    ui.empty("Нет сообщений с такими условиями — измените фильтры.")
else:
    gsheet = wb.source.kind == "gsheet"
    shown = "" if n_issues <= len(table) else f", показаны первые {fmt_int(len(table))} — уточните фильтры или поиск"
    st.caption(f"Сообщений: {fmt_int(n_issues)}{shown}" +
               (" (учреждения — из фильтра в боковой панели). " if ctx.institutions else ". ") +
               ("Нажмите на адрес ячейки, чтобы открыть её в Google Таблице." if gsheet else
                "«Вкладка» и «Ячейка» — где исправить в книге Excel."))
    # a marker rather than a pandas Styler: colouring cell by cell costs ~50 µs a row on every rerun
    marked = table.drop(columns=["Адрес"]).assign(Серьёзность=table["Серьёзность"].map(SEVERITY_MARK)
                                                  .fillna(table["Серьёзность"]))
    ui.table(
        marked, hide_index=True, key="quality_table", height="content" if len(table) <= 30 else "auto",
        column_config={"Ячейка": (st.column_config.LinkColumn("Ячейка", display_text=r"range=([A-Z]+[0-9]+)")
                              if gsheet else st.column_config.TextColumn("Ячейка", width="small")),
                   "Сообщение": st.column_config.TextColumn(width="large")})

# --------------------------------------------------------------------------- ready to send (lib.readiness)
st.subheader(f"Готово к отправке, {ctx.year} год")
if not wb.institution_names:
    ui.no_institutions(ctx)
    st.stop()
matrix = derived.readiness_matrix_of(ctx.key, ctx.year, ctx.as_of, tuple(ctx.institutions), _wb=wb)
ui.table(ui.styled(matrix.reset_index(), {c: readiness_ui.readiness_style for c in matrix.columns}),
         hide_index=True, key="quality_matrix", height="content" if len(matrix) <= 30 else "auto")
st.caption("«готово» — на вкладке нет ошибок, за квартал заполнены все показатели мониторинга, внесены мероприятия "
           "(или отмечено «мероприятий не было») и все пункты плана в них есть в плане; «не готово» — что именно "
           "не так; «впереди» — квартал ещё не начался. Те же проверки, что на странице «Моё учреждение»; "
           f"дата проверки — {ctx.as_of:%d.%m.%Y}.")

# --------------------------------------------------------------------------- changes (lib.changes)
if not ctx.own_only:                     # coordinators: who fixed what since the previous read
    changes_ui.draw_changes(ctx)

# --------------------------------------------------------------------------- reminders
st.subheader(f"Напоминания: {ctx.period.label}")
laggards = derived.laggards_of(ctx.key, ctx.period.code, tuple(ctx.institutions), ctx.as_of, _wb=wb)
if not laggards:
    st.success(f"За {ctx.period.label} у всех учреждений всё заполнено и без ошибок.", icon=":material/check_circle:")
    st.stop()
st.caption(f"Учреждений, которым есть что дополнить или исправить: {len(laggards)}.")
ui.table(pd.DataFrame({"Учреждение": [lag.institution for lag in laggards],
                       "Что не так": [lag.summary for lag in laggards],
                       "Ответственный": [lag.responsible for lag in laggards],
                       "Контакты": [lag.contacts for lag in laggards]}),
         hide_index=True, key="quality_laggards", height="content" if len(laggards) <= 12 else "auto",
         column_config={"Что не так": st.column_config.TextColumn(width="large")})
c1, c2 = st.columns([3, 2])
by_name = {lag.institution: lag for lag in laggards}
chosen = c1.selectbox("Напоминание для", list(by_name), key="quality_reminder_for")
deadline = c2.date_input("Срок в напоминании", value=reply_by(ctx.as_of), key="quality_deadline",
                         format="DD.MM.YYYY")
texts = derived.reminders_of(ctx.key, ctx.period.code, tuple(ctx.institutions), ctx.as_of, deadline, _wb=wb)
st.code(texts[chosen], language=None, wrap_lines=True)
st.caption("Скопируйте текст кнопкой в правом верхнем углу блока и отправьте по почте или в мессенджер.")
if len(laggards) > 1:
    with st.expander(f"Все напоминания одним текстом ({len(laggards)})"):
        separator = "\n\n" + "—" * 40 + "\n\n"
        st.code(separator.join(texts[lag.institution] for lag in laggards),
                language=None, wrap_lines=True)
