"""The «мероприятий не было» mark: how a centre says that it had no activities in a quarter.

A centre that did nothing in a quarter cannot show it by leaving the quarter empty — an empty quarter
looks the same as one it forgot to fill. So it writes one row in its Мероприятия block:

* «Тема / содержание» (or «Вид мероприятия», where the column has no drop-down list) says so:
  «мероприятий не было», «мероприятия не проводились», «нет мероприятий», … — any short text with
  «мероприят…» and «не было» / «не провод…» / «нет»;
* «Дата» names the quarter: any day of it («30.06.2026») or the quarter itself («II квартал 2026»);
  the quarter may also be in the text («мероприятий во II квартале не было»).

The row is not an activity and is not loaded. It is reported like every row that is not loaded: a
warning that confirms the mark («Отметка … принята»), or an error when the quarter cannot be told —
so the rule «every non-empty row is loaded or reported» holds. A row whose «Вид мероприятия» is a
known activity type is an activity, whatever its topic says.

`lib.validate.parsing` asks `read_mark` about each row of a Мероприятия block whose type it does not know and
keeps the marks in `Workbook.no_activity_marks`; `lib.metrics.readiness` counts a marked quarter as reported.
Nothing here knows about tabs or cells.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from lib.model.contract import norm
from lib.model.periods import Period

MAX_MARK_CHARS = 80          # a long text is a topic, not a mark

# A mark is a short text made only of these words (and quarter numbers and years): «мероприятий не
# было», «во II квартале мероприятия не проводились», «нет мероприятий». A topic that merely holds
# «нет» («Мероприятие для семей, где нет работы») has other words and is not a mark.
_EVENT_WORDS = frozenset({"мероприятий", "мероприятия", "мероприятие"})
_NONE_WORDS = frozenset({"нет", "не", "отсутствуют", "отсутствовали", "отсутствует"})
_OTHER_WORDS = frozenset({"было", "проводилось", "проводились", "проводили", "проведено", "запланировано",
                          "в", "во", "за", "течение", "квартал", "квартале", "квартала", "кв", "й", "ом", "м", "отчетном",
                          "отчетный", "периоде", "период", "году", "года", "год", "г"})
_NUMBER = re.compile(r"^(?:iv|i{1,3}|[1-4]|20\d\d)$")
_QUARTER = re.compile(r"(?:^| )(iv|i{1,3}|[1-4])(?: й| ом| м)? ?кв(?:[а-я]*)?(?: |$)")
_YEAR = re.compile(r"(?:^| )(20\d\d)(?: |$)")
_ARABIC = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}

WHAT_TO_WRITE = ("в «Тема / содержание» напишите «мероприятий не было», а в «Дата» — любой день квартала "
                 "(например, 30.06.2026) или сам квартал («II квартал 2026»)")


@dataclass(frozen=True)
class Mark:
    """What a «мероприятий не было» row says: its quarter, or what it leaves out («год», «квартал»).
    Its messages are those of the rules `activities.none` and `activities.none_unclear` (`lib.validate.rules`)."""
    year: int | None
    quarter: int | None
    missing: str | None = None           # set when the quarter or the year cannot be told

    @property
    def quarter_text(self) -> str:
        return Period.quarter(self.year, self.quarter).label

    @property
    def problem(self) -> str | None:
        """Why the mark cannot be taken (None when it can)."""
        from lib.validate.rules import NOT_COUNTED, rule
        return rule("activities.none_unclear").message(mark=self).removesuffix(NOT_COUNTED) if self.missing else None

    @property
    def message(self) -> str:
        """The issue text for the row (a warning when the mark is understood, else an error)."""
        from lib.validate.rules import rule
        return self.problem or rule("activities.none").message(mark=self)


def is_mark_text(value: object) -> bool:
    """Whether a cell's text says that there were no activities («Мероприятий не было»)."""
    if not isinstance(value, str) or len(value) > MAX_MARK_CHARS:
        return False
    words = norm(value).split()
    if not any(w in _EVENT_WORDS for w in words) or not any(w in _NONE_WORDS for w in words):
        return False
    return all(w in _EVENT_WORDS or w in _NONE_WORDS or w in _OTHER_WORDS or _NUMBER.match(w) for w in words)


def quarter_in_text(value: object, default_year: int | None) -> tuple[int | None, int | None]:
    """(year, quarter) named by a text such as «II квартал 2026» or «во 2 кв.» (year: `default_year`
    when the text has none); (None, None) when no quarter is named."""
    if not isinstance(value, str):
        return None, None
    key = norm(value)
    found = _QUARTER.search(key)
    if not found:
        return None, None
    year = _YEAR.search(key)
    return (int(year[1]) if year else default_year), _ARABIC[found[1]]


def read_mark(texts: list[object], day: date | None, date_value: object,
              default_year: int | None) -> Mark | None:
    """The mark of a row, or None when the row is not one.

    `texts`: the cells that may hold the mark (the type, then the topic); `day`: the row's date as the
    date column parsed it (None when it did not parse); `date_value`: that cell as typed (it may hold
    the quarter, or the mark itself when the row is one lone text); `default_year`: the workbook's."""
    said = next((t for t in (*texts, date_value) if is_mark_text(t)), None)
    if said is None:
        return None
    if day is not None:
        return Mark(day.year, (day.month - 1) // 3 + 1)
    for text in (date_value, said):
        year, quarter = quarter_in_text(text, default_year)
        if quarter is not None:
            if year is None:
                return Mark(None, quarter, "год")
            return Mark(year, quarter)
    return Mark(None, None, "квартал")
