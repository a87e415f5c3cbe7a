"""Workbooks for the report tests: known counts per institution and quarter, so the drafted numbers
can be checked against `counts_by_type` and against the plural forms they must produce."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from lib.model.contract import ACTIVITY_TYPE_NAMES, DEFAULT_MONITORING_INDICATORS
from lib.model.workbook import (ACTIVITY_COLUMNS, INSTITUTION_COLUMNS, MONITORING_COLUMNS, PLAN_COLUMNS, Settings, Workbook,
                       empty_frame)
from lib.sources import SourceInfo
from tests.workbook_builder import ACTIVITY_HEADER, MONITORING_HEADER, write_workbook

Y = 2026
NIK, VYT, TAR = "КЦСОН Никольский", "КЦСОН Вытегорский", "КЦСОН Тарногский"
SZT_TOPIC = "Применение СЗТ в социальном обслуживании"
STAN_DOBREE = "Разработка формуляра практики по ментальному добровольчеству – проект «Стань добрее!»"

PLAN = [
    ["1.1", "Организационные мероприятия", "Информирование учреждений об организации работы ОМП", "I квартал 2026",
     "", "", "", "", "", "", ""],
    ["1.2", "Организационные мероприятия", "Областное совещание", "Март 2026 года", "", "", "", "совещание",
     "мероприятия", 1, "год"],
    ["1.3", "Организационные мероприятия", "Переговоры с учреждениями — не менее 10 ежеквартально", "Ежеквартально",
     "", "", "", "консультация", "мероприятия", 10, "квартал"],
    ["1.4", "Организационные мероприятия", "Рабочие консультации-совещания", "01 апреля 01 июня", "", "", "", "", "",
     "", ""],
    ["2.1", "Методическое сопровождение", "Мониторинг", "Ежеквартально", "", "", "", "мониторинг", "мероприятия", 4,
     "год"],
    ["2.2", "Методическое сопровождение", "Проведение 3 семинаров", "20 марта, 15 июля, 18 сентября", "", "", "",
     "семинар", "мероприятия", 3, "год"],
    ["2.3", "Методическое сопровождение", "Формуляры практик", "Апрель, июль, декабрь 2026", "", "", "",
     "формуляр практики", "мероприятия", 5, "год"],
    ["2.4", "Методическое сопровождение", "Не менее 15 буклетов", "Ежемесячно", "", "", "", "буклет", "мероприятия",
     15, "год"],
    ["2.5", "Методическое сопровождение", "Участие в коллегиях, конференциях", "В течение года", "", "", "", "", "",
     "", ""],
    ["2.6", "Методическое сопровождение", "Консультативная помощь", "В течение года", "", "", "", "", "", "", ""],
    ["2.7", "Методическое сопровождение", "Программа социализации", "II квартал 2026", "", "", "", "", "", "", ""],
    ["2.8", "Методическое сопровождение", "Практика «Доброград»", "В течение года", "", "", "", "", "", "", ""],
    ["2.10", "Методическое сопровождение", "Анализ деятельности", "Ежеквартально", "", "", "", "", "", "", ""],
    ["3.1", "Информационная деятельность", "Вкладка на сайте", "В течение года", "", "", "", "публикация",
     "мероприятия", 24, "год"],
    ["3.2", "Информационная деятельность", "Информационное сопровождение", "В течение года", "", "", "", "", "", "",
     ""],
]


def _days(start: date, n: int, step: int = 5) -> list[date]:
    return [start + timedelta(days=step * i) for i in range(n)]


def nik_rows() -> list[list]:
    rows: list[list] = [["Мероприятия"], ACTIVITY_HEADER]
    # Q1: 11 consultations, 6 of them about СЗТ (6 / 11 = 54.5 % → «55 %»)
    for i, d in enumerate(_days(date(Y, 1, 12), 11, 7)):
        topic = f"{SZT_TOPIC}, вопрос {i + 1}" if i < 6 else f"Отчетность за {i + 1} неделю"
        rows.append([d, "Консультация" if i % 2 else "консультирование", "1.3", topic, 2, 2, 1, "", ""])
    rows.append([date(Y, 3, 13), "Семинар-практикум", "2.2",
                 "Эффективные практики социального обслуживания граждан с инвалидностью", 23, 20, 9, "", ""])
    rows.append([date(Y, 2, 10), "Выступление", "2.5", "О деятельности социально-реабилитационных служб", "", "", "",
                 "", ""])
    rows.append([date(Y, 3, 2), "доклад", "2.5", "Инновационные технологии", "", "", "", "", ""])
    for i, d in enumerate(_days(date(Y, 1, 20), 5, 9)):
        rows.append([d, "Пресс-релиз", "3.2", f"Пресс-релиз о СЗТ № {i + 1}", "", "", "", "https://vk.com", ""])
    rows.append([date(Y, 1, 16), "Рабочее совещание", "1.4", STAN_DOBREE, 8, 8, 1, "", ""])
    rows.append([date(Y, 2, 1), "совещание", "1.4", "Подготовка к отчетному собранию", 6, 6, 1, "", ""])
    rows.append([date(Y, 3, 13), "совещание", "1.4", "Использование коллаборативных практик наставничества", 7, 7, 1,
                 "", ""])
    # Q2 and Q3: a few more, so that half-year / 9 months / year differ from Q1
    for d in _days(date(Y, 4, 6), 3, 10):
        rows.append([d, "Консультация", "1.3", "Отчетность", 1, 1, 1, "", ""])
    rows.append([date(Y, 7, 15), "Вебинар", "2.2", "Сопровождаемое проживание", 40, 35, 12, "", ""])
    rows += [[], ["Мониторинг"], MONITORING_HEADER,
             ["Достижение показателей дорожной карты", 88, 90, 91, ""],
             ["Инвалиды в сопровождаемом проживании", 12, 14, 15, ""],
             ["Открыто служб социально-реабилитационной помощи", 1, 1, "", ""]]
    return rows


def vyt_rows() -> list[list]:
    rows: list[list] = [ACTIVITY_HEADER]
    rows.append([date(Y, 2, 5), "Консультация", "1.3", "Вопросы СЗТ", 4, 4, 1, "", ""])
    for d in _days(date(Y, 4, 1), 21, 3):                         # Q2: 21 буклет
        rows.append([d, "Буклет", "2.4", "Ментальное волонтерство", "", "", "", "", ""])
    for d in _days(date(Y, 7, 1), 22, 4):                         # Q3: 22 консультации
        rows.append([d, "Консультация", "", "Отчетность по СЗТ", 1, 1, 1, "", ""])
    for d in _days(date(Y, 10, 1), 25, 3):                        # Q4: 25 публикаций
        rows.append([d, "Публикация", "3.2", "Новость на сайте", "", "", "", "", ""])
    rows += [[], MONITORING_HEADER,
             ["Достижение показателей дорожной карты", 92, "", "", ""],
             ["Открыто служб социально-реабилитационной помощи", "", 1, "", ""]]
    return rows


def tar_rows() -> list[list]:
    return [ACTIVITY_HEADER, [], MONITORING_HEADER, ["Достижение показателей дорожной карты", "", "", "", ""]]


def write_report_workbook(path: str | Path, *, criteria: list[list] | None = None, settings: dict | None = None) -> Path:
    return write_workbook(path, institutions={NIK: nik_rows(), VYT: vyt_rows(), TAR: tar_rows()}, plan=PLAN,
                          criteria=criteria, settings=settings)


# Another ОМП's criteria: a different third criterion, and one unknown source entry.
OTHER_CRITERIA = [
    ["Эффективность управления ОСО в условиях инновационной деятельности", "качественный",
     "Организация работы площадки", "п. 1.4; совещание"],
    ["Эффективность управления ОСО в условиях инновационной деятельности", "количественный",
     "Консультации для учреждений", "консультация; тема: СЗТ — по вопросам применения СЗТ"],
    ["Качество профессиональной деятельности в условиях ОМП", "качественный", "Семинары по обмену опытом",
     "вебинар"],
    ["Качество профессиональной деятельности в условиях ОМП", "количественный", "Выступления", "выступление"],
    ["Личностная и профессиональная значимость участия специалистов в инновационной деятельности", "качественный",
     "Повышение квалификации специалистов", "обучение специалистов"],
    ["Личностная и профессиональная значимость участия специалистов в инновационной деятельности", "количественный",
     "Число специалистов, прошедших обучение", "обучение специалистов; семинаристика"],
    ["Социально-экономическая значимость деятельности ОПМ", "количественный", "Достижение дорожной карты",
     "мониторинг: дорожная карта"],
]
THIRD_CRITERION = "Личностная и профессиональная значимость участия специалистов в инновационной деятельности"


def synthetic_workbook(n_institutions: int = 28, rows_per_institution: int = 1000, seed: int = 1) -> Workbook:
    """A big workbook built in memory (no xlsx round trip) for timing the report."""
    import random
    rng = random.Random(seed)
    names = [f"КЦСОН № {i + 1}" for i in range(n_institutions)]
    topics = [f"Тема {i} о применении СЗТ" if i % 3 == 0 else f"Тема {i}" for i in range(400)]
    items = ["1.1", "1.2", "1.3", "1.4", "2.2", "2.4", "3.2", None]
    records = []
    for inst in names:
        for r in range(rows_per_institution):
            d = date(Y, 1, 1) + timedelta(days=rng.randrange(365))
            records.append({"institution": inst, "date": pd.Timestamp(d), "year": Y, "quarter": (d.month - 1) // 3 + 1,
                            "type": rng.choice(ACTIVITY_TYPE_NAMES), "type_raw": "вид", "plan_item": rng.choice(items),
                            "topic": rng.choice(topics), "participants": rng.randrange(40),
                            "specialists": rng.randrange(10), "institutions_count": rng.randrange(1, 4),
                            "link": "", "note": "", "tab": inst, "row": r + 2})
    acts = pd.DataFrame(records, columns=ACTIVITY_COLUMNS)
    for k in ("participants", "specialists", "institutions_count"):
        acts[k] = acts[k].astype("Int64")
    mon = pd.DataFrame([{"institution": i, "indicator": ind.name, "quarter": q, "value": float(rng.randrange(100)),
                         "tab": i, "cell": "B2"} for i in names for ind in DEFAULT_MONITORING_INDICATORS
                        for q in (1, 2, 3, 4)], columns=MONITORING_COLUMNS)
    inst_frame = pd.DataFrame([{"institution": n, "full_name": n, "district": "", "responsible": "", "contacts": "",
                                "tab": n, "listed": True, "row": k + 2} for k, n in enumerate(names)],
                              columns=INSTITUTION_COLUMNS)
    return Workbook(source=SourceInfo("xlsx", "synthetic.xlsx", "synthetic.xlsx"),
                    settings=Settings(omp_name="ОМП", topic="Тема", year=Y), institutions=inst_frame,
                    plan=empty_frame(PLAN_COLUMNS), activities=acts, monitoring=mon, criteria=None)
