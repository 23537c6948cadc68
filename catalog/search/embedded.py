"""The embedded search backend: a tantivy index in a folder of the instance.

One process writes at a time (tantivy's lock file); a writer is opened per batch and
closed again, so the web server and the CLI can take turns. A rebuild fills a new folder
and swaps it in, so searches keep answering from the old index until the new one is ready.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import tantivy

from catalog.search import analysed, answer_cache, facet_table, integrity, spelling
from catalog.search import pinyin as py
from catalog.search import query_plan as qp
from catalog.search import text as ta
from catalog.search.base import (
    KEYWORD_FACETS,
    MAX_OFFSET,
    MAX_PAGE_SIZE,
    UPDATED_WITHIN_DAYS,
    Hit,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
    bounded_total,
    collapse,
    collapse_window,
    updated_since,
)
from catalog.search.count_cache import CountCache, Counts
from catalog.search.documents import payload, related_texts, same_key
from catalog.search.facet_table import FacetTable
from catalog.search.hits import snippets_of
from catalog.search.ranking import BIGRAM_FIELDS as _BIGRAM_FIELDS
from catalog.search.ranking import (
    OPTIONAL_WEIGHT,
    PROXIMITY_FIELDS,
    PROXIMITY_SLOP,
    RELATED_FACETS,
    RELATED_MAX_TERMS,
    RELATED_TEXT_WEIGHT,
    STRICT_BONUS,
)
from catalog.search.ranking import TEXT_FIELDS as _TEXT_FIELDS

# Bump when the schema or the analysis (segmentation, folding, fields) changes: an index
# written by another version is reported as needing `catalog search rebuild` instead of
# answering with tokens that no longer meet the query's.
ANALYSIS_VERSION = 8  # 7: registration facet (issue 18); 8: AI facets (issue 16)
_VERSION_FILE = "catalog-analysis.json"

_SORT_FIELDS = {"modified": "modified", "issued": "issued", "quality": "quality"}
_MAX_SUGGEST_SCAN = 50


_POOL: ThreadPoolExecutor | None = None
# facet tables kept per generation (one per set of facets asked for, and per minute when the
# recency facet is among them)
_MAX_TABLES = 8
# the count of a search rides in its facet aggregation: every document has a ``modified``
_COUNT_AGG = "catalog:count"
log = logging.getLogger(__name__)
T = TypeVar("T")


def _words(terms: list[str]) -> list[str | tuple[int, str]]:
    """Terms as ``phrase_query`` is typed to take them (plain words, or (offset, word))."""
    return list(terms)


def _facet_pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="facets")
    return _POOL


def _payload_bytes(searcher: tantivy.Searcher, addr: tantivy.DocAddress) -> bytes:
    """The stored payload of a hit (documents.payload) as the index holds it (JSON)."""
    return bytes(searcher.doc(addr)["payload"][0])


def _payload(searcher: tantivy.Searcher, addr: tantivy.DocAddress) -> dict:
    """The stored payload of a hit (documents.payload): what a result shows."""
    return json.loads(_payload_bytes(searcher, addr).decode("utf-8"))


class _Page(NamedTuple):
    """Top hits of one run and the query's total (counted now or kept from before)."""

    hits: list
    total: int


def _aggregations(query: SearchQuery, now: int | None = None) -> dict:
    """A terms aggregation per keyword facet; recency as ranges of the ``modified`` date."""
    now = _recency_now() if now is None else now
    return {f: _aggregation(f, query.facet_size, now) for f in query.facets}


def _aggregation(facet: str, size: int, now: int) -> dict:
    if facet == "updated":
        return {"range": {"field": "modified", "ranges": recency_ranges(now)}}
    return {"terms": {"field": facet, "size": size}}


def _recency_now() -> int:
    """ "Now" for the recency windows, to the minute: kept counts (``_counts``) of a query
    with an ``updated`` facet are keyed by it, so they are never more than a minute old."""
    return int(time.time()) // 60 * 60


def recency_ranges(now: float) -> list[dict]:
    """Disjoint date ranges, newest first, one per recency window (the engine counts each
    document once; the windows are cumulative, so the counts are summed back)."""
    bounds = [int(now) - d * 86_400 for d in UPDATED_WITHIN_DAYS.values()]
    ranges = [{"key": "7d", "from": float(bounds[0])}]
    keys = list(UPDATED_WITHIN_DAYS)
    for i in range(1, len(bounds)):
        ranges.append({"key": keys[i], "from": float(bounds[i]), "to": float(bounds[i - 1])})
    return ranges


def _recency_buckets(buckets: list[dict] | dict) -> list[tuple[str, int]]:
    """Counts of the disjoint ranges summed into the cumulative windows (7d within 30d ...),
    the empty ones left out as the terms facets leave out values nobody has."""
    if isinstance(buckets, dict):
        buckets = [{"key": k, **v} for k, v in buckets.items()]
    found = {b["key"]: int(b["doc_count"]) for b in buckets}
    out, running = [], 0
    for key in UPDATED_WITHIN_DAYS:
        running += found.get(key, 0)
        if running:
            out.append((key, running))
    return out


def _relaxed_tail(strict: list, tail: list, window: int) -> list:
    """The top hits of a relaxed search from the strict run's hits (every strict match,
    fewer than a page) and the top hits of its tail query (any one word, no strict bonus,
    no proximity; ``build_query(tail=True)``).

    The full relaxed query adds STRICT_BONUS to every strict match, which ranks them all
    first; the bonus aside, a strict match scores there what it scored in the strict run
    (the same clauses, the same index statistics), and the proximity clauses can only match
    a dataset holding every word, which is a strict match. So the strict hits in their order,
    each with the bonus, then the tail's other hits are the full query's ranking (tested),
    while the tail is a plain disjunction that tantivy can prune (block-max WAND) instead of
    a union with the strict query nested inside."""
    held = {(a.segment_ord, a.doc) for _s, a in strict}
    ranked = [(score + STRICT_BONUS, addr) for score, addr in strict]
    ranked += [(s, a) for s, a in tail if (a.segment_ord, a.doc) not in held]
    return ranked[:window]


class WriterBusy(RuntimeError):
    """Another process holds the index writer; the caller leaves its changes queued."""


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    for name in _TEXT_FIELDS:
        sb.add_text_field(name, tokenizer_name="zh")
    for name in _BIGRAM_FIELDS:
        sb.add_text_field(name, tokenizer_name="whitespace")
    sb.add_text_field("title_py", tokenizer_name="whitespace")
    # identical records share this number (documents.same_key); a fast field, so that
    # collapsing reads it for a window of hits without loading their stored documents
    sb.add_integer_field("same", fast=True, indexed=True)
    for name in KEYWORD_FACETS:
        sb.add_text_field(name, tokenizer_name="raw", fast=True)
    sb.add_text_field("sug", tokenizer_name="raw", index_option="basic")
    for name in _SORT_FIELDS.values():
        sb.add_integer_field(name, fast=True, indexed=True)
    sb.add_bytes_field("payload", stored=True)
    return sb.build()


def _analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.remove_long(60))
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def to_index_doc(doc: dict) -> tantivy.Document:
    """Map a catalog search document onto the fields of the tantivy schema. The analysed
    text (segmentation, bigrams, pinyin) may have been computed where the record was mapped
    (``catalog.search.analysed``): the same fields, from the same text."""
    fields: dict = {
        "id": doc["id"],
        **analysed.analysed_fields(doc),
        "org": analysed.org_text(
            doc.get("publisher_title") or "", doc.get("publisher_title_en") or ""
        ),
        "same": int(doc.get("same") or same_key(doc["id"], "", ""), 16),
        "modified": int(doc.get("modified") or 0),
        "issued": int(doc.get("issued") or 0),
        "quality": int(doc.get("quality") or 0),
        "payload": json.dumps(payload(doc), ensure_ascii=False).encode("utf-8"),
    }
    for name in KEYWORD_FACETS:
        value = doc.get(name)
        values = value if isinstance(value, list) else ([value] if value else [])
        if values:
            fields[name] = [str(v) for v in values]
    return tantivy.Document(**fields)


class EmbeddedBackend:
    name = "embedded"

    def __init__(self, path: Path | str, create: bool = False, synonyms_file: str | None = None):
        self.path = Path(path)
        self.synonyms_file = synonyms_file
        self._schema = _schema()
        self._analyzer = _analyzer()
        self._lock = threading.RLock()
        self._index: tantivy.Index | None = None
        self._inode: int | None = None
        self._error: str | None = None
        self._counts = CountCache()
        self._answers = answer_cache.AnswerCache()
        # facet tables (facet_table.py) of the current index generation, by the facets they
        # count, and those being counted in the background
        self._tables: dict[tuple, FacetTable] = {}
        self._tables_counting: set[tuple] = set()
        self._seen_generation: tuple[int, int] | None = None
        self._verified: integrity.Verified | None = None
        # how long a rebuild waits for a writer in another process to commit before its swap
        self.swap_wait = 120.0
        if create and not self._looks_like_index(self.path):
            self._create_empty(self.path)

    # -- opening --------------------------------------------------------------------------
    @staticmethod
    def _looks_like_index(path: Path) -> bool:
        return (path / "meta.json").exists()

    def _create_empty(self, path: Path) -> None:
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
        index = tantivy.Index(self._schema, path=str(path))
        self._register(index)
        writer = index.writer(heap_size=15_000_000, num_threads=1)
        writer.commit()
        writer.wait_merging_threads()
        (path / _VERSION_FILE).write_text(json.dumps({"analysis": ANALYSIS_VERSION}))

    @staticmethod
    def _analysis_version(path: Path) -> int | None:
        try:
            return int(json.loads((path / _VERSION_FILE).read_text())["analysis"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _register(self, index: tantivy.Index) -> None:
        index.register_tokenizer("zh", self._analyzer)

    def _open(self) -> tantivy.Index:
        """The current index, reopened when a rebuild in any process swapped the folder.

        Its files are checked before tantivy maps them, and again (by their stamps) on every
        call, so a damaged index is reported as unavailable instead of crashing the
        process (integrity.py says why)."""
        with self._lock:
            try:
                inode = os.stat(self.path).st_ino
            except FileNotFoundError:
                self._index = None
                raise SearchUnavailable(
                    f"search index missing at {self.path}; run `catalog search rebuild`"
                ) from None
            if self._index is not None and inode == self._inode:
                try:
                    self._verified = integrity.verify(self.path, self._verified)
                except (integrity.IndexDamaged, OSError) as exc:
                    raise self._unavailable(exc) from exc
                return self._index
            try:
                if not self._looks_like_index(self.path):
                    raise ValueError("no meta.json")
                if self._analysis_version(self.path) != ANALYSIS_VERSION:
                    raise ValueError(
                        "it was built by another version of the catalog's text analysis"
                    )
                verified = integrity.verify(self.path)
                index = tantivy.Index(self._schema, path=str(self.path), reuse=True)
                self._register(index)
                index.config_reader(reload_policy="commit", num_warmers=0)
            except (ValueError, OSError) as exc:
                raise self._unavailable(exc) from exc
            self._index, self._inode, self._error = index, inode, None
            self._verified = verified
            return self._index

    def _unavailable(self, exc: object) -> SearchUnavailable:
        """Forget the open index (its maps go with it) and say why it cannot answer."""
        self._index, self._verified = None, None
        self._error = str(exc)
        return SearchUnavailable(
            f"search index at {self.path} cannot be opened ({exc}); run `catalog search rebuild`"
        )

    def _reading(self, read: Callable[[], T]) -> T:
        """Run a read of the engine; a panic of the engine (a damaged file that passed the
        checks) is an unavailable index, not an exception that takes the worker down."""
        try:
            return read()
        except SearchUnavailable:
            raise
        except BaseException as exc:
            if type(exc).__name__ != "PanicException":
                raise
            with self._lock:
                raise self._unavailable(f"the search engine failed: {exc}") from None

    def _writer(self, index: tantivy.Index, heap: int = 50_000_000, threads: int = 1):
        try:
            return index.writer(heap_size=heap, num_threads=threads)
        except ValueError as exc:
            if "LockBusy" in str(exc) or "lock" in str(exc).lower():
                raise WriterBusy(str(exc)) from exc
            raise

    # -- writing --------------------------------------------------------------------------
    def _write(self, write: Callable[[tantivy.IndexWriter], int]) -> int:
        """Run ``write`` with a writer of the live index, commit, and reload.

        A rebuild in another process may swap the folder (and delete the old one) between
        our open and our write: tantivy then fails to find a segment file. That write is not
        lost (the outbox keeps its rows): the index is reopened on the next call and the
        caller hears :class:`SearchUnavailable`, which leaves the changes queued."""
        with self._lock:
            index = self._open()
            try:
                writer = self._writer(index)
                if self._swapped():
                    # the folder was swapped after our open: this writer would commit the old
                    # index's segment list into the new folder (a meta.json naming files that
                    # are not there). A rebuild holds the live writer across its swap, so once
                    # we hold it and the folder is still ours, no swap can come before commit.
                    writer.rollback()
                    self._index = None
                    raise SearchUnavailable(
                        f"search index at {self.path} was rebuilt meanwhile; "
                        "the changes stay queued"
                    )
                try:
                    n = write(writer)
                    writer.commit()
                except BaseException:
                    writer.rollback()
                    raise
                finally:
                    writer.wait_merging_threads()
                index.reload()
                return n
            except ValueError as exc:
                self._index = None
                raise SearchUnavailable(
                    f"search index at {self.path} changed while it was written ({exc}); "
                    "the changes stay queued"
                ) from exc

    def _swapped(self) -> bool:
        try:
            return os.stat(self.path).st_ino != self._inode
        except FileNotFoundError:
            return True

    def _hold_live_writer(self, wait: float):
        """The live index's writer, taken before a rebuild swaps the folder, so that no
        process is between opening a writer and committing while the folder changes (see
        :meth:`_write`). None when there is no readable live index to protect."""
        try:
            live = tantivy.Index(self._schema, path=str(self.path), reuse=True)
        except (ValueError, OSError):
            return None
        self._register(live)
        deadline = time.monotonic() + wait
        while True:
            try:
                return self._writer(live, heap=15_000_000)
            except WriterBusy:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def index(self, docs: Iterable[dict]) -> int:
        def write(writer: tantivy.IndexWriter) -> int:
            n = 0
            for doc in docs:
                writer.delete_documents_by_term("id", doc["id"])
                writer.add_document(to_index_doc(doc))
                n += 1
            return n

        return self._write(write)

    def delete(self, ids: Iterable[str]) -> int:
        def write(writer: tantivy.IndexWriter) -> int:
            n = 0
            for id_ in ids:
                writer.delete_documents_by_term("id", id_)
                n += 1
            return n

        return self._write(write)

    def apply(self, upserts: Iterable[dict], deletes: Iterable[str]) -> None:
        """Upserts and deletes in one commit, as the outbox drains them."""

        def write(writer: tantivy.IndexWriter) -> int:
            for id_ in deletes:
                writer.delete_documents_by_term("id", id_)
            for doc in upserts:
                writer.delete_documents_by_term("id", doc["id"])
                writer.add_document(to_index_doc(doc))
            return 0

        self._write(write)

    def rebuild(self, docs: Iterable[dict], progress: Callable[[int], None] | None = None) -> int:
        """Fill a fresh folder, then swap it in place of the live one."""
        staging = self.path.with_name(f"{self.path.name}.rebuild-{os.getpid()}-{int(time.time())}")
        self._create_empty(staging)
        index = tantivy.Index(self._schema, path=str(staging), reuse=True)
        self._register(index)
        writer = index.writer(heap_size=400_000_000, num_threads=2)
        n = 0
        try:
            for doc in docs:
                writer.add_document(to_index_doc(doc))
                n += 1
                if progress and n % 1000 == 0:
                    progress(1000)
            writer.commit()
        except BaseException:
            writer.rollback()
            shutil.rmtree(staging, ignore_errors=True)
            raise
        finally:
            writer.wait_merging_threads()
        if progress:
            progress(n % 1000)
        del writer, index
        with self._lock:
            try:
                live_writer = self._hold_live_writer(self.swap_wait)
            except WriterBusy:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            old = self.path.with_name(f"{self.path.name}.old-{os.getpid()}-{int(time.time())}")
            try:
                if self.path.exists():
                    os.rename(self.path, old)
            finally:
                # let go of the old folder's writer while no folder is at the path: a writer
                # dropped after the second rename could touch the new folder's files
                del live_writer
            os.rename(staging, self.path)
            shutil.rmtree(old, ignore_errors=True)
            self._index = None
        return n

    def close(self) -> None:
        with self._lock:
            self._index = None

    # -- reading --------------------------------------------------------------------------
    def count(self) -> int:
        return self._reading(lambda: self._open().searcher().num_docs)

    def health(self) -> dict:
        try:
            n = self.count()
            return {"backend": self.name, "ok": True, "documents": n, "path": str(self.path)}
        except SearchUnavailable as exc:
            return {"backend": self.name, "ok": False, "error": str(exc), "path": str(self.path)}

    def _terms(self, text: str) -> list[str]:
        if not text.strip():
            return []
        return list(self._analyzer.analyze(text))

    def _term_query(self, term: str) -> tantivy.Query:
        """One analysed term, in any text field, boosted by where it is found."""
        Q, Occur = tantivy.Query, tantivy.Occur
        fields = [
            Q.boost_query(Q.term_query(self._schema, f, term), boost)
            for f, boost in _TEXT_FIELDS.items()
        ]
        return Q.boolean_query([(Occur.Should, q) for q in fields])

    def _all_of(self, queries: list[tantivy.Query]) -> tantivy.Query | None:
        Q, Occur = tantivy.Query, tantivy.Occur
        if not queries:
            return None
        if len(queries) == 1:
            return queries[0]
        return Q.boolean_query([(Occur.Must, q) for q in queries])

    def _any_of(self, queries: list[tantivy.Query], boost: float = 1.0) -> tantivy.Query | None:
        Q, Occur = tantivy.Query, tantivy.Occur
        if not queries:
            return None
        q = (
            queries[0]
            if len(queries) == 1
            else Q.boolean_query([(Occur.Should, x) for x in queries])
        )
        return q if boost == 1.0 else Q.boost_query(q, boost)

    def _flat_terms(self, clause: qp.Clause) -> list[tantivy.Query] | None:
        """The clause as boosted single-term queries whose sum scores it exactly as
        ``_clause`` does, or None when it needs more than terms (several tokens in one
        spelling, a phrase, bigram phrases, a single character)."""
        Q = tantivy.Query
        if not isinstance(clause, qp.Term) or clause.unigram or len(clause.grams) > 1:
            return None
        out: list[tantivy.Query] = []
        for variant in clause.variants:
            terms = [self._terms(tok) for tok in variant]
            if not all(terms):
                continue
            if len(terms) > 1:
                return None
            out += [
                Q.boost_query(Q.term_query(self._schema, f, terms[0][0]), boost)
                for f, boost in _TEXT_FIELDS.items()
            ]
        for f, boost in _BIGRAM_FIELDS.items() if clause.grams else ():
            out.append(Q.boost_query(Q.term_query(self._schema, f, clause.grams[0]), boost))
        return out or None

    def _term_union(
        self,
        query: SearchQuery,
        plan: qp.QueryPlan,
        pinyin: list[str] | None,
        tail: bool = False,
    ) -> tantivy.Query | None:
        """A one-word search with nothing else (no filter, no exclusion, no optional word)
        as one flat disjunction of boosted terms: the same matches and the same scores as
        the nested query ``build_query`` makes, in the one shape for which tantivy skips
        the blocks of postings that cannot reach the top hits (block-max WAND). That is
        what makes a word found in half the catalog cheap.

        With ``tail`` (the rest of a relaxed search, see ``_relaxed_tail``), any number of
        words joins the union: any one of them matches, and the tail has no proximity and no
        strict bonus, so the flat sum again scores as the nested query does."""
        words = plan.should
        if (
            pinyin
            or plan.must
            or not words
            or (len(words) != 1 and not (tail and plan.relaxed))
            or any(len(g.options) != 1 or len(g.options[0]) != 1 for g in words)
            or plan.optional
            or plan.excluded
            or (plan.proximity and not tail)
            or query.only_ids is not None
            or any(v for values in query.filters.values() for v in values)
        ):
            return None
        terms: list[tantivy.Query] = []
        for group in words:
            flat = self._flat_terms(group.options[0][0])
            if not flat:
                return None
            terms += flat
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, t) for t in terms])

    def _bigram_options(self, term: qp.Term) -> list[tantivy.Query]:
        """The term's characters as bigrams, matched whatever way a document was segmented."""
        Q, Occur = tantivy.Query, tantivy.Occur
        grams = list(term.grams)
        out: list[tantivy.Query] = []
        if term.unigram:
            c = re.escape(term.unigram)
            pattern = f"{c}|{c}.|.{c}"
            for f, boost in _BIGRAM_FIELDS.items():
                out.append(Q.boost_query(Q.regex_query(self._schema, f, pattern), boost))
            return out
        if not grams:
            return out
        for f, boost in _BIGRAM_FIELDS.items():
            if len(grams) == 1:
                q = Q.term_query(self._schema, f, grams[0])
            elif f == "title_bg":
                q = Q.phrase_query(self._schema, f, _words(grams))
            else:
                # in long descriptions a phrase over frequent bigrams costs 3-4x an AND
                # of them (measured at 1M datasets) for nearly the same matches
                q = Q.boolean_query([(Occur.Must, Q.term_query(self._schema, f, g)) for g in grams])
            out.append(Q.boost_query(q, boost))
        return out

    def _clause(self, clause: qp.Clause) -> tantivy.Query | None:
        if isinstance(clause, qp.Phrase):
            return self._phrase_query(clause)
        options: list[tantivy.Query] = []
        for variant in clause.variants:
            terms = [self._terms(tok) for tok in variant]
            if all(terms):
                q = self._all_of([self._term_query(t[0]) for t in terms])
                if q is not None:
                    options.append(q)
        options += self._bigram_options(clause)
        return self._any_of(options)

    def _conjunction(self, clauses: tuple[qp.Clause, ...]) -> tantivy.Query | None:
        parts = [self._clause(c) for c in clauses]
        if any(p is None for p in parts):
            return None
        return self._all_of([p for p in parts if p is not None])

    def _group(self, group: qp.Group) -> tantivy.Query | None:
        return self._any_of([q for o in group.options if (q := self._conjunction(o)) is not None])

    def _phrase_query(self, phrase: qp.Phrase) -> tantivy.Query | None:
        Q = tantivy.Query
        terms = [t for tok in phrase.tokens for t in self._terms(tok)]
        options = []
        for f, boost in _TEXT_FIELDS.items():
            if len(terms) == 1:
                options.append(Q.boost_query(Q.term_query(self._schema, f, terms[0]), boost))
            elif len(terms) > 1:
                options.append(Q.boost_query(Q.phrase_query(self._schema, f, _words(terms)), boost))
        grams = list(phrase.grams)
        if len(grams) > 1 and not phrase.text.isascii():
            options.append(Q.phrase_query(self._schema, "title_bg", _words(grams)))
            options.append(Q.phrase_query(self._schema, "body_bg", _words(grams)))
        return self._any_of(options)

    def _proximity(self, words: tuple[str, ...]) -> list[tantivy.Query]:
        """Words of the query near each other, in order, in a title or description."""
        Q = tantivy.Query
        terms = [t[0] for w in words if (t := self._terms(w))]
        if len(terms) < 2:
            return []
        slop = PROXIMITY_SLOP * len(terms)
        return [
            Q.boost_query(Q.phrase_query(self._schema, f, _words(terms), slop), boost)
            for f, boost in PROXIMITY_FIELDS.items()
        ]

    def plan(self, query: SearchQuery) -> qp.QueryPlan:
        return qp.plan_search(query, self.synonyms_file)

    def build_query(
        self,
        query: SearchQuery,
        plan: qp.QueryPlan | None = None,
        pinyin: list[str] | None = None,
        scoring: bool = True,
        tail: bool = False,
    ) -> tuple[tantivy.Query, list[str], bool]:
        """The engine query for a search, the words to highlight, and whether text was given;
        with ``pinyin`` syllables, the title-pinyin phrase takes the place of the words.

        ``scoring=False`` leaves out the clauses that only add to the score (the strict
        bonus, optional words, proximity): the query then matches the same datasets for
        less work, which is all that counting and facets need. ``tail=True`` (a relaxed
        plan) leaves out the strict bonus and proximity, which score only the strict matches
        that ``_relaxed_tail`` already holds."""
        Q, Occur = tantivy.Query, tantivy.Occur
        plan = plan if plan is not None else self.plan(query)
        union = self._term_union(query, plan, pinyin, tail)
        if union is not None:
            return union, list(plan.highlight), True
        should = [q for g in plan.should if (q := self._group(g)) is not None]
        must = [q for g in plan.must if (q := self._group(g)) is not None]
        clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
        if pinyin:
            if len(pinyin) == 1:
                pq = Q.term_query(self._schema, "title_py", pinyin[0])
            else:
                pq = Q.phrase_query(self._schema, "title_py", _words(pinyin))
            clauses.append((Occur.Must, pq))
        elif should or must:
            text_clauses = [(Occur.Must, q) for q in must] + [(Occur.Should, q) for q in should]
            msm = min(plan.minimum_should_match, len(should)) if should else None
            clauses.append((Occur.Must, Q.boolean_query(text_clauses, msm or None)))
            if scoring and not tail and plan.relaxed and should and plan.strict_minimum > 1:
                strict = Q.boolean_query(text_clauses, min(plan.strict_minimum, len(should)))
                clauses.append((Occur.Should, Q.const_score_query(strict, STRICT_BONUS)))
            for term in plan.optional if scoring else ():
                if (q := self._clause(term)) is not None:
                    clauses.append((Occur.Should, Q.boost_query(q, OPTIONAL_WEIGHT)))
            if scoring and not tail:
                clauses += [(Occur.Should, q) for q in self._proximity(plan.proximity)]
        has_text = bool(clauses)
        for conj in plan.excluded:
            if (q := self._conjunction(conj)) is not None:
                clauses.append((Occur.MustNot, q))
        for facet, values in query.filters.items():
            values = [v for v in values if v]
            if not values:
                continue
            if facet == "updated":
                since = updated_since(values, _recency_now())
                filt = Q.range_query(
                    self._schema, "modified", tantivy.FieldType.Integer, lower_bound=since
                )
                clauses.append((Occur.Must, filt))
                continue
            terms = [Q.term_query(self._schema, facet, v) for v in values]
            clauses.append((Occur.Must, Q.boolean_query([(Occur.Should, t) for t in terms])))
        if query.only_ids is not None:
            clauses.append((Occur.Must, Q.term_set_query(self._schema, "id", list(query.only_ids))))
        if not any(o == Occur.Must for o, _ in clauses):
            clauses.append((Occur.Must, Q.all_query()))
        return Q.boolean_query(clauses), list(plan.highlight), has_text

    def search(self, query: SearchQuery) -> SearchResult:
        query.validate()
        return self._reading(lambda: self._search(query))

    def _search(self, query: SearchQuery) -> SearchResult:
        index = self._open()
        plan = self.plan(query)
        generation = self._generation()
        if generation != self._seen_generation:
            # tantivy notices another process's commit by watching meta.json, some
            # hundreds of milliseconds late; counts kept for this generation must come
            # from a searcher that already sees it
            index.reload()
            self._seen_generation = generation
        key = self._answer_key(query, plan, generation)
        if key is not None and (kept := self._answers.get(key)) is not None:
            return kept
        searcher = index.searcher()
        res, pending, hl_terms = self._run(searcher, query, plan, generation)
        if plan.wants_relaxing(res.total):
            relaxed = plan.relax()
            if relaxed is not None:
                if pending is not None:
                    pending.cancel()
                plan = relaxed
                # every strict match is in hand (fewer than a page): the relaxed search
                # ranks them first, so the engine need only rank the rest (_relaxed_tail)
                held = len(res.hits) >= res.total and query.sort == "relevance"
                strict = res.hits if held else None
                res, pending, hl_terms = self._run(searcher, query, plan, generation, None, strict)
        if plan.has_text and res.total == 0:
            syllables = py.split_syllables(query.text)
            if syllables:
                res, pending, hl_terms = self._run(searcher, query, plan, generation, syllables)
        did_you_mean = None
        if plan.has_text and res.total == 0:
            did_you_mean = self._did_you_mean(searcher, query.text, plan)
        addrs = [addr for _s, addr in res.hits]
        keys = searcher.fast_field_values("same", addrs) if addrs else []
        ranked = [(float(s), a, k) for (s, a), k in zip(res.hits, keys, strict=True)]
        hits, payloads = [], []
        for score, addr, absorbed in collapse(ranked, query):
            raw = _payload_bytes(searcher, addr)
            doc = json.loads(raw)
            payloads.append(raw)
            identical = 0
            if absorbed:
                same = tantivy.Query.term_query(self._schema, "same", int(doc["same"], 16))
                identical = searcher.search(same, limit=1, count=True).count - 1  # type: ignore[attr-defined]
            hits.append(
                Hit(
                    id=doc["id"],
                    score=score,
                    doc=doc,
                    snippets=snippets_of(doc, hl_terms),
                    identical=max(identical, absorbed),
                )
            )
        facets: dict[str, list[tuple[str, int]]] = {}
        if pending is not None:
            result = pending.result()
            for f in query.facets:
                buckets = result.get(f, {}).get("buckets", [])
                if f == "updated":
                    facets[f] = _recency_buckets(buckets)
                else:
                    facets[f] = [(b["key"], int(b["doc_count"])) for b in buckets]
        total, relation = bounded_total(res.total, query)
        result = SearchResult(
            total=total,
            hits=hits,
            facets=facets,
            page=query.page,
            page_size=query.page_size,
            terms=hl_terms,
            relaxed=plan.relaxed,
            did_you_mean=did_you_mean,
            total_relation=relation,
        )
        if key is not None:
            self._answers.put(key, answer_cache.keep(result, payloads))
        return result

    @staticmethod
    def _answer_key(
        query: SearchQuery, plan: qp.QueryPlan, generation: tuple[int, int]
    ) -> tuple | None:
        """What decides a search's whole answer in this index generation (answer_cache.py):
        None for a search that is not kept (a curator's draft synonym list, a set of ids)."""
        if query.synonyms is not None or query.only_ids is not None:
            return None
        filters = tuple(sorted((f, tuple(v)) for f, v in query.filters.items()))
        recency = "updated" in query.facets or any(query.filters.get("updated") or ())
        return (
            generation,
            repr(plan),
            query.text,
            filters,
            tuple(query.facets),
            query.facet_size,
            query.sort,
            query.page,
            query.page_size,
            query.count_limit(),
            _recency_now() if recency else None,
        )

    def _did_you_mean(self, searcher: tantivy.Searcher, text: str, plan: qp.QueryPlan):
        def titles_near(word: str, edits: int) -> list[dict]:
            q = tantivy.Query.fuzzy_term_query(self._schema, "title", word, distance=edits)
            return [_payload(searcher, addr) for _s, addr in searcher.search(q, limit=10).hits]

        return spelling.did_you_mean(text, plan, titles_near)

    def _generation(self) -> tuple[int, int]:
        """What identifies the index's content: the folder (a rebuild swaps it) and
        meta.json, which every commit in any process rewrites with a new opstamp (read
        whole: its mtime can stay the same for two commits in one clock tick)."""
        try:
            meta = (self.path / "meta.json").read_bytes()
        except OSError:
            return (self._inode or 0, 0)
        return (self._inode or 0, zlib.crc32(meta))

    def _run(
        self,
        searcher: tantivy.Searcher,
        query: SearchQuery,
        plan: qp.QueryPlan,
        generation: tuple[int, int],
        pinyin: list[str] | None = None,
        strict: list | None = None,
    ):
        """One page of top hits, and the facet counts started beside it: tantivy releases
        the GIL, so on two cores the slower of the two sets the latency, not their sum.
        ``strict``: a relaxed plan's run given every strict match (``_relaxed_tail``).

        The top hits of a one-word search (a flat term union) are collected alone, without
        a count: tantivy then skips the blocks of postings that cannot reach the top
        (block-max WAND), which is what keeps frequent words cheap. Any other query (several
        words, a filter, a sort by date) visits every match for its top hits anyway, so it
        counts them there at no cost. The total and the facet counts come from:
        - kept from an earlier run of the same query in this index generation
          (``_counts``): a repeated query, every page of one search;
        - a no-text search of at most one filter value: the generation's facet table
          (``facet_table.py``), counted once for every such filter set;
        - otherwise one unscored aggregation pass beside the top hits (the facets, and the
          count when the top hits could not carry it), its result then kept."""
        tail = strict is not None
        q, hl_terms, has_text = self.build_query(query, plan, pinyin, tail=tail)
        minute = _recency_now() if "updated" in query.facets else None
        key = (generation, repr(q), tuple(query.facets), query.facet_size, minute)
        window = collapse_window(query, MAX_OFFSET + MAX_PAGE_SIZE)
        limit = window + len(strict) if strict is not None else window
        sort = query.sort
        if sort == "relevance" and not has_text:
            sort = "modified"
        by = None if sort == "relevance" else _SORT_FIELDS[sort]
        known = self._counts.get(key)
        if known is None and not has_text and not plan.excluded and query.only_ids is None:
            known = self._table_counts(searcher, query, generation)
        if known is not None and (known.exact or query.count_limit() is not None):
            res = searcher.search(q, limit=limit, count=False, order_by_field=by)
            pending: Future | None = None
            if query.facets:
                pending = Future()
                pending.set_result(known.facets)
            hits = res.hits if strict is None else _relaxed_tail(strict, res.hits, window)
            return _Page(hits, known.total), pending, hl_terms
        aggs = _aggregations(query, minute)
        # a query tantivy cannot prune (sorted by a field, or not a flat term union) visits
        # every match for its top hits anyway, so it counts them there for nothing; the
        # aggregation pass then holds only the facets (and is skipped when none are asked)
        count_on_top = by is not None or self._term_union(query, plan, pinyin, tail) is None
        if not count_on_top:
            aggs[_COUNT_AGG] = {"value_count": {"field": "modified"}}
        counted: Future | None = None
        if aggs:
            matching = self.build_query(query, plan, pinyin, scoring=False)[0] if has_text else q
            counted = _facet_pool().submit(searcher.aggregate, matching, aggs)
        res = searcher.search(q, limit=limit, count=count_on_top, order_by_field=by)
        result = counted.result() if counted is not None else {}
        if count_on_top:
            total = int(res.count)  # type: ignore[attr-defined]
        else:
            total = int(result.pop(_COUNT_AGG, {}).get("value") or 0)
        self._counts.put(key, Counts(total, True, result))
        pending = None
        if query.facets:
            pending = Future()
            pending.set_result(result)
        hits = res.hits if strict is None else _relaxed_tail(strict, res.hits, window)
        return _Page(hits, total), pending, hl_terms

    def _table_counts(
        self, searcher: tantivy.Searcher, query: SearchQuery, generation: tuple[int, int]
    ) -> Counts | None:
        """The total and facet counts of a no-text search with at most one filter value,
        from the facet table of this index generation; None when the table cannot say or
        is not counted yet (the first such search starts counting it in the background,
        and is itself counted the ordinary way)."""
        if sum(1 for values in query.filters.values() for v in values if v) > 1:
            return None
        now = _recency_now()
        key = (
            generation,
            tuple(query.facets),
            query.facet_size,
            now if "updated" in query.facets else None,
        )
        with self._lock:
            table = self._tables.get(key)
            if table is None and key not in self._tables_counting:
                self._tables_counting.add(key)
                _facet_pool().submit(self._count_table, searcher, query, key, now)
        if table is None:
            return None
        found = table.lookup(query.filters)
        return None if found is None else Counts(found[0], True, found[1])

    def _count_table(
        self, searcher: tantivy.Searcher, query: SearchQuery, key: tuple, now: int
    ) -> None:
        """Count a facet table in one nested aggregation over the whole index (seconds at a
        million datasets, off the request path); keep it while its generation is current."""
        try:
            request = facet_table.nested_request(
                query.facets, lambda f: _aggregation(f, query.facet_size, now)
            )
            result = self._reading(lambda: searcher.aggregate(tantivy.Query.all_query(), request))
            table = FacetTable(result, query.facets, searcher.num_docs)
            with self._lock:
                if key[0] == self._seen_generation:
                    kept = [(k, t) for k, t in self._tables.items() if k[0] == key[0]]
                    self._tables = dict(kept[-(_MAX_TABLES - 1) :])
                    self._tables[key] = table
        except Exception:  # noqa: BLE001 - a table is an optimisation: searches count anyway
            log.exception("counting the facet table of %s failed", self.path)
        finally:
            with self._lock:
                self._tables_counting.discard(key)

    def raw_search(self, query: SearchQuery) -> int:
        """The engine alone on the service's query plan for a query seen the first time:
        the top hits (no count) and the unscored count-and-facets pass, one after the
        other, nothing decoded, nothing kept.

        The benchmark compares the service layer against this to show what our layer costs.
        """
        return self._reading(lambda: self._raw_search(query))

    def _raw_search(self, query: SearchQuery) -> int:
        index = self._open()
        plan = self.plan(query)
        q, _terms, has_text = self.build_query(query, plan)
        searcher = index.searcher()
        sort = query.sort if has_text or query.sort != "relevance" else "modified"
        by = None if sort == "relevance" else _SORT_FIELDS[sort]
        window = collapse_window(query, MAX_OFFSET + MAX_PAGE_SIZE)
        count_on_top = by is not None or self._term_union(query, plan, None) is None
        res = searcher.search(q, limit=window, count=count_on_top, order_by_field=by)
        matching = self.build_query(query, plan, scoring=False)[0] if has_text else q
        aggs = _aggregations(query)
        if count_on_top:
            if aggs:
                searcher.aggregate(matching, aggs)
            return int(res.count)  # type: ignore[attr-defined]
        aggs[_COUNT_AGG] = {"value_count": {"field": "modified"}}
        return int(searcher.aggregate(matching, aggs)[_COUNT_AGG]["value"])

    def related(self, doc: dict, limit: int = 5) -> list[Hit]:
        """Datasets most like ``doc``: constant scores for each shared task, modality and
        theme, plus tantivy's more-like-this over the segmented title, keywords and body."""
        return self._reading(lambda: self._related(doc, limit))

    def _related(self, doc: dict, limit: int) -> list[Hit]:
        Q, Occur = tantivy.Query, tantivy.Occur
        searcher = self._open().searcher()
        should: list[tuple[tantivy.Occur, tantivy.Query]] = []
        for facet, weight in RELATED_FACETS.items():
            for value in doc.get(facet) or []:
                term = Q.term_query(self._schema, facet, str(value))
                should.append((Occur.Should, Q.const_score_query(term, weight)))
        texts: dict[str, Any] = dict(related_texts(doc))
        if texts:
            mlt = Q.more_like_this_document_fields_query(
                self._schema,
                texts,
                min_doc_frequency=1,
                min_term_frequency=1,
                max_query_terms=RELATED_MAX_TERMS,
            )
            should.append((Occur.Should, Q.boost_query(mlt, RELATED_TEXT_WEIGHT)))
        if not should:
            return []
        clauses = [(Occur.Must, Q.boolean_query(should)), *self._not_itself(doc)]
        res = searcher.search(Q.boolean_query(clauses), limit=limit)
        hits = []
        for score, addr in res.hits:
            found = _payload(searcher, addr)
            hits.append(Hit(id=found["id"], score=float(score), doc=found))
        return hits

    def _not_itself(self, doc: dict) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        Q, Occur = tantivy.Query, tantivy.Occur
        out = [(Occur.MustNot, Q.term_query(self._schema, "id", doc["id"]))]
        if doc.get("same"):
            same = Q.term_query(self._schema, "same", int(doc["same"], 16))
            out.append((Occur.MustNot, same))
        return out

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        prefix = ta.fold(prefix).strip()[: ta.MAX_QUERY_CHARS]
        if not prefix:
            return []
        return self._reading(lambda: self._suggest(prefix, limit))

    def _suggest(self, prefix: str, limit: int) -> list[str]:
        searcher = self._open().searcher()
        # the filter counts live documents only: deleted (withdrawn) titles are not offered
        terms = searcher.terms_with_prefix(
            "sug", prefix, filter_query=tantivy.Query.all_query(), limit=_MAX_SUGGEST_SCAN
        )
        return ta.suggestions(terms, limit)
