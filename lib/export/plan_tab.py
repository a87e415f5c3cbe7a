"""The workbook's «План» tab replaced by a plan imported from its Word file (`lib.sources.word_plan`).

One function per target, both writing the tab the workbook contract describes (the header
`lib.export.template.PLAN_HEADER`, one row per item, `lib.export.template.plan_rows`) and, in a workbook
made from the template, the new item numbers into the hidden «Списки» tab's «Пункты плана» column (old
numbers below cleared) that the institution tabs' «Пункт плана» drop-downs draw on; every other tab is
left as it is:

* `write_plan_gsheet` — in the Google Sheet itself, through the service account: one metadata read,
  one read of the «План» tab's values (to say how many rows were replaced) and ONE
  `spreadsheets.batchUpdate` — create the tab when there is none (`addSheet`), grow its grid when the
  plan is longer, clear the tab's values and write the plan — all or nothing, as Google applies a
  batch. Only values are written: the tab's formats, widths and drop-downs stay. Numbers like «2.10»
  are sent as text (`stringValue`), so Google does not turn them into 2.1. 429 / 5xx / timeouts are
  retried with the bounded backoff of `lib.sources.gsheets` (`_Retrier`), each retry reading the sheet
  again, so a tab added by an attempt that failed afterwards is not added twice. A read-only service
  account (403 on the write) or a protected tab gets `PlanTabError` in Russian; nothing is changed.
  The drop-downs themselves are not changed (their cells would have to be found first): one more read
  finds how many rows of «Списки» the shortest of them offers, and when the new plan is longer the
  result's message says so and how to widen them.
* `replace_plan_xlsx` — a copy of an .xlsx workbook (openpyxl) whose «План» tab holds the plan: the
  tab's old values are cleared, its cell formats, widths and validations kept as far as openpyxl keeps
  them (drawings and charts of an .xlsx are not kept by openpyxl); the other tabs are written back as
  openpyxl read them, except that every list validation on «Списки»!B is pointed to the new list
  (`lib.export.template.plan_items_formula`). A workbook in another format is refused: only an .xlsx can
  be rewritten.
  `explanation_xlsx` is the file a download gets instead when that fails (a deferred download cannot
  show an error).
"""
from __future__ import annotations

import io
import time
from collections.abc import Callable, Mapping, Sequence
from copy import copy
from dataclasses import dataclass, replace
from pathlib import PurePath
from typing import Any
from urllib.parse import urlencode

import gspread
from gspread.utils import absolute_range_name
from openpyxl import Workbook as XlsxWorkbook, load_workbook as load_xlsx
from openpyxl.styles import Alignment, Font
from openpyxl.cell.cell import MergedCell

from lib.export.template import (LISTS_FIRST_ROW, LISTS_TAB, PLAN_HEADER, PLAN_LIST_COLUMN, PLAN_TAB, fill_plan_sheet,
                                 plan_items_formula, plan_list_rows, plan_numbers, plan_rows)
from lib.model import contract as C
from lib.russian import ROW_FORMS, plural
from lib.sources import SourceError
from lib.sources.gsheets import (MAX_GET_QUERY_CHARS, REQUEST_TIMEOUT_S, _Retrier, key_of, send_batch_update,
                                service_client)
from lib.sources.word_plan import ITEMS

WRITE_TIMEOUT_S = 30.0
STATE_FIELDS = "sheets.properties(sheetId,title,index,gridProperties(rowCount,columnCount))"
PLAN_SHEET_ID = 0x504C4E             # «PLN»: the sheetId of a «План» tab created here (next free one if taken)
NEW_TAB_ROWS = 200                  # the grid of a «План» tab created here (Google's default is 1000 × 26)
DROP_DOWN_PROBE = "A1:Z30"          # where the institution tabs' «Пункт плана» drop-downs are looked for
DROP_DOWN_FIELDS = "sheets(data(rowData(values(dataValidation(condition)))))"
XLSX_SUFFIX = ".xlsx"
ONLY_XLSX = ("Переписать вкладку «План» можно только в книге Excel .xlsx; «{name}» — в другом формате. Скачайте "
             "вкладку «План» или шаблон книги с этим планом и перенесите план в свою книгу.")


class PlanTabError(SourceError):
    """The plan cannot be written there; the message is Russian and nothing has changed."""


@dataclass(frozen=True)
class PlanWritten:
    tab: str                 # the tab written
    items: int               # plan items written under the header
    replaced: int            # rows the tab held under its header before
    created: bool            # the tab did not exist and was added
    listed: int | None = None       # plan numbers written into «Списки»!B (None: the workbook has no «Списки»)
    drop_down_rows: int | None = None   # rows of «Списки»!B the shortest «Пункт плана» drop-down offers (None: none found)

    @property
    def text(self) -> str:
        """«На вкладку «План» записано 19 пунктов плана вместо 12 строк.» and what became of the drop-downs
        «Пункт плана» (Russian, for the page)."""
        if self.created:
            text = f"Создана вкладка «{self.tab}», в неё записано {plural(self.items, ITEMS)} плана."
        else:
            text = (f"На вкладку «{self.tab}» записано {plural(self.items, ITEMS)} плана вместо "
                    f"{plural(self.replaced, ROW_FORMS)}.")
        if self.listed is None:
            return text
        if self.drop_down_rows is None:
            return text + f" Номера пунктов записаны и на скрытую вкладку «{LISTS_TAB}»."
        if self.drop_down_rows >= self.listed:
            return text + " Выпадающий список «Пункт плана» на вкладках учреждений предлагает новые номера."
        end = LISTS_FIRST_ROW + self.listed - 1
        return text + (
            f" Новые номера записаны и на скрытую вкладку «{LISTS_TAB}», но выпадающий список «Пункт "
            f"плана» на вкладках учреждений берёт оттуда только первые {plural(self.drop_down_rows, ITEMS)} из "
            f"{self.listed}: остальных в нём нет. Расширьте его на каждой вкладке учреждения: выделите столбец «Пункт "
            f"плана», «Данные» → «Проверка данных», диапазон '{LISTS_TAB}'!B{LISTS_FIRST_ROW}:B{end} "
            "(или больше) — или соберите книгу заново по шаблону панели.")


def _values(items: Sequence[Mapping]) -> list[list]:
    return [PLAN_HEADER, *plan_rows(items)]


def _filled_rows_below_header(rows: Sequence[Sequence]) -> int:
    filled = [r for r in rows if any(v not in (None, "") for v in r)]
    return max(len(filled) - 1, 0)


def plan_tab_of(titles: Sequence[str]) -> str | None:
    """Of a workbook's tab titles, the one the loader reads as the plan («План», «План работы»…)."""
    return next((t for t in titles if C.service_tab_kind(t) == "plan"), None)


def lists_tab_of(titles: Sequence[str]) -> str | None:
    """Of a workbook's tab titles, the template's hidden «Списки» (the drop-downs' lists), if any."""
    return next((t for t in titles if C.service_tab_kind(t) == "lists"), None)


# --------------------------------------------------------------------------- Google Sheet


def write_plan_gsheet(source: str, items: Sequence[Mapping], *, client: gspread.Client | None = None,
                      credentials=None, max_wait_s: float = 20.0, sleep: Callable[[float], Any] = time.sleep,
                      timeout: float = REQUEST_TIMEOUT_S) -> PlanWritten:
    """Replace the values of the «План» tab of the Google Sheet `source` (`gsheet:<key>`, the key or its
    address) by the header and `items` (dicts with the contract's plan keys); create the tab when
    there is none. `client`, `credentials`, `max_wait_s`, `sleep`, `timeout` as for
    `lib.sources.gsheets.read_gsheet`. Raises `PlanTabError` or another `SourceError` (Russian)."""
    key = key_of(source)
    client, email = service_client(client, credentials)
    http = client.http_client
    old_timeout = getattr(http, "timeout", None)
    values, numbers = _values(items), plan_numbers(items)
    first_read: dict[str, int] = {}

    def attempt() -> PlanWritten:
        # every attempt reads afresh: a tab added by an attempt that failed after Google applied it is seen
        sheets = [s["properties"] for s in http.fetch_sheet_metadata(key, params={"fields": STATE_FIELDS})
                  .get("sheets") or []]
        title = plan_tab_of([p["title"] for p in sheets])
        requests, created = [], title is None
        if created:
            title = PLAN_TAB
            taken = {p.get("sheetId", 0) for p in sheets}
            sheet_id = PLAN_SHEET_ID
            while sheet_id in taken:
                sheet_id += 1
            requests.append({"addSheet": {"properties": {
                "sheetId": sheet_id, "title": title, "gridProperties": {
                    "rowCount": max(NEW_TAB_ROWS, len(values)), "columnCount": len(PLAN_HEADER),
                    "frozenRowCount": 1}}}})
            old_rows = []
        else:
            props = next(p for p in sheets if p["title"] == title)
            sheet_id = props.get("sheetId", 0)
            grid = props.get("gridProperties") or {}
            grow = {k: n for k, n in (("rowCount", len(values)), ("columnCount", len(PLAN_HEADER)))
                    if grid.get(k, 0) < n}
            if grow:
                requests.append({"updateSheetProperties": {
                    "properties": {"sheetId": sheet_id, "gridProperties": grow},
                    "fields": ",".join(f"gridProperties.{k}" for k in grow)}})
            answer = http.values_batch_get(key, [absolute_range_name(title)],
                                           params={"valueRenderOption": "UNFORMATTED_VALUE"})
            old_rows = ((answer.get("valueRanges") or [{}])[0]).get("values") or []
        first_read.setdefault("replaced", _filled_rows_below_header(old_rows))
        requests.append({"updateCells": {"range": {"sheetId": sheet_id}, "fields": "userEnteredValue"}})
        requests.append({"updateCells": {"start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                                         "rows": [{"values": [_cell(v) for v in row]} for row in values],
                                         "fields": "userEnteredValue"}})
        lists_title = lists_tab_of([p["title"] for p in sheets])
        listed = drop_down_rows = None
        if lists_title is not None:
            requests += _plan_list_requests(next(p for p in sheets if p["title"] == lists_title), numbers)
            listed, drop_down_rows = len(numbers), _drop_down_rows(http, key, sheets)
        send_batch_update(http, key, requests, email, _refused)
        return PlanWritten(tab=title, items=len(values) - 1, replaced=first_read["replaced"], created=created,
                           listed=listed, drop_down_rows=drop_down_rows)

    retry = _Retrier(client, max_wait_s=max_wait_s, sleep=sleep, timeout=max(timeout, WRITE_TIMEOUT_S), key=key,
                     email=email)
    try:
        return retry.call(attempt)
    finally:
        client.set_timeout(old_timeout)


def _plan_list_requests(lists: Mapping, numbers: Sequence[str]) -> list[dict]:
    """Requests writing `numbers` as texts into «Списки»!B from row 2 (the tab `lists`, its properties),
    the column's old values below cleared, the grid grown when the list is longer."""
    sheet_id, column = lists.get("sheetId", 0), PLAN_LIST_COLUMN - 1
    first, last = LISTS_FIRST_ROW - 1, LISTS_FIRST_ROW - 1 + len(numbers)
    requests = []
    if (lists.get("gridProperties") or {}).get("rowCount", 0) < last:
        requests.append({"updateSheetProperties": {"properties": {"sheetId": sheet_id, "gridProperties": {
            "rowCount": last}}, "fields": "gridProperties.rowCount"}})
    requests.append({"updateCells": {"range": {"sheetId": sheet_id, "startRowIndex": first, "startColumnIndex": column,
                                               "endColumnIndex": column + 1}, "fields": "userEnteredValue"}})
    if numbers:
        requests.append({"updateCells": {"start": {"sheetId": sheet_id, "rowIndex": first, "columnIndex": column},
                                         "rows": [{"values": [_cell(n)]} for n in numbers],
                                         "fields": "userEnteredValue"}})
    return requests


def _drop_down_rows(http, key: str, sheets: Sequence[Mapping]) -> int | None:
    """How many rows of «Списки»!B the shortest «Пункт плана» drop-down of the institution tabs offers, read
    from their first rows (`DROP_DOWN_PROBE`, where the template's drop-downs start) in one GET, of as many
    tabs as its query can name (`MAX_GET_QUERY_CHARS`: the template's tabs share one range); None when they
    have none. A drop-down's range cannot be changed without finding every validated cell, so the caller
    only says so."""
    ranges = []
    for p in sheets:
        if "gridProperties" in p and C.service_tab_kind(p["title"]) is None:
            ranges.append(absolute_range_name(p["title"], DROP_DOWN_PROBE))
            if len(urlencode({"ranges": ranges}, doseq=True)) > MAX_GET_QUERY_CHARS:
                ranges.pop()
                break
    if not ranges:
        return None
    answer = http.fetch_sheet_metadata(key, params={"ranges": ranges, "fields": DROP_DOWN_FIELDS})
    found = []
    for sheet in answer.get("sheets") or []:
        for data in sheet.get("data") or []:
            for row in data.get("rowData") or []:
                for cell in row.get("values") or []:
                    condition = (cell.get("dataValidation") or {}).get("condition") or {}
                    if condition.get("type") == "ONE_OF_RANGE":
                        found += [plan_list_rows(v.get("userEnteredValue")) for v in condition.get("values") or []]
    return min((n for n in found if n is not None), default=None)


def _cell(value) -> dict:
    if value is None or value == "":
        return {}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, (int, float)):
        return {"userEnteredValue": {"numberValue": value}}
    return {"userEnteredValue": {"stringValue": str(value)}}


def _refused(who: str, protected: bool) -> PlanTabError:
    if protected:
        return PlanTabError(
            f"Вкладка «План» или её ячейки защищены (Данные → Защищённые листы и диапазоны), и сервисному "
            f"аккаунту{who} менять их нельзя, поэтому план не записан — в таблице ничего не изменено. "
            "Разрешите ему изменять защищённый диапазон или скачайте вкладку «План» и вставьте её вручную.")
    return PlanTabError(
        f"У сервисного аккаунта{who} доступ к таблице только для чтения, поэтому план не записан — в таблице "
        "ничего не изменено. Откройте ему доступ «Редактор» (кнопка «Настройки доступа» → адрес сервисного "
        "аккаунта → «Редактор») или скачайте вкладку «План» и вставьте её вручную.")


# --------------------------------------------------------------------------- .xlsx


def replace_plan_xlsx(data: bytes, items: Sequence[Mapping], *, file_name: str) -> tuple[bytes, PlanWritten]:
    """A copy of the .xlsx workbook `data` whose «План» tab holds the header and `items`, and what was
    done. Raises `PlanTabError` (Russian) for a file that is no .xlsx workbook."""
    name = PurePath(file_name or "книга").name
    if PurePath(name).suffix.lower() != XLSX_SUFFIX:
        raise PlanTabError(ONLY_XLSX.format(name=name))
    try:
        book = load_xlsx(io.BytesIO(data))
    except Exception:  # zipfile, lxml and openpyxl raise many kinds for a file that is no workbook
        raise PlanTabError(f"Книгу «{name}» не удалось открыть как .xlsx, поэтому вкладка «План» не переписана. "
                           "Сохраните её в Excel заново как «Книга Excel (.xlsx)».") from None
    values = _values(items)
    title = plan_tab_of(book.sheetnames)
    if title is None:
        before = [i for i, t in enumerate(book.sheetnames) if C.service_tab_kind(t) in ("settings", "institutions")]
        ws = book.create_sheet(PLAN_TAB, max(before) + 1 if before else 0)
        fill_plan_sheet(ws, items)
        written = PlanWritten(tab=PLAN_TAB, items=len(values) - 1, replaced=0, created=True)
    else:
        ws = book[title]
        old = [[c.value for c in row] for row in ws.iter_rows()]
        for merged in list(ws.merged_cells.ranges):
            ws.unmerge_cells(str(merged))
        styled = {c: copy(ws.cell(2, c)._style) for c in range(1, len(PLAN_HEADER) + 1) if ws.cell(2, c).has_style}
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell, MergedCell):
                    cell.value = None
        last_styled = ws.max_row
        for r, row in enumerate(values, start=1):
            for c, value in enumerate(row, start=1):
                cell = ws.cell(r, c, value)
                if r > max(last_styled, 1) and c in styled:
                    cell._style = copy(styled[c])
                if r > 1 and c == 1:
                    cell.number_format = "@"
        written = PlanWritten(tab=title, items=len(values) - 1, replaced=_filled_rows_below_header(old), created=False)
    numbers = plan_numbers(items)
    if lists_tab_of(book.sheetnames) is not None:
        written = replace(written, listed=len(numbers), drop_down_rows=_rewrite_plan_list_xlsx(book, numbers))
    book.active = 0
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), written


def _rewrite_plan_list_xlsx(book, numbers: Sequence[str]) -> int | None:
    """Write `numbers` into the workbook's «Списки»!B (old values below cleared) and point every list
    validation on that column to `plan_items_formula` of the new length; the rows they offer now, None
    when there is none."""
    ws = book[lists_tab_of(book.sheetnames)]
    for r in range(LISTS_FIRST_ROW, ws.max_row + 1):
        ws.cell(r, PLAN_LIST_COLUMN).value = None
    for r, number in enumerate(numbers, start=LISTS_FIRST_ROW):
        ws.cell(r, PLAN_LIST_COLUMN, number).number_format = "@"
    formula, rewritten = plan_items_formula(len(numbers)), 0
    for sheet in book.worksheets:
        for dv in sheet.data_validations.dataValidation:
            if dv.type == "list" and plan_list_rows(dv.formula1) is not None:
                dv.formula1, rewritten = formula, rewritten + 1
    return plan_list_rows(formula) if rewritten else None


EXPLANATION_TAB = "Импорт плана"


def explanation_xlsx(message: str) -> bytes:
    """A one-tab workbook saying why the workbook with the new plan could not be made (`message`, Russian)."""
    book = XlsxWorkbook()
    ws = book.active
    ws.title = EXPLANATION_TAB
    ws["A1"] = "Книга с новым планом не собрана"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = message
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 120
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
