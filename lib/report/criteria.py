"""Report criteria as data: the built-in default (`lib/data/default_criteria.csv`, equal to the seed report)
or a workbook's «Критерии» tab, which replaces it entirely.

Each row is `Критерий | Вид показателя (качественный / количественный) | Показатель | Источник`.

The `Источник` mini-syntax
--------------------------
Entries are separated by «;» (or line breaks). Each entry is one of:

* **a plan item** — «п. 2.2», «пункт 2.2» or just «2.2»: the activity rows that cite this item;
  a quantitative indicator also gives the item's status (`metrics.plan_status`) in words: «По п. 2.2
  плана (Март, июнь …) — выполняется по графику» (once per report, for the whole ОМП only).
* **an activity type** — a name of the vocabulary or one of its synonyms («консультация»,
  «семинар», «вебинар», «буклет», …): every activity row of that type.
* **a monitoring indicator** — «мониторинг: <название показателя>» (a name or a synonym of a
  monitoring indicator of the workbook, e.g. «мониторинг: Достижение показателей дорожной карты»):
  the figure for the period, by the whole ОМП or the chosen institutions.
* **an activity type of one plan item** — «консультация & п. 1.3» or «консультация по п. 1.3»: only the
  rows of that type that cite that item (so the row of п. 1.3 does not take every consultation).
* **«повторно»** — this indicator describes its rows even when another indicator of the same kind
  (qualitative / quantitative) already did (e.g. the share of remote seminars under «малозатратные
  формы»). Without it each activity row is described once per kind: a row goes to the indicator
  whose entry names it most precisely (type & item, then a plan item, then a type), the first one on a tie.
* **a share by topic** — «тема: <слово>, <слово> — <как назвать долю>», e.g.
  «тема: СЗТ, стационарозамещ — по вопросам применения СЗТ»: of the selected activity rows, how
  many mention one of the words (case-insensitive, part of a word is enough) in the topic, the
  activity type as written or the note → «из них 55 % — по вопросам применения СЗТ». Without
  the « — …» part the share is named «по теме «СЗТ»». Several shares of one source are topic groups
  with one base: a row counts in the first group it matches, in the order written (so write the
  narrower group first), and the groups are said largest first («из них 55 % — по вопросам
  применения СЗТ, 45 % — по вопросам предоставления отчетности»); shares are per activity type.

Activity rows of an indicator are the union of its plan items, activity types and type & item pairs
(a row counts once), less the rows another indicator names more precisely (see «повторно»).
An empty `Источник` is allowed: the draft then says «— нет данных за период» for the user to fill in.
An entry that cannot be recognised (or names a plan item or monitoring indicator the workbook does
not have) becomes a `CriteriaProblem` shown on the report page; it never stops the report.

The setting «Ведомство (в заголовках)» (default «Министерства») replaces «Министерства» in the
criteria and indicator names, so a 2023 report reads «коллегиях Департамента …».

Sentence patterns of the draft are data too: `lib/data/report_phrases.csv` (key, text with
{placeholders}) — `phrase(key, **values)`; the words people write for a type («пресс-релиз»,
«программа») with their 1 / 2 / 5 forms, gender and nominative plural are `lib/data/report_words.csv`;
a canonical type's forms are its declaration's (`lib/model/contract.py`) — both through `own_word(text)`.
"""
from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from lib.data import CRITERIA_FILE
from lib.model.contract import ACTIVITY_TYPES, MonitoringIndicator, norm
from lib.model.workbook import CRITERIA_COLUMNS, Workbook
from lib.validate.values import plan_ref_exact

DEFAULT_CRITERIA_FILE = CRITERIA_FILE
QUALITATIVE, QUANTITATIVE = "качественный", "количественный"
KIND_HEADINGS = {QUALITATIVE: "Качественные показатели", QUANTITATIVE: "Количественные показатели"}
CRITERIA_TAB = "Критерии"

_SPLIT = re.compile(r"[;\n]+")
_MONITORING = re.compile(r"^(?:мониторинг|показатель мониторинга|показатель)\s*:\s*(.+)$", re.IGNORECASE | re.DOTALL)
_TOPIC = re.compile(r"^(?:тема|доля)\s*:\s*(.*)$", re.IGNORECASE | re.DOTALL)
_PHRASE_DASH = re.compile(r"\s+[—–-]\s+")
_PAIR = re.compile(r"\s*&\s*|\s+по\s+(?=(?:п\.|пункт|\d))", re.IGNORECASE)
_AGAIN = {"повторно", "повтор", "еще раз", "ещё раз"}
PHRASES_FILE = CRITERIA_FILE.parent / "report_phrases.csv"
WORDS_FILE = CRITERIA_FILE.parent / "report_words.csv"
DEFAULT_AUTHORITY = "Министерства"

SYNTAX_HINT = ("укажите вид мероприятия («консультация»), пункт плана («п. 2.2»), показатель мониторинга "
               "(«мониторинг: <название>») или долю по теме («тема: СЗТ — по вопросам применения СЗТ»), "
               "разделяя их знаком «;»")


@dataclass(frozen=True)
class TopicShare:
    keywords: tuple[str, ...]          # normalised (contract.norm) fragments
    phrase: str                        # «по вопросам применения СЗТ»
    raw: str


@dataclass(frozen=True)
class Source:
    """A parsed `Источник` cell."""
    raw: str = ""
    plan_items: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    monitoring: tuple[str, ...] = ()  # indicator names as the workbook knows them
    shares: tuple[TopicShare, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()   # (activity type, plan item): rows of the type citing the item
    again: bool = False                       # «повторно»: rows described elsewhere are described here too

    @property
    def selects_activities(self) -> bool:
        return bool(self.plan_items or self.types or self.pairs)


@dataclass(frozen=True)
class CriteriaProblem:
    """An entry of a `Источник` (or a row) that the report could not use. Shown, never fatal."""
    message: str
    criterion: str
    indicator: str
    tab: str = ""                      # «Критерии» for a workbook's tab, "" for the default
    row: int | None = None

    @property
    def text(self) -> str:
        where = (f"Вкладка «{self.tab}», строка {self.row}" if self.tab and self.row else
                 f"Вкладка «{self.tab}»" if self.tab else "Критерии по умолчанию")
        return f"{where}, показатель «{self.indicator}»: {self.message}"


@dataclass(frozen=True)
class IndicatorSpec:
    key: str                           # stable id for edits: criterion + kind + name (+ position if repeated)
    criterion: str
    kind: str                          # QUALITATIVE | QUANTITATIVE
    name: str
    source: Source
    row: int | None = None


@dataclass
class CriterionSpec:
    name: str
    indicators: list[IndicatorSpec] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[IndicatorSpec]:
        return [i for i in self.indicators if i.kind == kind]


@dataclass
class CriteriaSet:
    criteria: list[CriterionSpec]
    problems: list[CriteriaProblem]
    origin: str                        # "default" | "workbook"


@lru_cache(maxsize=1)
def _default_rows() -> tuple[tuple[str, str, str, str], ...]:
    with DEFAULT_CRITERIA_FILE.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)                    # header
        return tuple((c.strip(), k.strip(), i.strip(), s.strip()) for c, k, i, s in reader)


def default_criteria() -> pd.DataFrame:
    """The built-in criteria as a frame with the same columns as `Workbook.criteria`."""
    return pd.DataFrame([{"criterion": c, "kind": k, "indicator": i, "source": s, "row": None}
                         for c, k, i, s in _default_rows()], columns=CRITERIA_COLUMNS)


def criteria_frame(wb: Workbook) -> tuple[pd.DataFrame, str]:
    """The workbook's «Критерии» tab when it has one, else the default; and which of the two."""
    if wb.criteria is not None and len(wb.criteria):
        return wb.criteria, "workbook"
    return default_criteria(), "default"


def _indicator_lookup(indicators: tuple[MonitoringIndicator, ...]) -> dict[str, str]:
    table: dict[str, str] = {}
    for ind in indicators:
        for text in (ind.name, *ind.synonyms):
            table.setdefault(norm(text), ind.name)
    return table


def parse_source(text: str, wb: Workbook) -> tuple[Source, list[str]]:
    """`Источник` text → Source plus Russian problem messages (unrecognised or unknown entries)."""
    text = "" if text is None or (isinstance(text, float) and text != text) else str(text)
    plan_known = set(wb.plan["item"]) if len(wb.plan) else set()
    lookup = _indicator_lookup(wb.indicators)
    names = [i.name for i in wb.indicators]
    plan_items: list[str] = []
    types: list[str] = []
    monitoring: list[str] = []
    shares: list[TopicShare] = []
    pairs: list[tuple[str, str]] = []
    again = False
    problems: list[str] = []

    def add(seq: list, value) -> None:
        if value not in seq:
            seq.append(value)

    for entry in (e.strip() for e in _SPLIT.split(text)):
        entry = entry.strip(" .,")
        if not entry:
            continue
        if norm(entry) in _AGAIN:
            again = True
            continue
        m = _MONITORING.match(entry) or _TOPIC.match(entry)
        parts = [] if m else [p.strip(" .,") for p in _PAIR.split(entry)]
        if len(parts) == 2:
            kinds = [activity_type_of(p) for p in parts]
            items = [plan_ref_exact(p) for p in parts]
            kind, item = (kinds[0], items[1]) if kinds[0] else (kinds[1], items[0])
            if kind and item:
                if plan_known and item not in plan_known:
                    problems.append(f"пункта плана {item} нет на вкладке «План» (источник «{entry}»)")
                add(pairs, (kind, item))
                continue
        item = plan_ref_exact(entry)
        if item:
            if plan_known and item not in plan_known:
                problems.append(f"пункта плана {item} нет на вкладке «План» (источник «{entry}»)")
            add(plan_items, item)
            continue
        m = _MONITORING.match(entry)
        if m:
            wanted = norm(m[1])
            name = lookup.get(wanted)
            if name is None and wanted:
                hits = [n for n in names if wanted in norm(n)]
                name = hits[0] if len(hits) == 1 else None
            if name is None:
                problems.append(f"показателя мониторинга «{m[1].strip()}» нет в книге (источник «{entry}»); "
                                "показатели: " + "; ".join(f"«{n}»" for n in names))
            else:
                add(monitoring, name)
            continue
        m = _TOPIC.match(entry)
        if m:
            body = m[1].strip()
            parts = _PHRASE_DASH.split(body, maxsplit=1)
            words_text, phrase = parts[0], (parts[1].strip() if len(parts) > 1 else "")
            keywords = tuple(k for k in (norm(w) for w in words_text.split(",")) if k)
            if not keywords:
                problems.append(f"в источнике «{entry}» не указаны слова темы; {SYNTAX_HINT}")
                continue
            if not phrase:
                first = words_text.split(",")[0].strip()
                phrase = f"по теме «{first}»"
            shares.append(TopicShare(keywords, phrase, entry))
            continue
        kind = activity_type_of(entry)
        if kind is not None:
            add(types, kind)
            continue
        problems.append(f"источник «{entry}» не распознан: {SYNTAX_HINT}")
    if shares and not (plan_items or types or pairs):
        problems.append("доля по теме считается от мероприятий: добавьте в источник вид мероприятия или пункт плана")
    return Source(text.strip(), tuple(plan_items), tuple(types), tuple(monitoring), tuple(shares), tuple(pairs),
                  again), problems


@lru_cache(maxsize=1)
def _type_words() -> dict[str, str]:
    """Every spelling a `Источник` may use for an activity type: name, synonyms, the 1/2/5 forms, the plural."""
    words: dict[str, str] = {}
    for t in ACTIVITY_TYPES:
        for text in (t.name, *t.synonyms, *t.plural_forms, t.plural_nominative):
            if text:
                words.setdefault(norm(text), t.name)
    return words


def activity_type_of(entry: str) -> str | None:
    """A vocabulary type named exactly (any case, «ё», a plural «семинары» / «консультации»), else None.

    Stricter than `contract.canonical_activity_type`, which also accepts word stems in people's
    rows: in criteria a near miss («семинаристика») is a mistake worth reporting."""
    key = norm(entry)
    words = _type_words()
    if key in words:
        return words[key]
    if key.endswith(("ы", "и")):
        for cand in (key[:-1], key[:-1] + "а", key[:-1] + "я"):
            if cand in words:
                return words[cand]
    return None


def _key(criterion: str, kind: str, name: str) -> str:
    return hashlib.sha1(f"{criterion}\x1f{kind}\x1f{name}".encode()).hexdigest()[:12]


def with_authority(text: str, authority: str) -> str:
    """«…коллегиях Министерства социальной защиты…» with the body of the settings («Департамента»)."""
    authority = " ".join((authority or "").split())
    if not authority or authority == DEFAULT_AUTHORITY:
        return text
    return re.sub(r"\bМинистерства\b", authority, text)


def resolve_criteria(wb: Workbook) -> CriteriaSet:
    """The criteria of the report for this workbook, in order of appearance, with sources parsed and
    names said with the body of the settings (the keys stay those of the names as written). Worked
    out once per loaded workbook and kept on it: every report of that workbook asks again."""
    return wb.kept("criteria", (wb.criteria, wb.settings, wb.plan, wb.indicators), lambda: _resolve_criteria(wb))


def _resolve_criteria(wb: Workbook) -> CriteriaSet:
    frame, origin = criteria_frame(wb)
    authority = getattr(wb.settings, "authority", DEFAULT_AUTHORITY)
    tab = CRITERIA_TAB if origin == "workbook" else ""
    criteria: dict[str, CriterionSpec] = {}
    problems: list[CriteriaProblem] = []
    seen: dict[str, int] = {}
    for rec in frame.itertuples(index=False):
        criterion, kind, name = str(rec.criterion).strip(), str(rec.kind).strip(), str(rec.indicator).strip()
        row = None if rec.row is None or rec.row != rec.row else int(rec.row)
        source, messages = parse_source(rec.source, wb)
        problems.extend(CriteriaProblem(msg, criterion, name, tab, row) for msg in messages)
        key = _key(criterion, kind, name)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            key = f"{key}-{seen[key]}"
        shown = with_authority(criterion, authority)
        spec = criteria.setdefault(shown, CriterionSpec(shown))
        spec.indicators.append(IndicatorSpec(key, shown, kind, with_authority(name, authority), source, row))
    return CriteriaSet(list(criteria.values()), problems, origin)


# --------------------------------------------------------------------------- sentence patterns as data


@lru_cache(maxsize=1)
def _phrases() -> dict[str, str]:
    with PHRASES_FILE.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        return {row[0].strip(): row[1] for row in reader if row and row[0].strip()}


def phrase(key: str, **values) -> str:
    """The report's sentence pattern `key` (`lib/data/report_phrases.csv`) with its {placeholders} filled."""
    return _phrases()[key].format(**values)


@dataclass(frozen=True)
class OwnWord:
    """How rows of a type are named: the 1 / 2 / 5 forms, the gender (m / f / n) and the nominative
    plural («рабочие совещания»)."""
    forms: tuple[str, str, str]
    gender: str
    plural: str


@lru_cache(maxsize=1)
def _own_words() -> dict[str, OwnWord]:
    """The words a report may use for rows: every canonical type with the grammar of its declaration
    (`lib/model/contract.py`), and the words people write instead (`lib/data/report_words.csv`:
    «пресс-релиз», «программа», … with their 1 / 2 / 5 forms, gender and nominative plural)."""
    words = {norm(t.name): OwnWord(t.plural_forms, t.gender, t.plural_nominative) for t in ACTIVITY_TYPES}
    with WORDS_FILE.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for w, one, few, many, gender, plural in reader:
            words[norm(w)] = OwnWord((one.strip(), few.strip(), many.strip()), gender.strip(), plural.strip())
    return words


def own_word(text: str) -> OwnWord | None:
    """The forms of a type as written in a row («Пресс-релиз» → пресс-релиз / пресс-релиза / пресс-релизов)
    or of a canonical type («консультация»)."""
    return _own_words().get(norm(text)) if isinstance(text, str) else None
