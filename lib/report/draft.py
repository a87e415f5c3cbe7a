"""The report draft: criteria → indicators → text, drafted from the data of one period and scope.

`build_report(wb, period, institutions)` returns a plain dataclass tree that the «Отчет» page shows
and lets people edit, and that `lib.report.docx` writes to Word. Every indicator of the criteria
(see `lib.report.criteria`) is present; one with nothing to say reads «— нет данных за период», one
whose rows another indicator already describes names that indicator.

Each activity row is described once per kind (qualitative / quantitative): `_Context.claim` gives it
to the indicator whose `Источник` names it most precisely. Each fact is then said once, in the seed
report's voice: the quantitative indicator gives the count («Проведено 11 консультаций, из них 55 %
— по вопросам применения СЗТ»; «Организовано 3 стажировки для 27 учреждений»), the qualitative one
what was done (in the people's own word: «пресс-релиз»), when, on what topic, with whom and with
what result («Проведены рабочие совещания: 16 января (по теме «…»; 7 участников), 01 февраля (…)»);
a narrative keeps the count only when no quantitative indicator counts its rows, a count names the
topics of a few rows only when no narrative tells them. Long lists give the total, the topic shares
and the most notable events, the rest as a count. Rows and numbers come from the metrics layer (the
period's rows from `metrics.selection.select_rows`, type counts, institutions and monitoring figures
with who filled them from `metrics.counts`, plan-item status from `metrics.plan_status`, said as
«выполнено» / «выполняется по графику» / «не выполнено: …» / «не начато»); `ReportData` adds only
what the report itself needs (topics, the words people wrote, topic-share hits). Sentence patterns
and word forms are data (`lib/data/report_phrases.csv`, `lib/data/report_words.csv`).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import numpy as np

from lib import russian as ru
from lib.validate.cellgrid import object_array
from lib.model.contract import ACTIVITY_TYPE_NAMES, COUNT_WHAT, norm
from lib.report.criteria import (KIND_HEADINGS, QUALITATIVE, QUANTITATIVE, CriteriaProblem, IndicatorSpec, OwnWord,
                                 Source, own_word, phrase, resolve_criteria)
from lib.metrics.counts import counts_by_type, institutions_with_rows, measure, monitoring_period_values, region_figures
from lib.metrics.selection import Selection, activity_index, factorized, select_rows
from lib.metrics.plan_status import DONE, IN_PROGRESS, OVERDUE, plan_status
from lib.model.workbook import Settings, Workbook
from lib.model.periods import Period

NO_DATA = phrase("no_data")
DETAIL_MAX = 8            # a type with at most this many rows is listed row by row, else summarised
NOTABLE = 4               # a summarised list names this many notable events (fewer when a cell holds many types)
NO_TYPE = str(None)       # how `_type_counts` names the rows without a recognised type
QUANT_TOPICS = 2          # a quantitative count of at most this many rows names their topics and organisers


# --------------------------------------------------------------------------- the draft tree


@dataclass
class IndicatorDraft:
    key: str                          # stable id (criterion + kind + name), used for edits
    criterion: str
    kind: str                         # «качественный» | «количественный»
    name: str
    text: str                         # the drafted (or edited) «Результативность» cell
    has_data: bool
    source: str                       # the `Источник` it was drafted from
    numbers: dict[str, float] = field(default_factory=dict)   # every figure the text uses
    drafted_text: str = ""            # the text as drafted, before edits

    @property
    def edited(self) -> bool:
        return self.text != self.drafted_text


@dataclass
class CriterionDraft:
    name: str
    qualitative: list[IndicatorDraft] = field(default_factory=list)
    quantitative: list[IndicatorDraft] = field(default_factory=list)

    def sections(self) -> list[tuple[str, list[IndicatorDraft]]]:
        """(sub-heading, indicators) for the kinds that have indicators, qualitative first."""
        return [(KIND_HEADINGS[k], rows) for k, rows in ((QUALITATIVE, self.qualitative),
                                                         (QUANTITATIVE, self.quantitative)) if rows]

    @property
    def indicators(self) -> list[IndicatorDraft]:
        return self.qualitative + self.quantitative


@dataclass
class Report:
    title: str
    period: Period
    institutions: tuple[str, ...]     # empty: the whole ОМП
    scope_label: str
    settings: Settings
    criteria: list[CriterionDraft]
    problems: list[CriteriaProblem]
    criteria_origin: str              # "default" | "workbook"
    activity_rows: int                # activity rows of the period and scope
    generated_at: datetime = field(default_factory=datetime.now)

    def indicators(self) -> list[IndicatorDraft]:
        return [i for c in self.criteria for i in c.indicators]

    @property
    def with_data(self) -> int:
        """How many indicators the data says something about."""
        return sum(1 for i in self.indicators() if i.has_data)

    def edited(self, edits: dict[str, str]) -> int:
        """How many of this report's indicators the edits change."""
        keys = {i.key for i in self.indicators()}
        return sum(1 for k in edits if k in keys)

    def indicator(self, key: str) -> IndicatorDraft:
        for i in self.indicators():
            if i.key == key:
                return i
        raise KeyError(key)

    def with_edits(self, edits: dict[str, str]) -> "Report":
        """A copy with the texts of the given indicator keys replaced (unknown keys are ignored)."""
        def fix(rows: list[IndicatorDraft]) -> list[IndicatorDraft]:
            return [replace(i, text=edits[i.key]) if i.key in edits and edits[i.key] is not None else i for i in rows]
        return replace(self, criteria=[replace(c, qualitative=fix(c.qualitative), quantitative=fix(c.quantitative))
                                       for c in self.criteria])


# --------------------------------------------------------------------------- title and scope


def _strip_quotes(text: str) -> str:
    text = " ".join(str(text).split())
    while len(text) >= 2 and text[0] in "«\"“„" and text[-1] in "»\"”“":
        text = text[1:-1].strip()
    return text


TRUE_WORDS = {"да", "true", "1", "yes", "истина"}


def report_title(settings: Settings, period: Period) -> str:
    """«Отчет по результатам деятельности опорно-методической площадки … по теме «…» в 1 квартале 2026 года»;
    «на базе <Базовое учреждение>» only when the setting «Базовое учреждение в заголовке» is «да»."""
    parts = ["Отчет по результатам деятельности опорно-методической площадки"]
    owner = " ".join((settings.omp_name or "").split())
    low = norm(owner)
    for prefix in ("опорно методическая площадка", "опорно методической площадки", "омп"):
        if low.startswith(prefix):                     # «ОМП Министерства …» → «Министерства …»
            cut = len(owner.split()[0]) if prefix == "омп" else len(" ".join(owner.split()[:2]))
            owner = owner[cut:].strip(" ,–—-")
            break
    if owner:
        parts.append(owner)
    base = " ".join((settings.base_institution or "").split())
    if base and norm(settings.title_with_base) in TRUE_WORDS and norm(base) not in norm(owner):
        parts.append(f"на базе {base}")
    if settings.topic:
        parts.append(f"по теме {ru.quoted(_strip_quotes(settings.topic))}")
    parts.append(period.in_title)
    return " ".join(parts)


def scope_label(institutions: Iterable[str]) -> str:
    chosen = list(institutions)
    if not chosen:
        return "все учреждения ОМП"
    return ", ".join(chosen)


def _scope_phrase(chosen: list[str]) -> str:
    """How a monitoring figure's scope is said: «по области» / «по учреждению …» / «по выбранным учреждениям»."""
    if not chosen:
        return phrase("scope_all")
    if len(chosen) == 1:
        return phrase("scope_one", institution=chosen[0])
    return phrase("scope_some")


# --------------------------------------------------------------------------- drafting context


def _normed_parts(codes: np.ndarray, names: np.ndarray) -> np.ndarray:
    """Per row: `norm` of its value (once per distinct value), None for no value or an empty text;
    `codes` index `names`, -1 for no value."""
    normed = object_array([norm(v) if isinstance(v, str) and v else None for v in names.tolist()] + [None])
    return normed[np.where(codes >= 0, codes, len(names))]


def _haystack_of(*parts: np.ndarray) -> np.ndarray:
    """Per row: its parts that are not None between spaces — `" " + " ".join(parts) + " "` —
    built column by column (string additions over whole object arrays)."""
    out = np.full(len(parts[0]), " ", dtype=object)
    without = np.ones(len(out), dtype=bool)
    for part in parts:
        present = part != None  # noqa: E711 — element by element
        out[present] += part[present] + " "
        without &= ~present
    out[without] += " "
    return out


class _TextSearch:
    """Which of many texts contain any of some words. The texts are joined once (by NUL); each word
    is looked for with `str.find` over all of them at once: a step per occurrence, not per text."""

    def __init__(self, texts: list[str]):
        self.texts = texts
        self.joined = "\x00".join(texts)
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        self.starts = np.cumsum(lengths + 1) - lengths - 1          # where each text begins in `joined`

    def containing(self, words: tuple[str, ...]) -> np.ndarray:
        hit = np.zeros(len(self.texts), dtype=bool)
        for word in words:
            if not word or "\x00" in word:            # found in every text / could span two: text by text
                hit |= np.fromiter((word in t for t in self.texts), dtype=bool, count=len(self.texts))
                continue
            found, at = [], self.joined.find(word)
            while at >= 0:
                found.append(at)
                at = self.joined.find(word, at + len(word))
            hit[np.searchsorted(self.starts, found, side="right") - 1] = True
        return hit


def _as_texts(coded: tuple[np.ndarray, list]) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct values as an object array)."""
    return coded[0], np.asarray(coded[1], dtype=object)


def _fold_topic(t: str) -> str:
    return " ".join(t.lower().replace("ё", "е").replace("«", " ").replace("»", " ").replace('"', " ").rstrip(". ").split())


def _folded_topics(topics: list[str]) -> list[str]:
    """`_fold_topic` of each topic: the case and quote folding done once over all of them joined."""
    joined = "\x00".join(topics)
    parts = joined.lower().replace("ё", "е").replace("«", " ").replace("»", " ").replace('"', " ").split("\x00")
    if len(parts) != len(topics):                  # a topic holding the separator itself
        return list(map(_fold_topic, topics))
    return [" ".join(p.rstrip(". ").split()) for p in parts]


class ReportData:
    """What only the report needs of one loaded workbook, whatever the period and scope, on top of its
    activity index (`lib.metrics.selection.activity_index`: the rows in report order, institutions,
    types and plan items as codes, the counts): the topics and the words people wrote (type as
    written, note, link) as codes, the keyword hits of the criteria's topic shares and the topic
    grouping codes — all in the index's row positions. Each piece is built on first use and kept, so
    a page keeps one `ReportData` per loaded workbook (`ui.cached`) and a filter change only selects
    rows instead of re-normalising every activity."""

    def __init__(self, wb: Workbook):
        self.index = index = activity_index(wb)
        acts, order = index.source, index.frame_positions
        self.topic_code, topic_names = factorized(acts["topic"].fillna(""), order)
        self.topic_names = np.asarray(topic_names, dtype=object)
        self.has_topic = (self.topic_names != "")[self.topic_code] if index.n else np.zeros(0, dtype=bool)
        self._type_raw = _as_texts(factorized(acts["type_raw"], order))
        self._note = _as_texts(factorized(acts["note"], order))
        self._texts = {"type_raw": self._type_raw, "note": self._note,
                       "link": _as_texts(factorized(acts["link"], order))}
        # the topic-share keywords of the workbook's criteria: their hits are found in one pass
        self._keywords = {tuple(share.keywords) for crit in resolve_criteria(wb).criteria
                          for spec in crit.indicators for share in spec.source.shares}
        self._share_hits: dict[tuple[str, ...], np.ndarray] = {}
        self._topic_groups: np.ndarray | None = None
        self._raw_keys: tuple[np.ndarray, list[str]] | None = None

    def fits(self, wb: Workbook) -> bool:
        """Whether it was built on the workbook's current activity index."""
        return activity_index(wb) is self.index

    def text_at(self, column: str, pos: np.ndarray) -> np.ndarray:
        """The texts of a column («type_raw», «note», «link») of the rows at `pos`, "" for a blank."""
        codes, names = self._texts[column]
        values = np.append(np.asarray([v if isinstance(v, str) else "" for v in names.tolist()], dtype=object), "")
        return values[np.where(codes[pos] >= 0, codes[pos], len(names))]

    def raw_type_keys(self) -> tuple[np.ndarray, list[str]]:
        """(per row: a code of the `norm` of its type as written, -1 for none; the normalised texts)."""
        if self._raw_keys is None:
            codes, names = self._type_raw
            keys: dict[str, int] = {}
            per_name = np.array([keys.setdefault(norm(v), len(keys)) if isinstance(v, str) and v else -1
                                 for v in names.tolist()] + [-1], dtype=np.int64)
            self._raw_keys = (per_name[np.where(codes >= 0, codes, len(names))], list(keys))
        return self._raw_keys

    def topic(self, pos: np.ndarray) -> np.ndarray:
        """The topics (as written, "" when none) of the rows at `pos`."""
        return self.topic_names[self.topic_code[pos]]

    def _haystack(self) -> np.ndarray:
        """Per row: « normalised topic + type as written + note » (not kept: only its keyword hits are)."""
        return _haystack_of(_normed_parts(self.topic_code, self.topic_names), _normed_parts(*self._type_raw),
                            _normed_parts(*self._note))

    def share_hits_at(self, keywords: tuple[str, ...], pos: np.ndarray) -> np.ndarray:
        """Per row at `pos`: does its normalised text contain any of the keywords."""
        if keywords not in self._share_hits:
            search = _TextSearch(self._haystack().tolist())
            for kw in self._keywords | {keywords}:
                if kw not in self._share_hits:
                    self._share_hits[kw] = search.containing(kw)
        return self._share_hits[keywords][pos]

    def topic_codes_at(self, pos: np.ndarray) -> np.ndarray:
        """Integer codes of the folded topics of the rows at `pos` (equal codes: one topic for grouping)."""
        if self._topic_groups is None:
            folded: dict[str, int] = {}
            groups = np.array([folded.setdefault(t, len(folded)) for t in _folded_topics(self.topic_names.tolist())],
                              dtype=np.int64)
            self._topic_groups = groups
        return self._topic_groups[self.topic_code[pos]]


class _Context:
    """Everything the indicators of one report share, computed once: the period's activity rows as
    plain arrays (indicators select rows by index), monitoring figures, plan-item status, and which
    indicator describes which row (`claim`)."""

    def __init__(self, wb: Workbook, period: Period, institutions: list[str], data: ReportData | None = None):
        self.wb, self.period, self.chosen = wb, period, institutions
        if data is None or not data.fits(wb):
            data = ReportData(wb)
        self.data = data
        index = data.index
        self.rows = select_rows(wb, Selection(period, tuple(institutions)))
        self.pos = pos = self.rows.positions          # the rows, as positions in the activity index
        self.n = len(pos)
        inst_names = np.asarray(index.inst_names, dtype=object)
        self.inst = inst_names[index.inst_code[pos]] if len(inst_names) else index.inst_code[pos]
        self.type_code = self.rows.codes("type")
        self.item_code = self.rows.codes("plan_item")
        self.topic = data.topic(pos)
        self.has_topic = data.has_topic[pos]
        self.day = index.day[pos]
        self.num = {k: v[pos] for k, v in index.num.items()}
        self.note = data.text_at("note", pos)
        self.link = data.text_at("link", pos)
        raw_codes, self.raw_keys = data.raw_type_keys()
        self.raw_code = raw_codes[pos]
        self.scope = institutions or wb.institution_names
        self.indicator_rules = {i.name: i for i in wb.indicators}
        self.monitoring = region_figures(monitoring_period_values(wb, period, institutions), wb.indicators)
        status = plan_status(wb, as_of_for(period)) if len(wb.plan) and wb.year == period.year else None
        self.plan_status = ({} if status is None else
                            {rec["item"]: rec for rec in status.drop_duplicates("item").to_dict("records")})
        self.plan_said: set[str] = set()          # plan items whose status a quantitative indicator gave
        self.claims: dict[str, dict[str, np.ndarray]] = {}
        self.owner_of: dict[str, tuple[np.ndarray, list[IndicatorSpec]]] = {}
        self.quantified = np.zeros(self.n, dtype=bool)   # rows a quantitative indicator counts
        self.narrated = np.zeros(self.n, dtype=bool)     # rows a qualitative indicator tells

    # row selection ---------------------------------------------------------

    def _code_mask(self, codes: np.ndarray, index: dict, value: str) -> np.ndarray:
        code = index.get(value)
        return codes == code if code is not None else np.zeros(self.n, dtype=bool)

    def entries(self, source: Source) -> list[tuple[int, np.ndarray]]:
        """(precision, row mask) per activity entry of a source: type & item 3, plan item 2, type 1."""
        index = self.data.index
        out = [(1, self._code_mask(self.type_code, index.type_of, t)) for t in source.types]
        out += [(2, self._code_mask(self.item_code, index.item_of, i)) for i in source.plan_items]
        out += [(3, self._code_mask(self.type_code, index.type_of, t) & self._code_mask(self.item_code,
                                                                                      index.item_of, i))
                for t, i in source.pairs]
        return out

    def claim(self, specs: list[IndicatorSpec]) -> dict[str, np.ndarray]:
        """Indicator key → the rows it describes (sorted indices): each row goes to the indicator whose
        entry names it most precisely, the first one on a tie; a «повторно» source takes all it names."""
        best = np.zeros(self.n, dtype=np.int64)
        owner = np.full(self.n, -1, dtype=np.int64)
        named: list[np.ndarray] = []
        for j, spec in enumerate(specs):
            union = np.zeros(self.n, dtype=bool)
            for level, mask in self.entries(spec.source):
                union |= mask
                if not spec.source.again:
                    take = mask & (level > best)
                    best[take] = level
                    owner[take] = j
            named.append(union)
        out = {}
        for j, spec in enumerate(specs):
            out[spec.key] = np.flatnonzero(named[j] if spec.source.again else owner == j)
        self.owner_of.update({spec.key: (owner, specs) for spec in specs})
        return out

    def rows_for(self, spec: IndicatorSpec) -> np.ndarray:
        return self.claims[spec.kind][spec.key]

    def taken_by(self, spec: IndicatorSpec) -> IndicatorSpec | None:
        """The indicator that describes the rows `spec` names, when it has none of its own."""
        owner, specs = self.owner_of.get(spec.key, (None, None))
        if owner is None:
            return None
        union = np.zeros(self.n, dtype=bool)
        for _, mask in self.entries(spec.source):
            union |= mask
        others = owner[union]
        others = others[others >= 0]
        return specs[int(others[0])] if len(others) else None

    def share_hits(self, idx: np.ndarray, keywords: tuple[str, ...]) -> np.ndarray:
        """Per row of `idx`: does it mention any of the keywords."""
        return self.data.share_hits_at(keywords, self.pos[idx]) if len(idx) else np.zeros(0, dtype=bool)

    def n_institutions(self, idx: np.ndarray) -> int:
        """How many institutions the rows `idx` come from."""
        return len(institutions_with_rows(self.rows.where(idx)))


# --------------------------------------------------------------------------- pieces of text


def _type_counts(ctx: _Context, idx: np.ndarray) -> list[tuple[str, int]]:
    """(type, count) for the selected rows: the vocabulary's types in its order (`counts_by_type`),
    then any other type and the rows without one (NO_TYPE), by name."""
    rows = ctx.rows.where(idx)
    found = [(t, n) for t, n in counts_by_type(rows).items() if n]
    codes, counts = np.unique(rows.codes("type"), return_counts=True)
    names = rows.index.type_names
    extra = {NO_TYPE if c < 0 else str(names[c]): int(n) for c, n in zip(codes.tolist(), counts.tolist())}
    return found + sorted((t, n) for t, n in extra.items() if t not in ACTIVITY_TYPE_NAMES)


def _of_type(ctx: _Context, idx: np.ndarray, kind: str) -> np.ndarray:
    if kind == NO_TYPE:
        return idx[ctx.type_code[idx] < 0]
    code = ctx.rows.index.type_of.get(kind)
    return idx[ctx.type_code[idx] == code] if code is not None else idx[:0]


NO_TYPE_WORD = OwnWord(ru.EVENTS, "n", "мероприятия")


def _words(ctx: _Context, idx: np.ndarray, kind: str) -> tuple[OwnWord, list[tuple[OwnWord, int]]]:
    """How rows of one type are named — the people's own word when they all wrote the same known one
    («пресс-релиз»), else the type's — and, when they wrote several, the counts of their own words
    («в том числе 3 пресс-релиза»)."""
    if kind == NO_TYPE:                # rows whose type was not recognised: «мероприятия»
        return NO_TYPE_WORD, []
    codes, counts = np.unique(ctx.raw_code[idx], return_counts=True)
    distinct = [(ctx.raw_keys[c] if c >= 0 else "", int(n)) for c, n in zip(codes.tolist(), counts.tolist())]
    words = [(own_word(w), n) for w, n in distinct if w and w != norm(kind)]
    known = [(w, n) for w, n in words if w is not None]
    if len(distinct) == 1 and len(known) == 1:
        return known[0][0], []
    return own_word(kind), known


def _counted(ctx: _Context, idx: np.ndarray, kind: str, with_count: bool = True) -> tuple[str, str]:
    """(«Размещено», «3 пресс-релиза» / «24 публикации (в том числе 5 пресс-релизов)») for rows of one
    type; without the count (`with_count` False, when a quantitative indicator gives it) the narrative's
    head: («Проведены», «рабочие совещания») or, for one row, («Проведен», «семинар-практикум»)."""
    word, own = _words(ctx, idx, kind)
    n = len(idx)
    stem = ru.type_verb_stem(kind)
    if with_count:
        verb, what = ru.participle(stem, n, word.gender), ru.plural(n, word.forms)
    elif n == 1:
        verb, what = ru.participle(stem, 1, word.gender), word.forms[0]
    else:
        verb, what = ru.participle_plural(stem), word.plural
    if own and with_count:
        what += " (" + phrase("own_words", items=ru.join_ru(ru.plural(k, w.forms) for w, k in own)) + ")"
    return verb, what


def _group_shares(ctx: _Context, idx: np.ndarray, source: Source, numbers: dict, prefix: str = "") -> list[str]:
    """«55 % — по вопросам применения СЗТ, 45 % — по вопросам отчетности»: topic groups of one base (a
    row counts in the first group it matches, in the order written), said largest first; «все — …»
    when one group holds every row."""
    if not source.shares or not len(idx):
        return []
    left = np.ones(len(idx), dtype=bool)
    found = []
    for share in source.shares:
        hits = ctx.share_hits(idx, tuple(share.keywords)) & left
        left &= ~hits
        k = int(hits.sum())
        pct = ru.share_percent(k, len(idx)) or 0
        numbers[f"share:{prefix}{share.phrase}"] = k
        numbers[f"share_pct:{prefix}{share.phrase}"] = pct
        if k:
            found.append((k, share.phrase))
    if len(found) == 1 and found[0][0] == len(idx):
        return [phrase("share_one" if len(idx) == 1 else "share_all", phrase=found[0][1])]
    found.sort(key=lambda f: -f[0])
    return [phrase("share_item", percent=ru.format_percent(ru.share_percent(k, len(idx)), 0), phrase=p)
            for k, p in found]


def _bracket(text: str, inner: str) -> str:
    """«text (inner)», or «text (… ; inner)» when the text already ends with a bracket."""
    return f"{text[:-1]}; {inner})" if text.endswith(")") else f"{text} ({inner})"


def _with_shares(text: str, shares: list[str]) -> str:
    """«…, из них 55 % — …, 45 % — …», «…, все — …» or, for one row, «… — в дистанционном формате»."""
    if len(shares) == 1 and not shares[0][:1].isdigit():
        return text.rstrip(",;") + (" " if shares[0].startswith("—") else ", ") + shares[0]
    return f"{text.rstrip(',')}{'' if text.endswith(';') else ','} " + phrase("shares", items=", ".join(shares))


def _people(ctx: _Context, idx: np.ndarray) -> tuple[int, int, int]:
    """(people, specialists, institutions) of the rows, as the metrics layer counts them (`counts.measure`)."""
    rows = ctx.rows.where(idx)
    return measure(rows, "участники"), measure(rows, "специалисты"), measure(rows, "учреждения")


def _with_whom(people: int, insts: int, plain: bool = False) -> str:
    """«с участием 9 учреждений и 23 участников», or «23 участника» when no institutions are counted
    (`plain`: «2 учреждения, 6 участников», when the note already says «с участием …»)."""
    if plain:
        return ", ".join(([ru.plural(insts, ru.INSTITUTIONS)] if insts > 1 else [])
                         + ([ru.plural(people, ru.PARTICIPANTS)] if people else []))
    if insts > 1:
        who = [ru.plural(insts, ru.INSTITUTIONS_GEN)] + ([ru.plural(people, ru.PARTICIPANTS_GEN)] if people else [])
        return phrase("with_whom", who=ru.join_ru(who))
    return ru.plural(people, ru.PARTICIPANTS) if people else ""


def _participation(ctx: _Context, idx: np.ndarray, numbers: dict) -> str:
    people, specialists, insts = _people(ctx, idx)
    numbers.update({"participants": people, "specialists": specialists, "institutions_count": insts})
    if not people:
        return ""
    who = (phrase("participation_specialists", people=ru.plural(people, ru.PEOPLE),
                  specialists=ru.plural(specialists, ru.SPECIALISTS)) if 0 < specialists < people else
           ru.plural(people, ru.SPECIALISTS if specialists == people else ru.PEOPLE))
    return ru.sentence(phrase("participation", took_part=ru.took_part(people), people=who))


def _for_institutions(ctx: _Context, rows: np.ndarray) -> str:
    """«для 27 учреждений»: the «Учреждений» column summed, when a row counts more than its own. When the
    rows come from several centres and the sum exceeds the workbook's centres, the same centres are
    counted again (22 meetings of 15 centres, 2–3 centres each, are not «для 49 учреждений» in a region
    of 28), so then nothing is said; one organiser's events say whom they served, as in the seed."""
    counted = ctx.num["institutions_count"][rows]
    total = int(counted.sum())
    if not (counted > 1).any():
        return ""
    if ctx.n_institutions(rows) > 1 and total > len(ctx.wb.institution_names):
        return ""
    return " " + phrase("for_institutions", n=ru.plural(total, ru.INSTITUTIONS_GEN))


def _topic(text: str) -> str:
    return ru.quoted(" ".join(str(text).split()))


def _day(value: np.datetime64) -> str:
    return ru.format_day_month(value.astype(date))


def _details(ctx: _Context, rows: list[int], inst: str, topic: str) -> str:
    """«(КЦСОН …; по теме «…»; в режиме ВКС; с участием 9 учреждений и 23 участников; https://…)»."""
    details = [inst] if inst else []
    if topic:
        details.append(phrase("on_topic", topic=_topic(topic)))
    for extra in (ctx.note, ctx.link):
        for text in dict.fromkeys(" ".join(str(extra[i]).split()).rstrip(".;") for i in rows):
            if text and text not in details:
                details.append(text)
    people, _, insts = _people(ctx, np.asarray(rows))
    whom = _with_whom(people, insts, plain=any("с участием" in d for d in details))
    if whom:
        details.append(whom)
    return f" ({'; '.join(details)})" if details else ""


def _listing(ctx: _Context, idx: np.ndarray, multi: bool) -> str:
    """«16 января (по теме «…»; 8 участников), 13 марта (…)» per date, topic and institution."""
    entries: dict[tuple[str, str, str], list[int]] = {}
    for i in idx.tolist():                   # rows are sorted by date
        entries.setdefault((_day(ctx.day[i]), ctx.inst[i] if multi else "", ctx.topic[i]), []).append(i)
    return ", ".join(day + _details(ctx, rows, inst, topic) for (day, inst, topic), rows in entries.items())


def _notable(ctx: _Context, idx: np.ndarray, limit: int) -> tuple[list[int], int]:
    """Up to `limit` rows of a long list, one per topic: the most people and institutions first, then
    the topics most often met, then the earliest; and how many rows are left."""
    if limit <= 0:
        return [], len(idx)
    score = np.maximum(ctx.num["participants"][idx], ctx.num["specialists"][idx]) + 10 * ctx.num["institutions_count"][idx]
    groups = ctx.data.topic_codes_at(ctx.pos[idx])
    _, inverse, freq = np.unique(groups, return_inverse=True, return_counts=True)
    order = np.lexsort((np.arange(len(idx)), -freq[inverse], -score))
    chosen, seen = [], set()
    for j in order.tolist():
        if not ctx.has_topic[idx[j]] or groups[j] in seen:
            continue
        seen.add(groups[j])
        chosen.append(int(idx[j]))
        if len(chosen) == limit:
            break
    return sorted(chosen), len(idx) - len(chosen)


def _few_topics(ctx: _Context, idx: np.ndarray) -> list[str]:
    """«6 — по теме «A», 5 — по теме «B»» when a long list has at most NOTABLE topics (all rows with one)."""
    if not ctx.has_topic[idx].all():
        return []
    groups = ctx.data.topic_codes_at(ctx.pos[idx])
    uniq, first, count = np.unique(groups, return_index=True, return_counts=True)
    if len(uniq) > NOTABLE or len(uniq) < 2:
        return []
    order = np.lexsort((first, -count))
    return [phrase("by_topic", count=int(count[j]), topic=_topic(ctx.topic[idx[first[j]]])) for j in order.tolist()]


def _type_sentence(ctx: _Context, idx: np.ndarray, kind: str, multi: bool, source: Source, numbers: dict,
                   n_types: int = 1) -> str:
    """One type's rows in the seed's voice: what, when, on what topic, with whom; a long list summed up
    (its notable events fewer as the cell holds more types, so a cell stays readable)."""
    verb, what = _counted(ctx, idx, kind, with_count=not ctx.quantified[idx].all())
    head = f"{verb} {what}"
    one_inst = not multi and len(ctx.scope) > 1
    if len(idx) <= DETAIL_MAX:
        if one_inst:
            head = _bracket(head, phrase("organiser", institution=ctx.inst[idx[0]]))
        text = phrase("listing", head=head, items=_listing(ctx, idx, multi))
        shares = _group_shares(ctx, idx, source, numbers, f"{kind}:")
        if shares:
            text = _with_shares(text + ";", shares)
    else:
        if one_inst:
            head, where = _bracket(head, phrase("organiser", institution=ctx.inst[idx[0]])), ""
        else:
            where = (" " + phrase("in_institutions", n=ru.plural(ctx.n_institutions(idx), ru.INSTITUTIONS_LOC))
                     if multi else "")
        first, last = ctx.day[idx].min(), ctx.day[idx].max()
        span = phrase("span", first=_day(first), last=_day(last)) if first != last else _day(first)
        text = phrase("summary", head=head, where=where, span=span)
        shares = _group_shares(ctx, idx, source, numbers, f"{kind}:")
        if shares:
            text = _with_shares(text, shares)
        by_topic = [] if shares else _few_topics(ctx, idx)
        if by_topic:
            text += ", " + phrase("shares", items=", ".join(by_topic))
        limit = 0 if by_topic else NOTABLE if n_types <= 2 else 2 if n_types <= 4 else 1 if n_types <= 8 else 0
        notable, rest = _notable(ctx, idx, limit)
        if notable:
            events = ", ".join(_day(ctx.day[i]) + _details(ctx, [i], ctx.inst[i] if multi else "", ctx.topic[i])
                               for i in notable)
            text += "; " + phrase("notable", events=events)
            if rest:
                text += " " + phrase("rest", count=ru.plural(rest, _words(ctx, idx, kind)[0].forms))
    return ru.sentence(text)


def _monitoring_text(ctx: _Context, source: Source, numbers: dict) -> tuple[str, bool]:
    """(text, any figure found) for the monitoring indicators of a source: «По области данный
    показатель соответствует достижению 90 %»; indicators without figures are named, not dropped;
    who filled them is said once per cell."""
    if not source.monitoring:
        return "", False
    scope = _scope_phrase(ctx.chosen)
    single = len(source.monitoring) == 1
    pieces, missing, filled_by = [], [], set()
    for name in source.monitoring:
        rule = ctx.indicator_rules.get(name)
        figure = ctx.monitoring.get(name)
        if figure is None or figure.value is None:
            missing.append(f"«{name}»")
            continue
        value = figure.value
        filled_by.update(figure.filled_by)
        numbers[f"monitoring:{name}"] = value
        numbers[f"monitoring:{name}:filled"] = figure.filled
        percent = rule.is_percent if rule else False
        shown = (ru.format_percent(value, 2) if percent else
                 f"{ru.format_number(value, 2)} {rule.unit if rule else ''}".strip())
        when = " " + phrase("mon_over_period") if rule is not None and rule.over_time == "сумма" and not percent else ""
        if single and percent:
            pieces.append(phrase("mon_single_percent", scope=scope, value=shown))
        elif single:
            pieces.append(phrase("mon_single", scope=scope, when=when, name=name, value=shown))
        else:
            pieces.append(phrase("mon_item", name=name, when=when, value=shown))
    none = (phrase("mon_missing", what=("показателю " if len(missing) == 1 else "показателям ") + ", ".join(missing))
            if missing else "")
    if not pieces:
        return ru.sentence(none), False
    text = pieces[0] if single else phrase("mon_many", scope=scope, items="; ".join(pieces))
    total = len(ctx.scope)
    if total and len(filled_by) < total:
        text += " " + phrase("mon_coverage", filled=len(filled_by), total=ru.plural(total, ru.INSTITUTIONS_GEN))
    return ru.sentence(text) + (" " + ru.sentence(none) if none else ""), True


def _plan_sentences(ctx: _Context, source: Source, numbers: dict, said: str = "") -> list[str]:
    """The status of each plan item the source cites, in the seed's words, once per report; what was
    done is not repeated when the cell (`said`) already gives that count."""
    if ctx.chosen:                     # the plan is the whole ОМП's: its status is not a few institutions' figure
        return []
    items = list(dict.fromkeys([*source.plan_items, *(i for _, i in source.pairs)]))
    out = []
    for item in items:
        rec = ctx.plan_status.get(item)
        if rec is None or item in ctx.plan_said:
            continue
        ctx.plan_said.add(item)
        kind = rec["indicator"] if isinstance(rec["indicator"], str) and rec["indicator"] else ""
        column = COUNT_WHAT.get(rec["count_what"], "events")

        def amount(n: int) -> str:
            if column == "events":
                return ru.count_phrase(n, kind) if kind else ru.plural(n, ru.EVENTS)
            return ru.plural(n, {"participants": ru.PEOPLE, "specialists": ru.SPECIALISTS}.get(column, ru.INSTITUTIONS))

        numbers[f"plan:{item}:actual"] = rec["actual"]
        numbers[f"plan:{item}:required"] = rec["required_due"]
        deadline = " ".join(str(rec["deadline_text"] or "").split()) or phrase("plan_no_deadline")
        actual = (phrase("plan_actual", actual=amount(rec["actual"]))
                  if rec["actual"] and amount(rec["actual"]) not in said else "")
        if rec["status"] == DONE:
            text = phrase("plan_done", item=item, deadline=deadline, actual=actual)
        elif rec["status"] == OVERDUE:
            missed = rec["missed_checkpoints"] or []
            when = ru.format_date_numeric(missed[-1]) if missed else ru.format_date_numeric(ctx.period.end)
            text = phrase("plan_overdue", item=item, deadline=deadline, actual=amount(rec["actual"]),
                          due=rec["required_due"], date=when)
        elif rec["status"] == IN_PROGRESS:
            text = phrase("plan_on_track", item=item, deadline=deadline, actual=actual)
        else:
            text = phrase("plan_not_started", item=item, deadline=deadline)
        out.append(ru.sentence(text))
    return out


def _quantity_topics(ctx: _Context, rows: np.ndarray, named: bool) -> str:
    """«по теме «…» (БУСОВО КЦСОН Никольского района)» for each of a few rows (`named`: with its
    institution), "" when one has no topic."""
    if not ctx.has_topic[rows].all():
        return ""
    out = dict.fromkeys(phrase("on_topic", topic=_topic(ctx.topic[i]))
                        + (f" ({phrase('organiser', institution=ctx.inst[i])})" if named else "") for i in rows.tolist())
    return ", ".join(out)


def _nothing_own(ctx: _Context, spec: IndicatorSpec) -> str:
    other = ctx.taken_by(spec) if spec.source.selects_activities else None
    if other is None:
        return NO_DATA
    where = "" if other.criterion == spec.criterion else " " + phrase("of_criterion", criterion=ru.quoted(other.criterion))
    return phrase("said_above", other=ru.quoted(other.name) + where)


def _rows_by_type(ctx: _Context, spec: IndicatorSpec) -> tuple[np.ndarray, dict[str, float], list[tuple[str, np.ndarray]]]:
    """The indicator's rows, its numbers so far («rows», «type:<вид>») and its rows per type in vocabulary order."""
    idx = ctx.rows_for(spec)
    numbers: dict[str, float] = {"rows": len(idx)} if len(idx) else {}
    by_type = []
    for kind, n in (_type_counts(ctx, idx) if len(idx) else []):
        numbers[f"type:{kind}"] = n
        by_type.append((kind, _of_type(ctx, idx, kind)))
    return idx, numbers, by_type


def _draft_qualitative(ctx: _Context, spec: IndicatorSpec) -> tuple[str, dict, bool]:
    source = spec.source
    idx, numbers, by_type = _rows_by_type(ctx, spec)
    sentences = []
    if len(idx):
        for kind, rows in by_type:
            multi = ctx.n_institutions(rows) > 1
            if source.again and source.shares:      # another view of rows told elsewhere: the shares only
                verb, what = _counted(ctx, rows, kind)
                shares = _group_shares(ctx, rows, source, numbers, f"{kind}:")
                if shares:
                    sentences.append(ru.sentence(_with_shares(f"{verb} {what}", shares)))
                continue
            sentences.append(_type_sentence(ctx, rows, kind, multi, source, numbers, len(by_type)))
    mon_text, mon_found = _monitoring_text(ctx, source, numbers)
    if mon_text and (mon_found or sentences):
        sentences.append(mon_text)
    if not sentences:
        return _nothing_own(ctx, spec), numbers, False
    return "\n".join(sentences), numbers, True


def _draft_quantitative(ctx: _Context, spec: IndicatorSpec) -> tuple[str, dict, bool]:
    source = spec.source
    idx, numbers, by_type = _rows_by_type(ctx, spec)
    sentences = []
    if len(idx):
        groups: dict[str, list[str]] = {}
        if len(ctx.scope) > 1:
            numbers["institutions"] = ctx.n_institutions(idx)
        for kind, rows in by_type:
            verb, what = _counted(ctx, rows, kind)
            n_inst = ctx.n_institutions(rows)
            # a few rows no narrative tells: their topics here («1 совещание по теме «…» (КЦСОН …)»)
            told = ctx.narrated[rows].all()
            topics = _quantity_topics(ctx, rows, n_inst > 1) if len(rows) <= QUANT_TOPICS and not told else ""
            counted = _for_institutions(ctx, rows)
            what += counted
            if len(ctx.scope) > 1 and (n_inst == 1 or not (topics or counted)):
                # where, from the same rows as the count it stands by
                what = _bracket(what, phrase("organiser", institution=ctx.inst[rows[0]]) if n_inst == 1 else
                                phrase("in_institutions", n=ru.plural(n_inst, ru.INSTITUTIONS_LOC)))
            if topics:
                what += ": " + topics
            shares = _group_shares(ctx, rows, source, numbers)
            if shares:
                what = _with_shares(what, shares)
            stem = ru.type_verb_stem(kind)
            groups.setdefault(stem, [verb]).append(what)
        main = "; ".join(f"{parts[0]} {ru.join_ru(parts[1:])}" for parts in groups.values())
        sentences.append(ru.sentence(main))
        part = "" if source.again and source.shares else _participation(ctx, idx, numbers)   # a view told elsewhere
        if part:
            sentences.append(part)
    mon_text, mon_found = _monitoring_text(ctx, source, numbers)
    if mon_text and (mon_found or sentences):
        sentences.append(mon_text)
    has_data = bool(sentences)
    plan = _plan_sentences(ctx, source, numbers, "\n".join(sentences))
    if not has_data:
        return "\n".join([_nothing_own(ctx, spec) + ("." if plan else ""), *plan]), numbers, False
    return "\n".join(sentences + plan), numbers, True


def build_report(wb: Workbook, period: Period, institutions: Iterable[str] | None = None,
                 data: ReportData | None = None) -> Report:
    """The draft for a period and scope (None or empty: the whole ОМП). `data`: the workbook's
    `ReportData`, kept between reports of the same loaded workbook (built here when not given)."""
    chosen = [i for i in (institutions or [])]
    ctx = _Context(wb, period, chosen, data)
    criteria_set = resolve_criteria(wb)
    specs = [spec for crit in criteria_set.criteria for spec in crit.indicators]
    for kind in (QUALITATIVE, QUANTITATIVE):
        ctx.claims[kind] = ctx.claim([s for s in specs if s.kind == kind])
    for rows in ctx.claims[QUANTITATIVE].values():
        ctx.quantified[rows] = True     # their counts are said there: the narratives tell what, when, with whom
    for rows in ctx.claims[QUALITATIVE].values():
        ctx.narrated[rows] = True       # their dates and topics are said there: the counts need not repeat them
    drafts = []
    for crit in criteria_set.criteria:
        draft = CriterionDraft(crit.name)
        for spec in crit.indicators:
            text, numbers, has_data = (_draft_qualitative if spec.kind == QUALITATIVE else _draft_quantitative)(ctx, spec)
            item = IndicatorDraft(spec.key, crit.name, spec.kind, spec.name, text, has_data,
                                  spec.source.raw, numbers, text)
            (draft.qualitative if spec.kind == QUALITATIVE else draft.quantitative).append(item)
        drafts.append(draft)
    return Report(title=report_title(wb.settings, period), period=period, institutions=tuple(chosen),
                  scope_label=scope_label(chosen), settings=wb.settings, criteria=drafts,
                  problems=criteria_set.problems, criteria_origin=criteria_set.origin,
                  activity_rows=ctx.n)


def as_of_for(period: Period, today: date | None = None) -> date:
    """The date a period's figures are judged on: the day after its end, or today if it has not ended."""
    today = today or date.today()
    end = period.end
    return min(today, date.fromordinal(end.toordinal() + 1))
