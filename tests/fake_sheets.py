"""A local fake of the Google Sheets v4 endpoints gspread uses to read, for offline tests.

Serves, on 127.0.0.1 and a free port:
  GET  /v4/spreadsheets/{id}                            metadata (title, sheets[].properties); with a
                                                        `fields` mask also merges, conditionalFormats and
                                                        grid data (notes, userEnteredFormat,
                                                        dataValidation), filtered by the mask as Google
                                                        does; `ranges` («'Tab'!A1:Z40») limit the grid
                                                        data and the sheets to those ranges
  GET  /v4/spreadsheets/{id}/values:batchGet?ranges=…   whole-tab ranges, quoted names allowed
  POST /v4/spreadsheets/{id}/values:batchGetByDataFilter  gridRange.sheetId filters
  POST /v4/spreadsheets/{id}:batchUpdate                updateCells (note, userEnteredValue,
                                                        userEnteredFormat), add/deleteConditionalFormatRule,
                                                        addSheet, updateSheetProperties,
                                                        updateDimensionProperties — all or nothing, like
                                                        Google; a body over 10 MiB is refused as Google
                                                        refuses it; `read_only` answers 403

Values are trimmed like Google does it (trailing empty cells and rows omitted, no `values` key for
an empty tab); with a valueRenderOption other than UNFORMATTED_VALUE numbers come back as text.
`failures` is a script consumed one entry per request before any normal answer: an HTTP status
(429, 500, 403, …), `(status, message)`, None (answer normally), "timeout" (hang `hang_s` seconds, then drop the
connection), "disconnect" (drop the connection at once), "applied-then-503" (a batchUpdate is applied,
but the answer is 503 — what a client sees when Google fails after committing) or a callable
`fn(payload) -> payload`: the request is answered normally but its JSON body is first passed through
`fn` — to send a body of the wrong shape, or to change the fake between two requests
(`fake.rename(...)` after the metadata went out).

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
    notes: dict = field(default_factory=dict)          # (row, col) 0-based → note text
    formats: dict = field(default_factory=dict)        # (row, col) → userEnteredFormat dict
    conditional_formats: list = field(default_factory=list)   # ConditionalFormatRule dicts, in order
    merges: list = field(default_factory=list)         # GridRange dicts (sheetId filled in on output)
    validations: dict = field(default_factory=dict)    # (row, col) → DataValidationRule dict
    row_count: int | None = None    # grid size when set (addSheet / updateSheetProperties); else derived
    column_count: int | None = None
    frozen_rows: int = 0


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
    read_only: bool = False         # the service account may read, not edit: batchUpdate answers 403
    bodies: list = field(default_factory=list)       # parsed JSON body of every batchUpdate received
    body_sizes: list = field(default_factory=list)   # its size in bytes

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

    def metadata(self, fields: str | None = None, ranges: list[str] | None = None) -> dict:
        """The spreadsheet resource; with `fields`, only what the mask asks for (grid data is built
        only when asked for); with `ranges` («'Tab'!A1:Z40»), only those tabs and that part of their grid."""
        mask = parse_field_mask(fields) if fields else None
        want_data = mask is not None and "data" in ((mask.get("sheets") or {}) if isinstance(mask.get("sheets"), dict) else {})
        windows = dict(_parse_a1_range(r) for r in ranges or [])
        if set(windows) - {title for title, _ in self.sheet_list()}:
            raise ValueError(f"Unable to parse range: {ranges}")
        sheets = []
        for index, (title, tab) in enumerate(self.sheet_list()):
            if ranges and title not in windows:
                continue
            props = {"sheetId": tab.gid, "title": title, "index": index, "sheetType": tab.sheet_type}
            if tab.hidden:
                props["hidden"] = True
            if tab.sheet_type == "GRID":
                rows, cols = _grid_size(tab)
                props["gridProperties"] = {"rowCount": rows, "columnCount": cols}
                if tab.frozen_rows:
                    props["gridProperties"]["frozenRowCount"] = tab.frozen_rows
            sheet = {"properties": props}
            if tab.merges:
                sheet["merges"] = [{**m, "sheetId": tab.gid} for m in tab.merges]
            if tab.conditional_formats:
                sheet["conditionalFormats"] = json.loads(json.dumps(tab.conditional_formats))
            if want_data and tab.sheet_type == "GRID":
                sheet["data"] = [_window(_row_data(tab), windows.get(title))]
            sheets.append(sheet)
        body = {"spreadsheetId": self.key,
                "properties": {"title": self.title, "locale": "ru_RU", "timeZone": "Europe/Moscow"},
                "sheets": sheets,
                "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{self.key}/edit"}
        return apply_field_mask(body, mask) if mask is not None else body

    def tab(self, title: str) -> FakeTab:
        """The tab as a FakeTab kept in `tabs` (rows given as a plain list become one, same gid)."""
        for name, tab in self.sheet_list():
            if name == title:
                self.tabs[name] = tab
                return tab
        raise KeyError(title)

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
        applied_then_fail = failure == "applied-then-503"
        if applied_then_fail:
            failure = None
        if callable(failure):
            self._tamper = failure
        elif failure is not None:
            status, message = failure if isinstance(failure, tuple) else (failure, None)
            return self._error(status, message)

        m = re.fullmatch(r"/v4/spreadsheets/([^/:]+)(/values:batchGet|/values:batchGetByDataFilter|:batchUpdate)?",
                         parts.path)
        if not m:
            return self._error(404, f"Unknown path {parts.path}")
        if m.group(1) != fake.key:
            return self._error(404)
        if m.group(2) == ":batchUpdate" and method == "POST":
            with fake._lock:
                status, payload = _batch_update(fake, body)
            if applied_then_fail and status == 200:
                return self._error(503)
            return self._json(200, payload) if status == 200 else self._error(status, payload)
        sheets = fake.sheet_list()
        if m.group(2) is None and method == "GET":
            try:
                return self._json(200, fake.metadata((query.get("fields") or [None])[0], query.get("ranges")))
            except ValueError as exc:
                return self._error(400, str(exc))
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
    rows = tab.row_count if tab.row_count is not None else max(1000, len(tab.rows) + 10)
    cols = tab.column_count if tab.column_count is not None else \
        max(26, max((len(r) for r in tab.rows), default=0))
    return rows, cols


def _row_data(tab: FakeTab) -> list[dict]:
    """GridData.rowData of a whole tab: notes and formats of each cell ({} for a cell with neither),
    rows up to the last one that has any; values as entered."""
    cells: dict[tuple[int, int], dict] = {}
    for (r, c), note in tab.notes.items():
        cells.setdefault((r, c), {})["note"] = note
    for (r, c), fmt in tab.formats.items():
        cells.setdefault((r, c), {})["userEnteredFormat"] = fmt
    for (r, c), rule in tab.validations.items():
        cells.setdefault((r, c), {})["dataValidation"] = rule
    for r, row in enumerate(tab.rows):
        for c, v in enumerate(row):
            if not _empty(v):
                cells.setdefault((r, c), {})["userEnteredValue"] = (
                    {"boolValue": v} if isinstance(v, bool) else
                    {"numberValue": v} if isinstance(v, (int, float)) else {"stringValue": str(v)})
    if not cells:
        return []
    by_row: dict[int, dict[int, dict]] = {}
    for (r, c), d in cells.items():
        by_row.setdefault(r, {})[c] = d
    out = []
    for r in range(max(by_row) + 1):
        in_row = by_row.get(r)
        out.append({"values": [in_row.get(c, {}) for c in range(max(in_row) + 1)]} if in_row else {})
    return out


def _window(row_data: list[dict], window: tuple[int, int, int, int] | None) -> dict:
    """GridData of the rows and columns [r0, r1) × [c0, c1) of `row_data` (all of it without a window)."""
    if window is None:
        return {"rowData": row_data}
    r0, r1, c0, c1 = window
    rows = [{"values": (row.get("values") or [])[c0:c1]} if (row.get("values") or [])[c0:c1] else {}
            for row in row_data[r0:r1]]
    while rows and not rows[-1]:
        rows.pop()
    return {"startRow": r0, "startColumn": c0, "rowData": rows}


def _parse_a1_range(rng: str) -> tuple[str, tuple[int, int, int, int]]:
    """«'Tab'!A1:Z40» → ("Tab", (0, 40, 0, 26)): the title and the 0-based, end-exclusive window."""
    m = re.fullmatch(r"'((?:[^']|'')*)'!([A-Z]+)(\d+):([A-Z]+)(\d+)", rng)
    if not m:
        raise ValueError(f"Unable to parse range: {rng}")

    def column(letters: str) -> int:
        n = 0
        for ch in letters:
            n = n * 26 + ord(ch) - 64
        return n

    title = m.group(1).replace("''", "'")
    return title, (int(m.group(3)) - 1, int(m.group(5)), column(m.group(2)) - 1, column(m.group(4)))


# --------------------------------------------------------------------------- field masks

def parse_field_mask(mask: str) -> dict:
    """"sheets(properties(sheetId,title),data.rowData.values(note))" → nested dict; True = everything."""
    pos = 0

    def parse_list() -> dict:
        nonlocal pos
        out: dict = {}
        while pos < len(mask):
            start = pos
            while pos < len(mask) and mask[pos] not in ",()":
                pos += 1
            path = [p for p in mask[start:pos].strip().split(".") if p]
            sub: dict | bool = True
            if pos < len(mask) and mask[pos] == "(":
                pos += 1
                sub = parse_list()
                pos += 1                           # ")"
            if path:
                node = out
                for name in path[:-1]:
                    nxt = node.get(name)
                    if not isinstance(nxt, dict):
                        nxt = node[name] = {} if nxt is not True else True
                    if nxt is True:
                        break
                    node = nxt
                else:
                    prev = node.get(path[-1])
                    node[path[-1]] = True if (sub is True or prev is True) else {**(prev or {}), **sub}
            if pos < len(mask) and mask[pos] == ",":
                pos += 1
                continue
            if pos < len(mask) and mask[pos] == ")":
                return out
        return out

    return parse_list()


def apply_field_mask(value, mask):
    if mask is True:
        return value
    if isinstance(value, list):
        return [apply_field_mask(v, mask) for v in value]
    if isinstance(value, dict):
        return {k: apply_field_mask(value[k], sub) for k, sub in mask.items() if k in value}
    return value


# --------------------------------------------------------------------------- batchUpdate

MAX_BODY_BYTES = 10 * 1024 * 1024        # Google: "Request payload size exceeds the limit: 10485760 bytes."


class _BadRequest(Exception):
    pass


def _batch_update(fake: FakeSheets, body: bytes) -> tuple[int, object]:
    """Apply a batchUpdate to copies of the tabs, then commit: all requests or none, as Google does."""
    import copy
    if len(body) > MAX_BODY_BYTES:
        return 400, f"Request payload size exceeds the limit: {MAX_BODY_BYTES} bytes."
    if fake.read_only:
        return 403, "The caller does not have permission"
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        return 400, "Invalid JSON payload received."
    fake.bodies.append(request)
    fake.body_sizes.append(len(body))
    for title in [t for t, _ in fake.sheet_list()]:
        fake.tab(title)
    tabs = copy.deepcopy(fake.tabs)
    replies = []
    try:
        for item in request.get("requests") or []:
            if len(item) != 1:
                raise _BadRequest("Each request must have exactly one kind")
            (kind, spec), = item.items()
            handler = _REQUESTS.get(kind)
            if handler is None:
                raise _BadRequest(f"Unknown request kind {kind}")
            replies.append(handler(tabs, spec) or {})
    except _BadRequest as exc:
        return 400, f"Invalid requests[{len(replies)}]: {exc}"
    fake.tabs.clear()
    fake.tabs.update(tabs)
    return 200, {"spreadsheetId": fake.key, "replies": replies}


def _by_gid(tabs: dict, gid) -> FakeTab:
    for tab in tabs.values():
        if isinstance(tab, FakeTab) and tab.gid == gid:
            return tab
    raise _BadRequest(f"No grid with id: {gid}")


def _set_value(tab: FakeTab, r: int, c: int, value) -> None:
    while len(tab.rows) <= r:
        tab.rows.append([])
    row = tab.rows[r]
    while len(row) <= c:
        row.append("")
    row[c] = value


def _entered(cell: dict):
    v = cell.get("userEnteredValue") or {}
    for key in ("stringValue", "numberValue", "boolValue", "formulaValue"):
        if key in v:
            return v[key]
    return ""


def _update_cells(tabs: dict, spec: dict) -> None:
    fields = [f.strip() for f in (spec.get("fields") or "").split(",") if f.strip()]
    if not fields:
        raise _BadRequest("At least one field must be specified in 'fields'")
    if "start" in spec:
        start, rng = spec["start"], None
        tab = _by_gid(tabs, start.get("sheetId"))
        r0, c0 = start.get("rowIndex", 0), start.get("columnIndex", 0)
    else:
        rng = spec.get("range") or {}
        tab = _by_gid(tabs, rng.get("sheetId"))
        r0, c0 = rng.get("startRowIndex", 0), rng.get("startColumnIndex", 0)
    n_rows, n_cols = _grid_size(tab)
    given: dict[tuple[int, int], dict] = {}
    for i, row in enumerate(spec.get("rows") or []):
        for j, cell in enumerate(row.get("values") or []):
            given[(r0 + i, c0 + j)] = cell
    if rng is not None:
        r1, c1 = rng.get("endRowIndex", n_rows), rng.get("endColumnIndex", n_cols)
        cells = [(r, c) for r in range(r0, r1) for c in range(c0, c1)]
        if any(not (r0 <= r < r1 and c0 <= c < c1) for r, c in given):
            raise _BadRequest("The rows do not fit in the range")
        touched = set(cells) | set(given)
    else:
        touched = set(given)
    for r, c in touched:
        if r >= n_rows or c >= n_cols:
            raise _BadRequest(f"Range ({r},{c}) exceeds grid limits. Max rows: {n_rows}, max columns: {n_cols}")
    for (r, c) in touched:
        cell = given.get((r, c), {})
        for f in fields:
            if f == "note":
                if cell.get("note"):
                    tab.notes[(r, c)] = cell["note"]
                else:
                    tab.notes.pop((r, c), None)
            elif f.startswith("userEnteredValue"):
                if (r, c) in given or (r < len(tab.rows) and c < len(tab.rows[r])):
                    _set_value(tab, r, c, _entered(cell))
            elif f.startswith("userEnteredFormat"):
                if cell.get("userEnteredFormat"):
                    tab.formats[(r, c)] = cell["userEnteredFormat"]
                else:
                    tab.formats.pop((r, c), None)
            else:
                raise _BadRequest(f"Unsupported field {f}")
    if any(f.startswith("userEnteredValue") for f in fields):       # cleared cells are gone, as in Google
        tab.rows = [[("" if v is None else v) for v in row] for row in tab.rows]
        for row in tab.rows:
            while row and _empty(row[-1]):
                row.pop()
        while tab.rows and not tab.rows[-1]:
            tab.rows.pop()


def _add_cf(tabs: dict, spec: dict) -> None:
    rule = spec.get("rule") or {}
    ranges = rule.get("ranges") or []
    if not ranges:
        raise _BadRequest("A conditional format rule needs at least one range")
    tab = _by_gid(tabs, ranges[0].get("sheetId"))
    if any(r.get("sheetId") != tab.gid for r in ranges):
        raise _BadRequest("All ranges of a conditional format rule must be on one sheet")
    index = spec.get("index", 0)
    if not 0 <= index <= len(tab.conditional_formats):
        raise _BadRequest(f"Invalid index {index}")
    tab.conditional_formats.insert(index, rule)


def _delete_cf(tabs: dict, spec: dict) -> dict:
    tab = _by_gid(tabs, spec.get("sheetId"))
    index = spec.get("index", 0)
    if not 0 <= index < len(tab.conditional_formats):
        raise _BadRequest(f"No conditional format on sheet: {tab.gid} at index: {index}")
    return {"deleteConditionalFormatRule": {"rule": tab.conditional_formats.pop(index)}}


def _add_sheet(tabs: dict, spec: dict) -> dict:
    props = dict(spec.get("properties") or {})
    title = props.get("title")
    if not title or title in tabs:
        raise _BadRequest(f"A sheet with the name \"{title}\" already exists. Please enter another name.")
    gids = {t.gid for t in tabs.values()}
    gid = props.get("sheetId")
    if gid in gids:
        raise _BadRequest(f"Sheet with id {gid} already exists.")
    if gid is None:
        gid = max(gids, default=0) + 1
    grid = props.get("gridProperties") or {}
    tabs[title] = FakeTab([], gid=gid, row_count=grid.get("rowCount", 1000), column_count=grid.get("columnCount", 26),
                          frozen_rows=grid.get("frozenRowCount", 0))
    return {"addSheet": {"properties": {**props, "sheetId": gid}}}


def _update_sheet(tabs: dict, spec: dict) -> None:
    props = spec.get("properties") or {}
    tab = _by_gid(tabs, props.get("sheetId"))
    grid = props.get("gridProperties") or {}
    fields = spec.get("fields") or ""
    for name in (f.strip() for f in fields.split(",")):
        if name == "gridProperties.rowCount":
            tab.row_count = grid["rowCount"]
        elif name == "gridProperties.columnCount":
            tab.column_count = grid["columnCount"]
        elif name == "gridProperties.frozenRowCount":
            tab.frozen_rows = grid.get("frozenRowCount", 0)
        elif name:
            raise _BadRequest(f"Unsupported field {name}")


def _update_dimension(tabs: dict, spec: dict) -> None:
    _by_gid(tabs, (spec.get("range") or {}).get("sheetId"))


_REQUESTS = {"updateCells": _update_cells, "addConditionalFormatRule": _add_cf,
             "deleteConditionalFormatRule": _delete_cf, "addSheet": _add_sheet,
             "updateSheetProperties": _update_sheet, "updateDimensionProperties": _update_dimension}


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
