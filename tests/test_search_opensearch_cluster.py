"""What the cluster backend adds to the contract (which test_search_contract.py checks on
both backends): the alias swap under load, per-document rejections, health, the index
template's analysis and the search URL. Against the session's real OpenSearch node."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from catalog.search import SearchQuery, SearchUnavailable, make_backend
from catalog.search.es_client import parse_cluster_url
from catalog.search.opensearch import ClusterBackend, RebuildRejected


def _docs(n: int, start: int = 0, bad: set[int] = frozenset()) -> list[dict]:
    """Synthetic search documents (the shape of documents.dataset_document); the ones in
    ``bad`` carry an ``issued`` no engine can store as a long."""
    themes = ["transport", "health", "environment"]
    return [
        {
            "id": f"ds-{i:06d}",
            "name": f"ds-{i}",
            "title": f"保定市公交线路数据 {i}" if i % 2 else f"空气质量监测 {i}",
            "title_en": f"Bus lines {i}" if i % 2 else f"Air quality {i}",
            "description": "公交线路走向、站点坐标。" if i % 2 else "国控站点小时浓度。",
            "keywords": ["公交"] if i % 2 else ["空气"],
            "publisher": "bd-transport",
            "publisher_title": "保定市交通运输局",
            "theme": [themes[i % 3]],
            "openness": "unconditional",
            "kind": "open_data",
            "format": ["CSV"],
            "modified": 1_700_000_000 + i,
            "issued": 10**20 if i in bad else 1_600_000_000,
            "quality": i % 100,
        }
        for i in range(start, start + n)
    ]


@pytest.fixture
def backend(opensearch_base: str, request: pytest.FixtureRequest):
    name = request.node.name.split("[")[0].replace("_", "-")[-40:].strip("-")
    b = ClusterBackend(f"{opensearch_base}/{name}-{uuid.uuid4().hex[:6]}", create=True)
    yield b
    b.drop()
    b.close()


def test_rebuild_swaps_the_alias_while_searches_keep_answering(backend: ClusterBackend) -> None:
    backend.rebuild(_docs(3000))
    first = backend.health()["index"]
    errors: list[BaseException] = []
    totals: list[int] = []
    stop = threading.Event()

    def search_loop() -> None:
        while not stop.is_set():
            try:
                totals.append(backend.search(SearchQuery(text="公交")).total)
                totals.append(backend.search(SearchQuery(filters={"theme": ["health"]})).total)
            except BaseException as exc:
                errors.append(exc)

    thread = threading.Thread(target=search_loop)
    thread.start()
    try:
        backend.rebuild(_docs(3000))
        backend.rebuild(_docs(3000, start=1))
        time.sleep(0.2)  # a few searches on the last index too
    finally:
        stop.set()
        thread.join(30)
    assert errors == []
    assert len(totals) > 20
    assert 0 not in totals
    health = backend.health()
    assert health["ok"] is True and health["documents"] == 3000
    assert health["index"] != first
    assert backend.indices() == [health["index"]]  # the old indices are gone


def test_a_rejected_document_is_reported_and_the_rest_indexed(backend: ClusterBackend) -> None:
    docs = _docs(5, bad={2})
    assert backend.index(docs) == 4
    [rejected] = backend.rejected
    assert rejected.id == "ds-000002"
    assert rejected.status == 400
    assert "issued" in rejected.reason and "mapper_parsing_exception" in rejected.reason
    assert backend.count() == 4
    # the outbox path: apply() returns the rejections, the rest of the batch is applied
    more = _docs(3, start=10, bad={11})
    rejections = backend.apply(more, ["ds-000000"])
    assert [r.id for r in rejections] == ["ds-000011"]
    assert backend.count() == 4 + 2 - 1
    hits = {h.id for h in backend.search(SearchQuery(page_size=100)).hits}
    assert "ds-000010" in hits and "ds-000012" in hits and "ds-000000" not in hits


def test_rebuild_reports_rejections_and_refuses_a_mostly_rejected_index(
    backend: ClusterBackend,
) -> None:
    assert backend.rebuild(_docs(200, bad={7})) == 199
    assert [r.id for r in backend.rejected] == ["ds-000007"]
    live = backend.health()["index"]
    with pytest.raises(RebuildRejected, match="refused 100 of 200") as err:
        backend.rebuild(_docs(200, bad=set(range(0, 200, 2))))
    assert len(err.value.rejected) == 100
    # the live index was kept and the failed one removed
    assert backend.health()["index"] == live
    assert backend.indices() == [live]
    assert backend.count() == 199


def test_health_reports_the_cluster_and_the_index(backend: ClusterBackend) -> None:
    backend.index(_docs(3))
    health = backend.health()
    assert health["backend"] == "opensearch"
    assert health["ok"] is True and health["documents"] == 3
    assert health["status"] in ("green", "yellow") and health["nodes"] == 1
    assert health["index"].startswith(backend.alias + "-")
    assert "@" not in health["url"]


def test_missing_index_is_reported_and_rebuild_repairs_it(backend: ClusterBackend) -> None:
    backend.index(_docs(3))
    backend.drop()
    with pytest.raises(SearchUnavailable, match="rebuild"):
        backend.search(SearchQuery(text="公交"))
    health = backend.health()
    assert health["ok"] is False and "rebuild" in health["error"]
    assert backend.rebuild(_docs(3)) == 3
    assert backend.search(SearchQuery(text="公交")).total == 1


def test_index_template_analysis(backend: ClusterBackend) -> None:
    c = backend.engine.client
    index = backend.health()["index"]

    def tokens(analyzer: str, text: str) -> list[str]:
        res = c.indices.analyze(index=index, body={"analyzer": analyzer, "text": text})
        return [t["token"] for t in res["tokens"]]

    # pre-segmented text: split on spaces, lowercased, English stemmed, Chinese untouched
    assert tokens("catalog_segmented", "交通 运输 Detection STATISTICS") == [
        "交通",
        "运输",
        "detect",
        "statist",
    ]
    assert tokens("catalog_cjk", "医疗影像 CT") == ["医疗", "疗影", "影像", "ct"]
    template = c.indices.get_index_template(name=backend.alias)["index_templates"][0]
    assert template["index_template"]["index_patterns"] == [backend.alias + "-*"]


# -- the search URL -------------------------------------------------------------------------
def test_cluster_urls_are_parsed() -> None:
    cfg = parse_cluster_url(
        "opensearch+https://admin:s%40cret@h1:9200,h2/cat?timeout=3&replicas=1&verify_certs=false"
    )
    assert cfg.engine == "opensearch"
    assert cfg.hosts == ["https://h1:9200", "https://h2:9200"]
    assert (cfg.username, cfg.password) == ("admin", "s@cret")
    assert cfg.prefix == "cat" and cfg.alias == "cat-datasets"
    assert cfg.timeout == 3.0 and cfg.replicas == "1" and cfg.verify_certs is False
    assert "s@cret" not in cfg.display()
    es = parse_cluster_url("elasticsearch://es:9200")
    assert es.engine == "elasticsearch" and es.hosts == ["http://es:9200"]
    assert es.prefix == "catalog" and es.bigrams == "python"


@pytest.mark.parametrize(
    "url",
    [
        "opensearch://",
        "opensearch:///cat",
        "opensearch://h:9200/Bad Prefix",
        "opensearch://h:9200/cat?replicas=many",
        "opensearch://h:9200/cat?bigrams=lucene",
        "opensearch://h:9200/cat?timeout=soon",
        "solr://h:8983/cat",
    ],
)
def test_bad_cluster_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="search URL|cluster URL"):
        make_backend(url, None)


def test_make_backend_chooses_by_scheme(tmp_path) -> None:
    assert make_backend("embedded://", tmp_path / "idx", create=True).name == "embedded"
    # no request is made when the backend is made: an engine that is down now is reported
    # by searches, and the pages still serve
    es = make_backend("elasticsearch+https://u:p@127.0.0.1:1/cat?timeout=1", None)
    assert isinstance(es, ClusterBackend) and es.name == "elasticsearch"
    assert type(es.engine.client).__module__.startswith("elasticsearch")
    os_ = make_backend("opensearch://127.0.0.1:1/cat", None)
    assert os_.name == "opensearch"
    assert type(os_.engine.client).__module__.startswith("opensearchpy")


@pytest.mark.parametrize("scheme", ["opensearch", "elasticsearch"])
def test_an_unreachable_engine_is_unavailable_with_either_client(scheme: str) -> None:
    backend = make_backend(f"{scheme}://127.0.0.1:1/cat?timeout=2", None)
    with pytest.raises(SearchUnavailable, match="unreachable"):
        backend.search(SearchQuery(text="公交"))
    with pytest.raises(SearchUnavailable):
        backend.apply(_docs(1), [])
    health = backend.health()
    assert health["ok"] is False and health["backend"] == scheme


def test_the_wrong_engine_behind_a_url_is_reported(opensearch_base: str) -> None:
    """The Elasticsearch client refuses an OpenSearch node: a clear SearchUnavailable."""
    url = opensearch_base.replace("opensearch://", "elasticsearch://") + "/wrong"
    backend = make_backend(url, None)
    with pytest.raises(SearchUnavailable, match="does not speak elasticsearch"):
        backend.search(SearchQuery(text="公交"))
    assert backend.health()["ok"] is False
