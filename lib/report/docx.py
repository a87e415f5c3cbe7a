"""The report as a Word file (python-docx), in Russian official formatting.

A4 portrait with explicit margins (top/bottom 2 cm, left 3 cm, right 1.5 cm); Times New Roman on
every run and in the styles, for Latin, Cyrillic (eastAsia / cs slots too) alike, 12–14 pt; the
borderless two-column СОГЛАСОВАНО / УТВЕРЖДАЮ block; the title with the period; per criterion a
heading and a real table «Показатель | Результативность» ("Table Grid") whose header row repeats on
every page and whose «Качественные показатели» / «Количественные показатели» rows span both
columns; page numbers (a PAGE field) in the footer.
"""
from __future__ import annotations

import io
import re

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT, WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt

from lib.model.workbook import Settings
from lib.model.periods import Period
from lib.report.draft import Report

FONT = "Times New Roman"
BODY_PT = 12
TITLE_PT = 14
HEADING_PT = 13
PAGE_W, PAGE_H = Cm(21), Cm(29.7)
MARGINS = {"top": Cm(2), "bottom": Cm(2), "left": Cm(3), "right": Cm(1.5)}
CONTENT_W = PAGE_W - MARGINS["left"] - MARGINS["right"]          # 16.5 cm
COL_W = (Cm(6.3), CONTENT_W - Cm(6.3))
SUBHEAD_FILL = "E7E6E6"
SIGN_LINE = "_______________"
DATE_LINE = "«____» ______________ {year} г."
HEADER_CELLS = ("Показатель", "Результативность")


# --------------------------------------------------------------------------- fonts and styles


def _set_rfonts(rpr) -> None:
    """Times New Roman in every font slot; theme fonts (which would win over these) removed."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), FONT)


def _set_lang(rpr) -> None:
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "ru-RU")
    lang.set(qn("w:eastAsia"), "ru-RU")
    lang.set(qn("w:bidi"), "ar-SA")


def _setup_styles(doc) -> None:
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_rfonts(rpr)
    _set_lang(rpr)
    for name in ("Normal", "Table Grid", "Header", "Footer"):
        try:
            style = doc.styles[name]
        except KeyError:
            continue
        style.font.name = FONT
        style.font.size = Pt(BODY_PT)
        _set_rfonts(style.element.get_or_add_rPr())
    normal = doc.styles["Normal"].paragraph_format
    normal.space_before = Pt(0)
    normal.space_after = Pt(0)
    normal.line_spacing = 1.0


def _run(paragraph, text: str, *, size: int = BODY_PT, bold: bool = False, italic: bool = False):
    run = paragraph.add_run(text)
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    _set_rfonts(run._element.get_or_add_rPr())
    return run


def _paragraph(container, text: str = "", *, size: int = BODY_PT, bold: bool = False, italic: bool = False,
               align=None, space_after: int = 0, keep_with_next: bool = False, first: bool = False):
    """A paragraph with one formatted run; `first` reuses the cell's initial empty paragraph."""
    p = container.paragraphs[0] if first and container.paragraphs and not container.paragraphs[0].text \
        else container.add_paragraph()
    if text:
        _run(p, text, size=size, bold=bold, italic=italic)
    fmt = p.paragraph_format
    if align is not None:
        p.alignment = align
    fmt.space_after = Pt(space_after)
    fmt.space_before = Pt(0)
    if keep_with_next:
        fmt.keep_with_next = True
    return p


def _text_paragraphs(cell, text: str, *, size: int = BODY_PT, bold: bool = False, align=None) -> None:
    """Multi-line text → one paragraph per line (blank lines dropped), in a table cell."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()] or [""]
    for i, line in enumerate(lines):
        _paragraph(cell, line, size=size, bold=bold, align=align, first=(i == 0),
                   space_after=3 if i < len(lines) - 1 else 0)


# --------------------------------------------------------------------------- table helpers


def _fixed_layout(table, widths) -> None:
    """Fixed column widths (grid, table and every cell; a merged cell gets the sum of its columns)."""
    table.autofit = False
    tblpr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.append(layout)
    tblw = tblpr.find(qn("w:tblW"))
    if tblw is None:
        tblw = OxmlElement("w:tblW")
        tblpr.append(tblw)
    tblw.set(qn("w:w"), str(int(sum(Emu(w).twips for w in widths))))
    tblw.set(qn("w:type"), "dxa")
    for col, width in zip(table.columns, widths):
        col.width = Emu(width)
    for row in table.rows:
        col = 0
        for tc in row._tr.tc_lst:
            span = tc.grid_span
            width = Emu(sum(widths[col:col + span]))
            tcpr = tc.get_or_add_tcPr()
            tcw = tcpr.find(qn("w:tcW"))
            if tcw is None:
                tcw = OxmlElement("w:tcW")
                tcpr.insert(0, tcw)
            tcw.set(qn("w:w"), str(int(width.twips)))
            tcw.set(qn("w:type"), "dxa")
            col += span


def _no_borders(table) -> None:
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tblpr.append(borders)


def _row_flag(row, tag: str) -> None:
    """`w:tblHeader` (repeat on each page) or `w:cantSplit` on a row."""
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement(f"w:{tag}")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _shade(cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _page_number_field(paragraph) -> None:
    run = _run(paragraph, "")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            t = OxmlElement("w:t")
            t.text = text
            run._r.append(t)


# --------------------------------------------------------------------------- the document


def _page_setup(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_W, PAGE_H
    section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]
    section.header_distance = Cm(1.25)
    section.footer_distance = Cm(1.25)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number_field(footer)


def _approval_block(doc, settings: Settings, year: int) -> None:
    """СОГЛАСОВАНО (left) / УТВЕРЖДАЮ (right), each only when the settings name someone; no block at all
    when they name nobody (a report without an approver has none)."""
    blocks = (("СОГЛАСОВАНО:", settings.agree_position, settings.agree_name),
              ("УТВЕРЖДАЮ:", settings.approve_position, settings.approve_name))
    if not any(position or name for _, position, name in blocks):
        return
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(table)
    half = Emu(int(CONTENT_W / 2))
    _fixed_layout(table, (half, half))
    for cell, (label, position, name) in zip(table.rows[0].cells, blocks):
        if not (position or name):
            continue
        _paragraph(cell, label, bold=True, first=True, space_after=6)
        if position:
            _paragraph(cell, position, space_after=12)
        _paragraph(cell, f"{SIGN_LINE} {name}".rstrip() if name else SIGN_LINE * 2, space_after=6)
        _paragraph(cell, DATE_LINE.format(year=year))
        if cell is table.rows[0].cells[1]:
            for p in cell.paragraphs:
                p.paragraph_format.left_indent = Cm(1.0)


LEFT_CHARS, RIGHT_CHARS = 32, 55      # characters per line in the two columns at 12 pt (roughly)
KEEP_ROW_LINES = 14


def _lines(text: str, per_line: int) -> int:
    return sum(len(line) // per_line + 1 for line in str(text).splitlines() or [""])


def _criterion_table(doc, criterion) -> None:
    table = doc.add_table(rows=1, cols=2)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = table.rows[0]
    for cell, text in zip(header.cells, HEADER_CELLS):
        _paragraph(cell, text, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, first=True)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    _row_flag(header, "tblHeader")
    _row_flag(header, "cantSplit")
    for heading, indicators in criterion.sections():
        row = table.add_row()
        merged = row.cells[0].merge(row.cells[1])
        _paragraph(merged, heading, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, first=True,
                   keep_with_next=True)
        _shade(merged, SUBHEAD_FILL)
        _row_flag(row, "cantSplit")
        for ind in indicators:
            row = table.add_row()
            left, right = row.cells
            _text_paragraphs(left, ind.name)
            _text_paragraphs(right, ind.text)
            if _lines(ind.name, LEFT_CHARS) <= KEEP_ROW_LINES and _lines(ind.text, RIGHT_CHARS) <= KEEP_ROW_LINES:
                _row_flag(row, "cantSplit")          # a short row moves to the next page whole
    _fixed_layout(table, COL_W)


def build_document(report: Report, settings: Settings | None = None):
    """The python-docx Document for a report (texts as they are in `report`, edits included)."""
    settings = settings or report.settings
    doc = Document()
    _setup_styles(doc)
    _page_setup(doc)
    core = doc.core_properties
    core.title = report.title[:250]
    core.language = "ru-RU"
    core.author = settings.base_institution or settings.omp_name or "ОМП"
    _approval_block(doc, settings, report.period.year)
    _paragraph(doc, "", space_after=12)
    _paragraph(doc, report.title, size=TITLE_PT, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=6)
    if report.institutions:
        _paragraph(doc, f"(по учреждениям: {report.scope_label})", italic=True,
                   align=WD_ALIGN_PARAGRAPH.CENTER, space_after=6)
    for criterion in report.criteria:
        _paragraph(doc, "", space_after=0)
        _paragraph(doc, f"Критерий «{criterion.name}»", size=HEADING_PT, bold=True,
                   align=WD_ALIGN_PARAGRAPH.CENTER, space_after=6, keep_with_next=True)
        _criterion_table(doc, criterion)
    return doc


def report_docx_bytes(report: Report, settings: Settings | None = None) -> bytes:
    """The report's `.docx` bytes; `settings` (Настройки) default to the report's own."""
    out = io.BytesIO()
    build_document(report, settings).save(out)
    return out.getvalue()


_UNSAFE = re.compile(r"[^0-9A-Za-zА-Яа-яЁё]+")


def report_file_name(period: Period, institutions: tuple[str, ...] | list[str] = (), ext: str = "docx",
                     stem: str = "Отчет_ОМП") -> str:
    """«Отчет_ОМП_2026_1кв.docx»; a report for one institution adds its name, for several their number."""
    name = f"{stem}_{period.year}_{period.file_suffix}"
    chosen = list(institutions or [])
    if len(chosen) == 1:
        name += "_" + _UNSAFE.sub("_", chosen[0]).strip("_")[:60]
    elif chosen:
        name += f"_{len(chosen)}_учр"
    return f"{name}.{ext}"
