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

Behind a reverse proxy that puts the client's address into a header, `client_ip_header = "X-Real-IP"`
in `[auth]` makes the per-address limit count clients instead of the proxy (`client_address`).

Roles: the director and coordinators see everything; an institution's user sees only its own
institution (plus region totals, which the pages compute without naming other institutions).
`visible_institutions` and `scope_filter` are the only gates the pages use, so no widget value or
URL parameter can widen the scope.

Passwords are checked with bcrypt in roughly constant time (an unknown login is checked against a
dummy hash of the same cost). Failed attempts are *limited*, not only slowed down: `AttemptLimiter`
allows a few failures per login and per client address within a window, for the whole process (all
browser sessions together), and every failure — wrong password, unknown login, limit reached — gets
the same message, `FAILURE_MESSAGE`, after the same pause.

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
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from lib.model.contract import norm

DIRECTOR, COORDINATOR, INSTITUTION = "director", "coordinator", "institution"
ROLES = (DIRECTOR, COORDINATOR, INSTITUTION)
ROLE_RU = {DIRECTOR: "директор", COORDINATOR: "координатор", INSTITUTION: "учреждение"}
_ROLE_SYNONYMS = {**{r: r for r in ROLES}, **{v: k for k, v in ROLE_RU.items()},
                  "руководитель": DIRECTOR, "admin": DIRECTOR, "администратор": DIRECTOR,
                  "центр": INSTITUTION, "кцсон": INSTITUTION}

FAILURE_MESSAGE = ("Неверный логин или пароль. После нескольких неудачных попыток вход на время закрывается — "
                   "тогда повторите через 15 минут.")
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
    client_ip_header: str | None = None     # the reverse proxy's header with the client's address

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
    header = section.get("client_ip_header")
    if header is not None:
        if not isinstance(header, str) or not re.fullmatch(r"[A-Za-z0-9-]+", header.strip()):
            raise AuthConfigError("client_ip_header в [auth]: укажите имя заголовка, в котором обратный прокси "
                                  "передаёт адрес клиента, например client_ip_header = \"X-Real-IP\"")
        config.client_ip_header = header.strip()
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


@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt as `AttemptLimiter.begin` admitted it (or not)."""
    allowed: bool                             # False: a limit is reached, the password must not be tried
    keys: tuple[tuple[str, str], ...] = ()    # the counters it was booked on
    at: float = 0.0


class AttemptLimiter:
    """How many sign-in attempts may fail, process-wide: at most `per_login` per login and `per_address`
    per client address within any `window_s` seconds (a sliding window). Thread-safe; `clock` injectable.

    An attempt is booked on its counters *before* the password is checked (`begin`), so attempts made
    in parallel — by many browser sessions at once — cannot get past a limit while their checks run:
    together they get no more tries than one session. A success gives the booking back and clears its
    login's failures (`succeeded`); a failure keeps it. When a limit is reached, `begin` refuses until
    the oldest counted failure is `window_s` old: so at most `per_login` guesses per login per window,
    however many sessions, and a locked login opens again by itself.

    Memory is bounded: a counter keeps at most its limit of times, and at most `max_keys` counters are
    kept per kind — configured logins (`known=True`), other logins and addresses — the least recently
    used going first. A flood of made-up logins or addresses therefore cannot push a real account's
    counter out (the accounts' own table only holds configured logins).
    """

    def __init__(self, *, per_login: int = 5, per_address: int = 20, window_s: float = 900.0,
                 max_keys: int = 4096, clock: Callable[[], float] = time.monotonic):
        if per_login < 1 or per_address < 1 or window_s <= 0 or max_keys < 1:
            raise ValueError("limits, window and size must be positive")
        self.per_login, self.per_address, self.window_s, self.max_keys = per_login, per_address, window_s, max_keys
        self.clock = clock
        self._lock = threading.Lock()
        # kind → key → times of the booked attempts, oldest first (an OrderedDict is the LRU order)
        self._tables: dict[str, OrderedDict[str, deque[float]]] = {
            "account": OrderedDict(), "login": OrderedDict(), "address": OrderedDict()}

    def _limit(self, kind: str) -> int:
        return self.per_address if kind == "address" else self.per_login

    def _recent(self, kind: str, key: str, now: float) -> deque[float] | None:
        """The counter, with times older than the window dropped (None: there is none)."""
        times = self._tables[kind].get(key)
        if times is not None:
            while times and times[0] <= now - self.window_s:
                times.popleft()
        return times

    def begin(self, login: str, address: str | None = None, *, known: bool = False) -> Attempt:
        """Book an attempt for `login` from `address` (None: not known — then only the login counts), or
        refuse it (`allowed` False) when either has had its limit of failures within the window."""
        now = self.clock()
        keys = [("account" if known else "login", _login_key(login))]
        if address:
            keys.append(("address", str(address).strip().lower()))
        with self._lock:
            for kind, key in keys:
                times = self._recent(kind, key, now)
                if times is not None and len(times) >= self._limit(kind):
                    return Attempt(False)
            for kind, key in keys:
                table = self._tables[kind]
                times = table.get(key)
                if times is None:
                    times = table[key] = deque(maxlen=self._limit(kind))
                table.move_to_end(key)
                times.append(now)
                while len(table) > self.max_keys:
                    table.popitem(last=False)
        return Attempt(True, tuple(keys), now)

    def succeeded(self, attempt: Attempt) -> None:
        """The password was right: the login starts afresh, the address gets its booking back."""
        with self._lock:
            for kind, key in attempt.keys:
                times = self._tables[kind].get(key)
                if times is None:
                    continue
                if kind == "address":
                    if attempt.at in times:
                        times.remove(attempt.at)
                else:
                    times.clear()

    def __len__(self) -> int:
        """Counters kept (for the memory bound)."""
        with self._lock:
            return sum(len(table) for table in self._tables.values())


def client_address(peer: str | None, headers: Mapping[str, str] | None, config: AuthConfig) -> str | None:
    """The client's address for the per-address limit: from `config.client_ip_header` when the app runs
    behind a reverse proxy that sets it (the last address of the header: the one the proxy added),
    else the connection's peer (`st.context.ip_address`; None for a local connection). None when
    neither is a valid IP address — then only the per-login limit applies."""
    import ipaddress
    candidates = []
    if config.client_ip_header and headers:
        value = next((v for k, v in headers.items() if k.lower() == config.client_ip_header.lower()), None)
        if value:
            candidates.append(str(value).split(",")[-1].strip())
    candidates.append(peer)
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(str(candidate or "").strip().strip("[]")))
        except ValueError:
            continue
    return None


FAILURE_DELAY_S = 1.0      # every failed attempt is answered after this pause (whatever the reason)


def sign_in(login: str, password: str, config: AuthConfig, limiter: AttemptLimiter, address: str | None = None,
            sleep: Callable[[float], object] = time.sleep) -> User | None:
    """What the sign-in form calls: book the attempt, check the password, answer.

    None for every failure — a wrong password, an unknown login, a login or address that reached its
    limit (then the password is not accepted even when right) — after the same pause and the same
    bcrypt work (the check runs also when the attempt is refused, so the time does not tell the cases
    apart); show `FAILURE_MESSAGE` for it. `address`: the client's address, None when unknown.
    """
    attempt = limiter.begin(login, address, known=_login_key(login) in config.accounts)
    user = verify(login, password, config)
    if user is None or not attempt.allowed:
        sleep(FAILURE_DELAY_S)
        return None
    limiter.succeeded(attempt)
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
    `lib.metrics.selection.Selection`). An institution's user: always exactly its own institution —
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

