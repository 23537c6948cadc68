"""A batch inside a savepoint is all-or-nothing on SQLite too, so a killed job loses whole batches."""

from __future__ import annotations

from catalog.db import make_engine


def test_released_savepoint_is_undone_by_the_outer_rollback(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    with engine.connect() as conn:
        outer = conn.begin()
        batch = conn.begin_nested()
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        batch.commit()
        outer.rollback()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0
    engine.dispose()
