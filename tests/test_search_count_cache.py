"""Totals and facet counts kept per index generation never outlive a change of the index.

The embedded backend answers a repeated query's total and facets from memory; these tests
check what a user would notice if that went wrong: a stale count after a save, in this
process or in another one (the CLI or a second web worker), or after a rebuild.
"""

from __future__ import annotations

import itertools
import time

import pytest

from bench.corpus import documents
from catalog.search import SearchQuery
from catalog.search.embedded import EmbeddedBackend, _aggregations
from catalog.search.ranking import STRICT_BONUS


def _facets(result, name):
    return dict(result.facets[name])


def test_a_repeated_query_gives_the_same_page_total_and_facets(tmp_path):
    backend = EmbeddedBackend(tmp_path / "index", create=True)
    backend.index(documents(300))
    for q in (SearchQuery(text="交通"), SearchQuery(), SearchQuery(text="traffic data")):
        first = backend.search(q)
        again = backend.search(q)
        assert again.total == first.total
        assert [h.id for h in again.hits] == [h.id for h in first.hits]
        assert again.facets == first.facets
    assert len(backend._counts) >= 3


def test_a_commit_in_another_process_is_seen_at_once(tmp_path):
    docs = list(documents(200))
    web = EmbeddedBackend(tmp_path / "index", create=True)
    web.index(docs[:150])
    before = web.search(SearchQuery())
    kinds_before = _facets(before, "kind")
    cli = EmbeddedBackend(tmp_path / "index")  # another process's view of the same folder
    cli.index(docs[150:])
    after = web.search(SearchQuery())
    assert after.total == before.total + 50
    assert sum(_facets(after, "kind").values()) == sum(kinds_before.values()) + 50
    cli.delete([d["id"] for d in docs[:10]])
    assert web.search(SearchQuery()).total == before.total + 40


def test_a_rebuild_is_seen_at_once(tmp_path):
    web = EmbeddedBackend(tmp_path / "index", create=True)
    web.index(documents(120))
    assert web.search(SearchQuery()).total == 120
    EmbeddedBackend(tmp_path / "index").rebuild(itertools.islice(documents(120), 30))
    result = web.search(SearchQuery())
    assert result.total == 30
    assert sum(_facets(result, "kind").values()) == 30


def _wait_for_table(backend: EmbeddedBackend, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not backend._tables:
        assert time.monotonic() < deadline, "the facet table was never counted"
        time.sleep(0.02)


def _engine_counts(backend: EmbeddedBackend, query: SearchQuery) -> tuple[int, dict]:
    """The filtered search's total and facets straight from tantivy, the oracle."""
    searcher = backend._open().searcher()
    q = backend.build_query(query)[0]
    aggs = _aggregations(query)
    result = searcher.aggregate(q, aggs)
    facets = {f: [(b["key"], b["doc_count"]) for b in result[f]["buckets"]] for f in aggs}
    return searcher.search(q, limit=1, count=True).count, facets


def test_browse_counts_from_the_facet_table_are_the_engines(tmp_path):
    backend = EmbeddedBackend(tmp_path / "index", create=True)
    backend.index(documents(400))
    facets = ("theme", "kind", "format", "publisher")
    backend.search(SearchQuery(facets=facets))  # the first browse starts counting the table
    _wait_for_table(backend)
    table = next(iter(backend._tables.values()))
    rows = [(f, v) for (f, v) in table.rows if f in ("kind", "format", "theme")]
    assert len(rows) > 5
    for f, v in [*rows, ("kind", "no-such-kind"), ("publisher", "")]:
        query = SearchQuery(filters={f: [v]}, facets=facets, sort="modified")
        res = backend.search(query)
        total, expected = _engine_counts(backend, query)
        assert res.total == total, (f, v)
        assert {k: sorted(b) for k, b in res.facets.items()} == {
            k: sorted(b) for k, b in expected.items()
        }, (f, v)
        assert len(res.hits) == min(total, 20)


def test_a_commit_drops_the_facet_table(tmp_path):
    docs = list(documents(200))
    backend = EmbeddedBackend(tmp_path / "index", create=True)
    backend.index(docs[:150])
    query = SearchQuery(filters={"kind": ["open_data"]}, facets=("kind", "theme"))
    backend.search(query)
    _wait_for_table(backend)
    before = backend.search(query)
    EmbeddedBackend(tmp_path / "index").index(docs[150:])  # another process's commit
    after = backend.search(query)
    added = sum(d["kind"] == "open_data" for d in docs[150:])
    assert added and after.total == before.total + added
    assert dict(after.facets["kind"])["open_data"] == after.total


def test_a_one_word_search_scores_alike_as_a_flat_term_union(tmp_path):
    """The flat union tantivy can prune (block-max WAND) ranks exactly as the nested query."""
    flat = EmbeddedBackend(tmp_path / "index", create=True)
    flat.index(documents(600))
    nested = EmbeddedBackend(tmp_path / "index")
    nested._term_union = lambda *args: None  # type: ignore[method-assign]
    tried = 0
    for word in ("traffic", "交通", "监测", "dataset", "water", "图像"):
        query = SearchQuery(text=word, facets=("kind",))
        plan = flat.plan(query)
        if flat._term_union(query, plan, None) is None:
            continue
        tried += 1
        a, b = flat.search(query), nested.search(query)
        assert a.total == b.total and a.facets == b.facets
        assert [h.id for h in a.hits] == [h.id for h in b.hits]
        # the same terms summed in another order: equal to float rounding
        assert [h.score for h in a.hits] == pytest.approx([h.score for h in b.hits], rel=1e-5)
    assert tried >= 3


def test_a_relaxed_search_ranks_alike_from_its_strict_hits_and_tail(tmp_path):
    """A relaxed search ranks the strict matches it already holds first and asks the engine
    only for the rest (embedded._relaxed_tail): the same page as the full relaxed query."""
    fast = EmbeddedBackend(tmp_path / "index", create=True)
    fast.index(documents(600))
    full = EmbeddedBackend(tmp_path / "index")
    run = EmbeddedBackend._run

    def without_tail(searcher, query, plan, generation, pinyin=None, strict=None):
        return run(full, searcher, query, plan, generation, pinyin, None)

    full._run = without_tail  # type: ignore[method-assign]
    relaxed = with_strict = 0
    texts = (
        # 1-9 strict matches among the 600 (a nested tail, then a flat one), then none
        "AI agricultural",
        "AI crop",
        "AI air",
        "Anguo annual",
        "Anguo Baoding",
        "Anguo Anxin",
        "票价 目标检测",
        "数据集 目标检测 病害",
        "traffic speech",
        "水质 图像 annual",
    )
    for text in texts:
        for page in (1, 2):
            query = SearchQuery(text=text, facets=("kind",), page=page, page_size=5)
            a, b = fast.search(query), full.search(query)
            relaxed += a.relaxed
            with_strict += page == 1 and a.hits[0].score >= STRICT_BONUS
            assert (a.relaxed, a.total, a.facets) == (b.relaxed, b.total, b.facets), text
            assert [h.id for h in a.hits] == [h.id for h in b.hits], text
            assert [h.score for h in a.hits] == pytest.approx([h.score for h in b.hits], rel=1e-5)
    assert relaxed == 2 * len(texts) and with_strict >= 5
