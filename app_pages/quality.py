"""Качество данных — every validation issue with its tab, cell (a link into a Google Sheet) and
message; the institution × quarter completeness matrix; ready-to-send reminders for the laggards."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import derived, ui
from lib import rules
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
f1, f2, f3 = st.columns(3)
codes = f1.multiselect("Вид замечания", rules.in_table_order(wb.issues["code"]), format_func=rules.title_of,
                       key="quality_codes", placeholder="Все виды", select_all=False)
severities = f2.multiselect("Серьёзность", [ERROR, WARNING], format_func=SEVERITY_RU.get,
                            key="quality_severity", placeholder="Ошибки и предупреждения", select_all=False)
query = f3.text_input("Поиск в сообщениях", key="quality_search", placeholder="например, дата")
n_issues, table = derived.issues_of(ctx.key, tuple(ctx.institutions), tuple(severities), query.strip(), _wb=wb,
                                    codes=tuple(codes))
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

# --------------------------------------------------------------------------- completeness
st.subheader(f"Полнота данных, {ctx.year} год")
if not wb.institution_names:
    ui.no_institutions(ctx)
    st.stop()
matrix = derived.completeness_of(ctx.key, ctx.year, tuple(ctx.institutions), _wb=wb)
ui.table(ui.styled(matrix.reset_index(), {c: ui.completeness_style for c in matrix.columns}), hide_index=True,
         key="quality_matrix", height="content")
st.caption("«сдано» — есть мероприятия и заполнены все показатели мониторинга за квартал; «частично» — что-то одно "
           "или не все показатели; «нет данных» — ничего.")

# --------------------------------------------------------------------------- reminders
st.subheader(f"Напоминания: {ctx.period.label}")
laggards = derived.laggards_of(ctx.key, ctx.period.code, tuple(ctx.institutions), _wb=wb)
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
