"""The Word file: reopened with python-docx, its structure, numbers, fonts and page set-up."""
from __future__ import annotations

import io

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from lib import cli
from lib.report.criteria import KIND_HEADINGS
from lib.report.docx import FONT, report_docx_bytes, report_file_name
from lib.loader import load_workbook
from lib.metrics.counts import counts_by_type
from lib.metrics.selection import Selection, select_rows
from lib.model.periods import Period
from lib.report.draft import NO_DATA, build_report
from lib.russian import count_phrase
from tests.report_workbook import NIK, OTHER_CRITERIA, THIRD_CRITERION, VYT, write_report_workbook
from tests.workbook_builder import DEFAULT_SETTINGS

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def wb_path(tmp_path_factory):
    return write_report_workbook(tmp_path_factory.mktemp("docx") / "omp.xlsx")


@pytest.fixture(scope="module")
def wb(wb_path):
    return load_workbook(wb_path)


def open_docx(data: bytes):
    return docx.Document(io.BytesIO(data))


def cell_text(cell) -> str:
    return "\n".join(p.text for p in cell.paragraphs)


def has_approval_block(document) -> bool:
    first = document.tables[0] if document.tables else None
    return first is not None and cell_text(first.rows[0].cells[0]).startswith(("СОГЛАСОВАНО:", "УТВЕРЖДАЮ:"))


def body_tables(document):
    return document.tables[1:] if has_approval_block(document) else document.tables   # [0]: СОГЛАСОВАНО / УТВЕРЖДАЮ


def title_paragraph(document):
    return next(p for p in document.paragraphs if p.text.startswith("Отчет по результатам"))


@pytest.mark.parametrize("code, ending", [
    ("2026-Q1", "в 1 квартале 2026 года"), ("2026-H1", "за 1 полугодие 2026 года"),
    ("2026-9M", "за 9 месяцев 2026 года"), ("2026", "за 2026 год")])
def test_structure_per_period_kind(wb, code, ending):
    report = build_report(wb, Period.parse(code))
    document = open_docx(report_docx_bytes(report, wb.settings))
    assert title_paragraph(document).text == report.title and report.title.endswith(ending)
    tables = body_tables(document)
    assert len(tables) == len(report.criteria) == 4                 # one table per criterion
    headings = [p.text for p in document.paragraphs if p.text.startswith("Критерий «")]
    assert headings == [f"Критерий «{c.name}»" for c in report.criteria]
    for table, criterion in zip(tables, report.criteria):
        assert table.style.name == "Table Grid"
        header = table.rows[0]
        assert [cell_text(c) for c in header.cells] == ["Показатель", "Результативность"]
        assert header._tr.trPr.find(qn("w:tblHeader")) is not None       # repeats on every page
        expected = []
        for heading, rows in criterion.sections():
            expected.append((heading, heading))
            expected += [(i.name, i.text) for i in rows]
        got = [(cell_text(r.cells[0]), cell_text(r.cells[1])) for r in table.rows[1:]]
        assert got == expected


def test_subheading_rows_are_merged_across_both_columns(wb):
    document = open_docx(report_docx_bytes(build_report(wb, Period.parse("2026-Q1"))))
    found = 0
    for table in body_tables(document):
        for row in table.rows:
            text = cell_text(row.cells[0])
            if text in KIND_HEADINGS.values():
                tcs = row._tr.tc_lst
                assert len(tcs) == 1 and tcs[0].grid_span == 2           # one cell spanning two columns
                assert row.cells[0]._tc is row.cells[1]._tc
                assert row.cells[0].paragraphs[0].runs[0].bold
                found += 1
    assert found == 8


def test_approval_header_block(wb):
    document = open_docx(report_docx_bytes(build_report(wb, Period.parse("2026-Q1")), wb.settings))
    block = document.tables[0]
    assert len(block.rows) == 1 and len(block.columns) == 2
    left, right = (cell_text(c) for c in block.rows[0].cells)
    assert left.startswith("СОГЛАСОВАНО:") and right.startswith("УТВЕРЖДАЮ:")
    assert DEFAULT_SETTINGS["Согласовано (должность)"] in left and DEFAULT_SETTINGS["Согласовано (ФИО)"] in left
    assert DEFAULT_SETTINGS["Утверждаю (должность)"] in right and DEFAULT_SETTINGS["Утверждаю (ФИО)"] in right
    assert "_____" in left and "_____" in right                          # signature lines
    assert block.style is None or block.style.name != "Table Grid"
    borders = block._tbl.tblPr.find(qn("w:tblBorders"))
    assert borders is not None and all(b.get(qn("w:val")) == "nil" for b in borders)
    # the header block comes first, then the title
    body = list(document.element.body.iterchildren())
    assert body[0].tag == f"{W}tbl"


def test_no_approval_block_without_an_approver_and_only_the_named_side(tmp_path):
    settings = {k: v for k, v in DEFAULT_SETTINGS.items() if not k.startswith(("Утверждаю", "Согласовано"))}
    wb = load_workbook(write_report_workbook(tmp_path / "none.xlsx", settings=settings))
    document = open_docx(report_docx_bytes(build_report(wb, Period.parse("2026-Q1")), wb.settings))
    assert not has_approval_block(document)
    assert "_____" not in "\n".join(p.text for p in document.paragraphs)
    assert list(document.element.body.iterchildren())[0].tag == f"{W}p"      # the title comes first
    only = {k: v for k, v in DEFAULT_SETTINGS.items() if not k.startswith("Согласовано")}
    wb = load_workbook(write_report_workbook(tmp_path / "one.xlsx", settings=only))
    document = open_docx(report_docx_bytes(build_report(wb, Period.parse("2026-Q1")), wb.settings))
    left, right = (cell_text(c) for c in document.tables[0].rows[0].cells)
    assert left == "" and right.startswith("УТВЕРЖДАЮ:") and DEFAULT_SETTINGS["Утверждаю (ФИО)"] in right


def test_numbers_in_the_document_equal_counts(wb):
    period = Period.parse("2026-Q1")
    counts = counts_by_type(select_rows(wb, Selection(period, [NIK])).frame)
    document = open_docx(report_docx_bytes(build_report(wb, period, [NIK])))
    text = "\n".join(cell_text(c) for t in body_tables(document) for r in t.rows for c in r.cells)
    assert counts["консультация"] == 11 and counts["семинар"] == 1 and counts["выступление"] == 2
    assert f"Проведено {count_phrase(11, 'консультация')}, из них 55 % — по вопросам применения СЗТ" in text
    assert "Проведен 1 семинар-практикум" in text                     # counted as a seminar, said as written
    assert f"Подготовлено {count_phrase(2, 'выступление')}" in text
    assert counts["публикация"] == 5 and "Размещено 5 пресс-релизов" in text
    assert "16 января (по теме «Разработка формуляра практики" in text
    assert "(по учреждениям: КЦСОН Никольский)" in [p.text for p in document.paragraphs]


def test_plural_forms_in_the_document(wb):
    text = ""
    for code in ("2026-Q2", "2026-Q3", "2026-Q4"):
        document = open_docx(report_docx_bytes(build_report(wb, Period.parse(code), [VYT])))
        text += "\n".join(cell_text(c) for t in body_tables(document) for r in t.rows for c in r.cells)
    for phrase in ("Разработан 21 буклет", "Проведено 22 консультации", "Размещено 25 публикаций"):
        assert phrase in text


def test_no_data_indicator_is_in_the_document(wb):
    document = open_docx(report_docx_bytes(build_report(wb, Period.parse("2026-Q1"))))
    rows = {cell_text(r.cells[0]): cell_text(r.cells[1]) for t in body_tables(document) for r in t.rows}
    assert rows["Привлечение дополнительных материально-технических ресурсов"] == NO_DATA


def test_edits_are_in_the_document(wb):
    report = build_report(wb, Period.parse("2026-Q1"))
    target = report.indicators()[0]
    edited = report.with_edits({target.key: "В январе направлены планы работы ОМП.\nВторой абзац."})
    document = open_docx(report_docx_bytes(edited))
    row = next(r for r in body_tables(document)[0].rows if cell_text(r.cells[0]) == target.name)
    assert [p.text for p in row.cells[1].paragraphs] == ["В январе направлены планы работы ОМП.", "Второй абзац."]


def test_page_setup_fonts_and_footer(wb):
    document = open_docx(report_docx_bytes(build_report(wb, Period.parse("2026-Q1"))))
    section = document.sections[0]
    assert abs(section.page_width - Cm(21)) < Cm(0.01) and abs(section.page_height - Cm(29.7)) < Cm(0.01)
    assert section.page_width < section.page_height                    # portrait
    assert abs(section.left_margin - Cm(3)) < Cm(0.01) and abs(section.right_margin - Cm(1.5)) < Cm(0.01)
    assert abs(section.top_margin - Cm(2)) < Cm(0.01) and abs(section.bottom_margin - Cm(2)) < Cm(0.01)
    # every run of the body: Times New Roman in all four font slots, 12–14 pt
    runs = document.element.body.iter(f"{W}r")
    n = 0
    for r in runs:
        if not "".join(t.text or "" for t in r.iter(f"{W}t")):
            continue
        fonts = r.find(f"{W}rPr/{W}rFonts")
        assert fonts is not None
        for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
            assert fonts.get(f"{W}{slot}") == FONT
        size = r.find(f"{W}rPr/{W}sz")
        assert size is not None and Pt(12) <= Pt(int(size.get(f"{W}val")) / 2) <= Pt(14)
        n += 1
    assert n > 50
    normal = document.styles["Normal"]
    assert normal.font.name == FONT
    rfonts = normal.element.rPr.find(qn("w:rFonts"))
    assert rfonts.get(qn("w:eastAsia")) == FONT and rfonts.get(qn("w:cs")) == FONT
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:rFonts")).get(qn("w:asciiTheme")) is None
    footer_xml = section.footer._element.xml
    assert "PAGE" in footer_xml and 'w:fldCharType="begin"' in footer_xml


def test_another_omps_criteria_in_the_document(tmp_path):
    wb = load_workbook(write_report_workbook(tmp_path / "other.xlsx", criteria=OTHER_CRITERIA))
    document = open_docx(report_docx_bytes(build_report(wb, Period.parse("2026-Q1"))))
    headings = [p.text for p in document.paragraphs if p.text.startswith("Критерий «")]
    assert headings[2] == f"Критерий «{THIRD_CRITERION}»"
    third = body_tables(document)[2]
    assert [cell_text(r.cells[1]) for r in third.rows[1:]] == ["Качественные показатели", NO_DATA,
                                                              "Количественные показатели", NO_DATA]


def test_file_name():
    assert report_file_name(Period.parse("2026-Q1")) == "Отчет_ОМП_2026_1кв.docx"
    assert report_file_name(Period.parse("2026-H1")) == "Отчет_ОМП_2026_1пг.docx"
    assert report_file_name(Period.parse("2026-9M")) == "Отчет_ОМП_2026_9мес.docx"
    assert report_file_name(Period.parse("2026")) == "Отчет_ОМП_2026_год.docx"
    assert report_file_name(Period.parse("2026-Q2"), ["КЦСОН «Забота» г. Череповца"]) == \
        "Отчет_ОМП_2026_2кв_КЦСОН_Забота_г_Череповца.docx"


def test_cli_report(wb_path, tmp_path, capsys):
    out = tmp_path / "Отчет.docx"
    assert cli.main(["report", str(wb_path), "--period", "2026-Q1", "--institution", NIK, "-o", str(out)]) == 0
    assert "сохранён" in capsys.readouterr().out
    document = docx.Document(str(out))
    assert title_paragraph(document).text.endswith("в 1 квартале 2026 года")
    assert len(body_tables(document)) == 4


def test_cli_report_errors_exit_2(wb_path, tmp_path, capsys):
    out = tmp_path / "x.docx"
    assert cli.main(["report", str(tmp_path / "missing.xlsx"), "--period", "2026-Q1", "-o", str(out)]) == 2
    assert "Ошибка:" in capsys.readouterr().err
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    assert cli.main(["report", str(bad), "--period", "2026-Q1", "-o", str(out)]) == 2
    assert "Ошибка:" in capsys.readouterr().err
    assert cli.main(["report", str(wb_path), "--period", "2026-Q9", "-o", str(out)]) == 2
    assert cli.main(["report", str(wb_path), "--period", "2026", "--institution", "Нет такого", "-o", str(out)]) == 2
    assert not out.exists()
