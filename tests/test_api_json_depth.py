"""Hostile JSON bodies (issue 14): 10,000 (or 100,000) nested arrays, deep nesting inside a
valid record and bodies that do not decode answer 400 in the surface's error shape, never
500 -- over a real socket, on the JSON API and on the CKAN Action API."""

from __future__ import annotations

import json

import pytest
import requests

from tests.apisite import load_api_catalog
from tests.livesite import serve
from web.security import MAX_JSON_DEPTH, json_depth


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    info: dict = {}

    def load(cat):
        info.update(load_api_catalog(cat))

    with serve(tmp_path_factory.mktemp("api-depth"), load) as (url, cat):
        yield url, cat, info


def _post(url: str, path: str, body: bytes, token: str | None = None) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.post(url + path, data=body, headers=headers, timeout=30)


def _nested(depth: int, inner: str = "") -> bytes:
    return ("[" * depth + inner + "]" * depth).encode()


def test_depth_is_measured_without_decoding():
    assert json_depth(b"[]") == 1
    assert json_depth(b'{"a": [1, {"b": []}], "c": "[[[[\\"{{"}') == 4  # brackets in strings
    assert json_depth(_nested(1_000_000)) == MAX_JSON_DEPTH + 1  # stops counting, no recursion
    assert json_depth('{"标题": ["["]}') == 2


@pytest.mark.parametrize("depth", [1_000, 10_000, 100_000])
def test_deeply_nested_arrays_are_400_with_the_error_shape(site, depth):
    url, _cat, info = site
    for path in ("/api/v1/datasets", "/api/v1/datasets/bus-routes/status"):
        r = _post(url, path, _nested(depth), info["curator"])
        assert r.status_code == 400, r.text[:300]
        assert r.json() == {
            "error": {
                "code": "bad_request",
                "message": f"the request body is nested more than {MAX_JSON_DEPTH} levels deep",
            }
        }


def test_deep_nesting_inside_a_valid_record_is_400(site):
    url, _cat, info = site
    body = json.dumps({"title": "深", "organization": "medai"})[:-1] + ', "extras": '
    body += "{" + '"a": ' * 1 + _nested(5_000).decode() + "}}"
    r = _post(url, "/api/v1/datasets", body.encode(), info["curator"])
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_request"


def test_nesting_within_the_limit_reaches_validation(site):
    url, _cat, info = site
    body = {"title": "浅", "organization": "medai", "keywords": [[[["x"]]]]}
    r = _post(url, "/api/v1/datasets", json.dumps(body).encode(), info["curator"])
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid"


def test_bodies_that_do_not_decode_are_400(site):
    url, _cat, info = site
    for body in (b"[[[", b'{"title": ', b"\xff\xfe not json", b"", _nested(40)[:-3]):
        r = _post(url, "/api/v1/datasets", body, info["curator"])
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_request", body


def test_the_ckan_api_refuses_deep_bodies_without_a_500(site):
    url, _cat, _info = site
    for path in ("/api/3/action/package_search", "/api/3/action/package_show"):
        r = _post(url, path, _nested(10_000))
        assert 400 <= r.status_code < 500, r.text[:300]
        assert r.json()["success"] is False
