"""«Скачать книгу с отметками» end to end in the real browser: the button on «Качество данных» downloads the
annotated copy of the opened workbook, and of a workbook uploaded in the sidebar (its own bytes), built
only when clicked."""
from __future__ import annotations

import io

import openpyxl
import pytest

from lib.export.annotate import LIST_TAB, has_mark
from lib.loader import load_workbook
from tests.app_workbook import build_app_workbook
from tests.browser_support import assert_no_exception, expect, open_page, wait_idle


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    return build_app_workbook(tmp_path_factory.mktemp("annotate_browser") / "основная.xlsx", n_institutions=4)


@pytest.fixture(scope="module")
def server(app_server, source):
    return app_server(source)


def marked_cells(data: bytes) -> set[tuple[str, str]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames[-1] == LIST_TAB
    return {(ws.title, c.coordinate) for ws in book.worksheets for c in ws._cells.values()
            if c.comment is not None and has_mark(c.comment.text)}


def download(page) -> tuple[str, bytes]:
    button = page.get_by_role("button", name="Скачать книгу с отметками")
    expect(button).to_be_visible(timeout=60_000)
    with page.expect_download(timeout=120_000) as info:
        button.click()
    d = info.value
    return d.suggested_filename, open(d.path(), "rb").read()


def test_the_opened_and_the_uploaded_workbook_download_with_marks(new_page, server, source, tmp_path):
    page = new_page(server, timeout=60_000)
    open_page(page, server, "Качество данных")
    name, data = download(page)
    assert name == "основная (с отметками).xlsx"
    expected = {(i.tab, i.cell) for i in load_workbook(source).issues.itertuples() if i.cell}
    assert expected and marked_cells(data) == expected

    other = build_app_workbook(tmp_path / "своя.xlsx", n_institutions=3, seed=7)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(other))
    expect(page.locator("[data-testid='stSidebar'] [data-testid='stAlertContentSuccess']")).to_contain_text(
        "«своя.xlsx»", timeout=90_000)
    wait_idle(page)
    name, data = download(page)
    assert name == "своя (с отметками).xlsx"
    assert marked_cells(data) == {(i.tab, i.cell) for i in load_workbook(other).issues.itertuples() if i.cell}
    assert_no_exception(page)
