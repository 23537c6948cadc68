"""Keeping the search index in step with the store of record.

Writes put the dataset's id in an outbox table inside their own transaction; after the
commit, whichever process can take the index writer drains the outbox. If another process
holds the writer, the rows simply wait: no change is lost and no write fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session, selectinload

from catalog.models import Dataset, Distribution, IndexOutbox, Organization
from catalog.search.base import SearchUnavailable
from catalog.search.documents import DOCUMENT_COLUMNS, dataset_document
from catalog.services.batching import chunks

if TYPE_CHECKING:
    from catalog.context import Catalog

log = logging.getLogger(__name__)
INDEXED_STATUSES = ("published",)
_BATCH = 2000  # datasets per index commit (a commit has a fixed cost of tens of ms)


def _registered_among(session: Session, ids: list[str]) -> set[str]:
    # imported here: registrations queues index changes through this module
    from catalog.services.registrations import registered_among

    return registered_among(session, ids)


def queue(session: Session, dataset_id: str) -> None:
    session.add(IndexOutbox(dataset_id=dataset_id))


def drain_outbox(cat: Catalog) -> int:
    """Apply queued index changes; returns how many datasets were refreshed."""
    from catalog.search.embedded import WriterBusy

    if not cat._drain_lock.acquire(blocking=False):
        return 0
    try:
        done = 0
        while True:
            with cat.session() as s:
                # plain rows, not outbox objects: the DELETE below then has no loaded
                # objects to match its criteria against (that matching, for a harvest's
                # 2,000 rows a drain, cost a tenth of the drain)
                rows = s.execute(
                    select(IndexOutbox.id, IndexOutbox.dataset_id)
                    .order_by(IndexOutbox.id)
                    .limit(_BATCH)
                ).all()
                if not rows:
                    return done
                ids = sorted({r.dataset_id for r in rows})
                found = _stored(s, ids)
                registered = _registered_among(s, ids)
                upserts = [
                    dataset_document(cast(Dataset, found[i]), i in registered)
                    for i in ids
                    if i in found and found[i].status in INDEXED_STATUSES
                ]
                deletes = [
                    i for i in ids if i not in found or found[i].status not in INDEXED_STATUSES
                ]
                try:
                    rejected = cat.search.apply(upserts, deletes) or []
                except (WriterBusy, SearchUnavailable) as exc:
                    log.info("index changes stay queued: %s", exc)
                    return done
                # a document a search cluster refused would be refused again: report it
                # (id and the engine's reason) and let the rest of the batch through
                for r in rejected:
                    log.warning("search index refused dataset %s", r)
                s.execute(
                    delete(IndexOutbox)
                    .where(IndexOutbox.id <= rows[-1].id, IndexOutbox.dataset_id.in_(ids))
                    .execution_options(synchronize_session=False)
                )
                done += len(ids)
    finally:
        cat._drain_lock.release()


def _stored(session: Session, ids: list[str]) -> dict[str, SimpleNamespace]:
    """The datasets to index, read as plain rows (the columns documents are made of, the
    format and size of each distribution, their organization's names): what
    ``dataset_document`` reads of a ``Dataset``, without building ORM objects -- the drain
    re-reads every dataset a harvest stores, and loading them as objects cost more than
    building their documents (issue 17). A test compares the documents with a rebuild's,
    which reads ``Dataset`` objects."""
    datasets = _table(Dataset)
    dists = _table(Distribution)
    orgs = _table(Organization)
    # what the document is made of, and whether and whose it is (no extras, provenance or
    # Croissant metadata: decoding their JSON was most of the read)
    columns = [datasets.c[k] for k in (*DOCUMENT_COLUMNS, "status", "organization_id")]
    found: dict[str, SimpleNamespace] = {}
    for chunk in chunks(ids):
        for row in session.execute(select(*columns).where(datasets.c.id.in_(chunk))).mappings():
            found[row["id"]] = SimpleNamespace(**row, distributions=[], organization=None)
        for did, fmt, size in session.execute(
            select(dists.c.dataset_id, dists.c.format, dists.c.byte_size).where(
                dists.c.dataset_id.in_(chunk)
            )
        ):
            found[did].distributions.append(SimpleNamespace(format=fmt, byte_size=size))
    org_ids = {d.organization_id for d in found.values() if d.organization_id}
    by_id: dict[str, SimpleNamespace] = {}
    for chunk in chunks(org_ids):
        for oid, name, title, title_en in session.execute(
            select(orgs.c.id, orgs.c.name, orgs.c.title, orgs.c.title_en).where(
                orgs.c.id.in_(chunk)
            )
        ):
            by_id[oid] = SimpleNamespace(name=name, title=title, title_en=title_en)
    for d in found.values():
        d.organization = by_id.get(d.organization_id) if d.organization_id else None
    return found


def _table(model: Any) -> Table:
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


def indexable_documents(session: Session, batch: int = 2000) -> Iterator[dict]:
    """Every published dataset as a search document, streamed in primary-key order."""
    last = ""
    while True:
        rows = (
            session.execute(
                select(Dataset)
                .where(Dataset.status.in_(INDEXED_STATUSES), Dataset.id > last)
                .order_by(Dataset.id)
                .limit(batch)
                .options(selectinload(Dataset.distributions))
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        registered = _registered_among(session, [ds.id for ds in rows])
        for ds in rows:
            yield dataset_document(ds, ds.id in registered)
        last = rows[-1].id
        session.expunge_all()


def rebuild_index(cat: Catalog, progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from the store; the outbox is cleared of what it covered.

    Changes committed while the rebuild reads may be drained into the old index and would be
    lost with it at the swap, so every dataset changed since the rebuild began is queued
    again afterwards and applied to the new index.
    """
    from catalog.models import utcnow

    started = utcnow()  # before the snapshot's first read: earlier commits are in it
    # the long read runs in a read-only transaction: on SQLite a write transaction would
    # hold the database's write lock for the whole rebuild and stall every save meanwhile
    with cat.read_session() as s:
        high = s.execute(select(IndexOutbox.id).order_by(IndexOutbox.id.desc()).limit(1)).scalar()
        n = cat.search.rebuild(indexable_documents(s), progress)
    with cat.session() as s:
        if high is not None:
            s.execute(delete(IndexOutbox).where(IndexOutbox.id <= high))
        for (dataset_id,) in s.execute(select(Dataset.id).where(Dataset.updated_at >= started)):
            queue(s, dataset_id)
    cat.sync_index()
    return n


def count_indexable(cat: Catalog) -> int:
    from sqlalchemy import func

    with cat.session() as s:
        return s.execute(
            select(func.count()).select_from(Dataset).where(Dataset.status.in_(INDEXED_STATUSES))
        ).scalar_one()


def index_status(cat: Catalog) -> dict:
    """The backend's health beside the store: how many published datasets the index lacks
    and how many changes wait in the outbox. ``state`` is ``ok`` only when the index answers,
    holds every published dataset and nothing waits; ``lagging`` when it answers but is
    behind (after a crash, or while a busy writer keeps changes queued); ``unavailable``
    when it cannot answer. A count can only show what is missing, not a stale document."""
    from sqlalchemy import func

    health = cat.search.health()
    published = count_indexable(cat)
    with cat.read_session() as s:
        queued = s.execute(select(func.count(func.distinct(IndexOutbox.dataset_id)))).scalar_one()
    indexed = health.get("documents")
    missing = max(0, published - indexed) if isinstance(indexed, int) else published
    if not health.get("ok"):
        state = "unavailable"
    elif missing or queued:
        state = "lagging"
    else:
        state = "ok"
    return {
        **health,
        "state": state,
        "published": published,
        "missing": missing,
        "queued": queued,
    }
