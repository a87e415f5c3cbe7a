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


def test_refresh_drafts_the_report_from_the_changed_file_and_forgets_the_old_data(make_app, tmp_path, monkeypatch):
    """«Обновить данные» after the file changed: the page drafts from the new rows (an edit made before
    stays), and the report's data of the old read is no longer kept (the refresh clears the report's
    caches too)."""
    import gc
    import os
    import weakref
    from datetime import date

    from lib.report.draft import ReportData
    from tests.report_workbook import PLAN, TAR, VYT, nik_rows, tar_rows, vyt_rows
    from tests.workbook_builder import write_workbook

    built: list[weakref.ref] = []
    real_init = ReportData.__init__

    def tracked_init(self, wb):
        real_init(self, wb)
        built.append(weakref.ref(self))
    monkeypatch.setattr(ReportData, "__init__", tracked_init)

    path = write_report_workbook(tmp_path / "omp.xlsx")
    at = open_report_page(make_app, path, "Q1")
    assert len(built) == 1 and built[0]() is not None
    page_data = built[0]                      # what the page keeps for the first read
    rows_card = lambda: next(m for m in at.metric if m.label == "Мероприятий за период").value  # noqa: E731
    before = build_report(load_workbook(path), Period.parse("2026-Q1"))
    assert rows_card() == str(before.activity_rows)
    areas(at)[0].input("Правка до обновления.").run()

    vyt = vyt_rows()
    for day in (6, 7, 9):                     # three more Q1 consultations of Вытегорский
        vyt.insert(2, [date(2026, 2, day), "Консультация", "1.3", f"Новая тема {day}", 3, 3, 1, "", ""])
    write_workbook(path, institutions={NIK: nik_rows(), VYT: vyt, TAR: tar_rows()}, plan=PLAN)
    os.utime(path, ns=(1, 2_000_000_000_000_000_000))       # a different mtime even on coarse clocks
    at.button(key="omp_refresh").click().run()
    assert not at.exception

    after = build_report(load_workbook(path), Period.parse("2026-Q1"))
    assert after.activity_rows == before.activity_rows + 3
    assert rows_card() == str(after.activity_rows)
    texts = [t.value for t in areas(at)]
    assert texts[0] == "Правка до обновления."             # an edit survives the refresh
    assert texts[1:] == [i.text for i in after.indicators()][1:] != [i.text for i in before.indicators()][1:]
    gc.collect()
    assert page_data() is None, "the old read's report data is still cached after «Обновить данные»"
