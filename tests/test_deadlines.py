"""Tests for lib.model.deadlines: every `Сроки` form of DESIGN.md §5 and the seed plan, parsed to exact dates."""
from __future__ import annotations

from datetime import date

import pytest

from lib.model.deadlines import Deadline, _parse_normalised, month_end, parse_deadline, quarter_end

Y = 2026
QUARTER_ENDS = (date(Y, 3, 31), date(Y, 6, 30), date(Y, 9, 30), date(Y, 12, 31))
MONTH_ENDS = (date(Y, 1, 31), date(Y, 2, 28), date(Y, 3, 31), date(Y, 4, 30), date(Y, 5, 31),
              date(Y, 6, 30), date(Y, 7, 31), date(Y, 8, 31), date(Y, 9, 30), date(Y, 10, 31),
              date(Y, 11, 30), date(Y, 12, 31))
UNPARSED = ("Срок «{}» не распознан: укажите месяц, квартал или дату "
            "(например, «Март 2026» или «до 20 декабря»)")

# The `Сроки исполнения` cells of /work/shared/seeds/000_5b74c290d9a9f7e0.txt, verbatim.
SEED_CASES = [
    ("I квартал\n\n2026\n", (date(Y, 3, 31),)),
    ("По отдельному плану.\n\nМарт 2026 года\n", (date(Y, 3, 31),)),
    ("Ежеквартально \n", QUARTER_ENDS),
    ("Ежеквартально\n", QUARTER_ENDS),
    ("01 апреля\n\n01 июня\n\n01 октября\n\n01 декабря\n\n\n",
     (date(Y, 4, 1), date(Y, 6, 1), date(Y, 10, 1), date(Y, 12, 1))),
    ("04 декабря \n", (date(Y, 12, 4),)),
    ("Март, \n\nиюнь,\n\nсентябрь, декабрь \n\n2026 год\n",
     (date(Y, 3, 31), date(Y, 6, 30), date(Y, 9, 30), date(Y, 12, 31))),
    ("20 марта, \n\n15 июля,\n\n18 сентября\n", (date(Y, 3, 20), date(Y, 7, 15), date(Y, 9, 18))),
    ("Апрель, \n\nИюль\n\nдекабрь \n\n2026\n", (date(Y, 4, 30), date(Y, 7, 31), date(Y, 12, 31))),
    ("В течение года\n", (date(Y, 12, 31),)),
    ("II квартал\n\n2026\n", (date(Y, 6, 30),)),
    ("  II -III квартал\n\n2026\n", (date(Y, 9, 30),)),
    ("II квартал,\n\nIV квартал\n\n2026 года\n", (date(Y, 6, 30), date(Y, 12, 31))),
    ("до 01 апреля, \n\n01 июля, \n\n01 октября,  \n\n20 декабря\n",
     (date(Y, 4, 1), date(Y, 7, 1), date(Y, 10, 1), date(Y, 12, 20))),
    ("июнь,\n\nдекабрь\n\n2026\n", (date(Y, 6, 30), date(Y, 12, 31))),
    (" до\xa01 июля,\xa0\n\nдо 20 декабря\n", (date(Y, 7, 1), date(Y, 12, 20))),
    # the same cells as quoted in the brief (no trailing newline, plain spaces)
    ("Март, \n\nиюнь,\n\nсентябрь, декабрь \n\n2026 год",
     (date(Y, 3, 31), date(Y, 6, 30), date(Y, 9, 30), date(Y, 12, 31))),
    ("  II -III квартал\n\n2026", (date(Y, 9, 30),)),
    ("II квартал,\n\nIV квартал\n\n2026 года", (date(Y, 6, 30), date(Y, 12, 31))),
    ("I квартал\n\n2026", (date(Y, 3, 31),)),
    ("По отдельному плану.\n\nМарт 2026 года", (date(Y, 3, 31),)),
    ("01 апреля\n\n01 июня\n\n01 октября\n\n01 декабря",
     (date(Y, 4, 1), date(Y, 6, 1), date(Y, 10, 1), date(Y, 12, 1))),
    ("до 01 апреля, \n\n01 июля, \n\n01 октября,  \n\n20 декабря",
     (date(Y, 4, 1), date(Y, 7, 1), date(Y, 10, 1), date(Y, 12, 20))),
    (" до 1 июля, \n\nдо 20 декабря", (date(Y, 7, 1), date(Y, 12, 20))),
    ("Ежемесячно", MONTH_ENDS),
    ("Ежеквартально ", QUARTER_ENDS),
    ("В течение года", (date(Y, 12, 31),)),
    ("04 декабря ", (date(Y, 12, 4),)),
    ("20 марта, \n\n15 июля,\n\n18 сентября", (date(Y, 3, 20), date(Y, 7, 15), date(Y, 9, 18))),
    ("Апрель, \n\nИюль\n\nдекабрь \n\n2026", (date(Y, 4, 30), date(Y, 7, 31), date(Y, 12, 31))),
    ("июнь,\n\nдекабрь\n\n2026", (date(Y, 6, 30), date(Y, 12, 31))),
]

# DESIGN.md §5, one line each.
DESIGN_CASES = [
    ("I квартал 2026", (date(Y, 3, 31),)),
    ("По отдельному плану. Март 2026 года", (date(Y, 3, 31),)),
    ("Ежеквартально", QUARTER_ENDS),
    ("01 апреля 01 июня 01 октября 01 декабря",
     (date(Y, 4, 1), date(Y, 6, 1), date(Y, 10, 1), date(Y, 12, 1))),
    ("04 декабря", (date(Y, 12, 4),)),
    ("Март, июнь, сентябрь, декабрь 2026 год",
     (date(Y, 3, 31), date(Y, 6, 30), date(Y, 9, 30), date(Y, 12, 31))),
    ("20 марта, 15 июля, 18 сентября", (date(Y, 3, 20), date(Y, 7, 15), date(Y, 9, 18))),
    ("Апрель, Июль декабрь 2026", (date(Y, 4, 30), date(Y, 7, 31), date(Y, 12, 31))),
    ("Ежемесячно", MONTH_ENDS),
    ("В течение года", (date(Y, 12, 31),)),
    ("II квартал 2026", (date(Y, 6, 30),)),
    ("II -III квартал 2026", (date(Y, 9, 30),)),
    ("до 01 апреля, 01 июля, 01 октября, 20 декабря",
     (date(Y, 4, 1), date(Y, 7, 1), date(Y, 10, 1), date(Y, 12, 20))),
    ("июнь, декабрь 2026", (date(Y, 6, 30), date(Y, 12, 31))),
    ("до 1 июля, до 20 декабря", (date(Y, 7, 1), date(Y, 12, 20))),
]

# The forms listed in the product brief (and a few close relatives).
FORM_CASES = [
    # a month → its last day, in any case form and letter case
    ("Январь", (date(Y, 1, 31),)),
    ("января", (date(Y, 1, 31),)),
    ("в январе", (date(Y, 1, 31),)),
    ("февраль", (date(Y, 2, 28),)),
    ("май", (date(Y, 5, 31),)),
    ("в мае", (date(Y, 5, 31),)),
    ("до конца мая", (date(Y, 5, 31),)),
    ("НОЯБРЬ", (date(Y, 11, 30),)),
    ("сент. 2026", (date(Y, 9, 30),)),
    ("дек.", (date(Y, 12, 31),)),
    # a quarter → its last day; Roman or Arabic, abbreviated, with endings
    ("I квартал", (date(Y, 3, 31),)),
    ("1 кв.", (date(Y, 3, 31),)),
    ("1 кв", (date(Y, 3, 31),)),
    ("IV квартал 2026 года", (date(Y, 12, 31),)),
    ("3 квартал", (date(Y, 9, 30),)),
    ("2-й квартал", (date(Y, 6, 30),)),
    ("в III квартале", (date(Y, 9, 30),)),
    ("в течение I квартала", (date(Y, 3, 31),)),
    ("первый квартал", (date(Y, 3, 31),)),
    ("четвертый квартал", (date(Y, 12, 31),)),
    ("І квартал", (date(Y, 3, 31),)),  # Ukrainian «І» typed for a Roman I
    # quarter ranges → only the end of the last quarter
    ("II–III кв.", (date(Y, 9, 30),)),
    ("II—III квартал", (date(Y, 9, 30),)),
    ("1-2 квартал", (date(Y, 6, 30),)),
    ("с I по III квартал", (date(Y, 9, 30),)),
    ("II квартал - IV квартал", (date(Y, 12, 31),)),
    # lists of quarters → each quarter's end
    ("II квартал, IV квартал", (date(Y, 6, 30), date(Y, 12, 31))),
    ("II, IV кв.", (date(Y, 6, 30), date(Y, 12, 31))),
    ("I и III кварталы", (date(Y, 3, 31), date(Y, 9, 30))),
    # periodic forms
    ("ежеквартально", QUARTER_ENDS),
    ("ЕЖЕКВАРТАЛЬНО", QUARTER_ENDS),
    ("1 раз в квартал", QUARTER_ENDS),
    ("ежемесячно", MONTH_ENDS),
    ("ежемесячно до 10 числа", MONTH_ENDS),
    ("раз в месяц", MONTH_ENDS),
    ("ежеполугодно", (date(Y, 6, 30), date(Y, 12, 31))),
    # the whole year → its end
    ("в течение года", (date(Y, 12, 31),)),
    ("В течении года", (date(Y, 12, 31),)),
    ("постоянно", (date(Y, 12, 31),)),
    ("Ежегодно", (date(Y, 12, 31),)),
    ("в течение 2026 года", (date(Y, 12, 31),)),
    ("в течение 2026 г.", (date(Y, 12, 31),)),
    ("до конца года", (date(Y, 12, 31),)),
    ("2026 год", (date(Y, 12, 31),)),
    ("2026", (date(Y, 12, 31),)),
    # a year-end phrase next to a concrete date: the date is the due date
    ("ежегодно до 20 декабря", (date(Y, 12, 20),)),
    # half-years
    ("1 полугодие", (date(Y, 6, 30),)),
    ("2 полугодие", (date(Y, 12, 31),)),
    ("полугодие", (date(Y, 6, 30),)),
    ("I полугодие 2026 г.", (date(Y, 6, 30),)),
    ("2-е полугодие", (date(Y, 12, 31),)),
    ("второе полугодие", (date(Y, 12, 31),)),
    ("I и II полугодие", (date(Y, 6, 30), date(Y, 12, 31))),
    # day + month
    ("01 апреля", (date(Y, 4, 1),)),
    ("4 декабря", (date(Y, 12, 4),)),
    ("до 20 декабря", (date(Y, 12, 20),)),
    ("не позднее 15 января", (date(Y, 1, 15),)),
    ("1-го апреля", (date(Y, 4, 1),)),
    ("30 июня 2026 г.", (date(Y, 6, 30),)),
    ("1-15 марта", (date(Y, 3, 15),)),
    ("с 1 по 15 марта", (date(Y, 3, 15),)),
    ("с 1 марта по 15 апреля", (date(Y, 4, 15),)),
    # explicit dates
    ("15.03.2026", (date(Y, 3, 15),)),
    ("15.03.26", (date(Y, 3, 15),)),
    ("до 31.12.2026", (date(Y, 12, 31),)),
    ("до 31.12.2026 г.", (date(Y, 12, 31),)),
    ("01.07.2026г.", (date(Y, 7, 1),)),
    ("15/03/2026", (date(Y, 3, 15),)),
    ("2026-03-15", (date(Y, 3, 15),)),
    ("до 15.03", (date(Y, 3, 15),)),
    ("01.04.2026, 01.07.2026", (date(Y, 4, 1), date(Y, 7, 1))),
    # month lists, with or without commas, mixed case
    ("Апрель, Июль декабрь 2026", (date(Y, 4, 30), date(Y, 7, 31), date(Y, 12, 31))),
    ("март июнь сентябрь декабрь", (date(Y, 3, 31), date(Y, 6, 30), date(Y, 9, 30), date(Y, 12, 31))),
    ("ФЕВРАЛЬ; май; Август", (date(Y, 2, 28), date(Y, 5, 31), date(Y, 8, 31))),
    # month ranges → only the end month
    ("март-май 2026", (date(Y, 5, 31),)),
    ("Сентябрь – октябрь", (date(Y, 10, 31),)),
    ("с марта по май", (date(Y, 5, 31),)),
    # the year in any of its spellings
    ("Март 2026г", (date(Y, 3, 31),)),
    ("Март 2026 г.", (date(Y, 3, 31),)),
    ("Март 2026 год", (date(Y, 3, 31),)),
    ("Март 2026 года", (date(Y, 3, 31),)),
    # unrecognised words around a recognised date are ignored
    ("По отдельному плану. Март 2026 года", (date(Y, 3, 31),)),
    ("Совещание с руководителями, март", (date(Y, 3, 31),)),
    # duplicates collapse, output is sorted
    ("декабрь, IV квартал, 31.12.2026", (date(Y, 12, 31),)),
    ("20 декабря, 01 апреля", (date(Y, 4, 1), date(Y, 12, 20))),
]


@pytest.mark.parametrize("text, expected", SEED_CASES + DESIGN_CASES + FORM_CASES,
                         ids=lambda v: " ".join(v.split()) if isinstance(v, str) else None)
def test_parses_to_exact_checkpoints(text, expected):
    d = parse_deadline(text, Y)
    assert d.checkpoints == expected
    assert d.parsed is True
    assert d.problem is None
    assert d.text == text


@pytest.mark.parametrize("text, shown", [
    ("По отдельному плану", "По отдельному плану"),
    ("по согласованию", "по согласованию"),
    ("по запросам", "по запросам"),
    ("  по мере\n\nнеобходимости ", "по мере необходимости"),
    ("По отдельному плану 2026", "По отдельному плану 2026"),
    ("5 квартал", "5 квартал"),
    ("3 раза в год", "3 раза в год"),
    ("маршрут", "маршрут"),
    ("декада", "декада"),
    ("1.2", "1.2"),
])
def test_unrecognised_text_is_not_guessed(text, shown):
    d = parse_deadline(text, Y)
    assert d == Deadline(text=text, checkpoints=(), parsed=False, problem=UNPARSED.format(shown))


@pytest.mark.parametrize("text", ["", "   ", " \n\n ", None, float("nan")])
def test_empty_deadline(text):
    d = parse_deadline(text, Y)
    assert d.checkpoints == ()
    assert d.parsed is False
    assert d.problem == "Срок не указан"
    assert d.text == (text if isinstance(text, str) else "")


def test_invalid_date_alone_is_not_shifted():
    d = parse_deadline("31 февраля", Y)
    assert d.checkpoints == ()
    assert d.parsed is False
    assert d.problem == "Дата «31 февраля» не существует"


def test_invalid_date_among_valid_ones_is_skipped():
    d = parse_deadline("до 31 февраля, 20 марта", Y)
    assert d.checkpoints == (date(Y, 3, 20),)
    assert d.parsed is True
    assert d.problem == "Дата «31 февраля» не существует"


def test_invalid_numeric_date():
    d = parse_deadline("31.02.2026", Y)
    assert (d.checkpoints, d.parsed, d.problem) == ((), False, "Дата «31.02.2026» не существует")


def test_29_february_depends_on_the_year():
    assert parse_deadline("29 февраля", 2028).checkpoints == (date(2028, 2, 29),)
    d = parse_deadline("29 февраля", Y)
    assert (d.checkpoints, d.parsed) == ((), False)
    assert d.problem == "Дата «29 февраля» не существует в 2026 году"


def test_third_half_year_is_reported():
    d = parse_deadline("3 полугодие", Y)
    assert (d.checkpoints, d.parsed) == ((), False)
    assert d.problem == "«3 полугодие»: в году только два полугодия"


def test_open_range_start_is_not_a_due_date():
    d = parse_deadline("с 1 марта", Y)
    assert (d.checkpoints, d.parsed) == ((), False)
    assert d.problem == "Указано только начало срока («с 1 марта»): укажите, к какой дате выполнить"
    d = parse_deadline("Ежеквартально с 1 апреля", Y)
    assert d.checkpoints == QUARTER_ENDS and d.parsed is True
    assert d.problem == "Указано только начало срока («с 1 апреля»): укажите, к какой дате выполнить"


@pytest.mark.parametrize("text, expected", [
    ("I квартал 2027", (date(2027, 3, 31),)),
    ("Март, июнь 2027 года", (date(2027, 3, 31), date(2027, 6, 30))),
    ("до 20 декабря 2027 г.", (date(2027, 12, 20),)),
    ("Ежеквартально, 2027 год", (date(2027, 3, 31), date(2027, 6, 30), date(2027, 9, 30),
                                 date(2027, 12, 31))),
    ("в течение 2027 года", (date(2027, 12, 31),)),
    ("2027г: 01 апреля, 01 июля", (date(2027, 4, 1), date(2027, 7, 1))),
    ("15.03.2027, 20 декабря", (date(2027, 3, 15), date(2027, 12, 20))),
    ("Март 2026, декабрь 2027", (date(2026, 3, 31), date(2027, 12, 31))),
    ("декабрь 2026 года - январь 2027 года", (date(2027, 1, 31),)),
])
def test_year_in_text_beats_default_year(text, expected):
    assert parse_deadline(text, 2025).checkpoints == expected


@pytest.mark.parametrize("text, expected", [
    ("I квартал", (date(2025, 3, 31),)),
    ("04 декабря", (date(2025, 12, 4),)),
    ("февраль", (date(2025, 2, 28),)),
    ("В течение года", (date(2025, 12, 31),)),
    ("2 полугодие", (date(2025, 12, 31),)),
])
def test_default_year_used_when_text_has_none(text, expected):
    assert parse_deadline(text, 2025).checkpoints == expected


def test_february_end_in_a_leap_year():
    assert parse_deadline("февраль", 2028).checkpoints == (date(2028, 2, 29),)
    assert parse_deadline("ежемесячно", 2028).checkpoints[1] == date(2028, 2, 29)


def test_date_cells_from_excel():
    from datetime import datetime
    assert parse_deadline(date(2026, 3, 1), 2025) == Deadline("01.03.2026", (date(2026, 3, 1),), True, None)
    assert parse_deadline(datetime(2026, 3, 1, 12, 0), 2025).checkpoints == (date(2026, 3, 1),)


def test_helpers():
    assert month_end(2026, 2) == date(2026, 2, 28)
    assert month_end(2028, 2) == date(2028, 2, 29)
    assert month_end(2026, 4) == date(2026, 4, 30)
    assert [quarter_end(2026, q) for q in (1, 2, 3, 4)] == list(QUARTER_ENDS)
    with pytest.raises(ValueError):
        quarter_end(2026, 5)
    with pytest.raises(ValueError):
        month_end(2026, 13)


def test_results_are_cached_by_normalised_text_and_year():
    _parse_normalised.cache_clear()
    a = parse_deadline("II квартал,\n\nIV квартал\n\n2026 года", 2025)
    b = parse_deadline("  II квартал, IV квартал 2026 года ", 2025)
    info = _parse_normalised.cache_info()
    assert (info.misses, info.hits) == (1, 1)
    assert a.checkpoints == b.checkpoints == (date(Y, 6, 30), date(Y, 12, 31))
    assert a.text != b.text  # each keeps its own original text
    parse_deadline("II квартал, IV квартал 2026 года", 2024)
    assert _parse_normalised.cache_info().misses == 2
