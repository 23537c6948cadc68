"""Duplicates across sources: a record another source (or a person) already holds is linked
to that dataset through hashed match keys instead of being listed twice.

:func:`find_duplicate` looks for one record, :class:`BatchDuplicates` for the new records
of a batch with its lookups made once; :func:`set_match_keys` stores a record's keys."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from catalog.models import Dataset, DatasetMatchKey, DatasetSource
from catalog.services.batching import chunks
from catalog.services.harvest import Changed, SourceSpec


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


class BatchDuplicates:
    """``find_duplicate`` for the new records of a batch, with its lookups made once."""

    def __init__(self, s: Session, spec: SourceSpec, items: list[Changed]):
        self.s = s
        self.by_key: dict[str, set[str]] = {}
        self.by_identifier: dict[str, list[str]] = {}
        self.mine: set[str] = set()
        keys = {k for it in items for _kind, k in it.keys}
        for chunk in chunks(keys):
            for key, did in s.execute(
                select(DatasetMatchKey.key, DatasetMatchKey.dataset_id).where(
                    DatasetMatchKey.key.in_(chunk), DatasetMatchKey.source_id != spec.id
                )
            ).all():
                self.by_key.setdefault(key, set()).add(did)
        hits = {d for ds in self.by_key.values() for d in ds}
        for chunk in chunks(hits):
            self.mine.update(
                s.execute(
                    select(DatasetSource.dataset_id).where(
                        DatasetSource.source_id == spec.id, DatasetSource.dataset_id.in_(chunk)
                    )
                ).scalars()
            )
        idents = {it.values.get("identifier") for it in items} - {None, ""}
        for chunk in chunks(idents):
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


def set_match_keys(
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
