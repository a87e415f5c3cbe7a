"""Google outages in the running dashboard (AppTest + the local fake Sheets server + the real gspread
client): 429 / 500 / timeouts fall back to the last good snapshot with a banner, «Обновить данные»
brings fresh data once Google recovers, other errors keep the previous data with a Russian message,
and many viewers within the TTL cost one read. The page is never blank and never shows a traceback.
"""
from __future__ import annotations

import threading
import time
import uuid

import pytest
from streamlit.testing.v1 import AppTest

import ui.context as context
from lib.loader import load_workbook
from lib.metrics.counts import counts_by_group
from lib.metrics.selection import Selection, select_rows
from lib.model.periods import Period
from lib.sources.snapshot import snapshot_path
from lib.russian import format_number
from tests.app_support import PAGES, assert_clean
from tests.app_workbook import build_app_workbook
from tests.fake_sheets import FakeSheets, make_client, workbook_tabs

BANNER = "Google Таблица сейчас недоступна"


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """Two versions of the sheet: before and after the institutions added rows."""
    tmp = tmp_path_factory.mktemp("outage")
    before = build_app_workbook(tmp / "before.xlsx", n_institutions=6)
    after = build_app_workbook(tmp / "after.xlsx", n_institutions=6, rows_per_quarter=11, seed=3)
    return {"before": (workbook_tabs(before), load_workbook(before)),
            "after": (workbook_tabs(after), load_workbook(after))}


@pytest.fixture
def google(monkeypatch, tmp_path, books):
    """A fake Google Sheet with the «before» data; the app reads it through the real gspread client with
    no real sleeping between retries (the retry budget is covered in lib's tests and below)."""
    with FakeSheets(key=f"outage-{uuid.uuid4().hex[:8]}", title="ОМП 2026", tabs=dict(books["before"][0]),
                    hang_s=1.5) as fake:
        monkeypatch.setattr(context, "GSHEET_OPTIONS", {"client": make_client(fake), "sleep": lambda s: None,
                                                        "timeout": 0.5, "max_wait_s": 20})
        monkeypatch.setenv("OMP_SNAPSHOT_DIR", str(tmp_path / "snapshots"))
        monkeypatch.setenv("OMP_SOURCE", f"gsheet:{fake.key}")
        yield fake


def consultations(wb) -> str:
    return format_number(counts_by_group(select_rows(wb, Selection(Period.parse("2026-Q2"))).frame)["Консультации"])


def shown(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def banners(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if BANNER in w.value]


def refresh(at: AppTest) -> AppTest:
    at.button(key="omp_refresh").click().run()
    assert_clean(at, "refresh")
    return at


def assert_not_blank(at: AppTest, where: str) -> None:
    tables = [d for d in at.dataframe if len(d.value)]
    assert at.title and (at.metric or tables or at.info or at.error), f"{where}: a blank page"


@pytest.mark.parametrize("outage", [
    [429] * 400,
    [500, 503, 502] * 140,
    ["timeout"] * 400,
    ["disconnect", 429, "timeout", 500] * 100,
], ids=["429", "5xx", "timeouts", "mixed"])
def test_an_outage_shows_the_last_snapshot_with_a_banner_then_fresh_data(make_app, google, books, outage):
    before, after = books["before"][1], books["after"][1]
    at = make_app()
    assert_clean(at)
    assert shown(at)["Консультации"] == consultations(before) and not banners(at)
    assert snapshot_path(f"gsheet:{google.key}").exists(), "a good read leaves a snapshot on disk"

    google.failures = list(outage)            # Google goes down, and the sheet changes meanwhile
    google.tabs = dict(books["after"][0])
    refresh(at)
    assert banners(at), [w.value for w in at.warning]
    assert shown(at)["Консультации"] == consultations(before), "the snapshot's data is shown"
    for page in PAGES:                        # every page: the banner and the data, never blank
        at.switch_page(f"app_pages/{page}.py").run()
        assert_clean(at, page)
        assert banners(at), page
        assert_not_blank(at, page)

    google.failures = []                      # Google is back
    at.switch_page("app_pages/overview.py").run()
    refresh(at)
    assert not banners(at)
    assert shown(at)["Консультации"] == consultations(after) != consultations(before)


def test_a_new_viewer_during_an_outage_gets_the_snapshot_from_disk(make_app, google, books):
    make_app()                                              # one good read: the snapshot is on disk
    context._flight().invalidate()
    context._last_good.clear()                              # as after a server restart
    context._build.clear()
    google.failures = [429] * 400
    at = make_app()
    assert_clean(at)
    banner = banners(at)
    assert banner and banner[0].startswith("Данные от ")
    assert shown(at)["Консультации"] == consultations(books["before"][1])


def test_an_outage_with_no_snapshot_explains_itself_then_recovers(make_app, google, books):
    google.failures = [429] * 400
    at = make_app()
    assert_clean(at)
    errors = [e.value for e in at.error]
    assert any("Google Таблица сейчас недоступна" in e and "Попробуйте позже" in e for e in errors), errors
    for page in PAGES:
        at.switch_page(f"app_pages/{page}.py").run()
        assert_clean(at, page)
        assert at.error or at.info, f"{page}: no guidance"
    google.failures = []
    at.switch_page("app_pages/overview.py").run()
    refresh(at)
    assert not [e for e in at.error if "недоступна" in e.value]
    assert shown(at)["Консультации"] == consultations(books["before"][1])


@pytest.mark.parametrize("status, expected", [(403, "Нет доступа к таблице"), (404, "не найдена")])
def test_other_errors_keep_the_previous_data_on_screen(make_app, google, books, status, expected):
    at = make_app()
    google.failures = [status] * 5
    refresh(at)
    errors = [e.value for e in at.error]
    assert any(expected in e and "Показаны данные, прочитанные" in e for e in errors), errors
    assert shown(at)["Консультации"] == consultations(books["before"][1])
    at.switch_page("app_pages/quality.py").run()
    assert_clean(at)
    assert at.dataframe and len(at.dataframe[0].value)


def test_many_viewers_within_the_ttl_cost_one_read(make_app, google):
    sessions = [make_app(period=period) for period in ["Q1", "Q2", "Q3", "H1", "Y"] * 2]
    assert all(not s.exception for s in sessions)
    assert google.requests == 2, "metadata + one batch of all tabs, for all ten viewers"
    for at in sessions[:3]:
        at.switch_page("app_pages/activities.py").run()
        at.run()                                   # a browser reload
    assert google.requests == 2


def test_a_refresh_storm_of_twenty_concurrent_viewers_costs_one_read(google):
    """20 threads ask at once while the (slow) read is under way: one read, everybody gets its result."""
    release = threading.Event()
    original = context._read_google

    def slow_read(spec, credentials):
        release.wait(5)                            # the read finishes only when everybody is waiting
        return original(spec, credentials)

    results, errors = [], []
    spec = f"gsheet:{google.key}"

    def viewer():
        try:
            results.append(context.fetch_shared(spec, context._flight(), lambda s: slow_read(s, None)))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=viewer) for _ in range(20)]
    fetches = context._flight().fetches
    for t in threads:
        t.start()
    time.sleep(0.5)
    release.set()
    for t in threads:
        t.join(30)
    assert not errors and len(results) == 20
    assert context._flight().fetches - fetches == 1
    assert google.requests == 2
    assert len({id(r) for r in results}) == 1


def test_the_wait_is_bounded_by_the_retry_budget(make_app, monkeypatch, google, books):
    """With the production budget (real sleeping, ~20 s) a page that finds Google answering 429 forever
    shows the snapshot in bounded time."""
    at = make_app()
    monkeypatch.setattr(context, "GSHEET_OPTIONS", {"client": context.GSHEET_OPTIONS["client"]})
    google.failures = [429] * 10_000
    started = time.monotonic()
    at.button(key="omp_refresh").click()
    at.run(timeout=60)
    elapsed = time.monotonic() - started
    assert_clean(at)
    assert banners(at) and shown(at)["Консультации"] == consultations(books["before"][1])
    assert elapsed < 30, f"the page waited {elapsed:.1f} s"


# --------------------------------------------------------------------------- a remembered outage

@pytest.fixture
def clock(monkeypatch):
    """The process-wide single-flight's clock, moved by the test (the flight itself is shared)."""
    now = [1_000_000.0]
    monkeypatch.setattr(context._flight(), "clock", lambda: now[0])
    return now


def go_down(google, monkeypatch, sleep) -> None:
    google.failures = [429] * 10_000
    monkeypatch.setitem(context.GSHEET_OPTIONS, "sleep", sleep)


def test_outage_ttl_is_configurable(monkeypatch):
    assert context.OUTAGE_TTL_S == context.CACHE_TTL_S == context._flight().outage_ttl_s
    monkeypatch.setenv("OMP_OUTAGE_TTL_S", "90")
    assert context._seconds_from_env("OMP_OUTAGE_TTL_S", 600) == 90
    for bad in ("-5", "nan", "скоро"):
        monkeypatch.setenv("OMP_OUTAGE_TTL_S", bad)
        assert context._seconds_from_env("OMP_OUTAGE_TTL_S", 600) == 600


def test_a_new_viewer_during_a_remembered_outage_gets_the_snapshot_at_once(make_app, google, books, clock, monkeypatch):
    """Once an outage has been seen, viewers get the snapshot with no request and no waiting; when the
    memory has aged, the next viewer still gets it at once while Google is tried in the background."""
    before, after = books["before"][1], books["after"][1]
    make_app()                                                # a good read: the snapshot is on disk
    slept = []
    go_down(google, monkeypatch, slept.append)
    google.tabs = dict(books["after"][0])
    at = refresh(make_app())                                  # the outage is found (retries, then snapshot)
    assert banners(at) and slept

    clock[0] += 60                                            # well past the old 10 s memory
    google.requests, slept[:] = 0, []
    started = time.monotonic()
    at = make_app()
    assert_clean(at)
    assert banners(at) and shown(at)["Консультации"] == consultations(before)
    assert google.requests == 0 and slept == [], "no request, no sleeping: the outage is remembered"
    assert time.monotonic() - started < 10

    gate = threading.Event()                                  # the background retry will hang in its pause …
    monkeypatch.setitem(context.GSHEET_OPTIONS, "sleep", lambda s: slept.append(s) or gate.wait(20))
    clock[0] += context._flight().outage_ttl_s + 1
    at = make_app()                                           # … and this viewer does not wait for it
    assert_clean(at)
    assert banners(at) and shown(at)["Консультации"] == consultations(before)
    deadline = time.monotonic() + 10
    while not slept and time.monotonic() < deadline:          # Google is tried, in the background
        time.sleep(0.02)
    assert google.requests >= 1 and slept
    google.failures = []                                      # Google is back while the retry pauses
    gate.set()
    assert context._flight().wait_background(30)
    at.run()                                                  # the background read's data, no banner
    assert_clean(at)
    assert not banners(at) and shown(at)["Консультации"] == consultations(after)


def test_the_refresh_button_retries_during_a_remembered_outage(make_app, google, books, clock, monkeypatch):
    make_app()
    go_down(google, monkeypatch, lambda s: None)
    at = refresh(make_app())
    assert banners(at)
    google.failures = []                                      # Google is back, the outage still remembered
    google.tabs = dict(books["after"][0])
    clock[0] += 60
    google.requests = 0
    at = make_app()
    assert banners(at) and google.requests == 0
    refresh(at)
    assert not banners(at) and shown(at)["Консультации"] == consultations(books["after"][1])
    assert google.requests == 2
