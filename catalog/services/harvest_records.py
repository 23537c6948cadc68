"""Loading harvested records: new, changed, unchanged, duplicate, gone.

A record is ``(source, remote id)`` (``dataset_sources``). :func:`load_batch` writes one
batch in one transaction with the job's counts, so a killed job loses at most the batch in
flight. The parts have a module each: remote publishers onto our organizations
(:mod:`~catalog.services.harvest_publishers`), duplicates across sources through hashed
match keys (:mod:`~catalog.services.harvest_matching`), names of new datasets
(:mod:`~catalog.services.harvest_names`), a batch written together
(:mod:`~catalog.services.harvest_batch`) or record by record
(:mod:`~catalog.services.harvest_store`), and records a source stops offering, withdrawn
after a grace period, never deleted, and restored when they come back
(:mod:`~catalog.services.harvest_withdrawal`). The names the pipeline uses are
re-exported here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from catalog.db import defer_checkpoints
from catalog.errors import CatalogError, ValidationFailed
from catalog.models import DatasetSource, HarvestJob, utcnow
from catalog.services.batching import chunks
from catalog.services.harvest import (
    BatchItem,
    Changed,
    Counts,
    Failed,
    KnownRecord,
    SourceSpec,
    Unchanged,
    add_error,
)
from catalog.services.harvest_batch import BatchWriter
from catalog.services.harvest_matching import find_duplicate
from catalog.services.harvest_names import LoadState
from catalog.services.harvest_publishers import resolve_publisher
from catalog.services.harvest_store import store_changed
from catalog.services.harvest_withdrawal import restore_if_harvest_withdrew, withdraw_missing

if TYPE_CHECKING:
    from catalog.context import Catalog

__all__ = [
    "LoadState",
    "PlainLinks",
    "find_duplicate",
    "known_records",
    "load_batch",
    "resolve_publisher",
    "withdraw_missing",
]

log = logging.getLogger(__name__)


#: ``remote id -> (link id, source hash)`` of a source's links still offered (not gone)
PlainLinks = dict[str, tuple[int, str | None]]


def known_records(
    cat: Catalog,
    source_id: int,
    remote_ids: Iterable[str | None],
    plain: PlainLinks | None = None,
) -> dict[str, KnownRecord]:
    """What the catalog already holds of these records of a source (one query per batch;
    records not identified yet, ``None``, are left out). ``plain``, when given, is filled
    with the links still offered, which :func:`load_batch` then need not read again (issue
    17: an unchanged rerun reads each link once)."""
    ids = [r for r in set(remote_ids) if r]
    out: dict[str, KnownRecord] = {}
    with cat.read_session() as s:
        for i in range(0, len(ids), 500):
            rows = s.execute(
                select(
                    DatasetSource.source_record_id,
                    DatasetSource.dataset_id,
                    DatasetSource.content_hash,
                    DatasetSource.gone_since,
                    DatasetSource.source_hash,
                    DatasetSource.id,
                ).where(
                    DatasetSource.source_id == source_id,
                    DatasetSource.source_record_id.in_(ids[i : i + 500]),
                )
            ).all()
            for rid, did, h, gone, raw, link_id in rows:
                out[rid] = KnownRecord(did, h, gone is not None, raw)
                if plain is not None and gone is None:
                    plain[rid] = (link_id, raw)
    return out


def load_batch(
    cat: Catalog,
    job_id: int,
    spec: SourceSpec,
    items: list[BatchItem],
    state: LoadState | None = None,
    plain: PlainLinks | None = None,
) -> Counts:
    """Store one batch of records in one transaction, with the job's counts and heartbeat,
    so a job killed at any moment leaves either the whole batch or none of it.

    The new and changed records are written together (lookups per batch, one flush, then
    the versions, audit events, match keys and index updates inserted per batch) inside
    one savepoint. If anything in it fails, the batch is written again record by record,
    each in its own savepoint, so one bad record never stops the batch: its failure is
    recorded against it. ``plain``: the links of the batch's unchanged records as
    :func:`known_records` read them when the batch was screened (a link removed since is
    updated by id to no effect, as if it had been removed just after this batch)."""
    state = state or LoadState()
    counts = Counts()
    now = utcnow()
    notes: list[tuple[int, str | None, str, str]] = []  # errors and warnings, by position
    with cat.session() as s:
        defer_checkpoints(s.connection())  # the run checkpoints at its index updates
        job = s.get(HarvestJob, job_id)
        # unchanged records still offered (the common case): read as plain rows and written
        # with one UPDATE by primary key, without an ORM object each (issue 17: a rerun)
        if plain is None:
            plain = _plain_links(
                s, spec.id, [i.remote_id for i in items if isinstance(i, Unchanged)]
            )
        links = _links(
            s,
            spec.id,
            [
                i.remote_id
                for i in items
                if i.remote_id and not (isinstance(i, Unchanged) and i.remote_id in plain)
            ],
        )
        changed: list[tuple[int, Changed, DatasetSource | None]] = []
        seen: list[dict] = []
        for pos, item in enumerate(items):
            if isinstance(item, Unchanged) and item.remote_id in plain:
                link_id, old_hash = plain[item.remote_id]
                seen.append({"link_id": link_id, "seen": now, "hash": item.source_hash or old_hash})
                counts.unchanged += 1
                continue
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
                if item.source_hash:
                    link.source_hash = item.source_hash
                if link.gone_since is not None and restore_if_harvest_withdrew(s, spec, link, job):
                    counts.updated += 1
                else:
                    link.gone_since = None
                    counts.unchanged += 1
                continue
            changed.append((pos, item, link))
        if seen:
            s.connection().execute(_SEEN, seen)
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


# the unchanged records of a batch: seen now, with their new source hash (one executemany
# of a Core UPDATE: no ORM bookkeeping per row)
_LINK_TABLE = cast(Table, DatasetSource.__table__)
_SEEN = (
    update(_LINK_TABLE)
    .where(_LINK_TABLE.c.id == bindparam("link_id"))
    .values(last_seen_at=bindparam("seen"), source_hash=bindparam("hash"))
)


def _plain_links(s: Session, source_id: int, rids: list[str]) -> PlainLinks:
    """``remote id -> (link id, source hash)`` of the links still offered (not gone)."""
    out: dict[str, tuple[int, str | None]] = {}
    for chunk in chunks(rids):
        for rid, link_id, raw in s.execute(
            select(
                DatasetSource.source_record_id, DatasetSource.id, DatasetSource.source_hash
            ).where(
                DatasetSource.source_id == source_id,
                DatasetSource.source_record_id.in_(chunk),
                DatasetSource.gone_since.is_(None),
            )
        ):
            out[rid] = (link_id, raw)
    return out


def _links(s: Session, source_id: int, rids: list[str]) -> dict[str, DatasetSource]:
    links: dict[str, DatasetSource] = {}
    for chunk in chunks(rids):
        for ln in s.execute(
            select(DatasetSource).where(
                DatasetSource.source_id == source_id,
                DatasetSource.source_record_id.in_(chunk),
            )
        ).scalars():
            links[ln.source_record_id] = ln
    return links


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationFailed):
        return f"invalid: {exc.messages}"
    if isinstance(exc, CatalogError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


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
                outcomes = BatchWriter(s, spec, job, now, state).write(changed)
            s.flush()
        return list(outcomes)
    except Exception as exc:
        log.info("batch of %d records stored one by one: %s", len(changed), _reason(exc))
    state.forget()  # its counters may count names that were never stored
    out: list[str | Exception] = []
    for _pos, item, link in changed:
        try:
            with s.begin_nested():
                out.append(store_changed(s, spec, job, item, link, now))
        except Exception as exc:
            out.append(exc)
    return out
