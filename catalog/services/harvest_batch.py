"""The new and changed records of one batch written together (:class:`BatchWriter`): the
lookups made once per batch, new datasets inserted as rows, and the closing work of each
change (quality score, version snapshot, audit event, index update) done after one flush."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Table, delete, func, or_, select
from sqlalchemy.orm import Session

from catalog.bulk_insert import insert_rows, python_defaults
from catalog.db import Base
from catalog.errors import ValidationFailed
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
)
from catalog.quality import score_dataset
from catalog.services import authz, benchmarks, datasets
from catalog.services.authz import SYSTEM
from catalog.services.batching import chunks
from catalog.services.harvest import Changed, SourceSpec, add_log
from catalog.services.harvest_matching import BatchDuplicates
from catalog.services.harvest_names import LoadState, allocate_names
from catalog.services.harvest_store import new_status, owner_sources, store_changed
from schemas.dataset import EDITABLE_FIELDS


class BatchWriter:
    """Writes the new and changed records of one batch together: what ``store_changed``
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
        for chunk in chunks([d.id for d in changed]):
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
        conn = self.s.connection()
        insert_rows(conn, _table(DatasetVersion), rows)
        insert_rows(conn, _table(IndexOutbox), [{"dataset_id": d.id} for d in changed])

    # -- the batch ---------------------------------------------------------------------------
    def write(self, changed: list[tuple[int, Changed, DatasetSource | None]]) -> list[str]:
        s, spec = self.s, self.spec
        fresh = [item for _pos, item, link in changed if link is None]
        updated_ids = [ln.dataset_id for _p, _i, ln in changed if ln is not None]
        found = self._datasets(updated_ids)
        owners = self._owners(updated_ids)
        if updated_ids:
            for chunk in chunks(updated_ids):
                s.execute(
                    delete(DatasetMatchKey).where(
                        DatasetMatchKey.source_id == spec.id,
                        DatasetMatchKey.dataset_id.in_(chunk),
                    )
                )
        dups = BatchDuplicates(s, spec, fresh)
        outcomes: list[str] = []
        creating: list[Changed] = []
        for _pos, item, link in changed:
            if link is not None and link.gone_since is not None:
                # back after an absence: restore first, exactly as one record is written
                self.settle(link.dataset_id)
                s.flush()
                outcomes.append(store_changed(s, spec, self.job, item, link, self.now))
                self.keys.pop(link.dataset_id, None)  # store_changed wrote them
            elif link is not None:
                outcomes.append(self._update(item, link, found[link.dataset_id], owners))
            elif (dup := dups.find(item)) is not None:
                outcomes.append(self._link(item, *dup))
            else:  # inserted together below
                creating.append(item)
                outcomes.append("new")
        self._create(creating)
        s.flush()
        closed = list(self.pending.values())
        self._versions(closed)
        rows = [
            {"dataset_id": did, "source_id": spec.id, "kind": kind, "key": key}
            for did, keys in self.keys.items()
            for kind, key in dict.fromkeys(keys)
        ]
        outbox = [{"dataset_id": r["id"]} for r in self.new_rows]
        conn = s.connection()
        for table, values in (
            (_table(Dataset), self.new_rows),
            (_table(Distribution), self.new_distributions),
            (_table(DatasetVersion), self.new_versions),
            (_table(AuditEvent), self.audits),
            (_table(DatasetSource), self.sources),
            (_table(DatasetMatchKey), rows),
            (_table(IndexOutbox), outbox),
        ):
            insert_rows(conn, table, values)
        # issue 18: AI datasets written here are pinned and checked as every change is
        ai_ids = [r["id"] for r in self.new_rows if r.get("kind") in benchmarks.AI_KINDS]
        benchmarks.after_bulk_write(
            s, ai_ids + [d.id for d in closed if d.kind in benchmarks.AI_KINDS]
        )
        return outcomes

    def _datasets(self, ids: list[str]) -> dict[str, Dataset]:
        found: dict[str, Dataset] = {}
        for chunk in chunks(ids):
            for ds in self.s.execute(select(Dataset).where(Dataset.id.in_(chunk))).scalars():
                found[ds.id] = ds
        return found

    def _owners(self, ids: list[str]) -> dict[str, set[str]]:
        """The sources still feeding each dataset (``owner_sources``, per batch)."""
        active: dict[str, set[str]] = {i: set() for i in ids}
        for chunk in chunks(ids):
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
        """A changed record of a dataset this source feeds (``store_changed``)."""
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
        link.source_hash = item.source_hash
        link.last_seen_at = self.now
        link.gone_since = None
        self.keys[ds.id] = list(item.keys)
        return "updated" if changed else "unchanged"

    def _link(self, item: Changed, ds: Dataset, why: str) -> str:
        """A new record describing another source's dataset: linked, filling its gaps."""
        self.settle(ds.id)
        _, active = owner_sources(self.s, ds.id)
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
        if spec.trusted:
            authz.require_curator(SYSTEM)
        names = allocate_names(s, self.state, [it.values for it in items])
        orgs = _organizations(s, {it.values.get("organization") for it in items})
        owner = spec.owner
        for item, name in zip(items, names, strict=True):
            status = new_status(spec, item.values)
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
            row = _DATASET_ROW.row()
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
                drow = _DISTRIBUTION_ROW.row()
                drow.update(d, id=new_id(), dataset_id=row["id"], position=i)
                if row["access_rights"] != "conditional":
                    drow["restricted"] = False
                drows.append(drow)
            row["quality_score"] = score_dataset(
                SimpleNamespace(**row, distributions=[SimpleNamespace(**d) for d in drows])
            ).total
            self.new_rows.append(row)
            self.new_distributions += drows
            snapshot = _jsonable(row, _DATASET_TEMPORAL)
            snapshot["distributions"] = [_jsonable(d, _DISTRIBUTION_TEMPORAL) for d in drows]
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
                "source_hash": item.source_hash,
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


class _RowDefaults:
    """A table's row as an INSERT with no values gives it (the columns' defaults), made
    quickly: the constant defaults copied from a template, the callable ones (an empty list,
    a timestamp) called per row, the primary key left to the caller."""

    def __init__(self, table: Table):
        self.template: dict[str, Any] = {col.key: None for col in table.columns}
        self.calls: list[tuple[str, Any]] = []
        for key, arg, call in python_defaults(table):
            if table.c[key].primary_key:
                continue  # the caller gives it
            if call:
                self.calls.append((key, arg))
            else:
                self.template[key] = arg

    def row(self) -> dict[str, Any]:
        row = dict(self.template)
        for key, make in self.calls:
            row[key] = make(None)
        return row


_DATASET_ROW = _RowDefaults(_table(Dataset))
_DISTRIBUTION_ROW = _RowDefaults(_table(Distribution))


def _temporal(table: Table) -> tuple[str, ...]:
    """The columns of a table that hold dates or times."""
    out = []
    for col in table.columns:
        try:
            kind = col.type.python_type
        except NotImplementedError:
            continue
        if issubclass(kind, date):  # datetime too
            out.append(col.key)
    return tuple(out)


_DATASET_TEMPORAL = _temporal(_table(Dataset))
_DISTRIBUTION_TEMPORAL = _temporal(_table(Distribution))


def _jsonable(row: dict, temporal: tuple[str, ...]) -> dict:
    """A row as ``records.row_to_dict`` gives it (dates as ISO 8601 text); only the date
    and time columns are looked at (a row holds nothing but its table's columns)."""
    out = dict(row)
    for k in temporal:
        v = out.get(k)
        if isinstance(v, (datetime, date)):
            out[k] = v.isoformat()
    return out


def _organizations(s: Session, refs: set) -> dict[str, str]:
    """Our organizations by name or id (``datasets._resolve_org``, per batch)."""
    refs = {r for r in refs if r}
    out: dict[str, str] = {}
    for chunk in chunks(refs):
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
