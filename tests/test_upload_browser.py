"""Bad files uploaded through the real browser: each kind reaches the app and gets its Russian message
(an .xls, an .ods, a CSV, a password-protected workbook, a file just over our size limit), and the
previous data stays on screen. The corrupt-zip upload is in tests/test_browser.py."""
from __future__ import annotations

import pytest

from lib.loader import load_workbook
from lib.sources.spreadsheet import MAX_FILE_BYTES
from tests.app_workbook import build_app_workbook
from tests.browser_support import assert_no_exception, expect, metric_value, screenshot, wait_idle
from tests.test_bad_files import ods_file, ole_file


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    return build_app_workbook(tmp_path_factory.mktemp("upload_browser") / "основная.xlsx", n_institutions=6)


@pytest.fixture(scope="module")
def server(app_server, source):
    return app_server(source)


def test_every_bad_file_kind_gets_its_russian_message_in_the_browser(new_page, server, source, tmp_path):
    files = {
        "старый.xls": (ole_file(["Workbook", "\x05SummaryInformation"]), "Excel 97–2003 (.xls)"),
        "таблица.ods": (ods_file(), "OpenDocument (.ods)"),
        "выгрузка.csv": ("Дата;Вид\n15.03.2026;Семинар\n".encode("cp1251"), "текстовый файл (например, CSV)"),
        "секрет.xlsx": (ole_file(["\x06DataSpaces", "EncryptionInfo", "EncryptedPackage"]), "защищена паролем"),
        "огромный.xlsx": (b"PK\x03\x04" + bytes(MAX_FILE_BYTES + 800_000), "слишком большой"),
    }
    page = new_page(server, timeout=60_000)
    before = metric_value(page, "Консультации")
    uploader = page.locator("[data-testid='stFileUploaderDropzoneInput']")
    for name, (data, expected) in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        uploader.set_input_files(str(path))
        message = page.locator("[data-testid='stSidebar'] [data-testid='stAlertContentError']")
        expect(message.filter(has_text=f"«{name}»")).to_contain_text(expected, timeout=90_000)
        expect(message.filter(has_text=f"«{name}»")).to_contain_text("Показаны прежние данные")
        wait_idle(page)
        assert_no_exception(page)
        assert metric_value(page, "Консультации") == before, name
    screenshot(page, "upload_too_big")
    assert load_workbook(source).source.label in page.locator("[data-testid='stSidebar']").inner_text()


def test_a_workbook_saved_by_libreoffice_as_ods_or_xls_uploads_and_shows_its_data(new_page, server, tmp_path):
    """The real upload widget accepts .ods and .xls (and .xlsx from LibreOffice): the data of the
    uploaded workbook replaces the main source's, with the same figures whatever the format."""
    from bench.office import convert, soffice
    if soffice() is None:
        pytest.skip("нет LibreOffice (scripts/setup.sh --dev ставит его)")
    original = build_app_workbook(tmp_path / "загрузка.xlsx", n_institutions=3)
    expected = load_workbook(original)
    page = new_page(server, timeout=60_000)
    uploader = page.locator("[data-testid='stFileUploaderDropzoneInput']")
    shown = {}
    for fmt in ("original", "ods", "xls", "xlsx"):
        copy = original if fmt == "original" else convert([original], fmt, tmp_path / fmt)[0]
        uploader.set_input_files(str(copy))
        message = page.locator("[data-testid='stSidebar'] [data-testid='stAlertContentSuccess']")
        expect(message.filter(has_text=f"«{copy.name}»")).to_contain_text(
            f"{len(expected.activities)} мероприятий", timeout=90_000)
        wait_idle(page)
        assert_no_exception(page)
        shown[fmt] = metric_value(page, "Консультации")
        screenshot(page, f"upload_{fmt}")
    assert set(shown.values()) == {shown["original"]}, shown
