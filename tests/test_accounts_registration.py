"""Registration confirmed by e-mail and e-mail queued for after the answer (issue 14,
item 4), as services on SQLite and PostgreSQL (the ``cat`` fixture).

A registration tells nothing about whether the address has an account: a new address gets
a link that finishes it, an existing one a notice, and in both the e-mail waits in
``mail_outbox`` until it is delivered."""

from __future__ import annotations

import dataclasses
import re
import socket
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from catalog.errors import ValidationFailed
from catalog.models import AuditEvent, MailOutbox, PendingRegistration, User, utcnow
from catalog.services import accounts, mail_outbox, users
from tests.portal import PASSWORD, folder_mail, make_user

LINKS = accounts.RegistrationLinks(
    confirm=lambda token: f"https://catalog.example/register/confirm/{token}",
    sign_in="https://catalog.example/login",
    reset="https://catalog.example/password/forgot",
)


def confirm_token(body: str) -> str:
    return re.search(r"/register/confirm/(\S+)", body).group(1)


def delivered(cat) -> list:
    mail_outbox.deliver_queued(cat)
    return folder_mail(cat)


def count(cat, model) -> int:
    with cat.session() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_new_address_gets_a_link_that_makes_the_account(cat) -> None:
    email = accounts.register(
        cat, " Wang@AI.example.com", "王五", "long-enough-1", "long-enough-1", LINKS
    )
    assert email == "wang@ai.example.com"
    with cat.session() as s:
        assert s.execute(select(User).where(User.email == email)).first() is None  # not yet
        pending = s.execute(select(PendingRegistration)).scalar_one()
        assert pending.password_hash.startswith("scrypt:") and "long-enough-1" not in str(
            pending.__dict__
        )
    assert count(cat, MailOutbox) == 1 and folder_mail(cat) == []  # queued, not sent yet
    [mail] = delivered(cat)
    assert count(cat, MailOutbox) == 0
    assert mail["To"] == email and "Confirm your registration" in mail["Subject"]
    assert "48" in mail.get_content()
    token = confirm_token(mail.get_content())
    with cat.session() as s:
        assert s.execute(select(PendingRegistration.token_hash)).scalar_one() == (
            accounts.token_hash(token)
        )
    user = accounts.confirm_registration(cat, token)
    assert user.email == email and user.name == "王五" and user.role == "user"
    assert users.authenticate(cat, email, "long-enough-1").id == user.id
    with cat.session() as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "user.create")).scalar_one()
        assert event.object_id == user.id and event.data["registered"] == "confirmed by e-mail"
    with pytest.raises(accounts.RegistrationLinkError) as err:
        accounts.confirm_registration(cat, token)
    assert err.value.state == "used"
    assert count(cat, User) == 1


def test_an_existing_address_gets_a_notice_and_nothing_changes(cat) -> None:
    make_user(cat, "li@ai.example.com", name="李四")
    with cat.session() as s:
        before = s.execute(select(User.name, User.password_hash)).one()
    email = accounts.register(
        cat, "LI@ai.example.com", "Impostor", "another-pass-2", "another-pass-2", LINKS,
        address="203.0.113.9",
    )  # fmt: skip
    assert email == "li@ai.example.com"
    [mail] = delivered(cat)
    assert mail["To"] == "li@ai.example.com"
    assert "Someone tried to register with your address" in mail["Subject"]
    body = mail.get_content()
    assert LINKS.sign_in in body and LINKS.reset in body and "/register/confirm/" not in body
    with cat.session() as s:
        assert s.execute(select(User.name, User.password_hash)).one() == before
        assert s.execute(select(func.count()).select_from(PendingRegistration)).scalar_one() == 0
        event = s.execute(
            select(AuditEvent).where(AuditEvent.action == "user.register_existing")
        ).scalar_one()
        assert event.address == "203.0.113.9" and event.actor_id is None
    assert users.authenticate(cat, "li@ai.example.com", PASSWORD) is not None
    assert users.authenticate(cat, "li@ai.example.com", "another-pass-2") is None


def test_form_errors_come_at_once_and_queue_nothing(cat) -> None:
    with pytest.raises(ValidationFailed) as err:
        accounts.register(cat, "not-mail", "", "short", "other", LINKS)
    assert set(err.value.messages) == {"email", "name", "password", "password_confirm"}
    assert err.value.localized("zh")["password_confirm"] == ["两次输入的密码不一致。"]
    make_user(cat, "known@ai.example.com")
    for address in ("known@ai.example.com", "unknown@ai.example.com"):  # the same either way
        with pytest.raises(ValidationFailed) as err:
            accounts.register(cat, address, "K", "password123", "password123", LINKS)
        assert err.value.messages == {"password": ["This password is too common. Choose another."]}
    assert count(cat, MailOutbox) == 0 and count(cat, PendingRegistration) == 0


def test_registering_again_replaces_the_older_link(cat) -> None:
    accounts.register(
        cat, "zhao@ai.example.com", "赵一", "first-passphrase", "first-passphrase", LINKS
    )
    first = confirm_token(delivered(cat)[-1].get_content())
    accounts.register(
        cat, "zhao@ai.example.com", "赵二", "second-passphrase", "second-passphrase", LINKS
    )
    second = confirm_token(delivered(cat)[-1].get_content())
    assert count(cat, PendingRegistration) == 1
    with pytest.raises(accounts.RegistrationLinkError) as err:
        accounts.confirm_registration(cat, first)
    assert err.value.state == "invalid"
    user = accounts.confirm_registration(cat, second)
    assert user.name == "赵二"
    assert users.authenticate(cat, "zhao@ai.example.com", "second-passphrase") is not None
    # once it is an account, registering again is the existing-address branch
    accounts.register(
        cat, "zhao@ai.example.com", "赵三", "third-passphrase", "third-passphrase", LINKS
    )
    assert "Someone tried to register" in delivered(cat)[-1]["Subject"]
    with pytest.raises(accounts.RegistrationLinkError) as err:
        accounts.confirm_registration(cat, second)
    assert err.value.state == "used"


def test_an_expired_link_makes_no_account(cat) -> None:
    accounts.register(cat, "old@ai.example.com", "Old", "long-enough-1", "long-enough-1", LINKS)
    token = confirm_token(delivered(cat)[-1].get_content())
    with cat.session() as s:
        s.execute(update(PendingRegistration).values(expires_at=utcnow() - timedelta(minutes=1)))
    with pytest.raises(accounts.RegistrationLinkError) as err:
        accounts.confirm_registration(cat, token)
    assert err.value.state == "expired"
    with pytest.raises(accounts.RegistrationLinkError) as err:
        accounts.confirm_registration(cat, "not-a-token")
    assert err.value.state == "invalid"
    assert count(cat, User) == 0


def test_a_reset_for_an_unknown_address_writes_as_much_and_sends_nothing(cat) -> None:
    make_user(cat, "known@ai.example.com")
    link = lambda token: f"https://catalog.example/password/reset/{token}"  # noqa: E731
    assert (
        accounts.request_password_reset(cat, "nobody@ai.example.com", link, "198.51.100.1") is False
    )
    assert (
        accounts.request_password_reset(cat, "known@ai.example.com", link, "198.51.100.1") is True
    )
    with cat.session() as s:
        actions = s.execute(select(AuditEvent.action, AuditEvent.object_type)).all()
        assert set(actions) == {("user.reset_unknown", "email"), ("user.reset_requested", "user")}
        probe = s.execute(
            select(AuditEvent.object_id).where(AuditEvent.action == "user.reset_unknown")
        ).scalar_one()
        assert "nobody" not in probe  # the address's hash, not the address
    assert count(cat, MailOutbox) == 1
    assert [m["To"] for m in delivered(cat)] == ["known@ai.example.com"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_message_the_server_refuses_stays_queued_with_its_error(cat) -> None:
    accounts.register(cat, "keep@ai.example.com", "K", "long-enough-1", "long-enough-1", LINKS)
    offline = cat.settings
    cat.settings = dataclasses.replace(offline, smtp_host="127.0.0.1", smtp_port=_closed_port())
    try:
        assert mail_outbox.deliver_queued(cat) == 0
    finally:
        cat.settings = offline
    with cat.session() as s:
        row = s.execute(select(MailOutbox)).scalar_one()
        assert row.attempts == 1 and row.last_error and row.claimed_until is None
        assert row.next_attempt_at > utcnow()  # waits before it tries again
    assert mail_outbox.deliver_queued(cat) == 0 and mail_outbox.waiting(cat) == 1
    with cat.session() as s:
        s.execute(update(MailOutbox).values(next_attempt_at=utcnow()))
    assert mail_outbox.deliver_queued(cat) == 1
    assert mail_outbox.waiting(cat) == 0 and folder_mail(cat)[-1]["To"] == "keep@ai.example.com"


def test_a_message_another_process_holds_is_not_sent_twice(cat) -> None:
    accounts.register(cat, "once@ai.example.com", "O", "long-enough-1", "long-enough-1", LINKS)
    with cat.session() as s:  # as a process that claimed it and is sending it now
        s.execute(update(MailOutbox).values(claimed_until=utcnow() + timedelta(seconds=60)))
    assert mail_outbox.deliver_queued(cat) == 0 and folder_mail(cat) == []
    with cat.session() as s:  # ... and died: its claim runs out, the message still goes
        s.execute(update(MailOutbox).values(claimed_until=utcnow() - timedelta(seconds=1)))
    assert mail_outbox.deliver_queued(cat) == 1 and len(folder_mail(cat)) == 1
    assert mail_outbox.deliver_queued(cat) == 0 and len(folder_mail(cat)) == 1


def test_registrations_nobody_finished_are_dropped_after_a_month(cat) -> None:
    accounts.register(cat, "gone@ai.example.com", "G", "long-enough-1", "long-enough-1", LINKS)
    accounts.register(cat, "recent@ai.example.com", "R", "long-enough-1", "long-enough-1", LINKS)
    with cat.session() as s:
        s.execute(
            update(PendingRegistration)
            .where(PendingRegistration.email == "gone@ai.example.com")
            .values(expires_at=utcnow() - timedelta(days=accounts.PENDING_KEPT_DAYS + 1))
        )
    accounts.register(cat, "next@ai.example.com", "N", "long-enough-1", "long-enough-1", LINKS)
    with cat.session() as s:
        emails = set(s.execute(select(PendingRegistration.email)).scalars())
    assert emails == {"recent@ai.example.com", "next@ai.example.com"}


def test_a_deactivated_account_gets_no_reset_link(cat) -> None:
    user = make_user(cat, "off@ai.example.com")
    with cat.session() as s:
        s.execute(update(User).where(User.id == user.id).values(active=False))
    link = lambda token: f"https://catalog.example/password/reset/{token}"  # noqa: E731
    assert accounts.request_password_reset(cat, "off@ai.example.com", link) is False
    assert mail_outbox.waiting(cat) == 0 and delivered(cat) == []
