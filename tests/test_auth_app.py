"""Sign-in and roles in the running dashboard (AppTest): off in the demo, a broken configuration never
opens the app, wrong passwords get one generic answer and are limited across all sessions, and an
institution's user cannot reach another institution's rows on any page — not by a widget, a forged
session value or a URL.

Password hashes use bcrypt cost 4 (fast); the pauses after failures are recorded instead of slept, and
the limiter runs on a clock the tests move.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from google.protobuf import text_format
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from ui import signin
from lib.auth import FAILURE_DELAY_S, FAILURE_MESSAGE, User
from lib.loader import load_workbook
from lib.metrics.counts import counts_by_group, monitoring_period_values, region_totals
from lib.metrics.selection import Selection, select_rows
from lib.model.periods import Period
from lib.russian import format_number
from tests.app_support import PAGES, ROOT, assert_clean, hashed_users, sign_in
from tests.app_workbook import build_app_workbook

OWN = "Белозерский"                    # the institution with the planted errors
PASSWORDS = {"director": "director-pass-1", "coord": "coord-pass-22", "kcson": "kcson-pass-333"}


@pytest.fixture(scope="module")
def users() -> dict:
    return hashed_users({
        "director": {"password": PASSWORDS["director"], "role": "director", "name": "Андреевская Л.А."},
        "coord": {"password": PASSWORDS["coord"], "role": "coordinator"},
        "kcson": {"password": PASSWORDS["kcson"], "role": "institution", "institution": OWN},
    })


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory) -> Path:
    return build_app_workbook(tmp_path_factory.mktemp("auth") / "demo.xlsx", n_institutions=8)


@pytest.fixture(scope="module")
def demo_wb(demo_path):
    return load_workbook(demo_path)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def clock(monkeypatch) -> Clock:
    """The sign-in limiter's clock, per test (the limiter itself is fresh per test: tests/conftest.py)."""
    fake = Clock()
    monkeypatch.setattr(signin, "CLOCK", fake)
    return fake


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def shown_text(at: AppTest) -> str:
    """Everything the page shows: element texts and options, table cells, chart data."""
    out = []
    for node in at._tree:
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        if kind in ("arrow_data_frame", "dataframe"):
            out.append(node.value.to_string())
        elif kind == "vega_lite_chart":
            out.append(json.dumps(json.loads(proto.spec), ensure_ascii=False))
            for ds in proto.datasets:
                out.append(convert_arrow_bytes_to_pandas_df(ds.data.data).to_string())
            if proto.data.data:
                out.append(convert_arrow_bytes_to_pandas_df(proto.data.data).to_string())
        elif proto is not None and hasattr(proto, "ListFields"):
            out.append(text_format.MessageToString(proto, as_utf8=True))
    return "\n".join(out)


def shown_text_of_charts(at: AppTest) -> list[str]:
    """The data of every chart: its named datasets and its main data."""
    out = []
    for chart in at.get("vega_lite_chart"):
        out.extend(convert_arrow_bytes_to_pandas_df(ds.data.data).to_string() for ds in chart.proto.datasets)
        if chart.proto.data.data:
            out.append(convert_arrow_bytes_to_pandas_df(chart.proto.data.data).to_string())
    return out


# --------------------------------------------------------------------------- off / broken


def test_no_users_means_no_sign_in(make_app, demo_path):
    at = make_app(demo_path)
    assert titles(at) == ["Обзор"] and at.metric
    assert not [b for b in at.button if b.label == "Выйти"]
    at = make_app(demo_path, auth={})        # an empty [auth] section: still the demo
    assert titles(at) == ["Обзор"]


@pytest.mark.parametrize("section, expected", [
    ({"users": {"x": {"password": "secret-123", "role": "director"}}}, "пароль в открытом виде"),
    ({"users": {"x": {"password_hash": "not-a-hash", "role": "director"}}}, "не похож на bcrypt-хэш"),
    ({"users": {"x": {"password_hash": "$2b$04$" + "a" * 53, "role": "boss"}}}, "не распознана"),
    ({"users": {"x": {"password_hash": "$2b$04$" + "a" * 53, "role": "institution"}}}, "укажите institution"),
    ({"client_id": "abc", "users": {}}, "настроен не полностью"),
])
def test_a_broken_configuration_never_opens_the_app(make_app, demo_path, section, expected):
    at = make_app(demo_path, auth=section)
    assert_clean(at)
    assert titles(at) == ["Панель ОМП"]
    message = at.error[0].value
    assert expected in message and "[auth]" in message
    assert "secret-123" not in shown_text(at) and "a" * 53 not in shown_text(at)
    assert not at.metric and not at.dataframe and not at.sidebar.children   # no data, no filters
    at.switch_page("app_pages/quality.py").run()                            # no page behind it either
    assert titles(at) == ["Панель ОМП"] and not at.dataframe


# --------------------------------------------------------------------------- the form


def test_the_sign_in_form_comes_before_any_data(make_app, demo_path, users):
    at = make_app(demo_path, auth={"users": users})
    assert_clean(at)
    assert titles(at) == ["Вход в панель ОМП"]
    assert [t.label for t in at.text_input] == ["Логин", "Пароль"]
    assert at.text_input(key=signin.KEY_PASSWORD).proto.type == at.text_input(key=signin.KEY_PASSWORD).proto.PASSWORD
    assert not at.metric and not at.dataframe and not at.get("vega_lite_chart")
    assert not at.sidebar.children, "no filters or data source before sign-in"
    for page in PAGES:
        at.switch_page(f"app_pages/{page}.py").run()
        assert titles(at) == ["Вход в панель ОМП"], page
        assert not at.dataframe and not at.metric


def test_every_failure_gets_the_same_answer(make_app, demo_path, users, signin_pauses):
    waits = signin_pauses
    at = make_app(demo_path, auth={"users": users})
    answers = []
    for login, password in [("kcson", "wrong-password"), ("nobody", PASSWORDS["kcson"]), ("kcson", ""),
                            ("", ""), ("KCSON ", "kcson-pass-33"), ("kcson", "wrong-again"),
                            ("kcson", "and-again"), ("kcson", PASSWORDS["kcson"])]:   # the last: locked
        sign_in(at, login, password)
        assert titles(at) == ["Вход в панель ОМП"], login
        answers.append([e.value for e in at.error])
        assert at.text_input(key=signin.KEY_PASSWORD).value == "", "the password is not kept"
    assert all(a == [FAILURE_MESSAGE] for a in answers), answers
    assert waits == [FAILURE_DELAY_S] * len(answers)
    assert signin.KEY_USER not in at.session_state


def test_failed_attempts_are_limited_across_all_sessions(make_app, demo_path, users, clock):
    """Five browser sessions, one wrong password each, lock the login for everybody — also for the next
    session with the right password — until the window has passed."""
    for n in range(5):
        sign_in(make_app(demo_path, auth={"users": users}), "director", f"wrong-password-{n}")
    other = make_app(demo_path, auth={"users": users})      # another browser
    sign_in(other, "director", PASSWORDS["director"])
    assert titles(other) == ["Вход в панель ОМП"] and [e.value for e in other.error] == [FAILURE_MESSAGE]
    assert signin.KEY_USER not in other.session_state
    ok = sign_in(make_app(demo_path, auth={"users": users}), "coord", PASSWORDS["coord"])
    assert titles(ok) == ["Обзор"], "another login is not locked"
    clock.now += signin.limiter().window_s + 1
    sign_in(other, "director", PASSWORDS["director"])
    assert titles(other) == ["Обзор"]


def test_failed_attempts_are_limited_per_client_address(make_app, monkeypatch, demo_path, users):
    """Password spraying: many logins from one address, each in its own session, close that address."""
    address = {"now": "203.0.113.7"}
    monkeypatch.setattr(signin, "_address", lambda config: address["now"])
    for n in range(signin.limiter().per_address):
        sign_in(make_app(demo_path, auth={"users": users}), f"user{n}", "password-123")
    at = sign_in(make_app(demo_path, auth={"users": users}), "coord", PASSWORDS["coord"])
    assert titles(at) == ["Вход в панель ОМП"] and [e.value for e in at.error] == [FAILURE_MESSAGE]
    address["now"] = "198.51.100.1"
    sign_in(at, "coord", PASSWORDS["coord"])
    assert titles(at) == ["Обзор"]


def test_the_client_address_is_read_from_the_session(make_app, monkeypatch, demo_path, users):
    """AppTest has no client connection: the address is None and only the per-login limit applies."""
    seen = []
    real = signin._address
    monkeypatch.setattr(signin, "_address", lambda config: seen.append(real(config)) or seen[-1])
    sign_in(make_app(demo_path, auth={"users": users}), "director", PASSWORDS["director"])
    assert seen == [None]


@pytest.mark.parametrize("login", ["director", "coord"])
def test_director_and_coordinator_see_everything(make_app, demo_path, demo_wb, users, login):
    at = sign_in(make_app(demo_path, auth={"users": users}), login, PASSWORDS[login])
    assert_clean(at)
    assert titles(at) == ["Обзор"]
    assert at.multiselect(key="omp_institutions").options == demo_wb.institution_names
    n = len(demo_wb.institution_names)
    assert {m.label: m.value for m in at.metric}["Сдали данные за II квартал 2026"].endswith(f"из {n}")
    who = [m.value for m in at.sidebar.markdown if "material/person" in m.value]
    assert who and ("директор" if login == "director" else "координатор") in who[0]
    at.switch_page("app_pages/quality.py").run()
    assert len(at.dataframe[0].value) == len(demo_wb.issues)
    assert set(_foreign(demo_wb)) <= set(n for n in demo_wb.institution_names if n in shown_text(at))
    # the leak check looks into charts too: the heat map lists every institution
    at.switch_page("app_pages/activities.py").run()
    charts = "".join(shown_text_of_charts(at))
    assert all(name in charts for name in demo_wb.institution_names)


def test_login_is_case_insensitive_and_sign_out_forgets_the_session(make_app, demo_path, users):
    at = sign_in(make_app(demo_path, auth={"users": users}), "  Director", PASSWORDS["director"])
    assert titles(at) == ["Обзор"]
    assert any("Андреевская Л.А. (директор)" in m.value for m in at.sidebar.markdown)
    at.multiselect(key="omp_institutions").set_value([OWN]).run()
    at.button(key="omp_logout").click().run()
    assert_clean(at)
    assert titles(at) == ["Вход в панель ОМП"] and not at.metric
    assert signin.KEY_USER not in at.session_state and "omp_institutions" not in at.session_state


# --------------------------------------------------------------------------- an institution's scope


def _foreign(wb) -> list[str]:
    others = [n for n in wb.institution_names if n != OWN]
    assert others and all(o not in OWN and OWN not in o for o in others)
    return others


def assert_only_own(at: AppTest, wb, where: str) -> None:
    text = shown_text(at)
    leaked = [name for name in _foreign(wb) if name in text]
    assert not leaked, f"{where}: other institutions shown: {leaked}"


def test_an_institution_user_sees_only_its_own_rows_on_every_page(make_app, demo_path, demo_wb, users):
    at = sign_in(make_app(demo_path, auth={"users": users}), "kcson", PASSWORDS["kcson"])
    assert_clean(at)
    assert not at.multiselect, "no institution filter: a fixed label instead"
    assert any(m.value == f"**Учреждение:** {OWN}" for m in at.sidebar.markdown)
    own = counts_by_group(select_rows(demo_wb, Selection(Period.parse("2026-Q2"), [OWN])).frame)
    assert {m.label: m.value for m in at.metric}["Консультации"] == format_number(own["Консультации"])
    assert {m.label: m.value for m in at.metric}["Сдали данные за II квартал 2026"] == "1 из 1"
    for page in PAGES:
        at.switch_page(f"app_pages/{page}.py").run()
        assert_clean(at, page)
        assert OWN in shown_text(at), page
        assert_only_own(at, demo_wb, page)
    # the plan page's rows for an item, for every item
    at.switch_page("app_pages/plan.py").run()
    items = list(demo_wb.plan["item"])
    for item in items:
        at.selectbox(key="plan_item_rows").set_value(item).run()
        assert_only_own(at, demo_wb, f"plan item {item}")
    # the quality page: every issue shown is the own institution's
    at.switch_page("app_pages/quality.py").run()
    issues = at.dataframe[0].value
    expected = demo_wb.issues[demo_wb.issues["institution"] == OWN]
    assert len(issues) == len(expected) > 0 and set(issues["Учреждение"]) == {OWN}


def test_an_institution_user_sees_the_region_totals_and_its_own_figures(make_app, demo_path, demo_wb, users):
    at = sign_in(make_app(demo_path, auth={"users": users}), "kcson", PASSWORDS["kcson"])
    period = Period.parse("2026-Q2")
    everyone = counts_by_group(select_rows(demo_wb, Selection(period)).frame)
    overview_captions = [c.value for c in at.caption]
    for group, count in everyone.items():
        assert f"По области: {format_number(count)}" in overview_captions, group
    at.switch_page("app_pages/monitoring.py").run()
    assert_clean(at)
    region = region_totals(monitoring_period_values(demo_wb, period, []), demo_wb.indicators)
    own = region_totals(monitoring_period_values(demo_wb, period, [OWN]), demo_wb.indicators)
    assert any(h.value == "Итого по области: II квартал 2026" for h in at.subheader)
    cards = {m.label: m.value for m in at.metric}
    captions = [c.value for c in at.caption]
    for ind in demo_wb.indicators:
        if region.get(ind.name) is not None:
            assert cards[ind.name] == f"{format_number(region[ind.name])} {ind.unit}"
        mine = own.get(ind.name)
        assert f"Ваше учреждение: {'нет данных' if mine is None else f'{format_number(mine)} {ind.unit}'}" in captions
    assert region != own                           # the region's figures, not a copy of the own ones
    assert_only_own(at, demo_wb, "monitoring with region totals")


def test_forged_session_values_and_urls_cannot_reach_another_institution(make_app, demo_path, demo_wb, users):
    other = _foreign(demo_wb)[0]
    at = make_app(demo_path, auth={"users": users},
             omp_institutions=_foreign(demo_wb)[:3], institution=other)
    sign_in(at, "kcson", PASSWORDS["kcson"])
    own = counts_by_group(select_rows(demo_wb, Selection(Period.parse("2026-Q2"), [OWN])).frame)
    assert {m.label: m.value for m in at.metric}["Консультации"] == format_number(own["Консультации"])
    assert_only_own(at, demo_wb, "overview with a forged filter")

    # «Моё учреждение» with another institution in the URL and in the session state
    at.query_params["institution"] = other
    at.session_state["institution"] = other
    at.switch_page("app_pages/my_institution.py").run()
    assert_clean(at)
    box = at.selectbox(key="institution")
    assert box.options == [OWN] and box.value == OWN
    assert_only_own(at, demo_wb, "my_institution?institution=other")
    shown = {m.label: m.value for m in at.metric}
    mine = select_rows(demo_wb, Selection(Period.parse("2026-Q2"), [OWN])).frame
    assert shown["Мероприятий за период"] == format_number(len(mine))

    # forged filters on every page
    for page in PAGES:
        at.session_state["omp_institutions"] = [other]
        at.switch_page(f"app_pages/{page}.py").run()
        assert_clean(at, page)
        assert_only_own(at, demo_wb, f"{page} with a forged filter")


def test_a_forged_user_in_the_session_gets_the_configured_role(make_app, demo_path, demo_wb, users):
    # a session claiming the director role for an institution's login: the configuration decides
    at = make_app(demo_path, auth={"users": users},
             **{signin.KEY_USER: User("kcson", "director")})
    assert titles(at) == ["Обзор"]
    assert not at.multiselect and any(m.value == f"**Учреждение:** {OWN}" for m in at.sidebar.markdown)
    assert_only_own(at, demo_wb, "forged role")
    # a login that is not configured at all: the sign-in form
    at = make_app(demo_path, auth={"users": users}, **{signin.KEY_USER: User("mallory", "director")})
    assert titles(at) == ["Вход в панель ОМП"] and not at.metric


def test_a_deep_link_opens_after_sign_in(make_app, demo_path, users):
    at = make_app(demo_path, auth={"users": users}, run=False)
    at.query_params["institution"] = OWN
    at.switch_page("app_pages/my_institution.py").run()
    assert titles(at) == ["Вход в панель ОМП"]
    sign_in(at, "kcson", PASSWORDS["kcson"])
    assert titles(at) == ["Моё учреждение"]
    assert at.selectbox(key="institution").value == OWN


def test_an_institution_missing_from_the_workbook_sees_nothing(make_app, demo_path, demo_wb):
    users = hashed_users({
        "kcson": {"password": PASSWORDS["kcson"], "role": "institution", "institution": "Несуществующий"},
        "director": {"password": PASSWORDS["director"], "role": "director"}})
    at = sign_in(make_app(demo_path, auth={"users": users}), "kcson", PASSWORDS["kcson"])
    for page in PAGES:
        at.switch_page(f"app_pages/{page}.py").run()
        assert_clean(at, page)
        assert not [n for n in demo_wb.institution_names if n in shown_text(at)], page
    at.switch_page("app_pages/my_institution.py").run()
    assert any("Несуществующий" in e.value and "нет в книге" in e.value for e in at.error)
    # the director is told that a configured institution is not in the workbook
    at = sign_in(make_app(demo_path, auth={"users": users}), "director", PASSWORDS["director"])
    assert any("Несуществующий" in w.value for w in at.sidebar.warning)


# --------------------------------------------------------------------------- OIDC (st.login)

OIDC = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "c" * 40, "client_id": "omp",
        "client_secret": "very-secret-value", "server_metadata_url": "https://id.example.ru/.well-known/openid-configuration",
        "emails": {"director@example.ru": {"role": "director"},
                   "kcson@example.ru": {"role": "institution", "institution": OWN}}}


def test_oidc_shows_the_provider_button_when_not_signed_in(make_app, demo_path):
    at = make_app(demo_path, auth=OIDC, run=False)
    at.user = {"is_logged_in": False}
    at.run()
    assert_clean(at)
    assert titles(at) == ["Вход в панель ОМП"]
    assert [b.label for b in at.button] == ["Войти через id.example.ru"]
    assert not at.text_input and not at.metric and not at.sidebar.children
    assert "very-secret-value" not in shown_text(at)


def test_oidc_maps_the_confirmed_email_to_a_role(make_app, demo_path, demo_wb):
    at = make_app(demo_path, auth=OIDC, run=False)
    at.user = {"is_logged_in": True, "email": "KCSON@example.ru", "email_verified": True, "name": "Иванова И.И."}
    at.run()
    assert_clean(at)
    assert titles(at) == ["Обзор"]
    assert any("Иванова И.И. (учреждение, Белозерский)" in m.value for m in at.sidebar.markdown)
    assert_only_own(at, demo_wb, "oidc institution user")

    at = make_app(demo_path, auth=OIDC, run=False)
    at.user = {"is_logged_in": True, "email": "director@example.ru", "email_verified": True}
    at.run()
    assert at.multiselect(key="omp_institutions").options == demo_wb.institution_names


@pytest.mark.parametrize("claims", [
    {"is_logged_in": True, "email": "stranger@example.ru", "email_verified": True},
    {"is_logged_in": True, "email": "director@example.ru", "email_verified": False},
])
def test_oidc_refuses_people_not_on_the_list(make_app, demo_path, claims):
    at = make_app(demo_path, auth=OIDC, run=False)
    at.user = claims
    at.run()
    assert_clean(at)
    assert titles(at) == ["Вход в панель ОМП"] and not at.metric
    assert "Нет доступа" in at.error[0].value and claims["email"] in at.error[0].value
    assert [b.label for b in at.button] == ["Выйти"]


def test_a_removed_user_is_signed_out_and_a_changed_role_applies_at_once(make_app, demo_path, users):
    at = sign_in(make_app(demo_path, auth={"users": users}), "director", PASSWORDS["director"])
    assert at.multiselect
    changed = {**users, "director": {**users["director"], "role": "institution", "institution": OWN}}
    at.secrets["auth"] = {"users": changed}
    at.run()
    assert not at.multiselect and any(m.value == f"**Учреждение:** {OWN}" for m in at.sidebar.markdown)
    at.secrets["auth"] = {"users": {k: v for k, v in users.items() if k != "director"}}
    at.run()
    assert titles(at) == ["Вход в панель ОМП"] and not at.metric


def test_the_secrets_example_keeps_sign_in_off_and_its_placeholders_never_open_the_app():
    import tomllib

    from lib.auth import AuthConfigError, parse_auth_config
    text = (ROOT / ".streamlit" / "secrets.toml.example").read_text(encoding="utf-8")
    assert parse_auth_config(tomllib.loads(text).get("auth")).mode == "off"
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# [auth.users.director]"))
    end = next(i for i, line in enumerate(lines) if line.startswith("# Or, where there is"))
    uncommented = "\n".join(line[2:] for line in lines[start:end] if line.startswith("# "))
    with pytest.raises(AuthConfigError, match="не похож на bcrypt-хэш"):
        parse_auth_config(tomllib.loads(uncommented)["auth"])
    oidc_start = next(i for i, line in enumerate(lines) if line == "# [auth]")
    oidc = "\n".join(line[2:] for line in lines[oidc_start:] if line.startswith("# "))
    config = parse_auth_config(tomllib.loads(oidc)["auth"])
    assert config.mode == "oidc" and len(config.emails) == 2


class _Secrets:
    """Stands in for st.secrets when there is no secrets.toml or when it does not parse."""

    def __init__(self, error_id: str):
        self.error_id = error_id

    def _fail(self, *args):
        from streamlit.errors import StreamlitSecretNotFoundError
        raise StreamlitSecretNotFoundError("Error parsing secrets file at {path}: Invalid value (at line 7, "
                                           "column 12)", path="/srv/.streamlit/secrets.toml", error_id=self.error_id)

    __contains__ = __getitem__ = _fail


def test_no_secrets_file_means_off_and_an_unreadable_one_means_closed(monkeypatch):
    import streamlit as st
    monkeypatch.setattr(st, "secrets", _Secrets("no-secrets-found"))
    assert signin.resolve().mode == "off"
    monkeypatch.setattr(st, "secrets", _Secrets("failed-parsing-secrets-file"))
    gate = signin.resolve()
    assert gate.mode == "broken" and not gate.open
    assert "secrets.toml не удалось прочитать (ошибка в строке 7)" in gate.error
