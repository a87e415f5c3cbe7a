"""Security hygiene of the app: sheet text is never rendered as HTML, secrets never reach the page or
the log, no tracebacks in the browser, secrets.toml is git-ignored, every dependency is pinned.
(Formula-safe exports: tests/test_dashboard_lib.py and tests/test_summary_xlsx.py.)"""
from __future__ import annotations

import ast
import logging
import re
import tomllib
from pathlib import Path


import ui.context as context
from tests.workbook_builder import ACTIVITY_HEADER, MONITORING_HEADER, write_workbook

ROOT = Path(__file__).resolve().parent.parent
EVIL = '<img src=x onerror="alert(1)">Опасный показатель'


def _app_sources() -> list[Path]:
    return [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py"))]


def test_unsafe_html_never_interpolates_unescaped_values():
    """Every `unsafe_allow_html=True` / `st.html` call: a constant, or f-string parts wrapped in html.escape."""
    found = 0
    for path in _app_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            unsafe = any(k.arg in ("unsafe_allow_html", "unsafe_allow_javascript") and
                         not (isinstance(k.value, ast.Constant) and k.value.value is False) for k in node.keywords)
            if not (unsafe or name == "html"):
                continue
            found += 1
            for arg in node.args[:1]:
                for part in ast.walk(arg):
                    if isinstance(part, ast.FormattedValue):
                        value = part.value
                        escaped = isinstance(value, ast.Call) and ast.unparse(value.func) in ("html.escape", "escape")
                        assert escaped, f"{path.name}:{node.lineno}: {ast.unparse(value)} is not escaped"
    assert found >= 1


def test_a_sheet_cell_with_html_is_shown_as_text(make_app, tmp_path):
    name = "КЦСОН А"
    monitoring = [[EVIL, 5, 7], ["Достижение показателей дорожной карты", 90, 95]]
    path = write_workbook(
        tmp_path / "html.xlsx",
        institutions={name: [["Мероприятия"], ACTIVITY_HEADER, ["15.04.2026", "Семинар", "", "<b>тема</b>", 5],
                             [], ["Мониторинг"], MONITORING_HEADER, *monitoring]},
        extra_tabs={"Показатели мониторинга": [["Показатель", "Единица"], [EVIL, "чел."],
                                               ["Достижение показателей дорожной карты", "%"]]})
    at = make_app(path)
    at.switch_page("app_pages/monitoring.py").run()
    assert not at.exception
    cards = [m.value for m in at.markdown if "omp-card-title" in m.value]
    assert any("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;Опасный показатель" in c for c in cards), cards
    assert not any("<img" in c for c in cards)


def test_secrets_never_reach_the_page_or_the_log(make_app, monkeypatch, caplog):
    marker = "SUPERSECRETKEYMATERIAL"
    monkeypatch.setattr(context, "GSHEET_OPTIONS", {})
    at = make_app("gsheet:1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", period=None, run=False)
    at.secrets["gcp_service_account"] = {
        "type": "service_account", "project_id": "p", "private_key_id": marker + "ID",
        "private_key": f"-----BEGIN PRIVATE KEY-----\n{marker}\n-----END PRIVATE KEY-----\n",
        "client_email": "omp@p.iam.gserviceaccount.com", "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token"}
    with caplog.at_level(logging.DEBUG):
        at.run()
    assert not at.exception
    shown = "\n".join(e.value for e in [*at.error, *at.warning, *at.info, *at.caption, *at.markdown])
    assert "Ключ сервисного аккаунта Google повреждён" in shown
    assert marker not in shown and "BEGIN PRIVATE KEY" not in shown
    assert marker not in caplog.text


def test_no_tracebacks_in_the_browser_and_secrets_are_git_ignored():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert ".streamlit/secrets.toml" in ignored and ".snapshots/" in ignored


def test_every_dependency_is_pinned():
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if not line or line.startswith("-r "):
                continue
            assert re.fullmatch(r"[A-Za-z0-9_.\[\],-]+==[0-9][0-9A-Za-z.+-]*", line), f"{name}: {line!r} is not pinned"
