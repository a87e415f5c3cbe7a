"""End to end in a real browser: edit a text on the «Отчет» page, download the Word file and the
Excel summary (built only on click), and find the edit in the downloaded .docx. A screenshot of the
page is kept under artifacts/screenshots/."""
from __future__ import annotations

import io
from pathlib import Path

import docx
import openpyxl
import pytest

from tests.browser_support import expect, open_page, screenshot, wait_idle
from tests.report_workbook import write_report_workbook

EDIT = "Текст, исправленный в браузере перед выгрузкой."


@pytest.mark.timeout(240)
def test_edit_and_download_the_report(app_server, new_page, tmp_path):
    url = app_server(write_report_workbook(tmp_path / "omp.xlsx"))
    page = new_page(width=1400, height=1000)
    page.goto(url)
    wait_idle(page, 60_000)
    open_page(page, url, "Отчет")
    page.wait_for_selector("[data-testid='stTextArea'] textarea", timeout=30_000)
    wait_idle(page)

    area = page.locator("[data-testid='stTextArea'] textarea").first
    # the rerun that keeps the edit has been drawn when the counter of edited texts says 1 (the word
    # «изменено» alone would not do: the counter's label «Изменено вручную» is always there)
    counter = page.locator("[data-testid='stMetric']").filter(has_text="Изменено вручную") \
        .locator("[data-testid='stMetricValue']")
    for attempt in range(3):
        # Headless Chromium under pytest now and then loses the very first edit typed right after
        # the page appears (about 1 run in 5 here; not seen by hand, cause not found): type it again.
        area.fill(EDIT)
        area.press("Control+Enter")                  # commit the edit
        try:
            expect(counter).to_have_text("1", timeout=10_000)
            break
        except AssertionError:
            screenshot(page, f"report_edit_not_kept_{attempt + 1}")
            wait_idle(page)
    expect(counter).to_have_text("1")
    wait_idle(page)
    screenshot(page, "report")

    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Скачать отчет (Word)").click()
    download = info.value
    assert download.suggested_filename.startswith("Отчет_ОМП_2026_") and \
        download.suggested_filename.endswith(".docx")
    document = docx.Document(io.BytesIO(Path(download.path()).read_bytes()))
    cells = [c.text for t in document.tables[1:] for r in t.rows for c in r.cells]
    assert EDIT in cells
    assert len(document.tables) == 5

    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Скачать сводку (Excel)").click()
    xlsx = info.value
    assert xlsx.suggested_filename.startswith("Сводка_ОМП_2026_")
    book = openpyxl.load_workbook(io.BytesIO(Path(xlsx.path()).read_bytes()))
    assert book.sheetnames == ["Сведения", "Мероприятия", "Мониторинг", "План"]
