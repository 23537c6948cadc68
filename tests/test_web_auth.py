"""Accounts over a real socket: registration (confirmed by e-mail), sign-in and out, CSRF on every form, rate
limits, password reset through a real SMTP server (aiosmtpd), personal API tokens."""

from __future__ import annotations

import re

import pytest
import requests

from tests.livesite import load_small_catalog, serve
from tests.mailserver import link_in, smtp_server
from tests.portal import PASSWORD, make_user
from tests.webclient import WebClient


def _load(cat) -> None:
    load_small_catalog(cat)
    make_user(cat, "reader@ai.example.com", name="读者")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with (
        smtp_server() as (inbox, port),
        serve(
            tmp_path_factory.mktemp("web-auth"),
            _load,
            smtp_host="127.0.0.1",
            smtp_port=port,
            mail_from="noreply@catalog.example",
        ) as (url, cat),
    ):
        yield url, cat, inbox


def test_registration_shows_errors_in_chinese_and_keeps_input(site) -> None:
    url, _cat, _inbox = site
    web = WebClient(url)
    r = web.submit(
        "/register",
        {"email": "not-an-email", "name": "赵六", "password": "short", "password_confirm": "other"},
    )
    assert r.status_code == 422
    assert "不是有效的电子邮件地址。" in r.text
    assert "两次输入的密码不一致。" in r.text and "长度不能少于 10。" in r.text
    assert 'value="not-an-email"' in r.text and 'value="赵六"' in r.text
    assert "short" not in r.text  # passwords are never echoed
    r = web.submit(
        "/register?lang=en",
        {
            "email": "x@",
            "name": "Zhao",
            "password": "long-enough-1",
            "password_confirm": "long-enough-1",
        },
    )
    assert "Not a valid email address." in r.text and 'value="Zhao"' in r.text


def test_register_sign_out_and_in(site) -> None:
    url, _cat, inbox = site
    web = WebClient(url)
    r = web.submit(
        "/register",
        {
            "email": "New.User@AI.example.com",
            "name": "新用户",
            "password": "long-enough-1",
            "password_confirm": "long-enough-1",
        },
    )
    assert r.status_code == 200 and "new.user@ai.example.com" in r.text and "请查收邮件" in r.text
    mail = inbox.wait_for("new.user@ai.example.com", lambda m: "Confirm" in m["Subject"])
    r = web.get(link_in(mail, "/register/confirm/"), timeout=10)
    assert r.url.endswith("/account") and "账号已创建" in r.text
    assert "new.user@ai.example.com" in r.text and "注册用户" in r.text
    r = web.submit("/logout", {}, form_page="/account")
    assert r.url.endswith("/") and "登录" in r.text
    assert web.get_page("/account").url.endswith("/login?next=%2Faccount")
    bad = web.submit("/login", {"email": "new.user@ai.example.com", "password": "wrong-one"})
    assert bad.status_code == 401 and "电子邮件地址或密码不正确。" in bad.text
    assert 'value="new.user@ai.example.com"' in bad.text
    ok = web.submit(
        "/login",
        {"email": "new.user@ai.example.com", "password": "long-enough-1", "next": "/openlist"},
    )
    assert ok.url.endswith("/openlist")
    # a next= pointing elsewhere is ignored
    web.submit("/logout", {}, form_page="/")
    away = web.submit(
        "/login",
        {
            "email": "new.user@ai.example.com",
            "password": "long-enough-1",
            "next": "//evil.example/",
        },
    )
    assert away.url.startswith(url) and "evil" not in away.url


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/login", {"email": "reader@ai.example.com", "password": PASSWORD}),
        (
            "/register",
            {
                "email": "c@ai.example.com",
                "name": "C",
                "password": "rate-limit-pass-9",
                "password_confirm": "rate-limit-pass-9",
            },
        ),
        ("/password/forgot", {"email": "reader@ai.example.com"}),
        ("/partners/apply", {"title": "某公司"}),
        ("/account/tokens", {"name": "t"}),
        ("/curation/openlist/publish", {}),
        ("/logout", {}),
    ],
)
def test_forms_without_a_csrf_token_are_refused(site, path, data) -> None:
    url, _cat, _inbox = site
    web = WebClient(url)
    web.login("reader@ai.example.com", PASSWORD)
    r = web.submit(path, data, csrf=False)
    assert r.status_code == 400, (path, r.status_code)
    assert "表单无法受理" in r.text
    wrong = web.submit(path, {**data, "csrf_token": "forged"}, csrf=False)
    assert wrong.status_code == 400
    assert "/account" in web.get_page("/account").url  # still signed in: logout was refused


def test_password_reset_through_smtp(site) -> None:
    url, _cat, inbox = site
    web = WebClient(url)
    r = web.submit("/password/forgot", {"email": "reader@ai.example.com"})
    assert r.status_code == 200 and 'id="reset-sent"' in r.text
    unknown = web.submit("/password/forgot", {"email": "nobody@ai.example.com"})
    assert re.sub(r'value="[^"]*"', "", unknown.text) == re.sub(r'value="[^"]*"', "", r.text)
    msg = inbox.wait_for("reader@ai.example.com", lambda m: "Reset your password" in m["Subject"])
    assert msg["From"].addresses[0].addr_spec == "noreply@catalog.example"
    link = link_in(msg, "/password/reset/")
    assert link.startswith(url)
    page = web.get(link, timeout=10)
    assert "设置新密码" in page.text
    path = link[len(url) :]
    r = web.submit(path, {"password": "brand-new-pass", "password_confirm": "not-the-same"})
    assert r.status_code == 422 and "两次输入的密码不一致。" in r.text
    r = web.submit(path, {"password": "brand-new-pass", "password_confirm": "brand-new-pass"})
    assert r.url.endswith("/login") and "密码已修改" in r.text
    used = web.get(link, timeout=10)
    assert "该链接无效或已过期。" in used.text
    WebClient(url).login("reader@ai.example.com", "brand-new-pass")
    assert inbox.count_to("nobody@ai.example.com") == 0


def test_password_change_ends_other_sessions(site) -> None:
    url, cat, _inbox = site
    make_user(cat, "twice@ai.example.com")
    laptop, phone = WebClient(url), WebClient(url)
    laptop.login("twice@ai.example.com", PASSWORD)
    phone.login("twice@ai.example.com", PASSWORD)
    r = laptop.submit(
        "/account/password",
        {
            "current_password": "wrong",
            "password": "another-pass-1",
            "password_confirm": "another-pass-1",
        },
        form_page="/account",
    )
    assert r.status_code == 422 and "当前密码不正确。" in r.text
    r = laptop.submit(
        "/account/password",
        {
            "current_password": PASSWORD,
            "password": "another-pass-1",
            "password_confirm": "another-pass-1",
        },
        form_page="/account",
    )
    assert r.url.endswith("/account") and "密码已修改。" in r.text
    assert laptop.get_page("/account").url.endswith("/account")
    assert "/login" in phone.get_page("/account").url


def test_tokens_are_shown_once_work_and_can_be_revoked(site) -> None:
    url, _cat, _inbox = site
    make_user(_cat, "dev@ai.example.com")
    web = WebClient(url)
    web.login("dev@ai.example.com", PASSWORD)
    r = web.submit("/account/tokens", {"name": ""})
    assert r.status_code == 422 and "请为令牌起一个名称。" in r.text
    r = web.submit("/account/tokens", {"name": "训练流水线"})
    assert r.status_code == 201 and r.headers["Cache-Control"] == "no-store"
    token = re.search(r'<code id="new-token" class="token">([^<]+)</code>', r.text).group(1)
    listing = web.get_page("/account/tokens").text
    assert token not in listing and token[:12] in listing and "训练流水线" in listing
    api = requests.get(
        f"{url}/api/v1/access-requests", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert api.status_code == 200
    token_id = re.search(r"/account/tokens/(\d+)/revoke", listing).group(1)
    r = web.submit(f"/account/tokens/{token_id}/revoke", {}, form_page="/account/tokens")
    assert "令牌已吊销" in r.text
    api = requests.get(
        f"{url}/api/v1/access-requests", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert api.status_code == 401


def test_another_users_token_cannot_be_revoked(site) -> None:
    url, cat, _inbox = site
    make_user(cat, "owner@ai.example.com")
    make_user(cat, "thief@ai.example.com")
    owner, thief = WebClient(url), WebClient(url)
    owner.login("owner@ai.example.com", PASSWORD)
    thief.login("thief@ai.example.com", PASSWORD)
    r = owner.submit("/account/tokens", {"name": "mine"})
    token = re.search(r'id="new-token" class="token">([^<]+)<', r.text).group(1)
    token_id = re.search(r"/account/tokens/(\d+)/revoke", r.text).group(1)
    r = thief.submit(f"/account/tokens/{token_id}/revoke", {}, form_page="/account/tokens")
    assert r.status_code == 404
    api = requests.get(
        f"{url}/api/v1/access-requests", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert api.status_code == 200


def test_sign_in_and_registration_are_rate_limited(tmp_path) -> None:
    limits = {"login": [3, 300], "register": [2, 3600], "reset": [1, 900]}
    with serve(
        tmp_path, lambda cat: make_user(cat, "u@ai.example.com"), extra={"rate_limits": limits}
    ) as (url, _cat):
        web = WebClient(url)
        for _ in range(3):
            assert (
                web.submit("/login", {"email": "u@ai.example.com", "password": "nope"}).status_code
                == 401
            )
        r = web.submit("/login", {"email": "u@ai.example.com", "password": PASSWORD})
        assert r.status_code == 429 and "尝试次数过多" in r.text  # even the right password waits
        for i in range(2):
            r = web.submit(
                "/register",
                {
                    "email": f"n{i}@ai.example.com",
                    "name": "N",
                    "password": "rate-limit-pass-9",
                    "password_confirm": "rate-limit-pass-9",
                },
            )
            assert r.status_code == 200 and 'id="register-sent"' in r.text
        r = web.submit(
            "/register?lang=en",
            {
                "email": "n9@ai.example.com",
                "name": "N",
                "password": "rate-limit-pass-9",
                "password_confirm": "rate-limit-pass-9",
            },
        )
        assert r.status_code == 429 and "Too many attempts" in r.text
        assert web.submit("/password/forgot", {"email": "u@ai.example.com"}).status_code == 200
        assert web.submit("/password/forgot", {"email": "u@ai.example.com"}).status_code == 429


def test_rate_limits_hold_across_worker_processes(tmp_path) -> None:
    """Before: each process counted on its own, so two workers allowed twice the attempts.
    Two servers in their own processes on one catalog share one count (in the database)."""
    import json

    from catalog.context import open_catalog
    from tests.livesite import serve_process

    (tmp_path / "settings.json").write_text(
        json.dumps({"extra": {"rate_limits": {"login": [4, 300]}}}), encoding="utf-8"
    )
    cat = open_catalog(instance_path=tmp_path)
    try:
        cat.migrate()
        cat.create_index_if_missing()
        make_user(cat, "u@ai.example.com")
    finally:
        cat.dispose()
    with serve_process(tmp_path) as (url_a, _a), serve_process(tmp_path) as (url_b, _b):
        a, b = WebClient(url_a), WebClient(url_b)
        wrong = {"email": "u@ai.example.com", "password": "nope"}
        assert a.submit("/login", wrong).status_code == 401
        assert b.submit("/login", wrong).status_code == 401
        assert a.submit("/login", wrong).status_code == 401
        assert b.submit("/login", wrong).status_code == 401
        # 4 failures in all: either process now refuses, even the right password
        for client in (a, b):
            right = {"email": "u@ai.example.com", "password": PASSWORD}
            r = client.submit("/login", right)
            assert r.status_code == 429 and "尝试次数过多" in r.text
        # and a restart does not forget them
    with serve_process(tmp_path) as (url_c, _c):
        r = WebClient(url_c).submit("/login", {"email": "u@ai.example.com", "password": PASSWORD})
        assert r.status_code == 429
