"""The demo workbook (sample_data/omp_2026_demo.xlsx): regenerated deterministically by
sample_data/make_sample.py, loads fast, looks like a real 2026, and each planted mistake is reported
at exactly the cell where it was planted (or, for the mess the loader is meant to absorb, loaded right)."""
from __future__ import annotations

import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from lib.model import contract as C
from lib.loader import SAMPLE_WORKBOOK, load_workbook
from lib.model.workbook import ERROR, WARNING
from lib.export.template import load_institutions

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "sample_data" / "make_sample.py"
BASE = "КЦСОН Кичменгско-Городецкого"
BEHIND = ("КЦСОН Вашкинского района", "КЦСОН Сямженского района", "КЦСОН Междуреченского района")

# (tab, cell, severity, key phrase) — every issue the demo must produce, and no other error.
PLANTED_ISSUES = [
    ("КЦСОН Грязовецкого района", "A7", ERROR, "«31.02.2026» не существует"),
    ("КЦСОН Тарногского района", "A14", ERROR, "Не удалось распознать дату «март»"),
    ("КЦСОН Харовского района", "A19", ERROR, "Не указана дата мероприятия"),
    ("КЦСОН Тотемского района", "B11", ERROR, "«Анкетирование» не из списка"),
    ("КЦСОН Шекснинского района", "E6", ERROR, "«двенадцать» — не число"),
    ("КЦСОН Бабушкинского района", "F213", ERROR, "«нет данных» — не число"),
    ("КЦСОН Великоустюгского района", "E11", WARNING, "«более 30» учтено как 30"),
    ("КЦСОН «Забота»", "A27", WARNING, "не указан год: учтено как 20.05.2026"),
    ("КЦСОН Бабаевского района", "C8", WARNING, "Пункта 2.14 нет в плане работы"),
    ("КЦСОН Чагодощенского района", "A38", WARNING, "Строка итогов не учитывается"),
    ("КЦСОН г. Вологды", "J5", WARNING, "«Ответственный специалист» не входит в шаблон"),
    ("КЦСОН Нюксенского района", "", WARNING, "нет в списке учреждений"),
]


def _cells(path: Path) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}


def _generate(path: Path) -> str:
    proc = subprocess.run([sys.executable, str(SCRIPT), str(path)], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample")
    first, second = folder / "first.xlsx", folder / "second.xlsx"
    return first, second, _generate(first), _generate(second)


@pytest.fixture(scope="module")
def wb():
    return load_workbook(SAMPLE_WORKBOOK)


def _acts(wb, tab):
    return wb.activities[wb.activities["tab"] == tab]


def _row(wb, tab, row):
    rows = wb.activities[(wb.activities["tab"] == tab) & (wb.activities["row"] == row)]
    assert len(rows) == 1, f"row {row} of «{tab}» not loaded"
    return rows.iloc[0]


# --------------------------------------------------------------------------- regeneration


def test_regeneration_is_deterministic(generated):
    first, second, out1, out2 = generated
    assert _cells(first) == _cells(second)
    assert first.read_bytes() == second.read_bytes()            # timestamps are pinned too
    assert out1 == out2.replace(str(second), str(first))


def test_committed_sample_equals_a_fresh_generation(generated):
    assert SAMPLE_WORKBOOK.exists()
    assert _cells(SAMPLE_WORKBOOK) == _cells(generated[0]), \
        "sample_data/omp_2026_demo.xlsx is stale: run python sample_data/make_sample.py"


def test_script_lists_the_planted_cells(generated):
    out = generated[2]
    for tab, cell, _, _ in PLANTED_ISSUES:
        assert (f"{tab}!{cell}" if cell else tab) in out


# --------------------------------------------------------------------------- loads, fast, consistent


def test_sample_loads_fast():
    start = time.perf_counter()
    load_workbook(SAMPLE_WORKBOOK)
    assert time.perf_counter() - start < 3.0


def test_issue_counts_and_accounting(wb):
    errors = wb.issues[wb.issues["severity"] == ERROR]
    warnings = wb.issues[wb.issues["severity"] == WARNING]
    assert 5 <= len(errors) <= 12
    assert 3 <= len(warnings) <= 12
    acc = wb.accounting
    assert acc.rows_total == acc.rows_loaded + acc.rows_rejected
    assert acc.rows_loaded == len(wb.activities)
    assert acc.rows_rejected == 6                      # five bad rows and the «Итого» row
    summary = wb.tab_summary
    assert (summary["rows_total"] == summary["rows_loaded"] + summary["rows_rejected"]).all()
    assert summary["rows_total"].sum() == acc.rows_total


@pytest.mark.parametrize("tab, cell, severity, phrase", PLANTED_ISSUES)
def test_planted_issue_is_reported_at_its_cell(wb, tab, cell, severity, phrase):
    tabs = wb.issues["tab"].str.strip()
    found = wb.issues[(tabs == tab) & (wb.issues["cell"] == cell)]
    assert any(s == severity and phrase in m for s, m in zip(found["severity"], found["message"])), \
        f"no {severity} «{phrase}» at {tab}!{cell}: {list(found['message'])}"


def test_no_other_issues(wb):
    expected = {(tab, cell) for tab, cell, _, _ in PLANTED_ISSUES}
    actual = set(zip(wb.issues["tab"].str.strip(), wb.issues["cell"]))
    assert actual == expected


# --------------------------------------------------------------------------- mess the loader absorbs


def test_text_date_with_a_two_digit_year(wb):
    assert _row(wb, "КЦСОН Белозерского района", 10)["date"].date() == date(2026, 3, 15)


def test_webinar_is_a_seminar(wb):
    row = _row(wb, "КЦСОН Сокольского района", 9)
    assert (row["type"], row["type_raw"]) == ("семинар", "Вебинар")


def test_count_with_a_unit(wb):
    assert _row(wb, "КЦСОН Вологодского района", 21)["participants"] == 12


@pytest.mark.parametrize("tab, row", [("КЦСОН Кирилловского района", 20), ("КЦСОН Устюженского района", 17)])
def test_plan_numbers_written_loosely(wb, tab, row):
    assert _row(wb, tab, row)["plan_item"] == "2.4"


def test_plan_item_not_in_the_plan_is_dropped_but_the_row_counts(wb):
    assert pd.isna(_row(wb, "КЦСОН Бабаевского района", 8)["plan_item"])


def test_date_merged_over_two_rows_applies_to_both(wb):
    first, second = _row(wb, "КЦСОН Вожегодского района", 28), _row(wb, "КЦСОН Вожегодского района", 29)
    assert first["date"] == second["date"]


def test_merged_title_row_and_blank_row_are_skipped(wb):
    verkh = _acts(wb, "КЦСОН Верховажского района")
    assert 16 not in set(verkh["row"]) and {15, 17} <= set(verkh["row"])
    vyt = _acts(wb, "КЦСОН Вытегорского района")
    assert 25 not in set(vyt["row"]) and {24, 26} <= set(vyt["row"])


def test_reordered_columns_load_into_the_right_fields(wb):
    acts = _acts(wb, "КЦСОН Череповецкого района")
    assert len(acts) >= 20
    assert acts["type"].isin(C.ACTIVITY_TYPE_NAMES).all()
    assert (acts["topic"].str.len() > 20).all()
    vk = acts[acts["type"] == "публикация"]
    assert len(vk) and vk["link"].str.startswith("https://vk.com/").all()


def test_trailing_space_tab_belongs_to_its_listed_institution(wb):
    inst = wb.institutions.set_index("institution")
    assert inst.at["КЦСОН Кадуйского района", "tab"] == "КЦСОН Кадуйского района "
    assert inst.at["КЦСОН Кадуйского района", "listed"]
    assert len(wb.activities[wb.activities["institution"] == "КЦСОН Кадуйского района"]) > 10


def test_unlisted_tab_is_still_loaded(wb):
    inst = wb.institutions.set_index("institution")
    assert not inst.at["КЦСОН Нюксенского района", "listed"]
    assert len(wb.activities[wb.activities["institution"] == "КЦСОН Нюксенского района"]) > 10


def test_percent_typed_with_a_sign(wb):
    mon = wb.monitoring
    value = mon[(mon["institution"] == "КЦСОН Сокольского района") & (mon["quarter"] == 3)
                & (mon["indicator"] == "Достижение показателей дорожной карты")]["value"].iloc[0]
    assert 60 <= value <= 100


# --------------------------------------------------------------------------- a believable year


def test_all_28_centres_report(wb):
    names = {i["institution"] for i in load_institutions()}
    assert set(wb.institutions["institution"]) == names
    assert set(wb.activities["institution"]) == names
    counts = wb.activities.groupby("institution").size()
    assert counts.idxmax() == BASE and counts[BASE] >= 80
    others = counts.drop([BASE, *BEHIND])
    assert others.between(20, 60).all(), others


def test_activity_dates_and_vocabulary(wb):
    acts = wb.activities
    assert acts["date"].min() >= pd.Timestamp(2026, 1, 1)
    assert acts["date"].max() <= pd.Timestamp(2026, 11, 15)
    assert set(acts["quarter"]) == {1, 2, 3, 4}
    assert acts["type"].isin(C.ACTIVITY_TYPE_NAMES).all()
    plan_items = set(wb.plan["item"])
    cited = set(acts["plan_item"].dropna())
    assert cited <= plan_items and {"1.3", "2.2", "2.3", "2.4", "3.1", "3.2"} <= cited
    seminars = acts[(acts["type"] == "семинар") & (acts["plan_item"] == "2.2")]
    assert sorted(seminars["date"].dt.date) == [date(2026, 3, 20), date(2026, 7, 15), date(2026, 9, 18)]
    pubs = acts[acts["type"] == "публикация"]
    assert pubs["link"].str.startswith("https://vk.com/").mean() > 0.9


def test_behind_centres_have_nothing_after_june(wb):
    for name in BEHIND:
        acts = wb.activities[wb.activities["institution"] == name]
        assert len(acts) > 0
        assert not acts["quarter"].isin([3, 4]).any(), name
        mon = wb.monitoring[(wb.monitoring["institution"] == name) & wb.monitoring["quarter"].isin([3, 4])]
        assert mon["value"].isna().all()


def test_monitoring_figures_are_plausible(wb):
    mon = wb.monitoring
    road = mon[(mon["indicator"] == "Достижение показателей дорожной карты") & mon["value"].notna()]
    assert road["value"].between(60, 100).all() and len(road) > 60
    assert mon[mon["quarter"] == 4]["value"].isna().all()      # Q4 is not over in mid-November
    q1 = mon[(mon["quarter"] == 1) & mon["value"].notna()]
    assert set(q1["institution"]) == set(wb.institutions["institution"])
    blank_q1_q2 = mon[mon["quarter"].isin([1, 2]) & mon["value"].isna()]
    assert set(blank_q1_q2["institution"]) == {"КЦСОН Харовского района", "КЦСОН Никольского района",
                                               "КЦСОН Бабушкинского района"}   # the last: «нет данных»
