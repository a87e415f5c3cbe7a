"""Nothing is lost, proven with generated workbooks (hypothesis).

Institution tabs are generated with random mixtures of valid and invalid cells (dates in every
accepted text form and broken ones, activity types with synonyms and junk, counts with units and
junk, plan references), the Мероприятия and Мониторинг blocks at random positions and in either
order, title rows, blank rows, header synonyms, extra and reordered columns. Each workbook is written
to a real .xlsx with openpyxl and read back through `lib.loader`. Every generated cell carries the
value it must load as (the oracle), independent of the parser. Checked:

* loading never raises, and no tab is given up on;
* rows_total = rows_loaded + rows_rejected, and both match the generated rows;
* every generated non-empty data row is either loaded with every value equal to what was written
  (after the documented normalisation) or rejected with an error issue at exactly the offending
  column's cell address (a totals row: a warning at the row); a loaded row has no error issue;
* no row is loaded that was not generated as a valid row;
* monitoring figures: every non-empty quarter cell either loads as its value (same cell address) or
  has an error at that cell.

Documented normalisation, from DESIGN.md §3 and lib/validate/parsing.py: blank and whitespace-only cells are
empty; a row whose only cell is a title (Мероприятия…, Мониторинг…, Раздел…) in the block's first
column or left of it is a block title, not data — unless it names an activity type in the «Вид
мероприятия» column; «Итого/Всего» in the first two columns marks a totals row (not counted,
warning); a reference to a plan item the plan does not have loads as no item (warning); text is
stripped with inner spaces folded; a number in a percent indicator's cell up to 1 is a fraction.

CI runs a fixed, derandomised set of examples (`OMP_HYPOTHESIS_EXAMPLES`, default 60);
`OMP_HYPOTHESIS_EXAMPLES=2000 OMP_HYPOTHESIS_RANDOM=1` explores further (new examples each run).
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from hypothesis import HealthCheck, given, settings, strategies as st

from lib.model import contract as C
from lib.loader import load_workbook
from lib.model.workbook import ERROR, WARNING
from lib.validate.parsing import VOCAB_ACTIVITY, VOCAB_MONITORING
from lib.validate.values import cell_address
from tests.workbook_builder import DEFAULT_PLAN, DEFAULT_SETTINGS, PLAN_HEADER

EXAMPLES = int(os.environ.get("OMP_HYPOTHESIS_EXAMPLES", "60"))
DERANDOMIZE = not os.environ.get("OMP_HYPOTHESIS_RANDOM")      # CI: the same examples every run
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=DERANDOMIZE, database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
YEAR = DEFAULT_SETTINGS["Год"]
INSTITUTIONS = ["КЦСОН Альфа", "КЦСОН Бета района"]
TITLE_WORDS = ("мониторинг", "мероприяти", "раздел", "блок", "таблица", "отчет", "сведения")
TOTAL_WORDS = ("итого", "всего")

PLAN_ITEMS = {row[0] for row in DEFAULT_PLAN}
OK, ERR, WARN, BLANK = "ok", "error", "warning", "blank"


@dataclass
class Cell:
    """A generated cell: the value written and the oracle — the value it must load as, or an error."""
    value: Any
    expected: Any = None
    status: str = OK           # OK: loads as `expected`; ERR: an error issue at this cell; BLANK: empty


# --------------------------------------------------------------------------- cell strategies

MONTHS_GEN = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
              "октября", "ноября", "декабря"]
MONTHS_ABBR = ["янв", "фев", "мар", "апр", "мая", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"]

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 28)).map(
    lambda d: d if d.day <= 28 else d.replace(day=28))


@st.composite
def date_cells(draw) -> Cell:
    d = draw(days)
    kind = draw(st.sampled_from(["date", "datetime", "dmy", "dmy2", "d.m.y", "slash", "dash", "iso", "words",
                                 "words_g", "words_goda", "abbr", "upper", "noyear", "serial",
                                 "bad_day", "bad_month", "junk", "blank"]))
    pad = draw(st.sampled_from(["", " ", "  "]))
    if kind == "date":
        return Cell(d, d)
    if kind == "datetime":
        return Cell(datetime(d.year, d.month, d.day, draw(st.integers(0, 23)), draw(st.integers(0, 59))), d)
    if kind == "serial":
        return Cell((d - date(1899, 12, 30)).days, d)
    if kind == "noyear":
        return Cell(f"{d.day} {MONTHS_GEN[d.month - 1]}", date(YEAR, d.month, d.day))   # + a warning
    if kind in ("bad_day", "bad_month", "junk"):
        value = {"bad_day": f"31.02.{d.year}", "bad_month": f"15.13.{d.year}",
                 "junk": draw(st.sampled_from(["завтра", "15.03", "2026", "в марте", "32 марта 2026",
                                               "15 мартобря 2026", "??", "1й квартал"]))}[kind]
        return Cell(value, None, ERR)
    if kind == "blank":
        return Cell(draw(st.sampled_from([None, "   "])), None, BLANK)
    text = {"dmy": f"{d:%d.%m.%Y}", "dmy2": f"{d:%d.%m.%y}", "d.m.y": f"{d.day}.{d.month}.{d.year}",
            "slash": f"{d:%d/%m/%Y}", "dash": f"{d:%d-%m-%Y}", "iso": f"{d:%Y-%m-%d}",
            "words": f"{d.day} {MONTHS_GEN[d.month - 1]} {d.year}",
            "words_g": f"{d.day} {MONTHS_GEN[d.month - 1]} {d.year} г.",
            "words_goda": f"{d.day} {MONTHS_GEN[d.month - 1]} {d.year} года",
            "abbr": f"{d.day} {MONTHS_ABBR[d.month - 1]}. {d.year}",
            "upper": f"{d.day} {MONTHS_GEN[d.month - 1].upper()} {d.year}"}[kind]
    return Cell(pad + text + pad, d)


TYPE_SPELLINGS = [(s, t.name) for t in C.ACTIVITY_TYPES for s in (t.name, *t.synonyms)
                  if C.canonical_activity_type(s) == t.name]
TYPE_SPELLINGS += [("Семинары", "семинар"), ("Консультации", "консультация"), ("Семинар-практикум", "семинар"),
                   ("ВЕБИНАР", "семинар"), ("консультирование", "консультация"), ("Мастер-класс", "мастер-класс"),
                   ("Круглый  стол", "круглый стол")]
TYPE_JUNK = ["Прочее", "xyz", "???", "Разное", "Встреча", "нет данных", 5, 12.5]
assert all(C.canonical_activity_type(j) is None for j in TYPE_JUNK)


@st.composite
def type_cells(draw) -> Cell:
    kind = draw(st.sampled_from(["ok", "ok", "ok", "case", "junk", "blank"]))
    if kind == "junk":
        return Cell(draw(st.sampled_from(TYPE_JUNK)), None, ERR)
    if kind == "blank":
        return Cell(draw(st.sampled_from([None, " "])), None, BLANK)
    text, name = draw(st.sampled_from(TYPE_SPELLINGS))
    if kind == "case":
        text = draw(st.sampled_from([str.upper, str.lower, str.capitalize, lambda s: f"  {s} "]))(text)
    return Cell(text, name)


PLAN_REFS = [("2.4", "2.4"), ("2.4.", "2.4"), ("п. 2.2", "2.2"), ("пункт 1.3", "1.3"), ("№ 3.3", "3.3"),
             ("п.2.4", "2.4"), (" 1.10 ", "1.10"), ("9.9", "9.9"), (2.4, "2.4"), (1.3, "1.3"),
             ("2.2, 2.4", "2.2"), ("п. 2.2 и 2.4", "2.2"), ("abc", None), ("нет", None), (3, None), ("-", None)]


@st.composite
def plan_cells(draw) -> Cell:
    if draw(st.booleans()):
        return Cell(draw(st.sampled_from([None, ""])), None, BLANK)
    value, expected = draw(st.sampled_from(PLAN_REFS))
    return Cell(value, expected)           # a plan reference never rejects a row, at most warns


@st.composite
def count_cells(draw) -> Cell:
    n = draw(st.integers(0, 3000))
    kind = draw(st.sampled_from(["int", "int", "float", "text", "chel", "chelovek", "spaced", "nbsp", "more",
                                 "blank", "blank", "junk", "fraction", "negative", "negative_text", "a_date"]))
    if kind == "blank":
        return Cell(draw(st.sampled_from([None, "  "])), None, BLANK)
    if kind in ("junk", "fraction", "negative", "negative_text", "a_date"):
        value = {"junk": draw(st.sampled_from(["много", "около ста", "12 шт. примерно", "н/д", "x"])),
                 "fraction": draw(st.sampled_from([12.5, "12.5", "2,5"])), "negative": -n - 1,
                 "negative_text": f"-{n + 1}", "a_date": date(2026, 3, 15)}[kind]
        return Cell(value, None, ERR)
    value = {"int": n, "float": float(n), "text": str(n), "chel": f"{n} чел.", "chelovek": f"{n} человек",
             "spaced": f"{n:,}".replace(",", " "), "nbsp": f"{n:,}".replace(",", "\u00a0"),
             "more": f"более {n}"}[kind]
    return Cell(value, n)


TEXTS = ["Семинар для специалистов", "  лишние   пробелы  ", "https://vk.com/wall-123_45", "Тема «в кавычках»",
         "Мероприятия для детей", "Работа с семьями; итоги года", "Мониторинг качества", "a", 12, "Раздел 2",
         "Отчёт размещён на сайте", "Сопровождаемое проживание: 5 семей"]


def clean(value) -> str:
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() else str(value)
    return " ".join(str(value).split())


@st.composite
def text_cells(draw) -> Cell:
    if draw(st.booleans()):
        return Cell(draw(st.sampled_from([None, "", "  "])), "", BLANK)
    value = draw(st.sampled_from(TEXTS))
    return Cell(value, clean(value))


CELL_STRATEGY = {"date": date_cells(), "type": type_cells(), "plan_item": plan_cells(), "topic": text_cells(),
                 "participants": count_cells(), "specialists": count_cells(), "institutions_count": count_cells(),
                 "link": text_cells(), "note": text_cells()}
REQUIRED = ("date", "type")
COUNTS = ("participants", "specialists", "institutions_count")


# --------------------------------------------------------------------------- headers

def header_spellings(vocab, columns) -> dict[str, list[str]]:
    out = {}
    for key, col in columns.items():
        found = [s for s in (col.title, *col.synonyms) if vocab.key_of(s) == key]
        found += [s.upper() for s in found[:2]] + [f" {col.title}: "]
        out[key] = [s for s in found if vocab.key_of(s) == key]
    return out


ACTIVITY_HEADERS = header_spellings(VOCAB_ACTIVITY, C.ACTIVITY_COLUMNS)
ACTIVITY_HEADERS["participants"] += ["Кол-во участников", "Количество участников, чел."]
MONITORING_HEADERS = header_spellings(VOCAB_MONITORING, C.MONITORING_COLUMNS)
EXTRA_HEADERS = ["Ответственный", "Исполнитель", "Статус"]
assert all(VOCAB_ACTIVITY.key_of(h) is None for h in EXTRA_HEADERS)
assert all(VOCAB_ACTIVITY.key_of(h) == k for k, hs in ACTIVITY_HEADERS.items() for h in hs)

TITLES = ["Мероприятия", "Мониторинг показателей", "Раздел 2. Мероприятия ОМП", "Таблица 1", "Сведения за квартал",
          "Отчет КЦСОН", "Мероприятия II квартала"]

INDICATORS = C.DEFAULT_MONITORING_INDICATORS
INDICATOR_SPELLINGS = [(i.name, i) for i in INDICATORS] + [(s, i) for i in INDICATORS for s in i.synonyms] + \
    [(i.name.upper(), i) for i in INDICATORS[:3]]
UNKNOWN_INDICATORS = ["Новый показатель", "Охвачено  семей", "Прочие услуги"]


@st.composite
def monitoring_values(draw, percent: bool) -> Cell:
    kind = draw(st.sampled_from(["int", "float", "percent_text", "spaced", "comma", "unit", "fraction",
                                 "blank", "blank", "junk", "negative", "negative_text"]))
    n = draw(st.integers(0, 5000))
    if kind == "blank":
        return Cell(draw(st.sampled_from([None, " "])), None, BLANK)
    if kind == "junk":
        return Cell(draw(st.sampled_from(["н/д", "много", "нет", "12 человек примерно"])), None, ERR)
    if kind == "negative":
        return Cell(-n - 1, None, ERR)
    if kind == "negative_text":
        return Cell(f"-{n + 1}", None, ERR)
    if kind == "fraction":                  # a cell formatted as 88 % stores 0.88
        x = draw(st.sampled_from([0.25, 0.88, 1.0, 0.5]))
        return Cell(x, x * 100 if percent else x)
    value, expected = {"int": (n, float(n)), "float": (n + 0.5, n + 0.5), "percent_text": (f"{n}%", float(n)),
                       "spaced": (f"{n:,}".replace(",", " "), float(n)), "comma": (f"{n},5", n + 0.5),
                       "unit": (f"{n} чел.", float(n))}[kind]
    if percent and isinstance(value, (int, float)) and 0 < value <= 1:
        expected = value * 100.0
    return Cell(value, expected)


# --------------------------------------------------------------------------- tabs

@dataclass
class ActivityRow:
    row0: int
    cells: dict[str, Cell]


@dataclass
class TabPlan:
    name: str
    grid: dict[tuple[int, int], Any] = field(default_factory=dict)
    activity_cols: dict[str, int] = field(default_factory=dict)
    activity_rows: list[ActivityRow] = field(default_factory=list)
    monitoring: list[tuple[int, int, str, Cell, int]] = field(default_factory=list)  # row0, col0, indicator, cell, q
    monitoring_errors: list[tuple[int, int]] = field(default_factory=list)            # row0, col0 of errors
    height: int = 0
    in_activities: bool = False        # rows being added fall inside a Мероприятия block

    def put(self, r: int, c: int, value) -> None:
        if value is not None and value != "":
            self.grid[(r, c)] = value

    def title(self, r: int, title: str) -> None:
        """A title row at column A. Inside a Мероприятия block whose «Вид мероприятия» is column A,
        a title that names an activity type is data (rejected: no date), so the oracle records it."""
        self.put(r, 0, title)
        if self.in_activities and self.activity_cols.get("type") == 0:
            kind = C.canonical_activity_type(title)
            self.activity_rows.append(ActivityRow(r, {"type": Cell(title, kind, OK if kind else ERR),
                                                      "date": Cell(None, None, BLANK)}))


@st.composite
def activity_block(draw, tab: TabPlan, top: int) -> int:
    optional = [k for k in C.ACTIVITY_COLUMNS if k not in REQUIRED]
    keys = list(REQUIRED) + draw(st.lists(st.sampled_from(optional), min_size=1, max_size=len(optional), unique=True))
    columns = keys + draw(st.lists(st.sampled_from(EXTRA_HEADERS), max_size=2, unique=True))
    columns = draw(st.permutations(columns))
    offset = draw(st.integers(0, 2))
    r = top
    tab.activity_cols = {}
    tab.in_activities = True
    for c, key in enumerate(columns):
        tab.put(r, offset + c, draw(st.sampled_from(ACTIVITY_HEADERS[key])) if key in C.ACTIVITY_COLUMNS else key)
        if key in C.ACTIVITY_COLUMNS:
            tab.activity_cols[key] = offset + c
    r += 1
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["data"] * 6 + ["blank", "title", "total"]))
        if kind == "blank":
            r += 1
            continue
        if kind == "title":
            tab.title(r, draw(st.sampled_from(TITLES)))
            r += 1
            continue
        cells = {key: draw(CELL_STRATEGY[key]) for key in keys}
        if kind == "total":
            first = min(tab.activity_cols, key=tab.activity_cols.get)
            cells[first] = Cell(draw(st.sampled_from(["Итого", "ВСЕГО:", "Итого за квартал"])), None, WARN)
        for key, cell in cells.items():
            tab.put(r, tab.activity_cols[key], cell.value)
        for extra in columns:
            if extra not in C.ACTIVITY_COLUMNS and draw(st.booleans()):
                tab.put(r, offset + columns.index(extra), "доп. сведения")
        tab.activity_rows.append(ActivityRow(r, cells))
        r += 1
    return r


@st.composite
def monitoring_block(draw, tab: TabPlan, top: int) -> int:
    quarters = draw(st.lists(st.sampled_from(["q1", "q2", "q3", "q4"]), min_size=2, max_size=4, unique=True))
    columns = draw(st.permutations(["indicator", *quarters]))
    offset = draw(st.integers(0, 2))
    col = {key: offset + i for i, key in enumerate(columns)}
    tab.in_activities = False
    for key, c in col.items():
        tab.put(top, c, draw(st.sampled_from(MONITORING_HEADERS[key])))
    r = top + 1
    seen: set[str] = set()
    for _ in range(draw(st.integers(0, 9))):
        kind = draw(st.sampled_from(["known"] * 4 + ["unknown", "no_name", "blank", "title"]))
        if kind == "blank":
            r += 1
            continue
        if kind == "title":
            tab.title(r, draw(st.sampled_from(TITLES)))
            r += 1
            continue
        if kind == "known":
            spelled, ind = draw(st.sampled_from(INDICATOR_SPELLINGS))
            name, percent = ind.name, ind.is_percent
        elif kind == "unknown":
            spelled = draw(st.sampled_from(UNKNOWN_INDICATORS))
            name, percent = clean(spelled), False
        else:
            spelled, name, percent = None, None, False
        values = {q: draw(monitoring_values(percent)) for q in quarters}
        if spelled is None and all(v.status == BLANK for v in values.values()):
            continue
        tab.put(r, col["indicator"], spelled)
        for q, cell in values.items():
            tab.put(r, col[q], cell.value)
        if name is None or name in seen:                 # no indicator, or a repeated one: the row is an error
            tab.monitoring_errors.append((r, col["indicator"]))
        else:
            seen.add(name)
            for q, cell in values.items():
                tab.monitoring.append((r, col[q], name, cell, int(q[1])))
        r += 1
    return r


@st.composite
def institution_tab(draw, name: str) -> TabPlan:
    tab = TabPlan(name)
    r = 0
    for _ in range(draw(st.integers(0, 2))):
        tab.put(r, 0, draw(st.sampled_from(TITLES)))
        r += 1
    order = draw(st.sampled_from([("a", "m"), ("a", "m"), ("m", "a"), ("a",)]))
    for block in order:
        r += draw(st.integers(0, 2))
        if draw(st.booleans()):
            tab.title(r, draw(st.sampled_from(TITLES)))
            r += 1
        r = draw(activity_block(tab, r)) if block == "a" else draw(monitoring_block(tab, r))
    tab.height = r
    return tab


@st.composite
def workbooks(draw) -> list[TabPlan]:
    n = draw(st.integers(1, 2))
    names = INSTITUTIONS[:n]
    return [draw(institution_tab(name)) for name in names]


def write(tabs: list[TabPlan], path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Настройки"
    ws.append(["Параметр", "Значение"])
    for key, value in DEFAULT_SETTINGS.items():
        ws.append([key, value])
    ws = wb.create_sheet("Учреждения")
    ws.append(["Учреждение", "Район"])
    for tab in tabs:
        ws.append([tab.name, ""])
    ws = wb.create_sheet("План")
    ws.append(PLAN_HEADER)
    for row in DEFAULT_PLAN:
        ws.append(row)
    for tab in tabs:
        ws = wb.create_sheet(tab.name)
        for (r, c), value in tab.grid.items():
            ws.cell(r + 1, c + 1, value)
    wb.save(path)


# --------------------------------------------------------------------------- the oracle

def classify(tab: TabPlan, row: ActivityRow) -> str:
    """"skip" (blank or a block title), "total", "loaded" or "rejected" — from the grid as written."""
    cells = {c: v for (r, c), v in tab.grid.items() if r == row.row0 and not _blank(v)}
    if not cells:
        return "skip"
    if len(cells) == 1:
        (c, v), = cells.items()
        if isinstance(v, str) and C.norm(v).startswith(TITLE_WORDS) and c <= min(tab.activity_cols.values()) and \
                not (c == tab.activity_cols.get("type") and C.exact_activity_type(v)):
            return "skip"
    first_two = sorted(tab.activity_cols.values())[:2]
    if any(isinstance(cells.get(c), str) and C.norm(cells[c]).startswith(TOTAL_WORDS) for c in first_two):
        return "total"
    bad = [k for k, cell in row.cells.items() if cell.status == ERR or (k in REQUIRED and cell.status == BLANK)]
    return "rejected" if bad else "loaded"


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def check_activities(tab: TabPlan, wb) -> tuple[int, int]:
    acts = wb.activities[wb.activities["tab"] == tab.name]
    by_row = {int(r): rec for r, rec in zip(acts["row"], acts.to_dict("records"))}
    issues = wb.issues[wb.issues["tab"] == tab.name]
    errors = set(zip(issues.loc[issues["severity"] == ERROR, "cell"]))
    warnings = set(zip(issues.loc[issues["severity"] == WARNING, "cell"]))
    error_rows = set(issues.loc[issues["severity"] == ERROR, "row"].dropna().astype(int))
    total = loaded = 0
    expected_rows = set()
    for row in tab.activity_rows:
        kind = classify(tab, row)
        if kind == "skip":
            continue
        total += 1
        rownum = row.row0 + 1
        where = f"{tab.name}!{rownum}: {[(k, c.value) for k, c in row.cells.items()]}"
        if kind == "total":
            assert rownum not in by_row, where
            first = min(tab.activity_cols.values())
            assert (cell_address(row.row0, first),) in warnings, where
            continue
        if kind == "rejected":
            assert rownum not in by_row, "a rejected row was loaded: " + where
            for key, cell in row.cells.items():
                if cell.status == ERR or (key in REQUIRED and cell.status == BLANK):
                    address = cell_address(row.row0, tab.activity_cols[key])
                    assert (address,) in errors, f"no error at {address} ({key}) — {where}"
            continue
        loaded += 1
        expected_rows.add(rownum)
        assert rownum in by_row, "a valid row was not loaded: " + where
        assert rownum not in error_rows, "a loaded row has an error issue: " + where
        rec = by_row[rownum]
        assert rec["institution"] == tab.name
        for key, cell in row.cells.items():
            got = rec[key]
            if key == "date":
                assert got.date() == cell.expected, where
                assert (rec["year"], rec["quarter"]) == (cell.expected.year, (cell.expected.month - 1) // 3 + 1)
            elif key in COUNTS:
                assert (None if pd.isna(got) else int(got)) == cell.expected, f"{key}: {got!r} — {where}"
            elif key == "plan_item":       # a reference to an item the plan lacks: loaded without it
                expected = cell.expected if cell.expected in PLAN_ITEMS else None
                assert (None if got is None or got != got else got) == expected, f"plan {got!r} — {where}"
            elif key == "type":
                assert got == cell.expected and rec["type_raw"] == clean(cell.value), where
            else:
                assert got == (cell.expected or ""), f"{key}: {got!r} — {where}"
        for key in C.ACTIVITY_COLUMNS:
            if key not in row.cells and key not in ("date", "type"):
                assert rec[key] in ("", None) or pd.isna(rec[key]), f"{key} not in the tab but {rec[key]!r}"
    assert set(by_row) == expected_rows, "loaded rows that were not generated as valid rows"
    return total, loaded


def check_monitoring(tab: TabPlan, wb) -> None:
    mon = wb.monitoring[wb.monitoring["tab"] == tab.name]
    got = {(cell, q): (ind, v) for cell, q, ind, v in zip(mon["cell"], mon["quarter"], mon["indicator"], mon["value"])}
    issues = wb.issues[(wb.issues["tab"] == tab.name) & (wb.issues["severity"] == ERROR)]
    errors = set(issues["cell"])
    expected_cells = set()
    for r, c, name, cell, q in tab.monitoring:
        address = cell_address(r, c)
        expected_cells.add((address, q))
        assert (address, q) in got, f"monitoring {address} not loaded"
        ind, value = got[(address, q)]
        assert ind == name, (address, ind, name)
        if cell.status == ERR:
            assert address in errors and pd.isna(value), (address, cell.value, value)
        elif cell.status == BLANK:
            assert pd.isna(value), (address, value)
        else:
            assert value == cell.expected, (address, cell.value, value, cell.expected)
            assert address not in errors
    for r, c in tab.monitoring_errors:
        assert cell_address(r, c) in errors, f"no error for the indicator at {cell_address(r, c)}"
    assert set(got) == expected_cells, "monitoring values that were not generated"


@SETTINGS
@given(workbooks())
def test_nothing_is_lost(tabs):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "generated.xlsx"
        write(tabs, path)
        wb = load_workbook(path)                                  # never raises
    assert not any("не удалось разобрать" in m for m in wb.issues["message"])
    acc = wb.accounting
    assert acc.rows_total == acc.rows_loaded + acc.rows_rejected
    totals = [check_activities(tab, wb) for tab in tabs]
    assert acc.rows_total == sum(t for t, _ in totals)
    assert acc.rows_loaded == sum(n for _, n in totals) == len(wb.activities)
    for tab in tabs:
        if tab.monitoring or tab.monitoring_errors:
            check_monitoring(tab, wb)
    summary = wb.tab_summary.set_index("tab")
    for tab, (t, n) in zip(tabs, totals):
        assert (summary.loc[tab.name, "rows_total"], summary.loc[tab.name, "rows_loaded"]) == (t, n)


@settings(max_examples=max(EXAMPLES // 2, 10), deadline=None, derandomize=DERANDOMIZE, database=None)
@given(st.lists(st.one_of(date_cells(), type_cells(), count_cells(), plan_cells(), text_cells()), max_size=30))
def test_any_cell_values_in_the_activity_columns_never_crash(cells):
    """Cells in every column in any order: still no exception and the accounting holds."""
    header = ["Дата", "Вид мероприятия", "Пункт плана", "Участников", "Тема"]
    rows = [header] + [[c.value for c in cells[i:i + 5]] for i in range(0, len(cells), 5)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.xlsx"
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "КЦСОН"
        for r, row in enumerate(rows, 1):
            for c, v in enumerate(row, 1):
                if v is not None:
                    ws.cell(r, c, v)
        wb.save(path)
        loaded = load_workbook(path)
    acc = loaded.accounting
    assert acc.rows_total == acc.rows_loaded + acc.rows_rejected == len(loaded.activities) + acc.rows_rejected


def test_the_oracle_spellings_are_sane():
    """The oracle's own vocabularies: every header spelling maps to its column."""
    for key, spellings in MONITORING_HEADERS.items():
        assert spellings and all(VOCAB_MONITORING.key_of(s) == key for s in spellings)
    assert timedelta(days=1)  # keeps the import list honest for readers


# --------------------------------------------------------------------------- regressions hypothesis found

def _load_rows(tmp_path, rows: list[list]):
    from tests.workbook_builder import write_workbook
    return load_workbook(write_workbook(tmp_path / "r.xlsx", institutions={"КЦСОН": rows}))


def test_a_lone_activity_type_in_the_type_column_is_a_rejected_row_not_a_title(tmp_path):
    wb = _load_rows(tmp_path, [["Вид мероприятия", "Дата", "Участников"], ["Мониторинг"],
                               ["Мероприятие для получателей"], ["Мониторинг показателей"],
                               ["Показатель", "I квартал", "II квартал"]])
    errors = wb.issues[wb.issues["severity"] == ERROR]
    assert set(errors["cell"]) == {"B2", "B3"}                    # «Не указана дата» for both rows
    assert (wb.accounting.rows_total, wb.accounting.rows_rejected) == (2, 2)


def test_a_lone_title_like_text_in_a_data_column_is_a_rejected_row(tmp_path):
    wb = _load_rows(tmp_path, [["Дата", "Вид мероприятия", "Тема"], ["", "", "Мероприятия для детей"],
                               ["Мероприятия II квартала"]])
    errors = wb.issues[wb.issues["severity"] == ERROR]
    assert set(errors["cell"]) == {"A2", "B2"}
    assert wb.accounting.rows_total == 1                          # the title in column A is skipped


def test_a_whole_number_is_not_a_plan_item(tmp_path):
    from lib.validate.values import parse_plan_ref
    assert parse_plan_ref(3.0)[0] is None and "«3»" in parse_plan_ref(3.0)[1]
    wb = _load_rows(tmp_path, [["Дата", "Вид мероприятия", "Пункт плана"], ["15.03.2026", "Семинар", 3]])
    assert wb.activities["plan_item"].isna().all()
    assert not any("3.0" in m for m in wb.issues["message"])
