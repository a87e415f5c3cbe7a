"""Raw tabs → the typed `Workbook`, with every problem reported by tab, cell and a Russian message.

The rule: every non-empty row of a Мероприятия block is either loaded or rejected with an issue;
one broken tab never hides the others. Blocks are found by their header rows wherever they sit.
Institution tabs are read as `CellGrid`s (codes into one table of values per workbook): a value is
parsed once per workbook (see `lib.validate.values`), not once per cell; the rows of the Мероприятия blocks of
all tabs are checked together, column by column, by the row rules of `lib.validate.rules`, and only rows some
rule fires on take a row-by-row Python step — their issues keep each block's place in the log.
Every issue is raised by its rule's code (`lib.validate.rules`: its severity and message template).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import compress, repeat
from operator import is_not, itemgetter, not_, or_

import numpy as np
import pandas as pd

from lib.model import contract as C
from lib.validate import no_activities
from lib.validate import rules
from lib.validate.cellgrid import CellGrid, ValueTable, object_array
from lib.model.contract import Column, norm
from lib.model.headers import HeaderVocabulary
from lib.model.deadlines import parse_deadline
from lib.model.workbook import (ACTIVITY_COLUMNS, CRITERIA_COLUMNS, INSTITUTION_COLUMNS, ISSUE_COLUMNS, MONITORING_COLUMNS,
                       NO_ACTIVITY_COLUMNS, PLAN_COLUMNS, RowAccounting, Settings, Workbook, empty_frame)
from lib.validate.rules import FIRST_COLUMN, SECOND_COLUMN, Rule
from lib.sources.base import RawTab, SourceInfo
from lib.validate.values import (cell_address, clean_text, is_blank, normalise_plan_item, parse_count, parse_count_coded,
                        parse_date, parse_number, parse_plan_ref, shown)
TAB_SUMMARY_COLUMNS = ["tab", "institution", "rows_total", "rows_loaded", "rows_rejected",
                       "has_activities", "has_monitoring"]


class IssueLog:
    """Collects issues; `cell` is an A1 address ('' when the issue concerns a whole tab)."""

    def __init__(self) -> None:
        self.records: list[tuple | IssueLog] = []

    def add(self, code: str, tab: str, row0: int | None = None, col0: int | None = None, *,
            institution: str = "", **fields) -> None:
        """An issue of the rule `code`, its message from the rule's template and `fields` (and `tab`)."""
        found = rules.rule(code)
        self.add_message(found, tab, row0, col0, found.message(tab=tab, **fields), institution)

    def add_message(self, rule: Rule, tab: str, row0: int | None, col0: int | None, message: str,
                    institution: str = "") -> None:
        cell = cell_address(row0, col0) if row0 is not None and col0 is not None else ""
        self.records.append((rule.severity, tab, cell, message, institution, None if row0 is None else row0 + 1,
                             rule.code))

    def reserve(self) -> IssueLog:
        """A log for issues found later whose place is here, in the order of this one (the Мероприятия
        blocks of all tabs are checked together, after every tab has been looked at)."""
        later = IssueLog()
        self.records.append(later)
        return later

    def all_records(self) -> list[tuple]:
        out: list[tuple] = []
        for record in self.records:
            if isinstance(record, IssueLog):
                out += record.all_records()
            else:
                out.append(record)
        return out

    def frame(self) -> pd.DataFrame:
        records = self.all_records()
        if not records:
            return empty_frame(ISSUE_COLUMNS)
        return pd.DataFrame(records, columns=ISSUE_COLUMNS)


# --------------------------------------------------------------------------- headers


@dataclass
class Header:
    row0: int
    cols: dict[str, int]               # column key → 0-based column index
    extra: list[tuple[int, str]]       # columns with a title the contract does not know


VOCAB_ACTIVITY = HeaderVocabulary(C.ACTIVITY_COLUMNS)
VOCAB_MONITORING = HeaderVocabulary(C.MONITORING_COLUMNS)
VOCAB_PLAN = HeaderVocabulary(C.PLAN_COLUMNS)
VOCAB_INSTITUTIONS = HeaderVocabulary(C.INSTITUTION_COLUMNS)
VOCAB_CRITERIA = HeaderVocabulary(C.CRITERIA_COLUMNS)
VOCAB_INDICATORS = HeaderVocabulary(C.INDICATOR_COLUMNS)

_FIRST3_INSTITUTION_TAB = VOCAB_ACTIVITY.first3 | VOCAB_MONITORING.first3


_HEAD = itemgetter(slice(None, 6))


def _header_like(values: list) -> np.ndarray:
    """Per value: a text that starts like a column title of an institution tab (at most 79
    characters, not only whitespace). Each text's first 6 characters are looked at once."""
    is_text = list(map(isinstance, values, repeat(str)))
    where = list(compress(range(len(values)), is_text))
    texts = list(compress(values, is_text))
    heads = list(map(_HEAD, texts))
    known: dict[str, bool] = {}          # a text's first 6 characters → could start a header
    distinct_heads = set(heads)
    for head in distinct_heads:
        start = head[:3]
        key = start.lower().replace("ё", "е") if start.isalpha() else norm(head)   # (the same for letters)
        known[head] = key[:3] in _FIRST3_INSTITUTION_TAB
    hit_heads = {head for head in distinct_heads if known[head]}
    out = np.zeros(len(values), dtype=bool)
    for i in compress(range(len(texts)), map(hit_heads.__contains__, heads)):
        text = texts[i]
        out[where[i]] = len(text) < 80 and not text.isspace()
    return out


def _header_rows(grid: CellGrid) -> list[int]:
    """The rows of an institution tab that may be a header: three or more distinct texts in them
    start like a known column title (the rule either header must pass)."""
    in_row = grid.table.per_value("header_like", _header_like)[grid.codes]
    return [r for r in np.flatnonzero(in_row.sum(axis=1) >= 3).tolist()
            if len(set(grid.codes[r][in_row[r]].tolist())) >= 3]


def _is_activity_header(cols: dict[str, int]) -> bool:
    return "date" in cols and "type" in cols and len(cols) >= 3


def _is_monitoring_header(cols: dict[str, int]) -> bool:
    return "indicator" in cols and sum(f"q{q}" in cols for q in (1, 2, 3, 4)) >= 2


def _apply_vertical_merges(grid: CellGrid, tab: RawTab) -> CellGrid:
    """A date or type merged over several rows means it for each of them: copy it down (into the
    cells of the range left blank)."""
    merges = [m for m in tab.merges if m[1][0] > m[0][0]]
    merges = [((r0, c0), r1) for (r0, c0), (r1, _c1) in merges if r0 < grid.height and c0 < grid.width]
    if not merges:
        return grid
    codes = grid.codes.copy()            # the tab's own cells stay as read
    blank = grid.blank
    for (r0, c0), r1 in merges:
        below = codes[r0 + 1:r1 + 1, c0]
        below[blank[below]] = codes[r0, c0]
    return grid.with_codes(codes)


def _find_table(rows: list[list], vocab: HeaderVocabulary, required: tuple[str, ...], min_cols: int) -> Header | None:
    for r, row in enumerate(rows[:200]):
        if not vocab.could_be_header(row):
            continue
        cols, extra, _dup = vocab.match_row(row)
        if all(k in cols for k in required) and len(cols) >= min_cols:
            return Header(r, cols, extra)
    return None


def _table_records(rows: list[list], header: Header, stop: int | None = None):
    """(row0, {key: raw value}) for every non-blank row below a header."""
    end = len(rows) if stop is None else stop
    for r in range(header.row0 + 1, end):
        row = rows[r]
        if all(map(is_blank, row)):
            continue
        yield r, {k: (row[c] if c < len(row) else "") for k, c in header.cols.items()}


def _required_columns(columns: dict[str, Column], required: tuple[str, ...]) -> str:
    """The `{columns}` of a «no header» message: «Учреждение», «Мероприятие»."""
    return ", ".join(f"«{columns[k].title}»" for k in required)


# --------------------------------------------------------------------------- service tabs


def parse_settings(tab: RawTab, log: IssueLog) -> Settings:
    settings = Settings()
    for r, row in enumerate(tab.rows):
        cells = [(c, v) for c, v in enumerate(row) if not is_blank(v)]
        if len(cells) < 1:
            continue
        (c0, name), rest = cells[0], cells[1:]
        key_text = norm(name)
        if key_text in ("параметр", "наименование параметра"):
            continue
        key = C.SETTINGS_SYNONYMS.get(key_text) or next(
            (k for k, (title, _) in C.SETTINGS_KEYS.items() if norm(title) == key_text), None)
        if key is None:
            log.add("settings.unknown", tab.name, r, c0, name=shown(name),
                    known=", ".join(t for t, _ in C.SETTINGS_KEYS.values()))
            continue
        if not rest:
            log.add("settings.no_value", tab.name, r, c0 + 1, name=shown(name))
            continue
        c1, value = rest[0]
        if key == "year":
            year, problem = parse_count(value)
            if year is None or not 2000 <= year <= 2100:
                log.add("settings.year_invalid", tab.name, r, c1, value=shown(value))
                continue
            settings.year = year
        else:
            setattr(settings, key, clean_text(value))
    return settings


def parse_institutions(tab: RawTab, log: IssueLog) -> pd.DataFrame:
    header = _find_table(tab.rows, VOCAB_INSTITUTIONS, ("institution",), 1)
    if header is None:
        log.add("institutions.no_header", tab.name, columns=_required_columns(C.INSTITUTION_COLUMNS, ("institution",)))
        return empty_frame(INSTITUTION_COLUMNS)
    records, seen = [], {}
    for r, rec in _table_records(tab.rows, header):
        name = clean_text(rec.get("institution"))
        col = header.cols["institution"]
        if not name:
            log.add("institutions.no_name", tab.name, r, col)
            continue
        if norm(name) in seen:
            log.add("institutions.duplicate", tab.name, r, col, name=name, row=seen[norm(name)])
            continue
        seen[norm(name)] = r + 1
        records.append({"institution": name, **{k: clean_text(rec.get(k)) for k in
                                                 ("full_name", "district", "responsible", "contacts")},
                        "tab": None, "listed": True, "row": r + 1})
    return pd.DataFrame(records, columns=INSTITUTION_COLUMNS) if records else empty_frame(INSTITUTION_COLUMNS)


_ITEM_NUMBER = re.compile(r"^\d{1,2}(?:\.\d{1,2}){1,2}$")


def _is_section_row(rec: dict, item: str | None) -> bool:
    """'1. Организационные мероприятия' / 'II. Методическое сопровождение…' rows between plan items."""
    if not (is_blank(rec.get("deadline_text")) and is_blank(rec.get("responsible"))):
        return False
    return item is None or not _ITEM_NUMBER.match(item)


def parse_plan(tab: RawTab, default_year: int, log: IssueLog) -> pd.DataFrame:
    header = _find_table(tab.rows, VOCAB_PLAN, ("item", "title"), 2)
    if header is None:
        log.add("plan.no_header", tab.name, columns=_required_columns(C.PLAN_COLUMNS, ("item", "title")))
        return empty_frame(PLAN_COLUMNS)
    records, seen, section = [], {}, ""
    cols = header.cols
    for r, rec in _table_records(tab.rows, header):
        raw_item = rec.get("item")
        item = None if is_blank(raw_item) else normalise_plan_item(raw_item)
        title = clean_text(rec.get("title"))
        if _is_section_row(rec, item):
            section = " ".join(x for x in (clean_text(raw_item), title) if x)
            continue
        if item is None:
            log.add("plan.no_number", tab.name, r, cols["item"], title=shown(title))
            continue
        if not _ITEM_NUMBER.match(item):
            log.add("plan.bad_number", tab.name, r, cols["item"], value=shown(raw_item))
            continue
        if item in seen:
            log.add("plan.duplicate", tab.name, r, cols["item"], item=item, row=seen[item])
            continue
        seen[item] = r + 1
        deadline = parse_deadline(rec.get("deadline_text"), default_year)
        if deadline.problem and "deadline_text" in cols:
            log.add("plan.deadline_unparsed", tab.name, r, cols["deadline_text"], item=item, problem=deadline.problem)
        indicator_raw = rec.get("indicator")
        indicator = None if is_blank(indicator_raw) else C.canonical_activity_type(indicator_raw)
        if indicator is None and not is_blank(indicator_raw):
            log.add("plan.indicator_unknown", tab.name, r, cols["indicator"], item=item, value=shown(indicator_raw))
        count_what = "мероприятия"
        if not is_blank(rec.get("count_what")):
            count_what = C.COUNT_WHAT_SYNONYMS.get(norm(rec["count_what"]))
            if count_what is None:
                log.add("plan.count_what_unknown", tab.name, r, cols["count_what"], item=item,
                        value=shown(rec["count_what"]), allowed=", ".join(C.COUNT_WHAT))
                count_what = "мероприятия"
        target = None
        if not is_blank(rec.get("target")):
            target, problem = parse_count(rec["target"])
            if target is None:
                log.add("plan.target_invalid", tab.name, r, cols["target"], item=item, problem=problem)
        target_period = "год"
        if not is_blank(rec.get("target_period")):
            target_period = C.TARGET_PERIODS.get(norm(rec["target_period"]))
            if target_period is None:
                log.add("plan.target_period_unknown", tab.name, r, cols["target_period"], item=item,
                        value=shown(rec["target_period"]))
                target_period = "год"
        records.append({
            "item": item, "section": clean_text(rec.get("section")) or section, "title": title,
            "deadline_text": clean_text(rec.get("deadline_text")), "mechanism": clean_text(rec.get("mechanism")),
            "expected_result": clean_text(rec.get("expected_result")),
            "responsible": clean_text(rec.get("responsible")), "indicator": indicator, "count_what": count_what,
            "target": target, "target_period": target_period, "checkpoints": list(deadline.checkpoints),
            "deadline_parsed": deadline.parsed, "deadline_problem": deadline.problem, "row": r + 1})
    if not records:
        log.add("plan.empty", tab.name)
        return empty_frame(PLAN_COLUMNS)
    return pd.DataFrame(records, columns=PLAN_COLUMNS)


def parse_criteria(tab: RawTab, log: IssueLog) -> pd.DataFrame | None:
    header = _find_table(tab.rows, VOCAB_CRITERIA, ("criterion", "indicator"), 2)
    if header is None:
        log.add("criteria.no_header", tab.name, columns=_required_columns(C.CRITERIA_COLUMNS, ("criterion", "indicator")))
        return None
    records, criterion = [], ""
    for r, rec in _table_records(tab.rows, header):
        criterion = clean_text(rec.get("criterion")) or criterion   # merged criterion cells repeat downwards
        indicator = clean_text(rec.get("indicator"))
        kind_text = norm(rec.get("kind"))
        kind = "качественный" if kind_text.startswith("качеств") else (
            "количественный" if kind_text.startswith("количеств") else None)
        if not criterion or not indicator:
            log.add("criteria.no_criterion" if not criterion else "criteria.no_indicator", tab.name, r,
                    header.cols["criterion" if not criterion else "indicator"])
            continue
        if kind is None:
            log.add("criteria.bad_kind", tab.name, r, header.cols.get("kind", 0), value=shown(rec.get("kind")))
            continue
        records.append({"criterion": criterion, "kind": kind, "indicator": indicator,
                        "source": clean_text(rec.get("source")), "row": r + 1})
    if not records:
        log.add("criteria.empty", tab.name)
        return None
    return pd.DataFrame(records, columns=CRITERIA_COLUMNS)


def parse_indicators(tab: RawTab, log: IssueLog) -> tuple[C.MonitoringIndicator, ...] | None:
    header = _find_table(tab.rows, VOCAB_INDICATORS, ("indicator",), 1)
    if header is None:
        log.add("indicators.no_header", tab.name, columns=_required_columns(C.INDICATOR_COLUMNS, ("indicator",)))
        return None
    found = []
    defaults = {norm(i.name): i for i in C.DEFAULT_MONITORING_INDICATORS}
    for r, rec in _table_records(tab.rows, header):
        name = clean_text(rec.get("indicator"))
        if not name:
            continue
        base = defaults.get(norm(name))
        over_time = "сумма" if norm(rec.get("over_time")).startswith("сумм") else "последнее"
        over_region = "среднее" if norm(rec.get("over_region")).startswith("средн") else "сумма"
        found.append(C.MonitoringIndicator(name, clean_text(rec.get("unit")) or "чел.", over_time, over_region,
                                           base.synonyms if base else ()))
    return tuple(found) or None


# --------------------------------------------------------------------------- institution tabs

_TITLE_WORDS = ("мониторинг", "мероприяти", "раздел", "блок", "таблица", "отчет", "сведения")


def _is_block_title(row: list, text: str, cols: dict[str, int]) -> bool:
    """A lone title-like text in a Мероприятия block is a title only in the block's first column or
    left of it, and not when it names an activity type in the «Вид мероприятия» column — «Мониторинг»
    or «Мероприятие для получателей» alone there is a data row missing its date, to be reported."""
    c = row.index(text)
    if c > min(cols.values()):
        return False                         # e.g. a topic «Мероприятия для детей» alone: data
    return not (c == cols.get("type") and C.exact_activity_type(text))


def _single_text_cell(row: list) -> str | None:
    texts = [v for v in row if not is_blank(v)]
    return texts[0] if len(texts) == 1 and isinstance(texts[0], str) else None


class _ParsedColumn:
    """A column of the rows of the Мероприятия blocks, parsed once per distinct value: `results[inverse[i]]`
    is row i's result and `raw[inverse[i]]` its value as read (what `lib.validate.rules.RowFacts` reads). A value
    is parsed once per workbook (its code in the grid's table); the parsers of `lib.validate.values` remember
    the texts they have seen across workbooks."""

    def __init__(self, table: ValueTable, codes: np.ndarray, parser, *args):
        self.distinct, self.inverse = table.distinct(codes)
        self.raw = table.values[self.distinct].tolist()
        self.results = table.lookup((parser, args), self.distinct,
                                    lambda values: [parser(value, *args) for value in values]).tolist()

    def per_row(self, part: int | None = None) -> np.ndarray:
        """Per row: its result (or the result's element `part`), as an object array."""
        results = self.results if part is None else list(map(itemgetter(part), self.results))
        return object_array(results)[self.inverse]


def _clean_texts(values: list[str]) -> list[str]:
    """`[clean_text(v) for v in values]` for texts, fast for free text (topics, links): a text needs
    cleaning only if it has whitespace at an end, two spaces in a row or a character that is not
    printable (every whitespace character but the plain space is not), which C-level scans find."""
    edges = map(is_not, map(str.strip, values), values)             # strip() returns a clean text itself
    needs = map(or_, map(or_, edges, map(str.__contains__, values, repeat("  "))),
                map(not_, map(str.isprintable, values)))
    found = list(compress(range(len(values)), needs))
    if not found:
        return values
    out = list(values)
    for i in found:
        out[i] = clean_text(values[i])
    return out


@dataclass
class TabContext:
    tab: str
    institution: str
    year: int | None
    plan_items: frozenset[str]
    log: IssueLog

    def add(self, code: str, row0: int | None, col0: int | None, **fields) -> None:
        self.log.add(code, self.tab, row0, col0, institution=self.institution, **fields)


_COUNT_KEYS = ("participants", "specialists", "institutions_count")


def _cleaned_values(values: list) -> np.ndarray:
    """`clean_text` of each value, the texts among them through `_clean_texts`."""
    is_text = np.fromiter(map(isinstance, values, repeat(str)), dtype=bool, count=len(values))
    out = np.empty(len(values), dtype=object)
    out[is_text] = object_array(_clean_texts(list(compress(values, is_text))))
    if not is_text.all():
        out[~is_text] = object_array(list(map(clean_text, compress(values, ~is_text))))
    return out


def _cleaned(table: ValueTable, codes: np.ndarray) -> np.ndarray:
    """`clean_text` of each cell of a column, as an object array (worked out once per value)."""
    distinct, inverse = table.distinct(codes)
    return table.lookup("cleaned", distinct, _cleaned_values)[inverse]


def _data_rows(grid: CellGrid, header: Header, stop: int) -> np.ndarray:
    """The rows of a Мероприятия block that hold data: not blank, not a lone block title such as
    «Мониторинг показателей». Rows are counted as a whole; only rows with one filled cell are looked at."""
    first_row = header.row0 + 1
    counts = grid.filled(first_row, stop)
    keep = counts >= 2
    for i in np.flatnonzero(counts == 1).tolist():
        row = grid.row(first_row + i)
        first = next(v for v in row if not is_blank(v))
        keep[i] = not (isinstance(first, str) and norm(first).startswith(_TITLE_WORDS) and
                       _is_block_title(row, first, header.cols) and not no_activities.is_mark_text(first))
    return np.flatnonzero(keep) + first_row


_NO_DAY = date(1970, 1, 1)


@dataclass
class _Block:
    """A Мероприятия block of a tab: its data rows, checked together with the other tabs' blocks
    (`_parse_activity_blocks`); `ctx.log` is the block's place in the issue log."""
    grid: CellGrid
    header: Header
    rows: np.ndarray
    ctx: TabContext
    marks: list = field(default_factory=list)    # its «мероприятий не было» rows (lib.validate.no_activities)


def _parse_activity_blocks(blocks: list[_Block]) -> tuple[dict, list[int]]:
    """Returns (the loaded rows of all blocks, as columns — see `_activities_frame` — and the number
    of rows loaded from each block). The blocks share one table of values (one workbook's tabs).

    Vectorised over the rows of every block at once: each column's distinct values are parsed once and
    the row rules of `lib.validate.rules` checked on them; only the rows some rule fires on take a Python step,
    in row order, for their messages — each in its block's place in the log."""
    table = blocks[0].grid.table
    lengths = [len(b.rows) for b in blocks]
    n_rows = sum(lengths)
    block_of = np.repeat(np.arange(len(blocks)), lengths)
    data_r = np.concatenate([b.rows for b in blocks])
    firsts = {id(b): sorted(b.header.cols.values())[:2] for b in blocks}     # the block's first two columns

    def cells(column_of) -> np.ndarray:
        """The codes of one column of every block, `column_of(block)` being its index (None: none)."""
        parts = []
        for b in blocks:
            c = column_of(b)
            parts.append(np.zeros(len(b.rows), dtype=np.int32) if c is None else b.grid.codes[b.rows, c])
        return np.concatenate(parts)

    def column_index(block: _Block, key: str) -> int | None:
        if key in (FIRST_COLUMN, SECOND_COLUMN):
            first_two = firsts[id(block)]
            return first_two[0] if key == FIRST_COLUMN else (first_two[1:] or [None])[0]
        return block.header.cols.get(key)

    def column(key: str) -> np.ndarray:
        return cells(lambda b: column_index(b, key))

    year, plan_items = blocks[0].ctx.year, blocks[0].ctx.plan_items
    type_codes = column("type")
    parsed = {"date": _ParsedColumn(table, column("date"), _parse_date_or_blank, year),
              "type": _ParsedColumn(table, type_codes, _canonical_or_blank),
              "plan_item": _ParsedColumn(table, column("plan_item"), _plan_ref_or_blank),
              **{k: _ParsedColumn(table, column(k), _count_or_blank) for k in _COUNT_KEYS}}
    facts = rules.RowFacts(parsed, lambda key: _ParsedColumn(table, column(key), _as_read), n_rows, year,
                           plan_items)
    verdict = rules.check_rows(facts)
    for i, rule, key in verdict.fired:
        block = blocks[block_of[i]]
        block.ctx.log.add_message(rule, block.ctx.tab, int(data_r[i]), column_index(block, key),
                                  rule.message(rules.RowFields(facts, key, i)), block.ctx.institution)
        if rule.code == "activities.none":     # «мероприятий не было»: kept with its block, not loaded
            mark, r, c = facts.mark(i), int(data_r[i]), column_index(block, key)
            block.marks.append((block.ctx.institution, mark.year, mark.quarter, block.ctx.tab,
                                cell_address(r, c), r + 1))
    keep = verdict.keep

    # The loaded rows, column by column.
    dates = parsed["date"]
    plan_column = parsed["plan_item"].per_row(0)
    unknown_item = verdict.hits.get("plan_ref.unknown")
    if unknown_item is not None:
        plan_column[unknown_item] = None     # as the rule's message says: counted toward no plan item
    days = np.array([(r[0] or _NO_DAY).toordinal() - _UNIX_ORDINAL for r in dates.results], dtype=np.int64)
    loaded = {
        "day": days[dates.inverse],
        "type": parsed["type"].per_row(),
        "type_raw": _cleaned(table, type_codes),
        "plan_item": plan_column,
        "topic": _cleaned(table, column("topic")),
        **{k: _count_arrays(parsed[k]) for k in _COUNT_KEYS},
        "link": _cleaned(table, column("link")),
        "note": _cleaned(table, column("note")),
        "row": data_r,
        "institution": np.repeat(object_array([b.ctx.institution for b in blocks]), lengths),
        "tab": np.repeat(object_array([b.ctx.tab for b in blocks]), lengths),
    }
    if not keep.all():
        loaded = {k: (v[0][keep], v[1][keep]) if isinstance(v, tuple) else v[keep] for k, v in loaded.items()}
    return loaded, np.bincount(block_of[keep], minlength=len(blocks)).tolist()


def _count_arrays(parsed: _ParsedColumn) -> tuple[np.ndarray, np.ndarray]:
    """(numbers, missing) per row of a count column: the parts of a nullable Int64 column (counts are
    whole numbers up to `MAX_COUNT`)."""
    numbers = [r[0] for r in parsed.results]
    data = np.array([0 if n is None else n for n in numbers], dtype=np.int64)[parsed.inverse]
    missing = np.array([n is None for n in numbers], dtype=bool)[parsed.inverse]
    return data, missing


def clear_memos() -> None:
    """Forget the values remembered across calls (the benchmark measures a cold parse with this): the
    header vocabularies' cell texts. (The parsers of `lib.validate.values` remember theirs in `lru_cache`s.)"""
    HeaderVocabulary.clear_all()


def _parse_date_or_blank(value, year):
    if type(value) is date:              # a date cell: the usual case
        return value, None
    return (None, None) if is_blank(value) else parse_date(value, year)


def _canonical_or_blank(value):
    return None if is_blank(value) else C.canonical_activity_type(value)


def _plan_ref_or_blank(value):
    return (None, None) if is_blank(value) else parse_plan_ref(value)


def _count_or_blank(value):
    return (None, None, None) if is_blank(value) else parse_count_coded(value)


def _as_read(value):
    return value


@dataclass(frozen=True)
class _Indicators:
    """A workbook's monitoring indicators, and each by its normalised name or synonym (made once per
    workbook)."""
    all: tuple[C.MonitoringIndicator, ...]
    known: dict[str, C.MonitoringIndicator]

    @classmethod
    def of(cls, indicators) -> _Indicators:
        known: dict[str, C.MonitoringIndicator] = {}
        for ind in indicators:
            for text in (ind.name, *ind.synonyms):
                known.setdefault(norm(text), ind)
        return cls(tuple(indicators), known)


def _parse_monitoring_block(rows: list[list], header: Header, stop: int, ctx: TabContext,
                            indicators: _Indicators) -> list[dict]:
    known = indicators.known
    c_ind = header.cols["indicator"]
    quarter_cols = {q: header.cols[f"q{q}"] for q in (1, 2, 3, 4) if f"q{q}" in header.cols}
    out: list[dict] = []
    seen: dict[str, int] = {}
    for r, rec in _table_records(rows, header, stop):
        raw_name = rec.get("indicator")
        row = rows[r]
        title = _single_text_cell(row)
        if title is not None and norm(title).startswith(_TITLE_WORDS):
            continue
        if is_blank(raw_name):
            ctx.add("monitoring.no_indicator", r, c_ind)
            continue
        ind = known.get(norm(raw_name))
        name = ind.name if ind else clean_text(raw_name)
        if ind is None:
            ctx.add("monitoring.unknown_indicator", r, c_ind, value=shown(raw_name))
        if name in seen:
            ctx.add("monitoring.duplicate", r, c_ind, name=name, row=seen[name])
            continue
        seen[name] = r + 1
        percent = ind.is_percent if ind else False
        for q, c in quarter_cols.items():
            raw = row[c] if c < len(row) else ""
            value = None
            if not is_blank(raw):
                value, problem = parse_number(raw)
                if value is None:
                    ctx.add("monitoring.not_number", r, c, name=name, quarter=["I", "II", "III", "IV"][q - 1],
                            problem=problem)
                elif value < 0:
                    ctx.add("monitoring.negative", r, c, name=name, value=shown(raw))
                    value = None
                elif percent and isinstance(raw, float) and 0 < value <= 1.0:
                    value = value * 100          # a cell formatted as 88 % stores 0.88
            out.append({"institution": ctx.institution, "indicator": name, "quarter": q, "value": value,
                        "tab": ctx.tab, "cell": cell_address(r, c)})
    missing = [i.name for i in indicators.all if i.name not in seen]
    if missing and seen:
        ctx.add("monitoring.missing_rows", header.row0, c_ind, names="; ".join(f"«{m}»" for m in missing))
    return out


class _Rows:
    """The rows of a grid as lists of values, each made when first asked for (a block parsed row by
    row needs only its own)."""

    def __init__(self, grid: CellGrid):
        self.grid = grid

    def __len__(self) -> int:
        return self.grid.height

    def __getitem__(self, r: int) -> list:
        return self.grid.row(r)


def parse_institution_tab(grid: CellGrid, ctx: TabContext, indicators: _Indicators) -> tuple[list[_Block], list[dict],
                                                                                         int, bool, bool]:
    """Returns (Мероприятия blocks, monitoring, data rows total, has activity block, has monitoring
    block); the blocks' rows are checked later, with the other tabs' (`_parse_activity_blocks`)."""
    headers: list[tuple[str, Header]] = []
    for r in _header_rows(grid):
        row = grid.row(r)
        cols, extra, dup = VOCAB_ACTIVITY.match_row(row)
        if _is_activity_header(cols):
            headers.append(("activities", Header(r, cols, extra)))
            for c, text in dup:
                ctx.add("block.duplicate_column", r, c, value=shown(text))
            continue
        cols, extra, dup = VOCAB_MONITORING.match_row(row)
        if _is_monitoring_header(cols):
            headers.append(("monitoring", Header(r, cols, extra)))
    blocks: list[_Block] = []
    monitoring: list[dict] = []
    total = 0
    kinds = [k for k, _ in headers]
    for i, (kind, header) in enumerate(headers):
        stop = headers[i + 1][1].row0 if i + 1 < len(headers) else grid.height
        if kind == "activities":
            for c, text in header.extra:
                ctx.add("block.extra_column", header.row0, c, value=shown(text))
            for key in ("plan_item", "topic", "participants"):
                if key not in header.cols:
                    ctx.add("block.missing_column", header.row0, min(header.cols.values()),
                            column=C.ACTIVITY_COLUMNS[key].title)
            rows = _data_rows(grid, header, stop)
            if len(rows):
                blocks.append(_Block(grid, header, rows, replace(ctx, log=ctx.log.reserve())))
            total += len(rows)
        else:
            monitoring.extend(_parse_monitoring_block(_Rows(grid), header, stop, ctx, indicators))
    if "activities" not in kinds:
        filled = grid.filled(0, headers[0][1].row0 if headers else None)
        stray = np.flatnonzero(filled >= 2).tolist()
        if stray:
            total += len(stray)
            first = stray[0]
            col = next(c for c, v in enumerate(grid.row(first)) if not is_blank(v))
            ctx.add("block.no_header", first, col, rows=len(stray))
    return blocks, monitoring, total, "activities" in kinds, "monitoring" in kinds


# --------------------------------------------------------------------------- the workbook


def _broken_tab(log: IssueLog, tab: str, institution: str, exc: Exception) -> None:
    log.add("tab.broken", tab, institution=institution, error=type(exc).__name__)


def _parse_all_blocks(blocks: list[_Block]) -> tuple[list[dict], dict[int, int]]:
    """Check the rows of every Мероприятия block, all at once (the blocks share the workbook's table of
    values). Returns (the loaded rows, as chunks of columns, and the number of rows loaded per block, by
    `id(block)`). If that fails, the blocks are checked again one at a time, so that one broken tab
    never hides the others."""
    if not blocks:
        return [], {}
    try:
        chunk, counts = _parse_activity_blocks(blocks)
        return [chunk], dict(zip(map(id, blocks), counts))
    except Exception:  # noqa: BLE001 — found again below, block by block
        pass
    chunks, loaded_from = [], {}
    for block in blocks:
        block.ctx.log.records.clear()
        block.marks.clear()
        try:
            chunk, (count,) = _parse_activity_blocks([block])
        except Exception as exc:  # one broken tab never hides the others
            block.ctx.log.records.clear()
            block.marks.clear()
            _broken_tab(block.ctx.log, block.ctx.tab, block.ctx.institution, exc)
            chunk, count = None, 0
        if chunk is not None:
            chunks.append(chunk)
        loaded_from[id(block)] = count
    return chunks, loaded_from


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _remove_control_characters(tabs: list[RawTab], grids: dict[int, CellGrid], table: ValueTable) -> dict[int, list]:
    """Characters a document may not hold (control codes U+0000–U+001F but tab and line breaks;
    U+FFFE, U+FFFF — Excel writes them as `_x0001_`) are removed from the workbook's texts — otherwise
    the Word report and the downloads of the whole region fail. Returns, per tab (by `id`), the cells
    cleaned (each gets a warning). One C-level search over the workbook's distinct texts when there are
    none (as usual)."""
    values = table.values.tolist()
    if not _CONTROL.search("\n".join(v for v in values if type(v) is str)):
        return {}
    dirty = np.array([type(v) is str and _CONTROL.search(v) is not None for v in values], dtype=bool)
    for code in np.flatnonzero(dirty).tolist():
        table.values[code] = _CONTROL.sub("", values[code])
    cleaned = {}
    for tab in tabs:
        cells = np.argwhere(dirty[grids[id(tab)].codes]).tolist()
        for r, c in cells:
            row = tab.rows[r] = list(tab.rows[r])
            row[c] = _CONTROL.sub("", row[c])
        cleaned[id(tab)] = cells
    return cleaned


def build_workbook(tabs: list[RawTab], source: SourceInfo) -> Workbook:
    """Parse and validate every tab. Never raises on bad content: problems become issues."""
    log = IssueLog()
    table = ValueTable()                 # one table of values for every tab of the workbook
    grids = {id(tab): CellGrid.from_rows(tab.rows, table) for tab in tabs}
    cleaned = _remove_control_characters(tabs, grids, table)
    service: dict[str, RawTab] = {}
    others: list[RawTab] = []
    names_seen: set[str] = set()
    for tab in tabs:
        if tab.name in names_seen:
            log.add("tab.same_name", tab.name)
        names_seen.add(tab.name)
        kind = C.service_tab_kind(tab.name)
        if kind == "lists":
            continue                     # the template's hidden drop-down lists: not data
        if kind and kind in service:
            log.add("tab.service_duplicate", tab.name, first=service[kind].name)
        elif kind:
            service[kind] = tab
        else:
            others.append(tab)
    for tab in tabs:
        if tab.problem:                  # e.g. too many rows: not read at all, say so
            log.add(tab.problem_code or "tab.too_big", tab.name, problem=tab.problem)
    if all(not t.problem and grids[id(t)].is_blank() for t in tabs):
        log.add("book.empty", "", label=source.label)

    settings = parse_settings(service["settings"], log) if "settings" in service else Settings()
    if "settings" not in service:
        log.add("settings.missing", "")
    plan_year = settings.year or source.read_at.year
    plan = parse_plan(service["plan"], plan_year, log) if "plan" in service else empty_frame(PLAN_COLUMNS)
    if "plan" not in service:
        log.add("plan.missing", "")
    institutions = parse_institutions(service["institutions"], log) if "institutions" in service else \
        empty_frame(INSTITUTION_COLUMNS)
    if "institutions" not in service:
        log.add("institutions.missing", "")
    criteria = parse_criteria(service["criteria"], log) if "criteria" in service else None
    indicators = (parse_indicators(service["indicators"], log) if "indicators" in service else None) or \
        C.DEFAULT_MONITORING_INDICATORS
    indicator_names = _Indicators.of(indicators)

    listed = {norm(n): i for i, n in enumerate(institutions["institution"])}
    tab_of: dict[int, str] = {}
    extra_institutions = []
    plan_items = frozenset(plan["item"])
    blocks: list[_Block] = []
    monitoring: list[dict] = []
    summary = []
    for tab in others:
        idx = listed.get(norm(tab.name))
        grid = grids[id(tab)]
        if tab.problem:                  # reported above; the institution has its tab, unread
            if idx is not None:
                tab_of.setdefault(idx, tab.name)
            else:
                extra_institutions.append({"institution": tab.name.strip(), "full_name": "", "district": "",
                                           "responsible": "", "contacts": "", "tab": tab.name, "listed": False,
                                           "row": None})
            continue
        if idx is not None and idx in tab_of:
            log.add("tab.duplicate", tab.name, institution=institutions["institution"].iloc[idx], first=tab_of[idx])
        if idx is None:
            name = tab.name.strip()
            if grid.is_blank():
                log.add("tab.empty", tab.name, name=name)
                continue
            if len(institutions):
                log.add("tab.unlisted", tab.name, institution=name, name=name)
            extra_institutions.append({"institution": name, "full_name": "", "district": "", "responsible": "",
                                       "contacts": "", "tab": tab.name, "listed": False, "row": None})
        else:
            name = institutions["institution"].iloc[idx]
            tab_of.setdefault(idx, tab.name)
        ctx = TabContext(tab.name, name, settings.year, plan_items, log)
        try:
            tab_blocks, mons, total, has_a, has_m = parse_institution_tab(_apply_vertical_merges(grid, tab), ctx,
                                                                          indicator_names)
        except Exception as exc:  # one broken tab never hides the others
            _broken_tab(log, tab.name, name, exc)
            tab_blocks, mons, total, has_a, has_m = [], [], 0, False, False
        blocks.extend(tab_blocks)
        monitoring.extend(mons)
        summary.append([tab.name, name, total, tab_blocks, has_a, has_m])
        if has_a and total == 0:
            log.add("block.empty", tab.name, institution=name, name=name)
        if not has_m:
            log.add("block.no_monitoring", tab.name, institution=name)

    activities, loaded_from = _parse_all_blocks(blocks)
    institution_of = {row[0]: row[1] for row in summary}
    for tab in tabs:
        institution = institution_of.get(tab.name, "")
        for r, c, reason in tab.broken:
            where = f"Строка {r + 1}: одно из значений" if c is None else "Значение ячейки"
            log.add("cell.unreadable", tab.name, r, c, institution=institution, where=where,
                    reason=reason.removeprefix("значение "))
        for r, c in tab.unread:
            log.add("formula.no_result", tab.name, r, c, institution=institution)
        for r, c in cleaned.get(id(tab), ()):
            log.add("text.control_chars", tab.name, r, c, institution=institution)
    accounting = RowAccounting()
    for row in summary:
        tab_name, name, total, tab_blocks, has_a, has_m = row
        n_loaded = sum(loaded_from[id(b)] for b in tab_blocks)
        accounting.add(total, n_loaded)
        row[3:4] = [n_loaded, total - n_loaded]

    institutions = institutions.copy()
    institutions["tab"] = [tab_of.get(i) for i in range(len(institutions))]
    for i, name in enumerate(institutions["institution"]):
        if i not in tab_of:
            log.add("tab.missing", "Учреждения", institution=name, name=name)
    if extra_institutions:
        institutions = pd.concat([institutions, pd.DataFrame(extra_institutions)], ignore_index=True) \
            if len(institutions) else pd.DataFrame(extra_institutions, columns=INSTITUTION_COLUMNS)

    return Workbook(
        source=source, settings=settings, institutions=institutions, plan=plan,
        activities=_activities_frame(activities), monitoring=_monitoring_frame(monitoring),
        criteria=criteria, indicators=tuple(indicators), issues=log.frame(), accounting=accounting,
        tab_gids={t.name: t.gid for t in tabs if t.gid is not None},
        tab_summary=pd.DataFrame([tuple(row) for row in summary], columns=TAB_SUMMARY_COLUMNS),
        no_activity_marks=pd.DataFrame([m for b in blocks for m in b.marks], columns=NO_ACTIVITY_COLUMNS))


def _activities_frame(chunks: list[dict]) -> pd.DataFrame:
    """The activities table from the loaded rows of the Мероприятия blocks (`_parse_activity_blocks`)."""
    chunks = [c for c in chunks if c and len(c["row"])]
    if not chunks:
        frame = empty_frame(ACTIVITY_COLUMNS)
        frame["date"] = pd.Series(dtype="datetime64[ns]")
        return frame

    def joined(key: str) -> np.ndarray:
        return np.concatenate([c[key] for c in chunks])

    def count(key: str) -> pd.arrays.IntegerArray:
        return pd.arrays.IntegerArray(np.concatenate([c[key][0] for c in chunks]),
                                      np.concatenate([c[key][1] for c in chunks]))

    def text(key: str) -> pd.Series:           # object dtype: building Arrow strings costs more than it saves
        return pd.Series(joined(key), dtype=object, copy=False)       # (the arrays are made here: no copy)

    days = joined("day").astype("datetime64[D]")
    months = days.astype("datetime64[M]").astype(np.int64)         # months since 1970-01
    columns = {
        "institution": text("institution"),
        "date": days.astype("datetime64[s]"),
        "year": months // 12 + 1970,
        "quarter": months % 12 // 3 + 1,
        **{k: text(k) for k in ("type", "type_raw", "plan_item", "topic")},
        **{k: count(k) for k in _COUNT_KEYS},
        "link": text("link"), "note": text("note"),
        "tab": text("tab"),
        "row": joined("row").astype(np.int64) + 1,
    }
    return pd.DataFrame(columns, columns=ACTIVITY_COLUMNS, copy=False)


_UNIX_ORDINAL = date(1970, 1, 1).toordinal()


def _monitoring_frame(records: list[dict]) -> pd.DataFrame:
    if not records:
        return empty_frame(MONITORING_COLUMNS)
    frame = pd.DataFrame.from_records(records, columns=MONITORING_COLUMNS)
    frame["value"] = frame["value"].astype("float64")
    frame["quarter"] = frame["quarter"].astype("int64")
    return frame
