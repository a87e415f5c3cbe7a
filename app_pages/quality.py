"""Качество данных — every validation issue with its tab, cell (a link into a Google Sheet) and
message; the marks put where people type (a copy of the Excel workbook with a comment on every problem
cell, or the marks written into the Google Sheet — `lib.export.annotate`, `lib.export.gsheet_marks`); the institution
× quarter «Готово к отправке» matrix (`lib.metrics.readiness`, the same checks as the checklist on «Моё
учреждение»); ready-to-send reminders for the laggards; and, for coordinators, what changed since the
previous read (`lib.metrics.changes`).

The search field and the severity filter are bound to the address (`?quality_search=…&
quality_severity=ошибка`), so other pages can link to one tab's issues."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from streamlit.logger import get_logger

from ui import changes_panel, context, cached, readiness_panel, widgets
from ui.markup import plain
from lib.validate import rules
from lib.model.workbook import ERROR, SEVERITY_RU, WARNING
from lib.report.reminders import reply_by
from lib.russian import format_number

SEVERITY_MARK = {SEVERITY_RU[ERROR]: "🔴 " + SEVERITY_RU[ERROR], SEVERITY_RU[WARNING]: "🟡 " + SEVERITY_RU[WARNING]}

ctx = widgets.page("Качество данных")
wb = ctx.wb

# --------------------------------------------------------------------------- summary
acc = wb.accounting
counted = cached.issue_counts(ctx, institutions=())      # the whole workbook's, whatever the filter
m1, m2, m3, m4 = st.columns(4)
m1.metric("Ошибок", format_number(counted[ERROR]), help="Строка или значение не учтены — нужно исправить.", border=True)
m2.metric("Предупреждений", format_number(counted[WARNING]), help="Данные учтены, но стоит проверить.", border=True)
m3.metric("Строк мероприятий учтено", format_number(acc.rows_loaded), border=True)
m4.metric("Строк не учтено", format_number(acc.rows_rejected), border=True,
          help="Непустые строки блоков «Мероприятия», отклонённые из-за ошибок (каждая есть в списке ниже).")

# --------------------------------------------------------------------------- issues
st.subheader("Ошибки и предупреждения")
f1, f2, f3 = st.columns(3)
codes = f1.multiselect("Вид замечания", rules.in_table_order(wb.issues["code"]), format_func=rules.title_of,
                       key="quality_codes", placeholder="Все виды", select_all=False)
severities = f2.multiselect("Серьёзность", [ERROR, WARNING], format_func=SEVERITY_RU.get,
                            key="quality_severity", placeholder="Ошибки и предупреждения", select_all=False,
                            bind="query-params")
query = f3.text_input("Поиск в сообщениях", key="quality_search", placeholder="например, дата",
                      bind="query-params")
n_issues, table = cached.issues(ctx, tuple(severities), query.strip(), tuple(codes))
if wb.issues.empty and not ctx.load_error:
    st.success("Ошибок и предупреждений нет — все строки учтены.", icon=":material/check_circle:")
elif table.empty:
    widgets.empty("Нет сообщений с такими условиями — измените фильтры.")
else:
    gsheet = wb.source.kind == "gsheet"
    shown = "" if n_issues <= len(table) else f", показаны первые {format_number(len(table))} — уточните фильтры или поиск"
    st.caption(f"Сообщений: {format_number(n_issues)}{shown}" +
               (" (учреждения — из фильтра в боковой панели). " if ctx.institutions else ". ") +
               ("Нажмите на адрес ячейки, чтобы открыть её в Google Таблице." if gsheet else
                "«Вкладка» и «Ячейка» — где исправить в книге Excel."))
    # a marker rather than a pandas Styler: colouring cell by cell costs ~50 µs a row on every rerun
    marked = table.drop(columns=["Адрес"]).assign(Серьёзность=table["Серьёзность"].map(SEVERITY_MARK)
                                                  .fillna(table["Серьёзность"]))
    widgets.table(
        marked, hide_index=True, key="quality_table", height="content" if len(table) <= 30 else "auto",
        column_config={"Ячейка": (st.column_config.LinkColumn("Ячейка", display_text=r"range=([A-Z]+[0-9]+)")
                              if gsheet else st.column_config.TextColumn("Ячейка", width="small")),
                   "Сообщение": st.column_config.TextColumn(width="large")})

# --------------------------------------------------------------------------- marks where people type

def _marked_book(source, label: str, checked_on: date):
    """The download's bytes, built when clicked: the workbook validated again from exactly these bytes
    and annotated. Never raises (a deferred download cannot show an error): a file that cannot be
    read any more gives a workbook saying so."""
    from lib.export.annotate import annotate_source, list_only
    from lib.model.workbook import ISSUE_COLUMNS, empty_frame
    from lib.sources import SourceError
    try:
        return annotate_source(source, label, checked_on=checked_on)[0].data
    except SourceError as exc:
        reason = f"Книгу не удалось прочитать заново: {exc}"
    except Exception as exc:  # noqa: BLE001 — logged; the user gets a Russian file, not a traceback
        get_logger("omp.annotate").error("annotating %s failed", label, exc_info=exc)
        reason = f"Книгу с отметками не удалось собрать (внутренняя ошибка {type(exc).__name__}). Сообщите администратору."
    return list_only(empty_frame(ISSUE_COLUMNS), label=label, checked_on=checked_on, reason=reason).data


def _marks_section() -> None:
    from lib.export.annotate import MARK, planned_output
    from lib.export.gsheet_marks import can_mark
    source = wb.source
    sees_all = ctx.user is None or ctx.user.sees_all
    if source.kind == "gsheet":
        if not can_mark(ctx.user):
            return
        st.caption(f"Кнопка ставит в самой Google Таблице заметку «{MARK}» с сообщением и цвет (ошибка — красный, "
                   "предупреждение — жёлтый) на каждую ячейку с замечанием и снимает прежние отметки с исправленных; "
                   "заметки людей не меняются. Таблица читается заново. Сервисному аккаунту нужен доступ «Редактор».")
        if st.button("Отметить замечания в таблице", key="quality_mark_gsheet", icon=":material/edit_note:"):
            from lib.export.gsheet_marks import mark_gsheet
            from lib.sources import GSHEET_PREFIX, SourceError
            try:
                with st.spinner("Отмечаю замечания в Google Таблице…"):
                    result = mark_gsheet(GSHEET_PREFIX + source.location, user=ctx.user, **context.google_options())
            except SourceError as exc:
                st.error(plain(str(exc)), icon=":material/error:")
            except Exception as exc:  # noqa: BLE001 — logged, never a traceback on the page
                get_logger("omp.annotate").error("marking %s failed", source.location, exc_info=exc)
                st.error(f"Отметить замечания не удалось (внутренняя ошибка {type(exc).__name__}). "
                         "Сообщите администратору.", icon=":material/error:")
            else:
                st.success(result.text + " Чтобы увидеть на панели только что прочитанные данные, нажмите "
                           "«Обновить данные».", icon=":material/check_circle:")
        return
    if source.kind == "upload":
        found = context.uploaded_bytes()               # the user's own file: for every role
        if found is None:
            return
        data, label = found
    elif source.kind == "file" and sees_all:    # the shared workbook holds every institution's tab
        data, label = source.location, source.label
    else:
        return
    file_name, mime, reason = planned_output(data, label)
    checked_on = date.today()
    st.download_button("Скачать книгу с отметками", data=lambda: _marked_book(data, label, checked_on),
                       file_name=file_name, mime=mime, key="quality_marked_book", icon=":material/download:",
                       on_click="ignore",
                       help=f"Копия книги: у каждой ячейки с замечанием — примечание «{MARK}» с сообщением и цвет "
                            f"(ошибка — красный, предупреждение — жёлтый), на вкладке «{MARK}» — список со ссылками "
                            "на ячейки. Прежние отметки снимаются, примечания людей сохраняются, остальное не меняется.")
    if reason:
        st.caption(reason)


if not ctx.load_error:
    _marks_section()

# --------------------------------------------------------------------------- ready to send (lib.metrics.readiness)
st.subheader(f"Готово к отправке, {ctx.year} год")
if not wb.institution_names:
    widgets.no_institutions(ctx)
    st.stop()
matrix = cached.readiness_matrix(ctx)
widgets.table(widgets.styled(matrix.reset_index(), {c: readiness_panel.readiness_style for c in matrix.columns}),
         hide_index=True, key="quality_matrix", height="content" if len(matrix) <= 30 else "auto")
st.caption("«готово» — на вкладке нет ошибок, за квартал заполнены все показатели мониторинга, внесены мероприятия "
           "(или отмечено «мероприятий не было») и все пункты плана в них есть в плане; «не готово» — что именно "
           "не так; «впереди» — квартал ещё не начался. Те же проверки, что на странице «Моё учреждение»; "
           f"дата проверки — {ctx.as_of:%d.%m.%Y}.")

# --------------------------------------------------------------------------- changes (lib.metrics.changes)
if not ctx.own_only:                     # coordinators: who fixed what since the previous read
    changes_panel.draw_changes(ctx)

# --------------------------------------------------------------------------- reminders
st.subheader(f"Напоминания: {ctx.period.label}")
laggards = cached.laggards(ctx)
if not laggards:
    st.success(f"За {ctx.period.label} у всех учреждений всё заполнено и без ошибок.", icon=":material/check_circle:")
    st.stop()
st.caption(f"Учреждений, которым есть что дополнить или исправить: {len(laggards)}.")
widgets.table(pd.DataFrame({"Учреждение": [lag.institution for lag in laggards],
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
texts = cached.reminders(ctx, deadline)
st.code(texts[chosen], language=None, wrap_lines=True)
st.caption("Скопируйте текст кнопкой в правом верхнем углу блока и отправьте по почте или в мессенджер.")
if len(laggards) > 1:
    with st.expander(f"Все напоминания одним текстом ({len(laggards)})"):
        separator = "\n\n" + "—" * 40 + "\n\n"
        st.code(separator.join(texts[lag.institution] for lag in laggards),
                language=None, wrap_lines=True)
