"""A missing or corrupt index leaves the pages serving with a notice; a rebuild repairs it."""

from __future__ import annotations

import shutil

import pytest
import requests

from catalog.services.indexing import rebuild_index
from tests.livesite import load_small_catalog, serve


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_pages_serve_with_notice_until_rebuild(tmp_path, damage):
    with serve(tmp_path, load_small_catalog) as (url, cat):
        index = cat.settings.index_path
        if damage == "missing":
            shutil.rmtree(index)
        else:
            (index / "meta.json").write_text("{ this is not json", encoding="utf-8")
            cat.search.close()

        page = requests.get(f"{url}/search", params={"q": "交通"}, timeout=10)
        assert page.status_code == 200
        assert "检索服务暂时不可用" in page.text and "catalog search rebuild" in page.text
        assert requests.get(f"{url}/", timeout=10).status_code == 200
        ds = requests.get(f"{url}/dataset/bus-routes", timeout=10)
        assert ds.status_code == 200 and "保定市公交线路信息" in ds.text
        api = requests.get(f"{url}/api/v1/datasets", params={"q": "交通"}, timeout=10)
        assert api.status_code == 503
        assert api.json()["error"]["code"] == "search_unavailable"

        assert rebuild_index(cat) == 17
        body = requests.get(f"{url}/api/v1/datasets", params={"q": "交通"}, timeout=10).json()
        assert body["total"] >= 14
        assert (
            "检索服务暂时不可用"
            not in requests.get(f"{url}/search", params={"q": "交通"}, timeout=10).text
        )


def test_healthz_reports_database_and_search(tmp_path):
    with serve(tmp_path, load_small_catalog) as (url, cat):
        ok = requests.get(f"{url}/healthz", timeout=10)
        assert ok.status_code == 200
        assert ok.json() == {
            "status": "ok",
            "database": "ok",
            "search": {"ok": True, "backend": "embedded"},
        }
        shutil.rmtree(cat.settings.index_path)
        degraded = requests.get(f"{url}/healthz", timeout=10)
        assert degraded.status_code == 200
        assert degraded.json()["search"]["ok"] is False
