"""A missing or corrupt index leaves the pages serving with a notice; a rebuild repairs it."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
import requests

from catalog.context import open_catalog
from catalog.models import IndexOutbox
from catalog.services import datasets
from catalog.services.authz import SYSTEM
from catalog.services.indexing import rebuild_index
from tests.livesite import load_small_catalog, serve, serve_process


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
            "search": {
                "ok": True,
                "backend": "embedded",
                "state": "ok",
                "missing": 0,
                "queued": 0,
            },
        }
        shutil.rmtree(cat.settings.index_path)
        degraded = requests.get(f"{url}/healthz", timeout=10)
        assert degraded.status_code == 200
        assert degraded.json()["search"]["ok"] is False


# -- a server in its own process: a crash of the engine would kill it, and that shows -------
def _prepare(instance: Path, load=load_small_catalog) -> None:
    cat = open_catalog(instance_path=instance)
    try:
        cat.migrate()
        cat.create_index_if_missing()
        load(cat)
    finally:
        cat.dispose()


def test_a_segment_file_cut_short_under_a_running_server_does_not_kill_it(tmp_path):
    """Before: truncating a file the engine had mapped killed the server with SIGBUS (or a
    Rust panic) on the next search. Now the files are checked before each read."""
    instance = tmp_path / "site"
    _prepare(instance)
    with serve_process(instance) as (url, proc):
        first = requests.get(f"{url}/search", params={"q": "交通"}, timeout=10)
        assert first.status_code == 200 and "检索服务暂时不可用" not in first.text
        assert requests.get(f"{url}/healthz", timeout=10).json()["search"]["state"] == "ok"

        index = instance / "search-index"
        cut = [p for p in index.iterdir() if p.suffix in (".fieldnorm", ".term", ".store")]
        assert cut
        for path in cut:
            os.truncate(path, path.stat().st_size // 2)

        # a search page rendered before the damage may be served as it was kept (the page
        # cache); the searches below were never read before, so they reach the engine
        for word in ("公交", "线路", "公交"):
            page = requests.get(f"{url}/search", params={"q": word}, timeout=10)
            assert page.status_code == 200
            assert "检索服务暂时不可用" in page.text and "catalog search rebuild" in page.text
        api = requests.get(f"{url}/api/v1/datasets", params={"q": "交通"}, timeout=10)
        assert api.status_code == 503
        health = requests.get(f"{url}/healthz", timeout=10).json()
        assert health["status"] == "ok"
        assert health["search"]["ok"] is False and health["search"]["state"] == "unavailable"
        assert requests.get(f"{url}/dataset/bus-routes", timeout=10).status_code == 200
        assert proc.poll() is None, "the server process died"

        # a rebuild (another process) repairs it; the running server reopens the new folder
        cat = open_catalog(instance_path=instance)
        try:
            assert rebuild_index(cat) == 17
        finally:
            cat.dispose()
        again = requests.get(f"{url}/search", params={"q": "交通"}, timeout=10)
        assert again.status_code == 200 and "检索服务暂时不可用" not in again.text
        assert proc.poll() is None


def test_a_flipped_byte_is_found_by_the_checksum_at_open(tmp_path):
    instance = tmp_path / "site"
    _prepare(instance)
    store = max((instance / "search-index").glob("*.store"), key=lambda p: p.stat().st_size)
    data = bytearray(store.read_bytes())
    data[len(data) // 3] ^= 0xFF
    store.write_bytes(bytes(data))
    with serve_process(instance) as (url, proc):
        page = requests.get(f"{url}/search", params={"q": "交通"}, timeout=10)
        assert page.status_code == 200 and "检索服务暂时不可用" in page.text
        health = requests.get(f"{url}/healthz", timeout=10).json()["search"]
        assert health["state"] == "unavailable"
        assert proc.poll() is None


def _queue_without_draining(instance: Path, title: str) -> str:
    """A committed change whose index drain never ran (the process crashed after the
    commit): the dataset is stored and queued, the index does not have it."""
    cat = open_catalog(instance_path=instance)
    try:
        cat._deferred.on = True  # as inside deferred_indexing: the drain after the commit waits
        ds = datasets.create_dataset(
            cat, SYSTEM, {"title": title, "organization": "transport-bureau"}, status="published"
        )
        with cat.session() as s:
            assert s.query(IndexOutbox).filter_by(dataset_id=ds.id).count() == 1
        return ds.id
    finally:  # the crash: the process ends before it drains
        cat.dispose()


def test_the_outbox_drains_at_start_and_on_a_timer(tmp_path):
    """Before: queued index changes waited for the next write; a crash between a commit
    and its drain left the dataset out of search while status said ok."""
    instance = tmp_path / "site"
    _prepare(instance)
    _queue_without_draining(instance, "停车场泊位实时数据")
    with serve_process(instance, CATALOG_INDEX_DRAIN_SECONDS="1") as (url, proc):
        # the first request starts the drainer, whose first round runs at once
        requests.get(f"{url}/healthz", timeout=10)
        assert _eventually(lambda: _found(url, "停车场泊位") == 1)
        health = requests.get(f"{url}/healthz", timeout=10).json()["search"]
        assert (health["state"], health["missing"], health["queued"]) == ("ok", 0, 0)

        # a change queued by another process while this one runs: the timer picks it up
        _queue_without_draining(instance, "共享单车停放点位")
        lagging = requests.get(f"{url}/healthz", timeout=10).json()["search"]
        assert _eventually(lambda: _found(url, "共享单车") == 1)
        assert lagging["queued"] in (0, 1)  # the timer may already have run
        assert proc.poll() is None


def _found(url: str, q: str) -> int:
    return requests.get(f"{url}/api/v1/datasets", params={"q": q}, timeout=10).json()["total"]


def _eventually(check, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False
