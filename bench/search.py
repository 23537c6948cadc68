"""Search benchmark: index build and query latency of the embedded backend.

    python -m bench.search [--sizes 100000,1000000] [--queries 300] [--out bench/out]

For each size: a synthetic corpus (bench.corpus) is streamed into a fresh index through
``EmbeddedBackend.rebuild`` (build time, docs/s, index size, memory); then a seeded mix of
1-3 term queries with six facet counts and snippets runs through ``EmbeddedBackend.search``
(the service path) and ``EmbeddedBackend.raw_search`` (the engine alone, the baseline), and
a no-text browse mix (filters only, newest first) does the same. Then the same queries run
through ``search_analytics.run`` (what the page and the API call) with search analytics on
and off, alternating, to show what recording every search costs (issue 16: at most 10 %).
One table per size is printed and written to ``<out>/search-<size>.txt``.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import tantivy
from tqdm import tqdm

from bench.corpus import BenchQuery, browse_queries, documents, queries
from catalog.search import SearchQuery
from catalog.search.base import SearchBackend, SearchUnavailable
from catalog.search.embedded import EmbeddedBackend, to_index_doc

# Performance targets of DESIGN.md ("Performance targets"), set at 1,000,000 datasets.
TARGET_SIZE = 1_000_000
TARGET_SEARCH_P95_MS = 20.0
TARGET_SERVICE_OVER_RAW = 1.5
TARGET_REBUILD_S = 300.0
# The facets a search page counts (DESIGN.md: "six facet counts").
BENCH_FACETS = ("theme", "publisher", "openness", "kind", "format", "license")
# Search analytics (issue 16): recording a search may cost at most this much of its time.
TARGET_ANALYTICS_OVERHEAD_PCT = 10.0
# Memory: the rebuild writer may hold up to its heap (400 MB, embedded.py) before flushing
# a segment; "flat" means the peak stays under that plus a fixed slack, whatever the size.
WRITER_HEAP_MB = 400
RSS_SLACK_MB = 200
MB = 1024 * 1024


@dataclass
class Row:
    metric: str
    figure: float
    unit: str
    target: float | None = None
    higher_is_better: bool = False
    fmt: str = "{:,.1f}"

    @property
    def ratio(self) -> float | None:
        if self.target is None:
            return None
        return self.figure / self.target

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        ok = self.figure >= self.target if self.higher_is_better else self.figure < self.target
        return "ok" if ok else "MISS"

    def cells(self, size: int) -> list[str]:
        figure = f"{self.fmt.format(self.figure)} {self.unit}".strip()
        if self.target is None:
            target = ratio = "-"
        else:
            sign = ">=" if self.higher_is_better else "<"
            target = f"{sign} {self.fmt.format(self.target)} {self.unit}".strip()
            ratio = f"{self.ratio:.2f}"
        return [f"{size:,}", self.metric, figure, target, ratio, self.verdict]


def render(size: int, rows: list[Row], notes: list[str]) -> str:
    head = ["size", "metric", "figure", "target", "ratio", "verdict"]
    body = [r.cells(size) for r in rows]
    widths = [max(len(c) for c in col) for col in zip(head, *body, strict=True)]
    right = {0, 2, 3, 4}

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [line(head), line(["-" * w for w in widths])]
    out += [line(b) for b in body]
    out.append("")
    out += [f"* {n}" for n in notes]
    return "\n".join(out) + "\n"


def pct(values: list[float], p: float) -> float:
    """The p-th percentile, linearly interpolated (p in 0..100)."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / MB


class PeakRss:
    """Samples the resident memory of this process in a thread, keeping the peak."""

    def __init__(self, every: float = 0.1):
        self.every = every
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        proc = psutil.Process()
        while not self._stop.is_set():
            self.peak = max(self.peak, proc.memory_info().rss / MB)
            self._stop.wait(self.every)

    def __enter__(self) -> PeakRss:
        self.peak = rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


def dir_size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / MB


# -- build --------------------------------------------------------------------------------
@dataclass
class BuildStats:
    seconds: float
    docs: int
    index_mb: float
    rss_start: float
    rss_peak: float
    rss_half: float  # highest RSS seen in the first half of the feed
    rss_end: float  # highest RSS seen in the second half of the feed
    gen_rate: float
    convert_rate: float


def _rate(fn: Callable[[dict], object], sample: int, seed: int) -> float:
    docs = list(documents(sample, seed))
    t0 = time.perf_counter()
    for d in docs:
        fn(d)
    return sample / (time.perf_counter() - t0)


def build(path: Path, size: int, seed: int) -> BuildStats:
    sample = min(size, 10_000)
    gen_rate = sample / max(_timed(lambda: sum(1 for _ in documents(sample, seed))), 1e-9)
    convert_rate = _rate(to_index_doc, min(size, 5_000), seed)
    gc.collect()
    backend = EmbeddedBackend(path)
    rss_start = rss_mb()
    seen = [0]
    halves = [rss_start, rss_start]
    bar = tqdm(
        total=size,
        unit="doc",
        desc=f"rebuild {size:,}",
        file=sys.stderr,
        mininterval=2.0,
        unit_scale=True,
    )

    def progress(n: int) -> None:
        seen[0] += n
        bar.update(n)
        half = 0 if seen[0] <= size // 2 else 1
        halves[half] = max(halves[half], rss_mb())

    with PeakRss() as peak:
        t0 = time.perf_counter()
        n = backend.rebuild(documents(size, seed), progress)
        seconds = time.perf_counter() - t0
    bar.close()
    backend.close()
    return BuildStats(
        seconds=seconds,
        docs=n,
        index_mb=dir_size_mb(path),
        rss_start=rss_start,
        rss_peak=peak.peak,
        rss_half=halves[0],
        rss_end=halves[1],
        gen_rate=gen_rate,
        convert_rate=convert_rate,
    )


def _timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


# -- queries ------------------------------------------------------------------------------
@dataclass
class QueryStats:
    service: list[float]
    raw: list[float]
    by_kind: dict[str, list[float]]
    totals: list[int]
    slowest: list[tuple[float, BenchQuery, int]]  # service ms, query, hits
    repeated: list[float]  # the same query again: total and facets kept (count_cache)
    # CPU time of this process per query (every thread: the facet pool's too): what a
    # query costs whatever else shares the machine, where wall-clock latency is not
    service_cpu: list[float] = field(default_factory=list)
    raw_cpu: list[float] = field(default_factory=list)


def _search_query(q: BenchQuery) -> SearchQuery:
    sort = "modified" if not q.text else "relevance"
    return SearchQuery(text=q.text, filters=q.filters, facets=BENCH_FACETS, sort=sort)


def run_queries(backend: EmbeddedBackend, qs: list[BenchQuery], desc: str) -> QueryStats:
    """Each query through the service and the raw engine, alternating which goes first."""
    stats = QueryStats([], [], defaultdict(list), [], [], [])
    clock, cpu = time.perf_counter, time.process_time
    for i, q in enumerate(tqdm(qs, desc=desc, file=sys.stderr, mininterval=2.0, leave=False)):
        sq = _search_query(q)
        for which in (0, 1) if i % 2 == 0 else (1, 0):
            t0, c0 = clock(), cpu()
            if which == 0:
                res = backend.search(sq)
                ms = (clock() - t0) * 1000
                stats.service_cpu.append((cpu() - c0) * 1000)
                stats.service.append(ms)
                stats.by_kind[q.kind.split("+")[0]].append(ms)
                if q.filters and q.text:
                    stats.by_kind["filtered"].append(ms)
                stats.totals.append(res.total)
                stats.slowest.append((ms, q, res.total))
            else:
                backend.raw_search(sq)
                stats.raw.append((clock() - t0) * 1000)
                stats.raw_cpu.append((cpu() - c0) * 1000)
        t0 = clock()
        backend.search(sq)
        stats.repeated.append((clock() - t0) * 1000)
    stats.slowest.sort(key=lambda x: -x[0])
    del stats.slowest[5:]
    return stats


@dataclass
class AnalyticsStats:
    on: list[float]
    off: list[float]
    recorded: int


def _own_backend(backend: SearchBackend) -> SearchBackend:
    """The bench's index through a backend of its own, for one analytics catalog: a shared
    embedded one would answer the second catalog's search from the first one's kept answer
    (catalog/search/answer_cache.py), and recording would be compared against no work; and
    each catalog closes its backend, which must not close the caller's (the OpenSearch side
    drops its index after this)."""
    if isinstance(backend, EmbeddedBackend):
        return EmbeddedBackend(backend.path)
    from catalog.search.opensearch import ClusterBackend

    if isinstance(backend, ClusterBackend):
        return ClusterBackend(backend.cfg)
    raise TypeError(f"no second backend for {type(backend).__name__}")


def run_analytics(backend: SearchBackend, qs: list[BenchQuery], db_dir: Path) -> AnalyticsStats:
    """Each query through ``search_analytics.run`` with recording on and off (two catalogs
    on one index, a SQLite store and a backend each), alternating which goes first; the
    recorder's writer thread flushes to its store as in production."""
    from catalog.context import open_catalog
    from catalog.services import search_analytics

    cats = {}
    for flag in (True, False):
        inst = db_dir / ("on" if flag else "off")
        inst.mkdir(parents=True, exist_ok=True)
        cat = open_catalog(
            instance_path=inst,
            database_url=f"sqlite:///{inst / 'catalog.db'}",
            extra={"search_analytics": flag},
        )
        cat.migrate()
        cat.search.close()
        cat.search = _own_backend(backend)
        cats[flag] = cat
    stats = AnalyticsStats([], [], 0)
    clock = time.perf_counter
    for i, q in enumerate(
        tqdm(qs, desc="analytics", file=sys.stderr, mininterval=2.0, leave=False)
    ):
        sq = _search_query(q)
        for flag in (True, False) if i % 2 == 0 else (False, True):
            t0 = clock()
            search_analytics.run(cats[flag], sq, "api")
            (stats.on if flag else stats.off).append((clock() - t0) * 1000)
    stats.recorded = search_analytics.recorder(cats[True]).flush()
    for cat in cats.values():
        cat.search.close()
        cat.engine.dispose()
    return stats


def analytics_rows(a: AnalyticsStats) -> list[Row]:
    p50_on, p50_off = pct(a.on, 50), pct(a.off, 50)
    p95_on, p95_off = pct(a.on, 95), pct(a.off, 95)
    mean_on, mean_off = statistics.fmean(a.on), statistics.fmean(a.off)
    return [
        Row("analytics on: p50", p50_on, "ms"),
        Row("analytics off: p50", p50_off, "ms"),
        Row("analytics on: p95", p95_on, "ms"),
        Row("analytics off: p95", p95_off, "ms"),
        Row(
            "analytics: mean slower by",
            100 * (mean_on - mean_off) / mean_off,
            "%",
            TARGET_ANALYTICS_OVERHEAD_PCT,
        ),
        Row(
            "analytics: p95 slower by",
            100 * (p95_on - p95_off) / p95_off,
            "%",
            TARGET_ANALYTICS_OVERHEAD_PCT,
        ),
    ]


def _describe(q: BenchQuery) -> str:
    text = f"'{q.text}'" if q.text else "(no text)"
    filters = " ".join(f"{k}={','.join(v)}" for k, v in q.filters.items())
    return f"{text} {filters}".strip()


def build_rows(size: int, b: BuildStats) -> list[Row]:
    return [
        Row("rebuild: time", b.seconds, "s", TARGET_REBUILD_S * size / TARGET_SIZE),
        Row(
            "rebuild: throughput",
            b.docs / b.seconds,
            "docs/s",
            TARGET_SIZE / TARGET_REBUILD_S,
            higher_is_better=True,
            fmt="{:,.0f}",
        ),
        Row("rebuild: index size on disk", b.index_mb, "MB"),
        Row(
            "rebuild: peak RSS above start",
            b.rss_peak - b.rss_start,
            "MB",
            WRITER_HEAP_MB + RSS_SLACK_MB,
            fmt="{:,.0f}",
        ),
        Row("rebuild: RSS max, 1st / 2nd half of feed", b.rss_half, "MB", fmt="{:,.0f}"),
        Row("  (2nd half)", b.rss_end, "MB", fmt="{:,.0f}"),
        Row("rebuild: corpus generator alone", b.gen_rate, "docs/s", fmt="{:,.0f}"),
        Row("rebuild: to_index_doc alone", b.convert_rate, "docs/s", fmt="{:,.0f}"),
    ]


def build_notes(size: int, b: BuildStats | None) -> list[str]:
    if b is None:
        return [
            "rebuild: not measured in this run (--reuse: the index kept by an earlier run "
            "with --keep was searched)."
        ]
    return [
        "rebuild = EmbeddedBackend.rebuild(stream of synthetic documents), the path of "
        "`catalog search rebuild` minus the database read; the time includes making the "
        f"documents (generator alone: {b.gen_rate:,.0f} docs/s, about "
        f"{size / b.gen_rate:,.1f} s of it). "
        "'to_index_doc alone' is the document conversion (segmentation, bigrams, payload) on "
        "one thread, on a sample.",
        f"rebuild time target is {TARGET_REBUILD_S:.0f} s at {TARGET_SIZE:,} datasets, pro rata "
        "at other sizes.",
        f"memory: RSS {b.rss_start:,.0f} MB before the build, peak {b.rss_peak:,.0f} MB; "
        f"'flat' = peak above start under the writer heap ({WRITER_HEAP_MB} MB) + "
        f"{RSS_SLACK_MB} MB, at any size.",
    ]


def search_rows(s: QueryStats, br: QueryStats, qpeak: float) -> list[Row]:
    target = TARGET_SEARCH_P95_MS
    rows = [
        Row("search: service p50", pct(s.service, 50), "ms"),
        Row("search: service p95", pct(s.service, 95), "ms", target),
        Row("search: raw p50", pct(s.raw, 50), "ms"),
        Row("search: raw p95", pct(s.raw, 95), "ms"),
        Row("search: service CPU p50", pct(s.service_cpu, 50), "ms"),
        Row("search: service CPU p95", pct(s.service_cpu, 95), "ms"),
        Row("search: raw CPU p95", pct(s.raw_cpu, 95), "ms"),
        Row("search: service p95, repeated query", pct(s.repeated, 95), "ms", target),
        Row(
            "search: service p95 / raw p95",
            pct(s.service, 95) / pct(s.raw, 95),
            "x",
            TARGET_SERVICE_OVER_RAW,
            fmt="{:.2f}",
        ),
    ]
    for kind in ("zh", "en", "mixed", "filtered"):
        if s.by_kind.get(kind):
            rows.append(
                Row(
                    f"  service p95, {kind} ({len(s.by_kind[kind])} q)",
                    pct(s.by_kind[kind], 95),
                    "ms",
                )
            )
    rows += [
        Row("  hits per query, median", statistics.median(s.totals), "", fmt="{:,.0f}"),
        Row("  hits per query, p90", pct(s.totals, 90), "", fmt="{:,.0f}"),
        Row(
            "  queries with no hit",
            100 * sum(t == 0 for t in s.totals) / len(s.totals),
            "%",
            fmt="{:.0f}",
        ),
        Row("browse: service p50", pct(br.service, 50), "ms"),
        Row("browse: service p95", pct(br.service, 95), "ms", target),
        Row("browse: raw p50", pct(br.raw, 50), "ms"),
        Row("browse: raw p95", pct(br.raw, 95), "ms"),
        Row("browse: service CPU p95", pct(br.service_cpu, 95), "ms"),
        Row("browse: raw CPU p95", pct(br.raw_cpu, 95), "ms"),
        Row("browse: service p95, repeated filter set", pct(br.repeated, 95), "ms", target),
        Row(
            "browse: service p95 / raw p95",
            pct(br.service, 95) / pct(br.raw, 95),
            "x",
            TARGET_SERVICE_OVER_RAW,
            fmt="{:.2f}",
        ),
        Row("queries: peak RSS", qpeak, "MB", fmt="{:,.0f}"),
    ]
    return rows


def _kept_index(path: Path, size: int) -> bool:
    """Whether a kept index can be searched again: one built by an older analysis version
    (or damaged) is rebuilt instead."""
    if not (path / "meta.json").exists():
        return False
    try:
        return EmbeddedBackend(path).count() == size
    except SearchUnavailable:
        return False


def measure(
    size: int,
    n_queries: int,
    seed: int,
    warmup: int,
    tmp: str | None,
    keep: str | None = None,
    reuse: bool = False,
) -> str:
    with tempfile.TemporaryDirectory(prefix=f"bench-search-{size}-", dir=tmp) as d:
        path = Path(keep) / f"index-{size}" if keep else Path(d) / "index"
        load_before = os.getloadavg()[0]
        b = None if reuse and _kept_index(path, size) else build(path, size, seed)
        load_built = os.getloadavg()[0]
        backend = EmbeddedBackend(path)
        qs = queries(n_queries, seed)
        browse = browse_queries(max(n_queries // 4, 20), seed + 1)
        with PeakRss() as qpeak:
            run_queries(backend, queries(warmup, seed + 1000), "warm-up")
            run_queries(backend, browse_queries(max(warmup // 4, 5), seed + 1001), "warm-up")
            s = run_queries(backend, qs, f"search {size:,}")
            br = run_queries(backend, browse, f"browse {size:,}")
            an = run_analytics(backend, qs, Path(d) / "analytics")
        backend.close()
        load_after = os.getloadavg()[0]

    rows = (build_rows(size, b) if b else []) + search_rows(s, br, qpeak.peak) + analytics_rows(an)
    kinds = defaultdict(int)
    for q in qs:
        kinds[q.kind] += 1
    notes = build_notes(size, b) + [
        f"search targets are set at {TARGET_SIZE:,} datasets and applied as they are.",
        f"search: {len(qs)} seeded queries of 1-3 terms ("
        + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
        + f"), after {warmup} warm-up queries; facets {', '.join(BENCH_FACETS)}, page size 20, "
        "snippets. service = EmbeddedBackend.search (query build, top hits, stored docs, "
        "JSON payload decode, snippets, facet aggregations); raw = EmbeddedBackend.raw_search "
        "(the service's engine plan for a query seen the first time: the query built, its top "
        "hits without a count, then the unscored count-and-facets pass, one after the other; "
        "no stored docs, no snippets, nothing kept). Each query runs through both, "
        "alternating which goes first, then through the service once more ('repeated': "
        "the whole answer, hits and snippets, is then kept per index generation, "
        "catalog/search/answer_cache.py, and read back without the engine). A query that "
        "also occurred earlier in the run (warm-up included) is answered that way the first "
        "time too. CPU = CPU time of the process per query (all threads): what a query "
        "costs whatever else shares the machine.",
        "slowest searches (service): "
        + "; ".join(f"{_describe(q)} {ms:,.0f} ms, {n:,} hits" for ms, q, n in s.slowest)
        + ".",
        f"browse: {len(br.service)} no-text queries (1-2 filters, sort by modified, six "
        "facets); raw_search sorts by modified too and aggregates the filtered set every "
        "time, where the service takes the counts of a one-value filter set from the facet "
        "table of the index generation (catalog/search/facet_table.py; counted in the "
        "background once the warm-up's first browse asks). The search p95 target is applied "
        "to browse too.",
        f"analytics: the {len(qs)} search queries through search_analytics.run (what the "
        "page and the API call), recording on and off, alternating which goes first; "
        f"{an.recorded} events were still buffered at the end and written then (the rest "
        "by the recorder's thread while the queries ran).",
        f"machine: {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
        f"Python {platform.python_version()}, {tantivy.__version__}; seed {seed}. "
        f"1-min load average before the build {load_before:.1f}, after it {load_built:.1f}, "
        f"after the queries {load_after:.1f} (the bench itself accounts for about 1; "
        "more means other work shared the CPUs).",
    ]
    return render(size, rows, notes)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__.split("\n")[0])
    ap.add_argument(
        "--sizes",
        default="100000,1000000",
        help="comma-separated corpus sizes (default 100000,1000000)",
    )
    ap.add_argument("--queries", type=int, default=300, help="timed queries per size")
    ap.add_argument("--warmup", type=int, default=50, help="warm-up queries per size")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument(
        "--out",
        default=str(Path(__file__).resolve().parent / "out"),
        help="folder for search-<size>.txt (default bench/out)",
    )
    ap.add_argument("--tmp", default=None, help="where to build the indexes (default: $TMPDIR)")
    ap.add_argument(
        "--keep",
        default=None,
        metavar="DIR",
        help="build in DIR/index-<size> and keep it there (for profiling)",
    )
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="with --keep: search the kept index of that size, skip the rebuild",
    )
    ap.add_argument(
        "--backends",
        default="embedded,opensearch",
        help="embedded alone (this table), or embedded,opensearch side by side "
        "(bench/search_cluster.py; starts an OpenSearch node)",
    )
    ap.add_argument("--heap", default="2g", help="heap of the OpenSearch node (default 2g)")
    args = ap.parse_args(argv)
    if args.reuse and not args.keep:
        ap.error("--reuse needs --keep DIR")
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    backends = {b.strip() for b in args.backends.split(",") if b.strip()}
    if backends - {"embedded", "opensearch"}:
        ap.error("--backends: embedded and/or opensearch")
    if "opensearch" in backends:
        from bench import search_cluster

        return search_cluster.run(
            sizes,
            args.queries,
            args.seed,
            args.warmup,
            out,
            args.tmp,
            args.heap,
            args.keep,
            args.reuse,
        )
    for size in sizes:
        table = measure(size, args.queries, args.seed, args.warmup, args.tmp, args.keep, args.reuse)
        print(table, flush=True)
        (out / f"search-{size}.txt").write_text(table, encoding="utf-8")
        print(f"wrote {out / f'search-{size}.txt'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
