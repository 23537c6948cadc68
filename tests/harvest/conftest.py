"""Harvest tests: a fresh catalog per test and a local HTTP server for the fixtures.

The fixtures are the real metadata in ``../shared/fixtures`` (CI has the same layout);
the server is real (``http.server`` on 127.0.0.1), so every source kind is harvested end to
end over HTTP.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server import FixtureServer

from catalog.context import Catalog, open_catalog
from catalog.services import harvest as svc
from catalog.services.authz import SYSTEM
from harvesters.pipeline import Outcome, run_job

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
# fast failure in tests: short timeouts, one retry with a tiny backoff
FAST = {"timeout": 1.0, "retries": 1, "backoff": 0.05, "withdraw_after_hours": 0}


@pytest.fixture(scope="session")
def fixtures() -> Path:
    if not FIXTURES.is_dir():
        pytest.fail(f"fixtures not found at {FIXTURES}", pytrace=False)
    return FIXTURES


@pytest.fixture
def server(fixtures: Path) -> Iterator[FixtureServer]:
    """A fresh server per test (the fake CKAN is mutable)."""
    srv = FixtureServer(fixtures).start()
    try:
        yield srv
    finally:
        srv.stop()


def new_catalog(instance: Path, database_url: str | None = None) -> Catalog:
    cat = open_catalog(instance_path=instance, database_url=database_url)
    cat.migrate()
    cat.create_index_if_missing()
    return cat


@pytest.fixture
def cat(tmp_path: Path) -> Iterator[Catalog]:
    """A fresh, migrated SQLite catalog with an empty index."""
    c = new_catalog(tmp_path / "instance")
    try:
        yield c
    finally:
        c.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    """A fresh catalog on each database: the ``cat`` fixture's SQLite, or a migrated
    PostgreSQL database."""
    if request.param == "sqlite":
        yield request.getfixturevalue("cat")
        return
    pg = new_catalog(tmp_path / "pg", request.getfixturevalue("pg_migrated_database"))
    try:
        yield pg
    finally:
        pg.dispose()


@pytest.fixture
def harvest(cat: Catalog) -> Callable[..., Outcome]:
    """``harvest(kind, url, **options)``: register (once) and run a source in-process."""

    def _run(
        kind: str,
        url: str,
        *,
        name: str | None = None,
        config: dict | None = None,
        trusted: bool = True,
        organization: str | None = None,
        full: bool = False,
        force_withdraw: bool = False,
        catalog: Catalog | None = None,
    ) -> Outcome:
        c = catalog or cat
        src = svc.find_source(c, kind, url)
        if src is None:
            src = svc.register_source(
                c,
                SYSTEM,
                name=name or svc.default_source_name(kind, url),
                kind=kind,
                url=url,
                config={**FAST, **(config or {})},
                trusted=trusted,
                organization=organization,
            )
        options = {"full": full, "force_withdraw": force_withdraw}
        job = svc.enqueue_job(c, SYSTEM, src.id, options={k: v for k, v in options.items() if v})
        job = svc.start_job(c, job.id)
        return run_job(c, job)

    return _run


def errors_of(cat: Catalog, job_id: int) -> list[tuple[str, str | None, str]]:
    return [(e.stage, e.remote_id, e.reason) for e in svc.job_errors(cat, job_id, 10_000)]


_TIMESTAMPS = {"created_at", "updated_at", "harvested_at", "modified", "link_checked_at"}


def catalog_state(cat: Catalog) -> dict:
    """The catalog's exported records (``export_records``) without timestamps and with ids
    replaced by names, so two catalogs built in different runs can be compared."""
    from catalog.services.records import export_records

    orgs: dict[str, dict] = {}
    names: dict[str, str] = {}
    datasets: dict[str, dict] = {}
    records = list(export_records(cat))
    for rec in records:
        if rec["type"] == "organization":
            data = {k: v for k, v in rec["data"].items() if k not in _TIMESTAMPS | {"id"}}
            names[rec["data"]["id"]] = data["name"]
            orgs[data["name"]] = data
    for rec in records:
        if rec["type"] == "dataset":
            data = {k: v for k, v in rec["data"].items() if k not in _TIMESTAMPS | {"id"}}
            data["organization_id"] = names.get(data["organization_id"])
            data["distributions"] = [
                {k: v for k, v in d.items() if k not in _TIMESTAMPS | {"id", "dataset_id"}}
                for d in data["distributions"]
            ]
            datasets[data["name"]] = data
    return {"organizations": orgs, "datasets": datasets}
