"""Harvest sources and jobs: the rules of harvesting that are not about records.

The pipeline in ``harvesters/`` fetches and transforms; everything that touches the store
goes through the services, so that the CLI, the worker and (later) the web pages agree on
what a job's state means. Jobs stuck as "running" for days are a common failure of other
catalogs: here every running job beats a heartbeat, and a job whose worker died is failed
(:func:`reap_stale_jobs`). Loading records is :mod:`catalog.services.harvest_records` (and
the ``harvest_*`` modules it names: batches, duplicates, names, publishers, withdrawal);
link checking results are in :mod:`catalog.services.link_status`.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from catalog.db import storable
from catalog.errors import CatalogError, Conflict, NotFound, ValidationFailed
from catalog.models import (
    DatasetSource,
    HarvestError,
    HarvestJob,
    HarvestSource,
    Organization,
    utcnow,
)
from catalog.services import audit, authz
from catalog.services import harvest_rights as rights
from catalog.services.authz import SYSTEM, Actor
from catalog.services.records import by_name_or_id, row_to_dict

if TYPE_CHECKING:
    from catalog.context import Catalog

ENTRY_POINT_GROUP = "catalog.harvesters"
JOB_STATES = ("queued", "running", "done", "done_with_errors", "failed", "cancelled")
FINISHED_STATES = frozenset({"done", "done_with_errors", "failed", "cancelled"})
JOB_TYPES = ("harvest", "linkcheck")
# A running job whose heartbeat is older than this is taken for dead and marked failed.
STALE_AFTER = timedelta(minutes=15)
MAX_ERRORS_STORED = 5000
MAX_LOG_CHARS = 200_000
NAME_RE = re.compile(r"[^a-z0-9]+")
_SCHEDULES = {
    "hourly": timedelta(hours=1),
    "daily": timedelta(days=1),
    "weekly": timedelta(weeks=1),
    "monthly": timedelta(days=30),
}
_EVERY_RE = re.compile(r"^(?:@every\s+)?(\d+)\s*([mhd])$")


class HarvestFailed(CatalogError):
    """A job could not run at all (unknown kind, source already running, ...)."""


# -- what the pipeline hands over ------------------------------------------------------------
@dataclass(frozen=True)
class SourceSpec:
    """A harvest source as the pipeline sees it: a plain snapshot, no session attached."""

    id: int
    name: str
    kind: str
    url: str
    organization: str | None
    config: dict
    trusted: bool
    schedule: str | None

    @property
    def owner(self) -> str:
        return f"source:{self.id}"


@dataclass(frozen=True)
class PublisherRef:
    """Who publishes a record at the remote end, before it is matched to our organizations."""

    key: str
    title: str
    title_en: str | None = None
    description: str | None = None
    homepage: str | None = None


@dataclass
class Unchanged:
    """A record whose content hash (or modification stamp) says nothing changed."""

    remote_id: str
    source_hash: str | None = None  # the record's new source hash, to store (issue 17)


@dataclass
class Failed:
    """A record that could not be fetched, read or stored; ``remote_id`` may be unknown."""

    remote_id: str | None
    stage: str
    reason: str


@dataclass
class Changed:
    """A new or changed record: values loaded by ``DatasetSchema``, ready to be stored."""

    remote_id: str
    values: dict
    emitted: set[str]
    content_hash: str
    keys: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    source_hash: str | None = None


BatchItem = Unchanged | Failed | Changed


@dataclass
class Counts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    errors: int = 0

    def add(self, other: Counts) -> None:
        for k in ("new", "updated", "unchanged", "withdrawn", "errors"):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def summary(self) -> str:
        return (
            f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.withdrawn} withdrawn, {self.errors} errors"
        )


@dataclass
class KnownRecord:
    dataset_id: str
    content_hash: str | None
    gone: bool
    source_hash: str | None = None


# -- kinds and schedules ---------------------------------------------------------------------
def available_kinds() -> list[str]:
    """Source kinds installed as ``catalog.harvesters`` entry points (names only)."""
    return sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})


def parse_schedule(text: str | None) -> timedelta | None:
    """``hourly``, ``daily``, ``weekly``, ``monthly``, ``30m``, ``6h``, ``2d`` (or
    ``@every 6h``); empty or ``manual`` means the source runs only when asked."""
    if not text or text.strip().lower() in ("manual", "none"):
        return None
    t = text.strip().lower()
    if t in _SCHEDULES:
        return _SCHEDULES[t]
    m = _EVERY_RE.match(t)
    if not m or int(m.group(1)) == 0:
        raise ValidationFailed(
            {"schedule": ["Use hourly, daily, weekly, monthly, or a number with m, h or d."]}
        )
    n, unit = int(m.group(1)), m.group(2)
    return {"m": timedelta(minutes=n), "h": timedelta(hours=n), "d": timedelta(days=n)}[unit]


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# -- sources ---------------------------------------------------------------------------------
def default_source_name(kind: str, url: str) -> str:
    """A readable, stable name for a source registered from the command line."""
    base = NAME_RE.sub("-", f"{kind}-{re.sub(r'^[a-z]+://', '', url.lower())}").strip("-")
    return base[:100].strip("-")


def register_source(
    cat: Catalog,
    actor: Actor,
    *,
    name: str,
    kind: str,
    url: str,
    organization: str | None = None,
    config: dict | None = None,
    trusted: bool = False,
    schedule: str | None = None,
) -> HarvestSource:
    """Add a harvest source: curators, or an admin of ``organization`` for it (untrusted,
    public URLs only; see :mod:`catalog.services.harvest_rights`)."""
    authz.require(actor.is_curator or bool(organization), "only curators add sources")
    rights.require_may_trust(actor, trusted)
    problems: dict[str, list[str]] = {}
    kinds = available_kinds()
    if kind not in kinds:
        problems["kind"] = [f"Unknown kind '{kind}'; installed: {', '.join(kinds) or 'none'}."]
    if not name or len(name) > 100:
        problems["name"] = ["Give a name of 1 to 100 characters."]
    if not url or len(url) > 2000:
        problems["url"] = ["Give the source's URL or path (at most 2000 characters)."]
    if config is not None and not isinstance(config, dict):
        problems["config"] = ["Configuration must be a JSON object."]
    if problems:
        raise ValidationFailed(problems)
    parse_schedule(schedule)
    with cat.session() as s:
        if s.execute(select(HarvestSource.id).where(HarvestSource.name == name)).first():
            raise ValidationFailed({"name": ["A harvest source with this name exists."]})
        org_id = None
        if organization:
            org = find_organization(s, organization)
            org_id = org.id
        rights.require_manage(actor, org_id)
        rights.require_fetchable(actor, url)
        src = HarvestSource(
            name=name,
            kind=kind,
            url=url,
            organization_id=org_id,
            config=dict(config or {}),
            trusted=trusted,
            schedule=schedule,
        )
        s.add(src)
        s.flush()
        audit.record(s, actor, "harvest_source.create", "harvest_source", str(src.id))
    return src


def update_source(cat: Catalog, actor: Actor, ref: str | int, **changes: object) -> HarvestSource:
    """Change a source's URL, owner, configuration, trust, schedule or active flag (an
    organization's admin: not its trust, and only to another organization they admin)."""
    allowed = {"url", "organization", "config", "trusted", "schedule", "active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed({k: ["Cannot be changed."] for k in unknown})
    if "schedule" in changes:
        parse_schedule(changes["schedule"])  # type: ignore[arg-type]
    with cat.session() as s:
        src = _source(s, ref)
        rights.require_manage(actor, src.organization_id)
        if "trusted" in changes and bool(changes["trusted"]) != bool(src.trusted):
            rights.require_may_trust(actor, True)
        if "url" in changes:
            rights.require_fetchable(actor, str(changes["url"] or ""))
        for key, value in changes.items():
            if key == "organization":
                if not actor.is_curator:
                    rights.require_manage(actor, find_organization(s, value).id if value else None)
                src.organization_id = find_organization(s, value).id if value else None  # type: ignore[arg-type]
            else:
                setattr(src, key, value)
        audit.record(
            s,
            actor,
            "harvest_source.update",
            "harvest_source",
            str(src.id),
            data={"fields": sorted(changes)},
        )
    return src


def find_organization(session: Session, ref: object) -> Organization:
    """An organization by name or id; unknown ones are a validation error."""
    org = by_name_or_id(session, Organization, ref)
    if org is None:
        raise ValidationFailed({"organization": ["Unknown organization."]})
    return org


def _source(session: Session, ref: str | int) -> HarvestSource:
    cond = HarvestSource.name == str(ref)
    if (isinstance(ref, int) or str(ref).isascii() and str(ref).isdigit()) and storable(int(ref)):
        cond = or_(cond, HarvestSource.id == int(ref))
    src = session.execute(select(HarvestSource).where(cond)).scalar_one_or_none()
    if src is None:
        raise NotFound(f"harvest source {ref!r} not found")
    return src


def get_source(cat: Catalog, ref: str | int) -> HarvestSource:
    with cat.session() as s:
        return _source(s, ref)


def find_source(cat: Catalog, kind: str, url: str) -> HarvestSource | None:
    with cat.session() as s:
        return s.execute(
            select(HarvestSource)
            .where(HarvestSource.kind == kind, HarvestSource.url == url)
            .order_by(HarvestSource.id)
        ).scalar()


def source_spec(cat: Catalog, ref: str | int) -> SourceSpec:
    with cat.session() as s:
        src = _source(s, ref)
        org = s.get(Organization, src.organization_id) if src.organization_id else None
        return SourceSpec(
            id=src.id,
            name=src.name,
            kind=src.kind,
            url=src.url,
            organization=org.name if org else None,
            config=dict(src.config or {}),
            trusted=bool(src.trusted),
            schedule=src.schedule,
        )


def list_sources(cat: Catalog) -> list[tuple[HarvestSource, HarvestJob | None, int]]:
    """Every source with its latest job and its number of linked datasets."""
    reap_stale_jobs(cat)
    with cat.session() as s:
        out = []
        for src in s.execute(select(HarvestSource).order_by(HarvestSource.name)).scalars():
            last = s.execute(
                select(HarvestJob)
                .where(HarvestJob.source_id == src.id)
                .order_by(HarvestJob.id.desc())
                .limit(1)
            ).scalar()
            n = s.execute(
                select(func.count())
                .select_from(DatasetSource)
                .where(DatasetSource.source_id == src.id, DatasetSource.gone_since.is_(None))
            ).scalar_one()
            out.append((src, last, n))
        return out


def harvest_upload(
    cat: Catalog,
    actor: Actor,
    *,
    kind: str,
    filename: str,
    data: bytes,
    organization: str,
) -> HarvestJob:
    """Queue the harvest of an uploaded metadata file (a Croissant file, a dataset card, a
    datapackage.json, an open-list spreadsheet) for an organization.

    Members of the organization may upload; what they upload goes to review unless a
    curator uploads it. The file is kept in the instance folder (``uploads/``), and a file
    uploaded again under the same name is the same source, so re-uploading a corrected
    file updates its datasets instead of adding new ones."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", os.path.basename(filename)).strip("._") or "upload"
    if not data:
        raise ValidationFailed({"file": ["The file is empty."]})
    with cat.session() as s:
        org = find_organization(s, organization)
        authz.require(
            actor.is_curator or actor.member_of(org.id),
            "not allowed to upload for this organization",
        )
    folder = cat.settings.instance_path / "uploads" / org.name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kind}-{safe}"
    path.write_bytes(data)
    name = f"upload-{org.name}-{kind}-{safe}"[:100]
    src = find_source(cat, kind, str(path))
    if src is None:
        src = register_source(
            cat,
            SYSTEM,
            name=name,
            kind=kind,
            url=str(path),
            organization=org.name,
            trusted=actor.is_curator,
        )
    return enqueue_job(cat, SYSTEM, src.id)


# -- jobs ------------------------------------------------------------------------------------
def enqueue_job(
    cat: Catalog,
    actor: Actor,
    source: str | int | None,
    *,
    job_type: str = "harvest",
    options: dict | None = None,
) -> HarvestJob:
    """Queue a run of a source (or a catalog-wide link check with ``source=None``).

    A source has at most one queued job: asking again returns the one already waiting.
    Curators queue any job; an organization's admins runs and link checks of its sources."""
    if job_type not in JOB_TYPES:
        raise ValidationFailed({"job_type": [f"One of {', '.join(JOB_TYPES)}."]})
    with cat.session() as s:
        src = _source(s, source) if source is not None else None
        rights.require_manage(actor, src.organization_id if src else None)
        source_id = src.id if src else None
        if source is None and job_type == "harvest":
            raise ValidationFailed({"source": ["A harvest needs a source."]})
        waiting = s.execute(
            select(HarvestJob).where(
                HarvestJob.source_id.is_(None)
                if source_id is None
                else HarvestJob.source_id == source_id,
                HarvestJob.job_type == job_type,
                HarvestJob.state == "queued",
            )
        ).scalar()
        if waiting is not None:
            if options:
                waiting.options = {**(waiting.options or {}), **options}
            return waiting
        job = HarvestJob(
            source_id=source_id,
            job_type=job_type,
            state="queued",
            options=dict(options or {}),
            log="",
        )
        s.add(job)
        s.flush()
        return job


def _claim(session: Session, job_id: int, worker: str) -> bool:
    now = utcnow()
    # an UPDATE answers a CursorResult, which carries the row count
    res = cast(
        "CursorResult[Any]",
        session.execute(
            update(HarvestJob)
            .where(HarvestJob.id == job_id, HarvestJob.state == "queued")
            .values(state="running", worker=worker, started_at=now, heartbeat_at=now)
        ),
    )
    return res.rowcount == 1


def _source_busy(session: Session, source_id: int | None, job_id: int) -> HarvestJob | None:
    if source_id is None:
        return None
    return session.execute(
        select(HarvestJob).where(
            HarvestJob.source_id == source_id,
            HarvestJob.state == "running",
            HarvestJob.id != job_id,
        )
    ).scalar()


def start_job(cat: Catalog, job_id: int, worker: str | None = None) -> HarvestJob:
    """Take one queued job for this process (the command line's foreground run)."""
    reap_stale_jobs(cat)
    worker = worker or worker_id()
    with cat.session() as s:
        job = s.get(HarvestJob, job_id)
        if job is None:
            raise NotFound(f"job {job_id} not found")
        busy = _source_busy(s, job.source_id, job.id)
        if busy is not None:
            raise HarvestFailed(
                f"source is being harvested by job {busy.id} (worker {busy.worker}, "
                f"heartbeat {busy.heartbeat_at:%Y-%m-%d %H:%M:%S})"
            )
        if not _claim(s, job_id, worker):
            raise Conflict(f"job {job_id} is {job.state}, not queued")
        s.refresh(job)
        add_log(job, f"started by {worker}")
        return job


def claim_next_job(cat: Catalog, worker: str | None = None) -> HarvestJob | None:
    """Take the oldest queued job whose source is not already running.

    PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED``, so several workers never take the
    same row. SQLite: a conditional ``UPDATE ... WHERE state = 'queued'`` whose row count
    says who won (SQLite has one writer at a time)."""
    worker = worker or worker_id()
    running = select(HarvestJob.source_id).where(
        HarvestJob.state == "running", HarvestJob.source_id.is_not(None)
    )
    candidates = (
        select(HarvestJob.id)
        .where(
            HarvestJob.state == "queued",
            or_(HarvestJob.source_id.is_(None), HarvestJob.source_id.not_in(running)),
        )
        .order_by(HarvestJob.id)
    )
    if cat.engine.dialect.name == "postgresql":
        with cat.session() as s:
            job_id = s.execute(candidates.limit(1).with_for_update(skip_locked=True)).scalar()
            return _claimed(s, job_id, worker) if job_id is not None else None
    # SQLite: each claim is its own transaction whose first statement is the UPDATE, so it
    # waits for the write lock (busy timeout) instead of failing on a stale read snapshot
    with cat.session() as s:
        ids = list(s.execute(candidates.limit(5)).scalars())
    for job_id in ids:
        with cat.session() as s:
            job = _claimed(s, job_id, worker)
            if job is not None:
                return job
    return None


def _claimed(session: Session, job_id: int, worker: str) -> HarvestJob | None:
    if not _claim(session, job_id, worker):
        return None
    job = session.get_one(HarvestJob, job_id)
    session.refresh(job)
    add_log(job, f"started by {worker}")
    return job


def heartbeat(cat: Catalog, job_id: int) -> str:
    """Record that the job's worker is alive; returns the job's state, so a worker notices
    that its job was cancelled (or failed by a reaper) and stops."""
    with cat.session() as s:
        s.execute(
            update(HarvestJob)
            .where(HarvestJob.id == job_id, HarvestJob.state == "running")
            .values(heartbeat_at=utcnow())
        )
        return s.execute(select(HarvestJob.state).where(HarvestJob.id == job_id)).scalar_one()


def add_log(job: HarvestJob, line: str) -> None:
    """Append a time-stamped line to a job's log (bounded: old lines drop off)."""
    text = (job.log or "") + f"{utcnow():%Y-%m-%d %H:%M:%S} {line}\n"
    if len(text) > MAX_LOG_CHARS:
        text = "[earlier lines dropped]\n" + text[-MAX_LOG_CHARS:]
    job.log = text


def log_job(cat: Catalog, job_id: int, line: str) -> None:
    with cat.session() as s:
        job = s.get(HarvestJob, job_id)
        if job is not None:
            add_log(job, line)


def record_job_errors(cat: Catalog, job_id: int, failures: Iterable[Failed]) -> int:
    """Store errors that belong to no batch (gather problems, document-level warnings)."""
    with cat.session() as s:
        job = s.get(HarvestJob, job_id)
        n = 0
        for f in failures:
            add_error(s, job, f.remote_id, f.stage, f.reason)
            if f.stage != "warning":
                job.count_errors += 1
            n += 1
        return n


def add_error(
    session: Session, job: HarvestJob, remote_id: str | None, stage: str, reason: str
) -> None:
    """Store a per-record error (or warning) of a job, up to MAX_ERRORS_STORED per job
    (a source of a million broken records must not fill the database; they are counted)."""
    stored = getattr(job, "_errors_stored", None)  # counted once per session, then tracked
    if stored is None:
        stored = session.execute(
            select(func.count()).select_from(HarvestError).where(HarvestError.job_id == job.id)
        ).scalar_one()
    job._errors_stored = stored + 1  # type: ignore[attr-defined]
    if stored < MAX_ERRORS_STORED:
        session.add(
            HarvestError(
                job_id=job.id,
                remote_id=(remote_id or None) and str(remote_id)[:500],
                stage=stage[:20],
                reason=reason[:5000],
            )
        )


def finish_job(
    cat: Catalog,
    job_id: int,
    state: str,
    line: str | None = None,
    watermark: str | None = None,
) -> HarvestJob:
    """Close a running job. A job cancelled or failed meanwhile keeps that state."""
    if state not in FINISHED_STATES:
        raise ValueError(state)
    with cat.session() as s:
        job = s.get(HarvestJob, job_id)
        if job.state == "running":
            job.state = state
            job.finished_at = utcnow()
            if watermark is not None:
                job.watermark = watermark
        if line:
            add_log(job, line)
        return job


def requeue_job(cat: Catalog, job_id: int, reason: str) -> None:
    """Put a job interrupted by a worker's shutdown back in the queue for another worker."""
    with cat.session() as s:
        job = s.get(HarvestJob, job_id)
        if job is not None and job.state == "running":
            job.state = "queued"
            job.worker = None
            add_log(job, f"requeued: {reason}")


def cancel_job(cat: Catalog, actor: Actor, job_id: int) -> HarvestJob:
    """Cancel a queued job, or ask a running one to stop (its worker sees it at the next
    heartbeat; what it already committed stays, a rerun carries on from there)."""
    with cat.session() as s:
        job = s.get(HarvestJob, job_id)
        if job is None:
            raise NotFound(f"job {job_id} not found")
        src = s.get(HarvestSource, job.source_id) if job.source_id else None
        rights.require_manage(actor, src.organization_id if src else None)
        if job.state in FINISHED_STATES:
            raise Conflict(f"job {job_id} is already {job.state}")
        job.state = "cancelled"
        job.finished_at = utcnow()
        add_log(job, f"cancelled by {actor.name or actor.id or 'system'}")
        return job


def _pid_gone(worker: str | None) -> bool:
    """True when the worker ran on this host and its process no longer exists."""
    if not worker or ":" not in worker:
        return False
    host, _, pid_text = worker.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:  # a killed child its parent has not waited for yet is a zombie: dead all the same
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def reap_stale_jobs(cat: Catalog, stale_after: timedelta | None = None) -> list[int]:
    """Fail running jobs whose worker died: its process is gone (same host) or its
    heartbeat is older than ``stale_after``. Listing jobs calls this, so no job is ever
    shown as running when nothing runs it."""
    stale_after = stale_after or _stale_after(cat)
    limit = utcnow() - stale_after
    reaped = []
    with cat.session() as s:
        for job in s.execute(select(HarvestJob).where(HarvestJob.state == "running")).scalars():
            beat = job.heartbeat_at or job.started_at or job.created_at
            if _pid_gone(job.worker):
                why = f"worker {job.worker} is gone"
            elif beat < limit:
                why = f"no heartbeat from worker {job.worker} since {beat:%Y-%m-%d %H:%M:%S}"
            else:
                continue
            job.state = "failed"
            job.finished_at = utcnow()
            add_log(job, f"failed: {why}; run the source again to carry on")
            reaped.append(job.id)
    return reaped


def _stale_after(cat: Catalog) -> timedelta:
    seconds = (getattr(cat.settings, "extra", None) or {}).get("harvest_stale_seconds")
    return timedelta(seconds=float(seconds)) if seconds else STALE_AFTER


def get_job(cat: Catalog, job_id: int) -> HarvestJob:
    reap_stale_jobs(cat)
    with cat.session() as s:
        job = s.get(HarvestJob, job_id)
        if job is None:
            raise NotFound(f"job {job_id} not found")
        return job


def list_jobs(cat: Catalog, source: str | int | None = None, limit: int = 20) -> list[HarvestJob]:
    reap_stale_jobs(cat)
    with cat.session() as s:
        q = select(HarvestJob).order_by(HarvestJob.id.desc()).limit(limit)
        if source is not None:
            q = q.where(HarvestJob.source_id == _source(s, source).id)
        return list(s.execute(q).scalars())


def job_errors(cat: Catalog, job_id: int, limit: int = 100) -> list[HarvestError]:
    with cat.session() as s:
        return list(
            s.execute(
                select(HarvestError)
                .where(HarvestError.job_id == job_id)
                .order_by(HarvestError.id)
                .limit(limit)
            ).scalars()
        )


# -- records for the JSON API (curators) ------------------------------------------------------
_SECRET_KEY = re.compile(r"key|token|secret|password|passwd|auth|cookie", re.I)


def redact_config(config: dict | None) -> dict:
    """Harvest configs may carry credentials for the remote source: never echo them."""
    out: dict = {}
    for k, v in (config or {}).items():
        if _SECRET_KEY.search(str(k)):
            out[k] = "***"
        elif isinstance(v, dict):
            out[k] = redact_config(v)
        else:
            out[k] = v
    return out


def _source_record(src: HarvestSource, last: HarvestJob | None, count: int) -> dict:
    d = row_to_dict(src)
    d["config"] = redact_config(d.get("config"))
    d["last_job_id"] = last.id if last else None
    d["dataset_count"] = count
    return d


def source_records(cat: Catalog, actor: Actor) -> list[dict]:
    """Every source as a dict with credentials masked, its last job and dataset count."""
    authz.require_curator(actor)
    return [_source_record(*row) for row in list_sources(cat)]


def source_record(cat: Catalog, actor: Actor, ref: str) -> dict:
    authz.require_curator(actor)
    src = get_source(cat, ref)
    for row in list_sources(cat):
        if row[0].id == src.id:
            return _source_record(*row)
    raise NotFound(f"harvest source {ref!r} not found")


def job_records(
    cat: Catalog,
    actor: Actor,
    source_id: int | None = None,
    offset: int = 0,
    limit: int = 20,
) -> tuple[int, list[dict]]:
    """(total, jobs) newest first, dead jobs failed first (as :func:`list_jobs`); the long
    log is left to the single-job view."""
    authz.require_curator(actor)
    reap_stale_jobs(cat)
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


def job_record(cat: Catalog, actor: Actor, job_id: int, max_errors: int = 1000) -> dict:
    """One job with its log and its per-record errors."""
    authz.require_curator(actor)
    d = row_to_dict(get_job(cat, job_id))
    d["errors"] = [row_to_dict(e) for e in job_errors(cat, job_id, max_errors)]
    return d


def last_watermark(cat: Catalog, source_id: int) -> str | None:
    """The watermark of the source's last finished run, where an incremental run starts."""
    with cat.session() as s:
        return s.execute(
            select(HarvestJob.watermark)
            .where(
                HarvestJob.source_id == source_id,
                HarvestJob.job_type == "harvest",
                HarvestJob.state.in_(("done", "done_with_errors")),
            )
            .order_by(HarvestJob.id.desc())
            .limit(1)
        ).scalar()


def last_full_read(cat: Catalog, source_id: int) -> datetime | None:
    """When a finished run of the source last read every record: its first run, a full
    run or a content check. An incremental run reads only what the source says changed,
    and a source may change a record without saying so (a CKAN ``package_update`` that
    keeps ``metadata_modified``); reading everything now and then, comparing content
    hashes, is how such edits arrive."""
    with cat.session() as s:
        rows = s.execute(
            select(HarvestJob.finished_at, HarvestJob.options)
            .where(
                HarvestJob.source_id == source_id,
                HarvestJob.job_type == "harvest",
                HarvestJob.state.in_(("done", "done_with_errors")),
            )
            .order_by(HarvestJob.id.desc())
            .limit(1000)
        )
        first = None
        for finished_at, options in rows:
            opts = options or {}
            if opts.get("full") or opts.get("content_check"):
                return finished_at
            first = finished_at
        return first  # the first finished run read everything; None when there is none


def mark_content_check(cat: Catalog, job_id: int) -> None:
    """Note on the job that it reads every record, so the next check counts from it."""
    with cat.session() as s:
        job = s.get(HarvestJob, job_id)
        if job is not None:
            job.options = {**(job.options or {}), "content_check": True}


def schedule_due(cat: Catalog, now: datetime | None = None) -> list[HarvestJob]:
    """Queue a job for every active scheduled source whose interval has passed."""
    now = now or utcnow()
    queued = []
    with cat.session() as s:
        sources = list(
            s.execute(
                select(HarvestSource).where(
                    HarvestSource.active.is_(True), HarvestSource.schedule.is_not(None)
                )
            ).scalars()
        )
        for src in sources:
            try:
                every = parse_schedule(src.schedule)
            except ValidationFailed:
                continue
            if every is None:
                continue
            last = s.execute(
                select(HarvestJob)
                .where(HarvestJob.source_id == src.id, HarvestJob.job_type == "harvest")
                .order_by(HarvestJob.id.desc())
                .limit(1)
            ).scalar()
            if last is not None and (
                last.state in ("queued", "running") or last.created_at + every > now
            ):
                continue
            queued.append(src.id)
    return [enqueue_job(cat, SYSTEM, sid) for sid in queued]
