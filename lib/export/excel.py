"""Formatted, formula-injection-safe `.xlsx` from DataFrames (openpyxl).

Text that a spreadsheet would take for a formula (starts with `=`, `+`, `-`, `@`, tab or CR) is
written as a plain text cell, so an exported table can never run anything when opened.
"""
from __future__ import annotations

import io
from datetime import date, datetime

import pandas as pd
from openpyxl import Workbook as XlsxWorkbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
HEADER_FONT = Font(bold=True)
THIN = Side(style="thin", color="B0B0B0")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def write_safe(ws, row: int, col: int, value) -> None:
    """Write one value; strings are always stored as text, never parsed as formulas."""
    cell = ws.cell(row=row, column=col)
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA or value is pd.NaT:
        return
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        value = value.date()
    if isinstance(value, (date, datetime)):
        cell.value = value
        cell.number_format = "DD.MM.YYYY"
        return
    if hasattr(value, "item") and not isinstance(value, str):   # numpy scalars
        value = value.item()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.value = value
        return
    text = value if isinstance(value, str) else str(value)
    cell.value = text
    cell.data_type = TYPE_STRING          # even "=1+2" stays the text "=1+2"
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True


def add_sheet(book: XlsxWorkbook, title: str, frame: pd.DataFrame, *, number_formats: dict[str, str] | None = None,
              widths: dict[str, int] | None = None) -> None:
    """One formatted sheet: bold filled header, borders, frozen header row, autofilter, column widths."""
    ws = book.create_sheet(title=title[:31])
    columns = [str(c) for c in frame.columns]
    for c, name in enumerate(columns, start=1):
        write_safe(ws, 1, c, name)
        cell = ws.cell(row=1, column=c)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for r, values in enumerate(frame.itertuples(index=False, name=None), start=2):
        for c, value in enumerate(values, start=1):
            write_safe(ws, r, c, value)
            ws.cell(row=r, column=c).border = BORDER
    for c, name in enumerate(columns, start=1):
        letter = get_column_letter(c)
        fmt = (number_formats or {}).get(name)
        if fmt:
            for r in range(2, len(frame) + 2):
                ws[f"{letter}{r}"].number_format = fmt
        longest = max([len(name)] + [len(str(v)) for v in frame.iloc[:200, c - 1] if v is not None])
        ws.column_dimensions[letter].width = (widths or {}).get(name, min(max(10, longest + 2), 60))
    ws.freeze_panes = "A2"
    if len(frame):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(frame) + 1}"


def frames_to_xlsx(sheets: dict[str, pd.DataFrame], **options) -> bytes:
    """Several DataFrames → one workbook's bytes, a sheet each."""
    book = XlsxWorkbook()
    book.remove(book.active)
    for title, frame in sheets.items():
        add_sheet(book, title, frame, **options)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
