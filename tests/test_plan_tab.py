"""The «План» tab replaced by a plan imported from Word (lib/export/plan_tab.py): in a Google Sheet through
the real gspread client against the local fake Sheets server (tests/fake_sheets.py) — one batchUpdate,
the other tabs untouched, a missing tab created, a read-only account and Google failures refused in
Russian — and in a copy of an .xlsx workbook, both read back by the loader; in both, the hidden «Списки»
tab's «Пункты плана» column gets the new numbers (the .xlsx's «Пункт плана» drop-downs are pointed to
them; a Google drop-down too short for them is reported in the message)."""
from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from lib.export.plan_tab import ONLY_XLSX, PlanTabError, replace_plan_xlsx, write_plan_gsheet
from lib.export.template import LISTS_TAB, PLAN_HEADER, PLAN_LIST_ROWS, PLAN_TAB, template_bytes
from lib.loader import load_workbook
from lib.sources import SourceUnavailable
from lib.sources.word_plan import import_plan_docx
from tests.app_workbook import PLAN as DEMO_PLAN, build_app_workbook
from tests.fake_sheets import FakeSheets, make_client, workbook_tabs
from tests.plan_docx import seed_plan_docx
from tests.test_plan_import import SEED_ITEMS, assert_same_plan

GSHEET = "gsheet:fake-key-123"
BATCH_UPDATE = "/v4/spreadsheets/fake-key-123:batchUpdate"


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    return import_plan_docx(seed_plan_docx(tmp_path_factory.mktemp("plan") / "План_ОМП_2026.docx"))


@pytest.fixture(scope="module")
def items(seed) -> list[dict]:
    return seed.template_plan()["items"]


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory) -> Path:
    return build_app_workbook(tmp_path_factory.mktemp("book") / "omp.xlsx", n_institutions=3)


@pytest.fixture
def fake(demo_path):
    with FakeSheets(tabs=workbook_tabs(demo_path)) as server:
        yield server


def read_back(fake):
    return load_workbook(GSHEET, client=make_client(fake), sleep=lambda s: None)


def other_tabs(fake) -> dict:
    return {title: tab.rows for title, tab in fake.sheet_list() if title != PLAN_TAB}


# --------------------------------------------------------------------------- Google Sheet


def test_the_plan_tab_of_the_sheet_is_replaced_in_one_batch_and_nothing_else_changes(fake, seed, items):
    before, institutions = other_tabs(fake), read_back(fake).institution_names
    written = write_plan_gsheet(GSHEET, items, client=make_client(fake))
    assert (written.items, written.replaced, written.created) == (19, len(DEMO_PLAN), False)
    assert written.text == f"На вкладку «План» записано 19 пунктов плана вместо {len(DEMO_PLAN)} строк."
    assert fake.paths.count(BATCH_UPDATE) == 1
    assert other_tabs(fake) == before
    rows = fake.tab(PLAN_TAB).rows
    assert rows[0] == PLAN_HEADER and [r[0] for r in rows[1:]] == SEED_ITEMS      # «2.10» stays text
    wb = read_back(fake)
    assert_same_plan(wb.plan, seed)
    assert wb.institution_names == institutions


def test_a_shorter_plan_leaves_no_old_rows_behind(fake, items):
    write_plan_gsheet(GSHEET, items, client=make_client(fake))
    written = write_plan_gsheet(GSHEET, items[:2], client=make_client(fake))
    assert written.replaced == 19
    assert [r[0] for r in fake.tab(PLAN_TAB).rows] == ["№", "1.1", "1.2"]
    assert list(read_back(fake).plan["item"]) == ["1.1", "1.2"]


def test_a_sheet_without_a_plan_tab_gets_one(fake, seed, items):
    del fake.tabs[PLAN_TAB]
    before = other_tabs(fake)
    written = write_plan_gsheet(GSHEET, items, client=make_client(fake))
    assert written.created and written.text == "Создана вкладка «План», в неё записано 19 пунктов плана."
    assert other_tabs(fake) == before
    assert_same_plan(read_back(fake).plan, seed)


def test_a_plan_longer_than_the_tab_grows_its_grid(fake, seed, items):
    fake.tab(PLAN_TAB).row_count = 5
    write_plan_gsheet(GSHEET, items, client=make_client(fake))
    assert fake.tab(PLAN_TAB).row_count == 20
    assert_same_plan(read_back(fake).plan, seed)


def test_a_read_only_service_account_changes_nothing_and_says_so(fake, items):
    fake.read_only = True
    before = {title: tab.rows for title, tab in fake.sheet_list()}
    with pytest.raises(PlanTabError, match="доступ к таблице только для чтения, поэтому план не записан"):
        write_plan_gsheet(GSHEET, items, client=make_client(fake))
    assert {title: tab.rows for title, tab in fake.sheet_list()} == before


def test_a_protected_tab_is_explained(fake, items):
    fake.failures = [None, None, (403, "You are trying to edit a protected cell or object.")]
    with pytest.raises(PlanTabError, match="защищены"):
        write_plan_gsheet(GSHEET, items, client=make_client(fake))


def test_a_tab_google_added_before_failing_is_not_added_twice(fake, seed, items):
    del fake.tabs[PLAN_TAB]
    fake.failures = [None, "applied-then-503"]          # metadata, then the batch: applied, answered 503
    slept = []
    written = write_plan_gsheet(GSHEET, items, client=make_client(fake), sleep=slept.append)
    assert len(slept) == 1 and [t for t, _ in fake.sheet_list()].count(PLAN_TAB) == 1
    assert written.items == 19
    assert_same_plan(read_back(fake).plan, seed)


def test_google_failing_all_the_time_gives_up_in_russian(fake, items):
    fake.failures = [503] * 50
    before = {title: tab.rows for title, tab in fake.sheet_list()}
    with pytest.raises(SourceUnavailable, match="Google Таблица сейчас недоступна"):
        write_plan_gsheet(GSHEET, items, client=make_client(fake), max_wait_s=0.5, sleep=lambda s: None)
    fake.failures = []
    assert {title: tab.rows for title, tab in fake.sheet_list()} == before


# --------------------------------------------------------------------------- .xlsx


def test_the_xlsx_copy_has_the_new_plan_and_keeps_the_other_tabs(demo_path, seed, items):
    data = demo_path.read_bytes()
    out, written = replace_plan_xlsx(data, items, file_name="omp.xlsx")
    assert (written.items, written.replaced, written.created) == (19, len(DEMO_PLAN), False)
    old, new = load_workbook(data, "omp.xlsx"), load_workbook(out, "omp.xlsx")
    assert_same_plan(new.plan, seed)
    assert new.institution_names == old.institution_names
    assert new.activities.equals(old.activities)
    assert new.settings == old.settings
    before, after = openpyxl.load_workbook(io.BytesIO(data)), openpyxl.load_workbook(io.BytesIO(out))
    assert after.sheetnames == before.sheetnames
    for title in before.sheetnames:
        if title != PLAN_TAB:
            assert [[c.value for c in r] for r in after[title].iter_rows()] == \
                   [[c.value for c in r] for r in before[title].iter_rows()], title


def test_a_shorter_plan_in_the_xlsx_leaves_no_old_rows(demo_path, items):
    out, _ = replace_plan_xlsx(demo_path.read_bytes(), items[:1], file_name="omp.xlsx")
    assert list(load_workbook(out, "omp.xlsx").plan["item"]) == ["1.1"]


def test_an_xlsx_without_a_plan_tab_gets_one_after_the_institutions(demo_path, seed, items, tmp_path):
    book = openpyxl.load_workbook(demo_path)
    del book[PLAN_TAB]
    path = tmp_path / "без плана.xlsx"
    book.save(path)
    out, written = replace_plan_xlsx(path.read_bytes(), items, file_name=path.name)
    assert written.created and written.replaced == 0
    assert openpyxl.load_workbook(io.BytesIO(out)).sheetnames[:3] == ["Настройки", "Учреждения", PLAN_TAB]
    assert_same_plan(load_workbook(out, path.name).plan, seed)


@pytest.mark.parametrize("name", ["omp.ods", "omp.xls", "omp.xlsm", "omp.csv"])
def test_only_an_xlsx_is_rewritten(demo_path, items, name):
    with pytest.raises(PlanTabError) as info:
        replace_plan_xlsx(demo_path.read_bytes(), items, file_name=name)
    assert str(info.value) == ONLY_XLSX.format(name=name)


def test_a_broken_xlsx_is_refused_in_russian(items):
    with pytest.raises(PlanTabError, match="не удалось открыть как .xlsx"):
        replace_plan_xlsx(b"PK\x03\x04broken", items, file_name="omp.xlsx")


def test_the_templates_formats_validations_and_hidden_tab_survive(seed, items):
    from lib.export.template import LISTS_TAB, template_bytes
    data = template_bytes(year=2026, plan={"settings": {"year": 2026}, "items": items[:5]})   # a shorter plan before
    out, written = replace_plan_xlsx(data, items, file_name="шаблон.xlsx")
    before, after = openpyxl.load_workbook(io.BytesIO(data)), openpyxl.load_workbook(io.BytesIO(out))
    assert after.sheetnames == before.sheetnames and after[LISTS_TAB].sheet_state == "hidden"
    for title in before.sheetnames:
        assert len(after[title].data_validations.dataValidation) == len(before[title].data_validations.dataValidation)
        assert after[title].merged_cells.ranges == before[title].merged_cells.ranges or title == PLAN_TAB
    plan_before, plan_after = before[PLAN_TAB], after[PLAN_TAB]
    assert plan_after["A1"].fill.fgColor.rgb == plan_before["A1"].fill.fgColor.rgb != "00000000" and plan_after["A1"].font.b
    assert plan_after.column_dimensions["C"].width == plan_before.column_dimensions["C"].width
    assert plan_after.freeze_panes == "A2"
    new_row = 15                                                          # a row the old plan did not reach
    assert before[PLAN_TAB].max_row == 6 and plan_after.cell(new_row, 1).value == items[13]["item"]
    new_border, old_border = plan_after.cell(new_row, 3).border, plan_before.cell(2, 3).border
    assert (new_border.left.style, new_border.left.color.rgb) == (old_border.left.style, old_border.left.color.rgb) \
        == ("thin", "00A6A6A6")
    assert plan_after.cell(new_row, 3).alignment.wrap_text
    assert_same_plan(load_workbook(out, "шаблон.xlsx").plan, seed)


# --------------------------------------------------------------------------- the «Пункт плана» drop-downs


def longer_plan(items, n: int) -> list[dict]:
    """`items` and then made-up items 9.1, 9.2, … up to `n` items in all."""
    return [*items, *({**items[-1], "item": f"9.{i}"} for i in range(1, n - len(items) + 1))]


def plan_list(ws) -> list:
    """«Списки»!B from row 2 down to the tab's last row (None for a blank cell)."""
    return [ws.cell(r, 2).value for r in range(2, ws.max_row + 1)]


def plan_item_formulas(book) -> list[str]:
    return [dv.formula1 for ws in book.worksheets for dv in ws.data_validations.dataValidation
            if dv.type == "list" and "$B$" in str(dv.formula1)]


@pytest.fixture(scope="module")
def old_template(items) -> bytes:
    """A template of 5 items made before the drop-downs had room to spare: they offer «Списки»!B2:B6."""
    book = openpyxl.load_workbook(io.BytesIO(template_bytes(
        year=2026, plan={"settings": {"year": 2026}, "items": items[:5]}, institutions=["Первый", "Второй"])))
    for formula in plan_item_formulas(book):
        assert formula == "'Списки'!$B$2:$B$101"
    for ws in book.worksheets:
        for dv in ws.data_validations.dataValidation:
            if dv.formula1 == "'Списки'!$B$2:$B$101":
                dv.formula1 = "'Списки'!$B$2:$B$6"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("n", [19, 2, 120])
def test_the_xlsx_lists_tab_and_drop_downs_offer_the_new_items(old_template, items, n):
    plan = longer_plan(items, n) if n > len(items) else items[:n]
    out, written = replace_plan_xlsx(old_template, plan, file_name="шаблон.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(out))
    listed = plan_list(book[LISTS_TAB])
    assert listed[:n] == [i["item"] for i in plan] and not any(listed[n:])     # old numbers below: gone
    assert book[LISTS_TAB].cell(2 + n - 1, 2).number_format == "@"
    assert plan_item_formulas(book) == [f"'Списки'!$B$2:$B${1 + max(n, PLAN_LIST_ROWS)}"] * 2      # both centres
    assert (written.listed, written.drop_down_rows) == (n, max(n, PLAN_LIST_ROWS))
    assert written.text.endswith("Выпадающий список «Пункт плана» на вкладках учреждений предлагает новые номера.")


def test_an_xlsx_without_a_lists_tab_says_nothing_of_drop_downs(demo_path, items):
    _, written = replace_plan_xlsx(demo_path.read_bytes(), items, file_name="omp.xlsx")
    assert written.listed is None and "Выпадающий" not in written.text


def drop_down(formula: str) -> dict:
    """A «Пункт плана» drop-down as the Sheets API gives it for a template imported into Google Sheets."""
    return {"condition": {"type": "ONE_OF_RANGE", "values": [{"userEnteredValue": f"={formula}"}]},
            "inputMessage": "Номер пункта плана работы ОМП, например 2.4.", "showCustomUi": True}


@pytest.fixture
def template_fake(old_template, tmp_path):
    path = tmp_path / "шаблон.xlsx"
    path.write_bytes(old_template)
    tabs = workbook_tabs(path)
    assert LISTS_TAB in tabs
    with FakeSheets(tabs=tabs) as server:
        yield server


def sheet_plan_list(fake) -> list:
    return [row[1] if len(row) > 1 else "" for row in fake.tab(LISTS_TAB).rows]


def test_the_sheets_lists_tab_gets_the_new_items_and_the_shortest_drop_down_is_reported(template_fake, items):
    fake = template_fake
    types_before = [row[0] for row in fake.tab(LISTS_TAB).rows]
    fake.tab("Первый").validations = {(r, 2): drop_down("'Списки'!$B$2:$B$101") for r in range(5, 205)}
    fake.tab("Второй").validations = {(r, 2): drop_down("'Списки'!$B$2:$B$6") for r in range(5, 205)}
    written = write_plan_gsheet(GSHEET, items, client=make_client(fake))
    assert fake.paths.count(BATCH_UPDATE) == 1
    assert sheet_plan_list(fake) == ["Пункты плана", *SEED_ITEMS]
    assert [row[0] for row in fake.tab(LISTS_TAB).rows] == types_before + [""] * (20 - len(types_before))
    assert (written.listed, written.drop_down_rows) == (19, 5)
    assert "берёт оттуда только первые 5 пунктов из 19" in written.text
    assert "'Списки'!B2:B20" in written.text


def test_the_sheets_drop_down_with_room_offers_a_longer_then_a_shorter_plan(template_fake, items):
    fake = template_fake
    fake.tab("Первый").validations = {(5, 2): drop_down("'Списки'!$B$2:$B$101")}
    fake.tab(LISTS_TAB).row_count = 30                              # the grid grows for 120 items
    written = write_plan_gsheet(GSHEET, longer_plan(items, 120), client=make_client(fake))
    assert sheet_plan_list(fake) == ["Пункты плана", *(i["item"] for i in longer_plan(items, 120))]
    assert fake.tab(LISTS_TAB).row_count == 121
    assert written.drop_down_rows == 100 and "берёт оттуда только первые 100 пунктов из 120" in written.text
    written = write_plan_gsheet(GSHEET, items[:2], client=make_client(fake))
    assert sheet_plan_list(fake)[:3] == ["Пункты плана", "1.1", "1.2"] and not any(sheet_plan_list(fake)[3:])
    assert written.text.endswith("предлагает новые номера.")


def test_a_sheet_without_drop_downs_gets_its_lists_tab_rewritten(template_fake, items):
    written = write_plan_gsheet(GSHEET, items, client=make_client(template_fake))
    assert sheet_plan_list(template_fake) == ["Пункты плана", *SEED_ITEMS]
    assert (written.listed, written.drop_down_rows) == (19, None)
    assert written.text.endswith("Номера пунктов записаны и на скрытую вкладку «Списки».")


def test_an_xlsx_lists_tab_without_drop_downs_is_rewritten_and_the_message_claims_no_drop_down(old_template, items):
    book = openpyxl.load_workbook(io.BytesIO(old_template))
    for ws in book.worksheets:
        ws.data_validations.dataValidation = [dv for dv in ws.data_validations.dataValidation
                                              if "$B$" not in str(dv.formula1)]
    data = io.BytesIO()
    book.save(data)
    out, written = replace_plan_xlsx(data.getvalue(), items, file_name="шаблон.xlsx")
    assert plan_list(openpyxl.load_workbook(io.BytesIO(out))[LISTS_TAB])[:19] == SEED_ITEMS
    assert (written.listed, written.drop_down_rows) == (19, None)
    assert written.text.endswith("Номера пунктов записаны и на скрытую вкладку «Списки».")
