"""Harvest sources and jobs as a person manages them: only the sources they may manage.

The harvest pages read through here, so a partner admin's list, a source page, a job page
and its errors show the sources of their own organizations and nothing else (a source of
another organization is a 403, as in :mod:`catalog.services.harvest_rights`); curators see
every source. Writing stays in :mod:`catalog.services.harvest` (sources, jobs) and
:mod:`catalog.services.datasets` (releasing a field a person edited).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select

from catalog.errors import NotFound
from catalog.models import (
    AuditEvent,
    Dataset,
    DatasetSource,
    Distribution,
    HarvestError,
    HarvestJob,
    HarvestSource,
    Organization,
)
from catalog.services import authz
from catalog.services.authz import Actor
from catalog.services.harvest import reap_stale_jobs, redact_config
from catalog.services.harvest_rights import can_manage, require_manage

if TYPE_CHECKING:
    from catalog.context import Catalog

JOBS_SHOWN = 20
ERRORS_SHOWN = 500


@dataclass
class SourceRow:
    """A source with what its list and page show; ``config`` with credentials masked."""

    id: int
    name: str
    kind: str
    url: str
    organization: str | None  # name
    organization_title: str | None
    config: dict
    trusted: bool
    schedule: str | None
    active: bool
    datasets: int = 0
    last_job: HarvestJob | None = None


@dataclass
class HeldField:
    """A field of a harvested dataset that a person's edit holds (the harvest leaves it)."""

    dataset: str  # name
    title: str
    field: str
    owner: str  # user:<id>


@dataclass
class JobView:
    job: HarvestJob
    source: SourceRow | None
    errors: list[HarvestError] = field(default_factory=list)
    warnings: list[HarvestError] = field(default_factory=list)
    withdrawals: list[tuple[str, str, str]] = field(default_factory=list)  # (name, title, to)


def require_harvest_pages(actor: Actor) -> None:
    """Curators and partner admins (the pages list only their organizations' sources)."""
    authz.require(
        actor.is_curator or "admin" in actor.org_roles.values(),
        "only curators and partner admins manage harvest sources",
    )


def managed_organizations(cat: Catalog, actor: Actor) -> list[tuple[str, str]]:
    """(name, title) of the organizations a person may add a source for."""
    with cat.read_session() as s:
        q = select(Organization.id, Organization.name, Organization.title).order_by(
            Organization.name
        )
        return [(name, title) for oid, name, title in s.execute(q) if can_manage(actor, oid)]


def _row(s, src: HarvestSource, with_counts: bool = True) -> SourceRow:
    org = s.get(Organization, src.organization_id) if src.organization_id else None
    row = SourceRow(
        id=src.id,
        name=src.name,
        kind=src.kind,
        url=src.url,
        organization=org.name if org else None,
        organization_title=org.title if org else None,
        config=redact_config(src.config),
        trusted=bool(src.trusted),
        schedule=src.schedule,
        active=bool(src.active),
    )
    if with_counts:
        row.datasets = s.execute(
            select(func.count())
            .select_from(DatasetSource)
            .where(DatasetSource.source_id == src.id, DatasetSource.gone_since.is_(None))
        ).scalar_one()
        row.last_job = s.execute(
            select(HarvestJob)
            .where(HarvestJob.source_id == src.id)
            .order_by(HarvestJob.id.desc())
            .limit(1)
        ).scalar()
    return row


def sources(cat: Catalog, actor: Actor) -> list[SourceRow]:
    """The sources a person manages, by name."""
    require_harvest_pages(actor)
    reap_stale_jobs(cat)
    with cat.read_session() as s:
        q = select(HarvestSource).order_by(HarvestSource.name)
        if not actor.is_curator:
            q = q.where(HarvestSource.organization_id.in_(list(actor.org_roles)))
        return [
            _row(s, src) for src in s.execute(q).scalars() if can_manage(actor, src.organization_id)
        ]


def _get_source(s, ref: str | int) -> HarvestSource:
    text = str(ref)
    cond = HarvestSource.name == text
    if text.isdigit():
        cond = cond | (HarvestSource.id == int(text))
    src = s.execute(select(HarvestSource).where(cond)).scalar_one_or_none()
    if src is None:
        raise NotFound(f"harvest source {ref!r} not found")
    return src


def source(cat: Catalog, actor: Actor, ref: str | int) -> SourceRow:
    """One source, if the person manages it (else PermissionDenied)."""
    with cat.read_session() as s:
        src = _get_source(s, ref)
        require_manage(actor, src.organization_id)
        return _row(s, src)


def source_config(cat: Catalog, actor: Actor, ref: str | int) -> dict:
    """A source's configuration as stored, for its edit form (its managers only)."""
    with cat.read_session() as s:
        src = _get_source(s, ref)
        require_manage(actor, src.organization_id)
        return dict(src.config or {})


def jobs(cat: Catalog, actor: Actor, ref: str | int, limit: int = JOBS_SHOWN) -> list[HarvestJob]:
    """A source's jobs (runs and link checks), newest first."""
    reap_stale_jobs(cat)
    with cat.read_session() as s:
        src = _get_source(s, ref)
        require_manage(actor, src.organization_id)
        return list(
            s.execute(
                select(HarvestJob)
                .where(HarvestJob.source_id == src.id)
                .order_by(HarvestJob.id.desc())
                .limit(limit)
            ).scalars()
        )


def job(cat: Catalog, actor: Actor, job_id: int, max_errors: int = ERRORS_SHOWN) -> JobView:
    """A job with its log, errors, warnings and the datasets it withdrew (or sent back to
    draft); a catalog-wide link check is the curators'."""
    reap_stale_jobs(cat)
    with cat.read_session() as s:
        found = s.get(HarvestJob, job_id)
        if found is None:
            raise NotFound(f"job {job_id} not found")
        src = s.get(HarvestSource, found.source_id) if found.source_id else None
        require_manage(actor, src.organization_id if src else None)
        view = JobView(found, _row(s, src, with_counts=False) if src else None)
        for e in s.execute(
            select(HarvestError)
            .where(HarvestError.job_id == job_id)
            .order_by(HarvestError.id)
            .limit(max_errors)
        ).scalars():
            (view.warnings if e.stage == "warning" else view.errors).append(e)
        if not actor.is_curator:
            _mask_restricted_links(s, actor, view.errors)
        if found.count_withdrawn and found.started_at is not None:
            view.withdrawals = _withdrawals(s, found)
        return view


RESTRICTED_LINK = "(restricted link)"


def _mask_restricted_links(s, actor: Actor, errors: list[HarvestError]) -> None:
    """A broken link of a link check names its URL: a restricted distribution's URL is
    shown to nobody but its dataset's editors (as on every other surface)."""
    urls = {e.remote_id for e in errors if e.stage == "link" and e.remote_id}
    if not urls:
        return
    hidden = set()
    for dist, org_id in s.execute(
        select(Distribution, Dataset.organization_id)
        .join(Dataset, Dataset.id == Distribution.dataset_id)
        .where(
            Distribution.restricted.is_(True),
            or_(Distribution.download_url.in_(urls), Distribution.access_url.in_(urls)),
        )
    ):
        if not actor.member_of(org_id):
            hidden |= {dist.download_url, dist.access_url}
    hidden.discard(None)
    for e in errors:
        if e.remote_id in hidden:
            s.expunge(e)  # shown masked, never written back
            for url in hidden:
                e.reason = e.reason.replace(url, RESTRICTED_LINK)
            e.remote_id = RESTRICTED_LINK


def _withdrawals(s, job: HarvestJob) -> list[tuple[str, str, str]]:
    q = (
        select(AuditEvent, Dataset.name, Dataset.title)
        .join(Dataset, Dataset.id == AuditEvent.object_id)
        .where(
            AuditEvent.object_type == "dataset",
            AuditEvent.action.in_(("dataset.withdrawn", "dataset.draft")),
            AuditEvent.at >= job.started_at,
        )
        .order_by(AuditEvent.id)
        .limit(ERRORS_SHOWN)
    )
    if job.finished_at is not None:
        q = q.where(AuditEvent.at <= job.finished_at)
    return [
        (name, title, event.action.split(".", 1)[1])
        for event, name, title in s.execute(q)
        if (event.data or {}).get("job") == job.id
    ]


def held_fields(cat: Catalog, actor: Actor, ref: str | int, limit: int = 200) -> list[HeldField]:
    """Fields of the source's datasets that a person's edit holds: each can be handed back
    to the harvest (``datasets.release_field``)."""
    with cat.read_session() as s:
        src = _get_source(s, ref)
        require_manage(actor, src.organization_id)
        rows = s.execute(
            select(Dataset.name, Dataset.title, Dataset.field_provenance)
            .join(DatasetSource, DatasetSource.dataset_id == Dataset.id)
            .where(DatasetSource.source_id == src.id)
            .order_by(Dataset.name)
        ).all()
    out: list[HeldField] = []
    for name, title, provenance in rows:
        for fname, owner in sorted((provenance or {}).items()):
            if str(owner).startswith("user:"):
                out.append(HeldField(name, title, fname, owner))
                if len(out) >= limit:
                    return out
    return out
