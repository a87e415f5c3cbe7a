"""The workbook contract: tab names, header synonyms, the activity-type vocabulary, default
monitoring indicators. Pure data plus the normalisation that matches people's spelling to it.

Everything topic-specific here is only a *default*: a workbook's own service tabs override it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

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
    *[Column(f"q{q}", ["I", "II", "III", "IV"][q - 1] + " квартал", syns) for q, syns in QUARTER_HEADERS.items()],
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


@dataclass(frozen=True)
class ActivityType:
    name: str
    plural_forms: tuple[str, str, str]   # 1 / 2 / 5 — "консультация / консультации / консультаций"
    synonyms: tuple[str, ...] = ()
    stems: tuple[str, ...] = ()          # prefixes of the normalised text that also mean this type


ACTIVITY_TYPES: tuple[ActivityType, ...] = (
    ActivityType("консультация", ("консультация", "консультации", "консультаций"),
                 ("консультирование", "консультативная помощь", "рабочая консультация",
                  "консультация совещание"), ("консульт",)),
    ActivityType("семинар", ("семинар", "семинара", "семинаров"),
                 ("вебинар", "семинар практикум", "обучающий семинар", "практикум", "онлайн семинар",
                  "веб семинар"), ("семинар", "вебинар")),
    ActivityType("совещание", ("совещание", "совещания", "совещаний"),
                 ("рабочее совещание", "заседание", "заседание рабочей группы", "планерка",
                  "видеоконференция", "вкс"), ("совещан", "заседан")),
    ActivityType("круглый стол", ("круглый стол", "круглых стола", "круглых столов"), (), ("круглый стол",)),
    ActivityType("мастер-класс", ("мастер-класс", "мастер-класса", "мастер-классов"), ("мк",), ("мастер класс",)),
    ActivityType("стажировка", ("стажировка", "стажировки", "стажировок"),
                 ("стажировочная площадка",), ("стажиров",)),
    ActivityType("конференция", ("конференция", "конференции", "конференций"),
                 ("форум", "научно практическая конференция"), ("конференц", "форум")),
    ActivityType("выступление", ("выступление", "выступления", "выступлений"), ("доклад",), ("выступлен", "доклад")),
    ActivityType("публикация", ("публикация", "публикации", "публикаций"),
                 ("статья", "пресс релиз", "пост", "новость", "размещение информации", "информация на сайте",
                  "пост вк", "заметка"), ("публикац", "стать", "пресс релиз", "пост ")),
    ActivityType("буклет", ("буклет", "буклета", "буклетов"), ("лифлет", "листовка", "памятка", "брошюра"),
                 ("буклет", "лифлет", "листовк", "памятк", "брошюр")),
    ActivityType("формуляр практики", ("формуляр практики", "формуляра практики", "формуляров практики"),
                 ("формуляр", "формуляр социальной практики"), ("формуляр",)),
    ActivityType("методические материалы", ("методический материал", "методических материала",
                                            "методических материалов"),
                 ("методические рекомендации", "методическое пособие", "методичка", "методический материал"),
                 ("методическ",)),
    ActivityType("видеоматериал", ("видеоматериал", "видеоматериала", "видеоматериалов"),
                 ("видеофильм", "видеоролик", "видео", "фильм", "ролик"), ("видео",)),
    ActivityType("мероприятие для получателей", ("мероприятие для получателей", "мероприятия для получателей",
                                                 "мероприятий для получателей"),
                 ("мероприятие для получателей услуг", "акция", "фестиваль", "праздник", "экскурсия",
                  "соревнования"), ("мероприятие для получ", "фестивал", "акци")),
    ActivityType("соглашение", ("соглашение", "соглашения", "соглашений"),
                 ("договор", "соглашение о сотрудничестве", "договор о сотрудничестве"), ("соглашен", "договор")),
    ActivityType("мониторинг", ("мониторинг", "мониторинга", "мониторингов"),
                 ("анализ", "аналитическая справка", "сбор отчетности"), ("мониторинг",)),
    ActivityType("обучение специалистов", ("обучение специалистов", "обучения специалистов",
                                           "обучений специалистов"),
                 ("обучение", "курсы", "повышение квалификации"), ("обучени", "курсы повышения")),
)
ACTIVITY_TYPE_NAMES: tuple[str, ...] = tuple(t.name for t in ACTIVITY_TYPES)
ACTIVITY_TYPE_BY_NAME = {t.name: t for t in ACTIVITY_TYPES}

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


# Headline groups on the overview and in the report.
ACTIVITY_GROUPS: dict[str, tuple[str, ...]] = {
    "Консультации": ("консультация",),
    "Семинары": ("семинар",),
    "Публикации": ("публикация",),
    "Материалы": ("буклет", "формуляр практики", "методические материалы"),
}

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


DEFAULT_MONITORING_INDICATORS: tuple[MonitoringIndicator, ...] = (
    MonitoringIndicator("Граждане с психическими расстройствами, обслуженные на дому",
                        synonyms=("обслужено на дому", "на дому", "форма социального обслуживания на дому")),
    MonitoringIndicator("Граждане с психическими расстройствами, обслуженные в полустационарной форме",
                        synonyms=("полустационарная форма", "в полустационарной форме", "полустационар")),
    MonitoringIndicator("Граждане с психическими расстройствами, обслуженные в стационарной форме",
                        synonyms=("стационарная форма", "в стационарной форме", "стационар")),
    MonitoringIndicator("Граждане с психическими расстройствами, охваченные СЗТ",
                        synonyms=("охвачено сзт", "стационарозамещающие технологии", "сзт")),
    MonitoringIndicator("Инвалиды в сопровождаемом проживании",
                        synonyms=("сопровождаемое проживание", "в сопровождаемом проживании")),
    MonitoringIndicator("Достижение показателей дорожной карты", unit="%", over_region="среднее",
                        synonyms=("дорожная карта", "достижение дорожной карты", "выполнение дорожной карты")),
    MonitoringIndicator("Открыто служб социально-реабилитационной помощи", unit="ед.", over_time="сумма",
                        synonyms=("открыто служб", "службы социально реабилитационной помощи")),
    MonitoringIndicator("Заключено соглашений о партнерстве и волонтерстве", unit="ед.", over_time="сумма",
                        synonyms=("заключено соглашений", "соглашения о партнерстве", "соглашения")),
)
