"""Raw tabs → the typed `Workbook`, with every problem reported by tab, cell and a Russian message.

The rule: every non-empty row of a Мероприятия block is either loaded or rejected with an issue;
one broken tab never hides the others. Blocks are found by their header rows wherever they sit.
Values are parsed once per distinct spelling (see `lib.values`), not once per cell, and rows are
handled column by column: only rows with something to report take a row-by-row Python step.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from itertools import chain, compress, repeat
from operator import itemgetter, ne, not_, sub

import numpy as np
import pandas as pd

from lib import contract as C
from lib.contract import Column, norm
from lib.deadlines import parse_deadline
from lib.model import (ACTIVITY_COLUMNS, CRITERIA_COLUMNS, ERROR, INSTITUTION_COLUMNS, ISSUE_COLUMNS,
                       MONITORING_COLUMNS, PLAN_COLUMNS, WARNING, RowAccounting, Settings, Workbook,
                       empty_frame)
from lib.sources import RawTab, SourceError, SourceInfo
from lib.values import (cell_address, clean_text, is_blank, normalise_plan_item, parse_count, parse_date,
                        parse_number, parse_plan_ref, shown)

NOT_COUNTED = " — строка не учтена"
TAB_SUMMARY_COLUMNS = ["tab", "institution", "rows_total", "rows_loaded", "rows_rejected",
                       "has_activities", "has_monitoring"]


class IssueLog:
    """Collects issues; `cell` is an A1 address ('' when the issue concerns a whole tab)."""

    def __init__(self) -> None:
        self.records: list[tuple] = []

    def add(self, severity: str, tab: str, row0: int | None, col0: int | None, message: str,
            institution: str = "") -> None:
        cell = cell_address(row0, col0) if row0 is not None and col0 is not None else ""
        self.records.append((severity, tab, cell, message, institution, None if row0 is None else row0 + 1))

    def frame(self) -> pd.DataFrame:
        if not self.records:
            return empty_frame(ISSUE_COLUMNS)
        return pd.DataFrame(self.records, columns=ISSUE_COLUMNS)


# --------------------------------------------------------------------------- headers


@dataclass
class Header:
    row0: int
    cols: dict[str, int]               # column key → 0-based column index
    extra: list[tuple[int, str]]       # columns with a title the contract does not know


class HeaderVocabulary:
    """Matches header cells to column keys: exact synonym first, then the longest synonym prefix."""

    def __init__(self, columns: dict[str, Column]):
        self.columns = columns
        self.exact: dict[str, str] = {}
        for col in columns.values():
            for text in (col.title, *col.synonyms):
                self.exact.setdefault(norm(text), col.key)
        self.prefixes = sorted(((k + " ", v) for k, v in self.exact.items() if len(k) >= 3),
                               key=lambda p: -len(p[0]))
        self.first3 = {k[:3] for k in self.exact if k}
        self._any_prefix = tuple(p for p, _ in self.prefixes)
        self._memo: dict[str, str | None] = {}   # cell text → key; header texts repeat on every tab

    def key_of(self, text: str) -> str | None:
        if type(text) is str:
            found = self._memo.get(text, "")
            if found != "":
                return found
        found = self._key_of(text)
        if type(text) is str:
            if len(self._memo) > 20_000:
                self._memo.clear()
            self._memo[text] = found
        return found

    def _key_of(self, text: str) -> str | None:
        key = norm(text)
        if key in self.exact:
            return self.exact[key]
        padded = key + " "
        if not padded.startswith(self._any_prefix):     # one C-level test for the usual miss
            return None
        for prefix, col in self.prefixes:
            if padded.startswith(prefix):
                return col
        return None

    def match_row(self, row: list) -> tuple[dict[str, int], list[tuple[int, str]], list[tuple[int, str]]]:
        cols: dict[str, int] = {}
        extra: list[tuple[int, str]] = []
        duplicate: list[tuple[int, str]] = []
        for c, v in enumerate(row):
            if not isinstance(v, str) or not v.strip():
                continue
            key = self.key_of(v)
            if key is None:
                extra.append((c, v))
            elif key in cols:
                duplicate.append((c, v))
            else:
                cols[key] = c
        return cols, extra, duplicate

    def could_be_header(self, row: list) -> bool:
        """Cheap pre-filter: some short text cell starts like a known header."""
        for v in row:
            if type(v) is str and len(v) < 80 and norm(v[:6])[:3] in self.first3:
                return True
        return False


VOCAB_ACTIVITY = HeaderVocabulary(C.ACTIVITY_COLUMNS)
VOCAB_MONITORING = HeaderVocabulary(C.MONITORING_COLUMNS)
VOCAB_PLAN = HeaderVocabulary(C.PLAN_COLUMNS)
VOCAB_INSTITUTIONS = HeaderVocabulary(C.INSTITUTION_COLUMNS)
VOCAB_CRITERIA = HeaderVocabulary(C.CRITERIA_COLUMNS)
VOCAB_INDICATORS = HeaderVocabulary(C.INDICATOR_COLUMNS)

_FIRST3_INSTITUTION_TAB = VOCAB_ACTIVITY.first3 | VOCAB_MONITORING.first3
_HEADER_START: dict[str, bool] = {}      # a text cell's first 6 characters → could start a header


_HEAD = itemgetter(slice(None, 6))


class _TabScan:
    """One pass over the distinct values of an institution tab: the rows that may be headers, and
    the values that count as blank (so that rows can be counted in C with `list.count`)."""

    def __init__(self, rows: list[list]):
        found = set(chain.from_iterable(rows))
        distinct = list(found)
        is_text = list(map(isinstance, distinct, repeat(str)))
        texts = list(compress(distinct, is_text))
        others = list(compress(distinct, map(not_, is_text)))
        heads = list(map(_HEAD, texts))                              # each text's first 6 characters
        known = _HEADER_START
        if len(known) > 100_000:
            known.clear()
        distinct_heads = set(heads)
        for head in distinct_heads.difference(known):
            key = head.lower().replace("ё", "е") if head.isalpha() else norm(head)     # (the same for letters)
            known[head] = key[:3] in _FIRST3_INSTITUTION_TAB
        hit_heads = {head for head in distinct_heads if known[head]}
        hits = {v for v in compress(texts, map(hit_heads.__contains__, heads)) if len(v) < 80 and not v.isspace()}
        # The blank values present — '', None, whitespace, NaN (each NaN object: `list.count` finds it by
        # identity) — so that `filled` can count with `list.count`.
        self.blanks: list = [v for v in ("", None) if v in found]
        if any(map(str.isspace, texts)):
            self.blanks += [v for v in texts if v.isspace()]
        self.blanks += compress(others, map(ne, others, others))
        # Either header needs three recognised columns, each of which passes the prefix test.
        maybe = compress(range(len(rows)), map(not_, map(hits.isdisjoint, rows))) if len(hits) >= 3 else ()
        self.header_rows = [r for r in maybe if len(hits.intersection(rows[r])) >= 3]

    def filled(self, block: list[list]) -> list[int]:
        """Per row of `block`, its number of non-blank cells."""
        counts = list(map(len, block))
        for blank in self.blanks:
            counts = list(map(sub, counts, map(list.count, block, repeat(blank))))
        return counts


def _is_activity_header(cols: dict[str, int]) -> bool:
    return "date" in cols and "type" in cols and len(cols) >= 3


def _is_monitoring_header(cols: dict[str, int]) -> bool:
    return "indicator" in cols and sum(f"q{q}" in cols for q in (1, 2, 3, 4)) >= 2


def _row_is_blank(row: list) -> bool:
    for v in row:
        if v is not None and v != "" and not (type(v) is str and v.isspace()):
            if type(v) is float and v != v:
                continue
            return False
    return True


def _apply_vertical_merges(tab: RawTab) -> list[list]:
    """A date or type merged over several rows means it for each of them: copy it down."""
    rows = tab.rows
    merges = [m for m in getattr(tab, "merges", ()) if m[1][0] > m[0][0]]
    if not merges:
        return rows
    rows = list(rows)                    # the tab's own rows stay as read: copy a row before changing it
    copied: set[int] = set()
    for (r0, c0), (r1, _c1) in merges:
        if r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        for r in range(r0 + 1, min(r1, len(rows) - 1) + 1):
            if r not in copied:
                rows[r] = list(rows[r])
                copied.add(r)
            while len(rows[r]) <= c0:
                rows[r].append("")
            if is_blank(rows[r][c0]):
                rows[r][c0] = value
    return rows


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
        if _row_is_blank(row):
            continue
        yield r, {k: (row[c] if c < len(row) else "") for k, c in header.cols.items()}


def _missing_header_message(tab: str, columns: dict[str, Column], required: tuple[str, ...]) -> str:
    names = ", ".join(f"«{columns[k].title}»" for k in required)
    return f"На вкладке «{tab}» не найдена строка заголовков таблицы (нужны столбцы {names})"


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
            log.add(WARNING, tab.name, r, c0, f"Параметр «{shown(name)}» не известен и не используется. "
                    f"Известные параметры: {', '.join(t for t, _ in C.SETTINGS_KEYS.values())}")
            continue
        if not rest:
            log.add(WARNING, tab.name, r, c0 + 1, f"Не заполнено значение параметра «{shown(name)}»")
            continue
        c1, value = rest[0]
        if key == "year":
            year, problem = parse_count(value)
            if year is None or not 2000 <= year <= 2100:
                log.add(ERROR, tab.name, r, c1, f"Год «{shown(value)}» не распознан: укажите год цифрами, например 2026")
                continue
            settings.year = year
        else:
            setattr(settings, key, clean_text(value))
    return settings


def parse_institutions(tab: RawTab, log: IssueLog) -> pd.DataFrame:
    header = _find_table(tab.rows, VOCAB_INSTITUTIONS, ("institution",), 1)
    if header is None:
        log.add(ERROR, tab.name, None, None, _missing_header_message(tab.name, C.INSTITUTION_COLUMNS, ("institution",)))
        return empty_frame(INSTITUTION_COLUMNS)
    records, seen = [], {}
    for r, rec in _table_records(tab.rows, header):
        name = clean_text(rec.get("institution"))
        col = header.cols["institution"]
        if not name:
            log.add(ERROR, tab.name, r, col, "Не указано краткое наименование учреждения (оно же — имя его вкладки)")
            continue
        if norm(name) in seen:
            log.add(WARNING, tab.name, r, col, f"Учреждение «{name}» уже указано в строке {seen[norm(name)]}: повтор пропущен")
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
        log.add(ERROR, tab.name, None, None, _missing_header_message(tab.name, C.PLAN_COLUMNS, ("item", "title")))
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
            log.add(ERROR, tab.name, r, cols["item"], f"Не указан номер пункта плана для мероприятия «{shown(title)}»")
            continue
        if not _ITEM_NUMBER.match(item):
            log.add(ERROR, tab.name, r, cols["item"], f"Номер пункта «{shown(raw_item)}» не распознан: укажите его "
                    "в виде 2.4" + NOT_COUNTED)
            continue
        if item in seen:
            log.add(ERROR, tab.name, r, cols["item"], f"Пункт {item} повторяется (уже в строке {seen[item]}): повтор не учтён")
            continue
        seen[item] = r + 1
        deadline = parse_deadline(rec.get("deadline_text"), default_year)
        if deadline.problem and "deadline_text" in cols:
            log.add(WARNING, tab.name, r, cols["deadline_text"], f"Пункт {item}: {deadline.problem}")
        indicator_raw = rec.get("indicator")
        indicator = None if is_blank(indicator_raw) else C.canonical_activity_type(indicator_raw)
        if indicator is None and not is_blank(indicator_raw):
            log.add(WARNING, tab.name, r, cols["indicator"], f"Пункт {item}: показатель «{shown(indicator_raw)}» не из "
                    f"списка видов мероприятий, учитываются все мероприятия со ссылкой на пункт")
        count_what = "мероприятия"
        if not is_blank(rec.get("count_what")):
            count_what = C.COUNT_WHAT_SYNONYMS.get(norm(rec["count_what"]))
            if count_what is None:
                log.add(WARNING, tab.name, r, cols["count_what"], f"Пункт {item}: «{shown(rec['count_what'])}» — "
                        f"считать можно только: {', '.join(C.COUNT_WHAT)}; учтено «мероприятия»")
                count_what = "мероприятия"
        target = None
        if not is_blank(rec.get("target")):
            target, problem = parse_count(rec["target"])
            if target is None:
                log.add(ERROR, tab.name, r, cols["target"], f"Пункт {item}: цель {problem}")
        target_period = "год"
        if not is_blank(rec.get("target_period")):
            target_period = C.TARGET_PERIODS.get(norm(rec["target_period"]))
            if target_period is None:
                log.add(WARNING, tab.name, r, cols["target_period"], f"Пункт {item}: период цели «{shown(rec['target_period'])}» "
                        "не распознан (год / квартал / месяц); учтено «год»")
                target_period = "год"
        records.append({
            "item": item, "section": clean_text(rec.get("section")) or section, "title": title,
            "deadline_text": clean_text(rec.get("deadline_text")), "mechanism": clean_text(rec.get("mechanism")),
            "expected_result": clean_text(rec.get("expected_result")),
            "responsible": clean_text(rec.get("responsible")), "indicator": indicator, "count_what": count_what,
            "target": target, "target_period": target_period, "checkpoints": list(deadline.checkpoints),
            "deadline_parsed": deadline.parsed, "deadline_problem": deadline.problem, "row": r + 1})
    if not records:
        log.add(WARNING, tab.name, None, None, "В плане нет ни одного пункта")
        return empty_frame(PLAN_COLUMNS)
    return pd.DataFrame(records, columns=PLAN_COLUMNS)


def parse_criteria(tab: RawTab, log: IssueLog) -> pd.DataFrame | None:
    header = _find_table(tab.rows, VOCAB_CRITERIA, ("criterion", "indicator"), 2)
    if header is None:
        log.add(ERROR, tab.name, None, None, _missing_header_message(tab.name, C.CRITERIA_COLUMNS, ("criterion", "indicator"))
                + "; используются критерии по умолчанию")
        return None
    records, criterion = [], ""
    for r, rec in _table_records(tab.rows, header):
        criterion = clean_text(rec.get("criterion")) or criterion   # merged criterion cells repeat downwards
        indicator = clean_text(rec.get("indicator"))
        kind_text = norm(rec.get("kind"))
        kind = "качественный" if kind_text.startswith("качеств") else (
            "количественный" if kind_text.startswith("количеств") else None)
        if not criterion or not indicator:
            log.add(ERROR, tab.name, r, header.cols["criterion" if not criterion else "indicator"],
                    "Не указан " + ("критерий" if not criterion else "показатель") + NOT_COUNTED)
            continue
        if kind is None:
            log.add(ERROR, tab.name, r, header.cols.get("kind", 0), f"Вид показателя «{shown(rec.get('kind'))}» — нужно "
                    "«качественный» или «количественный»" + NOT_COUNTED)
            continue
        records.append({"criterion": criterion, "kind": kind, "indicator": indicator,
                        "source": clean_text(rec.get("source")), "row": r + 1})
    if not records:
        log.add(ERROR, tab.name, None, None, "На вкладке «Критерии» нет ни одного показателя; используются критерии по умолчанию")
        return None
    return pd.DataFrame(records, columns=CRITERIA_COLUMNS)


def parse_indicators(tab: RawTab, log: IssueLog) -> tuple[C.MonitoringIndicator, ...] | None:
    header = _find_table(tab.rows, VOCAB_INDICATORS, ("indicator",), 1)
    if header is None:
        log.add(ERROR, tab.name, None, None, _missing_header_message(tab.name, C.INDICATOR_COLUMNS, ("indicator",)))
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
_TOTAL_WORDS = ("итого", "всего")


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


def _map_unique(values: list, parser, *args) -> list[tuple]:
    """Parse each distinct value once (the column of a 1 000-row tab has a few dozen distinct spellings)."""
    return list(map(_distinct_map(values, parser, *args).__getitem__, values))


_PARSED: dict[tuple, dict] = {}     # (parser, args) → {value: result}: parsers are pure, so shared


def _distinct_map(values: list, parser, *args, found: dict | None = None) -> dict:
    """{value: parser(value, *args)} for each distinct value of a column (`found`: its distinct values,
    if already known), remembered across tabs and workbooks.

    Keyed by value (C-speed `dict.fromkeys`): equal numbers of different types (2 and 2.0) parse alike
    in every parser here, so they may share a key — except bools (True == 1), so a column holding a
    bool next to a 0 or 1 gets a key per (type, value) pair, looked up through `_TypedMap`."""
    found = dict.fromkeys(values) if found is None else found
    if (1 in found or 0 in found) and bool in set(map(type, values)):
        return _TypedMap(values, parser, *args)
    memo = _PARSED.get((parser, args))
    if memo is None or len(memo) > 50_000:
        memo = _PARSED[(parser, args)] = {}
    for v in found:
        hit = memo.get(v, _MISSING)
        if hit is _MISSING:
            hit = memo[v] = parser(v, *args)
        found[v] = hit
    return found


_MISSING = object()


class _TypedMap(dict):
    """A `_distinct_map` for columns mixing bools with 0 / 1: `m[v]` parses per (type, value)."""

    def __init__(self, values, parser, *args):
        super().__init__()
        self.parser, self.args = parser, args
        for v in values:
            self[v]

    def __getitem__(self, v):
        key = (type(v), v)
        hit = dict.get(self, key)
        if hit is None:
            hit = self.parser(v, *self.args)
            dict.__setitem__(self, key, hit)
        return hit

    def items(self):   # (a representative value, result) per key, like a plain distinct map
        return [(k[1], r) for k, r in dict.items(self)]


# Two whitespace / NUL characters in a row, or whitespace other than a plain space.
_NEEDS_CLEANING = re.compile(r"[\s\x00]{2}|[^\S ]")


def _clean_texts(values: list) -> list[str]:
    """`[clean_text(v) for v in values]`, also fast for columns of unique free text (topics, links).

    A non-empty text needs cleaning only if it has whitespace at an end, two whitespace characters in
    a row or whitespace other than a plain space. One regex pass over the non-empty texts joined by
    NUL (with NUL at both ends) finds them: such a text holds or touches a match at p, p + 1 or p + 2
    (matches do not overlap, so a match can hide the pair right after it)."""
    if not values:
        return []
    found = dict.fromkeys(values)
    if len(found) * 4 < len(values) or set(map(type, found)) != {str}:
        return list(map(_distinct_map(values, clean_text, found=found).__getitem__, values))
    texts = list(filter(None, values))
    # The usual case, in a few C-level scans: no double space, no space at either end of a text (next
    # to a "|" separator), and every character printable — which rules out every whitespace character
    # but the plain space (all of them are non-printable). Then every text is clean as it is.
    bar = "|".join(texts)
    if not ("  " in bar or "| " in bar or " |" in bar or bar.startswith(" ") or bar.endswith(" ")
            or not bar.isprintable()):
        return values
    joined = "\x00" + "\x00".join(texts) + "\x00"
    hits = np.fromiter((m.start() for m in _NEEDS_CLEANING.finditer(joined)), dtype=np.int64)
    if not len(hits):
        return values
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.cumsum(lengths + 1) - lengths                # where each text begins in `joined`
    touched = np.searchsorted(starts, np.concatenate([hits, hits + 1, hits + 2]), side="right") - 1
    at = np.flatnonzero(np.fromiter(map(bool, values), dtype=bool, count=len(values)))   # text i = values[at[i]]
    out = list(values)
    for i in np.unique(touched[touched >= 0]).tolist():
        out[at[i]] = clean_text(texts[i])
    return out


@dataclass
class TabContext:
    tab: str
    institution: str
    year: int | None
    plan_items: frozenset[str]
    log: IssueLog

    def error(self, row0: int, col0: int, message: str) -> None:
        self.log.add(ERROR, self.tab, row0, col0, message, self.institution)

    def warning(self, row0: int | None, col0: int | None, message: str) -> None:
        self.log.add(WARNING, self.tab, row0, col0, message, self.institution)


_COUNT_KEYS = ("participants", "specialists", "institutions_count")


def _per_row(parsed: dict, values: list, part: int | None = None) -> list:
    """`parsed[v]` (or its element `part`) for each row's value `v`."""
    if isinstance(parsed, _TypedMap):
        return [parsed[v] if part is None else parsed[v][part] for v in values]
    table = parsed if part is None else {v: r[part] for v, r in parsed.items()}
    return list(map(table.__getitem__, values))


def _flags(parsed: dict, values: list, predicate) -> np.ndarray:
    """Per row: predicate(parsed result of the row's value), evaluated once per distinct value."""
    if isinstance(parsed, _TypedMap):
        return np.fromiter((bool(predicate(parsed[v])) for v in values), dtype=bool, count=len(values))
    flag_of = {v: bool(predicate(r)) for v, r in parsed.items()}
    return np.fromiter(map(flag_of.__getitem__, values), dtype=bool, count=len(values))


def _data_rows(rows: list[list], header: Header, stop: int, scan: _TabScan) -> list[int]:
    """The rows of a Мероприятия block that hold data: not blank, not a lone block title such as
    «Мониторинг показателей». Rows are counted in C; only rows with one filled cell are looked at."""
    first_row = header.row0 + 1
    block = rows[first_row:stop]
    counts = np.array(scan.filled(block), dtype=np.int64)
    keep = counts >= 2
    for i in np.flatnonzero(counts == 1).tolist():
        row = block[i]
        first = next(v for v in row if not is_blank(v))
        keep[i] = not (isinstance(first, str) and norm(first).startswith(_TITLE_WORDS) and
                       _is_block_title(row, first, header.cols))
    return (np.flatnonzero(keep) + first_row).tolist()


def _parse_activity_block(rows: list[list], header: Header, stop: int, ctx: TabContext,
                          scan: _TabScan) -> tuple[dict[str, list], int]:
    """Returns (loaded rows as columns — see `_activities_frame` — and the number of non-empty data rows).

    Vectorised: each column's distinct values are parsed once; rows whose values all parse cleanly
    are loaded without a per-row Python step; only rows with something to report go through the
    row-by-row checks below, in row order, so the issues are exactly those of a plain row loop."""
    cols = header.cols
    data_r = _data_rows(rows, header, stop, scan)
    data = list(map(rows.__getitem__, data_r))
    n_rows = len(data)
    if not n_rows:
        return {}, 0
    rectangular = min(map(len, data)) > max(cols.values())

    def column(key: str) -> list:
        c = cols.get(key)
        if c is None:
            return [""] * n_rows
        if rectangular:
            return list(map(itemgetter(c), data))
        return [row[c] if c < len(row) else "" for row in data]

    date_values, types = column("date"), column("type")
    plan_values = column("plan_item")
    count_values = {k: column(k) for k in _COUNT_KEYS}
    dates = _distinct_map(date_values, _parse_date_or_blank, ctx.year)
    canon = _distinct_map(types, _canonical_or_blank)
    plan_refs = _distinct_map(plan_values, _plan_ref_or_blank)
    counts = {k: _distinct_map(v, _count_or_blank) for k, v in count_values.items()}
    first_cols = sorted(cols.values())
    c_date, c_type = cols["date"], cols["type"]
    year, plan_items = ctx.year, ctx.plan_items

    # Rows with anything to report: flagged per distinct value, then OR-ed per row.
    suspect = _flags(dates, date_values, lambda r: r[0] is None or r[1] is not None or (year and r[0].year != year))
    suspect |= _flags(canon, types, lambda kind: kind is None)
    suspect |= _flags(plan_refs, plan_values,
                      lambda r: r[1] is not None or (r[0] and plan_items and r[0] not in plan_items))
    for key, parsed in counts.items():
        suspect |= _flags(parsed, count_values[key], lambda r: r[1] is not None)
    for c in first_cols[:2]:
        values = list(map(itemgetter(c), data)) if rectangular else [row[c] if c < len(row) else "" for row in data]
        totals = _totals_among(dict.fromkeys(values))
        if totals:
            suspect |= np.fromiter(map(totals.__contains__, values), dtype=bool, count=n_rows)
    spec = np.array(_per_row(counts["specialists"], count_values["specialists"], 0), dtype=float)   # None → NaN
    part = np.array(_per_row(counts["participants"], count_values["participants"], 0), dtype=float)
    suspect |= spec > part

    keep = np.ones(n_rows, dtype=bool)
    plan_override: dict[int, None] = {}
    allowed = ", ".join(C.ACTIVITY_TYPE_NAMES)
    for i in np.flatnonzero(suspect).tolist():
        r, row = data_r[i], data[i]
        if any(_is_total(row[c]) for c in first_cols[:2] if c < len(row)):
            ctx.warning(r, first_cols[0], "Строка итогов не учитывается: итоги приложение считает само" + NOT_COUNTED)
            keep[i] = False
            continue
        ok = True
        day, problem = dates[date_values[i]]
        if day is None:
            ok = False
            ctx.error(r, c_date, (problem or "Не указана дата мероприятия") + NOT_COUNTED)
        elif problem:
            ctx.warning(r, c_date, problem)
        kind = canon[types[i]]
        if kind is None:
            ok = False
            if is_blank(types[i]):
                ctx.error(r, c_type, "Не указан вид мероприятия" + NOT_COUNTED)
            else:
                ctx.error(r, c_type, f"Вид мероприятия «{shown(types[i])}» не из списка ({allowed})" + NOT_COUNTED)
        values = {}
        for key, parsed in counts.items():
            number, problem = parsed[count_values[key][i]]
            if problem and number is None:
                ok = False
                ctx.error(r, cols[key], f"{C.ACTIVITY_COLUMNS[key].title}: {problem}" + NOT_COUNTED)
            elif problem:
                ctx.warning(r, cols[key], f"{C.ACTIVITY_COLUMNS[key].title}: {problem}")
            values[key] = number
        if not ok:
            keep[i] = False
            continue
        plan_item, problem = plan_refs[plan_values[i]]
        if problem:
            ctx.warning(r, cols["plan_item"], problem)
        if plan_item and ctx.plan_items and plan_item not in ctx.plan_items:
            ctx.warning(r, cols["plan_item"], f"Пункта {plan_item} нет в плане работы: мероприятие учтено без пункта плана")
            plan_override[i] = None          # as the message says: counted, but toward no plan item
        if ctx.year and day.year != ctx.year:
            ctx.warning(r, c_date, f"Дата {day:%d.%m.%Y} не в {ctx.year} году: мероприятие учтено в {day.year} году")
        if values["specialists"] is not None and values["participants"] is not None and \
                values["specialists"] > values["participants"]:
            ctx.warning(r, cols["specialists"], f"Специалистов ({values['specialists']}) больше, чем участников "
                        f"({values['participants']})")

    # The loaded rows, column by column.
    def kept(values: list) -> list:
        return values if all_kept else list(compress(values, keep_list))

    all_kept = bool(keep.all())
    keep_list = keep.tolist()
    plan_column = _per_row(plan_refs, plan_values, 0)
    for i in plan_override:
        plan_column[i] = None
    loaded = {
        "days": _per_row(dates, kept(date_values), 0),
        "type": _per_row(canon, kept(types)),
        "type_raw": _clean_texts(kept(types)),
        "plan_item": kept(plan_column),
        "topic": _clean_texts(kept(column("topic"))),
        **{k: _per_row(counts[k], kept(count_values[k]), 0) for k in _COUNT_KEYS},
        "link": _clean_texts(kept(column("link"))),
        "note": _clean_texts(kept(column("note"))),
        "row": kept(data_r),
        "institution": ctx.institution,
        "tab": ctx.tab,
    }
    return loaded, n_rows


_TOTALS: dict[str, bool] = {}


def _totals_among(values) -> set:
    """The values that start a totals row. Only a text holding «итог» or «всег» can; the others are
    passed over with one C-level scan of the joined texts."""
    texts = [v for v in values if type(v) is str]
    joined = "\x00".join(texts).lower()
    if "итог" not in joined and "всег" not in joined:
        return set()
    return {v for v in texts if ("итог" in v.lower() or "всег" in v.lower()) and _is_total(v)}


def _is_total(value) -> bool:
    """A cell that starts a totals row («Итого», «Всего:»)."""
    if not isinstance(value, str):
        return False
    hit = _TOTALS.get(value)
    if hit is None:
        if len(_TOTALS) > 50_000:
            _TOTALS.clear()
        hit = _TOTALS[value] = norm(value).startswith(_TOTAL_WORDS)
    return hit


def clear_memos() -> None:
    """Forget the values remembered across calls (the benchmark measures a cold parse with this)."""
    _PARSED.clear()
    _TOTALS.clear()
    _HEADER_START.clear()
    for vocab in (VOCAB_ACTIVITY, VOCAB_MONITORING, VOCAB_PLAN, VOCAB_INSTITUTIONS, VOCAB_CRITERIA, VOCAB_INDICATORS):
        vocab._memo.clear()


def _parse_date_or_blank(value, year):
    return (None, None) if is_blank(value) else parse_date(value, year)


def _canonical_or_blank(value):
    return None if is_blank(value) else C.canonical_activity_type(value)


def _plan_ref_or_blank(value):
    return (None, None) if is_blank(value) else parse_plan_ref(value)


def _count_or_blank(value):
    return (None, None) if is_blank(value) else parse_count(value)


def _indicator_matcher(indicators: tuple[C.MonitoringIndicator, ...]):
    table = {}
    for ind in indicators:
        for text in (ind.name, *ind.synonyms):
            table.setdefault(norm(text), ind)
    return table


def _parse_monitoring_block(rows: list[list], header: Header, stop: int, ctx: TabContext,
                            indicators: tuple[C.MonitoringIndicator, ...]) -> list[dict]:
    known = _indicator_matcher(indicators)
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
            ctx.error(r, c_ind, "Не указан показатель, к которому относятся числа в этой строке" + NOT_COUNTED)
            continue
        ind = known.get(norm(raw_name))
        name = ind.name if ind else clean_text(raw_name)
        if ind is None:
            ctx.warning(r, c_ind, f"Показатель «{shown(raw_name)}» не из списка показателей мониторинга: учтён как есть")
        if name in seen:
            ctx.error(r, c_ind, f"Показатель «{name}» уже указан в строке {seen[name]}" + NOT_COUNTED)
            continue
        seen[name] = r + 1
        percent = ind.is_percent if ind else False
        for q, c in quarter_cols.items():
            raw = row[c] if c < len(row) else ""
            value = None
            if not is_blank(raw):
                value, problem = parse_number(raw)
                if value is None:
                    ctx.error(r, c, f"«{name}», {['I', 'II', 'III', 'IV'][q - 1]} квартал: {problem}; значение не учтено")
                elif value < 0:
                    ctx.error(r, c, f"«{name}»: отрицательное значение {shown(raw)} не учтено")
                    value = None
                elif percent and isinstance(raw, float) and 0 < value <= 1.0:
                    value = value * 100          # a cell formatted as 88 % stores 0.88
            out.append({"institution": ctx.institution, "indicator": name, "quarter": q, "value": value,
                        "tab": ctx.tab, "cell": cell_address(r, c)})
    missing = [i.name for i in indicators if i.name not in seen]
    if missing and seen:
        ctx.warning(header.row0, c_ind, "В блоке «Мониторинг» нет строк показателей: " + "; ".join(f"«{m}»" for m in missing))
    return out


def parse_institution_tab(rows: list[list], ctx: TabContext, indicators) -> tuple[list[dict], list[dict], int, bool, bool]:
    """Returns (activities, monitoring, data rows total, has activity block, has monitoring block);
    activities as one dict of loaded columns per Мероприятия block (see `_parse_activity_block`)."""
    headers: list[tuple[str, Header]] = []
    scan = _TabScan(rows)
    for r in scan.header_rows:
        row = rows[r]
        cols, extra, dup = VOCAB_ACTIVITY.match_row(row)
        if _is_activity_header(cols):
            headers.append(("activities", Header(r, cols, extra)))
            for c, text in dup:
                ctx.warning(r, c, f"Столбец «{shown(text)}» повторяется: используется первый такой столбец")
            continue
        cols, extra, dup = VOCAB_MONITORING.match_row(row)
        if _is_monitoring_header(cols):
            headers.append(("monitoring", Header(r, cols, extra)))
    activities: list[dict] = []
    monitoring: list[dict] = []
    total = 0
    kinds = [k for k, _ in headers]
    for i, (kind, header) in enumerate(headers):
        stop = headers[i + 1][1].row0 if i + 1 < len(headers) else len(rows)
        if kind == "activities":
            for c, text in header.extra:
                ctx.warning(header.row0, c, f"Столбец «{shown(text)}» не входит в шаблон и не учитывается")
            for key in ("plan_item", "topic", "participants"):
                if key not in header.cols:
                    ctx.warning(header.row0, min(header.cols.values()),
                                f"В блоке «Мероприятия» нет столбца «{C.ACTIVITY_COLUMNS[key].title}»")
            loaded, n = _parse_activity_block(rows, header, stop, ctx, scan)
            activities.append(loaded)
            total += n
        else:
            monitoring.extend(_parse_monitoring_block(rows, header, stop, ctx, indicators))
    if "activities" not in kinds:
        stray = [r for r, row in enumerate(rows[: headers[0][1].row0] if headers else rows)
                 if sum(not is_blank(v) for v in row) >= 2]
        if stray:
            total += len(stray)
            first = stray[0]
            col = next(c for c, v in enumerate(rows[first]) if not is_blank(v))
            ctx.error(first, col, "Не найдена строка заголовков блока «Мероприятия» (нужны столбцы «Дата» и "
                      f"«Вид мероприятия»): {len(stray)} заполненных строк не учтены")
    return activities, monitoring, total, "activities" in kinds, "monitoring" in kinds


# --------------------------------------------------------------------------- the workbook


def _warn_tab(log: IssueLog, tab: str, message: str, institution: str = "", severity: str = WARNING) -> None:
    log.add(severity, tab, None, None, message, institution)


def build_workbook(tabs: list[RawTab], source: SourceInfo) -> Workbook:
    """Parse and validate every tab. Never raises on bad content: problems become issues."""
    log = IssueLog()
    service: dict[str, RawTab] = {}
    others: list[RawTab] = []
    for tab in tabs:
        kind = C.service_tab_kind(tab.name)
        if kind == "lists":
            continue                     # the template's hidden drop-down lists: not data
        if kind and kind not in service:
            service[kind] = tab
        else:
            others.append(tab)
    for tab in tabs:
        if tab.problem:                  # e.g. too many rows: not read at all, say so
            log.add(ERROR, tab.name, None, None, tab.problem)
    if all(not t.problem and all(_row_is_blank(r) for r in t.rows) for t in tabs):
        log.add(ERROR, "", None, None, f"В книге «{source.label}» нет данных: все листы пустые. "
                "Проверьте, что выбран нужный файл")

    settings = parse_settings(service["settings"], log) if "settings" in service else Settings()
    if "settings" not in service:
        _warn_tab(log, "", "Нет вкладки «Настройки»: название ОМП, тема и год не заданы")
    plan_year = settings.year or source.read_at.year
    plan = parse_plan(service["plan"], plan_year, log) if "plan" in service else empty_frame(PLAN_COLUMNS)
    if "plan" not in service:
        _warn_tab(log, "", "Нет вкладки «План»: статус выполнения плана не рассчитывается")
    institutions = parse_institutions(service["institutions"], log) if "institutions" in service else \
        empty_frame(INSTITUTION_COLUMNS)
    if "institutions" not in service:
        _warn_tab(log, "", "Нет вкладки «Учреждения»: учреждениями считаются все остальные вкладки")
    criteria = parse_criteria(service["criteria"], log) if "criteria" in service else None
    indicators = (parse_indicators(service["indicators"], log) if "indicators" in service else None) or \
        C.DEFAULT_MONITORING_INDICATORS

    listed = {norm(n): i for i, n in enumerate(institutions["institution"])}
    tab_of: dict[int, str] = {}
    extra_institutions = []
    plan_items = frozenset(plan["item"])
    activities: list[dict] = []
    monitoring: list[dict] = []
    summary = []
    accounting = RowAccounting()
    for tab in others:
        idx = listed.get(norm(tab.name))
        if getattr(tab, "release", None) is not None:   # a lazily read tab (lib.sources.LazyTab): read it
            tab.rows                                     # now — reading may show it is too big to load
            if tab.late_problem:
                log.add(ERROR, tab.name, None, None, tab.problem)
        if tab.problem:                  # reported above; the institution has its tab, unread
            if idx is not None:
                tab_of.setdefault(idx, tab.name)
            else:
                extra_institutions.append({"institution": tab.name.strip(), "full_name": "", "district": "",
                                           "responsible": "", "contacts": "", "tab": tab.name, "listed": False,
                                           "row": None})
            continue
        if idx is not None and idx in tab_of:
            _warn_tab(log, tab.name, f"Вкладка «{tab.name}» повторяет вкладку «{tab_of[idx]}» того же учреждения: "
                      "данные взяты из обеих", institutions["institution"].iloc[idx])
        if idx is None:
            name = tab.name.strip()
            rows_here = [r for r in tab.rows if not _row_is_blank(r)]
            if not rows_here:
                _warn_tab(log, tab.name, f"Пустая вкладка «{name}» не указана в списке учреждений и пропущена")
                continue
            if len(institutions):
                _warn_tab(log, tab.name, f"Вкладки «{name}» нет в списке учреждений (вкладка «Учреждения»): "
                          "её данные загружены, добавьте учреждение в список", name)
            extra_institutions.append({"institution": name, "full_name": "", "district": "", "responsible": "",
                                       "contacts": "", "tab": tab.name, "listed": False, "row": None})
        else:
            name = institutions["institution"].iloc[idx]
            tab_of.setdefault(idx, tab.name)
        ctx = TabContext(tab.name, name, settings.year, plan_items, log)
        try:
            acts, mons, total, has_a, has_m = parse_institution_tab(_apply_vertical_merges(tab), ctx, indicators)
        except SourceError:
            raise                        # a lazily read tab of a corrupt file: the file cannot be read
        except Exception as exc:  # one broken tab never hides the others
            _warn_tab(log, tab.name, f"Вкладку «{tab.name}» не удалось разобрать ({type(exc).__name__}): "
                      "проверьте, что она заполнена по шаблону", name, ERROR)
            acts, mons, total, has_a, has_m = [], [], 0, False, False
        release = getattr(tab, "release", None)
        if release is not None:
            release()                    # parsed: its raw cells are not needed any more
        activities.extend(acts)
        n_loaded = sum(len(c["row"]) for c in acts if c)
        monitoring.extend(mons)
        accounting.add(total, n_loaded)
        summary.append((tab.name, name, total, n_loaded, total - n_loaded, has_a, has_m))
        if has_a and total == 0:
            _warn_tab(log, tab.name, f"Учреждение «{name}» не внесло ни одного мероприятия", name)
        if not has_m:
            _warn_tab(log, tab.name, f"На вкладке «{tab.name}» не найден блок «Мониторинг» (заголовок «Показатель | "
                      "I квартал | II квартал | III квартал | IV квартал»)", name)

    institutions = institutions.copy()
    institutions["tab"] = [tab_of.get(i) for i in range(len(institutions))]
    for i, name in enumerate(institutions["institution"]):
        if i not in tab_of:
            _warn_tab(log, "Учреждения", f"Для учреждения «{name}» нет вкладки: создайте вкладку с именем «{name}»", name)
    if extra_institutions:
        institutions = pd.concat([institutions, pd.DataFrame(extra_institutions)], ignore_index=True) \
            if len(institutions) else pd.DataFrame(extra_institutions, columns=INSTITUTION_COLUMNS)

    return Workbook(
        source=source, settings=settings, institutions=institutions, plan=plan,
        activities=_activities_frame(activities), monitoring=_monitoring_frame(monitoring),
        criteria=criteria, indicators=tuple(indicators), issues=log.frame(), accounting=accounting,
        tab_gids={t.name: t.gid for t in tabs if t.gid is not None},
        tab_summary=pd.DataFrame(summary, columns=TAB_SUMMARY_COLUMNS))


def _activities_frame(chunks: list[dict[str, list]]) -> pd.DataFrame:
    """The activities table from the loaded rows of every Мероприятия block (`_parse_activity_block`)."""
    chunks = [c for c in chunks if c and c["row"]]
    if not chunks:
        frame = empty_frame(ACTIVITY_COLUMNS)
        frame["date"] = pd.Series(dtype="datetime64[ns]")
        return frame

    def joined(key: str) -> list:
        return list(chain.from_iterable(c[key] for c in chunks))

    days = joined("days")
    day_numbers = {d: d.toordinal() - _UNIX_ORDINAL for d in set(days)}
    day_index = np.fromiter(map(day_numbers.__getitem__, days), dtype=np.int64, count=len(days))
    years = {d: d.year for d in day_numbers}
    quarters = {d: (d.month - 1) // 3 + 1 for d in day_numbers}
    def text(values: list) -> pd.Series:           # object dtype: building Arrow strings costs more than it saves
        return pd.Series(values, dtype=object)

    columns = {
        "institution": text(list(chain.from_iterable([c["institution"]] * len(c["row"]) for c in chunks))),
        "date": day_index.astype("datetime64[D]").astype("datetime64[s]"),
        "year": np.fromiter(map(years.__getitem__, days), dtype=np.int64, count=len(days)),
        "quarter": np.fromiter(map(quarters.__getitem__, days), dtype=np.int64, count=len(days)),
        **{k: text(joined(k)) for k in ("type", "type_raw", "plan_item", "topic")},
        **{k: _int64_with_na(joined(k)) for k in _COUNT_KEYS},
        "link": text(joined("link")), "note": text(joined("note")),
        "tab": text(list(chain.from_iterable([c["tab"]] * len(c["row"]) for c in chunks))),
        "row": np.array(joined("row"), dtype=np.int64) + 1,
    }
    return pd.DataFrame(columns, columns=ACTIVITY_COLUMNS)


_UNIX_ORDINAL = date(1970, 1, 1).toordinal()
_INT64 = (-(2 ** 63), 2 ** 63 - 1)


def _int64_with_na(values: list) -> pd.api.extensions.ExtensionArray | pd.Series:
    """A nullable Int64 column from ints and Nones (what `.astype("Int64")` gives, without its per-value
    Python work)."""
    distinct = set(values)
    numbers = [v for v in distinct if v is not None]
    if any(type(v) is not int or not _INT64[0] <= v <= _INT64[1] for v in numbers):
        return pd.Series(values, dtype=object).astype("Int64").array      # the general (and raising) path
    data = np.fromiter(map({**{v: v for v in numbers}, None: 0}.__getitem__, values), dtype=np.int64, count=len(values))
    mask = np.fromiter(map({**{v: False for v in numbers}, None: True}.__getitem__, values), dtype=bool,
                       count=len(values))
    return pd.arrays.IntegerArray(data, mask)


def _monitoring_frame(records: list[dict]) -> pd.DataFrame:
    if not records:
        return empty_frame(MONITORING_COLUMNS)
    frame = pd.DataFrame.from_records(records, columns=MONITORING_COLUMNS)
    frame["value"] = frame["value"].astype("float64")
    frame["quarter"] = frame["quarter"].astype("int64")
    return frame
