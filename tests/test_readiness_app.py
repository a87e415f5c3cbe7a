"""«Готово к отправке» and «Что изменилось с прошлого чтения» in the running dashboard (AppTest): the
checklist on «Моё учреждение», the same state in the matrix of «Качество данных», the link from a red
line to the quality page filtered to the tab, and the change view after the file is edited and read
again — shown to coordinators only."""
from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import ui.context as context
from lib.loader import load_workbook
from lib.model.periods import Period
from lib.metrics.readiness import TITLES, assess
from tests.app_support import assert_clean, go, hashed_users, sign_in
from tests.app_workbook import build_app_workbook, fix_two_errors_and_insert_a_row
from tests.fake_sheets import FakeSheets, make_client, workbook_tabs

AS_OF = date(2026, 11, 22)
ERRORS_AT = ["Белозерский!A20", "Белозерский!B21", "Белозерский!A22"]


@pytest.fixture
def book(tmp_path, monkeypatch) -> Path:
    """A fresh workbook and a fresh folder for the history of reads, per test."""
    monkeypatch.setenv("OMP_SNAPSHOT_DIR", str(tmp_path / "snapshots"))
    return build_app_workbook(tmp_path / f"book-{uuid.uuid4().hex[:6]}.xlsx", n_institutions=8)


TABLES = {  # the tables of the pages by the columns that tell them apart (AppTest does not show their keys)
    "readiness_fixes": ("Где", "Что исправить"), "quality_matrix": ("Учреждение", "I кв."),
    "quality_laggards": ("Что не так",), "quality_changes": ("Итог", "Исправлено замечаний"),
    "quality_changes_rows": ("Строка стала",), "quality_changes_issues": ("Замечание", "Сообщение"),
}


def frame(at: AppTest, name: str):
    for df in at.dataframe:
        if set(TABLES[name]) <= set(df.value.columns):
            return df.value
    raise AssertionError(f"no table {name!r}")


GREEN, RED, GREY = "green", "red", "grey"
TITLE_STARTS = tuple(f"**{title}**" for title in TITLES.values())


def checklist_lines(at: AppTest) -> list[tuple[str, str]]:
    """The checklist's lines in order, each as (colour, «**title**  \ntext»): an alert per line."""
    lines = []
    for kind, colour in (("success", GREEN), ("error", RED), ("info", GREY)):
        for alert in at.get(kind):
            if alert.proto.body.startswith(TITLE_STARTS):
                lines.append((alert, colour))
    order = {id(node): i for i, node in enumerate(at._tree)}       # the page's order of elements
    lines.sort(key=lambda pair: order.get(id(pair[0]), 0))
    return [(colour, alert.proto.body) for alert, colour in lines]


def test_my_institution_shows_the_checklist_of_the_chosen_period(make_app, book):
    wb = load_workbook(book)
    at = go(make_app(book, as_of=AS_OF), "my_institution")
    at.selectbox(key="institution").set_value("Белозерский").run()
    assert_clean(at)
    assert "Готово к отправке: II квартал 2026" in [s.value for s in at.subheader]
    assert any(e.value.startswith("Не готово к отправке: II квартал 2026 — не пройдено проверок: 1 из 4")
               for e in at.error)
    lines = checklist_lines(at)
    assert [colour for colour, _ in lines] == [RED, GREEN, GREEN, GREEN]
    assert lines[0][1].startswith("**Ошибки на вкладке исправлены**") and "3 ошибки" in lines[0][1]
    fixes = frame(at, "readiness_fixes")
    assert list(fixes["Где"]) == ERRORS_AT
    # Excel: a link to the quality page showing this tab's errors
    (link,) = at.get("page_link")
    assert link.proto.page == "quality" and "quality_severity=%D0%BE%D1%88%D0%B8%D0%B1%D0%BA%D0%B0" in \
        link.proto.query_string and "quality_search=" in link.proto.query_string
    # the same checklist lib gives
    cl = assess(wb, 2026, AS_OF).checklist("Белозерский", Period.parse("2026-Q2"))
    assert [line.ok for line in cl.lines] == [False, True, True, True]

    at.selectbox(key="institution").set_value("Бабаевский").run()
    assert any("Готово к отправке: II квартал 2026 — все проверки пройдены" in s.value for s in at.success)
    assert not at.get("page_link")

    # another period: the year as of 22.11 checks quarters I–IV; IV has no data yet
    at.selectbox(key="omp_period").set_value("Y").run()
    assert_clean(at)
    assert "Готово к отправке: 2026 год" in [s.value for s in at.subheader]
    lines = checklist_lines(at)
    assert lines[1][0] == RED and "IV квартал" in lines[1][1] and lines[2][0] == RED
    # a quarter that has not begun by the chosen date
    at.selectbox(key="omp_period").set_value("Q4").run()
    at.date_input(key="omp_as_of").set_value(date(2026, 9, 1)).run()
    assert_clean(at)
    assert any("IV квартал 2026 ещё не начался" in i.value for i in at.info)


def test_the_quality_matrix_shows_the_same_state(make_app, book):
    wb = load_workbook(book)
    at = go(make_app(book, as_of=AS_OF), "quality")
    assert "Готово к отправке, 2026 год" in [s.value for s in at.subheader]
    shown = frame(at, "quality_matrix").set_index("Учреждение")
    expected = assess(wb, 2026, AS_OF).matrix()
    assert shown.equals(expected.rename_axis("Учреждение")) or shown.to_dict() == expected.to_dict()
    assert shown.loc["Белозерский", "II кв."] == "не готово: ошибки"
    assert shown.loc["Бабушкинский", "II кв."] == "не готово: мониторинг"
    assert shown.loc["Бабаевский", "II кв."] == "готово"
    # the reminders are the laggards of the same checks
    laggards = list(frame(at, "quality_laggards")["Учреждение"])
    matrix_red = [i for i in expected.index if expected.loc[i, "II кв."] != "готово"]
    assert laggards == matrix_red


def test_the_link_opens_the_quality_page_filtered_to_the_tab(make_app, book):
    wb = load_workbook(book)
    at = make_app(book, as_of=AS_OF, period=None, run=False)
    at.query_params["quality_search"] = "Белозерский"
    at.query_params["quality_severity"] = "ошибка"
    at.switch_page("app_pages/quality.py").run()
    assert_clean(at)
    assert at.text_input(key="quality_search").value == "Белозерский"
    assert at.multiselect(key="quality_severity").value == ["error"]
    issues = at.dataframe[0].value
    errors = wb.issues[(wb.issues["tab"] == "Белозерский") & (wb.issues["severity"] == "error")]
    assert len(issues) == len(errors) == 3 and set(issues["Вкладка"]) == {"Белозерский"}


def test_the_change_view_after_the_file_is_read_again(make_app, book):
    at = go(make_app(book, as_of=AS_OF), "quality")
    assert "Что изменилось с прошлого чтения" in [s.value for s in at.subheader]
    assert any(i.value.startswith("Сравнивать пока не с чем") for i in at.info)

    fix_two_errors_and_insert_a_row(book)
    at.run()
    assert_clean(at)
    table = frame(at, "quality_changes")
    assert list(table["Учреждение"]) == ["Белозерский"]
    row = table.iloc[0]
    assert row["Итог"] == "исправлено 2 из 4 замечаний · добавлено 3 строки"
    assert (row["Добавлено строк"], row["Изменено строк"], row["Удалено строк"], row["Исправлено замечаний"],
            row["Новых замечаний"]) == (3, 0, 0, 2, 0)
    total = next(m.value for m in at.markdown if m.value.startswith("**Всего:**"))
    assert total.startswith("**Всего:** исправлено 2 из ")
    assert at.selectbox(key="quality_changes_for").value == "Белозерский"
    rows = frame(at, "quality_changes_rows")
    assert set(rows["Что"]) == {"добавлена"} and 4 in set(rows["Строка стала"])
    issues = frame(at, "quality_changes_issues")
    assert list(issues["Замечание"]) == ["исправлено", "исправлено"] and set(issues["Ячейка"]) == {"A20", "B21"}
    # one error is left (the formula, now in A23): still not ready, on the matrix and on the checklist
    assert frame(at, "quality_matrix").set_index("Учреждение").loc["Белозерский", "II кв."] == "не готово: ошибки"
    go(at, "my_institution").selectbox(key="institution").set_value("Белозерский").run()
    assert "1 ошибка" in checklist_lines(at)[0][1]
    assert list(frame(at, "readiness_fixes")["Где"]) == ["Белозерский!A23"]
    go(at, "quality")

    # reading the same data again (another viewer, a refresh) keeps the comparison
    at.button(key="omp_refresh").click().run()
    assert_clean(at)
    assert list(frame(at, "quality_changes")["Учреждение"]) == ["Белозерский"]
    # the sidebar's institution filter narrows the view
    at.multiselect(key="omp_institutions").set_value(["Бабаевский"]).run()
    assert any("ничего не изменилось" in s.value for s in at.success)


def test_an_uploaded_file_is_compared_with_the_previous_upload(make_app, book, tmp_path):
    at = go(make_app(book, as_of=AS_OF), "quality")

    class Upload:
        def __init__(self, path: Path, name: str):
            self.name, self._data = name, path.read_bytes()

        def getvalue(self):
            return self._data

    context.handle_upload(Upload(book, "центр.xlsx"), at.session_state)
    at.run()
    assert any(i.value.startswith("Сравнивать пока не с чем") for i in at.info)
    fix_two_errors_and_insert_a_row(book)
    context.handle_upload(Upload(book, "центр.xlsx"), at.session_state)
    at.run()
    assert_clean(at)
    assert frame(at, "quality_changes").iloc[0]["Итог"].startswith("исправлено 2 из 4 замечаний")


def _users() -> dict:
    return hashed_users({"coord": {"password": "coord-pass-22", "role": "coordinator"},
                         "kcson": {"password": "kcson-pass-333", "role": "institution", "institution": "Белозерский"}})


@pytest.mark.parametrize("login,password,sees_changes", [("coord", "coord-pass-22", True),
                                                         ("kcson", "kcson-pass-333", False)])
def test_only_coordinators_see_the_change_view(make_app, book, login, password, sees_changes):
    at = make_app(book, as_of=AS_OF, auth={"users": _users()})
    sign_in(at, login, password)
    go(at, "quality")
    assert ("Что изменилось с прошлого чтения" in [s.value for s in at.subheader]) == sees_changes
    go(at, "my_institution")
    if not sees_changes:                                 # a centre sees its own checklist
        assert checklist_lines(at)[0] == (RED, checklist_lines(at)[0][1])
        assert checklist_lines(at)[0][1].startswith("**Ошибки на вкладке исправлены**")


def test_google_sheet_checklist_links_to_cells(make_app, monkeypatch, book, tmp_path):
    with FakeSheets(key=f"fake-{uuid.uuid4().hex[:8]}", title="Тестовая таблица",
                    tabs=workbook_tabs(book)) as fake:
        monkeypatch.setattr(context, "GSHEET_OPTIONS", {"client": make_client(fake)})
        at = go(make_app(f"gsheet:{fake.key}", as_of=AS_OF), "my_institution")
        at.selectbox(key="institution").set_value("Белозерский").run()
        assert_clean(at)
        links = list(frame(at, "readiness_fixes")["Где"])
        assert all(link.startswith(f"https://docs.google.com/spreadsheets/d/{fake.key}/edit#gid=") for link in links)
        assert links[0].endswith("&range=A20")
        assert not at.get("page_link")                  # the cells themselves are the links
