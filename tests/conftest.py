"""Fixtures shared by the browser tests."""
from __future__ import annotations

import os

import pytest

from tests.fake_sheets import fake_sheets  # noqa: F401  (the local fake Google Sheets server fixture)


@pytest.fixture(scope="module")
def browser():
    """One headless Debian Chromium per test module, driven by Playwright (never a downloaded browser).

    Module scope: Playwright's sync API owns the event loop while it runs, so it must be stopped
    before another test module starts its own.
    """
    sync_api = pytest.importorskip("playwright.sync_api")
    from tests.browser_support import CHROMIUM, CHROMIUM_ARGS
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"нет {CHROMIUM}: установите пакет chromium (scripts/setup.sh --dev)")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session", autouse=True)
def snapshots_in_a_temporary_folder(tmp_path_factory):
    """The app writes Google snapshots and the history of reads (lib.metrics.changes) to `.snapshots/`: tests
    write them to a temporary folder instead (servers started by browser tests inherit it). A test
    that sets OMP_SNAPSHOT_DIR itself still wins."""
    saved = os.environ.get("OMP_SNAPSHOT_DIR")
    if saved is None:
        os.environ["OMP_SNAPSHOT_DIR"] = str(tmp_path_factory.mktemp("snapshots"))
    yield
    if saved is None:
        os.environ.pop("OMP_SNAPSHOT_DIR", None)


@pytest.fixture(autouse=True)
def refresh_without_pause(monkeypatch):
    """Tests click «Обновить данные» many times a minute: no pause between refreshes here (the pause has
    its own test in test_app.py)."""
    from ui import context
    monkeypatch.setattr(context, "MIN_REFRESH_S", 0)
    monkeypatch.setitem(context._last_refresh, "at", None)
