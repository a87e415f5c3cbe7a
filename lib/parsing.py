"""Raw tabs → the typed `Workbook`, with every problem reported by tab, cell and a Russian message.

The rule: every non-empty row of a Мероприятия block is either loaded or rejected with an issue;
one broken tab never hides the others. Blocks are found by their header rows wherever they sit.
Values are parsed once per distinct spelling (see `lib.values`), not once per cell.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from lib import contract as C
from lib.contract import Column, norm
from lib.deadlines import parse_deadline
from lib.model import (ACTIVITY_COLUMNS, CRITERIA_COLUMNS, ERROR, INSTITUTION_COLUMNS, ISSUE_COLUMNS,
                       MONITORING_COLUMNS, PLAN_COLUMNS, WARNING, RowAccounting, Settings, Workbook,
                       empty_frame)
from lib.sources import RawTab, SourceInfo
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

    def key_of(self, text: str) -> str | None:
        key = norm(text)
        if key in self.exact:
            return self.exact[key]
        padded = key + " "
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
    rows = [list(r) for r in rows]
    for (r0, c0), (r1, _c1) in merges:
        if r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        for r in range(r0 + 1, min(r1, len(rows) - 1) + 1):
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


def _single_text_cell(row: list) -> str | None:
    texts = [v for v in row if not is_blank(v)]
    return texts[0] if len(texts) == 1 and isinstance(texts[0], str) else None


def _map_unique(values: list, parser, *args) -> list[tuple]:
    """Parse each distinct value once (the column of a 1 000-row tab has a few dozen distinct spellings)."""
    cache: dict = {}
    out = []
    for v in values:
        key = (type(v), v)
        hit = cache.get(key)
        if hit is None:
            hit = cache[key] = parser(v, *args)
        out.append(hit)
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


def _parse_activity_block(rows: list[list], header: Header, stop: int, ctx: TabContext) -> tuple[list[dict], int]:
    """Returns (loaded records, number of non-empty data rows)."""
    cols = header.cols
    data: list[tuple[int, list]] = []
    for r in range(header.row0 + 1, stop):
        row = rows[r]
        if _row_is_blank(row):
            continue
        title = _single_text_cell(row)
        if title is not None and norm(title).startswith(_TITLE_WORDS):
            continue                         # a block title such as «Мониторинг показателей»
        data.append((r, row))
    if not data:
        return [], 0

    def column(key: str) -> list:
        c = cols.get(key)
        if c is None:
            return [""] * len(data)
        return [row[c] if c < len(row) else "" for _, row in data]

    dates = _map_unique(column("date"), _parse_date_or_blank, ctx.year)
    types = column("type")
    canon = _map_unique(types, _canonical_or_blank)
    plan_refs = _map_unique(column("plan_item"), _plan_ref_or_blank)
    counts = {k: _map_unique(column(k), _count_or_blank) for k in ("participants", "specialists", "institutions_count")}
    topics, links, notes = column("topic"), column("link"), column("note")
    first_cols = sorted(cols.values())
    c_date, c_type = cols["date"], cols["type"]

    loaded: list[dict] = []
    allowed = ", ".join(C.ACTIVITY_TYPE_NAMES)
    for i, (r, row) in enumerate(data):
        if any(isinstance(row[c], str) and norm(row[c]).startswith(_TOTAL_WORDS) for c in first_cols[:2] if c < len(row)):
            ctx.warning(r, first_cols[0], "Строка итогов не учитывается: итоги приложение считает само" + NOT_COUNTED)
            continue
        ok = True
        day, problem = dates[i]
        if day is None:
            ok = False
            ctx.error(r, c_date, (problem or "Не указана дата мероприятия") + NOT_COUNTED)
        elif problem:
            ctx.warning(r, c_date, problem)
        kind = canon[i]
        if kind is None:
            ok = False
            if is_blank(types[i]):
                ctx.error(r, c_type, "Не указан вид мероприятия" + NOT_COUNTED)
            else:
                ctx.error(r, c_type, f"Вид мероприятия «{shown(types[i])}» не из списка ({allowed})" + NOT_COUNTED)
        values = {}
        for key, parsed in counts.items():
            number, problem = parsed[i]
            if problem and number is None:
                ok = False
                ctx.error(r, cols[key], f"{C.ACTIVITY_COLUMNS[key].title}: {problem}" + NOT_COUNTED)
            elif problem:
                ctx.warning(r, cols[key], f"{C.ACTIVITY_COLUMNS[key].title}: {problem}")
            values[key] = number
        if not ok:
            continue
        plan_item, problem = plan_refs[i]
        if problem:
            ctx.warning(r, cols["plan_item"], problem)
        if plan_item and ctx.plan_items and plan_item not in ctx.plan_items:
            ctx.warning(r, cols["plan_item"], f"Пункта {plan_item} нет в плане работы: мероприятие учтено без пункта плана")
        if ctx.year and day.year != ctx.year:
            ctx.warning(r, c_date, f"Дата {day:%d.%m.%Y} не в {ctx.year} году: мероприятие учтено в {day.year} году")
        if values["specialists"] is not None and values["participants"] is not None and \
                values["specialists"] > values["participants"]:
            ctx.warning(r, cols["specialists"], f"Специалистов ({values['specialists']}) больше, чем участников "
                        f"({values['participants']})")
        loaded.append({
            "institution": ctx.institution, "date": day, "year": day.year, "quarter": (day.month - 1) // 3 + 1,
            "type": kind, "type_raw": clean_text(types[i]), "plan_item": plan_item,
            "topic": clean_text(topics[i]), **values, "link": clean_text(links[i]), "note": clean_text(notes[i]),
            "tab": ctx.tab, "row": r + 1})
    return loaded, len(data)


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
    """Returns (activities, monitoring, data rows total, has activity block, has monitoring block)."""
    headers: list[tuple[str, Header]] = []
    for r, row in enumerate(rows):
        if not (VOCAB_ACTIVITY.could_be_header(row) or VOCAB_MONITORING.could_be_header(row)):
            continue
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
            loaded, n = _parse_activity_block(rows, header, stop, ctx)
            activities.extend(loaded)
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
        if kind and kind not in service:
            service[kind] = tab
        else:
            others.append(tab)

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
        except Exception as exc:  # one broken tab never hides the others
            _warn_tab(log, tab.name, f"Вкладку «{tab.name}» не удалось разобрать ({type(exc).__name__}): "
                      "проверьте, что она заполнена по шаблону", name, ERROR)
            acts, mons, total, has_a, has_m = [], [], 0, False, False
        activities.extend(acts)
        monitoring.extend(mons)
        accounting.add(total, len(acts))
        summary.append((tab.name, name, total, len(acts), total - len(acts), has_a, has_m))
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


def _activities_frame(records: list[dict]) -> pd.DataFrame:
    if not records:
        frame = empty_frame(ACTIVITY_COLUMNS)
        frame["date"] = pd.Series(dtype="datetime64[ns]")
        return frame
    frame = pd.DataFrame.from_records(records, columns=ACTIVITY_COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"])
    for key in ("participants", "specialists", "institutions_count"):
        frame[key] = frame[key].astype("Int64")
    for key in ("year", "quarter", "row"):
        frame[key] = frame[key].astype("int64")
    return frame


def _monitoring_frame(records: list[dict]) -> pd.DataFrame:
    if not records:
        return empty_frame(MONITORING_COLUMNS)
    frame = pd.DataFrame.from_records(records, columns=MONITORING_COLUMNS)
    frame["value"] = frame["value"].astype("float64")
    frame["quarter"] = frame["quarter"].astype("int64")
    return frame
