"""Follow and notify through the pages over a real socket (issue 16, item 3): follow
buttons with CSRF, a saved search, the notice list in both languages, the digest through a
real SMTP server with its one-click unsubscribe link (no sign-in), and the Atom feeds
(parsed as XML, linked from the pages, no distribution link in them)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import requests

from catalog.services import datasets, notifications
from catalog.services.authz import SYSTEM
from tests.livesite import serve
from tests.mailserver import link_in, smtp_server
from tests.portal import PASSWORD, load_portal
from tests.webclient import WebClient

A = "{http://www.w3.org/2005/Atom}"
info: dict = {}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with (
        smtp_server() as (inbox, port),
        serve(
            tmp_path_factory.mktemp("web-follows"),
            lambda cat: info.update(load_portal(cat)),
            smtp_host="127.0.0.1",
            smtp_port=port,
        ) as (url, cat),
    ):
        yield url, cat, inbox


def signed_in(url: str, who: str) -> WebClient:
    web = WebClient(url)
    web.login(info["people"][who].email, PASSWORD)
    return web


def test_follow_buttons_need_a_session_and_csrf(site):
    url, _cat, _inbox = site
    anon = requests.get(url + "/dataset/bus-routes", timeout=20).text
    assert 'id="follow-dataset"' not in anon
    web = signed_in(url, "user")
    page = web.get_page("/dataset/bus-routes").text
    assert 'id="follow-dataset"' in page
    r = web.post(url + "/follow/dataset/bus-routes", data={}, timeout=20)
    assert r.status_code == 400  # no CSRF token
    r = web.submit(
        "/follow/dataset/bus-routes",
        {"next": "/dataset/bus-routes"},
        form_page="/dataset/bus-routes",
    )
    assert r.status_code == 200 and r.url.endswith("/dataset/bus-routes")
    assert 'id="unfollow-dataset"' in r.text
    r = web.submit(
        "/follow/organization/medai", {"next": "/organization/medai"}, form_page="/account"
    )
    org = web.get_page("/account/notices").text
    assert "保定医影智能科技有限公司" in org and "保定市公交线路信息" in org
    assert web.submit("/follow/dataset/no-such", {}, form_page="/account").status_code == 404


def test_saved_search_digest_unsubscribe_and_notice_list(site):
    url, cat, inbox = site
    web = signed_in(url, "user")
    page = web.get_page("/search?q=无人机").text
    assert 'id="save-search"' in page
    r = web.submit(
        "/search/save", {"q": "无人机", "next": "/search?q=无人机"}, form_page="/search?q=无人机"
    )
    assert r.status_code == 200
    notices = web.get_page("/account/notices").text
    assert "无人机" in notices and 'data-target="search"' in notices
    datasets.create_dataset(
        cat, SYSTEM, {"title": "低空无人机航线数据", "organization": "medai"}, status="published"
    )
    notifications.collect(cat)
    assert notifications.send_digests(cat, url) >= 1
    email = info["people"]["user"].email
    msg = inbox.wait_for(email, lambda m: "无人机" in m.get_content())
    assert "new notices" in str(msg["Subject"])
    # the notice list, both languages
    zh = web.get_page("/account/notices").text
    assert "新数据集符合您保存的搜索" in zh and "低空无人机航线数据" in zh
    en = web.get_page("/account/notices?lang=en").text
    assert "New dataset matching your saved search" in en
    # the unsubscribe link works without a session, and a forged one does not
    link = link_in(msg, "/notices/unsubscribe/")
    assert requests.get(link + "x", timeout=20).status_code == 400
    r = requests.get(link, timeout=20)
    assert r.status_code == 200 and 'id="unsubscribed"' in r.text
    assert 'id="mail-stopped"' in web.get_page("/account/notices").text
    r = web.submit("/account/notices/resume", {}, form_page="/account/notices")
    assert 'id="mail-stopped"' not in r.text


def _feed(url: str, path: str) -> ET.Element:
    r = requests.get(url + path, timeout=20)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(r.content)
    assert root.tag == A + "feed"
    for tag in ("id", "title", "updated"):
        assert root.find(A + tag) is not None, tag
    for entry in root.findall(A + "entry"):
        for tag in ("id", "title", "updated", "link"):
            assert entry.find(A + tag) is not None, tag
    # only the catalog's own pages: never a distribution (restricted or not)
    hrefs = [el.get("href") for el in root.iter(A + "link")]
    assert all(h.startswith(url) for h in hrefs), hrefs
    assert "data.example" not in r.text
    return root


def _titles(root: ET.Element) -> list[str]:
    return [e.findtext(A + "title") or "" for e in root.findall(A + "entry")]


def test_atom_feeds_parse_and_are_linked_from_their_pages(site):
    url, cat, _inbox = site
    every = _feed(url, "/feeds/datasets.atom")
    assert "保定市公交线路信息" in _titles(every)
    search = _feed(url, "/feeds/search.atom?q=公交")
    assert _titles(search) and all("公交" in t for t in _titles(search))
    org = _feed(url, "/feeds/organization/medai.atom")
    assert set(_titles(org)) >= {"肺结节CT影像标注数据集", "眼底图像分类基准"}
    assert requests.get(url + "/feeds/organization/nobody.atom", timeout=20).status_code == 404
    _feed(url, "/feeds/openlist.atom")
    for page, feed in [
        ("/", "/feeds/datasets.atom"),
        ("/search?q=公交", "/feeds/search.atom?q="),
        ("/organization/medai", "/feeds/organization/medai.atom"),
        ("/openlist", "/feeds/openlist.atom"),
    ]:
        html = requests.get(url + page, timeout=20).text
        links = re.findall(
            r'<link rel="alternate" type="application/atom\+xml"[^>]*href="([^"]+)"', html
        )
        assert links and links[0].startswith(feed), (page, links)


def test_partners_see_the_requests_of_their_fields_and_the_dashboard_counts_them(site):
    url, cat, _inbox = site
    asker = signed_in(url, "user")
    for what, scenario in (("无人机巡检影像", "transport"), ("门诊病历文本", "health")):
        r = asker.submit(
            "/data-requests/new",
            {"what": what, "purpose": "训练模型", "scenario": scenario, "urgency": "normal",
             "public": "1"},
        )  # fmt: skip
        assert r.status_code == 200
    partner = signed_in(url, "admin")  # a verified partner in manufacturing and transport
    listed = partner.get_page("/data-requests?for=partner").text
    assert 'id="partner-view"' in listed and "无人机巡检影像" in listed
    assert "门诊病历文本" not in listed
    assert "无人机巡检影像" in partner.get_page("/account/notices").text  # routed to them
    assert 'id="partner-requests"' not in asker.get_page("/data-requests").text
    curator = signed_in(url, "curator")
    dash = curator.get_page("/dashboard").text
    m = re.search(r'id="count-open-requests"><a[^>]*>(\d+)<', dash)
    assert m and int(m.group(1)) >= 2
    assert 'id="median-fulfil"' in dash


def test_follow_buttons_go_back_only_to_pages_of_this_site(site):
    url, _cat, _inbox = site
    web = signed_in(url, "rival")
    for target in ("//evil.example/x", "/\\evil.example", "https://evil.example/"):
        r = web.submit(
            "/follow/dataset/fundus", {"next": target}, form_page="/dataset/fundus",
            allow_redirects=False,
        )  # fmt: skip
        assert r.status_code == 302 and r.headers["Location"].endswith("/account/notices"), target
