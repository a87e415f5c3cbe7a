"""`lib.validate.cellgrid`: the grid of value codes the parser works on, and the workbook's table of values."""
from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np

from lib.validate.cellgrid import EMPTY, CellGrid, ValueTable, object_array
from lib.validate.values import is_blank


def test_rows_of_any_length_round_trip_and_equal_values_of_other_types_keep_their_own_codes():
    nan = float("nan")
    rows = [["a", 1, 1.0, True], [date(2026, 1, 2), datetime(2026, 1, 2)], [], [None, "", " ", nan]]
    grid = CellGrid.from_rows(rows, ValueTable())
    assert grid.rows() == [["a", 1, 1.0, True], [date(2026, 1, 2), datetime(2026, 1, 2), "", ""],
                           ["", "", "", ""], [None, "", " ", grid.values[grid.codes[3, 3]]]]
    assert math.isnan(grid.rows()[3][3])
    first = grid.codes[0].tolist()
    assert len(set(first)) == 4                                       # 1, 1.0 and True stay apart
    assert [type(v) for v in grid.row(0)] == [str, int, float, bool]
    assert grid.codes[1, 0] != grid.codes[1, 1]                       # a date and a datetime too
    assert grid.codes[2].tolist() == [EMPTY] * 4
    assert grid.filled().tolist() == [4, 2, 0, 0]                     # None, '', ' ' and NaN are blank
    odd = [None, "", " ", "\u00a0\t", "x", 0, 0.0, nan, False, date(2026, 1, 1), "\x00"]
    odd_grid = CellGrid.from_rows([odd], ValueTable())
    assert odd_grid.blank[odd_grid.codes[0]].tolist() == [is_blank(v) for v in odd]
    assert not grid.is_blank() and CellGrid.from_rows([[None, " "], []], ValueTable()).is_blank()


def test_a_table_grows_without_changing_codes_and_works_each_value_out_once():
    table = ValueTable()
    assert table.codes_of(["", "x", "  "]) == [EMPTY, 1, 2]
    early = table.values
    codes = table.codes_of([2.5, True, 2.5, "y", 1, 1.0])
    assert codes == [3, 4, 3, 5, 6, 7] and table.values.tolist() == ["", "x", "  ", 2.5, True, "y", 1, 1.0]
    assert early.tolist() == ["", "x", "  "]                          # a grid's array of its time is intact
    table.codes_of(["d5"])

    calls = []

    def blank(values):
        calls.append(len(values))
        return np.array([isinstance(v, str) and not v.strip() for v in values])
    assert table.per_value("blank", blank).tolist() == [True, False, True, False, False, False, False, False, False]
    table.codes_of(["  z  "])
    assert table.per_value("blank", blank)[-1] == False and calls == [9, 1]   # only the new value  # noqa: E712

    seen = []

    def upper(values):
        seen.extend(values)
        return [str(v).upper() for v in values]
    assert table.lookup("upper", np.array([1, 5]), upper).tolist() == ["X", "Y"]
    assert table.lookup("upper", np.array([1, 9]), upper).tolist() == ["X", "  Z  "] and seen == ["x", "y", "  z  "]
    distinct, inverse = table.distinct(np.array([5, 1, 5, 9]))
    assert distinct.tolist() == [1, 5, 9] and inverse.tolist() == [1, 0, 1, 2]


def test_the_grids_of_one_workbook_share_one_table_of_values():
    table = ValueTable()
    first = CellGrid.from_rows([["Семинар", 12.0], ["", True]], table)
    second = CellGrid.from_rows([[12.0, "Семинар", 1.0]], table)
    assert second.codes[0, 0] == first.codes[0, 1] and second.codes[0, 1] == first.codes[0, 0]
    assert second.codes[0, 2] != first.codes[1, 1]               # 1.0 and True keep their own codes
    assert first.rows() == [["Семинар", 12.0], ["", True]] and second.rows() == [[12.0, "Семинар", 1.0]]
