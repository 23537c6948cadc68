"""Organizations (publishers) and partner status."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from marshmallow import ValidationError
from sqlalchemy import ColumnElement, func, or_, select

from catalog.errors import Conflict, NotFound, ValidationFailed
from catalog.models import Dataset, Organization
from catalog.services import audit, authz, names
from catalog.services.authz import Actor
from catalog.services.records import by_name_or_id
from schemas.organization import OrganizationSchema

if TYPE_CHECKING:
    from catalog.context import Catalog

PARTNER_TRANSITIONS = {
    (None, "applied"),
    ("rejected", "applied"),
    ("applied", "verified"),
    ("applied", "rejected"),
    ("verified", "suspended"),
    ("suspended", "verified"),
}

# built once: a marshmallow schema costs ~0.3 ms to build, paid per organization a harvest
# creates (thousands for a sheet of many departments); loading does not change it
_SCHEMA = OrganizationSchema()


def create_organization(cat: Catalog, actor: Actor, data: dict) -> Organization:
    """Curators add publishers; partner applications go through :func:`set_partner_status`."""
    authz.require_curator(actor)
    try:
        values = _SCHEMA.load(data)
    except ValidationError as exc:
        raise ValidationFailed(exc.messages_dict) from None
    with cat.session() as s:
        if not values.get("name"):  # readable: the English name or the pinyin of the name
            base = names.organization_base(values.get("title_en"), values.get("title"))
            values["name"] = names.unique(s, Organization, base)
        clash = s.execute(
            select(Organization.id).where(
                or_(
                    Organization.name == values["name"],
                    Organization.credit_code == values.get("credit_code"),
                )
                if values.get("credit_code")
                else Organization.name == values["name"]
            )
        ).first()
        if clash:
            raise ValidationFailed(
                {"name": ["An organization with this name or credit code exists."]}
            )
        org = Organization(**values)
        s.add(org)
        s.flush()
        audit.record(s, actor, "organization.create", "organization", org.id)
    return org


def create_organizations(cat: Catalog, actor: Actor, datas: list[dict]) -> list[Organization]:
    """Several named organizations in one transaction, all or none, each with its audit
    event: a harvest's new departments of one batch. One transaction instead of one each
    (about 1 ms of CPU a transaction) for a sheet that names thousands of departments.
    A name (or credit code) taken, by the catalog or twice in ``datas``, refuses them all,
    saying which."""
    authz.require_curator(actor)
    loaded: list[dict] = []
    for i, data in enumerate(datas):
        try:
            values = _SCHEMA.load(data)
        except ValidationError as exc:
            raise ValidationFailed({str(i): exc.messages_dict}) from None
        if not values.get("name"):
            raise ValidationFailed({str(i): {"name": ["A name is required here."]}})
        loaded.append(values)
    if not loaded:
        return []
    wanted = [v["name"] for v in loaded]
    codes = [v["credit_code"] for v in loaded if v.get("credit_code")]
    with cat.session() as s:
        cond: ColumnElement[bool] = Organization.name.in_(wanted)
        if codes:
            cond = or_(cond, Organization.credit_code.in_(codes))
        taken = sorted(s.execute(select(Organization.name).where(cond)).scalars())
        twice = sorted(n for n, k in (Counter(wanted) + Counter(codes)).items() if k > 1)
        if taken:
            raise ValidationFailed(
                {"name": [f"An organization with this name or credit code exists: {taken}."]}
            )
        if twice:
            raise ValidationFailed({"name": [f"Named more than once in the batch: {twice}."]})
        orgs = [Organization(**v) for v in loaded]
        s.add_all(orgs)
        s.flush()
        for org in orgs:
            audit.record(s, actor, "organization.create", "organization", org.id)
    return orgs


def set_partner_status(
    cat: Catalog, actor: Actor, ref: str, status: str, note: str | None = None
) -> Organization:
    with cat.session() as s:
        org = _get(s, ref)
        if (org.partner_status, status) not in PARTNER_TRANSITIONS:
            raise Conflict(f"cannot go from {org.partner_status} to {status}")
        if status != "applied":
            authz.require_curator(actor)
        before = org.partner_status
        org.partner_status = status
        org.partner_note = note
        audit.record(
            s,
            actor,
            f"partner.{status}",
            "organization",
            org.id,
            note=note,
            data={"from": before, "to": status},
        )
    return org


def _get(session, ref: str) -> Organization:
    org = by_name_or_id(session, Organization, ref)
    if org is None:
        raise NotFound(f"organization {ref!r} not found")
    return org


def get_organization(cat: Catalog, ref: str) -> Organization:
    with cat.session() as s:
        return _get(s, ref)


def list_organizations(cat: Catalog, org_type: str | None = None) -> list[tuple[Organization, int]]:
    """Organizations with their count of published datasets, read in a read-only session
    (on SQLite a plain one takes the write lock: the organizations page's readers would
    queue behind each other and behind every writer)."""
    with cat.read_session() as s:
        counts = dict(
            s.execute(
                select(Dataset.organization_id, func.count())
                .where(Dataset.status == "published")
                .group_by(Dataset.organization_id)
            ).all()
        )
        q = select(Organization).order_by(Organization.org_type, Organization.title)
        if org_type:
            q = q.where(Organization.org_type == org_type)
        return [(o, counts.get(o.id, 0)) for o in s.execute(q).scalars()]


def titles_of(cat: Catalog, names: set[str]) -> dict[str, tuple[str, str]]:
    """(Chinese title, English title or the Chinese) of the organizations named: what a page
    showing a few publishers (the search page's facet) needs, without loading them all."""
    if not names:
        return {}
    with cat.read_session() as s:
        rows = s.execute(
            select(Organization.name, Organization.title, Organization.title_en).where(
                Organization.name.in_(sorted(names))
            )
        ).all()
    return {name: (title, title_en or title) for name, title, title_en in rows}


def organizations_for(cat: Catalog, actor: Actor) -> list[tuple[Organization, int]]:
    """Publishers the actor may see, with their count of published datasets.

    A partner that has only applied (or was rejected) is not a publisher yet: it is listed
    to curators only, unless it already has published datasets.
    """
    rows = list_organizations(cat)
    return [(org, n) for org, n in rows if _may_see(actor, org, n)]


def _may_see(actor: Actor, org: Organization, published: int) -> bool:
    return (
        actor.is_curator
        or org.partner_status in (None, "verified")
        or published > 0
        or actor.member_of(org.id)
    )


# built once: composing SQL expressions is a good part of a cheap query's cost
_PUBLISHED_NO_INDEX = (Dataset.status + "") == "published"


def published_of(org_id: str):
    """The condition "a published dataset of this organization", written so that SQLite
    walks the organization's index rather than the status index.

    Without ANALYZE statistics SQLite takes the (status, modified) index for ``status = ?``,
    which holds nearly every dataset: counting one publisher's datasets read them all (4-5 ms
    at 3,000 datasets, three times per organization page). ``status || ''`` is the same test
    that no index answers, so the planner takes the organization's index; PostgreSQL plans by
    its statistics either way."""
    return (Dataset.organization_id == org_id) & _PUBLISHED_NO_INDEX


def organization_for(cat: Catalog, actor: Actor, ref: str) -> tuple[Organization, int]:
    """One organization the actor may see (by id, name or an address it had before), with
    its dataset count: read alone, since its page is opened far more often than the list."""
    with cat.read_session() as s:
        org = s.execute(
            select(Organization).where(or_(Organization.id == ref, Organization.name == ref))
        ).scalar_one_or_none()
        if org is None:
            org = names.aliased(s, Organization, ref)
        if org is None:
            raise NotFound(f"organization {ref!r} not found")
        published = s.execute(
            select(func.count()).select_from(Dataset).where(published_of(org.id))
        ).scalar_one()
    if not _may_see(actor, org, published):
        raise NotFound(f"organization {ref!r} not found")
    return org, published


CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone")


def may_see_contact(actor: Actor, org: Organization) -> bool:
    """An organization's contact details are for its members and the bureau."""
    return actor.is_curator or actor.member_of(org.id)
