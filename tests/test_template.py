"""The workbook template (lib/export/template.py): what a coordinator sends out must load cleanly and guide
the people who fill it (drop-downs, date and number validation, frozen header, instructions)."""
from __future__ import annotations

from datetime import date

import openpyxl
import pytest

from lib.model import contract as C
from lib.loader import load_workbook
from lib.model.workbook import ERROR
from lib.export.template import (DATA_ROWS, LISTS_TAB, PLAN_LIST_ROWS, build_template, load_institutions, load_plan,
                                 safe_tab_name, template_bytes, write_template)
from tests.workbook_builder import ACTIVITY_HEADER, write_workbook

INSTITUTIONS = load_institutions()
PLAN = load_plan()
ITEMS = [i["item"] for i in PLAN["items"]]


@pytest.fixture(scope="module")
def template_path(tmp_path_factory):
    return write_template(tmp_path_factory.mktemp("template") / "шаблон.xlsx")


@pytest.fixture(scope="module")
def loaded(template_path):
    return load_workbook(template_path)


@pytest.fixture(scope="module")
def xlsx(template_path):
    return openpyxl.load_workbook(template_path)


@pytest.fixture(scope="module")
def layouts():
    return build_template()[1]


# --------------------------------------------------------------------------- data files


def test_institutions_file_lists_the_28_centres_with_valid_tab_names():
    names = [i["institution"] for i in INSTITUTIONS]
    assert len(names) == 28 == len(set(names))
    for name in names:
        assert len(name) <= 31 and not set(name) & set("[]:*?/\\"), name
        assert C.service_tab_kind(name) is None
    districts = {i["district"] for i in INSTITUTIONS}
    for expected in ("Бабаевский район", "Кичменгско-Городецкий район", "Шекснинский район", "г. Вологда",
                     "г. Череповец"):
        assert expected in districts
    assert "КЦСОН г. Вологды" in names and "КЦСОН «Забота»" in names
    assert all(i["full_name"].startswith("БУ СО ВО «Комплексный центр социального обслуживания населения")
               for i in INSTITUTIONS)


def test_plan_file_holds_the_seed_plan_with_known_activity_types():
    assert ITEMS == ["1.1", "1.2", "1.3", "1.4", "1.5", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "2.8",
                     "2.9", "2.10", "3.1", "3.2", "3.3", "3.4"]
    for item in PLAN["items"]:
        assert item["title"] and item["deadline_text"] and item["section"]
        assert not item["indicator"] or item["indicator"] in C.ACTIVITY_TYPE_NAMES
        assert not item["count_what"] or item["count_what"] in C.COUNT_WHAT
        assert not item["target_period"] or item["target_period"] in ("год", "квартал", "месяц")
    settings = PLAN["settings"]
    assert settings["omp_name"] == "БУ СО ВО «КЦСОН Кичменгско-Городецкого района»"
    assert settings["approve_name"] == "Л.А. Андреевская" and settings["approve_position"].startswith("Директор")
    assert settings["year"] == 2026
    assert settings["base_institution"] in [i["institution"] for i in INSTITUTIONS]


# --------------------------------------------------------------------------- loads cleanly


def test_template_loads_with_zero_errors_and_no_rows(loaded):
    assert loaded.error_count == 0, loaded.issues[loaded.issues["severity"] == ERROR]
    assert (loaded.accounting.rows_total, loaded.accounting.rows_loaded, loaded.accounting.rows_rejected) == (0, 0, 0)
    assert loaded.activities.empty
    # the only remarks: "has not entered any activity", once per institution
    assert len(loaded.issues) == len(INSTITUTIONS)
    assert loaded.issues["message"].str.contains("не внесло ни одного мероприятия").all()


def test_every_institution_is_listed_with_its_tab(loaded):
    inst = loaded.institutions
    assert list(inst["institution"]) == [i["institution"] for i in INSTITUTIONS]
    assert list(inst["tab"]) == list(inst["institution"])
    assert inst["listed"].all()
    assert list(inst["full_name"]) == [i["full_name"] for i in INSTITUTIONS]
    summary = loaded.tab_summary
    assert set(summary["tab"]) == {i["institution"] for i in INSTITUTIONS}
    assert summary["has_activities"].all() and summary["has_monitoring"].all()


def test_monitoring_block_has_every_default_indicator_and_no_values(loaded):
    mon = loaded.monitoring
    assert set(mon["indicator"]) == {i.name for i in C.DEFAULT_MONITORING_INDICATORS}
    assert len(mon) == len(INSTITUTIONS) * len(C.DEFAULT_MONITORING_INDICATORS) * 4
    assert mon["value"].isna().all()


def test_settings_are_prefilled(loaded):
    s = loaded.settings
    assert s.year == 2026
    assert s.omp_name == PLAN["settings"]["omp_name"]
    assert s.topic.startswith("Развитие в Вологодской области") and "психическими расстройствами" in s.topic
    assert s.approve_name == "Л.А. Андреевская"
    assert s.agree_position and s.agree_name and s.base_institution


def test_plan_items_with_targets_and_parsed_checkpoints(loaded):
    plan = loaded.plan.set_index("item")
    assert list(plan.index) == ITEMS
    assert plan["deadline_parsed"].all()
    assert all(len(c) >= 1 for c in plan["checkpoints"])
    expected = {"1.3": ("консультация", 10, "квартал"), "2.2": ("семинар", 3, "год"),
                "2.3": ("формуляр практики", 5, "год"), "2.4": ("буклет", 15, "год"),
                "3.1": ("публикация", 24, "год"), "1.2": ("совещание", 1, "год"),
                "1.5": ("мероприятие для получателей", 1, "год")}
    for item, (indicator, target, period) in expected.items():
        assert (plan.at[item, "indicator"], plan.at[item, "target"], plan.at[item, "target_period"]) == \
            (indicator, target, period), item
    assert plan.at["2.5", "indicator"] == "выступление" and plan.at["2.6", "indicator"] == "консультация"
    assert plan.at["2.1", "indicator"] == plan.at["2.10", "indicator"] == "мониторинг"
    assert plan.at["2.2", "checkpoints"] == [date(2026, 3, 20), date(2026, 7, 15), date(2026, 9, 18)]
    assert plan.at["1.3", "checkpoints"][-1] == date(2026, 12, 31)
    assert plan.at["1.1", "section"].startswith("I. Организационные")


def test_year_can_be_overridden(tmp_path):
    wb = load_workbook(write_template(tmp_path / "t.xlsx", year=2027, institutions=["КЦСОН Бабаевского района"]))
    assert wb.settings.year == 2027
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx")["КЦСОН Бабаевского района"]
    dates = [dv for dv in ws.data_validations.dataValidation if dv.type == "date"]
    assert (dates[0].formula1, dates[0].formula2) == ("DATE(2027,1,1)", "DATE(2027,12,31)")
    assert "2027" in dates[0].error


# --------------------------------------------------------------------------- the sheets as Excel shows them


def test_tab_order_and_hidden_lists_sheet(xlsx):
    names = xlsx.sheetnames
    assert names[:3] == ["Настройки", "Учреждения", "План"]
    assert names[3:-1] == [i["institution"] for i in INSTITUTIONS]
    assert names[-1] == LISTS_TAB and "Критерии" not in names
    assert xlsx[LISTS_TAB].sheet_state == "hidden"
    assert xlsx.active.title == "Настройки"
    lists = xlsx[LISTS_TAB]
    types = [lists.cell(r, 1).value for r in range(2, 2 + len(C.ACTIVITY_TYPE_NAMES))]
    assert types == list(C.ACTIVITY_TYPE_NAMES)
    assert [lists.cell(r, 2).value for r in range(2, 2 + len(ITEMS))] == ITEMS


def test_service_tab_headers(xlsx):
    assert [c.value for c in xlsx["Настройки"][1]] == ["Параметр", "Значение"]
    assert [c.value for c in xlsx["Учреждения"][1]] == [c.title for c in C.INSTITUTION_COLUMNS.values()]
    plan = xlsx["План"]
    assert [c.value for c in plan[1]] == [c.title for c in C.PLAN_COLUMNS.values()]
    assert plan["A16"].value == "2.10"            # text, not the number 2.1


def _validations(ws):
    return {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}


@pytest.mark.parametrize("tab", [INSTITUTIONS[0]["institution"], INSTITUTIONS[-1]["institution"]])
def test_institution_tab_validations(xlsx, layouts, tab):
    ws, lay = xlsx[tab], layouts[tab]
    first, last = lay.first_data_row, lay.last_data_row
    assert (first, last - first + 1) == (lay.header_row + 1, DATA_ROWS)
    dvs = _validations(ws)
    date_dv = dvs[f"A{first}:A{last}"]
    assert (date_dv.type, date_dv.operator, date_dv.formula1, date_dv.formula2) == \
        ("date", "between", "DATE(2026,1,1)", "DATE(2026,12,31)")
    assert date_dv.showErrorMessage and date_dv.showInputMessage
    assert "ДД.ММ.ГГГГ" in date_dv.error and "ДД.ММ.ГГГГ" in date_dv.prompt
    types = dvs[f"B{first}:B{last}"]
    assert (types.type, types.formula1) == ("list", f"'{LISTS_TAB}'!$A$2:$A${1 + len(C.ACTIVITY_TYPE_NAMES)}")
    items = dvs[f"C{first}:C{last}"]
    assert len(ITEMS) < PLAN_LIST_ROWS           # room for a longer plan written into «Списки» later
    assert (items.type, items.formula1) == ("list", f"'{LISTS_TAB}'!$B$2:$B${1 + PLAN_LIST_ROWS}")
    for letter in "EFG":
        dv = dvs[f"{letter}{first}:{letter}{last}"]
        assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
    monitoring = [dv for dv in ws.data_validations.dataValidation if dv.type == "decimal"]
    cells = {str(r) for dv in monitoring for r in dv.sqref.ranges}
    assert cells == {f"E{r}:H{r}" for r in lay.indicator_rows.values()}
    percent_row = lay.indicator_rows["Достижение показателей дорожной карты"]
    percent = next(dv for dv in monitoring if f"E{percent_row}:H{percent_row}" in str(dv.sqref))
    assert (percent.operator, percent.formula1, percent.formula2) == ("between", "0", "100")
    assert all(len(dv.error or "") <= 255 and len(dv.prompt or "") <= 255 for dv in ws.data_validations.dataValidation)


def test_institution_tab_layout(xlsx, layouts):
    tab = INSTITUTIONS[0]["institution"]
    ws, lay = xlsx[tab], layouts[tab]
    assert ws.freeze_panes == f"A{lay.header_row + 1}"
    header = [ws.cell(lay.header_row, c).value for c in range(1, 10)]
    assert header == [c.title for c in C.ACTIVITY_COLUMNS.values()] == ACTIVITY_HEADER
    assert all(ws.cell(lay.header_row, c).font.b for c in range(1, 10))
    assert ws.cell(lay.header_row, 1).fill.fgColor.rgb.endswith("D9E1F2")
    assert tab in ws["A1"].value
    instructions = ws["A2"].value
    for phrase in ("Одна строка — одно мероприятие", "ДД.ММ.ГГГГ", "из списка", "2.4", "только цифры"):
        assert phrase in instructions
    assert lay.example_row < lay.header_row                     # the example sits above the header
    assert ws.cell(lay.example_row, 2).value in C.ACTIVITY_TYPE_NAMES
    assert ws.cell(lay.first_data_row, 1).number_format == "DD.MM.YYYY"
    assert ws.cell(lay.first_data_row, 3).number_format == "@"
    assert ws.column_dimensions["D"].width > ws.column_dimensions["A"].width
    assert [ws.cell(lay.monitoring_header_row, c).value for c in (1, 5, 6, 7, 8)] == \
        ["Показатель", "I квартал", "II квартал", "III квартал", "IV квартал"]
    assert [ws.cell(r, 1).value for r in lay.indicator_rows.values()] == \
        [i.name for i in C.DEFAULT_MONITORING_INDICATORS]


# --------------------------------------------------------------------------- other inputs


def test_template_bytes_load_the_same(loaded):
    wb = load_workbook(template_bytes(), "шаблон.xlsx")
    assert wb.error_count == 0 and wb.accounting.rows_total == 0
    assert list(wb.institutions["institution"]) == list(loaded.institutions["institution"])


def test_custom_institutions_and_plan(tmp_path):
    plan = {"settings": {"omp_name": "Другая ОМП", "topic": "Семейное неблагополучие", "year": 2027},
            "items": [{"item": "1.1", "section": "I", "title": "Семинар", "deadline_text": "II квартал 2027",
                       "indicator": "семинар", "count_what": "мероприятия", "target": 2, "target_period": "год"}]}
    long_name = "КЦСОН очень длинного муниципального округа: филиал"
    path = write_template(tmp_path / "t.xlsx", plan=plan, institutions=["КЦСОН А", {"institution": long_name},
                                                                       "План"])
    wb = load_workbook(path)
    assert wb.error_count == 0
    assert wb.settings.omp_name == "Другая ОМП" and wb.settings.year == 2027
    assert list(wb.plan["item"]) == ["1.1"] and wb.plan["target"].iloc[0] == 2
    names = list(wb.institutions["institution"])
    assert names[0] == "КЦСОН А"
    assert names[1] == safe_tab_name(long_name) and len(names[1]) <= 31 and ":" not in names[1]
    assert names[2] == "План (2)"                    # never clashes with a service tab
    assert list(wb.institutions["tab"]) == names


def test_lists_tab_is_never_read_as_data(tmp_path):
    path = write_workbook(tmp_path / "wb.xlsx", institutions={"КЦСОН А": [ACTIVITY_HEADER]},
                          extra_tabs={" списки ": [["Виды мероприятий", "Пункты плана"], ["консультация", "1.1"]]})
    wb = load_workbook(path)
    assert C.service_tab_kind(" Списки ") == "lists"
    assert "списки" not in " ".join(wb.institutions["institution"]).lower()
    assert not wb.issues["tab"].str.strip().str.lower().eq("списки").any()
