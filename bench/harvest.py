"""Harvest benchmark: records/s and memory of a data.json harvest, end to end.

    python -m bench.harvest [--sizes 100000,10000] [--out bench/out]

For each size: a seeded synthetic DCAT-US 1.1 ``data.json`` (Chinese and English titles and
descriptions, keywords, distributions, 300 publishers; made from ``bench.corpus``) is written
to a temporary folder and served by ``python -m http.server`` on 127.0.0.1 in a child
process. A fresh SQLite catalog with an empty embedded index harvests it through the real
path of ``catalog harvest run --kind datajson --url URL --trusted`` (register the source,
queue a job, claim it, ``harvesters.pipeline.run_job``): a first run (every record new), a
second (every record unchanged) and a third after 5% of the records changed. Each size is
measured in a child process of its own, so one size's memory does not colour the next.
One table per size is printed and written to ``<out>/harvest-<size>.txt``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bench import store_floor
from bench.corpus import BAODING_REGIONS, publishers
from bench.corpus import documents as corpus_documents
from bench.search import Row, render
from bench.store_floor import Floor
from schemas.vocab import THEMES

if TYPE_CHECKING:
    from catalog.context import Catalog

# DESIGN.md, "Performance targets": over 3,000 records/s at 100,000 records, memory flat.
TARGET_SIZE = 100_000
TARGET_RATE = 3000.0
# issue 17: an unchanged rerun (run 2) at over 10,000 records/s
TARGET_RERUN_RATE = 10000.0
# "flat": from the first quarter of run 1 to its end, resident memory may grow by less
# than this per record. Holding the catalog (the document, the records) costs about 7 KB a
# record; what a streaming run keeps is the set of remote ids it has seen (to find records
# offered twice, about 0.3 KB a record) and the caches of SQLite and the index.
TARGET_RSS_PER_RECORD = 1024  # bytes
CHANGED_EVERY = 20  # the third run: one record in 20 (5%) changed
MB = 1024 * 1024
DEFAULT_OUT = Path(__file__).resolve().parent / "out"

# -- the source -----------------------------------------------------------------------------
_ACCESS = {"unconditional": "public", "conditional": "restricted public", "not_open": "non-public"}
_FREQ = ["R/P1D", "R/P1W", "R/P1M", "R/P3M", "R/P1Y", "irregular"]
_LICENSE_URLS = {
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "CC-BY-SA-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "CC-BY-NC-4.0": "https://creativecommons.org/licenses/by-nc/4.0/",
}
_MEDIA = {
    "CSV": ("text/csv", "csv"),
    "XLSX": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "JSON": ("application/json", "json"),
    "XML": ("application/xml", "xml"),
    "PDF": ("application/pdf", "pdf"),
    "ZIP": ("application/zip", "zip"),
    "GEOJSON": ("application/geo+json", "geojson"),
    "PARQUET": ("application/vnd.apache.parquet", "parquet"),
    "JSONL": ("application/x-ndjson", "jsonl"),
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
}
_BASE = "https://data.baoding.example"


def _stamp(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def records(n: int, seed: int = 42, changed: bool = False) -> Iterator[dict]:
    """``n`` DCAT-US 1.1 datasets, one at a time. ``changed``: one in ``CHANGED_EVERY`` has
    a longer description and a later ``modified`` (the third run's source)."""
    pubs = {p.name: p for p in publishers(seed)}
    for i, doc in enumerate(corpus_documents(n, seed)):
        pub = pubs[doc["publisher"]]
        english = bool(doc["title_en"]) and i % 5 == 0  # a fifth of the records in English
        title = doc["title_en"] if english else doc["title"]
        desc = " ".join(x for x in (doc["description"], doc["description_en"]) if x)
        if english:
            desc = doc["description_en"] or desc
        modified = _stamp(doc["modified"])
        if changed and i % CHANGED_EVERY == 0:
            desc += " 数据已于2025年7月更新。Updated in July 2025."
            modified = datetime(2025, 7, 1, 8, 0, tzinfo=UTC)
        theme = doc["theme"][0]
        rec = {
            "@type": "dcat:Dataset",
            "identifier": f"{_BASE}/dataset/{doc['id']}",
            "title": title,
            "description": desc,
            "keyword": doc["keywords"],
            "modified": modified.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "issued": _stamp(doc["issued"]).strftime("%Y-%m-%d"),
            "publisher": {"@type": "org:Organization", "name": pub.title},
            "contactPoint": {
                "@type": "vcard:Contact",
                "fn": f"{pub.title}数据管理员",
                "hasEmail": f"mailto:data@{pub.name}.baoding.example",
            },
            "accessLevel": _ACCESS[doc["openness"]],
            "license": _LICENSE_URLS.get(doc["license"], doc["license"]),
            "theme": [THEMES[theme][1] if english else THEMES[theme][0]],
            "accrualPeriodicity": _FREQ[i % len(_FREQ)],
            "language": ["en"] if english else ["zh-CN"],
            "landingPage": f"{_BASE}/dataset/{doc['name']}",
            "spatial": BAODING_REGIONS[doc["region"][0]][0],
            "bureauCode": ["130600:01"],
            "programCode": [f"130600:{i % 97:03d}"],
            "distribution": [
                _distribution(doc, k, fmt, title) for k, fmt in enumerate(doc["format"])
            ],
        }
        if doc["openness"] == "conditional":
            rec["rights"] = f"向{pub.title}提出申请，审核通过后提供。"
        yield rec


def _distribution(doc: dict, k: int, fmt: str, title: str) -> dict:
    if fmt == "API":
        return {
            "@type": "dcat:Distribution",
            "title": f"{title} 接口",
            "accessURL": f"{_BASE}/api/{doc['id']}",
            "format": "API",
        }
    media, ext = _MEDIA.get(fmt, ("application/octet-stream", fmt.lower()))
    return {
        "@type": "dcat:Distribution",
        "title": f"{title} ({fmt})",
        "downloadURL": f"{_BASE}/files/{doc['id']}/{k + 1}.{ext}",
        "mediaType": media,
        "format": fmt,
    }


def write_datajson(path: Path, n: int, seed: int, changed: bool = False) -> int:
    """Write the catalog record by record (no list in memory); returns its size in bytes."""
    head = {
        "@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld",
        "@id": f"{_BASE}/data.json",
        "@type": "dcat:Catalog",
        "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
        "describedBy": "https://project-open-data.cio.gov/v1.1/schema/catalog.json",
    }
    tmp = path.with_suffix(".part")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "dataset": [\n')
        for i, rec in enumerate(records(n, seed, changed)):
            if i:
                fh.write(",\n")
            fh.write(json.dumps(rec, ensure_ascii=False))
        fh.write("\n]}\n")
    os.replace(tmp, path)  # the server never serves half a file
    return path.stat().st_size


class FileServer:
    """``python -m http.server`` on 127.0.0.1 (a free port) in a child process."""

    def __init__(self, folder: Path):
        self.proc = subprocess.Popen(
            [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1"]
            + ["--directory", str(folder)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.proc.stdout.readline()
        m = re.search(r"port (\d+)", line)
        if not m:
            self.stop()
            raise RuntimeError(f"http.server did not start: {line!r}")
        self.base = f"http://127.0.0.1:{m.group(1)}"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# -- memory ---------------------------------------------------------------------------------
def rss_mb() -> float:
    """This process's resident memory (``VmRSS``; psutil where /proc is missing)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import psutil

    return psutil.Process().memory_info().rss / MB


class RssSampler:
    """The peak resident memory, sampled in a thread every ``every`` seconds, and the
    machine's mean 1-minute load average meanwhile (what the figures were measured under)."""

    def __init__(self, every: float = 0.05):
        self.every = every
        self.peak = 0.0
        self.loads: list[float] = []
        self.worker_peak = 0.0  # the largest RSS of a mapping worker seen, MB
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb())
            self.worker_peak = max([self.worker_peak, *_worker_rss()])
            self.loads.append(os.getloadavg()[0])
            self._stop.wait(self.every)

    @property
    def load(self) -> float:
        return sum(self.loads) / len(self.loads) if self.loads else os.getloadavg()[0]

    def __enter__(self) -> RssSampler:
        self.peak = rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


# -- the runs -------------------------------------------------------------------------------
@dataclass
class RunStats:
    label: str
    seconds: float
    cpu: float  # CPU time of this process (all its threads) and of its mapping workers
    records: int
    summary: str
    rss_start: float
    rss_peak: float
    rss_at: dict[int, float] = field(default_factory=dict)  # % of the records -> MB
    load: float = 0.0  # mean 1-minute load average during the run
    worker_cpu: float = 0.0  # of which the mapping workers' (issue 17)
    worker_rss: float = 0.0  # the largest RSS of a mapping worker during the run, MB

    @property
    def rate(self) -> float:
        return self.records / self.seconds


def harvest_once(cat: Catalog, source_id: int, size: int, label: str) -> RunStats:
    """One job of the source, as ``catalog harvest run NAME`` runs it (without the bar)."""
    from catalog.services import harvest as svc
    from catalog.services.authz import SYSTEM
    from harvesters.pipeline import run_job

    gc.collect()
    job = svc.enqueue_job(cat, SYSTEM, source_id)
    job = svc.start_job(cat, job.id)
    done = [0]
    marks = [25, 50, 75, 100]
    rss_at: dict[int, float] = {}

    def progress(n: int, _counts: object) -> None:
        done[0] += n
        while marks and done[0] * 100 >= marks[0] * size:
            rss_at[marks.pop(0)] = rss_mb()

    start = rss_mb()
    with RssSampler() as peak:
        t0, c0, w0 = time.perf_counter(), time.process_time(), _children_cpu()
        outcome = run_job(cat, job, progress=progress)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        # the run's mapping workers have exited (and been waited for) by now; the file
        # server, still running, is not counted
        workers = _children_cpu() - w0
    for m in marks:  # fewer records than expected: say so with the last figure
        rss_at[m] = rss_mb()
    print(
        f"  {label}: {outcome.summary} in {seconds:,.1f} s ({cpu:,.1f} s CPU + {workers:,.1f} s "
        f"in mapping workers, load {peak.load:.1f})",
        file=sys.stderr,
        flush=True,
    )
    return RunStats(
        label,
        seconds,
        cpu + workers,
        size,
        outcome.summary,
        start,
        peak.peak,
        rss_at,
        load=peak.load,
        worker_cpu=workers,
        worker_rss=peak.worker_peak,
    )


def _worker_rss() -> list[float]:
    """The resident memory of this process's mapping workers (its children running
    multiprocessing's spawn), in MB; empty where /proc is missing."""
    out = []
    for children in Path("/proc/self/task").glob("*/children"):
        try:
            pids = children.read_text().split()
        except OSError:
            continue
        for pid in pids:
            try:
                if b"multiprocessing" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                    continue
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        out.append(int(line.split()[1]) / 1024)
            except OSError:
                continue
    return out


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def pipeline_alone(cat: Catalog, source_id: int, size: int) -> float:
    """Records/s of gather + fetch + transform + prepare (validate, hash, keys) with every
    record re-read (``full``), nothing stored: the baseline the full run is compared with."""
    from catalog.services import harvest as svc
    from catalog.services.authz import SYSTEM
    from harvesters.pipeline import Run, batched

    job = svc.enqueue_job(cat, SYSTEM, source_id, options={"full": True})
    job = svc.start_job(cat, job.id)
    run = Run(cat, job, svc.source_spec(cat, source_id), None, None)
    n = 0
    try:
        t0 = time.perf_counter()
        for batch in batched(run.harvester.gather(), int(run.config["batch_size"])):
            n += len(run._prepare_batch(batch))
        seconds = time.perf_counter() - t0
    finally:
        run.http.close()
        svc.cancel_job(cat, SYSTEM, job.id)
    return n / seconds


def store_alone(stored: Path, folder: Path) -> Floor:
    """SQLite's own cost of storing run 1's rows (bench/store_floor.py), into a fresh
    catalog database migrated here, in the run's batches and with its checkpoints."""
    from catalog.context import open_catalog
    from catalog.db import HARVEST_WAL_AUTOCHECKPOINT
    from harvesters.config import SourceConfigSchema
    from harvesters.pipeline import INDEX_EVERY

    empty = folder / "catalog.db"
    fresh = open_catalog(
        instance_path=folder, database_url=f"sqlite:///{empty}", search_url="embedded://"
    )
    try:
        fresh.migrate()
    finally:
        fresh.dispose()
    batch = int(SourceConfigSchema().load({})["batch_size"])
    return store_floor.replay(stored, empty, batch, INDEX_EVERY, HARVEST_WAL_AUTOCHECKPOINT)


def _counts(cat: Catalog) -> dict[str, int]:
    from sqlalchemy import func, select

    from catalog.models import AuditEvent, Dataset, DatasetVersion

    with cat.session() as s:

        def count(model, *where) -> int:
            q = select(func.count()).select_from(model)
            return s.execute(q.where(*where) if where else q).scalar_one()

        return {
            "datasets": count(Dataset),
            "published": count(Dataset, Dataset.status == "published"),
            "versions": count(DatasetVersion),
            "audit_create": count(AuditEvent, AuditEvent.action == "dataset.create"),
            "audit_harvest": count(AuditEvent, AuditEvent.action == "dataset.harvest"),
            "indexed": cat.search.count(),
        }


@dataclass
class Measured:
    size: int
    file_mb: float
    write_s: float
    runs: list[RunStats]
    baseline: float
    floor: Floor
    checks: list[str]
    ok: bool


def measure(size: int, seed: int, tmp: str | None) -> Measured:
    from catalog.context import open_catalog
    from catalog.services import harvest as svc
    from catalog.services.authz import SYSTEM

    with tempfile.TemporaryDirectory(prefix=f"bench-harvest-{size}-", dir=tmp) as d:
        root = Path(d)
        www = root / "www"
        www.mkdir()
        t0 = time.perf_counter()
        nbytes = write_datajson(www / "data.json", size, seed)
        write_s = time.perf_counter() - t0
        server = FileServer(www)
        instance = root / "instance"
        cat = open_catalog(
            instance_path=instance,
            database_url=f"sqlite:///{instance / 'catalog.db'}",
            search_url="embedded://",
        )
        try:
            cat.migrate()
            cat.create_index_if_missing()
            url = f"{server.base}/data.json"
            src = svc.register_source(
                cat,
                SYSTEM,
                name=svc.default_source_name("datajson", url),
                kind="datajson",
                url=url,
                trusted=True,  # published at once, so every record reaches the index
                config={"max_bytes": max(nbytes * 2, 200 * MB)},
            )
            runs = [harvest_once(cat, src.id, size, "run 1 (all new)")]
            after_first = _counts(cat)
            floor = store_alone(instance / "catalog.db", root / "floor")
            runs.append(harvest_once(cat, src.id, size, "run 2 (all unchanged)"))
            write_datajson(www / "data.json", size, seed, changed=True)
            runs.append(harvest_once(cat, src.id, size, "run 3 (5% changed)"))
            after_third = _counts(cat)
            baseline = pipeline_alone(cat, src.id, size)
        finally:
            cat.dispose()
            server.stop()
    changed = len(range(0, size, CHANGED_EVERY))
    want_first = f"done: {size} new, 0 updated, 0 unchanged, 0 withdrawn, 0 errors"
    want_second = f"done: 0 new, 0 updated, {size} unchanged, 0 withdrawn, 0 errors"
    want_third = (
        f"done: 0 new, {changed} updated, {size - changed} unchanged, 0 withdrawn, 0 errors"
    )
    expected = {
        "run 1 summary": (runs[0].summary, want_first),
        "run 2 summary": (runs[1].summary, want_second),
        "run 3 summary": (runs[2].summary, want_third),
        "datasets after run 1": (after_first["datasets"], size),
        "indexed after run 1": (after_first["indexed"], after_first["published"]),
        "versions after run 1": (after_first["versions"], size),
        "dataset.create events": (after_first["audit_create"], size),
        "versions after run 3": (after_third["versions"], size + changed),
        "dataset.harvest events after run 3": (after_third["audit_harvest"], changed),
        "indexed after run 3": (after_third["indexed"], after_third["published"]),
        "datasets replayed for the floor": (floor.records, size),
        "rows the floor's database holds": (floor.stored, floor.rows),
    }
    checks = []
    ok = True
    for what, (got, want) in expected.items():
        good = got == want
        ok &= good
        checks.append(f"{what}: {got}" + ("" if good else f" (expected {want}: WRONG)"))
    return Measured(size, nbytes / MB, write_s, runs, baseline, floor, checks, ok)


def rows(m: Measured) -> list[Row]:
    first = m.runs[0]
    out = []
    for i, r in enumerate(m.runs):
        out.append(
            Row(
                f"{r.label}: throughput (load {r.load:.1f})",
                r.rate,
                "rec/s",
                TARGET_RERUN_RATE if i == 1 else TARGET_RATE,
                higher_is_better=True,
                fmt="{:,.0f}",
            )
        )
        out.append(Row(f"  {r.label}: time", r.seconds, "s"))
        out.append(Row(f"  {r.label}: CPU time", r.cpu, "s"))
        out.append(Row("    of which mapping workers", r.worker_cpu, "s"))
        out.append(
            Row(f"  {r.label}: CPU per record", r.cpu * 1000 / r.records, "ms", fmt="{:.3f}")
        )
        # the run's own process writes and indexes every record: on two cores it is the
        # limit (3,000 records/s needs it under 0.33 ms a record with a worker beside it)
        out.append(
            Row(
                "    of which the run's process",
                (r.cpu - r.worker_cpu) * 1000 / r.records,
                "ms",
                fmt="{:.3f}",
            )
        )
        # on a shared machine the wall time says more about the neighbours than the code
        out.append(Row(f"  {r.label}: per CPU second", r.records / r.cpu, "rec", fmt="{:,.0f}"))
    out.append(
        Row("baseline: pipeline without store", m.baseline, "rec/s", fmt="{:,.0f}"),
    )
    out.append(Row("run 1 / baseline", first.rate / m.baseline, "x", fmt="{:.2f}"))
    # the floor under the writer: what SQLite alone spends on the rows run 1 stored
    writer_ms = (first.cpu - first.worker_cpu) * 1000 / first.records
    out.append(
        Row("floor: SQLite storing run 1's rows alone", m.floor.rate, "rec/s", fmt="{:,.0f}")
    )
    out.append(Row("  floor: CPU per record", m.floor.cpu_per_record_ms, "ms", fmt="{:.3f}"))
    out.append(Row("  floor: rows per record", m.floor.rows / m.floor.records, "", fmt="{:.1f}"))
    out.append(
        Row(
            "  run 1's process / floor, CPU",
            writer_ms / m.floor.cpu_per_record_ms,
            "x",
            fmt="{:.2f}",
        )
    )
    for r in m.runs:
        out.append(Row(f"{r.label}: peak RSS", r.rss_peak, "MB", fmt="{:,.0f}"))
    for pct in (25, 50, 75, 100):
        out.append(
            Row(f"  run 1: RSS at {pct}% of records", first.rss_at[pct], "MB", fmt="{:,.0f}")
        )
    out.append(Row("run 1: mapping worker peak RSS (each)", first.worker_rss, "MB", fmt="{:,.0f}"))
    growth = first.rss_at[100] - first.rss_at[25]
    out.append(Row("run 1: RSS growth 25% -> 100%", growth, "MB", fmt="{:,.1f}"))
    out.append(
        Row(
            "  per record",
            max(growth, 0) * MB / (0.75 * m.size),
            "B",
            # below the target size the warm-up (index writer heap, SQLite page cache, a few
            # tens of MB in all) is spread over too few records to say anything
            TARGET_RSS_PER_RECORD if m.size >= TARGET_SIZE else None,
            fmt="{:,.0f}",
        )
    )
    return out


def notes(m: Measured) -> list[str]:
    return [
        f"source: seeded synthetic DCAT-US 1.1 data.json of {m.size:,} datasets, "
        f"{m.file_mb:,.1f} MB (written in {m.write_s:,.1f} s), served by `python -m "
        "http.server` on 127.0.0.1 in a child process; 300 publishers, a fifth of the "
        "records in English, 1-3 distributions each.",
        "each run = register/queue/claim + harvesters.pipeline.run_job on a fresh SQLite "
        "catalog with an embedded index (`catalog harvest run --kind datajson --url URL "
        "--trusted`): download, parse, transform, validate, store (versions, audit events, "
        "match keys), index, withdrawal check. Time from run_job's start to its end.",
        f"run 3: one record in {CHANGED_EVERY} changed (description and modified). "
        "baseline: the same source through gather, transform and prepare (validate, hash, "
        "keys) with nothing stored (a `full` run without load_batch). floor: run 1's rows "
        "(datasets, distributions, versions, creation events, source links, match keys, "
        "outbox entries) read back from its database and inserted again into a fresh "
        "catalog database with the catalog's SQLite settings, in run 1's batches (one "
        "transaction each, the driver's executemany, no Python work between) with its "
        "checkpoints: SQLite's own share of the writer's work, which no change to the Python "
        "side can take away (bench/store_floor.py).",
        "CPU time: the run's process and its mapping workers (worker processes of "
        "harvesters.mapping, started once a source's map_workers_after records were mapped); "
        "the load figure beside each throughput is the mean 1-minute load average during "
        "that run (2 cores: above 2 the run shared them).",
        f"memory: RSS sampled every 50 ms (VmRSS); run 1 started at {m.runs[0].rss_start:,.0f} "
        "MB. 'flat' = RSS grows by less than "
        f"{TARGET_RSS_PER_RECORD:,} bytes a record from 25% to 100% of run 1 (a run that held "
        "the document and its records would grow by about 7 KB a record; what a streaming run "
        "keeps is the set of remote ids it has seen, about 0.3 KB a record, and the caches of "
        f"SQLite and of the index); applied from {TARGET_SIZE:,} records, below which the "
        "warm-up of those caches outweighs the records.",
        f"throughput target is {TARGET_RATE:,.0f} records/s at {TARGET_SIZE:,} records "
        "(DESIGN.md), applied as it is at every size.",
        "checks: " + "; ".join(m.checks) + ".",
        f"machine: {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
        f"Python {platform.python_version()}; 1-min load average at the end "
        f"{os.getloadavg()[0]:.1f}.",
    ]


def run_size(size: int, seed: int, tmp: str | None, out: Path) -> int:
    m = measure(size, seed, tmp)
    table = render(size, rows(m), notes(m))
    print(table, flush=True)
    (out / f"harvest-{size}.txt").write_text(table, encoding="utf-8")
    print(f"wrote {out / f'harvest-{size}.txt'}", file=sys.stderr)
    return 0 if m.ok else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.harvest", description=__doc__.split("\n")[0])
    ap.add_argument(
        "--sizes",
        default="10000,100000",
        help="comma-separated numbers of records (default 10000,100000)",
    )
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="folder for harvest-<size>.txt")
    ap.add_argument("--tmp", default=None, help="where to build the catalogs (default: $TMPDIR)")
    ap.add_argument(
        "--in-process",
        action="store_true",
        help="measure in this process (default: one child process per size)",
    )
    args = ap.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rc = 0
    for size in sizes:
        if args.in_process or len(sizes) == 1:
            rc = run_size(size, args.seed, args.tmp, out) or rc
            continue
        cmd = [sys.executable, "-m", "bench.harvest", "--sizes", str(size), "--in-process"]
        cmd += ["--seed", str(args.seed), "--out", str(out)]
        if args.tmp:
            cmd += ["--tmp", args.tmp]
        rc = subprocess.run(cmd, check=False).returncode or rc
    return rc


if __name__ == "__main__":
    sys.exit(main())
