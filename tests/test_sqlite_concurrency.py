"""SQLite writes under contention (issue 14): several threads and processes writing at
once get no "database is locked" and store each write exactly once, because every write
transaction begins IMMEDIATE (it waits for the lock at BEGIN instead of failing when it
upgrades a stale read snapshot) and token checks, which every API request makes, no longer
write on each read.

Real parts only: one SQLite file in WAL mode shared by ``multiprocessing`` processes that
each open their own catalog, and the app on a real socket hit by 8 client threads."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from catalog.context import open_catalog
from catalog.models import ApiToken, Dataset
from catalog.services import datasets, organizations, tokens, users
from catalog.services.authz import SYSTEM, Actor
from tests.livesite import serve

PROCESSES = 4
PER_PROCESS = 12


def _org(cat) -> None:
    organizations.create_organization(
        cat, SYSTEM, {"name": "busy-org", "title": "繁忙机构", "org_type": "government"}
    )


def _writer(instance: str, database_url: str, worker: int) -> list[str]:
    """Create datasets and update them, as a separate process would; returns the errors."""
    cat = open_catalog(instance_path=Path(instance), database_url=database_url)
    errors: list[str] = []
    try:
        for n in range(PER_PROCESS):
            try:
                ds = datasets.create_dataset(
                    cat,
                    SYSTEM,
                    {
                        "name": f"w{worker}-{n}",
                        "title": f"并发写入 {worker}-{n}",
                        "organization": "busy-org",
                    },
                )
                datasets.update_dataset(cat, SYSTEM, ds.id, {"description": f"第 {n} 次"})
            except Exception as exc:  # the test counts them: none is allowed
                errors.append(f"{type(exc).__name__}: {exc}"[:300])
    finally:
        cat.dispose()
    return errors


def test_processes_writing_at_once_all_succeed_once(tmp_path, database_url):
    """On SQLite (immediate transactions) and PostgreSQL alike."""
    instance = tmp_path / "instance"
    cat = open_catalog(instance_path=instance, database_url=database_url)
    cat.migrate()
    cat.create_index_if_missing()
    _org(cat)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(PROCESSES) as pool:
        jobs = [(str(instance), database_url, w) for w in range(PROCESSES)]
        results = pool.starmap(_writer, jobs)
    errors = [e for r in results for e in r]
    assert errors == []
    with cat.session() as s:
        names = s.execute(select(Dataset.name).where(Dataset.name.like("w%"))).scalars().all()
        described = s.execute(
            select(func.count()).select_from(Dataset).where(Dataset.description.like("第 %"))
        ).scalar_one()
    assert len(names) == len(set(names)) == PROCESSES * PER_PROCESS
    assert described == PROCESSES * PER_PROCESS
    cat.dispose()


@pytest.fixture
def site(tmp_path):
    info: dict = {}

    def load(cat):
        _org(cat)
        user = users.create_user(
            cat, SYSTEM, "cur@bureau.example", "Cur", "busy-curator-9", "curator"
        )
        info["token"], info["token_obj"] = tokens.create_token(
            cat, Actor(id=user.id, role="curator"), "load"
        )

    with serve(tmp_path / "web", load) as (url, cat):
        yield url, cat, info


def test_api_clients_creating_at_once_get_no_500_and_no_duplicates(site):
    url, cat, info = site
    headers = {"Authorization": f"Bearer {info['token']}"}
    statuses: Counter = Counter()
    failures: list[str] = []
    lock = threading.Lock()
    go = threading.Barrier(8)

    def client(c: int) -> None:
        http = requests.Session()
        go.wait()
        for n in range(8):
            r = http.post(
                f"{url}/api/v1/datasets",
                json={
                    "name": f"c{c}-{n}",
                    "title": f"接口并发 {c}-{n}",
                    "organization": "busy-org",
                },
                headers=headers,
                timeout=60,
            )
            reads = http.get(f"{url}/api/v1/datasets?q=接口并发", headers=headers, timeout=60)
            with lock:
                statuses[r.status_code] += 1
                statuses[f"read {reads.status_code}"] += 1
                if r.status_code != 201:
                    failures.append(r.text[:300])

    threads = [threading.Thread(target=client, args=(c,)) for c in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert failures == []
    assert statuses == {201: 64, "read 200": 64}
    with cat.session() as s:
        names = s.execute(select(Dataset.name).where(Dataset.name.like("c%-%"))).scalars().all()
    assert len(names) == len(set(names)) == 64


def test_a_token_is_touched_at_most_once_per_interval(site):
    url, cat, info = site
    headers = {"Authorization": f"Bearer {info['token']}"}
    token_id = info["token_obj"].id

    def last_used():
        with cat.session() as s:
            return s.get(ApiToken, token_id).last_used_at

    assert requests.get(f"{url}/api/v1/access-requests", headers=headers, timeout=20).ok
    first = last_used()
    assert first is not None
    for _ in range(5):
        assert requests.get(f"{url}/api/v1/access-requests", headers=headers, timeout=20).ok
    assert last_used() == first  # reads within the interval write nothing
    with cat.session() as s:  # as if the last use were older than the interval
        s.get(ApiToken, token_id).last_used_at = first - tokens.TOUCH_EVERY - timedelta(seconds=1)
    assert requests.get(f"{url}/api/v1/access-requests", headers=headers, timeout=20).ok
    assert last_used() > first


def test_reads_do_not_wait_for_a_writer(tmp_path):
    """A harvest holds SQLite's write lock for each batch it stores: the pages read
    meanwhile (a dataset page, a sign-in's user lookup) must not queue behind it."""
    cat = open_catalog(instance_path=tmp_path / "i")
    cat.migrate()
    cat.create_index_if_missing()
    _org(cat)
    datasets.create_dataset(
        cat, SYSTEM, {"name": "read-me", "title": "读取测试", "organization": "busy-org"}
    )
    with cat.session() as s:  # holds the write lock (BEGIN IMMEDIATE) ...
        s.execute(select(Dataset.id)).all()
        with cat.read_session() as r:  # ... while a read goes through at once
            assert r.execute(select(func.count()).select_from(Dataset)).scalar_one() == 1
        assert users.get_user(cat, "nobody") is None
        ds = datasets.get_dataset(cat, SYSTEM, "read-me")
        assert ds.title == "读取测试" and ds.organization.name == "busy-org"
        assert ds.distributions == []
    cat.dispose()
