"""Parse the free-text `Сроки` cells of a plan («I квартал 2026», «до 01 апреля, 01 июля»,
«Ежеквартально», …) into checkpoints — the sorted due dates a plan item is judged against. Text
that holds no recognisable date is reported as such (`parsed=False` with a Russian explanation),
never guessed.
"""
from __future__ import annotations

import calendar
import datetime
import math
import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Deadline", "parse_deadline", "month_end", "quarter_end"]


@dataclass(frozen=True)
class Deadline:
    text: str                                  # the original text
    checkpoints: tuple[datetime.date, ...]     # sorted, unique due dates
    parsed: bool                               # False when nothing could be recognised
    problem: str | None                        # Russian explanation when not parsed or doubtful


# --------------------------------------------------------------------------- date helpers

def month_end(year: int, m: int) -> datetime.date:
    """The last day of month `m` (1–12) of `year`."""
    if not 1 <= m <= 12:
        raise ValueError(f"month must be 1..12, got {m}")
    return datetime.date(year, m, calendar.monthrange(year, m)[1])


def quarter_end(year: int, q: int) -> datetime.date:
    """The last day of quarter `q` (1–4) of `year`."""
    if not 1 <= q <= 4:
        raise ValueError(f"quarter must be 1..4, got {q}")
    return month_end(year, 3 * q)


# --------------------------------------------------------------------------- vocabulary

# Month stems, checked in order with `startswith` (so «март» wins over «ма…» = май).
_MONTH_STEMS: tuple[tuple[str, int], ...] = (
    ("январ", 1), ("янв", 1), ("феврал", 2), ("февр", 2), ("фев", 2), ("март", 3), ("мар", 3),
    ("апрел", 4), ("апр", 4), ("ма", 5), ("июн", 6), ("июл", 7), ("август", 8), ("авг", 8),
    ("сентябр", 9), ("сент", 9), ("сен", 9), ("октябр", 10), ("окт", 10), ("ноябр", 11),
    ("нояб", 11), ("ноя", 11), ("декабр", 12), ("дек", 12),
)
# Full names in any case form, plus dotted/bare abbreviations that are whole words.
_MONTH = (r"(?<![а-я])(?:(?:январ|феврал|март|апрел|июн|июл|август|сентябр|октябр|ноябр|декабр)[а-я]*"
          r"|ма[йяею]|(?:янв|февр|фев|мар|апр|авг|сент|сен|окт|нояб|ноя|дек)(?![а-я])\.?)(?![а-я])")

# One quarter/half-year number: Roman, Arabic (with «-й», «-го», … endings) or an ordinal word.
_NUM = (r"(?:(?<![\w.])(?:iv|iii|ii|i)(?![a-z])"
        r"|(?<![\w.])[1-4](?!\d)(?:-?(?:ого|его|ый|ой|ий|ое|го|й|м|е)(?![а-я]))?"
        r"|(?<![а-я])(?:перв|втор|трет|четверт)[а-я]*)")
_SEP = r"\s*(?:[,;/-]|и(?![а-я])|по(?![а-я]))\s*"
_NUMLIST = rf"{_NUM}(?:{_SEP}{_NUM})*"
_NUM_ONE = re.compile(_NUM)

_EXPLICIT = re.compile(
    r"(?<![\d.])(?:(?P<d>\d{1,2})[./](?P<m>\d{1,2})(?:[./](?P<y>\d{4}|\d{2}))?"
    r"|(?P<iy>20\d{2})-(?P<im>\d{1,2})-(?P<id>\d{1,2}))(?![\d])(?!\.\d)")
_YEAR = re.compile(r"(?<![\d.])20\d{2}(?!\d)")
_YEAR_WORDS = re.compile(r"(?<![\d.])20\d{2}(?!\d)|(?<![а-я])(?:гг|г|годы|года|году|год)(?![а-я])\.?")
_YEAR_ONLY_FILLER = re.compile(r"(?<![а-я])(?:на|в|во|течение|течении|весь|течения)(?![а-я])|[\s,.;:()-]")

_YR = r"(?:20\d{2}\s*)?"
_ONCE = r"(?:(?:1|один)\s+|(?<!\d\s)(?<!\d))"  # «раз в …» / «1 раз в …», not «3 раза в год»
_TOKENS = re.compile(
    rf"(?P<every_month>ежемесячн[а-я]*|{_ONCE}раз\s+в\s+месяц(?![а-я])"
    r"|кажд[а-я]*\s+месяц(?![а-я]))"
    rf"|(?P<every_quarter>ежекварт[а-я]*|{_ONCE}раз\s+в\s+квартал(?![а-я])"
    r"|кажд[а-я]*\s+квартал(?![а-я]))"
    rf"|(?P<every_half>ежеполугод[а-я]*|{_ONCE}раз\s+в\s+полугодие(?![а-я])"
    r"|кажд[а-я]*\s+полугодие(?![а-я]))"
    rf"|(?P<year_end>в\s+течени[еия]\s+(?:всего\s+|текущего\s+|календарного\s+)?{_YR}"
    r"(?:года|год|гг?(?![а-я])\.?)"
    r"|постоянн[а-я]*|ежегодн[а-я]*|круглогодичн[а-я]*"
    rf"|{_ONCE}раз\s+в\s+год(?![а-я])"
    rf"|конц[аеу]\s+{_YR}(?:года|гг?(?![а-я])\.?)|весь\s+{_YR}год(?![а-я]))"
    rf"|(?P<quarters>{_NUMLIST}\s*кв(?:артал[а-я]*|\.|(?![а-я])))"
    rf"|(?P<halves>(?:{_NUMLIST}\s*)?полугоди[а-я]*)"
    rf"|(?P<daymonth>(?<![\d.])(?:(?P<d1>\d{{1,2}})\s*(?:-|по)\s*)?(?P<d2>\d{{1,2}})(?:\s*-?го)?"
    rf"\s*(?:числа\s+)?(?P<dm>{_MONTH}))"
    rf"|(?P<month>{_MONTH})"
)
_RANGE_SEP = re.compile(r"-|(?<![а-я])по(?![а-я])")
_RANGE_DASH = re.compile(r"[\s,.]*-[\s.]*")
_RANGE_WORD = re.compile(r"\s*(?:по|до)\s*")
_RANGE_FROM = re.compile(r"(?:^|[^а-я])со?\s*$")
_DASHES = re.compile(r"[\u2010-\u2015\u2212\-]+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u00ad"))
_LOOKALIKES = str.maketrans({"\u0456": "i", "ё": "е"})  # Ukrainian «і» typed for a Roman I

_KINDS = ("every_month", "every_quarter", "every_half", "year_end", "quarters", "halves", "daymonth",
          "month")
_RANGEABLE = {"explicit", "daymonth", "month", "quarters", "halves"}
_UNPARSED = ("Срок «{}» не распознан: укажите месяц, квартал или дату "
             "(например, «Март 2026» или «до 20 декабря»)")


@dataclass
class _Token:
    kind: str
    start: int
    end: int
    values: tuple            # kind-specific numbers (month, day, quarters, …)
    year: int | None = None  # an explicit date's own year
    shown: int = 0           # where the date quoted in a problem message starts
    closed: bool = False     # the token is a whole range itself («с 1 по 15 марта», «I-III квартал»)


# --------------------------------------------------------------------------- parsing

def _collapse(text: object) -> str:
    """The original text as a string, invisible characters dropped, whitespace collapsed."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    if isinstance(text, (datetime.date, datetime.datetime)):
        try:
            return text.strftime("%d.%m.%Y")
        except ValueError:  # pandas NaT
            return ""
    return " ".join(str(text).translate(_INVISIBLE).split())


def _month_no(word: str) -> int:
    for stem, m in _MONTH_STEMS:
        if word.startswith(stem):
            return m
    raise ValueError(word)  # unreachable: the regex only admits known stems


def _num_value(s: str) -> int:
    s = s.strip()
    if s[0].isdigit():
        return int(s[0])
    for i, stem in enumerate(("перв", "втор", "трет", "четверт"), start=1):
        if s.startswith(stem):
            return i
    return {"i": 1, "ii": 2, "iii": 3, "iv": 4}[s]


def _numbers(span: str) -> list[int]:
    """Numbers of a «II-III, IV» list: a dash range keeps only its end, commas/«и» list."""
    out: list[int] = []
    prev_end = 0
    for m in _NUM_ONE.finditer(span):
        if out and _RANGE_SEP.search(span[prev_end:m.start()]):
            out.pop()  # the previous number only opened a range
        out.append(_num_value(m.group()))
        prev_end = m.end()
    return out


def _tokens(low: str) -> list[_Token]:
    tokens: list[_Token] = []
    masked = list(low)
    for m in _EXPLICIT.finditer(low):
        if m.group("iy"):
            d, mo, y = int(m.group("id")), int(m.group("im")), int(m.group("iy"))
        else:
            d, mo = int(m.group("d")), int(m.group("m"))
            y = m.group("y")
            if y is None:
                if len(m.group("m")) != 2:  # «1.2» is an item number, not a date
                    continue
            else:
                y = int(y) + (2000 if len(y) == 2 else 0)
        tokens.append(_Token("explicit", m.start(), m.end(), (mo, d), y, m.start()))
        masked[m.start():m.end()] = " " * (m.end() - m.start())
    text = "".join(masked)
    for m in _TOKENS.finditer(text):
        kind = next(k for k in _KINDS if m.group(k) is not None)
        values: tuple = ()
        shown = m.start()
        if kind == "daymonth":
            values = (_month_no(m.group("dm")), int(m.group("d2")))
            shown = m.start("d2")
        elif kind == "month":
            values = (_month_no(m.group()),)
        elif kind == "quarters":
            values = tuple(_numbers(m.group()))
        elif kind == "halves":
            values = tuple(_numbers(m.group())) or (1,)
        closed = (m.group("d1") is not None if kind == "daymonth"
                  else kind in ("quarters", "halves") and bool(_RANGE_SEP.search(m.group())))
        tokens.append(_Token(kind, m.start(), m.end(), values, shown=shown, closed=closed))
    tokens.sort(key=lambda t: t.start)
    return tokens


def _drop_range_starts(low: str, tokens: list[_Token]) -> tuple[list[_Token], list[_Token]]:
    """«март – май», «с 1 марта по 15 апреля», «II квартал – IV квартал»: keep only the end.

    Returns the kept tokens and the open starts («с 1 марта» with no end), which are no due date.
    """
    kept: list[_Token] = []
    open_starts: list[_Token] = []
    for i, tok in enumerate(tokens):
        if tok.kind not in _RANGEABLE:
            kept.append(tok)
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        from_word = bool(_RANGE_FROM.search(low[(tokens[i - 1].end if i else 0):tok.start]))
        if nxt is not None and nxt.kind in _RANGEABLE:
            gap = _YEAR_WORDS.sub(" ", low[tok.end:nxt.start])
            if _RANGE_DASH.fullmatch(gap) or (from_word and _RANGE_WORD.fullmatch(gap)):
                continue
        (open_starts if from_word and not tok.closed else kept).append(tok)
    return kept, open_starts


def _quote(text: str, tok: _Token) -> str:
    """The token as written, with a preceding «с»/«со» when there is one."""
    head = re.search(r"(?:^|(?<=[^а-яё]))(?:с|со)\s*$", text[:tok.start], re.IGNORECASE)
    return text[head.start() if head else tok.start:tok.end]


def _year_for(tok: _Token, years: list[tuple[int, int]], default_year: int) -> int:
    if tok.year is not None:
        return tok.year
    if not years:
        return default_year
    distinct = {y for _, y in years}
    if len(distinct) == 1:
        return years[0][1]
    inside = [y for p, y in years if tok.start <= p < tok.end]
    if inside:
        return max(inside)
    after = [y for p, y in years if p >= tok.end]
    if after:
        return after[0]
    return [y for p, y in years if p < tok.start][-1]


@lru_cache(maxsize=8192)
def _parse_normalised(text: str, default_year: int) -> tuple[tuple[datetime.date, ...], bool, str | None]:
    """Parse already-collapsed text; cached because the same `Сроки` texts repeat a lot."""
    if not text:
        return (), False, "Срок не указан"
    low = text.lower()
    if len(low) != len(text):  # a rare character whose lower case is longer: keep offsets aligned
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    low = _DASHES.sub(lambda m: "-" * len(m.group()), low.translate(_LOOKALIKES))

    tokens = _tokens(low)
    years = [(m.start(), int(m.group())) for m in _YEAR.finditer(low)
             if not any(t.kind == "explicit" and t.start <= m.start() < t.end for t in tokens)]
    if not years:  # «15.03.2026, 20 декабря»: a full date's year serves the others too
        years = [(t.start, t.year) for t in tokens if t.kind == "explicit" and t.year is not None]

    if not tokens:
        # «2026», «2026 год», «на 2026 год»: the whole year, i.e. its end.
        if years and not _YEAR_ONLY_FILLER.sub("", _YEAR_WORDS.sub("", low)):
            return (datetime.date(max(y for _, y in years), 12, 31),), True, None
        return (), False, _UNPARSED.format(text)

    dates: set[datetime.date] = set()
    kept, open_starts = _drop_range_starts(low, tokens)
    problems = [f"Указано только начало срока («{_quote(text, t)}»): укажите, к какой дате выполнить"
                for t in open_starts]
    if any(t.kind != "year_end" for t in kept):  # «ежегодно до 20 декабря»: the date is the due date
        kept = [t for t in kept if t.kind != "year_end"]
    for tok in kept:
        y = _year_for(tok, years, default_year)
        if tok.kind == "every_month":
            dates.update(month_end(y, m) for m in range(1, 13))
        elif tok.kind == "every_quarter":
            dates.update(quarter_end(y, q) for q in range(1, 5))
        elif tok.kind == "every_half":
            dates.update((datetime.date(y, 6, 30), datetime.date(y, 12, 31)))
        elif tok.kind == "year_end":
            dates.add(datetime.date(y, 12, 31))
        elif tok.kind == "month":
            dates.add(month_end(y, tok.values[0]))
        elif tok.kind == "quarters":
            dates.update(quarter_end(y, q) for q in tok.values)
        elif tok.kind == "halves":
            for h in tok.values:
                if h in (1, 2):
                    dates.add(datetime.date(y, 6 * h, 30 if h == 1 else 31))
                else:
                    problems.append(f"«{text[tok.start:tok.end]}»: в году только два полугодия")
        elif tok.kind in ("daymonth", "explicit"):
            mo, d = tok.values
            try:
                dates.add(datetime.date(y, mo, d))
            except ValueError:
                msg = f"Дата «{text[tok.shown:tok.end]}» не существует"
                if mo == 2 and d == 29 and tok.kind == "daymonth":
                    msg += f" в {y} году"
                problems.append(msg)

    checkpoints = tuple(sorted(dates))
    problem = "; ".join(problems) or None
    if not checkpoints and problem is None:
        problem = _UNPARSED.format(text)
    return checkpoints, bool(checkpoints), problem


def parse_deadline(text: object, default_year: int) -> Deadline:
    """Parse one `Сроки` cell; the year written in the text wins over `default_year`."""
    collapsed = _collapse(text)
    if isinstance(text, str):
        original = text
    elif isinstance(text, datetime.date) or not collapsed:  # a date cell, None, NaN, NaT
        original = collapsed
    else:
        original = str(text)
    checkpoints, parsed, problem = _parse_normalised(collapsed, int(default_year))
    return Deadline(text=original, checkpoints=checkpoints, parsed=parsed, problem=problem)
