"""lib.russian — plurals, activity-type grammar, numbers, percents, dates, quarter and period names — and
the declarations it reads: activity types (`lib.model.contract`), period kinds (`lib.model.periods`)."""
from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

import lib.russian as ru
from lib.data import INDICATORS_FILE
from lib.model import contract as C
from lib.model.periods import PERIOD_KINDS, SELECTABLE_KINDS, Period, quarter_name
from tests.expected import type_verb

NB = "\u00a0"

# --------------------------------------------------------------------------- activity types

# Every type with a count of 1 / 3 / 5 and the report's verb that agrees with it, written out by hand.
TYPE_PHRASES = {
    "консультация": ("проведена 1 консультация", "проведено 3 консультации", "проведено 5 консультаций"),
    "семинар": ("проведен 1 семинар", "проведено 3 семинара", "проведено 5 семинаров"),
    "совещание": ("проведено 1 совещание", "проведено 3 совещания", "проведено 5 совещаний"),
    "круглый стол": ("проведен 1 круглый стол", "проведено 3 круглых стола", "проведено 5 круглых столов"),
    "мастер-класс": ("проведен 1 мастер-класс", "проведено 3 мастер-класса", "проведено 5 мастер-классов"),
    "стажировка": ("организована 1 стажировка", "организовано 3 стажировки", "организовано 5 стажировок"),
    "конференция": ("проведена 1 конференция", "проведено 3 конференции", "проведено 5 конференций"),
    "выступление": ("подготовлено 1 выступление", "подготовлено 3 выступления", "подготовлено 5 выступлений"),
    "публикация": ("размещена 1 публикация", "размещено 3 публикации", "размещено 5 публикаций"),
    "буклет": ("разработан 1 буклет", "разработано 3 буклета", "разработано 5 буклетов"),
    "формуляр практики": ("разработан 1 формуляр практики", "разработано 3 формуляра практики",
                          "разработано 5 формуляров практики"),
    "методические материалы": ("разработан 1 методический материал", "разработано 3 методических материала",
                               "разработано 5 методических материалов"),
    "видеоматериал": ("подготовлен 1 видеоматериал", "подготовлено 3 видеоматериала",
                      "подготовлено 5 видеоматериалов"),
    "мероприятие для получателей": ("проведено 1 мероприятие для получателей",
                                    "проведено 3 мероприятия для получателей",
                                    "проведено 5 мероприятий для получателей"),
    "соглашение": ("заключено 1 соглашение", "заключено 3 соглашения", "заключено 5 соглашений"),
    "мониторинг": ("проведен 1 мониторинг", "проведено 3 мониторинга", "проведено 5 мониторингов"),
    "обучение специалистов": ("проведено 1 обучение специалистов", "проведено 3 обучения специалистов",
                              "проведено 5 обучений специалистов"),
}


def test_every_activity_type_has_its_phrases():
    assert set(TYPE_PHRASES) == set(C.ACTIVITY_TYPE_NAMES)
    for kind, expected in TYPE_PHRASES.items():
        said = tuple(f"{type_verb(kind, n)} {ru.count_phrase(n, kind)}" for n in (1, 3, 5))
        assert said == expected, kind


@pytest.mark.parametrize("n, form", [(21, 0), (22, 1), (25, 2), (11, 2), (101, 0), (112, 2)])
def test_counts_past_twenty_take_the_cldr_form(n, form):
    for t in C.ACTIVITY_TYPES:
        assert ru.count_phrase(n, t.name) == f"{ru.format_number(n)} {t.plural_forms[form]}"


def test_nominative_plurals_of_types():
    assert {t.name: t.plural_nominative for t in C.ACTIVITY_TYPES if " " in t.name} == {
        "круглый стол": "круглые столы", "формуляр практики": "формуляры практики",
        "методические материалы": "методические материалы",
        "мероприятие для получателей": "мероприятия для получателей",
        "обучение специалистов": "обучения специалистов"}
    assert C.ACTIVITY_TYPE_BY_NAME["семинар"].plural_nominative == "семинары"


def test_headline_groups_come_from_the_types():
    assert C.ACTIVITY_GROUPS == {"Консультации": ("консультация",), "Семинары": ("семинар",),
                                 "Публикации": ("публикация",),
                                 "Материалы": ("буклет", "формуляр практики", "методические материалы")}


def test_an_unknown_type_has_no_silent_grammar():
    with pytest.raises(KeyError, match="вебинары"):
        ru.count_phrase(2, "вебинары")
    with pytest.raises(KeyError):
        type_verb("вебинары", 2)


def test_a_type_without_grammar_is_refused():
    seminar = C.ACTIVITY_TYPE_BY_NAME["семинар"]
    with pytest.raises(TypeError):
        C.ActivityType("вебинар", ("вебинар", "вебинара", "вебинаров"), "вебинары")    # no gender, no verb
    with pytest.raises(ValueError, match="gender"):
        replace(seminar, gender="")
    with pytest.raises(ValueError, match="verb"):
        replace(seminar, verb="")
    with pytest.raises(ValueError, match="plural forms"):
        replace(seminar, plural_forms=("семинар", "семинара"))
    with pytest.raises(ValueError, match="nominative"):
        replace(seminar, plural_nominative=" ")


def test_a_type_declared_without_grammar_fails_at_import(tmp_path, monkeypatch):
    """The contract module itself, with one type's gender taken out, does not import."""
    source = Path(C.__file__).read_text(encoding="utf-8")
    declared = 'gender="m", verb="проведен", group="Семинары",'
    assert source.count(declared) == 1
    broken = tmp_path / "contract_without_grammar.py"
    broken.write_text(source.replace(declared, 'verb="проведен", group="Семинары",'), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("contract_without_grammar", broken)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    with pytest.raises(TypeError, match="gender"):
        spec.loader.exec_module(module)


def test_participle_agrees_with_the_count():
    assert ru.participle("проведен", 1, "f") == "проведена"
    assert ru.participle("проведен", 21, "m") == "проведен"
    assert ru.participle("проведен", 2, "f") == "проведено"
    assert ru.took_part(1) == "принял участие" and ru.took_part(3) == "приняли участие"


# --------------------------------------------------------------------------- numbers, percents, dates


def test_russian_number_and_date_formats():
    assert ru.format_number(1234567) == "1\u00a0234\u00a0567"
    assert ru.format_number(88.5) == "88,5" and ru.format_number(12.0) == "12" and ru.format_number(None) == "—"
    assert ru.format_number(float("nan")) == "—" and ru.format_number(0.25, 2) == "0,25"
    assert ru.format_share(0.425) == "42\u00a0%" and ru.format_share(None) == "—"
    assert ru.format_date_numeric(date(2026, 3, 5)) == "05.03.2026" and ru.format_date_numeric(None) == "—"
    assert [ru.plural_word(n, ("ошибка", "ошибки", "ошибок")) for n in (1, 2, 5, 11, 21, 22, 112)] == \
        ["ошибка", "ошибки", "ошибок", "ошибок", "ошибка", "ошибки", "ошибок"]
    assert ru.quarters_text([2]) == "II квартал" and ru.quarters_text([1, 3]) == "I, III кварталы"


def test_numbers_with_decimals():
    assert ru.format_number(110.95, 2) == "110,95"
    assert ru.format_number(110.95) == "111"                     # one decimal by default, half up
    assert ru.format_number(2.25) == "2,3"                       # school rounding, not half to even
    assert ru.format_number(12345.5) == f"12{NB}345,5"
    assert ru.format_number(3.14159, 0) == "3"
    assert ru.plural(1.5, ("процент", "процента", "процентов")) == "1,5 процента"


def test_missing_values_read_as_a_dash():
    pd = pytest.importorskip("pandas")
    assert ru.format_number(pd.NA) == ru.format_percent(float("nan")) == ru.format_date_numeric(pd.NaT) == "—"


def test_percent_formats():
    assert ru.format_percent(55, 0) == "55 %"                   # text: the report's plain space
    assert ru.format_percent(88.25) == "88,3 %"
    assert ru.format_percent(54.5, 0) == "55 %"
    assert ru.format_share(0.5) == f"50{NB}%"                   # screen: bound to the number
    assert ru.format_share(0.125, 1) == f"12,5{NB}%"
    assert ru.format_share(2 / 3) == f"67{NB}%"
    assert ru.share_percent(6, 11) == 55 and ru.share_percent(1, 0) is None


def test_dates():
    assert ru.format_dates_numeric([date(2026, 1, 16), date(2026, 4, 15)]) == "16.01.2026, 15.04.2026"
    assert ru.format_dates_numeric([]) == ""
    assert ru.format_day_month(date(2026, 12, 31)) == "31 декабря"


def test_institutions_text():
    assert ru.institutions_text([], 28) == "все учреждения (28)" and ru.institutions_text([]) == "все учреждения"
    assert ru.institutions_text(["А", "Б"]) == "А, Б"
    assert ru.institutions_text(["А", "Б", "В", "Г", "Д"]) == "5 учреждений"


# --------------------------------------------------------------------------- period names


def test_quarter_names():
    assert [quarter_name(q) for q in (1, 2, 3, 4)] == ["I квартал", "II квартал", "III квартал", "IV квартал"]
    assert [ru.quarter_label(q) for q in (1, 4)] == ["I кв.", "IV кв."]
    assert ru.quarters_text([]) == ""


def test_period_kind_names():
    forms = {k.code: (k.name, Period.of_kind(2026, k.code).label, Period.of_kind(2026, k.code).in_title,
                      Period.of_kind(2026, k.code).file_suffix) for k in PERIOD_KINDS}
    assert forms == {
        "Q1": ("I квартал", "I квартал 2026", "в 1 квартале 2026 года", "1кв"),
        "Q2": ("II квартал", "II квартал 2026", "в 2 квартале 2026 года", "2кв"),
        "Q3": ("III квартал", "III квартал 2026", "в 3 квартале 2026 года", "3кв"),
        "Q4": ("IV квартал", "IV квартал 2026", "в 4 квартале 2026 года", "4кв"),
        "H1": ("1 полугодие", "1 полугодие 2026", "за 1 полугодие 2026 года", "1пг"),
        "H2": ("2 полугодие", "2 полугодие 2026", "за 2 полугодие 2026 года", "2пг"),
        "9M": ("9 месяцев", "9 месяцев 2026", "за 9 месяцев 2026 года", "9мес"),
        "Y": ("Год", "2026 год", "за 2026 год", "год"),
    }
    assert [k.name for k in SELECTABLE_KINDS.values()] == ["I квартал", "II квартал", "III квартал", "IV квартал",
                                                          "1 полугодие", "9 месяцев", "Год"]


def test_period_codes_round_trip():
    for kind in PERIOD_KINDS:
        period = Period.of_kind(2026, kind.code)
        assert Period.parse(period.code) == period and period.kind == kind
    assert Period.parse("2026").code == "2026" and Period.parse("2026-h1").code == "2026-H1"
    with pytest.raises(ValueError, match="не распознан"):
        Period.parse("2026-Y")
    with pytest.raises(KeyError):
        Period.of_kind(2026, "Q5")


def test_a_span_without_a_kind_is_still_named():
    span = Period(2026, 2, 3)
    assert span.kind is None
    assert (span.code, span.label, span.in_title, span.file_suffix) == \
        ("2026-Q2-Q3", "II–III кварталы 2026", "за II–III кварталы 2026", "2-3кв")


# --------------------------------------------------------------------------- default indicators (data file)


def test_default_indicators_are_read_from_the_data_file(tmp_path):
    assert C.DEFAULT_MONITORING_INDICATORS == C.read_indicators_file(INDICATORS_FILE)
    road = next(i for i in C.DEFAULT_MONITORING_INDICATORS if i.name == "Достижение показателей дорожной карты")
    assert (road.unit, road.over_time, road.over_region, road.is_percent) == ("%", "последнее", "среднее", True)
    assert road.synonyms == ("дорожная карта", "достижение дорожной карты", "выполнение дорожной карты")
    own = tmp_path / "indicators.csv"
    own.write_text("Показатель,Единица,За период,По области,Синонимы\nОткрыто кружков,ед.,сумма,сумма,кружки; клубы\n",
                   encoding="utf-8")
    assert C.read_indicators_file(own) == (C.MonitoringIndicator("Открыто кружков", "ед.", "сумма", "сумма",
                                                                 ("кружки", "клубы")),)
