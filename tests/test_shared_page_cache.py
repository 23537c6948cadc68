"""The page cache's shared folder and its answer before Flask (web/page_cache.py): two web
processes of one instance (here two apps on the same instance folder and database, each on
its own socket, as gunicorn's workers) read each other's kept pages, under every rule of the
per-process cache -- never stale, never per person, never in the wrong language, never a
restricted link -- and a kept page answered before Flask carries what a rendered one does.

Over real sockets on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from catalog.models import IndexOutbox
from catalog.services import datasets
from catalog.services.authz import SYSTEM
from tests.apisite import SECRET_URL, load_api_catalog
from tests.webclient import WebClient
from web import create_app, page_cache

PASSWORD = "catalog-test-pass-1"  # tests/apisite.py's accounts
PUBLIC = ["/", "/dataset/lung-ct", "/organization/medai", "/organizations", "/openlist"]
# gunicorn's workers share one address; here each app has its own port, so every request
# names the same host (pages hold absolute links, and the host is part of a page's key)
HOST = {"Host": "catalog.test"}


def _client(url: str) -> WebClient:
    client = WebClient(url)
    client.headers.update(HOST)
    return client


def _serve(app) -> tuple[str, object, threading.Thread]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_port}", server, thread


@pytest.fixture
def workers(tmp_path: Path, database_url: str) -> Iterator[tuple]:
    """Two 'worker processes' of one instance: (url, app) each, and the first's catalog."""
    instance = tmp_path / "instance"
    # no drainer threads: a test queues an index change and must find it still queued
    settings = {"instance_path": instance, "database_url": database_url, "index_drain_seconds": 0}
    first = create_app(settings)
    cat = first.extensions["catalog"]
    cat.migrate()
    cat.create_index_if_missing()
    load_api_catalog(cat)
    second = create_app(settings)
    running = [(app, *_serve(app)) for app in (first, second)]
    try:
        yield [(url, app) for app, url, _s, _t in running], cat
    finally:
        for app, _url, server, thread in running:
            server.shutdown()  # type: ignore[attr-defined]
            thread.join(5)
            app.extensions["catalog"].dispose()


def _counts(app) -> page_cache.Counts:
    return app.extensions["page_cache"].counts


def _shared_files(app) -> list[Path]:
    root = Path(app.instance_path) / "cache" / "pages"
    return [p for p in root.glob("*/*") if not p.name.startswith(".tmp-")]


def test_a_page_one_worker_rendered_is_read_by_the_other(workers):
    (url_a, app_a), (url_b, app_b) = workers[0]
    for path in PUBLIC:
        assert _client(url_a).get_page(path).status_code == 200, path
    assert _counts(app_a).kept == len(PUBLIC)
    assert len(_shared_files(app_a)) == len(PUBLIC)
    for path in PUBLIC:
        rendered = _client(url_a).get_page(path)
        from_b = _client(url_b).get_page(path)
        assert from_b.text == rendered.text and from_b.headers["ETag"] == rendered.headers["ETag"]
    assert _counts(app_b).kept == 0  # the second worker rendered none of them
    assert _counts(app_b).shared == len(PUBLIC)


def test_a_save_in_any_worker_is_seen_by_every_worker_at_once(workers):
    (url_a, _app_a), (url_b, app_b) = workers[0]
    _workers, cat = workers
    _client(url_a).get_page("/dataset/lung-ct")
    assert "肺结节CT影像新标题" not in _client(url_b).get_page("/dataset/lung-ct").text
    datasets.update_dataset(cat, SYSTEM, "lung-ct", {"title": "肺结节CT影像新标题"})
    for url in (url_b, url_a):
        assert "肺结节CT影像新标题" in _client(url).get_page("/dataset/lung-ct").text
    assert "肺结节CT影像新标题" in _client(url_b).get_page("/organization/medai").text
    # the older state's folder is gone once a page of the new one is kept
    folders = {p.parent.name for p in _shared_files(app_b)}
    assert len(folders) == 1


def test_signed_in_pages_never_reach_the_shared_folder(workers):
    (url_a, app_a), (url_b, _app_b) = workers[0]
    host = SECRET_URL.split("/")[2]
    partner = _client(url_a)  # an editor of lung-ct: sees its restricted link
    partner.login("partner@medai.example", PASSWORD)
    mine = partner.get_page("/dataset/lung-ct").text
    assert SECRET_URL in mine and 'id="edit-dataset"' in mine
    for path in PUBLIC:
        partner.get_page(path)
    assert _shared_files(app_a) == []
    for path in PUBLIC:  # anonymous readers fill it; nothing personal gets in
        _client(url_b).get_page(path)
    files = _shared_files(app_a)
    assert len(files) == len(PUBLIC)
    for f in files:
        body = f.read_bytes()
        assert host.encode() not in body and b'id="account-link"' not in body
        assert b"csrf_token" not in body and b"Set-Cookie" not in body
    # and the partner, on the other worker, still gets the page of an editor
    assert 'id="edit-dataset"' in partner.get(url_b + "/dataset/lung-ct", timeout=20).text


def _lang(text: str) -> str:
    return "en" if '<html lang="en"' in text else "zh"


def test_languages_never_mix_across_workers(workers):
    (url_a, _app_a), (url_b, _app_b) = workers[0]
    en = _client(url_a)
    assert _lang(en.get_page("/dataset/lung-ct?lang=en").text) == "en"
    assert _lang(en.get_page("/dataset/lung-ct").text) == "en"  # the session says English
    assert _lang(_client(url_b).get_page("/dataset/lung-ct").text) == "zh"
    # the English reader's cookie, on the other worker: English, from the shared folder
    en_on_b = requests.get(url_b + "/dataset/lung-ct", cookies=en.cookies, headers=HOST, timeout=20)
    assert _lang(en_on_b.text) == "en"
    assert _lang(_client(url_a).get_page("/dataset/lung-ct").text) == "zh"


def test_a_kept_page_answered_before_flask_is_the_rendered_page(workers):
    (url_a, app_a), _b = workers[0]
    rendered = requests.get(url_a + "/organization/medai", timeout=20)
    fast = requests.get(url_a + "/organization/medai", timeout=20)
    assert _counts(app_a).fast == 1
    assert fast.content == rendered.content
    for name in (
        "Content-Type",
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "ETag",
        "Cache-Control",
        "Vary",
    ):
        assert fast.headers.get(name) == rendered.headers.get(name), name
    assert "Set-Cookie" not in fast.headers
    assert int(fast.headers["Content-Length"]) == len(fast.content)
    head = requests.head(url_a + "/organization/medai", timeout=20)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == fast.headers["Content-Length"]
    again = requests.get(
        url_a + "/organization/medai", headers={"If-None-Match": fast.headers["ETag"]}, timeout=20
    )
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == fast.headers["ETag"]
    assert _counts(app_a).fast == 3


def test_a_language_switch_goes_through_flask_and_sets_the_cookie(workers):
    """A request that changes the session's language is rendered (its answer sets the
    cookie); the reads after it, with that cookie, get the kept English page."""
    (url_a, app_a), _b = workers[0]
    reader = _client(url_a)
    assert _lang(reader.get_page("/dataset/lung-ct").text) == "zh"
    fast = _counts(app_a).fast
    switched = reader.get_page("/dataset/lung-ct?lang=en")
    assert _lang(switched.text) == "en" and "Set-Cookie" in switched.headers
    assert _counts(app_a).fast == fast
    assert _lang(reader.get_page("/dataset/lung-ct").text) == "en"  # rendered, kept
    again = reader.get_page("/dataset/lung-ct")
    assert _lang(again.text) == "en" and "Set-Cookie" not in again.headers
    assert _lang(_client(url_a).get_page("/dataset/lung-ct").text) == "zh"
    assert _counts(app_a).fast == fast + 2


def test_signed_in_cookies_and_tokens_are_never_answered_before_flask(workers):
    (url_a, app_a), _b = workers[0]
    _client(url_a).get_page("/dataset/lung-ct")
    partner = _client(url_a)
    partner.login("partner@medai.example", PASSWORD)
    fast_before = _counts(app_a).fast
    assert 'id="edit-dataset"' in partner.get_page("/dataset/lung-ct").text
    token_call = requests.get(
        url_a + "/dataset/lung-ct", headers={"Authorization": "Bearer nope"}, timeout=20
    )
    assert token_call.status_code in (200, 401)
    remembered = requests.get(
        url_a + "/dataset/lung-ct", cookies={"remember_token": "x"}, timeout=20
    )
    assert remembered.status_code == 200
    assert _counts(app_a).fast == fast_before


def test_search_pages_stay_in_memory_and_nothing_is_shared_while_index_changes_wait(workers):
    (url_a, app_a), (url_b, _app_b) = workers[0]
    _workers, cat = workers
    _client(url_a).get_page("/search?q=肺结节")
    assert _shared_files(app_a) == []  # its reads record searches: a file cannot replay that
    lung = datasets.get_dataset(cat, SYSTEM, "lung-ct")
    with cat.session() as s:
        s.add(IndexOutbox(dataset_id=lung.id))
    for path in PUBLIC:
        assert _client(url_b).get_page(path).status_code == 200
    assert _shared_files(app_a) == []
    cat.sync_index()
    _client(url_b).get_page("/organizations")
    assert len(_shared_files(app_a)) == 1


def test_a_shared_page_past_its_age_is_rendered_again(workers, monkeypatch):
    (url_a, _app_a), (url_b, app_b) = workers[0]
    _client(url_a).get_page("/organizations")
    monkeypatch.setattr(page_cache, "MAX_AGE_SECONDS", -1)
    _client(url_b).get_page("/organizations")
    assert _counts(app_b).shared == 0 and _counts(app_b).kept == 1


def test_a_client_that_never_stores_its_cookie_still_gets_kept_pages(workers):
    """Flask-Login marks an anonymous session 'not fresh' on its first page, which changes
    the cookie; a client that keeps sending the cookie it got from /lang/en (a crawler, the
    pages benchmark) must not have every page rendered for it."""
    (url_a, app_a), _b = workers[0]
    first = requests.get(url_a + "/lang/en", allow_redirects=False, timeout=20)
    cookie = {"Cookie": first.headers["Set-Cookie"].split(";", 1)[0]}
    pages = [requests.get(url_a + "/organizations", headers=cookie, timeout=20) for _ in range(3)]
    assert all(_lang(p.text) == "en" for p in pages)
    assert _counts(app_a).kept == 1 and _counts(app_a).fast == 2
    assert "Set-Cookie" not in pages[2].headers


def test_a_write_racing_a_newer_state_or_a_broken_disk_never_fails_the_page(
    tmp_path, monkeypatch, caplog
):
    """The middleware keeps a page after Flask answered, outside any app context (bench load
    found a 500 there: the warning asked Flask for its app). Another worker that moved to a
    newer state drops the older state's folder while this one writes into it: the page is
    simply not kept. A disk that refuses the write is logged, and the page is not lost."""
    kept = page_cache.Kept(b"<html></html>", [("Content-Type", "text/html")], '"e1"', time.time())
    shared = page_cache.SharedPages(tmp_path / "pages", 10 * 2**20)
    real = tempfile.mkstemp

    def raced(*args, dir, **kw):  # noqa: A002 -- mkstemp's own keyword
        shutil.rmtree(dir)  # the other worker's _drop_older_states, at the worst moment
        return real(*args, dir=dir, **kw)

    monkeypatch.setattr(page_cache.tempfile, "mkstemp", raced)
    shared.put(5, ("/dataset/x", "zh"), kept)
    assert shared.get(5, ("/dataset/x", "zh")) is None
    monkeypatch.undo()

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    broken = page_cache.SharedPages(blocked, 10 * 2**20)
    with caplog.at_level(logging.WARNING, logger="web.page_cache"):
        broken.put(6, ("/dataset/y", "zh"), kept)
    assert "shared page cache not written" in caplog.text
