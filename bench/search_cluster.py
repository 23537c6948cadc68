"""The search benchmark on both backends, side by side: embedded (tantivy) and OpenSearch.

    python -m bench search [--backends embedded,opensearch] [--sizes 100000,1000000]

The same seeded corpus and query mix as ``bench/search.py`` (which measures the embedded
backend alone when ``--backends embedded``): for each size, each backend is rebuilt through
its own ``rebuild`` (OpenSearch: bulk load into a new index, then the alias swap) and then
searched through ``search`` (the service path: query build, engine, payload, snippets, six
facet counts) and ``raw_search`` (the same request without stored payload or snippets).
The OpenSearch node is the test launcher (tests/opensearch/), started here on 127.0.0.1
with ``--heap`` (default 2g), so both engines share the same two cores: it says what one
node costs against the embedded engine, not what a cluster of larger machines does.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from tqdm import tqdm

from bench.corpus import browse_queries, documents, queries
from bench.search import (
    TARGET_ANALYTICS_OVERHEAD_PCT,
    TARGET_REBUILD_S,
    TARGET_SEARCH_P95_MS,
    TARGET_SERVICE_OVER_RAW,
    TARGET_SIZE,
    AnalyticsStats,
    BuildStats,
    PeakRss,
    QueryStats,
    _kept_index,
    build,
    dir_size_mb,
    pct,
    run_analytics,
    run_queries,
)
from catalog.search.embedded import EmbeddedBackend

MB = 1024 * 1024


@dataclass
class Side:
    """What one backend measured at one size."""

    rebuild_s: float
    docs: int
    index_mb: float
    memory_mb: float  # peak RSS of the process that holds the index (JVM for OpenSearch)
    search: QueryStats
    browse: QueryStats
    analytics: AnalyticsStats


def _queries(backend: object, size: int, n: int, seed: int, warmup: int, name: str):
    run_queries(backend, queries(warmup, seed + 1000), f"{name} warm-up")
    run_queries(backend, browse_queries(max(warmup // 4, 5), seed + 1001), f"{name} warm-up")
    s = run_queries(backend, queries(n, seed), f"{name} search {size:,}")
    br = run_queries(backend, browse_queries(max(n // 4, 20), seed + 1), f"{name} browse {size:,}")
    return s, br


def measure_embedded(
    size: int,
    n: int,
    seed: int,
    warmup: int,
    tmp: str | None,
    keep: str | None = None,
    reuse: bool = False,
) -> Side:
    """The embedded side; with ``keep``/``reuse`` (as in bench/search.py) a kept index of
    this size is searched again instead of rebuilt (its rebuild figures are then NaN)."""
    with tempfile.TemporaryDirectory(prefix=f"bench-embedded-{size}-", dir=tmp) as d:
        path = Path(keep) / f"index-{size}" if keep else Path(d) / "index"
        b: BuildStats | None = (
            None if reuse and _kept_index(path, size) else build(path, size, seed)
        )
        backend = EmbeddedBackend(path)
        with PeakRss() as peak:
            s, br = _queries(backend, size, n, seed, warmup, "embedded")
            an = run_analytics(backend, queries(n, seed), Path(d) / "analytics")
        backend.close()
    if b is None:
        nan = float("nan")
        return Side(nan, size, dir_size_mb(path), peak.peak, s, br, an)
    return Side(b.seconds, b.docs, b.index_mb, max(b.rss_peak, peak.peak), s, br, an)


class _JvmPeak(PeakRss):
    """Peak resident memory of the OpenSearch JVM (another process)."""

    def __init__(self, pid: int):
        super().__init__(every=0.5)
        self.proc = psutil.Process(pid)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss / MB)
            self._stop.wait(self.every)

    def __enter__(self) -> _JvmPeak:
        self.peak = self.proc.memory_info().rss / MB
        self._thread.start()
        return self


def measure_opensearch(size: int, n: int, seed: int, warmup: int, node: object) -> Side:
    from catalog.search.opensearch import ClusterBackend

    # a loaded shared machine can hold the node's refresh after the bulk load past the
    # default 10 s request timeout: the rebuild then fails instead of being measured
    backend = ClusterBackend(f"{node.search_url_base}/bench{size}?timeout=60", create=True)
    bar = tqdm(
        total=size,
        unit="doc",
        desc=f"opensearch rebuild {size:,}",
        file=sys.stderr,
        mininterval=2.0,
        unit_scale=True,
    )
    with _JvmPeak(node.proc.pid) as peak:
        t0 = time.perf_counter()
        docs = backend.rebuild(documents(size, seed), bar.update)
        seconds = time.perf_counter() - t0
        bar.close()
        c = backend.engine.client
        stats = c.indices.stats(index=backend.alias, metric="store")
        index_mb = stats["_all"]["primaries"]["store"]["size_in_bytes"] / MB
        s, br = _queries(backend, size, n, seed, warmup, "opensearch")
        with tempfile.TemporaryDirectory(prefix="bench-analytics-") as d:
            an = run_analytics(backend, queries(n, seed), Path(d))
    backend.drop()
    backend.close()
    return Side(seconds, docs, index_mb, peak.peak, s, br, an)


def _rows(size: int, e: Side, o: Side) -> list[tuple[str, str, str, str]]:
    """(metric, embedded, opensearch, target) cells."""
    rebuild_target = TARGET_REBUILD_S * size / TARGET_SIZE

    def ms(x: float) -> str:
        return f"{x:,.1f} ms"

    def both(f, fmt) -> tuple[str, str]:
        return fmt(f(e)), fmt(f(o))

    rows = [
        (
            "rebuild: time",
            *both(lambda s: s.rebuild_s, lambda x: f"{x:,.1f} s"),
            f"< {rebuild_target:,.0f} s",
        ),
        (
            "rebuild: throughput",
            *both(lambda s: s.docs / s.rebuild_s, lambda x: f"{x:,.0f} docs/s"),
            f">= {TARGET_SIZE / TARGET_REBUILD_S:,.0f} docs/s",
        ),
        ("index size (primary)", *both(lambda s: s.index_mb, lambda x: f"{x:,.0f} MB"), "-"),
        (
            "peak RSS of the index holder",
            *both(lambda s: s.memory_mb, lambda x: f"{x:,.0f} MB"),
            "-",
        ),
        ("search: service p50", *both(lambda s: pct(s.search.service, 50), ms), "-"),
        (
            "search: service p95",
            *both(lambda s: pct(s.search.service, 95), ms),
            f"< {TARGET_SEARCH_P95_MS:.0f} ms",
        ),
        ("search: raw p50", *both(lambda s: pct(s.search.raw, 50), ms), "-"),
        ("search: raw p95", *both(lambda s: pct(s.search.raw, 95), ms), "-"),
        (
            "search: service p95, repeated query",
            *both(lambda s: pct(s.search.repeated, 95), ms),
            f"< {TARGET_SEARCH_P95_MS:.0f} ms",
        ),
        (
            "search: service p95 / raw p95",
            *both(
                lambda s: pct(s.search.service, 95) / pct(s.search.raw, 95), lambda x: f"{x:.2f} x"
            ),
            f"< {TARGET_SERVICE_OVER_RAW:.1f} x",
        ),
    ]
    for kind in ("zh", "en", "mixed", "filtered"):
        rows.append(
            (
                f"  service p95, {kind}",
                *both(lambda s, k=kind: pct(s.search.by_kind.get(k, [0.0]), 95), ms),
                "-",
            )
        )
    rows += [
        ("browse: service p50", *both(lambda s: pct(s.browse.service, 50), ms), "-"),
        (
            "browse: service p95",
            *both(lambda s: pct(s.browse.service, 95), ms),
            f"< {TARGET_SEARCH_P95_MS:.0f} ms",
        ),
        (
            "browse: service p95, repeated filter set",
            *both(lambda s: pct(s.browse.repeated, 95), ms),
            f"< {TARGET_SEARCH_P95_MS:.0f} ms",
        ),
        (
            "search with analytics on: mean slower by",
            *both(
                lambda s: (
                    100 * (statistics.fmean(s.analytics.on) / statistics.fmean(s.analytics.off) - 1)
                ),
                lambda x: f"{x:,.1f} %",
            ),
            f"< {TARGET_ANALYTICS_OVERHEAD_PCT:.0f} %",
        ),
        (
            "search with analytics on: p95 slower by",
            *both(
                lambda s: 100 * (pct(s.analytics.on, 95) / pct(s.analytics.off, 95) - 1),
                lambda x: f"{x:,.1f} %",
            ),
            f"< {TARGET_ANALYTICS_OVERHEAD_PCT:.0f} %",
        ),
        (
            "hits per query, median",
            *both(lambda s: sorted(s.search.totals)[len(s.search.totals) // 2], lambda x: f"{x:,}"),
            "-",
        ),
    ]
    return rows


def _number(cell: str) -> float:
    """The figure of a cell such as ``3,333 docs/s`` or ``12.5 ms``."""
    return float(cell.split()[0].replace(",", ""))


def verdict(figure: str, target: str) -> str:
    """``ok`` or ``MISS`` of a figure against a target such as ``< 20 ms`` or ``>= 3,333
    docs/s``; empty where there is no target or no figure (a reused index's rebuild)."""
    if target == "-":
        return ""
    op, want = target.split()[0], _number(target.split(maxsplit=1)[1])
    try:
        got = _number(figure)
    except ValueError:
        return ""
    if got != got:  # NaN: not measured in this run
        return ""
    return "ok" if (got >= want if op == ">=" else got < want) else "MISS"


def render(size: int, e: Side, o: Side, notes: list[str]) -> str:
    head = (
        "size", "metric", "embedded", "opensearch", "target",
        "embedded verdict", "opensearch verdict", "opensearch/embedded",
    )  # fmt: skip
    body = []
    for metric, a, b, target in _rows(size, e, o):
        try:
            ratio_s = f"{_number(b) / _number(a):.2f}"
        except (ValueError, ZeroDivisionError):
            ratio_s = "-"
        body.append(
            (f"{size:,}", metric, a, b, target, verdict(a, target), verdict(b, target), ratio_s)
        )
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    right = {0, 2, 3, 4, 5, 6, 7}

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [line(head), line(tuple("-" * w for w in widths)), *(line(b) for b in body), ""]
    out += [f"* {n}" for n in notes]
    return "\n".join(out) + "\n"


def run(
    sizes: list[int],
    n: int,
    seed: int,
    warmup: int,
    out: Path,
    tmp: str | None,
    heap: str,
    keep: str | None = None,
    reuse: bool = False,
) -> int:
    from tests.opensearch.testnode import OpenSearchNode

    node = OpenSearchNode(heap=heap)
    node.start()
    print(f"OpenSearch node up in {node.startup_seconds:.1f} s at {node.url}", file=sys.stderr)
    try:
        for size in sizes:
            load0 = os.getloadavg()[0]
            e = measure_embedded(size, n, seed, warmup, tmp, keep, reuse)
            o = measure_opensearch(size, n, seed, warmup, node)
            notes = [
                f"same corpus (seed {seed}) and the same {n} queries (1-3 terms, zh/en/mixed, a "
                f"quarter filtered; six facets, page size 20, snippets) after {warmup} warm-up "
                "queries, on each backend; browse = no-text queries sorted by date.",
                "service = backend.search(); raw = backend.raw_search(): for OpenSearch the same "
                "request without _source (no payload, no snippets), HTTP round trip included.",
                f"OpenSearch: one node (tests/opensearch launcher, heap {heap}, OpenSearch 2.19), "
                "1 shard, 0 replicas, on the same 2 cores as the benchmark process, which also "
                "makes the documents (jieba segmentation in Python) while the node indexes them.",
                "analytics: the same queries through search_analytics.run on two catalogs, "
                "each with a backend of its own on the same index, recording on and off, "
                "alternating (issue 16: at most 10 % slower).",
                "embedded rebuild includes its own segmentation on one core; index size for "
                "OpenSearch is the primary store after the rebuild (unmerged segments).",
                f"machine: {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
                f"Python {platform.python_version()}; load average at start {load0:.1f}, "
                f"at end {os.getloadavg()[0]:.1f}; node startup {node.startup_seconds:.1f} s.",
            ]
            table = render(size, e, o, notes)
            print(table, flush=True)
            (out / f"search-both-{size}.txt").write_text(table, encoding="utf-8")
            print(f"wrote {out / f'search-both-{size}.txt'}", file=sys.stderr)
    finally:
        node.remove()
    return 0
