"""Who may do what. Every service checks here, so pages, APIs and the CLI cannot disagree.

Roles, lowest first: anonymous < registered user < partner member < partner admin (both per
organization, from ``Membership``) < curator (the data bureau) < sysadmin. A member creates,
edits and submits the organization's datasets; only an admin manages the organization's
members and profile; curators review, publish and verify partners.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from catalog.errors import PermissionDenied
from catalog.models import Dataset, Organization, User

ROLE_RANK = {"anonymous": 0, "user": 1, "curator": 3, "sysadmin": 4}


@dataclass(frozen=True)
class Actor:
    """The user behind a call, with their organization roles resolved once."""

    id: str | None
    role: str
    org_roles: dict[str, str] = field(default_factory=dict)
    name: str = ""
    # datasets the user holds an active access grant for (``access.with_grants``)
    grants: frozenset[str] = frozenset()

    @classmethod
    def of(cls, user: User | None) -> Actor:
        if user is None:
            return ANONYMOUS
        return cls(
            id=user.id,
            role=user.role if user.active else "anonymous",
            org_roles={m.organization_id: m.role for m in user.memberships},
            name=user.name,
        )

    @property
    def is_curator(self) -> bool:
        return ROLE_RANK.get(self.role, 0) >= ROLE_RANK["curator"]

    @property
    def is_authenticated(self) -> bool:
        return self.role != "anonymous"

    def member_of(self, org_id: str | None) -> bool:
        return org_id is not None and org_id in self.org_roles

    def admin_of(self, org_id: str | None) -> bool:
        return self.org_roles.get(org_id or "") == "admin"


ANONYMOUS = Actor(id=None, role="anonymous")
SYSTEM = Actor(id=None, role="sysadmin", name="system")

PUBLIC_STATUSES = ("published", "withdrawn")


def can_view_dataset(actor: Actor, ds: Dataset) -> bool:
    return ds.status in PUBLIC_STATUSES or actor.is_curator or actor.member_of(ds.organization_id)


def can_edit_dataset(actor: Actor, ds: Dataset) -> bool:
    return actor.is_curator or actor.member_of(ds.organization_id)


def require(allowed: bool, what: str) -> None:
    if not allowed:
        raise PermissionDenied(what)


def require_create_dataset(actor: Actor, org_id: str | None) -> None:
    require(actor.is_curator or actor.member_of(org_id), "not allowed to add datasets here")


def require_curator(actor: Actor) -> None:
    require(actor.is_curator, "only the data bureau's curators may do this")


def require_signed_in(actor: Actor) -> None:
    require(actor.is_authenticated and actor.id is not None, "sign in first")


def can_manage_organization(actor: Actor, org_id: str | None) -> bool:
    """Members, roles and the profile of an organization: its admins and the bureau."""
    return actor.is_curator or actor.admin_of(org_id)


def require_org_admin(actor: Actor, org_id: str | None) -> None:
    require(
        can_manage_organization(actor, org_id),
        "only an admin of the organization may do this",
    )


def may_contribute(org: Organization | None) -> bool:
    """Whether an organization's members may add and submit datasets: a publisher the
    bureau registered (no partner status) or a verified partner -- not an applicant, a
    rejected or a suspended one."""
    return org is None or org.partner_status in (None, "verified")


def require_contributing(actor: Actor, org: Organization | None) -> None:
    require(
        actor.is_curator or may_contribute(org),
        "the organization is not a verified data partner",
    )
