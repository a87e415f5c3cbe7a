"""A tab's cells as codes into a table of distinct values: the form the institution-tab parser works
on, with numpy over whole columns instead of a Python step per cell.

`CellGrid.codes[r, c]` is the code of the value of cell (r, c), 0-based from A1, in the grid's
`ValueTable`; code 0 is '' (an empty cell). All the tabs of one workbook share one table, whatever the
source (`CellGrid.from_rows(rows, table)`), so whatever is worked out per value (is it blank, does it
look like a column title, what does it parse to) is worked out once per workbook, and looked up per
cell as a whole array. Values that are equal but of different types (1, 1.0 and True; a date and a
datetime) get codes of their own, as the parsers tell them apart.
"""
from __future__ import annotations

from itertools import chain

import numpy as np

from lib.validate.values import blank_flags

EMPTY = 0               # the code of an empty cell
_NUMBERS = {int, float, bool}      # equal across these types (1 == 1.0 == True), told apart by the parsers


def object_array(items: list) -> np.ndarray:
    """A 1-D object array of `items` (never a nested array, whatever the items are)."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


class ValueTable:
    """Distinct values by code. Grows as values are added; a code never changes. `values` is the
    current array of them.

    Arrays worked out per value (`per_value`, `lookup`) are kept with room to grow, like the values:
    a table grown by one tab's new values costs that tab's values, not the whole table again."""

    def __init__(self) -> None:
        self.size = 1
        self._buffer = np.empty(1, dtype=object)
        self._buffer[EMPTY] = ""
        self.values = self._buffer[:1]                  # values[EMPTY] == ''
        self._added: dict[tuple, int] = {(str, ""): EMPTY}   # (type, value) → code
        self._derived: dict[object, tuple[np.ndarray, int]] = {}    # key → (results, how many worked out)
        self._lazy: dict[object, tuple[np.ndarray, np.ndarray]] = {}  # key → (results, worked out?)

    def codes_of(self, values: list) -> list[int]:
        """The code of each value, keyed by type and value, adding the values not in the table yet."""
        added, codes, new = self._added, [], []
        for value in values:
            key = (type(value), value)
            code = added.get(key)
            if code is None:
                code = added[key] = self.size + len(new)
                new.append(value)
            codes.append(code)
        self._append(new)
        return codes

    def _append(self, new: list) -> None:
        if not new:
            return
        end = self.size + len(new)
        if end > len(self._buffer):
            self._buffer = _grown(self._buffer, self.size, end)
        self._buffer[self.size:end] = object_array(new)
        self.size = end
        self.values = self._buffer[:end]

    def distinct(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the distinct codes among `codes`, ascending; for each code, its index among them): what
        `np.unique(codes, return_inverse=True)` gives, by marking codes in a table instead of sorting."""
        seen = np.zeros(self.size, dtype=bool)
        seen[codes] = True
        distinct = np.flatnonzero(seen)
        index = np.empty(self.size, dtype=np.intp)
        index[distinct] = np.arange(len(distinct))
        return distinct, index[codes]

    def per_value(self, key, compute) -> np.ndarray:
        """`compute(values)` — a list of values → an array of one result for each — for every value of
        the table, indexed by code; worked out once per value, when first asked for."""
        results, done = self._derived.get(key, (None, 0))
        if done < self.size:
            more = compute(self.values[done:].tolist())
            if results is None or len(results) < self.size:
                results = _grown(more if results is None else results, done, len(self._buffer), more.dtype)
            results[done:self.size] = more
            self._derived[key] = results, self.size
        return results[:self.size]

    def lookup(self, key, codes: np.ndarray, compute) -> np.ndarray:
        """`compute(values)` — a list of values → a list of one result for each — for the values of
        `codes` (distinct codes), as an object array; worked out once per value, when first asked for."""
        results, done = self._lazy.get(key, (None, None))
        if results is None or len(results) < self.size:
            results = np.empty(len(self._buffer), dtype=object) if results is None else \
                _grown(results, len(results), len(self._buffer))
            done = np.zeros(len(self._buffer), dtype=bool) if done is None else \
                _grown(done, len(done), len(self._buffer), bool)
            self._lazy[key] = results, done
        todo = codes[~done[codes]]
        if len(todo):
            results[todo] = object_array(compute(self.values[todo].tolist()))
            done[todo] = True
        return results[codes]


def _grown(array: np.ndarray, used: int, needed: int, dtype=object) -> np.ndarray:
    """A copy of `array[:used]` in a new array of at least `needed` (twice as long as before, at
    least); the rest is None or zero (False)."""
    size = max(needed, 2 * len(array))
    out = np.empty(size, dtype=object) if np.dtype(dtype) == object else np.zeros(size, dtype=dtype)
    out[:used] = array[:used]
    return out


class CellGrid:
    __slots__ = ("codes", "table", "unread")

    def __init__(self, codes: np.ndarray, table: ValueTable, unread: list[tuple[int, int]] | None = None):
        self.codes = codes                  # (height, width) integer codes
        self.table = table
        # (row, column) of cells whose value could not be read: a formula saved without its result
        self.unread = unread or []

    @property
    def values(self) -> np.ndarray:
        """The values by code (the table's: it may have grown since, codes never change)."""
        return self.table.values

    @property
    def height(self) -> int:
        return self.codes.shape[0]

    @property
    def width(self) -> int:
        return self.codes.shape[1]

    @classmethod
    def from_rows(cls, rows: list[list], table: ValueTable) -> CellGrid:
        """The grid of rows of any lengths (a short row is padded with empty cells), its values coded
        in `table` (new ones added). A Python step per distinct value; per cell only C-level maps."""
        width = max(map(len, rows), default=0)
        if not width:
            return cls(np.zeros((len(rows), 0), dtype=np.int32), table)
        flat = list(chain.from_iterable(row if len(row) == width else [*row, *[""] * (width - len(row))]
                                        for row in rows))
        index = dict.fromkeys(flat)
        if len(set(map(type, index)) & _NUMBERS) > 1:            # 1 next to 1.0 or True: key by type too
            flat = list(zip(map(type, flat), flat))
            index = dict.fromkeys(flat)
            distinct = [key[1] for key in index]
        else:
            distinct = list(index)
        for key, code in zip(list(index), table.codes_of(distinct)):
            index[key] = code
        codes = np.fromiter(map(index.__getitem__, flat), dtype=np.int32, count=len(flat))
        return cls(codes.reshape(len(rows), width), table)

    def rows(self) -> list[list]:
        """Every row as a list of values ('' for an empty cell), all of the grid's width."""
        return self.values[self.codes].tolist()

    def row(self, r: int) -> list:
        return self.values[self.codes[r]].tolist()

    @property
    def blank(self) -> np.ndarray:
        """Per code: its value is blank (`lib.validate.values.is_blank`)."""
        return self.table.per_value("blank", blank_flags)

    def filled(self, first: int = 0, stop: int | None = None) -> np.ndarray:
        """Per row from `first` to `stop`: its number of non-blank cells."""
        return (~self.blank[self.codes[first:stop]]).sum(axis=1)

    def is_blank(self) -> bool:
        return not self.codes.size or bool(self.blank[self.codes].all())

    def with_codes(self, codes: np.ndarray) -> CellGrid:
        """The same values with other codes (e.g. merged cells copied down)."""
        return CellGrid(codes, self.table, self.unread)

