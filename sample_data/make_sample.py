"""Regenerate the demo workbook `sample_data/omp_2026_demo.xlsx`:

    python sample_data/make_sample.py [OUTPUT.xlsx]

Starts from the template (`lib.export.template`) and fills a realistic 2026 for all 28 centres: activities
from January to mid-November tied to the plan in `plan_2026.json`, quarterly monitoring figures, a
few centres behind, and a handful of the mistakes real people make (listed in `PLANTED` and printed
at the end). Deterministic: `random.Random(2026)`, no use of the current date, fixed workbook
timestamps, so a re-run gives a byte-identical file.
"""
from __future__ import annotations

import io
import random
import re
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from openpyxl.utils import get_column_letter  # noqa: E402

from lib.export import template as T  # noqa: E402
from lib.model.contract import DEFAULT_MONITORING_INDICATORS  # noqa: E402

OUTPUT = Path(__file__).resolve().parent / "omp_2026_demo.xlsx"
YEAR = 2026
LAST_DAY = date(2026, 11, 13)                  # the demo is "as of" mid-November 2026
FIXED_TIME = datetime(2026, 11, 16, 9, 0, 0)   # workbook created / modified
SEED = 2026

BASE = "КЦСОН Кичменгско-Городецкого"
BEHIND = ("КЦСОН Вашкинского района", "КЦСОН Сямженского района", "КЦСОН Междуреченского района")
BLANK_MONITORING = ("КЦСОН Харовского района", "КЦСОН Никольского района")
UNLISTED = "КЦСОН Нюксенского района"           # has a tab, but missing from «Учреждения»
TRAILING_SPACE = "КЦСОН Кадуйского района"      # its tab name gets a trailing space
REORDERED = "КЦСОН Череповецкого района"        # columns in another order
EXTRA_COLUMN = "КЦСОН г. Вологды"               # one column the contract does not know
EXTRA_COLUMN_TITLE = "Ответственный специалист"
REORDERED_KEYS = ("date", "topic", "type", "plan_item", "participants", "specialists", "institutions_count",
                  "note", "link")

# Relative size of a centre (people served), for plausible monitoring figures and row counts.
SIZE = {"КЦСОН г. Вологды": 3.0, "КЦСОН «Забота»": 2.8, "КЦСОН Вологодского района": 1.8,
        "КЦСОН Великоустюгского района": 1.7, "КЦСОН Череповецкого района": 1.5, "КЦСОН Сокольского района": 1.5,
        "КЦСОН Грязовецкого района": 1.3, "КЦСОН Шекснинского района": 1.3, "КЦСОН Тотемского района": 1.2,
        "КЦСОН Вытегорского района": 1.1, "КЦСОН Кичменгско-Городецкого": 1.1, "КЦСОН Вашкинского района": 0.5,
        "КЦСОН Сямженского района": 0.6, "КЦСОН Усть-Кубинского района": 0.6, "КЦСОН Междуреченского района": 0.5,
        "КЦСОН Нюксенского района": 0.6, "КЦСОН Верховажского района": 0.7, "КЦСОН Бабушкинского района": 0.7}
WITH_STATIONARY = ("КЦСОН г. Вологды", "КЦСОН «Забота»", "КЦСОН Тотемского района", "КЦСОН Великоустюгского района",
                   "КЦСОН Кичменгско-Городецкого", "КЦСОН Сокольского района")

SURNAMES = ("Смирнова", "Попова", "Кузнецова", "Соколова", "Лебедева", "Новикова", "Морозова", "Волкова",
            "Павлова", "Белова", "Комарова", "Орлова", "Зайцева", "Медведева", "Шилова", "Тихомирова",
            "Карпова", "Баранова", "Коновалова", "Суханова", "Малышева", "Рябова", "Голубева", "Широкова",
            "Лапина", "Пестова", "Чернышева", "Третьякова", "Малахова", "Кудрявцева")
INITIALS = "АВГЕИЛМНОСТЮ"
POSITIONS = ("заведующий отделением социальной реабилитации", "специалист по социальной работе",
             "заместитель директора", "заведующий отделением дневного пребывания", "психолог")

HOLIDAYS = {date(2026, 2, 23), date(2026, 3, 9), date(2026, 5, 1), date(2026, 5, 11), date(2026, 6, 12),
            date(2026, 11, 4)} | {date(2026, 1, d) for d in range(1, 12)}
SEMINARS = (date(2026, 3, 20), date(2026, 7, 15), date(2026, 9, 18))

PLANTED: list[dict] = []   # filled by build_sample(): the deliberate mistakes, each with its cell

# --------------------------------------------------------------------------- texts

THEMES_GEN = (  # "по вопросам …" — genitive phrases
    "организации сопровождаемого проживания инвалидов с ментальными нарушениями",
    "применения технологии «серебряного» волонтерства",
    "достижения показателей дорожной карты по СЗТ",
    "открытия службы дневного пребывания",
    "заполнения мониторинга по стационарозамещающим технологиям",
    "социальной занятости инвалидов молодого возраста",
    "подготовки формуляра социальной практики",
    "заключения соглашений о социальном партнерстве",
    "применения арттерапевтических методов (Арт-классика)",
    "организации учебного сопровождаемого проживания",
    "работы школы ухода для родственников",
    "межведомственного взаимодействия с учреждениями здравоохранения",
)
# A text is either plain (any day) or (text, (month, day), (month, day)): the days it can happen on.
AFTER_SEMINARS = (((3, 23), (4, 3)), ((7, 16), (7, 28)), ((9, 21), (10, 2)))
POST_TITLES = (
    "Как работает служба сопровождаемого проживания",
    "Серебряные волонтеры провели мастер-класс для получателей услуг",
    *[("Специалисты центра приняли участие в семинаре ОМП по стационарозамещающим технологиям", a, b)
      for a, b in AFTER_SEMINARS],
    "Арт-классика: занятия в отделении дневного пребывания",
    ("Наши подопечные приняли участие в экологической акции", (4, 20), (9, 30)),
    "Учебная квартира: первые шаги к самостоятельной жизни",
    "Школа ухода для родственников: итоги занятий",
    "День открытых дверей в отделении социальной реабилитации",
    ("Изделия трудовой мастерской — на районной ярмарке", (8, 1), (10, 15)),
    "Спортивный праздник для людей с ментальной инвалидностью",
    "Социальная занятость: первый опыт трудоустройства",
    "Как получить услуги в полустационарной форме",
    ("Волонтеры помогли подготовить огород к зиме", (9, 14), (10, 30)),
    "Подопечные отделения побывали в краеведческом музее",
    "Новые формы работы с гражданами с психическими расстройствами",
    "Творческая мастерская «Радуга»: выставка работ",
    ("Масленичные гуляния в отделении дневного пребывания", (2, 16), (2, 27)),
    ("Подопечные поздравили ветеранов с Днем Победы", (5, 4), (5, 15)),
)
BASE_SITE_NEWS = (   # the ОМП's own page (plan 3.1), in date order
    ("Опубликован план работы ОМП на 2026 год", (1, 12), (1, 30)),
    ("Анонс областного совещания по стационарозамещающим технологиям", (2, 9), (2, 27)),
    ("Лучшие практики КЦСОН: учебная квартира", (2, 2), (2, 27)),
    ("Анонс семинара-практикума 20 марта", (3, 2), (3, 18)),
    ("Итоги семинара-практикума «Стационарозамещающие технологии: лучшие практики КЦСОН области»",
     (3, 23), (3, 25)),
    ("Итоги областного совещания руководителей социально-реабилитационных отделений", (3, 27), (3, 31)),
    ("Мониторинг СЗТ за I квартал: основные итоги", (4, 6), (4, 17)),
    ("Формуляр практики «Учебная квартира» — в региональном банке практик", (4, 27), (4, 30)),
    ("Практика «Доброград»: помогаем семьям участников СВО", (5, 20), (5, 29)),
    ("Серебряные волонтеры: опыт КЦСОН области", (5, 12), (5, 19)),
    ("Новые методические рекомендации по учебному сопровождаемому проживанию", (6, 5), (6, 19)),
    ("Подведены итоги работы ОМП за 1 полугодие", (6, 29), (6, 30)),
    ("Анонс семинара-практикума 15 июля", (7, 1), (7, 10)),
    ("Итоги семинара-практикума по сопровождаемому проживанию и социальной занятости", (7, 16), (7, 24)),
    ("Межрегиональное сотрудничество: соглашение с КЦСОН Подосиновского района", (8, 21), (8, 31)),
    ("Арт-классика: арттерапевтические методы в работе с гражданами с ментальной инвалидностью", (8, 3), (8, 14)),
    ("Анонс семинара 18 сентября", (9, 1), (9, 11)),
    ("Итоги семинара «Серебряное волонтерство и арт-терапия»", (9, 21), (9, 30)),
    ("Мониторинг СЗТ за III квартал: итоги", (10, 5), (10, 14)),
    ("Лучшие практики КЦСОН: трудовые мастерские", (10, 19), (10, 30)),
    ("Выступление на областном форуме «Активное долголетие»", (10, 16), (10, 23)),
    ("Анонс межрегионального фестиваля спорта и творчества инвалидов", (11, 2), (11, 13)),
)
BOOKLETS = (
    "Сопровождаемое проживание: шаг к самостоятельности", "Серебряное волонтерство: помогаем вместе",
    "Арт-терапия в работе с людьми с ментальной инвалидностью", "Памятка для родственников: уход на дому",
    "Служба дневного пребывания: как получить услугу", "Социальная занятость инвалидов молодого возраста",
    "Школа ухода: советы специалистов", "Учебная квартира", "Стационарозамещающие технологии в нашем центре",
    "Социальный туризм для людей с ментальными нарушениями", "Трудовые мастерские: навыки для жизни",
    "Пункт проката технических средств реабилитации",
)
PARTNERS = ("районным отделением Всероссийского общества инвалидов", "районной центральной библиотекой",
            "волонтерским отрядом «Добрые сердца»", "районным домом культуры", "центральной районной больницей",
            "местным отделением «Молодой гвардии»", "районным советом ветеранов", "Центром занятости населения",
            "сельскохозяйственным кооперативом (трудоустройство инвалидов)", "АНО «Серебряный возраст»")
CLIENT_EVENTS = (
    ("Экологическая акция «Чистый двор» с участием получателей услуг с ментальными нарушениями", (4, 20), (5, 29)),
    "Спортивный праздник «Движение — жизнь» для получателей социальных услуг",
    "Экскурсия в краеведческий музей для получателей услуг отделения дневного пребывания",
    ("Праздничная программа «Широкая Масленица» для получателей услуг", (2, 16), (2, 20)),
    ("Арт-терапевтическое занятие «Краски осени»", (9, 14), (10, 30)),
    ("Концерт ко Дню пожилого человека с участием подопечных", (9, 28), (10, 2)),
    ("Акция «Георгиевская ленточка» с участием получателей услуг", (5, 4), (5, 8)),
    "Выставка работ творческой мастерской",
    ("Прогулка по экологической тропе для получателей услуг отделения", (6, 1), (9, 15)),
    "Кулинарный день в учебной квартире",
    ("Праздник «День семьи, любви и верности» для получателей услуг", (7, 6), (7, 10)),
    ("Новогодний утренник для получателей услуг отделения", (1, 12), (1, 16)),
    ("Декада инвалидов: турнир по настольным играм", (11, 2), (11, 13)),
)
MASTER_CLASSES = ("Мастер-класс по изготовлению сувениров (серебряные волонтеры)",
                  "Мастер-класс по кулинарии в учебной квартире", "Мастер-класс по пластилинографии",
                  "Мастер-класс по валянию из шерсти для получателей услуг",
                  ("Мастер-класс «Пасхальный сувенир»", (3, 30), (4, 10)),
                  ("Мастер-класс по скандинавской ходьбе", (5, 12), (9, 30)))
INTERNAL_SEMINARS = (
    "Семинар для специалистов отделения «Методы арт-терапии в работе с инвалидами с ментальными нарушениями»",
    "Обучающий семинар для социальных работников «Обслуживание на дому граждан с психическими расстройствами»",
    "Семинар-практикум «Сопровождаемое проживание: от теории к практике»",
    "Семинар «Профилактика профессионального выгорания специалистов»",
    "Семинар-практикум «Социальная занятость инвалидов молодого возраста»",
)
FAMILY_CONSULTATIONS = (
    "Консультирование родственников граждан с психическими расстройствами по вопросам обслуживания на дому",
    "Консультация семьи, воспитывающей ребенка-инвалида с ментальными нарушениями, о мерах поддержки",
    "Консультация по вопросам оформления в отделение дневного пребывания",
    "Консультация родственников по организации ухода (школа ухода)",
    "Консультация опекуна по вопросам сопровождаемого проживания",
)
MEETINGS = ("Рабочее совещание специалистов отделения по реализации плана ОМП",
            "Совещание при директоре: выполнение дорожной карты по СЗТ",
            "Рабочее совещание по подготовке мониторинга СЗТ",
            "Заседание рабочей группы по сопровождаемому проживанию")
TRAININGS = ("Повышение квалификации «Социальная реабилитация инвалидов с ментальными нарушениями» (72 часа)",
             "Обучение специалистов по программе «Технологии сопровождаемого проживания» (36 часов)",
             "Вебинар-обучение «Арт-терапия в социальном обслуживании» (сертификат)")
ROUND_TABLES = ("Круглый стол «Межведомственное взаимодействие в сопровождении граждан с психическими расстройствами»",
                "Круглый стол «Семья и ментальная инвалидность: пути поддержки»",
                "Круглый стол с представителями здравоохранения и образования по социальной занятости инвалидов")
VIDEOS = ("Видеоролик «Один день в учебной квартире»", "Видеоролик о практике «Арт-классика»",
          "Видеоролик «Наши серебряные волонтеры»", "Видеосюжет о трудовой мастерской отделения")
METHODICAL = ("Методические рекомендации «Организация учебного сопровождаемого проживания»",
              "Методическое пособие «Арт-терапия в работе с гражданами с ментальными нарушениями»",
              "Методические рекомендации для социальных работников по обслуживанию на дому граждан с психическими "
              "расстройствами")
QUARTER_WORDS = {1: "I квартал", 2: "II квартал", 3: "III квартал", 4: "IV квартал"}


# --------------------------------------------------------------------------- rows


@dataclass
class Row:
    day: date | None
    type: str
    plan_item: str = ""
    topic: str = ""
    participants: object = None
    specialists: object = None
    institutions_count: object = None
    link: str = ""
    note: str = ""
    date_text: str | None = None        # the date as typed, when it is text
    plant: list[tuple[str, str]] = field(default_factory=list)   # (kind, column key) planted here
    extra: str = ""                     # the value of the extra column (one tab)

    def values(self) -> dict[str, object]:
        when = self.date_text if self.date_text is not None else (
            datetime(self.day.year, self.day.month, self.day.day) if self.day else None)
        return {"date": when, "type": self.type, "plan_item": self.plan_item, "topic": self.topic,
                "participants": self.participants, "specialists": self.specialists,
                "institutions_count": self.institutions_count, "link": self.link, "note": self.note}


BLANK = "blank row"
TITLE = "title row"


class Generator:
    def __init__(self, institutions: list[dict]):
        self.rng = random.Random(SEED)
        self.names = [i["institution"] for i in institutions]
        self.others = [n for n in self.names if n != BASE]
        self.vk = {n: self.rng.randint(100_000_000, 230_000_000) for n in self.names}
        self.post = {n: self.rng.randint(300, 4000) for n in self.names}

    # -- helpers
    def workday(self, start: date, end: date) -> date:
        end = min(end, LAST_DAY)
        if not any((start + timedelta(days=i)).weekday() < 5 for i in range((end - start).days + 1)):
            raise ValueError(f"no working day between {start} and {end}")
        while True:
            d = start + timedelta(days=self.rng.randint(0, (end - start).days))
            if d.weekday() < 5 and d not in HOLIDAYS:
                return d

    def window(self, text, start: date, end: date) -> tuple[date, date] | None:
        """The days (first, last) a text can happen on within [start, end], or None."""
        if isinstance(text, str):
            return start, min(end, LAST_DAY)
        _, (m1, d1), (m2, d2) = text
        lo, hi = max(start, date(YEAR, m1, d1)), min(end, LAST_DAY, date(YEAR, m2, d2))
        return (lo, hi) if lo <= hi and any((lo + timedelta(days=i)).weekday() < 5
                                            for i in range((hi - lo).days + 1)) else None

    def pick(self, options, start: date, end: date) -> tuple[str, date]:
        """A text that fits the period and a working day for it."""
        fitting = [(o, w) for o in options if (w := self.window(o, start, end))]
        text, (lo, hi) = self.rng.choice(fitting)
        return (text if isinstance(text, str) else text[0]), self.workday(lo, hi)

    def vk_link(self, name: str, kind: str = "wall") -> str:
        """A VK link; numbered in date order by `renumber_links` once a tab's rows are sorted."""
        return f"https://vk.com/{kind}-{self.vk[name]}_"

    def renumber_links(self, name: str, rows: list) -> None:
        post = self.post[name]
        for row in rows:
            if isinstance(row, Row) and row.link.startswith("https://vk.com/"):
                post += self.rng.randint(3, 25)
                row.link = f"{row.link.rsplit('_', 1)[0]}_{post}"

    def other(self, exclude: str = "") -> str:
        return self.rng.choice([n for n in self.others if n != exclude])

    # -- the base centre: the ОМП's own plan
    def base_rows(self) -> list[Row]:
        rng, rows = self.rng, []
        quarters = {1: (date(2026, 1, 12), date(2026, 3, 31), 11), 2: (date(2026, 4, 1), date(2026, 6, 30), 10),
                    3: (date(2026, 7, 1), date(2026, 9, 30), 12), 4: (date(2026, 10, 1), LAST_DAY, 6)}
        negotiation = ("Переговоры с {i} по выполнению плана мероприятий по применению СЗТ",
                       "Рабочая консультация (онлайн) со специалистами {i} по вопросам {t}",
                       "Телефонные переговоры с {i}: мониторинг СЗТ за {q}",
                       "Посещение {i}: изучение опыта работы отделения социальной реабилитации",
                       "Консультация специалистов {i} по вопросам {t}")
        for q, (start, end, n) in quarters.items():
            for _ in range(n):
                people = rng.randint(1, 4)
                rows.append(Row(self.workday(start, end), "консультация", "1.3",
                                rng.choice(negotiation).format(i=self.other(), t=rng.choice(THEMES_GEN),
                                                               q=QUARTER_WORDS[max(q - 1, 1)]),
                                people, people, 1))
            for _ in range(rng.randint(2, 4)):
                rows.append(Row(self.workday(start, end), "консультация", "2.6",
                                f"Консультативная помощь специалистам {self.other()} по вопросам "
                                f"{rng.choice(THEMES_GEN)}", 2, 2, 1))
        for d in (date(2026, 3, 31), date(2026, 5, 29), date(2026, 9, 30)):
            rows.append(Row(d, "консультация", "1.4", "Рабочая консультация-совещание с психологами КЦСОН «Забота» и "
                            "КЦСОН Великоустюгского района: методика психологическо-педагогических практик",
                            7, 7, 3, "", "онлайн"))
        rows.append(Row(date(2026, 3, 26), "совещание", "1.2",
                        "Областное совещание с руководителями и специалистами социально-реабилитационных отделений: "
                        "итоги 2025 года, инновационные СЗТ, серебряное волонтерство, сопровождаемое проживание",
                        64, 64, 28, self.vk_link(BASE), "онлайн"))
        rows.append(Row(date(2026, 11, 10), "совещание", "1.5",
                        "Рабочее совещание по подготовке межрегионального фестиваля спорта и творчества инвалидов",
                        9, 9, 1))
        seminar_topics = ("Областной семинар-практикум «Стационарозамещающие технологии: лучшие практики КЦСОН "
                          "области»",
                          "Семинар-практикум «Сопровождаемое проживание и социальная занятость инвалидов с "
                          "ментальными нарушениями: опыт КЦСОН»",
                          "Семинар «Серебряное волонтерство и арт-терапия в работе с гражданами с психическими "
                          "расстройствами»")
        for d, topic in zip(SEMINARS, seminar_topics):
            people = rng.randint(45, 72)
            rows.append(Row(d, "семинар", "2.2", topic, people, people, rng.randint(22, 28),
                            self.vk_link(BASE), "онлайн, платформа «Сферум»"))
        for start, end, item, what in ((date(2026, 3, 23), date(2026, 3, 31), "2.1", "за I квартал"),
                                       (date(2026, 6, 22), date(2026, 6, 30), "2.1", "за II квартал"),
                                       (date(2026, 9, 21), date(2026, 9, 30), "2.1", "за III квартал"),
                                       (date(2026, 6, 15), date(2026, 6, 26), "2.10", "за 1 полугодие")):
            rows.append(Row(self.workday(start, end), "мониторинг", item,
                            ("Мониторинг предоставления социального обслуживания гражданам с психическими "
                             f"расстройствами {what}: сбор и анализ данных КЦСОН")
                            if item == "2.1" else
                            f"Анализ деятельности социально-реабилитационных отделений КЦСОН {what}, "
                            "аналитическая справка", None, None, 28))
        rows.append(Row(date(2026, 6, 29), "мониторинг", "3.3",
                        "Аналитический отчет о применении СЗТ за 1 полугодие направлен в Министерство", None, None, 28))
        rows.append(Row(date(2026, 6, 30), "мониторинг", "3.4",
                        "Информация по форме «Стационарозамещающие технологии» за 1 полугодие 2026 года", None, None, 28))
        for i, month in enumerate(range(1, 12)):
            for _ in range(1 if month in (1, 5, 8, 11) else 2 if month in (3, 10) else 1):
                d = self.workday(date(2026, month, 1), date(2026, month, 28))
                title = BOOKLETS[(i * 5 + rng.randint(0, 3)) % len(BOOKLETS)]
                rows.append(Row(d, "буклет", "2.4", f"Буклет «{title}»", None, None, None, self.vk_link(BASE),
                                f"тираж {rng.choice((30, 50, 50, 100))} экз."))
        for d, text in ((date(2026, 1, 20), "На сайте учреждения размещен план работы ОМП на 2026 год"),
                        (date(2026, 2, 5), "План работы ОМП размещен на сайте Министерства социальной защиты "
                                           "населения области")):
            rows.append(Row(d, "публикация", "1.1", text, None, None, None, self.vk_link(BASE)))
        for news in BASE_SITE_NEWS:
            text, day = self.pick([news], date(YEAR, 1, 1), LAST_DAY)
            rows.append(Row(day, "публикация", "3.1", f"Вкладка «Опорно-методическая площадка» на сайте: {text}",
                            None, None, None, self.vk_link(BASE), "продублировано в группе ВКонтакте"))
        rows.append(Row(date(2026, 4, 24), "формуляр практики", "2.3",
                        "Формуляр социальной практики «Учебная квартира» направлен в региональный банк практик",
                        None, None, 1))
        rows.append(Row(date(2026, 6, 19), "формуляр практики", "2.7",
                        "Формуляр практики «Трудовой старт»: комбинированная система сопровождаемого проживания и "
                        "трудоустройства инвалидов с ментальными нарушениями", None, None, 1, "", "направлен в Банк "
                        "социальных практик"))
        rows.append(Row(date(2026, 7, 27), "формуляр практики", "2.3",
                        "Формуляр социальной практики «Серебряная нить» (серебряное волонтерство)", None, None, 1))
        for d, text in ((date(2026, 4, 22), "Экологическая акция «Чистый берег» (практика «Доброград») с участием "
                                            "получателей услуг с ментальными нарушениями"),
                        (date(2026, 5, 20), "«Доброград»: помощь семье участника СВО в уборке приусадебного участка"),
                        (date(2026, 6, 17), "«Доброград»: высадка цветов в сквере с участием детей-инвалидов"),
                        (date(2026, 8, 12), "«Доброград»: заготовка дров для семьи участника СВО"),
                        (date(2026, 9, 9), "Экологическая акция «Чистый лес» (практика «Доброград»)")):
            people = rng.randint(8, 16)
            rows.append(Row(d, "мероприятие для получателей", "2.8", text, people, rng.randint(2, 4), 1,
                            self.vk_link(BASE)))
        for d, text in ((date(2026, 2, 18), "Выступление на заседании коллегии Министерства социальной защиты "
                                            "населения области: итоги работы ОМП в 2025 году"),
                        (date(2026, 5, 27), "Доклад на межрегиональной конференции «Социальная реабилитация "
                                            "инвалидов с ментальными нарушениями: опыт регионов»"),
                        (date(2026, 10, 15), "Выступление на областном форуме «Активное долголетие»: серебряное "
                                             "волонтерство в работе с гражданами с ментальной инвалидностью")):
            rows.append(Row(d, "выступление", "2.5", text, rng.randint(40, 120), None, None))
        rows.append(Row(date(2026, 4, 15), "стажировка", "2.9",
                        "Изучение опыта КЦСОН Подосиновского района Кировской области (выезд)", 3, 3, 1))
        rows.append(Row(date(2026, 9, 23), "консультация", "2.9",
                        "Онлайн-встреча с Туровецким домом-интернатом (Архангельская область): обмен опытом", 4, 4, 2))
        rows.append(Row(date(2026, 5, 14), "соглашение", "1.2",
                        "Соглашение о сотрудничестве с АНО «Серебряный возраст» (серебряное волонтерство)",
                        None, None, 1))
        rows.append(Row(date(2026, 8, 20), "соглашение", "1.2",
                        "Соглашение о межрегиональном сотрудничестве с КЦСОН Подосиновского района Кировской области",
                        None, None, 1))
        rows.append(Row(date(2026, 6, 4), "методические материалы", "1.4", METHODICAL[0], None, None, None))
        rows.append(Row(date(2026, 10, 21), "видеоматериал", "2.4", VIDEOS[1], None, None, None,
                        self.vk_link(BASE, "video")))
        rows.append(Row(date(2026, 2, 12), "обучение специалистов", "", TRAININGS[1], 3, 3, 1))
        rows.sort(key=lambda r: r.day)
        return rows

    # -- any other centre
    def centre_rows(self, name: str) -> list[Row]:
        rng = self.rng
        behind = name in BEHIND
        end = date(2026, 6, 30) if behind else LAST_DAY
        size = SIZE.get(name, 1.0)
        n = rng.randint(10, 18) if behind else min(60, max(20, round(rng.randint(22, 42) * (0.8 + size / 5))))
        start = date(2026, 1, 12)
        weights = {"консультация": 22, "публикация": 20, "мероприятие для получателей": 11, "семинар": 5,
                   "мастер-класс": 6, "совещание": 5, "соглашение": 3, "обучение специалистов": 2,
                   "круглый стол": 2, "видеоматериал": 3, "методические материалы": 1}
        kinds = rng.choices(list(weights), weights=list(weights.values()), k=n)
        rows = [self.centre_row(name, kind, start, end) for kind in kinds]
        for _ in range(rng.choice((1, 1, 2))):      # plan 3.2: at least one booklet per centre
            rows.append(Row(self.workday(start, end), "буклет", "3.2", f"Буклет «{rng.choice(BOOKLETS)}»",
                            None, None, None, self.vk_link(name), f"тираж {rng.choice((20, 30, 50))} экз."))
        return sorted(rows, key=lambda r: r.day)

    def centre_row(self, name: str, kind: str, start: date, end: date) -> Row:
        rng = self.rng
        day = self.workday(start, end)
        if kind == "консультация":
            if rng.random() < 0.45:
                people = rng.randint(1, 3)
                return Row(day, kind, "2.6", f"Получена консультация специалистов ОМП по вопросам "
                           f"{rng.choice(THEMES_GEN)}", people, rng.randint(1, people), 1)
            people = rng.randint(1, 6)
            return Row(day, kind, "", rng.choice(FAMILY_CONSULTATIONS), people, rng.randint(0, 1), 1)
        if kind == "публикация":
            text, day = self.pick(POST_TITLES, start, end)
            return Row(day, kind, "3.2" if rng.random() < 0.5 else "", f"Пост в группе ВКонтакте: «{text}»",
                       None, None, None, self.vk_link(name))
        if kind == "мероприятие для получателей":
            people = rng.randint(6, 30)
            text, day = self.pick(CLIENT_EVENTS, start, end)
            return Row(day, kind, "", text, people, rng.randint(2, 5), 1,
                       self.vk_link(name) if rng.random() < 0.5 else "")
        if kind == "мастер-класс":
            text, day = self.pick(MASTER_CLASSES, start, end)
            return Row(day, kind, "", text, rng.randint(5, 15), rng.randint(1, 3), 1)
        if kind == "семинар":
            people = rng.randint(6, 25)
            return Row(day, kind, "", rng.choice(INTERNAL_SEMINARS), people, people, 1)
        if kind == "совещание":
            people = rng.randint(5, 12)
            return Row(day, kind, "", rng.choice(MEETINGS), people, people, 1)
        if kind == "соглашение":
            return Row(day, kind, "1.2", f"Соглашение о сотрудничестве с {rng.choice(PARTNERS)}", None, None,
                       rng.randint(1, 2), "", "оригинал в отделении")
        if kind == "обучение специалистов":
            people = rng.randint(1, 3)
            return Row(day, kind, "", rng.choice(TRAININGS), people, people, 1)
        if kind == "круглый стол":
            people = rng.randint(12, 22)
            return Row(day, kind, "", rng.choice(ROUND_TABLES), people, rng.randint(6, 12), rng.randint(3, 6))
        if kind == "видеоматериал":
            return Row(day, kind, "", rng.choice(VIDEOS), None, None, None, self.vk_link(name, "video"))
        return Row(day, kind, "", rng.choice(METHODICAL), None, None, None)

    def seminar_talks(self, rows_by_tab: dict[str, list[Row]]) -> None:
        """Three or four centres present their practice at each of the ОМП's seminars (plan 2.2),
        a few speak at the collegium and conferences (2.5), one sends a practice formulary (2.3)."""
        rng = self.rng
        for d in SEMINARS:
            for name in rng.sample([n for n in self.others if n not in BEHIND or d.month < 7], 4):
                rows_by_tab[name].append(Row(d, "выступление", "2.2", f"Выступление на семинаре ОМП "
                                         f"{d:%d.%m.%Y}: опыт по вопросам {rng.choice(THEMES_GEN)}",
                                         rng.randint(40, 70), None, None))
        for name in rng.sample([n for n in self.others if n not in BEHIND], 5):
            rows_by_tab[name].append(Row(self.workday(date(2026, 2, 1), LAST_DAY), "выступление", "2.5",
                                         "Доклад на областной конференции «Стационарозамещающие технологии: "
                                         "опыт муниципальных округов»", rng.randint(30, 90), None, None))
        for name, practice in (("КЦСОН Великоустюгского района", "Арт-классика"),):   # 2.3 lags behind
            rows_by_tab[name].append(Row(self.workday(date(2026, 4, 1), date(2026, 10, 30)), "формуляр практики",
                                         "2.3", f"Формуляр социальной практики «{practice}» направлен в "
                                         "региональный банк практик", None, None, 1))
        for name, rows in rows_by_tab.items():
            rows.sort(key=lambda r: r.day)
            self.renumber_links(name, rows)


# --------------------------------------------------------------------------- monitoring


def monitoring_values(rng: random.Random, name: str) -> dict[str, list]:
    """Per indicator, the four quarter values (None: not reported). Q4 is not over yet: blank."""
    size = SIZE.get(name, 1.0)
    quarters = 2 if name in BEHIND else 3
    home = round(size * rng.randint(18, 34))
    semi = round(size * rng.randint(5, 12))
    stat = round(size * rng.randint(6, 14)) if name in WITH_STATIONARY else 0
    supported = rng.randint(0, 3) if size < 1.2 else rng.randint(2, 7)
    road = rng.randint(60, 80)
    values: dict[str, list] = {ind.name: [] for ind in DEFAULT_MONITORING_INDICATORS}
    names = [ind.name for ind in DEFAULT_MONITORING_INDICATORS]
    for q in range(4):
        if q >= quarters:
            for key in names:
                values[key].append(None)
            continue
        home += rng.randint(-1, 3)
        semi += rng.randint(0, 2)
        stat += rng.randint(0, 1) if stat else 0
        supported += rng.choice((0, 0, 1)) if q else 0
        road = min(100, road + (rng.randint(4, 10) if q else 0))
        szt = round((home * rng.uniform(0.25, 0.4)) + semi)
        for key, value in zip(names, (home, semi, stat, szt, supported, road, rng.choice((0, 0, 0, 1)),
                                      rng.choice((0, 1, 1, 2, 3)))):
            values[key].append(value)
    return values


# --------------------------------------------------------------------------- planted mistakes


def _first(rows: list[Row], pred) -> Row:
    return next(r for r in rows if pred(r))


def plant_mistakes(rows_by_tab: dict[str, list]) -> None:
    """The mistakes real people make, each of a different kind, on different tabs."""
    def plant(tab: str, pred, kind: str, key: str, **changes) -> None:
        row = _first(rows_by_tab[tab], pred)
        for attr, value in changes.items():
            setattr(row, attr, value)
        row.plant.append((kind, key))

    in_month = lambda m: (lambda r: isinstance(r, Row) and r.day and r.day.month == m and not r.plant)  # noqa: E731
    typed = lambda t, m=None: (lambda r: isinstance(r, Row) and r.type == t and not r.plant  # noqa: E731
                               and (m is None or r.day.month == m))
    plant("КЦСОН Белозерского района", in_month(3), "text date «15.03.26»", "date",
          day=date(2026, 3, 15), date_text="15.03.26")
    plant("КЦСОН Грязовецкого района", in_month(2), "nonexistent date «31.02.2026»", "date",
          date_text="31.02.2026")
    plant("КЦСОН Сокольского района", typed("семинар"), "type «Вебинар» (synonym)", "type",
          type="Вебинар", topic="Вебинар «Технологии сопровождаемого проживания: опыт регионов» (участие "
                                "специалистов отделения)")
    plant("КЦСОН Тотемского района", in_month(4), "unknown type «Анкетирование»", "type",
          type="Анкетирование", plan_item="", topic="Анкетирование родственников получателей услуг о качестве "
                                                    "социального обслуживания", participants=18, specialists=0)
    plant("КЦСОН Вологодского района", typed("мероприятие для получателей"), "count with a unit «12 чел.»",
          "participants", participants="12 чел.")
    plant("КЦСОН Кирилловского района", typed("буклет"), "plan number «п. 2.4»", "plan_item", plan_item="п. 2.4")
    plant("КЦСОН Устюженского района", typed("буклет"), "plan number «2.4.»", "plan_item", plan_item="2.4.")
    plant("КЦСОН Шекснинского района", typed("мероприятие для получателей"), "count in words «двенадцать»",
          "participants", participants="двенадцать")
    plant("КЦСОН Харовского района", in_month(5), "blank date in a filled row", "date", day=None)
    plant("КЦСОН Тарногского района", in_month(3), "month instead of a date «март»", "date", date_text="март")
    plant("КЦСОН Великоустюгского района", typed("мероприятие для получателей"), "count «более 30»",
          "participants", participants="более 30")
    plant("КЦСОН «Забота»", in_month(5), "date without a year «20 мая»", "date", day=date(2026, 5, 20),
          date_text="20 мая")
    plant("КЦСОН Бабаевского района", typed("консультация"), "plan item not in the plan «2.14»", "plan_item",
          plan_item="2.14")
    # layout mistakes
    rows = rows_by_tab["КЦСОН Вытегорского района"]
    rows.insert(len(rows) // 2, BLANK)
    rows = rows_by_tab["КЦСОН Верховажского района"]
    q2 = next(i for i, r in enumerate(rows) if r.day.month >= 4)
    rows.insert(q2, (TITLE, "Мероприятия II квартала"))
    rows = rows_by_tab["КЦСОН Вожегодского района"]
    i = next(i for i, r in enumerate(rows) if r.day.month == 6)
    rows[i + 1].day, rows[i + 1].date_text = rows[i].day, ""     # the merged cell below stays empty
    rows[i].plant.append(("date merged over two rows", "date"))
    rows = rows_by_tab["КЦСОН Чагодощенского района"]
    total = sum(r.participants for r in rows if isinstance(r.participants, int))
    rows.append(Row(None, "", topic="", participants=total, date_text="Итого",
                    plant=[("«Итого» row", "date")]))


# --------------------------------------------------------------------------- writing


def _write_rows(ws, layout: T.InstitutionLayout, rows: list, tab: str, extra_values: bool) -> None:
    r = layout.first_data_row
    width = max([*layout.columns.values(), *layout.extra_columns.values()])
    for row in rows:
        if row == BLANK:
            PLANTED.append({"kind": "blank row in the middle", "tab": tab, "cell": f"A{r}"})
            r += 1
            continue
        if isinstance(row, tuple) and row[0] == TITLE:
            ws.cell(r, 1, row[1])
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
            PLANTED.append({"kind": "merged title row inside the data", "tab": tab, "cell": f"A{r}"})
            r += 1
            continue
        for key, value in row.values().items():
            if value is not None and value != "":
                ws.cell(r, layout.columns[key], value)
        if extra_values:
            for c in layout.extra_columns.values():
                ws.cell(r, c, row.extra)
        for kind, key in row.plant:
            PLANTED.append({"kind": kind, "tab": tab, "cell": f"{get_column_letter(layout.columns[key])}{r}"})
            if kind == "date merged over two rows":
                ws.merge_cells(start_row=r, start_column=layout.columns["date"], end_row=r + 1,
                               end_column=layout.columns["date"])
        r += 1


def _write_monitoring(ws, layout: T.InstitutionLayout, values: dict[str, list]) -> None:
    for name, quarter_values in values.items():
        r = layout.indicator_rows[name]
        for q, value in enumerate(quarter_values, start=1):
            if value is not None:
                ws.cell(r, layout.quarter_columns[q], value)


def build_sample():
    """The demo workbook (openpyxl) — also fills `PLANTED`."""
    PLANTED.clear()
    plan = T.load_plan()
    institutions = T.load_institutions()
    gen = Generator(institutions)
    rng = gen.rng
    for inst in institutions:
        surname = rng.choice(SURNAMES)
        inst["responsible"] = (f"{surname} {rng.choice(INITIALS)}.{rng.choice(INITIALS)}., "
                               f"{rng.choice(POSITIONS)}")
        inst["contacts"] = f"8 (8175{rng.randint(0, 9)}) {rng.randint(2, 6)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"

    variants = {REORDERED: {"column_keys": REORDERED_KEYS}, EXTRA_COLUMN: {"extra_columns": [EXTRA_COLUMN_TITLE]}}
    wb, layouts = T.build_template(year=YEAR, plan=plan, institutions=institutions, variants=variants)

    rows_by_tab: dict[str, list] = {}
    for name in gen.names:
        rows_by_tab[name] = gen.base_rows() if name == BASE else gen.centre_rows(name)
    gen.seminar_talks(rows_by_tab)
    staff = [f"{rng.choice(SURNAMES)} {rng.choice(INITIALS)}.{rng.choice(INITIALS)}." for _ in range(3)]
    for row in rows_by_tab[EXTRA_COLUMN]:
        row.extra = rng.choice(staff)
    plant_mistakes(rows_by_tab)

    for name in gen.names:
        layout = layouts[name]
        ws = wb[layout.tab]
        _write_rows(ws, layout, rows_by_tab[name], name if name != TRAILING_SPACE else name + " ",
                    name == EXTRA_COLUMN)
        values = monitoring_values(rng, name)
        if name == "КЦСОН Харовского района":
            for key in ("Граждане с психическими расстройствами, обслуженные в стационарной форме",
                        "Инвалиды в сопровождаемом проживании"):
                values[key][1] = None
        if name == "КЦСОН Никольского района":
            for key in ("Открыто служб социально-реабилитационной помощи",
                        "Заключено соглашений о партнерстве и волонтерстве"):
                values[key] = [None] * 4
        if name == "КЦСОН Бабушкинского района":
            values["Инвалиды в сопровождаемом проживании"][1] = "нет данных"
        if name == "КЦСОН Сокольского района":
            values["Достижение показателей дорожной карты"][2] = f"{values['Достижение показателей дорожной карты'][2]}%"
        _write_monitoring(ws, layout, values)
        if name == "КЦСОН Бабушкинского района":
            cell = f"{get_column_letter(layout.quarter_columns[2])}" \
                   f"{layout.indicator_rows['Инвалиды в сопровождаемом проживании']}"
            PLANTED.append({"kind": "monitoring value «нет данных»", "tab": name, "cell": cell})

    extra = layouts[EXTRA_COLUMN].extra_columns[EXTRA_COLUMN_TITLE]
    PLANTED.append({"kind": "extra column", "tab": EXTRA_COLUMN,
                    "cell": f"{get_column_letter(extra)}{layouts[EXTRA_COLUMN].header_row}"})
    PLANTED.append({"kind": "columns reordered", "tab": REORDERED, "cell": ""})
    wb[TRAILING_SPACE].title = TRAILING_SPACE + " "
    PLANTED.append({"kind": "tab name with a trailing space", "tab": TRAILING_SPACE + " ", "cell": ""})
    listed = wb[T.INSTITUTIONS_TAB]
    row = next(r for r in range(2, listed.max_row + 1) if listed.cell(r, 1).value == UNLISTED)
    listed.delete_rows(row)
    PLANTED.append({"kind": "tab missing from «Учреждения»", "tab": UNLISTED, "cell": ""})

    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.lastModifiedBy = "Панель ОМП"
    return wb


_MODIFIED = re.compile(rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>")


def deterministic_bytes(wb) -> bytes:
    """openpyxl stamps the save time into docProps/core.xml and every zip entry: pin both."""
    raw = io.BytesIO()
    wb.save(raw)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"<dcterms:modified\1>" + stamp + rb"</dcterms:modified>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, data)
    return out.getvalue()


def write_sample(path: str | Path = OUTPUT) -> Path:
    path = Path(path)
    path.write_bytes(deterministic_bytes(build_sample()))
    return path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = write_sample(args[0] if args else OUTPUT)
    print(f"Демонстрационная книга сохранена: {out}")
    print("Заложенные ошибки и неточности:")
    for p in PLANTED:
        print(f"  {p['tab']}{'!' + p['cell'] if p['cell'] else ''}: {p['kind']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
