"""Self-service accounts: registration, password change and password reset by e-mail.

A reset link carries a random token whose SHA-256 alone is stored; it works once and for
``RESET_HOURS``. Asking for a reset says nothing about whether the address has an account
(the page shows the same answer either way), so the form cannot be used to probe for users.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from marshmallow import ValidationError
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from catalog.errors import ValidationFailed
from catalog.models import PasswordReset, User, utcnow
from catalog.services import audit, authz, mail, notices, passwords, users
from catalog.services.authz import ANONYMOUS, Actor

if TYPE_CHECKING:
    from catalog.context import Catalog

RESET_HOURS = 2
MIN_PASSWORD = passwords.MIN_LENGTH


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_new_password(
    password: str, confirm: str | None, user: User, field: str = "password"
) -> None:
    errors: dict[str, list[str]] = {}
    wrong = passwords.problems(password, user.email, user.name)
    if wrong:
        errors[field] = wrong
    if confirm is not None and confirm != password:
        errors[f"{field}_confirm"] = ["Passwords do not match."]
    if errors:
        raise ValidationFailed(errors)


def register(cat: Catalog, email: str, name: str, password: str, confirm: str) -> User:
    """A new registered user (an AI firm, a researcher, a future partner member)."""
    errors: dict[str, list[str]] = {}
    try:
        users.UserSchema().load({"email": email, "name": name, "password": password})
    except ValidationError as exc:
        errors.update(exc.messages_dict)
    if confirm != password:
        errors["password_confirm"] = ["Passwords do not match."]
    if errors:
        raise ValidationFailed(errors)
    return users.create_user(cat, ANONYMOUS, email, name, password, "user")


def change_password(cat: Catalog, actor: Actor, current: str, new: str, confirm: str) -> None:
    authz.require_signed_in(actor)
    with cat.session() as s:
        user = s.get(User, actor.id)
        if user is None or not check_password_hash(user.password_hash, current or ""):
            raise ValidationFailed({"current_password": ["The current password is wrong."]})
        _check_new_password(new, confirm, user)
        user.password_hash = generate_password_hash(new)
        audit.record(s, actor, "user.password", "user", user.id)


def request_password_reset(
    cat: Catalog,
    email: str,
    make_link: Callable[[str], str],
    address: str | None = None,
) -> bool:
    """E-mail a reset link if ``email`` belongs to an active account. The return value
    (whether a message went out) is for tests and logs, never for the page."""
    with cat.session() as s:
        user = s.execute(
            select(User).where(User.email == (email or "").strip().lower())
        ).scalar_one_or_none()
        if user is None or not user.active:
            return False
        token = secrets.token_urlsafe(32)
        s.add(
            PasswordReset(
                user_id=user.id,
                token_hash=token_hash(token),
                expires_at=utcnow() + timedelta(hours=RESET_HOURS),
            )
        )
        audit.record(
            s,
            Actor(id=user.id, role=user.role),
            "user.reset_requested",
            "user",
            user.id,
            address=address,
        )
        to = user.email
    settings = cat.settings
    site = settings.site_name
    return mail.send(settings, notices.password_reset(site, to, make_link(token), RESET_HOURS))


def _live_reset(s, token: str) -> PasswordReset | None:
    row = s.execute(
        select(PasswordReset).where(PasswordReset.token_hash == token_hash(token or ""))
    ).scalar_one_or_none()
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        return None
    return row


def reset_token_valid(cat: Catalog, token: str) -> bool:
    with cat.session() as s:
        return _live_reset(s, token) is not None


def reset_password(cat: Catalog, token: str, password: str, confirm: str) -> User:
    """Set a new password from a reset link; the link and any other open ones stop working."""
    with cat.session() as s:
        row = _live_reset(s, token)
        if row is None:
            raise ValidationFailed({"token": ["This link is invalid or has expired."]})
        user = s.get(User, row.user_id)
        _check_new_password(password, confirm, user)
        user.password_hash = generate_password_hash(password)
        now = utcnow()
        s.execute(
            update(PasswordReset)
            .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
            .values(used_at=now)
        )
        audit.record(s, Actor(id=user.id, role=user.role), "user.password_reset", "user", user.id)
        return user
