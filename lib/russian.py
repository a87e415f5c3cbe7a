"""Russian wording shared by the report, its Word file and the pages: plural forms, dates, numbers,
percentages, lists, quotes.

Plural categories and month names come from babel (CLDR), not from hand-written rules:
`babel.Locale('ru').plural_form(n)` gives 'one' / 'few' / 'many' / 'other' and
`babel.dates.format_date(d, "dd MMMM", locale="ru")` gives «16 января».
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

from lib.model.contract import ACTIVITY_TYPE_BY_NAME

RU = Locale("ru")
NBSP = "\u00a0"

# Grammatical gender of the head noun of each activity type's singular form ("m" / "f" / "n"):
# it decides the past participle with counts ending in 1 («проведена 21 консультация»).
TYPE_GENDER: dict[str, str] = {
    "консультация": "f", "семинар": "m", "совещание": "n", "круглый стол": "m", "мастер-класс": "m",
    "стажировка": "f", "конференция": "f", "выступление": "n", "публикация": "f", "буклет": "m",
    "формуляр практики": "m", "методические материалы": "m", "видеоматериал": "m",
    "мероприятие для получателей": "n", "соглашение": "n", "мониторинг": "m", "обучение специалистов": "n",
}

# The participle stem the report uses for each activity type («проведено 11 консультаций»,
# «разработано 2 буклета», «размещено 5 публикаций»). Types not listed are «проведен…».
TYPE_VERB: dict[str, str] = {
    "выступление": "подготовлен", "публикация": "размещен", "буклет": "разработан",
    "формуляр практики": "разработан", "методические материалы": "разработан", "видеоматериал": "подготовлен",
    "соглашение": "заключен", "стажировка": "организован",
}
DEFAULT_VERB = "проведен"
_ENDINGS = {"m": "", "f": "а", "n": "о"}

# Nominative plurals of the multi-word types («круглые столы»), for criteria sources and headings.
PLURAL_NOMINATIVE: dict[str, str] = {
    "круглый стол": "круглые столы", "формуляр практики": "формуляры практики",
    "мероприятие для получателей": "мероприятия для получателей", "обучение специалистов": "обучения специалистов",
    "методические материалы": "методические материалы",
}

# Frequent nouns: forms for 1 / 2 / 5 (nominative), as contract.ActivityType.plural_forms.
PEOPLE = ("человек", "человека", "человек")
PARTICIPANTS = ("участник", "участника", "участников")
SPECIALISTS = ("специалист", "специалиста", "специалистов")
INSTITUTIONS = ("учреждение", "учреждения", "учреждений")
INSTITUTIONS_GEN = ("учреждения", "учреждений", "учреждений")      # «из 28 учреждений», «от 1 учреждения»
EVENTS = ("мероприятие", "мероприятия", "мероприятий")
EVENTS_GEN = ("мероприятия", "мероприятий", "мероприятий")          # «и ещё 12 мероприятий»


def plural_category(n: int | float) -> str:
    """CLDR category for Russian: 'one' (1, 21), 'few' (2–4, 22), 'many' (5–20, 25, 11), 'other' (fractions)."""
    return RU.plural_form(abs(n))


def plural_word(n: int | float, forms: Sequence[str]) -> str:
    """The noun form for `n`: forms are for 1 / 2 / 5 (fractions take the 2-form: «1,5 процента»)."""
    one, few, many = forms
    return {"one": one, "few": few, "many": many}.get(plural_category(n), few)


def plural(n: int | float, forms: Sequence[str]) -> str:
    """«11 консультаций», «1 семинар», «2 выступления», «21 консультация», «22 консультации», «25 консультаций»."""
    return f"{format_number(n)} {plural_word(n, forms)}"


def type_forms(activity_type: str) -> tuple[str, str, str]:
    """The 1 / 2 / 5 forms of a canonical activity type; an unknown name is used as is."""
    t = ACTIVITY_TYPE_BY_NAME.get(activity_type)
    return t.plural_forms if t else (activity_type, activity_type, activity_type)


def count_phrase(n: int, activity_type: str) -> str:
    """«11 консультаций», «1 семинар», «3 формуляра практики» — from the contract's plural forms."""
    return plural(n, type_forms(activity_type))


def participle(stem: str, n: int | float, gender: str = "n") -> str:
    """The short participle that agrees with «n <noun>»: «проведена 1 консультация» / «проведено 5 консультаций».

    With a count in the 'one' category the participle takes the noun's gender; otherwise the neuter
    impersonal form the seed uses («Проведено 11 консультаций», «проведено 2 семинара»).
    """
    if plural_category(n) == "one":
        return stem + _ENDINGS.get(gender, "о")
    return stem + "о"


def type_verb(activity_type: str, n: int) -> str:
    """«проведено» / «проведен» / «разработано» … agreeing with `count_phrase(n, activity_type)`."""
    return participle(TYPE_VERB.get(activity_type, DEFAULT_VERB), n, TYPE_GENDER.get(activity_type, "n"))


def took_part(n: int) -> str:
    """«принял участие 1 человек» / «приняли участие 5 человек»."""
    return "принял участие" if plural_category(n) == "one" else "приняли участие"


# --------------------------------------------------------------------------- numbers


def format_number(value: int | float | Decimal | None, max_decimals: int = 1) -> str:
    """Russian number: «1 234», «12,5», «88» (no `.0`); group separator is a no-break space."""
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return format_decimal(value, locale=RU)
    pattern = "#,##0." + "#" * max_decimals if max_decimals > 0 else "#,##0"
    return format_decimal(value, format=pattern, locale=RU)


def round_half_up(value: float, decimals: int = 0) -> float:
    """School rounding (54,5 → 55), unlike Python's round-half-to-even."""
    quantum = Decimal(1).scaleb(-decimals)
    result = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    return int(result) if decimals == 0 else float(result)


def share_percent(part: int | float, whole: int | float) -> int | None:
    """Whole-number share in percent, rounded half up; None when `whole` is 0."""
    if not whole:
        return None
    return int(round_half_up(100.0 * part / whole))


def format_percent(value: int | float | None, max_decimals: int = 1) -> str:
    """«55 %», «88,5 %» — Russian style, a space before the sign (a plain one, so the text reads and
    searches the same everywhere). `value` is already in percent."""
    if value is None:
        return "—"
    value = round_half_up(float(value), max_decimals)
    return f"{format_number(value, max_decimals)} %"


# --------------------------------------------------------------------------- dates


def _as_date(value: date | datetime) -> date:
    if hasattr(value, "to_pydatetime"):          # pandas Timestamp
        value = value.to_pydatetime()
    return value.date() if isinstance(value, datetime) else value


def format_date_numeric(value: date | datetime | None) -> str:
    """«16.01.2026»."""
    return "" if value is None else _as_date(value).strftime("%d.%m.%Y")


def format_day_month(value: date | datetime) -> str:
    """«16 января», «01 февраля» (genitive month, two-digit day, as in the seed report)."""
    return format_date(_as_date(value), "dd MMMM", locale=RU)


# --------------------------------------------------------------------------- text


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
