"""Data partners (数据合伙人): applications, the bureau's decisions, members and invitations.

An enterprise, university, research institute or third-party body applies with its names
in Chinese and English, its unified social credit code (GB 32100, check character
verified), a contact, a description and the fields its data covers. The applicant becomes
the organization's first admin. Curators verify or reject with a reason and the admins are
told by e-mail. Admins then invite people (an existing account joins at once; anyone else
gets an invitation link by e-mail) and remove members or change their roles; an
organization always keeps at least one admin.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from marshmallow import ValidationError
from sqlalchemy import func, select

from catalog.errors import Conflict, NotFound, ValidationFailed
from catalog.models import Invitation, Membership, Organization, User, utcnow
from catalog.services import audit, authz, mail, names, notices, organizations
from catalog.services.accounts import token_hash
from catalog.services.authz import Actor
from schemas.organization import OrganizationSchema

APPLY_TYPES = ("enterprise", "university", "research_institute", "third_party")
APPLY_FIELDS = (
    "title",
    "title_en",
    "org_type",
    "credit_code",
    "contact_name",
    "contact_email",
    "contact_phone",
    "homepage",
    "region",
    "description",
    "description_en",
    "fields_of_data",
)
REQUIRED = (
    "title",
    "title_en",
    "org_type",
    "credit_code",
    "contact_name",
    "contact_email",
    "description",
)
PROFILE_FIELDS = (
    "title_en",
    "contact_name",
    "contact_email",
    "contact_phone",
    "homepage",
    "region",
    "description",
    "description_en",
    "fields_of_data",
)

if TYPE_CHECKING:
    from catalog.context import Catalog
MEMBER_ROLES = ("member", "admin")
INVITATION_DAYS = 14
DECISIONS = ("verified", "rejected", "suspended")


@dataclass(frozen=True)
class MemberRow:
    user_id: str
    name: str
    email: str
    role: str
    since: datetime


def _clean(data: dict, allowed: tuple[str, ...]) -> dict:
    """Form input as the schema wants it: known fields, trimmed, empty text as None."""
    out: dict = {}
    for key in allowed:
        if key not in data:
            continue
        value = data[key]
        if isinstance(value, str):
            value = value.strip() or None
        out[key] = value
    if out.get("credit_code"):
        out["credit_code"] = re.sub(r"\s+", "", out["credit_code"]).upper()
    if "fields_of_data" in out and out["fields_of_data"] is None:
        out["fields_of_data"] = []
    return out


def _load_application(data: dict) -> dict:
    values = _clean(data, APPLY_FIELDS)
    errors: dict[str, list[str]] = {}
    for key in REQUIRED:
        if not values.get(key):
            errors[key] = ["Missing data for required field."]
    if values.get("org_type") and values["org_type"] not in APPLY_TYPES:
        errors["org_type"] = [f"Must be one of: {', '.join(APPLY_TYPES)}."]
    try:
        loaded = OrganizationSchema().load({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        loaded = {}
        for key, msgs in exc.messages_dict.items():
            errors.setdefault(key, msgs if isinstance(msgs, list) else [str(msgs)])
    if errors:
        raise ValidationFailed(errors)
    return loaded


def _unique_org_name(session, title_en: str, title: str | None = None) -> str:
    """The applicant's address: its English name, else the pinyin of its name."""
    return names.unique(session, Organization, names.organization_base(title_en, title))


def _staff_emails(session) -> list[str]:
    return list(
        session.execute(
            select(User.email).where(User.role.in_(("curator", "sysadmin")), User.active.is_(True))
        ).scalars()
    )


def _admin_emails(session, org: Organization) -> list[str]:
    emails = list(
        session.execute(
            select(User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organization_id == org.id, Membership.role == "admin")
        ).scalars()
    )
    return emails or ([org.contact_email] if org.contact_email else [])


def apply(
    cat: Catalog,
    actor: Actor,
    data: dict,
    review_link: Callable[[str], str] | None = None,
) -> Organization:
    """A signed-in person applies for their organization; they become its first admin."""
    authz.require_signed_in(actor)
    values = _load_application(data)
    with cat.session() as s:
        clash = s.execute(
            select(Organization.id).where(Organization.credit_code == values["credit_code"])
        ).first()
        if clash:
            raise ValidationFailed(
                {"credit_code": ["An organization with this name or credit code exists."]}
            )
        values["name"] = _unique_org_name(s, values["title_en"], values.get("title"))
        org = Organization(**values, partner_status="applied")
        s.add(org)
        s.flush()
        s.add(Membership(user_id=actor.id, organization_id=org.id, role="admin"))
        audit.record(
            s,
            actor,
            "partner.applied",
            "organization",
            org.id,
            data={"from": None, "to": "applied"},
        )
        staff = _staff_emails(s)
    if review_link and staff:
        mail.send(cat.settings, notices.partner_applied(staff, org.title, review_link(org.name)))
    return org


def reapply(cat: Catalog, actor: Actor, ref: str, data: dict) -> Organization:
    """A rejected applicant corrects its application and applies again (admins only)."""
    with cat.session() as s:
        org = organizations._get(s, ref)
        authz.require_org_admin(actor, org.id)
        if org.partner_status != "rejected":
            raise Conflict(f"cannot apply again from {org.partner_status}")
        values = _load_application({**_application_of(org), **data})
        if (
            values["credit_code"] != org.credit_code
            and s.execute(
                select(Organization.id).where(
                    Organization.credit_code == values["credit_code"], Organization.id != org.id
                )
            ).first()
        ):
            raise ValidationFailed(
                {"credit_code": ["An organization with this name or credit code exists."]}
            )
        for key, value in values.items():
            setattr(org, key, value)
        org.partner_status = "applied"
        audit.record(s, actor, "partner.applied", "organization", org.id, data={"from": "rejected"})
        return org


def _application_of(org: Organization) -> dict:
    return {k: getattr(org, k) for k in APPLY_FIELDS}


def update_profile(cat: Catalog, actor: Actor, ref: str, data: dict) -> Organization:
    """Admins keep the organization's description and contact up to date. The names and
    the credit code are what the bureau verified: only curators change those."""
    allowed = PROFILE_FIELDS + (("title", "credit_code", "org_type") if actor.is_curator else ())
    values = _clean(data, allowed)
    try:
        loaded = OrganizationSchema(partial=True).load(
            {k: v for k, v in values.items() if v is not None}
        )
    except ValidationError as exc:
        raise ValidationFailed(exc.messages_dict) from None
    with cat.session() as s:
        org = organizations._get(s, ref)
        authz.require_org_admin(actor, org.id)
        for key in values:
            setattr(org, key, loaded.get(key))
        audit.record(
            s, actor, "organization.update", "organization", org.id, data={"fields": sorted(values)}
        )
        return org


def decide(
    cat: Catalog,
    actor: Actor,
    ref: str,
    status: str,
    note: str | None,
    link: Callable[[str], str] | None = None,
) -> tuple[Organization, bool]:
    """A curator verifies, rejects or suspends a partner; the admins are told by e-mail.
    Returns the organization and whether the e-mail went out."""
    authz.require_curator(actor)
    if status not in DECISIONS:
        raise ValidationFailed({"status": [f"Must be one of: {', '.join(DECISIONS)}."]})
    note = (note or "").strip() or None
    if status in ("rejected", "suspended") and not note:
        raise ValidationFailed({"note": ["Give a reason."]})
    org = organizations.set_partner_status(cat, actor, ref, status, note)
    with cat.session() as s:
        to = _admin_emails(s, s.get(Organization, org.id))
    sent = False
    if link:
        sent = mail.send(
            cat.settings,
            notices.partner_decision(to, org.title, status, note, link(org.name)),
        )
    return org, sent


def pending_applications(cat: Catalog, actor: Actor) -> list[tuple[Organization, datetime | None]]:
    """Applications waiting for the bureau, oldest first, with when they were made."""
    from catalog.models import AuditEvent

    authz.require_curator(actor)
    with cat.session() as s:
        orgs = list(
            s.execute(
                select(Organization).where(Organization.partner_status == "applied")
            ).scalars()
        )
        since = dict(
            s.execute(
                select(AuditEvent.object_id, func.max(AuditEvent.at))
                .where(
                    AuditEvent.action == "partner.applied",
                    AuditEvent.object_id.in_([o.id for o in orgs]),
                )
                .group_by(AuditEvent.object_id)
            ).all()
        )
    rows = [(o, since.get(o.id) or o.created_at) for o in orgs]
    return sorted(rows, key=lambda r: r[1])


def list_partners(cat: Catalog) -> list[tuple[Organization, int]]:
    """Verified partners with their count of published datasets (the public partner list)."""
    return [
        (org, n)
        for org, n in organizations.list_organizations(cat)
        if org.partner_status == "verified"
    ]


def my_organizations(cat: Catalog, actor: Actor) -> list[tuple[Organization, str]]:
    """The actor's organizations with their role in each."""
    if not actor.org_roles:
        return []
    with cat.session() as s:
        orgs = s.execute(
            select(Organization)
            .where(Organization.id.in_(list(actor.org_roles)))
            .order_by(Organization.title)
        ).scalars()
        return [(o, actor.org_roles[o.id]) for o in orgs]


# -- members ---------------------------------------------------------------------------------
def members(cat: Catalog, actor: Actor, ref: str) -> tuple[list[MemberRow], list[Invitation]]:
    """Members (for members and curators) and open invitations (for admins and curators)."""
    with cat.session() as s:
        org = organizations._get(s, ref)
        authz.require(
            actor.is_curator or actor.member_of(org.id), "only members see the member list"
        )
        rows = [
            MemberRow(u.id, u.name, u.email, m.role, m.created_at)
            for m, u in s.execute(
                select(Membership, User)
                .join(User, User.id == Membership.user_id)
                .where(Membership.organization_id == org.id)
                .order_by(Membership.role, User.name)
            ).all()
        ]
        invites: list[Invitation] = []
        if authz.can_manage_organization(actor, org.id):
            invites = list(
                s.execute(
                    select(Invitation)
                    .where(
                        Invitation.organization_id == org.id,
                        Invitation.accepted_at.is_(None),
                        Invitation.revoked_at.is_(None),
                        Invitation.expires_at > utcnow(),
                    )
                    .order_by(Invitation.created_at)
                ).scalars()
            )
        return rows, invites


def _check_role(role: str) -> None:
    if role not in MEMBER_ROLES:
        raise ValidationFailed({"role": [f"Must be one of: {', '.join(MEMBER_ROLES)}."]})


def invite(
    cat: Catalog,
    actor: Actor,
    ref: str,
    email: str,
    role: str,
    accept_link: Callable[[str], str],
    org_link: Callable[[str], str],
) -> str:
    """Add the account with this e-mail at once, or e-mail an invitation to register.
    Returns ``"added"`` or ``"invited"``."""
    _check_role(role)
    email = (email or "").strip().lower()
    try:
        from marshmallow import fields

        fields.Email().deserialize(email)
    except ValidationError as exc:
        raise ValidationFailed({"email": exc.messages}) from None
    with cat.session() as s:
        org = organizations._get(s, ref)
        authz.require_org_admin(actor, org.id)
        user = s.execute(select(User).where(User.email == email)).scalar_one_or_none()
        org_title, org_name = org.title, org.name
        if user is not None:
            if s.execute(
                select(Membership.id).where(
                    Membership.user_id == user.id, Membership.organization_id == org.id
                )
            ).first():
                raise ValidationFailed({"email": ["This person is already a member."]})
            s.add(Membership(user_id=user.id, organization_id=org.id, role=role))
            audit.record(
                s,
                actor,
                "membership.set",
                "organization",
                org.id,
                data={"user": user.id, "role": role},
            )
            outcome = "added"
            message = notices.member_added(
                email, org_title, actor.name or "", role, org_link(org_name)
            )
        else:
            token = secrets.token_urlsafe(32)
            inv = Invitation(
                organization_id=org.id,
                email=email,
                role=role,
                token_hash=token_hash(token),
                invited_by=actor.id,
                expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
            )
            s.add(inv)
            s.flush()
            audit.record(
                s,
                actor,
                "membership.invite",
                "organization",
                org.id,
                data={"email": email, "role": role},
            )
            outcome = "invited"
            message = notices.invitation(
                email, org_title, actor.name or "", role, accept_link(token), INVITATION_DAYS
            )
    mail.send(cat.settings, message)
    return outcome


def _live_invitation(s, token: str) -> Invitation | None:
    inv = s.execute(
        select(Invitation).where(Invitation.token_hash == token_hash(token or ""))
    ).scalar_one_or_none()
    if (
        inv is None
        or inv.accepted_at is not None
        or inv.revoked_at is not None
        or inv.expires_at < utcnow()
    ):
        return None
    return inv


def invitation_info(cat: Catalog, token: str) -> tuple[Organization, Invitation] | None:
    with cat.session() as s:
        inv = _live_invitation(s, token)
        if inv is None:
            return None
        return s.get(Organization, inv.organization_id), inv


def accept_invitation(cat: Catalog, actor: Actor, token: str, email: str) -> Organization:
    """The invited person, signed in with the invited address, joins the organization.
    ``email`` is the signed-in account's address (a forwarded link is of no use to others)."""
    authz.require_signed_in(actor)
    with cat.session() as s:
        inv = _live_invitation(s, token)
        if inv is None:
            raise NotFound("invitation not found or expired")
        if inv.email != (email or "").lower():
            raise ValidationFailed(
                {"email": ["This invitation was sent to another e-mail address."]}
            )
        org = s.get(Organization, inv.organization_id)
        existing = s.execute(
            select(Membership).where(
                Membership.user_id == actor.id, Membership.organization_id == org.id
            )
        ).scalar_one_or_none()
        if existing is None:
            s.add(Membership(user_id=actor.id, organization_id=org.id, role=inv.role))
        inv.accepted_at = utcnow()
        inv.accepted_by = actor.id
        audit.record(s, actor, "membership.accept", "organization", org.id, data={"role": inv.role})
        return org


def revoke_invitation(cat: Catalog, actor: Actor, ref: str, invitation_id: int) -> None:
    with cat.session() as s:
        org = organizations._get(s, ref)
        authz.require_org_admin(actor, org.id)
        inv = s.get(Invitation, invitation_id)
        if inv is None or inv.organization_id != org.id:
            raise NotFound("invitation not found")
        inv.revoked_at = utcnow()
        audit.record(
            s, actor, "membership.revoke_invite", "organization", org.id, data={"email": inv.email}
        )


def _membership(s, org: Organization, user_id: str) -> Membership:
    m = s.execute(
        select(Membership).where(
            Membership.user_id == user_id, Membership.organization_id == org.id
        )
    ).scalar_one_or_none()
    if m is None:
        raise NotFound("member not found")
    return m


def _admins(s, org: Organization) -> int:
    return s.execute(
        select(func.count())
        .select_from(Membership)
        .where(Membership.organization_id == org.id, Membership.role == "admin")
    ).scalar_one()


def set_member_role(cat: Catalog, actor: Actor, ref: str, user_id: str, role: str) -> None:
    _check_role(role)
    with cat.session() as s:
        org = organizations._get(s, ref)
        authz.require_org_admin(actor, org.id)
        m = _membership(s, org, user_id)
        if m.role == "admin" and role != "admin" and _admins(s, org) <= 1:
            raise Conflict("an organization needs at least one admin")
        m.role = role
        audit.record(
            s, actor, "membership.set", "organization", org.id, data={"user": user_id, "role": role}
        )


def remove_member(cat: Catalog, actor: Actor, ref: str, user_id: str) -> None:
    with cat.session() as s:
        org = organizations._get(s, ref)
        authz.require_org_admin(actor, org.id)
        m = _membership(s, org, user_id)
        if m.role == "admin" and _admins(s, org) <= 1:
            raise Conflict("an organization needs at least one admin")
        s.delete(m)
        audit.record(s, actor, "membership.remove", "organization", org.id, data={"user": user_id})
