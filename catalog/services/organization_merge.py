"""Merging two organizations into one, and splitting one in two (curators only).

Harvests create organizations from department names; before a source had its ``region``,
same-named departments of two places became one organization, and two spellings of one
department became two. Curators repair both here: a merge moves everything of one
organization (datasets, members, harvest sources, invitations, access and data requests)
to the other, keeps the old name as an alias (its page redirects, a harvest naming the old
department finds the merged one) and deletes it; a split moves chosen datasets, members and
sources to a new organization. Each moved dataset gets a version and an index update; each
merge and split is an audit event on both organizations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from catalog.errors import NotFound, ValidationFailed
from catalog.models import (
    AccessRequest,
    DataRequest,
    Dataset,
    HarvestSource,
    Invitation,
    Membership,
    Organization,
    OrganizationAlias,
)
from catalog.services import audit, authz, datasets, organizations
from catalog.services.authz import Actor
from catalog.services.records import by_name_or_id

if TYPE_CHECKING:
    from catalog.context import Catalog

# profile fields a merge fills on the organization kept when it has none
_FILLED = (
    "title_en",
    "description",
    "description_en",
    "homepage",
    "contact_name",
    "contact_email",
    "contact_phone",
    "region",
)
_ROLE_RANK = {"member": 0, "admin": 1}


def _org(s: Session, ref: str, field: str) -> Organization:
    org = by_name_or_id(s, Organization, ref)
    if org is None:
        raise ValidationFailed({field: ["Unknown organization."]})
    return org


def alias_target(cat: Catalog, name: str) -> str | None:
    """The name of the organization an old (merged) organization name now leads to."""
    with cat.session() as s:
        return s.execute(
            select(Organization.name)
            .join(OrganizationAlias, OrganizationAlias.organization_id == Organization.id)
            .where(OrganizationAlias.name == name)
        ).scalar()


def _move_datasets(s: Session, actor: Actor, ids: list[str], target: Organization, why: str) -> int:
    for ds in s.execute(select(Dataset).where(Dataset.id.in_(ids))).scalars():
        before = ds.organization_id
        ds.organization = target
        ds.updated_by = actor.id
        audit.record(
            s,
            actor,
            "dataset.organization",
            "dataset",
            ds.id,
            data={"from": before, "to": target.id, "via": why},
        )
        datasets.finish_change(s, ds, actor)
    return len(ids)


def _move_members(
    s: Session, user_ids: list[str], source: Organization, target: Organization
) -> int:
    moved = 0
    for m in list(
        s.execute(
            select(Membership).where(
                Membership.organization_id == source.id, Membership.user_id.in_(user_ids)
            )
        ).scalars()
    ):
        there = s.execute(
            select(Membership).where(
                Membership.organization_id == target.id, Membership.user_id == m.user_id
            )
        ).scalar()
        if there is None:
            m.organization_id = target.id
        else:  # a member of both keeps the higher role
            if _ROLE_RANK.get(m.role, 0) > _ROLE_RANK.get(there.role, 0):
                there.role = m.role
            s.delete(m)
        moved += 1
    return moved


def merge(
    cat: Catalog, actor: Actor, source_ref: str, target_ref: str, note: str | None = None
) -> dict:
    """Move everything of ``source_ref`` to ``target_ref`` and delete it, keeping its name
    and title as an alias of the target. Returns what moved."""
    authz.require_curator(actor)
    with cat.session() as s:
        source = _org(s, source_ref, "source")
        target = _org(s, target_ref, "target")
        if source.id == target.id:
            raise ValidationFailed({"target": ["Choose another organization to merge into."]})
        why = f"merge of {source.name} into {target.name}"
        ds_ids = list(
            s.execute(select(Dataset.id).where(Dataset.organization_id == source.id)).scalars()
        )
        moved = {
            "datasets": _move_datasets(s, actor, ds_ids, target, why),
            "members": _move_members(
                s,
                list(
                    s.execute(
                        select(Membership.user_id).where(Membership.organization_id == source.id)
                    ).scalars()
                ),
                source,
                target,
            ),
            "sources": s.execute(
                update(HarvestSource)
                .where(HarvestSource.organization_id == source.id)
                .values(organization_id=target.id)
            ).rowcount,
        }
        for model, column in (
            (Invitation, Invitation.organization_id),
            (AccessRequest, AccessRequest.holder_org_id),
            (DataRequest, DataRequest.organization_id),
            (DataRequest, DataRequest.promise_org_id),
        ):
            s.execute(update(model).where(column == source.id).values({column.key: target.id}))
        # harvest sources that map a remote publisher onto the old name map it onto the new
        for src in s.execute(select(HarvestSource)).scalars():
            mapping = (src.config or {}).get("organizations") or {}
            if source.name in mapping.values() or source.id in mapping.values():
                fixed = {
                    k: (target.name if v in (source.name, source.id) else v)
                    for k, v in mapping.items()
                }
                src.config = {**src.config, "organizations": fixed}
        for field in _FILLED:
            if not getattr(target, field) and getattr(source, field):
                setattr(target, field, getattr(source, field))
        if source.credit_code and not target.credit_code:
            code, source.credit_code = source.credit_code, None
            s.flush()
            target.credit_code = code
        s.execute(
            update(OrganizationAlias)
            .where(OrganizationAlias.organization_id == source.id)
            .values(organization_id=target.id)
        )
        # an older alias of the same name (a namesake merged away before) now leads here
        s.execute(delete(OrganizationAlias).where(OrganizationAlias.name == source.name))
        s.add(
            OrganizationAlias(
                name=source.name, title=source.title, organization_id=target.id, created_by=actor.id
            )
        )
        data = {"merged": source.name, "merged_title": source.title, "into": target.name, **moved}
        audit.record(
            s, actor, "organization.merge", "organization", target.id, note=note, data=data
        )
        audit.record(
            s, actor, "organization.merged_away", "organization", source.id, note=note, data=data
        )
        s.flush()
        s.expire(source)  # its datasets and members are the target's now
        s.delete(source)
        s.flush()
    cat.sync_index()
    return {"into": target.name, **moved}


def split(
    cat: Catalog,
    actor: Actor,
    ref: str,
    *,
    title: str,
    name: str | None = None,
    dataset_ids: list[str],
    member_ids: list[str] | None = None,
    source_ids: list[int] | None = None,
    note: str | None = None,
) -> dict:
    """A new organization (same type and region) for the chosen datasets, members and
    harvest sources of ``ref``. Returns the new organization's name and what moved."""
    authz.require_curator(actor)
    with cat.session() as s:
        try:
            source = _org(s, ref, "organization")
        except ValidationFailed:
            raise NotFound(f"organization {ref!r} not found") from None
        mine = set(
            s.execute(select(Dataset.id).where(Dataset.organization_id == source.id)).scalars()
        )
        if not dataset_ids:
            raise ValidationFailed({"datasets": ["Choose the datasets of the new organization."]})
        if set(dataset_ids) - mine:
            raise ValidationFailed({"datasets": ["Choose among this organization's datasets."]})
        base = {"org_type": source.org_type, "region": source.region}
    new = organizations.create_organization(
        cat,
        actor,
        {
            "title": title,
            **({"name": name} if name else {}),
            **{k: v for k, v in base.items() if v},
        },
    )
    with cat.session() as s:
        source = s.get_one(Organization, source.id)
        target = s.get_one(Organization, new.id)
        why = f"split of {source.name} into {target.name}"
        moved = {
            "datasets": _move_datasets(s, actor, list(dataset_ids), target, why),
            "members": _move_members(s, list(member_ids or []), source, target),
            "sources": s.execute(
                update(HarvestSource)
                .where(
                    HarvestSource.organization_id == source.id,
                    HarvestSource.id.in_(list(source_ids or [])),
                )
                .values(organization_id=target.id)
            ).rowcount,
        }
        data = {"from": source.name, "new": target.name, **moved}
        audit.record(
            s, actor, "organization.split", "organization", source.id, note=note, data=data
        )
        audit.record(
            s, actor, "organization.split_off", "organization", target.id, note=note, data=data
        )
    cat.sync_index()
    return {"new": new.name, **moved}


def parts_of(cat: Catalog, actor: Actor, ref: str) -> dict:
    """What a curator chooses from when merging or splitting ``ref``: the organization, its
    datasets, members and harvest sources, and the organizations it could merge into."""
    authz.require_curator(actor)
    with cat.session() as s:
        org = by_name_or_id(s, Organization, ref)
        if org is None:
            raise NotFound(f"organization {ref!r} not found")
        from catalog.models import User

        return {
            "org": {"id": org.id, "name": org.name, "title": org.title, "org_type": org.org_type},
            "datasets": [
                {"id": d.id, "name": d.name, "title": d.title, "status": d.status}
                for d in s.execute(
                    select(Dataset).where(Dataset.organization_id == org.id).order_by(Dataset.title)
                ).scalars()
            ],
            "members": [
                {"id": u.id, "name": u.name, "email": u.email, "role": m.role}
                for m, u in s.execute(
                    select(Membership, User)
                    .join(User, User.id == Membership.user_id)
                    .where(Membership.organization_id == org.id)
                    .order_by(User.name)
                ).all()
            ],
            "sources": [
                {"id": src.id, "name": src.name}
                for src in s.execute(
                    select(HarvestSource).where(HarvestSource.organization_id == org.id)
                ).scalars()
            ],
            "others": [
                (o.name, o.title)
                for o in s.execute(
                    select(Organization)
                    .where(Organization.id != org.id)
                    .order_by(Organization.title)
                ).scalars()
            ],
        }
