"""«Готово к отправке»: whether a centre's tab is ready to be sent for a period, check by check.

This module owns the four checks and everything built from them: the checklist of one institution
for a period (page «Моё учреждение»), the institution × quarter matrix (page «Качество данных») and
the red lines of a laggard (`lib.metrics.laggards`) that a reminder lists (`lib.report.reminders`).
All of them come from one `assess()`; a cell of the matrix *is* the checklist of that one quarter,
and a period's checklist combines its quarters — so the page, the matrix and the reminder cannot
disagree. Plain Python and pandas, no Streamlit.

The checks, in this order:

1. **errors** — no issue of severity «ошибка» on the institution's tab(s). All of the tab's errors
   count, whatever the quarter: a rejected row has no date to trust, and a tab is sent as a whole.
2. **monitoring** — every monitoring indicator of the workbook filled for each checked quarter
   (a blank cell is not 0; an indicator without its row is blank too). The Мониторинг block has no
   year of its own, so it is checked only for the workbook's year (otherwise the line is «не
   проверяется», neither green nor red).
3. **activities** — at least one loaded activity row in each checked quarter, or a «мероприятий не
   было» row for it (`lib.validate.no_activities`).
4. **plan items** — no loaded activity row of a checked quarter cites a plan item that the plan does
   not have or that cannot be read (the «Пункта X нет в плане работы» and «Пункт плана «…» не
   распознан» warnings of `lib.validate.parsing`).

**Which quarters are checked:** the period's quarters that have begun by `as_of`, the current one
included — a centre fills its tab while the quarter runs and sends it at the quarter's end, so «ready»
is a state of the tab, not a verdict of lateness. Quarters still ahead are not checked («впереди»); a
period that has not begun is not checked at all: not ready, with nothing to fix yet (no red line).

Every red line says where to fix it: `Fix` has the tab and cell (empty for the tab as a whole) and,
for a Google Sheet, the link that opens exactly that cell (`Workbook.cell_url`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from lib.metrics.counts import counts_by_institution_quarter
from lib.metrics.selection import select_rows
from lib.model.workbook import ERROR, WARNING, Workbook
from lib.model.periods import Period, quarter_name
from lib.russian import (CELL_FORMS, ERROR_FORMS, EVENTS, IN_ROW_FORMS, capitalize_first, plural, quarter_label,
                          quarters_text)

ERRORS, MONITORING, ACTIVITIES, PLAN_ITEMS = "errors", "monitoring", "activities", "plan_items"
TITLES = {
    ERRORS: "Ошибки на вкладке исправлены",
    MONITORING: "Показатели мониторинга заполнены",
    ACTIVITIES: "Мероприятия внесены (или отмечено «мероприятий не было»)",
    PLAN_ITEMS: "Пункты плана в мероприятиях — из плана работы",
}
SHORT = {ERRORS: "ошибки", MONITORING: "мониторинг", ACTIVITIES: "мероприятия", PLAN_ITEMS: "пункты плана"}

READY, NOT_READY, AHEAD = "готово", "не готово", "впереди"
STATE_COLORS = {READY: "#c8e6c9", NOT_READY: "#ffcdd2", AHEAD: "#eeeeee"}

# The warnings of lib.validate.parsing that say a loaded row cites a plan item the plan does not know.
_UNKNOWN_ITEM = re.compile(r"^(?:Пункта \S+ нет в плане|Пункт плана «.*» не распознан)")



@dataclass(frozen=True)
class Fix:
    """One place to fix: a cell (or a whole tab) and what is wrong there."""
    tab: str | None                  # None: the institution has no tab at all
    cell: str                        # A1 address; "" for the tab as a whole
    text: str                        # Russian: what is wrong / what to do
    url: str | None = None           # Google Sheets: the link that opens the cell; None for Excel
    quarter: int | None = None       # the quarter it concerns, where there is one
    subject: str = ""                # the monitoring indicator, for blank cells

    @property
    def where(self) -> str:
        """«Белозерский!A20», «вкладка «Белозерский»» or «нет вкладки»."""
        if self.tab is None:
            return "нет вкладки"
        return f"{self.tab}!{self.cell}" if self.cell else f"вкладка «{self.tab}»"


@dataclass(frozen=True)
class Line:
    """One check of the checklist: green (`ok` True), red (False) or not checked (None)."""
    key: str
    ok: bool | None
    text: str                        # the state in one Russian sentence
    fixes: tuple[Fix, ...] = ()      # where to fix it (red lines), or what proves it (e.g. the mark rows)
    quarters: tuple[int, ...] = ()   # the checked quarters where it is red

    @property
    def title(self) -> str:
        return TITLES[self.key]

    @property
    def mark(self) -> str:
        return {True: "🟢", False: "🔴", None: "⚪"}[self.ok]


@dataclass(frozen=True)
class Checklist:
    institution: str
    tab: str | None
    period: Period
    as_of: date
    checked: tuple[int, ...]         # the period's quarters that have begun by as_of
    lines: tuple[Line, ...]

    @property
    def ready(self) -> bool:
        return bool(self.checked) and all(line.ok is not False for line in self.lines)

    @property
    def state(self) -> str:
        """«готово», «не готово» or «впереди» (nothing of the period has begun yet)."""
        if not self.checked:
            return AHEAD
        return READY if self.ready else NOT_READY

    @property
    def red_lines(self) -> list[Line]:
        return [line for line in self.lines if line.ok is False]

    def line(self, key: str) -> Line:
        return next(line for line in self.lines if line.key == key)

    @property
    def summary(self) -> str:
        """«готово» or «не готово: ошибки, мониторинг» — what a matrix cell shows."""
        red = self.red_lines
        return self.state if not red else f"{NOT_READY}: " + ", ".join(SHORT[line.key] for line in red)


@dataclass
class _Facts:
    """What one institution's data says, per quarter of the assessed year."""
    institution: str
    tab: str | None
    tab_url: str | None = None                                        # Google Sheets: the tab's first cell
    errors: list[Fix] = field(default_factory=list)
    blanks: dict[int, list[Fix]] = field(default_factory=dict)        # quarter → blank indicator cells
    activities: dict[int, int] = field(default_factory=dict)          # quarter → loaded rows
    marks: dict[int, Fix] = field(default_factory=dict)               # quarter → its «мероприятий не было» row
    unknown_items: dict[int, list[Fix]] = field(default_factory=dict)  # quarter → cells citing unknown items


@dataclass(frozen=True)
class Assessment:
    """The checks of every assessed institution for one year, as of one date."""
    year: int
    as_of: date
    monitoring_year: int             # the workbook's year: the only one its Мониторинг block is about
    indicator_count: int
    facts: dict[str, _Facts]

    @property
    def institutions(self) -> list[str]:
        return list(self.facts)

    def checked_quarters(self, period: Period) -> tuple[int, ...]:
        return tuple(q for q in period.quarters if Period.quarter(period.year, q).start <= self.as_of)

    def checklist(self, institution: str, period: Period) -> Checklist:
        """The checklist of one institution for a period of the assessed year."""
        if period.year != self.year:
            raise ValueError(f"assessed for {self.year}, asked for {period.label}")
        facts = self.facts[institution]
        checked = self.checked_quarters(period)
        lines = (_errors_line(facts, checked), _monitoring_line(self, facts, checked), _activities_line(facts, checked),
                 _plan_items_line(facts, checked))
        return Checklist(institution, facts.tab, period, self.as_of, checked, lines)

    def quarter_checklists(self, institution: str) -> dict[int, Checklist]:
        """Quarter → the checklist of that quarter alone (what the matrix shows)."""
        return {q: self.checklist(institution, Period.quarter(self.year, q)) for q in (1, 2, 3, 4)}

    def matrix(self, institutions: list[str] | None = None) -> pd.DataFrame:
        """Institution × «I кв.»…«IV кв.» → `Checklist.summary` of that quarter («готово», «не готово:
        ошибки, мониторинг», «впереди»)."""
        names = [i for i in (institutions or self.institutions) if i in self.facts]
        records = {inst: {quarter_label(q): cl.summary for q, cl in self.quarter_checklists(inst).items()}
                   for inst in names}
        frame = pd.DataFrame.from_dict(records, orient="index",
                                       columns=[quarter_label(q) for q in (1, 2, 3, 4)])
        frame.index.name = "Учреждение"
        return frame


def state_of(summary: str) -> str:
    """The state («готово» / «не готово» / «впереди») of a matrix cell's text."""
    return NOT_READY if summary.startswith(NOT_READY) else summary


# --------------------------------------------------------------------------- the lines


def _errors_line(facts: _Facts, checked: tuple[int, ...]) -> Line:
    if not checked:
        return Line(ERRORS, None, "Кварталы периода ещё не начались.")
    n = len(facts.errors)
    if not n:
        return Line(ERRORS, True, "Ошибок нет.")
    return Line(ERRORS, False, f"На вкладке {plural(n, ERROR_FORMS)}: строки и значения с ошибками не учтены — "
                               "исправьте ячейки.", tuple(facts.errors))


def _monitoring_line(a: Assessment, facts: _Facts, checked: tuple[int, ...]) -> Line:
    if a.year != a.monitoring_year:
        return Line(MONITORING, None, f"Не проверяется: показатели мониторинга в книге — за {a.monitoring_year} год.")
    if not checked:
        return Line(MONITORING, None, "Кварталы периода ещё не начались.")
    fixes = [fix for q in checked for fix in facts.blanks.get(q, [])]
    if not fixes:
        return Line(MONITORING, True, f"Все {plural(a.indicator_count, ('показатель', 'показателя', 'показателей'))} "
                                      f"заполнены за {quarters_text(checked)}.")
    red = tuple(q for q in checked if facts.blanks.get(q))
    return Line(MONITORING, False, f"Не заполнено {plural(len(fixes), CELL_FORMS)} мониторинга за "
                                   f"{quarters_text(red)}. Пустая ячейка — не ноль: если значение нулевое, "
                                   "укажите 0.", tuple(fixes), red)


def _activities_line(facts: _Facts, checked: tuple[int, ...]) -> Line:
    if not checked:
        return Line(ACTIVITIES, None, "Кварталы периода ещё не начались.")
    missing = tuple(q for q in checked if not facts.activities.get(q) and q not in facts.marks)
    counted = sum(facts.activities.get(q, 0) for q in checked)
    marked = tuple(q for q in checked if q in facts.marks and not facts.activities.get(q))
    said = []
    if counted:
        said.append(f"внесено {plural(counted, EVENTS)}")
    if marked:
        said.append(f"за {quarters_text(marked)} отмечено «мероприятий не было»")
    proofs = tuple(facts.marks[q] for q in marked)
    if not missing:
        return Line(ACTIVITIES, True, capitalize_first(", ".join(said) or "внесены") + ".", proofs)
    if facts.tab is None:
        fixes = (Fix(None, "", f"В таблице нет вкладки «{facts.institution}»: создайте её по образцу других "
                               "вкладок."),)
    else:
        fixes = tuple(Fix(facts.tab, "", f"Внесите мероприятия за {quarter_name(q)} в блок «Мероприятия» — или, "
                                         "если их не было, строку: в «Тема / содержание» — «мероприятий не "
                                         "было», в «Дата» — любой день квартала.", facts.tab_url, q)
                      for q in missing)
    text = f"Нет мероприятий за {quarters_text(missing)}: внесите их или отметьте «мероприятий не было»."
    if said:
        text += " Остальное: " + ", ".join(said) + "."
    return Line(ACTIVITIES, False, text, fixes, missing)


def _plan_items_line(facts: _Facts, checked: tuple[int, ...]) -> Line:
    if not checked:
        return Line(PLAN_ITEMS, None, "Кварталы периода ещё не начались.")
    fixes = tuple(fix for q in checked for fix in facts.unknown_items.get(q, []))
    if not fixes:
        return Line(PLAN_ITEMS, True, "Все указанные пункты есть в плане работы.")
    red = tuple(q for q in checked if facts.unknown_items.get(q))
    n = len(fixes)
    return Line(PLAN_ITEMS, False, f"В {plural(n, IN_ROW_FORMS)} указан пункт, которого нет в плане "
                                   "работы: такие мероприятия не засчитываются ни одному пункту — исправьте номер.",
                fixes, red)


# --------------------------------------------------------------------------- the facts


def _tabs_of(wb: Workbook) -> tuple[dict[str, str | None], dict[str, set[str]]]:
    """(institution → its tab from «Учреждения» or None, institution → all its tabs)."""
    first: dict[str, str | None] = {}
    every: dict[str, set[str]] = {}
    for inst, tab in zip(wb.institutions["institution"], wb.institutions["tab"]):
        tab = tab if isinstance(tab, str) else None
        first.setdefault(inst, tab)
        if tab:
            every.setdefault(inst, set()).add(tab)
    if wb.tab_summary is not None and len(wb.tab_summary):
        for tab, inst in zip(wb.tab_summary["tab"], wb.tab_summary["institution"]):
            every.setdefault(inst, set()).add(tab)
    return first, every


def assess(wb: Workbook, year: int, as_of: date, institutions: list[str] | None = None) -> Assessment:
    """The facts behind every check, for the chosen institutions (None or empty: all) and one year."""
    chosen = list(institutions or []) or wb.institution_names
    first_tab, tabs_of = _tabs_of(wb)
    facts = {inst: _Facts(inst, first_tab.get(inst), wb.cell_url(first_tab[inst], "A1") if first_tab.get(inst) else None)
             for inst in chosen}
    owner = {tab: inst for inst, tabs in tabs_of.items() if inst in facts for tab in tabs}

    # 1. errors: the institution's, or those of its tabs that name no institution (a tab too big to read)
    issues = {c: wb.issues[c].tolist() for c in ("severity", "tab", "cell", "message", "institution", "row")}
    for sev, tab, cell, message, inst in zip(issues["severity"], issues["tab"], issues["cell"], issues["message"],
                                             issues["institution"]):
        if sev != ERROR:
            continue
        who = inst if inst in facts else (owner.get(tab) if not inst else None)
        if who is not None:
            facts[who].errors.append(Fix(tab, cell or "", message, wb.cell_url(tab, cell) if cell else None))

    # 3. activities per quarter (lib.metrics.counts: there may be hundreds of thousands of rows)
    rows = select_rows(wb, year=year, institutions=tuple(facts))
    for (inst, q), n in counts_by_institution_quarter(rows).items():
        facts[inst].activities[q] = n
    marks = wb.no_activity_marks
    for inst, y, q, tab, cell in zip(marks["institution"], marks["year"], marks["quarter"], marks["tab"],
                                     marks["cell"]):
        if inst in facts and y == year:
            facts[inst].marks.setdefault(int(q), Fix(tab, cell, "Отмечено «мероприятий не было»",
                                                     wb.cell_url(tab, cell), int(q)))

    # 4. rows citing plan items the plan does not know (warnings on loaded rows): their quarters
    cited = [(tab, cell, message, inst, int(row))
             for sev, tab, cell, message, inst, row in zip(issues["severity"], issues["tab"], issues["cell"],
                                                           issues["message"], issues["institution"], issues["row"])
             if sev == WARNING and inst in facts and row == row and row is not None
             and _UNKNOWN_ITEM.match(str(message))]
    if cited:
        wanted = {(tab, row) for tab, _, _, _, row in cited}
        acts = rows.frame
        quarter_of_row = {(tab, int(row)): int(q) for tab, row, q in zip(acts["tab"], acts["row"], acts["quarter"])
                          if (tab, int(row)) in wanted}
        for tab, cell, message, inst, row in cited:
            q = quarter_of_row.get((tab, row))
            if q is not None:
                facts[inst].unknown_items.setdefault(q, []).append(
                    Fix(tab, cell, message, wb.cell_url(tab, cell), q))

    # 2. monitoring: every indicator × quarter filled (blank ≠ 0), for the workbook's year only
    if year == wb.year:
        mon = wb.monitoring
        mon = mon[mon["institution"].isin(list(facts))]
        cells: dict[tuple[str, str, int], tuple[str, str, object]] = {}
        for inst, name, q, value, tab, cell in zip(mon["institution"], mon["indicator"], mon["quarter"],
                                                   mon["value"], mon["tab"], mon["cell"]):
            key = (inst, name, int(q))
            if key not in cells or _filled(value):
                cells[key] = (tab, cell, value)
        for inst, f in facts.items():
            for q in (1, 2, 3, 4):
                blank = []
                for ind in wb.indicators:
                    found = cells.get((inst, ind.name, q))
                    if found is None:
                        blank.append(Fix(f.tab, "", f"«{ind.name}», {quarter_name(q)}: нет строки показателя в "
                                                    "блоке «Мониторинг»", None, q, ind.name))
                    elif not _filled(found[2]):
                        tab, cell, _ = found
                        blank.append(Fix(tab, cell, f"«{ind.name}», {quarter_name(q)}: не заполнено",
                                         wb.cell_url(tab, cell), q, ind.name))
                if blank:
                    f.blanks[q] = blank
    return Assessment(year, as_of, wb.year, len(wb.indicators), facts)


def _filled(value) -> bool:
    return value is not None and not (isinstance(value, float) and value != value)


def checklist(wb: Workbook, institution: str, period: Period, as_of: date) -> Checklist:
    """The checklist of one institution for a period (a shortcut for `assess(...).checklist(...)`)."""
    return assess(wb, period.year, as_of, [institution]).checklist(institution, period)
