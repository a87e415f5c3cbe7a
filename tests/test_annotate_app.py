"""The marks on the «Качество данных» page (AppTest): «Скачать книгу с отметками» for the opened Excel
workbook, built only when clicked (the button's callable gives the annotated book); «Отметить замечания
в таблице» for a Google Sheet, which writes the marks through the real gspread client into the local
fake, and says so in Russian when the service account may only read; neither is offered to an
institution's login for the shared source."""
from __future__ import annotations

import io
import uuid
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

import ui.context as context
from ui import signin
from lib.export.annotate import LIST_TAB, has_mark
from lib.loader import load_workbook
from tests.app_support import assert_clean, go, hashed_users, sign_in
from tests.app_workbook import build_app_workbook
from tests.fake_sheets import FakeSheets, make_client, workbook_tabs

DOWNLOAD = "Скачать книгу с отметками"
MARK_BUTTON = "Отметить замечания в таблице"
PASSWORDS = {"director": "director-pass-1", "kcson": "kcson-pass-333"}


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    return build_app_workbook(tmp_path_factory.mktemp("annotate_app") / "омп.xlsx", n_institutions=4)


def quality(make_app, source) -> AppTest:
    """The «Качество данных» page on `source`, sign-in off."""
    return go(make_app(source), "quality")


def labels(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def test_the_quality_page_offers_the_marked_workbook_built_on_click(make_app, book, downloads):
    at = quality(make_app, book)
    assert labels(at) == [DOWNLOAD]
    assert not [b for b in at.button if b.label == MARK_BUTTON]
    offered = [d for d in downloads if d["label"] == DOWNLOAD][-1]
    assert offered["file_name"] == "омп (с отметками).xlsx" and offered["mime"].endswith("spreadsheetml.sheet")
    assert callable(offered["data"]) and offered["on_click"] == "ignore"
    data = offered["data"]()                                   # what the browser gets on the click
    wb = load_workbook(book)
    marked = {(ws.title, c.coordinate) for ws in openpyxl.load_workbook(io.BytesIO(data)).worksheets
              for c in ws._cells.values() if c.comment is not None and has_mark(c.comment.text)}
    assert marked == {(i.tab, i.cell) for i in wb.issues.itertuples() if i.cell} and marked
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames[-1] == LIST_TAB


def test_a_file_gone_since_gives_a_workbook_that_says_so(make_app, book, downloads, tmp_path):
    path = tmp_path / "исчезнет.xlsx"
    path.write_bytes(book.read_bytes())
    quality(make_app, path)
    offered = [d for d in downloads if d["label"] == DOWNLOAD][-1]
    path.unlink()
    data = offered["data"]()                                   # never raises: a deferred download cannot
    ws = openpyxl.load_workbook(io.BytesIO(data))[LIST_TAB]
    assert "не удалось прочитать заново" in ws["A2"].value and "не найден" in ws["A2"].value


@pytest.fixture
def google(monkeypatch, book, tmp_path):
    with FakeSheets(key=f"marks-{uuid.uuid4().hex[:8]}", title="ОМП 2026", tabs=workbook_tabs(book)) as fake:
        monkeypatch.setattr(context, "GSHEET_OPTIONS", {"client": make_client(fake), "sleep": lambda s: None})
        monkeypatch.setenv("OMP_SNAPSHOT_DIR", str(tmp_path / "snapshots"))
        yield fake


def test_a_google_sheet_gets_the_button_that_marks_it(make_app, google):
    at = quality(make_app, f"gsheet:{google.key}")
    assert labels(at) == []
    button = [b for b in at.button if b.label == MARK_BUTTON]
    assert len(button) == 1
    reads = google.requests
    button[0].click().run()
    assert_clean(at)
    done = [s.value for s in at.success if s.value.startswith("Отмечено")]
    assert done and f"«{LIST_TAB}»" in done[0]
    assert google.requests == reads + 4          # the sheet read afresh (2), its notes (1), one batchUpdate
    assert google.paths[-1].endswith(":batchUpdate") and len(google.bodies) == 1
    issues = load_workbook(f"gsheet:{google.key}", client=make_client(google)).issues
    noted = {(title, (r, c)) for title, tab in google.sheet_list() for (r, c), note in tab.notes.items()
             if has_mark(note)}
    assert len(noted) == len({(i.tab, i.cell) for i in issues.itertuples() if i.cell})


def test_read_only_access_is_explained_and_nothing_changes(make_app, google):
    google.read_only = True
    at = quality(make_app, f"gsheet:{google.key}")
    [b for b in at.button if b.label == MARK_BUTTON][0].click().run()
    assert_clean(at)
    errors = [e.value for e in at.error]
    assert any("только для чтения" in e and "«Редактор»" in e for e in errors)
    assert not any(tab.notes for _, tab in google.sheet_list()) and LIST_TAB not in google.tabs


# --------------------------------------------------------------------------- roles

@pytest.fixture(scope="module")
def users(book) -> dict:
    own = load_workbook(book).institution_names[0]
    return hashed_users({"director": {"password": PASSWORDS["director"], "role": "director"},
                         "kcson": {"password": PASSWORDS["kcson"], "role": "institution", "institution": own}})


def signed_in(make_app, source, users, login) -> AppTest:
    """The «Качество данных» page on `source` for `login`."""
    signin.limiter.clear()
    at = make_app(source, auth={"users": users})
    assert_clean(at)
    return go(sign_in(at, login, PASSWORDS[login]), "quality")


def test_an_institutions_login_gets_neither_for_the_shared_source(make_app, book, users, google):
    at = signed_in(make_app, book, users, "kcson")
    assert labels(at) == []                     # the shared workbook holds every institution's tab
    at = signed_in(make_app, f"gsheet:{google.key}", users, "kcson")
    assert not [b for b in at.button if b.label == MARK_BUTTON]
    at = signed_in(make_app, book, users, "director")
    assert labels(at) == [DOWNLOAD]
    at = signed_in(make_app, f"gsheet:{google.key}", users, "director")
    assert [b for b in at.button if b.label == MARK_BUTTON]
