"""Mapping records (transform, limits, content hash, validation, match keys) in worker
processes, so that a large source uses a second core while the run writes (issue 17).

What a record becomes depends only on its payload, the run's settings and what the kind
says its transform depends on (``Harvester.payload_context``), never on the store: a kind
that declares ``parallel_transform`` has its records mapped here, in a process pool, and
the run's single writer (:mod:`harvesters.pipeline`) does the rest, in the record's order:
the publisher resolved to one of our organizations (which may create one), then the
outcome. :func:`map_record` is also what the run calls in its own process, for small sources
(starting a pool costs a second or so) and kinds that do not declare it, so both ways give
the same records (a test compares whole catalogs harvested both ways).

Workers are started with ``spawn``: a forked copy of a process that holds database
connections and threads (the web server's, the worker's heartbeat) may close the parent's
connections or hang on a lock taken at the moment of the fork. A spawned worker imports the
program's main module again, so a program that runs harvests guards its top level with
``if __name__ == "__main__":`` (the ``catalog`` command, the worker, the benchmarks and
pytest do); where no process can be started, the run maps its records itself.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from catalog.search import analysed, documents
from catalog.services.harvest import Failed, PublisherRef, SourceSpec, Unchanged
from harvesters import prepare
from harvesters.base import HarvestContext, Harvester, RecordError, RemoteRecord, SkipRecord


@dataclass
class Mapped:
    """A record mapped and checked, before its publisher is one of our organizations.

    ``values`` is what ``DatasetSchema`` loaded with no organization (the field has no rule,
    so the organization found later is put in its place); ``invalid`` the reason it did not
    load, reported only once the publisher resolved (as a run in one process does)."""

    data: dict
    digest: str
    publisher: PublisherRef | None
    warnings: list[str]
    keys: list[tuple[str, str]]
    values: dict | None
    invalid: str | None = None
    # the search document's analysed text and the text it was computed from
    # (``analysed.text_key``), computed in a worker from ``values`` when the record will be
    # indexed by the embedded engine (``catalog.search.analysed``)
    analysed: tuple[analysed.TextKey, dict] | None = None


class Skipped:
    """``SkipRecord``: not a dataset here."""


#: what mapping one record gives: the record mapped, unchanged by content, failed, skipped
Result = Mapped | Unchanged | Failed | Skipped


def map_record(
    harvester: Harvester,
    spec: SourceSpec,
    config: dict,
    dataset_kind: str,
    full: bool,
    rec: RemoteRecord,
    payload: Any,
    known_hash: str | None,
) -> Result:
    """Map one record whose identity is known: what ``Run._prepare`` does between the
    source hash and the publisher."""
    rid = rec.known_id()
    try:
        t = harvester.transform(payload, rec)
    except SkipRecord:
        return Skipped()
    except RecordError as exc:
        return Failed(rid, exc.stage, exc.reason)
    try:
        data = prepare.finish_input(t, spec, config, dataset_kind)
        digest = prepare.content_hash(data, t.publisher, spec)
    except RecordError as exc:
        return Failed(rid, exc.stage, exc.reason)
    if known_hash == digest and not full:
        return Unchanged(rid)
    data["organization"] = None  # resolved by the writer
    try:
        values: dict | None = prepare.validate(data)
        invalid = None
    except RecordError as exc:
        values, invalid = None, exc.reason
    keys = prepare.record_keys(data)
    return Mapped(data, digest, t.publisher, list(t.warnings), keys, values, invalid)


# -- the worker's side ------------------------------------------------------------------------
_worker: dict[str, Any] = {}
LEAVE_CHECK_SECONDS = 0.5


def _start_worker(
    cls: type[Harvester],
    spec: SourceSpec,
    config: dict,
    dataset_kind: str,
    full: bool,
    analyse: bool = False,
) -> None:
    threading.Thread(target=_leave_with, args=(os.getppid(),), daemon=True).start()
    ctx = HarvestContext(spec=spec, config=config, http=None, full=full)  # type: ignore[arg-type]
    _worker.update(
        harvester=cls(ctx), spec=spec, config=config, kind=dataset_kind, full=full, analyse=analyse
    )


def _leave_with(run_pid: int) -> None:
    """End this worker when the run that started it is gone (killed with ``kill -9``, it
    cannot shut its pool down): it would otherwise wait for work forever."""
    while os.getppid() == run_pid:
        time.sleep(LEAVE_CHECK_SECONDS)
    os._exit(1)


def _map_chunk(context: Any, work: list[tuple[RemoteRecord, str | None]]) -> list[Result]:
    harvester: Harvester = _worker["harvester"]
    harvester.use_payload_context(context)
    spec, config, kind, full = _worker["spec"], _worker["config"], _worker["kind"], _worker["full"]
    out: list[Result] = []
    for rec, known in work:
        result = map_record(harvester, spec, config, kind, full, rec, rec.payload, known)
        if _worker.get("analyse") and isinstance(result, Mapped):
            result.analysed = analysed_text(spec, result, known)
        out.append(result)
    return out


def analysed_text(
    spec: SourceSpec, result: Mapped, known_hash: str | None
) -> tuple[analysed.TextKey, dict] | None:
    """The analysed text of the search document the record will get, computed here (a
    worker) so that the run's process, which writes and indexes, need not: only for a record
    that will be indexed as it is (new from a trusted source, or a change to a dataset the
    catalog holds, which may be published). The drain looks it up by the text it reads from
    the store (``catalog.search.analysed``), so a guess that turns out wrong only costs this.
    The text goes back with it (its strings are the record's own, which pickling shares), so
    the writer need not work out the labels again."""
    if result.values is None or not (spec.trusted or known_hash is not None):
        return None
    key = analysed.text_key(documents.text_of(result.values))
    return key, analysed.analyse(key)


# -- the run's side --------------------------------------------------------------------------
class MappingPool:
    """Worker processes mapping chunks of records in the order they were given."""

    def __init__(
        self,
        harvester: Harvester,
        spec: SourceSpec,
        config: dict,
        dataset_kind: str,
        full: bool,
        workers: int,
        analyse: bool = False,
    ):
        """``analyse``: the workers also compute the analysed text of the records' search
        documents (the catalog indexes with the embedded engine)."""
        self.harvester = harvester
        self.executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(type(harvester), spec, config, dataset_kind, full, analyse),
        )

    def submit(self, work: Iterable[tuple[RemoteRecord, str | None]]) -> Future[list[Result]]:
        """Map these records (each with the content hash the catalog holds) in a worker;
        the payloads travel pickled, the results come back in the same order."""
        return self.executor.submit(_map_chunk, self.harvester.payload_context(), list(work))

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
