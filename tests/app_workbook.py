"""A deterministic, realistic-looking workbook for the dashboard tests (AppTest, browser, lib views).

Institutions report activities in quarters I–III of 2026 with people's spellings, monitoring with
blanks, a few errors, and one institution that reported nothing — enough for every page to show
something and for filters to change the numbers.
"""
from __future__ import annotations

import os
import random
from datetime import date, timedelta
from pathlib import Path

import openpyxl

from bench.workbooks import DISTRICTS  # the same 28 district names as the benchmark's workbooks
from lib.model.contract import DEFAULT_MONITORING_INDICATORS
from tests.workbook_builder import ACTIVITY_HEADER, MONITORING_HEADER, write_workbook

PLAN = [
    ["1.1", "Организационные мероприятия", "Информирование учреждений об организации работы ОМП", "I квартал 2026",
     "Размещение информации на сайте", "Информирование специалистов", "Л.А. Андреевская", "публикация",
     "мероприятия", 2, "год"],
    ["1.2", "Организационные мероприятия", "Областное совещание с руководителями отделений", "Март 2026 года",
     "Совещание в формате ВКС", "Подведение итогов", "Л.А. Андреевская", "совещание", "мероприятия", 1, "год"],
    ["1.3", "Организационные мероприятия", "Консультирование специалистов — не менее 10 ежеквартально",
     "Ежеквартально", "Консультации по телефону и ВКС", "Методическая помощь", "Н.В. Попова", "консультация",
     "мероприятия", 10, "квартал"],
    ["2.1", "Методическое сопровождение", "Семинары для специалистов по применению СЗТ",
     "20 марта, 15 июля, 18 сентября", "Семинары, вебинары", "Повышение компетенций", "Н.В. Попова", "семинар",
     "мероприятия", 3, "год"],
    ["2.2", "Методическое сопровождение", "Не менее 15 буклетов и памяток", "Ежемесячно", "Выпуск буклетов",
     "Информирование граждан", "О.С. Белова", "буклет", "мероприятия", 15, "год"],
    ["2.3", "Методическое сопровождение", "Формуляр практики для регионального банка практик",
     "II -III квартал 2026", "Подготовка формуляра", "Распространение опыта", "О.С. Белова", "формуляр практики",
     "мероприятия", 1, "год"],
    ["2.4", "Методическое сопровождение", "Методические рекомендации по сопровождаемому проживанию",
     "до 1 июля, до 20 декабря", "Разработка рекомендаций", "Методические материалы", "Н.В. Попова",
     "методические материалы", "мероприятия", 2, "год"],
    ["3.1", "Информационно-аналитическая деятельность", "Публикации на сайте Министерства и в ВК",
     "Март, июнь, сентябрь, декабрь 2026 год", "Статьи, пресс-релизы", "Освещение работы", "О.С. Белова",
     "публикация", "мероприятия", 2, "квартал"],
    ["3.2", "Информационно-аналитическая деятельность", "Мониторинг внедрения СЗТ в КЦСОН области",
     "до 01 апреля, 01 июля, 01 октября, 20 декабря", "Сбор отчетности", "Аналитическая справка",
     "Л.А. Андреевская", "мониторинг", "мероприятия", 4, "год"],
    ["3.3", "Информационно-аналитическая деятельность", "Участие в конференциях и форумах", "По отдельному плану",
     "Выступления", "Распространение опыта", "Л.А. Андреевская", "", "", "", ""],
]

# (how it is typed, plan item or "", weight)
TYPE_SPELLINGS = [
    ("Консультация", "1.3", 6), ("консультирование", "1.3", 3), ("Рабочая консультация", "", 1),
    ("Семинар", "2.1", 2), ("Вебинар", "2.1", 1), ("Семинар-практикум", "2.1", 1),
    ("Публикация", "3.1", 3), ("статья", "3.1", 1), ("Пост ВК", "1.1", 1),
    ("Буклет", "2.2", 2), ("памятка", "2.2", 1), ("Методические рекомендации", "2.4", 1),
    ("Формуляр практики", "2.3", 1), ("Совещание", "1.2", 1), ("Мастер-класс", "", 1),
    ("Мероприятие для получателей", "", 2), ("Мониторинг", "3.2", 1),
]
TOPICS = ["Применение СЗТ в работе с гражданами с психическими расстройствами", "Сопровождаемое проживание",
          "Арт-терапия в полустационарной форме", "«Серебряное» волонтерство", "Социальное партнерство",
          "Учебное сопровождаемое проживание", "Дневное пребывание", "Школа ухода для родственников"]

MONITORING_ROWS = [indicator.name for indicator in DEFAULT_MONITORING_INDICATORS]


def _activity_rows(rng: random.Random, quarters: tuple[int, ...], per_quarter: int) -> list[list]:
    spellings = [s for s in TYPE_SPELLINGS for _ in range(s[2])]
    rows = []
    for q in quarters:
        start = date(2026, 3 * q - 2, 1)
        for _ in range(per_quarter + rng.randint(-1, 2)):
            day = start + timedelta(days=rng.randint(0, 88))
            typed, item, _w = rng.choice(spellings)
            people = rng.randint(3, 40)
            when = day.strftime("%d.%m.%Y") if rng.random() < 0.7 else day
            rows.append([when, typed, item, rng.choice(TOPICS), people, rng.randint(1, people),
                         rng.randint(1, 5), "https://vk.com/wall-1_" + str(rng.randint(100, 999)), ""])
    return rows


def _monitoring_rows(rng: random.Random, quarters: tuple[int, ...], blank_q: set[int]) -> list[list]:
    rows = []
    for name in MONITORING_ROWS:
        values = []
        for q in (1, 2, 3, 4):
            if q not in quarters or (q in blank_q and "дорожной" not in name):
                values.append(None)
            elif "дорожной" in name:
                values.append(rng.choice([76, 88, 95, 100, 104]))
            elif "Открыто" in name or "Заключено" in name:
                values.append(rng.randint(0, 2))
            else:
                values.append(rng.randint(2, 30))
        rows.append([name, *values])
    return rows


def build_app_workbook(path: str | Path, n_institutions: int = 8, rows_per_quarter: int = 5,
                       seed: int = 7) -> Path:
    """`n_institutions` tabs (≤ 28) with data in quarters I–III; the last one reported nothing, the
    second has blanks in quarter II, the third has a few rows with errors."""
    rng = random.Random(seed)
    tabs: dict[str, list[list]] = {}
    names = DISTRICTS[:n_institutions] if n_institutions <= len(DISTRICTS) else \
        [f"{DISTRICTS[i % 28]} {i // 28 + 1}" for i in range(n_institutions)]
    for i, name in enumerate(names):
        silent = i == n_institutions - 1 and n_institutions > 2
        quarters = () if silent else ((1, 2, 3) if i % 4 else (1, 2))
        acts = _activity_rows(rng, quarters, rows_per_quarter + (3 if i == 0 else 0))
        if i == 2:
            acts += [["31.02.2026", "Семинар", "2.1", "Ошибочная дата", 10, 2, 1, "", ""],
                     ["15.05.2026", "Танцы", "", "Неизвестный вид", 5, 1, 1, "", ""],
                     ["=СУММ(A1:A2)", "Консультация", "", "Формула вместо даты", 1, 1, 1, "", ""]]
        mon = _monitoring_rows(rng, quarters, {2} if i == 1 else set())
        tabs[name] = [[f"КЦСОН: {name}"], ["Мероприятия"], ACTIVITY_HEADER, *acts, [], ["Мониторинг"],
                      MONITORING_HEADER, *mon]
    return write_workbook(path, institutions=tabs, plan=PLAN)


def fix_two_errors_and_insert_a_row(path: Path) -> None:
    """The centre «Белозерский» fixes two of its three errors (A20, B21) and inserts a row above the
    others, then saves; the file gets a new revision even on coarse clocks."""
    book = openpyxl.load_workbook(path)
    ws = book["Белозерский"]
    ws["A20"] = "28.02.2026"
    ws["B21"] = "Консультация"
    ws.insert_rows(4)
    for col, value in enumerate(["12.01.2026", "Семинар", "2.1", "Добавленная строка", 9], start=1):
        ws.cell(4, col, value)
    book.save(path)
    os.utime(path, ns=(1, 2_000_000_000_000_000_000))
