"""A worksheet reader for the workbooks Excel, LibreOffice, Google and openpyxl write.

A sheet becomes a `CellGrid` (`lib.cellgrid`): each cell's code in the workbook's table of values,
without a Python object per cell. Its rows (`CellGrid.rows()`) are exactly what `python-calamine`'s
`to_python(skip_empty_area=False)` gives — rows from A1, all of the same width, `''` for an empty cell,
`float` for a number, `datetime.date` for a number in a plain date format, `bool`, `str`.

The worksheet XML is tokenised with numpy over its bytes instead of one element at a time: every
value's cell, reference, style and type are found with whole-array operations (only for the cells
that hold a value: Excel writes styled empty cells too). Python objects are made only for the
distinct shared strings (once per workbook) and for each number, date and inline string the first
time a sheet of the workbook has it.

It handles the common cell kinds: shared and inline strings (rich text too), numbers, booleans,
dates in a plain date format (ДД.ММ.ГГГГ and the like), formulas with cached values. Anything else —
formula strings, error values, times of day, 1904 dates, namespace prefixes, attributes in another
order, a carriage return in a text — raises `Unsupported`, and the caller (`lib.sources`) reads that
sheet with calamine: a rare sheet is slower, never different. `tests/test_xlsx_grid.py` checks that
both readers agree cell for cell (values and their types).
"""
from __future__ import annotations

import re
import zipfile
from datetime import date, timedelta

import numpy as np

from lib.cellgrid import CellGrid, ValueTable, object_array

_EPOCH_1900 = date(1899, 12, 30)
_MAX_SERIAL = 2_958_465                   # 9999-12-31
_PAD = np.zeros(64, dtype=np.uint8)         # read past the end of a part by at most this much
# Byte values used by the tokeniser.
_LT, _GT, _QUOTE, _SLASH, _SPACE = 60, 62, 34, 47, 32
_C, _V, _S, _I, _F = ord("c"), ord("v"), ord("s"), ord("i"), ord("f")

# Built-in number formats (ECMA-376 §18.8.30) that show a plain date; the time formats (18–21,
# 45–47) and date-with-time (22) are left to calamine.
_BUILTIN_DATES = frozenset({14, 15, 16, 17})
_BUILTIN_UNSURE = frozenset({18, 19, 20, 21, 22, 45, 46, 47, *range(27, 37), *range(50, 82)})

_SI = re.compile(rb"<si>(.*?)</si>|<si/>", re.S)
_T_TEXT = re.compile(rb"<t(?:\s[^>]*)?>(.*?)</t>|<t(?:\s[^>]*)?/>", re.S)
_PHONETIC = re.compile(rb"<rPh\b.*?</rPh>", re.S)
_ENTITY = re.compile(r"&(?:#(\d+)|#x([0-9a-fA-F]+)|(lt|gt|amp|quot|apos));")
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_NUM_FMT = re.compile(rb'<numFmt\s+numFmtId="(\d+)"\s+formatCode="([^"]*)"')
_CELL_XFS = re.compile(rb"<cellXfs\b[^>]*>(.*?)</cellXfs>", re.S)
_XF = re.compile(rb"<xf\b([^>]*)>")
_NUM_FMT_ID = re.compile(rb'numFmtId="(\d+)"')
_MERGE = re.compile(rb'<mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


_EMPTY_GRID = CellGrid(np.zeros((0, 0), dtype=np.int32), ValueTable(object_array([""])))


class Unsupported(Exception):
    """The part uses something this reader leaves to calamine."""


_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _ooxml_char(m: re.Match) -> str:
    code = int(m[1], 16)
    if 0xD800 <= code <= 0xDFFF:
        raise Unsupported("an escaped surrogate")
    return chr(code)


def _entity(m: re.Match) -> str:
    if m[1]:
        return chr(int(m[1]))
    if m[2]:
        return chr(int(m[2], 16))
    return _ENTITIES[m[3]]


def _unescape(text: str) -> str:
    """XML character references and entities, then the `_xHHHH_` escapes of Office Open XML (in
    this order, as calamine: `&#95;x0041_` is «A»)."""
    if "&" in text:
        text = _ENTITY.sub(_entity, text)
    if "_x" in text:
        text = _OOXML_ESCAPE.sub(_ooxml_char, text)
    return text


def _text_runs(body: bytes) -> str:
    """The text of a string item (`<si>` or `<is>` body): its <t> runs joined, phonetic hints dropped
    (XML escapes not yet undone)."""
    if body.startswith(b"<t>") and body.endswith(b"</t>") and body.count(b"<") == 2:
        return body[3:-4].decode("utf-8")
    if b"<rPh" in body:
        body = _PHONETIC.sub(b"", body)
    return b"".join(t or b"" for t in _T_TEXT.findall(body)).decode("utf-8")


def _plain_items(text: str) -> list[str] | None:
    """The items of a shared-string table where every item is `<si><t>text</t></si>` (with or without
    xml:space="preserve"), split in C; None for any other table. Such a table has exactly four tags
    per item, so a count of '<' tells whether the split found them all."""
    body = text.replace('<t xml:space="preserve">', "<t>")
    start, end = body.find("<si><t>"), body.rfind("</t></si>")
    if start < 0 or end < 0:
        return None
    items = body[start + 7:end].split("</t></si><si><t>")
    closing = body.find("</sst>", end)
    if closing < 0 or body.count("<", start, closing) != 4 * len(items):
        return None
    return items




def shared_strings(xml: bytes | None) -> np.ndarray:
    """The shared-string table as an object array; rich text runs are joined, phonetic hints dropped."""
    if not xml:
        return np.array([], dtype=object)
    if b"\r" in xml:
        raise Unsupported("a carriage return")               # XML's line-end normalisation: calamine's rules
    text = xml.decode("utf-8")
    found = _plain_items(text)
    if found is None:                                     # rich text, empty items: one step per string
        count = text.count("<si>") + text.count("<si/>")
        found = [_text_runs(m[1] or b"") for m in _SI.finditer(xml)]
        if len(found) != count:
            raise Unsupported("shared strings")
    if "&" in text or "_x" in text:
        found = [_unescape(t) if "&" in t or "_x" in t else t for t in found]
    out = np.empty(len(found), dtype=object)
    out[:] = found
    return out


def _format_kind(code: str) -> str:
    """'date' for a plain date format, 'number' for one that shows no date, 'unsure' otherwise."""
    plain = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.', "", code)
    if plain.endswith(";@"):
        plain = plain[:-2]
    letters = set(re.sub(r"[^A-Za-z]", "", plain).lower())
    if not letters & set("dmyhseg") or plain.lower() == "general":
        return "number"
    if letters <= set("dmy") and ";" not in plain:
        return "date"
    return "unsure"


def date_styles(styles_xml: bytes | None) -> tuple[np.ndarray, np.ndarray]:
    """Per cell style index (the `s` attribute): (is a plain date format, must be left to calamine)."""
    if not styles_xml:
        return np.zeros(1, dtype=bool), np.zeros(1, dtype=bool)
    custom = {int(i): _format_kind(code.decode("utf-8", "replace")) for i, code in _NUM_FMT.findall(styles_xml)}
    xfs = _CELL_XFS.search(styles_xml)
    kinds = []
    for attrs in _XF.findall(xfs[1]) if xfs else ():
        m = _NUM_FMT_ID.search(attrs)
        fmt = int(m[1]) if m else 0
        if fmt in custom:
            kinds.append(custom[fmt])
        elif fmt in _BUILTIN_DATES:
            kinds.append("date")
        elif fmt in _BUILTIN_UNSURE:
            kinds.append("unsure")
        else:
            kinds.append("number")
    kinds = kinds or ["number"]
    return np.array([k == "date" for k in kinds]), np.array([k == "unsure" for k in kinds])


def _window(a: np.ndarray, starts: np.ndarray, width: int) -> np.ndarray:
    """The `width` bytes from each start, one row per start (the buffer is padded so that none runs
    past its end); rows are copied from a sliding-window view, without an index per byte."""
    return np.lib.stride_tricks.sliding_window_view(a, width)[starts]


def _digits(a: np.ndarray, starts: np.ndarray, max_len: int) -> tuple[np.ndarray, np.ndarray]:
    """(value, length) of the run of decimal digits at each start, at most `max_len` long: one pass
    per digit position over all the starts (whole-array operations, no step per cell)."""
    value = np.zeros(len(starts), dtype=np.int64)
    length = np.zeros(len(starts), dtype=np.int64)
    running = np.ones(len(starts), dtype=bool)
    for k in range(max_len):
        byte = a[starts + k]
        running &= (byte >= 48) & (byte <= 57)
        if not running.any():
            break
        value = np.where(running, value * 10 + byte - 48, value)
        length += running
    return value, length


def _known_digits(a: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(value, all digits?) of texts of known lengths, such as the values between <v> and </v>."""
    value = np.zeros(len(starts), dtype=np.int64)
    ok = np.ones(len(starts), dtype=bool)
    for k in range(int(lengths.max(initial=0))):
        inside = k < lengths
        byte = a[starts + k]
        ok &= ~inside | ((byte >= 48) & (byte <= 57))
        value = np.where(inside, value * 10 + byte - 48, value)
    return value, ok


def _cell_refs(a: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(0-based row, 0-based column, length) of the references such as `AB12` starting at `starts`."""
    letter, after = a[starts], a[starts + 1]
    if ((letter >= 65) & (letter <= 90) & (after >= 48) & (after <= 57)).all():    # columns A to Z: the usual case
        rows, n_digits = _digits(a, starts + 1, 8)
        if (n_digits == 8).any() or (a[starts + 1 + n_digits] != _QUOTE).any():
            raise Unsupported("cell reference")
        return rows - 1, letter.astype(np.int64) - 65, n_digits + 1
    col = np.zeros(len(starts), dtype=np.int64)
    n_letters = np.zeros(len(starts), dtype=np.int64)
    running = np.ones(len(starts), dtype=bool)
    for k in range(3):
        byte = a[starts + k]
        running &= (byte >= 65) & (byte <= 90)
        col = np.where(running, col * 26 + byte - 64, col)
        n_letters += running
    if (n_letters == 0).any():
        raise Unsupported("cell reference")
    rows, n_digits = _digits(a, starts + n_letters, 8)
    length = n_letters + n_digits
    if (n_digits == 0).any() or (n_digits == 8).any() or (a[starts + length] != _QUOTE).any():
        raise Unsupported("cell reference")
    return rows - 1, col - 1, length


def _has(a: np.ndarray, at: np.ndarray, text: bytes) -> np.ndarray:
    """Whether `text` starts at each position."""
    hit = a[at] == text[0]
    for k in range(1, len(text)):
        hit &= a[at + k] == text[k]
    return hit


# A `t` attribute's value by its first two bytes → its length.
_TYPE_LENGTHS = {(ord("s"), _QUOTE): 1, (ord("n"), _QUOTE): 1, (ord("b"), _QUOTE): 1, (_I, ord("n")): 9}


def read_sheet(xml: bytes, table: ValueTable, n_strings: int, is_date_style: np.ndarray, unsure_style: np.ndarray,
               check_size=None) -> tuple[CellGrid, list]:
    """(cells, merged ranges) of one worksheet part; `table` starts with '' and the `n_strings` shared
    strings, and gets the sheet's other values added. Raises `Unsupported` for what is left to calamine;
    `check_size(rows, columns)` is called before the grid is made and may raise to refuse it.

    Cells are expected as every common writer writes them: `<c r="B7" s="3" t="s">`, the reference
    first, then the style and type when present, nothing else."""
    start = xml.find(b"<sheetData>")
    if start < 0:
        if b"<sheetData/>" in xml:
            return _EMPTY_GRID, _merges(xml)
        raise Unsupported("no plain <sheetData>")
    end = xml.rfind(b"</sheetData>", start)                 # near the end of the part: found at once
    if end < 0:
        raise Unsupported("unterminated sheetData")
    merges = _merges(xml[end:])
    a = np.frombuffer(xml, dtype=np.uint8)
    if len(a) - end < len(_PAD):
        a = np.concatenate([a, _PAD])                        # windows never run past the buffer
    a, end = a[start:], end - start                          # positions from <sheetData>
    lt = np.flatnonzero(a[:end] == _LT)
    if not len(lt):
        return _EMPTY_GRID, merges
    after1, after2 = a[1:][lt], a[2:][lt]

    def is_cell(at: np.ndarray) -> np.ndarray:             # `<c ` (or `<c>`, `<c/>`) at these '<'
        first, second = after1[at], after2[at]
        return (first == _C) & ((second == _SPACE) | (second == _GT) | (second == _SLASH))

    owner_at = None

    def owners(at: np.ndarray) -> np.ndarray:
        """The '<' of the cell that holds each of these tags: as every common writer writes it, the
        tag right after the cell's own; else the cell opened last before it."""
        nonlocal owner_at
        if len(at) and at[0] > 0 and is_cell(at - 1).all():
            return at - 1
        if owner_at is None:
            cell_at = np.flatnonzero(is_cell(np.arange(len(lt))))
            owner_at = np.full(len(lt), -1)
            owner_at[cell_at] = cell_at
            owner_at = np.maximum.accumulate(owner_at)
        found = owner_at[at]
        if len(found) and ((found < 0).any() or (np.diff(found) == 0).any()):
            raise Unsupported("a value outside a cell, or two in one")
        return found

    # Values: <v>…</v>, held by the cell opened last before them, ending at the next '<'.
    v_at = np.flatnonzero((after1 == _V) & (after2 == _GT))
    if len(v_at) and v_at[-1] + 1 >= len(lt):
        raise Unsupported("unterminated value")
    v_open = lt[v_at] + 3
    v_owner = owners(v_at)
    v_len = lt[v_at + 1] - v_open
    keep = v_len > 0                                         # <v></v>: an empty cell
    if not keep.all():
        v_open, v_owner, v_len = v_open[keep], v_owner[keep], v_len[keep]
    if len(v_len) and v_len.max() > 32:
        raise Unsupported("long value")
    inline_owner, inline_texts = _inline_strings(xml, start, a, lt, after1, after2, owners)
    unread = _formulas_without_result(a, lt, after1, after2, owners, np.concatenate([v_owner, inline_owner]),
                                      is_date_style)

    # Only the cells holding a value are looked at further (Excel writes styled empty cells too):
    # first those holding a <v>, then those holding an inline string.
    rows, cols, style, kind = _cell_attributes(a, lt[np.concatenate([v_owner, inline_owner])], is_date_style)
    n_v = len(v_owner)
    if (kind[n_v:] != _I).any():
        raise Unsupported("inline string")

    v_kind = kind[:n_v]
    # Each value as its code in the workbook's table of values: '' (0), the shared strings (1…), then
    # the booleans, numbers, dates and inline strings, each added once, when a sheet first has it.
    codes = np.empty(len(v_open), dtype=np.int64)
    is_shared = v_kind == _S
    if is_shared.any():
        index, ok = _known_digits(a, v_open[is_shared], v_len[is_shared])
        if not ok.all() or index.max() >= n_strings:
            raise Unsupported("shared string index")
        codes[is_shared] = index + 1
    boolean = v_kind == ord("b")
    if boolean.any():
        flag = a[v_open[boolean]] - 48
        if (flag > 1).any() or (v_len[boolean] != 1).any():
            raise Unsupported("boolean")
        codes[boolean] = table.codes_by_key("bool", np.array([0, 1]), _booleans)[flag]
    number = v_kind == ord("n")
    if number.any():
        codes[number] = _number_codes(a, v_open[number], v_len[number], style[:n_v][number], is_date_style,
                                      unsure_style, table)
    if (v_kind == _I).any():
        raise Unsupported("inline string cell with a <v>")
    codes = np.concatenate([codes, table.codes_of(inline_texts)])

    # Where the values land: the grid spans A1 to the last cell holding a value, as calamine's does.
    if not len(codes):
        return CellGrid(_EMPTY_GRID.codes, _EMPTY_GRID.table, unread), merges
    height, width = int(rows.max()) + 1, int(cols.max()) + 1
    if check_size is not None:
        check_size(height, width)
    grid = np.zeros(height * width, dtype=np.int32)
    grid[rows * width + cols] = codes
    return CellGrid(grid.reshape(height, width), table, unread), merges


def _formulas_without_result(a: np.ndarray, lt: np.ndarray, after1: np.ndarray, after2: np.ndarray, owners,
                             holding: np.ndarray, is_date_style: np.ndarray) -> list[tuple[int, int]]:
    """(row, column), 0-based, of the cells with a formula but no saved result (as openpyxl and some
    generators write them): calamine reads them as empty, and so does this reader — the caller says so."""
    f_at = np.flatnonzero((after1 == _F) & ((after2 == _GT) | (after2 == _SPACE) | (after2 == _SLASH)))
    if not len(f_at):
        return []
    empty = np.setdiff1d(owners(f_at), holding)
    if not len(empty):
        return []
    rows, cols, _style, _kind = _cell_attributes(a, lt[empty], is_date_style, self_closing=True)
    return list(zip(rows.tolist(), cols.tolist()))


def _cell_attributes(a: np.ndarray, cell_open: np.ndarray, is_date_style: np.ndarray,
                     self_closing: bool = False) -> tuple[np.ndarray, ...]:
    """(0-based row, 0-based column, style, type) of the cells opened at `cell_open`, each written
    `<c r="REF"`, then optionally ` s="N"`, then optionally ` t="…"`, then `>` (a cell holding
    something; `self_closing`: `/>` allowed too)."""
    n = len(cell_open)
    if not _has(a, cell_open + 2, b' r="').all():
        raise Unsupported("a cell not starting with its reference")
    rows, cols, ref_len = _cell_refs(a, cell_open + 6)
    at = cell_open + 7 + ref_len                             # just after the reference's closing quote
    style = np.zeros(n, dtype=np.int64)
    has_s = _has(a, at, b' s="')
    if has_s.any():
        value, length = _digits(a, at[has_s] + 4, 6)
        if (length == 0).any() or (a[at[has_s] + 4 + length] != _QUOTE).any():
            raise Unsupported("style index")
        style[has_s] = value
        at[has_s] += 5 + length
    if n and style.max() >= len(is_date_style):
        raise Unsupported("style index beyond the style sheet")
    kind = np.full(n, ord("n"), dtype=np.uint8)             # n: number, s: shared string, b: boolean, i: inline
    has_t = _has(a, at, b' t="')
    if has_t.any():
        first, second = a[at[has_t] + 4], a[at[has_t] + 5]
        length = np.zeros(len(first), dtype=np.int64)
        for (b1, b2), size in _TYPE_LENGTHS.items():
            length[(first == b1) & (second == b2)] = size
        if (length == 0).any() or (a[at[has_t] + 4 + length] != _QUOTE).any():
            raise Unsupported("cell type")                   # str (a formula's text), e (an error), d
        kind[has_t] = first
        at[has_t] += 5 + length
    if ((a[at] != _GT) & ~(self_closing & (a[at] == _SLASH))).any():
        raise Unsupported("other attributes in a cell, or a value in a self-closing one")
    return rows, cols, style, kind


def _number_codes(a: np.ndarray, starts: np.ndarray, lengths: np.ndarray, styles: np.ndarray,
                  is_date_style: np.ndarray, unsure_style: np.ndarray, table: ValueTable) -> np.ndarray:
    """The codes of number cells, whose values are a `float`, or a `datetime.date` in a plain date format."""
    short = lengths <= 6                                     # counts, and dates as day numbers
    whole, ok = _known_digits(a, starts, np.where(short, lengths, 0))
    numbers = whole.astype(np.float64)
    other = ~(ok & short)                                    # not a plain integer: 12.5, -3, 1E-3
    if other.any():
        win = _window(a, starts[other], 32)                  # a copy: the bytes past the value are zeroed
        win[np.arange(32)[None, :] >= lengths[other][:, None]] = 0
        try:
            numbers[other] = win.view("S32").ravel().astype(np.float64)
        except ValueError:
            raise Unsupported("number") from None
    if unsure_style[styles].any():
        raise Unsupported("number format left to calamine")
    codes = np.empty(len(numbers), dtype=np.int64)
    dated = is_date_style[styles]
    plain = ~dated
    if plain.any():
        distinct, inverse = np.unique(numbers[plain], return_inverse=True)
        codes[plain] = table.codes_by_key("number", distinct, np.ndarray.tolist)[inverse]
    if dated.any():
        serial = numbers[dated]
        if (serial != np.floor(serial)).any() or (serial < 61).any() or (serial > _MAX_SERIAL).any():
            raise Unsupported("date with a time, or out of range")
        distinct, inverse = np.unique(serial.astype(np.int64), return_inverse=True)
        codes[dated] = table.codes_by_key("date", distinct, _dates)[inverse]
    return codes


def _dates(serials: np.ndarray) -> list[date]:
    return [_EPOCH_1900 + timedelta(days=d) for d in serials.tolist()]


def _booleans(flags: np.ndarray) -> list[bool]:
    return [bool(f) for f in flags.tolist()]


def _inline_strings(xml: bytes, offset: int, a: np.ndarray, lt: np.ndarray, after1: np.ndarray, after2: np.ndarray,
                    owners) -> tuple[np.ndarray, list[str]]:
    """(owner cells, texts) of the inline strings (text inside the cell: `<is><t>…</t></is>`, as
    openpyxl and some exporters write); one Python step per such cell. `a` is `xml` from `offset`."""
    is_inline = (after1 == _I) & (after2 == _S)
    if not is_inline.any():
        return np.empty(0, dtype=np.int64), []             # (an inline cell without <is> is empty)
    is_inline[is_inline] = a[lt[is_inline] + 3] == _GT
    is_open = lt[is_inline] + 4
    owner = owners(np.flatnonzero(is_inline))
    closing = lt[(after1 == _SLASH) & (after2 == _I)]
    is_close = closing[(a[closing + 3] == _S) & (a[closing + 4] == _GT)]
    if len(is_close) != len(is_open):
        raise Unsupported("inline string")
    texts = []
    for p0, p1 in zip((is_open + offset).tolist(), (is_close + offset).tolist()):
        body = xml[p0:p1]
        if b"\r" in body:
            raise Unsupported("a carriage return")
        texts.append(_unescape(_text_runs(body)))
    return owner, texts


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _merges(tail: bytes) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    return [((int(r0) - 1, _col(c0)), (int(r1) - 1, _col(c1))) for c0, r0, c1, r1 in _MERGE.findall(tail)]


class FastWorkbook:
    """The parts of an .xlsx the fast reader needs, opened once: shared strings and date styles."""

    def __init__(self, zf: zipfile.ZipFile):
        names = set(zf.namelist())
        workbook_xml = zf.read("xl/workbook.xml")
        if b'date1904="1"' in workbook_xml or b"date1904=\"true\"" in workbook_xml:
            raise Unsupported("1904 dates")
        self.zf = zf
        strings = shared_strings(zf.read("xl/sharedStrings.xml") if "xl/sharedStrings.xml" in names else None)
        self.n_strings = len(strings)
        # Code 0: an empty cell; then the shared strings; room for the numbers and dates of the sheets.
        self.table = ValueTable(np.concatenate([object_array([""]), strings]), room=len(strings) // 4 + 4096)
        self.is_date_style, self.unsure_style = date_styles(zf.read("xl/styles.xml") if "xl/styles.xml" in names
                                                            else None)

    def sheet(self, part: str, check_size=None, xml: bytes | None = None) -> tuple[CellGrid, list]:
        """One worksheet part (its bytes `xml`, when already unzipped)."""
        return read_sheet(self.zf.read(part) if xml is None else xml, self.table, self.n_strings,
                          self.is_date_style, self.unsure_style, check_size)
