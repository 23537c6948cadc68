"""What SQLite alone costs to store what a harvest run stored: the floor under the writer.

A harvest's writer process turns mapped records into rows and hands them to SQLite. How
much of its time is SQLite's own (inserting into tables and their indexes, checking foreign
keys, writing the WAL at each commit) cannot be seen in a profile of the Python side, yet
it bounds what any change to the Python side can reach. This replays the rows a run stored
(its datasets, distributions, first versions, creation events, source links, match keys and
index outbox entries), exactly as they are in its database, into a fresh database of the
same schema with the catalog's own settings: in the run's batches, one transaction each,
through the driver's ``executemany`` with no Python work between, and a passive checkpoint
as often as the run takes one. The rows are read between the timed stretches.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from catalog.db import sqlite_pragmas

# the rows of a dataset a harvest stores, keyed by the column naming the dataset
_CHILDREN = (
    ("distributions", "dataset_id", ""),
    ("dataset_versions", "dataset_id", ""),
    ("audit_events", "object_id", " AND action = 'dataset.create'"),
    ("dataset_sources", "dataset_id", ""),
    ("dataset_match_keys", "dataset_id", ""),
)
# rows the stored ones refer to, copied before the timing starts
_REFERRED = ("users", "organizations", "harvest_sources")


@dataclass
class Floor:
    records: int
    rows: int  # rows inserted
    stored: int  # rows the fresh database holds afterwards in the replayed tables
    cpu: float
    seconds: float

    @property
    def cpu_per_record_ms(self) -> float:
        return self.cpu * 1000 / self.records

    @property
    def rate(self) -> float:
        return self.records / self.seconds


def _connect(path: Path, autocheckpoint: int) -> sqlite3.Connection:
    """A connection set up as the catalog's engine sets up one (catalog.db.sqlite_pragmas),
    with a harvest batch's checkpoint threshold (catalog.db.defer_checkpoints)."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in sqlite_pragmas():
        conn.execute(pragma)
    conn.execute(f"PRAGMA wal_autocheckpoint={autocheckpoint}")
    return conn


def _insert(table: str, width: int) -> str:
    return f"INSERT INTO {table} VALUES ({', '.join('?' * width)})"


def replay(
    stored: Path,
    empty: Path,
    batch: int,
    checkpoint_every: int,
    autocheckpoint: int,
) -> Floor:
    """Replay the harvested datasets of ``stored`` into ``empty`` (a migrated catalog with
    no datasets), ``batch`` datasets a transaction."""
    src = sqlite3.connect(f"file:{stored}?mode=ro", uri=True)
    dst = _connect(empty, autocheckpoint)
    try:
        for table in _REFERRED:
            rows = src.execute(f"SELECT * FROM {table}").fetchall()
            if rows:
                dst.execute("BEGIN")
                dst.executemany("INSERT OR IGNORE" + _insert(table, len(rows[0]))[6:], rows)
                dst.execute("COMMIT")
        ids = [r[0] for r in src.execute("SELECT id FROM datasets ORDER BY rowid")]
        cpu = seconds = 0.0
        total_rows = 0
        since_checkpoint = 0
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            marks = ", ".join("?" * len(chunk))
            sql = f"SELECT * FROM datasets WHERE id IN ({marks}) ORDER BY rowid"
            tables = [("datasets", src.execute(sql, chunk).fetchall())]
            for table, column, extra in _CHILDREN:
                sql = f"SELECT * FROM {table} WHERE {column} IN ({marks}){extra}"
                tables.append((table, src.execute(sql, chunk).fetchall()))
            queued = time.strftime("%Y-%m-%d %H:%M:%S.000000", time.gmtime())
            tables.append(("index_outbox", [(i, queued) for i in chunk]))
            since_checkpoint += len(chunk)
            c0, t0 = time.process_time(), time.perf_counter()
            dst.execute("BEGIN IMMEDIATE")
            for table, rows in tables:
                if rows:
                    if table == "index_outbox":
                        sql = "INSERT INTO index_outbox (dataset_id, queued_at) VALUES (?, ?)"
                        dst.executemany(sql, rows)
                    else:
                        dst.executemany(_insert(table, len(rows[0])), rows)
            dst.execute("COMMIT")
            if since_checkpoint >= checkpoint_every:
                dst.execute("PRAGMA wal_checkpoint(PASSIVE)")
                since_checkpoint = 0
            cpu += time.process_time() - c0
            seconds += time.perf_counter() - t0
            total_rows += sum(len(rows) for _t, rows in tables)
        replayed = ["datasets", "index_outbox", *(t for t, _c, _x in _CHILDREN)]
        held = sum(dst.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in replayed)
        return Floor(len(ids), total_rows, held, cpu, seconds)
    finally:
        src.close()
        dst.close()
