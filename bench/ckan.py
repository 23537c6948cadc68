"""CKAN harvest benchmark: harvesting a real CKAN 2.12 against ``ckanapi dump`` of it.

    python -m bench ckan [--port 5006] [--root /tmp/ckan-peer-bench] [--agencies gsa,fcc]

Issue 15's "done when": the harvest of the peer's 3,357 US agency records takes at most half
the time of ``ckanapi dump datasets --all`` on the same server, measured in the same run.
The peer is the ``ckan-peer`` tool of the shared tools folder (``$CKAN_PEER_DIR``, else
``../shared/tools/ckan-peer`` beside the repository, as ``tests/test_ckan_peer.py`` finds
it). It runs in a root of its own (``--root``), not the tests' ``/tmp/ckan-peer``, because it
holds every record (the tests' peer holds 40); an installed peer environment of the tests is
reused (linked) rather than installed again. ``load.py`` fills it (all 11 agencies; a
loaded peer only counts them again). Then, in this order:

1. ``ckanapi dump datasets --all`` with 1 process (ckanapi's default) and with 4 (as the
   peer's ``check.py``): the baseline; then one keyset reader's pages read alone
   (``package_search`` of 100 whole records, nothing stored): what the peer takes to serve
   them one after another;
2. a fresh catalog (SQLite, embedded index) harvests the peer through the real path of
   ``catalog harvest run --kind ckan --trusted`` (register, queue, claim,
   ``harvesters.pipeline.run_job``): every record new, read by the source's parallel readers
   (``--readers N`` to set their number), fetched, validated, stored, indexed;
3. the same source again: nothing changed, an incremental run.

It checks that the catalog holds exactly the peer's records and resource URLs (exits 1 if
not), prints one table and writes it to ``<out>/ckan.txt``: the harvest / fastest dump ratio
against the target with its verdict, the load average at the start and the end, the CPU
seconds of this process (records per CPU second) and of the peer's server (``/proc``) for
the dumps and the harvest, and the job log's line on where run 1's reading time went (the
pipeline waiting for pages: the source bounds the run; readers waiting for the pipeline: we
do). ``--profile`` writes a cProfile of run 1's harvest thread to ``<out>/ckan-profile.txt``.
The peer is stopped at the end if this run started it (``--keep-up`` not to);
``--skip-load`` when it holds its records already.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.search import Row, render

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "bench" / "out"
TARGET_RATIO = 0.5  # issue 15: harvest time at most half of ckanapi dump's
TESTS_ROOT = Path("/tmp/ckan-peer")  # where tests/test_ckan_peer.py's peer lives


def peer_dir() -> Path:
    return Path(os.environ.get("CKAN_PEER_DIR") or REPO.parent / "shared" / "tools" / "ckan-peer")


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _answers(url: str) -> bool:
    import requests

    try:
        return requests.get(url + "/api/3/action/status_show", timeout=3).ok
    except requests.RequestException:
        return False


def start_peer(tool: Path, root: Path, port: int) -> tuple[str, str, bool]:
    """(url, sysadmin token, whether this run started it)."""
    url = f"http://127.0.0.1:{port}"
    was_up = _answers(url)
    root.mkdir(parents=True, exist_ok=True)
    if not (root / "venv").exists() and (TESTS_ROOT / "venv" / "bin" / "ckan").exists():
        (root / "venv").symlink_to(TESTS_ROOT / "venv")  # the same CKAN install, 2-3 min saved
    env = {**os.environ, "CKAN_PEER_ROOT": str(root)}
    t0 = time.perf_counter()
    proc = subprocess.run(
        ["bash", str(tool / "up.sh"), str(port)],
        cwd=tool,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if proc.returncode != 0 or not _answers(url):
        raise SystemExit(
            f"the CKAN peer did not start:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        )
    m = re.search(r"CKAN_URL=(\S+)", proc.stdout)
    _log(f"  peer up in {time.perf_counter() - t0:,.1f} s")
    return (m.group(1) if m else url), (root / "token.txt").read_text().strip(), not was_up


def peer_cpu(pid: int | None) -> float | None:
    """CPU seconds (user + system) the peer's web server has used so far (``/proc``)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peer_pid(root: Path) -> int | None:
    try:
        return int((root / "ckan.pid").read_text().strip())
    except (OSError, ValueError):
        return None


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def load_text() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg()) + f" on {os.cpu_count()} CPUs"


def load_peer(tool: Path, root: Path, url: str, token: str, agencies: str | None) -> None:
    cmd = [str(root / "venv" / "bin" / "python"), "load.py", "--url", url, "--token", token]
    if agencies:
        cmd += ["--agencies", agencies]
    t0 = time.perf_counter()
    proc = subprocess.run(
        cmd,
        cwd=tool,
        env={**os.environ, "CKAN_PEER_ROOT": str(root)},
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if proc.returncode != 0:
        raise SystemExit(f"load.py failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    _log(f"  peer loaded in {time.perf_counter() - t0:,.1f} s: {proc.stdout.strip()[-300:]}")


def peer_content(url: str) -> tuple[int, set[str], int]:
    """(records, their ids, resource URLs) the peer serves, read by keyset-free full pages."""
    from ckanapi import RemoteCKAN

    ids: set[str] = set()
    urls = 0
    with RemoteCKAN(url) as ckan:
        count = ckan.action.package_search(rows=0)["count"]
        start = 0
        while start < count:
            page = ckan.action.package_search(rows=1000, start=start, sort="id asc")["results"]
            if not page:
                break
            ids |= {p["id"] for p in page}
            urls += sum(1 for p in page for r in p.get("resources", []) if r.get("url"))
            start += len(page)
    return count, ids, urls


def time_pages(url: str, rows: int = 100) -> tuple[float, int]:
    """Seconds the peer takes to serve the harvester's listing alone (the keyset pages of
    whole records, as ``harvesters.ckan`` asks them), nothing stored: what bounds a run."""
    from ckanapi import RemoteCKAN

    seen: set[str] = set()
    cursor, start = None, 0
    t0 = time.perf_counter()
    with RemoteCKAN(url) as ckan:
        while True:
            params: dict = {"rows": rows, "start": start, "sort": "metadata_modified asc, id asc"}
            if cursor:
                params["fq"] = f"metadata_modified:[{cursor} TO *]"
            page = ckan.action.package_search(**params)["results"]
            seen |= {p["id"] for p in page}
            if len(page) < rows:
                break
            stamps = {p["metadata_modified"][:23] + "Z" for p in page}
            start = start + len(page) if stamps == {cursor} else 0
            cursor = max(stamps)
    seconds = time.perf_counter() - t0
    _log(f"  keyset pages alone: {len(seen)} records in {seconds:,.1f} s")
    return seconds, len(seen)


def time_dump(
    url: str, processes: int, out: Path, pid: int | None
) -> tuple[float, int, float | None, float]:
    """Seconds, records, the peer's CPU seconds and the ckanapi processes' CPU seconds of
    ``ckanapi dump datasets --all``."""
    exe = Path(sys.executable).with_name("ckanapi")
    peer0 = peer_cpu(pid)
    kids0 = _children_cpu()
    env = {**os.environ, "PATH": f"{exe.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    t0 = time.perf_counter()
    proc = subprocess.run(  # ckanapi starts its workers as `ckanapi` from PATH
        [str(exe), "dump", "datasets", "--all", "-r", url, "-O", str(out)]
        + ["-p", str(processes), "-q"],
        capture_output=True,
        text=True,
        env=env,
        timeout=3600,
    )
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"ckanapi dump failed: {proc.stderr[-2000:]}")
    lines = sum(1 for _ in out.open(encoding="utf-8"))
    peer1 = peer_cpu(pid)
    client = _children_cpu() - kids0
    _log(f"  ckanapi dump -p {processes}: {lines} records in {seconds:,.1f} s, {client:.1f} CPU-s")
    peer_s = peer1 - peer0 if peer0 is not None and peer1 is not None else None
    return seconds, lines, peer_s, client


@dataclass
class HarvestRun:
    label: str
    seconds: float
    cpu_s: float  # this process (the pipeline and the reader threads)
    peer_cpu_s: float | None  # the peer's web server process
    summary: str
    reading: str  # the job log's line on reading (harvesters.ckan_readers.ReadStats)


def harvest(
    url: str, instance: Path, readers: int | None, peer_pid: int | None, profile: Path | None
) -> tuple[list[HarvestRun], set[str], int]:
    """Two runs over the peer in a fresh catalog: the runs, the remote ids of the published
    datasets and their distributions' links. ``profile``: run 1 under cProfile (the
    harvest's thread: mapping, validation, storing, indexing, and its waits for pages),
    the 40 most expensive functions written there."""
    from sqlalchemy import select

    from catalog.context import open_catalog
    from catalog.models import Dataset, DatasetSource, Distribution
    from catalog.services import harvest as svc
    from catalog.services.authz import SYSTEM
    from harvesters.pipeline import run_job

    cat = open_catalog(instance_path=instance)
    cat.migrate()
    cat.create_index_if_missing()
    runs: list[HarvestRun] = []
    try:
        config = {} if readers is None else {"readers": readers}
        src = svc.register_source(
            cat, SYSTEM, name="ckan-peer", kind="ckan", url=url, config=config, trusted=True
        )
        for label in ("run 1: every record new", "run 2: nothing changed"):
            job = svc.start_job(cat, svc.enqueue_job(cat, SYSTEM, src.id).id)
            profiler = cProfile.Profile() if profile and not runs else None
            peer0 = peer_cpu(peer_pid)
            cpu0 = time.process_time()
            t0 = time.perf_counter()
            if profiler:
                profiler.enable()
            outcome = run_job(cat, job)
            if profiler:
                profiler.disable()
            seconds = time.perf_counter() - t0
            cpu = time.process_time() - cpu0
            peer1 = peer_cpu(peer_pid)
            peer_s = peer1 - peer0 if peer0 is not None and peer1 is not None else None
            log = svc.get_job(cat, outcome.job_id).log or ""
            reading = next(
                (x for x in log.splitlines() if "records in" in x and "readers" in x), ""
            )
            _log(f"  harvest {label}: {outcome.summary} in {seconds:,.1f} s; {reading}")
            runs.append(HarvestRun(label, seconds, cpu, peer_s, outcome.summary, reading))
            if profiler and profile:
                text = io.StringIO()
                pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(40)
                profile.write_text(text.getvalue(), encoding="utf-8")
                _log(f"  profile of run 1 written to {profile}")
        with cat.session() as s:
            ids = set(
                s.execute(
                    select(DatasetSource.source_record_id)
                    .join(Dataset, Dataset.id == DatasetSource.dataset_id)
                    .where(Dataset.status == "published")
                ).scalars()
            )
            links = s.execute(
                select(Distribution.access_url, Distribution.download_url)
                .join(Dataset, Dataset.id == Distribution.dataset_id)
                .where(Dataset.status == "published")
            ).all()
    finally:
        cat.dispose()
    return runs, ids, sum(1 for a, d in links if a or d)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench ckan", description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=int(os.environ.get("CKAN_BENCH_PORT") or 5006))
    ap.add_argument("--root", default=os.environ.get("CKAN_BENCH_ROOT") or "/tmp/ckan-peer-bench")
    ap.add_argument("--agencies", default=None, help="load only these (default: all 11)")
    ap.add_argument("--keep-up", action="store_true", help="leave the peer running")
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--tmp", default=None, help="where to build the catalog (default: $TMPDIR)")
    ap.add_argument(
        "--readers", type=int, default=None, help="the source's readers (default: its default)"
    )
    ap.add_argument(
        "--profile", action="store_true", help="cProfile run 1 into <out>/ckan-profile.txt"
    )
    ap.add_argument(
        "--skip-load",
        action="store_true",
        help="the peer holds its records already: do not run load.py (2-3 min) to count them",
    )
    args = ap.parse_args(argv)
    tool = peer_dir()
    if not (tool / "up.sh").is_file():
        print(f"skipped: no ckan-peer tool at {tool} (set CKAN_PEER_DIR)")
        return 0
    root = Path(args.root)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    load_start = load_text()
    _log(f"  load average at the start: {load_start}")
    url, token, started = start_peer(tool, root, args.port)
    pid = peer_pid(root)
    profile = out / "ckan-profile.txt" if args.profile else None
    try:
        if not args.skip_load:
            load_peer(tool, root, url, token, args.agencies)
        count, peer_ids, peer_urls = peer_content(url)
        with tempfile.TemporaryDirectory(dir=args.tmp, prefix="bench-ckan-") as tmp:
            dumps = {p: time_dump(url, p, Path(tmp) / f"dump-{p}.jsonl", pid) for p in (1, 4)}
            pages = time_pages(url)
            runs, ids, links = harvest(url, Path(tmp) / "instance", args.readers, pid, profile)
    finally:
        if started and not args.keep_up:
            subprocess.run(
                ["bash", str(tool / "down.sh")],
                cwd=tool,
                env={**os.environ, "CKAN_PEER_ROOT": str(root)},
                capture_output=True,
                timeout=300,
            )
    fastest = min(s for s, _n, _c, _k in dumps.values())
    first = runs[0]
    rows = [
        Row("ckanapi dump datasets --all, 1 process (baseline)", dumps[1][0], "s"),
        Row("ckanapi dump datasets --all, 4 processes (baseline)", dumps[4][0], "s"),
        Row("one keyset reader's pages alone (peer serving, nothing stored)", pages[0], "s"),
        Row("harvest run 1: fetch, validate, store, index", first.seconds, "s"),
        Row(
            "harvest time / fastest ckanapi dump",
            first.seconds / fastest,
            "x",
            target=TARGET_RATIO,
            fmt="{:.2f}",
        ),
        Row(
            "harvest time / 1-process ckanapi dump", first.seconds / dumps[1][0], "x", fmt="{:.2f}"
        ),
        Row("harvest run 1: records/s", count / first.seconds, "rec/s", fmt="{:,.0f}"),
        Row("harvest run 1: CPU of this process", first.cpu_s, "s"),
        Row(
            "harvest run 1: records per CPU second (this process)",
            count / first.cpu_s,
            "rec/CPU-s",
            fmt="{:,.0f}",
        ),
    ]
    for p, (_s, _n, peer_s, client_s) in dumps.items():
        rows.append(Row(f"ckanapi dump -p {p}: CPU of its processes", client_s, "s"))
        if peer_s:
            rows.append(Row(f"ckanapi dump -p {p}: CPU of the peer serving it", peer_s, "s"))
    if first.peer_cpu_s:
        rows.append(Row("harvest run 1: CPU of the peer serving it", first.peer_cpu_s, "s"))
        best = min((s + c for _s, _n, s, c in dumps.values() if s is not None), default=None)
        if best:
            rows.append(
                Row(
                    "CPU (ours + peer): harvest / cheapest dump",
                    (first.cpu_s + first.peer_cpu_s) / best,
                    "x",
                    fmt="{:.2f}",
                )
            )
    rows.append(Row("harvest run 2 (nothing changed)", runs[1].seconds, "s"))
    exact = ids == peer_ids and links == peer_urls and pages[1] == count
    exact = exact and all(n == count for _s, n, _c, _k in dumps.values())
    verdict = "ok" if first.seconds / fastest < TARGET_RATIO else "MISS"
    notes = [
        f"verdict: harvest / fastest dump = {first.seconds / fastest:.2f}x against the target "
        f"of at most {TARGET_RATIO}x: {verdict}",
        f"load average: {load_start} at the start, {load_text()} at the end (other work on "
        "the machine slows both sides; compare CPU seconds)",
        f"peer {url}: {count} records, {peer_urls} resource URLs; the catalog holds "
        f"{len(ids)} records, {links} distribution links: {'exact' if exact else 'DIFFERENT'}",
        *(f"harvest {r.label}: {r.summary}" for r in runs),
        f"where run 1's time went: {first.reading or '(no reading line in the job log)'}",
        "ckanapi dump reads package_list then package_show per record; the harvester reads "
        "package_search pages of 100 whole records, its metadata_modified range cut in "
        "slices keyset-paged at once (source setting readers), and an id inventory",
    ]
    table = render(count, rows, notes)
    print(table)
    (out / "ckan.txt").write_text(table, encoding="utf-8")
    (out / "ckan.json").write_text(
        json.dumps(
            {
                "records": count,
                "dump_s": {str(p): s for p, (s, _n, _c, _k) in dumps.items()},
                "harvest_s": [r.seconds for r in runs],
                "harvest_cpu_s": [r.cpu_s for r in runs],
                "ratio": first.seconds / fastest,
                "load": os.getloadavg(),
            }
        ),  # fmt: skip
        encoding="utf-8",
    )
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
