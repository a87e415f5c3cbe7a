"""Read every tab of a Google Sheet as raw grids, in exactly two HTTP requests.

Request 1 fetches the metadata (spreadsheet title, tab titles, sheetIds); request 2 fetches the
values of all tabs at once. Transient failures (429, 5xx, timeouts, dropped connections) are
retried with bounded exponential backoff and full jitter; everything else becomes a `SourceError`
with a Russian message for the user.

A read is complete and consistent, or it is no read at all. Both answers are checked: every tab asked
for came back, each value range names the tab it was asked for (a tab renamed between the two
requests shows up here, or as a 400 «Unable to parse range»), values are rows of plain cells in ROWS
order, the metadata has the properties used. When a check fails, metadata and values are read once
more (`MAX_REREADS`); failing again, the read is a `SourceUnavailable` (the caller serves its last good
snapshot), never a partial result. A range without `values` is an empty tab (Google omits the key
for one) once its name is the tab's; whether an empty tab that had rows before is believed is decided
by `lib.sources.snapshot`, which knows the rows before.
"""
from __future__ import annotations

import json
import os
import random
import re
import time
from collections.abc import Callable, Mapping
from itertools import chain
from typing import Any
from urllib.parse import urlencode

import gspread
import requests
from gspread.exceptions import APIError
from gspread.urls import SPREADSHEET_BATCH_UPDATE_URL, SPREADSHEET_VALUES_BATCH_URL
from gspread.utils import absolute_range_name, extract_id_from_url

from lib.sources.base import GSHEET_PREFIX, RawTab, SourceError, SourceInfo, SourceUnavailable

CREDENTIALS_ENV = "GOOGLE_APPLICATION_CREDENTIALS"

REQUEST_TIMEOUT_S = 10.0     # per HTTP request
BACKOFF_BASE_S = 1.0         # first retry waits uniform(0, 1) s, then (0, 2), (0, 4), (0, 8), …
BACKOFF_CAP_S = 8.0
MAX_RETRIES = 8              # per request, on top of the time budget
MIN_RETRY_TIMEOUT_S = 1.0    # a retry near the end of the budget still gets this long to answer
# A GET with many Cyrillic tab names gets long (each name is percent-encoded, ~6 chars a letter).
# Above this many characters of query string the same one request is sent as a POST
# (values:batchGetByDataFilter, tabs addressed by sheetId) so no URL-length limit can bite.
MAX_GET_QUERY_CHARS = 6000
# Answers that do not fit together (a tab renamed or removed between the metadata and the values
# request, fewer ranges than asked, JSON of the wrong shape): metadata + values are read this many
# times more before the read counts as failed. Each re-read costs two requests.
MAX_REREADS = 1

RETRY_STATUSES = {429, 500, 502, 503, 504}

METADATA_FIELDS = ("spreadsheetId,properties.title,"
                   "sheets.properties(sheetId,title,index,sheetType,hidden,gridProperties)")
VALUE_OPTIONS = {
    "valueRenderOption": "UNFORMATTED_VALUE",     # numbers stay numbers
    # Dates as serial day numbers: a display string depends on the sheet locale (3/4/2026 is 4 March
    # in Russia and 3 April in the US); the date column parser reads serials unambiguously.
    "dateTimeRenderOption": "SERIAL_NUMBER",
    "majorDimension": "ROWS",
}

_NO_CREDENTIALS = (
    "Не настроен доступ к Google Таблицам. Создайте сервисный аккаунт Google с JSON-ключом и "
    "либо скопируйте поля ключа (type, project_id, private_key, client_email, …) в раздел "
    "[gcp_service_account] файла .streamlit/secrets.toml, либо укажите путь к JSON-файлу ключа "
    f"в переменной окружения {CREDENTIALS_ENV}. Затем откройте таблице доступ «Читатель» "
    "для адреса client_email сервисного аккаунта.")


class _Inconsistent(Exception):
    """The answers do not describe one complete state of the spreadsheet; `reason` is Russian."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _Unavailable(Exception):
    """A transient failure worth retrying; `reason` is Russian."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


# --------------------------------------------------------------------------- public API

def read_gsheet(key: str, *, client: gspread.Client | None = None,
                credentials: Mapping | str | None = None, max_wait_s: float = 20.0,
                sleep: Callable[[float], Any] = time.sleep,
                timeout: float = REQUEST_TIMEOUT_S) -> tuple[list[RawTab], SourceInfo]:
    """Read all data tabs of the spreadsheet `key` (or its full URL).

    `client` is used as is (tests pass one talking to a fake server); otherwise one is built from
    `credentials`: a service-account info mapping (e.g. `st.secrets["gcp_service_account"]`) or a
    path to the JSON key; failing both, the path in `$GOOGLE_APPLICATION_CREDENTIALS`.

    Waiting between retries — plus the time lost on failed attempts — never exceeds `max_wait_s`;
    each request times out after `timeout` seconds. Chart sheets (no cells) are skipped.
    """
    key = _clean_key(key)
    client, email = service_client(client, credentials)

    http = client.http_client
    old_timeout = getattr(http, "timeout", None)
    retry = _Retrier(client, max_wait_s=max_wait_s, sleep=sleep, timeout=timeout,
                     key=key, email=email)
    try:
        for attempt in range(MAX_REREADS + 1):
            try:
                title, tabs = _read_once(http, retry, key)
                break
            except _Inconsistent as exc:
                if attempt == MAX_REREADS:
                    raise SourceUnavailable(f"Google Таблица прочиталась не полностью ({exc.reason}). "
                                            "Попробуйте обновить данные позже.") from None
    finally:
        client.set_timeout(old_timeout)
    info = SourceInfo(kind="gsheet", label=title, location=key,
                      url=f"https://docs.google.com/spreadsheets/d/{key}/edit")
    return tabs, info


# --------------------------------------------------------------------------- helpers

def _clean_key(key: str) -> str:
    key = (key or "").strip()
    if "/" in key:                      # a pasted address instead of the key
        try:
            key = extract_id_from_url(key)
        except gspread.exceptions.NoValidUrlKeyFound:
            raise SourceError(f"Не удалось найти ключ таблицы в адресе «{key}». Ключ — это часть "
                              "адреса между /d/ и /edit.") from None
    if not key:
        raise SourceError("Не указан ключ Google Таблицы (часть адреса между /d/ и /edit).")
    return key


def _build_client(credentials: Mapping | str | os.PathLike | None) -> tuple[gspread.Client, str | None]:
    if credentials is None or (isinstance(credentials, str) and not credentials.strip()):
        credentials = os.environ.get(CREDENTIALS_ENV, "").strip() or None
    if credentials is None:
        raise SourceError(_NO_CREDENTIALS)
    try:
        if isinstance(credentials, Mapping):
            info = {k: credentials[k] for k in credentials}
            pk = info.get("private_key")
            if isinstance(pk, str) and "\\n" in pk and "\n" not in pk:
                info["private_key"] = pk.replace("\\n", "\n")    # key pasted with literal \n
            return gspread.service_account_from_dict(info), info.get("client_email")
        path = os.fspath(credentials)
        if not os.path.isfile(path):
            raise SourceError(f"Файл ключа сервисного аккаунта «{path}» не найден. " + _NO_CREDENTIALS)
        return gspread.service_account(filename=path), None
    except SourceError:
        raise
    except Exception as exc:  # ValueError / KeyError / JSONDecodeError from google-auth
        raise SourceError("Ключ сервисного аккаунта Google повреждён или неполный "
                          f"({type(exc).__name__}: {exc}). " + _NO_CREDENTIALS) from None


def _read_once(http, retry: "_Retrier", key: str) -> tuple[str, list[RawTab]]:
    """Metadata, then the values of every grid tab; `_Inconsistent` when the answers do not fit."""
    meta = retry.call(lambda: http.fetch_sheet_metadata(
        key, params={"includeGridData": "false", "fields": METADATA_FIELDS}))
    title, sheets = _sheets_of(meta, key)
    if not sheets:
        raise SourceError(f"В Google Таблице «{title}» нет ни одного листа с ячейками.")
    ranges = [absolute_range_name(p["title"]) for p in sheets]
    sheet_ids = [p["sheetId"] for p in sheets]
    if len(urlencode({"ranges": ranges}, doseq=True)) <= MAX_GET_QUERY_CHARS:
        body = retry.call(lambda: http.values_batch_get(key, ranges, params=dict(VALUE_OPTIONS)))
        value_ranges = _list_of(body, "valueRanges")
    else:
        body = retry.call(lambda: _batch_get_by_sheet_id(http, key, sheet_ids))
        value_ranges = _order_by_sheet_id(body, sheet_ids)
    if len(value_ranges) != len(sheets):
        raise _Inconsistent(f"вместо {len(sheets)} листов пришло {len(value_ranges)}")
    return title, [RawTab(p["title"], _rows_of(vr, p["title"]), p["sheetId"])
                   for p, vr in zip(sheets, value_ranges)]


_META_SHAPE = "сведения о листах пришли в неожиданном виде"
_VALUES_SHAPE = "значения листов пришли в неожиданном виде"


def _sheets_of(meta: Any, key: str) -> tuple[str, list[dict]]:
    """(spreadsheet title, the grid tabs' properties in tab order), checked for shape."""
    props = meta.get("properties", {}) if isinstance(meta, Mapping) else None
    if not isinstance(props, Mapping):
        raise _Inconsistent(_META_SHAPE)
    title = props.get("title") or key
    listed = _list_of(meta, "sheets", _META_SHAPE)
    if not listed:                                        # every spreadsheet has a tab
        raise _Inconsistent(_META_SHAPE)
    sheets = []
    for sheet in listed:
        p = sheet.get("properties") if isinstance(sheet, Mapping) else None
        if (not isinstance(p, Mapping) or not isinstance(p.get("title"), str)
                or type(p.get("sheetId")) is not int or type(p.get("index", 0)) is not int
                or not isinstance(p.get("sheetType", "GRID"), str)):
            raise _Inconsistent(_META_SHAPE)
        if p.get("sheetType", "GRID") == "GRID":
            sheets.append(p)
    if (len({p["title"] for p in sheets}) != len(sheets)
            or len({p["sheetId"] for p in sheets}) != len(sheets)):
        raise _Inconsistent(_META_SHAPE)                  # Google keeps both unique
    return str(title), sorted(sheets, key=lambda p: p.get("index", 0))


def _list_of(body: Any, name: str, reason: str = _VALUES_SHAPE) -> list:
    """`body[name]` as a list (absent: empty); `_Inconsistent` for an answer of another shape."""
    value = body.get(name) if isinstance(body, Mapping) else None
    if not isinstance(body, Mapping) or not isinstance(value, (list, type(None))):
        raise _Inconsistent(reason)
    return value or []


def _batch_get_by_sheet_id(http, key: str, sheet_ids: list[int]) -> Any:
    """values:batchGetByDataFilter — the same single read, with tabs addressed by sheetId."""
    body = {"dataFilters": [{"gridRange": {"sheetId": sid}} for sid in sheet_ids], **VALUE_OPTIONS}
    return http.request("post", SPREADSHEET_VALUES_BATCH_URL % key + "ByDataFilter", json=body).json()


def _order_by_sheet_id(body: Any, sheet_ids: list[int]) -> list:
    """The value ranges of a batchGetByDataFilter answer in the order of `sheet_ids` (those found)."""
    found: dict[int, Any] = {}
    for item in _list_of(body, "valueRanges"):
        filters = item.get("dataFilters") if isinstance(item, Mapping) else None
        if not isinstance(filters, list):
            raise _Inconsistent(_VALUES_SHAPE)
        for f in filters:
            grid = f.get("gridRange") if isinstance(f, Mapping) else None
            sid = grid.get("sheetId") if isinstance(grid, Mapping) else None
            if sid is not None:
                found[sid] = item.get("valueRange")
    return [found[s] for s in sheet_ids if s in found]


# "'Лист ''1'''!A1:Z1000" or "Sheet1!A1:Z1000": the tab's title (quoted or not), then the cells
_RANGE = re.compile(r"(?:'((?:[^']|'')*)'|([^'!]*))(?:!(.*))?", re.S)
_CELLS = re.compile(r"\$?([A-Za-z]*)\$?(\d*)(?::\$?[A-Za-z]*\$?\d*)?")
_CELL_TYPES = frozenset({str, int, float, bool})     # what UNFORMATTED_VALUE gives


def _rows_of(value_range: Any, tab: str) -> list[list]:
    """The rows of `tab` anchored at A1, from its value range — which must name `tab` and be in shape.

    No `values` key is an empty tab: Google omits it for one."""
    shape = f"значения листа «{tab}» пришли в неожиданном виде"
    rng = value_range.get("range") if isinstance(value_range, Mapping) else None
    m = _RANGE.fullmatch(rng) if isinstance(rng, str) else None
    if m is None:
        raise _Inconsistent(shape)
    named = m.group(1).replace("''", "'") if m.group(1) is not None else m.group(2)
    if named != tab:
        raise _Inconsistent(f"вместо листа «{tab}» пришёл лист «{named}» — вкладку переименовали "
                            "во время чтения")
    cells = _CELLS.fullmatch(m.group(3) or "")
    values = value_range.get("values", [])
    if (cells is None or value_range.get("majorDimension", "ROWS") != "ROWS" or type(values) is not list
            or not set(map(type, values)) <= {list}
            or not set(map(type, chain.from_iterable(values))) <= _CELL_TYPES):
        raise _Inconsistent(shape)
    return _anchor_at_a1(values, cells.group(1), cells.group(2))


def _anchor_at_a1(rows: list[list], col_letters: str, row_digits: str) -> list[list]:
    """`rows` (fresh lists of a JSON answer: used as they are) padded so that rows[0][0] is cell A1,
    given the column and row the range starts at."""
    row0 = int(row_digits) - 1 if row_digits else 0
    col0 = 0
    for ch in col_letters.upper():
        col0 = col0 * 26 + ord(ch) - 64
    col0 = max(col0 - 1, 0)
    if col0:
        rows = [[""] * col0 + r if r else r for r in rows]
    return [[] for _ in range(row0)] + rows


# --------------------------------------------------------------------------- retries

class _Retrier:
    def __init__(self, client, *, max_wait_s, sleep, timeout, key, email):
        self.client, self.sleep, self.timeout = client, sleep, timeout
        self.max_wait_s = max(0.0, float(max_wait_s))
        self.key, self.email = key, email
        self.spent = 0.0            # seconds slept + seconds lost on failed attempts

    def call(self, fn: Callable[[], Any]) -> Any:
        retries = 0
        self.client.set_timeout(self.timeout)
        while True:
            started = time.monotonic()
            try:
                return fn()
            except Exception as exc:  # noqa: BLE001 — classified below
                failure = self._classify(exc)        # raises SourceError when not transient
            self.spent += time.monotonic() - started
            remaining = self.max_wait_s - self.spent
            retries += 1
            delay = random.uniform(0, min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** (retries - 1)))
            if failure.retry_after is not None:
                delay = max(delay, failure.retry_after)
            if (retries > MAX_RETRIES or remaining <= 0
                    or (failure.retry_after is not None and failure.retry_after > remaining)):
                raise SourceUnavailable(f"Google Таблица сейчас недоступна ({failure.reason}). "
                                  "Попробуйте позже.") from None
            delay = min(delay, remaining)
            self.sleep(delay)
            self.spent += delay
            self.client.set_timeout(min(self.timeout, max(self.max_wait_s - self.spent,
                                                          MIN_RETRY_TIMEOUT_S)))

    def _classify(self, exc: Exception) -> _Unavailable:
        if isinstance(exc, APIError):
            return self._classify_api(exc)
        if isinstance(exc, requests.exceptions.Timeout):
            return _Unavailable(f"сервер Google не ответил за {self.timeout:g} с")
        if isinstance(exc, (requests.exceptions.ConnectionError,
                            requests.exceptions.ChunkedEncodingError)):
            return _Unavailable("нет соединения с сервером Google")
        if isinstance(exc, requests.exceptions.JSONDecodeError):
            return _Unavailable("сервер Google прислал непонятный ответ")
        try:
            from google.auth import exceptions as gauth
        except ImportError:  # pragma: no cover
            raise exc
        if isinstance(exc, gauth.RefreshError) and not exc.retryable:
            raise SourceError("Google не принял ключ сервисного аккаунта (ключ удалён, отозван или "
                              f"повреждён: {exc}). Создайте новый JSON-ключ и обновите настройки.") from None
        if isinstance(exc, (gauth.TransportError, gauth.RefreshError)):
            return _Unavailable("не удалось получить токен доступа Google")
        raise exc

    def _classify_api(self, exc: APIError) -> _Unavailable:
        status = exc.response.status_code
        message = str((exc.error or {}).get("message") or "")
        if status in RETRY_STATUSES:
            reason = ("превышен лимит запросов к Google Sheets API" if status == 429
                      else f"сервер Google ответил ошибкой {status}")
            return _Unavailable(reason, _retry_after(exc.response))
        if status == 404:
            raise SourceError(f"Таблица с ключом «{self.key}» не найдена. Проверьте ключ (часть адреса "
                              "между /d/ и /edit) и что таблица не удалена.") from None
        if status == 403:
            low = message.lower()
            if "has not been used" in low or "is disabled" in low or "service_disabled" in str(exc.error).lower():
                raise SourceError("В проекте Google Cloud сервисного аккаунта не включён Google Sheets "
                                  "API. Включите его в консоли Google Cloud (APIs & Services → "
                                  "Library → Google Sheets API).") from None
            who = f" {self.email}" if self.email else " (адрес client_email из JSON-ключа)"
            raise SourceError(f"Нет доступа к таблице: откройте доступ для сервисного аккаунта{who} "
                              "(кнопка «Настройки доступа» → добавить адрес, роль «Читатель»).") from None
        if status == 401:
            raise SourceError("Google не принял учётные данные сервисного аккаунта (ошибка 401). "
                              "Проверьте ключ в настройках.") from None
        if status == 400 and "unable to parse range" in message.lower():
            # a tab asked for is gone: renamed or removed after the metadata was read
            raise _Inconsistent(f"вкладку переименовали или удалили во время чтения: {message}") from None
        if status == 400 and "not supported for this document" in message.lower():
            raise SourceError(f"Файл с ключом «{self.key}» — это не Google Таблица, а загруженный на "
                              "Google Диск файл Excel. Откройте его и выберите «Файл → Сохранить "
                              "как Google Таблицу», затем укажите ключ новой таблицы.") from None
        raise SourceError(f"Google Таблица вернула ошибку {status}: {message or 'без описания'}.") from None


def _retry_after(response) -> float | None:
    value = (response.headers or {}).get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def key_of(source: str) -> str:
    """The spreadsheet key of `gsheet:<key>`, of the key itself or of the sheet's address."""
    spec = str(source).strip()
    return _clean_key(spec[len(GSHEET_PREFIX):] if spec.startswith(GSHEET_PREFIX) else spec)


def service_client(client: gspread.Client | None, credentials=None) -> tuple[gspread.Client, str | None]:
    """The client to use (built from the service-account credentials when none is given) and the
    service account's address, for messages that tell whom to give access."""
    email = None
    if client is None:
        client, email = _build_client(credentials)
    if email is None:
        email = getattr(getattr(client.http_client, "auth", None), "service_account_email", None)
    return client, email


def send_batch_update(http, key: str, requests: list[dict], email: str | None,
                      refusal: Callable[[str, bool], Exception]) -> None:
    """One `spreadsheets.batchUpdate` (all or nothing). When Google refuses it for want of rights (403,
    not a disabled API) the caller's Russian `refusal(who, protected)` is raised — `who` names the
    service account, `protected` tells a protected range from a read-only share; 429 / 5xx and other
    errors go up as they are (retried, or told by `_Retrier`)."""
    payload = json.dumps({"requests": requests}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    try:
        http.request("post", SPREADSHEET_BATCH_UPDATE_URL % key, data=payload,
                     headers={"Content-Type": "application/json; charset=utf-8"})
    except APIError as exc:
        message = str((exc.error or {}).get("message") or "")
        if exc.response.status_code != 403 or "has not been used" in message or "is disabled" in message:
            raise
        who = f" {email}" if email else " (адрес client_email из JSON-ключа)"
        raise refusal(who, "protected" in message.lower()) from None
