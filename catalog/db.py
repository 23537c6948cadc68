"""Engine and session set-up for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import logging
import sqlite3

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker

log = logging.getLogger(__name__)


class Base(DeclarativeBase):
    pass


# how long a SQLite writer waits for another one to finish before "database is locked"
SQLITE_BUSY_SECONDS = 30.0
# the largest integer both databases store (a signed 64-bit column); a number past it in a
# request is an id that cannot exist (404), not a value to send to the driver (a 500)
MAX_INT = 2**63 - 1


def storable(n: int) -> bool:
    """Whether ``n`` fits an integer column (an id or number a request may name)."""
    return -MAX_INT - 1 <= n <= MAX_INT


# SQLite's own threshold (pages in the WAL) past which a commit checkpoints it
SQLITE_WAL_AUTOCHECKPOINT = 1000
# the threshold of a connection storing a harvest batch (:func:`defer_checkpoints`): 4 KB
# pages, so the WAL may grow to about 80 MB between a run's explicit checkpoints
HARVEST_WAL_AUTOCHECKPOINT = 20_000
_DEFERRED = "wal_autocheckpoint"  # key in a pooled connection's info: its raised threshold

# execution option naming how a SQLite transaction begins (``IMMEDIATE`` unless said)
SQLITE_BEGIN = "sqlite_begin"


def sqlite_pragmas(busy_seconds: float = SQLITE_BUSY_SECONDS) -> list[str]:
    """What every SQLite connection of the catalog is set to when it opens: WAL (readers
    never block the writer), foreign keys, commits that write the WAL without waiting for
    the disk, and how long to wait for another writer. One list, so that anything opening
    the catalog's database outside an engine (the harvest benchmark's floor) sets the same."""
    return [
        "PRAGMA journal_mode=WAL",
        "PRAGMA foreign_keys=ON",
        "PRAGMA synchronous=NORMAL",
        f"PRAGMA busy_timeout={int(busy_seconds * 1000)}",
    ]


def make_engine(url: str, busy_seconds: float = SQLITE_BUSY_SECONDS) -> Engine:
    """Create an engine; SQLite gets WAL and foreign keys so readers never block the writer.

    On SQLite every transaction begins ``IMMEDIATE`` (it takes the write lock at ``BEGIN``,
    waiting up to ``busy_seconds`` for another writer) unless its connection carries the
    execution option ``sqlite_begin="DEFERRED"`` (:func:`read_only`). A deferred transaction
    that reads and then writes cannot wait for the lock: if another process committed since
    its read, SQLite refuses it at once with "database is locked" (``SQLITE_BUSY_SNAPSHOT``),
    which is what concurrent API writes answered before."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": busy_seconds}
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            for pragma in sqlite_pragmas(busy_seconds):
                cur.execute(pragma)
            cur.close()
            # The driver's own transaction handling starts transactions late, so a SAVEPOINT
            # taken before the first write becomes the transaction and commits on release;
            # SQLAlchemy's documented recipe: let it issue BEGIN itself.
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "checkin")
        def _sqlite_checkpoints_back(dbapi_conn, record):
            # a connection that stored a harvest batch goes back to the pool with SQLite's
            # own checkpoint threshold: no other writer inherits a larger WAL
            if record.info.pop(_DEFERRED, None) is not None:
                cur = dbapi_conn.cursor()
                cur.execute(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_AUTOCHECKPOINT}")
                cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            mode = conn.get_execution_options().get(SQLITE_BEGIN, "IMMEDIATE")
            conn.exec_driver_sql("BEGIN DEFERRED" if mode == "DEFERRED" else "BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(url, pool_pre_ping=True)


def defer_checkpoints(conn: Connection, pages: int = HARVEST_WAL_AUTOCHECKPOINT) -> None:
    """On SQLite, let this connection's commits leave up to ``pages`` pages in the WAL
    before one of them checkpoints it (until the connection goes back to the pool).

    Why: a harvest batch of 200 new records dirties more pages than SQLite's threshold of
    1,000, so with it every batch's commit copied the WAL back into the database, and the
    same B-tree pages, changed again by the next batch, were copied once per batch. The
    run checkpoints at each index update instead (:func:`checkpoint`), once for ten batches
    or more. Readers are never blocked by either (a passive checkpoint)."""
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={int(pages)}")
    conn.info[_DEFERRED] = pages


def checkpoint(engine: Engine) -> None:
    """On SQLite, copy what the WAL holds back into the database now, as far as no reader
    still needs it (``PASSIVE``: it waits for no reader and no writer)."""
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()  # outside a transaction: one cannot checkpoint inside one
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA wal_checkpoint(PASSIVE)")
        cur.close()
    except sqlite3.Error as exc:
        # a saving, not a step of the caller's work: the next checkpoint copies what this
        # one could not (and a run's ``finally`` must not hide the error that ended it)
        log.warning("WAL checkpoint skipped: %s", exc)
    finally:
        raw.close()


def read_only(engine: Engine) -> Engine:
    """The same engine (and pool) whose SQLite transactions begin ``DEFERRED``: for reads,
    which then never wait for a writer (WAL)."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{SQLITE_BEGIN: "DEFERRED"})
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)
