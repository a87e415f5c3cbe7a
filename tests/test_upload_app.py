"""Bad files uploaded in the sidebar: the upload handler gives each kind its Russian message and keeps
the previous data; the app shows the message next to the uploader and the previous data stays usable;
the upload size limits of Streamlit and of `lib.sources` agree (so our Russian message is reachable).
The real upload through the browser is in tests/test_upload_browser.py and tests/test_browser.py."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

import ui.context as context
from lib.sources import spreadsheet
from ui.widgets import CSS
from lib.loader import load_workbook
from lib.metrics.counts import counts_by_group
from lib.metrics.selection import Selection, select_rows
from lib.model.periods import Period
from lib.russian import format_number
from tests.app_support import ROOT
from tests.app_workbook import build_app_workbook
from tests.test_bad_files import good_xlsx, ods_file, ole_file, raw_xlsx, rows_xml, zip_of



@dataclass
class Upload:
    """What st.file_uploader hands the callback: a name and the bytes."""
    name: str
    data: bytes

    def getvalue(self) -> bytes:
        return self.data


def bad_files(tmp_path: Path) -> dict[str, tuple[str, bytes, str]]:
    """kind → (file name, bytes, expected words of the message)."""
    good = good_xlsx(tmp_path)
    return {
        "empty": ("пусто.xlsx", b"", "пустой (0 байт)"),
        "csv": ("выгрузка.csv", "Дата;Вид\n15.03.2026;Семинар\n".encode("cp1251"), "текстовый файл (например, CSV)"),
        "html": ("отчет.xlsx", b"<html><table><tr><td>1</td></tr></table></html>", "веб-страница"),
        "pdf": ("отчет.xlsx", b"%PDF-1.7\n1 0 obj", "документ PDF"),
        "corrupt zip": ("битый.xlsx", b"PK\x03\x04" + bytes(range(256)) * 20, "повреждён"),
        "truncated": ("обрезанный.xlsx", good[: len(good) // 2], "повреждён"),
        "password": ("секрет.xlsx", ole_file(["\x06DataSpaces", "EncryptionInfo", "EncryptedPackage"]),
                     "защищена паролем"),
        "xls": ("старый.xls", ole_file(["Workbook", "\x05SummaryInformation"]), "Excel 97–2003 (.xls)"),
        "ods": ("таблица.ods", ods_file(), "OpenDocument (.ods)"),
        "docx": ("письмо.xlsx", zip_of({"word/document.xml": "<w:document/>"}), "документ Word (.docx)"),
        "zip": ("архив.xlsx", zip_of({"data.csv": "a,b\n1,2\n"}), "zip-архив, но не книга Excel"),
        "no sheets": ("без листов.xlsx", raw_xlsx({}), "нет ни одного листа"),
    }


@pytest.fixture
def previous(tmp_path) -> dict:
    """A session that has already accepted a good upload."""
    state: dict = {}
    path = build_app_workbook(tmp_path / "прежняя.xlsx", n_institutions=3)
    context.handle_upload(Upload("прежняя.xlsx", path.read_bytes()), state)
    assert state[context.KEY_UPLOAD_MESSAGE][0] == "success"
    return state


KINDS = ["empty", "csv", "html", "pdf", "corrupt zip", "truncated", "password", "xls", "ods", "docx", "zip",
         "no sheets"]


@pytest.mark.parametrize("kind", KINDS)
def test_each_bad_file_gets_its_russian_message_and_the_previous_upload_stays(tmp_path, previous, kind):
    files = bad_files(tmp_path)
    assert list(files) == KINDS
    name, data, expected = files[kind]
    kept = previous[context.KEY_UPLOADED]
    context.handle_upload(Upload(name, data), previous)
    level, message = previous[context.KEY_UPLOAD_MESSAGE]
    assert level == "error"
    assert expected in message and f"«{name}»" in message and message.endswith("Показаны прежние данные.")
    assert "Traceback" not in message and "Error" not in message
    assert previous[context.KEY_UPLOADED] is kept


def test_a_bad_first_upload_keeps_the_main_source(tmp_path):
    state: dict = {}
    context.handle_upload(Upload("битый.xlsx", b"PK\x03\x04garbage"), state)
    assert context.KEY_UPLOADED not in state and state[context.KEY_UPLOAD_MESSAGE][0] == "error"


def test_a_file_over_the_size_limit(tmp_path, previous, monkeypatch):
    data = good_xlsx(tmp_path)
    monkeypatch.setattr(spreadsheet, "MAX_FILE_BYTES", len(data) - 1)
    context.handle_upload(Upload("большой.xlsx", data), previous)
    assert "слишком большой" in previous[context.KEY_UPLOAD_MESSAGE][1]


def test_huge_and_empty_sheets_load_with_issues_not_errors(previous):
    small = '<row r="1"><c r="A1" t="inlineStr"><is><t>Дата</t></is></c></row>'
    context.handle_upload(Upload("огромная.xlsx", raw_xlsx({"КЦСОН А": small, "КЦСОН Б": rows_xml(200_000)})),
                          previous)
    level, message = previous[context.KEY_UPLOAD_MESSAGE]
    assert level == "success"
    wb = previous[context.KEY_UPLOADED][2]
    assert any("200\u00a0000 строк" in m for m in wb.issues["message"])


def test_a_parser_bug_is_a_russian_message_not_a_traceback(tmp_path, previous, monkeypatch):
    def boom(data, label):
        raise KeyError("internal detail")
    monkeypatch.setattr(context, "load_workbook", boom)
    context.handle_upload(Upload("книга.xlsx", good_xlsx(tmp_path)), previous)
    level, message = previous[context.KEY_UPLOAD_MESSAGE]
    assert level == "error" and "не удалось разобрать (KeyError)" in message and "internal detail" not in message


def test_removing_the_file_returns_to_the_main_source(previous):
    context.handle_upload(None, previous)
    assert context.KEY_UPLOADED not in previous and previous[context.KEY_UPLOAD_MESSAGE] is None


def test_the_app_shows_the_message_and_the_previous_data_stays_usable(make_app, tmp_path, previous):
    """The state the callback leaves (a good upload, then a corrupt one) rendered by the app."""
    source = build_app_workbook(tmp_path / "основная.xlsx", n_institutions=5, seed=11)
    context.handle_upload(Upload("битый.xlsx", b"PK\x03\x04" + bytes(300)), previous)
    at = make_app(source, **{key: previous[key] for key in (context.KEY_UPLOADED, context.KEY_UPLOAD_MESSAGE)})
    assert not at.exception
    assert any("«битый.xlsx» повреждён" in e.value and "Показаны прежние данные" in e.value for e in at.sidebar.error)
    uploaded = previous[context.KEY_UPLOADED][2]
    expected = counts_by_group(select_rows(uploaded, Selection(Period.parse("2026-Q2"))).frame)["Консультации"]
    assert {m.label: m.value for m in at.metric}["Консультации"] == format_number(expected)
    for page in ["plan", "activities", "monitoring", "quality", "my_institution"]:
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, page
        assert any("прежняя.xlsx" in c.value for c in at.caption), page
    main = load_workbook(source)
    assert set(uploaded.institution_names) != set(main.institution_names) or \
        len(uploaded.activities) != len(main.activities)


def test_upload_limits_agree():
    """Streamlit refuses files over server.maxUploadSize in English before the app sees them: the limit
    is set just above ours, so a file over MAX_FILE_BYTES reaches the app and gets the Russian message."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    streamlit_mb = config["server"]["maxUploadSize"]
    # the browser checks the size with 1 MB = 1 000 000 bytes (1 048 576 on Windows)
    assert spreadsheet.MAX_FILE_BYTES < streamlit_mb * 1_000_000
    assert streamlit_mb * 1_048_576 <= spreadsheet.MAX_FILE_BYTES + 8 * 1_048_576, "not much more than ours"
    hint = re.search(r'content: "до \{max_mb\} МБ', CSS)
    assert hint, "the uploader's hint shows our limit"
    assert context.UPLOAD_TYPES[0] == "xlsx" and {"xls", "ods", "csv"} <= set(context.UPLOAD_TYPES), \
        "the wrong formats reach the app and get their Russian message instead of Streamlit's English refusal"
