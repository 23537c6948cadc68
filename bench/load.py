"""Load benchmark: the app under gunicorn as the Docker image runs it, mixed reads and writes
from many clients while a harvest and index rebuilds run beside them (issue 14, item 7).

    python -m bench load [--clients 16] [--seconds 60] [--size 2000] [--workers 2]
                         [--database-url URL] [--out bench/out]

A fresh catalog (SQLite in the instance folder unless ``--database-url``) harvests a seeded
synthetic data.json of ``--size`` records (the harvest benchmark's source), and gets a
curator with an API token. Then ``gunicorn web:create_app()`` starts on 127.0.0.1 with
``--workers`` workers and 4 threads each (the Docker image's command, with two workers for
two cores), and for ``--seconds`` seconds ``--clients`` threads send, each on its own
connection, a mix of: the search page and the search API with Chinese and English words, a
dataset page and its API record, the home page, the organization list, API creates with an
``Idempotency-Key`` (a create that times out or loses its connection is sent again with the
same key, as a careful client does) and API updates of what the client created.
Meanwhile a second source (``--size`` other records) is harvested by ``catalog harvest run``
and ``catalog search rebuild`` runs again and again, each in its own process.

Printed: requests/s, p50/p95/p99 latency, errors (a 5xx, a connection error, or any answer
other than the one the operation expects: must be 0), duplicates (datasets stored more than
once for one create: must be 0), creates acknowledged vs stored, and each worker's resident
memory at the start and the end. Loopback only, bounded in time; it stops by itself.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests

from bench.harvest import MB, FileServer, harvest_once, write_datajson
from bench.search import Row, pct, render

DEFAULT_OUT = Path(__file__).resolve().parent / "out"
TITLE_PREFIX = "负载测试数据集"
WORDS = ["交通", "医疗", "教育", "企业", "环境", "人口", "公交", "traffic", "health", "气象"]
# operation -> weight in the mix
MIX = {
    "search_page": 18,
    "search_api": 18,
    "dataset_page": 14,
    "dataset_api": 10,
    "home": 6,
    "organizations": 6,
    "create": 16,
    "update": 12,
}
PASSWORD = "load-bench-pass-42"


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    by_op: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    retries: int = 0
    created: list[str] = field(default_factory=list)  # titles acknowledged with 201 or replay
    lock: threading.Lock = field(default_factory=threading.Lock)


def _cli(instance: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CATALOG_")}
    environ.update(CATALOG_INSTANCE=str(instance), **(env or {}))
    return subprocess.Popen(
        [sys.executable, "-c", "from cli import main; main()", *args],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(root: Path, size: int, database_url: str | None) -> tuple[Path, str, list[str], dict]:
    """The seeded catalog: (instance, curator token, dataset names, env for the app)."""
    from catalog.context import open_catalog
    from catalog.services import harvest as svc
    from catalog.services import organizations, tokens, users
    from catalog.services.authz import SYSTEM, Actor

    www = root / "www"
    www.mkdir()
    nbytes = write_datajson(www / "data.json", size, 42)
    server = FileServer(www)
    instance = root / "instance"
    env = {"CATALOG_DATABASE_URL": database_url} if database_url else {}
    cat = open_catalog(instance_path=instance, database_url=database_url)
    try:
        cat.migrate()
        cat.create_index_if_missing()
        src = svc.register_source(
            cat,
            SYSTEM,
            name="seed",
            kind="datajson",
            url=f"{server.base}/data.json",
            trusted=True,
            config={"max_bytes": max(nbytes * 2, 200 * MB)},
        )
        harvest_once(cat, src.id, size, "seed harvest")
        organizations.create_organization(
            cat, SYSTEM, {"name": "load-bench", "title": "负载测试机构", "org_type": "government"}
        )
        user = users.create_user(cat, SYSTEM, "curator@load.example", "Load", PASSWORD, "curator")
        token, _ = tokens.create_token(cat, Actor(id=user.id, role="curator"), "load")
        from sqlalchemy import select

        from catalog.models import Dataset

        with cat.read_session() as s:
            names = list(
                s.execute(select(Dataset.name).where(Dataset.status == "published")).scalars()
            )
    finally:
        cat.dispose()
        server.stop()
    return instance, token, names, env


class Gunicorn:
    """``gunicorn web:create_app()`` on a free loopback port, as docker/Dockerfile runs it."""

    def __init__(
        self, instance: Path, workers: int, env: dict, *, access_log: bool = False
    ) -> None:
        """``access_log``: log every request to the log file, as the Docker image does."""
        self.port = _free_port()
        environ = {k: v for k, v in os.environ.items() if not k.startswith("CATALOG_")}
        environ.update(CATALOG_INSTANCE=str(instance), **env)
        self.log = open(instance / "gunicorn.log", "w")  # noqa: SIM115 -- closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}"]
            + ["--workers", str(workers), "--threads", "4", "--timeout", "60"]
            + (["--access-logfile", "-"] if access_log else [])
            + ["web:create_app()"],
            env=environ,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base}/healthz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    def workers(self) -> dict[int, float]:
        """Each worker's pid and resident memory in MB."""
        out = {}
        for child in psutil.Process(self.proc.pid).children():
            with contextlib.suppress(psutil.NoSuchProcess):
                out[child.pid] = child.memory_info().rss / MB
        return out

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def client(n: int, base: str, token: str, names: list[str], until: float, tally: Tally) -> None:
    rng = random.Random(n)
    http = requests.Session()
    auth = {"Authorization": f"Bearer {token}"}
    ops, weights = zip(*MIX.items(), strict=True)
    mine: list[str] = []  # names of the datasets this client created
    made = 0

    def send(
        op: str, method: str, path: str, expect: tuple[int, ...], **kw
    ) -> requests.Response | None:
        t0 = time.perf_counter()
        try:
            r = http.request(method, base + path, timeout=30, **kw)
        except requests.RequestException as exc:
            with tally.lock:
                tally.errors.append(f"{op}: {type(exc).__name__}")
            return None
        ms = (time.perf_counter() - t0) * 1000
        with tally.lock:
            tally.latencies.append(ms)
            tally.by_op[op] += 1
            if r.status_code not in expect:
                tally.errors.append(f"{op}: {r.status_code} {r.text[:80]!r}")
        return r

    while time.monotonic() < until:
        op = rng.choices(ops, weights)[0]
        word = rng.choice(WORDS)
        if op == "search_page":
            send(op, "GET", "/search", (200,), params={"q": word})
        elif op == "search_api":
            send(op, "GET", "/api/v1/datasets", (200,), params={"q": word})
        elif op == "dataset_page":
            send(op, "GET", f"/dataset/{rng.choice(names)}", (200,))
        elif op == "dataset_api":
            send(op, "GET", f"/api/v1/datasets/{rng.choice(names)}", (200,))
        elif op == "home":
            send(op, "GET", "/", (200,))
        elif op == "organizations":
            send(op, "GET", "/organizations", (200,))
        elif op == "create" or (op == "update" and not mine):
            made += 1
            title = f"{TITLE_PREFIX} {n}-{made}"
            body = {
                "title": title,
                "organization": "load-bench",
                "description": f"{word} 负载测试 load test",
                "keywords": [word, "负载"],
            }
            headers = {**auth, "Idempotency-Key": str(uuid.uuid4())}
            for attempt in range(3):  # a lost answer is sent again with the same key
                r = send("create", "POST", "/api/v1/datasets", (201,), json=body, headers=headers)
                if r is not None and r.status_code == 201:
                    mine.append(r.json()["name"])
                    with tally.lock:
                        tally.created.append(title)
                    break
                if r is not None and r.status_code != 409:
                    break  # an answer that is not "still running": counted as an error
                with tally.lock:
                    tally.retries += 1
                time.sleep(0.2 * (attempt + 1))
        else:
            send(
                op,
                "PATCH",
                f"/api/v1/datasets/{rng.choice(mine)}",
                (200,),
                json={"description": f"{word} 更新 {time.time():.3f}"},
                headers=auth,
            )


def stored_titles(instance: Path, database_url: str | None) -> Counter:
    from sqlalchemy import select

    from catalog.context import open_catalog
    from catalog.models import Dataset

    cat = open_catalog(instance_path=instance, database_url=database_url)
    try:
        with cat.read_session() as s:
            rows = s.execute(select(Dataset.title).where(Dataset.title.like(f"{TITLE_PREFIX}%")))
            return Counter(t for (t,) in rows)
    finally:
        cat.dispose()


def run(args: argparse.Namespace) -> str:
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        root = Path(tmp)
        print(f"seeding {args.size} datasets ...", file=sys.stderr, flush=True)
        instance, token, names, env = build(root, args.size, args.database_url)
        live = root / "live"
        live.mkdir()
        write_datajson(live / "data.json", args.size, 4242)
        source = FileServer(live)
        app = Gunicorn(instance, args.workers, env)
        background: list[str] = []
        try:
            for path in ("/", "/search?q=交通", f"/dataset/{names[0]}"):  # warm both workers
                for _ in range(4):
                    requests.get(app.base + path, timeout=30)
            rss_start = app.workers()
            tally = Tally()
            started = time.monotonic()
            until = started + args.seconds
            harvest = _cli(
                instance,
                *("harvest", "run", "--kind", "datajson", "--url", f"{source.base}/data.json"),
                *("--name", "live", "--trusted"),
                env=env,
            )
            rebuilds = {"done": 0, "failed": 0}

            def rebuild_loop() -> None:
                time.sleep(min(10.0, args.seconds / 6))
                while time.monotonic() < until:
                    proc = _cli(instance, "search", "rebuild", env=env)
                    _out, err = proc.communicate()
                    if proc.returncode == 0:
                        rebuilds["done"] += 1
                    else:
                        rebuilds["failed"] += 1
                        background.append(f"rebuild failed: {err.strip()[-200:]}")

            rebuilder = threading.Thread(target=rebuild_loop, daemon=True)
            rebuilder.start()
            threads = [
                threading.Thread(target=client, args=(i, app.base, token, names, until, tally))
                for i in range(args.clients)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.monotonic() - started
            rss_end = app.workers()
            rebuilder.join(300)
            try:
                _out, err = harvest.communicate(timeout=600)
            except subprocess.TimeoutExpired:
                harvest.kill()
                _out, err = harvest.communicate()
            harvest_ok = harvest.returncode == 0
            if not harvest_ok:
                background.append(f"harvest failed: {err.strip()[-200:]}")
            health = requests.get(app.base + "/healthz", timeout=30).json()
        finally:
            app.stop()
            source.stop()
        stored = stored_titles(instance, args.database_url)
        harvested = harvest_summary(instance, args.database_url)

    acknowledged = Counter(tally.created)
    duplicates = sum(n - 1 for n in stored.values() if n > 1)
    lost = sum(1 for t in acknowledged if t not in stored)
    n = len(tally.latencies)
    failed_beside = (0 if harvest_ok else 1) + rebuilds["failed"]
    rows = [
        Row("requests", n, "", fmt="{:,.0f}"),
        Row("throughput", n / elapsed, "req/s", fmt="{:,.1f}"),
        Row("latency p50", pct(tally.latencies, 50), "ms"),
        Row("latency p95", pct(tally.latencies, 95), "ms"),
        Row("latency p99", pct(tally.latencies, 99), "ms"),
        Row("errors (must be 0)", len(tally.errors), "", 1, fmt="{:,.0f}"),
        Row("duplicates (must be 0)", duplicates, "", 1, fmt="{:,.0f}"),
        Row("acknowledged creates lost", lost, "", 1, fmt="{:,.0f}"),
        Row("failed harvest or rebuild beside", failed_beside, "", 1, fmt="{:,.0f}"),
        Row("creates acknowledged", len(acknowledged), "", fmt="{:,.0f}"),
        Row("creates stored", sum(stored.values()), "", fmt="{:,.0f}"),
        Row("create retries (same key)", tally.retries, "", fmt="{:,.0f}"),
        Row("index rebuilds during the load", rebuilds["done"], "", fmt="{:,.0f}"),
    ]
    for i, (pid, mb) in enumerate(sorted(rss_start.items())):
        end = rss_end.get(pid)
        rows.append(Row(f"worker {i + 1} RSS at start", mb, "MB"))
        if end is None:
            rows.append(Row(f"worker {i + 1} RSS at end (restarted!)", float("nan"), "MB"))
        else:
            rows.append(Row(f"worker {i + 1} RSS at end", end, "MB"))
    mix = ", ".join(f"{op} {tally.by_op[op]}" for op in MIX)
    notes = [
        f"gunicorn web:create_app(), {args.workers} workers x 4 threads, "
        f"{args.clients} clients for {elapsed:.0f} s on 127.0.0.1, "
        f"{'SQLite' if not args.database_url else 'PostgreSQL'}, {args.size} seeded datasets",
        f"requests by operation: {mix}",
        f"beside the load: a harvest of {args.size} new records ({harvested}) "
        f"and {rebuilds['done']} full index "
        f"rebuilds ({rebuilds['failed']} failed), each in its own process",
        f"after the load /healthz said search state {health['search'].get('state')!r}, "
        f"missing {health['search'].get('missing')}, queued {health['search'].get('queued')}",
        f"{psutil.cpu_count()} CPUs (shared with whatever else runs on the machine)",
    ]
    notes += [f"error: {e}" for e in Counter(tally.errors).most_common(10)]
    notes += background
    return render(args.clients, rows, notes).replace("size", "clients", 1)


def harvest_summary(instance: Path, database_url: str | None) -> str:
    """The background harvest job's state and counts, as the catalog recorded them."""
    from sqlalchemy import select

    from catalog.context import open_catalog
    from catalog.models import HarvestJob, HarvestSource

    cat = open_catalog(instance_path=instance, database_url=database_url)
    try:
        with cat.read_session() as s:
            job = (
                s.execute(
                    select(HarvestJob)
                    .join(HarvestSource, HarvestSource.id == HarvestJob.source_id)
                    .where(HarvestSource.name == "live")
                    .order_by(HarvestJob.id.desc())
                )
                .scalars()
                .first()
            )
            if job is None:
                return "no job"
            return (
                f"{job.state}: {job.count_new} new, {job.count_updated} updated, "
                f"{job.count_errors} errors"
            )
    finally:
        cat.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench load", description=__doc__)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if args.seconds > 600 or args.clients > 64:
        parser.error("the load is bounded: at most 600 s and 64 clients")
    table = run(args)
    print(table, flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"load-{args.clients}.txt").write_text(table, encoding="utf-8")
    return 1 if "MISS" in table else 0


if __name__ == "__main__":
    sys.exit(main())
