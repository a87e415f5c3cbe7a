"""The Excel summary: counts per institution × quarter equal `counts`, monitoring figures, plan
status, formatting, and text that can never run as a formula."""
from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from lib import cli
from lib.model.contract import ACTIVITY_TYPE_NAMES
from lib.loader import load_workbook
from lib.metrics.counts import counts_by_type
from lib.metrics.selection import Selection, select_rows
from lib.model.periods import Period
from lib.metrics.plan_status import plan_status
from lib.export.summary import summary_file_name, summary_xlsx_bytes
from tests.report_workbook import NIK, TAR, VYT, write_report_workbook


@pytest.fixture(scope="module")
def wb_path(tmp_path_factory):
    return write_report_workbook(tmp_path_factory.mktemp("summary") / "omp.xlsx")


@pytest.fixture(scope="module")
def wb(wb_path):
    return load_workbook(wb_path)


def open_xlsx(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def rows_of(ws) -> list[dict]:
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], row)) for row in values[1:]]


@pytest.mark.parametrize("code", ["2026-Q1", "2026-H1", "2026-9M", "2026"])
def test_counts_equal_counts_by_type(wb, code):
    period = Period.parse(code)
    book = open_xlsx(summary_xlsx_bytes(wb, period, as_of=date(2026, 12, 31)))
    assert book.sheetnames == ["Сведения", "Мероприятия", "Мониторинг", "План"]
    rows = rows_of(book["Мероприятия"])
    for inst in (NIK, VYT, TAR):
        for q in period.quarters:
            row = next(r for r in rows if r["Учреждение"] == inst and r["Квартал"].startswith(f"{['I', 'II', 'III', 'IV'][q - 1]} квартал"))
            expected = counts_by_type(select_rows(wb, Selection(Period.quarter(2026, q), [inst])).frame)
            assert {t: row[t] for t in ACTIVITY_TYPE_NAMES} == expected
            assert row["Всего"] == sum(expected.values())
    totals = [r for r in rows if r["Учреждение"].startswith("Все учреждения")]
    assert len(totals) == len(period.quarters) + (1 if len(period.quarters) > 1 else 0)
    assert {t: totals[-1][t] for t in ACTIVITY_TYPE_NAMES} == counts_by_type(select_rows(wb, Selection(period)).frame)


def test_scope_limits_rows(wb):
    book = open_xlsx(summary_xlsx_bytes(wb, Period.parse("2026-H1"), [VYT]))
    rows = rows_of(book["Мероприятия"])
    assert {r["Учреждение"] for r in rows} == {VYT, "Все учреждения — итого"}
    total = rows[-1]
    assert total["буклет"] == 21 and total["консультация"] == 1
    info = {r["Параметр"]: r["Значение"] for r in rows_of(book["Сведения"])}
    assert info["Учреждения"] == VYT and info["Период"] == "1 полугодие 2026"
    mon = rows_of(book["Мониторинг"])
    assert {r["Учреждение"] for r in mon} == {VYT, "По выбранным учреждениям"}


def test_monitoring_figures(wb):
    book = open_xlsx(summary_xlsx_bytes(wb, Period.parse("2026-H1")))
    rows = rows_of(book["Мониторинг"])
    road = "Достижение показателей дорожной карты"
    nik = next(r for r in rows if r["Учреждение"] == NIK and r["Показатель"] == road)
    assert (nik["I квартал 2026"], nik["II квартал 2026"], nik["За период"]) == (88, 90, 90)
    region = next(r for r in rows if r["Учреждение"] == "По области" and r["Показатель"] == road)
    assert region["I квартал 2026"] == 90 and region["За период"] == 91          # mean of 90 and 92
    services = next(r for r in rows if r["Учреждение"] == "По области" and r["Показатель"].startswith("Открыто"))
    assert services["За период"] == 3                                             # summed over quarters
    ws = book["Мониторинг"]
    r = next(i for i, row in enumerate(rows, start=2) if row is nik)
    assert ws.cell(row=r, column=6).number_format == '0.0" %"'


def test_plan_status_sheet(wb):
    as_of = date(2026, 7, 1)
    book = open_xlsx(summary_xlsx_bytes(wb, Period.parse("2026-H1"), as_of=as_of))
    rows = rows_of(book["План"])
    status = plan_status(wb, as_of)
    assert [r["№"] for r in rows] == list(status["item"])
    assert [r["Статус"] for r in rows] == list(status["status"])
    assert [r["Факт"] for r in rows] == [int(a) for a in status["actual"]]
    assert book["План"].cell(row=2, column=12).number_format == "0%"


def test_formatting(wb):
    book = open_xlsx(summary_xlsx_bytes(wb, Period.parse("2026-Q1")))
    for name in ("Мероприятия", "Мониторинг", "План"):
        ws = book[name]
        assert ws.freeze_panes == "C2"
        assert ws["A1"].font.bold and ws["A1"].fill.fgColor.rgb.endswith("DCE6F1")
        assert max(ws.column_dimensions[c].width for c in "ABC") >= 30
    ws = book["Мероприятия"]
    assert ws["C2"].number_format == "0"
    assert ws.auto_filter.ref


def test_text_cells_are_safe_from_formula_injection(wb):
    from dataclasses import replace
    plan = wb.plan.copy()
    plan.loc[0, "title"] = '=HYPERLINK("http://evil","клик")'
    plan.loc[1, "title"] = "+1+2"
    hostile = replace(wb, plan=plan, settings=replace(wb.settings, omp_name="=1+1", topic="@SUM(A1)"))
    book = open_xlsx(summary_xlsx_bytes(hostile, Period.parse("2026-Q1")))
    ws = book["План"]
    cells = {ws.cell(row=r, column=3).value: ws.cell(row=r, column=3) for r in range(2, ws.max_row + 1)}
    for text in ('=HYPERLINK("http://evil","клик")', "+1+2"):
        assert cells[text].data_type == "s"
    info = book["Сведения"]
    values = {info.cell(row=r, column=1).value: info.cell(row=r, column=2) for r in range(2, info.max_row + 1)}
    assert values["ОМП"].value == "=1+1" and values["ОМП"].data_type == "s"
    assert values["Тема"].value == "@SUM(A1)" and values["Тема"].data_type == "s"


def test_file_name_and_cli(wb_path, tmp_path, capsys):
    assert summary_file_name(Period.parse("2026-9M")) == "Сводка_ОМП_2026_9мес.xlsx"
    out = tmp_path / "s.xlsx"
    assert cli.main(["summary", str(wb_path), "--period", "2026-H1", "-o", str(out)]) == 0
    assert "сохранена" in capsys.readouterr().out
    assert openpyxl.load_workbook(out).sheetnames == ["Сведения", "Мероприятия", "Мониторинг", "План"]
    assert cli.main(["summary", str(tmp_path / "missing.xlsx"), "--period", "2026-H1", "-o", str(out)]) == 2
    assert "Ошибка:" in capsys.readouterr().err
