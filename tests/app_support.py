"""Driving `app.py` in Streamlit's AppTest: a new session (period, date, sign-in configuration, session
values), signing in, switching pages, and the check every app test makes after a run.

The `make_app` fixture (tests/conftest.py) is the factory the tests call: it points the app at a source
with the test's monkeypatch and returns `new_app(...)`. `hashed_users` gives the `[auth.users]` of the
AppTest and the browser tests alike.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import bcrypt
from streamlit.testing.v1 import AppTest

from ui import signin

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
# Every user's pages, as app_pages/<name>.py, in the navigation's order (the admin page is not among them).
PAGES = ["overview", "plan", "activities", "monitoring", "quality", "my_institution", "report"]
SAFETY_NET = "не смогла отобразиться"          # app.py's message when a page fails


def hashed_users(accounts: dict[str, dict]) -> dict[str, dict]:
    """`[auth.users]` from accounts with plain passwords: {login: {"password": …, "role": …, …}} → the same
    fields with "password_hash" (bcrypt at its cheapest cost: the tests hash many) instead of "password"."""
    users = {}
    for login, account in accounts.items():
        fields = dict(account)
        password = fields.pop("password")
        users[login] = {"password_hash": bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode(), **fields}
    return users


def new_app(*, period: str | None = "Q2", as_of: date | None = None, auth: dict | None = None,
            timeout: float = 60, **state) -> AppTest:
    """An AppTest of app.py, not yet run: the sidebar period (`omp_period`; None leaves the default), the
    plan date (`omp_as_of`), `[auth]` of the secrets, and any other session values."""
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    if auth is not None:
        at.secrets["auth"] = auth
    if as_of is not None:
        at.session_state["omp_as_of"] = as_of
    if period is not None:
        at.session_state["omp_period"] = period
    for key, value in state.items():
        at.session_state[key] = value
    return at


def assert_clean(at: AppTest, where: str = "") -> None:
    """No exception and no «page failed» message in the last run."""
    assert not at.exception, f"{where}: {[e.value for e in at.exception]}"
    assert not [e.value for e in at.error if SAFETY_NET in e.value], where


def go(at: AppTest, page: str) -> AppTest:
    """Switch to app_pages/<page>.py, run, and check the run was clean."""
    at.switch_page(f"app_pages/{page}.py").run()
    assert_clean(at, page)
    return at


def sign_in(at: AppTest, login: str, password: str) -> AppTest:
    """Fill in the sign-in form and press «Войти»."""
    at.text_input(key=signin.KEY_LOGIN).input(login)
    at.text_input(key=signin.KEY_PASSWORD).input(password)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at
