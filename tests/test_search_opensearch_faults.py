"""The search engine down or hung: searches fail clearly, pages still serve, writes queue
in the outbox and are applied when the engine is back. On an OpenSearch node of this
module's own (the session's node is shared; this one is stopped and frozen)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from catalogtest import build_catalog
from sqlalchemy import func, select

from catalog.context import Catalog
from catalog.models import IndexOutbox
from catalog.search import SearchQuery, SearchUnavailable
from catalog.services import datasets
from catalog.services.authz import SYSTEM
from tests.livesite import load_small_catalog, serve
from tests.opensearch.testnode import NodeUnavailable, OpenSearchNode


@pytest.fixture(scope="module")
def own_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenSearchNode]:
    node = OpenSearchNode(home=tmp_path_factory.mktemp("opensearch-faults"))
    try:
        node.start()
    except NodeUnavailable as exc:
        pytest.fail(f"OpenSearch test node unavailable: {exc}", pytrace=False)
    yield node
    node.stop()


@pytest.fixture
def node(own_node: OpenSearchNode) -> Iterator[OpenSearchNode]:
    """The module's node, up; a test that stops or freezes it leaves it up again."""
    yield own_node
    own_node.thaw()
    if own_node.proc is None:
        own_node.start()


def _catalog(instance: Path, node: OpenSearchNode, options: str = "") -> Catalog:
    instance.mkdir(parents=True, exist_ok=True)
    return build_catalog(
        instance,
        f"sqlite:///{instance / 'catalog.db'}",
        search_url=f"{node.search_url_base}/{instance.parent.name.lower()[:40]}{options}",
    )


def _outbox(cat: Catalog) -> int:
    with cat.session() as s:
        return s.execute(select(func.count()).select_from(IndexOutbox)).scalar_one()


def _publish(cat: Catalog, title: str) -> str:
    return datasets.create_dataset(cat, SYSTEM, {"title": title}, status="published").id


def _found(cat: Catalog, text: str) -> list[str]:
    return [h.id for h in cat.search.search(SearchQuery(text=text)).hits]


def test_engine_down_writes_queue_and_are_applied_when_it_returns(
    node: OpenSearchNode, tmp_path: Path
) -> None:
    cat = _catalog(tmp_path / "instance", node)
    try:
        before = _publish(cat, "保定市公交线路")
        assert _found(cat, "公交") == [before]

        node.stop()
        t0 = time.monotonic()
        with pytest.raises(SearchUnavailable, match="unreachable") as err:
            cat.search.search(SearchQuery(text="公交"))
        assert time.monotonic() - t0 < 5
        assert "127.0.0.1" in str(err.value)
        with pytest.raises(SearchUnavailable):
            cat.search.suggest("保定")
        health = cat.search.health()
        assert health["ok"] is False and "unreachable" in health["error"]

        # writes succeed; their index changes wait in the outbox
        late = [_publish(cat, "保定市停车场名录"), _publish(cat, "保定市充电桩分布")]
        assert _outbox(cat) == 2

        node.start()
        assert cat.sync_index() == 2
        assert _outbox(cat) == 0
        assert _found(cat, "停车场") == [late[0]]
        assert _found(cat, "充电桩") == [late[1]]
        assert _found(cat, "公交") == [before]  # the node kept its data
        assert cat.search.health()["ok"] is True
    finally:
        cat.dispose()


def test_a_hung_engine_times_out_and_writes_queue(node: OpenSearchNode, tmp_path: Path) -> None:
    cat = _catalog(tmp_path / "instance", node, "?timeout=1.5")
    try:
        _publish(cat, "保定市公交线路")
        node.freeze()  # the port stays open, nothing answers
        t0 = time.monotonic()
        with pytest.raises(SearchUnavailable, match="in time"):
            cat.search.search(SearchQuery(text="公交"))
        assert time.monotonic() - t0 < 6
        t0 = time.monotonic()
        late = _publish(cat, "保定市停车场名录")  # the save returns; the change is queued
        assert time.monotonic() - t0 < 6
        assert _outbox(cat) == 1

        node.thaw()
        assert cat.sync_index() == 1
        assert _found(cat, "停车场") == [late]
        assert _outbox(cat) == 0
    finally:
        cat.dispose()


def test_pages_serve_while_the_engine_is_down(node: OpenSearchNode, tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "settings.json").write_text(
        json.dumps({"search_url": f"{node.search_url_base}/pages"}), encoding="utf-8"
    )
    with serve(instance, load_small_catalog) as (url, cat):
        assert cat.search.name == "opensearch"
        assert requests.get(f"{url}/api/v1/datasets", params={"q": "交通"}, timeout=10).ok
        node.stop()

        page = requests.get(f"{url}/search", params={"q": "交通"}, timeout=10)
        assert page.status_code == 200
        assert "检索服务暂时不可用" in page.text
        assert requests.get(f"{url}/", timeout=10).status_code == 200
        ds = requests.get(f"{url}/dataset/bus-routes", timeout=10)
        assert ds.status_code == 200 and "保定市公交线路信息" in ds.text
        api = requests.get(f"{url}/api/v1/datasets", params={"q": "交通"}, timeout=10)
        assert api.status_code == 503
        assert api.json()["error"]["code"] == "search_unavailable"

        node.start()
        body = requests.get(f"{url}/api/v1/datasets", params={"q": "交通"}, timeout=10).json()
        assert body["total"] >= 1
