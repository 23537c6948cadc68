"""Engine and session set-up for SQLite (default) and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker


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


# execution option naming how a SQLite transaction begins (``IMMEDIATE`` unless said)
SQLITE_BEGIN = "sqlite_begin"


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
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
            cur.close()
            # The driver's own transaction handling starts transactions late, so a SAVEPOINT
            # taken before the first write becomes the transaction and commits on release;
            # SQLAlchemy's documented recipe: let it issue BEGIN itself.
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            mode = conn.get_execution_options().get(SQLITE_BEGIN, "IMMEDIATE")
            conn.exec_driver_sql("BEGIN DEFERRED" if mode == "DEFERRED" else "BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(url, pool_pre_ping=True)


def read_only(engine: Engine) -> Engine:
    """The same engine (and pool) whose SQLite transactions begin ``DEFERRED``: for reads,
    which then never wait for a writer (WAL)."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{SQLITE_BEGIN: "DEFERRED"})
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)
