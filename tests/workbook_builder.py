"""Writes real .xlsx workbooks for tests, the way people lay them out (rows as lists, anything goes)."""
from __future__ import annotations

from pathlib import Path

import openpyxl

ACTIVITY_HEADER = ["Дата", "Вид мероприятия", "Пункт плана", "Тема / содержание", "Участников", "Специалистов",
                   "Учреждений", "Ссылка / подтверждение", "Примечание"]
MONITORING_HEADER = ["Показатель", "I квартал", "II квартал", "III квартал", "IV квартал"]
PLAN_HEADER = ["№", "Раздел", "Мероприятие", "Сроки", "Механизм реализации", "Ожидаемый результат",
               "Ответственный", "Показатель", "Считать", "Цель", "Период цели"]

DEFAULT_SETTINGS = {
    "ОМП": "БУ СО ВО «КЦСОН Кичменгско-Городецкого района»",
    "Тема": "Развитие стационарозамещающих технологий",
    "Год": 2026,
    "Утверждаю (должность)": "Директор БУ СО ВО «КЦСОН Кичменгско-Городецкого района»",
    "Утверждаю (ФИО)": "Л.А. Андреевская",
    "Согласовано (должность)": "Начальник управления Министерства социальной защиты населения области",
    "Согласовано (ФИО)": "А.В. Ершов",
}

DEFAULT_PLAN = [
    ["1.3", "Организационные мероприятия", "Переговоры с учреждениями — не менее 10 ежеквартально", "Ежеквартально",
     "", "", "", "консультация", "мероприятия", 10, "квартал"],
    ["2.2", "Методическое сопровождение", "Проведение 3 семинаров", "20 марта, 15 июля, 18 сентября",
     "", "", "", "семинар", "мероприятия", 3, "год"],
    ["2.4", "Методическое сопровождение", "Не менее 15 буклетов", "Ежемесячно", "", "", "", "буклет",
     "мероприятия", 15, "год"],
    ["3.3", "Информационно-аналитическая деятельность", "Аналитический отчет", "июнь, декабрь 2026", "", "", "",
     "", "", "", ""],
]


def activity_rows(*rows: list) -> list[list]:
    return [ACTIVITY_HEADER, *rows]


def write_workbook(path: str | Path, *, institutions: dict[str, list[list]] | None = None,
                   settings: dict | None = None, plan: list[list] | None = None,
                   listed: list[str] | None = None, extra_tabs: dict[str, list[list]] | None = None,
                   criteria: list[list] | None = None) -> Path:
    """Service tabs plus one tab per institution; `institutions` maps tab name → rows (anything)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Настройки"
    ws.append(["Параметр", "Значение"])
    for key, value in (DEFAULT_SETTINGS if settings is None else settings).items():
        ws.append([key, value])
    ws = wb.create_sheet("Учреждения")
    ws.append(["Учреждение", "Полное наименование", "Район", "Ответственный", "Контакты"])
    for name in (listed if listed is not None else [n.strip() for n in (institutions or {})]):
        ws.append([name, f"БУ СО ВО «{name}»", "", "", ""])
    ws = wb.create_sheet("План")
    ws.append(PLAN_HEADER)
    for row in (DEFAULT_PLAN if plan is None else plan):
        ws.append(row)
    if criteria is not None:
        ws = wb.create_sheet("Критерии")
        ws.append(["Критерий", "Вид показателя", "Показатель", "Источник"])
        for row in criteria:
            ws.append(row)
    for name, rows in {**(institutions or {}), **(extra_tabs or {})}.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    path = Path(path)
    wb.save(path)
    return path
