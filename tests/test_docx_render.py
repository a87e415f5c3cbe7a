"""A real office suite opens the report: LibreOffice (headless) converts it to PDF, poppler renders
the first pages to PNG under `artifacts/report/` (git-ignored) for people to look at.

CI installs `libreoffice-writer-nogui`, `fonts-liberation2` and `poppler-utils` (scripts/setup.sh
--dev); the test is skipped only on a machine without `soffice`.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from lib.report.docx import report_docx_bytes, report_file_name
from lib.loader import load_workbook
from lib.model.periods import Period
from lib.report.draft import build_report
from tests.report_workbook import OTHER_CRITERIA, THIRD_CRITERION, write_report_workbook

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "report"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

IN_CI = bool(os.environ.get("CI"))
pytestmark = pytest.mark.skipif(SOFFICE is None and not IN_CI,
                                reason="LibreOffice (soffice) не установлен; в CI он есть и тест обязателен")


def _run(cmd: list[str], timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def to_pdf(docx_path: Path, workdir: Path) -> Path:
    """soffice --headless --convert-to pdf with a private profile (parallel runs don't collide)."""
    assert SOFFICE, "LibreOffice (soffice) is required here: scripts/setup.sh --dev installs it"
    profile = workdir / "lo-profile"
    result = _run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                   "--convert-to", "pdf", "--outdir", str(workdir), str(docx_path)])
    pdf = workdir / (docx_path.stem + ".pdf")
    assert pdf.exists(), f"LibreOffice did not convert the report: {result.stdout}\n{result.stderr}"
    return pdf


def pdf_pages(pdf: Path) -> int:
    info = _run(["pdfinfo", str(pdf)]).stdout
    match = re.search(r"^Pages:\s+(\d+)", info, re.M)
    assert match, info
    return int(match[1])


def render_pages(pdf: Path, stem: str, last: int) -> list[Path]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{stem}-*.png"):
        old.unlink()
    _run(["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", str(last), str(pdf), str(ARTIFACTS / stem)])
    return sorted(ARTIFACTS.glob(f"{stem}-*.png"))


@pytest.mark.skipif(shutil.which("pdftoppm") is None and not IN_CI, reason="poppler-utils не установлен")
def test_libreoffice_opens_and_renders_the_report(tmp_path):
    wb = load_workbook(write_report_workbook(tmp_path / "omp.xlsx"))
    report = build_report(wb, Period.parse("2026-Q1"))
    docx_path = tmp_path / report_file_name(report.period)
    docx_path.write_bytes(report_docx_bytes(report, wb.settings))

    pdf = to_pdf(docx_path, tmp_path)
    pages = pdf_pages(pdf)
    assert pages >= 1
    text = _run(["pdftotext", "-layout", str(pdf), "-"]).stdout
    assert "СОГЛАСОВАНО:" in text and "УТВЕРЖДАЮ:" in text
    assert "в 1 квартале 2026 года" in text
    assert "Качественные показатели" in text and "Количественные показатели" in text
    if pages > 1:
        assert text.count("Результативность") >= 2          # the header row repeats on the next page
    fonts = _run(["pdffonts", str(pdf)]).stdout
    assert re.search(r"LiberationSerif|TimesNewRoman|Tinos", fonts), fonts   # Times or its metric twin

    pngs = render_pages(pdf, "report_2026_1kv", last=min(pages, 3))
    assert pngs and pngs[0].name.endswith("-1.png") and pngs[0].stat().st_size > 10_000
    shutil.copy(pdf, ARTIFACTS / "report_2026_1kv.pdf")


@pytest.mark.skipif(shutil.which("pdftoppm") is None and not IN_CI, reason="poppler-utils не установлен")
def test_libreoffice_renders_another_omps_year_report(tmp_path):
    wb = load_workbook(write_report_workbook(tmp_path / "other.xlsx", criteria=OTHER_CRITERIA))
    report = build_report(wb, Period.parse("2026"))
    docx_path = tmp_path / report_file_name(report.period)
    docx_path.write_bytes(report_docx_bytes(report))
    pdf = to_pdf(docx_path, tmp_path)
    assert pdf_pages(pdf) >= 1
    text = " ".join(_run(["pdftotext", str(pdf), "-"]).stdout.split())
    assert "за 2026 год" in text and THIRD_CRITERION.split()[0] in text
    pngs = render_pages(pdf, "report_other_omp_2026_god", last=1)
    assert pngs and pngs[0].exists()


@pytest.mark.skipif(shutil.which("pdftoppm") is None and not IN_CI, reason="poppler-utils не установлен")
def test_libreoffice_renders_the_seed_001_reconstruction(tmp_path):
    """The Q1 2023 report of the seed-001 workbook as a page people read: the approval block, the
    «Департамента» title, dates with topics and the organising centre, unbroken by the page layout."""
    from tests.seed001_workbook import write_seed001_workbook
    wb = load_workbook(write_seed001_workbook(tmp_path / "seed001.xlsx"))
    report = build_report(wb, Period.parse("2023-Q1"))
    docx_path = tmp_path / report_file_name(report.period)
    docx_path.write_bytes(report_docx_bytes(report, wb.settings))
    pdf = to_pdf(docx_path, tmp_path)
    pages = pdf_pages(pdf)
    text = " ".join(_run(["pdftotext", str(pdf), "-"]).stdout.split())
    assert "СОГЛАСОВАНО:" in text and "А.В. Ершов" in text and "Л.А. Андреевская" in text
    assert "площадки Департамента социальной защиты населения Вологодской области" in text
    assert "в 1 квартале 2023 года" in text and "на базе БУСОВО" not in text
    # the cells' lines interleave with the left column in the PDF text: look for pieces of one line
    assert "16 января (по теме «Разработка" in text and "формуляра практики по ментальному" in text
    assert "(БУСОВО КЦСОН" in text and "Никольского района)" in text
    pngs = render_pages(pdf, "report_seed001_2023_1kv", last=min(pages, 2))
    assert pngs and pngs[0].stat().st_size > 10_000
