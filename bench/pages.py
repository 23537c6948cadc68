"""Pages benchmark: the HTML pages people open most, under gunicorn as the Docker image runs
it, from 16 concurrent clients (issue 17, item 5: p95 < 50 ms on this 2-core machine).

    python -m bench pages [--size 3000] [--clients 16] [--seconds 20] [--warmup 15]
                          [--workers 2] [--out bench/out]

A fresh SQLite catalog harvests a seeded synthetic data.json of ``--size`` records (the
harvest benchmark's source, every record published, 300 publishers) and publishes an open
list of them. Then, for each of two phases -- the rendered-page cache off (the baseline,
``CATALOG_PAGE_CACHE_MB=0``) and on (the default) -- ``gunicorn web:create_app()`` starts on
127.0.0.1 with the Docker image's options (``--threads 4 --timeout 60 --access-logfile -``,
``--workers`` workers: two for two cores) and ``--clients`` threads, each on its own
keep-alive connection, read for ``--seconds`` seconds, one after another without pause (a
closed loop): the home page, the search page with Chinese words, with English words, with a
facet filter, a dataset page, the organization list, an organization page, the open list and
a DCAT catalog page, first for ``--warmup`` seconds not counted (a site that has been
running: each worker has rendered its popular pages), then for ``--seconds`` counted. A
quarter of the clients read in English (a ``/lang/en`` session), the
others in Chinese, the default. No client sends a conditional request: every answer is a
whole page.

Printed per page: p50 and p95 latency against the 50 ms target (the DCAT page against
100 ms), then requests/s, the workers' CPU time per request (psutil, user + system of the
gunicorn workers over the phase) and the load average. Beside them, the same pages through
the app in this process (the WSGI app called directly: the app's own time for one client),
rendered (cache off) and kept (cache on): what a page costs before any queueing.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import psutil

from bench.exports import _build
from bench.load import Gunicorn
from bench.search import Row, pct, render

DEFAULT_OUT = Path(__file__).resolve().parent / "out"
PAGE_TARGET_MS = 50.0
EXPORT_TARGET_MS = 100.0
IN_PROCESS_READS = 20
ZH_WORDS = [
    "交通",
    "医疗",
    "教育",
    "企业",
    "环境",
    "人口",
    "公交",
    "气象",
    "交通 数据",
    "医疗 卫生",
]
EN_WORDS = ["traffic", "health", "education", "traffic data", "air quality", "budget"]
FACETS = ["theme=transport", "theme=health", "openness=unconditional", "kind=open_data"]


def zipf_weights(n: int) -> list[float]:
    """Popularity by rank (1/k): a few datasets and publishers get most of the visits, as on
    any catalog; every one of them is still read now and then (cold pages included)."""
    return [1.0 / k for k in range(1, n + 1)]


@dataclass
class Site:
    """What the clients pick their addresses from."""

    datasets: list[str]
    organizations: list[str]
    catalog_pages: int

    def __post_init__(self) -> None:
        self._dataset_weights = zipf_weights(len(self.datasets))
        self._org_weights = zipf_weights(len(self.organizations))

    def path(self, page: str, rng: random.Random) -> str:
        if page == "home":
            return "/"
        if page == "search zh":
            return "/search?q=" + quote(rng.choice(ZH_WORDS))
        if page == "search en":
            return "/search?q=" + quote(rng.choice(EN_WORDS))
        if page == "search facet":
            return f"/search?q={quote(rng.choice(ZH_WORDS))}&{rng.choice(FACETS)}"
        if page == "dataset":
            return "/dataset/" + quote(rng.choices(self.datasets, self._dataset_weights)[0])
        if page == "organizations":
            return "/organizations"
        if page == "organization":
            return "/organization/" + quote(rng.choices(self.organizations, self._org_weights)[0])
        if page == "open list":
            return "/openlist"
        if page == "dcat page":
            return f"/catalog.ttl?page={rng.randint(1, self.catalog_pages)}"
        raise ValueError(page)


PAGES = (
    "home",
    "search zh",
    "search en",
    "search facet",
    "dataset",
    "organizations",
    "organization",
    "open list",
    "dcat page",
)


def target(page: str) -> float:
    return EXPORT_TARGET_MS if page == "dcat page" else PAGE_TARGET_MS


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    # the reads of an address (in a language) no client had read before in this phase:
    # nearly always a first render, since the workers' cache is empty when a phase starts
    first: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Seen:
    """The (address, language) pairs read so far in a phase, warm-up included."""

    pairs: set[tuple[str, bool]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def first(self, path: str, english: bool) -> bool:
        with self.lock:
            new = (path, english) not in self.pairs
            self.pairs.add((path, english))
            return new


def _session_cookie(conn: http.client.HTTPConnection) -> str:
    conn.request("GET", "/lang/en")
    resp = conn.getresponse()
    resp.read()
    cookie = resp.getheader("Set-Cookie") or ""
    return cookie.split(";", 1)[0]


def client(
    n: int, port: int, site: Site, until: float, tally: Tally, seen: Seen | None = None
) -> None:
    """One visitor reading page after page on one keep-alive connection."""
    rng = random.Random(n)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {}
    english = n % 4 == 3
    if english:
        headers["Cookie"] = _session_cookie(conn)
    mine: dict[str, list[float]] = defaultdict(list)
    firsts: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    while time.monotonic() < until:
        page = rng.choice(PAGES)
        path = site.path(page, rng)
        t0 = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            resp.read()
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{page}: {type(exc).__name__}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        took = (time.perf_counter() - t0) * 1000
        mine[page].append(took)
        if seen is not None and seen.first(path, english):
            firsts[page].append(took)
        if resp.status != 200:
            errors.append(f"{page} {path}: {resp.status}")
    conn.close()
    with tally.lock:
        for page, times in mine.items():
            tally.latencies[page].extend(times)
        for page, times in firsts.items():
            tally.first[page].extend(times)
        tally.errors.extend(errors)


def _worker_cpu(app: Gunicorn) -> float:
    total = 0.0
    for child in psutil.Process(app.proc.pid).children():
        try:
            t = child.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system
    return total


def under_load(instance: Path, site: Site, args: argparse.Namespace, env: dict) -> dict:
    """One phase: gunicorn with ``env``, ``args.clients`` clients for ``args.seconds``."""
    app = Gunicorn(instance, args.workers, env, access_log=True)
    seen = Seen()
    try:
        warm_rng = random.Random(0)
        for page in PAGES:  # each worker imports and opens what its first pages need
            for _ in range(2 * args.workers):
                conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=60)
                conn.request("GET", site.path(page, warm_rng))
                conn.getresponse().read()
                conn.close()
        if args.warmup > 0:  # the same load, not counted: each worker fills its cache
            ignored = Tally()
            until = time.monotonic() + args.warmup
            warmers = [
                threading.Thread(
                    target=client, args=(1000 + i, app.port, site, until, ignored, seen)
                )
                for i in range(args.clients)
            ]
            for t in warmers:
                t.start()
            for t in warmers:
                t.join()
        tally = Tally()
        cpu0 = _worker_cpu(app)
        mine0 = time.process_time()
        started = time.monotonic()
        until = started + args.seconds
        threads = [
            threading.Thread(target=client, args=(i, app.port, site, until, tally, seen))
            for i in range(args.clients)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        cpu = _worker_cpu(app) - cpu0
        clients_cpu = time.process_time() - mine0
        load = os.getloadavg()
    finally:
        app.stop()
    n = sum(len(v) for v in tally.latencies.values())
    return {
        "latencies": tally.latencies,
        "first": tally.first,
        "errors": tally.errors,
        "requests": n,
        "elapsed": elapsed,
        "cpu_ms_per_request": cpu * 1000 / max(n, 1),
        "client_cpu_ms_per_request": clients_cpu * 1000 / max(n, 1),
        "load": load,
    }


def in_process(instance: Path, site: Site, cache_mb: int) -> dict[str, tuple[float, float]]:
    """(p95 ms, mean CPU ms) per page through the WSGI app in this process, one client."""
    from web import create_app

    app = create_app({"instance_path": instance, "page_cache_mb": cache_mb})
    client = app.test_client()
    rng = random.Random(7)
    out = {}
    try:
        for page in PAGES:
            # the same few addresses again and again: what a kept page costs when cache is on
            paths = [site.path(page, rng) for _ in range(3)]
            for p in paths:
                client.get(p)
            times = []
            cpu0 = time.process_time()
            for i in range(IN_PROCESS_READS):
                t0 = time.perf_counter()
                resp = client.get(paths[i % len(paths)])
                times.append((time.perf_counter() - t0) * 1000)
                if resp.status_code != 200:
                    raise RuntimeError(f"{paths[i % len(paths)]}: {resp.status_code}")
            cpu = (time.process_time() - cpu0) * 1000 / IN_PROCESS_READS
            out[page] = (pct(times, 95), cpu)
    finally:
        app.extensions["catalog"].dispose()
    return out


def _publish_openlist(instance: Path) -> str:
    from catalog.context import open_catalog
    from catalog.services import openlist, openlist_fill
    from catalog.services.authz import SYSTEM

    cat = open_catalog(
        instance_path=instance,
        database_url=f"sqlite:///{instance / 'catalog.db'}",
        search_url="embedded://",
    )
    try:
        filled = openlist_fill.fill_from_source(cat, SYSTEM, "bench")
        try:
            openlist.publish(cat, SYSTEM, "bench")
        except Exception as exc:  # noqa: BLE001 -- the page still renders; say why in the notes
            return f"open list not published ({type(exc).__name__}: {exc})"
        return f"open list published with {filled.added} items"
    finally:
        cat.dispose()


def _site(instance: Path) -> Site:
    from sqlalchemy import func, select

    from catalog.context import open_catalog
    from catalog.models import Dataset, Organization

    cat = open_catalog(
        instance_path=instance,
        database_url=f"sqlite:///{instance / 'catalog.db'}",
        search_url="embedded://",
    )
    try:
        with cat.read_session() as s:
            names = list(s.scalars(select(Dataset.name).where(Dataset.status == "published")))
            orgs = list(s.scalars(select(Organization.name)))
            n = s.scalar(select(func.count()).where(Dataset.status == "published")) or 0
    finally:
        cat.dispose()
    return Site(names, orgs, max(1, -(-n // 100)))


def measure(args: argparse.Namespace) -> tuple[list[Row], list[str]]:
    with tempfile.TemporaryDirectory(prefix="bench-pages-", dir=args.tmp) as d:
        print(f"seeding {args.size} datasets ...", file=sys.stderr, flush=True)
        instance = _build(Path(d), args.size, args.seed)
        notes = [_publish_openlist(instance)]
        site = _site(instance)
        print("in-process reads ...", file=sys.stderr, flush=True)
        alone = {
            "rendered": in_process(instance, site, 0),
            "kept": in_process(instance, site, 64),
        }
        phases = {}
        for label, env in (("cache off", {"CATALOG_PAGE_CACHE_MB": "0"}), ("cache on", {})):
            print(f"gunicorn, {label}, {args.clients} clients ...", file=sys.stderr, flush=True)
            phases[label] = under_load(instance, site, args, env)
    rows: list[Row] = []
    for page in PAGES:
        for how in ("rendered", "kept"):
            p95, cpu = alone[how][page]
            rows.append(Row(f"{page}: in-process p95, {how}", p95, "ms"))
            rows.append(Row(f"{page}: in-process CPU per read, {how}", cpu, "ms"))
        for label, res in phases.items():
            times = res["latencies"].get(page, [])
            baseline = label == "cache off"
            rows.append(Row(f"{page}: {label} p50", pct(times, 50), "ms"))
            rows.append(
                Row(
                    f"{page}: {label} p95" + (" (baseline)" if baseline else ""),
                    pct(times, 95),
                    "ms",
                    None if baseline else target(page),
                )
            )
            if not baseline and page in ("dataset", "organization"):
                # where the tail of the pages picked by popularity comes from: the share of
                # reads that were some address's first in the phase, and their latency
                first = res["first"].get(page, [])
                share = 100 * len(first) / max(len(times), 1)
                rows.append(Row(f"{page}: {label}, first reads of an address", share, "%"))
                rows.append(Row(f"{page}: {label} p95 of first reads", pct(first, 95), "ms"))
    for label, res in phases.items():
        every = [t for v in res["latencies"].values() for t in v]
        rows.append(Row(f"all pages: {label} p95", pct(every, 95), "ms"))
        rows.append(Row(f"{label}: requests/s", res["requests"] / res["elapsed"], "req/s"))
        rows.append(Row(f"{label}: worker CPU per request", res["cpu_ms_per_request"], "ms"))
        rows.append(Row(f"{label}: client CPU per request", res["client_cpu_ms_per_request"], "ms"))
        # what the figures would be with the two cores to ourselves (Little's law for a
        # closed loop that keeps both cores busy): an estimate, not a measurement
        demand = res["cpu_ms_per_request"] + res["client_cpu_ms_per_request"]
        cores = psutil.cpu_count() or 1
        rows.append(
            Row(
                f"{label}: req/s {cores} idle cores could serve (est.)",
                1000 * cores / demand,
                "req/s",
            )
        )
        rows.append(
            Row(f"{label}: mean latency on idle cores (est.)", args.clients * demand / cores, "ms")
        )
        rows.append(Row(f"{label}: errors (must be 0)", len(res["errors"]), "", 1, fmt="{:,.0f}"))
        la = res["load"]
        notes.append(
            f"{label}: {res['requests']:,} requests in {res['elapsed']:.0f} s; "
            f"load average at its end {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}"
        )
        notes += [f"{label} error: {e}" for e in sorted(set(res["errors"]))[:10]]
    notes += [
        f"{len(site.datasets):,} published datasets, {len(site.organizations)} organizations, "
        f"{site.catalog_pages} DCAT pages of 100",
        f"gunicorn web:create_app(), {args.workers} workers x 4 threads, access log on; "
        f"{args.clients} closed-loop clients on 127.0.0.1 for {args.seconds:.0f} s per phase "
        f"after {args.warmup:.0f} s of the same load not counted (steady state), "
        "a quarter in English; datasets and organizations picked by popularity (1/rank); "
        "the clients share the machine's "
        f"{psutil.cpu_count()} CPUs with the workers (and whatever else runs)",
        "in-process: the WSGI app called in this process, one client, "
        f"{IN_PROCESS_READS} reads of 3 addresses per page",
    ]
    return rows, notes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench pages", description=__doc__)
    ap.add_argument("--size", type=int, default=3000)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--warmup", type=float, default=15.0, help="seconds of the same load before measuring"
    )
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--tmp", default=None, help="folder for the temporary catalog")
    args = ap.parse_args(argv)
    if args.seconds > 600 or args.clients > 64:
        ap.error("the load is bounded: at most 600 s and 64 clients")
    rows, notes = measure(args)
    table = render(args.clients, rows, notes).replace("size", "clients", 1)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"pages-{args.clients}.txt").write_text(table, encoding="utf-8")
    # a missed latency target is in the table; errors mean the run itself went wrong
    return 1 if any(r.verdict == "MISS" and "must be 0" in r.metric for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
