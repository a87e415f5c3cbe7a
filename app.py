"""ОМП dashboard — entry point: page setup, shared sidebar, navigation.

Run: `streamlit run app.py`. Pages live in `app_pages/` (not `pages/`: a folder with that exact name
switches Streamlit into its legacy multipage mode, where pages run without this script).
"""
from __future__ import annotations

import logging

import streamlit as st

from app_pages.context import draw_sidebar
from app_pages.ui import inject_css

st.set_page_config(page_title="ОМП — мониторинг", page_icon=":material/monitoring:", layout="wide")

PAGES = [
    st.Page("app_pages/overview.py", title="Обзор", icon=":material/dashboard:", default=True),
    st.Page("app_pages/plan.py", title="План", icon=":material/checklist:"),
    st.Page("app_pages/activities.py", title="Мероприятия", icon=":material/event_note:"),
    st.Page("app_pages/monitoring.py", title="Мониторинг", icon=":material/monitoring:"),
    st.Page("app_pages/quality.py", title="Качество данных", icon=":material/fact_check:"),
    st.Page("app_pages/my_institution.py", title="Моё учреждение", icon=":material/home_work:"),
    st.Page("app_pages/report.py", title="Отчет", icon=":material/description:"),
]

page = st.navigation(PAGES)
inject_css()
ctx = draw_sidebar()
if ctx.load_error:
    st.error(f"{ctx.load_error}  \nПроверьте источник данных и нажмите «Обновить данные» или загрузите "
             "книгу .xlsx в боковой панели.", icon=":material/error:")
try:
    page.run()
except Exception as exc:  # never show a traceback to users; the log keeps it for developers
    logging.getLogger("omp").exception("page %s failed", page.title)
    st.error(f"Страница «{page.title}» не смогла отобразиться: {type(exc).__name__}. "
             "Попробуйте изменить фильтры или нажмите «Обновить данные»; если ошибка повторяется, "
             "сообщите администратору.", icon=":material/error:")
