"""Totals and facet counts kept per index generation never outlive a change of the index.

The embedded backend answers a repeated query's total and facets from memory; these tests
check what a user would notice if that went wrong: a stale count after a save, in this
process or in another one (the CLI or a second web worker), or after a rebuild.
"""

from __future__ import annotations

import itertools

from bench.corpus import documents
from catalog.search import SearchQuery
from catalog.search.embedded import EmbeddedBackend


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
