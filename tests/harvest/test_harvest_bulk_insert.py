"""Issue 17: the harvest batch's rows inserted through ``catalog.bulk_insert`` (the driver's
``executemany`` with tuples built once) are stored byte for byte as SQLAlchemy's own
``insert(table)`` stores them, on SQLite and PostgreSQL, for what real portals' records
become."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Connection, Table, insert, select

from catalog.bulk_insert import insert_rows
from catalog.context import Catalog
from catalog.models import (
    AuditEvent,
    Dataset,
    DatasetMatchKey,
    DatasetSource,
    DatasetVersion,
    Distribution,
    IndexOutbox,
)

# parents before children: the order rows go back in
MODELS = [Dataset, Distribution, DatasetVersion, AuditEvent, DatasetSource, DatasetMatchKey]


def _table(model) -> Table:
    return model.__table__


def _raw(conn: Connection, table: Table) -> list:
    """The rows as the database holds them, not as SQLAlchemy's result processors give
    them: SQLite's values with their storage class, PostgreSQL's row as text."""
    pk = ", ".join(c.name for c in table.primary_key.columns)
    if conn.dialect.name == "postgresql":
        sql = f"SELECT CAST(t AS text) FROM {table.name} AS t ORDER BY {pk}"
    else:
        sql = f"SELECT * FROM {table.name} ORDER BY {pk}"
    return [tuple(r) for r in conn.exec_driver_sql(sql).all()]


def _replaced(conn: Connection, write) -> dict[str, list]:
    """Every row of the batch's tables read back, deleted and written again by ``write``;
    the raw rows before and after."""
    before = {m.__tablename__: _raw(conn, _table(m)) for m in MODELS}
    rows = {m: [dict(r._mapping) for r in conn.execute(select(_table(m)))] for m in MODELS}
    for m in reversed(MODELS):
        conn.execute(_table(m).delete())
    for m in MODELS:
        write(conn, _table(m), rows[m])
    after = {m.__tablename__: _raw(conn, _table(m)) for m in MODELS}
    assert after == {k: v for k, v in before.items()}  # the fixture itself is sound
    return before


def _sqlalchemy(conn: Connection, table: Table, rows: list[dict]) -> None:
    if rows:
        conn.execute(insert(table), rows)


@pytest.fixture
def harvested(db: Catalog, server, harvest) -> Catalog:
    for agency in ("fda", "opm"):
        out = harvest(
            "datajson", server.url(f"files/datajson/us-agencies/{agency}.json"), catalog=db
        )
        assert out.counts.new > 10
    assert harvest("ckan", server.url("ckan"), catalog=db).counts.new > 5
    return db


def test_harvested_rows_are_stored_as_sqlalchemy_stores_them(harvested: Catalog):
    """What the harvest stored (through ``insert_rows``) equals, raw, what SQLAlchemy's
    insert stores for the same values, and ``insert_rows`` stores them back identically."""
    with harvested.engine.begin() as conn:
        stored = {m.__tablename__: _raw(conn, _table(m)) for m in MODELS}
        assert all(stored.values())
        assert any("\\u" in str(row) for row in stored["datasets"])  # non-ASCII JSON text
        by_sqlalchemy = _replaced(conn, _sqlalchemy)
        assert by_sqlalchemy == stored
        by_driver = _replaced(conn, insert_rows)
        assert by_driver == stored
        conn.rollback()


def test_column_defaults_are_filled_as_sqlalchemy_fills_them(db: Catalog):
    """Columns a row leaves out get their Python-side default (a timestamp, an empty JSON
    object), the autoincrement key its next value, in the same stored form."""
    events = [
        {
            "actor_id": "system",
            "action": "dataset.create",
            "object_type": "dataset",
            "object_id": f"d{i}",
            "note": None if i else "注释 — note",
            "address": None,
        }
        for i in range(3)
    ]
    with db.engine.begin() as conn:
        conn.execute(insert(_table(AuditEvent)), events)
        insert_rows(conn, _table(AuditEvent), events)
        insert_rows(conn, _table(IndexOutbox), [{"dataset_id": "a"}, {"dataset_id": "b"}])
        conn.execute(insert(_table(IndexOutbox)), [{"dataset_id": "a"}, {"dataset_id": "b"}])
        audits = conn.execute(select(_table(AuditEvent)).order_by("id")).all()
        outbox = conn.execute(select(_table(IndexOutbox)).order_by("id")).all()
        raw = _raw(conn, _table(AuditEvent))
    assert [a.id for a in audits] == list(range(1, 7))
    assert [a.data for a in audits] == [{}] * 6
    assert all(isinstance(a.at, datetime) for a in audits)
    assert [o.dataset_id for o in outbox] == ["a", "b", "a", "b"]
    assert all(isinstance(o.queued_at, datetime) for o in outbox)
    if db.engine.dialect.name == "sqlite":  # the same text form of the timestamp and {}
        shapes = {(len(r[1]), r[1][10], r[-1]) for r in raw}
        assert shapes == {(26, " ", "{}")}


def test_rows_must_name_the_same_columns(db: Catalog):
    with db.engine.begin() as conn, pytest.raises(KeyError):
        insert_rows(conn, _table(IndexOutbox), [{"dataset_id": "a"}, {"queued_at": None}])
