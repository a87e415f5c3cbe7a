"""A Google Sheet goes through the same loader as Excel: same tables, same issues, plus links to cells."""
from __future__ import annotations

from datetime import date

from lib.loader import load_workbook
from tests.fake_sheets import FakeSheets, FakeTab, make_client
from tests.workbook_builder import ACTIVITY_HEADER, MONITORING_HEADER, PLAN_HEADER

INST = "КЦСОН Бабаевского района"
SERIAL_15_03_2026 = (date(2026, 3, 15) - date(1899, 12, 30)).days


def test_google_sheet_loads_like_excel_with_cell_links():
    tabs = {
        "Настройки": [["Параметр", "Значение"], ["Год", 2026]],
        "Учреждения": [["Учреждение", "Район"], [INST, "Бабаевский"]],
        "План": [PLAN_HEADER, ["2.2", "", "Семинары", "20 марта, 15 июля", "", "", "", "семинар", "", 2, "год"]],
        INST + " ": FakeTab([["Отчёт"], [], ACTIVITY_HEADER,
                             [SERIAL_15_03_2026, "Семинар-практикум", "2.2", "СЗТ", 23],
                             ["16.03.2026", "вебинар", "п. 2.2", "СЗТ-2", "12 чел."],
                             ["31.02.2026", "семинар"],
                             [],
                             MONITORING_HEADER, ["Дорожная карта", 85]], gid=777),
    }
    with FakeSheets(tabs=tabs) as fake:
        wb = load_workbook(f"gsheet:{fake.key}", client=make_client(fake))
        assert fake.requests == 2
    acts = wb.activities
    assert acts["date"].dt.date.tolist() == [date(2026, 3, 15), date(2026, 3, 16)]
    assert acts["type"].tolist() == ["семинар", "семинар"] and acts["participants"].tolist() == [23, 12]
    assert acts["institution"].unique().tolist() == [INST]
    assert (wb.accounting.rows_total, wb.accounting.rows_rejected) == (3, 1)
    bad = wb.issues[wb.issues["severity"] == "error"].iloc[0]
    assert (bad["tab"], bad["cell"]) == (INST + " ", "A6")
    assert wb.cell_url(bad["tab"], bad["cell"]) == \
        f"https://docs.google.com/spreadsheets/d/{fake.key}/edit#gid=777&range=A6"
    assert wb.source.kind == "gsheet"
