"""The workbook template a coordinator sends out to the centres (DESIGN.md §3).

Service tabs Настройки / Учреждения / План prefilled from data files (`lib/data/plan_2026.json`,
`lib/data/institutions.json`), one tab per institution with instructions, an example line, the
Мероприятия block with drop-downs and validation, and the Мониторинг block below; a hidden tab
«Списки» holds the drop-down lists (a list of 17 types is too long for an inline list formula), the
plan items' with room for a longer plan (`plan_items_formula`).
Критерии is not written: the built-in default applies. `plan_workbook_bytes` writes only Настройки
and План (a plan imported from its Word file, `lib.sources.word_plan`).

The layout of an institution tab is described by `InstitutionLayout`, so the demo generator
(`sample_data/make_sample.py`) and the tests can fill and check it without guessing cells.
"""
from __future__ import annotations

import io
import json
import os
import re
from copy import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook as XlsxWorkbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from lib.data import INSTITUTIONS_FILE, PLAN_FILE
from lib.model import contract as C
from lib.model.workbook import Settings


SETTINGS_TAB = C.SERVICE_TABS["settings"]
INSTITUTIONS_TAB = C.SERVICE_TABS["institutions"]
PLAN_TAB = C.SERVICE_TABS["plan"]
LISTS_TAB = C.SERVICE_TABS["lists"]

DATA_ROWS = 200                                   # empty, validated activity rows per institution tab
PLAN_LIST_ROWS = 100                              # rows of «Списки» the «Пункт плана» drop-down draws on
LISTS_FIRST_ROW = 2                               # «Списки»: titles in row 1, the lists from row 2
PLAN_LIST_COLUMN = 2                              # «Списки»!B: «Пункты плана»
ACTIVITY_KEYS: tuple[str, ...] = tuple(C.ACTIVITY_COLUMNS)
COUNT_KEYS = ("participants", "specialists", "institutions_count")
MAX_TAB_NAME = 31
_FORBIDDEN_IN_TAB = re.compile(r"[\[\]:*?/\\]")

# --------------------------------------------------------------------------- styles

_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_MONITORING_FILL = PatternFill("solid", fgColor="E2EFDA")
_NOTE_FILL = PatternFill("solid", fgColor="FFF2CC")
_HEADER_FONT = Font(bold=True)
_TITLE_FONT = Font(bold=True, size=14)
_EXAMPLE_FONT = Font(italic=True, color="808080")
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")

ACTIVITY_WIDTHS = {"date": 13, "type": 26, "plan_item": 10, "topic": 55, "participants": 12,
                   "specialists": 13, "institutions_count": 12, "link": 32, "note": 26}
EXTRA_COLUMN_WIDTH = 24
MONITORING_NAME_SPAN = 4                          # the indicator name spans the first four columns


# --------------------------------------------------------------------------- data files


def load_plan(path: str | os.PathLike = PLAN_FILE) -> dict:
    """The plan data file: {"settings": {...}, "items": [{item, section, title, …}, …]}."""
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def load_institutions(path: str | os.PathLike = INSTITUTIONS_FILE) -> list[dict]:
    """The institutions data file: [{institution, full_name, district, responsible, contacts}, …]."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    return list(data["institutions"] if isinstance(data, Mapping) else data)


def safe_tab_name(name: str) -> str:
    """A valid Excel tab name: no []:*?/\\ and at most 31 characters."""
    cleaned = " ".join(_FORBIDDEN_IN_TAB.sub("-", str(name)).split())
    return cleaned[:MAX_TAB_NAME].rstrip() or "Учреждение"


def _normalise_institutions(institutions) -> list[dict]:
    if institutions is None:
        institutions = load_institutions()
    elif hasattr(institutions, "to_dict"):          # a DataFrame such as Workbook.institutions
        institutions = institutions.to_dict("records")
    out: list[dict] = []
    seen: set[str] = set()
    for inst in institutions:
        record = {"institution": inst} if isinstance(inst, str) else dict(inst)
        name = safe_tab_name(record.get("institution") or "")
        base, n = name, 2
        while C.norm(name) in seen or C.service_tab_kind(name):
            suffix = f" ({n})"
            name, n = base[:MAX_TAB_NAME - len(suffix)] + suffix, n + 1
        seen.add(C.norm(name))
        out.append({"institution": name, **{k: _text(record.get(k)) for k in
                                             ("full_name", "district", "responsible", "contacts")}})
    return out


def _normalise_plan(plan) -> tuple[dict, list[dict]]:
    """(settings, items) from the data-file dict, a list of item dicts or a plan DataFrame."""
    if plan is None:
        plan = load_plan()
    if hasattr(plan, "to_dict"):
        return {}, plan.to_dict("records")
    if isinstance(plan, Mapping):
        settings = plan.get("settings") or {}
        if is_dataclass(settings):
            settings = asdict(settings)
        return dict(settings), list(plan.get("items") or [])
    return {}, list(plan)


def _plan_year(year: int | None, settings: Mapping) -> int:
    """The year asked for, else the plan's own, else this year."""
    return int(year or settings.get("year") or date.today().year)


def _text(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _number_or_blank(value):
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# --------------------------------------------------------------------------- layout


@dataclass
class InstitutionLayout:
    """Where things sit on one institution tab (1-based rows and columns)."""
    tab: str
    header_row: int
    first_data_row: int
    last_data_row: int
    example_row: int
    monitoring_title_row: int
    monitoring_header_row: int
    columns: dict[str, int]                        # activity column key → column
    extra_columns: dict[str, int] = field(default_factory=dict)   # extra title → column
    quarter_columns: dict[int, int] = field(default_factory=dict)  # quarter → column
    indicator_rows: dict[str, int] = field(default_factory=dict)   # indicator name → row

    def cell(self, row: int, key: str) -> str:
        return f"{get_column_letter(self.columns[key])}{row}"


@dataclass
class Lists:
    """Ranges of the hidden «Списки» tab, as formulas for list validation."""
    types: str
    plan_items: str | None
    count_what: str
    periods: str


def _range_formula(col: int, n: int) -> str:
    letter = get_column_letter(col)
    return f"'{LISTS_TAB}'!${letter}${LISTS_FIRST_ROW}:${letter}${n + LISTS_FIRST_ROW - 1}"


def plan_items_formula(n_items: int) -> str:
    """The «Пункт плана» drop-down's source: «Списки»!B from row 2, `PLAN_LIST_ROWS` rows or more when the
    plan is longer — room for a longer plan written there later (`lib.export.plan_tab`). The blank cells
    below the items: Google Sheets does not offer them, LibreOffice offers one empty line for them all,
    Excel one empty line each at the end of the list — hence 100 rows, not more than a plan may need."""
    return _range_formula(PLAN_LIST_COLUMN, max(n_items, PLAN_LIST_ROWS))


_PLAN_LIST_LETTER = get_column_letter(PLAN_LIST_COLUMN)
_PLAN_LIST_RANGE = re.compile(rf"=?\s*'?{re.escape(LISTS_TAB)}'?!\$?{_PLAN_LIST_LETTER}\$?{LISTS_FIRST_ROW}:"
                              rf"\$?{_PLAN_LIST_LETTER}\$?(\d+)\s*", re.IGNORECASE)


def plan_list_rows(formula: str | None) -> int | None:
    """How many rows of «Списки»!B the list validation `formula` («'Списки'!$B$2:$B$20», with or without
    «=») offers; None for a formula that is not that column's range."""
    m = _PLAN_LIST_RANGE.fullmatch(str(formula or ""))
    return int(m.group(1)) - LISTS_FIRST_ROW + 1 if m else None


def write_lists_sheet(wb: XlsxWorkbook, plan_items: list[str]) -> Lists:
    ws = wb.create_sheet(LISTS_TAB)
    columns = [("Виды мероприятий", list(C.ACTIVITY_TYPE_NAMES)), ("Пункты плана", plan_items),
               ("Считать", list(C.COUNT_WHAT)), ("Период цели", ["год", "квартал", "месяц"])]
    for c, (title, values) in enumerate(columns, start=1):
        ws.cell(1, c, title).font = _HEADER_FONT
        for r, value in enumerate(values, start=LISTS_FIRST_ROW):
            ws.cell(r, c, value).number_format = "@"
        ws.column_dimensions[get_column_letter(c)].width = 28
    ws.sheet_state = "hidden"
    return Lists(types=_range_formula(1, len(C.ACTIVITY_TYPE_NAMES)),
                 plan_items=plan_items_formula(len(plan_items)) if plan_items else None,
                 count_what=_range_formula(3, len(C.COUNT_WHAT)), periods=_range_formula(4, 3))


def _validation(kind: str, *, formula1: str, formula2: str | None = None, operator: str | None = None,
                prompt_title: str, prompt: str, error_title: str, error: str,
                error_style: str = "stop") -> DataValidation:
    dv = DataValidation(type=kind, formula1=formula1, formula2=formula2, operator=operator, allow_blank=True,
                        showInputMessage=True, showErrorMessage=True, errorStyle=error_style,
                        promptTitle=prompt_title[:32], prompt=prompt[:255], errorTitle=error_title[:32],
                        error=error[:255])
    return dv


def _date_validation(year: int) -> DataValidation:
    return _validation(
        "date", operator="between", formula1=f"DATE({year},1,1)", formula2=f"DATE({year},12,31)",
        prompt_title="Дата мероприятия",
        prompt=f"Дата в виде ДД.ММ.ГГГГ, например 15.03.{year}. Только {year} год.",
        error_title="Неверная дата",
        error=f"Введите дату {year} года в виде ДД.ММ.ГГГГ, например 15.03.{year}.")


def _type_validation(lists: Lists) -> DataValidation:
    return _validation(
        "list", formula1=lists.types, prompt_title="Вид мероприятия",
        prompt="Выберите вид мероприятия из списка (стрелка справа от ячейки).",
        error_title="Вид не из списка",
        error="Выберите вид мероприятия из списка: нажмите на стрелку справа от ячейки.")


def _plan_validation(lists: Lists) -> DataValidation | None:
    if not lists.plan_items:
        return None
    return _validation(
        "list", formula1=lists.plan_items, prompt_title="Пункт плана",
        prompt="Номер пункта плана работы ОМП, например 2.4. Выберите из списка.",
        error_title="Нет такого пункта",
        error="Такого пункта нет в плане работы ОМП. Выберите номер из списка, например 2.4.",
        error_style="warning")


def _count_validation(what: str) -> DataValidation:
    return _validation(
        "whole", operator="greaterThanOrEqual", formula1="0", prompt_title=what,
        prompt="Только цифры, без «чел.» и других слов: целое число 0 или больше.",
        error_title="Нужно целое число",
        error="Введите количество цифрами: целое число 0 или больше, без «чел.» и других слов.")


def _monitoring_validation(percent: bool) -> DataValidation:
    if percent:
        return _validation(
            "decimal", operator="between", formula1="0", formula2="100", prompt_title="Процент",
            prompt="Процент достижения от 0 до 100, только число (например, 88).",
            error_title="Нужен процент от 0 до 100",
            error="Введите процент числом от 0 до 100, например 88.")
    return _validation(
        "decimal", operator="greaterThanOrEqual", formula1="0", prompt_title="Значение за квартал",
        prompt="Только число, 0 или больше, без единиц измерения.",
        error_title="Нужно число",
        error="Введите число 0 или больше, без единиц измерения (без «чел.», «ед.»).")


def _instructions(year: int) -> str:
    return "\n".join([
        "Как заполнять:",
        "1. Одна строка — одно мероприятие. Не объединяйте ячейки и не добавляйте строки «Итого»: итоги "
        "считает приложение.",
        f"2. Дата — в виде ДД.ММ.ГГГГ, например 15.03.{year}.",
        "3. Вид мероприятия и пункт плана (например, 2.4) — выберите из списка в ячейке.",
        "4. Участников, специалистов, учреждений — только цифры, без «чел.».",
        "5. Ссылка — адрес публикации (например, в ВКонтакте) или реквизиты документа.",
        "6. Ниже таблицы мероприятий — блок «Мониторинг»: числа за каждый квартал; дорожная карта — в % "
        "(0–100).",
        "Не переименовывайте вкладку и не меняйте заголовки столбцов.",
    ])


def _example_values(year: int, plan_items: list[dict]) -> dict[str, object]:
    """A generic example line built from the first plan item that names an activity type."""
    item = next((p for p in plan_items if _text(p.get("indicator")) in C.ACTIVITY_TYPE_BY_NAME), None)
    kind = _text(item.get("indicator")) if item else C.ACTIVITY_TYPE_NAMES[0]
    number = _text(item.get("item")) if item else ""
    return {"date": datetime(year, 3, 15), "type": kind, "plan_item": number,
            "topic": "Кратко: что проведено, по какой теме, для кого", "participants": 12, "specialists": 3,
            "institutions_count": 1, "link": "https://vk.com/…", "note": "пример — строка не учитывается"}


def write_institution_sheet(wb: XlsxWorkbook, institution: Mapping, *, year: int, lists: Lists,
                            plan_items: list[dict], column_keys: Iterable[str] | None = None,
                            extra_columns: Iterable[str] = (), data_rows: int = DATA_ROWS,
                            indicators: Iterable[C.MonitoringIndicator] = C.DEFAULT_MONITORING_INDICATORS,
                            index: int | None = None) -> InstitutionLayout:
    """One institution tab. `column_keys` reorders the activity columns (all keys by default);
    `extra_columns` appends columns the contract does not know (the demo uses both)."""
    name = institution["institution"]
    ws: Worksheet = wb.create_sheet(name, index)
    keys = list(column_keys or ACTIVITY_KEYS)
    columns = {key: i for i, key in enumerate(keys, start=1)}
    extra = {title: len(keys) + i for i, title in enumerate(extra_columns, start=1)}
    width = len(keys) + len(extra)
    last_letter = get_column_letter(width)

    title = f"{name}: мероприятия и мониторинг ОМП за {year} год"
    ws.cell(1, 1, title).font = _TITLE_FONT
    ws.merge_cells(f"A1:{last_letter}1")
    ws.row_dimensions[1].height = 24
    note = ws.cell(2, 1, _instructions(year))
    note.alignment = _WRAP_TOP
    note.fill = _NOTE_FILL
    note.font = Font(size=10)
    ws.merge_cells(f"A2:{last_letter}2")
    ws.row_dimensions[2].height = 132
    ws.cell(3, 1, "Пример заполнения (эта строка не учитывается):").font = Font(italic=True, bold=True, color="808080")
    ws.merge_cells(f"A3:{last_letter}3")
    example_row, header_row = 4, 5
    for key, value in _example_values(year, plan_items).items():
        cell = ws.cell(example_row, columns[key], value)
        cell.font = _EXAMPLE_FONT
        cell.alignment = _WRAP_TOP
        if key == "date":
            cell.number_format = "DD.MM.YYYY"

    for key, c in columns.items():
        _header_cell(ws, header_row, c, C.ACTIVITY_COLUMNS[key].title, _HEADER_FILL)
        ws.column_dimensions[get_column_letter(c)].width = ACTIVITY_WIDTHS[key]
    for text, c in extra.items():
        _header_cell(ws, header_row, c, text, _HEADER_FILL)
        ws.column_dimensions[get_column_letter(c)].width = EXTRA_COLUMN_WIDTH
    ws.row_dimensions[header_row].height = 30
    ws.freeze_panes = f"A{header_row + 1}"

    first, last = header_row + 1, header_row + data_rows
    formats = {"date": "DD.MM.YYYY", "plan_item": "@", "participants": "0", "specialists": "0",
               "institutions_count": "0"}
    for c in [*columns.values(), *extra.values()]:
        key = keys[c - 1] if c <= len(keys) else None
        proto = ws.cell(first, c)                  # style one cell, copy its style index to the rest (fast)
        proto.border = _BORDER
        if key in formats:
            proto.number_format = formats[key]
        if key in ("topic", "link", "note"):
            proto.alignment = _WRAP_TOP
        for r in range(first + 1, last + 1):
            ws.cell(r, c)._style = copy(proto._style)

    def col_range(key: str) -> str:
        letter = get_column_letter(columns[key])
        return f"{letter}{first}:{letter}{last}"

    validations = [(_date_validation(year), ["date"]), (_type_validation(lists), ["type"]),
                   (_plan_validation(lists), ["plan_item"])]
    validations += [(_count_validation(C.ACTIVITY_COLUMNS[k].title), [k]) for k in COUNT_KEYS]
    for dv, used in validations:
        if dv is None or any(k not in columns for k in used):
            continue
        ws.add_data_validation(dv)
        for key in used:
            dv.add(col_range(key))

    # Мониторинг: a title (read as a block title by the loader), the header, one row per indicator.
    m_title, m_header = last + 2, last + 3
    ws.cell(m_title, 1, "Мониторинг показателей за квартал (заполняется ежеквартально, только числа)").font = \
        Font(bold=True, size=12)
    ws.merge_cells(start_row=m_title, start_column=1, end_row=m_title, end_column=width)
    span = MONITORING_NAME_SPAN
    _header_cell(ws, m_header, 1, C.MONITORING_COLUMNS["indicator"].title, _MONITORING_FILL)
    ws.merge_cells(start_row=m_header, start_column=1, end_row=m_header, end_column=span)
    quarter_columns = {}
    for q in (1, 2, 3, 4):
        quarter_columns[q] = span + q
        _header_cell(ws, m_header, span + q, C.MONITORING_COLUMNS[f"q{q}"].title, _MONITORING_FILL)
    ws.row_dimensions[m_header].height = 20
    plain, percent = _monitoring_validation(False), _monitoring_validation(True)
    indicator_rows = {}
    for i, ind in enumerate(indicators):
        r = m_header + 1 + i
        indicator_rows[ind.name] = r
        label = ws.cell(r, 1, ind.name)
        label.alignment = Alignment(wrap_text=True, vertical="center")
        label.border = _BORDER
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=span)
        for q, c in quarter_columns.items():
            cell = ws.cell(r, c)
            cell.border = _BORDER
            cell.number_format = "0.##" if not ind.is_percent else "0"
        target = percent if ind.is_percent else plain
        target.add(f"{get_column_letter(span + 1)}{r}:{get_column_letter(span + 4)}{r}")
    for dv in (plain, percent):
        if dv.sqref:
            ws.add_data_validation(dv)

    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    return InstitutionLayout(tab=name, header_row=header_row, first_data_row=first, last_data_row=last,
                             example_row=example_row, monitoring_title_row=m_title,
                             monitoring_header_row=m_header, columns=columns, extra_columns=extra,
                             quarter_columns=quarter_columns, indicator_rows=indicator_rows)


def _header_cell(ws: Worksheet, row: int, col: int, text: str, fill: PatternFill) -> None:
    cell = ws.cell(row, col, text)
    cell.font = _HEADER_FONT
    cell.fill = fill
    cell.alignment = _HEADER_ALIGN
    cell.border = _BORDER


def _table_sheet(ws: Worksheet, titles: list[str], rows: list[list], widths: list[int]) -> None:
    for c, (text, w) in enumerate(zip(titles, widths), start=1):
        _header_cell(ws, 1, c, text, _HEADER_FILL)
        ws.column_dimensions[get_column_letter(c)].width = w
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(r, c, value)
            cell.alignment = _WRAP_TOP
            cell.border = _BORDER
    ws.freeze_panes = "A2"


def _settings_rows(settings: Mapping, year: int) -> list[list]:
    """Every setting with its value, or the default a setting has (e.g. «Ведомство (в заголовках)»)."""
    rows = []
    defaults = Settings()
    for key, (title, _) in C.SETTINGS_KEYS.items():
        value = year if key == "year" else _text(settings.get(key)) or _text(getattr(defaults, key, ""))
        rows.append([title, value])
    return rows


PLAN_HEADER = [c.title for c in C.PLAN_COLUMNS.values()]     # the «План» tab's first row
PLAN_WIDTHS = [7, 28, 60, 24, 40, 40, 24, 22, 14, 8, 12]


def plan_rows(items: Iterable[Mapping]) -> list[list]:
    """The «План» tab's rows under `PLAN_HEADER` for plan items (dicts with the contract's plan keys):
    texts as texts («2.10» stays «2.10»), the target a number or blank."""
    rows = []
    for item in items:
        row = []
        for key in C.PLAN_COLUMNS:
            value = item.get(key)
            row.append(_number_or_blank(value) if key == "target" else _text(value))
        rows.append(row)
    return rows


def build_template(*, year: int | None = None, plan=None, institutions=None,
                   indicators: Iterable[C.MonitoringIndicator] = C.DEFAULT_MONITORING_INDICATORS,
                   variants: Mapping[str, Mapping] | None = None,
                   ) -> tuple[XlsxWorkbook, dict[str, InstitutionLayout]]:
    """The template as an openpyxl workbook, plus the layout of every institution tab.

    `variants` maps an institution name to extra keyword arguments of `write_institution_sheet`
    (`column_keys`, `extra_columns`) — how the demo lays out a tab the way someone rearranged it.
    """
    settings, items = _normalise_plan(plan)
    year = _plan_year(year, settings)
    insts = _normalise_institutions(institutions)
    indicators = tuple(indicators)

    wb = _settings_workbook(settings, year)
    ws = wb.create_sheet(INSTITUTIONS_TAB)
    _table_sheet(ws, [c.title for c in C.INSTITUTION_COLUMNS.values()],
                 [[i["institution"], i["full_name"], i["district"], i["responsible"], i["contacts"]] for i in insts],
                 [32, 70, 26, 26, 34])
    lists = _write_plan_and_lists(wb, items)

    layouts = {}
    for inst in insts:
        layouts[inst["institution"]] = write_institution_sheet(
            wb, inst, year=year, lists=lists, plan_items=items, indicators=indicators,
            index=len(wb.sheetnames) - 1,              # keep «Списки» the last tab
            **dict((variants or {}).get(inst["institution"], {})))
    wb.active = 0
    wb.properties.creator = "Панель ОМП"
    wb.properties.title = f"Мероприятия и мониторинг ОМП, {year} год"
    return wb, layouts


def _settings_workbook(settings: Mapping, year: int) -> XlsxWorkbook:
    """A new workbook whose first tab is Настройки."""
    wb = XlsxWorkbook()
    ws = wb.active
    ws.title = SETTINGS_TAB
    _table_sheet(ws, ["Параметр", "Значение"], _settings_rows(settings, year), [28, 100])
    ws.column_dimensions["A"].width = 28
    return wb


def _write_plan_and_lists(wb: XlsxWorkbook, items: list[dict]) -> Lists:
    """The План tab (with its drop-downs) and the hidden «Списки» tab they draw on."""
    ws = wb.create_sheet(PLAN_TAB)
    fill_plan_sheet(ws, items)
    lists = write_lists_sheet(wb, plan_numbers(items))
    _plan_sheet_validations(wb[PLAN_TAB], lists, max(len(items), 1) + 30)
    return lists


def plan_numbers(items: Iterable[Mapping]) -> list[str]:
    """The items' numbers as texts («2.10»), in order — the «Пункты плана» list of «Списки»."""
    return [_text(i.get("item")) for i in items if _text(i.get("item"))]


def fill_plan_sheet(ws: Worksheet, items: Sequence[Mapping]) -> None:
    """Write the header and `items` into an empty «План» tab, styled as in the template."""
    _table_sheet(ws, PLAN_HEADER, plan_rows(items), PLAN_WIDTHS)
    for r in range(2, len(items) + 2):
        ws.cell(r, 1).number_format = "@"


def _plan_sheet_validations(ws: Worksheet, lists: Lists, rows: int) -> None:
    columns = {key: i for i, key in enumerate(C.PLAN_COLUMNS, start=1)}
    last = rows + 1

    def rng(key: str) -> str:
        letter = get_column_letter(columns[key])
        return f"{letter}2:{letter}{last}"

    for key, formula, prompt in (("indicator", lists.types, "Вид мероприятия, который засчитывается в пункт"),
                                 ("count_what", lists.count_what, "Что считать: мероприятия, участники, "
                                                                  "специалисты или учреждения"),
                                 ("target_period", lists.periods, "За какой период цель: год, квартал или месяц")):
        dv = _validation("list", formula1=formula, prompt_title=C.PLAN_COLUMNS[key].title, prompt=prompt,
                         error_title="Значение не из списка", error="Выберите значение из списка.",
                         error_style="warning")
        ws.add_data_validation(dv)
        dv.add(rng(key))
    dv = _count_validation(C.PLAN_COLUMNS["target"].title)
    ws.add_data_validation(dv)
    dv.add(rng("target"))


def write_template(path: str | os.PathLike, *, year: int | None = None, plan=None, institutions=None) -> Path:
    """Write the template to `path`; returns the path."""
    wb, _ = build_template(year=year, plan=plan, institutions=institutions)
    path = Path(path)
    wb.save(path)
    return path


def template_bytes(*, year: int | None = None, plan=None, institutions=None) -> bytes:
    """The template as bytes, for a download button."""
    wb, _ = build_template(year=year, plan=plan, institutions=institutions)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def plan_workbook_bytes(*, year: int | None = None, plan=None) -> bytes:
    """Only Настройки and План (as in the template, with the hidden «Списки» for the План tab's
    drop-downs), e.g. a plan imported from Word (`lib.sources.word_plan`) to check or to paste into a workbook."""
    settings, items = _normalise_plan(plan)
    wb = _settings_workbook(settings, _plan_year(year, settings))
    _write_plan_and_lists(wb, items)
    wb.properties.creator = "Панель ОМП"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
