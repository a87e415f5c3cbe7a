"""The report draft: criteria → indicators → text, drafted from the data of one period and scope.

`build_report(wb, period, institutions)` returns a plain dataclass tree that the «Отчет» page shows
and lets people edit, and that `lib.docx_export` writes to Word. Every indicator of the criteria
(see `lib.criteria`) is present; one with nothing to say reads «— нет данных за период».

Quantitative indicators: counts per activity type with Russian plural forms, shares by topic,
participants, plan targets of the cited plan items, monitoring figures. Qualitative indicators: a
narrative in the seed report's style — «Проведено 3 совещания: 16 января (по теме «…»), 01 февраля
(…)» — built from the period's activity rows; big groups are summarised (count, institutions, date
range, most frequent topics) so a year of 28 institutions stays readable.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import numpy as np
import pandas as pd

from lib import russian as ru
from lib.contract import ACTIVITY_TYPE_NAMES, COUNT_WHAT, norm
from lib.criteria import (KIND_HEADINGS, QUALITATIVE, QUANTITATIVE, CriteriaProblem, IndicatorSpec, Source,
                          resolve_criteria)
from lib.metrics import region_totals, select_activities
from lib.model import Settings, Workbook
from lib.periods import Period

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



class _Context:
    """Everything the indicators of one report share, computed once: the period's activity rows as
    plain arrays (indicators select rows by index), monitoring figures, the plan."""

    def __init__(self, wb: Workbook, period: Period, institutions: list[str]):
        self.wb, self.period, self.chosen = wb, period, institutions
        acts = select_activities(wb, period, institutions).sort_values(["date", "institution", "row"], kind="stable")
        self.acts = acts.reset_index(drop=True)
        self.n = len(self.acts)
        col = self.acts
        self.inst = col["institution"].to_numpy(dtype=object)
        self.type = col["type"].to_numpy(dtype=object)
        self.item = col["plan_item"].to_numpy(dtype=object)
        self.topic = col["topic"].fillna("").to_numpy(dtype=object)
        self.day = col["date"].to_numpy(dtype="datetime64[D]")
        self.num = {k: col[k].astype("float64").fillna(0).to_numpy() if self.n else np.zeros(0)
                    for k in ("participants", "specialists", "institutions_count")}
        self.by_type = {t: np.flatnonzero(self.type == t) for t in pd.unique(self.type)} if self.n else {}
        self._by_item: dict[str, np.ndarray] = {}
        self._haystack: np.ndarray | None = None
        self._topic_keys: np.ndarray | None = None
        self._memo: dict = {}
        self.scope = institutions or wb.institution_names
        self.indicator_rules = {i.name: i for i in wb.indicators}
        mon = period_monitoring(wb, period, institutions)
        self.mon_totals = region_totals(mon, wb.indicators)
        self.mon_filled = mon.dropna(subset=["value"]).groupby("indicator")["institution"].nunique().to_dict()
        self.plan = wb.plan.drop_duplicates("item").set_index("item", drop=False) if len(wb.plan) else None
        self._year_acts: pd.DataFrame | None = None

    # row selection ---------------------------------------------------------

    def rows_for(self, source: Source) -> np.ndarray:
        """Sorted indices of the rows of the source's activity types or plan items (a union)."""
        parts = [self.by_type.get(t, np.zeros(0, dtype=np.int64)) for t in source.types]
        for item in source.plan_items:
            if item not in self._by_item:
                self._by_item[item] = np.flatnonzero(self.item == item)
            parts.append(self._by_item[item])
        if not parts:
            return np.zeros(0, dtype=np.int64)
        return parts[0] if len(parts) == 1 else np.unique(np.concatenate(parts))

    def haystack(self) -> np.ndarray:
        """Normalised topic + type as written + note of every row (for topic shares), built on first use."""
        if self._haystack is None:
            cache: dict[tuple, str] = {}
            out = []
            for key in zip(self.topic, self.acts["type_raw"].to_numpy(dtype=object), self.acts["note"].to_numpy(dtype=object)):
                hit = cache.get(key)
                if hit is None:
                    hit = cache[key] = " " + " ".join(norm(v) for v in key if isinstance(v, str) and v) + " "
                out.append(hit)
            self._haystack = np.array(out, dtype=object)
        return self._haystack

    def topic_keys(self) -> np.ndarray:
        """Topics folded for grouping (case, «ё», quotes, spaces); built on first use."""
        if self._topic_keys is None:
            cache: dict[str, str] = {}
            out = []
            for t in self.topic:
                hit = cache.get(t)
                if hit is None:
                    hit = cache[t] = " ".join(t.lower().replace("ё", "е").replace("«", " ").replace("»", " ")
                                              .replace('"', " ").rstrip(". ").split())
                out.append(hit)
            self._topic_keys = np.array(out, dtype=object)
        return self._topic_keys

    def year_acts(self) -> pd.DataFrame:
        """Activity rows of the scope from the start of the year to the period end (for yearly targets)."""
        if self._year_acts is None:
            self._year_acts = select_activities(self.wb, Period(self.period.year, 1, self.period.last_quarter),
                                                self.chosen)
        return self._year_acts

    def memo(self, key, build):
        """Indicators often share a type and sources: draft each piece once."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]


# --------------------------------------------------------------------------- pieces of text


def _type_counts(ctx: _Context, idx: np.ndarray) -> list[tuple[str, int]]:
    """(type, count) in vocabulary order for the selected rows."""
    kinds, counts = np.unique(ctx.type[idx].astype(str), return_counts=True)
    found = dict(zip(kinds.tolist(), counts.tolist()))
    ordered = [t for t in ACTIVITY_TYPE_NAMES if t in found] + sorted(t for t in found if t not in ACTIVITY_TYPE_NAMES)
    return [(t, int(found[t])) for t in ordered]


def _of_type(ctx: _Context, idx: np.ndarray, kind: str) -> np.ndarray:
    return idx[ctx.type[idx] == kind]


def _verb_groups(counts: list[tuple[str, int]]) -> str:
    """«проведено 11 консультаций и 2 совещания; разработано 3 буклета» (types grouped by their verb)."""
    groups: dict[str, list[tuple[str, int]]] = {}
    for kind, n in counts:
        groups.setdefault(ru.TYPE_VERB.get(kind, ru.DEFAULT_VERB), []).append((kind, n))
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
        hay = ctx.haystack()[idx] if len(idx) else []
        k = sum(1 for h in hay if any(w in h for w in share.keywords))
        pct = ru.share_percent(k, len(idx))
        numbers[f"share:{share.phrase}"] = k
        numbers[f"share_pct:{share.phrase}"] = pct if pct is not None else 0
        out.append(f"{ru.format_number(k)} ({ru.format_percent(pct or 0, 0)}) — {share.phrase}")
    return out


def _measure(rows: pd.DataFrame, count_what: str) -> int:
    column = COUNT_WHAT.get(count_what, "events")
    return int(len(rows)) if column == "events" else int(rows[column].fillna(0).sum())


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
            base = ctx.acts
            need = float(target) * (len(ctx.period.quarters) if per == "квартал" else ctx.period.months)
            label = "за период"
        else:
            base = ctx.year_acts()
            need = float(target)
            label = "годовой план" if full_year else "с начала года, годовой план"
        cited = base[base["plan_item"] == item]
        if plan_row["indicator"]:
            cited = cited[cited["type"] == plan_row["indicator"]]
        actual = _measure(cited, plan_row["count_what"])
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
        n_inst = len(set(ctx.inst[idx].tolist()))
        bits.append(f"в {ru.plural(n_inst, ('учреждении', 'учреждениях', 'учреждениях'))}")
    first, last = ctx.day[idx].min(), ctx.day[idx].max()
    bits.append(f"с {_day(first)} по {_day(last)}" if first != last else _day(first))
    text = ", ".join(bits)
    with_topic = idx[ctx.topic[idx] != ""]
    if len(with_topic):
        keys = ctx.topic_keys()
        counts = Counter(keys[with_topic].tolist())
        spelling: dict[str, str] = {}
        for i in with_topic.tolist():
            spelling.setdefault(keys[i], ctx.topic[i])
        top = counts.most_common(TOP_TOPICS)
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
        multi = len(set(ctx.inst[idx].tolist())) > 1
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
            n_inst = len(set(ctx.inst[idx].tolist()))
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


def build_report(wb: Workbook, period: Period, institutions: Iterable[str] | None = None) -> Report:
    """The draft for a period and scope (None or empty: the whole ОМП)."""
    chosen = [i for i in (institutions or [])]
    ctx = _Context(wb, period, chosen)
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
                  activity_rows=len(ctx.acts))


def as_of_for(period: Period, today: date | None = None) -> date:
    """The date a period's figures are judged on: the day after its end, or today if it has not ended."""
    today = today or date.today()
    end = period.end
    return min(today, date.fromordinal(end.toordinal() + 1))
