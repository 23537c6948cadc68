"""A restricted distribution URL appears on no machine-readable surface for outsiders.

Every route added for the APIs and exports is requested (the test fails if a route is
added without being listed here) as an anonymous caller and as a registered user without
an approved request; the conditional dataset's secret link must appear in none of the
answers, while its public sample does appear wherever distributions are listed.
"""

from __future__ import annotations

import json

import pytest
import requests
from flask import Flask

from tests.apisite import PUBLIC_URL, SECRET_URL, load_api_catalog
from tests.livesite import serve
from web.api import bp as api_bp
from web.ckan_api import ACTIONS
from web.ckan_api import bp as ckan_bp
from web.exports import bp as exports_bp
from web.sitemap import bp as sitemap_bp

# (method, path, params or JSON body, lists lung-ct's distributions?)
CALLS = [
    ("GET", "/api/v1/datasets", {"q": "肺结节"}, False),
    ("GET", "/api/v1/datasets/lung-ct", None, True),
    ("GET", "/api/v1/organizations", None, False),
    ("GET", "/api/v1/organizations/medai", None, False),
    ("GET", "/api/v1/openlist/versions", None, False),
    ("GET", "/api/v1/openlist/versions/latest", None, False),
    ("GET", "/api/v1/openlist/versions/1/entries", None, False),
    ("GET", "/api/v1/openlist/diff", {"from": 1, "to": 2}, False),
    ("GET", "/api/v1/vocabularies", None, False),
    ("GET", "/api/v1/suggest", {"q": "肺"}, False),
    ("GET", "/api/v1/openapi.json", None, False),
    ("GET", "/api/v1/docs", None, False),
    ("GET", "/api/3/action/status_show", None, False),
    ("GET", "/api/3/action/package_list", None, False),
    ("GET", "/api/3/action/package_show", {"id": "lung-ct"}, True),
    ("POST", "/api/3/action/package_show", {"id": "lung-ct"}, True),
    ("GET", "/api/action/package_show", {"id": "lung-ct"}, True),
    ("GET", "/api/3/action/package_search", {"q": "肺结节"}, True),
    ("POST", "/api/3/action/package_search", {"rows": 1000}, True),
    ("GET", "/api/3/action/current_package_list_with_resources", {"limit": 1000}, True),
    ("GET", "/api/3/action/organization_list", {"all_fields": "true"}, False),
    ("GET", "/api/3/action/organization_show", {"id": "medai", "include_datasets": "true"}, True),
    ("GET", "/api/3/action/group_list", {"all_fields": "true"}, False),
    ("GET", "/api/3/action/group_show", {"id": "health", "include_datasets": "true"}, True),
    ("GET", "/api/3/action/tag_list", {"all_fields": "true"}, False),
    ("GET", "/catalog.ttl", None, True),
    ("GET", "/catalog.jsonld", None, True),
    ("GET", "/catalog.rdf", None, True),
    ("GET", "/dataset/lung-ct.ttl", None, True),
    ("GET", "/dataset/lung-ct.jsonld", None, True),
    ("GET", "/dataset/lung-ct.rdf", None, True),
    ("GET", "/dataset/lung-ct/croissant.jsonld", None, False),  # no checksum: no files
    ("GET", "/dataset/lung-ct", None, True),  # the page and its schema.org JSON-LD
    ("GET", "/sitemap.xml", None, False),
    ("GET", "/sitemap-1.xml", None, False),
    ("GET", "/robots.txt", None, False),
]
# Routes only for signed-in callers; their answers hold no distribution at all.
TOKEN_CALLS = [
    ("/api/v1/access-requests", "user"),
    ("/api/v1/access-requests/1", "user"),
    ("/api/v1/harvest/sources", "curator"),
    ("/api/v1/harvest/sources/hebei-ckan", "curator"),
    ("/api/v1/harvest/jobs", "curator"),
    ("/api/v1/harvest/jobs/1", "curator"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    info: dict = {}

    def load(cat):
        info.update(load_api_catalog(cat))

    with serve(tmp_path_factory.mktemp("leaks"), load) as (url, cat):
        yield url, info


def _call(
    url: str, method: str, path: str, params: dict | None, token: str | None
) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if method == "POST":
        return requests.post(url + path, json=params or {}, headers=headers, timeout=30)
    return requests.get(url + path, params=params, headers=headers, timeout=30)


def test_every_added_route_is_listed_here():
    app = Flask("routes")
    for bp in (api_bp, ckan_bp, exports_bp, sitemap_bp):
        app.register_blueprint(bp)
    adapter = app.url_map.bind("localhost")
    pages = {"/dataset/lung-ct"}  # the HTML page belongs to the pages blueprint
    hit = {adapter.match(p, method=m)[0] for m, p, _q, _d in CALLS if p not in pages}
    hit |= {adapter.match(path)[0] for path, _who in TOKEN_CALLS}
    ours = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint != "static"}
    writes = {"api.create_dataset", "api.update_dataset", "api.change_status"}
    assert ours - writes - hit == set()
    actions = {p.rsplit("/", 1)[1] for _m, p, _q, _d in CALLS if "/action/" in p}
    assert set(ACTIONS) <= actions


@pytest.mark.parametrize("who", ["anonymous", "user"])
@pytest.mark.parametrize(("method", "path", "params", "lists"), CALLS)
def test_secret_url_appears_on_no_surface(site, who, method, path, params, lists):
    url, info = site
    r = _call(url, method, path, params, info[who] if who != "anonymous" else None)
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    assert SECRET_URL not in r.text
    assert SECRET_URL.replace("/", "\\/") not in r.text
    if lists:
        assert PUBLIC_URL in r.text, path


@pytest.mark.parametrize(("path", "who"), TOKEN_CALLS)
def test_signed_in_reads_carry_no_distribution_links(site, path, who):
    url, info = site
    r = _call(url, "GET", path, None, info[who])
    assert r.status_code == 200, (path, r.text[:300])
    assert SECRET_URL not in r.text and "restricted.example" not in r.text


def test_editors_do_see_their_restricted_link(site):
    """The other side of the rule: the publisher's own member sees it (so the test can fail)."""
    url, info = site
    r = _call(url, "GET", "/api/3/action/package_show", {"id": "lung-ct"}, info["medai"])
    assert SECRET_URL in json.dumps(r.json(), ensure_ascii=False)
