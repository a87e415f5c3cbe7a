"""Shared state of the dashboard — the one place that knows where data comes from and what the
sidebar filters say.

`app.py` calls `draw_sidebar()` once per run, before the page; every page calls `get_context()`.

Source at start: `$OMP_SOURCE` (an `.xlsx` path or `gsheet:<key>`), else `source` in
`.streamlit/secrets.toml`, else the bundled sample workbook. An `.xlsx` uploaded in the sidebar
replaces it for this browser session (until the file is removed from the uploader).

The workbook is read once and kept by `st.cache_data` (TTL `CACHE_TTL_S`) keyed on the source spec
and `source_revision(spec)` (a file's mtime and size), so widget changes never re-read or re-parse
it. «Обновить данные» drops the cache. Derived tables are cached in `app_pages/derived.py` under
`Context.key`, which changes whenever the data is read again.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import date

import streamlit as st

from lib.dashboard import PERIOD_KINDS, default_period_kind, empty_workbook, period_of, year_options
from lib.loader import SAMPLE_WORKBOOK, load_workbook, load_workbook_bytes, source_revision
from lib.model import Workbook
from lib.periods import Period
from lib.sources import GSHEET_PREFIX, SourceError
from lib.views import source_text

CACHE_TTL_S = 600

# st.session_state keys (widgets and accepted upload)
KEY_YEAR = "omp_year"
KEY_PERIOD = "omp_period"            # a PERIOD_KINDS code: Q1…Q4, H1, 9M, Y
KEY_INSTITUTIONS = "omp_institutions"
KEY_AS_OF = "omp_as_of"
KEY_UPLOADER = "omp_upload_widget"
KEY_UPLOADED = "omp_uploaded"        # (digest, file name, Workbook) of the accepted upload
KEY_UPLOAD_MESSAGE = "omp_upload_message"
KEY_CONTEXT = "_omp_context"


@dataclass(frozen=True)
class Context:
    wb: Workbook
    period: Period
    institutions: list[str]          # chosen institutions; empty = all
    as_of: date                      # plan status date
    year: int                        # the chosen year (= period.year)
    key: str                         # identifies the loaded data: cache key for derived values
    load_error: str | None = None    # Russian message when the source could not be read

    @property
    def source_text(self) -> str:
        """«Данные: файл «omp.xlsx» · прочитаны 22.11.2026 в 09:41» — or that it could not be read."""
        if self.load_error:
            src = self.wb.source
            return f"Данные: «{src.label}» — не удалось прочитать ({src.read_at.strftime('%d.%m.%Y в %H:%M')})"
        return source_text(self.wb)

    @property
    def scope(self) -> list[str]:
        """The institutions in view: the chosen ones, else all of the workbook's."""
        return self.institutions or self.wb.institution_names


# --------------------------------------------------------------------------- the source


def _secret(name: str):
    """A value from st.secrets, or None — also when there is no secrets.toml at all."""
    try:
        return st.secrets[name] if name in st.secrets else None
    except Exception:  # StreamlitSecretNotFoundError and parse errors of a broken secrets.toml
        return None


def default_source() -> str:
    spec = os.environ.get("OMP_SOURCE", "").strip()
    if spec:
        return spec
    secret = _secret("source")
    if secret:
        return str(secret).strip()
    return str(SAMPLE_WORKBOOK)


def _credentials():
    value = _secret("gcp_service_account")
    return dict(value) if value is not None else None


@st.cache_data(ttl=CACHE_TTL_S, max_entries=8, show_spinner="Читаю данные…")
def _load(spec: str, revision: str, _credentials) -> tuple[Workbook, str | None]:
    """(workbook, None), or (an empty workbook, Russian message) when the source cannot be read —
    failures are cached too, so a broken source is not retried on every click."""
    try:
        if spec.startswith(GSHEET_PREFIX):
            return load_workbook(spec, credentials=_credentials), None
        return load_workbook(spec), None
    except SourceError as exc:
        return empty_workbook(spec), str(exc)
    except Exception as exc:  # a bug in a parser must not take the app down
        return empty_workbook(spec), f"Не удалось прочитать данные ({type(exc).__name__}): {exc}"


def refresh_data() -> None:
    """«Обновить данные»: forget the cached workbook and everything derived from it."""
    from app_pages import derived
    _load.clear()
    derived.clear()


def _on_upload() -> None:
    """Validate an uploaded .xlsx; keep the previous data if it cannot be read."""
    file = st.session_state.get(KEY_UPLOADER)
    if file is None:                       # the file was removed: back to the main source
        st.session_state.pop(KEY_UPLOADED, None)
        st.session_state[KEY_UPLOAD_MESSAGE] = None
        return
    data = file.getvalue()
    try:
        wb = load_workbook_bytes(data, file.name)
    except SourceError as exc:
        st.session_state[KEY_UPLOAD_MESSAGE] = ("error", f"{exc} Показаны прежние данные.")
        return
    except Exception as exc:  # pragma: no cover - parser bug
        st.session_state[KEY_UPLOAD_MESSAGE] = ("error", f"Файл «{file.name}» не удалось разобрать "
                                                         f"({type(exc).__name__}). Показаны прежние данные.")
        return
    digest = hashlib.sha256(data).hexdigest()[:16]
    st.session_state[KEY_UPLOADED] = (digest, file.name, wb)
    st.session_state[KEY_UPLOAD_MESSAGE] = ("success", f"Загружен файл «{file.name}»: "
                                                       f"{len(wb.activities)} мероприятий, "
                                                       f"{len(wb.institution_names)} учреждений.")


def _current_workbook() -> tuple[Workbook, str, str | None]:
    uploaded = st.session_state.get(KEY_UPLOADED)
    if uploaded:
        digest, _name, wb = uploaded
        return wb, f"upload:{digest}", None
    spec = default_source()
    revision = source_revision(spec)
    wb, error = _load(spec, revision, _credentials())
    return wb, f"{revision}|{wb.source.read_at.isoformat()}", error


# --------------------------------------------------------------------------- the sidebar


def _sanitize(wb: Workbook, today: date) -> list[int]:
    """Make stored filter values valid for the current workbook before the widgets are drawn."""
    years = year_options(wb)
    if st.session_state.get(KEY_YEAR) not in years:
        st.session_state[KEY_YEAR] = wb.year if wb.year in years else years[0]
    if st.session_state.get(KEY_PERIOD) not in PERIOD_KINDS:
        st.session_state[KEY_PERIOD] = default_period_kind(wb, st.session_state[KEY_YEAR], today)
    known = set(wb.institution_names)
    chosen = st.session_state.get(KEY_INSTITUTIONS) or []
    if any(name not in known for name in chosen):
        st.session_state[KEY_INSTITUTIONS] = [name for name in chosen if name in known]
    if not isinstance(st.session_state.get(KEY_AS_OF), date):
        st.session_state[KEY_AS_OF] = today
    return years


def draw_sidebar() -> Context:
    """Draw the shared filters and the data-source block; remember the resulting context for the page."""
    today = date.today()
    wb, key, error = _current_workbook()
    years = _sanitize(wb, today)
    sb = st.sidebar
    sb.markdown("**Период и учреждения**")
    col_period, col_year = sb.columns([3, 2])
    col_period.selectbox("Период", list(PERIOD_KINDS), key=KEY_PERIOD,
                         format_func=lambda k: PERIOD_KINDS[k][2])
    col_year.selectbox("Год", years, key=KEY_YEAR)
    sb.multiselect("Учреждения", wb.institution_names, key=KEY_INSTITUTIONS, placeholder="Все учреждения",
                   help="Оставьте пустым, чтобы видеть все учреждения.")
    sb.date_input("Статус плана на дату", key=KEY_AS_OF, format="DD.MM.YYYY",
                  help="Выполнение плана и просрочки считаются на эту дату (по умолчанию — сегодня).")

    sb.divider()
    sb.markdown("**Данные**")
    sb.caption((f"«{wb.source.label}» — не удалось прочитать" if error else
                source_text(wb).removeprefix("Данные: ")))
    if wb.source.url:
        sb.markdown(f"[Открыть таблицу]({wb.source.url})")
    sb.button("Обновить данные", key="omp_refresh", icon=":material/refresh:", on_click=refresh_data,
              help="Прочитать таблицу заново (иначе данные обновляются сами каждые 10 минут).")
    sb.file_uploader("Загрузить книгу .xlsx", type=["xlsx"], key=KEY_UPLOADER, on_change=_on_upload,
                     help="Файл по шаблону ОМП. Он заменит данные только в этом окне браузера; "
                          "уберите файл, чтобы вернуться к основному источнику.")
    message = st.session_state.get(KEY_UPLOAD_MESSAGE)
    if message:
        (sb.error if message[0] == "error" else sb.success)(message[1])

    year = int(st.session_state[KEY_YEAR])
    ctx = Context(wb=wb, period=period_of(year, st.session_state[KEY_PERIOD]),
                  institutions=list(st.session_state.get(KEY_INSTITUTIONS) or []),
                  as_of=st.session_state[KEY_AS_OF], year=year, key=key, load_error=error)
    st.session_state[KEY_CONTEXT] = ctx
    return ctx


def get_context() -> Context:
    """The context of this run (drawn by `app.py`)."""
    ctx = st.session_state.get(KEY_CONTEXT)
    if ctx is None:                        # a page run without app.py (should not happen with st.navigation)
        ctx = draw_sidebar()
    return ctx
