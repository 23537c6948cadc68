"""Accounts under attack (issue 14): the password policy on every surface that sets a
password, sign-out that ends the session on the server (a copied cookie stops working),
and sign-in that takes as long for an unknown e-mail as for a wrong password.

Services run on SQLite and PostgreSQL (the ``cat`` fixture; PostgreSQL is migrated by
Alembic, so migration 0007 is exercised); the pages over a real socket (``serve``)."""

from __future__ import annotations

import statistics
import time

import pytest
from click.testing import CliRunner

from catalog.errors import ValidationFailed
from catalog.models import User
from catalog.services import accounts, passwords, users
from catalog.services.authz import SYSTEM, Actor
from cli import main
from tests.livesite import serve
from tests.portal import PASSWORD, make_user
from tests.webclient import WebClient

REFUSED = {
    "12345678": "Shorter than minimum length 10.",
    "123456789012": "A password must not be only digits.",
    "1234 5678 90": "A password must not be only digits.",
    "aaaaaaaaaaaa": "A password must not be one character repeated.",
    "Password123": "This password is too common. Choose another.",
    "qwertyuiop": "This password is too common. Choose another.",
    "woaini1314": "This password is too common. Choose another.",
    "li.si@example.cn": "A password must not be your e-mail address or name.",
    "LI.SI@EXAMPLE.CN": "A password must not be your e-mail address or name.",
    "li.si-long": None,  # fine: not the local part itself
    "Li Si Wang Wu": "A password must not be your e-mail address or name.",
}


@pytest.mark.parametrize(("password", "why"), list(REFUSED.items()))
def test_the_policy(password, why):
    wrong = passwords.problems(password, "li.si@example.cn", "LiSiWangWu")
    assert wrong == ([why] if why else [])
    assert passwords.problems("li.si.example", "li.si.example@x.cn", "L") == [
        "A password must not be your e-mail address or name."
    ]


def test_every_service_that_sets_a_password_applies_the_policy(cat):
    with pytest.raises(ValidationFailed) as info:
        users.create_user(cat, SYSTEM, "a@example.cn", "A", "12345678")
    assert info.value.messages == {"password": ["Shorter than minimum length 10."]}
    with pytest.raises(ValidationFailed) as info:
        links = accounts.RegistrationLinks(lambda t: t, "/login", "/password/forgot")
        accounts.register(cat, "b@example.cn", "B", "password123", "password123", links)
    assert info.value.messages == {"password": ["This password is too common. Choose another."]}
    user = users.create_user(cat, SYSTEM, "c@example.cn", "Chen", "a-good-passphrase")
    actor = Actor.of(users.get_user(cat, user.id))
    for new, why in (
        ("c@example.cn", "A password must not be your e-mail address or name."),
        ("1234567890123", "A password must not be only digits."),
    ):
        with pytest.raises(ValidationFailed) as info:
            accounts.change_password(cat, actor, "a-good-passphrase", new, new)
        assert info.value.messages == {"password": [why]}
    accounts.change_password(cat, actor, "a-good-passphrase", "another-passphrase", None)
    assert users.authenticate(cat, "c@example.cn", "another-passphrase") is not None


def test_reset_applies_the_policy(cat):
    user = users.create_user(cat, SYSTEM, "d@example.cn", "D", "a-good-passphrase")
    sent: list[str] = []

    def link(token: str) -> str:
        sent.append(token)
        return f"https://catalog.example/reset/{token}"

    accounts.request_password_reset(cat, "d@example.cn", link)
    with pytest.raises(ValidationFailed) as info:
        accounts.reset_password(cat, sent[0], "qwerty123456", "qwerty123456")
    assert info.value.messages == {"password": ["This password is too common. Choose another."]}
    assert accounts.reset_token_valid(cat, sent[0])  # a refused password leaves the link usable
    accounts.reset_password(cat, sent[0], "a-better-passphrase", "a-better-passphrase")
    assert users.authenticate(cat, "d@example.cn", "a-better-passphrase").id == user.id


def test_the_cli_refuses_a_weak_password(tmp_path, monkeypatch):
    monkeypatch.setenv("CATALOG_INSTANCE", str(tmp_path / "inst"))
    runner = CliRunner()
    assert runner.invoke(main, ["init"]).exit_code == 0
    args = ["users", "create", "--email", "ops@bureau.example.cn", "--name", "Ops"]
    weak = runner.invoke(main, [*args, "--password", "12345678"])
    assert weak.exit_code != 0 and "Shorter than minimum length 10." in weak.output
    weak = runner.invoke(main, [*args, "--password", "1234567890"])
    assert weak.exit_code != 0 and "only digits" in weak.output
    ok = runner.invoke(main, [*args, "--password", "ops-passphrase-7"])
    assert ok.exit_code == 0, ok.output


def test_end_sessions_moves_the_generation_on(cat):
    user = users.create_user(cat, SYSTEM, "e@example.cn", "E", "a-good-passphrase")
    assert users.get_user(cat, user.id).session_generation == 0
    users.end_sessions(cat, user.id)
    users.end_sessions(cat, user.id)
    with cat.session() as s:
        assert s.get(User, user.id).session_generation == 2


def _median_seconds(call, n: int = 7) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def test_an_unknown_email_takes_as_long_as_a_wrong_password(sqlite_cat):
    cat = sqlite_cat
    users.create_user(cat, SYSTEM, "known@example.cn", "K", "a-good-passphrase")
    users.authenticate(cat, "nobody@example.cn", "x")  # the dummy hash is made once
    known = _median_seconds(lambda: users.authenticate(cat, "known@example.cn", "wrong-pass"))
    unknown = _median_seconds(lambda: users.authenticate(cat, "nobody@example.cn", "wrong-pass"))
    # before: ~100 ms against ~1 ms; now both verify one scrypt hash of the same cost
    assert known > 0.01
    assert 0.6 < unknown / known < 1.6, (known, unknown)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    def load(cat) -> None:
        make_user(cat, "copied@ai.example.com")
        make_user(cat, "elsewhere@ai.example.com")

    with serve(tmp_path_factory.mktemp("accounts-security"), load) as (url, cat):
        yield url, cat


def test_a_copied_session_cookie_stops_working_after_sign_out(site):
    url, _cat = site
    browser = WebClient(url)
    browser.login("copied@ai.example.com", PASSWORD)
    thief = WebClient(url)
    thief.cookies.update(browser.cookies)  # the cookie, copied before sign-out
    assert thief.get_page("/account").url.endswith("/account")
    other_device = WebClient(url)
    other_device.login("copied@ai.example.com", PASSWORD)
    r = browser.submit("/logout", {}, form_page="/account")
    assert r.status_code == 200
    assert "/login" in thief.get_page("/account").url
    assert "/login" in browser.get_page("/account").url
    # signing out ends the account's sessions everywhere, the other device's too
    assert "/login" in other_device.get_page("/account").url
    # and signing in again works, with a fresh cookie
    again = WebClient(url)
    again.login("copied@ai.example.com", PASSWORD)
    assert again.get_page("/account").url.endswith("/account")
    assert "/login" in thief.get_page("/account").url


def test_pages_refuse_weak_passwords(site):
    url, _cat = site
    web = WebClient(url)
    r = web.submit(
        "/register",
        {
            "email": "weak@ai.example.com",
            "name": "弱",
            "password": "12345678",
            "password_confirm": "12345678",
        },
    )
    assert r.status_code == 422 and "长度不能少于 10。" in r.text
    r = web.submit(
        "/register",
        {
            "email": "weak@ai.example.com",
            "name": "弱",
            "password": "password1234",
            "password_confirm": "password1234",
        },
    )
    assert r.status_code == 422 and "此密码过于常见，请换一个。" in r.text
    web.login("elsewhere@ai.example.com", PASSWORD)
    r = web.submit(
        "/account/password",
        {
            "current_password": PASSWORD,
            "password": "elsewhere@ai.example.com",
            "password_confirm": "elsewhere@ai.example.com",
        },
        form_page="/account",
    )
    assert r.status_code == 422 and "密码不能与电子邮件地址或姓名相同。" in r.text
