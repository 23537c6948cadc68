"""Export and page benchmark: DCAT catalog pages and HTML pages, with SQL statements per page.

    python -m bench exports [--size 2000] [--out bench/out]

A fresh SQLite catalog harvests a seeded synthetic data.json of ``--size`` records (the
harvest benchmark's source, every record published). Then, through the app in this process
(the WSGI app called directly, so the figures are the app's own time without a socket):

* every ``/catalog.{ttl,jsonld,rdf}?page=N`` page read once with the export cache emptied
  (rendered: the baseline) and once more (served from the cache), per format;
* for the first pages, where a rendered page's CPU goes: building the rdflib graph, writing
  it with the direct writers (``schemas/formats/turtle.py``, ``jsonld.py``, ``rdfxml.py``)
  and, the baseline, with rdflib's own serializers;
* the HTML pages people open most (home, search with and without words, a dataset, the
  organization list, the open list), each read 30 times, with the number of SQL statements
  one read issues, so a page whose queries grow with its rows shows here.

Targets (issue 17): a 100-dataset catalog page p95 < 100 ms; an HTML page p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import event

from bench.harvest import MB, FileServer, harvest_once, write_datajson
from bench.search import Row, pct, render

DEFAULT_OUT = Path(__file__).resolve().parent / "out"
EXPORT_TARGET_MS = 100.0
PAGE_TARGET_MS = 50.0
PAGE_READS = 30


def _build(root: Path, size: int, seed: int):
    from catalog.context import open_catalog
    from catalog.services import harvest as svc
    from catalog.services.authz import SYSTEM

    www = root / "www"
    www.mkdir()
    nbytes = write_datajson(www / "data.json", size, seed)
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
            name="bench",
            kind="datajson",
            url=url,
            trusted=True,
            config={"max_bytes": max(nbytes * 2, 200 * MB)},
        )
        harvest_once(cat, src.id, size, "harvest")
    finally:
        cat.dispose()
        server.stop()
    return instance


class StatementCounter:
    """Counts the SQL statements the engine runs while it is on."""

    def __init__(self, engine) -> None:
        self.n = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args: object) -> None:
        self.n += 1


def _timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


SERIALIZER_PAGES = 5


def _cpu(fn: Callable[[], object]) -> float:
    t0 = time.process_time()
    fn()
    return (time.process_time() - t0) * 1000


def writer_rows(app, pages: int) -> list[Row]:
    """CPU per page of building the graph, of the direct writer and of rdflib's serializer
    (the baseline) on the same graphs, per syntax."""
    from flask import g

    from catalog.services import published, registrations
    from catalog.services.authz import ANONYMOUS
    from schemas.formats.dcat import FORMATS, catalog_graph, serialize
    from web.links import catalog_info, site_links

    cat = app.extensions["catalog"]
    rows: list[Row] = []
    n = min(pages, SERIALIZER_PAGES)
    with app.test_request_context("/"):
        g.catalog = cat
        total = published.count_published(cat)
        links, info = site_links(), catalog_info(published.last_change(cat))
        for ext in ("ttl", "jsonld", "rdf"):
            built = direct = baseline = 0.0
            for page in range(1, n + 1):
                t0 = time.process_time()
                rows_ = published.page_published(cat, page, 100)
                records = registrations.attach(
                    cat, [published.dataset_record(ANONYMOUS, ds) for ds in rows_]
                )
                graph = catalog_graph(
                    records, links, info, page=page, per_page=100, total=total, ext=ext
                )
                built += (time.process_time() - t0) * 1000
                direct += _cpu(lambda graph=graph, ext=ext: serialize(graph, ext))
                fmt = FORMATS[ext][0]
                if fmt == "json-ld":
                    context = {p: str(ns) for p, ns in graph.namespaces() if p}
                    baseline += _cpu(
                        lambda graph=graph, context=context: graph.serialize(
                            format="json-ld", context=context, auto_compact=True
                        )
                    )
                else:
                    baseline += _cpu(lambda graph=graph, fmt=fmt: graph.serialize(format=fmt))
            rows.append(Row(f"/catalog.{ext}: graph building, CPU per page", built / n, "ms"))
            rows.append(
                Row(
                    f"/catalog.{ext}: rdflib serializer, CPU per page (baseline)",
                    baseline / n,
                    "ms",
                )
            )
            rows.append(Row(f"/catalog.{ext}: direct writer, CPU per page", direct / n, "ms"))
    return rows


def measure(size: int, seed: int, tmp: str | None) -> tuple[list[Row], list[str]]:
    from web import create_app

    with tempfile.TemporaryDirectory(prefix=f"bench-exports-{size}-", dir=tmp) as d:
        instance = _build(Path(d), size, seed)
        app = create_app({"instance_path": instance})
        cat = app.extensions["catalog"]
        client = app.test_client()
        counter = StatementCounter(cat.engine)
        cache = instance / "cache" / "exports"
        pages = -(-size // 100)
        rows: list[Row] = []
        notes = [f"{size:,} published datasets, {pages} catalog pages of 100 per format"]

        def get(path: str) -> None:
            resp = client.get(path)
            if resp.status_code != 200:
                raise RuntimeError(f"{path}: {resp.status_code}")

        for ext in ("ttl", "jsonld", "rdf"):
            shutil.rmtree(cache, ignore_errors=True)
            paths = [f"/catalog.{ext}?page={p}" for p in range(1, pages + 1)]
            cpu0 = time.process_time()
            cold = [_timed(lambda p=p: get(p)) for p in paths]
            cpu1 = time.process_time()
            warm = [_timed(lambda p=p: get(p)) for p in paths]
            cpu2 = time.process_time()
            rows.append(Row(f"/catalog.{ext} page, rendered (baseline) p95", pct(cold, 95), "ms"))
            # CPU time depends little on what else runs on the machine; wall time does
            rows.append(
                Row(
                    f"/catalog.{ext} page, rendered, CPU per page",
                    (cpu1 - cpu0) * 1000 / len(paths),
                    "ms",
                )
            )
            rows.append(
                Row(
                    f"/catalog.{ext} page, kept, CPU per page",
                    (cpu2 - cpu1) * 1000 / len(paths),
                    "ms",
                )
            )
            rows.append(
                Row(
                    f"/catalog.{ext} page, kept p95",
                    pct(warm, 95),
                    "ms",
                    EXPORT_TARGET_MS,
                    higher_is_better=False,
                )
            )
        rows += writer_rows(app, pages)
        with cat.session() as s:
            from sqlalchemy import select

            from catalog.models import Dataset

            name = s.scalars(select(Dataset.name).order_by(Dataset.name).limit(1)).one()
        html = {
            "home": "/",
            "search, no words": "/search",
            "search 交通": "/search?q=交通",
            "search traffic data": "/search?q=traffic+data",
            "dataset page": f"/dataset/{name}",
            "organizations": "/organizations",
            "open list": "/openlist",
        }
        for label, path in html.items():
            resp = client.get(path)
            if resp.status_code not in (200, 404):
                raise RuntimeError(f"{path}: {resp.status_code}")
            if resp.status_code == 404:
                notes.append(f"{path} answers 404 here: skipped")
                continue
            times = [_timed(lambda p=path: client.get(p)) for _ in range(PAGE_READS)]
            before = counter.n
            client.get(path)
            statements = counter.n - before
            rows.append(
                Row(
                    f"{label} p95 ({statements} SQL)",
                    pct(times, 95),
                    "ms",
                    PAGE_TARGET_MS,
                    higher_is_better=False,
                )
            )
        cat.dispose()
    load = os.getloadavg()
    notes.append(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    notes.append("app time through the WSGI app in one process (no socket, one client)")
    notes.append(
        "HTML pages with the page cache on (the default): after the first read they are kept "
        "pages; python -m bench pages shows them rendered and kept, and under 16 clients"
    )
    return rows, notes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench exports", description=__doc__)
    ap.add_argument("--size", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--tmp", default=None, help="folder for the temporary catalog")
    args = ap.parse_args(argv)
    rows, notes = measure(args.size, args.seed, args.tmp)
    table = render(args.size, rows, notes)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"exports-{args.size}.txt").write_text(table, encoding="utf-8")
    return 0  # a missed target is in the table; a run that fails raises


if __name__ == "__main__":
    sys.exit(main())
