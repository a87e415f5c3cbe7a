"""The workbook contract: tab names, header synonyms, the activity-type vocabulary (with each type's
headline group and Russian grammar), the default monitoring indicators (read from
`lib/data/default_indicators.csv`). Pure data plus the normalisation that matches people's spelling to it.

Everything topic-specific here is only a *default*: a workbook's own service tabs override it.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from lib.data import INDICATORS_FILE
from lib.model.periods import quarter_name

# --------------------------------------------------------------------------- normalisation

# Punctuation, dashes and whitespace: a run of them is one space.
_SEPARATORS = re.compile(r"[\"'«»“”„.,:;!?()\[\]{}/\\|*_#\u2010-\u2015\-\s]+")


def norm(text: object) -> str:
    """Lower-case, `ё`→`е`, `№`→`номер`, punctuation and dashes to spaces, spaces collapsed.

    The key used for every case- and space-insensitive match (tab names, headers, synonyms).
    """
    if text is None:
        return ""
    s = str(text).replace("\u00a0", " ").lower().replace("ё", "е").replace("№", " номер ")
    return _SEPARATORS.sub(" ", s).strip()


# --------------------------------------------------------------------------- service tabs

SERVICE_TABS = {
    "settings": "Настройки",
    "institutions": "Учреждения",
    "plan": "План",
    "criteria": "Критерии",
    "indicators": "Показатели мониторинга",
    "lists": "Списки",        # the template's hidden source of drop-down lists; never parsed
    "checks": "Проверка ОМП", # the list of issues `lib.export.annotate` / `lib.export.gsheet_marks` add; never parsed
}
_SERVICE_KEYS = {norm(v): k for k, v in SERVICE_TABS.items()}
_SERVICE_KEYS.update({"параметры": "settings", "организации": "institutions", "план работы": "plan",
                      "мониторинг показатели": "indicators", "показатели": "indicators"})


def service_tab_kind(tab_name: str) -> str | None:
    """Which service tab a tab name denotes ('settings', 'plan', …) or None for an institution tab."""
    return _SERVICE_KEYS.get(norm(tab_name))


# --------------------------------------------------------------------------- settings

SETTINGS_KEYS = {
    "omp_name": ("ОМП", ["омп", "наименование омп", "опорно методическая площадка", "название омп"]),
    "topic": ("Тема", ["тема", "тема омп"]),
    "year": ("Год", ["год", "отчетный год"]),
    "base_institution": ("Базовое учреждение", ["базовое учреждение", "учреждение база"]),
    "approve_position": ("Утверждаю (должность)", ["утверждаю должность"]),
    "approve_name": ("Утверждаю (ФИО)", ["утверждаю фио"]),
    "agree_position": ("Согласовано (должность)", ["согласовано должность"]),
    "agree_name": ("Согласовано (ФИО)", ["согласовано фио"]),
    "authority": ("Ведомство (в заголовках)", ["ведомство", "ведомство в заголовках", "орган власти"]),
    "title_with_base": ("Базовое учреждение в заголовке", ["базовое учреждение в заголовке", "на базе в заголовке"]),
}
SETTINGS_SYNONYMS = {syn: key for key, (_, syns) in SETTINGS_KEYS.items() for syn in syns}

# --------------------------------------------------------------------------- table headers


@dataclass(frozen=True)
class Column:
    key: str
    title: str            # the canonical header written by the template
    synonyms: tuple[str, ...]
    required: bool = False


def _cols(*cols: Column) -> dict[str, Column]:
    return {c.key: c for c in cols}


INSTITUTION_COLUMNS = _cols(
    Column("institution", "Учреждение", ("учреждение", "краткое наименование", "вкладка", "кцсон",
                                          "организация", "сокращенное наименование"), True),
    Column("full_name", "Полное наименование", ("полное наименование", "наименование полное",
                                                  "полное название")),
    Column("district", "Район", ("район", "муниципальный район", "округ", "муниципальный округ")),
    Column("responsible", "Ответственный", ("ответственный", "ответственное лицо", "фио ответственного")),
    Column("contacts", "Контакты", ("контакты", "телефон", "e mail", "email", "почта", "контактные данные")),
)

PLAN_COLUMNS = _cols(
    Column("item", "№", ("номер", "n", "п п", "номер п п", "n п п", "пункт", "номер пункта"), True),
    Column("section", "Раздел", ("раздел", "направление")),
    Column("title", "Мероприятие", ("мероприятие", "наименование мероприятия", "содержание",
                                    "наименование"), True),
    Column("deadline_text", "Сроки", ("сроки", "срок", "сроки исполнения", "сроки проведения",
                                      "срок исполнения", "сроки реализации")),
    Column("mechanism", "Механизм реализации", ("механизм реализации", "механизм реализации проекта",
                                                "механизм")),
    Column("expected_result", "Ожидаемый результат", ("ожидаемый результат", "результат")),
    Column("responsible", "Ответственный", ("ответственный", "ответственные", "исполнитель",
                                            "ответственный исполнитель")),
    Column("indicator", "Показатель", ("показатель", "вид мероприятия", "вид")),
    Column("count_what", "Считать", ("считать", "единица учета", "что считать")),
    Column("target", "Цель", ("цель", "плановое значение", "план", "целевое значение")),
    Column("target_period", "Период цели", ("период цели", "периодичность цели", "период")),
)

ACTIVITY_COLUMNS = _cols(
    Column("date", "Дата", ("дата", "дата проведения", "дата мероприятия", "когда", "число"), True),
    Column("type", "Вид мероприятия", ("вид мероприятия", "вид", "тип мероприятия", "форма мероприятия",
                                       "форма работы", "тип", "вид деятельности", "форма"), True),
    Column("plan_item", "Пункт плана", ("пункт плана", "п плана", "№ пункта плана", "номер пункта плана",
                                        "пункт", "№ плана", "пункт плана омп", "номер пункта")),
    Column("topic", "Тема / содержание", ("тема содержание", "тема", "содержание", "тема мероприятия",
                                          "наименование", "название", "наименование мероприятия",
                                          "описание")),
    Column("participants", "Участников", ("участников", "кол во участников", "количество участников",
                                          "участники", "охват", "число участников", "участников чел")),
    Column("specialists", "Специалистов", ("специалистов", "кол во специалистов",
                                           "количество специалистов", "из них специалистов",
                                           "специалисты")),
    Column("institutions_count", "Учреждений", ("учреждений", "кол во учреждений",
                                                "количество учреждений", "организаций",
                                                "количество организаций", "кцсон")),
    Column("link", "Ссылка / подтверждение", ("ссылка подтверждение", "ссылка", "подтверждение", "url",
                                              "ссылка на публикацию", "источник")),
    Column("note", "Примечание", ("примечание", "комментарий", "примечания")),
)

QUARTER_HEADERS = {
    1: ("i квартал", "1 квартал", "i кв", "1 кв", "q1", "1кв", "квартал 1", "i"),
    2: ("ii квартал", "2 квартал", "ii кв", "2 кв", "q2", "2кв", "квартал 2", "ii"),
    3: ("iii квартал", "3 квартал", "iii кв", "3 кв", "q3", "3кв", "квартал 3", "iii"),
    4: ("iv квартал", "4 квартал", "iv кв", "4 кв", "q4", "4кв", "квартал 4", "iv"),
}
MONITORING_COLUMNS = _cols(
    Column("indicator", "Показатель", ("показатель", "показатели", "наименование показателя",
                                       "показатель мониторинга"), True),
    *[Column(f"q{q}", quarter_name(q), syns) for q, syns in QUARTER_HEADERS.items()],
)

CRITERIA_COLUMNS = _cols(
    Column("criterion", "Критерий", ("критерий",), True),
    Column("kind", "Вид показателя", ("вид показателя", "вид", "тип показателя"), True),
    Column("indicator", "Показатель", ("показатель", "наименование показателя"), True),
    Column("source", "Источник", ("источник", "источники", "источник данных")),
)

INDICATOR_COLUMNS = _cols(
    Column("indicator", "Показатель", ("показатель", "наименование показателя"), True),
    Column("unit", "Единица", ("единица", "ед изм", "единица измерения")),
    Column("over_time", "За период", ("за период", "агрегирование по кварталам", "по кварталам")),
    Column("over_region", "По области", ("по области", "агрегирование по учреждениям", "по учреждениям")),
)

# --------------------------------------------------------------------------- activity types

GENDERS = ("m", "f", "n")


@dataclass(frozen=True)
class ActivityType:
    """One activity type and everything said about it, so that adding a type is this one declaration:
    how people spell it, the headline group it counts in, and the Russian grammar of the report's
    sentences («проведена 1 консультация», «разработано 2 буклета», «круглые столы»). The grammar has no
    default: a type declared without it fails at import."""
    name: str
    plural_forms: tuple[str, str, str]   # after a count of 1 / 2 / 5: «консультация / консультации / консультаций»
    plural_nominative: str               # «консультации», «круглые столы» — for headings and criteria sources
    gender: str                          # of the singular head noun, "m" / "f" / "n": «проведена 1 консультация»
    verb: str                            # the participle stem of the report: «проведен», «разработан», «размещен»
    group: str | None = None             # the overview's and report's headline group, if it is in one
    synonyms: tuple[str, ...] = ()
    stems: tuple[str, ...] = ()          # prefixes of the normalised text that also mean this type

    def __post_init__(self) -> None:
        problems = []
        if self.gender not in GENDERS:
            problems.append(f"gender {self.gender!r} is not one of {GENDERS}")
        if not (isinstance(self.verb, str) and self.verb.isalpha()):
            problems.append(f"verb stem {self.verb!r} is not a word")
        if len(self.plural_forms) != 3 or not all(isinstance(f, str) and f.strip() for f in self.plural_forms):
            problems.append(f"plural forms {self.plural_forms!r} are not three words (for 1 / 2 / 5)")
        if not (isinstance(self.plural_nominative, str) and self.plural_nominative.strip()):
            problems.append("the nominative plural is empty")
        if problems:
            raise ValueError(f"activity type «{self.name}»: " + "; ".join(problems))


ACTIVITY_TYPES: tuple[ActivityType, ...] = (
    ActivityType("консультация", ("консультация", "консультации", "консультаций"), "консультации",
                 gender="f", verb="проведен", group="Консультации",
                 synonyms=("консультирование", "консультативная помощь", "рабочая консультация",
                           "консультация совещание"), stems=("консульт",)),
    ActivityType("семинар", ("семинар", "семинара", "семинаров"), "семинары",
                 gender="m", verb="проведен", group="Семинары",
                 synonyms=("вебинар", "семинар практикум", "обучающий семинар", "практикум", "онлайн семинар",
                           "веб семинар"), stems=("семинар", "вебинар")),
    ActivityType("совещание", ("совещание", "совещания", "совещаний"), "совещания",
                 gender="n", verb="проведен",
                 synonyms=("рабочее совещание", "заседание", "заседание рабочей группы", "планерка",
                           "видеоконференция", "вкс"), stems=("совещан", "заседан")),
    ActivityType("круглый стол", ("круглый стол", "круглых стола", "круглых столов"), "круглые столы",
                 gender="m", verb="проведен", stems=("круглый стол",)),
    ActivityType("мастер-класс", ("мастер-класс", "мастер-класса", "мастер-классов"), "мастер-классы",
                 gender="m", verb="проведен", synonyms=("мк",), stems=("мастер класс",)),
    ActivityType("стажировка", ("стажировка", "стажировки", "стажировок"), "стажировки",
                 gender="f", verb="организован", synonyms=("стажировочная площадка",), stems=("стажиров",)),
    ActivityType("конференция", ("конференция", "конференции", "конференций"), "конференции",
                 gender="f", verb="проведен", synonyms=("форум", "научно практическая конференция"),
                 stems=("конференц", "форум")),
    ActivityType("выступление", ("выступление", "выступления", "выступлений"), "выступления",
                 gender="n", verb="подготовлен", synonyms=("доклад",), stems=("выступлен", "доклад")),
    ActivityType("публикация", ("публикация", "публикации", "публикаций"), "публикации",
                 gender="f", verb="размещен", group="Публикации",
                 synonyms=("статья", "пресс релиз", "пост", "новость", "размещение информации",
                           "информация на сайте", "пост вк", "заметка"),
                 stems=("публикац", "стать", "пресс релиз", "пост ")),
    ActivityType("буклет", ("буклет", "буклета", "буклетов"), "буклеты",
                 gender="m", verb="разработан", group="Материалы",
                 synonyms=("лифлет", "листовка", "памятка", "брошюра"),
                 stems=("буклет", "лифлет", "листовк", "памятк", "брошюр")),
    ActivityType("формуляр практики", ("формуляр практики", "формуляра практики", "формуляров практики"),
                 "формуляры практики", gender="m", verb="разработан", group="Материалы",
                 synonyms=("формуляр", "формуляр социальной практики"), stems=("формуляр",)),
    ActivityType("методические материалы", ("методический материал", "методических материала",
                                            "методических материалов"), "методические материалы",
                 gender="m", verb="разработан", group="Материалы",
                 synonyms=("методические рекомендации", "методическое пособие", "методичка",
                           "методический материал"), stems=("методическ",)),
    ActivityType("видеоматериал", ("видеоматериал", "видеоматериала", "видеоматериалов"), "видеоматериалы",
                 gender="m", verb="подготовлен", synonyms=("видеофильм", "видеоролик", "видео", "фильм", "ролик"),
                 stems=("видео",)),
    ActivityType("мероприятие для получателей", ("мероприятие для получателей", "мероприятия для получателей",
                                                 "мероприятий для получателей"), "мероприятия для получателей",
                 gender="n", verb="проведен",
                 synonyms=("мероприятие для получателей услуг", "акция", "фестиваль", "праздник", "экскурсия",
                           "соревнования"), stems=("мероприятие для получ", "фестивал", "акци")),
    ActivityType("соглашение", ("соглашение", "соглашения", "соглашений"), "соглашения",
                 gender="n", verb="заключен",
                 synonyms=("договор", "соглашение о сотрудничестве", "договор о сотрудничестве"),
                 stems=("соглашен", "договор")),
    ActivityType("мониторинг", ("мониторинг", "мониторинга", "мониторингов"), "мониторинги",
                 gender="m", verb="проведен", synonyms=("анализ", "аналитическая справка", "сбор отчетности"),
                 stems=("мониторинг",)),
    ActivityType("обучение специалистов", ("обучение специалистов", "обучения специалистов",
                                           "обучений специалистов"), "обучения специалистов",
                 gender="n", verb="проведен", synonyms=("обучение", "курсы", "повышение квалификации"),
                 stems=("обучени", "курсы повышения")),
)
ACTIVITY_TYPE_NAMES: tuple[str, ...] = tuple(t.name for t in ACTIVITY_TYPES)
ACTIVITY_TYPE_BY_NAME = {t.name: t for t in ACTIVITY_TYPES}

# Headline groups on the overview and in the report, in the order of their first type:
# «Консультации», «Семинары», «Публикации», «Материалы».
ACTIVITY_GROUPS: dict[str, tuple[str, ...]] = {}
for _t in ACTIVITY_TYPES:
    if _t.group:
        ACTIVITY_GROUPS[_t.group] = ACTIVITY_GROUPS.get(_t.group, ()) + (_t.name,)

_TYPE_EXACT = {norm(t.name): t.name for t in ACTIVITY_TYPES}
for _t in ACTIVITY_TYPES:
    for _s in _t.synonyms:
        _TYPE_EXACT.setdefault(norm(_s), _t.name)
_TYPE_STEMS = sorted(((norm(s) if not s.endswith(" ") else s, t.name) for t in ACTIVITY_TYPES for s in t.stems),
                     key=lambda p: -len(p[0]))


def canonical_activity_type(text: object) -> str | None:
    """Map what people type ("Семинар-практикум", "вебинар", "консультирование") to the vocabulary."""
    key = norm(text)
    if not key:
        return None
    if key in _TYPE_EXACT:
        return _TYPE_EXACT[key]
    if key.endswith("ы") or key.endswith("и"):   # plural of a known word: "семинары", "консультации"
        for cand in (key[:-1], key[:-1] + "а", key[:-1] + "я"):
            if cand in _TYPE_EXACT:
                return _TYPE_EXACT[cand]
    padded = key + " "
    for stem, name in _TYPE_STEMS:
        if padded.startswith(stem):
            return name
    return None


def exact_activity_type(text: object) -> str | None:
    """Like `canonical_activity_type`, but whole names and synonyms (and their plurals) only, no stems:
    «Мониторинг» is an activity type, «Мониторинг показателей» is not (it is a block title)."""
    key = norm(text)
    if key in _TYPE_EXACT:
        return _TYPE_EXACT[key]
    if key.endswith("ы") or key.endswith("и"):
        for cand in (key[:-1], key[:-1] + "а", key[:-1] + "я"):
            if cand in _TYPE_EXACT:
                return _TYPE_EXACT[cand]
    return None


COUNT_WHAT = {
    "мероприятия": "events",
    "участники": "participants",
    "специалисты": "specialists",
    "учреждения": "institutions_count",
}
COUNT_WHAT_SYNONYMS = {
    "мероприятия": "мероприятия", "мероприятий": "мероприятия", "штук": "мероприятия", "шт": "мероприятия",
    "количество": "мероприятия", "единиц": "мероприятия", "события": "мероприятия",
    "участники": "участники", "участников": "участники", "человек": "участники", "чел": "участники",
    "специалисты": "специалисты", "специалистов": "специалисты",
    "учреждения": "учреждения", "учреждений": "учреждения", "организации": "учреждения",
}
TARGET_PERIODS = {"год": "год", "в год": "год", "ежегодно": "год", "за год": "год",
                  "квартал": "квартал", "в квартал": "квартал", "ежеквартально": "квартал",
                  "месяц": "месяц", "в месяц": "месяц", "ежемесячно": "месяц"}

# --------------------------------------------------------------------------- monitoring indicators


@dataclass(frozen=True)
class MonitoringIndicator:
    name: str
    unit: str = "чел."
    over_time: str = "последнее"     # how quarters combine into a period: "сумма" or "последнее"
    over_region: str = "сумма"       # how institutions combine: "сумма" or "среднее"
    synonyms: tuple[str, ...] = ()

    @property
    def is_percent(self) -> bool:
        return self.unit.strip() == "%"


def read_indicators_file(path: Path = INDICATORS_FILE) -> tuple[MonitoringIndicator, ...]:
    """The monitoring indicators of a CSV file with the columns of the «Показатели мониторинга» tab
    (Показатель, Единица, За период, По области) plus «Синонимы» separated by «;»."""
    with path.open(encoding="utf-8", newline="") as fh:
        return tuple(MonitoringIndicator(row["Показатель"].strip(), row["Единица"].strip(), row["За период"].strip(),
                                         row["По области"].strip(),
                                         tuple(s.strip() for s in row["Синонимы"].split(";") if s.strip()))
                     for row in csv.DictReader(fh))


# The indicators a workbook without its own «Показатели мониторинга» tab is read with.
DEFAULT_MONITORING_INDICATORS: tuple[MonitoringIndicator, ...] = read_indicators_file()
