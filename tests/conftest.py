"""Shared fixtures: a throwaway PostgreSQL cluster, catalogs per database and per backend.

* ``pg_cluster`` (session): started on first use, stopped and removed at session end.
  If it cannot start (binaries missing, ...), every test that needs it FAILS with the
  reason: CI installs PostgreSQL, so a missing one is an error, not a skip.
* ``database_url`` / ``cat``: parametrised ``sqlite`` and ``postgres`` (marked
  ``postgres``); each test gets a fresh SQLite file or a fresh PostgreSQL database.
* ``make_catalog``: a factory for tests that need more than one instance.
* ``SEARCH_BACKENDS``: the search backends the contract suite runs against; adding one
  (e.g. ``opensearch``) is one entry here plus a param id.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pgcluster import PgCluster, PostgresUnavailable  # noqa: E402

from catalog.context import Catalog, open_catalog  # noqa: E402

DATABASES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


def _embedded_search_url(instance: Path) -> str:
    return "embedded://"  # the index lives in <instance>/search-index


# backend id -> function(instance folder) -> CATALOG_SEARCH_URL for that backend
SEARCH_BACKENDS: dict[str, Callable[[Path], str]] = {
    "embedded": _embedded_search_url,
}


# -- hermetic environment -----------------------------------------------------------------
@pytest.fixture(autouse=True)
def _no_catalog_env(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings from the developer's shell (CATALOG_*) must not leak into unit tests."""
    if "e2e" in Path(str(request.node.path)).parts:
        return
    for key in list(os.environ):
        if key.startswith("CATALOG_"):
            monkeypatch.delenv(key)


# -- PostgreSQL ---------------------------------------------------------------------------
@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster | PostgresUnavailable]:
    """The session's cluster, or the reason it could not start (tests then fail with it)."""
    cluster = PgCluster()
    try:
        cluster.start()
    except (PostgresUnavailable, OSError) as exc:
        cluster.stop()
        yield exc if isinstance(exc, PostgresUnavailable) else PostgresUnavailable(str(exc))
        return
    try:
        yield cluster
    finally:
        cluster.stop()


def _require_cluster(pg_cluster: PgCluster | PostgresUnavailable) -> PgCluster:
    if isinstance(pg_cluster, PostgresUnavailable):
        pytest.fail(f"PostgreSQL test cluster unavailable: {pg_cluster}", pytrace=False)
    return pg_cluster


@pytest.fixture
def pg_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty PostgreSQL database; yields its SQLAlchemy URL."""
    cluster = _require_cluster(request.getfixturevalue("pg_cluster"))
    name = cluster.create_database()
    try:
        yield cluster.url(name)
    finally:
        cluster.drop_database(name)


# -- catalogs -----------------------------------------------------------------------------
@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.db'}"
    return request.getfixturevalue("pg_database")


@pytest.fixture
def db_kind(database_url: str) -> str:
    return "postgres" if database_url.startswith("postgresql") else "sqlite"


def build_catalog(instance: Path, database_url: str | None = None, **settings: object) -> Catalog:
    """A migrated catalog with an empty search index, in ``instance``."""
    cat = open_catalog(instance_path=instance, database_url=database_url, **settings)
    cat.migrate()
    cat.create_index_if_missing()
    return cat


@pytest.fixture
def cat(tmp_path: Path, database_url: str) -> Iterator[Catalog]:
    """A fresh catalog on the parametrised database, migrated, with an empty index."""
    c = build_catalog(tmp_path / "instance", database_url)
    try:
        yield c
    finally:
        c.dispose()


@pytest.fixture
def sqlite_cat(tmp_path: Path) -> Iterator[Catalog]:
    """A fresh catalog on SQLite only (for tests about something other than the database)."""
    c = build_catalog(tmp_path / "instance", f"sqlite:///{tmp_path / 'catalog.db'}")
    try:
        yield c
    finally:
        c.dispose()


@pytest.fixture
def make_catalog(tmp_path: Path) -> Iterator[Callable[..., Catalog]]:
    """Factory: ``make_catalog("a")`` builds a SQLite catalog in ``tmp_path/a``."""
    made: list[Catalog] = []

    def _make(name: str = "instance", **settings: object) -> Catalog:
        instance = tmp_path / name
        url = settings.pop("database_url", None) or f"sqlite:///{instance / 'catalog.db'}"
        c = build_catalog(instance, str(url), **settings)
        made.append(c)
        return c

    yield _make
    for c in made:
        c.dispose()


@pytest.fixture(params=list(SEARCH_BACKENDS))
def search_backend(request: pytest.FixtureRequest) -> str:
    """The id of the search backend under test (``embedded``; ``opensearch`` later)."""
    return request.param


def build_search_catalog(instance: Path, backend: str) -> Catalog:
    """A SQLite-backed catalog whose ``search`` is the given backend."""
    instance.mkdir(parents=True, exist_ok=True)
    return build_catalog(
        instance,
        f"sqlite:///{instance / 'catalog.db'}",
        search_url=SEARCH_BACKENDS[backend](instance),
    )


@pytest.fixture
def search_cat(tmp_path: Path, search_backend: str) -> Iterator[Catalog]:
    """A fresh, empty catalog (SQLite store) searching through the backend under test."""
    c = build_search_catalog(tmp_path / "instance", search_backend)
    try:
        yield c
    finally:
        c.dispose()
