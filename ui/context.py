"""Shared state of the dashboard — the one place that knows where data comes from, who is looking
and what the sidebar filters say.

`app.py` calls `draw_sidebar(user)` once per run, before the page; every page calls `get_context()`.

Source at start: `$OMP_SOURCE` (a spreadsheet file's path or `gsheet:<key>`), else `source` in
`.streamlit/secrets.toml`, else the bundled sample workbook. A workbook uploaded in the sidebar
replaces it for this browser session (until the file is removed from the uploader).

* A spreadsheet file is read once and kept by `st.cache_resource` (TTL `CACHE_TTL_S`) keyed on the path and
  `lib.sources.revision(spec)` (mtime and size); concurrent sessions wait for the one read. A resource,
  not `st.cache_data`: the workbook is shared read-only, never copied — `cache_data` would unpickle
  the whole workbook on every rerun (≈110 ms at 28 × 10 000 rows).
* A Google Sheet is read through `lib.sources.snapshot.fetch_shared` with ONE process-wide `SingleFlight`
  (`st.cache_resource`): however many viewers open or refresh the dashboard, the sheet is read at
  most once per TTL. When Google is unavailable the last good snapshot on disk is shown with a banner
  (`Context.banner`). The parsed workbook is cached by `st.cache_resource` under the read's time stamp.
* An outage is remembered process-wide for `OUTAGE_TTL_S` (`$OMP_OUTAGE_TTL_S`, default the cache
  TTL): meanwhile every viewer gets the snapshot at once, no request is sent. After that the next
  viewer still gets it at once and Google is tried again in the background; «Обновить данные»
  tries again at once (that viewer waits for the bounded retries).
* When a read fails and this process has read the source before, the previous data stays on screen
  with the Russian error (`Context.kept_error`) instead of an empty dashboard.

«Обновить данные» drops the caches (and the single-flight's freshness). Derived tables are cached in
`ui/cached.py` under `Context.key`, which changes whenever the data is read again.

Previous reads («Что изменилось с прошлого чтения», `lib.metrics.changes`): each new read of the configured
source is added once per process to its history on disk (`lib.metrics.changes.record_read`, next to the Google
snapshots) by a background thread, so no page waits for it but the one that shows the history; an
uploaded file's history is kept in the browser session instead (`KEY_UPLOAD_READS`, reset when a file
of another name is uploaded). `read_history(ctx)` gives the one that belongs to what is on screen.

Scope: `Context.institutions` is always `lib.auth.scope_filter(user, …)` — for an institution's user
exactly its own institution, whatever a widget, the session state or the URL says.
"""
from __future__ import annotations

import hashlib
import math
import os
import threading
import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import date

import streamlit as st
from streamlit.logger import get_logger

from ui.markup import plain
from lib.metrics import changes
from lib.auth import User, scope_filter, visible_institutions
from lib.metrics.choices import default_period_kind, empty_workbook, year_options
from lib.loader import SAMPLE_WORKBOOK, load_workbook
from lib.model.workbook import Workbook
from lib.model.periods import SELECTABLE_KINDS, Period
from lib.sources.snapshot import Fetched, SingleFlight, fetch_shared
from lib import sources
from lib.sources import GSHEET_PREFIX, SourceError
from lib.sources.spreadsheet import EXTENSIONS, MAX_FILE_BYTES
from lib.metrics.tables import source_text

CACHE_TTL_S = 600


def _seconds_from_env(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, "").strip() or default)
    except ValueError:
        return default
    return value if math.isfinite(value) and value >= 0 else default


# How long a Google outage is remembered (the snapshot served with no request) before a background retry.
OUTAGE_TTL_S = _seconds_from_env("OMP_OUTAGE_TTL_S", CACHE_TTL_S)
UPLOAD_TYPES = [*EXTENSIONS, "csv"]   # a .csv gets a Russian message (save it as a workbook), not a refusal

# Test hook: extra keyword arguments for `lib.sources.gsheets.read_gsheet` (the tests pass a gspread client
# that talks to the local fake Sheets server, and short retry budgets). Empty in production.
GSHEET_OPTIONS: dict = {}

# st.session_state keys (widgets and accepted upload)
KEY_YEAR = "omp_year"
KEY_PERIOD = "omp_period"            # a SELECTABLE_KINDS code: Q1…Q4, H1, 9M, Y
KEY_INSTITUTIONS = "omp_institutions"
KEY_AS_OF = "omp_as_of"
KEY_UPLOADER = "omp_upload_widget"
KEY_UPLOADED = "omp_uploaded"        # (digest, file name, Workbook) of the accepted upload
KEY_UPLOAD_MESSAGE = "omp_upload_message"
KEY_CONTEXT = "_omp_context"
KEY_UPLOAD_DIGEST = "_omp_upload_digest"   # uploader file id → digest of its bytes (uploaded_bytes)
KEY_UPLOAD_READS = "omp_upload_reads"   # lib.metrics.changes.ReadHistory of this session's uploads of one file

_log = get_logger("omp.source")


@dataclass(frozen=True)
class Context:
    wb: Workbook
    period: Period
    institutions: list[str]          # chosen institutions; empty = all (never empty for an institution's user)
    as_of: date                      # plan status date
    year: int                        # the chosen year (= period.year)
    key: str                         # identifies the loaded data: cache key for derived values
    load_error: str | None = None    # Russian message when the source could not be read (no data at all)
    user: User | None = None         # the signed-in user; None when sign-in is off
    banner: str | None = None        # «Данные от … — Google Таблица сейчас недоступна» (a stale snapshot)
    kept_error: str | None = None    # the last read failed; the previous data is shown (Russian)

    @property
    def source_text(self) -> str:
        """«Данные: файл «omp.xlsx» · прочитаны 22.11.2026 в 09:41» — or that it could not be read
        (Markdown: the source's name is escaped)."""
        if self.load_error:
            src = self.wb.source
            return (f"Данные: «{plain(src.label)}» — не удалось прочитать "
                    f"({src.read_at.strftime('%d.%m.%Y в %H:%M')})")
        return source_text(self.wb, plain)

    @property
    def scope(self) -> list[str]:
        """The institutions in view: the chosen ones, else all of the workbook's."""
        return self.institutions or self.wb.institution_names

    @property
    def own_only(self) -> bool:
        """A centre's user: its own institution's rows, plus the region's totals (sums and means only)."""
        return self.user is not None and not self.user.sees_all

    @property
    def visible(self) -> list[str]:
        """The workbook's institutions this user may pick (all of them unless restricted)."""
        return visible_institutions(self.user, self.wb.institution_names)


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


def _unexpected(exc: Exception, what: str) -> str:
    """A Russian message for a bug (the details go to the server log, never to the page)."""
    _log.error("reading %s failed", what, exc_info=exc)
    return f"Не удалось прочитать данные «{what}» (внутренняя ошибка {type(exc).__name__}). Сообщите администратору."


@st.cache_resource(ttl=CACHE_TTL_S, max_entries=8, show_spinner="Читаю данные…")
def _load(spec: str, revision: str) -> tuple[Workbook, str | None]:
    """A spreadsheet file: (workbook, None), or (an empty workbook, Russian message) when it cannot be read —
    failures are cached too, so a broken file is not retried on every click (a changed file has a new
    revision and is read again)."""
    _log.info("source read: %s", sources.describe(spec))
    try:
        return load_workbook(spec), None
    except SourceError as exc:
        return empty_workbook(spec), str(exc)
    except Exception as exc:  # a bug in a parser must not take the app down
        return empty_workbook(spec), _unexpected(exc, sources.describe(spec))


@st.cache_resource(show_spinner=False)
def _flight() -> SingleFlight:
    """One process-wide single-flight for Google Sheets: one read per TTL for all viewers, an outage
    remembered for OUTAGE_TTL_S."""
    return SingleFlight(CACHE_TTL_S, outage_ttl_s=OUTAGE_TTL_S)


def _read_google(spec: str, credentials) -> tuple[list, object]:
    _log.info("source read: %s", sources.describe(spec))
    options = dict(GSHEET_OPTIONS) if GSHEET_OPTIONS else {"credentials": credentials}
    return sources.read(spec, **options)


@st.cache_resource(ttl=CACHE_TTL_S, max_entries=8, show_spinner=False)
def _build(spec: str, stamp: str, _fetched: Fetched) -> Workbook:
    """The parsed workbook of one Google read (`stamp`: its time), parsed once however many sessions."""
    return _fetched.build()


class _LastGood:
    """The last workbook each source gave in this process: shown (with the error) when a read fails."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, tuple[Workbook, str]] = {}

    def remember(self, spec: str, wb: Workbook, key: str) -> None:
        with self._lock:
            self._items[spec] = (wb, key)

    def get(self, spec: str) -> tuple[Workbook, str] | None:
        with self._lock:
            return self._items.get(spec)


@st.cache_resource(show_spinner=False)
def _last_good() -> _LastGood:
    return _LastGood()


class _Reads:
    """Which read of each source this process has added to the source's history (once per read), the
    recording still under way per source, and the digests of the last reads (`lib.metrics.changes.digest`)."""

    KEEP_DIGESTS = 8

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.recorded: dict[str, str] = {}
        self.pending: dict[str, threading.Thread] = {}
        self.digests: dict[str, changes.Digest] = {}

    def remember(self, key: str, version: changes.Digest) -> None:
        with self.lock:
            self.digests[key] = version
            for old in list(self.digests)[:-self.KEEP_DIGESTS]:
                del self.digests[old]


@st.cache_resource(show_spinner=False)
def _reads() -> _Reads:
    return _Reads()


def _record(reads: _Reads, spec: str, wb: Workbook, key: str, before: threading.Thread | None) -> None:
    if before is not None:
        before.join()                    # reads of one source are recorded in the order they were made
    try:
        version = changes.digest(wb)
        reads.remember(key, version)
        changes.record_read(spec, wb, version=version)
    except Exception as exc:  # the history is a nicety: never fail anything for it
        _log.error("recording the read of %s failed", sources.describe(spec), exc_info=exc)


def _note_read(spec: str, wb: Workbook, key: str) -> None:
    """Add a new read of `spec` to its history on disk, in a background thread (a page that does not
    show the history never waits for it); nothing when this read was added already."""
    reads = _reads()
    with reads.lock:
        if reads.recorded.get(spec) == key:
            return
        reads.recorded[spec] = key
        thread = threading.Thread(target=_record, args=(reads, spec, wb, key, reads.pending.get(spec)),
                                  name="omp-record-read", daemon=True)
        reads.pending[spec] = thread
    thread.start()


def read_history(ctx: "Context") -> changes.ReadHistory:
    """The previous reads of what is on screen: the uploaded file's (this session), else the source's
    (after the recording of the latest read has finished)."""
    if ctx.load_error:
        return changes.ReadHistory()
    if ctx.key.startswith("upload:"):
        return st.session_state.get(KEY_UPLOAD_READS) or changes.ReadHistory()
    spec = default_source()
    pending = _reads().pending.get(spec)
    if pending is not None:
        pending.join(timeout=60)
    return changes.load_history(spec)


def current_digest(ctx: "Context") -> changes.Digest:
    """The digest of the data on screen (the one made when it was recorded, if there is one)."""
    reads = _reads()
    known = reads.digests.get(ctx.key)
    if known is None:
        known = changes.digest(ctx.wb)
        reads.remember(ctx.key, known)
    return known


@dataclass(frozen=True)
class _Loaded:
    wb: Workbook
    key: str
    error: str | None = None         # nothing could be shown
    banner: str | None = None        # a stale snapshot is shown
    kept_error: str | None = None    # the previous data is shown


def _failed(spec: str, message: str) -> _Loaded:
    """A read failed: the previous data of this source if the process has it, else nothing."""
    previous = _last_good().get(spec)
    if previous is None:
        wb = empty_workbook(spec)
        return _Loaded(wb, f"error|{spec}|{hashlib.sha1(message.encode()).hexdigest()[:8]}", error=message)
    wb, key = previous
    return _Loaded(wb, key, kept_error=message)


def _load_google(spec: str) -> _Loaded:
    try:
        credentials = _credentials()         # here: the read may run in a background thread
        with st.spinner("Читаю Google Таблицу…"):
            fetched = fetch_shared(spec, _flight(), lambda s: _read_google(s, credentials))
            stamp = fetched.info.read_at.isoformat()
            wb = _build(spec, stamp, _fetched=fetched)
    except SourceError as exc:
        return _failed(spec, str(exc))
    except Exception as exc:  # a bug must not take the app down (and must not show a secret)
        return _failed(spec, _unexpected(exc, sources.describe(spec)))
    key = f"{spec}|{stamp}"
    _last_good().remember(spec, wb, key)
    _note_read(spec, wb, key)
    return _Loaded(wb, key, banner=fetched.banner if fetched.stale else None)


def _load_file(spec: str) -> _Loaded:
    revision = sources.revision(spec)
    wb, error = _load(spec, revision)
    if error:
        return _failed(spec, error)
    key = f"{revision}|{wb.source.read_at.isoformat()}"
    _last_good().remember(spec, wb, key)
    _note_read(spec, wb, key)
    return _Loaded(wb, key)


MIN_REFRESH_S = 30       # «Обновить данные» re-reads the source for every viewer: at most this often
_last_refresh = {"at": None}          # time.monotonic() of the last accepted refresh, process-wide
_refresh_lock = threading.Lock()


def refresh_data(*, after_write: bool = False) -> bool:
    """«Обновить данные»: read the source again and forget everything derived from it — unless any
    viewer did so less than MIN_REFRESH_S ago (28 centres clicking at once must not cost 28 Google
    reads of the 60 a minute allowed): then say when it is possible again. True when refreshed.
    `after_write`: the app has just written into the source (the imported plan), so it is read again
    whatever the pause."""
    from ui import cached
    with _refresh_lock:
        now, last = time.monotonic(), _last_refresh["at"]
        if not after_write and last is not None and now - last < MIN_REFRESH_S:
            wait = math.ceil(MIN_REFRESH_S - (now - last))
            st.toast(f"Данные только что обновлены. Обновить ещё раз можно через {wait} с.",
                     icon=":material/schedule:")
            return False
        _last_refresh["at"] = now
    _load.clear()
    _flight().invalidate()
    cached.clear()
    return True


# --------------------------------------------------------------------------- uploads


def handle_upload(file, state: MutableMapping) -> None:
    """Validate an uploaded workbook into `state` (the session state); keep the previous data if it
    cannot be read. `file` is the uploader's value (name + getvalue()), None when it was removed."""
    if file is None:                       # the file was removed: back to the main source
        state.pop(KEY_UPLOADED, None)
        state[KEY_UPLOAD_MESSAGE] = None
        return
    name = str(getattr(file, "name", "") or "файл")
    try:
        data = file.getvalue()
        wb = load_workbook(data, name)
    except SourceError as exc:
        state[KEY_UPLOAD_MESSAGE] = ("error", f"{exc} Показаны прежние данные.")
        return
    except Exception as exc:  # a parser bug: logged, never shown as a traceback
        _log.error("upload %s failed", name, exc_info=exc)
        state[KEY_UPLOAD_MESSAGE] = ("error", f"Файл «{name}» не удалось разобрать "
                                              f"({type(exc).__name__}). Показаны прежние данные.")
        return
    digest = hashlib.sha256(data).hexdigest()[:16]
    history = state.get(KEY_UPLOAD_READS)
    if not isinstance(history, changes.ReadHistory) or (history.versions and history.versions[-1].label != name):
        history = changes.ReadHistory()      # another file: nothing to compare it with
    version = changes.digest(wb)
    history.add(version)
    _reads().remember(f"upload:{digest}", version)
    state[KEY_UPLOAD_READS] = history
    state[KEY_UPLOADED] = (digest, name, wb)
    state[KEY_UPLOAD_MESSAGE] = ("success", f"Загружен файл «{name}»: {len(wb.activities)} мероприятий, "
                                            f"{len(wb.institution_names)} учреждений.")


def _on_upload() -> None:
    handle_upload(st.session_state.get(KEY_UPLOADER), st.session_state)


def uploaded_bytes() -> tuple[bytes, str] | None:
    """The accepted upload's bytes and name (the uploader still holds that very file), else None."""
    accepted = st.session_state.get(KEY_UPLOADED)
    widget = st.session_state.get(KEY_UPLOADER)
    if not accepted or widget is None:
        return None
    file_id = getattr(widget, "file_id", None) or id(widget)
    digests = st.session_state.setdefault(KEY_UPLOAD_DIGEST, {})
    if file_id not in digests:              # hashed once per uploaded file, not on every rerun
        digests.clear()
        digests[file_id] = hashlib.sha256(widget.getvalue()).hexdigest()[:16]
    return (widget.getvalue(), accepted[1]) if digests[file_id] == accepted[0] else None


def google_options() -> dict:
    """What `lib.sources.gsheets` and the writers into a Google Sheet take to reach it: the service
    account's key from the secrets (the tests' `GSHEET_OPTIONS` instead, when set)."""
    return dict(GSHEET_OPTIONS) if GSHEET_OPTIONS else {"credentials": _credentials()}


def _current() -> _Loaded:
    uploaded = st.session_state.get(KEY_UPLOADED)
    if uploaded:
        digest, _name, wb = uploaded
        return _Loaded(wb, f"upload:{digest}")
    spec = default_source()
    return _load_google(spec) if spec.startswith(GSHEET_PREFIX) else _load_file(spec)


# --------------------------------------------------------------------------- the sidebar


def _sanitize(wb: Workbook, today: date, user: User | None) -> list[int]:
    """Make stored filter values valid for the current workbook (and user) before the widgets are drawn."""
    years = year_options(wb)
    if st.session_state.get(KEY_YEAR) not in years:
        st.session_state[KEY_YEAR] = wb.year if wb.year in years else years[0]
    if st.session_state.get(KEY_PERIOD) not in SELECTABLE_KINDS:
        st.session_state[KEY_PERIOD] = default_period_kind(wb, st.session_state[KEY_YEAR], today)
    known = set(visible_institutions(user, wb.institution_names))
    chosen = st.session_state.get(KEY_INSTITUTIONS) or []
    if not isinstance(chosen, list) or any(name not in known for name in chosen):
        st.session_state[KEY_INSTITUTIONS] = [name for name in (chosen if isinstance(chosen, list) else [])
                                              if name in known]
    if not isinstance(st.session_state.get(KEY_AS_OF), date):
        st.session_state[KEY_AS_OF] = today
    return years


def draw_sidebar(user: User | None = None) -> Context:
    """Draw the shared filters and the data-source block; remember the resulting context for the page.

    `user`: the signed-in user (None: sign-in is off). An institution's user gets a fixed label
    instead of the institution filter, and the context is scoped to their institution."""
    today = date.today()
    loaded = _current()
    wb = loaded.wb
    years = _sanitize(wb, today, user)
    restricted = user is not None and not user.sees_all
    sb = st.sidebar
    sb.markdown("**Период и учреждения**")
    col_period, col_year = sb.columns([3, 2])
    col_period.selectbox("Период", list(SELECTABLE_KINDS), key=KEY_PERIOD,
                         format_func=lambda k: SELECTABLE_KINDS[k].name)
    col_year.selectbox("Год", years, key=KEY_YEAR)
    if restricted:
        sb.markdown(f"**Учреждение:** {plain(scope_filter(user, None, wb.institution_names)[0])}")
    else:
        sb.multiselect("Учреждения", wb.institution_names, key=KEY_INSTITUTIONS, placeholder="Все учреждения",
                       select_all=False,      # empty already means all (and the action's label is English)
                       help="Оставьте пустым, чтобы видеть все учреждения.")
    sb.date_input("Статус плана на дату", key=KEY_AS_OF, format="DD.MM.YYYY",
                  help="Выполнение плана и просрочки считаются на эту дату (по умолчанию — сегодня).")

    sb.divider()
    sb.markdown("**Данные**")
    sb.caption((f"«{plain(wb.source.label)}» — не удалось прочитать" if loaded.error else
                source_text(wb, plain).removeprefix("Данные: ")))
    if wb.source.url:
        sb.markdown(f"[Открыть таблицу]({wb.source.url})")
    sb.button("Обновить данные", key="omp_refresh", icon=":material/refresh:", on_click=refresh_data,
              help="Прочитать таблицу заново (иначе данные обновляются сами каждые 10 минут).")
    sb.file_uploader("Загрузить книгу (.xlsx, .xlsm, .xlsb, .xls, .ods)", type=UPLOAD_TYPES, key=KEY_UPLOADER, on_change=_on_upload,
                     help=f"Книга Excel или LibreOffice по шаблону ОМП, не больше {MAX_FILE_BYTES // 1048576} МБ. Она заменит данные "
                          "только в этом окне браузера; уберите файл, чтобы вернуться к основному источнику.")
    message = st.session_state.get(KEY_UPLOAD_MESSAGE)
    if message:
        (sb.error if message[0] == "error" else sb.success)(plain(message[1]))   # quotes the file's name

    year = int(st.session_state[KEY_YEAR])
    chosen = list(st.session_state.get(KEY_INSTITUTIONS) or []) if not restricted else []
    ctx = Context(wb=wb, period=Period.of_kind(year, st.session_state[KEY_PERIOD]),
                  institutions=scope_filter(user, chosen, wb.institution_names),
                  as_of=st.session_state[KEY_AS_OF], year=year, key=loaded.key, load_error=loaded.error,
                  user=user, banner=loaded.banner, kept_error=loaded.kept_error)
    st.session_state[KEY_CONTEXT] = ctx
    return ctx


def get_context() -> Context:
    """The context of this run (drawn by `app.py`)."""
    ctx = st.session_state.get(KEY_CONTEXT)
    if ctx is None:                        # a page run without app.py (should not happen with st.navigation)
        from ui import signin
        gate = signin.resolve()
        if not gate.open:
            st.stop()
        ctx = draw_sidebar(gate.user)
    return ctx
