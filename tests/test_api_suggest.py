"""GET /api/v1/suggest over the app's test client: the JSON shape, limits, errors in the
API's shape, caching, Chinese prefixes, and that only published titles are ever offered."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from catalog.context import Catalog
from catalog.services import datasets
from catalog.services.authz import SYSTEM
from tests.livesite import load_small_catalog
from web import create_app
from web.api import SUGGEST_MAX_CHARS, SUGGEST_MAX_LIMIT


def _app(instance: Path):
    app = create_app({"instance_path": instance})
    cat = app.extensions["catalog"]
    cat.migrate()
    cat.create_index_if_missing()
    load_small_catalog(cat)
    return app, cat


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[FlaskClient, Catalog]]:
    app, cat = _app(tmp_path_factory.mktemp("suggest"))
    try:
        yield app.test_client(), cat
    finally:
        cat.dispose()


def suggest(client: FlaskClient, q: str | None, **args: object):
    params = {"q": q, **args} if q is not None else dict(args)
    return client.get("/api/v1/suggest", query_string=params)


def titles(client: FlaskClient, q: str, **args: object) -> list[str]:
    r = suggest(client, q, **args)
    assert r.status_code == 200, r.get_json()
    return [s["title"] for s in r.get_json()["suggestions"]]


def _create(cat: Catalog, name: str, title: str, status: str) -> None:
    datasets.create_dataset(
        cat,
        SYSTEM,
        {"name": name, "title": title, "organization": "transport-bureau", "themes": ["transport"]},
        status=status,
    )


# -- shape and caching ---------------------------------------------------------------------
def test_answers_the_query_and_title_objects(site):
    client, _cat = site
    r = suggest(client, "保定市")
    assert r.status_code == 200 and r.mimetype == "application/json"
    body = r.get_json()
    assert set(body) == {"query", "suggestions"}
    assert body["query"] == "保定市"
    assert body["suggestions"] == [{"title": "保定市公交线路信息"}]


def test_is_cache_friendly_with_an_etag_and_304(site):
    client, _cat = site
    r = suggest(client, "交通")
    assert r.headers["ETag"] and r.headers["Last-Modified"]
    again = client.get(
        "/api/v1/suggest", query_string={"q": "交通"}, headers={"If-None-Match": r.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""
    other = client.get(
        "/api/v1/suggest",
        query_string={"q": "交通", "limit": 2},
        headers={"If-None-Match": r.headers["ETag"]},
    )
    assert other.status_code == 200


def test_suggestions_match_the_openapi_document(site):
    client, _cat = site
    doc = client.get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/suggest"]["get"]
    params = {p["name"]: p["schema"] for p in op["parameters"]}
    assert params["q"]["maxLength"] == SUGGEST_MAX_CHARS
    assert (params["limit"]["minimum"], params["limit"]["maximum"]) == (1, SUGGEST_MAX_LIMIT)
    assert params["limit"]["default"] == 8
    assert {"200", "400", "503", "304"} <= set(op["responses"])
    schemas = doc["components"]["schemas"]
    body = suggest(client, "lung").get_json()
    assert set(body) == set(schemas["Suggestions"]["properties"])
    item = schemas["Suggestions"]["properties"]["suggestions"]["items"]
    assert set(body["suggestions"][0]) == set(item["properties"])
    assert "/api/v1/suggest" in client.get("/api/v1/docs").get_data(as_text=True)


# -- limits --------------------------------------------------------------------------------
def test_limit_defaults_to_8_and_caps_the_list(site):
    client, _cat = site
    # twelve monthly reports 交通运输统计月报2020..2031 share the prefix
    assert len(titles(client, "交通运输")) == 8
    assert len(titles(client, "交通运输", limit=3)) == 3
    assert len(titles(client, "交通运输", limit=SUGGEST_MAX_LIMIT)) == 12
    assert titles(client, "交通运输", limit=1) == ["交通运输统计月报2020"]


@pytest.mark.parametrize("limit", ["0", "21", "-1", "abc", "1.5"])
def test_a_limit_outside_1_to_20_is_a_400_in_the_api_shape(site, limit):
    client, _cat = site
    r = suggest(client, "交通", limit=limit)
    assert r.status_code == 400
    error = r.get_json()["error"]
    assert error["code"] == "bad_request" and "limit" in error["message"]


@pytest.mark.parametrize("q", [None, "", " ", "\u3000", "\t"])
def test_a_blank_prefix_gives_an_empty_list(site, q):
    client, _cat = site
    r = suggest(client, q)
    assert r.status_code == 200
    assert r.get_json() == {"query": q or "", "suggestions": []}


def test_a_prefix_over_200_characters_is_a_400(site):
    client, _cat = site
    r = suggest(client, "交" * (SUGGEST_MAX_CHARS + 1))
    assert r.status_code == 400
    assert r.get_json()["error"]["code"] == "bad_request"
    assert set(r.get_json()["error"]) == {"code", "message"}
    assert suggest(client, "交" * SUGGEST_MAX_CHARS).get_json()["suggestions"] == []
    assert suggest(client, "x" * SUGGEST_MAX_CHARS).status_code == 200


def test_nothing_matching_is_an_empty_list_and_symbols_are_literal(site):
    client, _cat = site
    for q in ("没有这样的标题", "zzzz", ".*", "[", "\\", '"', "交通*"):
        assert titles(client, q) == [], q


# -- what is offered -----------------------------------------------------------------------
def test_chinese_prefixes(site):
    client, _cat = site
    assert titles(client, "肺") == ["肺结节CT影像标注数据集"]
    assert titles(client, "肺结节CT") == ["肺结节CT影像标注数据集"]
    assert titles(client, "眼底图像") == ["眼底图像分类基准"]
    assert titles(client, "道路卡口过车记录") == ["道路卡口过车记录"]
    assert titles(client, "交通运输统计月报202", limit=20) == [
        f"交通运输统计月报{y}" for y in range(2020, 2030)
    ]
    # a prefix is the beginning of a title, not a word inside it
    assert titles(client, "统计月报") == []


def test_titles_are_offered_as_written_whatever_was_typed(site):
    client, _cat = site
    assert titles(client, "lung") == ["Lung nodule CT medical imaging dataset"]
    assert titles(client, "ＦＵＮＤＵＳ") == ["Fundus image classification benchmark"]  # full width
    assert titles(client, "  baoding bus") == ["Baoding bus routes"]
    assert titles(client, "肺結節") == ["肺结节CT影像标注数据集"]  # Traditional script typed


def test_unpublished_and_withdrawn_datasets_are_never_suggested(site):
    client, cat = site
    for name, title, status in (
        ("sug-draft", "仅草稿的数据集", "draft"),
        ("sug-submitted", "仅待审的数据集", "submitted"),
        ("sug-withdrawn", "仅撤回的数据集", "published"),
        ("sug-kept", "仅公开的数据集", "published"),
    ):
        _create(cat, name, title, status)
    assert sorted(titles(client, "仅")) == sorted(["仅撤回的数据集", "仅公开的数据集"])

    datasets.change_status(cat, SYSTEM, "sug-withdrawn", "withdrawn", "数据已停止更新")
    assert titles(client, "仅") == ["仅公开的数据集"]
    assert titles(client, "仅撤回") == []
    assert titles(client, "仅草稿") == [] and titles(client, "仅待审") == []

    # published again, it is offered again
    datasets.change_status(cat, SYSTEM, "sug-withdrawn", "published")
    assert "仅撤回的数据集" in titles(client, "仅")


def test_an_edited_title_replaces_the_old_one(site):
    client, cat = site
    _create(cat, "sug-renamed", "改名前的标题", "published")
    assert titles(client, "改名前") == ["改名前的标题"]
    datasets.update_dataset(cat, SYSTEM, "sug-renamed", {"title": "改名后的标题"})
    assert titles(client, "改名前") == []
    assert titles(client, "改名后") == ["改名后的标题"]


# -- the index down ------------------------------------------------------------------------
def test_index_down_is_a_503_in_the_api_shape(tmp_path):
    app, cat = _app(tmp_path)
    try:
        client = app.test_client()
        assert titles(client, "交通")
        shutil.rmtree(cat.settings.index_path)
        r = suggest(client, "交通")
        assert r.status_code == 503
        assert r.get_json()["error"]["code"] == "search_unavailable"
        # a blank prefix does not need the index
        assert suggest(client, "").get_json() == {"query": "", "suggestions": []}
    finally:
        cat.dispose()
