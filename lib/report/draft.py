"""The report draft: criteria → indicators → text, drafted from the data of one period and scope.

`build_report(wb, period, institutions)` returns a plain dataclass tree that the «Отчет» page shows
and lets people edit, and that `lib.report.docx` writes to Word. Every indicator of the criteria
(see `lib.report.criteria`) is present; one with nothing to say reads «— нет данных за период».

Quantitative indicators: counts per activity type with Russian plural forms, shares by topic,
participants, plan targets of the cited plan items, monitoring figures. Qualitative indicators: a
narrative in the seed report's style — «Проведено 3 совещания: 16 января (по теме «…»), 01 февраля
(…)» — built from the period's activity rows; big groups are summarised (count, institutions, date
range, most frequent topics) so a year of 28 institutions stays readable.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import numpy as np
import pandas as pd

from lib import russian as ru
from lib.validate.cellgrid import object_array
from lib.model.contract import ACTIVITY_TYPE_NAMES, COUNT_WHAT, norm
from lib.report.criteria import (KIND_HEADINGS, QUALITATIVE, QUANTITATIVE, CriteriaProblem, IndicatorSpec, Source,
                          resolve_criteria)
from lib.metrics.counts import region_totals
from lib.model.workbook import Settings, Workbook
from lib.model.periods import Period

NO_DATA = "— нет данных за период"
DETAIL_MAX = 8            # a type with at most this many rows is listed row by row, else summarised
TOP_TOPICS = 3
TOPIC_MAX_CHARS = 160


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


def report_title(settings: Settings, period: Period) -> str:
    """«Отчет по результатам деятельности опорно-методической площадки … по теме «…» в 1 квартале 2026 года»."""
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
    if base and norm(base) not in norm(owner):
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
        return "по области"
    if len(chosen) == 1:
        return f"по учреждению {chosen[0]}"
    return "по выбранным учреждениям"


# --------------------------------------------------------------------------- drafting context


def period_monitoring(wb: Workbook, period: Period, institutions: Iterable[str] | None = None) -> pd.DataFrame:
    """Per institution × indicator: the period figure — the same result as
    `metrics.monitoring_period_values` (sum of the quarters or the latest filled quarter, as the
    indicator says), computed with whole-column operations so a report stays fast."""
    mon = wb.monitoring
    mon = mon[mon["quarter"].between(period.first_quarter, period.last_quarter)]
    chosen = list(institutions or [])
    if chosen:
        mon = mon[mon["institution"].isin(chosen)]
    columns = ["institution", "indicator", "value", "blank_quarters"]
    if mon.empty:
        return pd.DataFrame(columns=columns)
    keys = ["institution", "indicator"]
    groups = mon[keys].drop_duplicates()
    filled = mon.dropna(subset=["value"]).sort_values("quarter", kind="stable")
    summed = filled.groupby(keys, sort=False)["value"].sum()
    latest = filled.groupby(keys, sort=False)["value"].last()
    n_filled = filled.groupby(keys, sort=False).size()
    sum_names = {i.name for i in wb.indicators if i.over_time == "сумма"}
    index = pd.MultiIndex.from_frame(groups)
    value = np.where(groups["indicator"].isin(sum_names).to_numpy(),
                     summed.reindex(index).to_numpy(), latest.reindex(index).to_numpy())
    out = groups.reset_index(drop=True).copy()
    out["value"] = pd.Series(value, dtype="float64").where(n_filled.reindex(index).notna().to_numpy(), None)
    out["blank_quarters"] = (len(period.quarters) - n_filled.reindex(index).fillna(0).to_numpy()).astype(int)
    return out[columns]



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


def _codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(integer code per row, -1 for a blank; distinct values as an object array)."""
    codes, names = pd.factorize(column)
    return codes, np.asarray(names, dtype=object)


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
    """What every report of one loaded workbook shares, whatever the period and scope: the activity
    columns as plain arrays (types and plan items as integer codes), the row order of a report, the
    normalised text of each row (for topic shares) and the topic grouping codes — all in the row
    positions of `wb.activities`. Each piece is built on first use and kept, so a page keeps one
    `ReportData` per loaded workbook (e.g. in `st.cache_resource` under the data key) and a filter
    change only selects rows instead of re-normalising and re-sorting every activity."""

    def __init__(self, wb: Workbook):
        acts = wb.activities
        self.n_rows = len(acts)
        self.columns = tuple(acts.columns)
        self.year = acts["year"].astype("float64").to_numpy()
        self.quarter = acts["quarter"].astype("float64").to_numpy()
        # text columns as integer codes + their distinct values (kept small: no string per row)
        self.inst_code, self.inst_names = _codes(acts["institution"])
        self.inst_index = {v: c for c, v in enumerate(self.inst_names.tolist())}
        self.type_code, type_names = _codes(acts["type"])
        self.type_names = [str(t) for t in type_names.tolist()]
        self.type_values = type_names
        self.type_index = {t: c for c, t in enumerate(type_names.tolist())}
        self.item_code, item_names = _codes(acts["plan_item"])
        self.item_index = {v: c for c, v in enumerate(item_names.tolist())}
        self.topic_code, self.topic_names = _codes(acts["topic"].fillna(""))
        self.has_topic = (self.topic_names != "")[self.topic_code] if self.n_rows else np.zeros(0, dtype=bool)
        self.day = acts["date"].to_numpy(dtype="datetime64[D]")
        self.num = {k: acts[k].astype("float64").fillna(0).to_numpy() if self.n_rows else np.zeros(0)
                    for k in ("participants", "specialists", "institutions_count")}
        # report order (date, institution, row), stable: as sorting the selected rows would give
        self.order = (acts.reset_index(drop=True).sort_values(["date", "institution", "row"], kind="stable")
                      .index.to_numpy())
        self._type_raw = _codes(acts["type_raw"])
        self._note = _codes(acts["note"])
        # the topic-share keywords of the workbook's criteria: their hits are found in one pass
        self._keywords = {tuple(share.keywords) for crit in resolve_criteria(wb).criteria
                          for spec in crit.indicators for share in spec.source.shares}
        self._share_hits: dict[tuple[str, ...], np.ndarray] = {}
        self._topic_groups: np.ndarray | None = None

    def fits(self, wb: Workbook) -> bool:
        return len(wb.activities) == self.n_rows and tuple(wb.activities.columns) == self.columns

    def select(self, period: Period, institutions: list[str]) -> np.ndarray:
        """Positions of the rows of a period and institutions (as `metrics.select_activities`), in report order."""
        mask = (self.year == period.year) & (self.quarter >= period.first_quarter) & (self.quarter <= period.last_quarter)
        if institutions:
            codes = [self.inst_index[i] for i in set(institutions) if i in self.inst_index]
            mask &= np.isin(self.inst_code, codes)
        return self.order[mask[self.order]]

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
    plain arrays (indicators select rows by index), monitoring figures, the plan."""

    def __init__(self, wb: Workbook, period: Period, institutions: list[str], data: ReportData | None = None):
        self.wb, self.period, self.chosen = wb, period, institutions
        if data is None or not data.fits(wb):
            data = ReportData(wb)
        self.data = data
        self.pos = pos = data.select(period, institutions)      # the rows, as positions in `wb.activities`
        self.n = len(pos)
        self.inst = data.inst_names[data.inst_code[pos]] if len(data.inst_names) else data.inst_code[pos]
        self.inst_code = data.inst_code[pos]
        self.type_code = data.type_code[pos]
        self.item_code = data.item_code[pos]
        self.topic = data.topic(pos)
        self.has_topic = data.has_topic[pos]
        self.day = data.day[pos]
        self.num = {k: v[pos] for k, v in data.num.items()}
        self.by_type = {data.type_names[c]: np.flatnonzero(self.type_code == c)
                        for c in pd.unique(self.type_code) if c >= 0} if self.n else {}
        self._by_item: dict[str, np.ndarray] = {}
        self._memo: dict = {}
        self.scope = institutions or wb.institution_names
        self.indicator_rules = {i.name: i for i in wb.indicators}
        mon = period_monitoring(wb, period, institutions)
        self.mon_totals = region_totals(mon, wb.indicators)
        self.mon_filled = mon.dropna(subset=["value"]).groupby("indicator")["institution"].nunique().to_dict()
        self.plan = wb.plan.drop_duplicates("item").set_index("item", drop=False) if len(wb.plan) else None
        self._year_rows: np.ndarray | None = None

    # row selection ---------------------------------------------------------

    def rows_for(self, source: Source) -> np.ndarray:
        """Sorted indices of the rows of the source's activity types or plan items (a union)."""
        parts = [self.by_type.get(t, np.zeros(0, dtype=np.int64)) for t in source.types]
        for item in source.plan_items:
            if item not in self._by_item:
                code = self.data.item_index.get(item)
                self._by_item[item] = (np.flatnonzero(self.item_code == code) if code is not None
                                       else np.zeros(0, dtype=np.int64))
            parts.append(self._by_item[item])
        if not parts:
            return np.zeros(0, dtype=np.int64)
        if len(parts) == 1:
            return parts[0]
        mask = np.zeros(self.n, dtype=bool)
        for part in parts:
            mask[part] = True
        return np.flatnonzero(mask)

    def share_count(self, idx: np.ndarray, keywords: tuple[str, ...]) -> int:
        """How many of the rows `idx` mention any of the keywords."""
        if not len(idx):
            return 0
        return int(self.data.share_hits_at(keywords, self.pos[idx]).sum())

    def year_rows(self) -> np.ndarray:
        """Positions (in `wb.activities`) of the scope's rows from the start of the year to the period
        end (for yearly targets)."""
        if self._year_rows is None:
            self._year_rows = self.data.select(Period(self.period.year, 1, self.period.last_quarter), self.chosen)
        return self._year_rows

    def n_institutions(self, idx: np.ndarray) -> int:
        """How many institutions the rows `idx` come from."""
        return int(np.unique(self.inst_code[idx]).size)

    def memo(self, key, build):
        """Indicators often share a type and sources: draft each piece once."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]


# --------------------------------------------------------------------------- pieces of text


def _type_counts(ctx: _Context, idx: np.ndarray) -> list[tuple[str, int]]:
    """(type, count) in vocabulary order for the selected rows."""
    codes = ctx.type_code[idx]
    counts = np.bincount(codes[codes >= 0], minlength=len(ctx.data.type_names))
    found = {ctx.data.type_names[c]: int(counts[c]) for c in np.flatnonzero(counts).tolist()}
    if (codes < 0).any():
        found[str(None)] = int((codes < 0).sum())          # a row without a type (as str() names it)
    ordered = [t for t in ACTIVITY_TYPE_NAMES if t in found] + sorted(t for t in found if t not in ACTIVITY_TYPE_NAMES)
    return [(t, int(found[t])) for t in ordered]


def _of_type(ctx: _Context, idx: np.ndarray, kind: str) -> np.ndarray:
    code = ctx.data.type_index.get(kind)
    return idx[ctx.type_code[idx] == code] if code is not None else idx[:0]


def _verb_groups(counts: list[tuple[str, int]]) -> str:
    """«проведено 11 консультаций и 2 совещания; разработано 3 буклета» (types grouped by their verb)."""
    groups: dict[str, list[tuple[str, int]]] = {}
    for kind, n in counts:
        groups.setdefault(ru.type_verb_stem(kind), []).append((kind, n))
    phrases = []
    for members in groups.values():
        first_kind, first_n = members[0]
        verb = ru.type_verb(first_kind, first_n)      # agrees with the first count, as Russian does
        phrases.append(f"{verb} {ru.join_ru(ru.count_phrase(n, k) for k, n in members)}")
    return "; ".join(phrases)


def _participation(ctx: _Context, idx: np.ndarray, numbers: dict) -> str:
    people = int(ctx.num["participants"][idx].sum())
    specialists = int(ctx.num["specialists"][idx].sum())
    numbers.update({"participants": people, "specialists": specialists})
    if people:
        text = f"Всего в мероприятиях {ru.took_part(people)} {ru.plural(people, ru.PEOPLE)}"
        if specialists:
            text += f", в том числе {ru.plural(specialists, ru.SPECIALISTS)}"
        return ru.sentence(text)
    if specialists:
        return ru.sentence(f"Всего в мероприятиях {ru.took_part(specialists)} {ru.plural(specialists, ru.SPECIALISTS)}")
    return ""


def _shares(ctx: _Context, idx: np.ndarray, source: Source, numbers: dict) -> list[str]:
    """«6 (55 %) — по вопросам применения СЗТ» for each topic share of the source."""
    out = []
    for share in source.shares:
        k = ctx.share_count(idx, tuple(share.keywords))
        pct = ru.share_percent(k, len(idx))
        numbers[f"share:{share.phrase}"] = k
        numbers[f"share_pct:{share.phrase}"] = pct if pct is not None else 0
        out.append(f"{ru.format_number(k)} ({ru.format_percent(pct or 0, 0)}) — {share.phrase}")
    return out


def _measure(ctx: _Context, rows: np.ndarray, count_what: str) -> int:
    """Events, or the sum of a count column, of the rows at positions `rows` of `wb.activities`."""
    column = COUNT_WHAT.get(count_what, "events")
    return int(len(rows)) if column == "events" else int(ctx.data.num[column][rows].sum())


def _plan_lines(ctx: _Context, source: Source, numbers: dict) -> list[str]:
    """For each cited plan item with a numeric `Цель`: what its citing rows add up to against it."""
    if ctx.plan is None:
        return []
    out = []
    full_year = ctx.period == Period(ctx.period.year, 1, 4)
    for item in source.plan_items:
        if item not in ctx.plan.index:
            continue
        plan_row = ctx.plan.loc[item]
        target = plan_row["target"]
        if target is None or (isinstance(target, float) and target != target):
            continue
        per = plan_row["target_period"] or "год"
        if per in ("квартал", "месяц"):
            base = ctx.pos
            need = float(target) * (len(ctx.period.quarters) if per == "квартал" else ctx.period.months)
            label = "за период"
        else:
            base = ctx.year_rows()
            need = float(target)
            label = "годовой план" if full_year else "с начала года, годовой план"
        data = ctx.data
        cited = base[data.item_code[base] == data.item_index.get(item, -2)]
        if plan_row["indicator"]:
            cited = cited[data.type_code[cited] == data.type_index.get(plan_row["indicator"], -2)]
        actual = _measure(ctx, cited, plan_row["count_what"])
        pct = ru.share_percent(actual, need)
        numbers[f"plan:{item}:actual"] = actual
        numbers[f"plan:{item}:target"] = need
        out.append(f"по п. {item} плана ({label}): {ru.format_number(actual)} из {ru.format_number(need)}"
                   + (f" ({ru.format_percent(pct, 0)})" if pct is not None else ""))
    return out


def _monitoring_text(ctx: _Context, source: Source, numbers: dict) -> tuple[str, bool]:
    """(text, any figure found) for the monitoring indicators of a source: «По области данный
    показатель соответствует достижению 90 %»; indicators without figures are named, not dropped."""
    if not source.monitoring:
        return "", False
    scope = _scope_phrase(ctx.chosen)
    total_insts = len(ctx.scope)
    single = len(source.monitoring) == 1
    pieces, missing = [], []
    for name in source.monitoring:
        rule = ctx.indicator_rules.get(name)
        value = ctx.mon_totals.get(name)
        filled = int(ctx.mon_filled.get(name, 0))
        if value is None:
            missing.append(f"«{name}»")
            continue
        numbers[f"monitoring:{name}"] = value
        numbers[f"monitoring:{name}:filled"] = filled
        percent = rule.is_percent if rule else False
        shown = ru.format_percent(value) if percent else f"{ru.format_number(value)} {rule.unit if rule else ''}".strip()
        when = " за период" if rule is not None and rule.over_time == "сумма" and not percent else ""
        coverage = ""
        if total_insts and filled < total_insts:
            coverage = f" (сведения представили {filled} из {ru.plural(total_insts, ru.INSTITUTIONS_GEN)})"
        if single and percent:
            pieces.append(f"{scope} данный показатель соответствует достижению {shown}{coverage}")
        elif single:
            pieces.append(f"{scope}{when}: «{name}» — {shown}{coverage}")
        else:
            pieces.append(f"«{name}»{when} — {shown}{coverage}")
    none = ("Нет данных мониторинга за период по " + ("показателю " if len(missing) == 1 else "показателям ")
            + ", ".join(missing)) if missing else ""
    if not pieces:
        return ru.sentence(none), False
    if single:
        return ru.sentence(pieces[0]), True
    text = ru.sentence(f"По данным мониторинга {scope}: " + "; ".join(pieces))
    return (text + (" " + ru.sentence(none) if none else "")), True


def _topic(text: str) -> str:
    text = " ".join(str(text).split())
    if len(text) > TOPIC_MAX_CHARS:
        text = text[:TOPIC_MAX_CHARS].rsplit(" ", 1)[0] + "…"
    return ru.quoted(text)


def _day(value: np.datetime64) -> str:
    return ru.format_day_month(value.astype(date))


def _listing(ctx: _Context, idx: np.ndarray, multi: bool) -> str:
    """«16 января, 13 марта (КЦСОН …; по теме «…»; 23 участника)» per topic and institution, by date."""
    entries: dict[tuple[str, str], list[int]] = {}
    for i in idx.tolist():                   # rows are sorted by date
        entries.setdefault((ctx.inst[i] if multi else "", ctx.topic[i]), []).append(i)
    out = []
    for (inst, topic), rows in entries.items():
        dates: list[str] = []
        for i in rows:
            d = _day(ctx.day[i])
            if d not in dates:
                dates.append(d)
        details = []
        if inst:
            details.append(inst)
        if topic:
            details.append(f"по теме {_topic(topic)}")
        people = int(ctx.num["participants"][rows].sum())
        insts = int(ctx.num["institutions_count"][rows].sum())
        counted = []
        if people:
            counted.append(ru.plural(people, ru.PARTICIPANTS))
        if insts > 1:
            counted.append(ru.plural(insts, ru.INSTITUTIONS))
        if counted:
            details.append(", ".join(counted))
        out.append(", ".join(dates) + (f" ({'; '.join(details)})" if details else ""))
    return ", ".join(out)


def _summary(ctx: _Context, idx: np.ndarray, multi: bool) -> str:
    """«в 12 учреждениях, с 10 января по 28 марта; чаще всего — по темам «A» (12), «B» (7)»."""
    bits = []
    if multi:
        n_inst = ctx.n_institutions(idx)
        bits.append(f"в {ru.plural(n_inst, ('учреждении', 'учреждениях', 'учреждениях'))}")
    first, last = ctx.day[idx].min(), ctx.day[idx].max()
    bits.append(f"с {_day(first)} по {_day(last)}" if first != last else _day(first))
    text = ", ".join(bits)
    with_topic = idx[ctx.has_topic[idx]]
    if len(with_topic):
        codes = ctx.data.topic_codes_at(ctx.pos[with_topic])
        # topics by count, ties in order of first appearance (rows are sorted by date), as Counter.most_common
        uniq, first_at, count = np.unique(codes, return_index=True, return_counts=True)
        order = np.lexsort((first_at, -count))
        spelling = {int(uniq[j]): ctx.topic[with_topic[first_at[j]]] for j in order[:TOP_TOPICS].tolist()}
        top = [(int(uniq[j]), int(count[j])) for j in order[:TOP_TOPICS].tolist()]
        counts = uniq               # only its length is used below
        if len(counts) == 1 and len(with_topic) == len(idx):
            text += f", по теме {_topic(spelling[top[0][0]])}"
        elif top[0][1] > 1:
            listed = [f"{_topic(spelling[k])} ({n})" for k, n in top if n > 1]
            text += ("; чаще всего — по теме " if len(listed) == 1 else "; чаще всего — по темам ") + ru.join_ru(listed)
        else:
            listed = [_topic(spelling[k]) for k, _ in top]
            text += "; среди тем — " + ", ".join(listed) + (" и другие" if len(counts) > len(listed) else "")
    return text


def _type_sentence(ctx: _Context, idx: np.ndarray, kind: str, multi: bool) -> str:
    n = len(idx)
    head = f"{ru.type_verb(kind, n)} {ru.count_phrase(n, kind)}"
    if n <= DETAIL_MAX:
        return ru.sentence(f"{head}: {_listing(ctx, idx, multi)}")
    return ru.sentence(f"{head} {_summary(ctx, idx, multi)}")


def _draft_qualitative(ctx: _Context, spec: IndicatorSpec) -> tuple[str, dict, bool]:
    numbers: dict[str, float] = {}
    source = spec.source
    idx = ctx.rows_for(source)
    sentences = []
    if len(idx):
        multi = ctx.n_institutions(idx) > 1
        numbers["rows"] = len(idx)
        for kind, n in _type_counts(ctx, idx):
            numbers[f"type:{kind}"] = n
            covers_all = kind in source.types          # then the rows of this type are the same everywhere
            key = ("type", kind, multi) if covers_all else ("type", kind, multi, source.plan_items, source.types)
            sentences.append(ctx.memo(key, lambda: _type_sentence(ctx, _of_type(ctx, idx, kind), kind, multi)))
        shares = _shares(ctx, idx, source, numbers)
        if shares:
            sentences.append(ru.sentence(f"Из {ru.plural(len(idx), ru.EVENTS_GEN)} " + ", ".join(shares)))
    mon_text, mon_found = _monitoring_text(ctx, source, numbers)
    if mon_text and (mon_found or sentences):
        sentences.append(mon_text)
    return ("\n".join(sentences) if sentences else NO_DATA), numbers, bool(sentences)


def _draft_quantitative(ctx: _Context, spec: IndicatorSpec) -> tuple[str, dict, bool]:
    numbers: dict[str, float] = {}
    source = spec.source
    idx = ctx.rows_for(source)
    sentences = []
    if len(idx):
        counts = _type_counts(ctx, idx)
        numbers["rows"] = len(idx)
        for kind, n in counts:
            numbers[f"type:{kind}"] = n
        main = _verb_groups(counts)
        if len(counts) > 1:
            main += f", всего {ru.plural(len(idx), ru.EVENTS)}"
        shares = _shares(ctx, idx, source, numbers)
        if shares:
            main += ", из них " + ", ".join(shares)
        if len(ctx.scope) > 1:
            n_inst = ctx.n_institutions(idx)
            numbers["institutions"] = n_inst
            main = f"по данным {ru.plural(n_inst, ru.INSTITUTIONS_GEN)} {main}"
        sentences.append(ru.sentence(main))
        part = _participation(ctx, idx, numbers)
        if part:
            sentences.append(part)
    mon_text, mon_found = _monitoring_text(ctx, source, numbers)
    if mon_text and (mon_found or sentences):
        sentences.append(mon_text)
    has_data = bool(sentences)
    if not has_data:
        sentences.append(NO_DATA + ".")
    plan = _plan_lines(ctx, source, numbers)
    if plan:
        sentences.append(ru.sentence("Выполнение плана: " + "; ".join(plan)))
    text = "\n".join(sentences)
    return (text if has_data or plan else NO_DATA), numbers, has_data


def build_report(wb: Workbook, period: Period, institutions: Iterable[str] | None = None,
                 data: ReportData | None = None) -> Report:
    """The draft for a period and scope (None or empty: the whole ОМП). `data`: the workbook's
    `ReportData`, kept between reports of the same loaded workbook (built here when not given)."""
    chosen = [i for i in (institutions or [])]
    ctx = _Context(wb, period, chosen, data)
    criteria_set = resolve_criteria(wb)
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
