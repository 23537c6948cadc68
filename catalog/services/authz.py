"""Who may do what. Every service checks here, so pages, APIs and the CLI cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass, field

from catalog.errors import PermissionDenied
from catalog.models import Dataset, User

ROLE_RANK = {"anonymous": 0, "user": 1, "curator": 3, "sysadmin": 4}


@dataclass(frozen=True)
class Actor:
    """The user behind a call, with their organization roles resolved once."""

    id: str | None
    role: str
    org_roles: dict[str, str] = field(default_factory=dict)
    name: str = ""

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
