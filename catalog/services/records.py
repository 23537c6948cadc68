"""Lossless JSON Lines export and import of the catalog's content.

Rows are written column by column with type-aware conversion, so a round trip gives back
exactly what was stored (ids, states, provenance and timestamps included).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import IO

from sqlalchemy import Date, DateTime, select
from sqlalchemy.orm import selectinload

from catalog.models import Dataset, Distribution, Organization
from catalog.services import indexing


def row_to_dict(row) -> dict:  # noqa: ANN001
    out = {}
    for col in row.__table__.columns:
        value = getattr(row, col.key)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        out[col.key] = value
    return out


def _from_dict(model, data: dict):  # noqa: ANN001, ANN202
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


def export_records(cat) -> Iterator[dict]:  # noqa: ANN001
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


def write_jsonl(records: Iterator[dict], out: IO[str]) -> int:
    n = 0
    for rec in records:
        out.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
        n += 1
    return n


def import_jsonl(cat, lines: IO[str], progress: Callable[[int], None] | None = None) -> dict:  # noqa: ANN001
    """Insert or replace records by id; returns counts. Index entries are queued for each dataset."""
    counts = {"organization": 0, "dataset": 0}
    with cat.session() as s:
        for lineno, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                kind, data = rec["type"], rec["data"]
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"line {lineno}: not an export record ({exc})") from None
            if kind == "organization":
                s.merge(_from_dict(Organization, data))
            elif kind == "dataset":
                dists = data.pop("distributions", [])
                existing = s.get(Dataset, data["id"])
                if existing is not None:
                    s.delete(existing)
                    s.flush()
                ds = _from_dict(Dataset, data)
                ds.distributions = [_from_dict(Distribution, d) for d in dists]
                s.add(ds)
                indexing.queue(s, ds.id)
            else:
                raise ValueError(f"line {lineno}: unknown record type {kind!r}")
            counts[kind] += 1
            if progress:
                progress(1)
            if lineno % 1000 == 0:
                s.flush()
    cat.sync_index()
    return counts
