"""Curators merge and split organizations through the pages (issue 12, item 4); the merged
organization's old address redirects; others get 403. Over a real socket."""

from __future__ import annotations

import re

import requests
from sqlalchemy import select

from catalog.models import Dataset
from catalog.services import datasets, organizations
from catalog.services.authz import SYSTEM
from tests.livesite import serve
from tests.portal import PASSWORD, make_user
from tests.webclient import WebClient


def _load(cat) -> None:
    for name, title in (("tjj", "统计局"), ("xm-tjj", "厦门市统计局")):
        organizations.create_organization(
            cat, SYSTEM, {"name": name, "title": title, "org_type": "government"}
        )
    for name, org in (("xm-book", "tjj"), ("fz-book", "tjj"), ("prices", "xm-tjj")):
        datasets.create_dataset(
            cat,
            SYSTEM,
            {"name": name, "title": f"年鉴{name}", "organization": org},
            status="published",
        )
    make_user(cat, "curator@bureau.example.cn", "curator")
    make_user(cat, "someone@ai.example.com")


def test_merge_and_split_in_the_pages(tmp_path) -> None:
    with serve(tmp_path / "site", _load) as (url, cat):
        outsider = WebClient(url)
        outsider.login("someone@ai.example.com", PASSWORD)
        assert outsider.get_page("/curation/organizations/tjj").status_code == 403
        web = WebClient(url)
        web.login("curator@bureau.example.cn", PASSWORD)
        page = web.get_page("/organization/tjj").text
        assert "/curation/organizations/tjj" in page
        page = web.get_page("/curation/organizations/tjj").text
        assert "合并到另一机构" in page and "拆分出新机构" in page
        ids = dict(re.findall(r'value="([0-9a-f]{32})" data-name="([^"]+)"', page))
        by_name = {v: k for k, v in ids.items()}
        r = web.submit(
            "/curation/organizations/tjj/split",
            {"title": "福州市统计局", "name": "fz-tjj", "dataset": by_name["fz-book"]},
            form_page="/curation/organizations/tjj",
        )
        assert r.url.endswith("/organization/fz-tjj") and "已拆分：1 个数据集" in r.text
        r = web.submit(
            "/curation/organizations/tjj/merge",
            {"target": "", "note": ""},
            form_page="/curation/organizations/tjj",
        )
        assert r.status_code == 422
        r = web.submit(
            "/curation/organizations/tjj/merge",
            {"target": "xm-tjj", "note": "同一部门"},
            form_page="/curation/organizations/tjj",
        )
        assert r.url.endswith("/organization/xm-tjj") and "已合并：迁移了 1 个数据集" in r.text
        old = requests.get(f"{url}/organization/tjj", allow_redirects=False, timeout=10)
        assert old.status_code == 301 and old.headers["Location"].endswith("/organization/xm-tjj")
        assert requests.get(f"{url}/organization/never-was", timeout=10).status_code == 404
        with cat.session() as s:
            orgs = {d.name: d.organization.name for d in s.execute(select(Dataset)).scalars()}
        assert orgs == {"xm-book": "xm-tjj", "fz-book": "fz-tjj", "prices": "xm-tjj"}


def _load_domains(cat) -> None:
    from catalog.services import harvest

    make_user(cat, "curator@bureau.example.cn", "curator")
    src = harvest.register_source(
        cat, SYSTEM, name="sheet", kind="spreadsheet", url="/tmp/sheet.csv"
    )
    for n, values in enumerate(("城市更新", "城市更新、数字经济", "数字经济", "")):
        datasets.create_dataset(
            cat,
            SYSTEM,
            {"name": f"d{n}", "title": f"资源{n}", "extras": {"unmapped_domains": values}},
            status="published",
            provenance={"source_id": src.id},
        )


def test_unmapped_domain_values_page(tmp_path) -> None:
    with serve(tmp_path / "site", _load_domains) as (url, cat):
        web = WebClient(url)
        web.login("curator@bureau.example.cn", PASSWORD)
        assert "/curation/domains" in web.get_page("/curation").text
        page = web.get_page("/curation/domains").text
        rows = re.findall(r'<tr data-value="([^"]+)">\s*<td>[^<]+</td><td>(\d+)</td>', page)
        assert rows == [("城市更新", "2"), ("数字经济", "2")]
        r = web.submit(
            "/curation/domains", {"value": "城市更新", "theme": ""}, form_page="/curation/domains"
        )
        assert r.status_code == 422 and "请选择主题" in r.text
        r = web.submit(
            "/curation/domains",
            {"value": "城市更新", "theme": "urban"},
            form_page="/curation/domains",
        )
        assert "现有 2 个数据集已更新" in r.text
        assert re.findall(r'<tr data-value="([^"]+)">', r.text) == ["数字经济"]
        assert 'id="mapped"' in r.text and "城建住房" in r.text
        r = web.submit(
            "/curation/domains",
            {"value": "数字经济", "theme": "none"},
            form_page="/curation/domains",
        )
        assert 'id="none-unmapped"' in r.text and "无合适主题" in r.text
        with cat.session() as s:
            themes = {d.name: d.themes for d in s.execute(select(Dataset)).scalars()}
        assert themes == {"d0": ["urban"], "d1": ["urban"], "d2": [], "d3": []}
        anonymous = requests.get(f"{url}/curation/domains", timeout=10, allow_redirects=False)
        assert anonymous.status_code in (302, 401)
