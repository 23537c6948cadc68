"""A harvest batch's SQLite connection checkpoints the WAL later (``db.defer_checkpoints``)
only while it is checked out: back in the pool it has SQLite's own threshold again, so no
other writer inherits a larger WAL; ``db.checkpoint`` copies the WAL back whatever a batch
left in it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import insert

from catalog.context import open_catalog
from catalog.db import (
    HARVEST_WAL_AUTOCHECKPOINT,
    SQLITE_WAL_AUTOCHECKPOINT,
    checkpoint,
    defer_checkpoints,
)
from catalog.models import AuditEvent


def _threshold(dbapi_conn) -> int:
    return dbapi_conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]


def _store(cat, defer: bool) -> None:
    """A commit of about 3,000 pages (12 MB of audit events)."""
    rows = [
        {"action": "x", "object_type": "t", "object_id": str(i), "data": {"n": "页" * 200}}
        for i in range(10_000)
    ]
    with cat.session() as s:
        conn = s.connection()
        if defer:
            defer_checkpoints(conn)
        conn.execute(insert(AuditEvent.__table__), rows)


def test_deferred_checkpoints_last_until_the_connection_goes_back(tmp_path: Path):
    cat = open_catalog(instance_path=tmp_path)
    db = tmp_path / "catalog.db"
    try:
        cat.migrate()
        with cat.session() as s:
            conn = s.connection()
            defer_checkpoints(conn)
            dbapi = conn.connection.dbapi_connection
            assert _threshold(dbapi) == HARVEST_WAL_AUTOCHECKPOINT
        assert _threshold(dbapi) == SQLITE_WAL_AUTOCHECKPOINT  # checked in: reset

        size = db.stat().st_size
        _store(cat, defer=True)
        assert db.stat().st_size == size  # the pages wait in the WAL
        checkpoint(cat.engine)
        grown = db.stat().st_size
        assert grown > size + 8_000_000  # copied back into the database

        _store(cat, defer=False)  # SQLite's own threshold: the commit copies them back
        assert db.stat().st_size > grown + 8_000_000
    finally:
        cat.dispose()
