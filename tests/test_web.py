"""Pages and the JSON API over a real socket."""

from __future__ import annotations

import html
import re

import pytest
import requests

from tests.livesite import SECRET_URL, load_small_catalog, serve


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("web"), load_small_catalog) as (url, cat):
        yield url, cat


def test_search_api_returns_total_results_facets_and_links(site):
    url, _cat = site
    r = requests.get(f"{url}/api/v1/datasets", params={"q": "交通", "page_size": 5}, timeout=10)
    assert r.status_code == 200
    body = r.json()
    assert body["total"] >= 14
    assert len(body["results"]) == 5
    assert (
        body["results"][0]["title"].find("交通") >= 0 or "交通" in body["results"][0]["description"]
    )
    assert {f for f in body["facets"]} >= {"theme", "publisher", "openness", "kind", "format"}
    assert body["links"]["next"].endswith("page=2") or "page=2" in body["links"]["next"]
    assert "<mark>交通</mark>" in "".join(
        h["snippets"]["title"] + h["snippets"]["description"] for h in body["results"]
    )


def test_search_api_filters_and_facet_counts_agree(site):
    url, _cat = site
    body = requests.get(f"{url}/api/v1/datasets", params={"q": "保定"}, timeout=10).json()
    for bucket in body["facets"]["openness"]:
        filtered = requests.get(
            f"{url}/api/v1/datasets", params={"q": "保定", "openness": bucket["value"]}, timeout=10
        ).json()
        assert filtered["total"] == bucket["count"]


@pytest.mark.parametrize(
    "params",
    [{"sort": "nonsense"}, {"page": "x"}, {"page_size": "1000"}, {"colour": "red", "sort": "up"}],
)
def test_search_api_bad_parameters_get_400_with_error_shape(site, params):
    url, _cat = site
    r = requests.get(f"{url}/api/v1/datasets", params=params, timeout=10)
    assert r.status_code == 400
    assert set(r.json()["error"]) >= {"code", "message"}


@pytest.mark.parametrize(
    "q", ['"unbalanced', "AND OR ( ) * ~", "x" * 10_000, "\x00\x07ctl", "🚌交通"]
)
def test_malformed_queries_never_500(site, q):
    url, _cat = site
    for path in ("/api/v1/datasets", "/search"):
        r = requests.get(f"{url}{path}", params={"q": q}, timeout=10)
        assert r.status_code == 200, (path, q, r.status_code)


def test_unknown_facet_value_gives_empty_result(site):
    url, _cat = site
    body = requests.get(
        f"{url}/api/v1/datasets", params={"theme": "no-such-theme"}, timeout=10
    ).json()
    assert body["total"] == 0 and body["results"] == []


def test_dataset_api_hides_restricted_distribution(site):
    url, _cat = site
    r = requests.get(f"{url}/api/v1/datasets/lung-ct", timeout=10)
    assert r.status_code == 200
    assert r.json()["title"] == "肺结节CT影像标注数据集"
    assert SECRET_URL not in r.text
    assert (
        requests.get(f"{url}/api/v1/datasets/nope", timeout=10).json()["error"]["code"]
        == "not_found"
    )


def test_pages_default_to_chinese_and_switch_to_english(site):
    url, _cat = site
    s = requests.Session()
    page = s.get(f"{url}/dataset/lung-ct", timeout=10).text
    assert "元数据" in page and "肺结节CT影像标注数据集" in page
    assert SECRET_URL not in page
    s.get(f"{url}/lang/en", params={"next": "/dataset/lung-ct"}, timeout=10)
    page = s.get(f"{url}/dataset/lung-ct", timeout=10).text
    assert "Metadata" in page and "Lung nodule CT medical imaging dataset" in page
    assert "元数据" not in page


def test_search_page_has_facets_snippets_and_paging(site):
    url, _cat = site
    page = requests.get(f"{url}/search", params={"q": "交通", "page_size": 5}, timeout=10).text
    assert "<mark>交通</mark>" in page
    assert 'data-facet="theme"' in page and 'data-facet="publisher"' in page
    assert "下一页" in page
    empty = requests.get(f"{url}/search", params={"q": "完全不存在的词汇zzz"}, timeout=10).text
    assert "没有找到符合条件的数据集" in empty


def test_open_redirect_is_refused_by_language_switch(site):
    url, _cat = site
    r = requests.get(
        f"{url}/lang/en",
        params={"next": "https://evil.example/"},
        timeout=10,
        allow_redirects=False,
    )
    assert r.status_code == 302
    assert r.headers["Location"].endswith("/")
    assert "evil.example" not in r.headers["Location"]


def test_pages_say_when_results_are_relaxed_and_offer_a_spelling_correction(site):
    url, _cat = site
    page = requests.get(f"{url}/search", params={"q": "lugn"}, timeout=10).text
    link = re.search(r'id="did-you-mean">[^<]*<a href="([^"]+)">([^<]+)</a>', page)
    assert link and link.group(2) == "lung", page[-2000:]
    fixed = requests.get(url + html.unescape(link.group(1)), timeout=10).text
    assert "Lung" in fixed or "肺" in fixed
    api = requests.get(f"{url}/api/v1/datasets", params={"q": "lugn"}, timeout=10).json()
    assert api["total"] == 0 and api["did_you_mean"] == "lung"
    # four words, few records with three of them: the page says what it shows
    relaxed = requests.get(f"{url}/search", params={"q": "lung nodule qzxv wkpj"}, timeout=10)
    assert 'id="relaxed"' in relaxed.text
    assert (
        requests.get(f"{url}/search", params={"q": "lung"}, timeout=10).text.count('id="relaxed"')
        == 0
    )
