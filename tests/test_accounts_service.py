"""Registration, password change and reset by e-mail, personal API tokens (services)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from catalog.errors import PermissionDenied, ValidationFailed
from catalog.models import PasswordReset, utcnow
from catalog.services import accounts, mail_outbox, tokens, users
from catalog.services.authz import ANONYMOUS
from tests.portal import PASSWORD, actor, folder_mail, make_user


def reset_link(token: str) -> str:
    return f"https://catalog.example/password/reset/{token}"


def token_in(body: str) -> str:
    return re.search(r"/password/reset/(\S+)", body).group(1)


def test_password_reset_by_mail_works_once(sqlite_cat) -> None:
    cat = sqlite_cat
    user = make_user(cat, "li@ai.example.com")
    assert accounts.request_password_reset(cat, "nobody@ai.example.com", reset_link) is False
    assert folder_mail(cat) == []  # nothing tells whether an address has an account
    assert accounts.request_password_reset(cat, " LI@ai.example.com ", reset_link) is True
    assert folder_mail(cat) == []  # queued: it goes out after the answer
    assert mail_outbox.deliver_queued(cat) == 1
    mail = folder_mail(cat)[-1]
    assert mail["To"] == "li@ai.example.com" and "Reset your password" in mail["Subject"]
    token = token_in(mail.get_content())
    with cat.session() as s:
        assert s.execute(select(PasswordReset.token_hash)).scalar_one() == accounts.token_hash(
            token
        )
    assert accounts.reset_token_valid(cat, token)
    with pytest.raises(ValidationFailed) as err:
        accounts.reset_password(cat, token, "new-password-1", "different")
    assert "password_confirm" in err.value.messages
    accounts.reset_password(cat, token, "new-password-1", "new-password-1")
    assert users.authenticate(cat, user.email, "new-password-1") is not None
    assert users.authenticate(cat, user.email, PASSWORD) is None
    with pytest.raises(ValidationFailed) as err:
        accounts.reset_password(cat, token, "again-password-2", "again-password-2")
    assert err.value.messages == {"token": ["This link is invalid or has expired."]}


def test_expired_reset_link_fails(sqlite_cat) -> None:
    cat = sqlite_cat
    make_user(cat, "old@ai.example.com")
    accounts.request_password_reset(cat, "old@ai.example.com", reset_link)
    mail_outbox.deliver_queued(cat)
    token = token_in(folder_mail(cat)[-1].get_content())
    with cat.session() as s:
        s.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(minutes=1)))
    assert not accounts.reset_token_valid(cat, token)
    with pytest.raises(ValidationFailed):
        accounts.reset_password(cat, token, "new-password-1", "new-password-1")


def test_change_password_needs_the_current_one(sqlite_cat) -> None:
    cat = sqlite_cat
    user = make_user(cat, "zhao@ai.example.com")
    me = actor(cat, user)
    with pytest.raises(ValidationFailed) as err:
        accounts.change_password(cat, me, "wrong", "new-password-1", "new-password-1")
    assert err.value.localized("en") == {"current_password": ["The current password is wrong."]}
    accounts.change_password(cat, me, PASSWORD, "new-password-1", "new-password-1")
    assert users.authenticate(cat, user.email, "new-password-1") is not None
    with pytest.raises(PermissionDenied):
        accounts.change_password(cat, ANONYMOUS, PASSWORD, "x" * 9, "x" * 9)


def test_tokens_are_listed_without_their_secret_and_revoked(sqlite_cat) -> None:
    cat = sqlite_cat
    me = actor(cat, make_user(cat, "dev@ai.example.com"))
    other = actor(cat, make_user(cat, "else@ai.example.com"))
    plain, tok = tokens.create_token(cat, me, "notebook")
    listed = tokens.list_tokens(cat, me)
    assert [t.name for t in listed] == ["notebook"] and listed[0].prefix == plain[:12]
    assert plain not in {t.token_hash for t in listed}
    assert tokens.list_tokens(cat, other) == []
    assert tokens.user_for_token(cat, plain).id == me.id
    tokens.revoke_token(cat, me, tok.id)
    assert tokens.user_for_token(cat, plain) is None
    with pytest.raises(PermissionDenied):
        tokens.list_tokens(cat, ANONYMOUS)
