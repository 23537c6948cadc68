"""Lossless JSON Lines export and import of the catalog's content.

Rows are written column by column with type-aware conversion, so a round trip gives back
exactly what was stored (ids, states, provenance and timestamps included).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import Date, DateTime, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from catalog.models import Dataset, Distribution, HarvestSource, NameAlias, Organization, User
from catalog.services import indexing

if TYPE_CHECKING:
    from catalog.context import Catalog


def by_name_or_id(session: Session, model: Any, ref: object) -> Any:
    """The row of ``model`` (Dataset, Organization) whose id or name is ``ref``, or None.

    Pages, APIs and harvest configs name records either way; one lookup keeps them alike.
    A name the record had before (``names.keep_old_name``) finds it too, so old addresses
    keep working on every surface."""
    row = session.execute(
        select(model).where(or_(model.id == ref, model.name == ref))
    ).scalar_one_or_none()
    if row is None:
        from catalog.services import names

        row = names.aliased(session, model, ref)
    return row


def row_to_dict(row) -> dict:
    out = {}
    for col in row.__table__.columns:
        value = getattr(row, col.key)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        out[col.key] = value
    return out


def _from_dict(model, data: dict):
    values = {}
    for col in model.__table__.columns:
        if col.key not in data:
            continue
        value = data[col.key]
        if value is not None and isinstance(col.type, DateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(col.type, Date):
            value = date.fromisoformat(value)
        values[col.key] = value
    return model(**values)


def export_records(cat: Catalog) -> Iterator[dict]:
    with cat.session() as s:
        for org in s.execute(select(Organization).order_by(Organization.id)).scalars():
            yield {"type": "organization", "data": row_to_dict(org)}
        last = ""
        while True:
            rows = (
                s.execute(
                    select(Dataset)
                    .where(Dataset.id > last)
                    .order_by(Dataset.id)
                    .limit(1000)
                    .options(selectinload(Dataset.distributions))
                )
                .scalars()
                .all()
            )
            if not rows:
                break
            for ds in rows:
                data = row_to_dict(ds)
                data["distributions"] = [row_to_dict(d) for d in ds.distributions]
                yield {"type": "dataset", "data": data}
            last = rows[-1].id
            s.expunge_all()
        # old addresses (``names``): after the records they point at, so links keep working
        for alias in s.execute(select(NameAlias).order_by(NameAlias.id)).scalars():
            data = row_to_dict(alias)
            data.pop("id")
            yield {"type": "name_alias", "data": data}


def write_jsonl(records: Iterator[dict], out: IO[str]) -> int:
    n = 0
    for rec in records:
        out.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
        n += 1
    return n


# Columns that point at rows an export does not carry (accounts, harvest sources): kept when
# the target has the row (restoring a backup), emptied when it does not (a new instance).
_OUTSIDE_REFS = {"created_by": User, "updated_by": User, "source_id": HarvestSource}


def _drop_dangling_refs(session, data: dict, known: dict) -> None:
    for key, model in _OUTSIDE_REFS.items():
        ref = data.get(key)
        if ref is None:
            continue
        if (model, ref) not in known:
            known[(model, ref)] = session.get(model, ref) is not None
        if not known[(model, ref)]:
            data[key] = None


def _import_one(session, kind: str, data: dict, known: dict) -> None:
    if kind == "organization":
        session.merge(_from_dict(Organization, data))
    elif kind == "name_alias":
        alias = _from_dict(NameAlias, {k: v for k, v in data.items() if k != "id"})
        found = session.execute(
            select(NameAlias).where(
                NameAlias.object_type == alias.object_type, NameAlias.old_name == alias.old_name
            )
        ).scalar_one_or_none()
        if found is None:
            session.add(alias)
        else:
            found.object_id = alias.object_id
    else:
        data = dict(data)
        dists = data.pop("distributions", [])
        _drop_dangling_refs(session, data, known)
        existing = session.get(Dataset, data["id"])
        if existing is not None:
            session.delete(existing)
            session.flush()
        ds = _from_dict(Dataset, data)
        ds.distributions = [_from_dict(Distribution, d) for d in dists]
        session.add(ds)
        indexing.queue(session, ds.id)
    session.flush()  # so that a record the database refuses is reported with its line


def import_jsonl(
    cat: Catalog, lines: IO[str], progress: Callable[[int], None] | None = None
) -> dict:
    """Insert or replace records by id; returns counts. Index entries are queued for each dataset.

    All or nothing: any bad line raises ``ValueError`` naming the line, and nothing is stored.
    """
    counts = {"organization": 0, "dataset": 0, "name_alias": 0}
    known: dict = {}
    with cat.session() as s:
        for lineno, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                kind, data = rec["type"], rec["data"]
                if not isinstance(data, dict):
                    raise TypeError("'data' is not an object")
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"line {lineno}: not an export record ({exc})") from None
            if kind not in counts:
                raise ValueError(f"line {lineno}: unknown record type {kind!r}")
            try:
                _import_one(s, kind, data, known)
            except KeyError as exc:
                raise ValueError(f"line {lineno}: {kind} record without {exc.args[0]!r}") from None
            except (ValueError, TypeError, AttributeError) as exc:
                raise ValueError(f"line {lineno}: invalid {kind} record ({exc})") from None
            except SQLAlchemyError as exc:
                reason = getattr(exc, "orig", None) or exc
                raise ValueError(
                    f"line {lineno}: the database refused this {kind} record ({reason})"
                ) from None
            counts[kind] += 1
            if progress:
                progress(1)
    cat.sync_index()
    return counts
