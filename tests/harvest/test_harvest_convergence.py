"""A harvest killed with SIGKILL and run again ends with exactly the catalog an
uninterrupted run gives; dead workers' jobs never stay "running"; cancelling stops a job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import FAST, catalog_state, new_catalog
from sqlalchemy import select

from catalog.models import HarvestJob, utcnow
from catalog.services import harvest as svc
from catalog.services.authz import SYSTEM

PHILADELPHIA = "files/datajson/gsa-harvester/dcatus_with_none.json"  # 402 real records
CONFIG = {**FAST, "strict": False, "batch_size": 20}
CATALOG_BIN = Path(sys.executable).with_name("catalog")


def _cli(instance: Path, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CATALOG_")}
    env["CATALOG_INSTANCE"] = str(instance)
    return subprocess.Popen(
        [str(CATALOG_BIN), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _children(pid: int) -> list[int]:
    """The processes ``pid`` started (Linux: /proc/<pid>/task/*/children)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text()
        found += [int(c) for c in text.split()]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _jobs(cat) -> list[HarvestJob]:
    with cat.session() as s:
        return list(s.execute(select(HarvestJob).order_by(HarvestJob.id)).scalars())


@pytest.mark.parametrize("workers", [False, True], ids=["in-process", "worker-processes"])
def test_kill_9_midway_then_rerun_equals_a_clean_run(tmp_path, server, harvest, cat, workers):
    """Also with records mapped in worker processes (issue 17): the kill takes the run
    with its workers and the batches they had mapped ahead; nothing of them was stored."""
    url = server.url(PHILADELPHIA)
    config = {**CONFIG, "map_workers_after": 0} if workers else CONFIG
    args = ["harvest", "run", "--kind", "datajson", "--url", url, "--trusted"]
    args += ["--config", json.dumps(config)]
    killed = tmp_path / "killed"
    new_catalog(killed).dispose()  # `catalog init`
    proc = _cli(killed, *args)
    watcher = new_catalog(killed)
    deadline = time.monotonic() + 60
    progress = 0
    while time.monotonic() < deadline:
        jobs = _jobs(watcher)
        progress = jobs[0].count_new if jobs else 0
        if progress >= 60:
            break
        time.sleep(0.02)
    children = _children(proc.pid)
    assert bool(children) == workers  # the mapping workers (and multiprocessing's tracker)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # its mapping workers do not outlive it
    deadline = time.monotonic() + 10
    while any(_alive(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(c) for c in children)
    [job] = _jobs(watcher)
    assert job.state == "running" and 60 <= job.count_new < 402, (job.state, job.count_new)
    # the worker is dead: anyone looking at the jobs sees it failed, not running
    [seen] = svc.list_jobs(watcher)
    assert seen.state == "failed" and "is gone" in seen.log
    rerun = _cli(killed, *args)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    last = out.strip().splitlines()[-1]
    assert (
        last
        == f"done: {402 - job.count_new} new, 0 updated, {job.count_new} unchanged, 0 withdrawn, 0 errors"
    )
    # the same source, uninterrupted, into a fresh catalog
    clean = harvest("datajson", url, config=config, name=svc.default_source_name("datajson", url))
    assert clean.summary == "done: 402 new, 0 updated, 0 unchanged, 0 withdrawn, 0 errors"
    assert catalog_state(watcher) == catalog_state(cat)
    watcher.dispose()


def test_job_without_heartbeat_is_failed(cat, server, harvest):
    harvest("datajson", server.url("files/datajson/us-agencies/consumerfinance.json"))
    with cat.session() as s:
        s.add(
            HarvestJob(
                source_id=1,
                state="running",
                worker="another-host:4242",
                started_at=utcnow() - timedelta(hours=2),
                heartbeat_at=utcnow() - timedelta(minutes=30),
                log="",
            )
        )
        s.add(
            HarvestJob(
                source_id=1,
                state="running",
                worker="another-host:4343",
                started_at=utcnow(),
                heartbeat_at=utcnow(),
                log="",
            )
        )
    states = {j.worker: (j.state, j.log) for j in svc.list_jobs(cat)}
    state, log = states["another-host:4242"]
    assert state == "failed" and "no heartbeat from worker another-host:4242" in log
    assert states["another-host:4343"][0] == "running"  # alive elsewhere: left alone


def test_a_source_runs_once_at_a_time(cat, server, harvest):
    url = server.url("files/datajson/us-agencies/consumerfinance.json")
    harvest("datajson", url)
    with cat.session() as s:
        s.add(
            HarvestJob(
                source_id=1, state="running", worker="another-host:1", heartbeat_at=utcnow(), log=""
            )
        )
    job = svc.enqueue_job(cat, SYSTEM, 1)
    try:
        svc.start_job(cat, job.id)
    except svc.HarvestFailed as exc:
        assert "being harvested by job" in str(exc)
    else:
        raise AssertionError("a second run of a running source was started")


def test_cancel_stops_a_running_job(cat, server, harvest):
    from harvesters.pipeline import run_job

    names = ["squad", "ag_news", "imdb", "glue", "cifar10", "wmt16", "conll2003", "xnli"]
    index = server.put(
        "cards.json",
        json.dumps([server.url(f"files/hf-cards/{n}.README.md") for n in names]),
        "application/json",
    )
    src = svc.register_source(
        cat,
        SYSTEM,
        name="cards",
        kind="hfcard",
        url=index,
        trusted=True,
        config={**FAST, "batch_size": 1, "heartbeat_seconds": 0.05},
    )
    server.delay = 0.15  # a slow portal
    job = svc.start_job(cat, svc.enqueue_job(cat, SYSTEM, src.id).id)
    result = {}
    t = threading.Thread(target=lambda: result.update(out=run_job(cat, job)))
    t.start()
    time.sleep(0.6)
    svc.cancel_job(cat, SYSTEM, job.id)
    t.join(30)
    out = result["out"]
    assert out.state == "cancelled"
    assert out.counts.new < len(names)
    assert svc.get_job(cat, job.id).state == "cancelled"
