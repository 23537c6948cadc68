"""Loading harvested records: new, changed, unchanged, duplicate, gone.

A record is ``(source, remote id)`` (``dataset_sources``). :func:`load_batch` writes one
batch in one transaction with the job's counts, so a killed job loses at most the batch in
flight. Records of different sources that describe one dataset are linked through hashed
match keys instead of being listed twice (:func:`find_duplicate`). Records a source stops
offering are withdrawn after a grace period, never deleted, and restored when they come
back (:func:`withdraw_missing`): withdrawn records that never leave the catalog are the
other common failure of harvesting catalogs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from catalog.errors import CatalogError, ValidationFailed
from catalog.models import (
    AuditEvent,
    Dataset,
    DatasetMatchKey,
    DatasetSource,
    HarvestJob,
    Organization,
    utcnow,
)
from catalog.services import audit, datasets, organizations
from catalog.services.authz import SYSTEM
from catalog.services.harvest import (
    NAME_RE,
    BatchItem,
    Changed,
    Counts,
    Failed,
    KnownRecord,
    PublisherRef,
    SourceSpec,
    Unchanged,
    add_error,
    add_log,
    find_organization,
)


def known_records(cat, source_id: int, remote_ids: Iterable[str]) -> dict[str, KnownRecord]:  # noqa: ANN001
    """What the catalog already holds of these records of a source (one query per batch)."""
    ids = [r for r in set(remote_ids) if r]
    out: dict[str, KnownRecord] = {}
    with cat.session() as s:
        for i in range(0, len(ids), 500):
            rows = s.execute(
                select(
                    DatasetSource.source_record_id,
                    DatasetSource.dataset_id,
                    DatasetSource.content_hash,
                    DatasetSource.gone_since,
                ).where(
                    DatasetSource.source_id == source_id,
                    DatasetSource.source_record_id.in_(ids[i : i + 500]),
                )
            ).all()
            for rid, did, h, gone in rows:
                out[rid] = KnownRecord(did, h, gone is not None)
    return out


def resolve_publisher(cat, spec: SourceSpec, ref: PublisherRef | None) -> str | None:  # noqa: ANN001
    """Our organization for a remote publisher: the source's mapping first, then an
    organization with the same name or title, then (unless the source says not to) a new
    organization; without a publisher, the source's owner."""
    if ref is None or not (ref.key or ref.title):
        return spec.organization
    mapping = spec.config.get("organizations") or {}
    for k in (ref.key, ref.title, ref.title_en):
        if k and k in mapping:
            target = mapping[k]
            with cat.session() as s:
                return find_organization(s, target).name if target else spec.organization
    slug = NAME_RE.sub("-", (ref.key or "").lower()).strip("-")[:90]
    with cat.session() as s:
        conds = [Organization.title == ref.title, Organization.title_en == ref.title]
        if ref.title_en:
            conds.append(Organization.title_en == ref.title_en)
        if slug and ref.key == slug:
            conds.append(Organization.name == slug)
        found = s.execute(select(Organization.name).where(or_(*conds)).limit(1)).scalar()
    if found:
        return found
    if not spec.config.get("create_organizations", True):
        return spec.organization
    return _create_publisher(cat, spec, ref, slug)


def _create_publisher(cat, spec: SourceSpec, ref: PublisherRef, slug: str) -> str:  # noqa: ANN001
    """A new organization for a remote publisher, named after its remote key (or a hash of
    its title when that key has no Latin letters), ``-2``, ``-3``... if the name is taken."""
    if len(slug) < 3:
        slug = "org-" + hashlib.sha1((ref.key or ref.title).encode()).hexdigest()[:10]
    title = (ref.title or ref.key)[:300]
    data = {
        "title": title,
        "title_en": ref.title_en or (title if title.isascii() else None),
        "org_type": spec.config.get("organization_type", "government"),
    }
    optional = {"description": ref.description, "homepage": ref.homepage}
    data |= {k: v for k, v in optional.items() if v}
    for n in range(1, 50):
        name = slug if n == 1 else f"{slug}-{n}"
        try:
            return organizations.create_organization(cat, SYSTEM, {**data, "name": name}).name
        except ValidationFailed as exc:
            if "name" not in exc.messages:  # e.g. a homepage that is not a URL: without it
                data = {k: v for k, v in data.items() if k not in optional}
                return organizations.create_organization(cat, SYSTEM, {**data, "name": name}).name
        with cat.session() as s:  # the name is taken: by this publisher (another worker)?
            same = s.execute(
                select(Organization.name).where(
                    Organization.name == name, Organization.title == title
                )
            ).scalar()
        if same:
            return same
    raise ValidationFailed({"organization": [f"Cannot name an organization for {title!r}."]})


def _owner_sources(session: Session, dataset_id: str) -> tuple[list[DatasetSource], set[str]]:
    links = list(
        session.execute(
            select(DatasetSource).where(DatasetSource.dataset_id == dataset_id)
        ).scalars()
    )
    active = {f"source:{ln.source_id}" for ln in links if ln.gone_since is None}
    return links, active


def find_duplicate(
    session: Session, spec: SourceSpec, values: dict, keys: list[tuple[str, str]]
) -> tuple[Dataset, str] | None:
    """A dataset another source (or a person) already holds that this record describes.

    Keys are tried strongest first (identifier, landing page, distribution URL, content
    hash, publisher + title); a key shared by several datasets proves nothing and is
    skipped, and a dataset this source already feeds through another record is not a
    duplicate (two records of one source are two datasets)."""
    if not keys and not values.get("identifier"):
        return None
    rows = (
        session.execute(
            select(DatasetMatchKey.kind, DatasetMatchKey.key, DatasetMatchKey.dataset_id).where(
                DatasetMatchKey.key.in_([k for _, k in keys]),
                DatasetMatchKey.source_id != spec.id,
            )
        ).all()
        if keys
        else []
    )
    by_key: dict[str, set[str]] = {}
    for _kind, key, did in rows:
        by_key.setdefault(key, set()).add(did)
    mine = set(
        session.execute(
            select(DatasetSource.dataset_id).where(
                DatasetSource.source_id == spec.id,
                DatasetSource.dataset_id.in_({d for ds in by_key.values() for d in ds}),
            )
        ).scalars()
    )
    for kind, key in keys:
        hits = by_key.get(key, set())
        if len(hits) == 1 and not hits & mine:
            ds = session.get(Dataset, next(iter(hits)))
            if ds is not None:
                return ds, kind
    ident = values.get("identifier")
    if ident:  # hand-made datasets have no match keys; their identifier still counts
        hits = list(
            session.execute(
                select(Dataset).where(Dataset.identifier == ident, Dataset.source_id.is_(None))
            )
            .scalars()
            .all()
        )
        if len(hits) == 1:
            return hits[0], "identifier"
    return None


def _set_keys(
    session: Session, dataset_id: str, source_id: int, keys: list, *, fresh: bool = False
) -> None:
    if not fresh:
        session.execute(
            delete(DatasetMatchKey).where(
                DatasetMatchKey.dataset_id == dataset_id, DatasetMatchKey.source_id == source_id
            )
        )
    for kind, key in dict.fromkeys(keys):
        session.add(DatasetMatchKey(dataset_id=dataset_id, source_id=source_id, kind=kind, key=key))


def _last_status_event(session: Session, dataset_id: str) -> AuditEvent | None:
    return session.execute(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == "dataset",
            AuditEvent.object_id == dataset_id,
            AuditEvent.action.in_(
                [f"dataset.{s}" for s in ("published", "withdrawn", "draft", "submitted")]
                + ["dataset.rejected"]
            ),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).scalar()


def _set_status(
    session: Session, ds: Dataset, to: str, note: str, data: dict, job: HarvestJob
) -> None:
    before = ds.status
    ds.status = to
    ds.status_note = note
    audit.record(
        session,
        SYSTEM,
        f"dataset.{to}",
        "dataset",
        ds.id,
        note=note,
        data={"from": before, "to": to, "job": job.id, **data},
    )
    datasets.finish_change(session, ds, SYSTEM)


def _restore_if_harvest_withdrew(
    session: Session, spec: SourceSpec, link: DatasetSource, job: HarvestJob
) -> bool:
    """A record is back: clear its absence, and undo a withdrawal that a harvest (not a
    person) made because of it."""
    link.gone_since = None
    ds = session.get(Dataset, link.dataset_id)
    if ds is None or ds.status not in ("withdrawn", "draft"):
        return False
    event = _last_status_event(session, ds.id)
    if event is None or "harvest_source" not in (event.data or {}):
        return False
    back = event.data.get("from")
    if back not in ("published", "submitted"):
        return False
    _set_status(
        session,
        ds,
        back,
        f"offered again by harvest source {spec.name}",
        {"harvest_source": spec.id, "reason": "back"},
        job,
    )
    return True


def load_batch(cat, job_id: int, spec: SourceSpec, items: list[BatchItem]) -> Counts:  # noqa: ANN001
    """Store one batch of records in one transaction, with the job's counts and heartbeat,
    so a job killed at any moment leaves either the whole batch or none of it.

    One bad record never stops the batch: each record is written inside a savepoint and a
    failure is recorded against the record."""
    counts = Counts()
    now = utcnow()
    with cat.session() as s:
        job = s.get(HarvestJob, job_id)
        rids = [i.remote_id for i in items if i.remote_id]
        links = {
            ln.source_record_id: ln
            for ln in s.execute(
                select(DatasetSource).where(
                    DatasetSource.source_id == spec.id,
                    DatasetSource.source_record_id.in_(rids),
                )
            ).scalars()
        }
        for item in items:
            link = links.get(item.remote_id) if item.remote_id else None
            if isinstance(item, Failed):
                counts.errors += 1
                add_error(s, job, item.remote_id, item.stage, item.reason)
                if link is not None:
                    link.last_seen_at = now  # still offered, just unreadable: keep what we have
                continue
            if isinstance(item, Unchanged):
                if link is None:  # e.g. removed by hand since: treat as new next time
                    continue
                link.last_seen_at = now
                if link.gone_since is not None and _restore_if_harvest_withdrew(s, spec, link, job):
                    counts.updated += 1
                else:
                    link.gone_since = None
                    counts.unchanged += 1
                continue
            try:
                with s.begin_nested():
                    outcome = _store_changed(s, spec, job, item, link, now)
            except Exception as exc:  # noqa: BLE001  (one record's failure, database ones too)
                counts.errors += 1
                if isinstance(exc, ValidationFailed):
                    reason = f"invalid: {exc.messages}"
                elif isinstance(exc, CatalogError):
                    reason = str(exc)
                else:
                    reason = f"{type(exc).__name__}: {exc}"
                add_error(s, job, item.remote_id, "load", reason[:2000])
                if link is not None:
                    link.last_seen_at = now
                continue
            setattr(counts, outcome, getattr(counts, outcome) + 1)
            for w in item.warnings:
                add_error(s, job, item.remote_id, "warning", w)
        job.count_new += counts.new
        job.count_updated += counts.updated
        job.count_unchanged += counts.unchanged
        job.count_errors += counts.errors
        if job.state == "running":
            job.heartbeat_at = utcnow()
    return counts


def _store_changed(
    s: Session,
    spec: SourceSpec,
    job: HarvestJob,
    item: Changed,
    link: DatasetSource | None,
    now: datetime,
) -> str:
    """Write one new or changed record; returns the count it falls under."""
    audit_data = {"harvest_source": spec.id, "job": job.id, "record": item.remote_id}
    if link is not None:
        ds = s.get(Dataset, link.dataset_id)
        _, active = _owner_sources(s, ds.id)
        primary = ds.source_id == spec.id
        provenance = {"harvested_at": now}
        if primary:
            provenance["content_hash"] = item.content_hash
        _, changed = datasets.write_harvested(
            s,
            SYSTEM,
            item.values,
            dataset=ds,
            owner=spec.owner,
            emitted=item.emitted,
            active_owners=active,
            status=ds.status,
            provenance=provenance,
            audit_data=audit_data,
        )
        restored = link.gone_since is not None and _restore_if_harvest_withdrew(s, spec, link, job)
        link.content_hash = item.content_hash
        link.last_seen_at = now
        link.gone_since = None
        _set_keys(s, ds.id, spec.id, item.keys)
        return "updated" if changed or restored else "unchanged"
    dup = find_duplicate(s, spec, item.values, item.keys)
    if dup is not None:
        ds, why = dup
        _, active = _owner_sources(s, ds.id)
        datasets.write_harvested(
            s,
            SYSTEM,
            item.values,
            dataset=ds,
            owner=spec.owner,
            emitted=item.emitted,
            active_owners=active,
            status=ds.status,
            provenance={"harvested_at": now},
            audit_data={**audit_data, "linked_by": why},
        )
        add_log(job, f"record {item.remote_id} is dataset {ds.name} (same {why}): linked")
    else:
        status = "published" if spec.trusted else "submitted"
        ds, _ = datasets.write_harvested(
            s,
            SYSTEM,
            item.values,
            dataset=None,
            owner=spec.owner,
            emitted=item.emitted,
            active_owners=set(),
            status=status,
            provenance={
                "source_id": spec.id,
                "source_record_id": item.remote_id,
                "content_hash": item.content_hash,
                "harvested_at": now,
            },
            audit_data=audit_data,
        )
    s.add(
        DatasetSource(
            dataset_id=ds.id,
            source_id=spec.id,
            source_record_id=item.remote_id,
            content_hash=item.content_hash,
            first_seen_at=now,
            last_seen_at=now,
        )
    )
    _set_keys(s, ds.id, spec.id, item.keys, fresh=dup is None)
    return "new"


def withdraw_missing(
    cat,  # noqa: ANN001
    job_id: int,
    spec: SourceSpec,
    *,
    grace: timedelta,
    max_fraction: float = 0.5,
    force: bool = False,
) -> tuple[int, str | None]:
    """After a complete run: note records the source no longer offers, and withdraw (never
    delete) datasets none of whose sources has offered them for ``grace``.

    A run that would make more than ``max_fraction`` of a source's records disappear at
    once (a portal answering with an empty list during an outage looks like that) marks
    nothing unless ``force``: it returns the reason instead. Returns (withdrawn, problem)."""
    now = utcnow()
    with cat.session() as s:
        job = s.get(HarvestJob, job_id)
        started = job.started_at or job.created_at
        active = s.execute(
            select(func.count())
            .select_from(DatasetSource)
            .where(DatasetSource.source_id == spec.id, DatasetSource.gone_since.is_(None))
        ).scalar_one()
        newly_gone = s.execute(
            select(func.count())
            .select_from(DatasetSource)
            .where(
                DatasetSource.source_id == spec.id,
                DatasetSource.gone_since.is_(None),
                DatasetSource.last_seen_at < started,
            )
        ).scalar_one()
        if not force and newly_gone > 3 and newly_gone > max_fraction * active:
            problem = (
                f"{newly_gone} of {active} records vanished at once; nothing withdrawn "
                f"(run with --force-withdraw if the source really dropped them)"
            )
            add_log(job, problem)
            return 0, problem
        s.execute(
            update(DatasetSource)
            .where(
                DatasetSource.source_id == spec.id,
                DatasetSource.gone_since.is_(None),
                DatasetSource.last_seen_at < started,
            )
            .values(gone_since=now)
        )
        due = list(
            s.execute(
                select(DatasetSource.dataset_id).where(
                    DatasetSource.source_id == spec.id,
                    DatasetSource.gone_since.is_not(None),
                    DatasetSource.gone_since <= now - grace,
                )
            ).scalars()
        )
    withdrawn = 0
    for i in range(0, len(due), 200):
        with cat.deferred_indexing(), cat.session() as s:
            job = s.get(HarvestJob, job_id)
            n = 0
            for did in due[i : i + 200]:
                still_fed = s.execute(
                    select(func.count())
                    .select_from(DatasetSource)
                    .where(
                        DatasetSource.dataset_id == did,
                        or_(
                            DatasetSource.gone_since.is_(None),
                            DatasetSource.gone_since > now - grace,
                        ),
                    )
                ).scalar_one()
                ds = s.get(Dataset, did)
                target = {"published": "withdrawn", "submitted": "draft"}.get(
                    ds.status if ds else ""
                )
                if still_fed or target is None:
                    continue
                _set_status(
                    s,
                    ds,
                    target,
                    f"no longer offered by harvest source {spec.name}",
                    {"harvest_source": spec.id, "reason": "gone"},
                    job,
                )
                n += 1
            job.count_withdrawn += n
            withdrawn += n
    return withdrawn, None
