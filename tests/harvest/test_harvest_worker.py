"""`catalog worker`: due and queued jobs from the database; no two workers take one job
(SQLite and PostgreSQL); SIGTERM puts the job in hand back in the queue."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import FAST, new_catalog
from sqlalchemy import select

from catalog.context import open_catalog
from catalog.models import Dataset, HarvestJob
from catalog.services import harvest as svc
from catalog.services.authz import SYSTEM
from harvesters.jobs import Worker

AGENCIES = "files/datajson/us-agencies"


def _sources(cat, server, n: int) -> list[int]:
    ids = []
    for i in range(n):
        src = svc.register_source(
            cat,
            SYSTEM,
            name=f"src-{i}",
            kind="datajson",
            url=server.url(f"{AGENCIES}/consumerfinance.json") + f"?copy={i}",
            config=FAST,
            trusted=True,
        )
        ids.append(src.id)
    return ids


def test_worker_runs_queued_and_scheduled_jobs(cat, server):
    a, b = _sources(cat, server, 2)
    svc.enqueue_job(cat, SYSTEM, a)
    svc.update_source(cat, SYSTEM, b, schedule="6h")
    outcomes = []
    ran = Worker(cat, poll=0.05, on_job=outcomes.append).run(idle_exit=True)
    assert ran == 2
    assert sorted(o.summary for o in outcomes) == [
        "done: 11 new, 0 updated, 0 unchanged, 0 withdrawn, 0 errors",
        "done: 11 new, 0 updated, 0 unchanged, 0 withdrawn, 0 errors",
    ]
    assert svc.schedule_due(cat) == []  # b ran just now: not due for six hours
    assert Worker(cat).run(idle_exit=True) == 0


def _race(cat_factory, n_workers: int = 3) -> list[int]:
    """Workers claiming jobs at the same time; returns every claimed job id."""
    claimed: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(n_workers, timeout=20)

    def work(i: int) -> None:
        cat = cat_factory()
        start.wait()
        while (job := svc.claim_next_job(cat, f"w{i}:{i}")) is not None:
            with lock:
                claimed.append(job.id)
        cat.dispose()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n_workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return claimed


def test_sqlite_workers_never_take_the_same_job(cat, server, tmp_path):
    ids = _sources(cat, server, 12)
    jobs = [svc.enqueue_job(cat, SYSTEM, sid).id for sid in ids]
    claimed = _race(lambda: open_catalog(instance_path=tmp_path / "instance"))
    assert sorted(claimed) == sorted(jobs)  # each job once, none twice


@pytest.mark.postgres
def test_postgres_workers_never_take_the_same_job(server, tmp_path, pg_database):
    cat = new_catalog(tmp_path / "pg", pg_database)
    try:
        ids = _sources(cat, server, 12)
        jobs = [svc.enqueue_job(cat, SYSTEM, sid).id for sid in ids]
        claimed = _race(
            lambda: open_catalog(instance_path=tmp_path / "pg", database_url=pg_database)
        )
        assert sorted(claimed) == sorted(jobs)
        # and a harvest runs end to end on PostgreSQL
        job = svc.enqueue_job(cat, SYSTEM, ids[1])
        from harvesters.pipeline import run_job

        with cat.session() as s:  # the raced jobs were only claimed: finish them
            for j in s.execute(select(HarvestJob).where(HarvestJob.state == "running")).scalars():
                j.state = "cancelled"
        out = run_job(cat, svc.start_job(cat, job.id))
        assert out.summary == "done: 11 new, 0 updated, 0 unchanged, 0 withdrawn, 0 errors"
    finally:
        cat.dispose()


def test_sigterm_requeues_the_job_and_the_next_worker_finishes_it(tmp_path, server, cat):
    names = ["squad", "ag_news", "imdb", "glue", "cifar10", "wmt16", "conll2003", "xnli", "emotion"]
    index = server.put(
        "cards.json",
        json.dumps([server.url(f"files/hf-cards/{n}.README.md") for n in names]),
        "application/json",
    )
    instance = tmp_path / "instance"
    src = svc.register_source(
        cat,
        SYSTEM,
        name="cards",
        kind="hfcard",
        url=index,
        trusted=True,
        config={**FAST, "batch_size": 2},
    )
    job = svc.enqueue_job(cat, SYSTEM, src.id)
    server.delay = 0.2
    env = {k: v for k, v in os.environ.items() if not k.startswith("CATALOG_")}
    env["CATALOG_INSTANCE"] = str(instance)
    catalog_bin = str(Path(sys.executable).with_name("catalog"))
    proc = subprocess.Popen(
        [catalog_bin, "worker", "--poll", "0.1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and svc.get_job(cat, job.id).count_new < 2:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    stopped = svc.get_job(cat, job.id)
    assert stopped.state == "queued" and "requeued: worker shutting down" in stopped.log
    assert 2 <= stopped.count_new < len(names)
    server.delay = 0
    done = subprocess.run(
        [catalog_bin, "worker", "--once"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    final = svc.get_job(cat, job.id)
    assert final.state == "done"
    with cat.session() as s:
        assert len(list(s.execute(select(Dataset.id)).scalars())) == len(names)


@pytest.mark.postgres
def test_harvest_withdrawal_and_link_check_on_postgres(server, tmp_path, pg_database):
    from catalog.services.link_status import broken_links_by_publisher
    from harvesters.pipeline import run_job

    cat = new_catalog(tmp_path / "pg", pg_database)
    try:
        src = svc.register_source(
            cat, SYSTEM, name="hdx", kind="ckan", url=server.url("ckan"), config=FAST, trusted=True
        )

        def run(**options: object):
            job = svc.enqueue_job(cat, SYSTEM, src.id, options=options or None)
            return run_job(cat, svc.start_job(cat, job.id))

        assert run().summary == "done: 12 new, 0 updated, 0 unchanged, 0 withdrawn, 0 errors"
        server.ckan.remove("acled-conflict-data-for-gabon")
        assert run().summary == "done: 0 new, 0 updated, 11 unchanged, 1 withdrawn, 0 errors"
        doc = {
            "dataset": [
                {
                    "identifier": "links",
                    "title": "Links",
                    "publisher": {"name": "Agency"},
                    "distribution": [
                        {"downloadURL": server.url("links/ok")},
                        {"downloadURL": server.url("links/gone")},
                    ],
                }
            ]
        }
        url = server.put("links.json", json.dumps(doc), "application/json")
        local = svc.register_source(
            cat,
            SYSTEM,
            name="links",
            kind="datajson",
            url=url,
            config={**FAST, "strict": False},
            trusted=True,
        )
        run_job(cat, svc.start_job(cat, svc.enqueue_job(cat, SYSTEM, local.id).id))
        job = svc.enqueue_job(
            cat, SYSTEM, local.id, job_type="linkcheck", options={"allow_private": True}
        )
        out = run_job(cat, svc.start_job(cat, job.id))
        assert out.message == "done_with_errors: 2 links checked, 1 broken"
        assert broken_links_by_publisher(cat) == {"agency": 1}
    finally:
        cat.dispose()
