"""Downloads and sign-in (issue 14, item 8): Streamlit serves a built download at /media/<hash> to anyone
who has the address, so the app builds a file only when a signed-in user clicks, shows no download
before sign-in, and forgets built files soon (ui/media.py). Here in AppTest and in the source;
the address's lifetime on a real server: tests/test_downloads_browser.py."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.media_file_manager import MediaFileManager

from ui import media
from tests.app_support import PAGES, ROOT, hashed_users, sign_in
from tests.app_workbook import build_app_workbook

PASSWORD = "director-pass-1"
DOWNLOAD_PAGES = {"activities": 1, "report": 2, "quality": 1}   # pages with download buttons: how many
# «Импорт плана» shows its two after a .docx upload, and a third for an .xlsx workbook with the plan replaced
IN_SOURCE = {**DOWNLOAD_PAGES, "plan_import": 3}


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory) -> Path:
    return build_app_workbook(tmp_path_factory.mktemp("downloads") / "demo.xlsx", n_institutions=4)


@pytest.fixture
def managers(monkeypatch) -> list[MediaFileManager]:
    """The media file managers of the AppTest runs (AppTest makes a new one per run), newest last."""
    made: list[MediaFileManager] = []

    class Recorded(MediaFileManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(app_test_module, "MediaFileManager", Recorded)
    return made


def users() -> dict:
    return hashed_users({"director": {"password": PASSWORD, "role": "director"}})


def stored(manager: MediaFileManager) -> tuple[int, int]:
    """(files stored, download callables registered) in a run's media manager."""
    return len(manager._file_metadata), len(manager._deferred_callables)


def test_before_sign_in_there_is_no_download_and_no_file(make_app, demo_path, managers):
    at = make_app(demo_path, auth={"users": users()})
    for page in PAGES:
        at.switch_page(f"app_pages/{page}.py").run()
        assert [t.value for t in at.title] == ["Вход в панель ОМП"], page
        assert not at.get("download_button"), page
        assert stored(managers[-1]) == (0, 0), page


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_download_is_built_only_on_click_and_then_forgotten(make_app, demo_path, managers, signed_in):
    at = make_app(demo_path, auth={"users": users()} if signed_in else None)
    if signed_in:
        sign_in(at, "director", PASSWORD)
    for page, count in DOWNLOAD_PAGES.items():
        at.switch_page(f"app_pages/{page}.py").run()
        buttons = at.get("download_button")
        assert len(buttons) == count, page
        manager = managers[-1]
        # a callable: the button carries a placeholder, no address; no file exists yet
        assert all(b.proto.deferred_file_id and not b.proto.url for b in buttons), page
        assert stored(manager) == (0, count), page
        # the click: Streamlit runs the callable, stores the bytes and hands out /media/<hash>
        url = manager.execute_deferred(buttons[0].proto.deferred_file_id)
        assert url.startswith("/mock/media/") and stored(manager)[0] == 1
        # two clean-ups later (a script run's end, or the janitor) the file and its address are gone
        manager.remove_orphaned_files()
        manager.remove_orphaned_files()
        assert stored(manager)[0] == 0, page


def test_every_download_button_in_the_app_gets_a_callable():
    """In the source: `data=` of every st.download_button is a lambda or a function of the module (never
    bytes built while the page is drawn)."""
    found = 0
    for path in [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    node.func.attr == "download_button":
                found += 1
                data = next((k.value for k in node.keywords if k.arg == "data"),
                            node.args[1] if len(node.args) > 1 else None)
                ok = isinstance(data, ast.Lambda) or (isinstance(data, ast.Name) and data.id in functions)
                assert ok, f"{path.name}:{node.lineno}: data= must be a callable, not {ast.unparse(data)}"
    assert found == sum(IN_SOURCE.values())


def test_the_janitor_sweeps_periodically_and_stops_quietly_when_streamlit_changed(caplog):
    swept, slept = [], []
    media.run_janitor(7.0, sweep_once=lambda: swept.append(1), sleep=slept.append, rounds=3)
    assert swept == [1, 1, 1] and slept == [7.0, 7.0, 7.0]

    def broken():
        raise AttributeError("no media_file_mgr")

    media.run_janitor(7.0, sweep_once=broken, sleep=lambda s: None)       # returns instead of looping
    assert "media clean-up failed" in caplog.text
    assert media.sweep() is False                                          # no server in this process
