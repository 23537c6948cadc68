"""Self-service accounts: registration confirmed by e-mail, password change and reset.

Nothing here may tell a stranger whether an address has an account, by its words or by
its time (issue 14): registration answers "check your e-mail" either way and mails either a
link that finishes it (``REGISTRATION_HOURS``) or, to an existing account, a notice;
a reset answers the same page either way. Both branches of each do the same work (hashing,
a token, one write) and queue their e-mail for after the answer (``mail_outbox``).

Links carry a random token whose SHA-256 alone is stored; they work once. A reset link
works for ``RESET_HOURS``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from marshmallow import ValidationError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from catalog.errors import CatalogError, ValidationFailed
from catalog.models import PasswordReset, PendingRegistration, User, utcnow
from catalog.services import audit, authz, mail_outbox, notices, passwords, users
from catalog.services.authz import ANONYMOUS, Actor

if TYPE_CHECKING:
    from catalog.context import Catalog

RESET_HOURS = 2
REGISTRATION_HOURS = 48
PENDING_KEPT_DAYS = 30
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


@dataclass(frozen=True)
class RegistrationLinks:
    """The addresses the registration e-mails carry (the web knows the site's address)."""

    confirm: Callable[[str], str]  # the link that finishes a registration, from its token
    sign_in: str
    reset: str


class RegistrationLinkError(CatalogError):
    """A confirmation link that cannot finish a registration: ``state`` is ``invalid``
    (never made, or replaced by a newer registration), ``expired`` or ``used``."""

    status = 410

    def __init__(self, state: str):
        super().__init__(f"registration link {state}")
        self.state = state


def _check_registration(email: str, name: str, password: str, confirm: str) -> dict:
    """The form's problems that do not depend on whether the address has an account."""
    errors: dict[str, list[str]] = {}
    values: dict = {}
    try:
        values = users.UserSchema().load(
            {"email": (email or "").strip(), "name": name, "password": password}
        )
    except ValidationError as exc:
        errors.update(exc.messages_dict)
    if confirm != password:
        errors["password_confirm"] = ["Passwords do not match."]
    if errors:
        raise ValidationFailed(errors)
    return values


def register(
    cat: Catalog,
    email: str,
    name: str,
    password: str,
    confirm: str,
    links: RegistrationLinks,
    address: str | None = None,
) -> str:
    """Start a registration; returns the normalized address the e-mail goes to.

    The answer must not tell whether the address has an account, by its words or by its
    time. Both branches hash the password, make and hash a token, write once and queue one
    e-mail (delivered after the answer, ``mail_outbox``): a new address gets a link that
    finishes the registration (``confirm_registration``), an address with an account a
    notice with links to sign in and to reset the password, and no account changes."""
    values = _check_registration(email, name, password, confirm)
    email_norm = users.normalize_email(values["email"])
    password_hash = generate_password_hash(password)
    token = secrets.token_urlsafe(32)
    digest = token_hash(token)
    site = cat.settings.site_name
    confirm_msg = notices.registration_confirm(
        site, email_norm, links.confirm(token), REGISTRATION_HOURS
    )
    exists_msg = notices.registration_exists(site, email_norm, links.sign_in, links.reset)
    for attempt in (1, 2):
        try:
            with cat.session() as s:
                user_id = _register_in(
                    s, email_norm, values["name"], password_hash, digest, address
                )
                mail_outbox.queue(s, exists_msg if user_id else confirm_msg)
            break
        except IntegrityError:
            # two registrations of one new address at once (PostgreSQL): the second
            # replaces the first, as it would have a moment later
            if attempt == 2:
                raise
    return email_norm


def _register_in(
    s: Session, email_norm: str, name: str, password_hash: str, digest: str, address: str | None
) -> str | None:
    """One write either way: a notice audited for an account, else the pending row."""
    now = utcnow()
    # registrations nobody finished go a month after their link ended (both branches)
    stale = now - timedelta(days=PENDING_KEPT_DAYS)
    s.execute(delete(PendingRegistration).where(PendingRegistration.expires_at < stale))
    user_id = users.exists(s, email_norm)
    pending = s.execute(
        select(PendingRegistration).where(PendingRegistration.email == email_norm)
    ).scalar_one_or_none()
    if user_id is not None:
        audit.record(s, ANONYMOUS, "user.register_existing", "user", user_id, address=address)
        return user_id
    if pending is None:
        pending = PendingRegistration(email=email_norm)
        s.add(pending)
    pending.name = name
    pending.password_hash = password_hash
    pending.token_hash = digest  # the older link, if any, stops working
    pending.created_at = now
    pending.expires_at = now + timedelta(hours=REGISTRATION_HOURS)
    pending.used_at = None
    return None


def confirm_registration(cat: Catalog, token: str) -> User:
    """Finish a registration from its e-mail link: the account is made (audited) and the
    link is used up, in one transaction."""
    with cat.session() as s:
        pending = s.execute(
            select(PendingRegistration).where(PendingRegistration.token_hash == token_hash(token))
        ).scalar_one_or_none()
        if pending is None:
            raise RegistrationLinkError("invalid")
        if pending.used_at is not None:
            raise RegistrationLinkError("used")
        if pending.expires_at < utcnow():
            raise RegistrationLinkError("expired")
        pending.used_at = utcnow()
        if users.exists(s, pending.email):  # made meanwhile by staff or the command
            raise RegistrationLinkError("used")
        return users.add_user(
            s,
            ANONYMOUS,
            pending.email,
            pending.name,
            pending.password_hash,
            data={"registered": "confirmed by e-mail"},
        )


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
    """Queue a reset link for ``email`` if it belongs to an active account. The return
    value (whether a message was queued) is for tests and logs, never for the page.

    Both branches make and hash a token, write once (the link and its audit event, or an
    audit event of the unknown address's hash) and leave the e-mail to be delivered after
    the answer (``mail_outbox``), so the answer takes as long either way."""
    email_norm = users.normalize_email(email)
    token = secrets.token_urlsafe(32)
    digest = token_hash(token)
    site = cat.settings.site_name
    msg = notices.password_reset(site, email_norm, make_link(token), RESET_HOURS)
    with cat.session() as s:
        # columns, not the entity: loading a User also loads its memberships, a query
        # only the known branch would make
        user = s.execute(
            select(User.id, User.role).where(User.email == email_norm, User.active.is_(True))
        ).one_or_none()
        if user is None:
            # the hash, not the address: people mistype theirs, and the log is not for them
            probe = hashlib.sha256(email_norm.encode("utf-8")).hexdigest()
            audit.record(s, ANONYMOUS, "user.reset_unknown", "email", probe, address=address)
            return False
        expires = utcnow() + timedelta(hours=RESET_HOURS)
        s.add(PasswordReset(user_id=user.id, token_hash=digest, expires_at=expires))
        audit.record(
            s, Actor(id=user.id, role=user.role), "user.reset_requested", "user", user.id,
            address=address,
        )  # fmt: skip
        mail_outbox.queue(s, msg)
    return True


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
