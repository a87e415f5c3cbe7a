"""A second reconstruction, in another layout: a yearly report of another ОМП (family support, 2024)
whose institution tabs have their columns reordered under other header words and a title row above
them, with its own «Критерии» (a criterion the seed has not, type & item sources, topic groups, a
«повторно» view) and its own monitoring indicator with decimals. The report must state its facts:
76 consultations summarised with topic shares and notable events (never a 76-item list), seminars
with dates and topics, «для 27 учреждений», specialists when participants are blank, «110,95»,
plan-item status in the seed's words, and no approval block (no approver in the settings)."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

import docx
import pytest

from lib import russian as ru
from lib.loader import load_workbook
from lib.model.periods import Period
from lib.report.docx import report_docx_bytes
from lib.report.draft import build_report
from tests.workbook_builder import MONITORING_HEADER, write_workbook

Y = 2024
TOT, SOK, HAR = "КЦСОН Тотемского района", "КЦСОН Сокольского района", "КЦСОН Харовского района"
HEADER = ["Пункт плана", "Дата проведения", "Форма мероприятия", "Содержание", "Кол-во участников",
          "Кол-во специалистов", "Кол-во учреждений", "Примечание", "Подтверждение"]
SETTINGS = {"ОМП": "Опорно-методическая площадка Министерства социальной защиты населения Вологодской области",
            "Тема": "Комплексная поддержка семей, воспитывающих детей-инвалидов", "Год": Y,
            "Базовое учреждение": TOT}
PLAN = [
    ["1.1", "Организационная деятельность", "Рабочие совещания площадки", "Ежеквартально", "", "", "",
     "совещание", "мероприятия", 1, "квартал"],
    ["1.2", "Организационная деятельность", "Консультации учреждений", "В течение года", "", "", "",
     "консультация", "мероприятия", 60, "год"],
    ["2.1", "Методическая деятельность", "Семинары для специалистов — не менее 6", "Март, июнь, сентябрь, декабрь 2024",
     "", "", "", "семинар", "мероприятия", 6, "год"],
    ["2.2", "Методическая деятельность", "Стажировки специалистов районов", "II - III квартал 2024", "", "", "",
     "стажировка", "мероприятия", 3, "год"],
]
CRITERIA = [
    ["Эффективность управления ОСО в условиях инновационной деятельности", "качественный",
     "Организация работы площадки", "совещание & п. 1.1"],
    ["Эффективность управления ОСО в условиях инновационной деятельности", "количественный",
     "Консультации для учреждений", "консультация по п. 1.2; консультация; тема: выплат, пособи — по вопросам мер "
     "социальной поддержки; тема: реабилит — по вопросам реабилитации детей-инвалидов"],
    ["Эффективность управления ОСО в условиях инновационной деятельности", "количественный",
     "Рабочие совещания", "п. 1.1"],
    ["Качество профессиональной деятельности в условиях ОМП", "качественный", "Семинары и стажировки",
     "семинар; стажировка"],
    ["Качество профессиональной деятельности в условиях ОМП", "количественный", "Семинары по плану",
     "семинар & п. 2.1"],
    ["Качество профессиональной деятельности в условиях ОМП", "количественный", "Стажировки", "п. 2.2 & стажировка"],
    ["Личностная и профессиональная значимость участия специалистов в инновационной деятельности", "качественный",
     "Повышение квалификации специалистов", "обучение специалистов"],
    ["Личностная и профессиональная значимость участия специалистов в инновационной деятельности", "количественный",
     "Число специалистов, прошедших обучение", "обучение специалистов"],
    ["Социально-экономическая значимость деятельности ОПМ", "количественный", "Публикации", "публикация"],
    ["Социально-экономическая значимость деятельности ОПМ", "количественный", "Штатные единицы",
     "мониторинг: Штатные единицы специалистов служб"],
    ["Социально-экономическая значимость деятельности ОПМ", "количественный", "Дистанционные формы",
     "семинар; повторно; тема: вкс, онлайн, дистанц — в дистанционном формате"],
]
INDICATORS = [["Показатель", "Единица", "За период", "По области"],
              ["Штатные единицы специалистов служб", "шт. ед.", "последнее", "сумма"]]
SEMINARS = [  # date, topic, participants, specialists, institutions, note
    (date(Y, 3, 14), "Ранняя помощь детям с ограничениями здоровья", 78, "", 6, "очно"),
    (date(Y, 6, 20), "Социальная реабилитация детей-инвалидов в семье", "", 102, 12, "в режиме ВКС"),
    (date(Y, 9, 19), "Сопровождение семей: межведомственное взаимодействие", 40, 35, 8, "онлайн"),
    (date(Y, 12, 5), "Итоги года: лучшие практики поддержки семей", 55, 50, 10, "очно"),
]
SUPPORT, REHAB, REST = ("Консультация по вопросам назначения выплат и пособий семьям",
                        "Консультация по вопросам реабилитации ребенка-инвалида", "Консультация по организации отдыха")


def tab(rows: list[list], monitoring: list[list]) -> list[list]:
    return [["Отчет учреждения за 2024 год"], [], HEADER, *rows, [], MONITORING_HEADER, *monitoring]


def tot_rows() -> list[list]:
    rows = []
    for q in range(4):
        rows.append(["1.1", date(Y, 3 * q + 1, 15), "Рабочее совещание", f"Планирование работы площадки, {q + 1} квартал",
                     6, 6, 1, "", ""])
    for d, topic, people, specialists, insts, note in SEMINARS:
        rows.append(["2.1", d, "Семинар", topic, people, specialists, insts, note, ""])
    for k, d in enumerate((date(Y, 5, 16), date(Y, 7, 18), date(Y, 9, 5))):
        rows.append(["2.2", d, "Стажировка", f"Стажировка специалистов районов № {k + 1}", "", "", 9, "", ""])
    for k in range(12):
        rows.append(["", date(Y, 1 + k, 10), "Статья", f"Статья о поддержке семей № {k + 1}", "", "", "", "",
                     f"https://totma-kcson.ru/news/{k + 1}"])
    rows.append(["", date(Y, 4, 2), "Обучение специалистов", "Курсы повышения квалификации «Ранняя помощь»", "", 12,
                 1, "", ""])
    rows.append(["", date(Y, 10, 8), "Обучение специалистов", "Обучение методам альтернативной коммуникации", "", 8,
                 1, "", ""])
    return rows


def consultations(start: date, topics: list[str], plan_item: str) -> list[list]:
    return [[plan_item, start + timedelta(days=4 * k), "консультирование", t, 2, 2, 1, "", ""]
            for k, t in enumerate(topics)]


def write_other_workbook(path) -> object:
    # 76 consultations: 30 about payments, 23 about rehabilitation, 23 about holidays
    tot = tot_rows() + consultations(date(Y, 1, 9), [SUPPORT] * 20 + [REHAB] * 15 + [REST] * 15, "1.2")
    sok = consultations(date(Y, 2, 1), [SUPPORT] * 10 + [REHAB] * 8, "1.2")
    har = consultations(date(Y, 3, 1), [REST] * 8, "")
    return write_workbook(path, settings=SETTINGS, plan=PLAN, criteria=CRITERIA,
                          extra_tabs={"Показатели мониторинга": INDICATORS},
                          institutions={TOT: tab(tot, [["Штатные единицы специалистов служб", 50.5, 50.5, 50.5, 50.5]]),
                                        SOK: tab(sok, [["Штатные единицы специалистов служб", "", "", 60.45, 60.45]]),
                                        HAR: tab(har, [["Штатные единицы специалистов служб", "", "", "", ""]])})


@pytest.fixture(scope="module")
def wb(tmp_path_factory):
    return load_workbook(write_other_workbook(tmp_path_factory.mktemp("other") / "other.xlsx"))


@pytest.fixture(scope="module")
def report(wb):
    return build_report(wb, Period.parse(str(Y)))


def text_of(report, name: str) -> str:
    return next(i.text for i in report.indicators() if i.name == name)


def test_the_other_layout_loads_every_row(wb):
    assert len(wb.activities) == 4 + 4 + 3 + 12 + 2 + 76
    assert not (wb.issues["severity"] == "error").any()


def test_a_long_list_is_summarised_with_topic_shares_one_base(report):
    talks = text_of(report, "Консультации для учреждений")
    assert talks.startswith("Проведено 76 консультаций (в 3 учреждениях), из них 39 % — по вопросам мер социальной "
                            "поддержки, 30 % — по вопросам реабилитации детей-инвалидов.")   # 30/76, 23/76


def test_dates_with_topics_and_specialists_when_participants_are_blank(report):
    seminars = text_of(report, "Семинары и стажировки")
    for d, topic, *_ in SEMINARS:
        assert f"{ru.format_day_month(d)} (по теме «{topic}»" in seminars
    assert "20 июня (по теме «Социальная реабилитация детей-инвалидов в семье»; в режиме ВКС; с участием 12 " \
           "учреждений и 102 участников)" in seminars
    planned = text_of(report, "Семинары по плану")
    assert planned.startswith("Проведено 4 семинара для 36 учреждений (" + TOT + ").")
    # 78 + 102 + 40 + 55 people (a blank «Участников» counts its specialists), of them 187 specialists
    assert "Всего в мероприятиях приняли участие 275 человек, в том числе 187 специалистов." in planned
    assert "не выполнено: 4 семинара при плане 6 к " in planned


def test_institutions_column_summed_and_plan_status(report):
    internships = text_of(report, "Стажировки")
    assert internships.startswith("Организовано 3 стажировки для 27 учреждений (" + TOT + ").")
    assert "По п. 2.2 плана (II - III квартал 2024) — выполнено." in internships
    meetings = text_of(report, "Рабочие совещания")
    assert meetings.startswith("Проведено 4 рабочих совещания (" + TOT + ").")
    assert "По п. 1.1 плана (Ежеквартально) — выполнено: 4 совещания." in meetings


def test_own_words_decimals_shares_of_one_type_and_coverage_once(report):
    assert text_of(report, "Публикации").startswith("Размещено 12 статей (" + TOT + ").")
    assert text_of(report, "Число специалистов, прошедших обучение").endswith(
        "Всего в мероприятиях приняли участие 20 специалистов.")
    staff = text_of(report, "Штатные единицы")
    assert "110,95 шт. ед." in staff and staff.count("сведения представили") == 1
    assert text_of(report, "Дистанционные формы") == (f"Проведено 4 семинара для 36 учреждений ({TOT}), из них 50 % "
                                                     "— в дистанционном формате.")     # the view only: said once


def test_no_list_is_a_wall_no_topic_is_cut_and_no_sum_over_types(report):
    for ind in report.indicators():
        assert "…" not in ind.text
        assert ind.text.count("(по теме") <= 8, ind.name
        assert not re.search(r"всего \d+ мероприят", ind.text, re.IGNORECASE), ind.name


def test_no_approval_block_when_no_approver_is_set(report, wb):
    document = docx.Document(io.BytesIO(report_docx_bytes(report, wb.settings)))
    assert not any("УТВЕРЖДАЮ" in p.text or "СОГЛАСОВАНО" in p.text for t in document.tables
                   for c in t.rows[0].cells for p in c.paragraphs)
    assert report.title.endswith("по теме «Комплексная поддержка семей, воспитывающих детей-инвалидов» за 2024 год")
    assert "на базе" not in report.title
