"""Validation findings put where people type, in the Google Sheet itself: «Отметить замечания в таблице».

This module owns marking a Google Sheet in place, for the director and coordinators only (never an
institution's login; `can_mark`):

* every cell an issue names gets a **note** — the block of `lib.export.annotate.mark_block` («Проверка ОМП,
  <date>:» and the Russian messages) — and a **colour**: one conditional-formatting rule per tab and
  severity whose formula is the marker `lib.export.annotate.MARK_FORMULA` (light red errors, light yellow
  warnings). Like the Excel copy, the cells' own formats are never written, so removing a mark
  leaves exactly the background the cell had;
* first the marks of the previous run are removed, found by what only this app writes: the note's
  block and the marker formula. A note a person wrote is never overwritten: our block goes below it
  and is cut out again when the cell is fixed, leaving their text exactly as it was;
* optionally the tab «Проверка ОМП» lists every issue, the cell a link into the sheet.

Requests: one `spreadsheets.get` (tab properties, merges, conditional formats and the notes of all
tabs — the notes must be read to keep a person's ones) and one `spreadsheets.batchUpdate` with every
change — all or nothing, as Google applies a batch. Google documents no hard size limit for a
request and recommends ≤ 2 MB for speed, but refuses bodies over 10 MiB ("Request payload size
exceeds the limit: 10485760 bytes"); a batch is split only above `MAX_BATCH_BYTES` = 8 MiB. Measured
on the benchmark's 28 tabs × 10 000 rows (11 229 issues, ~3 % of the cells): the marks are 5.2 MB —
one request —, the list tab another 8 MB, so with the list it takes two. A few hundred issues are
well under 1 MB. Without changes nothing is sent but the list, which is rewritten each time.

429 / 5xx / timeouts are retried with the bounded backoff of `lib.sources.gsheets` (`_Retrier`, the same
budget as reading); every retry reads the sheet again and plans afresh, so a batch that Google did
apply before failing is not applied twice. A read-only service account (403 on the write) gets
`ReadOnlySheet`, a Russian message, and nothing changes.
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import gspread

from lib.export.annotate import (LIST_TAB, MARK_FORMULA, SEVERITY_RGB, has_mark, is_marker_formula, issues_by_cell,
                          list_rows, mark_block, runs, split_cell, strip_marks, summary_line, with_mark, worst)
from lib.auth import User
from lib.sources.gsheets import REQUEST_TIMEOUT_S, _Retrier, key_of, send_batch_update, service_client
from lib.model.workbook import ERROR, SEVERITY_RU, WARNING, Workbook
from lib.sources import GSHEET_PREFIX, SourceError

MAX_BATCH_BYTES = 8 * 1024 * 1024   # below Google's 10 MiB hard limit on a request body
WRITE_TIMEOUT_S = 60.0              # a big batch takes Google a while; reads keep REQUEST_TIMEOUT_S
STATE_FIELDS = ("sheets(properties(sheetId,title,index,gridProperties(rowCount,columnCount)),merges,"
                "conditionalFormats,data(startRow,startColumn,rowData(values(note))))")
LIST_SHEET_ID = 0x4F4D50            # «OMP»: the list tab's sheetId when it is created (next free one if taken)
LIST_WIDTHS = (130, 260, 70, 700)   # pixels: Серьёзность, Вкладка, Ячейка, Сообщение
LIST_CHUNK_ROWS = 1000              # rows of the list per updateCells (≈ 0.7 MB)
_HEADER = ("Серьёзность", "Вкладка", "Ячейка", "Сообщение")

NOT_ALLOWED = "Отмечать замечания в Google Таблице могут только директор и координаторы."


class MarkError(SourceError):
    """Marking is not possible; the message is Russian and nothing in the sheet has changed."""


class ReadOnlySheet(MarkError):
    """The service account may read the sheet but not edit it."""


class NotAllowed(MarkError):
    """The user may not write into the shared sheet (an institution's login)."""


@dataclass
class MarkResult:
    marked: int = 0            # cells that carry a mark now
    cleared: int = 0           # cells whose previous mark was removed (fixed since)
    person_notes: int = 0      # marked cells whose note a person wrote (kept above our block)
    listed: int = 0            # issues in the tab «Проверка ОМП»
    unplaced: int = 0          # issues naming a cell of a tab the sheet no longer has
    reads: int = 0             # spreadsheets.get requests (the workbook's own read not counted)
    writes: int = 0            # spreadsheets.batchUpdate requests sent
    list_url: str | None = None

    @property
    def text(self) -> str:
        """What happened, in Russian, for the page and the command line."""
        from lib.russian import CELL_FORMS, plural
        parts = [f"Отмечено {plural(self.marked, CELL_FORMS)}"]
        if self.cleared:
            parts.append(f"снято отметок с исправленных ячеек: {self.cleared}")
        if self.person_notes:
            parts.append(f"заметки людей сохранены ({self.person_notes})")
        if self.unplaced:
            parts.append(f"не найдено вкладок для замечаний: {self.unplaced}")
        text = ", ".join(parts) + "."
        if self.listed:
            text += f" Список замечаний — на вкладке «{LIST_TAB}»."
        return text


def can_mark(user: User | None) -> bool:
    """Who may write marks into the shared sheet: the director and coordinators; with sign-in off
    (no users configured, the demo) everyone is treated as a coordinator, as on every page."""
    return user is None or user.sees_all


# --------------------------------------------------------------------------- public API

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def mark_gsheet(source: str | Workbook, *, user: User | None = None, client: gspread.Client | None = None,
                credentials=None, checked_on: date | None = None, list_tab: bool = True,
                max_wait_s: float = 20.0, sleep: Callable[[float], Any] = time.sleep,
                timeout: float = REQUEST_TIMEOUT_S) -> MarkResult:
    """Mark the issues of a Google Sheet in the sheet itself.

    `source`: `gsheet:<key>` (or the key, or its address) — the sheet is read and validated now — or
    a `Workbook` already read from a Google Sheet (its issues are marked). `client`, `credentials`,
    `max_wait_s`, `sleep`, `timeout` as for `lib.sources.gsheets.read_gsheet`. Raises `NotAllowed`,
    `ReadOnlySheet` or another `SourceError` (Russian); the sheet is then unchanged.
    """
    if not can_mark(user):
        raise NotAllowed(NOT_ALLOWED)
    from lib.loader import load_workbook
    if isinstance(source, Workbook):
        wb = source
        if wb.source.kind != "gsheet":
            raise MarkError("Отметить замечания можно только в Google Таблице; для книги Excel скачайте "
                            "книгу с отметками.")
        key = wb.source.location
    else:
        key = key_of(source)
        wb = None
    client, email = service_client(client, credentials)
    options = dict(client=client, max_wait_s=max_wait_s, sleep=sleep, timeout=timeout)
    with _lock_for(key):
        if wb is None:
            wb = load_workbook(GSHEET_PREFIX + key, **options)
        return _mark(wb, key, client, email, checked_on=checked_on or date.today(), list_tab=list_tab,
                     max_wait_s=max_wait_s, sleep=sleep)


def _lock_for(key: str) -> threading.Lock:
    """Two coordinators clicking at once in one app process mark one after the other."""
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def _mark(wb: Workbook, key: str, client: gspread.Client, email: str | None, *, checked_on: date,
          list_tab: bool, max_wait_s: float, sleep) -> MarkResult:
    http = client.http_client
    old_timeout = getattr(http, "timeout", None)
    retry = _Retrier(client, max_wait_s=max_wait_s, sleep=sleep, timeout=WRITE_TIMEOUT_S, key=key, email=email)
    counts = {"reads": 0, "writes": 0}

    def attempt() -> MarkResult:
        # each attempt reads afresh: a batch applied before a failure is seen, never applied twice
        counts["reads"] += 1
        state = http.fetch_sheet_metadata(key, params={"fields": STATE_FIELDS})
        plan = plan_marks(state, wb.issues, key=key, checked_on=checked_on, list_tab=list_tab,
                          label=wb.source.label)
        for batch in split_batches(plan.requests):
            counts["writes"] += 1
            send_batch_update(http, key, batch, email, _refused)
        return plan.result

    try:
        result = retry.call(attempt)
    finally:
        client.set_timeout(old_timeout)
    result.reads, result.writes = counts["reads"], counts["writes"]
    return result


def _refused(who: str, protected: bool) -> ReadOnlySheet:
    if protected:
        return ReadOnlySheet(
            "Часть ячеек таблицы защищена (Данные → Защищённые листы и диапазоны), и сервисному "
            f"аккаунту{who} менять их нельзя, поэтому замечания не отмечены — в таблице ничего не "
            "изменено. Разрешите ему изменять защищённые диапазоны или отмечайте вручную по списку "
            "замечаний.")
    return ReadOnlySheet(
        f"У сервисного аккаунта{who} доступ к таблице только для чтения, поэтому отметить замечания "
        "нельзя — в таблице ничего не изменено. Чтобы отмечать, откройте ему доступ «Редактор» "
        "(кнопка «Настройки доступа» → адрес сервисного аккаунта → «Редактор»); список замечаний "
        "по-прежнему на странице «Качество данных».")


def split_batches(requests: list[dict], limit: int | None = None) -> list[list[dict]]:
    """The requests in order, cut into batches whose JSON body stays within `limit` bytes (one
    batch unless it is bigger). Order is kept, so a rule is deleted before its replacement is added
    and the list tab exists before it is written."""
    limit = MAX_BATCH_BYTES if limit is None else limit
    batches: list[list[dict]] = []
    size = 0
    for request in requests:
        n = len(json.dumps(request, ensure_ascii=False, separators=(",", ":")).encode("utf-8")) + 1
        if not batches or size + n > limit - 16:
            batches.append([])
            size = 0
        batches[-1].append(request)
        size += n
    return batches


# --------------------------------------------------------------------------- planning (pure)

@dataclass
class Plan:
    requests: list[dict]
    result: MarkResult


def _rgb(hex_rgb: str) -> dict:
    return {"red": int(hex_rgb[0:2], 16) / 255, "green": int(hex_rgb[2:4], 16) / 255,
            "blue": int(hex_rgb[4:6], 16) / 255}


def _is_our_rule(rule: Mapping) -> bool:
    condition = ((rule.get("booleanRule") or {}).get("condition") or {})
    values = condition.get("values") or []
    return (condition.get("type") == "CUSTOM_FORMULA" and len(values) == 1
            and is_marker_formula((values[0] or {}).get("userEnteredValue")))


def _rule(sheet_id: int, cells: Iterable[tuple[int, int]], severity: str) -> dict:
    ranges = [{"sheetId": sheet_id, "startRowIndex": a - 1, "endRowIndex": b, "startColumnIndex": c - 1,
               "endColumnIndex": c} for c, a, b in runs(cells)]
    return {"ranges": ranges,
            "booleanRule": {"condition": {"type": "CUSTOM_FORMULA",
                                          "values": [{"userEnteredValue": "=" + MARK_FORMULA}]},
                            "format": {"backgroundColor": _rgb(SEVERITY_RGB[severity])}}}


def _same_rules(existing: list[Mapping], wanted: list[Mapping]) -> bool:
    def canon(rule: Mapping):
        ranges = tuple(sorted((r.get("startRowIndex", 0), r.get("endRowIndex"), r.get("startColumnIndex", 0),
                               r.get("endColumnIndex")) for r in rule.get("ranges") or []))
        colour = ((rule.get("booleanRule") or {}).get("format") or {}).get("backgroundColor") or {}
        return ranges, tuple(round(float(colour.get(k, 0.0)), 2) for k in ("red", "green", "blue"))
    return sorted(map(canon, existing)) == sorted(map(canon, wanted))


def _notes(sheet: Mapping) -> dict[tuple[int, int], str]:
    """(row, col) 1-based → note, from the sheet's grid data."""
    out = {}
    for grid in sheet.get("data") or []:
        r0, c0 = grid.get("startRow", 0), grid.get("startColumn", 0)
        for i, row in enumerate(grid.get("rowData") or []):
            for j, cell in enumerate(row.get("values") or []):
                note = (cell or {}).get("note")
                if note:
                    out[(r0 + i + 1, c0 + j + 1)] = note
    return out


def _anchor(merges: list[Mapping], row: int, col: int) -> tuple[int, int]:
    """A cell inside a merged range is marked on the range's first cell (the only one shown)."""
    for m in merges:
        if (m.get("startRowIndex", 0) < row <= m.get("endRowIndex", 0)
                and m.get("startColumnIndex", 0) < col <= m.get("endColumnIndex", 0)):
            return m.get("startRowIndex", 0) + 1, m.get("startColumnIndex", 0) + 1
    return row, col


def plan_marks(state: Mapping, issues, *, key: str, checked_on: date, list_tab: bool = True,
               label: str = "") -> Plan:
    """The batchUpdate requests that take the sheet from `state` (the answer to `STATE_FIELDS`) to
    marks for exactly `issues`, and what they do."""
    result = MarkResult()
    by_cell = issues_by_cell(issues)
    sheets = [s for s in state.get("sheets") or [] if (s.get("properties") or {}).get("title") is not None]
    titles = {s["properties"]["title"] for s in sheets}
    result.unplaced = sum(len(cells) for tab, cells in by_cell.items() if tab not in titles)
    deletes: list[dict] = []
    adds: list[dict] = []
    notes: list[dict] = []
    for sheet in sheets:
        props = sheet["properties"]
        title, sheet_id = props["title"], props.get("sheetId", 0)
        if title == LIST_TAB:
            continue
        merges = sheet.get("merges") or []
        current = _notes(sheet)
        targets: dict[tuple[int, int], list[tuple[str, str]]] = {}
        for cell, items in by_cell.get(title, {}).items():
            rc = _anchor(merges, *split_cell(cell))
            target = targets.setdefault(rc, [])
            target.extend(i for i in items if i not in target)
        old = {rc for rc, note in current.items() if has_mark(note)}
        changes: dict[tuple[int, int], str] = {}
        for rc in old | set(targets):
            note = current.get(rc, "")
            person = strip_marks(note)
            wanted = with_mark(person, mark_block(targets[rc], checked_on)) if rc in targets else person
            if rc in targets and person:
                result.person_notes += 1
            if wanted != note:
                changes[rc] = wanted
        result.marked += len(targets)
        result.cleared += len(old - set(targets))
        notes.extend(_note_requests(sheet_id, changes))

        rules = sheet.get("conditionalFormats") or []
        ours = [i for i, rule in enumerate(rules) if _is_our_rule(rule)]
        wanted_rules = [_rule(sheet_id, [rc for rc, items in targets.items() if worst(items) == severity], severity)
                        for severity in (ERROR, WARNING)
                        if any(worst(items) == severity for items in targets.values())]
        if not _same_rules([rules[i] for i in ours], wanted_rules):
            deletes.extend({"deleteConditionalFormatRule": {"sheetId": sheet_id, "index": i}}
                           for i in sorted(ours, reverse=True))
            base = len(rules) - len(ours)       # after the person's rules: theirs keep their precedence
            adds.extend({"addConditionalFormatRule": {"rule": rule, "index": base + k}}
                        for k, rule in enumerate(wanted_rules))
    requests = deletes + adds + notes
    if list_tab:
        listing, url = _list_requests(sheets, issues, key=key, checked_on=checked_on, label=label)
        requests += listing
        result.listed, result.list_url = len(issues), url
    return Plan(requests, result)


def _note_requests(sheet_id: int, changes: Mapping[tuple[int, int], str]) -> list[dict]:
    """One updateCells per vertical run of changed cells, `start` + rows: only these cells are
    written (a neighbour's note is never part of a request)."""
    out = []
    for col, first, last in runs(changes):
        out.append({"updateCells": {
            "start": {"sheetId": sheet_id, "rowIndex": first - 1, "columnIndex": col - 1},
            "rows": [{"values": [{"note": changes[(r, col)]} if changes[(r, col)] else {}]}
                     for r in range(first, last + 1)],
            "fields": "note"}})
    return out


def _cell_url(key: str, sheet_id: int, cell: str | None) -> str:
    return f"https://docs.google.com/spreadsheets/d/{key}/edit#gid={sheet_id}" + (f"&range={cell}" if cell else "")


def _text(value: str, **fmt) -> dict:
    cell: dict = {"userEnteredValue": {"stringValue": value}} if value else {}
    if fmt:
        cell["userEnteredFormat"] = fmt
    return cell


def _list_requests(sheets: list[Mapping], issues, *, key: str, checked_on: date, label: str) -> tuple[list[dict], str]:
    """Create (or resize) the tab «Проверка ОМП» and rewrite it whole: a title line, the header, a row
    per issue; the cell (or, for a whole-tab issue, the tab) links to it."""
    ids = {s["properties"]["title"]: s["properties"].get("sheetId", 0) for s in sheets}
    rows = [{"values": [_text(summary_line(issues, checked_on, label), textFormat={"bold": True, "fontSize": 12})]},
            {"values": [_text(t, textFormat={"bold": True}, backgroundColor=_rgb("DCE6F1")) for t in _HEADER]}]
    for severity, tab, cell, message in list_rows(issues):
        link = _cell_url(key, ids[tab], cell) if tab in ids and tab != LIST_TAB else None
        linked = {"textFormat": {"link": {"uri": link}}} if link else {}
        rows.append({"values": [
            _text(SEVERITY_RU.get(severity, severity), backgroundColor=_rgb(SEVERITY_RGB.get(severity, SEVERITY_RGB[WARNING]))),
            _text(tab, **(linked if link and not cell else {})),
            _text(cell, **(linked if link and cell else {})),
            _text(message, wrapStrategy="WRAP")]})
    requests: list[dict] = []
    existing = next((s["properties"] for s in sheets if s["properties"]["title"] == LIST_TAB), None)
    need_rows = len(rows) + 1
    if existing is None:
        sheet_id = LIST_SHEET_ID
        taken = set(ids.values())
        while sheet_id in taken:
            sheet_id += 1
        requests.append({"addSheet": {"properties": {
            "sheetId": sheet_id, "title": LIST_TAB,
            "gridProperties": {"rowCount": max(need_rows, 100), "columnCount": len(_HEADER), "frozenRowCount": 2}}}})
        requests.extend({"updateDimensionProperties": {
            "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": i, "endIndex": i + 1},
            "properties": {"pixelSize": width}, "fields": "pixelSize"}} for i, width in enumerate(LIST_WIDTHS))
    else:
        sheet_id = existing.get("sheetId", 0)
        grid = existing.get("gridProperties") or {}
        grow = {}
        if grid.get("rowCount", 0) < need_rows:
            grow["rowCount"] = need_rows
        if grid.get("columnCount", 0) < len(_HEADER):
            grow["columnCount"] = len(_HEADER)
        if grow:
            requests.append({"updateSheetProperties": {
                "properties": {"sheetId": sheet_id, "gridProperties": grow},
                "fields": ",".join(f"gridProperties.{k}" for k in grow)}})
    fields = "userEnteredValue,userEnteredFormat"
    requests.append({"updateCells": {"range": {"sheetId": sheet_id}, "fields": fields}})   # clear it all
    for first in range(0, len(rows), LIST_CHUNK_ROWS):     # then write it in pieces a batch can be cut between
        requests.append({"updateCells": {"start": {"sheetId": sheet_id, "rowIndex": first, "columnIndex": 0},
                                         "rows": rows[first:first + LIST_CHUNK_ROWS], "fields": fields}})
    return requests, _cell_url(key, sheet_id, None)
