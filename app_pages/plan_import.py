"""Импорт плана — the approved yearly plan from its Word file: upload the .docx, check and fix the items
it gave (checkpoints, targets, activity types) in an editable table, download the «План» tab or a whole
template with it. Reading the file is `lib.sources.word_plan`, the workbooks are `lib.export.template`.

For the director and coordinators: `app.py` lists the page only for them, and the page refuses a
centre's login that reaches it anyway. Writing into the Google Sheet is not done here: the downloaded
«План» tab is pasted into it.
"""
from __future__ import annotations

import hashlib
from collections.abc import MutableMapping

import streamlit as st

from ui import widgets
from ui.context import get_context
from lib.model import contract as C
from lib.sources.word_plan import (DEFAULT_TARGET_PERIOD, UNPARSED_DEADLINE, ImportedPlan, PlanImportError,
                             import_plan_docx, review_table, revise_plan)
from lib.export.template import plan_workbook_bytes, template_bytes

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_TYPES = ["docx", "doc", "rtf", "odt", "pdf"]     # the wrong ones get a Russian message, not a refusal
KEY_UPLOADER = "plan_import_upload"
KEY_FILE = "plan_import_file"          # (file name, bytes) of the uploaded plan
KEY_YEAR = "plan_import_year"          # + the file's digest: the year chosen for that file


def handle_upload(file, state: MutableMapping) -> None:
    """Keep the uploaded file in `state` (the session state); forget it when it was removed."""
    if file is None:
        state.pop(KEY_FILE, None)
    else:
        state[KEY_FILE] = (str(getattr(file, "name", "") or "план.docx"), file.getvalue())


def _on_upload() -> None:
    handle_upload(st.session_state.get(KEY_UPLOADER), st.session_state)


@st.cache_data(max_entries=8, show_spinner="Читаю план…")
def _imported(data: bytes, name: str, year: int | None) -> ImportedPlan:
    return import_plan_docx(data, file_name=name, year=year)


ctx = get_context()
st.title("Импорт плана")
st.caption("Утверждённый план работы из файла Word (.docx) → вкладка «План» книги ОМП")
if ctx.own_only:
    st.error("Импорт плана доступен только директору и координаторам ОМП.", icon=":material/lock:")
    st.stop()

st.file_uploader("План работы (.docx)", type=UPLOAD_TYPES, key=KEY_UPLOADER, on_change=_on_upload,
                 help="Документ Word с таблицей плана: «№», «Наименование мероприятия», «Сроки», «Ответственный»… "
                      "Столбцы могут идти в любом порядке; старый формат .doc сохраните как .docx.")
uploaded = st.session_state.get(KEY_FILE)
if uploaded is None:
    widgets.empty("Загрузите утверждённый план работы (.docx). Пункты, сроки, цели и виды мероприятий появятся в "
             "таблице: поправьте их и скачайте вкладку «План» для книги ОМП или весь шаблон книги с этим планом.")
    st.stop()

name, data = uploaded
year_key = f"{KEY_YEAR}:{hashlib.sha256(data).hexdigest()[:16]}"
chosen_year = st.session_state.get(year_key)
try:
    plan = _imported(data, name, None)           # the year the document gives
    if chosen_year not in (None, plan.year):
        plan = _imported(data, name, int(chosen_year))
except PlanImportError as exc:
    st.error(str(exc), icon=":material/error:")
    st.stop()

st.success(f"«{plan.file_name}»: {plan.summary}.", icon=":material/task_alt:")
if plan.topic:
    st.caption(f"Тема: «{plan.topic}»")
year = int(st.number_input("Год плана", min_value=2000, max_value=2100, value=plan.year, step=1, key=year_key,
                           help="Из заголовка документа («на 2026 год»). Сроки без года относятся к этому году."))
if plan.warnings:
    with st.expander(f"Что проверить ({len(plan.warnings)})", expanded=True, icon=":material/help:"):
        st.markdown("\n".join(f"- {w}" for w in plan.warnings))

st.subheader("Пункты плана")
st.caption("Исправьте ячейки прямо в таблице. «Контрольные даты» — как распознаны при чтении файла; после правки "
           "«Сроков» они пересчитываются в скачиваемом файле. «Показатель» — вид мероприятия, который "
           "засчитывается в пункт; «Цель» — число за «Период цели».")
edited = st.data_editor(
    review_table(plan.frame()), key=f"plan_import_editor:{year_key}:{year}", num_rows="dynamic", hide_index=True,
    disabled=["checkpoints", "row"], height="content" if len(plan.items) <= 30 else "auto",
    column_config={
        "item": st.column_config.TextColumn("№", width="small", required=True),
        "section": st.column_config.TextColumn("Раздел"),
        "title": st.column_config.TextColumn("Мероприятие", width="large", required=True),
        "deadline_text": st.column_config.TextColumn("Сроки"),
        "checkpoints": st.column_config.TextColumn("Контрольные даты"),
        "target": st.column_config.NumberColumn("Цель", min_value=0, step=1, format="%d"),
        "target_period": st.column_config.SelectboxColumn("Период цели", options=["год", "квартал", "месяц"],
                                                          default=DEFAULT_TARGET_PERIOD),
        "indicator": st.column_config.SelectboxColumn("Показатель", options=list(C.ACTIVITY_TYPE_NAMES)),
        "count_what": st.column_config.SelectboxColumn("Считать", options=list(C.COUNT_WHAT)),
        "responsible": st.column_config.TextColumn("Ответственный"),
        "mechanism": st.column_config.TextColumn("Механизм реализации"),
        "expected_result": st.column_config.TextColumn("Ожидаемый результат"),
        "row": st.column_config.NumberColumn("Строка в Word", format="%d"),
    })
final = revise_plan(edited, year)

unparsed = final[~final["deadline_parsed"].astype(bool)]
if len(unparsed):
    st.warning(f"{UNPARSED_DEADLINE.capitalize()}: " +
               "; ".join(f"{r.item} «{' '.join(r.deadline_text.split())}»" for r in unparsed.itertuples()) +
               ". Укажите в «Сроках» месяц, квартал или дату — иначе доля цели наступит в конце года.",
               icon=":material/event_busy:")
untyped = final[final["indicator"].isna()]
if len(untyped):
    st.info(f"Без показателя ({len(untyped)}): " + ", ".join(untyped["item"]) + ". В такой пункт засчитываются "
            "все мероприятия со ссылкой на него.", icon=":material/info:")

template_plan = plan.template_plan(final)
d1, d2 = st.columns(2)
d1.download_button("Скачать вкладку «План» (.xlsx)", data=lambda: plan_workbook_bytes(plan=template_plan),
                   file_name=f"План_ОМП_{year}.xlsx", mime=XLSX_MIME, icon=":material/download:", type="primary",
                   key="plan_import_download_plan", on_click="ignore",
                   help="Книга с вкладками «Настройки» и «План» по договорённости о книге ОМП: скопируйте "
                        "вкладку «План» в общую Google Таблицу или книгу Excel.")
d2.download_button("Скачать шаблон книги с этим планом (.xlsx)", data=lambda: template_bytes(plan=template_plan),
                   file_name=f"Шаблон_ОМП_{year}.xlsx", mime=XLSX_MIME, icon=":material/table_view:",
                   key="plan_import_download_template", on_click="ignore",
                   help="Весь шаблон: «Настройки», «Учреждения», «План» и вкладки учреждений с выпадающими "
                        "списками пунктов этого плана.")
