"""Shared fixtures: a throwaway PostgreSQL cluster, catalogs per database and per backend.

* ``pg_cluster`` (session): started on first use, stopped and removed at session end.
  If it cannot start (binaries missing, ...), every test that needs it FAILS with the
  reason: CI installs PostgreSQL, so a missing one is an error, not a skip.
* ``database_url`` / ``cat``: parametrised ``sqlite`` and ``postgres`` (marked
  ``postgres``); each test gets a fresh SQLite file or a fresh PostgreSQL database.
* ``sqlite_cat``: a fresh catalog on SQLite only.
* ``search_backend`` / ``search_cat``: parametrised by ``catalogtest.SEARCH_BACKENDS``
  (``embedded``, ``opensearch``; adding a backend is one entry there).
* ``opensearch_session`` (session, autouse): the OpenSearch node of the ``opensearch``
  backend (``tests/opensearch/``) is started on first use, or taken from
  ``CATALOG_TEST_OPENSEARCH_URL``, and stopped at session end. Without Java or Maven the
  OpenSearch tests FAIL with the reason, like PostgreSQL's.

Helpers that test modules import live in ``catalogtest.py`` (not here: ``conftest`` is not a
unique module name once sub-folders have their own).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalogtest import (
    OPENSEARCH,
    SEARCH_BACKENDS,
    build_catalog,
    build_search_catalog,
)
from pgcluster import DatabasePool, PgCluster, PostgresUnavailable

from catalog.context import Catalog, open_catalog

DATABASES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


# -- hermetic environment -----------------------------------------------------------------
@pytest.fixture(autouse=True)
def _no_catalog_env(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings from the developer's shell (CATALOG_*) must not leak into unit tests, and a
    test that forgets to choose an instance must not write into ./instance."""
    if "e2e" in Path(str(request.node.path)).parts:
        return
    for key in list(os.environ):
        if key.startswith("CATALOG_"):
            monkeypatch.delenv(key)
    fallback = request.getfixturevalue("tmp_path_factory").mktemp("stray-instance")
    monkeypatch.setenv("CATALOG_INSTANCE", str(fallback))


# -- OpenSearch ---------------------------------------------------------------------------
@pytest.fixture(scope="session", autouse=True)
def opensearch_session() -> Iterator[None]:
    """Stops the session's OpenSearch node, if a test started one (see catalogtest)."""
    yield
    OPENSEARCH.stop()


@pytest.fixture(scope="session")
def opensearch_base() -> str:
    """``opensearch://127.0.0.1:PORT`` of the session's node; FAILS if it cannot start."""
    from tests.opensearch.testnode import NodeUnavailable

    try:
        return OPENSEARCH.base_url()
    except NodeUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)


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


@pytest.fixture(scope="session")
def pg_blank_pool(pg_cluster: PgCluster | PostgresUnavailable) -> Iterator[DatabasePool | None]:
    """Empty databases (copies of template1), made ahead of use."""
    if isinstance(pg_cluster, PostgresUnavailable):
        yield None
        return
    pool = pg_cluster.pool("template1")
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def pg_migrated_pool(
    pg_cluster: PgCluster | PostgresUnavailable, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabasePool | PostgresUnavailable | None]:
    """Databases cloned from one that Alembic migrated to head once per session.

    Migrations themselves are tested on blank databases (``blank_database_url``); the
    other tests start from the migrated schema to save ~0.2 s each.
    """
    if isinstance(pg_cluster, PostgresUnavailable):
        yield None
        return
    template = pg_cluster.create_database(prefix="catalog_template")
    try:
        c = open_catalog(
            instance_path=tmp_path_factory.mktemp("pg-template"),
            database_url=pg_cluster.url(template),
        )
        c.migrate()
        c.dispose()
    except Exception as exc:
        yield PostgresUnavailable(f"migrating the template database failed: {exc!r}")
        return
    pool = pg_cluster.pool(template)
    yield pool
    pool.close()


def _fresh_pg_database(request: pytest.FixtureRequest, pool_fixture: str) -> Iterator[str]:
    cluster = _require_cluster(request.getfixturevalue("pg_cluster"))
    pool = request.getfixturevalue(pool_fixture)
    if isinstance(pool, PostgresUnavailable):
        pytest.fail(str(pool), pytrace=False)
    try:
        name = pool.take()
    except PostgresUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield cluster.url(name)
    finally:
        cluster.drop_database(name)


@pytest.fixture
def pg_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty PostgreSQL database; yields its SQLAlchemy URL."""
    yield from _fresh_pg_database(request, "pg_blank_pool")


@pytest.fixture
def pg_migrated_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh PostgreSQL database whose schema is already at the migrations' head."""
    yield from _fresh_pg_database(request, "pg_migrated_pool")


# -- catalogs -----------------------------------------------------------------------------
@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database of each kind (PostgreSQL's may already be migrated to head)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.db'}"
    return request.getfixturevalue("pg_migrated_database")


@pytest.fixture(params=DATABASES)
def blank_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each kind: for testing the migrations themselves."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.db'}"
    return request.getfixturevalue("pg_database")


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


@pytest.fixture(params=list(SEARCH_BACKENDS))
def search_backend(request: pytest.FixtureRequest) -> str:
    """The id of the search backend under test (``embedded`` or ``opensearch``)."""
    return request.param


@pytest.fixture
def search_cat(tmp_path: Path, search_backend: str) -> Iterator[Catalog]:
    """A fresh, empty catalog (SQLite store) searching through the backend under test."""
    c = build_search_catalog(tmp_path / "instance", search_backend)
    try:
        yield c
    finally:
        c.dispose()
