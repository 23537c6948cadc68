"""The bureau's dashboard: counts, server-drawn charts with nothing loaded from elsewhere,
the review backlog with its age, harvest jobs, quality by publisher."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests
from sqlalchemy import update

from catalog.models import AuditEvent, HarvestJob, HarvestSource, utcnow
from catalog.services import curation, datasets, partners
from tests.livesite import serve
from tests.portal import PASSWORD, actor, application, load_portal, make_user
from tests.webclient import WebClient

info: dict = {}


def _load(cat) -> None:
    info.update(load_portal(cat))
    member = actor(cat, info["people"]["member"])
    old = datasets.create_dataset(
        cat, member, {"title": "积压的提交", "organization": info["org_a"]}
    )
    curation.submit(cat, member, old.id)
    with cat.session() as s:  # submitted ten days ago
        s.execute(
            update(AuditEvent)
            .where(AuditEvent.object_id == old.id, AuditEvent.action == "dataset.submitted")
            .values(at=utcnow() - timedelta(days=10))
        )
    fresh = datasets.create_dataset(
        cat, member, {"title": "新的提交", "organization": info["org_a"]}
    )
    curation.submit(cat, member, fresh.id)
    partners.apply(cat, actor(cat, make_user(cat, "ceo@third.example.cn")), application(77))
    with cat.session() as s:
        src = HarvestSource(name="baoding-ckan", kind="ckan", url="https://ckan.example/")
        s.add(src)
        s.flush()
        s.add_all(
            [
                HarvestJob(source_id=src.id, state="done", count_new=120, finished_at=utcnow()),
                HarvestJob(
                    source_id=src.id,
                    state="done_with_errors",
                    count_new=3,
                    count_errors=2,
                    finished_at=utcnow(),
                ),
                HarvestJob(source_id=src.id, state="failed", log="connection refused"),
            ]
        )


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("web-dashboard"), _load) as (url, cat):
        yield url, cat


def test_dashboard_counts_and_charts(site) -> None:
    url, _cat = site
    web = WebClient(url)
    web.login(info["people"]["curator"].email, PASSWORD)
    page = web.get_page("/dashboard").text
    assert re.search(r'id="count-published">17<', page)
    assert re.search(r'id="count-waiting">2<', page)
    for chart in (
        "chart-theme",
        "chart-openness",
        "chart-kind",
        "chart-publisher",
        "chart-waiting",
        "chart-jobs",
        "chart-quality",
    ):
        assert f'<svg class="chart" id="{chart}"' in page, chart
    assert "保定市交通运输局" in page and "交通" in page and "无条件开放" in page
    # backlog by age: one under a day, one in 7-30 days
    waiting = page.split('id="chart-waiting"')[1].split("</svg>")[0]
    assert re.findall(r'class="value">(\d+)<', waiting) == ["1", "0", "1", "0"]
    assert "积压的提交" in page and "10 天" in page
    jobs = page.split('id="chart-jobs"')[1].split("</svg>")[0]
    assert "完成但有错误" in jobs and "失败" in jobs
    assert "baoding-ckan" in page
    # nothing outside loads here: no scripts, styles or images from other hosts
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', page)
    # the charts need no script: the only ones are the site's search-box suggester and the
    # shared combobox it is built on
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", page, re.S)
    assert scripts == ["", ""]  # no inline code
    assert re.findall(r'<script src="(/static/[^"?]+)\?v=\w+"', page) == [
        "/static/combobox.js",
        "/static/suggest.js",
    ]


def test_dashboard_is_for_curators(site) -> None:
    url, _cat = site
    web = WebClient(url)
    web.login(info["people"]["admin"].email, PASSWORD)
    assert web.get_page("/dashboard").status_code == 403
    r = requests.get(f"{url}/dashboard", timeout=10, allow_redirects=False)
    assert r.status_code == 302 and "/login" in r.headers["Location"]
