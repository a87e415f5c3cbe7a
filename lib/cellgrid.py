"""A tab's cells as codes into the table of its distinct values: the form the institution-tab parser
works on, with numpy over whole columns instead of a Python step per cell.

`CellGrid.codes[r, c]` is the index in `CellGrid.values` of the value of cell (r, c), 0-based from
A1; `values[0]` is '' (an empty cell). The fast .xlsx reader (`lib.xlsx_grid`) builds a grid straight
from the worksheet XML, without a Python object per cell; rows from any other source (Google Sheets,
calamine, a snapshot) become one with `CellGrid.from_rows`. Values that are equal but of different
types (1, 1.0 and True; a date and a datetime) get codes of their own, as the parsers tell them apart.
"""
from __future__ import annotations

from itertools import chain, compress, repeat
from operator import not_, or_

import numpy as np

EMPTY = 0               # the code of an empty cell


def object_array(items: list) -> np.ndarray:
    """A 1-D object array of `items` (never a nested array, whatever the items are)."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


class CellGrid:
    __slots__ = ("codes", "values", "shared", "base_size", "_derived")

    def __init__(self, codes: np.ndarray, values: np.ndarray, shared: dict | None = None, base_size: int = 0):
        self.codes = codes                  # (height, width) integer codes
        self.values = values                # object array, values[EMPTY] == ''
        # The first `base_size` values are a table the grids of one workbook share (its shared strings);
        # `shared` holds what has been worked out from that table once for all of them (see `per_value`).
        self.shared = shared
        self.base_size = base_size if shared is not None else 0
        self._derived: dict[str, np.ndarray] = {}

    @property
    def height(self) -> int:
        return self.codes.shape[0]

    @property
    def width(self) -> int:
        return self.codes.shape[1]

    @classmethod
    def from_rows(cls, rows: list[list]) -> CellGrid:
        """The grid of rows of any lengths (a short row is padded with empty cells)."""
        width = max(map(len, rows), default=0)
        if not width:
            return cls(np.zeros((len(rows), 0), dtype=np.int32), object_array([""]))
        flat = list(chain.from_iterable(row if len(row) == width else [*row, *[""] * (width - len(row))]
                                        for row in rows))
        index = dict.fromkeys(chain(("",), flat))
        if len(set(map(type, index)) - {str, type(None)}) > 1:     # 1 next to 1.0 or True: key by type too
            flat = list(zip(map(type, flat), flat))
            index = dict.fromkeys(chain(((str, ""),), flat))
            table = [key[1] for key in index]
        else:
            table = list(index)
        for code, key in enumerate(index):
            index[key] = code
        codes = np.fromiter(map(index.__getitem__, flat), dtype=np.int32, count=len(flat))
        return cls(codes.reshape(len(rows), width), object_array(table))

    def rows(self) -> list[list]:
        """Every row as a list of values ('' for an empty cell), all of the grid's width."""
        return self.values[self.codes].tolist()

    def row(self, r: int) -> list:
        return self.values[self.codes[r]].tolist()

    def distinct(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the distinct codes among `codes`, ascending; for each code, its index among them): what
        `np.unique(codes, return_inverse=True)` gives, by marking codes in a table instead of sorting."""
        seen = np.zeros(len(self.values), dtype=bool)
        seen[codes] = True
        distinct = np.flatnonzero(seen)
        index = np.empty(len(self.values), dtype=np.intp)
        index[distinct] = np.arange(len(distinct))
        return distinct, index[codes]

    def per_value(self, key: str, compute) -> np.ndarray:
        """`compute(values)` — a list of values → an array of one result for each — indexed by code.
        The part for the shared table is computed once per workbook (`per_shared_value`)."""
        found = self._derived.get(key)
        if found is None:
            if self.shared is None:
                found = compute(self.values.tolist())
            else:
                found = np.concatenate([self.per_shared_value(key, compute),
                                        compute(self.values[self.base_size:].tolist())])
            self._derived[key] = found
        return found

    def per_shared_value(self, key: str, compute) -> np.ndarray:
        """`compute(values)` for the values of the shared table (codes below `base_size`), kept in
        `shared[key]` for every grid of the workbook."""
        if self.shared is None:
            return compute([])
        found = self.shared.get(key)
        if found is None:
            found = self.shared[key] = compute(self.values[:self.base_size].tolist())
        return found

    @property
    def blank(self) -> np.ndarray:
        """Per code: the value counts as empty ('', None, only whitespace, NaN)."""
        return self.per_value("blank", _blank_values)

    def filled(self, first: int = 0, stop: int | None = None) -> np.ndarray:
        """Per row from `first` to `stop`: its number of non-blank cells."""
        return (~self.blank[self.codes[first:stop]]).sum(axis=1)

    def is_blank(self) -> bool:
        return not self.codes.size or bool(self.blank[self.codes].all())

    def with_codes(self, codes: np.ndarray) -> CellGrid:
        """The same values with other codes (e.g. merged cells copied down)."""
        grid = CellGrid(codes, self.values, self.shared, self.base_size)
        grid._derived = self._derived
        return grid


def _blank_values(values: list) -> np.ndarray:
    """Per value: '', None, only whitespace, NaN."""
    is_text = list(map(isinstance, values, repeat(str)))
    blank = np.zeros(len(values), dtype=bool)
    at = np.flatnonzero(is_text)
    texts = list(compress(values, is_text))
    blank[at] = list(map(or_, map(not_, texts), map(str.isspace, texts)))
    if len(texts) < len(values):                                # numbers, dates, None, NaN
        other = np.flatnonzero(~np.array(is_text, dtype=bool))
        blank[other] = [v is None or v != v for v in compress(values, map(not_, is_text))]
    return blank
