"""Sign-in and roles: who may see which institution's data. Pure library code, no Streamlit.

Sign-in is **off** when no users are configured (the demo). It switches on when
`.streamlit/secrets.toml` lists users with bcrypt password hashes:

    [auth.users.director]                  # the login; case-insensitive
    password_hash = "$2b$12$…"             # python -m lib.cli hash-password --login director
    role = "director"                      # director | coordinator | institution
    name = "Андреевская Л.А."              # optional, shown in the sidebar

    [auth.users.kcson_vologda]
    password_hash = "$2b$12$…"
    role = "institution"
    institution = "КЦСОН Вологодского района"   # the institution's short name (its tab's name)

Roles: the director and coordinators see everything; an institution's user sees only its own
institution (plus region totals, which the pages compute without naming other institutions).
`visible_institutions` and `scope_filter` are the only gates the pages use, so no widget value or
URL parameter can widen the scope.

Passwords are checked with bcrypt in roughly constant time (an unknown login is checked against a
dummy hash of the same cost); every failure gets the same message, `FAILURE_MESSAGE`, and a delay
from `Throttle` (per login and for all logins together) that grows with repeated failures.

**OIDC instead of passwords (`st.login`).** Where the deployment has an identity provider
(Keycloak, Yandex ID, Google Workspace, Microsoft Entra…), Streamlit's built-in OIDC sign-in can
replace the password list. Install `Authlib` (Streamlit requires it for `st.login`) and configure:

    [auth]
    redirect_uri = "https://omp.example.ru/oauth2callback"   # the app's address + /oauth2callback
    cookie_secret = "<a long random string>"
    client_id = "…"
    client_secret = "…"
    server_metadata_url = "https://id.example.ru/.well-known/openid-configuration"

    [auth.emails."director@example.ru"]     # who may enter, by the e-mail the provider confirms
    role = "director"
    [auth.emails."kcson@example.ru"]
    role = "institution"
    institution = "КЦСОН Вологодского района"

The app then shows `st.login()` instead of the password form; after the provider's redirect,
`user_from_oidc_claims(st.user.to_dict(), config)` maps the confirmed e-mail to a `User` (None: the
person signed in but is not on the list — show «Нет доступа» and `st.logout`). Streamlit itself
ignores the extra `[auth.users]` / `[auth.emails]` tables. When both are configured, OIDC wins.
"""
from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from lib.contract import norm

DIRECTOR, COORDINATOR, INSTITUTION = "director", "coordinator", "institution"
ROLES = (DIRECTOR, COORDINATOR, INSTITUTION)
ROLE_RU = {DIRECTOR: "директор", COORDINATOR: "координатор", INSTITUTION: "учреждение"}
_ROLE_SYNONYMS = {**{r: r for r in ROLES}, **{v: k for k, v in ROLE_RU.items()},
                  "руководитель": DIRECTOR, "admin": DIRECTOR, "администратор": DIRECTOR,
                  "центр": INSTITUTION, "кцсон": INSTITUTION}

FAILURE_MESSAGE = "Неверный логин или пароль"
OIDC_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")
_USER_KEYS = {"password_hash", "role", "institution", "name"}
_EMAIL_KEYS = {"role", "institution", "name"}
_BCRYPT_HASH = re.compile(r"^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$")
MAX_PASSWORD_BYTES = 72      # bcrypt's limit; bcrypt 5 refuses longer passwords
MIN_PASSWORD_CHARS = 8
HASH_COMMAND = "python -m lib.cli hash-password"


class AuthConfigError(Exception):
    """The sign-in configuration in secrets is wrong. Russian, never contains a hash or a secret."""


@dataclass(frozen=True)
class User:
    login: str
    role: str
    institution: str | None = None     # set for role "institution" only
    name: str = ""

    @property
    def sees_all(self) -> bool:
        return self.role in (DIRECTOR, COORDINATOR)

    @property
    def display_name(self) -> str:
        who = self.name or self.login
        return f"{who} ({ROLE_RU[self.role]}" + (f", {self.institution})" if self.institution else ")")


@dataclass(frozen=True)
class _Account:
    user: User
    password_hash: bytes = field(repr=False)


@dataclass
class AuthConfig:
    accounts: dict[str, _Account] = field(default_factory=dict, repr=False)   # normalised login → account
    emails: dict[str, User] = field(default_factory=dict)                     # lower-case e-mail → user
    oidc: bool = False                                                        # st.login is configured

    @property
    def enabled(self) -> bool:
        """Sign-in is required (otherwise the app is open, as in the demo)."""
        return self.oidc or bool(self.accounts)

    @property
    def mode(self) -> str:
        """"oidc", "password" or "off"."""
        return "oidc" if self.oidc else ("password" if self.accounts else "off")

    @property
    def users(self) -> list[User]:
        return [a.user for a in self.accounts.values()] + list(self.emails.values())

    def unknown_institutions(self, names: Iterable[str]) -> list[str]:
        """Institutions named in the configuration that the workbook does not have (for a warning)."""
        known = {norm(n) for n in names}
        return sorted({u.institution for u in self.users
                       if u.institution and norm(u.institution) not in known})


# --------------------------------------------------------------------------- configuration

def _login_key(login: object) -> str:
    return str(login or "").strip().lower()


def _parse_role(where: str, entry: Mapping) -> tuple[str, str | None]:
    raw = entry.get("role")
    role = _ROLE_SYNONYMS.get(str(raw or "").strip().lower())
    if role is None:
        raise AuthConfigError(f"{where}: роль «{raw or ''}» не распознана; укажите role = \"director\", "
                              "\"coordinator\" или \"institution\"")
    institution = str(entry.get("institution") or "").strip() or None
    if role == INSTITUTION and not institution:
        raise AuthConfigError(f"{where}: для роли «institution» укажите institution = \"<краткое название "
                              "учреждения, как имя его вкладки>\"")
    return role, institution if role == INSTITUTION else None


def _mapping(value: object, where: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise AuthConfigError(f"{where}: ожидается раздел с параметрами (например, [{where}])")
    return value


def parse_auth_config(section: Mapping | None) -> AuthConfig:
    """The `[auth]` section of secrets (`st.secrets.get("auth")`) → `AuthConfig`.

    None or an empty section: sign-in off. Raises `AuthConfigError` (Russian; never echoes a hash,
    a password or an OIDC secret) when the section is filled in wrongly — the app must then refuse
    to show data rather than fall back to open access.
    """
    if not section:
        return AuthConfig()
    section = _mapping(section, "auth")
    config = AuthConfig()

    present = [k for k in OIDC_KEYS if section.get(k)]
    if present:
        missing = [k for k in OIDC_KEYS if not section.get(k)]
        if missing:
            raise AuthConfigError("Вход через OIDC (st.login) настроен не полностью: в разделе [auth] не хватает "
                                  + ", ".join(missing))
        config.oidc = True

    users = section.get("users") or {}
    for login, entry in _mapping(users, "auth.users").items():
        where = f"Пользователь «{login}» в [auth.users]"
        key = _login_key(login)
        if not key or re.search(r"\s", key):
            raise AuthConfigError(f"{where}: логин не должен быть пустым или содержать пробелы")
        if key in config.accounts:
            raise AuthConfigError(f"{where}: логин повторяется (логины не различают заглавные и строчные буквы)")
        entry = _mapping(entry, f"auth.users.{login}")
        if "password" in entry:
            raise AuthConfigError(f"{where}: в настройках хранится пароль в открытом виде. Удалите строку "
                                  f"password и укажите password_hash (его выдаёт команда {HASH_COMMAND})")
        extra = sorted(set(entry) - _USER_KEYS)
        if extra:
            raise AuthConfigError(f"{where}: неизвестные параметры {', '.join(extra)}; допустимы "
                                  f"{', '.join(sorted(_USER_KEYS))}")
        pw_hash = entry.get("password_hash")
        if not isinstance(pw_hash, str) or not _BCRYPT_HASH.match(pw_hash.strip()):
            raise AuthConfigError(f"{where}: password_hash не похож на bcrypt-хэш (строка из 60 символов, "
                                  f"начинается с $2b$). Создайте его командой {HASH_COMMAND}")
        role, institution = _parse_role(where, entry)
        user = User(key, role, institution, str(entry.get("name") or "").strip())
        config.accounts[key] = _Account(user, pw_hash.strip().encode("ascii"))

    emails = section.get("emails") or {}
    for email, entry in _mapping(emails, "auth.emails").items():
        where = f"Адрес «{email}» в [auth.emails]"
        key = _login_key(email)
        if "@" not in key:
            raise AuthConfigError(f"{where}: это не адрес электронной почты")
        if key in config.emails:
            raise AuthConfigError(f"{where}: адрес повторяется")
        entry = _mapping(entry, f'auth.emails."{email}"')
        extra = sorted(set(entry) - _EMAIL_KEYS)
        if extra:
            raise AuthConfigError(f"{where}: неизвестные параметры {', '.join(extra)}; допустимы "
                                  f"{', '.join(sorted(_EMAIL_KEYS))}")
        role, institution = _parse_role(where, entry)
        config.emails[key] = User(key, role, institution, str(entry.get("name") or "").strip())
    if config.emails and not config.oidc:
        raise AuthConfigError("В [auth.emails] перечислены адреса для входа через OIDC, но сам вход не настроен: "
                              "в разделе [auth] нужны " + ", ".join(OIDC_KEYS))
    return config


# --------------------------------------------------------------------------- passwords

_dummy_hashes: dict[int, bytes] = {}
_dummy_lock = threading.Lock()


def _dummy_hash(cost: int) -> bytes:
    """A hash of a random password at `cost`, so an unknown login costs as much as a known one."""
    import secrets

    import bcrypt
    with _dummy_lock:
        if cost not in _dummy_hashes:
            _dummy_hashes[cost] = bcrypt.hashpw(secrets.token_bytes(16).hex().encode(), bcrypt.gensalt(cost))
        return _dummy_hashes[cost]


def _cost(pw_hash: bytes) -> int:
    return int(pw_hash[4:6])


def hash_password(password: str, rounds: int = 12) -> str:
    """A bcrypt hash for secrets.toml. Raises ValueError (Russian) for an unusable password."""
    import bcrypt
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"Пароль слишком короткий: нужно не меньше {MIN_PASSWORD_CHARS} символов")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise ValueError(f"Пароль слишком длинный: bcrypt учитывает не больше {MAX_PASSWORD_BYTES} байт "
                         "(около 70 латинских или 35 русских букв)")
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def verify(login: str, password: str, config: AuthConfig) -> User | None:
    """The user if `password` is right for `login`, else None — in about the same time either way."""
    import bcrypt
    account = config.accounts.get(_login_key(login))
    secret = (password or "").encode("utf-8")
    usable = 0 < len(secret) <= MAX_PASSWORD_BYTES
    if account is None:
        costs = [_cost(a.password_hash) for a in config.accounts.values()]
        target = _dummy_hash(max(costs) if costs else 12)
    else:
        target = account.password_hash
    try:
        ok = bcrypt.checkpw(secret if usable else b"-", target)
    except ValueError:       # a hash that bcrypt rejects: treated as a wrong password
        ok = False
    return account.user if ok and usable and account is not None else None


class Throttle:
    """Failure counters → how long a sign-in attempt must wait. Thread-safe; `clock` is injectable.

    Per login: after n failures in a row the next attempt waits min(cap, base·2^(n-1)) seconds
    (1, 2, 4, 8, 16, 30 s…). For all logins together (password spraying): more than
    `global_threshold` failures within `window_s` add min(cap, base·failures/threshold) seconds.
    Counters expire `window_s` after the last failure; a success resets that login's counter.
    """

    def __init__(self, *, base_s: float = 1.0, cap_s: float = 30.0, global_threshold: int = 20,
                 window_s: float = 900.0, max_logins: int = 10_000,
                 clock: Callable[[], float] = time.monotonic):
        self.base_s, self.cap_s = base_s, cap_s
        self.global_threshold, self.window_s, self.max_logins = global_threshold, window_s, max_logins
        self.clock = clock
        self._lock = threading.Lock()
        self._per_login: dict[str, tuple[int, float]] = {}     # login → (failures, time of the last)
        self._global: deque[float] = deque(maxlen=100_000)      # times of recent failures, oldest first

    def _expire(self, now: float) -> None:
        cutoff = now - self.window_s
        while self._global and self._global[0] <= cutoff:
            self._global.popleft()
        if len(self._per_login) > self.max_logins:              # a spray of made-up logins
            fresh = sorted(((v[1], k) for k, v in self._per_login.items() if v[1] > cutoff), reverse=True)
            self._per_login = {k: self._per_login[k] for _, k in fresh[: self.max_logins // 2]}

    def delay(self, login: str) -> float:
        """Seconds to wait before checking an attempt for `login` (0 when nothing is suspicious)."""
        now = self.clock()
        with self._lock:
            self._expire(now)
            failures, last = self._per_login.get(_login_key(login), (0, 0.0))
            per_login = 0.0
            if failures and now - last <= self.window_s:
                per_login = min(self.cap_s, self.base_s * 2 ** (failures - 1))
            recent = len(self._global)
            overall = min(self.cap_s, self.base_s * recent / self.global_threshold) \
                if recent > self.global_threshold else 0.0
        return max(per_login, overall)

    def failure(self, login: str) -> None:
        now = self.clock()
        with self._lock:
            self._expire(now)
            key = _login_key(login)
            failures, last = self._per_login.get(key, (0, 0.0))
            if now - last > self.window_s:
                failures = 0
            self._per_login[key] = (failures + 1, now)
            self._global.append(now)

    def success(self, login: str) -> None:
        with self._lock:
            self._per_login.pop(_login_key(login), None)


def sign_in(login: str, password: str, config: AuthConfig, throttle: Throttle,
            sleep: Callable[[float], object] = time.sleep) -> User | None:
    """What the sign-in form calls: wait out the throttle, check, count the result.

    On failure it also sleeps the delay the *next* attempt would need, so a wrong password is
    answered slowly; show `FAILURE_MESSAGE` for None, whatever went wrong.
    """
    wait = throttle.delay(login)
    if wait:
        sleep(wait)
    user = verify(login, password, config)
    if user is None:
        throttle.failure(login)
        sleep(throttle.delay(login))
        return None
    throttle.success(login)
    return user


# --------------------------------------------------------------------------- OIDC

def user_from_oidc_claims(claims: Mapping, config: AuthConfig) -> User | None:
    """`st.user` after `st.login` → the configured `User`, or None (not signed in / not on the list /
    the provider did not confirm the e-mail). Pure: testable without a provider."""
    if not claims or claims.get("is_logged_in") is False:
        return None
    email = _login_key(claims.get("email"))
    if not email or claims.get("email_verified") is False:
        return None
    user = config.emails.get(email)
    if user is None:
        return None
    if not user.name and claims.get("name"):
        user = User(user.login, user.role, user.institution, str(claims["name"]).strip())
    return user


# --------------------------------------------------------------------------- scope

def visible_institutions(user: User | None, all_names: Iterable[str]) -> list[str]:
    """The institutions `user` may see, in workbook order. None (sign-in off): all."""
    names = list(all_names)
    if user is None or user.sees_all:
        return names
    own = norm(user.institution)
    return [n for n in names if norm(n) == own]


def scope_filter(user: User | None, requested: Iterable[str] | str | None,
                 all_names: Iterable[str] | None = None) -> list[str]:
    """The institutions to filter data by, from what a widget or URL asked for.

    Director / coordinator / sign-in off: what was requested ([] means all, as in
    `metrics.select_activities`). An institution's user: always exactly its own institution —
    never [] (that would mean all) and never another institution's name, whatever is requested.
    `all_names` (the workbook's names) lets the own name be spelled as in the workbook.
    """
    if isinstance(requested, str):
        requested = [requested]
    requested = [str(r) for r in (requested or []) if r is not None and str(r).strip()]
    if user is None or user.sees_all:
        return requested
    own = user.institution or ""
    if all_names is not None:
        own = next((n for n in all_names if norm(n) == norm(own)), own)
    return [own]


def can_see(user: User | None, institution: str) -> bool:
    """Whether `user` may see rows of `institution`."""
    return user is None or user.sees_all or norm(institution) == norm(user.institution)
