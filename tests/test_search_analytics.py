"""Search analytics (issue 16, item 1): searches made through the page and the JSON API over
a real socket are counted by week on the curators' page and in the CSV export; nothing
personal is stored; recording happens off the request path and never breaks a search."""

from __future__ import annotations

import csv
import io
import re
import time

import pytest
import requests
from sqlalchemy import inspect, select

from catalog.errors import PermissionDenied
from catalog.models import SearchEvent
from catalog.search import SearchQuery
from catalog.services import search_analytics as sa
from catalog.services.authz import ANONYMOUS
from tests.catalogtest import build_catalog
from tests.livesite import serve
from tests.portal import PASSWORD, actor, load_portal, make_user
from tests.webclient import WebClient

info: dict = {}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with serve(
        tmp_path_factory.mktemp("search-analytics"), lambda cat: info.update(load_portal(cat))
    ) as (url, cat):
        yield url, cat


def signed_in(url: str, who: str) -> WebClient:
    web = WebClient(url)
    web.login(info["people"][who].email, PASSWORD)
    return web


def test_searches_are_counted_by_week_on_the_curators_page_and_in_csv(site):
    url, cat = site
    for _ in range(5):
        assert requests.get(f"{url}/search", params={"q": "公交"}, timeout=20).status_code == 200
    for _ in range(3):
        r = requests.get(f"{url}/api/v1/datasets", params={"q": "低空无人机"}, timeout=20)
        assert r.status_code == 200 and r.json()["total"] == 0
    requests.get(f"{url}/search", params={"q": "身份证 130602199001011234"}, timeout=20)
    requests.get(f"{url}/search", params={"theme": "health", "page": 1}, timeout=20)
    # written by the background thread within a few seconds, without anyone asking
    deadline = time.monotonic() + 10
    while sa.recorder(cat).pending() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.3)
    with cat.session() as s:
        events = s.execute(select(SearchEvent)).scalars().all()
        assert len(events) == 10
    columns = {c["name"] for c in inspect(cat.engine).get_columns("search_events")}
    assert not columns & {"user_id", "actor_id", "address", "ip", "session"}
    assert {e.surface for e in events} == {"page", "api"}
    assert all(e.took_ms >= 0 for e in events)
    masked = [e.query for e in events if e.query.startswith("身份证")]
    assert masked == ["身份证 #"]
    browse = [e for e in events if e.query == ""]
    assert browse[0].filters == {"theme": ["health"]} and browse[0].result_count >= 1

    assert "/login" in requests.get(f"{url}/curation/search-analytics", timeout=20).url
    user = signed_in(url, "user")
    assert user.get_page("/curation/search-analytics").status_code == 403
    assert user.get_page("/curation/search-analytics/export.csv").status_code == 403

    page = signed_in(url, "curator").get_page("/curation/search-analytics")
    assert page.status_code == 200 and 'id="chart-searches"' in page.text
    assert "<script>" not in page.text and "onclick" not in page.text
    totals = re.search(r'id="weekly-totals".*?<tbody>(.*?)</tbody>', page.text, re.S).group(1)
    cells = re.findall(r'<td class="num">([\d.]+)</td>', totals)
    assert cells[:2] == ["10", "4"]  # 3 of 低空无人机, 1 of 身份证 #
    top = re.search(r'class="dists top-queries"><tbody>(.*?)</tbody>', page.text, re.S).group(1)
    assert re.findall(r">([^<>]+)</a></td><td class=\"num\">(\d+)<", top)[:2] == [
        ("公交", "5"),
        ("低空无人机", "3"),
    ]
    zero = re.search(r'class="dists zero-queries"><tbody>(.*?)</tbody>', page.text, re.S).group(1)
    assert "低空无人机" in zero and "公交" not in zero

    export = signed_in(url, "curator").get_page("/curation/search-analytics/export.csv")
    assert export.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    by_query = {r["query"]: r for r in rows}
    assert by_query["公交"]["searches"] == "5" and by_query["公交"]["zero_result_searches"] == "0"
    assert by_query["低空无人机"]["zero_result_searches"] == "3"
    assert sum(int(r["searches"]) for r in rows) == 10


def test_a_failed_write_is_dropped_and_searches_go_on(sqlite_cat, monkeypatch):
    cat = sqlite_cat
    with pytest.raises(PermissionDenied):
        sa.weekly(cat, ANONYMOUS)
    monkeypatch.setattr(sa, "FLUSH_SECONDS", 60.0)  # no background write during the test
    rec = sa.recorder(cat)
    sa.run(cat, SearchQuery(text="=cmd|calc"), "api")
    assert rec.pending() == 1

    def database_down():
        raise RuntimeError("database down")

    with monkeypatch.context() as m:
        m.setattr(cat, "session", database_down)
        assert rec.flush() == 0 and rec.pending() == 0  # logged and dropped, not raised
        sa.run(cat, SearchQuery(text="=cmd|calc"), "api")  # searching still works
    curator = actor(cat, make_user(cat, "c@bureau.example.cn", "curator"))
    body = sa.csv_export(cat, curator)
    assert "'=cmd|calc,1,1,0" in body  # never a spreadsheet formula


def test_recording_can_be_turned_off(tmp_path):
    cat = build_catalog(
        tmp_path / "i", f"sqlite:///{tmp_path / 'c.db'}", extra={"search_analytics": False}
    )
    try:
        sa.run(cat, SearchQuery(text="x"))
        assert sa.recorder(cat).pending() == 0
    finally:
        cat.dispose()
