"""Google outages: bounded retries, then the last good snapshot with a banner; one fetch per TTL.

The Google paths run through the real gspread client against the local fake Sheets server.
"""
from __future__ import annotations

import gzip
import json
import math
import os
import threading
import time
from datetime import date, datetime, time as dtime, timedelta

import pytest

import lib.sources.snapshot as snapshot
from lib.sources.snapshot import (Fetched, SingleFlight, banner_text, fetch_shared, load_snapshot, load_with_fallback,
                          save_snapshot, snapshot_path)
from lib.sources import RawTab, SourceError, SourceInfo, SourceUnavailable, read
from lib.validate.parsing import build_workbook
from tests.fake_sheets import FakeSheets, make_client
from tests.workbook_builder import ACTIVITY_HEADER

INST = "КЦСОН Бабаевского района"
SERVICE_ACCOUNT = {"type": "service_account", "client_email": "omp-reader@proj.iam.gserviceaccount.com",
                   "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n",
                   "private_key_id": "0123456789abcdef0123456789abcdef01234567"}


def tabs_with(participants: int) -> dict:
    return {"Настройки": [["Параметр", "Значение"], ["Год", 2026]],
            INST: [ACTIVITY_HEADER, ["15.03.2026", "Семинар", "2.2", "СЗТ", participants]]}


class Reader:
    """lib.sources.read through the real gspread client on the fake; counts reads, never really sleeps."""

    def __init__(self, fake: FakeSheets, **options):
        self.fake, self.calls, self.slept = fake, 0, []
        self.options = {"max_wait_s": 5.0, "timeout": 0.3, "sleep": self.slept.append, **options}
        self.client = make_client(fake)
        self._lock = threading.Lock()

    def __call__(self, spec: str):
        with self._lock:
            self.calls += 1
        return read(spec, client=self.client, credentials=SERVICE_ACCOUNT, **self.options)


@pytest.fixture
def snapdir(tmp_path, monkeypatch):
    directory = tmp_path / "snapshots"
    monkeypatch.setenv(snapshot.SNAPSHOT_DIR_ENV, str(directory))
    return directory


def spec_of(fake: FakeSheets) -> str:
    return f"gsheet:{fake.key}"


# --------------------------------------------------------------------------- banner and files

def test_banner_text():
    assert banner_text(datetime(2026, 3, 12, 14, 5, 59)) == \
        "Данные от 12.03.2026 14:05 — Google Таблица сейчас недоступна"


def test_snapshot_dir_default_env_and_argument(tmp_path, monkeypatch):
    monkeypatch.delenv(snapshot.SNAPSHOT_DIR_ENV, raising=False)
    assert snapshot.snapshot_dir() == snapshot.DEFAULT_SNAPSHOT_DIR
    assert snapshot.DEFAULT_SNAPSHOT_DIR.name == ".snapshots"
    ignored = (snapshot.DEFAULT_SNAPSHOT_DIR.parent / ".gitignore").read_text().split()
    assert ".snapshots/" in ignored
    monkeypatch.setenv(snapshot.SNAPSHOT_DIR_ENV, str(tmp_path / "env"))
    assert snapshot.snapshot_dir() == tmp_path / "env"
    assert snapshot.snapshot_dir(tmp_path / "arg") == tmp_path / "arg"
    path = snapshot_path("gsheet:secret-looking-key-123")
    assert "secret-looking-key" not in path.name and path.name.endswith(".json.gz")
    assert snapshot_path("gsheet:a") != snapshot_path("gsheet:b")


def test_values_round_trip(snapdir):
    rows = [["текст", 1, 2.5, True, None, "", float("nan")],
            [date(2026, 3, 15), datetime(2026, 3, 15, 10, 30), dtime(9, 15), timedelta(hours=1, minutes=30)],
            ['{"$d": "2026-01-01"}', "2026-03-15"]]
    tabs = [RawTab("Лист «1»", rows, 17, [((0, 0), (2, 0))]), RawTab("Большой", [], None, [], "слишком большой")]
    info = SourceInfo("gsheet", "Таблица", "key-1", datetime(2026, 3, 12, 14, 5), "https://x/edit")
    save_snapshot("gsheet:key-1", tabs, info)
    got_tabs, got_info = load_snapshot("gsheet:key-1")
    assert got_info == info
    assert got_tabs[0].rows[1] == rows[1] and got_tabs[0].rows[0][:6] == rows[0][:6]
    assert math.isnan(got_tabs[0].rows[0][6])
    assert got_tabs[0].rows[2] == rows[2]                  # text that looks like a tag stays text
    assert got_tabs[0].merges == [((0, 0), (2, 0))] and got_tabs[0].gid == 17
    assert got_tabs[1].problem == "слишком большой"
    assert load_snapshot("gsheet:other") is None


def test_a_tab_problem_keeps_its_rule_through_the_snapshot(snapdir):
    """A tab that could not be read is reported by the same rule from the snapshot as from the read."""
    tabs = [RawTab("Сломанная", problem="не удалось прочитать: повреждён XML", problem_code="tab.unreadable"),
            RawTab("Большая", problem="слишком большая вкладка")]
    info = SourceInfo("gsheet", "Таблица", "key-2", datetime(2026, 3, 12, 14, 5), None)
    save_snapshot("gsheet:key-2", tabs, info)
    got_tabs, _ = load_snapshot("gsheet:key-2")
    assert [(t.problem, t.problem_code) for t in got_tabs] == [(t.problem, t.problem_code) for t in tabs]

    def codes(raw):
        issues = build_workbook(raw, info).issues
        return {tab: code for tab, code in zip(issues["tab"], issues["code"]) if tab}
    assert codes(got_tabs) == codes(tabs) == {"Сломанная": "tab.unreadable", "Большая": "tab.too_big"}


def test_unreadable_or_foreign_snapshots_are_ignored(snapdir):
    info = SourceInfo("gsheet", "T", "k", datetime(2026, 1, 1))
    path = save_snapshot("gsheet:k", [RawTab("A", [["x"]])], info)
    path.write_bytes(b"garbage")
    assert load_snapshot("gsheet:k") is None
    path.write_bytes(gzip.compress(json.dumps({"format": 1, "spec": "gsheet:other", "source": {},
                                               "tabs": []}).encode()))
    assert load_snapshot("gsheet:k") is None
    path.write_bytes(gzip.compress(b'{"format": 1, "spec": "gsheet:k"}'))
    assert load_snapshot("gsheet:k") is None


def test_write_is_atomic(snapdir, monkeypatch):
    info = SourceInfo("gsheet", "T", "k", datetime(2026, 1, 1))
    save_snapshot("gsheet:k", [RawTab("A", [["старое"]])], info)

    def broken_replace(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(snapshot.os, "replace", broken_replace)
    with pytest.raises(OSError):
        save_snapshot("gsheet:k", [RawTab("A", [["новое"]])], info)
    assert load_snapshot("gsheet:k")[0][0].rows == [["старое"]]
    assert [p.name for p in snapdir.iterdir()] == [snapshot_path("gsheet:k").name]     # no temp file left


# --------------------------------------------------------------------------- outage → snapshot → recovery

def test_outage_serves_the_snapshot_with_the_banner_then_fresh_data_after_recovery(fake_sheets, snapdir):
    fake_sheets.tabs = tabs_with(11)
    reader = Reader(fake_sheets)
    spec = spec_of(fake_sheets)

    first = load_with_fallback(spec, reader)
    assert not first.stale and first.banner is None
    assert first.build().activities["participants"].tolist() == [11]
    assert snapshot_path(spec).exists()
    read_at = first.info.read_at

    fake_sheets.tabs = tabs_with(22)             # changed meanwhile, but Google cannot be reached
    for failures in ([429] * 100, [500] * 100, [503, "disconnect", 502] * 40):
        fake_sheets.failures = list(failures)
        fake_sheets.requests = 0
        got = load_with_fallback(spec, reader)
        assert got.stale
        assert got.banner == f"Данные от {read_at:%d.%m.%Y %H:%M} — Google Таблица сейчас недоступна"
        assert got.reason.startswith("Google Таблица сейчас недоступна (")
        assert got.info.read_at == read_at
        assert got.build().activities["participants"].tolist() == [11]     # the last good data
        assert fake_sheets.requests > 1                                     # it did retry
        assert sum(reader.slept) <= reader.options["max_wait_s"] * 3 + 1e-9
        reader.slept.clear()

    fake_sheets.failures = ["timeout"] * 100
    fake_sheets.hang_s = 2.0
    started = time.monotonic()
    got = load_with_fallback(spec, Reader(fake_sheets, timeout=0.2, max_wait_s=0.5))
    assert got.stale and "не ответил" in got.reason
    assert time.monotonic() - started < 3.0

    fake_sheets.failures = [429, 500, "timeout"]   # recovers within the retries
    fake_sheets.hang_s = 0.5
    fresh = load_with_fallback(spec, reader)
    assert not fresh.stale and fresh.banner is None
    assert fresh.build().activities["participants"].tolist() == [22]
    assert load_snapshot(spec)[1].read_at == fresh.info.read_at           # the snapshot moved on


# --------------------------------------------------------------------------- incomplete reads never replace the snapshot

def after(change):
    def tamper(payload):
        change()
        return payload
    return tamper


def without_values_of(*names):
    """A `failures` entry for the values request: the ranges of `names` come back without `values`,
    the way Google answers for an empty tab."""
    def tamper(payload):
        for vr in payload["valueRanges"]:
            if any(vr["range"].startswith(f"'{n}'!") for n in names):
                vr.pop("values", None)
        return payload
    return tamper


def snapshot_rows(spec) -> dict:
    tabs, info = load_snapshot(spec)
    return {"read_at": info.read_at, **{t.name: t.rows for t in tabs}}


def renamed_every_read(fake):
    names = iter(f"{INST} ({i})" for i in range(20))
    return [after(lambda: fake.rename(list(fake.tabs)[1], next(names))), None] * 10


EDGE_CASES = {
    "tab renamed between metadata and values": renamed_every_read,
    "fewer ranges than asked": lambda fake: [None, lambda p: {**p, "valueRanges": p["valueRanges"][:1]}] * 2,
    "valueRanges not a list": lambda fake: [None, lambda p: {**p, "valueRanges": {"a": 1}}] * 2,
    "values not rows": lambda fake: [None, lambda p: {**p, "valueRanges": [
        {**vr, "values": [1, 2, 3]} for vr in p["valueRanges"]]}] * 2,
    "a range naming another tab": lambda fake: [None, lambda p: {**p, "valueRanges": [
        {**vr, "range": "'Лист1'!A1:Z1000"} for vr in p["valueRanges"]]}] * 2,
    "metadata sheets without properties": lambda fake: [lambda p: {**p, "sheets": [{}]}] * 2,
}


@pytest.mark.parametrize("case", list(EDGE_CASES))
def test_an_incomplete_read_serves_the_snapshot_and_leaves_it_whole(fake_sheets, snapdir, case):
    fake_sheets.tabs = tabs_with(11)
    spec = spec_of(fake_sheets)
    first = load_with_fallback(spec, Reader(fake_sheets))
    before = snapshot_rows(spec)
    fake_sheets.tabs = tabs_with(22)
    fake_sheets.failures = EDGE_CASES[case](fake_sheets)
    reader = Reader(fake_sheets)
    got = load_with_fallback(spec, reader)
    assert got.stale and got.banner == banner_text(first.info.read_at)
    assert got.reason.startswith("Google Таблица прочиталась не полностью (")
    assert got.build().activities["participants"].tolist() == [11]
    assert snapshot_rows(spec) == before                   # the snapshot is untouched
    assert reader.slept == []                               # not a retry-with-backoff matter
    fake_sheets.failures = []
    assert load_with_fallback(spec, reader).build().activities["participants"].tolist() == [22]


def test_a_tab_that_had_rows_and_comes_back_without_values_is_read_again(fake_sheets, snapdir):
    """Google omits `values` for an empty tab; an answer that lost a tab's values looks the same. The
    snapshot says the tab had rows: a second read brings them back and the snapshot keeps them."""
    fake_sheets.tabs = tabs_with(11)
    spec = spec_of(fake_sheets)
    load_with_fallback(spec, Reader(fake_sheets))
    fake_sheets.tabs = tabs_with(22)
    fake_sheets.failures = [None, without_values_of(INST)]
    fake_sheets.requests = 0
    got = load_with_fallback(spec, Reader(fake_sheets))
    assert not got.stale and got.build().activities["participants"].tolist() == [22]
    assert fake_sheets.requests == 4                        # the suspicious read, then the second one
    assert snapshot_rows(spec)[INST] == tabs_with(22)[INST]


def test_a_tab_really_cleared_is_believed_on_the_second_read(fake_sheets, snapdir):
    fake_sheets.tabs = tabs_with(11)
    spec = spec_of(fake_sheets)
    load_with_fallback(spec, Reader(fake_sheets))
    fake_sheets.tabs = {**tabs_with(11), INST: []}           # somebody cleared the tab
    fake_sheets.requests = 0
    got = load_with_fallback(spec, Reader(fake_sheets))
    assert not got.stale and [t.rows for t in got.tabs if t.name == INST] == [[]]
    assert fake_sheets.requests == 4 and snapshot_rows(spec)[INST] == []
    fake_sheets.requests = 0                                 # now the snapshot knows it is empty
    assert not load_with_fallback(spec, Reader(fake_sheets)).stale
    assert fake_sheets.requests == 2


def test_a_second_read_losing_other_tabs_serves_the_snapshot(fake_sheets, snapdir):
    fake_sheets.tabs = tabs_with(11)
    spec = spec_of(fake_sheets)
    load_with_fallback(spec, Reader(fake_sheets))
    before = snapshot_rows(spec)
    fake_sheets.failures = [None, without_values_of(INST), None, without_values_of("Настройки")]
    got = load_with_fallback(spec, Reader(fake_sheets))
    assert got.stale and "пришли пустыми, хотя в прошлый раз в них были данные" in got.reason
    assert snapshot_rows(spec) == before


def test_an_empty_tab_that_was_empty_before_costs_no_second_read(fake_sheets, snapdir, monkeypatch):
    fake_sheets.tabs = {**tabs_with(11), "Пустой": []}
    spec = spec_of(fake_sheets)
    load_with_fallback(spec, Reader(fake_sheets))
    unzipped = []
    monkeypatch.setattr(snapshot, "load_snapshot", lambda *a, **k: unzipped.append(a) or pytest.fail("unzipped"))
    fake_sheets.requests = 0
    got = load_with_fallback(spec, Reader(fake_sheets))
    assert not got.stale and fake_sheets.requests == 2
    assert unzipped == []                                    # what the snapshot holds is remembered


def test_a_new_process_compares_with_the_snapshot_on_disk(fake_sheets, snapdir, monkeypatch):
    fake_sheets.tabs = tabs_with(11)
    spec = spec_of(fake_sheets)
    load_with_fallback(spec, Reader(fake_sheets))
    monkeypatch.setattr(snapshot, "_filled_memo", {})       # as after a restart
    fake_sheets.failures = [None, without_values_of(INST)]
    fake_sheets.requests = 0
    got = load_with_fallback(spec, Reader(fake_sheets))
    assert not got.stale and fake_sheets.requests == 4
    assert got.build().activities["participants"].tolist() == [11]


def test_outage_without_a_snapshot_raises(fake_sheets, snapdir):
    fake_sheets.tabs = tabs_with(1)
    fake_sheets.failures = [503] * 100
    with pytest.raises(SourceUnavailable, match="Google Таблица сейчас недоступна"):
        load_with_fallback(spec_of(fake_sheets), Reader(fake_sheets))


def test_permanent_errors_are_not_masked_by_the_snapshot(fake_sheets, snapdir):
    fake_sheets.tabs = tabs_with(1)
    spec = spec_of(fake_sheets)
    load_with_fallback(spec, Reader(fake_sheets))
    fake_sheets.failures = [403]
    with pytest.raises(SourceError, match="Нет доступа к таблице") as err:
        load_with_fallback(spec, Reader(fake_sheets))
    assert not isinstance(err.value, SourceUnavailable)


def test_snapshot_never_holds_credentials(fake_sheets, snapdir):
    fake_sheets.tabs = tabs_with(5)
    load_with_fallback(spec_of(fake_sheets), Reader(fake_sheets))
    files = list(snapdir.iterdir())
    assert len(files) == 1
    text = gzip.decompress(files[0].read_bytes()).decode()
    for secret in ("PRIVATE KEY", SERVICE_ACCOUNT["private_key_id"], SERVICE_ACCOUNT["client_email"],
                   "private_key", "token"):
        assert secret not in text
    assert INST in text                                     # it is the data


def test_local_files_are_not_copied_by_default(tmp_path, snapdir):
    from tests.workbook_builder import write_workbook
    path = write_workbook(tmp_path / "x.xlsx", institutions={INST: tabs_with(3)[INST]})
    got = load_with_fallback(str(path))
    assert not got.stale and len(got.build().activities) == 1
    assert not snapdir.exists()


def test_a_read_only_snapshot_folder_does_not_break_the_read(fake_sheets, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    fake_sheets.tabs = tabs_with(5)
    got = load_with_fallback(spec_of(fake_sheets), Reader(fake_sheets), directory=blocker / "sub")
    assert not got.stale and got.tabs


# --------------------------------------------------------------------------- single flight

def run_threads(n: int, target) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def work(i):
        barrier.wait()
        try:
            results[i] = target()
        except Exception as exc:   # noqa: BLE001
            results[i] = exc
    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_twenty_viewers_refreshing_at_once_cost_one_fetch(fake_sheets, snapdir):
    fake_sheets.tabs = tabs_with(7)
    reader = Reader(fake_sheets)
    flight = SingleFlight(ttl_s=60)
    results = run_threads(20, lambda: fetch_shared(spec_of(fake_sheets), flight, reader))
    assert all(isinstance(r, Fetched) and not r.stale for r in results)
    assert len({id(r) for r in results}) == 1                 # the very same result object
    assert reader.calls == 1 and flight.fetches == 1
    assert fake_sheets.requests == 2                          # metadata + one batch of values


def test_one_fetch_per_ttl(fake_sheets, snapdir):
    now = [0.0]
    flight = SingleFlight(ttl_s=60, clock=lambda: now[0])
    fake_sheets.tabs = tabs_with(1)
    reader = Reader(fake_sheets)
    spec = spec_of(fake_sheets)
    for t in (0, 10, 59.9):
        now[0] = t
        run_threads(5, lambda: fetch_shared(spec, flight, reader))
    assert reader.calls == 1
    fake_sheets.tabs = tabs_with(2)
    now[0] = 60.1
    results = run_threads(20, lambda: fetch_shared(spec, flight, reader))
    assert reader.calls == 2 and fake_sheets.requests == 4
    # during the refresh the others were served the previous data at once; afterwards the new data
    assert {r.build().activities["participants"].iloc[0] for r in results} <= {1, 2}
    assert fetch_shared(spec, flight, reader).build().activities["participants"].iloc[0] == 2
    flight.invalidate(spec)                                   # the «Обновить» button
    fetch_shared(spec, flight, reader)
    assert reader.calls == 3


def test_storm_during_an_outage_costs_one_fetch_and_everybody_sees_the_banner(fake_sheets, snapdir):
    fake_sheets.tabs = tabs_with(3)
    spec = spec_of(fake_sheets)
    load_with_fallback(spec, Reader(fake_sheets))             # yesterday's good read
    fake_sheets.failures = [429] * 1000
    reader = Reader(fake_sheets)
    flight = SingleFlight(ttl_s=60, error_ttl_s=10)
    results = run_threads(20, lambda: fetch_shared(spec, flight, reader))
    assert reader.calls == 1
    assert {r.banner for r in results} == {load_snapshot(spec)[1].read_at.strftime(
        "Данные от %d.%m.%Y %H:%M — Google Таблица сейчас недоступна")}


def test_a_failure_is_shared_too(fake_sheets, snapdir):
    fake_sheets.tabs = tabs_with(3)
    fake_sheets.failures = [503] * 1000
    reader = Reader(fake_sheets)
    now = [0.0]
    flight = SingleFlight(ttl_s=60, error_ttl_s=10, clock=lambda: now[0])
    results = run_threads(20, lambda: fetch_shared(spec_of(fake_sheets), flight, reader))
    assert all(isinstance(r, SourceUnavailable) for r in results)
    assert reader.calls == 1
    fake_sheets.failures = []
    now[0] = 10.5                                             # the error is forgotten: try again
    assert not fetch_shared(spec_of(fake_sheets), flight, reader).stale
    assert reader.calls == 2


def test_while_one_viewer_refreshes_the_others_get_the_previous_data_at_once():
    now = [0.0]
    flight = SingleFlight(ttl_s=60, clock=lambda: now[0])
    assert flight.get("k", lambda: "v1") == "v1"
    now[0] = 61
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(5)
        return "v2"
    slow_thread = threading.Thread(target=lambda: flight.get("k", slow))
    slow_thread.start()
    assert started.wait(5)
    t = time.monotonic()
    assert flight.get("k", lambda: pytest.fail("a second fetch")) == "v1"
    assert time.monotonic() - t < 0.5
    release.set()
    slow_thread.join(5)
    assert flight.get("k", lambda: pytest.fail("a second fetch")) == "v2"
    assert flight.fetches == 2


def test_a_remembered_outage_is_served_at_once_and_retried_in_the_background():
    now = [0.0]
    flight = SingleFlight(ttl_s=300, error_ttl_s=15, outage_ttl_s=120, clock=lambda: now[0])
    stale = Fetched([], SourceInfo("gsheet", "T", "k"), stale=True, banner="b")
    assert flight.get("k", lambda: stale) is stale
    now[0] = 119                                             # the outage is remembered: no fetch at all
    assert flight.get("k", lambda: pytest.fail("too early")) is stale
    now[0] = 121                                             # it has aged: still the snapshot, at once …
    started, release = threading.Event(), threading.Event()
    fresh = Fetched([], SourceInfo("gsheet", "T", "k"))

    def slow_fetch():
        started.set()
        release.wait(5)
        return fresh
    t = time.monotonic()
    assert flight.get("k", slow_fetch) is stale
    assert flight.get("k", lambda: pytest.fail("a second fetch")) is stale
    assert time.monotonic() - t < 0.5
    assert started.wait(5)                                   # … while one fetch runs in the background
    release.set()
    assert flight.wait_background(5)
    assert flight.get("k", lambda: pytest.fail("fresh now")) is fresh and flight.fetches == 2
    now[0] = 422                                             # a fresh value ages as before: fetched in the caller
    assert flight.get("k", lambda: stale) is stale and flight.fetches == 3


def test_a_failed_background_retry_keeps_the_snapshot_remembered():
    now = [0.0]
    flight = SingleFlight(ttl_s=300, outage_ttl_s=60, clock=lambda: now[0])
    stale = Fetched([], SourceInfo("gsheet", "T", "k"), stale=True, banner="b")
    flight.get("k", lambda: stale)
    now[0] = 61
    again = Fetched([], SourceInfo("gsheet", "T", "k"), stale=True, banner="b2")
    assert flight.get("k", lambda: again) is stale
    assert flight.wait_background(5)
    now[0] = 120                                             # remembered anew from when the retry ended
    assert flight.get("k", lambda: pytest.fail("too early")) is again


def test_invalidate_retries_a_remembered_outage_while_the_caller_waits():
    now = [0.0]
    flight = SingleFlight(ttl_s=300, outage_ttl_s=600, clock=lambda: now[0])
    stale = Fetched([], SourceInfo("gsheet", "T", "k"), stale=True, banner="b")
    flight.get("k", lambda: stale)
    flight.invalidate("k")                                   # the «Обновить данные» button
    fresh = Fetched([], SourceInfo("gsheet", "T", "k"))
    assert flight.get("k", lambda: fresh) is fresh           # fetched in the caller, not in the background
    assert flight.wait_background(0) and flight.fetches == 2


def test_keys_are_independent():
    flight = SingleFlight(ttl_s=60)
    assert flight.get("a", lambda: 1) == 1 and flight.get("b", lambda: 2) == 2
    assert flight.fetches == 2
    flight.invalidate()
    assert flight.get("a", lambda: 3) == 3


def test_no_snapshot_written_outside_the_chosen_folder(fake_sheets, snapdir):
    before = set(os.listdir(snapshot.DEFAULT_SNAPSHOT_DIR)) if snapshot.DEFAULT_SNAPSHOT_DIR.exists() else set()
    fake_sheets.tabs = tabs_with(1)
    load_with_fallback(spec_of(fake_sheets), Reader(fake_sheets))
    after = set(os.listdir(snapshot.DEFAULT_SNAPSHOT_DIR)) if snapshot.DEFAULT_SNAPSHOT_DIR.exists() else set()
    assert before == after and len(list(snapdir.iterdir())) == 1
