"""Drawing «Что изменилось с прошлого чтения» (`lib.metrics.changes`) on the «Качество данных» page, for
coordinators: per centre, activity rows added / changed / removed and issues fixed / new since a
previous read of the same source, and the details of one centre.

The previous reads come from `context.read_history` (on disk for the configured source, in the session
for an uploaded file); «прошлое чтение» is the last read in which the data was different. Workbook
texts go into tables only, never into Markdown.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import cached, widgets
from ui.markup import plain
from ui.context import Context, current_digest, read_history
from lib.metrics.changes import Changes, CentreChanges
from lib.model.workbook import SEVERITY_RU

KIND_RU = {"added": "добавлена", "changed": "изменена", "removed": "удалена"}


def _rows_frame(c: CentreChanges) -> pd.DataFrame:
    rows = [*c.added, *c.changed, *c.removed]
    return pd.DataFrame({"Что": [KIND_RU[r.kind] for r in rows], "Вкладка": [r.tab for r in rows],
                         "Строка была": pd.array([r.old_row for r in rows], dtype="Int64"),
                         "Строка стала": pd.array([r.new_row for r in rows], dtype="Int64"),
                         "Было": [r.old_text for r in rows], "Стало": [r.new_text for r in rows]})


def _issues_frame(c: CentreChanges) -> pd.DataFrame:
    issues = [("исправлено", i) for i in c.fixed] + [("новое", i) for i in c.new]
    return pd.DataFrame({"Замечание": [k for k, _ in issues],
                         "Серьёзность": [SEVERITY_RU.get(i.severity, i.severity) for _, i in issues],
                         "Вкладка": [i.tab for _, i in issues], "Ячейка": [i.cell for _, i in issues],
                         "Сообщение": [i.message for _, i in issues]})


def _details(ch: Changes, names: list[str]) -> None:
    chosen = st.selectbox("Подробно по учреждению", names, key="quality_changes_for")
    c = ch.of(chosen)
    st.markdown(f"**{plain(c.summary)}**")
    st.markdown("**Строки мероприятий**")
    frame = _rows_frame(c)
    if frame.empty:
        st.caption("Строки мероприятий не менялись.")
    else:
        widgets.table(frame, hide_index=True, key="quality_changes_rows",
                 column_config={"Было": st.column_config.TextColumn(width="large"),
                                "Стало": st.column_config.TextColumn(width="large")})
    st.markdown("**Замечания**")
    frame = _issues_frame(c)
    if frame.empty:
        st.caption("Замечания те же." if c.issues_after else "Замечаний не было и нет.")
    else:
        widgets.table(frame, hide_index=True, key="quality_changes_issues",
                 column_config={"Сообщение": st.column_config.TextColumn(width="large")})


def draw_changes(ctx: Context) -> None:
    st.subheader("Что изменилось с прошлого чтения")
    wb = ctx.wb
    history = read_history(ctx)
    current = current_digest(ctx)
    earlier = history.earlier_than(current)
    if not earlier:
        widgets.empty("Сравнивать пока не с чем: это первое прочитанное состояние данных. Когда таблицу изменят и "
                 "она будет прочитана заново («Обновить данные» или само каждые 10 минут), здесь появится, "
                 "что в ней добавили, изменили и исправили.")
        return
    labels = {v.fingerprint: f"{v.read_at:%d.%m.%Y %H:%M}" for v in earlier}
    if st.session_state.get("quality_changes_base") not in labels:
        st.session_state.pop("quality_changes_base", None)
    c1, c2 = st.columns([2, 3])
    base = c1.selectbox("Сравнить с чтением от", list(labels), format_func=labels.get, key="quality_changes_base",
                        help="Прошлые чтения, в которых данные были другими (хранятся последние несколько).")
    before = next(v for v in earlier if v.fingerprint == base)
    ch = cached.changes_since(ctx, base, before, current)
    scope = list(ctx.institutions) or None
    total = ch.total(scope)
    c2.markdown(f"**Всего:** {plain(total.summary)}  \n"
                f"Было — данные, прочитанные {before.read_at:%d.%m.%Y в %H:%M}; стало — данные на экране "
                f"({wb.source.read_at:%d.%m.%Y %H:%M}).")
    table = ch.table(scope)
    if table.empty:
        st.success("С того чтения у выбранных учреждений ничего не изменилось.", icon=":material/check_circle:")
        return
    quiet = len(ch.table(scope, only_changed=False)) - len(table)
    st.caption(f"Учреждений с изменениями: {len(table)}" + (f", без изменений: {quiet}." if quiet else ".") +
               " Строки сравниваются по содержанию (дата, вид, пункт, тема, числа, ссылка, примечание), а не по "
               "номеру: вставленная выше строка не делает остальные «изменёнными».")
    widgets.table(table, hide_index=True, key="quality_changes", height="content" if len(table) <= 15 else "auto",
             column_config={"Итог": st.column_config.TextColumn(width="large")})
    _details(ch, list(table["Учреждение"]))
