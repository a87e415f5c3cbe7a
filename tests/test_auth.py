"""Sign-in, roles and scope (lib.auth) and the hash-password CLI command."""
from __future__ import annotations

import io
import threading
import time
import tomllib

import bcrypt
import pytest

from lib import auth
from lib.auth import (COORDINATOR, DIRECTOR, FAILURE_MESSAGE, INSTITUTION, AuthConfigError, Throttle, User,
                      can_see, parse_auth_config, scope_filter, sign_in, user_from_oidc_claims, verify,
                      visible_institutions)
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
        assert not cfg.enabled and cfg.mode == "off"


def test_users_are_parsed(config):
    assert config.enabled and config.mode == "password"
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


# --------------------------------------------------------------------------- throttle

def test_throttle_grows_per_login_to_a_cap_and_resets_on_success():
    clock = FakeClock()
    t = Throttle(base_s=1, cap_s=30, clock=clock)
    assert t.delay("ivan") == 0
    delays = []
    for _ in range(7):
        t.failure("Ivan")
        delays.append(t.delay("IVAN"))
    assert delays == [1, 2, 4, 8, 16, 30, 30]
    assert t.delay("petr") == 0                          # other logins are not affected
    t.success("ivan")
    assert t.delay("ivan") == 0


def test_throttle_forgets_after_the_window():
    clock = FakeClock()
    t = Throttle(window_s=900, clock=clock)
    for _ in range(4):
        t.failure("ivan")
    assert t.delay("ivan") == 8
    clock.now += 901
    assert t.delay("ivan") == 0
    t.failure("ivan")
    assert t.delay("ivan") == 1                          # counting starts again


def test_throttle_slows_everybody_during_password_spraying():
    clock = FakeClock()
    t = Throttle(base_s=1, cap_s=30, global_threshold=20, clock=clock)
    for i in range(20):
        t.failure(f"user{i}")
    assert t.delay("fresh") == 0
    for i in range(20, 60):
        t.failure(f"user{i}")
    assert t.delay("fresh") == pytest.approx(3.0)        # 60 failures / 20
    for i in range(60, 2000):
        t.failure(f"user{i}")
    assert t.delay("fresh") == 30
    clock.now += 1000
    assert t.delay("fresh") == 0


def test_throttle_bounds_its_memory():
    clock = FakeClock()
    t = Throttle(max_logins=100, global_threshold=10_000, clock=clock)
    for i in range(1000):
        clock.now += 0.001
        t.failure(f"user{i}")
    assert len(t._per_login) <= 101
    assert t.delay("user999") == 1                       # the most recent are kept


def test_sign_in_waits_and_answers_the_same_for_every_failure(config):
    clock = FakeClock()
    throttle = Throttle(clock=clock)
    slept: list[float] = []
    results = [sign_in("director", "wrong", config, throttle, slept.append),
               sign_in("nobody", "wrong", config, throttle, slept.append),
               sign_in("director", "wrong again", config, throttle, slept.append)]
    assert results == [None, None, None]
    # first failure: sleep 1 s after it; the second try on the login waits 1 s before, 2 s after
    assert slept == [1, 1, 1, 2]
    user = sign_in("director", PASSWORDS["director"], config, throttle, slept.append)
    assert user is not None and user.role == DIRECTOR
    assert slept[-1] == 2                                # waited before the check, even when right
    assert throttle.delay("director") == 0
    assert FAILURE_MESSAGE == "Неверный логин или пароль"


def test_throttle_is_thread_safe():
    t = Throttle(global_threshold=10_000)
    threads = [threading.Thread(target=lambda: [t.failure("ivan") for _ in range(200)]) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert t._per_login["ivan"][0] == 1600 and len(t._global) == 1600


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


def test_can_see():
    centre = User("a", INSTITUTION, "КЦСОН А")
    assert can_see(centre, "кцсон а") and not can_see(centre, "КЦСОН Б")
    assert can_see(User("d", DIRECTOR), "КЦСОН Б") and can_see(None, "КЦСОН Б")


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
    assert cfg.oidc and cfg.enabled and cfg.mode == "oidc"
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
