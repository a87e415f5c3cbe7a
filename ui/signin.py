"""Sign-in for the dashboard (the Streamlit half of `lib.auth`): who is looking, the sign-in form,
the «Выйти» button.

`resolve()` reads `[auth]` from st.secrets and works out the user without drawing anything:
* no `[auth]` (or no secrets.toml at all) → sign-in is off, the app is open (the demo);
* a broken `[auth]` or an unreadable secrets.toml → the app refuses to open (never falls back to open
  access) and shows the Russian `AuthConfigError`;
* `[auth.users]` (password mode) → the user signed in in this browser session, if any;
* OIDC keys in `[auth]` → `st.user` after `st.login()`, mapped by `user_from_oidc_claims`.

`app.py` calls `resolve()`, then `draw_gate()` (which stops the run) while the gate is closed, and
`draw_account()` in the sidebar once it is open. Failed password attempts are limited per login and
per client address by one process-wide `AttemptLimiter` (st.cache_resource: all sessions share it)
and answered with the same generic message.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import streamlit as st

from ui.markup import plain
from lib.auth import (FAILURE_MESSAGE, AttemptLimiter, AuthConfig, AuthConfigError, User, client_address,
                      parse_auth_config, sign_in, user_from_oidc_claims)

KEY_USER = "_omp_user"               # the signed-in User (password mode)
KEY_LOGIN = "omp_login"
KEY_PASSWORD = "omp_password"
KEY_FAILED = "_omp_signin_failed"
DOCS = "docs/AUTH.md"

# How a failed attempt waits, and the limiter's clock (tests replace them: fast AppTest, a lock window
# that passes at once).
SLEEP = time.sleep
CLOCK = time.monotonic


@dataclass(frozen=True)
class Gate:
    mode: str                          # "off" | "password" | "oidc" | "broken"
    user: User | None = None
    config: AuthConfig | None = None
    error: str | None = None           # why the configuration is refused (Russian)
    email: str | None = None           # OIDC: signed in at the provider but not on the list

    @property
    def open(self) -> bool:
        """The dashboard may be shown."""
        return self.mode == "off" or (self.mode in ("password", "oidc") and self.user is not None)


@st.cache_resource(show_spinner=False)
def limiter() -> AttemptLimiter:
    """One limiter for the whole server process: failures count across sessions."""
    return AttemptLimiter(clock=lambda: CLOCK())


def _address(config: AuthConfig) -> str | None:
    """This session's client address (None when Streamlit does not know it, e.g. a local connection)."""
    try:
        peer = st.context.ip_address
        headers = st.context.headers if config.client_ip_header else None
    except Exception:  # no client context (a bare run) or an older Streamlit
        return None
    return client_address(peer, headers, config)


def _auth_section():
    """`[auth]` of st.secrets, None when there is none. Raises AuthConfigError for an unreadable file."""
    try:
        return st.secrets["auth"] if "auth" in st.secrets else None
    except Exception as exc:  # StreamlitSecretNotFoundError: no file at all, or a file that does not parse
        if getattr(exc, "error_id", None) == "no-secrets-found":
            return None
        where = re.search(r"line (\d+)", str(exc))
        raise AuthConfigError("файл .streamlit/secrets.toml не удалось прочитать"
                              + (f" (ошибка в строке {where.group(1)})" if where else "")
                              + ": проверьте его синтаксис (TOML)") from None


def _claims() -> dict:
    try:
        return dict(st.user.to_dict())
    except Exception:  # no user information in this run
        return {}


def resolve() -> Gate:
    """Who is looking, from the secrets and this session. Draws nothing."""
    try:
        config = parse_auth_config(_auth_section())
    except AuthConfigError as exc:
        return Gate("broken", error=str(exc))
    if config.mode == "off":
        return Gate("off", config=config)
    if config.mode == "oidc":
        claims = _claims()
        if claims.get("is_logged_in") is not True:
            return Gate("oidc", config=config)
        user = user_from_oidc_claims(claims, config)
        return Gate("oidc", user=user, config=config, email=None if user else str(claims.get("email") or ""))
    stored = st.session_state.get(KEY_USER)
    account = config.accounts.get(stored.login) if isinstance(stored, User) else None
    # the account as configured now: a removed user is signed out, a changed role applies at once
    return Gate("password", user=account.user if account else None, config=config)


# --------------------------------------------------------------------------- closed gate


def _submit(config: AuthConfig) -> None:
    """The form's callback: check the password (within the limits of failed attempts), forget it."""
    login = str(st.session_state.get(KEY_LOGIN) or "")
    password = str(st.session_state.get(KEY_PASSWORD) or "")
    st.session_state[KEY_PASSWORD] = ""
    user = sign_in(login, password, config, limiter(), _address(config), sleep=SLEEP)
    if user is None:
        st.session_state[KEY_FAILED] = True
        return
    st.session_state.pop(KEY_FAILED, None)
    st.session_state[KEY_USER] = user


def _provider(config_url: str | None) -> str:
    host = urlsplit(config_url or "").hostname
    return host or "единый вход"


def _start_login() -> None:
    """`st.login()`, with a Russian message instead of a traceback when the server is not set up for it."""
    try:
        st.login()
    except Exception as exc:  # StreamlitMissingAuthlibError, StreamlitAuthError
        st.error("Вход через OIDC не запустился: " + ("на сервере не установлен пакет Authlib (pip install "
                 "Authlib)" if "Authlib" in str(exc) else "проверьте раздел [auth] в .streamlit/secrets.toml")
                 + f". Подробности — в {DOCS}.", icon=":material/error:")


def draw_gate(gate: Gate) -> None:
    """What is shown instead of the dashboard while the gate is closed. Always stops the run."""
    if gate.mode == "broken":
        st.title("Панель ОМП")
        error = plain(gate.error)          # names from the secrets; «$2b$» must not turn into a formula
        st.error(f"Вход в панель настроен с ошибкой: {error}.  \nПанель не откроется, пока настройки "
                 f"не исправлены: раздел [auth] файла .streamlit/secrets.toml (см. {DOCS}).",
                 icon=":material/lock:")
        st.stop()
    st.title("Вход в панель ОМП")
    if gate.mode == "oidc":
        if gate.email is not None:
            st.error(f"Нет доступа: адрес «{gate.email}» не внесён в список пользователей панели. "
                     "Обратитесь к администратору или войдите под другой учётной записью.", icon=":material/block:")
            if st.button("Выйти", key="omp_oidc_logout", icon=":material/logout:"):
                st.logout()
        else:
            section = _auth_section() or {}
            if st.button(f"Войти через {_provider(section.get('server_metadata_url'))}", key="omp_oidc_login",
                         type="primary", icon=":material/login:"):
                _start_login()
        st.stop()
    with st.form("omp_signin", enter_to_submit=True):
        st.text_input("Логин", key=KEY_LOGIN, autocomplete="username")
        st.text_input("Пароль", key=KEY_PASSWORD, type="password", autocomplete="current-password")
        st.form_submit_button("Войти", type="primary", icon=":material/login:", on_click=_submit,
                              args=(gate.config,))
    if st.session_state.get(KEY_FAILED):
        st.error(FAILURE_MESSAGE, icon=":material/error:")
    st.caption("Логин и пароль выдаёт администратор панели.")
    st.stop()


# --------------------------------------------------------------------------- open gate


def _sign_out() -> None:
    """Forget everything of this session: the user, the filters, an uploaded workbook."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def draw_account(gate: Gate) -> None:
    """The signed-in user's name and role with a «Выйти» button, at the bottom of the sidebar."""
    user = gate.user
    if user is None:
        return
    sb = st.sidebar
    sb.divider()
    sb.markdown(f":material/person: {plain(user.display_name)}")
    if gate.mode == "oidc":
        if sb.button("Выйти", key="omp_logout", icon=":material/logout:"):
            _sign_out()
            st.logout()
    else:
        sb.button("Выйти", key="omp_logout", icon=":material/logout:", on_click=_sign_out)
