"""Safe redirects (issue 13, item 7), over a real socket: after signing in (by the form or
when already signed in) and after signing out, only same-site relative paths are followed,
whatever encoding an attacker tries; a same-site path is followed as given."""

from __future__ import annotations

import re
from urllib.parse import quote, urljoin, urlsplit

import pytest
import requests

from tests.livesite import load_small_catalog, serve
from tests.portal import PASSWORD, make_user
from tests.webclient import WebClient

EVIL = [
    "/\t/evil.example",
    "/%09/evil.example",
    "/%0a/evil.example",
    "/%0D/evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "/%5Cevil.example",
    "/%5cevil.example",
    "\\\\evil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "/%252F/evil.example",
    "/%255Cevil.example",
    "https://evil.example/",
    "https:/evil.example",
    "https:evil.example",
    "HTTPS://evil.example",
    "javascript:alert(1)",
    "evil.example",
    " //evil.example",
    "/\u3000/evil.example",
    "/\x7f/evil.example",
]


def _load(cat) -> None:
    load_small_catalog(cat)
    make_user(cat, "guard@ai.example.com", name="守卫")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("web-redirects"), _load) as (url, cat):
        yield url, cat


def _stays(url: str, resp: requests.Response) -> str:
    """The Location, read as a browser does, must point at this site; returns its path."""
    assert resp.status_code in (301, 302, 303), resp.status_code
    location = re.sub(r"[\t\n\r]", "", resp.headers["Location"]).replace("\\", "/")
    target = urlsplit(urljoin(url + "/login", location))
    assert target.netloc == urlsplit(url).netloc, resp.headers["Location"]
    return target.path


def _signed_in(url: str) -> WebClient:
    web = WebClient(url)
    web.login("guard@ai.example.com", PASSWORD)
    return web


@pytest.mark.parametrize("target", EVIL)
def test_no_way_off_site_after_signing_in_or_out(site, target) -> None:
    url, _cat = site
    # the sign-in form
    web = WebClient(url)
    r = web.submit(
        "/login",
        {"email": "guard@ai.example.com", "password": PASSWORD, "next": target},
        allow_redirects=False,
    )
    assert _stays(url, r) == "/account"
    # the sign-in page of someone already signed in, with next in the query (encoded once)
    r = web.get(f"{url}/login?next={quote(target, safe='')}", allow_redirects=False, timeout=20)
    assert _stays(url, r) == "/"
    # ... and as the raw query string an attacker writes
    r = web.get(f"{url}/login?next={target}", allow_redirects=False, timeout=20)
    assert _stays(url, r) == "/"
    # signing out
    r = web.submit("/logout", {"next": target}, form_page="/account", allow_redirects=False)
    assert _stays(url, r) == "/"


@pytest.mark.parametrize("target", ["/search?q=交通", "/dataset/x?lang=en", "/my/datasets"])
def test_same_site_paths_are_followed(site, target) -> None:
    url, _cat = site
    web = WebClient(url)
    r = web.submit(
        "/login",
        {"email": "guard@ai.example.com", "password": PASSWORD, "next": target},
        allow_redirects=False,
    )
    assert r.status_code in (302, 303)
    assert urlsplit(r.headers["Location"]).path == urlsplit(target).path
    r = web.submit("/logout", {"next": target}, form_page="/account", allow_redirects=False)
    assert urlsplit(r.headers["Location"]).path == urlsplit(target).path
