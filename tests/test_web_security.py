"""Protections a browser relies on, over a real socket: the security headers on every kind of
response, sign-in that never sends a person to another site, huge ids that are plain 404s."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from tests.livesite import load_small_catalog, serve
from tests.portal import PASSWORD, make_user
from tests.webclient import WebClient


def _load(cat) -> None:
    load_small_catalog(cat)
    make_user(cat, "guard@ai.example.com", name="守卫")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("web-security"), _load) as (url, cat):
        yield url, cat


@pytest.mark.parametrize(
    "path",
    ["/", "/search?q=交通", "/login", "/api/v1/datasets", "/api/3/action/status_show", "/nope"],
)
def test_every_response_carries_the_security_headers(site, path) -> None:
    url, _cat = site
    r = requests.get(url + path, timeout=20)
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in r.headers  # plain HTTP deployment


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example",
        "/%09/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "/\n/evil.example",
        " //evil.example",
    ],
)
def test_sign_in_never_redirects_off_site(site, target) -> None:
    url, _cat = site
    web = WebClient(url)
    r = web.submit(
        "/login",
        {"email": "guard@ai.example.com", "password": PASSWORD, "next": target},
        allow_redirects=False,
    )
    assert r.status_code in (302, 303)
    # read the Location as a browser does: tabs and newlines dropped, backslashes as slashes
    location = re.sub(r"[\t\n\r]", "", r.headers["Location"]).replace("\\", "/")
    assert urlsplit(urljoin(url + "/login", location)).netloc == urlsplit(url).netloc


def test_sign_in_follows_a_same_site_path(site) -> None:
    url, _cat = site
    web = WebClient(url)
    r = web.submit(
        "/login",
        {"email": "guard@ai.example.com", "password": PASSWORD, "next": "/search?q=交通"},
        allow_redirects=False,
    )
    assert r.headers["Location"].endswith("/search?q=交通") or "search" in r.headers["Location"]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/access-requests/{n}", "/api/v1/harvest/jobs/{n}", "/openlist/v/{n}", "/request/{n}"],
)
def test_ids_past_64_bits_are_not_found(site, path) -> None:
    url, _cat = site
    r = requests.get(url + path.format(n=2**64 + 5), timeout=20)
    assert r.status_code in (401, 404), r.text  # never a 500


def test_secure_cookie_setting_sends_hsts(tmp_path) -> None:
    with serve(tmp_path, load_small_catalog, session_cookie_secure=True) as (url, _cat):
        r = requests.get(url + "/login", timeout=20)
        assert r.headers["Strict-Transport-Security"].startswith("max-age=")
        assert "Secure" in r.headers.get("Set-Cookie", "Secure")
