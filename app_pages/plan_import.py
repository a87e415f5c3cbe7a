"""Импорт плана — the approved yearly plan from its Word file: upload the .docx, check and fix the items
it gave (checkpoints, targets, activity types) in an editable table, download the «План» tab or a whole
template with it, and put the plan into the dashboard's own workbook: write it into the Google Sheet's
«План» tab after a confirmation (then the data is read again, as «Обновить данные» does), or download
the uploaded / local .xlsx with its «План» tab replaced. Reading the file is `lib.sources.word_plan`,
the workbooks are `lib.export.template`, replacing the tab is `lib.export.plan_tab`.

For the director and coordinators: `app.py` lists the page only for them, and the page refuses a
centre's login that reaches it anyway.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import MutableMapping
from pathlib import Path

import streamlit as st
from streamlit.logger import get_logger

from ui import context, widgets
from ui.context import get_context
from ui.markup import plain
from lib.export.plan_tab import (ONLY_XLSX, PlanTabError, explanation_xlsx, plan_tab_of, replace_plan_xlsx,
                                write_plan_gsheet)
from lib.model import contract as C
from lib.russian import ROW_FORMS, plural
from lib.sources import GSHEET_PREFIX, SourceError
from lib.sources.word_plan import (DEFAULT_TARGET_PERIOD, ITEMS, UNPARSED_DEADLINE, ImportedPlan, PlanImportError,
                                   import_plan_docx, review_table, revise_plan)
from lib.export.template import plan_workbook_bytes, template_bytes

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_TYPES = ["docx", "doc", "rtf", "odt", "pdf"]     # the wrong ones get a Russian message, not a refusal
KEY_UPLOADER = "plan_import_upload"
KEY_FILE = "plan_import_file"          # (file name, bytes) of the uploaded plan
KEY_YEAR = "plan_import_year"          # + the file's digest: the year chosen for that file
KEY_CONFIRM = "plan_import_confirm"    # the digest of the plan the user asked to write into the Google Sheet
KEY_WRITTEN = "plan_import_written"    # the Russian message of the last write, shown after the re-read


def handle_upload(file, state: MutableMapping) -> None:
    """Keep the uploaded file in `state` (the session state); forget it when it was removed."""
    if file is None:
        state.pop(KEY_FILE, None)
    else:
        state[KEY_FILE] = (str(getattr(file, "name", "") or "план.docx"), file.getvalue())


def _on_upload() -> None:
    handle_upload(st.session_state.get(KEY_UPLOADER), st.session_state)


def plan_digest(items: list[dict]) -> str:
    """Identifies the plan as it would be written (a confirmation is for exactly this plan)."""
    return hashlib.sha256(json.dumps(items, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _confirm_write(digest: str) -> None:
    st.session_state[KEY_CONFIRM] = digest


def _cancel_write() -> None:
    st.session_state.pop(KEY_CONFIRM, None)


def _replacing(items: int, wb) -> str:
    """«19 пунктов плана заменят 12 строк вкладки «План»» — by the data the dashboard last read."""
    if plan_tab_of(list(wb.tab_gids)) is None and wb.tab_gids:
        return f"Вкладки «План» в таблице нет: она будет создана, в неё запишется {plural(items, ITEMS)} плана."
    return (f"{plural(items, ITEMS).capitalize()} плана заменят {plural(len(wb.plan), ROW_FORMS)} вкладки «План» "
            "(по данным последнего чтения таблицы). Остальные вкладки не меняются.")


def _write_to_gsheet(items: list[dict], digest: str) -> None:
    """The Google Sheet: a button, the confirmation with the counts, the write, then the data read again."""
    wb = ctx.wb
    if st.session_state.get(KEY_CONFIRM) != digest:
        st.button("Записать план в Google Таблицу…", key="plan_import_gsheet", icon=":material/cloud_upload:",
                  on_click=_confirm_write, args=(digest,), type="primary",
                  help="Значения вкладки «План» общей Google Таблицы заменятся этим планом — после подтверждения. "
                       "Сервисному аккаунту нужен доступ «Редактор».")
        return
    st.warning(f"Заменить план в Google Таблице «{plain(wb.source.label)}»? " + _replacing(len(items), wb),
               icon=":material/warning:")
    yes, no = st.columns(2)
    no.button("Отмена", key="plan_import_gsheet_cancel", on_click=_cancel_write)
    if not yes.button("Да, заменить план", key="plan_import_gsheet_yes", type="primary", icon=":material/check:"):
        return
    _cancel_write()
    try:
        with st.spinner("Записываю план в Google Таблицу…"):
            written = write_plan_gsheet(GSHEET_PREFIX + wb.source.location, items, **context.google_options())
    except SourceError as exc:
        st.error(plain(str(exc)), icon=":material/error:")
        return
    except Exception as exc:  # noqa: BLE001 — logged, never a traceback on the page
        get_logger("omp.plan_import").error("writing the plan into %s failed", wb.source.location, exc_info=exc)
        st.error(f"Записать план не удалось (внутренняя ошибка {type(exc).__name__}). Сообщите администратору.",
                 icon=":material/error:")
        return
    st.session_state[KEY_WRITTEN] = written.text + " Данные панели прочитаны заново: план — на странице «План»."
    context.refresh_data(after_write=True)
    st.rerun()


def _workbook_file() -> tuple[bytes | str, str] | None:
    """The dashboard's workbook as a file — the upload of this session (its bytes), else the local file
    (its path, read when the download is clicked) — and its name; None when there is none."""
    source = ctx.wb.source
    if source.kind == "upload":
        return context.uploaded_bytes()
    if source.kind == "file":
        return source.location, source.label
    return None


def _book_with_plan(source: bytes | str, items: list[dict], name: str) -> bytes:
    """The download's bytes, built when clicked from the workbook's bytes or path. Never raises (a deferred
    download cannot show an error): a workbook that cannot be read or opened gives a workbook saying so."""
    try:
        data = Path(source).read_bytes() if isinstance(source, str) else source
    except OSError as exc:
        return explanation_xlsx(f"Книгу «{name}» не удалось прочитать заново ({exc.strerror or exc}): вкладка «План» "
                                "не заменена. Скачайте вкладку «План» и перенесите её в книгу.")
    try:
        return replace_plan_xlsx(data, items, file_name=name)[0]
    except PlanTabError as exc:
        return explanation_xlsx(str(exc))
    except Exception as exc:  # noqa: BLE001 — logged; the user gets a Russian file, not a traceback
        get_logger("omp.plan_import").error("replacing the plan tab of %s failed", name, exc_info=exc)
        return explanation_xlsx(f"Вкладку «План» книги «{name}» заменить не удалось (внутренняя ошибка "
                                f"{type(exc).__name__}). Сообщите администратору; пока скачайте вкладку «План».")


def _replace_in_xlsx(items: list[dict]) -> None:
    """An uploaded or local workbook: the same workbook with its «План» tab replaced, to download."""
    found = _workbook_file()
    if found is None:
        st.info("Книга панели недоступна как файл: скачайте вкладку «План» или шаблон книги выше.",
                icon=":material/info:")
        return
    data, name = found
    if Path(name).suffix.lower() != ".xlsx":
        st.info(plain(ONLY_XLSX.format(name=name)), icon=":material/info:")
        return
    st.caption(f"Книга «{plain(name)}»: " + _replacing(len(items), ctx.wb) + " Вкладки, значения и оформление "
               "книги сохраняются, насколько их сохраняет openpyxl (рисунки и диаграммы — нет).")
    st.download_button(f"Скачать «{name}» с этим планом", data=lambda: _book_with_plan(data, items, name),
                       file_name=name, mime=XLSX_MIME, icon=":material/download:", key="plan_import_book_download",
                       on_click="ignore",
                       help="Та же книга, в которой вкладка «План» заменена этим планом. Загрузите её в боковой панели "
                            "или замените ею общую книгу.")


@st.cache_data(max_entries=8, show_spinner="Читаю план…")
def _imported(data: bytes, name: str, year: int | None) -> ImportedPlan:
    return import_plan_docx(data, file_name=name, year=year)


ctx = get_context()
st.title("Импорт плана")
written_message = st.session_state.pop(KEY_WRITTEN, None)
if written_message:
    st.success(written_message, icon=":material/cloud_done:")
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
             "таблице: поправьте их и запишите план во вкладку «План» книги панели или скачайте его.")
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

st.subheader("Записать в книгу панели")
if ctx.load_error:
    st.info("Данные панели сейчас не прочитаны: скачайте вкладку «План» или шаблон книги выше.", icon=":material/info:")
else:
    to_write = template_plan["items"]
    settings_year = ctx.wb.settings.year
    if settings_year and settings_year != year:
        st.warning(f"Год плана ({year}) не совпадает с годом в «Настройках» книги панели ({settings_year}): "
                   "сроки пунктов относятся к году плана.", icon=":material/event_busy:")
    if not to_write:
        st.info("В таблице пунктов плана не осталось ни одного — записывать нечего.", icon=":material/info:")
    elif ctx.wb.source.kind == "gsheet":
        _write_to_gsheet(to_write, plan_digest(to_write))
    else:
        _replace_in_xlsx(to_write)
