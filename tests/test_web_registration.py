"""Registration, sign-in and reset pages tell nothing about whether an address has an
account (issue 14, item 4), over a real socket on SQLite and PostgreSQL.

For each form the answers for an address with an account and one without are compared
whole: status, body (with the address and the CSRF token set aside) and the cookies set.
The confirmation mail is read where a development instance writes it (``<instance>/mail``,
no SMTP host), after the answer, as a person would open it."""

from __future__ import annotations

import re
import time
from email.message import EmailMessage

import pytest
from sqlalchemy import update

from catalog.models import PendingRegistration, utcnow
from tests.livesite import serve
from tests.portal import PASSWORD, folder_mail, make_user
from tests.webclient import WebClient

KNOWN = "known@ai.example.com"
LIMITS = {"login": [100, 300], "register": [100, 3600], "reset": [100, 900]}


@pytest.fixture
def site(tmp_path, database_url):
    def load(cat) -> None:
        make_user(cat, KNOWN, name="老用户")

    with serve(
        tmp_path / "instance", load, database_url=database_url, extra={"rate_limits": LIMITS}
    ) as (
        url,
        cat,
    ):
        yield url, cat


def wait_for_mail(cat, to: str, subject: str, seen: int = 0, timeout: float = 10) -> EmailMessage:
    """The newest message to ``to`` whose subject has ``subject``, beyond the first ``seen``
    such messages: mail goes out after the answer, so it may take a moment."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in folder_mail(cat) if m["To"] == to and subject in m["Subject"]]
        if len(found) > seen:
            return found[-1]
        assert time.monotonic() < deadline, f"no {subject!r} to {to}"
        time.sleep(0.05)


def link_in(msg: EmailMessage, part: str) -> str:
    return re.search(r"https?://\S*" + re.escape(part) + r"\S*", msg.get_content()).group(0)


def answer(url: str, path: str, data: dict, address: str) -> tuple[int, str, list[str]]:
    """What a fresh visitor sees after posting ``data``: status, the page with the echoed
    address and the CSRF token set aside, and the Set-Cookie headers without their values."""
    web = WebClient(url)
    r = web.submit(path, data, allow_redirects=False)
    body = r.text.replace(address, "ADDRESS")
    body = re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', body)
    cookies = [re.sub(r"=[^;]*", "=…", c, count=1) for c in r.raw.headers.getlist("Set-Cookie")]
    return r.status_code, body, sorted(cookies)


def test_known_and_unknown_addresses_get_the_same_answers(site) -> None:
    url, cat = site
    for lang in ("", "?lang=en"):
        form = {
            "name": "某人",
            "password": "a-fine-passphrase",
            "password_confirm": "a-fine-passphrase",
        }
        known = answer(url, "/register" + lang, {**form, "email": "Known@AI.example.com"}, KNOWN)
        new_address = f"new{lang and '-en'}@ai.example.com"
        unknown = answer(url, "/register" + lang, {**form, "email": new_address}, new_address)
        assert known[0] == unknown[0] == 200
        assert known == unknown
        assert 'id="register-sent"' in known[1] and "ADDRESS" in known[1]
        assert ("请查收邮件" if not lang else "Check your e-mail") in known[1]

        wrong = {"password": "not-the-password"}
        known = answer(url, "/login" + lang, {**wrong, "email": KNOWN}, KNOWN)
        unknown = answer(
            url,
            "/login" + lang,
            {**wrong, "email": "nobody@ai.example.com"},
            "nobody@ai.example.com",
        )
        assert known[0] == 401 and known == unknown

        known = answer(url, "/password/forgot" + lang, {"email": KNOWN}, KNOWN)
        unknown = answer(
            url,
            "/password/forgot" + lang,
            {"email": "nobody@ai.example.com"},
            "nobody@ai.example.com",
        )
        assert known[0] == 200 and known == unknown and 'id="reset-sent"' in known[1]
    # the owner of the account is told; the stranger's address gets its link
    notice = wait_for_mail(cat, KNOWN, "Someone tried to register with your address")
    assert link_in(notice, "/login").startswith(url) and link_in(notice, "/password/forgot")
    assert "/register/confirm/" in wait_for_mail(cat, "new@ai.example.com", "Confirm").get_content()
    wait_for_mail(cat, KNOWN, "Reset your password")
    assert not [m for m in folder_mail(cat) if m["To"] == "nobody@ai.example.com"]
    # and the account is as it was
    WebClient(url).login(KNOWN, PASSWORD)
    page = WebClient(url).submit("/login", {"email": KNOWN, "password": "a-fine-passphrase"})
    assert page.status_code == 401


def test_the_link_in_the_mail_makes_the_account_and_signs_in(site) -> None:
    url, cat = site
    web = WebClient(url)
    form = {
        "email": "Zhou@AI.example.com",
        "name": "周七",
        "password": "zhou-passphrase",
        "password_confirm": "zhou-passphrase",
        "next": "/openlist",
    }
    r = web.submit("/register", form)
    assert r.status_code == 200 and "zhou@ai.example.com" in r.text
    assert "/login" in web.get_page("/account").url  # no account, nobody signed in, yet
    link = link_in(wait_for_mail(cat, "zhou@ai.example.com", "Confirm"), "/register/confirm/")
    opened = web.get(link, timeout=10)
    assert opened.url.endswith("/openlist") and "账号已创建。欢迎您，周七。" in opened.text
    account = web.get_page("/account")
    assert account.url.endswith("/account") and "zhou@ai.example.com" in account.text
    again = WebClient(url).get(link + "&lang=en", timeout=10)
    assert again.status_code == 410 and 'id="link-used"' in again.text
    assert "The link was already used" in again.text
    WebClient(url).login("zhou@ai.example.com", "zhou-passphrase")


def test_replaced_and_expired_links_say_so(site) -> None:
    url, cat = site
    form = {"name": "吴八", "password": "wu-passphrase-1", "password_confirm": "wu-passphrase-1"}
    WebClient(url).submit("/register", {**form, "email": "wu@ai.example.com"})
    first = link_in(wait_for_mail(cat, "wu@ai.example.com", "Confirm"), "/register/confirm/")
    WebClient(url).submit("/register", {**form, "email": "wu@ai.example.com"})
    second = link_in(
        wait_for_mail(cat, "wu@ai.example.com", "Confirm", seen=1), "/register/confirm/"
    )
    assert first != second
    old = WebClient(url).get(first, timeout=10)
    assert old.status_code == 404 and "只有最新一封邮件中的链接有效" in old.text
    with cat.session() as s:
        s.execute(update(PendingRegistration).values(expires_at=utcnow()))
    late = WebClient(url).get(second, timeout=10)
    assert late.status_code == 410 and "链接已过期" in late.text and 'href="/register"' in late.text
    assert (
        "/login"
        in WebClient(url)
        .submit("/login", {"email": "wu@ai.example.com", "password": "wu-passphrase-1"})
        .url
    )


def test_form_errors_are_shown_at_once(site) -> None:
    url, cat = site
    for email in (KNOWN, "fresh@ai.example.com"):
        r = WebClient(url).submit(
            "/register",
            {
                "email": email,
                "name": "X",
                "password": "x-passphrase-1",
                "password_confirm": "other",
            },
        )
        assert r.status_code == 422 and "两次输入的密码不一致。" in r.text
    time.sleep(0.3)
    assert folder_mail(cat) == []
