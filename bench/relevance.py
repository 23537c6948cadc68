"""Relevance benchmark: the catalog's search against a plain BM25 on judged collections.

    python -m bench relevance [--kit-dir DIR] [--collections en-ntcir,zh-twlocal]
                              [--limit-queries N] [--run-out DIR] [--backend embedded]

The kit (default ``../shared/fixtures/relevance`` from the repository root, or
``$CATALOG_RELEVANCE_KIT``, or ``--kit-dir``) holds one folder per collection: corpus.jsonl,
queries*.tsv, qrels*.txt. Without it the benchmark says "skipped: kit not found" and exits 0.

Per collection:

1. a fresh instance in a temporary folder (SQLite + embedded index) is loaded through the
   path of ``catalog import``: every record is first validated with the catalog's own
   ``DatasetSchema`` / ``OrganizationSchema`` (what a person could have typed in), then
   written as a JSON Lines export file (name = identifier = corpus id, status published,
   publisher as an organization, region as a spatial code, tags as keywords) and read by
   ``catalog.services.records.import_jsonl``, which stores the records and indexes them;
2. the app (``web.create_app``) is served by ``werkzeug.serving.make_server`` on 127.0.0.1
   (a free port) in a thread, and every query of every query file goes to
   ``GET /api/v1/datasets?q=..&page_size=100``; hits map back to corpus ids by ``name``;
3. the baseline, in the same run: ``bm25s`` (k1=1.2, b=0.75, Lucene idf) over title +
   description (+ publisher + region for Chinese), lower-cased alphanumeric words for
   English (no stemming), ``rjieba.cut_for_search`` tokens for Chinese, OR of the query's
   terms, top 100 of the documents that match a term;
4. nDCG@10 (linear gain), P@10, MRR, zero-result share and unjudged@10
   (``bench.relevance_metrics``), every judged query counted.

One table per query file (rows catalog, bm25s, delta), and per query group where the kit
defines groups; printed and written to ``<out>/relevance.txt``. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import relevance_metrics as rm

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_KIT = ROOT.parent / "shared" / "fixtures" / "relevance"
DEFAULT_OUT = Path(__file__).resolve().parent / "out"
DEPTH = 100  # results kept per query (one API page of the largest size)
TITLE_LIMIT = 500  # the catalog's (DatasetSchema); harvests clip longer titles to it
MODIFIED = "2024-01-01T00:00:00"  # one fixed date: no record is newer than another


@dataclass(frozen=True)
class Collection:
    name: str
    lang: str  # "en" | "zh"
    query_files: tuple[tuple[str, str], ...]  # (queries, qrels) in the kit folder
    groups: tuple[tuple[str, int, int], ...] = ()  # (label, first, last qid number)


COLLECTIONS: dict[str, Collection] = {
    "en-ntcir": Collection(
        "en-ntcir",
        "en",
        (("queries.tsv", "qrels.txt"), ("queries-dsebench.tsv", "qrels-dsebench.txt")),
    ),
    "zh-twlocal": Collection(
        "zh-twlocal",
        "zh",
        (("queries.tsv", "qrels.txt"), ("queries-zhs.tsv", "qrels.txt")),
        (("short", 1, 12), ("two-word", 13, 24), ("long", 25, 32), ("mixed", 33, 40)),
    ),
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def read_corpus(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# -- loading the catalog ----------------------------------------------------------------------
def _digest(text: str, n: int = 32) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()[:n]


def region_vocab(corpus: list[dict]) -> dict[str, list[str]]:
    """A region list for the instance (``region_file``): one code per region of the corpus."""
    names = sorted({r["region"] for r in corpus if r.get("region")})
    return {f"r{i + 1:03d}": [n, n] for i, n in enumerate(names)}


@dataclass
class Prepared:
    path: Path
    datasets: int
    organizations: int
    rejected: list[str] = field(default_factory=list)  # "corpus id: reason"
    shortened: int = 0  # titles clipped to the catalog's limit, as a harvest clips them


def write_import_file(
    corpus: list[dict],
    lang: str,
    regions: dict[str, list[str]],
    path: Path,
    progress: Callable[[int], None] | None = None,
) -> Prepared:
    """Validate every record as user input, then write it in ``catalog import``'s format."""
    from marshmallow import ValidationError

    from catalog.models import Dataset
    from catalog.quality import score_dataset
    from harvesters.normalize import clip
    from schemas.dataset import DatasetSchema
    from schemas.organization import OrganizationSchema

    ds_schema, org_schema = DatasetSchema(), OrganizationSchema()
    code_of = {names[0]: code for code, names in regions.items()}
    orgs: dict[str, dict] = {}  # publisher -> organization record data
    out = Prepared(path, 0, 0)
    with open(path, "w", encoding="utf-8") as fh:
        for rec in corpus:
            cid = str(rec["id"])
            publisher = (rec.get("publisher") or "").strip()
            if publisher and publisher not in orgs:
                org_in = {"name": f"pub-{_digest(publisher, 12)}", "title": publisher[:300]}
                try:
                    org = org_schema.load(org_in)
                except ValidationError as exc:
                    out.rejected.append(f"organization {publisher}: {exc.messages}")
                    orgs[publisher] = {}
                else:
                    org["id"] = _digest("org:" + publisher)
                    orgs[publisher] = org
                    fh.write(json.dumps({"type": "organization", "data": org}, ensure_ascii=False))
                    fh.write("\n")
                    out.organizations += 1
            org = orgs.get(publisher) or {}
            data: dict[str, Any] = {
                "name": cid,
                "identifier": cid,
                "kind": "open_data",
                "title": clip(rec.get("title") or cid, TITLE_LIMIT),
                "description": rec.get("description") or "",
                "keywords": [t for t in rec.get("tags") or [] if t],
                "spatial": [code_of[rec["region"]]] if rec.get("region") else [],
                "languages": [lang],
                "access_rights": "unconditional",
                "modified": MODIFIED,
            }
            if org:
                data["organization"] = org["name"]
            out.shortened += data["title"] != (rec.get("title") or cid)
            try:
                values = ds_schema.load(data)
            except ValidationError as exc:
                out.rejected.append(f"{cid}: {exc.messages}")
                continue
            values.pop("organization", None)
            values.pop("distributions", None)
            row = {
                **values,
                "id": _digest(cid),
                "status": "published",
                "organization_id": org.get("id"),
            }
            # the quality score a dataset created through the service gets
            row["quality_score"] = score_dataset(Dataset(**row)).total
            row["modified"] = values["modified"].isoformat()
            fh.write(json.dumps({"type": "dataset", "data": row}, ensure_ascii=False) + "\n")
            out.datasets += 1
            if progress:
                progress(1)
    return out


@dataclass
class Loaded:
    records: int
    organizations: int
    rejected: list[str]
    shortened: int
    prepare_s: float
    import_s: float  # store + commit + index
    store_s: float  # until the last record was stored (before the commit)
    indexed: int

    @property
    def total_s(self) -> float:
        return self.prepare_s + self.import_s


def load_catalog(cat: Any, corpus: list[dict], lang: str, regions: dict, work: Path) -> Loaded:
    from tqdm import tqdm

    from catalog.services.records import import_jsonl

    t0 = time.perf_counter()
    with tqdm(
        total=len(corpus), desc="validate + write", unit="rec", file=sys.stderr, mininterval=1.0
    ) as bar:
        prepared = write_import_file(corpus, lang, regions, work / "import.jsonl", bar.update)
    prepare_s = time.perf_counter() - t0
    for line in prepared.rejected[:5]:
        log(f"  rejected {line}")
    total = prepared.datasets + prepared.organizations
    done = [0, 0.0]  # records stored, when the last one was
    t0 = time.perf_counter()
    with (
        open(prepared.path, encoding="utf-8") as lines,
        tqdm(
            total=total, desc="import (store)", unit="rec", file=sys.stderr, mininterval=1.0
        ) as bar,
    ):

        def progress(n: int) -> None:
            bar.update(n)
            done[0] += n
            done[1] = time.perf_counter()
            if done[0] == total:
                bar.close()
                log("  stored; committing and indexing (no progress shown)")

        # import_jsonl stores every record, commits, then applies the queued index entries
        counts = import_jsonl(cat, lines, progress=progress)
    import_s = time.perf_counter() - t0
    store_s = (done[1] or time.perf_counter()) - t0
    return Loaded(
        counts["dataset"],
        counts["organization"],
        prepared.rejected,
        prepared.shortened,
        prepare_s,
        import_s,
        store_s,
        cat.search.count(),
    )


# -- the systems --------------------------------------------------------------------------------
@dataclass
class SystemRun:
    """One system's results for one query file: qid -> [(corpus id, score)] in rank order."""

    hits: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)  # per query
    failures: int = 0
    unmapped: int = 0

    def ranked(self) -> dict[str, list[str]]:
        return {q: [d for d, _ in h] for q, h in self.hits.items()}


class Server:
    """The app on 127.0.0.1 (a free port), served in a thread by werkzeug."""

    def __init__(self, app: Any):
        from werkzeug.serving import WSGIRequestHandler, make_server

        class Quiet(WSGIRequestHandler):
            def log_request(self, *args: object, **kwargs: object) -> None:
                pass  # hundreds of queries: the access log would bury the progress lines

        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(5)


def run_catalog(base: str, queries: list[tuple[str, str]], ids: set[str]) -> SystemRun:
    import requests

    out = SystemRun()
    with requests.Session() as http:
        for qid, text in queries:
            t0 = time.perf_counter()
            try:
                resp = http.get(
                    f"{base}/api/v1/datasets",
                    params={"q": text, "page_size": DEPTH},
                    headers={"Accept": "application/json"},
                    timeout=60,
                )
                resp.raise_for_status()
                results = resp.json().get("results") or []
            except (requests.RequestException, ValueError) as exc:
                out.failures += 1
                log(f"  warning: {qid}: request failed: {exc}")
                out.hits[qid] = []
                continue
            out.seconds.append(time.perf_counter() - t0)
            ranked: list[str] = []
            for r in results:
                name = str(r.get("name") or r.get("id") or "?")
                if name not in ids:
                    out.unmapped += 1
                    name = "UNMAPPED:" + name.replace(" ", "_")
                if name not in ranked:
                    ranked.append(name)
            # strictly decreasing scores, so a written run keeps the API's order
            out.hits[qid] = [(d, 1000.0 - i) for i, d in enumerate(ranked[:DEPTH], 1)]
    return out


_EN_WORD = re.compile(r"[a-z0-9]+")
_HAS_WORD = re.compile(r"\w")


def tokens_en(text: str) -> list[str]:
    """Lower-cased runs of letters and digits; no stemming, no stopwords."""
    return _EN_WORD.findall(text.lower())


def tokens_zh(text: str) -> list[str]:
    """``rjieba.cut_for_search`` tokens, lower-cased, without spaces and punctuation."""
    import rjieba

    out = []
    for tok in rjieba.cut_for_search(text):
        tok = tok.strip().lower()
        if tok and _HAS_WORD.search(tok):
            out.append(tok)
    return out


def bm25_text(rec: dict, lang: str) -> str:
    parts = [rec.get("title") or "", rec.get("description") or ""]
    if lang == "zh":
        parts += [rec.get("publisher") or "", rec.get("region") or ""]
    return " ".join(p for p in parts if p)


class Bm25Baseline:
    """bm25s over the corpus; a query is the OR of its terms, documents matching none left out."""

    def __init__(self, corpus: list[dict], lang: str):
        import bm25s

        self.tokenize = tokens_zh if lang == "zh" else tokens_en
        self.ids = [str(r["id"]) for r in corpus]
        t0 = time.perf_counter()
        docs = [self.tokenize(bm25_text(r, lang)) for r in corpus]
        self.tokenize_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        self.engine = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
        self.engine.index(docs, show_progress=False)
        self.index_s = time.perf_counter() - t0
        self.vocab = set(self.engine.vocab_dict)

    def search(self, text: str, k: int = DEPTH) -> list[tuple[str, float]]:
        terms = [t for t in self.tokenize(text) if t in self.vocab]
        if not terms:
            return []
        scores = self.engine.get_scores(terms)
        hits = [(self.ids[i], round(float(scores[i]), 4)) for i in scores.nonzero()[0]]
        # trec_eval's order (score, then docno, descending) on the scores as written
        hits.sort(key=lambda x: (x[1], x[0]), reverse=True)
        return [h for h in hits if h[1] > 0][:k]

    def run(self, queries: list[tuple[str, str]]) -> SystemRun:
        out = SystemRun()
        for qid, text in queries:
            t0 = time.perf_counter()
            out.hits[qid] = self.search(text)
            out.seconds.append(time.perf_counter() - t0)
        return out


# -- tables -----------------------------------------------------------------------------------
COLUMNS = (
    ("nDCG@10", "ndcg_cut_10", "{:.4f}"),
    ("P@10", "P_10", "{:.4f}"),
    ("MRR", "recip_rank", "{:.4f}"),
    ("zero%", "zero", "{:.1f}"),
    ("unjudged@10", "unjudged_10", "{:.2f}"),
)


def _cell(key: str, fmt: str, value: float, signed: bool = False) -> str:
    if key == "zero":
        value *= 100
    text = fmt.format(value)
    if signed and not text.startswith("-"):
        text = "+" + text
    return text


def table(head: list[str], body: list[list[str]]) -> str:
    widths = [max(len(c) for c in col) for col in zip(head, *body, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(head), line(["-" * w for w in widths]), *map(line, body)])


def figures_table(cat_mean: dict, base_mean: dict) -> str:
    head = ["system", *(c[0] for c in COLUMNS)]
    body = []
    for label, m in (("catalog", cat_mean), ("bm25s", base_mean)):
        body.append([label, *(_cell(k, f, m[k]) for _, k, f in COLUMNS)])
    body.append(["delta", *(_cell(k, f, cat_mean[k] - base_mean[k], True) for _, k, f in COLUMNS)])
    return table(head, body)


def groups_table(groups: list[tuple[str, int, dict, dict]]) -> str:
    head = ["group", "n"]
    for label, _key, _fmt in COLUMNS[:4]:
        head += [f"{label} catalog", "bm25s", "delta"]
    body = []
    for label, n, cm, bm in groups:
        row = [label, str(n)]
        for _, key, fmt in COLUMNS[:4]:
            row += [
                _cell(key, fmt, cm[key]),
                _cell(key, fmt, bm[key]),
                _cell(key, fmt, cm[key] - bm[key], True),
            ]
        body.append(row)
    return table(head, body)


def _ms(seconds: list[float], p: float) -> float:
    if not seconds:
        return float("nan")
    xs = sorted(seconds)
    return xs[min(len(xs) - 1, int(p * len(xs)))] * 1000


# -- one collection -----------------------------------------------------------------------------
def run_collection(
    coll: Collection, kit: Path, args: argparse.Namespace, tmp: str | None
) -> list[str]:
    from web import create_app

    folder = kit / coll.name
    log(f"== {coll.name} ({folder})")
    corpus = read_corpus(folder / "corpus.jsonl")
    ids = {str(r["id"]) for r in corpus}
    log(f"  corpus: {len(corpus):,} records")
    sections: list[str] = []
    with tempfile.TemporaryDirectory(prefix=f"bench-relevance-{coll.name}-", dir=tmp) as d:
        work = Path(d)
        instance = work / "instance"
        instance.mkdir()
        regions = region_vocab(corpus)
        region_file = None
        if regions:
            region_file = instance / "regions.json"
            region_file.write_text(json.dumps(regions, ensure_ascii=False), encoding="utf-8")
        app = create_app(
            {
                "instance_path": instance,
                "database_url": f"sqlite:///{instance / 'catalog.db'}",
                "search_url": "embedded://",
                "region_file": str(region_file) if region_file else None,
            }
        )
        cat = app.extensions["catalog"]
        server = None
        try:
            cat.migrate()
            cat.create_index_if_missing()
            loaded = load_catalog(cat, corpus, coll.lang, regions, work)
            log(
                f"  loaded {loaded.records:,} datasets and {loaded.organizations:,} "
                f"organizations in {loaded.total_s:,.1f} s (validate + write "
                f"{loaded.prepare_s:,.1f} s, import {loaded.import_s:,.1f} s = store "
                f"{loaded.store_s:,.1f} s + commit and index "
                f"{loaded.import_s - loaded.store_s:,.1f} s); "
                f"{loaded.indexed:,} in the index; {len(loaded.rejected)} rejected, "
                f"{loaded.shortened} titles clipped to {TITLE_LIMIT} characters"
            )
            log("  bm25s: tokenizing and indexing")
            baseline = Bm25Baseline(corpus, coll.lang)
            log(
                f"  bm25s: tokenized in {baseline.tokenize_s:,.1f} s, "
                f"indexed in {baseline.index_s:,.1f} s"
            )
            server = Server(app)
            log(f"  serving on {server.base}")
            sections.append(
                f"## {coll.name}: {len(corpus):,} records; catalog load "
                f"{loaded.total_s:,.1f} s ({loaded.records / max(loaded.total_s, 1e-9):,.0f} "
                f"rec/s: validate + write {loaded.prepare_s:,.1f} s, import_jsonl "
                f"{loaded.import_s:,.1f} s = store {loaded.store_s:,.1f} s + commit and index "
                f"{loaded.import_s - loaded.store_s:,.1f} s), {loaded.indexed:,} indexed, "
                f"{len(loaded.rejected)} rejected, {loaded.shortened} titles clipped to "
                f"{TITLE_LIMIT} characters; bm25s index "
                f"{baseline.tokenize_s + baseline.index_s:,.1f} s"
            )
            for qfile, qrels_file in coll.query_files:
                sections.append(
                    one_query_file(coll, folder, qfile, qrels_file, server, baseline, ids, args)
                )
        finally:
            if server is not None:
                server.stop()
            cat.dispose()
    return sections


def one_query_file(
    coll: Collection,
    folder: Path,
    qfile: str,
    qrels_file: str,
    server: Server,
    baseline: Bm25Baseline,
    ids: set[str],
    args: argparse.Namespace,
) -> str:
    queries = rm.read_queries(folder / qfile)
    qrels = rm.read_qrels(folder / qrels_file)
    if args.limit_queries:
        queries = queries[: args.limit_queries]
        asked = {q for q, _ in queries}
        qrels = {q: j for q, j in qrels.items() if q in asked}
    log(f"  {qfile}: {len(queries)} queries through the API and bm25s")
    cat_run = run_catalog(server.base, queries, ids)
    base_run = baseline.run(queries)
    cat_per = rm.evaluate(qrels, cat_run.ranked())
    base_per = rm.evaluate(qrels, base_run.ranked())
    cat_mean, base_mean = rm.mean(cat_per), rm.mean(base_per)
    stem = Path(qfile).stem
    if args.run_out:
        out = Path(args.run_out)
        out.mkdir(parents=True, exist_ok=True)
        for tag, run in (("catalog", cat_run), ("bm25s", base_run)):
            path = out / f"{coll.name}.{stem}.{tag}.run"
            rm.write_run(path, run.hits, tag)
            log(f"  wrote {path}")
    lines = [
        f"### {coll.name} / {qfile} + {qrels_file}: {len(queries)} queries, scored over "
        f"{cat_mean['num_q']} judged",
        "",
        figures_table(cat_mean, base_mean),
        "",
        f"catalog: median request {_ms(cat_run.seconds, 0.5):.0f} ms, p95 "
        f"{_ms(cat_run.seconds, 0.95):.0f} ms; {cat_run.failures} failed requests, "
        f"{cat_run.unmapped} unmapped results. bm25s: median query "
        f"{_ms(base_run.seconds, 0.5):.1f} ms.",
    ]
    if coll.groups:
        rows = []
        for label, lo, hi in coll.groups:
            qids = [q for q in cat_per if (n := rm.qid_number(q)) is not None and lo <= n <= hi]
            if qids:
                cm, bm = rm.mean(cat_per, qids), rm.mean(base_per, qids)
                rows.append((f"{label} ({lo:02d}-{hi:02d})", len(qids), cm, bm))
        if rows:
            lines += ["", groups_table(rows)]
    text = "\n".join(lines) + "\n"
    print(text, flush=True)
    return text


# -- entry point ----------------------------------------------------------------------------------
def kit_dir(arg: str | None) -> Path:
    return Path(arg or os.environ.get("CATALOG_RELEVANCE_KIT") or DEFAULT_KIT)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench relevance", description=(__doc__ or "").split("\n")[0]
    )
    ap.add_argument(
        "--kit-dir",
        default=None,
        help=f"the relevance kit (default $CATALOG_RELEVANCE_KIT or {DEFAULT_KIT})",
    )
    ap.add_argument(
        "--collections",
        default=",".join(COLLECTIONS),
        help=f"comma-separated, of: {', '.join(COLLECTIONS)} (default: all)",
    )
    ap.add_argument("--limit-queries", type=int, default=0, help="first N queries of each file")
    ap.add_argument("--run-out", default=None, help="folder for TREC runs of both systems")
    ap.add_argument("--backend", default="embedded", choices=["embedded"])
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="folder for relevance.txt")
    ap.add_argument("--tmp", default=None, help="where to build the instances (default $TMPDIR)")
    args = ap.parse_args(argv)

    names = [c.strip() for c in args.collections.split(",") if c.strip()]
    unknown = [n for n in names if n not in COLLECTIONS]
    if unknown:
        ap.error(f"unknown collection(s) {', '.join(unknown)}; one of {', '.join(COLLECTIONS)}")
    kit = kit_dir(args.kit_dir)
    present = [n for n in names if (kit / n / "corpus.jsonl").is_file()]
    if not present:
        print(
            f"relevance: skipped: kit not found at {kit} (set --kit-dir or "
            "CATALOG_RELEVANCE_KIT to the folder holding en-ntcir/ and zh-twlocal/)"
        )
        return 0
    for n in names:
        if n not in present:
            print(f"relevance: {n}: skipped: kit not found at {kit / n}")
    try:
        import bm25s  # noqa: F401
    except ImportError:
        print("relevance: the baseline needs bm25s: `make install-bench`", file=sys.stderr)
        return 2

    sections = [
        f"# Relevance benchmark ({args.backend} backend), kit {kit}"
        + (f", first {args.limit_queries} queries per file" if args.limit_queries else "")
    ]
    started = time.perf_counter()
    for n in present:
        sections += run_collection(COLLECTIONS[n], kit, args, args.tmp)
    sections.append(
        "nDCG@10: linear gain, ideal from every judged grade (trec_eval ndcg_cut.10); "
        "P@10 and MRR: grade >= 1 relevant; zero%: queries with no result; unjudged@10: "
        "top-10 results without a judgment (scored 0). Every judged query counts. "
        "delta = catalog - bm25s. "
        f"Total {time.perf_counter() - started:,.0f} s."
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "relevance.txt").write_text("\n\n".join(sections) + "\n", encoding="utf-8")
    print(sections[-1])
    log(f"wrote {out / 'relevance.txt'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
