"""User accounts and memberships. Passwords are stored only as salted scrypt hashes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from catalog.errors import NotFound, ValidationFailed
from catalog.models import Membership, User, utcnow
from catalog.services import audit, authz, passwords
from catalog.services.authz import Actor
from catalog.services.organizations import _get as _get_org

if TYPE_CHECKING:
    from catalog.context import Catalog

ROLES = ("user", "curator", "sysadmin")


class UserSchema(Schema):
    email = fields.Email(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = fields.String(required=True, load_only=True)
    role = fields.String(load_default="user", validate=validate.OneOf(ROLES))

    @validates("password")
    def _password_policy(self, value: str, **_kw: object) -> None:
        wrong = passwords.weaknesses(value)
        if wrong:
            raise ValidationError(wrong)

    @validates_schema
    def _password_not_own(self, data: dict, **_kw: object) -> None:
        wrong = passwords.likeness(data.get("password", ""), data.get("email"), data.get("name"))
        if wrong:
            raise ValidationError(wrong, "password")


def create_user(
    cat: Catalog, actor: Actor, email: str, name: str, password: str, role: str = "user"
) -> User:
    if role != "user":
        authz.require(actor.role == "sysadmin", "only a sysadmin may create staff accounts")
    try:
        values = UserSchema().load(
            {"email": email, "name": name, "password": password, "role": role}
        )
    except ValidationError as exc:
        raise ValidationFailed(exc.messages_dict) from None
    with cat.session() as s:
        email_norm = normalize_email(values["email"])
        if exists(s, email_norm):
            # said to staff and the command only: self-registration never asks this
            raise ValidationFailed({"email": ["An account with this e-mail exists."]})
        hashed = generate_password_hash(values["password"])
        return add_user(s, actor, email_norm, values["name"], hashed, values["role"])


def normalize_email(email: str | None) -> str:
    """The form accounts are stored and looked up in."""
    return (email or "").strip().lower()


def exists(s: Session, email_norm: str) -> str | None:
    """The id of the account with this (normalized) address, if there is one."""
    return s.execute(select(User.id).where(User.email == email_norm)).scalar_one_or_none()


def add_user(
    s: Session,
    actor: Actor,
    email_norm: str,
    name: str,
    password_hash: str,
    role: str = "user",
    data: dict | None = None,
) -> User:
    """Store an account whose input was checked and password already hashed, in the
    caller's transaction (a confirmed registration: in the one that uses its link up)."""
    user = User(email=email_norm, name=name, role=role, password_hash=password_hash)
    s.add(user)
    s.flush()
    audit.record(s, actor, "user.create", "user", user.id, data={"role": role, **(data or {})})
    return user


def authenticate(cat: Catalog, email: str, password: str) -> User | None:
    with cat.session() as s:
        user = s.execute(
            select(User).where(User.email == (email or "").strip().lower())
        ).scalar_one_or_none()
        if user is None:
            # as long as a wrong password for an account that exists: no timing tells
            passwords.spend_check_time(password)
            return None
        if not check_password_hash(user.password_hash, password or "") or not user.active:
            return None
        user.last_login_at = utcnow()
        return user


def end_sessions(cat: Catalog, user_id: str) -> None:
    """Every session of the account stops working (sign-out): the pages' session cookies
    carry the generation they were made in (``web/logins.py``), and this moves it on."""
    with cat.session() as s:
        user = s.get(User, user_id)
        if user is not None:
            user.session_generation = (user.session_generation or 0) + 1


def get_user(cat: Catalog, user_id: str) -> User | None:
    with cat.read_session() as s:  # every signed-in page asks: a read, never the write lock
        return s.get(User, user_id)


def add_member(
    cat: Catalog, actor: Actor, org_ref: str, user_id: str, role: str = "member"
) -> Membership:
    with cat.session() as s:
        org = _get_org(s, org_ref)
        authz.require(
            actor.is_curator or actor.admin_of(org.id), "only an organization admin may add members"
        )
        if s.get(User, user_id) is None:
            raise NotFound("user not found")
        m = s.execute(
            select(Membership).where(
                Membership.user_id == user_id, Membership.organization_id == org.id
            )
        ).scalar_one_or_none()
        if m is None:
            m = Membership(user_id=user_id, organization_id=org.id, role=role)
            s.add(m)
        m.role = role
        audit.record(
            s, actor, "membership.set", "organization", org.id, data={"user": user_id, "role": role}
        )
    return m
