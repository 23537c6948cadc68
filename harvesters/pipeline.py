"""One harvest run: gather -> fetch -> transform -> load, in batches, with counts.

Records stream through in batches (``batch_size``, 200 by default). Each batch is
written in one transaction together with the job's counts and heartbeat, and the search
index is brought up to date every ``INDEX_EVERY`` records or ``INDEX_SECONDS`` (and at the
end), so a job killed at any point loses at most the batch in flight (its queued index
updates are applied by the next drain); run again, it skips what is stored (content
hashes) and ends with the catalog an uninterrupted run gives. Records that the source no
longer offers are withdrawn only after a run that read the whole source.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice
from typing import TYPE_CHECKING

from marshmallow import ValidationError

from catalog.db import checkpoint
from catalog.errors import CatalogError
from catalog.models import HarvestJob, utcnow
from catalog.search import analysed
from catalog.services import domain_themes, harvest_publishers
from catalog.services import harvest as svc
from catalog.services import harvest_records as records
from catalog.services.harvest import (
    BatchItem,
    Changed,
    Counts,
    Failed,
    KnownRecord,
    PublisherRef,
    SourceSpec,
    Unchanged,
)
from harvesters import prepare
from harvesters.base import (
    HarvestContext,
    Harvester,
    Outcome,
    RecordError,
    RemoteRecord,
    SkipRecord,
    SourceError,
    flatten_messages,
)
from harvesters.config import load_config
from harvesters.http import FetchError, HttpClient
from harvesters.mapping import Mapped, MappingPool, Result, Skipped, map_record
from harvesters.registry import harvester_class

if TYPE_CHECKING:
    from catalog.context import Catalog

log = logging.getLogger(__name__)
Progress = Callable[[int, Counts], None]
# The search index is updated after this many new or changed records, or this many seconds
# after the previous update if fewer came, and at the end of the run.
INDEX_EVERY = 2000
INDEX_SECONDS = 5.0
# A kind whose transform may run elsewhere (``Harvester.parallel_transform``) has its
# records mapped by worker processes once the source's ``map_workers_after`` records have
# been mapped in the run's own process (starting a pool costs about a second: not worth it
# for a small source), by this many workers (the run's process writes meanwhile), each
# batch mapped at most ``MAP_AHEAD`` batches before it is written (memory stays flat).
POOL_WORKERS = max(1, min(4, (os.cpu_count() or 2) - 1))
MAP_AHEAD = POOL_WORKERS + 1


@dataclass
class _Todo:
    """A record the run must map (its source hash did not say it is unchanged), and, once
    mapped in this process, what it became."""

    rec: RemoteRecord
    rid: str
    raw: str | None
    result: Result | None = None
    known: str | None = None  # the content hash the catalog holds for it


# a batch on its way to the writer: its records, what each became or will become once the
# pool answers, and the pool's answer
_Slot = BatchItem | _Todo | None
_Screened = tuple[list[RemoteRecord], list[_Slot], "Future[list[Result]] | None"]


class JobStopped(Exception):
    """The job was cancelled or failed by someone else while it ran, or the worker is
    shutting down (``requeue``)."""

    def __init__(self, state: str, requeue: bool = False):
        super().__init__(state)
        self.state = state
        self.requeue = requeue


def batched(items: Iterator, n: int) -> Iterator[list]:
    it = iter(items)
    while batch := list(islice(it, n)):
        yield batch


class Run:
    """The state of one harvest run (one job over one source)."""

    def __init__(
        self,
        cat,
        job: HarvestJob,
        spec: SourceSpec,
        progress: Progress | None,
        should_stop: Callable[[], bool] | None,
    ):
        self.cat = cat
        self.job_id = job.id
        self.spec = spec
        self.options = dict(job.options or {})
        self.full = bool(self.options.get("full"))
        self.progress = progress
        self.should_stop = should_stop or (lambda: False)
        cls = harvester_class(spec.kind)
        try:
            self.config = load_config(cls.config_schema, source_config(cat, spec.config))
        except ValidationError as exc:
            raise SourceError(f"configuration: {flatten_messages(exc.messages)}") from None
        # domain values curators mapped once (issue 12), under the source's own ``themes``
        stored = domain_themes.stored_mapping(cat)
        if stored:
            self.config["themes"] = {**stored, **(self.config.get("themes") or {})}
        self.http = HttpClient(self.config)
        watermark = None if self.full else svc.last_watermark(cat, spec.id)
        if watermark is not None and cls.uses_watermark and self._content_check_due():
            watermark = None
        self.ctx = HarvestContext(
            spec=spec,
            config=self.config,
            http=self.http,
            watermark=watermark,
            full=self.full,
            log=lambda line: svc.log_job(cat, self.job_id, line),
        )
        self.harvester: Harvester = cls(self.ctx)
        self.counts = Counts()
        self.seen: set[str] = set()
        self.orgs: dict[object, str | None] = {}
        self.unidentified = 0
        self.newest: str | None = None
        self.oldest_failed: str | None = None
        self.last_beat = time.monotonic()
        self.loading = records.LoadState()
        # the links of screened records still offered, read once, for the write of their batch
        self.plain: records.PlainLinks = {}
        self.unindexed = 0
        self.last_indexed = time.monotonic()
        self.hash_context: tuple[object, bytes] | None = None  # (payload context, digest)
        self.dataset_kind = self.config.get("dataset_kind") or self.harvester.dataset_kind
        self.mapped = 0  # records mapped in this process, before a pool takes over
        self.pool: MappingPool | None = None
        self.pool_refused = False

    # -- the run -----------------------------------------------------------------------------
    def execute(self) -> Outcome:
        gathered = self.harvester.gather()
        try:
            for batch, items in self._prepared(batched(gathered, int(self.config["batch_size"]))):
                self._flush_problems()
                plain = {
                    r.remote_id: self.plain.pop(r.remote_id)
                    for r in batch
                    if r.remote_id in self.plain
                }
                got = records.load_batch(
                    self.cat, self.job_id, self.spec, items, self.loading, plain
                )
                self.counts.add(got)
                self._index(got.new + got.updated)
                if self.progress:
                    self.progress(len(batch), self.counts)
        finally:
            self._close_pool()
            self._sync_index()  # what the last batches queued, whatever stopped the run
        self._flush_problems()
        return self._finish()

    def _index(self, queued: int) -> None:
        """Bring the search index up to date with the stored batches every
        ``INDEX_EVERY`` changed records or ``INDEX_SECONDS``: each index update is a commit
        of the index with a fixed cost, too high to pay for every small batch."""
        self.unindexed += queued
        now = time.monotonic()
        if self.unindexed and (
            self.unindexed >= INDEX_EVERY or now - self.last_indexed >= INDEX_SECONDS
        ):
            self._sync_index()
            self.unindexed = 0
            self.last_indexed = now

    def _finish(self) -> Outcome:
        problem = None
        if self.unidentified:
            problem = (
                f"{self.unidentified} records could not be identified; "
                "nothing withdrawn in this run"
            )
            svc.log_job(self.cat, self.job_id, problem)
        else:
            grace = timedelta(hours=float(self.config["withdraw_after_hours"]))
            withdrawn, problem = records.withdraw_missing(
                self.cat,
                self.job_id,
                self.spec,
                grace=grace,
                max_fraction=float(self.config["max_withdraw_fraction"]),
                force=bool(self.options.get("force_withdraw")),
            )
            self.counts.withdrawn += withdrawn
            if problem:
                svc.record_job_errors(self.cat, self.job_id, [Failed(None, "withdraw", problem)])
                self.counts.errors += 1
        if self.options.get("to_openlist") or self.config.get("to_openlist"):
            self._fill_openlist()
        state = "done" if self.counts.errors == 0 else "done_with_errors"
        watermark = self.newest
        if self.oldest_failed is not None and (watermark is None or self.oldest_failed < watermark):
            watermark = self.oldest_failed
        summary = f"{state}: {self.counts.summary()}"
        job = svc.finish_job(self.cat, self.job_id, state, summary, watermark=watermark)
        return Outcome(self.job_id, job.state, self.counts, problem or "")

    def _fill_openlist(self) -> None:
        """The sheet's datasets onto the working open list (``to_openlist``), as the curator
        who asked for the run (or the system), said in the job log."""
        from catalog.services import openlist_fill

        actor = openlist_fill.actor_for(self.cat, self.options.get("by"))
        try:
            result = openlist_fill.fill_from_source(self.cat, actor, self.spec.id)
        except CatalogError as exc:
            svc.record_job_errors(self.cat, self.job_id, [Failed(None, "openlist", str(exc))])
            self.counts.errors += 1
            return
        svc.log_job(self.cat, self.job_id, f"working open list: {result.summary()}")
        if result.skipped:
            svc.record_job_errors(
                self.cat,
                self.job_id,
                [
                    Failed(name, "warning", f"not put on the open list: {why}")
                    for name, why in result.skipped
                ],
            )

    # -- per record --------------------------------------------------------------------------
    def _beat(self) -> None:
        if self.should_stop():
            raise JobStopped("running", requeue=True)
        now = time.monotonic()
        if now - self.last_beat >= float(self.config["heartbeat_seconds"]):
            self.last_beat = now
            state = svc.heartbeat(self.cat, self.job_id)
            if state != "running":
                raise JobStopped(state)

    def _prepared(
        self, batches: Iterator[list[RemoteRecord]]
    ) -> Iterator[tuple[list[RemoteRecord], list[BatchItem]]]:
        """Each batch with what its records became, in order. With a pool, a batch is
        screened and handed to the workers up to ``MAP_AHEAD`` batches before the writer
        takes it, so that mapping and writing overlap. The batches are disjoint (a record
        offered twice is dropped when screened), so a batch's lookups need not wait for
        the writes of the batches before it."""
        ahead: deque[_Screened] = deque()
        try:
            for batch in batches:
                ahead.append(self._screen_batch(batch))
                while len(ahead) > (MAP_AHEAD if self.pool else 0):
                    yield self._settle(*ahead.popleft())
        except JobStopped:
            raise
        except Exception:
            # the source failed while being read: what was read before it is stored, as a
            # run that writes every batch at once stores it
            while ahead:
                yield self._settle(*ahead.popleft())
            raise
        while ahead:
            yield self._settle(*ahead.popleft())

    def _prepare_batch(self, batch: list[RemoteRecord]) -> list[BatchItem]:
        """What one batch's records become, mapped in this process."""
        return self._settle(*self._screen_batch(batch))[1]

    def _screen_batch(self, batch: list[RemoteRecord]) -> _Screened:
        known = records.known_records(
            self.cat, self.spec.id, [r.remote_id for r in batch], self.plain
        )
        slots: list[_Slot] = []
        for rec in batch:
            self._beat()
            slots.append(self._screen(rec, known))
        todo = [slot for slot in slots if isinstance(slot, _Todo)]
        for t in todo:
            t.known = _known_hash(known, t.rid)
        if (
            self.pool is None
            and not self.pool_refused
            and self.harvester.parallel_transform
            and self.mapped >= int(self.config["map_workers_after"])
        ):
            self.pool = MappingPool(
                self.harvester,
                self.spec,
                self.config,
                self.dataset_kind,
                self.full,
                POOL_WORKERS,
                analyse=getattr(self.cat.search, "name", None) == "embedded",
            )
        if self.pool is not None and todo:
            work = [(t.rec, t.known) for t in todo]
            try:
                return batch, slots, self.pool.submit(work)
            except (OSError, RuntimeError) as exc:  # no processes to be had: map them here
                self.ctx.log(f"mapping workers could not start ({exc}): records mapped in-process")
                self.pool_refused = True
                self._close_pool()
        for t in todo:
            t.result = self._map(t.rec, t.known)
        self.mapped += len(todo)
        return batch, slots, None

    def _settle(
        self,
        batch: list[RemoteRecord],
        slots: list[_Slot],
        mapped: Future[list[Result]] | None,
    ) -> tuple[list[RemoteRecord], list[BatchItem]]:
        """The batch's items in order: what the pool mapped put in place, each mapped
        record's publisher resolved (in this process: it may create an organization)."""
        pooled = self._pooled(mapped, slots) if mapped is not None else None
        found = pooled if pooled is not None else [s.result for s in slots if isinstance(s, _Todo)]
        self._publishers([r for r in found if isinstance(r, Mapped)])
        results = iter(pooled) if pooled is not None else None
        items: list[BatchItem] = []
        for slot in slots:
            if isinstance(slot, _Todo):
                result = next(results) if results is not None else slot.result
                assert result is not None
                item = self._take(slot, result)
            else:
                item = slot
            if item is not None:
                items.append(item)
        return batch, items

    def _sync_index(self) -> None:
        """Index what the batches queued, then checkpoint SQLite's WAL: the batches' own
        commits leave that to here (``load_batch`` defers it)."""
        self.cat.sync_index()
        checkpoint(self.cat.engine)

    def _pooled(self, mapped: Future[list[Result]], slots: list[_Slot]) -> list[Result]:
        """What the workers mapped for a batch. A worker that died (killed, out of memory,
        a crash in a C extension) breaks the pool: that batch and the rest of the run are
        mapped in this process, and the job log says so -- a lost worker costs speed,
        never records or the run."""
        try:
            return mapped.result()
        except BrokenProcessPool as exc:
            if not self.pool_refused:
                self.ctx.log(
                    f"mapping workers stopped ({exc}): the rest of the run is mapped in-process"
                )
                self.pool_refused = True
                self._close_pool()
            return [self._map(t.rec, t.known) for t in slots if isinstance(t, _Todo)]

    def _map(self, rec: RemoteRecord, known_hash: str | None) -> Result:
        try:
            payload = rec.payload if rec.payload is not None else self.harvester.fetch(rec)
        except FetchError as exc:
            return Failed(rec.remote_id, "fetch", str(exc))
        except RecordError as exc:
            return Failed(rec.remote_id, exc.stage, exc.reason)
        except SkipRecord:
            return Skipped()
        h, spec, config = self.harvester, self.spec, self.config
        return map_record(h, spec, config, self.dataset_kind, self.full, rec, payload, known_hash)

    def _take(self, todo: _Todo, result: Result) -> BatchItem | None:
        """A mapped record as the writer takes it: its publisher one of our organizations
        (a publisher that cannot be resolved fails the record before any rule does, as it
        always has), then the match key that needs it."""
        rec, rid = todo.rec, todo.rid
        if isinstance(result, Skipped):
            self.seen.discard(rid)  # not a dataset here: as good as not offered
            return None
        if isinstance(result, Failed):
            return self._failed(rec, result.stage, result.reason, rid)
        if isinstance(result, Unchanged):
            return Unchanged(rid, todo.raw)
        assert isinstance(result, Mapped)
        try:
            org = self._organization(rid, result.publisher)
        except CatalogError as exc:
            return self._failed(rec, "load", f"publisher: {getattr(exc, 'messages', exc)}", rid)
        if result.values is None:
            return self._failed(rec, "validate", result.invalid or "", rid)
        data, values = result.data, result.values
        data["organization"] = values["organization"] = org
        if result.analysed is not None:  # for the drain that indexes it, in this process
            analysed.remember(*result.analysed)
        emitted = {k for k, v in data.items() if v not in (None, "", [], {})} - {"name"}
        keys = prepare.with_publisher_key(result.keys, data, org)
        return Changed(rid, values, emitted, result.digest, keys, result.warnings, todo.raw)

    def _close_pool(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    def _screen(self, rec: RemoteRecord, known: dict[str, KnownRecord]) -> _Slot:
        """What the run knows of a record before mapping it: offered twice, older than the
        watermark, or as sent last time (source hash) -- or else a record to map. A record
        gathered without its identity is read whole here (``_prepare``)."""
        rid = rec.remote_id
        if rid is None:
            return self._prepare(rec, known)
        if self._duplicate(rid):
            return None
        if rec.modified and (self.newest is None or rec.modified > self.newest):
            self.newest = rec.modified
        k = known.get(rid) if rid else None
        wm = self.ctx.watermark
        if (
            rid is not None
            and k is not None
            and self.harvester.uses_watermark
            and wm
            and rec.modified
            and rec.modified < wm
            and k.content_hash is not None
        ):
            return Unchanged(rid)
        raw = self._source_hash(rec)
        if (
            raw is not None
            and rid is not None
            and k is not None
            and k.content_hash is not None
            and k.source_hash == raw
            and not self.full
        ):
            return Unchanged(rid)  # as sent last time: same mapping, same content hash
        return _Todo(rec, rid, raw)

    def _prepare(self, rec: RemoteRecord, known: dict[str, KnownRecord]) -> BatchItem | None:
        """A record gathered without its identity (a kind that fetches records by name):
        fetched and transformed first, then known, checked and mapped here."""
        if rec.modified and (self.newest is None or rec.modified > self.newest):
            self.newest = rec.modified
        raw = self._source_hash(rec)
        try:
            payload = rec.payload if rec.payload is not None else self.harvester.fetch(rec)
            t = self.harvester.transform(payload, rec)
        except SkipRecord:
            return None
        except FetchError as exc:
            return self._failed(rec, "fetch", str(exc))
        except RecordError as exc:
            return self._failed(rec, exc.stage, exc.reason)
        rid = t.remote_id  # known only now (fetched by name)
        if self._duplicate(rid):
            return None
        known.update(records.known_records(self.cat, self.spec.id, [rid]))
        k = known.get(rid)
        try:
            data = prepare.finish_input(
                t,
                self.spec,
                self.config,
                self.config.get("dataset_kind") or self.harvester.dataset_kind,
            )
            digest = prepare.content_hash(data, t.publisher, self.spec)
            if k is not None and k.content_hash == digest and not self.full:
                return Unchanged(rid, raw)
            data["organization"] = self._organization(rid, t.publisher)
            values = prepare.validate(data)
        except RecordError as exc:
            return self._failed(rec, exc.stage, exc.reason, rid)
        except CatalogError as exc:
            return self._failed(rec, "load", f"publisher: {getattr(exc, 'messages', exc)}", rid)
        emitted = {k for k, v in data.items() if v not in (None, "", [], {})} - {"name"}
        keys = prepare.match_keys(data, data.get("organization"))
        return Changed(rid, values, emitted, digest, keys, list(t.warnings), raw)

    def _content_check_due(self) -> bool:
        """Whether this run reads every record and compares content hashes instead of
        reading what changed since the watermark: due every ``content_check_days``."""
        days = float(self.config.get("content_check_days") or 0)
        if days <= 0:
            return False
        last = svc.last_full_read(self.cat, self.spec.id)
        if last is not None and utcnow() - last < timedelta(days=days):
            return False
        svc.mark_content_check(self.cat, self.job_id)
        since = last.strftime("%Y-%m-%d %H:%M") if last else "never"
        svc.log_job(
            self.cat,
            self.job_id,
            f"content check: every record is read and compared by content hash "
            f"(last read in whole {since}; every {days:g} days), so edits that kept "
            "their modification stamp arrive",
        )
        return True

    def _source_hash(self, rec: RemoteRecord) -> str | None:
        """The record's source hash, for a kind whose gathered payload decides its mapping."""
        if not self.harvester.hashes_payload or rec.payload is None:
            return None
        kind = self.harvester.payload_context()
        if self.hash_context is None or self.hash_context[0] != kind:
            config = {"run": prepare.mapping_settings(self.config), "kind": kind}
            self.hash_context = (kind, prepare.source_context(config, self.spec))
        return prepare.source_hash(rec.payload, self.hash_context[1])

    def _duplicate(self, rid: str) -> bool:
        if rid in self.seen:
            self.ctx.report(rid, "warning", "offered twice by the source: the first is kept")
            return True
        self.seen.add(rid)
        return False

    def _failed(self, rec: RemoteRecord, stage: str, reason: str, rid: str | None = None) -> Failed:
        rid = rid or rec.remote_id
        if rec.modified and (self.oldest_failed is None or rec.modified < self.oldest_failed):
            self.oldest_failed = rec.modified
        if rid is None:
            reason = f"{rec.locator}: {reason}" if rec.locator else reason
            if rec.payload is None:  # never read: it may be a record we hold
                self.unidentified += 1
        return Failed(rid, stage, reason)

    def _publishers(self, mapped: list[Mapped]) -> None:
        """The batch's new publishers resolved together before ``_take`` asks for them one
        by one: their organizations made in one transaction
        (``harvest_publishers.resolve_publishers``), not one transaction each -- a sheet of a
        province's departments brings hundreds of new ones."""
        if not self.config.get("use_remote_publishers", True):
            return
        new = {r.publisher for r in mapped if r.publisher is not None}
        new = {ref for ref in new if (ref.key, ref.title) not in self.orgs}
        if len(new) < 2:
            return
        try:
            got = harvest_publishers.resolve_publishers(self.cat, self.spec, new)
        except CatalogError:
            return  # each record's own resolve says what is wrong, as before
        for ref, name in got.items():
            if ref is not None:
                self.orgs[(ref.key, ref.title)] = name

    def _organization(self, remote_id: str, ref: PublisherRef | None) -> str | None:
        """The organization of a record's publisher (once per publisher in a run)."""
        ref = ref if self.config.get("use_remote_publishers", True) else None
        key = (ref.key, ref.title) if ref else None
        if key not in self.orgs:
            self.orgs[key] = records.resolve_publisher(self.cat, self.spec, ref)
        return self.orgs[key]

    def _flush_problems(self) -> None:
        if self.ctx.problems:
            problems = [Failed(r, s, m) for r, s, m in self.ctx.problems]
            self.ctx.problems.clear()
            svc.record_job_errors(self.cat, self.job_id, problems)
            self.counts.errors += sum(1 for p in problems if p.stage != "warning")


def _known_hash(known: dict[str, KnownRecord], rid: str) -> str | None:
    k = known.get(rid)
    return k.content_hash if k is not None else None


# limits a bureau may set once for every source (``extra.harvest_defaults`` in the settings);
# a source's own configuration still wins
CATALOG_WIDE = ("timeout", "total_timeout", "max_bytes", "retries", "backoff", "crawl_delay")


def source_config(cat: Catalog, config: dict | None) -> dict:
    """A source's configuration over the catalog-wide defaults of its HTTP limits."""
    extra = getattr(cat.settings, "extra", None) or {}
    defaults = extra.get("harvest_defaults") or {}
    merged = {k: v for k, v in defaults.items() if k in CATALOG_WIDE}
    merged.update(config or {})
    return merged


def run_job(
    cat: Catalog,
    job: HarvestJob,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Outcome:
    """Run a job this process has claimed (``state == "running"``) to its end state."""
    if job.job_type == "linkcheck":
        from harvesters.linkcheck import run_linkcheck

        return run_linkcheck(cat, job, progress, should_stop)
    run: Run | None = None
    try:
        if job.source_id is None:
            raise SourceError("the job has no harvest source")
        spec = svc.source_spec(cat, job.source_id)
        run = Run(cat, job, spec, progress, should_stop)
        return run.execute()
    except JobStopped as exc:
        counts = run.counts if run else Counts()
        if exc.requeue:
            svc.requeue_job(cat, job.id, "worker shutting down")
            return Outcome(job.id, "queued", counts, "interrupted; queued again")
        svc.log_job(cat, job.id, f"stopped: the job is {exc.state}")
        return Outcome(job.id, exc.state, counts, f"job became {exc.state}")
    except (SourceError, FetchError, CatalogError, ValueError, OSError) as exc:
        reason = str(exc) or type(exc).__name__
        return _fail(cat, job, run, reason)
    except Exception as exc:  # a bug must still end the job, with the reason, not leave it running
        log.exception("harvest job %s crashed", job.id)
        return _fail(cat, job, run, f"internal error: {type(exc).__name__}: {exc}")
    finally:
        if run is not None:
            run.http.close()


def _fail(cat: Catalog, job: HarvestJob, run: Run | None, reason: str) -> Outcome:
    counts = run.counts if run else Counts()
    svc.record_job_errors(cat, job.id, [Failed(None, "gather", reason)])
    counts.errors += 1
    done = svc.finish_job(cat, job.id, "failed", f"failed: {reason}; {counts.summary()}")
    return Outcome(job.id, done.state, counts, reason)
