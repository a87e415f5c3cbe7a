"""ОМП dashboard — entry point: page setup, sign-in, shared sidebar, navigation.

Run: `streamlit run app.py`. Pages live in `app_pages/` (not `pages/`: a folder with that exact name
switches Streamlit into its legacy multipage mode, where pages run without this script).
Sign-in is off unless users are configured in `.streamlit/secrets.toml` (see docs/AUTH.md).
"""
from __future__ import annotations

import logging

import streamlit as st

from ui import signin, media
from ui.context import draw_sidebar
from ui.markup import plain
from ui.widgets import inject_css

st.set_page_config(page_title="ОМП — мониторинг", page_icon=":material/monitoring:", layout="wide")
media.start_janitor()                # built downloads are forgotten within ~2 × media.CLEANUP_S (docs/AUTH.md)

# The navigation's sections (section → its pages), in the order of a reporting cycle: the summary, the
# centres' data, the report.
SECTIONS = {
    "Сводка": [
        st.Page("app_pages/overview.py", title="Обзор", icon=":material/dashboard:", default=True),
        st.Page("app_pages/plan.py", title="План", icon=":material/checklist:"),
    ],
    "Данные учреждений": [
        st.Page("app_pages/activities.py", title="Мероприятия", icon=":material/event_note:"),
        st.Page("app_pages/monitoring.py", title="Мониторинг", icon=":material/monitoring:"),
        st.Page("app_pages/quality.py", title="Качество данных", icon=":material/fact_check:"),
        st.Page("app_pages/my_institution.py", title="Моё учреждение", icon=":material/home_work:"),
    ],
    "Отчётность": [
        st.Page("app_pages/report.py", title="Отчет", icon=":material/description:"),
    ],
}

# Admin pages: listed for the director and coordinators (and in the demo, without sign-in), never for a
# centre's login — a page that is not listed cannot be opened, not even by its address.
ADMIN_SECTION = {
    "Администрирование": [
        st.Page("app_pages/plan_import.py", title="Импорт плана", icon=":material/upload_file:"),
    ],
}

gate = signin.resolve()
# Until the user has signed in the pages are not listed, but the requested page (a deep link with its
# query parameters) is kept and opens right after sign-in — an admin page only for an admin's login.
admin = not gate.open or gate.user is None or gate.user.sees_all
page = st.navigation({**SECTIONS, **(ADMIN_SECTION if admin else {})},
                     position="sidebar" if gate.open else "hidden")
inject_css()
if not gate.open:
    signin.draw_gate(gate)          # the sign-in form or the configuration error; stops the run

ctx = draw_sidebar(gate.user)
signin.draw_account(gate)
if ctx.user is not None and ctx.user.sees_all and gate.config is not None:
    unknown = gate.config.unknown_institutions(ctx.wb.institution_names) if ctx.wb.institution_names else []
    if unknown:
        st.sidebar.warning("В настройках входа есть учреждения, которых нет в книге: " +
                           ", ".join(map(plain, unknown)) + ". Их пользователи не увидят данных — проверьте "
                           "написание (как имя вкладки).",
                           icon=":material/person_alert:")
if ctx.load_error:
    st.error(f"{plain(ctx.load_error)}  \nПроверьте источник данных и нажмите «Обновить данные» или загрузите "
             "книгу в боковой панели.", icon=":material/error:")
if ctx.banner:
    st.warning(plain(ctx.banner), icon=":material/cloud_off:")
if ctx.kept_error:
    st.error(f"{plain(ctx.kept_error)}  \nПоказаны данные, прочитанные {ctx.wb.source.read_at:%d.%m.%Y в %H:%M}. "
             "Нажмите «Обновить данные» позже.", icon=":material/error:")
try:
    page.run()
except Exception as exc:  # never show a traceback to users; the log keeps it for developers
    logging.getLogger("omp").exception("page %s failed", page.title)
    st.error(f"Страница «{page.title}» не смогла отобразиться: {type(exc).__name__}. "
             "Попробуйте изменить фильтры или нажмите «Обновить данные»; если ошибка повторяется, "
             "сообщите администратору.", icon=":material/error:")
