"""The report draft: Russian wording, criteria as data, numbers equal to `counts`, narrative within
the period, «нет данных за период», another ОМП's criteria, speed."""
from __future__ import annotations

import re

import time
from datetime import date

import pytest

from lib import russian as ru
from lib.report.criteria import (KIND_HEADINGS, QUALITATIVE, QUANTITATIVE, default_criteria, parse_source,
                          resolve_criteria)
from lib.loader import load_workbook
from tests.app_support import ROOT
from lib.metrics.counts import counts_by_type
from lib.metrics.selection import Selection, select_rows
from lib.model.periods import Period
from lib.report.draft import NO_DATA, ReportData, build_report, report_title
from tests.expected import type_verb
from tests.report_workbook import (NIK, OTHER_CRITERIA, STAN_DOBREE, TAR, THIRD_CRITERION, VYT, synthetic_workbook,
                                   write_report_workbook)

NB = ru.NBSP
SEED_CRITERIA = [
    "Эффективность управления организацией социального обслуживания (ОСО) в условиях инновационной деятельности",
    "Качество профессиональной деятельности в условиях ОМП",
    "Качество профессиональной деятельности ОМП",
    "Социально-экономическая значимость деятельности ОПМ",
]


@pytest.fixture(scope="module")
def wb(tmp_path_factory):
    return load_workbook(write_report_workbook(tmp_path_factory.mktemp("report") / "omp.xlsx"))


@pytest.fixture(scope="module")
def wb_other(tmp_path_factory):
    path = write_report_workbook(tmp_path_factory.mktemp("other") / "other.xlsx", criteria=OTHER_CRITERIA)
    return load_workbook(path)


def find(report, name: str, kind: str | None = None):
    hits = [i for i in report.indicators() if i.name == name and (kind is None or i.kind == kind)]
    assert hits, f"no indicator {name!r}"
    return hits[0]


# --------------------------------------------------------------------------- Russian wording


@pytest.mark.parametrize("n, consult, seminar, speech", [
    (1, "1 консультация", "1 семинар", "1 выступление"),
    (2, "2 консультации", "2 семинара", "2 выступления"),
    (5, "5 консультаций", "5 семинаров", "5 выступлений"),
    (11, "11 консультаций", "11 семинаров", "11 выступлений"),
    (21, "21 консультация", "21 семинар", "21 выступление"),
    (22, "22 консультации", "22 семинара", "22 выступления"),
    (25, "25 консультаций", "25 семинаров", "25 выступлений"),
])
def test_count_phrase_plural_forms(n, consult, seminar, speech):
    assert ru.count_phrase(n, "консультация") == consult
    assert ru.count_phrase(n, "семинар") == seminar
    assert ru.count_phrase(n, "выступление") == speech


def test_participle_agrees_with_count_and_gender():
    assert f"{type_verb('консультация', 1)} {ru.count_phrase(1, 'консультация')}" == "проведена 1 консультация"
    assert f"{type_verb('консультация', 21)} {ru.count_phrase(21, 'консультация')}" == "проведена 21 консультация"
    assert f"{type_verb('консультация', 11)} {ru.count_phrase(11, 'консультация')}" == "проведено 11 консультаций"
    assert f"{type_verb('семинар', 1)} {ru.count_phrase(1, 'семинар')}" == "проведен 1 семинар"
    assert f"{type_verb('буклет', 2)} {ru.count_phrase(2, 'буклет')}" == "разработано 2 буклета"
    assert ru.took_part(21) == "принял участие" and ru.took_part(25) == "приняли участие"


def test_numbers_percent_and_dates_in_russian_style():
    assert ru.share_percent(6, 11) == 55                       # 54.5 rounds half up
    assert ru.format_percent(55, 0) == "55 %"
    assert ru.format_percent(88.25) == "88,3 %"
    assert ru.format_number(12345) == f"12{NB}345"
    assert ru.format_number(12.5) == "12,5"
    assert ru.format_number(88.0) == "88"
    assert ru.format_day_month(date(2026, 1, 16)) == "16 января"
    assert ru.format_day_month(date(2026, 2, 1)) == "01 февраля"
    assert ru.format_date_numeric(date(2026, 3, 5)) == "05.03.2026"
    assert ru.quoted("Проект «Стань добрее!».") == "«Проект „Стань добрее!“»"
    assert ru.join_ru(["a", "b", "c"]) == "a, b и c"


# --------------------------------------------------------------------------- criteria as data


def test_default_criteria_equal_the_seed_report():
    frame = default_criteria()
    assert list(dict.fromkeys(frame["criterion"])) == SEED_CRITERIA
    for name in SEED_CRITERIA:
        kinds = set(frame.loc[frame["criterion"] == name, "kind"])
        assert kinds == {QUALITATIVE, QUANTITATIVE}
    assert len(frame) >= 25


def test_default_criteria_sources_resolve_against_a_full_plan(wb):
    criteria = resolve_criteria(wb)
    assert criteria.origin == "default"
    assert criteria.problems == []          # the test plan has every item the default criteria cite


def test_source_syntax(wb):
    source, problems = parse_source("п. 2.2; пункт 1.3; 2.4.; вебинар; Буклеты; мониторинг: дорожная карта; "
                                    "тема: СЗТ, стационарозамещ — по вопросам применения СЗТ", wb)
    assert problems == []
    assert source.plan_items == ("2.2", "1.3", "2.4")
    assert source.types == ("семинар", "буклет")
    assert source.monitoring == ("Достижение показателей дорожной карты",)
    assert source.shares[0].keywords == ("сзт", "стационарозамещ")
    assert source.shares[0].phrase == "по вопросам применения СЗТ"


def test_source_type_of_one_plan_item_and_again(wb):
    source, problems = parse_source("консультация по п. 1.3; п. 2.2 & семинары; пункт 2.4 & буклет; повторно; "
                                    "консультация по вопросам", wb)
    assert source.pairs == (("консультация", "1.3"), ("семинар", "2.2"), ("буклет", "2.4"))
    assert source.types == () and source.plan_items == () and source.again
    assert len(problems) == 1 and "«консультация по вопросам» не распознан" in problems[0]


def test_a_type_of_one_item_does_not_take_every_row_of_the_type(tmp_path):
    criteria = [["Критерий", "количественный", "Переговоры по п. 1.3", "консультация & п. 1.3"],
                ["Критерий", "количественный", "Прочие консультации", "консультация"],
                ["Критерий", "количественный", "Все консультации ещё раз", "консультация; повторно"]]
    wb = load_workbook(write_report_workbook(tmp_path / "pairs.xlsx", criteria=criteria))
    report = build_report(wb, Period.parse("2026-Q3"))            # 22 consultations of VYT without an item
    pair, rest, again = report.indicators()
    assert pair.text.startswith("— нет данных за период") and "type:консультация" not in pair.numbers
    assert rest.numbers["type:консультация"] == again.numbers["type:консультация"] == 22
    q1 = build_report(wb, Period.parse("2026-Q1"))                 # 11 + 1 cite п. 1.3
    pair, rest, again = q1.indicators()
    assert pair.numbers["type:консультация"] == 12 and again.numbers["type:консультация"] == 12
    assert rest.text.startswith("— сведения приведены в показателе «Переговоры по п. 1.3»")


def test_a_count_names_the_topics_of_a_few_rows_no_narrative_tells(tmp_path):
    criteria = [["Критерий", "количественный", "Выступления", "выступление"],
                ["Критерий", "количественный", "Семинары", "семинар"],
                ["Критерий", "качественный", "Семинары", "семинар"]]
    wb = load_workbook(write_report_workbook(tmp_path / "quant.xlsx", criteria=criteria))
    told, speeches, seminars = build_report(wb, Period.parse("2026-Q1"), [NIK]).indicators()   # qualitative first
    assert speeches.text.startswith("Подготовлено 2 выступления (в том числе 1 доклад): по теме «О деятельности "
                                    "социально-реабилитационных служб», по теме «Инновационные технологии».")
    assert seminars.text.startswith("Проведен 1 семинар-практикум для 9 учреждений.")     # the narrative has its topic
    assert told.text.startswith("Проведен семинар-практикум: 13 марта (по теме «Эффективные практики")


def test_every_phrase_of_the_draft_is_data_and_every_datum_is_used():
    import re
    from pathlib import Path
    from lib.report import draft
    from lib.report.criteria import _phrases
    code = Path(draft.__file__).read_text(encoding="utf-8")
    used = set(re.findall(r"phrase\(\s*[\"']([a-z_]+)[\"']", code))
    for a, b in re.findall(r"[\"']([a-z_]+)[\"'] if |else [\"']([a-z_]+)[\"']", code):     # keys chosen by a condition
        used |= {a, b} & set(_phrases())
    assert used <= set(_phrases()), used - set(_phrases())
    assert set(_phrases()) <= used, set(_phrases()) - used


def test_source_problems_are_reported_not_raised(wb):
    source, problems = parse_source("семинаристика; п. 9.9; мониторинг: число звёзд; тема: , ", wb)
    assert source.types == () and source.monitoring == () and source.shares == ()
    assert source.plan_items == ("9.9",)           # kept: rows citing it would still count
    text = " | ".join(problems)
    assert "«семинаристика» не распознан" in text
    assert "пункта плана 9.9 нет" in text
    assert "показателя мониторинга «число звёзд» нет" in text
    assert "не указаны слова темы" in text


# --------------------------------------------------------------------------- the draft


@pytest.mark.parametrize("code, in_title", [
    ("2026-Q1", "в 1 квартале 2026 года"), ("2026-Q3", "в 3 квартале 2026 года"),
    ("2026-H1", "за 1 полугодие 2026 года"), ("2026-9M", "за 9 месяцев 2026 года"), ("2026", "за 2026 год")])
def test_title_per_period_kind(wb, code, in_title):
    report = build_report(wb, Period.parse(code))
    assert report.title.startswith("Отчет по результатам деятельности опорно-методической площадки ")
    assert "по теме «Развитие стационарозамещающих технологий»" in report.title
    assert report.title.endswith(in_title)


def test_title_does_not_repeat_omp_words():
    from lib.model.workbook import Settings
    s = Settings(omp_name="Опорно-методическая площадка Министерства социальной защиты населения",
                 topic="«Семья»", base_institution="КЦСОН Тотемского района", title_with_base="да")
    title = report_title(s, Period.parse("2026-H1"))
    assert title == ("Отчет по результатам деятельности опорно-методической площадки Министерства социальной "
                     "защиты населения на базе КЦСОН Тотемского района по теме «Семья» за 1 полугодие 2026 года")


def test_title_names_the_base_institution_only_when_the_settings_ask():
    from lib.model.workbook import Settings
    s = Settings(omp_name="Опорно-методическая площадка Департамента социальной защиты населения",
                 topic="Семья", base_institution="КЦСОН Тотемского района")
    assert report_title(s, Period.parse("2026-Q1")) == (
        "Отчет по результатам деятельности опорно-методической площадки Департамента социальной защиты населения "
        "по теме «Семья» в 1 квартале 2026 года")


def test_every_indicator_is_present_and_empty_ones_say_so(wb):
    report = build_report(wb, Period.parse("2026-Q1"))
    frame = default_criteria()
    assert [c.name for c in report.criteria] == SEED_CRITERIA
    assert len(report.indicators()) == len(frame)
    empty = find(report, "Привлечение дополнительных материально-технических ресурсов")
    assert empty.text == NO_DATA and not empty.has_data
    for criterion in report.criteria:
        assert [h for h, _ in criterion.sections()] == [KIND_HEADINGS[QUALITATIVE], KIND_HEADINGS[QUANTITATIVE]]


def test_quantitative_numbers_plurals_and_share(wb):
    report = build_report(wb, Period.parse("2026-Q1"), [NIK])
    talks = find(report, "Ведение эффективных профессиональных переговоров с учреждениями социального обслуживания "
                         "области", QUANTITATIVE)
    # topic groups of one base, largest first: 6 of 11 about СЗТ (54.5 % → 55 %), 5 about reports
    assert talks.text.startswith("Проведено 11 консультаций, из них 55 % — по вопросам применения СЗТ, "
                                 "45 % — по вопросам предоставления отчетности.")
    assert talks.numbers["type:консультация"] == 11
    assert talks.numbers["share:по вопросам применения СЗТ"] == 6
    assert talks.numbers["share:по вопросам предоставления отчетности"] == 5
    assert "Всего в мероприятиях приняли участие 22 специалиста." in talks.text
    assert "плана" not in talks.text            # the plan is the whole ОМП's: not said for one institution
    seminars = find(report, "Участие специалистов реабилитационных служб и отделений в семинарах-практикумах")
    # its topic is the narrative's («Проведение семинаров…»): the count does not repeat it
    assert seminars.text.startswith("Проведен 1 семинар-практикум для 9 учреждений.")
    assert "23 человека, в том числе 20 специалистов" in seminars.text
    speeches = find(report, "Выступления на семинарах, круглых столах, конференциях")
    assert speeches.text.startswith("Подготовлено 2 выступления (в том числе 1 доклад).")
    whole = find(build_report(wb, Period.parse("2026-Q1")), talks.name, QUANTITATIVE)
    assert whole.text.startswith("Проведено 12 консультаций (в 2 учреждениях), из них")
    assert whole.text.endswith("По п. 1.3 плана (Ежеквартально) — выполняется по графику.")   # 12 ≥ 10 due, of 40


@pytest.mark.parametrize("code, phrase", [
    ("2026-Q2", "Разработан 21 буклет"), ("2026-Q3", "Проведено 22 консультации"),
    ("2026-Q4", "Размещено 25 публикаций"), ("2026", "Разработан 21 буклет")])
def test_plural_forms_21_22_25_in_the_draft(wb, code, phrase):
    report = build_report(wb, Period.parse(code), [VYT])
    assert any(i.text.startswith(phrase) for i in report.indicators() if i.kind == QUANTITATIVE), phrase


@pytest.mark.parametrize("code", ["2026-Q1", "2026-Q2", "2026-H1", "2026-9M", "2026"])
@pytest.mark.parametrize("scope", [[], [NIK], [VYT, TAR]])
def test_numbers_equal_counts_for_the_same_period_and_scope(wb, code, scope):
    """Per kind (qualitative / quantitative) every row of a type the criteria name is described by
    exactly one indicator (unless a source says «повторно»): the «type:» numbers add up to the counts."""
    period = Period.parse(code)
    counts = counts_by_type(select_rows(wb, Selection(period, scope)).frame)
    report = build_report(wb, period, scope)
    checked = 0
    for kind in (QUALITATIVE, QUANTITATIVE):
        described: dict[str, int] = {}
        listed: set[str] = set()
        for ind in (i for i in report.indicators() if i.kind == kind):
            source, _ = parse_source(ind.source, wb)
            if source.again:
                continue
            listed |= set(source.types)
            for name, n in ind.numbers.items():
                if name.startswith("type:"):
                    described[name[5:]] = described.get(name[5:], 0) + n
                    if kind == QUANTITATIVE:
                        assert ru.format_number(n) in ind.text
        for t in listed:
            assert described.get(t, 0) == counts[t], (kind, t)
            checked += 1
        assert all(n <= counts[t] for t, n in described.items())
    assert checked > 10
    assert report.activity_rows == len(select_rows(wb, Selection(period, scope)).frame)


def test_qualitative_narrative_in_the_seed_style_and_within_the_period(wb):
    report = build_report(wb, Period.parse("2026-Q1"), [NIK])
    meetings = find(report, "Проведение рабочих совещаний с сотрудниками центра, участвующими в работе "
                            "опорно-методической площадки")
    # the count is the quantitative twin's («Проведение рабочих совещаний», п. 1.4): the narrative tells when and what
    assert meetings.text.startswith("Проведены совещания: 16 января (по теме «Разработка формуляра практики по "
                                    "ментальному добровольчеству – проект „Стань добрее!“»; 8 участников), "
                                    "01 февраля (по теме «Подготовка к отчетному собранию»; 6 участников), 13 марта")
    assert STAN_DOBREE[:20] in meetings.text
    seminars = find(report, "Проведение семинаров по обмену опытом специалистов комплексных центров социального "
                            "обслуживания по применению стационарозамещающих технологий социального обслуживания "
                            "граждан, страдающих психическими расстройствами")
    assert "13 марта" in seminars.text and "с участием 9 учреждений и 23 участников" in seminars.text
    assert "15 июля" not in seminars.text                      # the July webinar is not in Q1
    year = build_report(wb, Period.parse("2026"), [NIK])
    assert "15 июля" in find(year, seminars.name).text


def test_big_groups_are_summarised(wb):
    report = build_report(wb, Period.parse("2026-Q1"))
    talks = find(report, "Ведение эффективных профессиональных переговоров с учреждениями социального обслуживания "
                         "области", QUALITATIVE)
    assert talks.text.startswith("Проведены консультации в 2 учреждениях, с 12 января по 23 марта; в частности, ")
    counted = find(report, talks.name, QUANTITATIVE)
    assert counted.text.startswith("Проведено 12 консультаций (в 2 учреждениях)") and "12 консультаций" not in talks.text
    # the notable ones: most people first, one per topic, then the rest as a count
    assert "05 февраля (КЦСОН Вытегорский; по теме «Вопросы СЗТ»; 4 участника)" in talks.text
    notable = talks.text.count(" участника)") + talks.text.count(" участников)")
    assert talks.text.endswith(f" и еще {ru.plural(12 - notable, ru.activity_type('консультация').plural_forms)}.")


def test_monitoring_figures(wb):
    report = build_report(wb, Period.parse("2026-Q1"))
    road = find(report, "Результативное применение новых технологий, программ, обеспечивающих повышение качества "
                        "оказания услуг")
    assert road.text == ("По области данный показатель соответствует достижению 90 % "
                         "(сведения представили 2 из 3 учреждений).")
    assert road.numbers["monitoring:Достижение показателей дорожной карты"] == 90
    one = build_report(wb, Period.parse("2026-Q1"), [NIK])
    assert find(one, road.name).text == f"По учреждению {NIK} данный показатель соответствует достижению 88 %."
    services = find(build_report(wb, Period.parse("2026-H1")), "Открытие служб социально-реабилитационной помощи в "
                                                                "отчетном году")
    assert "«Открыто служб социально-реабилитационной помощи» за период — 3 ед." in services.text
    assert "Нет данных мониторинга за период по показателю «Заключено соглашений о партнерстве и волонтерстве»" \
        in services.text


def test_another_omps_criteria_replace_the_default(wb_other):
    report = build_report(wb_other, Period.parse("2026-Q1"))
    assert report.criteria_origin == "workbook"
    assert [c.name for c in report.criteria][2] == THIRD_CRITERION
    assert len(report.criteria) == 4 and len(report.indicators()) == len(OTHER_CRITERIA)
    third = report.criteria[2]
    assert [i.text for i in third.indicators] == [NO_DATA, NO_DATA]     # nobody trained specialists
    problems = [p.text for p in report.problems]
    assert len(problems) == 1 and "Вкладка «Критерии», строка 7" in problems[0] and "семинаристика" in problems[0]
    talks = find(report, "Консультации для учреждений")
    assert talks.text.startswith("Проведено 12 консультаций (в 2 учреждениях), из них 58 % — "
                                 "по вопросам применения СЗТ")
    four = report.criteria[3]
    assert four.qualitative == [] and [h for h, _ in four.sections()] == ["Количественные показатели"]
    assert find(report, "Семинары по обмену опытом").text.startswith(
        f"Проведен 1 семинар-практикум ({NIK}): 13 марта")      # the organising centre named, also for one


def test_with_edits_replaces_only_the_edited_texts(wb):
    report = build_report(wb, Period.parse("2026-Q1"))
    first, second = report.indicators()[:2]
    edited = report.with_edits({first.key: "Не привлекались.", "unknown": "x"})
    assert edited.indicator(first.key).text == "Не привлекались." and edited.indicator(first.key).edited
    assert edited.indicator(second.key).text == second.text and not edited.indicator(second.key).edited
    assert report.indicator(first.key).text == first.text             # the original is untouched


def test_empty_workbook_gives_a_complete_report_of_no_data(tmp_path):
    from tests.workbook_builder import write_workbook
    wb = load_workbook(write_workbook(tmp_path / "empty.xlsx", institutions={}))
    report = build_report(wb, Period.parse("2026-Q1"))
    assert len(report.indicators()) == len(default_criteria())
    assert all(i.text.startswith(NO_DATA) for i in report.indicators())


def test_drafting_a_year_of_28_institutions_by_1000_rows_is_fast():
    big = synthetic_workbook(28, 1000)
    build_report(big, Period.parse("2026-Q1"))                   # warm-up (imports, babel data)
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        report = build_report(big, Period.parse("2026"))
        timings.append(time.perf_counter() - start)
    assert report.activity_rows == 28_000
    assert min(timings) <= 1.0, timings
    assert all(len(i.text) < 4000 for i in report.indicators())     # long lists are summarised


def test_shared_report_data_gives_the_same_drafts(wb):
    """One `ReportData` kept across reports (as the page keeps it per loaded workbook) drafts exactly
    what a report built on its own does, whatever the order of periods and scopes."""
    data = ReportData(wb)
    names = wb.institution_names
    for code in ("2026-Q2", "2026", "2026-Q1", "2026-H1", "2026-9M"):
        for scope in ([], names[:1], names[:2]):
            shared = build_report(wb, Period.parse(code), scope, data=data)
            alone = build_report(wb, Period.parse(code), scope)
            assert [(i.key, i.text, i.numbers) for i in shared.indicators()] == \
                   [(i.key, i.text, i.numbers) for i in alone.indicators()]
            assert shared.activity_rows == alone.activity_rows == len(select_rows(wb, Selection(Period.parse(code), scope)).frame)


def test_keyword_search_over_all_texts_at_once_finds_what_a_text_by_text_search_finds():
    """Topic shares find their keywords with `str.find` over all the texts joined; that must give
    exactly `any(word in text)` per text — words at the edges, repeated, overlapping, empty."""
    import random

    from lib.report.draft import _TextSearch

    rng = random.Random(3)
    for _ in range(3000):
        texts = ["".join(rng.choice("ab \x00") for _ in range(rng.randrange(0, 8))) for _ in range(rng.randrange(0, 8))]
        words = tuple("".join(rng.choice("ab \x00") for _ in range(rng.randrange(0, 3)))
                      for _ in range(rng.randrange(1, 3)))
        found = _TextSearch(texts).containing(words)
        assert found.tolist() == [any(w in t for w in words) for t in texts], (texts, words)


def test_topics_folded_all_at_once_and_haystacks_built_by_column_match_the_text_by_text_way():
    """The report folds topics over all of them joined and builds each row's « topic type note » text
    column by column; both must give exactly what one text at a time gives."""
    import random

    import numpy as np

    from lib.validate.cellgrid import object_array
    from lib.model.contract import norm
    from lib.report.draft import _fold_topic, _folded_topics, _haystack_of, _normed_parts

    rng = random.Random(5)
    alphabet = "aZяЁё «»\".. ΣΑİ-\t"
    for _ in range(300):
        texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 9))) for _ in range(rng.randrange(1, 9))]
        assert _folded_topics(texts) == [_fold_topic(t) for t in texts], texts
        columns = []
        for _ in range(3):
            names = object_array(list(dict.fromkeys(texts)))
            columns.append((np.array([rng.randrange(-1, len(names)) for _ in texts]), names))
        built = _haystack_of(*(_normed_parts(codes, names) for codes, names in columns)).tolist()

        def part(codes, names, i):
            value = names[codes[i]] if codes[i] >= 0 else None
            return norm(value) if isinstance(value, str) and value else None
        expected = [" " + " ".join(p for p in (part(c, n, i) for c, n in columns) if p is not None) + " "
                    for i in range(len(texts))]
        assert built == expected
    assert _folded_topics(["a\x00b", "C"]) == ["a\x00b", "c"]          # a text holding the separator


def test_the_institutions_column_is_not_summed_past_the_region():
    """Meetings of many centres, each with 2–3 centres: their «Учреждений» add up past the region's 28
    centres, so no «для 49 учреждений»; whatever «для N учреждений» is said stays within the region."""
    demo_wb = load_workbook(ROOT / "sample_data" / "omp_2026_demo.xlsx")
    report = build_report(demo_wb, Period.parse("2026-Q1"))
    region = len(demo_wb.institution_names)
    said = [int(n) for i in report.indicators() for n in re.findall(r"для (\d+) учрежден", i.text)]
    assert all(n <= region for n in said), said
