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
import logging
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from catalog.db import Base
from catalog.errors import CatalogError, ValidationFailed
from catalog.models import (
    AuditEvent,
    Dataset,
    DatasetMatchKey,
    DatasetSource,
    DatasetVersion,
    Distribution,
    HarvestJob,
    IndexOutbox,
    Organization,
    new_id,
    utcnow,
)
from catalog.quality import score_dataset
from catalog.services import audit, authz, datasets, organizations
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
from schemas.dataset import EDITABLE_FIELDS

if TYPE_CHECKING:
    from catalog.context import Catalog

log = logging.getLogger(__name__)


def known_records(
    cat: Catalog, source_id: int, remote_ids: Iterable[str | None]
) -> dict[str, KnownRecord]:
    """What the catalog already holds of these records of a source (one query per batch;
    records not identified yet, ``None``, are left out)."""
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


def resolve_publisher(cat: Catalog, spec: SourceSpec, ref: PublisherRef | None) -> str | None:
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


def _create_publisher(cat: Catalog, spec: SourceSpec, ref: PublisherRef, slug: str) -> str:
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
        same = list(
            session.execute(
                select(Dataset).where(Dataset.identifier == ident, Dataset.source_id.is_(None))
            )
            .scalars()
            .all()
        )
        if len(same) == 1:
            return same[0], "identifier"
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


class LoadState:
    """What the batches of one run share: the next free counter of each dataset name base
    (``traffic-data``, ``traffic-data-2``, ...), so that names earlier records took are not
    probed again one query at a time. Bounded: a base it forgot is probed again."""

    MAX_BASES = 50_000

    def __init__(self) -> None:
        self.next_n: OrderedDict[str, int] = OrderedDict()

    def remember(self, base: str, n: int) -> None:
        self.next_n[base] = n
        self.next_n.move_to_end(base)
        if len(self.next_n) > self.MAX_BASES:
            self.next_n.popitem(last=False)

    def forget(self) -> None:
        self.next_n.clear()


def load_batch(
    cat: Catalog,
    job_id: int,
    spec: SourceSpec,
    items: list[BatchItem],
    state: LoadState | None = None,
) -> Counts:
    """Store one batch of records in one transaction, with the job's counts and heartbeat,
    so a job killed at any moment leaves either the whole batch or none of it.

    The new and changed records are written together (lookups per batch, one flush, then
    the versions, audit events, match keys and index updates inserted per batch) inside
    one savepoint. If anything in it fails, the batch is written again record by record,
    each in its own savepoint, so one bad record never stops the batch: its failure is
    recorded against it."""
    state = state or LoadState()
    counts = Counts()
    now = utcnow()
    notes: list[tuple[int, str | None, str, str]] = []  # errors and warnings, by position
    with cat.session() as s:
        job = s.get(HarvestJob, job_id)
        rids = [i.remote_id for i in items if i.remote_id]
        links: dict[str, DatasetSource] = {}
        for chunk in _chunks(rids):
            for ln in s.execute(
                select(DatasetSource).where(
                    DatasetSource.source_id == spec.id,
                    DatasetSource.source_record_id.in_(chunk),
                )
            ).scalars():
                links[ln.source_record_id] = ln
        changed: list[tuple[int, Changed, DatasetSource | None]] = []
        for pos, item in enumerate(items):
            link = links.get(item.remote_id) if item.remote_id else None
            if isinstance(item, Failed):
                counts.errors += 1
                notes.append((pos, item.remote_id, item.stage, item.reason))
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
            changed.append((pos, item, link))
        for (pos, item, link), outcome in zip(
            changed, _store(s, spec, job, changed, now, state), strict=True
        ):
            if isinstance(outcome, Exception):
                counts.errors += 1
                notes.append((pos, item.remote_id, "load", _reason(outcome)[:2000]))
                if link is not None:
                    link.last_seen_at = now
                continue
            setattr(counts, outcome, getattr(counts, outcome) + 1)
            notes.extend((pos, item.remote_id, "warning", w) for w in item.warnings)
        for _pos, rid, stage, reason in sorted(notes, key=lambda n: n[0]):
            add_error(s, job, rid, stage, reason)
        job.count_new += counts.new
        job.count_updated += counts.updated
        job.count_unchanged += counts.unchanged
        job.count_errors += counts.errors
        if job.state == "running":
            job.heartbeat_at = utcnow()
    return counts


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationFailed):
        return f"invalid: {exc.messages}"
    if isinstance(exc, CatalogError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _chunks(values: Iterable, n: int = 500) -> Iterator[list]:
    values = list(values)
    for i in range(0, len(values), n):
        yield values[i : i + n]


def _store(
    s: Session,
    spec: SourceSpec,
    job: HarvestJob,
    changed: list[tuple[int, Changed, DatasetSource | None]],
    now: datetime,
    state: LoadState,
) -> list[str | Exception]:
    """The count each new or changed record falls under, or why it failed."""
    if not changed:
        return []
    try:
        with s.begin_nested():
            with s.no_autoflush:
                outcomes = _BatchWriter(s, spec, job, now, state).write(changed)
            s.flush()
        return list(outcomes)
    except Exception as exc:
        log.info("batch of %d records stored one by one: %s", len(changed), _reason(exc))
    state.forget()  # its counters may count names that were never stored
    out: list[str | Exception] = []
    for _pos, item, link in changed:
        try:
            with s.begin_nested():
                out.append(_store_changed(s, spec, job, item, link, now))
        except Exception as exc:
            out.append(exc)
    return out


class _BatchWriter:
    """Writes the new and changed records of one batch together: what ``_store_changed``
    does for one record, with the lookups made once per batch and the closing work of each
    change (quality score, version snapshot, audit event, index update) done after one
    flush. Records that need the rarer paths (a record back after an absence, a duplicate
    of another source's dataset) go through them one by one, in order."""

    def __init__(
        self, s: Session, spec: SourceSpec, job: HarvestJob, now: datetime, state: LoadState
    ):
        self.s, self.spec, self.job, self.now, self.state = s, spec, job, now, state
        self.pending: dict[str, Dataset] = {}  # changed datasets, closed together at the end
        self.new_rows: list[dict] = []  # new datasets, their distributions and first versions
        self.new_distributions: list[dict] = []
        self.new_versions: list[dict] = []
        self.audits: list[dict] = []
        self.sources: list[dict] = []
        self.keys: dict[str, list[tuple[str, str]]] = {}  # dataset id -> this source's keys

    # -- closing changes ---------------------------------------------------------------------
    def finish(self, _session: Session, ds: Dataset, _actor: object) -> None:
        """``write_harvested``'s ``finish``: the change is closed with the batch."""
        ds.quality_score = score_dataset(ds).total
        self.pending[ds.id] = ds

    def settle(self, dataset_id: str) -> None:
        """Close a pending change now, before a one-by-one path touches the dataset."""
        ds = self.pending.pop(dataset_id, None)
        if ds is not None:
            self.s.flush()
            self._versions([ds])

    def _versions(self, changed: list[Dataset]) -> None:
        """Versions and index updates of changed datasets, as ``datasets.finish_change``."""
        if not changed:
            return
        last: dict[str, int] = {}
        for chunk in _chunks([d.id for d in changed]):
            last.update(
                self.s.execute(
                    select(DatasetVersion.dataset_id, func.max(DatasetVersion.number))
                    .where(DatasetVersion.dataset_id.in_(chunk))
                    .group_by(DatasetVersion.dataset_id)
                ).all()
            )
        rows = [
            {
                "dataset_id": d.id,
                "number": (last.get(d.id) or 0) + 1,
                "data": datasets.snapshot(d),
                "actor_id": SYSTEM.id,
            }
            for d in changed
        ]
        self.s.execute(insert(_table(DatasetVersion)), rows)
        self.s.execute(insert(_table(IndexOutbox)), [{"dataset_id": d.id} for d in changed])

    # -- the batch ---------------------------------------------------------------------------
    def write(self, changed: list[tuple[int, Changed, DatasetSource | None]]) -> list[str]:
        s, spec = self.s, self.spec
        fresh = [item for _pos, item, link in changed if link is None]
        updated_ids = [ln.dataset_id for _p, _i, ln in changed if ln is not None]
        found = self._datasets(updated_ids)
        owners = self._owners(updated_ids)
        if updated_ids:
            for chunk in _chunks(updated_ids):
                s.execute(
                    delete(DatasetMatchKey).where(
                        DatasetMatchKey.source_id == spec.id,
                        DatasetMatchKey.dataset_id.in_(chunk),
                    )
                )
        dups = _Duplicates(s, spec, fresh)
        outcomes: list[str] = []
        creating: list[Changed] = []
        for _pos, item, link in changed:
            if link is not None and link.gone_since is not None:
                # back after an absence: restore first, exactly as one record is written
                self.settle(link.dataset_id)
                s.flush()
                outcomes.append(_store_changed(s, spec, self.job, item, link, self.now))
                self.keys.pop(link.dataset_id, None)  # _store_changed wrote them
            elif link is not None:
                outcomes.append(self._update(item, link, found[link.dataset_id], owners))
            elif (dup := dups.find(item)) is not None:
                outcomes.append(self._link(item, *dup))
            else:  # inserted together below
                creating.append(item)
                outcomes.append("new")
        self._create(creating)
        s.flush()
        self._versions(list(self.pending.values()))
        rows = [
            {"dataset_id": did, "source_id": spec.id, "kind": kind, "key": key}
            for did, keys in self.keys.items()
            for kind, key in dict.fromkeys(keys)
        ]
        outbox = [{"dataset_id": r["id"]} for r in self.new_rows]
        for table, values in (
            (_table(Dataset), self.new_rows),
            (_table(Distribution), self.new_distributions),
            (_table(DatasetVersion), self.new_versions),
            (_table(AuditEvent), self.audits),
            (_table(DatasetSource), self.sources),
            (_table(DatasetMatchKey), rows),
            (_table(IndexOutbox), outbox),
        ):
            if values:
                s.execute(insert(table), values)
        return outcomes

    def _datasets(self, ids: list[str]) -> dict[str, Dataset]:
        found: dict[str, Dataset] = {}
        for chunk in _chunks(ids):
            for ds in self.s.execute(select(Dataset).where(Dataset.id.in_(chunk))).scalars():
                found[ds.id] = ds
        return found

    def _owners(self, ids: list[str]) -> dict[str, set[str]]:
        """The sources still feeding each dataset (``_owner_sources``, per batch)."""
        active: dict[str, set[str]] = {i: set() for i in ids}
        for chunk in _chunks(ids):
            for did, sid in self.s.execute(
                select(DatasetSource.dataset_id, DatasetSource.source_id).where(
                    DatasetSource.dataset_id.in_(chunk), DatasetSource.gone_since.is_(None)
                )
            ).all():
                active[did].add(f"source:{sid}")
        return active

    def _update(
        self, item: Changed, link: DatasetSource, ds: Dataset, owners: dict[str, set[str]]
    ) -> str:
        """A changed record of a dataset this source feeds (``_store_changed``)."""
        self.settle(ds.id)
        provenance: dict = {"harvested_at": self.now}
        if ds.source_id == self.spec.id:
            provenance["content_hash"] = item.content_hash
        _, changed = datasets.write_harvested(
            self.s,
            SYSTEM,
            item.values,
            dataset=ds,
            owner=self.spec.owner,
            emitted=item.emitted,
            active_owners=owners[ds.id],
            status=ds.status,
            provenance=provenance,
            audit_data=self._audit_data(item),
            finish=self.finish,
        )
        link.content_hash = item.content_hash
        link.last_seen_at = self.now
        link.gone_since = None
        self.keys[ds.id] = list(item.keys)
        return "updated" if changed else "unchanged"

    def _link(self, item: Changed, ds: Dataset, why: str) -> str:
        """A new record describing another source's dataset: linked, filling its gaps."""
        self.settle(ds.id)
        _, active = _owner_sources(self.s, ds.id)
        datasets.write_harvested(
            self.s,
            SYSTEM,
            item.values,
            dataset=ds,
            owner=self.spec.owner,
            emitted=item.emitted,
            active_owners=active,
            status=ds.status,
            provenance={"harvested_at": self.now},
            audit_data={**self._audit_data(item), "linked_by": why},
            finish=self.finish,
        )
        add_log(self.job, f"record {item.remote_id} is dataset {ds.name} (same {why}): linked")
        self._source_row(ds.id, item)
        self.s.execute(
            delete(DatasetMatchKey).where(
                DatasetMatchKey.dataset_id == ds.id, DatasetMatchKey.source_id == self.spec.id
            )
        )
        self.keys[ds.id] = list(item.keys)
        return "new"

    def _create(self, items: list[Changed]) -> None:
        """New datasets, as ``datasets.write_harvested`` creates one without a dataset, but
        as rows inserted per batch: no ORM objects, the version snapshot from the row."""
        if not items:
            return
        s, spec = self.s, self.spec
        status = "published" if spec.trusted else "submitted"
        if status == "published":
            authz.require_curator(SYSTEM)
        names = _allocate_names(s, self.state, [it.values for it in items])
        orgs = _organizations(s, {it.values.get("organization") for it in items})
        owner = spec.owner
        for item, name in zip(items, names, strict=True):
            values: dict[str, Any] = {k: datasets._naive_utc(v) for k, v in item.values.items()}
            ref = values.pop("organization", None)
            org_id = None
            if ref:
                if ref not in orgs:
                    raise ValidationFailed({"organization": ["Unknown organization."]})
                org_id = orgs[ref]
            authz.require_create_dataset(SYSTEM, org_id)
            values["name"] = name
            if not values.get("modified"):
                values["modified"] = self.now
            dists = values.pop("distributions", None) or []
            row = _defaults(_DATASET_COLUMNS)
            row.update(values)
            row.update(
                id=new_id(),
                organization_id=org_id,
                status=status,
                created_by=SYSTEM.id,
                updated_by=SYSTEM.id,
                field_provenance={k: owner for k in EDITABLE_FIELDS if k in item.emitted},
                source_id=spec.id,
                source_record_id=item.remote_id,
                content_hash=item.content_hash,
                harvested_at=self.now,
            )
            drows = []
            for i, d in enumerate(dists):
                drow = _defaults(_DISTRIBUTION_COLUMNS)
                drow.update(d, id=new_id(), dataset_id=row["id"], position=i)
                if row["access_rights"] != "conditional":
                    drow["restricted"] = False
                drows.append(drow)
            row["quality_score"] = score_dataset(
                SimpleNamespace(**row, distributions=[SimpleNamespace(**d) for d in drows])
            ).total
            self.new_rows.append(row)
            self.new_distributions += drows
            snapshot = _jsonable(row)
            snapshot["distributions"] = [_jsonable(d) for d in drows]
            self.new_versions.append(
                {"dataset_id": row["id"], "number": 1, "data": snapshot, "actor_id": SYSTEM.id}
            )
            self.audits.append(
                {
                    "actor_id": SYSTEM.id,
                    "action": "dataset.create",
                    "object_type": "dataset",
                    "object_id": row["id"],
                    "note": None,
                    "data": {**self._audit_data(item), "status": status},
                    "address": None,
                }
            )
            self._source_row(row["id"], item)
            self.keys[row["id"]] = list(item.keys)

    def _source_row(self, dataset_id: str, item: Changed) -> None:
        self.sources.append(
            {
                "dataset_id": dataset_id,
                "source_id": self.spec.id,
                "source_record_id": item.remote_id,
                "content_hash": item.content_hash,
                "first_seen_at": self.now,
                "last_seen_at": self.now,
            }
        )

    def _audit_data(self, item: Changed) -> dict:
        return {"harvest_source": self.spec.id, "job": self.job.id, "record": item.remote_id}


def _table(model: type[Base]) -> Table:
    """A model's table, for core INSERTs (the ORM types ``__table__`` as any FromClause)."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


_DATASET_COLUMNS = list(_table(Dataset).columns)
_DISTRIBUTION_COLUMNS = list(_table(Distribution).columns)


def _defaults(columns: list) -> dict:
    """A row of a table as an INSERT with no values gives it (the columns' defaults)."""
    row: dict[str, Any] = {}
    for col in columns:
        default = col.default
        if default is None:
            row[col.key] = None
        elif default.is_callable:
            row[col.key] = default.arg(None)
        else:
            row[col.key] = default.arg
    return row


def _jsonable(row: dict) -> dict:
    """A row as ``records.row_to_dict`` gives it (dates as ISO 8601 text)."""
    return {k: v.isoformat() if isinstance(v, datetime | date) else v for k, v in row.items()}


class _Duplicates:
    """``find_duplicate`` for the new records of a batch, with its lookups made once."""

    def __init__(self, s: Session, spec: SourceSpec, items: list[Changed]):
        self.s = s
        self.by_key: dict[str, set[str]] = {}
        self.by_identifier: dict[str, list[str]] = {}
        self.mine: set[str] = set()
        keys = {k for it in items for _kind, k in it.keys}
        for chunk in _chunks(keys):
            for key, did in s.execute(
                select(DatasetMatchKey.key, DatasetMatchKey.dataset_id).where(
                    DatasetMatchKey.key.in_(chunk), DatasetMatchKey.source_id != spec.id
                )
            ).all():
                self.by_key.setdefault(key, set()).add(did)
        hits = {d for ds in self.by_key.values() for d in ds}
        for chunk in _chunks(hits):
            self.mine.update(
                s.execute(
                    select(DatasetSource.dataset_id).where(
                        DatasetSource.source_id == spec.id, DatasetSource.dataset_id.in_(chunk)
                    )
                ).scalars()
            )
        idents = {it.values.get("identifier") for it in items} - {None, ""}
        for chunk in _chunks(idents):
            for did, ident in s.execute(
                select(Dataset.id, Dataset.identifier).where(
                    Dataset.identifier.in_(chunk), Dataset.source_id.is_(None)
                )
            ).all():
                if ident is not None:  # always, as it matched
                    self.by_identifier.setdefault(ident, []).append(did)

    def find(self, item: Changed) -> tuple[Dataset, str] | None:
        ident = item.values.get("identifier")
        if not item.keys and not ident:
            return None
        for kind, key in item.keys:
            hits = self.by_key.get(key, set())
            if len(hits) == 1 and not hits & self.mine:
                ds = self.s.get(Dataset, next(iter(hits)))
                if ds is not None:
                    self.mine.add(ds.id)  # this source feeds it now
                    return ds, kind
        if ident:  # hand-made datasets have no match keys; their identifier still counts
            same = self.by_identifier.get(ident, [])
            if len(same) == 1:
                ds = self.s.get(Dataset, same[0])
                if ds is not None:
                    self.mine.add(ds.id)
                    return ds, "identifier"
        return None


def _organizations(s: Session, refs: set) -> dict[str, str]:
    """Our organizations by name or id (``datasets._resolve_org``, per batch)."""
    refs = {r for r in refs if r}
    out: dict[str, str] = {}
    for chunk in _chunks(refs):
        for oid, name in s.execute(
            select(Organization.id, Organization.name).where(
                or_(Organization.name.in_(chunk), Organization.id.in_(chunk))
            )
        ).all():
            if name in refs:
                out[name] = oid
            if oid in refs:
                out.setdefault(oid, oid)
    return out


_PROBE = 64


def _allocate_names(s: Session, state: LoadState, batch: list[dict]) -> list[str]:
    """Names of new datasets, as ``datasets.write_harvested`` gives them one by one: the
    record's name when it is free, else the first free of ``base``, ``base-2``, ``base-3``
    ... (``datasets._unique_name``). Taken names are looked up per batch, counters probed
    in windows and remembered for the run."""
    wanted = [v.get("name") for v in batch]
    taken: set[str] = set()
    for chunk in _chunks({w for w in wanted if w}):
        taken.update(s.execute(select(Dataset.name).where(Dataset.name.in_(chunk))).scalars())
    used: set[str] = set()  # given to earlier records of this batch
    out = []
    for values, w in zip(batch, wanted, strict=True):
        if w and w not in taken and w not in used:
            name = w
        else:
            # the base datasets._unique_name counts from
            base = datasets._slug(w or values.get("resource_code") or "") or datasets._slug(
                values.get("title_en") or ""
            )
            if len(base) < 3:
                kind = values.get("kind", "dataset").replace("_", "-")
                name = f"{kind}-{uuid.uuid4().hex[:10]}"
            elif base not in used and base not in taken and not _name_taken(s, base):
                name = base
            else:
                name = _counter_name(s, state, base, used)
        used.add(name)
        out.append(name)
    return out


def _name_taken(s: Session, name: str) -> bool:
    return s.execute(select(Dataset.id).where(Dataset.name == name)).first() is not None


def _counter_name(s: Session, state: LoadState, base: str, used: set[str]) -> str:
    n = state.next_n.get(base)
    if n is not None:  # every counter below it is taken (by this run or before it)
        while f"{base}-{n}" in used:
            n += 1
        state.remember(base, n + 1)
        return f"{base}-{n}"
    n = 2
    while True:
        window = [f"{base}-{i}" for i in range(n, n + _PROBE)]
        exists = set(s.execute(select(Dataset.name).where(Dataset.name.in_(window))).scalars())
        for i, name in enumerate(window):
            if name not in exists and name not in used:
                state.remember(base, n + i + 1)
                return name
        n += _PROBE


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
        ds = s.get_one(Dataset, link.dataset_id)
        _, active = _owner_sources(s, ds.id)
        primary = ds.source_id == spec.id
        provenance: dict[str, Any] = {"harvested_at": now}
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
    cat: Catalog,
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
