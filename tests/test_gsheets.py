"""lib.sources.gsheets through the real gspread client against the local fake Sheets server."""
from __future__ import annotations

import time

import pytest

import lib.sources.gsheets as gsheets
from lib.sources.gsheets import read_gsheet
from lib import sources
from lib.sources import SourceError, SourceUnavailable
from tests.fake_sheets import FakeSheets, FakeTab, make_client

METADATA = "/v4/spreadsheets/fake-key-123"
BATCH_GET = METADATA + "/values:batchGet"
BY_FILTER = METADATA + "/values:batchGetByDataFilter"


class FakeSleep:
    def __init__(self):
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def read(fake: FakeSheets, **kw):
    kw.setdefault("sleep", FakeSleep())
    return read_gsheet(fake.key, client=make_client(fake), **kw)


def institution_rows(i: int) -> list[list]:
    return [["Мероприятия"], ["Дата", "Вид мероприятия", "Участников"],
            ["15.03.2026", "Консультация", i], ["16.03.2026", "Семинар", 2.5, None, ""]]


# --------------------------------------------------------------------------- request counts

@pytest.mark.parametrize("n", [5, 28, 100])
def test_all_tabs_cost_exactly_two_requests(fake_sheets, n):
    fake_sheets.tabs = {"Настройки": [["Параметр", "Значение"], ["Год", 2026]]}
    fake_sheets.tabs.update({f"КЦСОН Района №{i}": institution_rows(i) for i in range(1, n)})
    tabs, info = read(fake_sheets)
    assert fake_sheets.requests == 2
    # metadata, then one values read: a GET batchGet, or the same read as one POST when the
    # percent-encoded Cyrillic tab names would make the URL too long
    assert fake_sheets.paths[0] == METADATA
    assert fake_sheets.paths[1] == (BATCH_GET if n <= 28 else BY_FILTER)
    assert [t.name for t in tabs] == list(fake_sheets.tabs)
    assert tabs[-1].rows[2] == ["15.03.2026", "Консультация", n - 1]
    assert info.kind == "gsheet" and info.label == "Тестовая таблица ОМП"
    assert info.location == fake_sheets.key
    assert info.url == f"https://docs.google.com/spreadsheets/d/{fake_sheets.key}/edit"


def test_batch_get_asks_for_unformatted_values_and_formatted_dates(fake_sheets):
    fake_sheets.tabs = {"Лист1": [["Дата", "Число", "Флаг"], ["01.02.2026", 7, True]]}
    tabs, _ = read(fake_sheets)
    query = fake_sheets.log[1][2]
    assert query["valueRenderOption"] == ["UNFORMATTED_VALUE"]
    assert query["dateTimeRenderOption"] == ["SERIAL_NUMBER"]
    assert query["ranges"] == ["'Лист1'"]
    assert tabs[0].rows == [["Дата", "Число", "Флаг"], ["01.02.2026", 7, True]]
    assert fake_sheets.log[0][2]["includeGridData"] == ["false"]


def test_get_and_post_paths_give_the_same_tabs(fake_sheets, monkeypatch):
    fake_sheets.tabs = {"План": [["№", "Мероприятие"], ["1.1", "Семинар"]],
                        "Учреждения ": [["Учреждение"], ["КЦСОН"]]}
    via_get, _ = read(fake_sheets)
    monkeypatch.setattr(gsheets, "MAX_GET_QUERY_CHARS", 0)
    via_post, _ = read(fake_sheets)
    assert fake_sheets.paths == [METADATA, BATCH_GET, METADATA, BY_FILTER]
    assert via_get == via_post


# --------------------------------------------------------------------------- grid contents

def test_cyrillic_names_with_spaces_quotes_and_trailing_spaces(fake_sheets):
    names = ["Настройки", "КЦСОН Кичменгско-Городецкого района", "План ", " Учреждения",
             "Д'Артаньян", "Критерии  (2026)", "Sheet1"]
    fake_sheets.tabs = {name: [[name]] for name in names}
    tabs, _ = read(fake_sheets)
    assert [t.name for t in tabs] == names
    assert [t.rows for t in tabs] == [[[name]] for name in names]
    assert fake_sheets.log[1][2]["ranges"][4] == "'Д''Артаньян'"
    assert fake_sheets.log[1][2]["ranges"][2] == "'План '"


def test_ragged_rows_and_empty_tab_preserved(fake_sheets):
    fake_sheets.tabs = {
        "Ступеньки": [["a", "b", "c", None, ""], [], ["", "", "x"], ["y"], [None, ""], []],
        "Пустой": [],
    }
    tabs, _ = read(fake_sheets)
    assert tabs[0].rows == [["a", "b", "c"], [], ["", "", "x"], ["y"]]
    assert tabs[1].rows == []


def test_gid_is_carried_and_chart_sheets_skipped(fake_sheets):
    fake_sheets.tabs = {"Первый": [[1]], "Второй": FakeTab([[2]], gid=123456789),
                        "Диаграмма": FakeTab([], sheet_type="OBJECT"),
                        "Скрытый": FakeTab([[3]], hidden=True)}
    tabs, info = read(fake_sheets)
    assert [(t.name, t.gid) for t in tabs] == [("Первый", 0), ("Второй", 123456789),
                                               ("Скрытый", 3_000_026)]
    assert info.cell_url(tabs[1].gid, "B7") == (
        f"https://docs.google.com/spreadsheets/d/{fake_sheets.key}/edit#gid=123456789&range=B7")


def test_grid_is_padded_when_range_does_not_start_at_a1(fake_sheets):
    fake_sheets.tabs = {"Смещённый": FakeTab([["x", "y"], [], ["z"]], anchor="C3")}
    tabs, _ = read(fake_sheets)
    assert tabs[0].rows == [[], [], ["", "", "x", "y"], [], ["", "", "z"]]


def test_url_instead_of_key_and_read_source(fake_sheets):
    fake_sheets.tabs = {"Лист1": [["ok"]]}
    url = f"https://docs.google.com/spreadsheets/d/{fake_sheets.key}/edit#gid=0"
    tabs, info = read_gsheet(url, client=make_client(fake_sheets))
    assert info.location == fake_sheets.key and tabs[0].rows == [["ok"]]
    tabs, info = sources.read(f"gsheet: {fake_sheets.key}", client=make_client(fake_sheets))
    assert info.kind == "gsheet" and tabs[0].rows == [["ok"]]


# --------------------------------------------------------------------------- retries

def test_429_then_500_then_success(fake_sheets):
    fake_sheets.tabs = {"Лист1": [["данные", 1]]}
    fake_sheets.failures = [429, 500]
    sleep = FakeSleep()
    tabs, _ = read(fake_sheets, sleep=sleep)
    assert tabs[0].rows == [["данные", 1]]
    assert fake_sheets.requests == 4 and fake_sheets.paths == [METADATA] * 3 + [BATCH_GET]
    assert len(sleep.calls) == 2
    assert 0 <= sleep.calls[0] <= 1.0 and 0 <= sleep.calls[1] <= 2.0   # full jitter, doubling cap


def test_failures_during_values_read_are_retried_too(fake_sheets):
    fake_sheets.tabs = {"Лист1": [["x"]]}
    fake_sheets.failures = [None, 502]                  # metadata answers, batchGet fails once
    sleep = FakeSleep()
    tabs, _ = read(fake_sheets, sleep=sleep)
    assert fake_sheets.paths == [METADATA, BATCH_GET, BATCH_GET]
    assert len(sleep.calls) == 1 and tabs[0].rows == [["x"]]


def test_endless_503_gives_up_within_the_wait_budget(fake_sheets):
    fake_sheets.tabs = {"Лист1": [["x"]]}
    fake_sheets.failures = [503] * 1000
    sleep = FakeSleep()
    started = time.monotonic()
    with pytest.raises(SourceError) as err:
        read(fake_sheets, sleep=sleep, max_wait_s=20.0)
    assert time.monotonic() - started < 5
    assert sum(sleep.calls) <= 20.0
    assert 1 <= len(sleep.calls) <= gsheets.MAX_RETRIES
    assert fake_sheets.requests == len(sleep.calls) + 1
    message = str(err.value)
    assert message.startswith("Google Таблица сейчас недоступна (") and "503" in message
    assert message.endswith("Попробуйте позже.")


@pytest.mark.parametrize("budget", [0.0, 0.5, 3.0])
def test_wait_budget_is_never_exceeded(fake_sheets, budget):
    fake_sheets.tabs = {"Лист1": [["x"]]}
    fake_sheets.failures = [429] * 1000
    sleep = FakeSleep()
    with pytest.raises(SourceError, match="превышен лимит запросов"):
        read(fake_sheets, sleep=sleep, max_wait_s=budget)
    assert sum(sleep.calls) <= budget + 1e-9


def test_retry_after_longer_than_budget_gives_up_at_once(fake_sheets, monkeypatch):
    fake_sheets.tabs = {"Лист1": [["x"]]}
    sleep = FakeSleep()
    monkeypatch.setattr(gsheets, "_retry_after", lambda response: 60.0)
    fake_sheets.failures = [429]
    with pytest.raises(SourceError, match="недоступна"):
        read(fake_sheets, sleep=sleep, max_wait_s=20.0)
    assert sleep.calls == [] and fake_sheets.requests == 1


def test_timeout_then_success(fake_sheets):
    fake_sheets.tabs = {"Лист1": [["после таймаута"]]}
    fake_sheets.failures = ["timeout"]
    fake_sheets.hang_s = 2.0
    sleep = FakeSleep()
    started = time.monotonic()
    tabs, _ = read(fake_sheets, sleep=sleep, timeout=0.3)
    assert time.monotonic() - started < 1.5
    assert tabs[0].rows == [["после таймаута"]]
    assert fake_sheets.requests == 3 and len(sleep.calls) == 1


def test_endless_timeouts_count_against_the_budget(fake_sheets):
    fake_sheets.tabs = {"Лист1": [["x"]]}
    fake_sheets.failures = ["timeout"] * 100
    fake_sheets.hang_s = 2.0
    sleep = FakeSleep()
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"не ответил за 0\.2 с"):
        read(fake_sheets, sleep=sleep, timeout=0.2, max_wait_s=0.5)
    assert time.monotonic() - started < 2.0
    assert sum(sleep.calls) <= 0.5


def test_dropped_connection_then_success(fake_sheets):
    fake_sheets.tabs = {"Лист1": [["ok"]]}
    fake_sheets.failures = ["disconnect"]
    tabs, _ = read(fake_sheets)
    assert tabs[0].rows == [["ok"]] and fake_sheets.requests == 3


def test_unreachable_server_gives_up(fake_sheets):
    client = make_client(fake_sheets)
    fake_sheets.stop()
    sleep = FakeSleep()
    with pytest.raises(SourceError, match="нет соединения с сервером Google"):
        read_gsheet(fake_sheets.key, client=client, sleep=sleep, max_wait_s=2.0)
    assert sum(sleep.calls) <= 2.0


# --------------------------------------------------------------------------- permanent errors

def test_404_is_not_found_without_retries(fake_sheets):
    sleep = FakeSleep()
    with pytest.raises(SourceError, match="Таблица с ключом «nope» не найдена"):
        read_gsheet("nope", client=make_client(fake_sheets), sleep=sleep)
    assert fake_sheets.requests == 1 and sleep.calls == []


def test_403_no_access_without_retries(fake_sheets):
    fake_sheets.failures = [403]
    sleep = FakeSleep()
    with pytest.raises(SourceError, match="Нет доступа к таблице: откройте доступ для сервисного аккаунта"):
        read(fake_sheets, sleep=sleep)
    assert fake_sheets.requests == 1 and sleep.calls == []


def test_403_names_the_service_account_email(fake_sheets, monkeypatch):
    fake_sheets.failures = [403]
    calls = []
    monkeypatch.setattr(gsheets.gspread, "service_account_from_dict",
                        lambda info: calls.append(info) or make_client(fake_sheets))
    creds = {"type": "service_account", "client_email": "omp-reader@proj.iam.gserviceaccount.com",
             "private_key": "-----BEGIN PRIVATE KEY-----\\nABC\\n-----END PRIVATE KEY-----\\n"}
    with pytest.raises(SourceError, match="omp-reader@proj.iam.gserviceaccount.com"):
        read_gsheet(fake_sheets.key, credentials=creds, sleep=FakeSleep())
    assert calls[0]["private_key"].count("\n") == 3     # literal "\n" from a pasted key fixed


def test_403_sheets_api_disabled(fake_sheets):
    fake_sheets.failures = [(403, "Google Sheets API has not been used in project 123 before or it is disabled.")]
    with pytest.raises(SourceError, match="не включён Google Sheets API"):
        read(fake_sheets)


def test_400_excel_file_on_drive(fake_sheets):
    fake_sheets.failures = [(400, "This operation is not supported for this document")]
    with pytest.raises(SourceError, match="Сохранить как Google Таблицу"):
        read(fake_sheets)
    assert fake_sheets.requests == 1


def test_unknown_tab_range_is_read_again_then_unavailable(fake_sheets, monkeypatch):
    """A 400 «Unable to parse range» means the tab asked for is gone: one more metadata + values read,
    then a SourceUnavailable (the caller serves its snapshot) — never a plain error."""
    fake_sheets.tabs = {"Лист1": [["x"]]}
    monkeypatch.setattr(gsheets, "absolute_range_name", lambda name: "'Нет такого'")
    sleep = FakeSleep()
    with pytest.raises(SourceUnavailable, match="переименовали или удалили во время чтения"):
        read(fake_sheets, sleep=sleep)
    assert fake_sheets.paths == [METADATA, BATCH_GET] * 2 and sleep.calls == []


# --------------------------------------------------------------------------- incomplete or inconsistent answers

def after(change):
    """A `failures` entry: answer normally, then change the sheet (between two requests)."""
    def tamper(payload):
        change()
        return payload
    return tamper


def two_tabs(fake: FakeSheets) -> None:
    fake.tabs = {"Настройки": [["Год", 2026]], "КЦСОН Бабаевского района": institution_rows(1)}


@pytest.mark.parametrize("post", [False, True], ids=["batchGet", "batchGetByDataFilter"])
def test_a_tab_renamed_between_metadata_and_values_is_read_again(fake_sheets, monkeypatch, post):
    two_tabs(fake_sheets)
    if post:        # tabs addressed by sheetId: the answer names the tab by its new title
        monkeypatch.setattr(gsheets, "MAX_GET_QUERY_CHARS", 0)
    fake_sheets.failures = [after(lambda: fake_sheets.rename("КЦСОН Бабаевского района", "КЦСОН Бабаево"))]
    sleep = FakeSleep()
    tabs, _ = read(fake_sheets, sleep=sleep)
    assert [t.name for t in tabs] == ["Настройки", "КЦСОН Бабаево"]
    assert tabs[1].rows == institution_rows(1)[:3] + [["16.03.2026", "Семинар", 2.5]]
    assert fake_sheets.paths == [METADATA, BY_FILTER if post else BATCH_GET] * 2 and sleep.calls == []


@pytest.mark.parametrize("post", [False, True], ids=["batchGet", "batchGetByDataFilter"])
def test_a_tab_renamed_on_every_read_is_unavailable_after_one_more_read(fake_sheets, monkeypatch, post):
    two_tabs(fake_sheets)
    if post:
        monkeypatch.setattr(gsheets, "MAX_GET_QUERY_CHARS", 0)
    names = iter(f"Вкладка {i}" for i in range(10))
    fake_sheets.failures = [after(lambda: fake_sheets.rename(list(fake_sheets.tabs)[1], next(names))), None] * 5
    with pytest.raises(SourceUnavailable) as err:
        read(fake_sheets)
    message = str(err.value)
    assert message.startswith("Google Таблица прочиталась не полностью (")
    assert "переименовали" in message and message.endswith("Попробуйте обновить данные позже.")
    assert fake_sheets.requests == 2 * (gsheets.MAX_REREADS + 1) == 4


def drop_last_range(payload):
    payload["valueRanges"] = payload["valueRanges"][:-1]
    return payload


def test_fewer_ranges_than_asked_is_read_again(fake_sheets):
    two_tabs(fake_sheets)
    fake_sheets.failures = [None, drop_last_range]
    tabs, _ = read(fake_sheets)
    assert [len(t.rows) for t in tabs] == [1, 4] and fake_sheets.requests == 4


def test_fewer_ranges_every_time_is_unavailable(fake_sheets):
    two_tabs(fake_sheets)
    fake_sheets.failures = [None, drop_last_range] * 5
    with pytest.raises(SourceUnavailable, match="вместо 2 листов пришло 1"):
        read(fake_sheets)
    assert fake_sheets.requests == 4


def in_each_range(change):
    def tamper(payload):
        for vr in payload["valueRanges"]:
            change(vr)
        return payload
    return tamper


def in_each_sheet(change):
    def tamper(payload):
        for sheet in payload["sheets"]:
            change(sheet)
        return payload
    return tamper


WRONG_SHAPES = {    # (which answer: 0 metadata, 1 values; how it is bent)
    "values: not a list": (1, in_each_range(lambda vr: vr.update(values="abc"))),
    "values: not rows": (1, in_each_range(lambda vr: vr.update(values=[1, 2]))),
    "values: a row is not a list": (1, in_each_range(lambda vr: vr["values"].append("строка"))),
    "values: a cell is an object": (1, in_each_range(lambda vr: vr["values"][0].append({"v": 1}))),
    "values: columns, not rows": (1, in_each_range(lambda vr: vr.update(majorDimension="COLUMNS"))),
    "range missing": (1, in_each_range(lambda vr: vr.pop("range"))),
    "range of another tab": (1, in_each_range(lambda vr: vr.update(range="'Чужой лист'!A1:Z1000"))),
    "range not A1": (1, in_each_range(lambda vr: vr.update(range=vr["range"].split("!")[0] + "!R1C1"))),
    "valueRanges: not a list": (1, lambda p: {**p, "valueRanges": {"0": p["valueRanges"][0]}}),
    "valueRanges: not objects": (1, lambda p: {**p, "valueRanges": ["a", "b"]}),
    "body: a list": (1, lambda p: [p]),
    "sheets: no properties": (0, in_each_sheet(lambda sheet: sheet.pop("properties"))),
    "sheets: no title": (0, in_each_sheet(lambda sheet: sheet["properties"].pop("title"))),
    "sheets: sheetId as text": (0, in_each_sheet(lambda sheet: sheet["properties"].update(sheetId="0"))),
    "sheets: not a list": (0, lambda p: {**p, "sheets": {"properties": {}}}),
    "sheets: missing": (0, lambda p: {k: v for k, v in p.items() if k != "sheets"}),
    "metadata: properties not an object": (0, lambda p: {**p, "properties": "ОМП"}),
}


@pytest.mark.parametrize("case", list(WRONG_SHAPES))
def test_an_answer_of_the_wrong_shape_is_read_again_then_unavailable(fake_sheets, case):
    """Wrong-shape JSON is neither a TypeError/KeyError nor taken as data."""
    two_tabs(fake_sheets)
    where, bend = WRONG_SHAPES[case]
    script = [bend] if where == 0 else [None, bend]            # a bent metadata answer: no values asked
    fake_sheets.failures = script * 2
    with pytest.raises(SourceUnavailable, match="пришли в неожиданном виде|пришёл лист «"):
        read(fake_sheets)
    assert fake_sheets.requests == (2 if where == 0 else 4)
    fake_sheets.failures = script                              # once only: the second read is the read
    fake_sheets.requests = 0
    tabs, _ = read(fake_sheets)
    assert [len(t.rows) for t in tabs] == [1, 4] and fake_sheets.requests == (3 if where == 0 else 4)


@pytest.mark.parametrize("bend", [
    lambda p: {**p, "valueRanges": [{**item, "dataFilters": None} for item in p["valueRanges"]]},
    lambda p: {**p, "valueRanges": [{k: v for k, v in item.items() if k != "valueRange"}
                                    for item in p["valueRanges"]]},
    lambda p: {**p, "valueRanges": [{**item, "valueRange": {**item["valueRange"], "values": "x"}}
                                    for item in p["valueRanges"]]},
    lambda p: {**p, "valueRanges": p["valueRanges"][:1]},
], ids=["no dataFilters", "no valueRange", "values not rows", "a tab missing"])
def test_a_bent_by_sheet_id_answer_is_unavailable(fake_sheets, monkeypatch, bend):
    two_tabs(fake_sheets)
    monkeypatch.setattr(gsheets, "MAX_GET_QUERY_CHARS", 0)
    fake_sheets.failures = [None, bend] * 2
    with pytest.raises(SourceUnavailable, match="Google Таблица прочиталась не полностью"):
        read(fake_sheets)
    assert fake_sheets.paths == [METADATA, BY_FILTER] * 2


def test_an_empty_tab_has_no_values_and_is_read_as_empty(fake_sheets):
    fake_sheets.tabs = {"Настройки": [["Год", 2026]], "Пустой": [], "Д'Артаньян": [[None, ""]]}
    tabs, _ = read(fake_sheets)
    assert [t.rows for t in tabs] == [[["Год", 2026]], [], []]
    assert fake_sheets.requests == 2
    assert all("values" not in vr for vr in [fake_sheets.value_range(n, FakeTab(r), None)
                                             for n, r in list(fake_sheets.tabs.items())[1:]])


def test_only_chart_sheets_is_a_plain_error(fake_sheets):
    fake_sheets.tabs = {"Диаграмма": FakeTab([], sheet_type="OBJECT")}
    with pytest.raises(SourceError, match="нет ни одного листа с ячейками") as err:
        read(fake_sheets)
    assert not isinstance(err.value, SourceUnavailable) and fake_sheets.requests == 1


def test_range_names_are_unquoted_like_google_writes_them():
    rows = [["x"]]
    for rng, tab in [("Sheet1!A1:Z1000", "Sheet1"), ("'Лист 1'!A1:Z1000", "Лист 1"),
                     ("'Д''Артаньян'!A1:Z1000", "Д'Артаньян"), ("'Итоги!'!A1:Z1000", "Итоги!"),
                     ("'План '!$A$1:$K$1000", "План "), ("'Лист1'", "Лист1")]:
        assert gsheets._rows_of({"range": rng, "values": rows}, tab) == rows, rng
    with pytest.raises(gsheets._Inconsistent, match="вместо листа «План» пришёл лист «План »"):
        gsheets._rows_of({"range": "'План '!A1:Z1000", "values": rows}, "План")


# --------------------------------------------------------------------------- credentials

def test_missing_credentials_explain_secrets_toml(monkeypatch):
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    with pytest.raises(SourceError) as err:
        read_gsheet("some-key")
    message = str(err.value)
    assert ".streamlit/secrets.toml" in message and "[gcp_service_account]" in message
    assert "GOOGLE_APPLICATION_CREDENTIALS" in message


def test_credentials_path_from_env(fake_sheets, monkeypatch, tmp_path):
    key_file = tmp_path / "sa.json"
    key_file.write_text("{}")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    seen = []
    monkeypatch.setattr(gsheets.gspread, "service_account",
                        lambda filename: seen.append(filename) or make_client(fake_sheets))
    fake_sheets.tabs = {"Лист1": [["x"]]}
    tabs, _ = read_gsheet(fake_sheets.key)
    assert seen == [str(key_file)] and tabs[0].rows == [["x"]]


def test_credentials_path_missing_or_broken(monkeypatch, tmp_path):
    with pytest.raises(SourceError, match="не найден"):
        read_gsheet("k", credentials=str(tmp_path / "absent.json"))
    broken = tmp_path / "broken.json"
    broken.write_text("not json")
    with pytest.raises(SourceError, match="повреждён или неполный"):
        read_gsheet("k", credentials=str(broken))
    with pytest.raises(SourceError, match="повреждён или неполный"):
        read_gsheet("k", credentials={"type": "service_account"})


def test_empty_key():
    with pytest.raises(SourceError, match="Не указан ключ"):
        read_gsheet("  ", client=object())
