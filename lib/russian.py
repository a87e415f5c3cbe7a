"""All Russian wording of the dashboard, the report, its Word file and the CLI: plural forms, the
grammar of activity types (read from each type's own declaration in `lib.model.contract`), numbers,
percentages, dates, quarter names (the period kinds' names are the table in `lib.model.periods`),
lists, quotes.

Plural categories, number formats and month names come from babel (CLDR), not from hand-written rules:
`babel.Locale('ru').plural_form(n)` gives 'one' / 'few' / 'many' / 'other',
`babel.numbers.format_decimal(12345, locale="ru")` gives «12 345» and
`babel.dates.format_date(d, "dd MMMM", locale="ru")` gives «16 января».
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from numbers import Integral

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

from lib.model.contract import ACTIVITY_TYPE_BY_NAME, ActivityType
from lib.model.periods import ROMAN

RU = Locale("ru")
NBSP = "\u00a0"
MISSING = "—"                      # what a number, percentage or date that is not there reads as
_ENDINGS = {"m": "", "f": "а", "n": "о"}

# Frequent nouns: forms for 1 / 2 / 5 (nominative), as contract.ActivityType.plural_forms.
PEOPLE = ("человек", "человека", "человек")
PARTICIPANTS = ("участник", "участника", "участников")
SPECIALISTS = ("специалист", "специалиста", "специалистов")
INSTITUTIONS = ("учреждение", "учреждения", "учреждений")
INSTITUTIONS_GEN = ("учреждения", "учреждений", "учреждений")      # «из 28 учреждений», «от 1 учреждения»
EVENTS = ("мероприятие", "мероприятия", "мероприятий")
# The validation's nouns (named …_FORMS: `readiness.ERRORS` is a check, not a word).
ERROR_FORMS = ("ошибка", "ошибки", "ошибок")
WARNING_FORMS = ("предупреждение", "предупреждения", "предупреждений")
CELL_FORMS = ("ячейка", "ячейки", "ячеек")
ROW_FORMS = ("строка", "строки", "строк")
IN_ROW_FORMS = ("строке", "строках", "строках")                     # «в 1 строке», «в 5 строках»


def plural_category(n: int | float) -> str:
    """CLDR category for Russian: 'one' (1, 21), 'few' (2–4, 22), 'many' (5–20, 25, 11), 'other' (fractions)."""
    if isinstance(n, int):
        return _integer_category(abs(n))
    return RU.plural_form(abs(n))


@lru_cache(maxsize=4096)
def _integer_category(n: int) -> str:
    """babel's rule for a whole number, worked out once per number (a report asks thousands of times)."""
    return RU.plural_form(n)


def plural_word(n: int | float, forms: Sequence[str]) -> str:
    """The noun form for `n`: forms are for 1 / 2 / 5 (fractions take the 2-form: «1,5 процента»)."""
    one, few, many = forms
    return {"one": one, "few": few, "many": many}.get(plural_category(n), few)


def plural(n: int | float, forms: Sequence[str]) -> str:
    """«11 консультаций», «1 семинар», «2 выступления», «21 консультация», «22 консультации», «25 консультаций»."""
    return f"{format_number(n)} {plural_word(n, forms)}"


def activity_type(name: str) -> ActivityType:
    """The vocabulary's declaration of a canonical activity type; KeyError for any other name."""
    try:
        return ACTIVITY_TYPE_BY_NAME[name]
    except KeyError:
        raise KeyError(f"«{name}» is not an activity type of lib.model.contract.ACTIVITY_TYPES") from None


def count_phrase(n: int, activity_type_name: str) -> str:
    """«11 консультаций», «1 семинар», «3 формуляра практики» — from the type's plural forms."""
    return plural(n, activity_type(activity_type_name).plural_forms)


def participle(stem: str, n: int | float, gender: str) -> str:
    """The short participle that agrees with «n <noun>»: «проведена 1 консультация» / «проведено 5 консультаций».

    With a count in the 'one' category the participle takes the noun's gender («m» / «f» / «n»);
    otherwise the neuter impersonal form the seed uses («Проведено 11 консультаций», «проведено 2 семинара»).
    """
    if plural_category(n) == "one":
        return stem + _ENDINGS[gender]
    return stem + "о"


def type_verb_stem(activity_type_name: str) -> str:
    """The participle stem the report uses for a type: «проведен», «разработан», «размещен»."""
    return activity_type(activity_type_name).verb


def took_part(n: int) -> str:
    """«принял участие 1 человек» / «приняли участие 5 человек»."""
    return "принял участие" if plural_category(n) == "one" else "приняли участие"


# --------------------------------------------------------------------------- numbers


def is_missing(value: object) -> bool:
    """None, NaN, pandas' NA and NaT: a value that is not there (shown as «—»)."""
    if value is None:
        return True
    try:
        return bool(value != value)             # NaN, NaT; pandas.NA raises on bool()
    except TypeError:
        return True


def format_number(value: int | float | Decimal | None, max_decimals: int = 1) -> str:
    """The one Russian number format: «1 234», «12,5», «110,95» (with `max_decimals=2`), «88» (no `,0`),
    rounded half up; the group separator is a no-break space; a missing value is «—»."""
    if is_missing(value):
        return MISSING
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, Integral):
        return _format_integer(int(value))
    value = round_half_up(value, max_decimals)
    pattern = "#,##0." + "#" * max_decimals if max_decimals > 0 else "#,##0"
    return format_decimal(value, format=pattern, locale=RU)


@lru_cache(maxsize=4096)
def _format_integer(n: int) -> str:
    """babel's Russian format of a whole number, worked out once per number."""
    return format_decimal(n, locale=RU)


def round_half_up(value: float | Decimal, decimals: int = 0) -> float:
    """School rounding (54,5 → 55), unlike Python's round-half-to-even. A float is taken as it prints
    (2.675 → 2,68); a Decimal exactly."""
    quantum = Decimal(1).scaleb(-decimals)
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    result = exact.quantize(quantum, rounding=ROUND_HALF_UP)
    return int(result) if decimals == 0 else float(result)


def share_percent(part: int | float, whole: int | float) -> int | None:
    """Whole-number share in percent, rounded half up; None when `whole` is 0."""
    if not whole:
        return None
    return int(round_half_up(100.0 * part / whole))


def format_percent(value: int | float | Decimal | None, max_decimals: int = 1) -> str:
    """The one percent format for text — the report, messages, chart labels: «55 %», «88,5 %», with
    the plain space the seed report has before the sign. `value` is already in percent."""
    if is_missing(value):
        return MISSING
    return f"{format_number(round_half_up(value, max_decimals), max_decimals)} %"


def format_share(share: float | None, max_decimals: int = 0) -> str:
    """A share (0–1) as the metric cards show it: 0.425 → «42 %». The same format as `format_percent`
    but with a no-break space, so a narrow card never puts the sign on a line of its own. The share is
    rounded as it is stored (0.425 is a little less than 0,425), not after a float multiplication."""
    if is_missing(share):
        return MISSING
    exact = Decimal(share) * 100 if isinstance(share, float) else Decimal(str(share)) * 100
    return format_percent(exact, max_decimals).replace(" %", f"{NBSP}%")


# --------------------------------------------------------------------------- dates


def _as_date(value: date | datetime) -> date:
    if hasattr(value, "to_pydatetime"):          # pandas Timestamp
        value = value.to_pydatetime()
    return value.date() if isinstance(value, datetime) else value


def format_date_numeric(value: date | datetime | None) -> str:
    """«16.01.2026»; a missing date is «—»."""
    return MISSING if is_missing(value) else _as_date(value).strftime("%d.%m.%Y")


def format_dates_numeric(values: Iterable[date | datetime]) -> str:
    """«16.01.2026, 15.04.2026»."""
    return ", ".join(format_date_numeric(d) for d in values)


def format_day_month(value: date | datetime) -> str:
    """«16 января», «01 февраля» (genitive month, two-digit day, as in the seed report)."""
    return format_date(_as_date(value), "dd MMMM", locale=RU)


# --------------------------------------------------------------------------- quarters


def quarter_label(q: int) -> str:
    """3 → «III кв.» (table columns and chart axes)."""
    return f"{ROMAN[int(q)]} кв."


def quarters_text(quarters: Iterable[int]) -> str:
    """(1, 3) → «I, III кварталы», (2,) → «II квартал»."""
    qs = [ROMAN[int(q)] for q in quarters]
    return f"{', '.join(qs)} {'квартал' if len(qs) == 1 else 'кварталы'}" if qs else ""


# --------------------------------------------------------------------------- text


def institutions_text(institutions: list[str], total: int | None = None) -> str:
    """The institutions a view is filtered to: «все учреждения (28)», «А, Б», «5 учреждений»."""
    if not institutions:
        return "все учреждения" + (f" ({total})" if total else "")
    if len(institutions) <= 3:
        return ", ".join(institutions)
    return plural(len(institutions), INSTITUTIONS)


def join_ru(items: Iterable[str], conj: str = "и") -> str:
    """«a», «a и b», «a, b и c»."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


def quoted(text: str) -> str:
    """Text in «ёлочки»; text already in them is left as it is, inner «» become „“."""
    text = " ".join(str(text).split()).rstrip(".;,")
    if text.startswith("«") and text.endswith("»") and text.count("«") == text.count("»"):
        return text
    if "«" in text:
        text = text.replace("«", "„").replace("»", "“")
    return f"«{text}»"


def capitalize_first(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def sentence(text: str) -> str:
    """Capitalised, ending with a full stop (unless it ends with other final punctuation)."""
    text = capitalize_first(text.strip())
    return text if not text or text.endswith((".", "!", "?", "…")) else text + "."


# --------------------------------------------------------------------------- report word forms

PARTICIPANTS_GEN = ("участника", "участников", "участников")     # «с участием 23 участников»
INSTITUTIONS_LOC = ("учреждении", "учреждениях", "учреждениях")  # «в 12 учреждениях»


def participle_plural(stem: str) -> str:
    """«проведены», «разработаны» — the short participle with a plural noun and no number («проведены
    семинары»)."""
    return stem + "ы"
