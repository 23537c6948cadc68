"""Issue 17: records mapped in worker processes give the catalog records mapped in the
run's own process give -- datasets, versions, audit events, errors and warnings -- on real
agencies' and GSA's data.json documents, valid and invalid."""

from __future__ import annotations

import pytest
from conftest import FAST, catalog_state, errors_of, new_catalog
from sqlalchemy import func, select

from catalog.models import AuditEvent, DatasetMatchKey, DatasetSource, DatasetVersion
from catalog.services import harvest as svc
from catalog.services.authz import SYSTEM
from harvesters import mapping, pipeline
from harvesters.pipeline import run_job

SOURCES = [
    "files/datajson/us-agencies/fda.json",
    "files/datajson/us-agencies/opm.json",
    "files/datajson/gsa-harvester/dcatus_multiple_invalid.json",
    "files/datajson/gsa-harvester/dcatus_with_none.json",
    "files/datajson/gsa-harvester/dcatus3_0_series_with_members.json",
]


def _harvest_all(cat, server, config: dict, sources: list[str] = SOURCES) -> list[tuple[str, list]]:
    out = []
    for path in sources:
        url = server.url(path)
        src = svc.find_source(cat, "datajson", url) or svc.register_source(
            cat,
            SYSTEM,
            name=svc.default_source_name("datajson", url),
            kind="datajson",
            url=url,
            config={**FAST, "strict": False, **config},
            trusted=True,
        )
        job = svc.start_job(cat, svc.enqueue_job(cat, SYSTEM, src.id).id)
        outcome = run_job(cat, job)
        errors = sorted(errors_of(cat, outcome.job_id), key=repr)
        out.append((outcome.summary, errors))
    return out


def _rows(cat) -> dict:
    with cat.session() as s:

        def count(*what):
            return s.execute(select(func.count()).select_from(*what)).scalar_one()

        return {
            "versions": count(DatasetVersion),
            "audit": sorted(
                s.execute(select(AuditEvent.action, func.count()).group_by(AuditEvent.action)).all()
            ),
            "links": count(DatasetSource),
            "keys": sorted(s.execute(select(DatasetMatchKey.kind, DatasetMatchKey.key)).all()),
            "indexed": cat.search.count(),
        }


@pytest.fixture
def submits(monkeypatch) -> list[int]:
    """How many records each chunk handed to the workers held (the real pool, counted)."""
    sizes: list[int] = []

    class Counted(mapping.MappingPool):
        def submit(self, work):
            work = list(work)
            sizes.append(len(work))
            return super().submit(work)

    monkeypatch.setattr(pipeline, "MappingPool", Counted)
    return sizes


def test_records_mapped_by_workers_make_the_same_catalog(tmp_path, server, submits, database_url):
    """The workers' run writes into each database (SQLite, PostgreSQL); the run mapping in
    its own process into SQLite: the same catalog either way."""
    alone = new_catalog(tmp_path / "alone")
    pooled = new_catalog(tmp_path / "pooled", database_url)
    try:
        in_process = _harvest_all(alone, server, {"batch_size": 7})
        assert not submits  # under the threshold: mapped in the run's own process
        workers = _harvest_all(pooled, server, {"batch_size": 7, "map_workers_after": 0})
        assert sum(submits) > 400 and len(submits) > 50  # the workers mapped them
        assert workers == in_process
        assert any(e for _summary, e in workers)  # invalid records failed alone, as before
        assert catalog_state(pooled) == catalog_state(alone)
        assert _rows(pooled) == _rows(alone)
        # and the rerun skips them all by their source hashes, without the workers
        submits.clear()
        again = _harvest_all(pooled, server, {"batch_size": 7, "map_workers_after": 0})
        assert all(" 0 new, 0 updated" in summary for summary, _e in again)
        assert not submits
    finally:
        alone.dispose()
        pooled.dispose()


def test_the_pool_starts_after_the_threshold(tmp_path, server, submits):
    """``map_workers_after``: that many records are mapped in the run's own process
    (whole batches), the rest in the workers."""
    mapped_by_workers = []
    for after in (0, 30):
        cat = new_catalog(tmp_path / f"after-{after}")
        submits.clear()
        try:
            [(summary, _errors), *_] = _harvest_all(
                cat, server, {"batch_size": 10, "map_workers_after": after}, SOURCES[:1]
            )
        finally:
            cat.dispose()
        assert summary.startswith("done")
        mapped_by_workers.append(sum(submits))
    assert mapped_by_workers[0] > 80  # nearly every record of the FDA's catalog
    assert mapped_by_workers[0] - mapped_by_workers[1] == 30  # three batches of ten


def test_a_source_cut_short_keeps_what_was_read_before_with_workers_too(
    tmp_path, server, fixtures, submits
):
    """A document that breaks off: the job fails, and the batches read before the break
    are stored whether or not workers were mapping batches ahead of the writer."""
    from catalog.models import Dataset

    text = (fixtures / "datajson/gsa-harvester/dcatus_with_none.json").read_text("utf-8")
    url = server.put("cut.json", text[: len(text) * 6 // 10], "application/json")
    stored = []
    for after in (10_000, 0):
        cat = new_catalog(tmp_path / f"after-{after}")
        try:
            src = svc.register_source(
                cat,
                SYSTEM,
                name="cut",
                kind="datajson",
                url=url,
                config={**FAST, "strict": False, "batch_size": 5, "map_workers_after": after},
                trusted=True,
            )
            job = svc.start_job(cat, svc.enqueue_job(cat, SYSTEM, src.id).id)
            outcome = run_job(cat, job)
            assert outcome.state == "failed" and "not a JSON document" in outcome.message
            with cat.session() as s:
                stored.append(s.execute(select(func.count()).select_from(Dataset)).scalar_one())
        finally:
            cat.dispose()
    assert submits  # the second run mapped in the workers
    assert stored[0] > 100 and stored[1] == stored[0]


def test_a_worker_killed_mid_run_costs_speed_not_records(tmp_path, server, monkeypatch):
    """The workers are killed (``kill -9``, as the out-of-memory killer would) after the
    pool has taken a few batches: the run maps the rest in its own process, ends done, and
    stores the catalog a run without workers stores; the job log says what happened."""
    import os
    import signal

    class Killed(mapping.MappingPool):
        submitted = 0

        def submit(self, work):
            Killed.submitted += 1
            if Killed.submitted < 3:
                return super().submit(work)
            # the executor's own table of its worker processes (no public accessor): held
            # still, handed this batch, then killed, so the batch is in flight in a dead pool
            workers = list(self.executor._processes.values())  # type: ignore[attr-defined]
            for process in workers:
                os.kill(process.pid, signal.SIGSTOP)
            future = super().submit(work)
            for process in workers:
                os.kill(process.pid, signal.SIGKILL)
            return future

    alone = new_catalog(tmp_path / "alone")
    try:
        expected = _harvest_all(alone, server, {"batch_size": 7}, SOURCES[:2])
        monkeypatch.setattr(pipeline, "MappingPool", Killed)
        killed = new_catalog(tmp_path / "killed")
        try:
            got = _harvest_all(
                killed, server, {"batch_size": 7, "map_workers_after": 0}, SOURCES[:2]
            )
            assert Killed.submitted >= 3
            assert got == expected and got[0][0].startswith("done")
            assert catalog_state(killed) == catalog_state(alone)
            assert _rows(killed) == _rows(alone)
            logs = [j.log or "" for j in svc.list_jobs(killed)]
            assert any("mapping workers stopped" in log for log in logs)
        finally:
            killed.dispose()
    finally:
        alone.dispose()
