"""A local fake of the Google Sheets v4 endpoints gspread uses to read, for offline tests.

Serves, on 127.0.0.1 and a free port:
  GET  /v4/spreadsheets/{id}                            metadata (title, sheets[].properties)
  GET  /v4/spreadsheets/{id}/values:batchGet?ranges=…   whole-tab ranges, quoted names allowed
  POST /v4/spreadsheets/{id}/values:batchGetByDataFilter  gridRange.sheetId filters

Values are trimmed like Google does it (trailing empty cells and rows omitted, no `values` key for
an empty tab); with a valueRenderOption other than UNFORMATTED_VALUE numbers come back as text.
`failures` is a script consumed one entry per request before any normal answer: an HTTP status
(429, 500, 403, …), `(status, message)`, None (answer normally), "timeout" (hang `hang_s` seconds, then drop the
connection), "disconnect" (drop the connection at once) or a callable `fn(payload) -> payload`: the
request is answered normally but its JSON body is first passed through `fn` — to send a body of the
wrong shape, or to change the fake between two requests (`fake.rename(...)` after the metadata went out).

`make_client(fake)` gives a real `gspread.Client` whose session sends every
https://sheets.googleapis.com request to the fake. The `fake_sheets` fixture wraps it all.
"""
from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import gspread
import pytest
import requests

GOOGLE_BASE = "https://sheets.googleapis.com"

_STATUS_TEXT = {
    400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 502: "BAD_GATEWAY", 503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_DEFAULT_MESSAGE = {
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    429: "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per "
         "user' of service 'sheets.googleapis.com'.",
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
}


@dataclass
class FakeTab:
    rows: list[list]
    gid: int | None = None
    sheet_type: str = "GRID"        # "OBJECT" for a chart sheet (no cells)
    hidden: bool = False
    anchor: str = "A1"              # where rows[0][0] sits; Google always says A1 for a whole tab


@dataclass
class FakeSheets:
    """The fake server. Set `tabs` (title → rows or FakeTab) and `failures` before reading."""
    key: str = "fake-key-123"
    title: str = "Тестовая таблица ОМП"
    tabs: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)
    hang_s: float = 2.0
    requests: int = 0
    log: list = field(default_factory=list)          # (method, path, query dict) per request

    def __post_init__(self):
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> "FakeSheets":
        handler = type("Handler", (_Handler,), {"fake": self})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeSheets":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def paths(self) -> list[str]:
        return [path for _, path, _ in self.log]

    # ---------------------------------------------------------------- model
    def rename(self, old: str, new: str) -> None:
        """Rename a tab in place, as a user does in the browser: same position, same sheetId."""
        gids = {title: tab.gid for title, tab in self.sheet_list()}
        renamed = {}
        for title, tab in self.tabs.items():
            tab = tab if isinstance(tab, FakeTab) else FakeTab(rows=tab)
            tab.gid = gids[title]
            renamed[new if title == old else title] = tab
        self.tabs = renamed

    def sheet_list(self) -> list[tuple[str, FakeTab]]:
        out = []
        for i, (title, tab) in enumerate(self.tabs.items()):
            tab = tab if isinstance(tab, FakeTab) else FakeTab(rows=tab)
            if tab.gid is None:
                tab.gid = 0 if i == 0 else 1_000_003 * i + 17   # Google: 0, then large numbers
            out.append((title, tab))
        return out

    def metadata(self) -> dict:
        sheets = []
        for index, (title, tab) in enumerate(self.sheet_list()):
            props = {"sheetId": tab.gid, "title": title, "index": index, "sheetType": tab.sheet_type}
            if tab.hidden:
                props["hidden"] = True
            if tab.sheet_type == "GRID":
                rows, cols = _grid_size(tab)
                props["gridProperties"] = {"rowCount": rows, "columnCount": cols}
            sheets.append({"properties": props})
        return {"spreadsheetId": self.key,
                "properties": {"title": self.title, "locale": "ru_RU", "timeZone": "Europe/Moscow"},
                "sheets": sheets,
                "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{self.key}/edit"}

    def value_range(self, title: str, tab: FakeTab, render: str | None) -> dict:
        rows, cols = _grid_size(tab)
        out = {"range": f"{_quote(title)}!{tab.anchor}:{_col_letters(cols)}{rows}",
               "majorDimension": "ROWS"}
        values = _trim(tab.rows, unformatted=(render == "UNFORMATTED_VALUE"))
        if values:
            out["values"] = values
        return out


# --------------------------------------------------------------------------- the HTTP handler

class _Handler(BaseHTTPRequestHandler):
    fake: FakeSheets
    protocol_version = "HTTP/1.1"
    _tamper = None                  # a callable from `failures`: rewrites the next 200 body

    def log_message(self, *args) -> None:   # keep pytest output clean
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        fake = self.fake
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        body = b""
        if method == "POST":
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with fake._lock:
            fake.requests += 1
            fake.log.append((method, parts.path, query))
            failure = fake.failures.pop(0) if fake.failures else None

        if failure == "timeout":
            fake._stop.wait(fake.hang_s)
            self.close_connection = True
            return
        if failure == "disconnect":
            self.close_connection = True
            return
        if callable(failure):
            self._tamper = failure
        elif failure is not None:
            status, message = failure if isinstance(failure, tuple) else (failure, None)
            return self._error(status, message)

        m = re.fullmatch(r"/v4/spreadsheets/([^/:]+)(/values:batchGet|/values:batchGetByDataFilter)?",
                         parts.path)
        if not m:
            return self._error(404, f"Unknown path {parts.path}")
        if m.group(1) != fake.key:
            return self._error(404)
        sheets = fake.sheet_list()
        if m.group(2) is None and method == "GET":
            return self._json(200, fake.metadata())
        render = (query.get("valueRenderOption") or [None])[0]
        if m.group(2) == "/values:batchGet" and method == "GET":
            by_title = dict(sheets)
            value_ranges = []
            for rng in query.get("ranges", []):
                title = _parse_sheet_range(rng)
                tab = by_title.get(title) if title is not None else None
                if tab is None or tab.sheet_type != "GRID":
                    return self._error(400, f"Unable to parse range: {rng}")
                value_ranges.append(fake.value_range(title, tab, render))
            return self._json(200, {"spreadsheetId": fake.key, "valueRanges": value_ranges})
        if m.group(2) == "/values:batchGetByDataFilter" and method == "POST":
            request = json.loads(body or b"{}")
            by_gid = {tab.gid: (title, tab) for title, tab in sheets}
            value_ranges = []
            for flt in request.get("dataFilters", []):
                gid = (flt.get("gridRange") or {}).get("sheetId")
                if gid not in by_gid:
                    return self._error(400, f"Invalid dataFilter: no sheet with id {gid}")
                title, tab = by_gid[gid]
                vr = fake.value_range(title, tab, request.get("valueRenderOption"))
                value_ranges.append({"valueRange": vr, "dataFilters": [flt]})
            return self._json(200, {"spreadsheetId": fake.key, "valueRanges": value_ranges})
        return self._error(404, f"Unknown method {method} {parts.path}")

    def _json(self, status: int, payload: dict) -> None:
        tamper, self._tamper = self._tamper, None
        if tamper is not None and status == 200:
            payload = tamper(payload)
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _error(self, status: int, message: str | None = None) -> None:
        self._json(status, {"error": {"code": status,
                                      "message": message or _DEFAULT_MESSAGE.get(status, "Error"),
                                      "status": _STATUS_TEXT.get(status, "UNKNOWN")}})


# --------------------------------------------------------------------------- Google-like details

def _empty(v) -> bool:
    return v is None or v == ""


def _trim(rows: list[list], *, unformatted: bool) -> list[list]:
    """Drop trailing empty cells of each row and trailing empty rows; None inside a row → ''."""
    out = []
    for row in rows:
        row = list(row)
        while row and _empty(row[-1]):
            row.pop()
        cells = ["" if v is None else v for v in row]
        if not unformatted:
            cells = [("TRUE" if v else "FALSE") if isinstance(v, bool) else
                     (str(v) if isinstance(v, (int, float)) else v) for v in cells]
        out.append(cells)
    while out and not out[-1]:
        out.pop()
    return out


def _grid_size(tab: FakeTab) -> tuple[int, int]:
    return max(1000, len(tab.rows) + 10), max(26, max((len(r) for r in tab.rows), default=0))


def _col_letters(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _quote(title: str) -> str:
    return title if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title) else "'" + title.replace("'", "''") + "'"


def _parse_sheet_range(rng: str) -> str | None:
    """The tab title of a whole-tab range ("'Лист 1'" or "Sheet1"); None if it is anything else."""
    if rng.startswith("'"):
        m = re.fullmatch(r"'((?:[^']|'')*)'", rng)
        return m.group(1).replace("''", "'") if m else None
    return None if "!" in rng or ":" in rng else rng


# --------------------------------------------------------------------------- client + fixture

class RedirectSession(requests.Session):
    """A session that sends every https://sheets.googleapis.com request to `base_url`."""

    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        if isinstance(url, str) and url.startswith(GOOGLE_BASE):
            url = self.base_url + url[len(GOOGLE_BASE):]
        return super().request(method, url, *args, **kwargs)


def make_client(fake: FakeSheets) -> gspread.Client:
    """A real gspread client (no auth) talking to the fake."""
    return gspread.Client(auth=None, session=RedirectSession(fake.base_url))


@pytest.fixture
def fake_sheets():
    """A running FakeSheets; shut down after the test."""
    with FakeSheets() as fake:
        yield fake


def _serial(value):
    """A cell value as Google returns it with UNFORMATTED_VALUE + SERIAL_NUMBER (dates as day numbers)."""
    from datetime import date, datetime, time, timedelta
    epoch = datetime(1899, 12, 30)
    if isinstance(value, datetime):
        return (value - epoch) / timedelta(days=1)
    if isinstance(value, date):
        return (value - epoch.date()).days
    if isinstance(value, time):
        return (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    if isinstance(value, timedelta):
        return value / timedelta(days=1)
    return value


def workbook_tabs(path) -> dict:
    """An .xlsx file's tabs as `FakeSheets.tabs` (title → rows), so a test can serve a real workbook as a
    Google Sheet."""
    from lib.sources import read
    tabs, _ = read(str(path))
    return {tab.name: [[_serial(v) for v in row] for row in tab.rows] for tab in tabs}
