"""Deterministic synthetic workbooks for the benchmark: the contract's service tabs plus N
institution tabs of 10 columns, filled the way people fill them (DESIGN.md §3).

Each institution tab has a Мероприятия block — sometimes under a title and blank rows, sometimes with
synonym headers in another order, always with one column the template does not know — with `rows`
data rows, then a Мониторинг block. Values are a realistic mixture: most dates are real Excel dates,
some are typed as text in Russian forms, a few are wrong; activity types come with synonyms and case
variants; plan numbers as «2.4», «п. 2.4», «2.4.» or a number cell; counts as numbers or «12 чел.»;
topics are unique sentences; about 2 % of rows carry a mistake the loader must report.

The .xlsx is written directly as SpreadsheetML (shared strings, a date style, merged cells — what
Excel itself writes) so that generating 28 × 10 000 rows takes seconds, not minutes; the zip entries
carry a fixed timestamp, so the same arguments give byte-identical files. Files are cached under
`bench/.cache/` (git-ignored).
"""
from __future__ import annotations

import random
import zipfile
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from lib.model.contract import DEFAULT_MONITORING_INDICATORS
from lib.validate.values import column_letter

CACHE_DIR = Path(__file__).resolve().parent / ".cache"
GENERATOR_VERSION = 2          # bump when the content changes, so cached files are rebuilt
YEAR = 2026
COLUMNS = 10

DISTRICTS = [
    "Бабаевский", "Бабушкинский", "Белозерский", "Вашкинский", "Великоустюгский", "Верховажский",
    "Вожегодский", "Вологодский", "Вытегорский", "Грязовецкий", "Кадуйский", "Кирилловский",
    "Кичменгско-Городецкий", "Междуреченский", "Никольский", "Нюксенский", "Сокольский", "Сямженский",
    "Тарногский", "Тотемский", "Усть-Кубинский", "Устюженский", "Харовский", "Чагодощенский",
    "Череповецкий", "Шекснинский", "г. Вологда", "г. Череповец",
]

SETTINGS = [
    ("ОМП", "БУ СО ВО «КЦСОН Кичменгско-Городецкого района»"),
    ("Тема", "Развитие стационарозамещающих технологий"),
    ("Год", YEAR),
    ("Базовое учреждение", "БУ СО ВО «КЦСОН Кичменгско-Городецкого района»"),
    ("Утверждаю (должность)", "Директор БУ СО ВО «КЦСОН Кичменгско-Городецкого района»"),
    ("Утверждаю (ФИО)", "Л.А. Андреевская"),
    ("Согласовано (должность)", "Начальник управления Министерства социальной защиты населения области"),
    ("Согласовано (ФИО)", "А.В. Ершов"),
]

PLAN_HEADER = ["№", "Раздел", "Мероприятие", "Сроки", "Механизм реализации", "Ожидаемый результат",
               "Ответственный", "Показатель", "Считать", "Цель", "Период цели"]
PLAN = [
    ["1. Организационные мероприятия", "", "", "", "", "", "", "", "", "", ""],
    ["1.1", "", "Заключение соглашений о сотрудничестве", "I квартал 2026", "Переговоры", "Соглашения",
     "Директор", "соглашение", "мероприятия", 5, "год"],
    ["1.2", "", "Совещания рабочей группы", "Ежеквартально", "ВКС", "Протоколы", "Заместитель директора",
     "совещание", "мероприятия", 1, "квартал"],
    ["1.3", "", "Консультации специалистов учреждений — не менее 10 ежеквартально", "Ежеквартально",
     "Выезды, ВКС", "Консультации", "Методист", "консультация", "мероприятия", 10, "квартал"],
    ["1.4", "", "Мониторинг внедрения СЗТ", "июнь, декабрь 2026", "Сбор отчетности", "Справка",
     "Методист", "мониторинг", "мероприятия", 2, "год"],
    ["2. Методическое сопровождение", "", "", "", "", "", "", "", "", "", ""],
    ["2.1", "", "Обучение специалистов", "в течение года", "Курсы", "Обучены специалисты", "Методист",
     "обучение специалистов", "специалисты", 40, "год"],
    ["2.2", "", "Проведение 3 семинаров", "20 марта, 15 июля, 18 сентября", "Семинары", "Семинары",
     "Методист", "семинар", "мероприятия", 3, "год"],
    ["2.3", "", "Мастер-классы", "II–III квартал", "Мастер-классы", "", "Специалист", "мастер-класс",
     "мероприятия", 4, "год"],
    ["2.4", "", "Не менее 15 буклетов", "Ежемесячно", "Издание", "Буклеты", "Специалист", "буклет",
     "мероприятия", 15, "год"],
    ["2.5", "", "Методические рекомендации", "до 1 октября 2026", "", "Рекомендации", "Методист",
     "методические материалы", "мероприятия", 2, "год"],
    ["2.6", "", "Формуляры практик", "ноябрь 2026", "", "", "Методист", "формуляр практики",
     "мероприятия", 3, "год"],
    ["2.7", "", "Стажировки на базе ОМП", "IV квартал", "", "", "Директор", "стажировка", "участники",
     30, "год"],
    ["3. Информационно-аналитическая деятельность", "", "", "", "", "", "", "", "", "", ""],
    ["3.1", "", "Публикации о работе ОМП", "ежемесячно", "Сайт, ВК", "Публикации", "Специалист",
     "публикация", "мероприятия", 2, "месяц"],
    ["3.2", "", "Выступления на конференциях", "в течение года", "", "", "Директор", "выступление",
     "мероприятия", 3, "год"],
    ["3.3", "", "Аналитический отчет", "июнь, декабрь 2026", "", "Отчет", "Методист", "", "", "", ""],
    ["3.4", "", "Видеоматериалы о практиках", "до 15 декабря 2026", "", "", "Специалист", "видеоматериал",
     "мероприятия", 4, "год"],
]

# The activity header as the template writes it, and two ways people rewrite it.
HEADERS = [
    ["Дата", "Вид мероприятия", "Пункт плана", "Тема / содержание", "Участников", "Специалистов",
     "Учреждений", "Ссылка / подтверждение", "Примечание", "Ответственный"],
    ["Дата проведения", "Форма работы", "№ пункта плана", "Тема", "Кол-во участников",
     "Из них специалистов", "Количество учреждений", "Ссылка", "Комментарий", "Ответственный"],
]
# A column order people sometimes use (indices into the canonical order above).
REORDERED = [0, 1, 3, 2, 4, 5, 6, 7, 8, 9]

TYPE_SPELLINGS = [  # (spelling, weight)
    ("консультация", 30), ("Консультация", 12), ("консультирование", 6), ("Консультации", 3),
    ("семинар", 10), ("Семинар-практикум", 4), ("вебинар", 4), ("совещание", 6), ("Рабочее совещание", 3),
    ("круглый стол", 2), ("мастер-класс", 3), ("Мастер класс", 1), ("стажировка", 1), ("конференция", 1),
    ("выступление", 2), ("доклад", 1), ("публикация", 10), ("статья", 2), ("пост ВК", 3),
    ("буклет", 3), ("памятка", 2), ("формуляр практики", 1), ("методические рекомендации", 1),
    ("видеоролик", 1), ("акция", 2), ("соглашение", 1), ("мониторинг", 1), ("обучение специалистов", 1),
    ("КОНСУЛЬТАЦИЯ ", 1),
]
BAD_TYPES = ["встреча с населением", "прочее", "экскурсия в музей"]
TYPE_PLAN = {"консульт": "1.3", "семинар": "2.2", "вебинар": "2.2", "совещ": "1.2", "рабочее": "1.2",
             "мастер": "2.3", "публик": "3.1", "стать": "3.1", "пост": "3.1", "буклет": "2.4",
             "памятк": "2.4", "формуляр": "2.6", "методич": "2.5", "видео": "3.4", "соглаш": "1.1",
             "монитор": "1.4", "обучен": "2.1", "стажир": "2.7", "выступ": "3.2", "доклад": "3.2"}
TOPICS = ["социальному обслуживанию на дому", "сопровождаемому проживанию", "внедрению СЗТ",
          "работе с гражданами с психическими расстройствами", "организации досуга получателей услуг",
          "реабилитационным программам", "взаимодействию с НКО", "волонтерскому сопровождению",
          "оформлению документов", "заполнению отчетности ОМП"]
NOTES = ["онлайн", "выездное", "совместно с НКО", "по запросу учреждения", "перенесено с декабря"]
STAFF = ["Иванова И.И.", "Петрова А.С.", "Смирнова О.В.", "Кузнецов Д.А.", "Попова Е.Н."]
MONTHS_GEN = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
              "октября", "ноября", "декабря"]

MONITORING_HEADER = ["Показатель", "I квартал", "II квартал", "III квартал", "IV квартал"]
MONITORING_ROWS = [indicator.name for indicator in DEFAULT_MONITORING_INDICATORS]


def institution_names(n_tabs: int) -> list[str]:
    if n_tabs <= len(DISTRICTS):
        return DISTRICTS[:n_tabs]
    return DISTRICTS + [f"Учреждение {i}" for i in range(len(DISTRICTS) + 1, n_tabs + 1)]


# --------------------------------------------------------------------------- content


def _weighted(rng: random.Random, table: list[tuple[str, int]]):
    values, weights = zip(*table)
    cum, total = [], 0
    for w in weights:
        total += w
        cum.append(total)

    def pick() -> str:
        x = rng.random() * total
        lo, hi = 0, len(cum) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if cum[mid] > x:
                hi = mid
            else:
                lo = mid + 1
        return values[lo]
    return pick


def activity_row(rng: random.Random, k: int, pick_type) -> list:
    """One Мероприятия row in the canonical column order (10 values, '' = empty)."""
    day = date(YEAR, 1, 9) + timedelta(days=(k * 7919 + rng.randrange(40)) % 350)
    x = rng.random()
    if x < 0.80:
        when: object = day
    elif x < 0.90:
        when = day.strftime("%d.%m.%Y")
    elif x < 0.95:
        when = f"{day.day} {MONTHS_GEN[day.month - 1]} {day.year}" + (" г." if rng.random() < 0.5 else "")
    elif x < 0.98:
        when = day.strftime("%d.%m.%y")
    elif x < 0.99:
        when = rng.choice(["31.02.2026", "вчера", "15.13.2026", "2026"])
    else:
        when = ""
    kind = rng.choice(BAD_TYPES) if rng.random() < 0.005 else pick_type()
    low = kind.lower()
    item = next((v for s, v in TYPE_PLAN.items() if low.startswith(s)), "")
    x = rng.random()
    plan: object = item
    if item and x < 0.15:
        plan = f"п. {item}"
    elif item and x < 0.25:
        plan = item + "."
    elif item and x < 0.32 and item.split(".")[1] != "0":
        plan = float(item)
    elif x < 0.40:
        plan = ""
    elif x < 0.405:
        plan = "2.2, 2.4"
    topic = f"{kind.strip().capitalize()} по {rng.choice(TOPICS)} (№ {k + 1})"
    participants: object = rng.randrange(3, 60)
    specialists: object = rng.randrange(1, 1 + int(participants))
    institutions: object = rng.randrange(1, 12)
    x = rng.random()
    if x < 0.10:
        participants = f"{participants} чел."
    elif x < 0.13:
        participants = ""
    elif x < 0.135:
        participants = rng.choice(["много", "-5", "12,5"])
    elif x < 0.14:
        participants = f"более {participants}"
    if rng.random() < 0.05:
        specialists = ""
    if rng.random() < 0.2:
        institutions = ""
    link = f"https://vk.com/wall-{210000 + k % 977}_{k * 31 % 100000}" if rng.random() < 0.6 else ""
    note = rng.choice(NOTES) if rng.random() < 0.15 else ""
    who = STAFF[k % len(STAFF)] if rng.random() < 0.9 else ""
    return [when, kind, plan, topic, participants, specialists, institutions, link, note, who]


def institution_tab(index: int, name: str, rows: int) -> tuple[list[list], list[tuple[int, int, int, int]]]:
    """(grid, merges) of one institution tab; merges as (r0, c0, r1, c1), 0-based inclusive."""
    rng = random.Random(f"omp-bench-{GENERATOR_VERSION}-{index}-{rows}")
    pick_type = _weighted(rng, TYPE_SPELLINGS)
    grid: list[list] = []
    merges: list[tuple[int, int, int, int]] = []
    layout = index % 4
    if layout in (1, 2):          # a title (merged across the table) and blank lines above the header
        grid.append([f"Отчет о работе ОМП: {name}, {YEAR} год"] + [""] * (COLUMNS - 1))
        merges.append((0, 0, 0, COLUMNS - 1))
        grid.append([])
        if layout == 2:
            grid.append(["Мероприятия"])
            grid.append([])
    order = REORDERED if layout == 3 else list(range(COLUMNS))
    header = HEADERS[1 if layout in (2, 3) else 0]
    grid.append([header[i] for i in order])
    for k in range(rows):
        if k % 97 == 96:
            grid.append([])                           # a stray blank line
        row = activity_row(rng, k, pick_type)
        grid.append([row[i] for i in order])
    if rows >= 50 and index % 5 == 0:                 # a date merged over the next two rows
        r0 = len(grid) - 20
        if not isinstance(grid[r0][0], str) or grid[r0][0]:
            grid[r0 + 1][0] = ""
            grid[r0 + 2][0] = ""
            merges.append((r0, 0, r0 + 2, 0))
    if index % 7 == 6:
        grid.append(["Итого", "", "", "", 999, 99, 9])    # a totals row the loader must skip and report
    grid += [[], [], ["Мониторинг показателей"], MONITORING_HEADER]
    for i, indicator in enumerate(MONITORING_ROWS):
        if indicator.startswith("Достижение"):
            values = [round(0.5 + 0.1 * q + 0.01 * (index % 5), 2) for q in range(3)] + [""]   # 0.88 = 88 %
        else:
            values = [rng.randrange(0, 40) for _ in range(3)] + [""]
        if index % 9 == 4 and i == 2:
            values[1] = "н/д"
        grid.append([indicator, *values])
    return grid, merges


def workbook_tabs(n_tabs: int, rows: int):
    """Every tab of the workbook, in order: (name, grid, merges)."""
    names = institution_names(n_tabs)
    tabs = [("Настройки", [["Параметр", "Значение"], *[list(p) for p in SETTINGS]], []),
            ("Учреждения", [["Учреждение", "Полное наименование", "Район", "Ответственный", "Контакты"],
                            *[[n, f"БУ СО ВО «КЦСОН {n}»", n, "Иванова И.И.", "+7 (8172) 00-00-00"]
                              for n in names]], []),
            ("План", [["План работы ОМП на 2026 год"], [], PLAN_HEADER, *PLAN], [(0, 0, 0, 10)])]
    for i, name in enumerate(names):
        tab_name = name + " " if i % 11 == 3 else name          # a trailing space in a tab name
        grid, merges = institution_tab(i, name, rows)
        tabs.append((tab_name, grid, merges))
    return tabs


# --------------------------------------------------------------------------- SpreadsheetML writer

_EPOCH = date(1899, 12, 30)
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)


class _Strings:
    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.count = 0

    def get(self, text: str) -> int:
        self.count += 1
        i = self.index.get(text)
        if i is None:
            i = self.index[text] = len(self.index)
        return i

    def xml(self) -> str:
        items = []
        for text in self.index:
            space = ' xml:space="preserve"' if text != text.strip() else ""
            items.append(f"<si><t{space}>{escape(text)}</t></si>")
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                f'count="{self.count}" uniqueCount="{len(self.index)}">' + "".join(items) + "</sst>")


def _sheet_xml(grid: list[list], merges, strings: _Strings) -> str:
    """A worksheet as Excel writes a formatted table: every cell of a non-empty row carries a
    style (borders; a date format on dates), empty cells inside the table are written as styled
    empty cells, rows carry `spans` and `x14ac:dyDescent`."""
    width = max((len(r) for r in grid), default=1) or 1
    letters = [column_letter(c) for c in range(width)]
    out = []
    for r, row in enumerate(grid, start=1):
        if not any(v is not None and v != "" for v in row):
            continue
        cells = []
        for c in range(width):
            v = row[c] if c < len(row) else ""
            ref = f"{letters[c]}{r}"
            if v is None or v == "":
                cells.append(f'<c r="{ref}" s="2"/>')
            elif isinstance(v, str):
                cells.append(f'<c r="{ref}" s="2" t="s"><v>{strings.get(v)}</v></c>')
            elif isinstance(v, date):
                cells.append(f'<c r="{ref}" s="1"><v>{(v - _EPOCH).days}</v></c>')
            else:
                cells.append(f'<c r="{ref}" s="3"><v>{v!r}</v></c>')
        out.append(f'<row r="{r}" spans="1:{width}" x14ac:dyDescent="0.25">' + "".join(cells) + "</row>")
    dim = f"A1:{letters[-1]}{max(len(grid), 1)}"
    merge_xml = ""
    if merges:
        merge_xml = (f'<mergeCells count="{len(merges)}">' + "".join(
            f'<mergeCell ref="{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{r1 + 1}"/>' for r0, c0, r1, c1 in merges)
            + "</mergeCells>")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
            'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac" '
            'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
            f'<dimension ref="{dim}"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15" x14ac:dyDescent="0.25"/><sheetData>' + "".join(out)
            + "</sheetData>" + merge_xml
            + '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            "</worksheet>")


_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left style="thin"><color indexed="64"/></left><right style="thin"><color indexed="64"/></right>'
    '<top style="thin"><color indexed="64"/></top><bottom style="thin"><color indexed="64"/></bottom>'
    '<diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="1" xfId="0" applyBorder="1" applyAlignment="1">'
    '<alignment wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="1" xfId="0" applyBorder="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')


def write_xlsx(path: Path, tabs) -> Path:
    strings = _Strings()
    sheets = [_sheet_xml(grid, merges, strings) for _, grid, merges in tabs]
    n = len(tabs)
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                  'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, n + 1))
        + '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        '</Types>')
    root_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>')
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        + "".join(f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                  for i, (name, _, _) in enumerate(tabs, start=1))
        + "</sheets></workbook>")
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    workbook_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(f'<Relationship Id="rId{i}" Type="{rel}worksheet" Target="worksheets/sheet{i}.xml"/>'
                  for i in range(1, n + 1))
        + f'<Relationship Id="rId{n + 1}" Type="{rel}styles" Target="styles.xml"/>'
        f'<Relationship Id="rId{n + 2}" Type="{rel}sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>")
    parts = [("[Content_Types].xml", content_types), ("_rels/.rels", root_rels),
             ("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", workbook_rels),
             ("xl/styles.xml", _STYLES), ("xl/sharedStrings.xml", strings.xml())]
    parts += [(f"xl/worksheets/sheet{i}.xml", xml) for i, xml in enumerate(sheets, start=1)]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name, text in parts:
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"), compresslevel=6)
    tmp.replace(path)
    return path


def workbook_path(n_tabs: int, rows: int, cache_dir: Path | None = None) -> Path:
    """The cached workbook of `n_tabs` institution tabs × `rows` rows, generated on first use."""
    cache_dir = Path(cache_dir or CACHE_DIR)
    path = cache_dir / f"omp_v{GENERATOR_VERSION}_{n_tabs}x{rows}.xlsx"
    if not path.exists():
        write_xlsx(path, workbook_tabs(n_tabs, rows))
    return path


# --------------------------------------------------------------------------- the same workbook, other writers

WRITERS = {  # key → what wrote the file
    "shared": "Excel-style .xlsx (shared strings, a style on every cell)",
    "openpyxl": "openpyxl .xlsx (inline strings, `&#1058;` for every Cyrillic letter)",
    "lo-xlsx": "LibreOffice Calc .xlsx",
    "lo-ods": "LibreOffice Calc .ods",
    "lo-xls": "LibreOffice Calc .xls (Excel 97–2003)",
}


def write_openpyxl(path: Path, tabs) -> Path:
    """The same tabs as openpyxl writes them — how Python scripts and many exporters save workbooks."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, grid, merges in tabs:
        sheet = book.create_sheet(name)
        for row in grid:
            sheet.append(row)
        for r0, c0, r1, c1 in merges:
            sheet.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    book.save(tmp)
    tmp.replace(path)
    return path


def writer_path(writer: str, n_tabs: int, rows: int, cache_dir: Path | None = None) -> Path:
    """The benchmark workbook of `n_tabs` × `rows` as `writer` (a key of WRITERS) saved it; cached."""
    base = workbook_path(n_tabs, rows, cache_dir)
    if writer == "shared":
        return base
    if writer == "openpyxl":
        path = base.with_name(base.stem + "_openpyxl.xlsx")
        return path if path.exists() else write_openpyxl(path, workbook_tabs(n_tabs, rows))
    from bench.office import convert
    fmt = writer.removeprefix("lo-")
    path = base.with_name(base.stem + f"_lo.{fmt}")
    if not path.exists():
        made, = convert([base], fmt, base.parent / f"lo-{fmt}")
        made.replace(path)
    return path
