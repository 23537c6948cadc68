"""Whole answers kept per index generation (catalog/search/answer_cache.py).

A repeated search is answered from memory; what a user would notice if that went wrong: a
page that differs from the engine's, a stale page after a save or after the curators
changed the synonym list, or one caller's changes showing up in another caller's page.
(Saves in this process, in another process and rebuilds are checked for the kept counts,
which the same key carries, in test_search_count_cache.py; those tests run through the
answer cache too.)
"""

from __future__ import annotations

import os

import pytest

from bench.corpus import documents
from catalog.search import SearchQuery
from catalog.search.answer_cache import AnswerCache, KeptAnswer, KeptHit
from catalog.search.base import SearchResult
from catalog.search.embedded import EmbeddedBackend


def _page(r: SearchResult) -> tuple:
    return (
        r.total,
        r.total_relation,
        [(h.id, h.score, h.doc, h.snippets, h.identical) for h in r.hits],
        r.facets,
        r.terms,
        r.relaxed,
        r.did_you_mean,
    )


@pytest.fixture
def backend(tmp_path) -> EmbeddedBackend:
    b = EmbeddedBackend(tmp_path / "index", create=True)
    b.index(documents(300))
    return b


def _no_engine(*_args, **_kwargs):
    raise AssertionError("a kept answer must not ask the engine")


def test_a_repeated_search_is_the_first_answer_without_the_engine(backend):
    queries = [
        SearchQuery(text="交通 监测"),
        SearchQuery(text="traffic", filters={"kind": ["open_data"]}, page=2, page_size=5),
        SearchQuery(sort="modified"),
        SearchQuery(text="qqqzzzxx"),  # nothing found: the did-you-mean path
    ]
    first = [_page(backend.search(q)) for q in queries]
    assert first[0][2] and first[0][2][0][3], "the first query should find and mark words"
    backend._run = _no_engine  # type: ignore[method-assign]
    assert [_page(backend.search(q)) for q in queries] == first


def test_pages_sorts_and_filters_are_kept_apart(backend):
    base = SearchQuery(text="交通")
    variants = [
        base,
        SearchQuery(text="交通", page=2),
        SearchQuery(text="交通", page_size=5),
        SearchQuery(text="交通", sort="modified"),
        SearchQuery(text="交通", filters={"kind": ["open_data"]}),
        SearchQuery(text="交通", facets=("kind",)),
        SearchQuery(text="交通", count_up_to=5),
    ]
    answers = [_page(backend.search(q)) for q in variants]
    fresh = EmbeddedBackend(backend.path)  # nothing kept
    assert answers == [_page(fresh.search(q)) for q in variants]
    assert len(backend._answers) == len(variants)


def test_what_a_caller_changes_is_not_what_the_next_caller_gets(backend):
    q = SearchQuery(text="交通")
    expected = _page(backend.search(q))
    got = backend.search(q)
    got.hits[0].doc["title"] = "changed"
    got.hits[0].snippets.clear()
    got.hits.pop()
    got.facets["kind"].clear()
    got.terms.append("x")
    assert _page(backend.search(q)) == expected


def test_a_saved_synonym_list_changes_the_kept_answer(tmp_path):
    synonyms = tmp_path / "synonyms.txt"
    synonyms.write_text("unrelatedword, another\n", encoding="utf-8")
    b = EmbeddedBackend(tmp_path / "index", create=True, synonyms_file=str(synonyms))
    b.index(documents(300))
    q = SearchQuery(text="qqqzzzxx")
    assert b.search(q).total == 0
    synonyms.write_text("qqqzzzxx, 交通\n", encoding="utf-8")
    stat = synonyms.stat()
    os.utime(synonyms, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert b.search(q).total > 0


def test_a_draft_synonym_list_and_id_sets_are_never_kept(backend):
    backend.search(SearchQuery(text="交通", synonyms={"交通": ("交通", "traffic")}))
    backend.search(SearchQuery(text="交通", only_ids=("x",)))
    assert len(backend._answers) == 0


def _kept(n_bytes: int) -> KeptAnswer:
    result = SearchResult(total=1, hits=[], facets={}, page=1, page_size=20)
    payload = b'{"id": "d", "pad": "' + b"x" * n_bytes + b'"}'
    return KeptAnswer(result, (KeptHit(1.0, payload, (), 0),))


def test_the_cache_is_bounded_by_entries_and_by_bytes():
    cache = AnswerCache(entries=3, max_bytes=10_000)
    for i in range(5):
        cache.put(i, _kept(10))
    assert len(cache) == 3 and cache.get(0) is None and cache.get(4) is not None
    cache.put("big", _kept(6_000))  # the oldest go until the bytes fit
    assert cache.bytes <= 10_000
    assert cache.get("big") is not None and cache.get(2) is None
    cache.put("huge", _kept(20_000))  # larger than the whole cache: not kept
    assert cache.get("huge") is None and cache.bytes <= 10_000
