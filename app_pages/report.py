"""Отчет — the criteria-structured report for the period and institutions of the sidebar: the draft
per criterion and indicator, editable; Word and Excel downloads built only when clicked.

Edits are kept in `st.session_state[EDITS]` (not only in the widgets, whose state Streamlit drops
when the page is left), keyed by period + scope + indicator, so they survive page switches and
«Обновить данные»; a text area without an edit follows the draft when the data read again changes it.
The draft comes from `ui.cached.report`, which the refresh clears.
"""
from __future__ import annotations

import hashlib

import streamlit as st

from ui import cached, widgets
from ui.context import get_context
from ui.markup import plain
from lib.report.docx import report_docx_bytes, report_file_name
from lib.model.periods import Period
from lib.report.draft import NO_DATA
from lib.export.summary import summary_file_name, summary_xlsx_bytes
from lib.russian import format_number

EDITS = "report_edits"              # {scope key: {indicator key: text}}
WIDGET = "report_text"              # prefix of the text areas' keys
SEEDED = "report_seeded"            # {text area key: the draft it was filled with}
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def scope_key(period: Period, institutions: list[str]) -> str:
    """Period + chosen institutions: the edits of one report version."""
    digest = hashlib.sha1("\x1f".join(sorted(institutions)).encode()).hexdigest()[:10] if institutions else "all"
    return f"{period.code}:{digest}"


def widget_key(scope: str, indicator_key: str) -> str:
    return f"{WIDGET}:{scope}:{indicator_key}"


def _store(scope: str) -> dict[str, str]:
    return st.session_state.setdefault(EDITS, {}).setdefault(scope, {})


def _remember(scope: str, indicator_key: str, drafted: str) -> None:
    """on_change of a text area: keep the text (or forget it when it is back to the draft)."""
    text = st.session_state.get(widget_key(scope, indicator_key), "")
    store = _store(scope)
    if text == drafted:
        store.pop(indicator_key, None)
    else:
        store[indicator_key] = text


def _reset(scope: str, keys: list[str]) -> None:
    st.session_state.setdefault(EDITS, {}).pop(scope, None)
    for k in keys:
        st.session_state.pop(widget_key(scope, k), None)


def _height(text: str) -> int:
    lines = sum(max(1, len(line) // 95 + 1) for line in (text or " ").splitlines())
    return max(90, min(400, 26 * lines + 24))


ctx = get_context()
widgets.header(ctx, "Отчет", "период и учреждения выбираются в боковой панели")
if widgets.no_institutions(ctx):
    st.stop()

wb, period, chosen = ctx.wb, ctx.period, list(ctx.institutions)
report = cached.report(ctx)
scope = scope_key(period, chosen)
edits = _store(scope)

st.markdown(f"**{plain(report.title)}**")
if chosen:
    st.caption(f"Учреждения: {plain(report.scope_label)}")

indicators = report.indicators()
c1, c2, c3 = st.columns(3)
c1.metric("Мероприятий за период", format_number(report.activity_rows))
c2.metric("Показателей с данными", f"{report.with_data} из {len(indicators)}")
c3.metric("Изменено вручную", report.edited(edits))

origin = ("с вкладки «Критерии» книги" if report.criteria_origin == "workbook"
          else "по умолчанию (как в отчете ОМП по СЗТ); свои критерии задаются вкладкой «Критерии»")
st.caption(f"Критерии: {origin}.")
if report.problems:
    with st.expander(f"Замечания к критериям и источникам: {len(report.problems)}", icon=":material/warning:"):
        st.markdown("\n".join(f"- {plain(p.text)}" for p in report.problems))

# --------------------------------------------------------------------------- downloads
final = report.with_edits(edits)
d1, d2, d3 = st.columns([2, 2, 3])
d1.download_button("Скачать отчет (Word)", data=lambda: report_docx_bytes(final, wb.settings),
                   file_name=report_file_name(period, chosen), mime=DOCX_MIME, icon=":material/description:",
                   type="primary", key=f"report_docx:{scope}", on_click="ignore")
d2.download_button("Скачать сводку (Excel)", data=lambda: summary_xlsx_bytes(wb, period, chosen),
                   file_name=summary_file_name(period, chosen), mime=XLSX_MIME, icon=":material/table_view:",
                   key=f"report_xlsx:{scope}", on_click="ignore")
d3.button("Сбросить правки", key=f"report_reset:{scope}", icon=":material/restart_alt:",
          on_click=_reset, args=(scope, [i.key for i in indicators]), disabled=not edits,
          help="Вернуть все тексты этого отчета (период и учреждения) к черновику из данных.")
st.caption("Тексты ниже — черновик из данных за период. Исправьте их при необходимости: правки сохраняются "
           f"на время работы с приложением и попадают в файл Word. «{NO_DATA}» — данных для показателя нет; "
           "«— сведения приведены в показателе …» — его мероприятия уже описаны в другом показателе (каждое "
           "мероприятие описывается один раз; «повторно» в источнике критериев разрешает повтор).")

# --------------------------------------------------------------------------- the draft
seeded = st.session_state.setdefault(SEEDED, {})
for n, criterion in enumerate(report.criteria, start=1):
    with st.expander(f"Критерий {n}. «{plain(criterion.name)}»", expanded=True):
        for heading, rows in criterion.sections():
            st.markdown(f"**{plain(heading)}**")
            for ind in rows:
                key = widget_key(scope, ind.key)
                if key not in st.session_state or seeded.get(key) != ind.drafted_text:
                    # a new text area, or the data was read again and the draft changed: the edit, else the draft
                    st.session_state[key] = edits.get(ind.key, ind.drafted_text)
                    seeded[key] = ind.drafted_text
                marks = [] if ind.has_data else ["нет данных"]
                if ind.key in edits:
                    marks.append("изменено")
                label = plain(ind.name) + (f" · _{', '.join(marks)}_" if marks else "")
                st.text_area(label, key=key, height=_height(st.session_state[key]),
                             on_change=_remember, args=(scope, ind.key, ind.drafted_text),
                             help=f"Источник: {plain(ind.source)}" if ind.source else "Источник не указан")
