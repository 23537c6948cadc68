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
