"""Sign-in, roles and scope (lib.auth) and the hash-password CLI command."""
from __future__ import annotations

import io
import threading
import time
import tomllib

import bcrypt
import pytest

from lib import auth
from lib.auth import (COORDINATOR, DIRECTOR, FAILURE_MESSAGE, INSTITUTION, AttemptLimiter, AuthConfigError, User,
                      client_address, parse_auth_config, scope_filter, sign_in, user_from_oidc_claims,
                      verify, visible_institutions)
from lib.cli import main as cli_main

ROUNDS = 4          # bcrypt's cheapest cost keeps the tests fast
PASSWORDS = {"director": "Директор-2026!", "coord": "coordinator pass", "kcson_a": "пароль центра А"}
NAMES = ["КЦСОН А", "КЦСОН Б", "КЦСОН В"]


def h(password: str, rounds: int = ROUNDS) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


@pytest.fixture(scope="module")
def section() -> dict:
    return {"users": {
        "Director": {"password_hash": h(PASSWORDS["director"]), "role": "director", "name": "Андреевская Л.А."},
        "coord": {"password_hash": h(PASSWORDS["coord"]), "role": "coordinator"},
        "kcson_a": {"password_hash": h(PASSWORDS["kcson_a"]), "role": "institution",
                    "institution": " кцсон  а "},
    }}


@pytest.fixture(scope="module")
def config(section):
    return parse_auth_config(section)


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --------------------------------------------------------------------------- configuration

def test_no_section_means_sign_in_off():
    for section in (None, {}):
        cfg = parse_auth_config(section)
        assert cfg.mode == "off"


def test_users_are_parsed(config):
    assert config.mode == "password"
    assert set(config.accounts) == {"director", "coord", "kcson_a"}      # logins are case-insensitive
    kcson = config.accounts["kcson_a"].user
    assert kcson.role == INSTITUTION and kcson.institution == "кцсон  а"
    assert config.accounts["director"].user.name == "Андреевская Л.А."
    assert config.accounts["coord"].user.institution is None
    assert config.unknown_institutions(NAMES) == []
    assert config.unknown_institutions(["Другое"]) == ["кцсон  а"]


def test_the_config_never_shows_a_hash_in_repr(config):
    text = repr(config) + repr(list(config.accounts.values()))
    assert "$2b$" not in text


def test_a_toml_secrets_file_parses():
    text = f'''
[auth.users.director]
password_hash = "{h('x' * 10)}"
role = "director"

[auth.users."Иванова"]
password_hash = "{h('y' * 10)}"
role = "учреждение"
institution = "КЦСОН Б"
'''
    cfg = parse_auth_config(tomllib.loads(text)["auth"])
    assert cfg.accounts["иванова"].user == User("иванова", INSTITUTION, "КЦСОН Б", "")


GOOD_HASH = "$2b$12$" + "a" * 53


@pytest.mark.parametrize("entry, expected", [
    ({"password_hash": "not-a-hash", "role": "director"}, "не похож на bcrypt-хэш"),
    ({"role": "director"}, "не похож на bcrypt-хэш"),
    ({"password": "secret123", "role": "director"}, "пароль в открытом виде"),
    ({"password_hash": GOOD_HASH, "role": "boss"}, "роль «boss» не распознана"),
    ({"password_hash": GOOD_HASH, "role": "institution"}, "укажите institution"),
    ({"password_hash": GOOD_HASH, "role": "director", "institutoin": "x"}, "неизвестные параметры institutoin"),
])
def test_bad_user_entries_have_russian_messages_without_secrets(entry, expected):
    with pytest.raises(AuthConfigError) as err:
        parse_auth_config({"users": {"ivan": entry}})
    text = str(err.value)
    assert expected in text and "«ivan»" in text
    assert "secret123" not in text and GOOD_HASH not in text and "not-a-hash" not in text


def test_other_bad_configs():
    with pytest.raises(AuthConfigError, match="логин повторяется"):
        parse_auth_config({"users": {"Ivan": {"password_hash": GOOD_HASH, "role": "director"},
                                     "ivan": {"password_hash": GOOD_HASH, "role": "director"}}})
    with pytest.raises(AuthConfigError, match="пробел"):
        parse_auth_config({"users": {"iv an": {"password_hash": GOOD_HASH, "role": "director"}}})
    with pytest.raises(AuthConfigError, match="ожидается раздел"):
        parse_auth_config({"users": {"ivan": "director"}})
    with pytest.raises(AuthConfigError) as err:
        parse_auth_config({"client_id": "id", "client_secret": "TOP-SECRET", "cookie_secret": "COOKIE"})
    assert "redirect_uri" in str(err.value) and "server_metadata_url" in str(err.value)
    assert "TOP-SECRET" not in str(err.value) and "COOKIE" not in str(err.value)
    with pytest.raises(AuthConfigError, match="вход не настроен"):
        parse_auth_config({"emails": {"a@b.ru": {"role": "director"}}})


# --------------------------------------------------------------------------- passwords

def test_verify_right_and_wrong(config):
    user = verify("DIRECTOR ", PASSWORDS["director"], config)
    assert user is not None and user.role == DIRECTOR and user.sees_all
    assert verify("director", PASSWORDS["director"] + "x", config) is None
    assert verify("director", PASSWORDS["coord"], config) is None          # another user's password
    assert verify("nobody", PASSWORDS["director"], config) is None
    assert verify("director", "", config) is None
    assert verify("director", "x" * 100, config) is None                 # over bcrypt's 72 bytes: no crash
    assert verify("", "", config) is None
    assert verify("kcson_a", PASSWORDS["kcson_a"], config).institution == "кцсон  а"


def test_unknown_login_is_checked_against_a_dummy_hash_of_the_same_cost(monkeypatch):
    cfg = parse_auth_config({"users": {"u": {"password_hash": h("password1", 6), "role": "director"}}})
    checked: list[bytes] = []
    real = bcrypt.checkpw
    monkeypatch.setattr(bcrypt, "checkpw", lambda pw, hashed: checked.append(hashed) or real(pw, hashed))
    assert verify("ghost", "password1", cfg) is None
    assert verify("u", "wrong-password", cfg) is None
    assert verify("u", "", cfg) is None
    assert len(checked) == 3                       # one bcrypt check in every case
    assert [x[:7] for x in checked] == [b"$2b$06$"] * 3


def test_timing_does_not_tell_unknown_logins_from_wrong_passwords():
    cfg = parse_auth_config({"users": {"u": {"password_hash": h("password1", 8), "role": "director"}}})

    def median(login: str) -> float:
        times = []
        for _ in range(7):
            t = time.perf_counter()
            verify(login, "wrong-password", cfg)
            times.append(time.perf_counter() - t)
        return sorted(times)[3]
    verify("ghost", "warm-up", cfg)
    known, unknown = median("u"), median("ghost")
    assert 0.5 < unknown / known < 2.0


def test_hash_password_limits():
    hashed = auth.hash_password("достаточно длинный", rounds=ROUNDS)
    assert bcrypt.checkpw("достаточно длинный".encode(), hashed.encode())
    with pytest.raises(ValueError, match="слишком короткий"):
        auth.hash_password("1234567", rounds=ROUNDS)
    with pytest.raises(ValueError, match="слишком длинный"):
        auth.hash_password("я" * 37, rounds=ROUNDS)


# --------------------------------------------------------------------------- limits of failed attempts

def test_a_login_is_locked_after_its_failures_and_opens_after_the_window():
    clock = FakeClock()
    limiter = AttemptLimiter(per_login=5, window_s=900, clock=clock)
    admitted = []
    for _ in range(8):
        admitted.append(limiter.begin("Ivan").allowed)
        clock.now += 10
    assert admitted == [True] * 5 + [False] * 3               # counted whatever the spelling of the login
    assert limiter.begin("petr").allowed                      # other logins are not affected
    clock.now = 1000 + 900.5                                  # the first failure is 900 s old: one more try
    assert limiter.begin("ivan").allowed and not limiter.begin("ivan").allowed
    clock.now += 900
    assert [limiter.begin("IVAN ").allowed for _ in range(6)] == [True] * 5 + [False]


def test_an_address_is_limited_across_logins():
    clock = FakeClock()
    limiter = AttemptLimiter(per_login=5, per_address=20, clock=clock)
    assert all(limiter.begin(f"user{i}", "203.0.113.7").allowed for i in range(20))
    assert not limiter.begin("fresh", "203.0.113.7").allowed           # password spraying from one address
    assert limiter.begin("fresh", "198.51.100.1").allowed              # another address
    assert limiter.begin("fresh2", None).allowed                       # unknown address: the login limit only
    clock.now += 901
    assert limiter.begin("fresh3", "203.0.113.7").allowed


def test_a_success_clears_the_login_and_gives_the_address_its_booking_back():
    limiter = AttemptLimiter(per_login=3, per_address=3, clock=FakeClock())
    for _ in range(2):
        limiter.begin("ivan", "203.0.113.7")
    right = limiter.begin("ivan", "203.0.113.7")
    assert right.allowed
    limiter.succeeded(right)
    assert [limiter.begin("ivan").allowed for _ in range(4)] == [True, True, True, False]
    assert limiter.begin("petr", "203.0.113.7").allowed and not limiter.begin("petr", "203.0.113.7").allowed


def guesses(config, limiter, n_sessions: int, per_session: int, monkeypatch) -> tuple[int, list]:
    """`n_sessions` sessions at once (threads), each trying `per_session` wrong passwords and then the right
    one for «director». Returns (passwords actually compared while admitted, the sessions' results for the
    right password)."""
    checked = []
    real_verify = auth.verify

    def slow_verify(login, password, cfg):
        time.sleep(0.002)                      # a check takes time: attempts overlap, as with real bcrypt
        return real_verify(login, password, cfg)

    real_begin = limiter.begin

    def counted_begin(*args, **kwargs):
        attempt = real_begin(*args, **kwargs)
        checked.append(attempt.allowed)
        return attempt

    monkeypatch.setattr(auth, "verify", slow_verify)
    monkeypatch.setattr(limiter, "begin", counted_begin)
    start = threading.Barrier(n_sessions)
    results: list = [None] * n_sessions

    def session(n: int) -> None:
        start.wait()
        for k in range(per_session):
            assert sign_in("director", f"guess-{n}-{k}", config, limiter, sleep=lambda s: None) is None
        results[n] = sign_in("director", PASSWORDS["director"], config, limiter, sleep=lambda s: None)

    threads = [threading.Thread(target=session, args=(n,)) for n in range(n_sessions)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return sum(checked), results


def test_parallel_sessions_get_no_more_guesses_than_one_session(config, monkeypatch):
    one, results_one = guesses(config, AttemptLimiter(per_login=5, clock=FakeClock()), 1, 10, monkeypatch)
    many, results_many = guesses(config, AttemptLimiter(per_login=5, clock=FakeClock()), 20, 10, monkeypatch)
    assert one == many == 5                    # 20 sessions × 11 attempts: 5 passwords compared in all
    assert results_one == [None] and results_many == [None] * 20          # the right one came too late


def test_the_right_password_works_after_the_lock_window(config):
    clock = FakeClock()
    limiter = AttemptLimiter(per_login=5, window_s=900, clock=clock)
    slept: list[float] = []
    for _ in range(5):
        assert sign_in("director", "wrong", config, limiter, sleep=slept.append) is None
    assert sign_in("director", PASSWORDS["director"], config, limiter, sleep=slept.append) is None   # locked
    clock.now += 899
    assert sign_in("director", PASSWORDS["director"], config, limiter, sleep=slept.append) is None
    clock.now += 2
    user = sign_in("director", PASSWORDS["director"], config, limiter, sleep=slept.append)
    assert user is not None and user.role == DIRECTOR
    assert slept == [auth.FAILURE_DELAY_S] * 7


def test_every_failure_gets_the_same_answer_pause_and_check(config, monkeypatch):
    """Wrong password, unknown login, a locked login with the right password: None after the same pause,
    and the password is checked with bcrypt every time (the time does not tell the cases apart)."""
    limiter = AttemptLimiter(per_login=2, clock=FakeClock())
    checks = []
    real_verify = auth.verify
    monkeypatch.setattr(auth, "verify", lambda *a: checks.append(a[0]) or real_verify(*a))
    slept: list[float] = []
    attempts = [("director", "wrong"), ("nobody", "wrong"), ("director", "wrong again"),
                ("director", PASSWORDS["director"]), ("nobody", PASSWORDS["director"]), ("", "")]
    results = [sign_in(login, pw, config, limiter, sleep=slept.append) for login, pw in attempts]
    assert results == [None] * len(attempts)
    assert slept == [auth.FAILURE_DELAY_S] * len(attempts)
    assert checks == [login for login, _ in attempts]
    assert FAILURE_MESSAGE.startswith("Неверный логин или пароль")


def test_the_memory_is_bounded_and_a_flood_cannot_push_out_a_real_account():
    clock = FakeClock()
    limiter = AttemptLimiter(per_login=3, per_address=3, max_keys=100, clock=clock)
    for _ in range(3):
        limiter.begin("director", known=True)
    for i in range(20_000):                        # made-up logins from made-up addresses
        clock.now += 0.001
        limiter.begin(f"user{i}", f"10.{i // 65536}.{i // 256 % 256}.{i % 256}")
    assert len(limiter) <= 201
    assert not limiter.begin("director", known=True).allowed     # still locked
    assert "user19999" in limiter._tables["login"] and "user0" not in limiter._tables["login"]   # LRU


def test_the_limiter_is_thread_safe():
    limiter = AttemptLimiter(per_login=10_000, per_address=10_000, max_keys=10_000)
    threads = [threading.Thread(target=lambda: [limiter.begin("ivan", "203.0.113.7") for _ in range(200)])
               for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(limiter._tables["login"]["ivan"]) == 1600 == len(limiter._tables["address"]["203.0.113.7"])


def test_the_client_address_comes_from_the_proxy_header_only_when_configured():
    plain_config = parse_auth_config({"users": {}})
    proxied = parse_auth_config({"client_ip_header": "X-Forwarded-For"})
    headers = {"x-forwarded-for": "198.51.100.9, 203.0.113.7", "Host": "omp"}
    assert client_address("192.0.2.1", headers, plain_config) == "192.0.2.1"     # a header alone is not trusted
    assert client_address("192.0.2.1", headers, proxied) == "203.0.113.7"        # the address the proxy added
    assert client_address("192.0.2.1", {"X-Forwarded-For": "nonsense"}, proxied) == "192.0.2.1"
    assert client_address(None, None, proxied) is None and client_address(None, {}, plain_config) is None
    assert client_address("2001:DB8::1", None, plain_config) == "2001:db8::1"
    with pytest.raises(AuthConfigError, match="client_ip_header"):
        parse_auth_config({"client_ip_header": "X-Real-IP: 1"})


# --------------------------------------------------------------------------- scope

def test_visible_institutions():
    director = User("d", DIRECTOR)
    coord = User("c", COORDINATOR)
    centre = User("a", INSTITUTION, "кцсон  а")
    assert visible_institutions(None, NAMES) == NAMES
    assert visible_institutions(director, NAMES) == NAMES
    assert visible_institutions(coord, NAMES) == NAMES
    assert visible_institutions(centre, NAMES) == ["КЦСОН А"]
    assert visible_institutions(User("x", INSTITUTION, "Нет такого"), NAMES) == []


@pytest.mark.parametrize("requested", [None, [], "", "КЦСОН Б", ["КЦСОН Б"], ["КЦСОН Б", "КЦСОН В"],
                                       ["КЦСОН А", "КЦСОН Б"], ["кцсон а"], ["*"], ["' OR 1=1 --"],
                                       ("КЦСОН Б",), ["КЦСОН А"]])
def test_an_institution_user_gets_only_its_own_institution_whatever_is_requested(requested):
    centre = User("a", INSTITUTION, "кцсон  а")
    assert scope_filter(centre, requested, NAMES) == ["КЦСОН А"]
    assert scope_filter(centre, requested) == ["кцсон  а"]      # never [] (that would mean "all")


def test_directors_get_what_they_ask_for():
    director = User("d", DIRECTOR)
    assert scope_filter(director, None) == []
    assert scope_filter(director, "КЦСОН Б") == ["КЦСОН Б"]
    assert scope_filter(director, ["КЦСОН Б", "КЦСОН В"]) == ["КЦСОН Б", "КЦСОН В"]
    assert scope_filter(None, ["КЦСОН В", ""]) == ["КЦСОН В"]


def test_scope_filter_with_hypothesis():
    from hypothesis import given, settings, strategies as st
    centre = User("a", INSTITUTION, "КЦСОН А")

    @settings(max_examples=200, derandomize=True, deadline=None, database=None)
    @given(st.one_of(st.none(), st.text(), st.lists(st.one_of(st.text(), st.sampled_from(NAMES)))))
    def check(requested):
        assert scope_filter(centre, requested, NAMES) == ["КЦСОН А"]
    check()


# --------------------------------------------------------------------------- OIDC

OIDC = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "c" * 32,
        "client_id": "omp", "client_secret": "s", "server_metadata_url": "https://id.example/.well-known/openid-configuration"}


def test_oidc_config_and_claims():
    cfg = parse_auth_config({**OIDC, "emails": {
        "Director@Example.ru": {"role": "director"},
        "kcson@example.ru": {"role": "institution", "institution": "КЦСОН Б", "name": "Центр Б"}}})
    assert cfg.oidc and cfg.mode == "oidc"
    d = user_from_oidc_claims({"is_logged_in": True, "email": "director@example.ru", "email_verified": True,
                               "name": "Л.А. Андреевская"}, cfg)
    assert d == User("director@example.ru", DIRECTOR, None, "Л.А. Андреевская")
    k = user_from_oidc_claims({"is_logged_in": True, "email": "KCSON@example.ru", "name": "Кто-то"}, cfg)
    assert k.institution == "КЦСОН Б" and k.name == "Центр Б"
    assert scope_filter(k, ["КЦСОН А"], NAMES) == ["КЦСОН Б"]
    assert user_from_oidc_claims({"is_logged_in": True, "email": "stranger@example.ru"}, cfg) is None
    assert user_from_oidc_claims({"is_logged_in": True, "email": "director@example.ru",
                                  "email_verified": False}, cfg) is None
    assert user_from_oidc_claims({"is_logged_in": False}, cfg) is None
    assert user_from_oidc_claims({}, cfg) is None


def test_oidc_and_passwords_together_prefer_oidc(section):
    cfg = parse_auth_config({**OIDC, **section})
    assert cfg.mode == "oidc" and len(cfg.accounts) == 3


# --------------------------------------------------------------------------- CLI

def run_cli(monkeypatch, capsys, args, stdin=""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli_main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_hash_password_cli_from_stdin(monkeypatch, capsys):
    code, out, err = run_cli(monkeypatch, capsys,
                             ["hash-password", "--stdin", "--rounds", "10", "--login", "Иванова", "--role",
                              "institution", "--institution", "КЦСОН «Б»", "--name", "Иванова И.И."],
                             "пароль центра Б\n")
    assert code == 0 and err == ""
    hashed = out.splitlines()[0]
    assert bcrypt.checkpw("пароль центра Б".encode(), hashed.encode())
    snippet = tomllib.loads(out.split("\n", 1)[1])
    cfg = parse_auth_config(snippet["auth"])
    assert verify("иванова", "пароль центра Б", cfg) == User("иванова", INSTITUTION, "КЦСОН «Б»", "Иванова И.И.")
    assert "пароль центра Б" not in out


def test_hash_password_cli_with_getpass(monkeypatch, capsys):
    answers = iter(["secret-pass-1", "secret-pass-1"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    code, out, _ = run_cli(monkeypatch, capsys, ["hash-password", "--rounds", "10"])
    assert code == 0 and bcrypt.checkpw(b"secret-pass-1", out.splitlines()[0].encode())
    cfg = parse_auth_config(tomllib.loads(out.split("\n", 1)[1])["auth"])   # the template parses as is
    assert cfg.accounts["login"].user.role == DIRECTOR


def test_hash_password_cli_errors(monkeypatch, capsys):
    answers = iter(["secret-pass-1", "secret-pass-2"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    code, out, err = run_cli(monkeypatch, capsys, ["hash-password"])
    assert code == 2 and "Пароли не совпадают" in err and out == ""
    code, _, err = run_cli(monkeypatch, capsys, ["hash-password", "--stdin"], "short\n")
    assert code == 2 and "слишком короткий" in err
    code, _, err = run_cli(monkeypatch, capsys, ["hash-password", "--stdin", "--role", "institution"], "long password\n")
    assert code == 2 and "--institution" in err
    code, _, err = run_cli(monkeypatch, capsys, ["hash-password", "--stdin", "--role", "king"], "long password\n")
    assert code == 2 and "неизвестна" in err
