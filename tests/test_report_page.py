"""The «Отчет» page through AppTest: draft per indicator, edits that survive page switches and are
kept per period and scope, «Сбросить правки», the two download buttons; the Word file includes edits."""
from __future__ import annotations

import io

import docx
import pytest
from streamlit.testing.v1 import AppTest

from lib.report.criteria import default_criteria
from lib.report.docx import report_docx_bytes
from lib.loader import load_workbook
from lib.model.periods import Period
from lib.report.draft import NO_DATA, build_report
from tests.app_support import go
from tests.report_workbook import NIK, write_report_workbook

PAGE = "app_pages/report.py"
EDITS = "report_edits"


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    return write_report_workbook(tmp_path_factory.mktemp("page") / "omp.xlsx")


def open_report_page(make_app, source, period: str) -> AppTest:
    """The app on `source` with the sidebar period of 2026 set, switched to the «Отчет» page."""
    return go(make_app(source, period=period, omp_year=2026), "report")


@pytest.fixture
def at(make_app, source):
    return open_report_page(make_app, source, "Q1")


def areas(at):
    return [ta for ta in at.text_area if ta.key and ta.key.startswith("report_text:")]


def reset_button(at):
    return next(b for b in at.button if b.key and b.key.startswith("report_reset:"))


def test_page_shows_the_draft_per_indicator(at, source):
    texts = areas(at)
    assert len(texts) == len(default_criteria())
    report = build_report(load_workbook(source), Period.parse("2026-Q1"))
    assert [t.value for t in texts] == [i.text for i in report.indicators()]
    assert any(t.value == NO_DATA for t in texts)
    assert any("в 1 квартале 2026 года" in m.value for m in at.markdown)
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Скачать отчет (Word)", "Скачать сводку (Excel)"]
    assert reset_button(at).disabled
    assert not any(e.label.startswith("Замечания") for e in at.expander)   # every source resolves


def test_edits_survive_page_switches_and_reset(at):
    first = areas(at)[0]
    key = first.key
    first.input("Не привлекались.").run()
    assert at.text_area(key=key).value == "Не привлекались."
    assert next(m for m in at.metric if m.label == "Изменено вручную").value == "1"
    assert "изменено" in at.text_area(key=key).label

    at.switch_page("app_pages/overview.py")
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception
    assert at.text_area(key=key).value == "Не привлекались."

    # another period has its own edits; coming back finds ours
    at.session_state["omp_period"] = "H1"
    at.run()
    assert all(t.value != "Не привлекались." for t in areas(at))
    at.session_state["omp_period"] = "Q1"
    at.run()
    assert at.text_area(key=key).value == "Не привлекались."

    assert not reset_button(at).disabled
    reset_button(at).click().run()
    scope = key.removeprefix("report_text:").rsplit(":", 1)[0]
    assert areas(at)[0].value != "Не привлекались."
    assert not at.session_state[EDITS].get(scope)


def test_scope_from_the_sidebar(at, source):
    at.session_state["omp_institutions"] = [NIK]
    at.run()
    assert not at.exception
    report = build_report(load_workbook(source), Period.parse("2026-Q1"), [NIK])
    assert [t.value for t in areas(at)] == [i.text for i in report.indicators()]
    assert any("11 консультаций" in t.value for t in areas(at))


def test_the_word_file_includes_the_page_edits(at, source):
    target = areas(at)[2]
    target.input("Исправленный текст показателя.").run()
    edits = next(iter(at.session_state[EDITS].values()))
    report = build_report(load_workbook(source), Period.parse("2026-Q1")).with_edits(edits)
    document = docx.Document(io.BytesIO(report_docx_bytes(report)))
    cells = [c.text for t in document.tables[1:] for r in t.rows for c in r.cells]
    assert "Исправленный текст показателя." in cells


def test_another_omps_criteria_and_their_problems(make_app, tmp_path):
    from tests.report_workbook import OTHER_CRITERIA, THIRD_CRITERION
    app = open_report_page(make_app, write_report_workbook(tmp_path / "other.xlsx", criteria=OTHER_CRITERIA), "Y")
    labels = [e.label for e in app.expander]
    assert f"Критерий 3. «{THIRD_CRITERION}»" in labels
    assert "Замечания к критериям и источникам: 1" in labels
    assert len(areas(app)) == len(OTHER_CRITERIA)
    assert any("семинаристика" in m.value for m in app.markdown)
