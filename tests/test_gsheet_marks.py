"""«Отметить замечания в таблице» (lib/export/gsheet_marks.py) through the real gspread client against the local
fake Sheets server (tests/fake_sheets.py): the request bodies, one read of notes and one batchUpdate,
a second run after a fix clears the first run's mark, a person's note survives both runs, a
read-only service account changes nothing, 429/5xx are retried with a fresh read, and only the
director and coordinators may mark."""
from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
import requests

import lib.export.gsheet_marks as marks_mod
from lib.export.annotate import LIST_TAB, MARK, has_mark
from lib.auth import User
from lib.export.gsheet_marks import (MAX_BATCH_BYTES, STATE_FIELDS, NotAllowed, ReadOnlySheet, mark_gsheet, plan_marks,
                              split_batches)
from lib.loader import load_workbook
from lib.model.workbook import ERROR, ISSUE_COLUMNS, WARNING
from lib.sources import SourceError, SourceUnavailable
from lib.validate.values import cell_address
from tests.fake_sheets import FakeSheets, make_client, workbook_tabs
from tests.workbook_builder import ACTIVITY_HEADER, write_workbook

META = "/v4/spreadsheets/fake-key-123"
BATCH_GET = META + "/values:batchGet"
BATCH_UPDATE = META + ":batchUpdate"
A_TAB, B_TAB = "КЦСОН Бабаевского района", "КЦСОН Вожегодского района"
DAY1, DAY2 = date(2026, 11, 22), date(2026, 11, 23)
PERSON_ON_ERROR = "Иванова Н.П.: дату уточнить"
PERSON_ELSEWHERE = "Петров: всё верно"
PERSON_RULE = {"ranges": [{"sheetId": None, "startRowIndex": 0, "endRowIndex": 1, "startColumnIndex": 0,
                           "endColumnIndex": 9}],
               "booleanRule": {"condition": {"type": "NOT_BLANK"}, "format": {"textFormat": {"bold": True}}}}


class FakeSleep:
    def __init__(self):
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture(scope="module")
def tabs(tmp_path_factory):
    path = write_workbook(tmp_path_factory.mktemp("gmarks") / "omp.xlsx", institutions={
        A_TAB: [ACTIVITY_HEADER,
                ["31.02.2026", "консультация", "1.3", "a", 3],          # A2: error, and a person's note
                ["15.03.2026", "пляски", "1.3", "b"],                   # B3: error
                ["16.03.2026", "семинар", "9.9", "c"],                  # C4: warning
                ["17.03.2026", "семинар", "2.2", "d", 4]],              # D5: a person's note, no issue
        B_TAB: [ACTIVITY_HEADER, ["40.13.2026", "семинар", "2.2", "e"]]})
    return workbook_tabs(path)


@pytest.fixture
def fake(tabs):
    with FakeSheets(tabs=json.loads(json.dumps(tabs))) as fake:
        a = fake.tab(A_TAB)
        a.notes[(1, 0)] = PERSON_ON_ERROR
        a.notes[(4, 3)] = PERSON_ELSEWHERE
        a.conditional_formats.append(json.loads(json.dumps(PERSON_RULE).replace("null", str(a.gid))))
        yield fake


def mark(fake, **kw):
    kw.setdefault("sleep", FakeSleep())
    kw.setdefault("checked_on", DAY1)
    return mark_gsheet(f"gsheet:{fake.key}", client=make_client(fake), **kw)


def issues_now(fake) -> pd.DataFrame:
    return load_workbook(f"gsheet:{fake.key}", client=make_client(fake)).issues


def notes(fake) -> dict[tuple[str, str], str]:
    return {(title, cell_address(r, c)): note for title, tab in fake.sheet_list() for (r, c), note in tab.notes.items()}


def coloured(fake) -> dict[tuple[str, str], str]:
    """(tab, cell) → severity, from our marker rules."""
    out = {}
    for title, tab in fake.sheet_list():
        for rule in tab.conditional_formats:
            values = rule["booleanRule"]["condition"].get("values") or []
            if not values or values[0]["userEnteredValue"] != '="Проверка ОМП"<>""':
                continue
            green = rule["booleanRule"]["format"]["backgroundColor"]["green"]
            severity = ERROR if round(green, 2) == round(0xC7 / 255, 2) else WARNING
            for rng in rule["ranges"]:
                assert rng["sheetId"] == tab.gid
                for r in range(rng["startRowIndex"], rng["endRowIndex"]):
                    for c in range(rng["startColumnIndex"], rng["endColumnIndex"]):
                        out[(title, cell_address(r, c))] = severity
    return out


def person_rules(fake, title=A_TAB) -> list[dict]:
    return [r for r in fake.tab(title).conditional_formats if r["booleanRule"]["condition"]["type"] != "CUSTOM_FORMULA"]


def request_kinds(body: dict) -> list[str]:
    return [next(iter(r)) for r in body["requests"]]


def note_writes(body: dict, fake) -> dict[tuple[str, str], str]:
    """(tab, cell) → note every updateCells of the body writes (fields "note")."""
    titles = {tab.gid: title for title, tab in fake.sheet_list()}
    out = {}
    for r in body["requests"]:
        spec = r.get("updateCells")
        if not spec or spec["fields"] != "note":
            continue
        start = spec["start"]
        for i, row in enumerate(spec["rows"]):
            for j, cell in enumerate(row["values"]):
                out[(titles[start["sheetId"]], cell_address(start["rowIndex"] + i, start["columnIndex"] + j))] = \
                    cell.get("note", "")
    return out


# --------------------------------------------------------------------------- the first run

def test_one_read_and_one_batch_update_mark_exactly_the_issue_cells(fake):
    issues = issues_now(fake)
    fake.requests, fake.log = 0, []
    result = mark(fake)
    # the workbook (2 requests, as always), then ONE read of notes/formats and ONE batchUpdate
    assert fake.paths == [META, BATCH_GET, META, BATCH_UPDATE]
    assert fake.log[2][2]["fields"] == [STATE_FIELDS]
    assert (result.reads, result.writes) == (1, 1) and len(fake.bodies) == 1
    named = {(i.tab, i.cell): i for i in issues.itertuples() if i.cell}
    assert set(named) == {(A_TAB, "A2"), (A_TAB, "B3"), (A_TAB, "C4"), (B_TAB, "A2")}
    assert result.marked == 4 and result.person_notes == 1 and result.cleared == 0

    body = fake.bodies[0]
    written = note_writes(body, fake)
    assert set(written) == set(named)                      # no other cell is part of any request
    for where, note in written.items():
        assert named[where].message in note and f"{MARK}, 22.11.2026:" in note
    assert written[(A_TAB, "A2")].startswith(PERSON_ON_ERROR + "\n\n" + f"{MARK}, 22.11.2026:\n• ошибка: ")
    kinds = request_kinds(body)
    assert "deleteConditionalFormatRule" not in kinds
    adds = [r["addConditionalFormatRule"] for r in body["requests"] if "addConditionalFormatRule" in r]
    assert [a["index"] for a in adds if a["rule"]["ranges"][0]["sheetId"] == fake.tab(A_TAB).gid] == [1, 2]
    assert all(a["rule"]["booleanRule"]["condition"] == {"type": "CUSTOM_FORMULA",
                                                         "values": [{"userEnteredValue": '="Проверка ОМП"<>""'}]}
               for a in adds)
    assert kinds.count("addSheet") == 1

    assert coloured(fake) == {(A_TAB, "A2"): ERROR, (A_TAB, "B3"): ERROR, (A_TAB, "C4"): WARNING,
                              (B_TAB, "A2"): ERROR}
    assert person_rules(fake) == [json.loads(json.dumps(PERSON_RULE).replace("null", str(fake.tab(A_TAB).gid)))]
    assert fake.tab(A_TAB).conditional_formats[0]["booleanRule"]["condition"]["type"] == "NOT_BLANK"  # still first
    assert notes(fake)[(A_TAB, "D5")] == PERSON_ELSEWHERE


def test_the_list_tab_lists_every_issue_with_a_link_and_is_not_read_as_data(fake):
    issues = issues_now(fake)
    result = mark(fake)
    tab = fake.tab(LIST_TAB)
    assert result.list_url == f"https://docs.google.com/spreadsheets/d/{fake.key}/edit#gid={tab.gid}"
    assert tab.rows[0][0] == f"{MARK}, 22.11.2026, «Тестовая таблица ОМП»: 3 ошибки, 3 предупреждения"
    assert (issues["severity"] == ERROR).sum() == 3 and (issues["severity"] == WARNING).sum() == 3
    assert tab.rows[1] == ["Серьёзность", "Вкладка", "Ячейка", "Сообщение"]
    assert len(tab.rows) == 2 + len(issues) == 2 + result.listed
    gids = {title: t.gid for title, t in fake.sheet_list()}
    for r, issue in enumerate(issues.itertuples(), start=2):
        row = tab.rows[r] + [""] * 4
        assert row[:4] == [{"error": "ошибка", "warning": "предупреждение"}[issue.severity], issue.tab,
                           issue.cell, issue.message]
        link_col = 2 if issue.cell else 1
        uri = tab.formats[(r, link_col)]["textFormat"]["link"]["uri"]
        assert uri == f"https://docs.google.com/spreadsheets/d/{fake.key}/edit#gid={gids[issue.tab]}" + (
            f"&range={issue.cell}" if issue.cell else "")
    again = issues_now(fake)                              # the list tab is skipped by the loader
    assert again[["severity", "tab", "cell", "message"]].equals(issues[["severity", "tab", "cell", "message"]])


# --------------------------------------------------------------------------- the second run

def test_a_second_run_after_a_fix_clears_the_mark_and_keeps_the_persons_notes(fake):
    mark(fake)
    a = fake.tab(A_TAB)
    a.rows[1][0] = "28.02.2026"                 # A2 fixed (it holds a person's note below ours)
    a.rows[2][1] = "семинар"                    # B3 fixed (only our note)
    rules_before = list(a.conditional_formats)
    fake.bodies.clear()
    result = mark(fake, checked_on=DAY2)
    assert result.cleared == 2 and result.marked == 2 and (result.reads, result.writes) == (1, 1)

    body = fake.bodies[0]
    deletes = [r["deleteConditionalFormatRule"] for r in body["requests"] if "deleteConditionalFormatRule" in r]
    # only our rules on A (indices 2 and 1, highest first), never the person's rule at index 0
    assert [d["index"] for d in deletes if d["sheetId"] == a.gid] == [2, 1]
    assert rules_before[1:] and all(r["booleanRule"]["condition"]["type"] == "CUSTOM_FORMULA" for r in rules_before[1:])
    written = note_writes(body, fake)
    assert written[(A_TAB, "A2")] == PERSON_ON_ERROR                  # restored exactly
    assert written[(A_TAB, "B3")] == ""                                # removed
    assert (A_TAB, "D5") not in written                               # never part of a request

    now = notes(fake)
    assert now[(A_TAB, "A2")] == PERSON_ON_ERROR and (A_TAB, "B3") not in now
    assert now[(A_TAB, "D5")] == PERSON_ELSEWHERE
    assert f"{MARK}, 23.11.2026:" in now[(A_TAB, "C4")] and "22.11.2026" not in now[(A_TAB, "C4")]
    assert sum(has_mark(n) for n in now.values()) == 2
    assert coloured(fake) == {(A_TAB, "C4"): WARNING, (B_TAB, "A2"): ERROR}
    assert len(person_rules(fake)) == 1 and fake.tab(A_TAB).conditional_formats[0] == rules_before[0]
    assert list(fake.tabs).count(LIST_TAB) == 1 and len(fake.tab(LIST_TAB).rows) == 2 + len(issues_now(fake))


def test_a_run_without_changes_rewrites_only_the_list(fake):
    mark(fake)
    fake.bodies.clear()
    mark(fake)
    kinds = request_kinds(fake.bodies[0])
    assert set(kinds) == {"updateCells"}
    assert all(r["updateCells"].get("range", r["updateCells"].get("start"))["sheetId"] == fake.tab(LIST_TAB).gid
               for r in fake.bodies[0]["requests"])
    fake.bodies.clear()
    result = mark(fake, list_tab=False)
    assert fake.bodies == [] and result.writes == 0 and result.marked == 4


def test_everything_fixed_removes_every_mark(fake):
    mark(fake)
    a, b = fake.tab(A_TAB), fake.tab(B_TAB)
    a.rows[1][0], a.rows[2][1], a.rows[3][2] = "28.02.2026", "семинар", "2.2"
    b.rows[1][0] = "10.03.2026"
    result = mark(fake, list_tab=False)
    assert result.marked == 0 and result.cleared == 4
    assert coloured(fake) == {} and not any(has_mark(n) for n in notes(fake).values())
    assert notes(fake) == {(A_TAB, "A2"): PERSON_ON_ERROR, (A_TAB, "D5"): PERSON_ELSEWHERE}
    assert len(fake.tab(A_TAB).conditional_formats) == 1


# --------------------------------------------------------------------------- access and failures

def test_read_only_access_changes_nothing_and_says_so(fake):
    fake.read_only = True
    before = (notes(fake), [list(t.conditional_formats) for _, t in fake.sheet_list()], list(fake.tabs))
    sleep = FakeSleep()
    with pytest.raises(ReadOnlySheet) as err:
        mark(fake, sleep=sleep)
    message = str(err.value)
    assert "только для чтения" in message and "«Редактор»" in message and "ничего не изменено" in message
    assert fake.paths == [META, BATCH_GET, META, BATCH_UPDATE] and sleep.calls == []      # no retries
    assert (notes(fake), [list(t.conditional_formats) for _, t in fake.sheet_list()], list(fake.tabs)) == before


def test_a_protected_range_is_explained(fake):
    fake.failures = [None, None, None, (403, "You are trying to edit a protected cell or object.")]
    with pytest.raises(ReadOnlySheet, match="защищена"):
        mark(fake)
    assert not any(has_mark(n) for n in notes(fake).values())


def test_429_on_the_write_is_retried_after_reading_again(fake):
    fake.failures = [None, None, None, 429]
    sleep = FakeSleep()
    result = mark(fake, sleep=sleep)
    assert fake.paths == [META, BATCH_GET, META, BATCH_UPDATE, META, BATCH_UPDATE]
    assert len(sleep.calls) == 1 and (result.reads, result.writes) == (2, 2)
    assert len(coloured(fake)) == 4 and len(fake.tab(A_TAB).conditional_formats) == 3


def test_a_batch_google_applied_before_failing_is_not_applied_twice(fake):
    fake.failures = [None, None, None, "applied-then-503"]
    mark(fake)
    assert len(fake.bodies) == 2
    assert "addConditionalFormatRule" not in request_kinds(fake.bodies[1])       # the fresh read saw them
    assert note_writes(fake.bodies[1], fake) == {}
    assert len(fake.tab(A_TAB).conditional_formats) == 3 and len(coloured(fake)) == 4
    assert sum(has_mark(n) for n in notes(fake).values()) == 4


def test_endless_503_gives_up_within_the_budget(fake):
    fake.failures = [None, None] + [503] * 200
    sleep = FakeSleep()
    with pytest.raises(SourceUnavailable, match="Google Таблица сейчас недоступна"):
        mark(fake, sleep=sleep, max_wait_s=5.0)
    assert sum(sleep.calls) <= 5.0 + 1e-9
    assert not any(has_mark(n) for n in notes(fake).values())


@pytest.mark.parametrize("role, allowed", [("director", True), ("coordinator", True), ("institution", False)])
def test_only_the_director_and_coordinators_may_mark(fake, role, allowed):
    user = User("login", role, A_TAB if role == "institution" else None)
    if allowed:
        assert mark(fake, user=user).marked == 4
    else:
        with pytest.raises(NotAllowed, match="только директор и координаторы"):
            mark(fake, user=user)
        assert fake.requests == 0


def test_an_excel_workbook_is_not_a_google_sheet(tmp_path):
    path = write_workbook(tmp_path / "x.xlsx", institutions={A_TAB: [ACTIVITY_HEADER]})
    with pytest.raises(SourceError, match="только в Google Таблице"):
        mark_gsheet(load_workbook(path), client=object())


# --------------------------------------------------------------------------- sizes and batches

def test_batches_are_split_only_above_the_limit_and_end_in_the_same_state(fake, monkeypatch, tabs):
    with FakeSheets(tabs=json.loads(json.dumps(tabs))) as whole:
        mark(whole)
        expected = (notes(whole), coloured(whole), whole.tab(LIST_TAB).rows)
    monkeypatch.setattr(marks_mod, "MAX_BATCH_BYTES", 2500)
    fake.tab(A_TAB).notes.clear()
    fake.tab(A_TAB).conditional_formats.clear()
    result = mark(fake)
    assert result.writes == len(fake.bodies) > 2
    # every batch within the limit, unless it is a single request bigger than the limit on its own
    assert all(size <= 2500 or len(body["requests"]) == 1 for size, body in zip(fake.body_sizes, fake.bodies))
    assert (notes(fake), coloured(fake), fake.tab(LIST_TAB).rows) == expected


def test_the_fake_refuses_a_body_over_10_mib_as_google_does(fake):
    url = make_client(fake).http_client.session.base_url + BATCH_UPDATE
    response = requests.post(url, data=b'{"requests": []}' + b" " * (10 * 1024 * 1024))
    assert response.status_code == 400 and "10485760 bytes" in response.json()["error"]["message"]


def test_28_tabs_of_10000_rows_fit_in_one_request_the_list_in_a_second():
    """As many issues as the benchmark's 28 × 10 000 workbook has (≈ 11 000, long messages included):
    the marks are one request under the limit; with the list tab, at most two."""
    messages = [(ERROR, "Дата «31.02.2026» не существует — строка не учтена"),
                (ERROR, "Вид мероприятия «пляски» не из списка (консультация, семинар, совещание, круглый стол, "
                        "мастер-класс, стажировка, конференция, выступление, публикация, буклет, формуляр практики, "
                        "методические материалы, видеоматериал, мероприятие для получателей, соглашение, мониторинг, "
                        "обучение специалистов) — строка не учтена"),
                (WARNING, "Пункта 9.9 нет в плане работы: мероприятие учтено без пункта плана"),
                (ERROR, "Участников: «много» — не число. Укажите количество цифрами, например 12 — строка не учтена")]
    rows = []
    tabs = [f"КЦСОН района №{i}" for i in range(28)]
    for t, tab in enumerate(tabs):
        for k in range(400):
            severity, message = messages[k % 4]
            rows.append({"severity": severity, "tab": tab, "cell": f"{'ABCE'[k % 4]}{8 + k * 25}",
                         "message": message, "institution": tab, "row": None})
    issues = pd.DataFrame(rows, columns=ISSUE_COLUMNS)
    state = {"sheets": [{"properties": {"sheetId": 1_000_003 * (i + 1), "title": tab,
                                        "gridProperties": {"rowCount": 10_100, "columnCount": 10}}}
                        for i, tab in enumerate(tabs)]}
    key = "1" * 44

    def sizes(list_tab: bool) -> list[int]:
        plan = plan_marks(state, issues, key=key, checked_on=DAY1, list_tab=list_tab)
        return [len(json.dumps({"requests": b}, ensure_ascii=False, separators=(",", ":")).encode())
                for b in split_batches(plan.requests)]

    marks_only, with_list = sizes(False), sizes(True)
    assert len(marks_only) == 1 and marks_only[0] < MAX_BATCH_BYTES
    assert len(with_list) <= 2 and all(s <= MAX_BATCH_BYTES < 10 * 1024 * 1024 for s in with_list)


def test_a_merged_cell_is_marked_on_its_first_cell():
    state = {"sheets": [{"properties": {"sheetId": 7, "title": "Лист"},
                         "merges": [{"sheetId": 7, "startRowIndex": 1, "endRowIndex": 3, "startColumnIndex": 0,
                                     "endColumnIndex": 3}]}]}
    issues = pd.DataFrame([{"severity": ERROR, "tab": "Лист", "cell": "B3", "message": "не так", "institution": "",
                            "row": None}], columns=ISSUE_COLUMNS)
    plan = plan_marks(state, issues, key="k", checked_on=DAY1, list_tab=False)
    cells = [r["updateCells"]["start"] for r in plan.requests if "updateCells" in r]
    assert cells == [{"sheetId": 7, "rowIndex": 1, "columnIndex": 0}]
    rule = next(r["addConditionalFormatRule"]["rule"] for r in plan.requests if "addConditionalFormatRule" in r)
    assert rule["ranges"] == [{"sheetId": 7, "startRowIndex": 1, "endRowIndex": 2, "startColumnIndex": 0,
                               "endColumnIndex": 1}]


# --------------------------------------------------------------------------- command line

@pytest.fixture
def cli_credentials(monkeypatch, tmp_path, fake):
    key_file = tmp_path / "sa.json"
    key_file.write_text("{}")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    import lib.sources.gsheets as gsheets
    monkeypatch.setattr(gsheets.gspread, "service_account", lambda filename: make_client(fake))
    return fake


def test_cli_marks_a_google_sheet_in_place(cli_credentials, capsys):
    from lib.cli import main
    assert main(["annotate", f"gsheet:{cli_credentials.key}"]) == 1            # there are errors, as validate
    out = capsys.readouterr().out
    assert "Отмечено 4 ячейки" in out and f"«{LIST_TAB}»" in out and "Ошибок: 3, предупреждений: 3" in out
    assert len(coloured(cli_credentials)) == 4


def test_cli_read_only_exit_two_with_the_russian_message(cli_credentials, capsys):
    from lib.cli import main
    cli_credentials.read_only = True
    assert main(["annotate", f"gsheet:{cli_credentials.key}"]) == 2
    assert "только для чтения" in capsys.readouterr().err
