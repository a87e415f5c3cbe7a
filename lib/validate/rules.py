"""Validation as data: every issue the loader can raise is a `Rule` of one table — its stable code, a
Russian title, its severity, the Russian message template and, for a row of a Мероприятия block, the
column it checks and its check.

Modelled on frictionless-py's error types (a type with a title and a message template; a parser's own
explanation goes in as a field, like frictionless's `{note}` — here `{problem}`) and datasette's
`TemplatedFilter` (one declaration gives both the check and the human text).

Row rules (`ROW_RULES`) are checks over the parsed columns of every Мероприятия block at once
(`RowFacts`): each `check` gives a boolean per row, worked out per distinct value. `check_rows` runs
them all; a row is looked at one by one only if some rule fires on it, and then each rule that fired
gives its message from its template — the filter and the messages cannot disagree, because they are
the same masks. The other rules (`TAB_RULES`) are raised where the tabs' structure is read
(`lib.validate.parsing`), by code, with their template's fields.

The order of a row's issues is the table's: a rule that checks several columns (the three counts)
checks them one by one, and the rules next to it that check the same columns go with it, column by
column — the way a person reads the row.
"""
from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from itertools import repeat
from types import MappingProxyType

import numpy as np

from lib.model import contract as C
from lib.model.workbook import ERROR, WARNING
from lib.validate.no_activities import WHAT_TO_WRITE
from lib.validate.values import (COUNT_APPROXIMATE, COUNT_FRACTION, COUNT_NEGATIVE, COUNT_NOT_NUMBER, COUNT_TOO_BIG,
                        is_blank, shown)

NOT_COUNTED = " — строка не учтена"

FIRST_COLUMN, SECOND_COLUMN = "first column", "second column"   # a block's first two columns, whatever they hold
COUNT_COLUMNS = ("participants", "specialists", "institutions_count")


@dataclass(frozen=True)
class Rule:
    """One thing the loader reports.

    `severity`: ERROR — the row (or value, or tab) is not counted; WARNING — it is counted, but worth a
    look. `template`: the Russian message, `str.format` fields (see `RowFields` for a row rule's).

    Row rules only: `columns` — the activity columns it checks, each reported at its own cell
    (`FIRST_COLUMN`: the block's first column); `check(facts, column)` — per row of all blocks, does the
    rule fire (a bool array). `stops`: the row is not counted and nothing else is checked in it (a
    totals row: a warning, yet not counted). `only_loaded`: checked only on a row no error rejects."""
    code: str
    title: str
    severity: str
    template: str
    columns: tuple[str, ...] = ()
    check: Callable[[RowFacts, str], np.ndarray] | None = None
    stops: bool = False
    only_loaded: bool = False

    def message(self, fields=None, /, **more) -> str:
        """The template filled in: from a mapping (computed lazily, as `RowFields`) or keywords."""
        return self.template.format_map(fields if fields is not None else more)

    @property
    def fields(self) -> tuple[str, ...]:
        """The names the template uses (before any `.attribute` or format spec)."""
        names = (name for _, name, _, _ in string.Formatter().parse(self.template) if name)
        return tuple(dict.fromkeys(re.split(r"[.\[]", name, maxsplit=1)[0] for name in names))


# --------------------------------------------------------------------------- checks of a row rule

class RowFacts:
    """The rows of every Мероприятия block of a workbook, column by column, as the checks see them.

    `columns[key]` — a parsed column (`lib.validate.parsing._ParsedColumn`: per distinct value its `raw` value
    and its parser's `results`; per row its `inverse` index into those); a column no rule asked for yet
    is made by `make(key)` (its raw values). `year` — the workbook's year (None: not set); `plan_items`
    — the plan's item numbers."""

    def __init__(self, columns: dict, make: Callable, n_rows: int, year: int | None, plan_items: frozenset):
        self.columns, self.make, self.n_rows = dict(columns), make, n_rows
        self.year, self.plan_items = year, plan_items
        self._marks: dict | None = None

    def mark(self, i: int):
        """The «мероприятий не было» mark of row `i` (`lib.validate.no_activities.Mark`), or None."""
        return self.marks().get(i)

    def marks(self) -> dict:
        """Row → its «мероприятий не было» mark: looked for only in rows whose type is not a known one."""
        if self._marks is None:
            from lib.validate.no_activities import read_mark
            untyped = np.flatnonzero(self.each("type", lambda kind, value, facts: kind is None)).tolist()
            found = ((i, read_mark([self.value("type", i), self.value("topic", i)], self.result("date", i)[0],
                                   self.value("date", i), self.year)) for i in untyped)
            self._marks = {i: mark for i, mark in found if mark is not None}
        return self._marks

    def column(self, key: str):
        found = self.columns.get(key)
        if found is None:
            found = self.columns[key] = self.make(key)
        return found

    def each(self, key: str, predicate: Callable[[object, object, RowFacts], object]) -> np.ndarray:
        """Per row: `predicate(parsed result, raw value, self)` of its cell in column `key`, worked out
        once per distinct value."""
        col = self.column(key)
        per_value = map(bool, map(predicate, col.results, col.raw, repeat(self)))
        return np.fromiter(per_value, dtype=bool, count=len(col.raw))[col.inverse]

    def among(self, key: str, select: Callable[[list], list]) -> np.ndarray:
        """Per row: whether `select(the column's distinct raw values)` — one bool for each — holds for
        its cell (a check that looks at all the values at once, e.g. one C-level scan)."""
        col = self.column(key)
        return np.array(select(col.raw), dtype=bool).reshape(-1)[col.inverse] if col.raw else \
            np.zeros(self.n_rows, dtype=bool)

    def numbers(self, key: str) -> np.ndarray:
        """Per row: the number its cell parsed to (a count column), NaN for none."""
        col = self.column(key)
        return np.array([np.nan if r[0] is None else r[0] for r in col.results], dtype=float)[col.inverse] \
            if col.results else np.full(self.n_rows, np.nan)

    def result(self, key: str, i: int):
        col = self.column(key)
        return col.results[col.inverse[i]]

    def value(self, key: str, i: int):
        col = self.column(key)
        return col.raw[col.inverse[i]]


class RowFields(dict):
    """The fields a row rule's template may use, for row `i` and the checked column `key`, each worked
    out when the template asks for it: `column` (its title), `value` (its cell as the user wrote it),
    `problem` (its parser's explanation), `item` (the plan item cited), `day` (the row's date), `year`
    (the workbook's), `allowed` (the activity types), `participants`, `specialists` (the counts),
    `mark` (the row's «мероприятий не было» mark, `lib.validate.no_activities.Mark`)."""

    def __init__(self, facts: RowFacts, key: str, i: int):
        super().__init__()
        self.facts, self.key, self.i = facts, key, i

    def __missing__(self, name: str):
        facts, key, i = self.facts, self.key, self.i
        if name == "column":
            return C.ACTIVITY_COLUMNS[key].title
        if name == "value":
            return shown(facts.value(key, i))
        if name == "problem":
            return facts.result(key, i)[1]
        if name == "item":
            return facts.result("plan_item", i)[0]
        if name == "day":
            return facts.result("date", i)[0]
        if name == "year":
            return facts.year
        if name == "mark":
            return facts.mark(i)
        if name == "allowed":
            return ", ".join(C.ACTIVITY_TYPE_NAMES)
        if name in COUNT_COLUMNS:
            return facts.result(name, i)[0]
        raise KeyError(name)


def cells(predicate: Callable[[object, object, RowFacts], object]) -> Callable[[RowFacts, str], np.ndarray]:
    """A check of each cell by itself: `predicate(parsed result, raw value, facts)`."""
    def check(facts: RowFacts, key: str) -> np.ndarray:
        return facts.each(key, predicate)
    return check


def parsed_as(kind: str) -> Callable[[RowFacts, str], np.ndarray]:
    """A check that the cell's parser found a problem of this kind (its result's third element)."""
    return cells(lambda result, value, facts: result[2] == kind)


def _totals_row(facts: RowFacts, key: str) -> np.ndarray:
    """«Итого» / «Всего:» in the block's first or second column."""
    return facts.among(FIRST_COLUMN, totals_among) | facts.among(SECOND_COLUMN, totals_among)


def _marked(clear: bool) -> Callable[[RowFacts, str], np.ndarray]:
    """A «мероприятий не было» row whose quarter is clear (or is not)."""
    def check(facts: RowFacts, key: str) -> np.ndarray:
        out = np.zeros(facts.n_rows, dtype=bool)
        for i, mark in facts.marks().items():
            out[i] = (mark.problem is None) == clear
        return out
    return check


def _more_specialists(facts: RowFacts, key: str) -> np.ndarray:
    return facts.numbers("specialists") > facts.numbers("participants")


_TOTAL_WORDS = ("итого", "всего")


def totals_among(values: list) -> list[bool]:
    """Per value: does it start a totals row («Итого», «Всего:»). Only a text holding «итог» or «всег»
    can; the others are passed over with one C-level scan of the joined texts."""
    out = [False] * len(values)
    at = [i for i, v in enumerate(values) if type(v) is str]
    joined = "\x00".join([values[i] for i in at]).lower()
    if "итог" not in joined and "всег" not in joined:
        return out
    lowered = joined.split("\x00")
    if len(lowered) != len(at):                     # a text holding U+0000 itself: lower each
        lowered = [values[i].lower() for i in at]
    for i, low in zip(at, lowered):
        if ("итог" in low or "всег" in low) and C.norm(values[i]).startswith(_TOTAL_WORDS):
            out[i] = True
    return out


# --------------------------------------------------------------------------- the rows of a Мероприятия block

ROW_RULES: tuple[Rule, ...] = (
    Rule("row.total", "Строка итогов", WARNING,
         "Строка итогов не учитывается: итоги приложение считает само" + NOT_COUNTED,
         (FIRST_COLUMN,), _totals_row, stops=True),
    Rule("activities.none", "Отметка «мероприятий не было»", WARNING,
         "Отметка «мероприятий не было» за {mark.quarter_text} принята: строка не считается мероприятием",
         ("date",), _marked(clear=True), stops=True),
    Rule("activities.none_unclear", "Отметка «мероприятий не было» без квартала", ERROR,
         "Отметка «мероприятий не было»: не указан {mark.missing} — " + WHAT_TO_WRITE + NOT_COUNTED,
         ("date",), _marked(clear=False), stops=True),
    Rule("date.missing", "Нет даты", ERROR, "Не указана дата мероприятия" + NOT_COUNTED,
         ("date",), cells(lambda r, v, f: r[0] is None and r[1] is None)),
    Rule("date.invalid", "Дата не распознана или не существует", ERROR, "{problem}" + NOT_COUNTED,
         ("date",), cells(lambda r, v, f: r[0] is None and r[1] is not None)),
    Rule("date.no_year", "Дата без года (взят год из настроек)", WARNING, "{problem}",
         ("date",), cells(lambda r, v, f: r[0] is not None and r[1] is not None)),
    Rule("type.missing", "Нет вида мероприятия", ERROR, "Не указан вид мероприятия" + NOT_COUNTED,
         ("type",), cells(lambda kind, v, f: kind is None and is_blank(v))),
    Rule("type.unknown", "Вид мероприятия не из списка", ERROR,
         "Вид мероприятия «{value}» не из списка ({allowed})" + NOT_COUNTED,
         ("type",), cells(lambda kind, v, f: kind is None and not is_blank(v))),
    Rule("count.not_number", "Количество — не число", ERROR, "{column}: {problem}" + NOT_COUNTED,
         COUNT_COLUMNS, parsed_as(COUNT_NOT_NUMBER)),
    Rule("count.negative", "Отрицательное количество", ERROR, "{column}: {problem}" + NOT_COUNTED,
         COUNT_COLUMNS, parsed_as(COUNT_NEGATIVE)),
    Rule("count.fraction", "Дробное количество", ERROR, "{column}: {problem}" + NOT_COUNTED,
         COUNT_COLUMNS, parsed_as(COUNT_FRACTION)),
    Rule("count.too_big", "Слишком большое количество", ERROR, "{column}: {problem}" + NOT_COUNTED,
         COUNT_COLUMNS, parsed_as(COUNT_TOO_BIG)),
    Rule("count.approximate", "Приблизительное количество («более 30»)", WARNING, "{column}: {problem}",
         COUNT_COLUMNS, parsed_as(COUNT_APPROXIMATE)),
    Rule("plan_ref.several", "Указано несколько пунктов плана", WARNING, "{problem}",
         ("plan_item",), cells(lambda r, v, f: r[0] is not None and r[1] is not None), only_loaded=True),
    Rule("plan_ref.unparsed", "Пункт плана не распознан", WARNING, "{problem}",
         ("plan_item",), cells(lambda r, v, f: r[0] is None and r[1] is not None), only_loaded=True),
    Rule("plan_ref.unknown", "Пункта нет в плане", WARNING,
         "Пункта {item} нет в плане работы: мероприятие учтено без пункта плана",
         ("plan_item",), cells(lambda r, v, f: r[0] and f.plan_items and r[0] not in f.plan_items),
         only_loaded=True),
    Rule("date.other_year", "Дата не в году книги", WARNING,
         "Дата {day:%d.%m.%Y} не в {year} году: мероприятие учтено в {day.year} году",
         ("date",), cells(lambda r, v, f: r[0] is not None and f.year and r[0].year != f.year), only_loaded=True),
    Rule("specialists.over_participants", "Специалистов больше, чем участников", WARNING,
         "Специалистов ({specialists}) больше, чем участников ({participants})",
         ("specialists",), _more_specialists, only_loaded=True),
)

# --------------------------------------------------------------------------- tabs, blocks, service tabs, cells

_NO_HEADER = "На вкладке «{tab}» не найдена строка заголовков таблицы (нужны столбцы {columns})"


def _r(code: str, title: str, severity: str, template: str) -> Rule:
    return Rule(code, title, severity, template)


TAB_RULES: tuple[Rule, ...] = (
    # the workbook and its tabs
    _r("book.empty", "Книга пустая", ERROR,
       "В книге «{label}» нет данных: все листы пустые. Проверьте, что выбран нужный файл"),
    _r("tab.same_name", "Несколько вкладок с одним именем", WARNING,
       "В книге несколько вкладок с именем «{tab}»: прочитана каждая; переименуйте повторы, чтобы не путать их"),
    _r("tab.service_duplicate", "Служебная вкладка повторяется", ERROR,
       "Служебная вкладка «{tab}» повторяется: используется первая («{first}»), эта не учтена. Удалите или "
       "переименуйте повтор"),
    _r("tab.too_big", "Вкладка слишком большая: не загружена", ERROR, "{problem}"),
    _r("tab.unreadable", "Вкладку не удалось прочитать", ERROR, "{problem}"),
    _r("tab.duplicate", "Две вкладки одного учреждения", WARNING,
       "Вкладка «{tab}» повторяет вкладку «{first}» того же учреждения: данные взяты из обеих"),
    _r("tab.empty", "Пустая вкладка не из списка учреждений", WARNING,
       "Пустая вкладка «{name}» не указана в списке учреждений и пропущена"),
    _r("tab.unlisted", "Вкладки нет в списке учреждений", WARNING,
       "Вкладки «{name}» нет в списке учреждений (вкладка «Учреждения»): её данные загружены, добавьте "
       "учреждение в список"),
    _r("tab.missing", "У учреждения нет вкладки", WARNING,
       "Для учреждения «{name}» нет вкладки: создайте вкладку с именем «{name}»"),
    _r("tab.broken", "Вкладку не удалось разобрать", ERROR,
       "Вкладку «{tab}» не удалось разобрать ({error}): проверьте, что она заполнена по шаблону"),
    # the blocks of an institution tab
    _r("block.no_header", "Нет заголовка блока «Мероприятия»", ERROR,
       "Не найдена строка заголовков блока «Мероприятия» (нужны столбцы «Дата» и «Вид мероприятия»): {rows} "
       "заполненных строк не учтены"),
    _r("block.duplicate_column", "Столбец повторяется", WARNING,
       "Столбец «{value}» повторяется: используется первый такой столбец"),
    _r("block.extra_column", "Лишний столбец", WARNING, "Столбец «{value}» не входит в шаблон и не учитывается"),
    _r("block.missing_column", "В блоке «Мероприятия» нет столбца", WARNING,
       "В блоке «Мероприятия» нет столбца «{column}»"),
    _r("block.empty", "Учреждение не внесло мероприятий", WARNING,
       "Учреждение «{name}» не внесло ни одного мероприятия"),
    _r("block.no_monitoring", "Нет блока «Мониторинг»", WARNING,
       "На вкладке «{tab}» не найден блок «Мониторинг» (заголовок «Показатель | I квартал | II квартал | "
       "III квартал | IV квартал»)"),
    # the Мониторинг block
    _r("monitoring.no_indicator", "Мониторинг: не указан показатель", ERROR,
       "Не указан показатель, к которому относятся числа в этой строке" + NOT_COUNTED),
    _r("monitoring.unknown_indicator", "Мониторинг: показатель не из списка", WARNING,
       "Показатель «{value}» не из списка показателей мониторинга: учтён как есть"),
    _r("monitoring.duplicate", "Мониторинг: показатель повторяется", ERROR,
       "Показатель «{name}» уже указан в строке {row}" + NOT_COUNTED),
    _r("monitoring.not_number", "Мониторинг: значение не число", ERROR,
       "«{name}», {quarter} квартал: {problem}; значение не учтено"),
    _r("monitoring.negative", "Мониторинг: отрицательное значение", ERROR,
       "«{name}»: отрицательное значение {value} не учтено"),
    _r("monitoring.missing_rows", "Мониторинг: нет строк показателей", WARNING,
       "В блоке «Мониторинг» нет строк показателей: {names}"),
    # cells as read
    _r("cell.unreadable", "Значение ячейки не прочитано", ERROR, "{where} {reason}; строка не учтена"),
    _r("formula.no_result", "Формула без сохранённого результата", WARNING,
       "Формула без сохранённого результата: значение ячейки не прочитано. Откройте книгу в Excel или "
       "LibreOffice и сохраните её заново — результаты формул сохранятся"),
    _r("text.control_chars", "Непечатаемые символы удалены", WARNING,
       "В тексте ячейки были непечатаемые символы (управляющие коды): они удалены"),
    # Настройки
    _r("settings.missing", "Нет вкладки «Настройки»", WARNING,
       "Нет вкладки «Настройки»: название ОМП, тема и год не заданы"),
    _r("settings.unknown", "Настройки: неизвестный параметр", WARNING,
       "Параметр «{name}» не известен и не используется. Известные параметры: {known}"),
    _r("settings.no_value", "Настройки: не заполнено значение", WARNING, "Не заполнено значение параметра «{name}»"),
    _r("settings.year_invalid", "Настройки: год не распознан", ERROR,
       "Год «{value}» не распознан: укажите год цифрами, например 2026"),
    # Учреждения
    _r("institutions.missing", "Нет вкладки «Учреждения»", WARNING,
       "Нет вкладки «Учреждения»: учреждениями считаются все остальные вкладки"),
    _r("institutions.no_header", "Учреждения: нет строки заголовков", ERROR, _NO_HEADER),
    _r("institutions.no_name", "Учреждения: не указано наименование", ERROR,
       "Не указано краткое наименование учреждения (оно же — имя его вкладки)"),
    _r("institutions.duplicate", "Учреждения: учреждение повторяется", WARNING,
       "Учреждение «{name}» уже указано в строке {row}: повтор пропущен"),
    # План
    _r("plan.missing", "Нет вкладки «План»", WARNING, "Нет вкладки «План»: статус выполнения плана не рассчитывается"),
    _r("plan.no_header", "План: нет строки заголовков", ERROR, _NO_HEADER),
    _r("plan.no_number", "План: не указан номер пункта", ERROR,
       "Не указан номер пункта плана для мероприятия «{title}»"),
    _r("plan.bad_number", "План: номер пункта не распознан", ERROR,
       "Номер пункта «{value}» не распознан: укажите его в виде 2.4" + NOT_COUNTED),
    _r("plan.duplicate", "План: пункт повторяется", ERROR,
       "Пункт {item} повторяется (уже в строке {row}): повтор не учтён"),
    _r("plan.deadline_unparsed", "План: срок не распознан", WARNING, "Пункт {item}: {problem}"),
    _r("plan.indicator_unknown", "План: показатель не из списка видов", WARNING,
       "Пункт {item}: показатель «{value}» не из списка видов мероприятий, учитываются все мероприятия со "
       "ссылкой на пункт"),
    _r("plan.count_what_unknown", "План: непонятно, что считать", WARNING,
       "Пункт {item}: «{value}» — считать можно только: {allowed}; учтено «мероприятия»"),
    _r("plan.target_invalid", "План: цель не число", ERROR, "Пункт {item}: цель {problem}"),
    _r("plan.target_period_unknown", "План: период цели не распознан", WARNING,
       "Пункт {item}: период цели «{value}» не распознан (год / квартал / месяц); учтено «год»"),
    _r("plan.empty", "План пустой", WARNING, "В плане нет ни одного пункта"),
    # Критерии
    _r("criteria.no_header", "Критерии: нет строки заголовков", ERROR,
       _NO_HEADER + "; используются критерии по умолчанию"),
    _r("criteria.no_criterion", "Критерии: не указан критерий", ERROR, "Не указан критерий" + NOT_COUNTED),
    _r("criteria.no_indicator", "Критерии: не указан показатель", ERROR, "Не указан показатель" + NOT_COUNTED),
    _r("criteria.bad_kind", "Критерии: вид показателя не распознан", ERROR,
       "Вид показателя «{value}» — нужно «качественный» или «количественный»" + NOT_COUNTED),
    _r("criteria.empty", "Критерии: нет ни одного показателя", ERROR,
       "На вкладке «Критерии» нет ни одного показателя; используются критерии по умолчанию"),
    # Показатели мониторинга
    _r("indicators.no_header", "Показатели мониторинга: нет строки заголовков", ERROR, _NO_HEADER),
)

RULES: MappingProxyType[str, Rule] = MappingProxyType({r.code: r for r in (*ROW_RULES, *TAB_RULES)})


def rule(code: str) -> Rule:
    """The rule of a code (the table's, or a row rule added to `ROW_RULES` since)."""
    found = RULES.get(code)
    if found is None:
        found = next((r for r in ROW_RULES if r.code == code), None)
    if found is None:
        raise KeyError(f"no rule {code!r} in lib.validate.rules")
    return found


def title_of(code: str) -> str:
    """The Russian title of a code, for filters (the code itself if the table has no such rule)."""
    found = RULES.get(code)
    return found.title if found else code


def in_table_order(codes) -> list[str]:
    """The distinct codes among `codes`, in the order of the table (codes it lacks last, sorted)."""
    present = set(codes)
    known = [code for code in RULES if code in present]
    return known + sorted(present.difference(known))


# --------------------------------------------------------------------------- running the row rules


@dataclass
class RowVerdict:
    """What the row rules found: `keep` — per row, is it counted; `fired` — (row, rule, column) for
    every issue, in the order they are reported; `hits[code]` — per row, did that rule fire."""
    keep: np.ndarray
    fired: list[tuple[int, Rule, str]]
    hits: dict[str, np.ndarray]


def _steps(rules: tuple[Rule, ...]) -> list[tuple[Rule, str]]:
    """(rule, column) in the order a row's issues are reported: the table's order, except that a run
    of rules checking the same several columns goes column by column."""
    steps: list[tuple[Rule, str]] = []
    i = 0
    while i < len(rules):
        j = i + 1
        if len(rules[i].columns) > 1:
            while j < len(rules) and rules[j].columns == rules[i].columns:
                j += 1
        run = rules[i:j]
        steps += [(r, key) for key in rules[i].columns for r in run]
        i = j
    return steps


def check_rows(facts: RowFacts, rules: tuple[Rule, ...] | None = None) -> RowVerdict:
    """Run the row rules (`ROW_RULES` by default, looked up when called) over every row at once."""
    steps = _steps(ROW_RULES if rules is None else rules)
    n = facts.n_rows
    masks = np.zeros((len(steps), n), dtype=bool)
    for s, (r, key) in enumerate(steps):
        masks[s] = r.check(facts, key)
    kind = np.array([2 if r.stops else 1 if r.only_loaded else 0 for r, _ in steps], dtype=np.int8)
    error = np.array([r.severity == ERROR for r, _ in steps], dtype=bool)
    stopped = masks[kind == 2].any(axis=0)
    masks[kind != 2] &= ~stopped
    rejected = stopped | masks[(kind == 0) & error].any(axis=0)
    masks[kind == 1] &= ~rejected
    rejected |= masks[(kind == 1) & error].any(axis=0)
    rows = np.flatnonzero(masks.any(axis=0))
    at, step = np.nonzero(masks[:, rows].T)            # row by row, each row's steps in order
    fired = [(i, *steps[s]) for i, s in zip(rows[at].tolist(), step.tolist())]
    hits: dict[str, np.ndarray] = {}
    for s, (r, _) in enumerate(steps):
        hits[r.code] = hits[r.code] | masks[s] if r.code in hits else masks[s]
    return RowVerdict(~rejected, fired, hits)
