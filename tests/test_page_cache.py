"""Anonymous pages kept rendered (web/page_cache.py) are never stale, never per person, never
in the wrong language, never hold a restricted link, and answer 304 to a matching ETag.

Over a real socket on SQLite and PostgreSQL: a browser-like client (session cookie kept),
anonymous or signed in, against an app whose cache is on (the default).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from catalog.models import IndexOutbox, SearchEvent
from catalog.services import datasets, search_analytics
from catalog.services.authz import SYSTEM
from tests.apisite import SECRET_URL, load_api_catalog
from tests.webclient import WebClient
from web import create_app

PASSWORD = "catalog-test-pass-1"  # tests/apisite.py's accounts
PAGES = [
    "/",
    "/search",
    "/search?q=肺结节",
    "/search?q=lung&lang=en",
    "/dataset/lung-ct",
    "/dataset/lung-ct?lang=en",
    "/organization/medai",
    "/organizations",
    "/partners",
    "/openlist",
]


@pytest.fixture
def site(tmp_path: Path, database_url: str):
    app = create_app({"instance_path": tmp_path / "instance", "database_url": database_url})
    cat = app.extensions["catalog"]
    cat.migrate()
    cat.create_index_if_missing()
    load_api_catalog(cat)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app, cat
    finally:
        server.shutdown()
        thread.join(5)
        cat.dispose()


def _kept_bodies(app) -> list[str]:
    return [body.decode("utf-8") for body in app.extensions["page_cache"].memory.bodies()]


def test_a_save_shows_on_the_next_anonymous_read(site):
    url, app, cat = site
    visitor = WebClient(url)
    for path in ("/dataset/lung-ct", "/search?q=肺结节", "/organization/medai"):
        first = visitor.get_page(path)
        assert first.status_code == 200
        assert visitor.get_page(path).text == first.text  # the kept copy is the same page
    assert len(_kept_bodies(app)) >= 3

    datasets.update_dataset(cat, SYSTEM, "lung-ct", {"title": "肺结节CT影像新标题"})
    for path in ("/dataset/lung-ct", "/search?q=肺结节", "/organization/medai"):
        page = visitor.get_page(path).text
        assert "CT影像新标题" in page, path  # (the search page marks 肺结节 in it)

    published = visitor.get_page("/dataset/lung-ct").text
    datasets.withdraw_dataset(cat, SYSTEM, "lung-ct", "test")
    assert visitor.get_page("/dataset/lung-ct").text != published  # says it is withdrawn
    assert "CT影像新标题" not in visitor.get_page("/search?q=肺结节").text


def test_signed_in_people_never_get_a_kept_page_nor_leave_one(site):
    url, app, _cat = site
    visitor = WebClient(url)
    anonymous = visitor.get_page("/dataset/lung-ct").text
    assert 'id="edit-dataset"' not in anonymous and SECRET_URL not in anonymous

    partner = WebClient(url)  # the publisher's member: an editor, who sees the file's link
    partner.login("partner@medai.example", PASSWORD)
    mine = partner.get_page("/dataset/lung-ct").text
    assert 'id="edit-dataset"' in mine and 'id="account-link"' in mine
    assert SECRET_URL in mine
    curator = WebClient(url)
    curator.login("curator@bureau.example", PASSWORD)
    assert 'id="account-link"' in curator.get_page("/").text
    assert 'id="account-link"' in curator.get_page("/search").text

    # the signed-in pages were not kept: an anonymous reader still gets the public page
    again = WebClient(url).get_page("/dataset/lung-ct")
    assert 'id="edit-dataset"' not in again.text and 'id="account-link"' not in again.text
    assert SECRET_URL not in again.text
    assert 'id="account-link"' not in WebClient(url).get_page("/").text
    for body in _kept_bodies(app):
        assert 'id="account-link"' not in body and "csrf_token" not in body
    # and a kept anonymous page is not what the signed-in partner gets
    assert 'id="edit-dataset"' in partner.get_page("/dataset/lung-ct").text


def test_restricted_links_never_reach_a_kept_page(site):
    url, app, _cat = site
    host = SECRET_URL.split("/")[2]
    for path in PAGES:
        for who in (WebClient(url), WebClient(url)):
            assert who.get_page(path).status_code == 200, path
    partner = WebClient(url)
    partner.login("partner@medai.example", PASSWORD)
    for path in PAGES:  # editors see the link; what they read must not end up kept
        partner.get_page(path)
    bodies = _kept_bodies(app)
    assert len(bodies) >= len(PAGES) - 2
    for body in bodies:
        assert host not in body


def _lang(text: str) -> str:
    return "en" if '<html lang="en"' in text else "zh"


def test_chinese_and_english_readers_never_get_each_others_page(site):
    url, _app, _cat = site
    zh, en = WebClient(url), WebClient(url)
    assert _lang(zh.get_page("/search").text) == "zh"
    assert _lang(en.get_page("/search?lang=en").text) == "en"
    # the English reader's session now says English: the same address, the other language
    for _ in range(2):
        assert _lang(en.get_page("/search").text) == "en"
        assert _lang(zh.get_page("/search").text) == "zh"
        assert _lang(en.get_page("/dataset/lung-ct").text) == "en"
        assert _lang(zh.get_page("/dataset/lung-ct").text) == "zh"
    en.get_page("/lang/zh")
    assert _lang(en.get_page("/search").text) == "zh"


def test_a_matching_etag_gets_304_until_the_page_changes(site):
    url, _app, cat = site
    visitor = WebClient(url)
    first = visitor.get_page("/dataset/lung-ct")
    etag = first.headers["ETag"]
    assert "no-cache" in first.headers["Cache-Control"]
    again = visitor.get_page("/dataset/lung-ct", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    kept = visitor.get_page("/dataset/lung-ct", headers={"If-None-Match": etag})
    assert kept.status_code == 304  # answered from the kept page too

    datasets.update_dataset(cat, SYSTEM, "lung-ct", {"title": "肺结节CT影像第二版"})
    changed = visitor.get_page("/dataset/lung-ct", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "肺结节CT影像第二版" in changed.text
    assert changed.headers["ETag"] != etag


def test_a_kept_search_page_still_counts_as_a_search(site):
    url, _app, cat = site
    visitor = WebClient(url)
    for _ in range(3):
        assert requests.get(url + "/search?q=肺结节", timeout=20).status_code == 200
    visitor.get_page("/search?q=肺结节")
    search_analytics.recorder(cat).flush()
    with cat.read_session() as s:
        n = s.scalar(
            select(func.count()).select_from(SearchEvent).where(SearchEvent.query == "肺结节")
        )
    assert n == 4


def test_nothing_is_kept_or_served_while_index_changes_wait(site):
    url, app, cat = site
    visitor = WebClient(url)
    visitor.get_page("/organizations")
    kept = len(_kept_bodies(app))
    lung = datasets.get_dataset(cat, SYSTEM, "lung-ct")
    with cat.session() as s:  # a change queued by a process that could not reach the index
        s.add(IndexOutbox(dataset_id=lung.id))
    assert visitor.get_page("/partners").status_code == 200
    assert len(_kept_bodies(app)) == kept
    cat.sync_index()
    assert visitor.get_page("/partners").status_code == 200
    assert len(_kept_bodies(app)) == kept + 1


def test_the_search_page_names_publishers_by_their_titles(site):
    """Facet values and a chosen publisher show titles (read for the names on the page only)."""
    url, _app, _cat = site
    zh = WebClient(url).get_page("/search?q=交通").text
    assert 'data-facet="publisher"' in zh and "保定市交通运输局" in zh
    chosen = WebClient(url).get_page("/search?publisher=medai&lang=en").text
    assert "Baoding MedAI Co." in chosen


def test_an_organization_page_is_read_alone_with_the_same_rules(site):
    """organization_for reads one organization: an applicant stays hidden from the public
    (kept or not), curators see it, and the count is of published datasets."""
    url, _app, _cat = site
    assert WebClient(url).get_page("/organization/applicant-co").status_code == 404
    assert WebClient(url).get_page("/organization/applicant-co").status_code == 404
    curator = WebClient(url)
    curator.login("curator@bureau.example", PASSWORD)
    assert "申请中公司" in curator.get_page("/organization/applicant-co").text
    assert WebClient(url).get_page("/organization/no-such-org").status_code == 404
    page = WebClient(url).get_page("/organization/medai")
    assert page.status_code == 200 and "保定医影智能科技有限公司" in page.text
