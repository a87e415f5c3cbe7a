"""Cell values as people type them → typed values, or a Russian explanation of why not.

Each parser takes one raw cell value and returns `(value, problem)`; `problem` is None when the
value is clean, a Russian sentence otherwise. Parsers are memoised per distinct value, so a column
of thousands of rows costs one parse per distinct spelling.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import compress, repeat
from operator import not_, or_

import numpy as np

from lib.russian import format_number

_MONTH_WORDS = {  # every case form people write after a day number
    **{w: m for m, forms in {
        1: "январь января январе янв", 2: "февраль февраля феврале фев февр", 3: "март марта марте мар",
        4: "апрель апреля апреле апр", 5: "май мая мае", 6: "июнь июня июне июн",
        7: "июль июля июле июл", 8: "август августа августе авг", 9: "сентябрь сентября сентябре сен сент",
        10: "октябрь октября октябре окт", 11: "ноябрь ноября ноябре ноя нояб",
        12: "декабрь декабря декабре дек"}.items() for w in forms.split()}
}

_EXCEL_EPOCH = date(1899, 12, 30)
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2})?)?$")
_WORD_DATE = re.compile(r"^(\d{1,2})\s+([а-я]+)\.?\s*(\d{4})?\s*(?:г|года|год)?\.?$")
_PLAIN_WORD_DATE = re.compile(r"(\d{1,2}) ([а-я]+) (\d{4})(?: г\.?)?")     # «5 марта 2026 г.», as typed most often


def column_letter(col0: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    n = col0 + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_address(row0: int, col0: int) -> str:
    """A1-style address of a 0-based (row, column)."""
    return f"{column_letter(col0)}{row0 + 1}"


def is_blank(value: object) -> bool:
    """The one test of an empty cell: None, '', only whitespace, NaN (`blank_flags` for many at once)."""
    return value is None or value == "" or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and value != value)


def blank_flags(values: list) -> np.ndarray:
    """`[is_blank(v) for v in values]` as a bool array, with C-level maps over the texts (a cell grid's
    distinct values: `CellGrid.blank`)."""
    is_text = list(map(isinstance, values, repeat(str)))
    blank = np.zeros(len(values), dtype=bool)
    texts = list(compress(values, is_text))
    blank[np.flatnonzero(is_text)] = list(map(or_, map(not_, texts), map(str.isspace, texts)))
    if len(texts) < len(values):                                # numbers, dates, None, NaN
        other = np.flatnonzero(~np.array(is_text, dtype=bool))
        blank[other] = [v is None or (isinstance(v, float) and v != v) for v in compress(values, map(not_, is_text))]
    return blank


def shown(value: object) -> str:
    """How a raw value is quoted back to the user in a message."""
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = " ".join(str(value).split())
    return text if len(text) <= 60 else text[:57] + "…"


def _make_date(year: int, month: int, day: int, raw: object) -> tuple[date | None, str | None]:
    try:
        return date(year, month, day), None
    except ValueError:
        return None, f"Дата «{shown(raw)}» не существует"


def _numeric_date(m: re.Match, raw: str) -> tuple[date | None, str | None]:
    """A date written as ДД.ММ.ГГГГ (or with / and -, or a two-digit year), matched by `_NUMERIC_DATE`."""
    day, month, year = int(m[1]), int(m[2]), int(m[3])
    if year < 100:
        year += 2000
    if not 1 <= month <= 12:
        return None, f"Дата «{raw}» не существует: месяца {month} нет"
    return _make_date(year, month, day, raw)


@lru_cache(maxsize=8192)
def _parse_date_text(text: str, raw: str, default_year: int | None) -> tuple[date | None, str | None]:
    s = text.strip().lower().replace("ё", "е")
    s = re.sub(r"\s+", " ", s).rstrip(".").removesuffix(" г").removesuffix(" года").strip()
    m = _NUMERIC_DATE.match(s)
    if m:
        return _numeric_date(m, raw)
    m = _ISO_DATE.match(s)
    if m:
        return _make_date(int(m[1]), int(m[2]), int(m[3]), raw)
    m = _WORD_DATE.match(s)
    if m and m[2] in _MONTH_WORDS:
        if m[3]:
            return _make_date(int(m[3]), _MONTH_WORDS[m[2]], int(m[1]), raw)
        if default_year is None:
            return None, f"В дате «{raw}» не указан год: напишите, например, «{m[1]} {m[2]} 2026»"
        found, problem = _make_date(default_year, _MONTH_WORDS[m[2]], int(m[1]), raw)
        return found, problem or f"В дате «{raw}» не указан год: учтено как {found:%d.%m.%Y}"
    return None, f"Не удалось распознать дату «{raw}»: укажите её в виде ДД.ММ.ГГГГ, например 15.03.2026"


def parse_date(value: object, default_year: int | None = None) -> tuple[date | None, str | None]:
    """Dates as Excel stores them, as Google returns them, or as typed text in Russian forms.

    A value with a problem is a warning (the date is still usable); no value with a problem an error.
    """
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20000 < value < 80000:   # a serial day number: Google dates, or an Excel date cell without format
            return _EXCEL_EPOCH + timedelta(days=int(value)), None
        return None, f"Не удалось распознать дату «{shown(value)}»: укажите её в виде ДД.ММ.ГГГГ"
    text = str(value)
    plain = _NUMERIC_DATE.fullmatch(text)
    if plain:                    # the usual ways to type a date: nothing to normalise first
        return _numeric_date(plain, text)
    plain = _PLAIN_WORD_DATE.fullmatch(text)
    if plain and plain[2] in _MONTH_WORDS:
        return _make_date(int(plain[3]), _MONTH_WORDS[plain[2]], int(plain[1]), text)
    return _parse_date_text(text, shown(text), default_year)


_COUNT = re.compile(r"^(?:(более|свыше|около|не менее|примерно|больше|~|>)\s*)?(\d+(?:[.,]\d+)?)\s*"
                    r"(?:чел(?:овек|овека)?|шт(?:ук)?|ед(?:иниц[аы]?)?|участник\w*|специалист\w*|"
                    r"учреждени\w*|организаци\w*|кцсон|раз)?$")


# The kinds of problem a count can have: the codes of the rules that report them (`lib.validate.rules`).
COUNT_NOT_NUMBER, COUNT_NEGATIVE, COUNT_FRACTION = "count.not_number", "count.negative", "count.fraction"
COUNT_TOO_BIG, COUNT_APPROXIMATE = "count.too_big", "count.approximate"


@lru_cache(maxsize=8192)
def _parse_count_text(text: str) -> tuple[int | None, str | None, str | None]:
    s = re.sub(r"\s+", " ", text.strip().lower().replace("\u00a0", " ")).rstrip(".").replace(" ", " ")
    s = re.sub(r"(?<=\d) (?=\d{3}\b)", "", s)  # "1 200" → "1200"
    m = _COUNT.match(s)
    if not m:
        return None, f"«{shown(text)}» — не число. Укажите количество цифрами, например 12", COUNT_NOT_NUMBER
    number = float(m[2].replace(",", "."))
    if not number.is_integer():
        return None, f"«{shown(text)}» — дробное число; количество должно быть целым", COUNT_FRACTION
    if m[1]:
        return int(number), f"«{shown(text)}» учтено как {int(number)}", COUNT_APPROXIMATE
    return int(number), None, None


MAX_COUNT = 1_000_000     # no event of a district centre counts more; larger is a typo (or a pasted id)


def parse_count(value: object) -> tuple[int | None, str | None]:
    """A head count: 12, 12.0, "12", "12 чел.", "более 30" (accepted as 30 with a remark)."""
    return parse_count_coded(value)[:2]


def parse_count_coded(value: object) -> tuple[int | None, str | None, str | None]:
    """`parse_count`, and the kind of its problem (`COUNT_NOT_NUMBER` …; None when there is none)."""
    number, problem, kind = _parse_count_any(value)
    if number is not None and number > MAX_COUNT:
        return None, f"«{shown(value)}» — слишком большое количество (больше {format_number(MAX_COUNT)})", \
            COUNT_TOO_BIG
    return number, problem, kind


def _parse_count_any(value: object) -> tuple[int | None, str | None, str | None]:
    if isinstance(value, bool):
        return None, f"«{shown(value)}» — не число", COUNT_NOT_NUMBER
    if isinstance(value, (int, float)):
        if value != value:
            return None, None, None
        if value < 0:
            return None, f"Количество не может быть отрицательным: «{shown(value)}»", COUNT_NEGATIVE
        if not float(value).is_integer():
            return None, f"«{shown(value)}» — дробное число; количество должно быть целым", COUNT_FRACTION
        return int(value), None, None
    if isinstance(value, (date, datetime)):
        return None, f"«{shown(value)}» — это дата, а здесь нужно количество", COUNT_NOT_NUMBER
    text = str(value)
    if text.strip().startswith("-"):
        return None, f"Количество не может быть отрицательным: «{shown(text)}»", COUNT_NEGATIVE
    return _parse_count_text(text)


_NUMBER = re.compile(r"^([+-]?\d+(?:[.,]\d+)?)\s*(%|чел\w*|ед\w*|шт\w*)?$")


@lru_cache(maxsize=4096)
def _parse_number_text(text: str) -> tuple[float | None, str | None]:
    s = text.strip().lower().replace("\u00a0", " ").rstrip(".")
    s = re.sub(r"(?<=\d) (?=\d{3}\b)", "", s)
    m = _NUMBER.match(s)
    if not m:
        return None, f"«{shown(text)}» — не число"
    return float(m[1].replace(",", ".")), None


def parse_number(value: object) -> tuple[float | None, str | None]:
    """A monitoring figure: 12, "12", "88%", "1 234", "12,5"."""
    if isinstance(value, bool) or isinstance(value, (date, datetime)):
        return None, f"«{shown(value)}» — не число"
    if isinstance(value, (int, float)):
        return float(value), None
    return _parse_number_text(str(value))


_PLAN_REF = re.compile(r"^(?:п(?:ункт)?\.?\s*(?:плана)?\s*(?:№\s*)?|№\s*)?(\d{1,2}(?:\.\d{1,2}){1,2})\.?$")


def plan_ref_exact(text: str) -> str | None:
    """The item number when the whole text is a plan reference ("п. 2.4", "2.4."), else None."""
    m = _PLAN_REF.match(re.sub(r"\s+", " ", text.strip().lower()))
    return m[1] if m else None


@lru_cache(maxsize=4096)
def _parse_plan_ref_text(text: str) -> tuple[str | None, str | None]:
    exact = plan_ref_exact(text)
    if exact:
        return exact, None
    s = re.sub(r"\s+", " ", text.strip().lower())
    several = re.findall(r"\d{1,2}\.\d{1,2}", s)
    if len(several) > 1:
        return several[0], (f"Указано несколько пунктов плана («{shown(text)}»): учтён первый, {several[0]}. "
                            "Каждое мероприятие — отдельной строкой со своим пунктом")
    if len(several) == 1:
        return several[0], None
    return None, f"Пункт плана «{shown(text)}» не распознан: укажите номер в виде 2.4"


def parse_plan_ref(value: object) -> tuple[str | None, str | None]:
    """A plan item number: "2.4", "2.4.", "п. 2.4", "пункт 2.4", or a number cell 2.4."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = repr(float(value))   # 2.4 → "2.4"; a float can't tell 2.10 from 2.1 — Excel showed 2.1 too
        return (text, None) if re.fullmatch(r"\d{1,2}\.\d{1,2}", text) and not float(value).is_integer() else (
            None, f"Пункт плана «{shown(value)}» не распознан: укажите номер в виде 2.4")
    return _parse_plan_ref_text(str(value))


def normalise_plan_item(value: object) -> str | None:
    """Plan numbers on the plan tab: "2.4." → "2.4", "1.10" stays "1.10"."""
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    s = re.sub(r"\s+", "", str(value)).rstrip(".")
    s = re.sub(r"^(?:п(?:ункт)?\.?)", "", s.lower())
    return s or None


def clean_text(value: object) -> str:
    """Free text as it should be shown: numbers without `.0`, dates as ДД.ММ.ГГГГ, spaces folded."""
    if is_blank(value):
        return ""
    if isinstance(value, (date, datetime, float)):
        return shown(value)
    return " ".join(str(value).split())
