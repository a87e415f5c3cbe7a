"""Validation findings put where people type: «Скачать книгу с отметками».

This module owns:

* **the mark** — what a finding looks like in a cell, shared with `lib.export.gsheet_marks`: a note
  (a comment in Excel) whose block starts with «Проверка ОМП, <date>:» and lists the Russian
  messages of that cell, and a colour (light red for errors, light yellow for warnings). The colour
  is a conditional-formatting rule whose formula is the marker `MARK_FORMULA`, not the cell's own
  fill: the cell's style is never touched, so clearing a mark restores it exactly, whatever fill the
  cell had. How a previous run's marks are found and removed (`strip_marks`, `is_marker_formula`):
  a comment or note keeps only what a person wrote — our block is cut out of it, and a comment that
  was only ours disappears;
* **the annotated copy of an Excel workbook** (`annotate_workbook`, `annotate_source`): openpyxl
  rewrites the workbook (with `keep_vba` for `.xlsm`), and everything except the marks and the tab
  «Проверка ОМП» stays as it was — values, formulas *and their saved results* (openpyxl drops those;
  they are put back from the original), number formats, merged ranges, widths, data validation
  (including Excel's own «x14» drop-downs that list values from another sheet — openpyxl drops them;
  the original `extLst` is put back), other comments and every other tab;
* **what cannot be rewritten faithfully** — `.xls`, `.ods`, `.xlsb`, and `.xlsx` files holding what
  openpyxl would lose (shapes, charts, pivot tables, slicers, form controls…): then only the list of
  issues comes back, as a separate `.xlsx`, with the Russian reason (`Annotated.reason`).

Plain Python, no Streamlit. Issues come from a loaded `Workbook` (`lib.model.workbook`): severity, tab, cell
(an A1 address, or '' for a whole-tab issue: those go only into the list).
"""
from __future__ import annotations

import io
import os
import re
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath

import pandas as pd

from lib.model import contract as C
from lib.model.workbook import ERROR, SEVERITY_RU, WARNING

MARK = "Проверка ОМП"                  # the comment's author, the first words of every mark
LIST_TAB = C.SERVICE_TABS["checks"]     # «Проверка ОМП»: the loader skips it
ERROR_RGB = "FFC7CE"                   # light red, as Excel's «Плохой» style: readable when printed
WARNING_RGB = "FFEB9C"                 # light yellow, as Excel's «Нейтральный»
SEVERITY_RGB = {ERROR: ERROR_RGB, WARNING: WARNING_RGB}
# The conditional-formatting rule that colours marked cells: always true, and no person writes it.
# No function names and no argument separators, so Excel, LibreOffice and Google Sheets (any
# locale) read it the same way.
MARK_FORMULA = '"Проверка ОМП"<>""'

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSM_MIME = "application/vnd.ms-excel.sheet.macroEnabled.12"

_FORMAT_RU = {"xls": "в старом формате Excel 97–2003 (.xls)", "xlsb": "в двоичном формате Excel (.xlsb)",
              "ods": "в формате OpenDocument (.ods)", "unknown": "не в формате Excel .xlsx"}


# --------------------------------------------------------------------------- the mark (shared with Google)

def mark_header(checked_on: date) -> str:
    return f"{MARK}, {checked_on:%d.%m.%Y}:"


def mark_block(items: Iterable[tuple[str, str]], checked_on: date) -> str:
    """«Проверка ОМП, 22.11.2026:» and one «• ошибка: …» line per (severity, message)."""
    lines = [mark_header(checked_on)]
    for severity, message in items:
        text = " ".join(str(message).split())             # one line per message: the block stays parseable
        lines.append(f"• {SEVERITY_RU.get(severity, severity)}: {text}")
    return "\n".join(lines)


# Our block: the header line and its bullet lines, with the blank line that separated it from a
# person's text before it. Nothing else of a note is ever removed.
_BLOCK = re.compile(r"(?:\r?\n){0,2}" + re.escape(MARK) + r", \d{2}\.\d{2}\.\d{4}:(?:\r?\n• [^\r\n]*)*")


def has_mark(text: str | None) -> bool:
    return bool(text) and _BLOCK.search(text) is not None


def strip_marks(text: str | None) -> str:
    """A note or comment without the blocks this app wrote — exactly what a person wrote ('' if nothing)."""
    if not text:
        return ""
    rest = _BLOCK.sub("", text)
    return "" if not rest.strip() else rest


def with_mark(person_text: str | None, block: str) -> str:
    """Our block below a person's text (kept as it is), or the block alone."""
    return f"{person_text}\n\n{block}" if person_text else block


def is_marker_formula(formula: str | None) -> bool:
    """A conditional-formatting formula this app wrote (with or without the leading «=»)."""
    return (formula or "").strip().lstrip("=").strip() == MARK_FORMULA


def worst(items: Iterable[tuple[str, str]]) -> str:
    return ERROR if any(s == ERROR for s, _ in items) else WARNING


def issues_by_cell(issues: pd.DataFrame) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """tab → A1 cell → [(severity, message)] in the order of the issues, repeats dropped.
    Issues without a cell (a whole tab, the whole workbook) are not here: they go only to the list."""
    out: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for severity, tab, cell, message in zip(issues["severity"], issues["tab"], issues["cell"], issues["message"]):
        cell = _clean_cell(cell)
        if not cell or not isinstance(tab, str):
            continue
        items = out.setdefault(tab, {}).setdefault(cell, [])
        if (severity, message) not in items:
            items.append((severity, message))
    return out


_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?([1-9][0-9]{0,6})$")


def _clean_cell(cell) -> str:
    if not isinstance(cell, str):
        return ""
    m = _CELL.match(cell.strip().upper())
    return f"{m[1]}{m[2]}" if m else ""


def split_cell(cell: str) -> tuple[int, int]:
    """"B7" → (7, 2): 1-based row and column."""
    m = _CELL.match(cell)
    col = 0
    for ch in m[1]:
        col = col * 26 + ord(ch) - 64
    return int(m[2]), col


def runs(cells: Iterable[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """(row, col) cells → (col, first row, last row) vertical runs, so a mark covers few ranges."""
    out: list[list[int]] = []
    for row, col in sorted(set(cells), key=lambda rc: (rc[1], rc[0])):
        if out and out[-1][0] == col and out[-1][2] == row - 1:
            out[-1][2] = row
        else:
            out.append([col, row, row])
    return [tuple(r) for r in out]


def list_rows(issues: pd.DataFrame) -> list[tuple[str, str, str, str]]:
    """(severity, tab, cell, message) of every issue — what the list tab shows."""
    return [(s, t if isinstance(t, str) else "", _clean_cell(c) or (c if isinstance(c, str) else ""), m)
            for s, t, c, m in zip(issues["severity"], issues["tab"], issues["cell"], issues["message"])]


def summary_line(issues: pd.DataFrame, checked_on: date, label: str) -> str:
    from lib.russian import ERROR_FORMS, WARNING_FORMS, plural
    errors = int((issues["severity"] == ERROR).sum())
    warnings_ = len(issues) - errors
    return (f"{MARK}, {checked_on:%d.%m.%Y}, «{label}»: {plural(errors, ERROR_FORMS)}, "
            f"{plural(warnings_, WARNING_FORMS)}")


# --------------------------------------------------------------------------- results

@dataclass
class Annotated:
    """What `annotate_workbook` gives back."""
    data: bytes
    file_name: str
    mime: str
    complete: bool                  # True: the workbook with marks; False: only the list of issues
    reason: str | None = None       # Russian: why only the list (complete is False)
    marked: int = 0                 # cells that got a mark
    cleared: int = 0                # cells whose previous mark was removed (and not marked again)
    listed: int = 0                 # issues in the list
    unplaced: int = 0               # issues naming a cell of a tab the workbook does not have
    notices: list[str] = field(default_factory=list)   # Russian: what changed besides the marks


def output_name(label: str, *, complete: bool, macro: bool = False) -> str:
    stem = Path(label or "книга").stem or "книга"
    return f"{stem} (с отметками).xlsm" if complete and macro else \
        f"{stem} (с отметками).xlsx" if complete else f"{stem} (замечания).xlsx"


# --------------------------------------------------------------------------- what kind of file

def file_kind(source: bytes | str | os.PathLike) -> str:
    """"xlsx", "xlsm", "xlsb", "ods", "xls" or "unknown" — from the content, not the name, as the
    reader tells it (`lib.sources.spreadsheet.sniff`)."""
    from lib.sources import SourceError
    from lib.sources.spreadsheet import sniff
    try:
        blob = bytes(source) if isinstance(source, (bytes, bytearray, memoryview)) else Path(source).read_bytes()
        return sniff(blob, "")
    except (SourceError, OSError):
        return "unknown"


# Parts openpyxl does not keep (or rewrites in a way that loses their look): their presence means
# the copy would not be faithful.
_LOST_PARTS = (
    ("xl/charts/", "диаграммы"),
    ("xl/chartsheets/", "листы диаграмм"),
    ("xl/pivotTables/", "сводные таблицы"),
    ("xl/slicers/", "срезы"),
    ("xl/slicerCaches/", "срезы"),
    ("xl/timelines/", "временные шкалы"),
    ("xl/model/", "модель данных"),
    ("xl/ctrlProps/", "элементы управления (кнопки, флажки, списки на листе)"),
    ("xl/activeX/", "элементы управления ActiveX"),
    ("xl/embeddings/", "встроенные объекты"),
    ("xl/webextensions/", "надстройки Office"),
    ("xl/diagrams/", "рисунки SmartArt"),
)
_SHAPE = re.compile(rb"<(?:\w+:)?(?:sp|grpSp|cxnSp)[\s>]")
# openpyxl's warnings for what it drops. The worksheet extensions below it reads past; this module
# puts the worksheet's original <extLst> back, so they are kept.
_KEPT_EXT = {"{CCE6A557-97BC-4B89-ADB6-D9C93CAAB3DF}": "Data Validation",
             "{78C0D931-6437-407D-A8EE-F0AAD7539E65}": "Conditional Formatting",
             "{05C60535-1F16-4FD2-B633-F4F36F0B64E0}": "Sparkline Group",
             "{FC87AEE6-9EDD-4A0A-B7FB-166176984837}": "Protected Range",
             "{01252117-D84E-4E92-8308-4BE1C098FCBB}": "Ignored Error"}
_KEPT_WARNINGS = tuple(f"{name} extension is not supported" for name in _KEPT_EXT.values())
_HARMLESS_WARNINGS = ("Workbook contains no default style",)
_WARNING_RU = (("extension is not supported", "расширения Excel на листах ({})"),
               ("DrawingML", "фигуры и надписи"),
               ("image", "рисунки"),
               ("header or footer", "колонтитулы"),
               ("conditional formatting", "условное форматирование"),
               ("comment", "примечания в объединённых ячейках"),
               ("Defined names", "именованные диапазоны"),
               ("Print area", "область печати"))


def rewrite_losses(data: bytes | str | os.PathLike) -> list[str]:
    """What openpyxl would not keep when rewriting this .xlsx/.xlsm (Russian, for the reason), from
    the names of its parts and its (small) drawing parts: cheap enough to call before offering the
    download. Worksheet extensions it would drop are caught from openpyxl's warnings when rewriting."""
    out: list[str] = []
    try:
        with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, (bytes, bytearray, memoryview)) else data) as zf:
            names = zf.namelist()
            for prefix, what in _LOST_PARTS:
                if any(n.startswith(prefix) for n in names) and what not in out:
                    out.append(what)
            for name in names:
                if re.fullmatch(r"xl/drawings/drawing\d+\.xml", name):
                    if _SHAPE.search(zf.read(name)) and "фигуры и надписи" not in out:
                        out.append("фигуры и надписи")
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        out.append("части книги (файл повреждён)")
    return out


def _warning_losses(caught: list[warnings.WarningMessage]) -> list[str]:
    out = []
    for w in caught:
        text = str(w.message)
        if text.startswith(_KEPT_WARNINGS) or text.startswith(_HARMLESS_WARNINGS):
            continue
        what = next((ru.format(text.split(" extension")[0]) for key, ru in _WARNING_RU if key.lower() in text.lower()),
                    f"часть содержимого ({text})")
        if what not in out:
            out.append(what)
    return out


def planned_output(source: bytes | str | os.PathLike, label: str | None = None) -> tuple[str, str, str | None]:
    """(file name, MIME type, reason or None) of what `annotate_workbook` will give for this file —
    cheap, for a download button drawn before the file is built. (A loss that only openpyxl itself
    notices while rewriting still turns the result into the list; the name then stays as planned.)"""
    if label is None:
        label = "книга.xlsx" if isinstance(source, (bytes, bytearray, memoryview)) else Path(source).name
    kind = file_kind(source)
    reason = _reason(kind, label, rewrite_losses(source) if kind in ("xlsx", "xlsm") else [])
    macro = kind == "xlsm"
    return (output_name(label, complete=reason is None, macro=macro),
            XLSM_MIME if macro and reason is None else XLSX_MIME, reason)


def _reason(kind: str, label: str, losses: list[str]) -> str | None:
    tail = ("Поэтому замечания выгружены отдельным файлом — списком с адресами ячеек; исправляйте ячейки в "
            "самой книге.")
    if kind in _FORMAT_RU:
        return (f"Книга «{label}» — {_FORMAT_RU[kind]}: записать в неё примечания, ничего не потеряв, нельзя. "
                f"{tail} Если сохранить книгу как «Книга Excel (.xlsx)», отметки можно будет поставить прямо в ней.")
    if losses:
        return (f"Книгу «{label}» нельзя переписать без потерь: при записи пропали бы {', '.join(losses)}. {tail}")
    return None


def _read(source: bytes | str | os.PathLike, label: str | None) -> tuple[bytes, str]:
    from lib.sources.base import user_file
    from lib.sources.spreadsheet import MAX_FILE_BYTES
    default = "книга.xlsx" if isinstance(source, (bytes, bytearray, memoryview)) else None
    data, label, _path = user_file(source, label or default, what="книга", max_bytes=MAX_FILE_BYTES)
    return data, label


# --------------------------------------------------------------------------- the Excel copy

def annotate_source(source: bytes | str | os.PathLike, label: str | None = None, *,
                    checked_on: date | None = None, list_tab: bool = True):
    """Validate the workbook (the same loader as everywhere) and annotate exactly those bytes:
    returns (Annotated, Workbook). Raises `SourceError` (Russian) when the workbook cannot be read."""
    from lib.loader import load_workbook
    data, label = _read(source, label)
    wb = load_workbook(data, label)
    return annotate_workbook(data, wb.issues, label=label, checked_on=checked_on, list_tab=list_tab), wb


def annotate_workbook(source: bytes | str | os.PathLike, issues: pd.DataFrame, *, label: str | None = None,
                      checked_on: date | None = None, list_tab: bool = True) -> Annotated:
    """A copy of the workbook with a mark on every cell an issue names, the previous run's marks
    removed, and (with `list_tab`) the tab «Проверка ОМП» listing every issue with a link to its cell.
    A workbook that cannot be rewritten faithfully gives only the list, as a separate .xlsx."""
    data, label = _read(source, label)
    checked_on = checked_on or date.today()
    kind = file_kind(data)
    reason = _reason(kind, label, rewrite_losses(data) if kind in ("xlsx", "xlsm") else [])
    if reason is None:
        try:
            return _annotate_copy(data, issues, label=label, checked_on=checked_on, list_tab=list_tab,
                                  macro=kind == "xlsm")
        except _CannotRewrite as exc:
            reason = exc.reason
    return list_only(issues, label=label, checked_on=checked_on, reason=reason)


def list_only(issues: pd.DataFrame, *, label: str, checked_on: date, reason: str | None = None) -> Annotated:
    """Only the list of issues, as a new .xlsx (no links: the cells are in another file)."""
    from openpyxl import Workbook as XlsxWorkbook
    book = XlsxWorkbook()
    ws = book.active
    ws.title = LIST_TAB
    _write_list(ws, issues, checked_on=checked_on, label=label, link=None, reason=reason)
    out = io.BytesIO()
    book.save(out)
    return Annotated(out.getvalue(), output_name(label, complete=False), XLSX_MIME, complete=False,
                     reason=reason, listed=len(issues))


class _CannotRewrite(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _annotate_copy(data: bytes, issues: pd.DataFrame, *, label: str, checked_on: date, list_tab: bool,
                   macro: bool) -> Annotated:
    import openpyxl
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), keep_vba=macro, rich_text=True, keep_links=True)
        except Exception as exc:  # noqa: BLE001 — openpyxl's many error types for files it cannot model
            raise _CannotRewrite(f"Книгу «{label}» не удалось открыть для записи ({type(exc).__name__}). "
                                 "Поэтому замечания выгружены отдельным файлом — списком с адресами ячеек; "
                                 "исправляйте ячейки в самой книге.") from None
    losses = _warning_losses(caught)
    if losses:
        raise _CannotRewrite(_reason("xlsx", label, losses))
    notices = []
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    if any(n.startswith("xl/threadedComments/") for n in names):
        notices.append("Ветки комментариев Excel 365 сохранены как обычные примечания (их текст не потерян).")

    by_cell = issues_by_cell(issues)
    original_titles = [ws.title for ws in book.worksheets if ws.title != LIST_TAB]
    active = book.active.title if book.active is not None else None
    marked = cleared = unplaced = 0
    for ws in book.worksheets:
        if ws.title == LIST_TAB:
            continue
        before = _clear_marks(ws)
        targets = _place(ws, by_cell.get(ws.title, {}))
        for coord, items in targets.items():
            cell = ws[coord]
            person = strip_marks(cell.comment.text) if cell.comment is not None else ""
            author = cell.comment.author if cell.comment is not None and person else MARK
            text = with_mark(person, mark_block(items, checked_on))
            cell.comment = _comment(text, author)
        _add_marker_rules(ws, targets)
        marked += len(targets)
        cleared += len(before - set(targets))
    unplaced = sum(len(cells) for tab, cells in by_cell.items() if tab not in original_titles)

    if LIST_TAB in book.sheetnames:
        index = book.sheetnames.index(LIST_TAB)
        book.remove(book[LIST_TAB])
    else:
        index = len(book.sheetnames)
    if list_tab:
        ws = book.create_sheet(LIST_TAB, index)
        _write_list(ws, issues, checked_on=checked_on, label=label,
                    link=lambda tab, cell: _location(tab, cell) if tab in original_titles else None)
    if active in book.sheetnames:
        book.active = book.sheetnames.index(active)

    out = io.BytesIO()
    book.save(out)
    written = _put_back(data, out.getvalue(), original_titles)
    return Annotated(written, output_name(label, complete=True, macro=macro), XLSM_MIME if macro else XLSX_MIME,
                     complete=True, marked=marked, cleared=cleared, listed=len(issues) if list_tab else 0,
                     unplaced=unplaced, notices=notices)


def _comment(text: str, author: str):
    from openpyxl.comments import Comment
    lines = sum(1 + len(line) // 48 for line in text.split("\n"))
    return Comment(text, author, height=min(400, 20 + 15 * lines), width=320)


def _clear_marks(ws) -> set[str]:
    """Remove this app's marks from a sheet: our block out of every comment (a comment that was only
    ours goes), our colour rules. Returns the cells whose comment held a mark."""
    from openpyxl.comments import Comment
    cells = set()
    for cell in list(ws._cells.values()):
        comment = cell.comment
        if comment is None or not has_mark(comment.text):
            continue
        cells.add(cell.coordinate)
        rest = strip_marks(comment.text)
        cell.comment = Comment(rest, comment.author) if rest else None
    _drop_marker_rules(ws)
    return cells


def _is_marker_rule(rule) -> bool:
    return rule.type == "expression" and len(rule.formula or ()) == 1 and is_marker_formula(rule.formula[0])


def _drop_marker_rules(ws) -> int:
    from openpyxl.formatting.formatting import ConditionalFormatting, ConditionalFormattingList
    old = ws.conditional_formatting
    if not any(_is_marker_rule(r) for cf in old for r in cf.rules):
        return 0
    kept = ConditionalFormattingList()
    removed = 0
    for cf in old:
        for rule in cf.rules:
            if _is_marker_rule(rule):
                removed += 1
            else:
                kept.add(ConditionalFormatting(cf.sqref, pivot=cf.pivot), rule)   # priority kept
    ws.conditional_formatting = kept
    return removed


def _add_marker_rules(ws, targets: Mapping[str, list[tuple[str, str]]]) -> None:
    """One rule per severity over the marked cells, after the sheet's own rules (a person's
    conditional formatting keeps its precedence)."""
    from openpyxl.formatting.formatting import ConditionalFormatting
    from openpyxl.formatting.rule import Rule
    from openpyxl.styles import PatternFill
    from openpyxl.styles.differential import DifferentialStyle
    from openpyxl.utils import get_column_letter
    if not targets:
        return
    top = max((r.priority or 0 for cf in ws.conditional_formatting for r in cf.rules), default=0)
    for severity in (ERROR, WARNING):
        cells = [split_cell(c) for c, items in targets.items() if worst(items) == severity]
        if not cells:
            continue
        sqref = " ".join(f"{get_column_letter(c)}{a}" if a == b else f"{get_column_letter(c)}{a}:{get_column_letter(c)}{b}"
                         for c, a, b in runs(cells))
        rgb = SEVERITY_RGB[severity]
        top += 1
        rule = Rule(type="expression", formula=[MARK_FORMULA], priority=top,
                    dxf=DifferentialStyle(fill=PatternFill(fill_type="solid", start_color=rgb, end_color=rgb)))
        ws.conditional_formatting.add(ConditionalFormatting(sqref), rule)


def _place(ws, cells: Mapping[str, list[tuple[str, str]]]) -> dict[str, list[tuple[str, str]]]:
    """Issue cells → the cells that carry their marks: a cell inside a merged range is marked on the
    range's first cell (the only one Excel shows)."""
    out: dict[str, list[tuple[str, str]]] = {}
    merged = list(ws.merged_cells.ranges)
    for coord, items in cells.items():
        row, col = split_cell(coord)
        for rng in merged:
            if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
                coord = rng.start_cell.coordinate
                break
        target = out.setdefault(coord, [])
        target.extend(i for i in items if i not in target)
    return out


def _location(tab: str, cell: str) -> str:
    return "'" + tab.replace("'", "''") + "'!" + (cell or "A1")


def _write_list(ws, issues: pd.DataFrame, *, checked_on: date, label: str, link, reason: str | None = None) -> None:
    """The tab «Проверка ОМП»: a title line, the reason (if only the list could be made), then
    Серьёзность | Вкладка | Ячейка | Сообщение; the cell links to the cell (`link(tab, cell)` gives
    the location, None for no link)."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    from lib.export.excel import BORDER, HEADER_FILL, HEADER_FONT, write_safe
    write_safe(ws, 1, 1, summary_line(issues, checked_on, label))
    ws.cell(1, 1).font = Font(bold=True, size=12)
    header_row = 2
    if reason:
        write_safe(ws, 2, 1, reason)
        ws.cell(2, 1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=4)
        ws.row_dimensions[2].height = 60
        header_row = 3
    for c, title in enumerate(("Серьёзность", "Вкладка", "Ячейка", "Сообщение"), start=1):
        cell = ws.cell(header_row, c, title)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
    fills = {s: PatternFill(fill_type="solid", start_color=rgb, end_color=rgb) for s, rgb in SEVERITY_RGB.items()}
    link_font = Font(color="0563C1", underline="single")
    wrap = Alignment(wrap_text=True, vertical="top")
    r = header_row
    for r, (severity, tab, cell_ref, message) in enumerate(list_rows(issues), start=header_row + 1):
        write_safe(ws, r, 1, SEVERITY_RU.get(severity, severity))
        ws.cell(r, 1).fill = fills.get(severity, fills[WARNING])
        write_safe(ws, r, 2, tab)
        write_safe(ws, r, 3, cell_ref)
        write_safe(ws, r, 4, message)
        ws.cell(r, 4).alignment = wrap
        target = link(tab, cell_ref) if link is not None and tab else None
        if target:
            at = ws.cell(r, 3 if cell_ref else 2)
            at.hyperlink = Hyperlink(ref=at.coordinate, location=target)
            at.font = link_font
        for c in range(1, 5):
            ws.cell(r, c).border = BORDER
    for letter, width in zip("ABCD", (16, 34, 10, 100)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = ws.cell(header_row + 1, 1).coordinate
    ws.auto_filter.ref = f"A{header_row}:D{max(r, header_row)}"


# --------------------------------------------------------------------------- putting back what openpyxl drops

_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Tab name → its worksheet part ("xl/worksheets/sheet1.xml")."""
    try:
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        book = ET.fromstring(zf.read("xl/workbook.xml"))
    except (KeyError, ET.ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target") or "" for r in rels}
    out = {}
    for el in book.iter():
        if el.tag.rsplit("}", 1)[-1] == "sheet":
            target = targets.get(el.get(f"{{{_REL_NS}}}id"), "")
            part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            out[el.get("name") or ""] = os.path.normpath(part).replace(os.sep, "/")
    return out


_ROOT_TAG = re.compile(rb"<(?:(\w+):)?worksheet\b[^>]*>")
_EXT_OPEN = re.compile(rb"<(?:\w+:)?extLst[\s>]")


def _worksheet_extlst(xml: bytes) -> tuple[bytes, list[str]] | None:
    """The worksheet's own <extLst> (its last child), re-serialised so that it carries every namespace
    it uses, and the names of extensions in it that cannot be kept (they point to parts openpyxl
    drops: slicers, timelines, web extensions…). None when the sheet has none."""
    from lxml import etree
    from openpyxl.xml.constants import EXT_TYPES
    root = _ROOT_TAG.search(xml)
    if root is None:
        return None
    prefix = root[1]
    close = b"</" + (prefix + b":" if prefix else b"") + b"worksheet>"
    end = xml.rfind(close)
    if end < 0 or not xml[:end].rstrip().endswith(b"extLst>"):
        return None
    starts = [m.start() for m in _EXT_OPEN.finditer(xml, root.end(), end)]
    for start in reversed(starts[-3:]):   # the last one, unless an <extLst> sits inside it
        try:
            doc = etree.fromstring(root[0] + xml[start:end] + close, etree.XMLParser(huge_tree=True))
        except etree.XMLSyntaxError:
            continue
        ext_list = doc[-1] if len(doc) else None
        if ext_list is None or len(doc) != 1 or etree.QName(ext_list).localname != "extLst":
            continue
        lost = [EXT_TYPES.get((ext.get("uri") or "").upper(), ext.get("uri") or "?")
                for ext in ext_list if (ext.get("uri") or "").upper() not in _KEPT_EXT]
        return etree.tostring(ext_list, encoding="utf-8"), lost
    return None


def _cached_values(xml: bytes, shared) -> dict[str, tuple[str | None, str]]:
    """cell → (t, saved result) of every formula cell that has a saved result, as stored."""
    from lxml import etree
    from openpyxl.utils import get_column_letter
    out: dict[str, tuple[str | None, str]] = {}
    row = 0
    col = 0
    for event, el in etree.iterparse(io.BytesIO(xml), events=("start", "end"), tag=("{*}row", "{*}c"),
                                     huge_tree=True):
        name = etree.QName(el).localname
        if event == "start":
            if name == "row":
                row = int(el.get("r") or row + 1)
                col = 0
            else:
                ref = el.get("r")
                if ref:
                    r, col = split_cell(ref)
                else:
                    col += 1
            continue
        if name == "c":
            f = v = None
            for child in el:
                local = etree.QName(child).localname
                if local == "f":
                    f = child
                elif local == "v":
                    v = child
            if f is not None and v is not None and v.text is not None:
                t = el.get("t")
                text = v.text
                if t == "s":
                    t, text = "str", shared(int(text))
                out[el.get("r") or f"{get_column_letter(col)}{row}"] = (t, text)
            el.clear()
        else:
            el.clear()
            while el.getprevious() is not None:
                del el.getparent()[0]
    return out


# how openpyxl writes a formula cell: <c r="B7" s="3"><f>SUM(B2:B6)</f><v></v></c> (or <v/>)
_OUT_FORMULA_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]+)"([^>]*)>(<f\b(?:(?!</c>).)*?)<v(?:\s*/>|></v>)</c>',
                               re.S)


def _inject(xml: bytes, cached: Mapping[str, tuple[str | None, str]]) -> tuple[bytes, int]:
    """openpyxl's formula cells (`<c r=".."><f>…</f><v></v></c>`) with their saved results back."""
    from xml.sax.saxutils import escape
    count = 0

    def put(m: re.Match) -> bytes:
        nonlocal count
        ref, attrs, formula = m[1], m[2], m[3]
        value = cached.get(ref.decode())
        if value is None or b" t=" in attrs:
            return m[0]
        t, text = value
        count += 1
        kind = f' t="{t}"'.encode() if t and t != "n" else b""
        return b'<c r="' + ref + b'"' + attrs + kind + b">" + formula + b"<v>" + \
            escape(text).encode("utf-8") + b"</v></c>"

    return _OUT_FORMULA_CELL.sub(put, xml), count


def _shared_strings(zf: zipfile.ZipFile):
    cache: list[str] | None = None

    def get(i: int) -> str:
        nonlocal cache
        if cache is None:
            from lxml import etree
            cache = []
            try:
                root = etree.fromstring(zf.read("xl/sharedStrings.xml"))
            except KeyError:
                root = None
            for si in (root if root is not None else ()):
                cache.append("".join(t.text or "" for t in si.iter("{*}t")
                                     if etree.QName(t.getparent()).localname != "rPh"))
        return cache[i] if 0 <= i < len(cache) else ""
    return get


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _put_back(original: bytes, written: bytes, titles: list[str]) -> bytes:
    """The copy openpyxl wrote, with what it drops from the original's worksheets put back: the
    saved results of formulas, and the worksheet's <extLst> (Excel's x14 drop-downs, conditional
    formats, sparklines)."""
    src = zipfile.ZipFile(io.BytesIO(original))
    out = zipfile.ZipFile(io.BytesIO(written))
    src_parts, out_parts = _sheet_parts(src), _sheet_parts(out)
    shared = _shared_strings(src)
    replaced: dict[str, bytes] = {}
    for title in titles:
        sp, op = src_parts.get(title), out_parts.get(title)
        if sp is None or op is None or sp not in src.namelist():
            continue
        xml = src.read(sp)
        ext = _worksheet_extlst(xml)
        has_formulas = _FORMULA_TAG.search(xml) is not None
        if ext is None and not has_formulas:
            continue
        new = out.read(op)
        if has_formulas:
            cached = _cached_values(xml, shared)
            if cached:
                new, _ = _inject(new, cached)
        if ext is not None:
            at = new.rfind(b"</worksheet>")
            new = new[:at] + ext[0] + new[at:]
        replaced[op] = new
    if not replaced:
        return written
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in out.infolist():
            zf.writestr(info, replaced.get(info.filename, out.read(info.filename)))
    return buffer.getvalue()
