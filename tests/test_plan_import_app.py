"""«Импорт плана» puts the imported plan into the dashboard's own workbook (AppTest): into the Google
Sheet's «План» tab through the real gspread client and the local fake Sheets server — only after a
confirmation that says how many items replace how many rows, then the data is read again and the
«План» page has the new plan; a read-only account is refused in Russian — and, for a local .xlsx,
the same workbook with its «План» tab replaced to download; another format is told that only an
.xlsx can be rewritten."""
from __future__ import annotations

import io
import shutil
import uuid
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

import ui.context as context
from lib.export.plan_tab import ONLY_XLSX
from lib.export.template import PLAN_TAB
from lib.loader import load_workbook
from tests.app_support import assert_clean, go
from tests.app_workbook import PLAN as DEMO_PLAN, build_app_workbook
from tests.fake_sheets import FakeSheets, make_client, workbook_tabs
from tests.test_plan_import import KEY_FILE, SEED_ITEMS, assert_same_plan

WRITE = "Записать план в Google Таблицу…"
YES, CANCEL = "Да, заменить план", "Отмена"
BOOK_DOWNLOAD = "Скачать «омп.xlsx» с этим планом"


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    return build_app_workbook(tmp_path_factory.mktemp("plan_app") / "омп.xlsx", n_institutions=3)


@pytest.fixture
def google(monkeypatch, book, tmp_path):
    with FakeSheets(key=f"plan-{uuid.uuid4().hex[:8]}", title="ОМП 2026", tabs=workbook_tabs(book)) as fake:
        monkeypatch.setattr(context, "GSHEET_OPTIONS", {"client": make_client(fake), "sleep": lambda s: None})
        monkeypatch.setenv("OMP_SNAPSHOT_DIR", str(tmp_path / "snapshots"))
        yield fake


def import_page(make_app, source, seed_docx) -> AppTest:
    """The «Импорт плана» page on `source` with the seed plan uploaded."""
    at = go(make_app(source, period=None), "plan_import")
    at.session_state[KEY_FILE] = (seed_docx.name, seed_docx.read_bytes())
    at.run()
    assert_clean(at)
    return at


def click(at: AppTest, label: str) -> AppTest:
    [b for b in at.button if b.label == label][0].click().run()
    assert_clean(at, label)
    return at


def labels(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


def dashboard_plan(at: AppTest):
    return at.session_state[context.KEY_CONTEXT].wb.plan


def test_the_plan_is_written_into_the_sheet_after_a_confirmation_and_read_again(make_app, google, seed_docx, seed):
    at = import_page(make_app, f"gsheet:{google.key}", seed_docx)
    assert WRITE in labels(at) and YES not in labels(at)
    click(at, WRITE)
    assert [w.value for w in at.warning if w.value.startswith("Заменить план")] == [
        f"Заменить план в Google Таблице «ОМП 2026»? 19 пунктов плана заменят {len(DEMO_PLAN)} строк вкладки «План» "
        "(по данным последнего чтения таблицы). Остальные вкладки не меняются."]
    assert not google.bodies                                  # nothing written before «Да»
    click(at, YES)
    assert len(google.bodies) == 1
    assert [s.value for s in at.success if "записано" in s.value] == [
        f"На вкладку «План» записано 19 пунктов плана вместо {len(DEMO_PLAN)} строк. Данные панели прочитаны "
        "заново: план — на странице «План»."]
    assert list(dashboard_plan(at)["item"]) == SEED_ITEMS     # the dashboard read the sheet again
    assert_same_plan(load_workbook(f"gsheet:{google.key}", client=make_client(google)).plan, seed)
    go(at, "plan")                                            # the «План» page shows the new plan
    assert list(dashboard_plan(at)["item"]) == SEED_ITEMS
    assert any(c.value.startswith("Пунктов: 19 из 19") for c in at.caption)
    assert at.selectbox(key="plan_item_rows").options[-1].startswith("3.4. ")


def test_cancel_writes_nothing(make_app, google, seed_docx):
    at = click(import_page(make_app, f"gsheet:{google.key}", seed_docx), WRITE)
    click(at, CANCEL)
    assert WRITE in labels(at) and YES not in labels(at) and not google.bodies
    assert len(dashboard_plan(at)) == len(DEMO_PLAN)


def test_a_sheet_without_a_plan_tab_is_told_it_will_get_one(make_app, google, seed_docx):
    del google.tabs[PLAN_TAB]
    at = click(import_page(make_app, f"gsheet:{google.key}", seed_docx), WRITE)
    assert any(w.value.endswith("Вкладки «План» в таблице нет: она будет создана, в неё запишется 19 пунктов плана.")
               for w in at.warning)
    click(at, YES)
    assert "Создана вкладка «План»" in at.success[0].value and list(dashboard_plan(at)["item"]) == SEED_ITEMS


def test_a_read_only_sheet_is_refused_in_russian_and_nothing_changes(make_app, google, seed_docx):
    google.read_only = True
    at = click(click(import_page(make_app, f"gsheet:{google.key}", seed_docx), WRITE), YES)
    assert any("только для чтения, поэтому план не записан" in e.value for e in at.error)
    assert not google.bodies                                  # refused before anything was applied
    assert [r[0] for r in google.tab(PLAN_TAB).rows[1:]] == [row[0] for row in DEMO_PLAN]
    assert len(dashboard_plan(at)) == len(DEMO_PLAN)


def test_google_failing_is_refused_in_russian(make_app, google, seed_docx, monkeypatch):
    at = click(import_page(make_app, f"gsheet:{google.key}", seed_docx), WRITE)
    monkeypatch.setitem(context.GSHEET_OPTIONS, "max_wait_s", 0.2)
    google.failures = [503] * 40
    click(at, YES)
    assert any(e.value.startswith("Google Таблица сейчас недоступна") for e in at.error)


def test_a_local_xlsx_is_offered_with_its_plan_tab_replaced(make_app, book, seed_docx, seed, downloads):
    at = import_page(make_app, book, seed_docx)
    assert WRITE not in labels(at)
    assert any(c.value.startswith(f"Книга «омп.xlsx»: 19 пунктов плана заменят {len(DEMO_PLAN)} строк") for c in at.caption)
    offered = [d for d in downloads if d["label"] == BOOK_DOWNLOAD][-1]
    assert offered["file_name"] == "омп.xlsx" and callable(offered["data"]) and offered["on_click"] == "ignore"
    replaced = load_workbook(offered["data"](), "омп.xlsx")           # what the browser gets on the click
    assert_same_plan(replaced.plan, seed)
    assert replaced.activities.equals(load_workbook(book).activities)


def test_a_workbook_gone_or_broken_since_gives_a_file_that_says_so(make_app, book, seed_docx, downloads, tmp_path):
    path = tmp_path / "омп.xlsx"
    path.write_bytes(book.read_bytes())
    import_page(make_app, path, seed_docx)
    offered = [d for d in downloads if d["label"] == BOOK_DOWNLOAD][-1]
    path.write_bytes(b"PK\x03\x04 broken since")                      # replaced after the page was drawn
    ws = openpyxl.load_workbook(io.BytesIO(offered["data"]())).active
    assert ws.title == "Импорт плана" and "не удалось открыть как .xlsx" in ws["A2"].value
    path.unlink()
    ws = openpyxl.load_workbook(io.BytesIO(offered["data"]())).active
    assert "не удалось прочитать заново" in ws["A2"].value and "не заменена" in ws["A2"].value


def test_another_format_is_told_only_an_xlsx_is_rewritten(make_app, book, seed_docx, tmp_path):
    other = tmp_path / "омп.xlsm"
    shutil.copy(book, other)
    at = import_page(make_app, other, seed_docx)
    assert ONLY_XLSX.format(name="омп.xlsm") in [i.value for i in at.info]
    assert not [b for b in at.get("download_button") if b.label.startswith("Скачать «омп")]
    assert "Скачать шаблон книги с этим планом (.xlsx)" in [b.label for b in at.get("download_button")]


def test_a_plan_with_every_row_deleted_is_not_written(make_app, google, seed_docx):
    at = import_page(make_app, f"gsheet:{google.key}", seed_docx)
    editor = at.data_editor[0]
    at.session_state[editor.key] = {"edited_rows": {}, "added_rows": [], "deleted_rows": list(range(len(SEED_ITEMS)))}
    at.run()
    assert_clean(at)
    assert WRITE not in labels(at)
    assert "В таблице пунктов плана не осталось ни одного — записывать нечего." in [i.value for i in at.info]
