"""The approved yearly work plan from its Word file (.docx) → plan items (DESIGN.md §1, «план работы»).

This module owns reading a plan out of a Word document:

* finding the plan table by its header, whatever columns it has and in whatever order — the workbook
  contract's header synonyms plus the spellings approved plans use (`WORD_PLAN_COLUMNS`, the one place
  they are extended), a header split over two rows included;
* turning its rows into items: section and sub-section rows (merged across, bold or numbered «I.»,
  «1.», «1.1.» with nothing else in the row) become «Раздел»; a row with an empty № continues the item
  above; a cell's paragraphs stay its lines;
* a plan split over several tables (after a page break or a section title written between them):
  each table right after the plan table continues it when it has the same columns — under the same
  header repeated, or without a header when its first row is numbered like a plan row («2.3»); a
  section title between two tables becomes «Раздел» of the items below it. The first table that does
  not fit (a signature block, another table) ends the plan;
* the plan year — from the title («на 2026 год»), else the deadlines, else the text above the table —
  for the checkpoints (`lib.model.deadlines.parse_deadline`);
* what the dashboard needs but a Word plan only says in words: the target («не менее 15 буклетов»,
  «не менее 10 ежеквартально» → 10 in a quarter, a target column «не менее 500») and the activity
  type that counts toward it (the contract's vocabulary, `lib.model.contract.canonical_activity_type`).

A guess that cannot be made is left empty with a Russian warning naming the table row, never made
up. A file that is not a readable .docx or holds no plan table raises `PlanImportError` (Russian).
The result, `ImportedPlan`, has the columns of `lib.model.workbook.PLAN_COLUMNS`; writing it into a workbook
is `lib.export.template` (`plan_workbook_bytes`, `write_template`).
"""
from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import docx
import pandas as pd
from docx.oxml.ns import qn
from docx.table import Table, _Cell

from lib.model import contract as C
from lib.model.contract import Column, norm
from lib.model.deadlines import parse_deadline
from lib.model.headers import HeaderVocabulary
from lib.model.workbook import PLAN_COLUMNS, empty_frame
from lib.russian import (EVENTS, INSTITUTIONS, PARTICIPANTS, SPECIALISTS, WARNING_FORMS, count_phrase,
                         format_dates_numeric, plural)
from lib.sources.base import user_file
from lib.validate.values import is_blank, normalise_plan_item, parse_count, parse_date, plan_ref_exact

MAX_DOCX_BYTES = 20 * 1024 * 1024           # an approved plan is some 100 KB; a bigger file is not a plan
MAX_DOCUMENT_XML_BYTES = 200 * 1024 * 1024  # word/document.xml unpacked (a "zip bomb" guard)
HEADER_ROWS_SEARCHED = 6                    # the header is among the first rows of its table
DEFAULT_COUNT_WHAT = "мероприятия"
DEFAULT_TARGET_PERIOD = "год"
SECTION_JOINER = " — "                      # «I. Раздел — 1.1. Подраздел»

_COUNT_FORMS = {"мероприятия": EVENTS, "участники": PARTICIPANTS, "специалисты": SPECIALISTS,
                "учреждения": INSTITUTIONS}
ITEMS = ("пункт", "пункта", "пунктов")
IN_SECTIONS = ("разделе", "разделах", "разделах")      # «в 1 разделе», «в 3 разделах»

# --------------------------------------------------------------------------- the header

# What approved Word plans write in their header, beyond the workbook contract's synonyms.
_WORD_SPELLINGS: dict[str, tuple[str, ...]] = {
    "item": ("номер пункта", "номер мероприятия", "no", "n n"),
    "section": (),
    "title": ("мероприятия", "наименование мероприятий", "название мероприятия", "содержание работы",
              "содержание мероприятия", "содержание мероприятий", "перечень мероприятий", "наименование работ"),
    "deadline_text": ("срок проведения", "сроки выполнения", "срок выполнения", "дата проведения",
                      "период проведения", "периодичность", "дата"),
    "mechanism": ("форма проведения", "формы проведения", "форма", "формы работы", "форма работы",
                  "способ реализации", "механизм исполнения"),
    "expected_result": ("ожидаемые результаты", "планируемый результат", "планируемые результаты",
                        "результаты"),
    "responsible": ("ответственные исполнители", "исполнители", "ответственный за исполнение",
                    "ответственное лицо", "ответственные лица"),
    # a Word plan's «Показатель» is its number («не менее 500»), not the workbook's activity type
    "target": ("охват", "показатель", "показатели", "плановый показатель", "целевой показатель",
               "количественный показатель", "количество", "объем"),
}
WORD_PLAN_COLUMNS: dict[str, Column] = {
    key: Column(key, C.PLAN_COLUMNS[key].title, C.PLAN_COLUMNS[key].synonyms + extra, C.PLAN_COLUMNS[key].required)
    for key, extra in _WORD_SPELLINGS.items()
}
_VOCABULARY = HeaderVocabulary(WORD_PLAN_COLUMNS)

# --------------------------------------------------------------------------- words that count

# What a number counts, by the word after it («специалистов», «граждан», «КЦСОН», «экз.») — beyond the
# whole words of `contract.COUNT_WHAT_SYNONYMS`: whole words first, then word starts.
_COUNTED_WORDS = {"раз": "мероприятия", "раза": "мероприятия", "экз": "мероприятия", "экземпляров": "мероприятия",
                  "экземпляра": "мероприятия", "чел": "участники", "семей": "участники", "детей": "участники"}
_COUNTED_STEMS = (("специалист", "специалисты"), ("учрежден", "учреждения"), ("организац", "учреждения"),
                  ("кцсон", "учреждения"), ("участник", "участники"), ("человек", "участники"),
                  ("граждан", "участники"), ("получател", "участники"), ("инвалид", "участники"))
# The word after a number that makes it no count: a span of time, a year, a share.
_NOT_COUNTED = re.compile(r"год|года|году|годы|гг?|лет|час\w*|минут\w*|дн\w*|день|недел\w*|месяц\w*"
                          r"|квартал\w*|полугоди\w*|числа|процент\w*")
# «не менее 15», «более 100», «свыше 20»: a number meant as a target even without a counted word.
_QUALIFIED_NUMBER = re.compile(
    r"(?P<qualifier>(?<![а-я])(?:не\s*менее|не\s*меньше|более|свыше|больше|минимум|около|порядка)\s*)?"
    r"(?<![\d.,:/-])(?P<number>\d{1,3}(?:[ \u00a0]\d{3})+|\d+)(?!\d|[.,:/-]\d)")
_CLAUSE_END = re.compile(r"[;.\n]")
_WORD = re.compile(r"[а-яa-z]+")
_PER_INSTITUTION = re.compile(r"(?<![а-я])(?:от|на|для)\s+(?:каждого\s+|одного\s+)?(?:учреждени|кцсон|организаци)"
                              r"|(?<![а-я])каждым\s+учреждени")
_PERIOD_STEMS = (("ежекварт", "квартал"), ("ежемесяч", "месяц"), ("ежегод", "год"))
_PERIOD_PHRASES = sorted(C.TARGET_PERIODS.items(), key=lambda kv: -len(kv[0]))
# Adjective endings: «методическая», «консультативной» name no activity («Опорно-методическая площадка»).
_ADJECTIVE_ENDINGS = ("ая", "яя", "ое", "ее", "ой", "ого", "его", "ому", "ему", "ую", "юю", "ых", "их", "ым",
                      "им", "ыми", "ими", "ые", "ый")
_MULTIWORD_STEMS = tuple((s, t.name) for t in C.ACTIVITY_TYPES for s in map(norm, t.stems) if " " in s)

# --------------------------------------------------------------------------- numbers

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}
_SECTION_NUMBER = re.compile(r"^(?:раздел\s+)?(?P<n>[ivx]+|\d{1,2})(?:\s*[.)])?(?:\s+|$)", re.IGNORECASE)
_SUBSECTION_NUMBER = re.compile(r"^\d{1,2}\.\d{1,2}\.?(?:\s+|$)")
_BARE_NUMBER = re.compile(r"^\d{1,2}\.?$")
_TITLE_YEAR = re.compile(r"(?<![а-я])на\s+(20\d{2})(?:\s*[-–—]\s*20\d{2})?\s*(?:год|годы|гг?(?![а-я])|г\.)",
                         re.IGNORECASE)
_ANY_YEAR = re.compile(r"(?<![\d.])20\d{2}(?!\d)")
_TOPIC = re.compile(r"по\s+теме\s*:?\s*[«\"“„](?P<topic>.+)[»\"”]", re.IGNORECASE | re.DOTALL)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class PlanImportError(Exception):
    """The file cannot be read as a plan (Russian message for the user)."""


@dataclass(frozen=True)
class PlanWarning:
    row: int | None          # 1-based row of the plan table; None for the whole document
    message: str             # Russian, starting with the item when there is one («пункт 1.3: …»)
    table: int = 1           # which of the plan's tables (a plan continued in a second table: 2, …)

    def __str__(self) -> str:
        return f"Строка {self.row} таблицы{_table_number(self.table)}: {self.message}" if self.row else self.message


def _table_number(table: int) -> str:
    """« 2» after «таблицы» for the plan's second table and on; nothing for the first (the only one, mostly)."""
    return f" {table}" if table > 1 else ""


@dataclass
class PlanItem:
    """One item of the plan; the fields are `lib.model.workbook.PLAN_COLUMNS`."""
    item: str
    section: str = ""
    title: str = ""
    deadline_text: str = ""
    mechanism: str = ""
    expected_result: str = ""
    responsible: str = ""
    indicator: str | None = None            # the activity type that counts toward the item
    count_what: str = DEFAULT_COUNT_WHAT
    target: int | None = None
    target_period: str = DEFAULT_TARGET_PERIOD
    checkpoints: tuple[date, ...] = ()
    deadline_parsed: bool = False
    deadline_problem: str | None = None
    row: int = 0                            # 1-based row of the plan table where the item starts (of its own
                                            # table when the plan continues in more tables; the warnings say which)

    @property
    def target_text(self) -> str:
        """«10 мероприятий в квартал», «3 семинара в год», «100 участников в год», «цель не задана»."""
        if self.target is None:
            return "цель не задана"
        if self.count_what == DEFAULT_COUNT_WHAT and self.indicator:
            counted = count_phrase(self.target, self.indicator)
        else:
            counted = plural(self.target, _COUNT_FORMS.get(self.count_what, EVENTS))
        return f"{counted} в {self.target_period}"


@dataclass
class ImportedPlan:
    file_name: str
    title: str                              # the text above the table («План работы … на 2026 год»)
    year: int
    year_found: bool                        # False: neither the document nor the caller gave the year
    topic: str
    items: list[PlanItem]
    warnings: list[PlanWarning] = field(default_factory=list)

    @property
    def sections(self) -> list[str]:
        return list(dict.fromkeys(i.section for i in self.items if i.section))

    @property
    def summary(self) -> str:
        """«План на 2026 год: 19 пунктов в 3 разделах, 12 предупреждений»."""
        text = f"План на {self.year} год: {plural(len(self.items), ITEMS)}"
        if self.sections:
            text += f" в {plural(len(self.sections), IN_SECTIONS)}"
        return text + (f", {plural(len(self.warnings), WARNING_FORMS)}" if self.warnings else ", без предупреждений")

    def frame(self) -> pd.DataFrame:
        """The items as a table with the columns of `lib.model.workbook.PLAN_COLUMNS` (checkpoints as lists)."""
        if not self.items:
            return empty_frame(PLAN_COLUMNS)
        records = [{**asdict(i), "checkpoints": list(i.checkpoints)} for i in self.items]
        return pd.DataFrame(records, columns=PLAN_COLUMNS)

    def json_records(self) -> list[dict]:
        """What `python -m lib.cli import-plan --json` prints: checkpoints as ISO dates (ГГГГ-ММ-ДД)."""
        return [{"item": i.item, "section": i.section, "title": i.title, "deadline": i.deadline_text,
                 "checkpoints": [d.isoformat() for d in i.checkpoints], "parsed": i.deadline_parsed,
                 "target": i.target, "target_period": i.target_period, "type": i.indicator,
                 "count_what": i.count_what, "responsible": i.responsible, "mechanism": i.mechanism,
                 "expected_result": i.expected_result, "row": i.row} for i in self.items]

    def template_plan(self, items: pd.DataFrame | None = None) -> dict:
        """The plan as `lib.export.template` takes it: settings (year, topic) and items (`items`: the edited
        table, by default the imported one)."""
        rows = self.frame() if items is None else items
        return {"settings": {"year": self.year, "topic": self.topic}, "items": rows.to_dict("records")}


# --------------------------------------------------------------------------- reading the file


def _file_bytes(source: str | Path | bytes, file_name: str | None) -> tuple[bytes, str]:
    data, name, _path = user_file(source, file_name, what="файл Word (.docx)", max_bytes=MAX_DOCX_BYTES,
                                  error=PlanImportError)
    return data, name


def _check_docx_bytes(data: bytes, name: str) -> None:
    """Recognise what people pick instead of the plan's .docx before python-docx gives an obscure error."""
    save_as = "Откройте его в Word или LibreOffice и сохраните как «Документ Word (.docx)»."
    if not data:
        raise PlanImportError(f"Файл «{name}» пустой (0 байт).")
    if len(data) > MAX_DOCX_BYTES:
        raise PlanImportError(f"Файл «{name}» слишком большой для плана работы (больше "
                              f"{MAX_DOCX_BYTES // 1048576} МБ).")
    if data.startswith(_OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise PlanImportError(f"Документ «{name}» защищён паролем. Снимите пароль в Word (Файл → Сведения → "
                                  "Защитить документ) и сохраните его заново.")
        if "Workbook".encode("utf-16-le") in data:
            raise PlanImportError(f"Файл «{name}» — книга Excel 97–2003 (.xls), а нужен документ Word (.docx) "
                                  "с таблицей плана.")
        raise PlanImportError(f"Файл «{name}» — документ Word 97–2003 (.doc), его формат не читается. {save_as}")
    if data.startswith(b"{\\rtf"):
        raise PlanImportError(f"Файл «{name}» — в формате RTF. {save_as}")
    if data.startswith(b"%PDF"):
        raise PlanImportError(f"Файл «{name}» — документ PDF; нужен исходный файл плана в формате Word (.docx).")
    if not data.startswith(b"PK"):
        raise PlanImportError(f"Файл «{name}» — не документ Word (.docx). {save_as}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            if "word/document.xml" not in names:
                kind = ("книга Excel" if "xl/workbook.xml" in names else
                        "документ OpenDocument (.odt/.ods)" if "mimetype" in names else "zip-архив")
                raise PlanImportError(f"Файл «{name}» — {kind}, а не документ Word (.docx) с таблицей плана.")
            if zf.getinfo("word/document.xml").file_size > MAX_DOCUMENT_XML_BYTES:
                raise PlanImportError(f"Файл «{name}» слишком большой для плана работы.")
    except zipfile.BadZipFile:
        raise PlanImportError(f"Файл «{name}» повреждён: это не читаемый документ Word (.docx). {save_as}") from None


def _open_document(data: bytes, name: str):
    _check_docx_bytes(data, name)
    try:
        return docx.Document(io.BytesIO(data))
    except Exception:  # python-docx and lxml raise many kinds for a damaged package
        raise PlanImportError(f"Файл «{name}» повреждён: Word-документ не открывается. Откройте его в Word "
                              "или LibreOffice и сохраните заново как «Документ Word (.docx)».") from None


# --------------------------------------------------------------------------- cells


def _lines(cell: _Cell | None) -> list[str]:
    """A cell's text as lines: one per paragraph or line break, spaces folded, empty lines dropped."""
    if cell is None:
        return []
    out = []
    for paragraph in cell.paragraphs:
        for line in paragraph.text.split("\n"):
            line = " ".join(line.split())
            if line:
                out.append(line)
    return out


def _is_bold(cell: _Cell) -> bool:
    """All the cell's text is bold (by the run itself or by its style)."""
    runs = [(p, r) for p in cell.paragraphs for r in p.runs if r.text.strip()]
    return bool(runs) and all(r.bold or (r.bold is None and bool(r.style.font.bold or p.style.font.bold))
                              for p, r in runs)


def _uses_word_numbering(cell: _Cell | None) -> bool:
    """The cell's paragraphs are numbered by Word itself, directly or by their style («Нумерованный
    список»): the number is not text and cannot be read."""
    numbering = f"{qn('w:pPr')}/{qn('w:numPr')}"
    return cell is not None and any(p._p.find(numbering) is not None or p.style._element.find(numbering) is not None
                                    for p in cell.paragraphs)


def _grid(table: Table) -> list[list[_Cell | None]]:
    """The table's rows as lists of cells, one per grid column: a merged cell repeats (across and down)."""
    rows = []
    for row in table.rows:
        cells: list[_Cell | None] = [None] * row.grid_cols_before + list(row.cells) + [None] * row.grid_cols_after
        rows.append(cells)
    width = max((len(r) for r in rows), default=0)
    return [r + [None] * (width - len(r)) for r in rows]


def _distinct(cells: list[_Cell | None]) -> list[_Cell]:
    out: list[_Cell] = []
    for cell in cells:
        if cell is not None and not any(cell._tc is seen._tc for seen in out):
            out.append(cell)
    return out


def _same(a: _Cell | None, b: _Cell | None) -> bool:
    return a is not None and b is not None and a._tc is b._tc


def _all_tables(tables: list[Table]):
    """Every table of the document in reading order, tables inside table cells included."""
    for table in tables:
        yield table
        for row in table.rows:
            for cell in _distinct(list(row.cells)):
                yield from _all_tables(cell.tables)


# --------------------------------------------------------------------------- the header


@dataclass
class _Header:
    first_row: int                     # 0-based index of the header's first row
    rows: int                          # 1 or 2
    columns: dict[str, int]            # key → grid column
    titles: dict[int, str]             # grid column → its header text (for messages)
    unknown: list[int]                 # columns whose header is not a plan column
    repeated: list[int]                # columns whose key an earlier column already has

    @property
    def score(self) -> int:
        return len(self.columns)

    @property
    def data_start(self) -> int:
        return self.first_row + self.rows


def _key_of(lines: list[str]) -> str | None:
    """The plan column a header cell names; a word broken over lines («Ответствен» / «ный») too."""
    if not lines:
        return None
    return _VOCABULARY.key_of(" ".join(lines)) or _VOCABULARY.key_of("".join(lines))


def _read_header(grid: list[list[_Cell | None]], first: int, two_rows: bool) -> _Header:
    top = grid[first]
    bottom = grid[first + 1] if two_rows else [None] * len(top)
    columns: dict[str, int] = {}
    titles: dict[int, str] = {}
    unknown: list[int] = []
    repeated: list[int] = []
    seen: list[_Cell] = []
    for col, (upper, lower) in enumerate(zip(top, bottom)):
        own_lower = lower is not None and not _same(lower, upper) and _lines(lower)
        cell = lower if own_lower else upper
        if cell is None or any(_same(cell, s) for s in seen):
            continue                   # the rest of a cell merged across
        seen.append(cell)
        upper_lines = _lines(upper)
        lines = _lines(cell)
        key = _key_of(lines) or (_key_of(upper_lines + lines) if own_lower else None)
        title = " ".join(upper_lines + lines if own_lower else lines)
        if not title:
            continue
        titles[col] = title
        if key is None:
            unknown.append(col)
        elif key in columns:
            repeated.append(col)
        else:
            columns[key] = col
    return _Header(first, 2 if two_rows else 1, columns, titles, unknown, repeated)


def _is_plan_header(header: _Header) -> bool:
    return "title" in header.columns and header.score >= 2


def _row_has_item_number(cells: list[_Cell | None]) -> bool:
    return any(plan_ref_exact(" ".join(_lines(c))) or _BARE_NUMBER.match(" ".join(_lines(c)))
               for c in _distinct(cells))


def _find_header(grid: list[list[_Cell | None]]) -> _Header | None:
    best: _Header | None = None
    for first in range(min(HEADER_ROWS_SEARCHED, len(grid))):
        header = _read_header(grid, first, two_rows=False)
        if first + 1 < len(grid) and not _row_has_item_number(grid[first + 1]):
            both = _read_header(grid, first, two_rows=True)
            if both.score > header.score:
                header = both
        if _is_plan_header(header) and (best is None or header.score > best.score):
            best = header
    return best


# --------------------------------------------------------------------------- targets and types


def _word_type(word: str) -> str | None:
    """The activity type one word names («семинаров», «буклетов»); adjectives name none."""
    if word.endswith(_ADJECTIVE_ENDINGS):
        return None
    return C.canonical_activity_type(word)


def _types_named(text: str) -> list[str]:
    """The activity types a text names, in order: whole names and synonyms of several words
    («круглый стол», «консультативная помощь») first, then single words."""
    words = norm(text).split()
    found: list[str] = []
    i = 0
    while i < len(words):
        step, kind = 1, None
        for n in (3, 2):
            phrase = " ".join(words[i:i + n])
            if len(words) - i >= n and _word_type(words[i]) is None:
                kind = C.exact_activity_type(phrase) or next(
                    (name for stem, name in _MULTIWORD_STEMS if phrase.startswith(stem)), None)
                if kind:
                    step = n
                    break
        kind = kind or _word_type(words[i])
        if kind and kind not in found:
            found.append(kind)
        i += step
    return found


def _counted(word: str) -> tuple[str | None, str | None]:
    """(activity type, what is counted) a word after a number says: «семинаров» → (семинар,
    мероприятия), «специалистов» → (None, специалисты); (None, None) when it counts nothing."""
    kind = _word_type(word)
    if kind:
        return kind, DEFAULT_COUNT_WHAT
    if word.endswith(_ADJECTIVE_ENDINGS):
        return None, None
    what = (C.COUNT_WHAT_SYNONYMS.get(word) or _COUNTED_WORDS.get(word)
            or next((w for stem, w in _COUNTED_STEMS if word.startswith(stem)), None))
    return None, what


def _period_of(words: list[str]) -> str | None:
    text = " ".join(words)
    for phrase, period in _PERIOD_PHRASES:
        if re.search(rf"(?<![а-я]){phrase}(?![а-я])", text):
            return period
    return next((period for stem, period in _PERIOD_STEMS for w in words if w.startswith(stem)), None)


def _is_month(word: str) -> bool:
    return parse_date(f"1 {word} 2000")[0] is not None


@dataclass
class _Target:
    number: int
    period: str | None                 # None: the text names none (a year's target)
    kind: str | None                   # the activity type the counted word names
    count_what: str | None
    per_institution: bool              # «не менее 1 издания от учреждения»
    phrase: str


def _targets_in(text: str, *, bare_numbers: bool = False) -> list[_Target]:
    """Targets a text states: «не менее 15 буклетов», «3 семинаров», «не менее 10 ежеквартально».

    A number counts when a qualifier («не менее», «более»…) or a counted word follows or precedes it —
    or, with `bare_numbers` (a target column), always; never a date, a year, a share or a duration."""
    low = text.lower().replace("ё", "е")
    shown_text = text if len(text) == len(low) else low     # offsets of `low` must fit the text quoted
    found = []
    for m in _QUALIFIED_NUMBER.finditer(low):
        number = int(re.sub(r"\D", "", m["number"]))
        clause = _CLAUSE_END.split(low[m.end():], maxsplit=1)[0]
        after = _WORD.findall(clause)[:6]
        if low[m.end():].lstrip().startswith("%") or after and (_NOT_COUNTED.fullmatch(after[0])
                                                                 or _is_month(after[0])):
            continue
        kind, what = next(((k, w) for k, w in map(_counted, after[:2]) if w), (None, None))
        is_year = 1990 <= number <= 2100 and what is None
        if is_year or not (m["qualifier"] or what or bare_numbers):
            continue
        before = _WORD.findall(_CLAUSE_END.split(low[:m.start()])[-1])[-3:]
        found.append(_Target(number, _period_of(after) or _period_of(before), kind, what,
                             bool(_PER_INSTITUTION.search(clause)),
                             " ".join(shown_text[m.start():m.end() + len(clause)].split()[:6])))
    return found


def _count_what_of_header(title: str) -> str | None:
    """«Охват специалистами (чел.)» → специалисты; «Показатель» → None (the cell's words decide)."""
    for word in norm(title).split():
        what = _counted(word)[1]
        if what and what != DEFAULT_COUNT_WHAT:
            return what
    return None


# --------------------------------------------------------------------------- rows → items


@dataclass
class _Section:
    text: str
    number: int                        # its own number («II.» → 2), else its place among the sections
    numbered: bool                     # the heading has a number of its own


@dataclass
class _Draft:
    """An item being read: its first row and the lines of each column (continued rows add lines)."""
    number: str                        # as written in the № cell ("" when the table has no numbers)
    row: int
    table: int                         # which of the plan's tables the row is in
    section: str
    section_number: int | None         # of its (top-level) section; None outside any section
    lines: dict[str, list[str]] = field(default_factory=dict)
    last_cells: dict[str, _Cell | None] = field(default_factory=dict)

    def add(self, key: str, cell: _Cell | None) -> None:
        if _same(cell, self.last_cells.get(key)):
            return                     # merged down from the row above: its text is already here
        self.last_cells[key] = cell
        self.lines.setdefault(key, []).extend(_lines(cell))

    def text(self, key: str) -> str:
        return "\n".join(self.lines.get(key, []))


@dataclass
class _Piece:
    """One table of the plan: the first one, or one continuing it (`heading`: a section title written
    between it and the table before)."""
    table: int                         # 1-based among the plan's tables
    grid: list[list[_Cell | None]]
    start: int                         # 0-based first row under its header (0: no header)
    heading: str = ""


class _PlanTable:
    """The rows of the plan's tables below their header → drafts of items, with the warnings on the way."""

    def __init__(self, pieces: list[_Piece], header: _Header):
        self.pieces = pieces
        self.header = header
        self.cols = header.columns
        self.warnings: list[PlanWarning] = []
        self.drafts: list[_Draft] = []
        self.top: _Section | None = None          # the current section
        self.sub: str | None = None               # the current sub-section
        self.sections_seen = 0
        data = [cells for piece in pieces for cells in piece.grid[piece.start:]]
        # no № column, or no item row with a number in it: Word's own numbering, or none — every row is an item
        self.numbered = any(re.search(r"\d", self._number(cells)) and self._beyond_number_and_title(cells)
                            for cells in data)
        self.word_numbering = "item" in self.cols and any(_uses_word_numbering(self._cell(c, "item")) for c in data)

    def _cell(self, cells: list[_Cell | None], key: str) -> _Cell | None:
        return cells[self.cols[key]] if key in self.cols else None

    def _number(self, cells: list[_Cell | None]) -> str:
        return " ".join(_lines(self._cell(cells, "item")))

    def _beyond_number_and_title(self, cells: list[_Cell | None]) -> bool:
        """Some cell other than the № and the title holds text (a heading row has none)."""
        own = [self._cell(cells, "item"), self._cell(cells, "title")]
        return any(_lines(c) and not any(_same(c, o) for o in own) for c in _distinct(cells))

    def read(self) -> None:
        header_lines = [_lines(c) for c in self.pieces[0].grid[self.header.first_row]]
        for piece in self.pieces:
            if piece.heading:
                self._start_section(piece.heading)
            for index in range(piece.start, len(piece.grid)):
                self._read_row(piece.table, index, piece.grid[index], header_lines)

    def _read_row(self, table: int, index: int, cells: list[_Cell | None], header_lines: list[list[str]]) -> None:
        filled = [c for c in _distinct(cells) if _lines(c)]
        if not filled or [_lines(c) for c in cells] == header_lines or self._is_column_numbers(filled):
            return                     # an empty row, the header repeated, «1 | 2 | 3 | …» under the header
        if self._is_section(cells, filled):
            self._start_section(" ".join(line for c in filled for line in _lines(c)))
            return
        previous = self.drafts[-1] if self.drafts else None
        number_cell = self._cell(cells, "item")
        if self.numbered and (not _lines(number_cell) or
                              previous is not None and _same(number_cell, previous.last_cells.get("item"))):
            if previous is None:
                self.warnings.append(PlanWarning(index + 1, "строка без номера пункта, и выше нет пункта, "
                                                            "к которому её присоединить: строка не перенесена", table))
                return
            for key in self.cols:      # the item continues on this row (in the next table too)
                previous.add(key, self._cell(cells, key))
            return
        draft = _Draft(self._number(cells), index + 1, table, self._section_text(),
                       self.top.number if self.top else None)
        for key in self.cols:
            draft.add(key, self._cell(cells, key))
        self.drafts.append(draft)

    @staticmethod
    def _is_column_numbers(filled: list[_Cell]) -> bool:
        texts = [" ".join(_lines(c)) for c in filled]
        return len(texts) >= 3 and texts == [str(i) for i in range(1, len(texts) + 1)]

    def _is_section(self, cells: list[_Cell | None], filled: list[_Cell]) -> bool:
        """Only the № and / or the title cell hold text, and the row reads as a heading: merged across,
        bold, numbered as a section («I.», «1.», «1.1. Подраздел»), or before the first item."""
        if self._beyond_number_and_title(cells):
            return False
        own = [self._cell(cells, "item"), self._cell(cells, "title")]
        number = self._number(cells)
        title_apart = not _same(own[0], own[1]) and _lines(own[1])
        if plan_ref_exact(number) or (_BARE_NUMBER.match(number) and not title_apart):
            return False               # «2.4» with its other cells still empty: an item
        text = " ".join(line for c in filled for line in _lines(c))
        merged = any(sum(_same(c, x) for x in cells) >= 2 for c in filled)
        numbered = bool(_SECTION_NUMBER.match(text) or _SUBSECTION_NUMBER.match(text))
        return merged or numbered or all(_is_bold(c) for c in filled) or not self.drafts or not self.numbered

    def _start_section(self, text: str) -> None:
        m = _SECTION_NUMBER.match(text)
        if _SUBSECTION_NUMBER.match(text) or (m is None and self.top is not None and self.top.numbered):
            self.sub = text            # «1.1. Подраздел», or an unnumbered heading inside a numbered section
            return
        self.sections_seen += 1
        n = m["n"].lower() if m else ""
        own = int(n) if n.isdigit() else _ROMAN.get(n)
        self.top = _Section(text, own or self.sections_seen, own is not None)
        self.sub = None

    def _section_text(self) -> str:
        return SECTION_JOINER.join(s for s in (self.top.text if self.top else None, self.sub) if s)

    def items(self, year: int) -> tuple[list[PlanItem], list[PlanWarning]]:
        """The drafts as items: numbers checked (or given), deadlines parsed, targets and types guessed."""
        warnings = list(self.warnings)
        items: list[PlanItem] = []
        in_section: Counter = Counter()
        composed: list[str] = []
        first_row: dict[str, tuple[int, int]] = {}          # number → (row, table) where it is first
        target_title = self.header.titles.get(self.cols.get("target"), "")
        for draft in self.drafts:
            in_section[draft.section_number] += 1
            section_number = draft.section_number or 1
            if not self.numbered:
                number = f"{section_number}.{in_section[draft.section_number]}"
            elif _BARE_NUMBER.match(draft.number) and draft.section_number:
                number = f"{section_number}.{draft.number.rstrip('.')}"
                composed.append(f"{draft.number} → {number}")
            else:
                number = normalise_plan_item(draft.number) or draft.number
            say = _Say(warnings, draft.row, number, draft.table)
            if not plan_ref_exact(number):
                say(f"номер «{draft.number}» не вида 2.4 — панель сошлётся на пункт только по такому номеру, "
                    "исправьте его")
            if number in first_row:
                row, table = first_row[number]
                say(f"такой номер уже есть в строке {row} таблицы{_table_number(table)} — исправьте номер")
            first_row.setdefault(number, (draft.row, draft.table))
            item = PlanItem(number, section=" ".join(draft.text("section").split()) or draft.section,
                            title=draft.text("title"), deadline_text=draft.text("deadline_text"),
                            mechanism=draft.text("mechanism"), expected_result=draft.text("expected_result"),
                            responsible=draft.text("responsible"), row=draft.row)
            if not item.title:
                say("нет названия мероприятия")
            deadline = parse_deadline(item.deadline_text, year)
            item.checkpoints, item.deadline_parsed, item.deadline_problem = (
                deadline.checkpoints, deadline.parsed, deadline.problem)
            if deadline.problem:
                say(deadline.problem)
            _guess_target_and_type(item, draft.text("target"), target_title, say)
            items.append(item)
        if not self.numbered and items:
            reason = ("номера набраны автоматической нумерацией Word и не читаются как текст" if self.word_numbering
                      else "в таблице нет номеров пунктов")
            given = ", ".join(i.item for i in items[:3]) + (", …" if len(items) > 3 else "")
            warnings.append(PlanWarning(None, f"Пункты пронумерованы по порядку в разделах ({given}): {reason}. "
                                              "Сверьте номера с утверждённым планом"))
        if composed:
            warnings.append(PlanWarning(None, "Номера пунктов дополнены номером раздела (" + ", ".join(composed[:3]) +
                                              (", …" if len(composed) > 3 else "") + "): в панели пункты плана "
                                              "обозначаются номерами вида 2.4"))
        return items, warnings


class _Say:
    """Adds a warning about one item: «Строка 7 таблицы: пункт 1.3: …»."""

    def __init__(self, warnings: list[PlanWarning], row: int, item: str, table: int = 1):
        self.warnings, self.row, self.item, self.table = warnings, row, item, table

    def __call__(self, message: str) -> None:
        self.warnings.append(PlanWarning(self.row, f"пункт {self.item}: {message}", self.table))


def _guess_target_and_type(item: PlanItem, target_cell: str, target_title: str, say: _Say) -> None:
    """Fill the item's target, its period, what it counts and the activity type from its texts."""
    target: _Target | None = None
    found_in = ""                      # the text the target was found in
    from_column = False
    if target_cell:
        found = _targets_in(target_cell, bare_numbers=True)
        if found:
            target, found_in, from_column = found[0], target_cell, True
        else:
            say(f"в столбце «{target_title}» нет числа («{' '.join(target_cell.split())}») — цель не задана")
    for text in (item.title, item.expected_result) if target is None else ():
        found = _targets_in(text)
        if found:
            target, found_in = found[0], text
            if len({t.number for t in found}) > 1:
                say("в тексте несколько чисел (" + ", ".join(f"«{t.phrase}»" for t in found) +
                    f"): целью взято {target.number} — проверьте столбец «Цель»")
            break
    if target is not None:
        item.target = target.number
        item.target_period = target.period or DEFAULT_TARGET_PERIOD
        item.count_what = (target.count_what or (_count_what_of_header(target_title) if from_column else None)
                           or DEFAULT_COUNT_WHAT)
        if target.per_institution:
            say(f"цель «{target.phrase}» указана на одно учреждение: в «Цель» записано {target.number} — "
                "умножьте на число учреждений, если считать по всей области")
    item.indicator = _guess_type(item, target, found_in, say)


def _guess_type(item: PlanItem, target: _Target | None, found_in: str, say: _Say) -> str | None:
    """The activity type that counts toward the item: the word the target counts («15 буклетов»), else
    the form written as «Механизм» / «Форма проведения» («Вебинар», «Буклет, 100 экз.»), else the only
    type the title names, else the only type named where the target was found. None, with a warning,
    when the text does not make it clear."""
    if target is not None and target.kind:
        return target.kind
    form = C.exact_activity_type(re.split(r"[,;(\n]", item.mechanism, maxsplit=1)[0])
    if form:
        return form
    in_title = _types_named(item.title)
    if len(in_title) > 1:
        say("в названии несколько видов мероприятий (" + ", ".join(in_title) + ") — выберите, какой считать, "
            "в столбце «Показатель»")
        return None
    if in_title:
        return in_title[0]
    near_target = _types_named(found_in) if found_in and found_in != item.title else []
    if len(near_target) == 1:
        return near_target[0]
    say("вид мероприятия для подсчёта не определён по тексту — выберите его в столбце «Показатель» "
        "(пока считаются все мероприятия со ссылкой на пункт)")
    return None


# --------------------------------------------------------------------------- the document


def _text_before(document, table: Table) -> list[str]:
    """The paragraphs above the (top-level table holding the) plan table: its title, the approval block."""
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            if any(t is table._tbl for t in block._tbl.iter(qn("w:tbl"))):
                break
            continue
        line = " ".join(block.text.split())
        if line:
            lines.append(line)
    return lines


_NOT_A_HEADING = re.compile(r"^(?:продолжение(?:\s+таблицы|\s+приложения)?\b.*|\d+|-\s*\d+\s*-)$", re.IGNORECASE)
MAX_HEADING_LINES = 2                       # a section title between two tables is a line or two, not a text
_HEADING_STYLES = ("heading", "title", "заголовок")


def _is_heading(paragraph) -> bool:
    """A paragraph between two tables of the plan reads as a section title: a heading style, all bold,
    or numbered as a section («2.», «II.», «2.1.»). A note in plain type («Примечание: …») is not one."""
    text = " ".join(paragraph.text.split())
    if not text or _NOT_A_HEADING.match(text):
        return False
    style = paragraph.style                 # None in some documents LibreOffice writes
    style_bold = bool(style is not None and style.font.bold)
    runs = [r for r in paragraph.runs if r.text.strip()]
    bold = bool(runs) and all(r.bold or (r.bold is None and (style_bold or bool(r.style is not None and
                                                                                 r.style.font.bold)))
                              for r in runs)
    name = (style.name or "").lower() if style is not None else ""
    return (name.startswith(_HEADING_STYLES) or bold or bool(_SECTION_NUMBER.match(text))
            or bool(_SUBSECTION_NUMBER.match(text)))


def _continues_plan(grid: list[list[_Cell | None]], header: _Header) -> bool:
    """A table without a header continues the plan when its first row with a № (past empty rows, a
    section title, the «1 | 2 | 3» row, the rest of an item from the page before) is numbered like a
    plan row («2.3», «4.») and has a title of its own."""
    item, title = header.columns.get("item"), header.columns.get("title")
    if item is None or title is None:
        return False
    for cells in grid[:HEADER_ROWS_SEARCHED]:
        filled = [c for c in _distinct(cells) if _lines(c)]
        if len(filled) <= 1 or _PlanTable._is_column_numbers(filled) or not _lines(cells[item]):
            continue
        number = " ".join(_lines(cells[item]))
        return (bool(plan_ref_exact(number) or _BARE_NUMBER.match(number)) and bool(_lines(cells[title]))
                and not _same(cells[item], cells[title]))
    return False


def _plan_pieces(document, table: Table, grid: list[list[_Cell | None]],
                 header: _Header) -> tuple[list[_Piece], list[PlanWarning]]:
    """The plan table and the tables right after it that continue it (same columns: the header repeated,
    or none and rows numbered like the plan's); the first table that does not fit ends the plan."""
    pieces = [_Piece(1, grid, header.data_start)]
    warnings: list[PlanWarning] = []
    blocks = list(document.iter_inner_content())
    start = next((i for i, b in enumerate(blocks) if isinstance(b, Table) and b._tbl is table._tbl), None)
    if start is None:                           # a table inside a table: read alone
        return pieces, warnings
    between: list[str] = []
    for block in blocks[start + 1:]:
        if not isinstance(block, Table):
            if _is_heading(block):
                between.append(" ".join(block.text.split()))
            continue
        following = _grid(block)
        width = len(following[0]) if following else 0
        if width != len(grid[0]):
            break
        own = _find_header(following)
        if own is not None and own.columns != header.columns:
            warnings.append(PlanWarning(None, f"Таблица {len(pieces) + 1} после таблицы плана похожа на план, но её "
                                              "столбцы другие — она не перенесена, проверьте её пункты"))
            break
        if own is None and not _continues_plan(following, header):
            break
        heading = " ".join(between) if len(between) <= MAX_HEADING_LINES else ""
        pieces.append(_Piece(len(pieces) + 1, following, own.data_start if own else 0, heading))
        between = []
    if len(pieces) > 1:
        warnings.append(PlanWarning(None, f"План продолжается в {len(pieces) - 1} следующ"
                                          f"{'ей таблице' if len(pieces) == 2 else 'их таблицах'} — "
                                          f"пункты всех {len(pieces)} таблиц собраны в один план"))
    return pieces, warnings


def _plan_year(title: str, before: list[str], deadlines: list[str]) -> int | None:
    """«на 2026 год» in the title, else the year the deadlines name most, else the text above the table."""
    m = _TITLE_YEAR.search(title)
    if m:
        return int(m[1])
    for texts in (deadlines, before):
        years = Counter(int(y) for text in texts for y in _ANY_YEAR.findall(text))
        if years:
            return years.most_common(1)[0][0]
    return None


def import_plan_docx(source: str | Path | bytes, *, year: int | None = None,
                     file_name: str | None = None) -> ImportedPlan:
    """Read the plan table of a Word file (a path or its bytes).

    `year`: the plan year for deadlines without one; by default the document's («на 2026 год»), else
    the current year with a warning. Raises `PlanImportError` (Russian) when there is no plan to read."""
    data, name = _file_bytes(source, file_name)
    document = _open_document(data, name)
    found = []
    for table in _all_tables(document.tables):
        grid = _grid(table)
        header = _find_header(grid)
        if header is not None:
            found.append((header.score, -len(found), table, grid, header))
    if not found:
        raise PlanImportError(f"В документе «{name}» нет таблицы плана: не найдена строка заголовков с "
                              "«Наименование мероприятия» и хотя бы одним из столбцов «№», «Сроки», «Ответственный», "
                              "«Ожидаемый результат».")
    _, _, table, grid, header = max(found, key=lambda f: f[:2])
    pieces, warnings = _plan_pieces(document, table, grid, header)
    plan_table = _PlanTable(pieces, header)
    plan_table.read()
    before = _text_before(document, table)
    title = " ".join(before)
    plan_year = year or _plan_year(title, before, [d.text("deadline_text") for d in plan_table.drafts])
    year_found = plan_year is not None
    if not year_found:
        plan_year = date.today().year
        warnings.append(PlanWarning(None, f"Год плана не найден ни в заголовке («на {plan_year} год»), ни в сроках: "
                                          f"сроки без года отнесены к {plan_year} году"))
    items, item_warnings = plan_table.items(plan_year)
    if not items:
        raise PlanImportError(f"В таблице плана документа «{name}» нет ни одного пункта: под заголовками "
                              "нет строк с мероприятиями.")
    for col in header.unknown:
        warnings.append(PlanWarning(header.first_row + 1, f"столбец «{header.titles[col]}» не входит в план панели — "
                                                          "его текст не перенесён"))
    for col in header.repeated:
        warnings.append(PlanWarning(header.first_row + 1, f"столбец «{header.titles[col]}» повторяет другой столбец "
                                                          "плана — его текст не перенесён"))
    topic = _TOPIC.search(title)
    return ImportedPlan(file_name=name, title=title, year=plan_year, year_found=year_found,
                        topic=" ".join(topic["topic"].split()) if topic else "", items=items,
                        warnings=warnings + item_warnings)


# --------------------------------------------------------------------------- after edits


def _text(value) -> str:
    return "" if is_blank(value) else str(value).strip()


def _whole_number(value) -> int | None:
    if is_blank(value):
        return None
    number, _ = parse_count(value)
    return number


def revise_plan(table: pd.DataFrame, year: int) -> pd.DataFrame:
    """The plan table after someone edited it (the import page's editor) → `PLAN_COLUMNS` again: texts as
    texts, the type and the choices as the contract knows them, the target a whole number or empty, and
    the checkpoints parsed anew from «Сроки». Rows without a number and a title are dropped."""
    records = []
    for row in table.to_dict("records"):
        item, title = _text(row.get("item")), _text(row.get("title"))
        if not item and not title:
            continue
        deadline = parse_deadline(_text(row.get("deadline_text")), year)
        count_what = _text(row.get("count_what"))
        period = _text(row.get("target_period"))
        source_row = row.get("row")
        records.append({
            "item": normalise_plan_item(item) or item,
            **{key: _text(row.get(key)) for key in ("section", "mechanism", "expected_result", "responsible")},
            "title": title, "deadline_text": deadline.text,
            "indicator": C.canonical_activity_type(row.get("indicator")) if not is_blank(row.get("indicator")) else None,
            "count_what": count_what if count_what in C.COUNT_WHAT else DEFAULT_COUNT_WHAT,
            "target": _whole_number(row.get("target")),
            "target_period": period if period in set(C.TARGET_PERIODS.values()) else DEFAULT_TARGET_PERIOD,
            "checkpoints": list(deadline.checkpoints), "deadline_parsed": deadline.parsed,
            "deadline_problem": deadline.problem, "row": None if is_blank(source_row) else int(source_row)})
    return pd.DataFrame(records, columns=PLAN_COLUMNS) if records else empty_frame(PLAN_COLUMNS)


# The plan as the import page shows it for checking and fixing: PLAN_COLUMNS keys, checkpoints as text.
REVIEW_COLUMNS = ["item", "section", "title", "deadline_text", "checkpoints", "target", "target_period", "indicator",
                  "count_what", "responsible", "mechanism", "expected_result", "row"]
UNPARSED_DEADLINE = "срок не распознан"


def review_table(plan: pd.DataFrame) -> pd.DataFrame:
    """The plan (`PLAN_COLUMNS`) for the import page's editor: checkpoints as «31.03.2026, 30.06.2026»."""
    table = plan.reindex(columns=REVIEW_COLUMNS).copy()
    table["checkpoints"] = [format_dates_numeric(c) if parsed else UNPARSED_DEADLINE
                            for c, parsed in zip(plan["checkpoints"], plan["deadline_parsed"])]
    table["target"] = pd.array(plan["target"].tolist(), dtype="Int64")
    return table.reset_index(drop=True)
