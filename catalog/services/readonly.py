"""Read-only views over tables whose write services arrive with later issues.

The open list (versions and entries), harvest sources and jobs, and access requests already
have tables; their workflows (curation, harvesting, reviews) are being written elsewhere.
The APIs need to read them now, with the same permission rules the workflows will enforce:
published open-list versions are public, harvest records are for curators, and an access
request is visible to the person who made it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from catalog.errors import NotFound
from catalog.models import (
    AccessRequest,
    Dataset,
    HarvestError,
    HarvestJob,
    HarvestSource,
    OpenListEntry,
    OpenListVersion,
    Organization,
)
from catalog.services import authz
from catalog.services.authz import Actor
from catalog.services.records import row_to_dict

ENTRY_FIELDS = (
    "resource_code",
    "title",
    "source_department",
    "domain",
    "openness",
    "open_mode",
    "frequency",
    "data_formats",
    "dataset_id",
)

if TYPE_CHECKING:
    from catalog.context import Catalog
_SECRET_KEY = re.compile(r"key|token|secret|password|passwd|auth|cookie", re.I)


# -- organizations ------------------------------------------------------------------------
def organizations_for(cat: Catalog, actor: Actor) -> list[tuple[Organization, int]]:
    """Publishers the public may see, with their count of published datasets.

    A partner that has only applied (or was rejected) is not a publisher yet: it is listed
    to curators only, unless it already has published datasets.
    """
    from catalog.services.organizations import list_organizations

    rows = list_organizations(cat)
    if actor.is_curator:
        return rows
    return [
        (org, n)
        for org, n in rows
        if org.partner_status in (None, "verified") or n > 0 or actor.member_of(org.id)
    ]


def organization_for(cat: Catalog, actor: Actor, ref: str) -> tuple[Organization, int]:
    for org, n in organizations_for(cat, actor):
        if ref in (org.id, org.name):
            return org, n
    raise NotFound(f"organization {ref!r} not found")


# -- open list ----------------------------------------------------------------------------
def _entry_dict(e: OpenListEntry) -> dict:
    return {k: getattr(e, k) for k in ENTRY_FIELDS}


def openlist_versions(cat: Catalog) -> list[dict]:
    """Published versions of the open list, newest first, with their entry counts."""
    with cat.session() as s:
        counts = dict(
            s.execute(
                select(OpenListEntry.version_id, func.count())
                .where(OpenListEntry.version_id.is_not(None))
                .group_by(OpenListEntry.version_id)
            ).all()
        )
        versions = s.execute(
            select(OpenListVersion).order_by(OpenListVersion.number.desc())
        ).scalars()
        out = []
        for v in versions:
            d = row_to_dict(v)
            d.pop("published_by", None)
            d["entry_count"] = counts.get(v.id, 0)
            out.append(d)
        return out


def _version(s, number: int | str) -> OpenListVersion:
    if number == "latest":
        v = s.execute(
            select(OpenListVersion).order_by(OpenListVersion.number.desc()).limit(1)
        ).scalar_one_or_none()
    else:
        v = s.execute(
            select(OpenListVersion).where(OpenListVersion.number == int(number))
        ).scalar_one_or_none()
    if v is None:
        raise NotFound(f"open list version {number} not found")
    return v


def openlist_version(cat: Catalog, number: int | str) -> dict:
    with cat.session() as s:
        v = _version(s, number)
        d = row_to_dict(v)
        d.pop("published_by", None)
        d["entry_count"] = s.execute(
            select(func.count()).select_from(OpenListEntry).where(OpenListEntry.version_id == v.id)
        ).scalar_one()
        return d


def openlist_entries(
    cat: Catalog,
    number: int | str,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[int, list[dict]]:
    """(total, entries) of a published version, ordered by resource code."""
    with cat.session() as s:
        v = _version(s, number)
        base = select(OpenListEntry).where(OpenListEntry.version_id == v.id)
        total = s.execute(select(func.count()).select_from(base.subquery())).scalar_one()
        q = base.order_by(OpenListEntry.resource_code, OpenListEntry.id).offset(offset)
        if limit is not None:
            q = q.limit(limit)
        return total, [_entry_dict(e) for e in s.execute(q).scalars()]


def openlist_diff(cat: Catalog, old: int | str, new: int | str) -> dict:
    """What changed between two versions, keyed by resource code (资源代码)."""
    _, a = openlist_entries(cat, old)
    _, b = openlist_entries(cat, new)
    before = {e["resource_code"]: e for e in a}
    after = {e["resource_code"]: e for e in b}
    changed = []
    for code in sorted(before.keys() & after.keys()):
        fields = {
            k: {"old": before[code][k], "new": after[code][k]}
            for k in ENTRY_FIELDS
            if before[code][k] != after[code][k]
        }
        if fields:
            changed.append({"resource_code": code, "changes": fields})
    return {
        "from": openlist_version(cat, old)["number"],
        "to": openlist_version(cat, new)["number"],
        "added": [after[c] for c in sorted(after.keys() - before.keys())],
        "removed": [before[c] for c in sorted(before.keys() - after.keys())],
        "changed": changed,
    }


# -- harvest sources and jobs (curators) -----------------------------------------------------
def _redact(config: dict) -> dict:
    """Harvest configs may carry credentials for the remote source: never echo them."""
    out = {}
    for k, v in (config or {}).items():
        if _SECRET_KEY.search(str(k)):
            out[k] = "***"
        elif isinstance(v, dict):
            out[k] = _redact(v)
        else:
            out[k] = v
    return out


def _source_dict(src: HarvestSource) -> dict:
    d = row_to_dict(src)
    d["config"] = _redact(d.get("config") or {})
    return d


def harvest_sources(cat: Catalog, actor: Actor) -> list[dict]:
    authz.require_curator(actor)
    with cat.session() as s:
        last = dict(
            s.execute(
                select(HarvestJob.source_id, func.max(HarvestJob.id)).group_by(HarvestJob.source_id)
            ).all()
        )
        out = []
        for src in s.execute(select(HarvestSource).order_by(HarvestSource.name)).scalars():
            d = _source_dict(src)
            d["last_job_id"] = last.get(src.id)
            out.append(d)
        return out


def harvest_source(cat: Catalog, actor: Actor, ref: str) -> dict:
    authz.require_curator(actor)
    with cat.session() as s:
        src = None
        if ref.isdigit():
            src = s.get(HarvestSource, int(ref))
        if src is None:
            src = s.execute(
                select(HarvestSource).where(HarvestSource.name == ref)
            ).scalar_one_or_none()
        if src is None:
            raise NotFound(f"harvest source {ref!r} not found")
        d = _source_dict(src)
        d["dataset_count"] = s.execute(
            select(func.count()).select_from(Dataset).where(Dataset.source_id == src.id)
        ).scalar_one()
        return d


def harvest_jobs(
    cat: Catalog,
    actor: Actor,
    source_id: int | None = None,
    offset: int = 0,
    limit: int = 20,
) -> tuple[int, list[dict]]:
    """(total, jobs) newest first; the long log is left to the single-job view."""
    authz.require_curator(actor)
    with cat.session() as s:
        base = select(HarvestJob)
        if source_id is not None:
            base = base.where(HarvestJob.source_id == source_id)
        total = s.execute(select(func.count()).select_from(base.subquery())).scalar_one()
        rows = s.execute(base.order_by(HarvestJob.id.desc()).offset(offset).limit(limit)).scalars()
        jobs = []
        for job in rows:
            d = row_to_dict(job)
            d.pop("log", None)
            jobs.append(d)
        return total, jobs


def harvest_job(cat: Catalog, actor: Actor, job_id: int, max_errors: int = 1000) -> dict:
    authz.require_curator(actor)
    with cat.session() as s:
        job = s.get(HarvestJob, job_id)
        if job is None:
            raise NotFound(f"harvest job {job_id} not found")
        d = row_to_dict(job)
        errors = s.execute(
            select(HarvestError)
            .where(HarvestError.job_id == job.id)
            .order_by(HarvestError.id)
            .limit(max_errors)
        ).scalars()
        d["errors"] = [row_to_dict(e) for e in errors]
        return d


# -- access requests (the requester's own) ---------------------------------------------------
def _request_dict(req: AccessRequest, ds_name: str | None, ds_title: str | None) -> dict:
    d = row_to_dict(req)
    d["dataset"] = {"id": req.dataset_id, "name": ds_name, "title": ds_title}
    return d


def my_access_requests(
    cat: Catalog,
    actor: Actor,
    offset: int = 0,
    limit: int = 20,
) -> tuple[int, list[dict]]:
    authz.require(actor.is_authenticated and actor.id is not None, "sign in to see your requests")
    with cat.session() as s:
        base = select(AccessRequest).where(AccessRequest.requester_id == actor.id)
        total = s.execute(select(func.count()).select_from(base.subquery())).scalar_one()
        rows = s.execute(
            select(AccessRequest, Dataset.name, Dataset.title)
            .join(Dataset, Dataset.id == AccessRequest.dataset_id)
            .where(AccessRequest.requester_id == actor.id)
            .order_by(AccessRequest.id.desc())
            .offset(offset)
            .limit(limit)
        ).all()
        return total, [_request_dict(r, n, t) for r, n, t in rows]


def my_access_request(cat: Catalog, actor: Actor, request_id: int) -> dict:
    authz.require(actor.is_authenticated and actor.id is not None, "sign in to see your requests")
    with cat.session() as s:
        row = s.execute(
            select(AccessRequest, Dataset.name, Dataset.title)
            .join(Dataset, Dataset.id == AccessRequest.dataset_id)
            .where(AccessRequest.id == request_id, AccessRequest.requester_id == actor.id)
        ).first()
        if row is None:
            raise NotFound(f"access request {request_id} not found")
        return _request_dict(*row)
