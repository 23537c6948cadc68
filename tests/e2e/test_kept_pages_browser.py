"""Kept pages in a real browser (web/page_cache.py): a page answered before Flask from the
page cache looks and works as the rendered one -- its stylesheet and scripts load under the
content security policy, the language switch still switches, a reload revalidates (304) --
and a visitor who signs in stops getting kept pages."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.livesite import SECRET_URL, load_small_catalog
from web import create_app

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    instance: Path = tmp_path_factory.mktemp("kept") / "instance"
    app = create_app({"instance_path": instance})
    cat = app.extensions["catalog"]
    cat.migrate()
    cat.create_index_if_missing()
    load_small_catalog(cat)
    seen: list[tuple[str, str | None, str]] = []  # path, If-None-Match, status sent
    inner = app.wsgi_app

    def recorded(environ, start_response):
        def start(status, headers, exc_info=None):
            seen.append((environ["PATH_INFO"], environ.get("HTTP_IF_NONE_MATCH"), status))
            return start_response(status, headers, exc_info)

        return inner(environ, start)

    app.wsgi_app = recorded
    app.extensions["seen"] = seen
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        thread.join(5)
        cat.dispose()


def _watch(page) -> list[str]:
    """Console errors (a CSP violation is one) and script errors."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def test_a_kept_page_reads_and_works_like_a_rendered_one(site, people, shots):
    url, app = site
    counts = app.extensions["page_cache"].counts
    first = people()
    first.goto(url + "/dataset/lung-ct")  # rendered and kept
    rendered_h1 = first.locator("h1").inner_text()

    fast_before = counts.fast
    visitor = people()
    problems = _watch(visitor)
    visitor.goto(url + "/dataset/lung-ct")
    assert counts.fast == fast_before + 1  # answered before Flask
    assert visitor.locator("h1").inner_text() == rendered_h1
    assert SECRET_URL not in visitor.content()
    # the stylesheet loaded and applies (the CSP allows only the site's own files)
    assert visitor.evaluate("document.styleSheets.length") >= 1
    assert visitor.evaluate("getComputedStyle(document.body).margin") != "8px"
    visitor.screenshot(path=str(shots / "kept-dataset-zh.png"), full_page=True)

    fast_before = counts.fast
    visitor.reload()  # the browser revalidates its copy with the kept page's ETag
    path, etag, status = [x for x in app.extensions["seen"] if x[0] == "/dataset/lung-ct"][-1]
    assert etag and status.startswith("304")
    assert counts.fast == fast_before + 1  # the 304 too is answered before Flask
    assert visitor.locator("h1").inner_text() == rendered_h1

    visitor.click("#lang-switch")
    visitor.wait_for_load_state()
    assert visitor.locator("html").get_attribute("lang") == "en"
    english = visitor.locator("h1").inner_text()
    assert english == "Lung nodule CT medical imaging dataset"
    visitor.goto(url + "/dataset/lung-ct")  # kept in English now, for this visitor
    assert visitor.locator("h1").inner_text() == english
    visitor.screenshot(path=str(shots / "kept-dataset-en.png"), full_page=True)
    assert problems == []

    chinese = people()  # another visitor still reads Chinese
    chinese.goto(url + "/dataset/lung-ct")
    assert chinese.locator("h1").inner_text() == rendered_h1
