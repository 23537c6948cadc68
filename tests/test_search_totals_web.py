"""Totals beyond the exact-count limit read "N+" on the page, carry ``total_relation`` in
the JSON API, and stay exact in the CKAN API, whose clients page by ``count`` (issue 17).

The limit is 10,000 in production; these tests lower it to 2 so that a small catalog
crosses it.
"""

from __future__ import annotations

import pytest
import requests

from catalog.search import base
from tests.apisite import load_api_catalog
from tests.livesite import serve


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    # The tests change the limit, a constant, while the site runs: the rendered-page cache
    # (keyed by address, language and the catalog's changes) would rightly keep the page
    # counted under the old limit, so it is off here.
    with serve(
        tmp_path_factory.mktemp("totals"),
        load_api_catalog,
        page_cache_mb=0,
        page_cache_shared_mb=0,
    ) as (url, _cat):
        yield url


def _get(url: str, path: str, **params) -> requests.Response:
    r = requests.get(url + path, params=params, timeout=20)
    assert r.status_code == 200, r.text
    return r


def test_under_the_limit_totals_are_exact_everywhere(site):
    body = _get(site, "/api/v1/datasets", q="交通").json()
    assert body["total"] > 2 and body["total_relation"] == "eq"
    html = _get(site, "/search", q="交通", lang="zh").text
    assert f"共找到 {body['total']} 个数据集" in html


def test_over_the_limit_the_page_and_api_say_at_least(site, monkeypatch):
    exact = _get(site, "/api/v1/datasets", q="交通").json()["total"]
    monkeypatch.setattr(base, "EXACT_TOTAL_UP_TO", 2)
    body = _get(site, "/api/v1/datasets", q="交通").json()
    assert (body["total"], body["total_relation"]) == (2, "gte")
    assert len(body["results"]) == min(exact, 20)  # the hits do not shrink with the count
    assert "共找到 2+ 个数据集" in _get(site, "/search", q="交通", lang="zh").text
    assert "2+ datasets found" in _get(site, "/search", q="交通", lang="en").text


def test_the_ckan_count_stays_exact_over_the_limit(site, monkeypatch):
    exact = _get(site, "/api/v1/datasets", q="交通").json()["total"]
    monkeypatch.setattr(base, "EXACT_TOTAL_UP_TO", 2)
    for rows in (0, 1, 5):
        result = _get(site, "/api/3/action/package_search", q="交通", rows=rows).json()
        assert result["result"]["count"] == exact, rows
