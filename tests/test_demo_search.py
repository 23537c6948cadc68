"""The demo catalog, searched as a visitor would on first visit."""

from __future__ import annotations

import pytest

from catalog.context import open_catalog
from catalog.loader import load_demo
from catalog.search import SearchQuery
from catalog.search.text import load_synonyms, normalize


@pytest.fixture(scope="module")
def demo_cat(tmp_path_factory):
    cat = open_catalog(instance_path=tmp_path_factory.mktemp("demo"))
    cat.migrate()
    cat.create_index_if_missing()
    added = load_demo(cat)
    assert added["datasets"] >= 300
    yield cat
    cat.dispose()


def _text(doc: dict) -> str:
    return normalize(
        " ".join(
            str(doc.get(k) or "") for k in ("title", "title_en", "description", "description_en")
        )
    )


@pytest.mark.parametrize("query", ["交通", "医疗", "保定", "object detection", "公交", "语音"])
def test_first_results_contain_the_words(demo_cat, query):
    res = demo_cat.search.search(SearchQuery(text=query, page_size=10))
    assert res.total >= 5
    variants = [normalize(query), *load_synonyms().get(normalize(query), ())]
    for hit in res.hits[:5]:
        assert any(v in _text(hit.doc) for v in variants), (query, hit.doc["title"])


def test_loading_the_demo_twice_adds_nothing(demo_cat):
    assert load_demo(demo_cat) == {"organizations": 0, "datasets": 0, "openlist_versions": 0}


def test_demo_has_every_openness_and_kind_in_the_facets(demo_cat):
    res = demo_cat.search.search(SearchQuery())
    assert {v for v, _n in res.facets["openness"]} == {"unconditional", "conditional", "not_open"}
    assert {v for v, _n in res.facets["kind"]} == {"open_data", "training", "benchmark"}
    assert res.total >= 300
