"""Against a real CKAN 2.12 (``../shared/tools/ckan-peer``) and against our own API.

The session fixture ``peer`` starts the peer with its ``up.sh`` (idempotent: seconds when it
already runs, about a minute from nothing, the CKAN install included) and loads 40 real
records (``load.py --agencies gsa,fcc --limit 20``); it stops the peer at the end only if
it started it. The folder is taken from ``CKAN_PEER_DIR`` or ``../shared/tools/ckan-peer``;
without either the peer tests are skipped, and a peer that does not start FAILS them with
its output. ``CKAN_PEER_PORT`` picks the port (5005).

* one conformance suite of CKAN API behaviours, run on both servers (``server`` is
  parametrised ``peer`` / ``ours``), so the suite itself is proven on CKAN; it includes
  writes (POST only, refused without a valid key, create / patch / resource_create /
  delete and CKAN's error envelopes, ``writer``) and a file upload with the ``ckanapi``
  command (the peer keeps files: ``up.sh`` sets ``ckan.storage_path``);
* keyset paging with the real ``ckanapi`` client while records change: no misses, and an
  id read twice only because it was edited in between;
* harvesting the peer while its records are edited, then after edits, additions and
  deletions: the catalog ends with exactly the peer's content.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from ckanapi import RemoteCKAN, SearchQueryError
from sqlalchemy import select

from catalog.context import Catalog, open_catalog
from catalog.models import Dataset, DatasetSource
from catalog.services import datasets as dataset_service
from catalog.services import harvest as svc
from catalog.services.authz import SYSTEM
from harvesters.ckan import CkanHarvester
from harvesters.pipeline import Outcome, run_job
from tests.apisite import load_api_catalog
from tests.livesite import serve
from tests.test_ckan_write import _ckanapi

HERE = Path(__file__).resolve().parent
PEER_DIR = Path(
    os.environ.get("CKAN_PEER_DIR") or HERE.parents[1] / "shared" / "tools" / "ckan-peer"
)
PEER_PORT = int(os.environ.get("CKAN_PEER_PORT") or 5005)
PEER_ROOT = Path(os.environ.get("CKAN_PEER_ROOT") or "/tmp/ckan-peer")
FAST = {"timeout": 10.0, "retries": 1, "backoff": 0.05, "withdraw_after_hours": 0}
# the peer keeps uploaded files (up.sh sets ckan.storage_path) up to ckan.max_resource_size,
# 10 MB by default; our server in these tests takes the same
PEER_MAX_RESOURCE_BYTES = 10 * 1024 * 1024


class Peer:
    def __init__(self, url: str, token: str):
        self.url = url
        self.token = token

    def admin(self) -> RemoteCKAN:
        return RemoteCKAN(self.url, apikey=self.token)


def _answers(url: str) -> bool:
    try:
        return requests.get(url + "/api/3/action/status_show", timeout=3).ok
    except requests.RequestException:
        return False


@pytest.fixture(scope="session")
def peer() -> Iterator[Peer]:
    if not (PEER_DIR / "up.sh").is_file():
        pytest.skip(f"no CKAN peer at {PEER_DIR} (set CKAN_PEER_DIR)")
    url = f"http://127.0.0.1:{PEER_PORT}"
    was_up = _answers(url)
    proc = subprocess.run(
        ["bash", str(PEER_DIR / "up.sh"), str(PEER_PORT)],
        cwd=PEER_DIR,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if proc.returncode != 0 or not _answers(url):
        pytest.fail(
            f"the CKAN peer did not start (up.sh exit {proc.returncode}):\n"
            f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}",
            pytrace=False,
        )
    m = re.search(r"CKAN_URL=(\S+)", proc.stdout)
    url = m.group(1) if m else url
    token = (PEER_ROOT / "token.txt").read_text().strip()
    load = subprocess.run(
        [str(PEER_ROOT / "venv" / "bin" / "python"), "load.py", "--agencies", "gsa,fcc"]
        + ["--limit", "20", "--url", url, "--token", token],
        cwd=PEER_DIR,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if load.returncode != 0:
        pytest.fail(f"load.py failed:\n{load.stdout[-2000:]}\n{load.stderr[-2000:]}")
    try:
        yield Peer(url, token)
    finally:
        if not was_up:
            subprocess.run(["bash", str(PEER_DIR / "down.sh")], cwd=PEER_DIR, timeout=120)


@pytest.fixture(scope="module")
def ours_with_keys(tmp_path_factory) -> Iterator[tuple[str, Catalog, dict]]:
    info: dict = {}
    with serve(
        tmp_path_factory.mktemp("ckan-ours"),
        lambda cat: info.update(load_api_catalog(cat)),
        upload_max_bytes=PEER_MAX_RESOURCE_BYTES,  # the peer's limit, for the upload checks
    ) as (url, cat):
        yield url, cat, info


@pytest.fixture(scope="module")
def ours(ours_with_keys) -> tuple[str, Catalog]:
    return ours_with_keys[0], ours_with_keys[1]


@pytest.fixture(params=["peer", "ours"])
def server(request) -> str:
    if request.param == "peer":
        return request.getfixturevalue("peer").url
    return request.getfixturevalue("ours")[0]


# -- one conformance suite, two servers ------------------------------------------------------
def _ids(result: dict) -> list[str]:
    return [p["id"] for p in result["results"]]


@pytest.mark.parametrize("field", ["name", "metadata_modified", "metadata_created", "id"])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_sort_both_ways_with_a_stable_tie_break(server, field, direction):
    with RemoteCKAN(server) as ckan:
        res = ckan.action.package_search(rows=1000, sort=f"{field} {direction}")
        got = res["results"]
        assert got and len(got) == res["count"]
        keys = [p[field] for p in got]
        assert keys == sorted(keys, reverse=direction == "desc")
        paged: list[str] = []
        for start in range(0, len(got), 7):
            paged += _ids(
                ckan.action.package_search(rows=7, start=start, sort=f"{field} {direction}")
            )
        assert paged == [p["id"] for p in got]


def test_unknown_sort_is_a_search_query_error(server):
    with RemoteCKAN(server) as ckan, pytest.raises(SearchQueryError):
        ckan.action.package_search(sort="no_such_field asc")


def test_rows_over_1000_are_capped_not_refused(server):
    r = requests.get(server + "/api/3/action/package_search", params={"rows": 5000}, timeout=60)
    assert r.status_code == 200
    res = r.json()["result"]
    assert len(res["results"]) == min(res["count"], 1000)


def test_date_ranges_and_exclusions(server):
    with RemoteCKAN(server) as ckan:
        every = ckan.action.package_search(rows=1000, sort="metadata_modified asc")["results"]
        middle = every[len(every) // 2]["metadata_modified"]
        since = ckan.action.package_search(
            fq=f"metadata_modified:[{middle}Z TO *]", rows=1000, sort="metadata_modified asc"
        )
        assert _ids(since) == [p["id"] for p in every if p["metadata_modified"] >= middle]
        org = every[0]["organization"]["name"]
        others = ckan.action.package_search(fq=f"-organization:{org}", rows=1000)
        assert others["count"] == len([p for p in every if p["organization"]["name"] != org])
        assert org not in {p["organization"]["name"] for p in others["results"]}


def test_an_invalid_key_reads_as_anonymous(server):
    with RemoteCKAN(server, apikey="not-a-valid-key") as stranger, RemoteCKAN(server) as anon:
        assert stranger.action.package_list() == anon.action.package_list()
        res = stranger.action.package_search(rows=1)
        assert res["count"] == anon.action.package_search(rows=1)["count"]


def test_organization_show_includes_the_newest_ten_datasets(server):
    with RemoteCKAN(server) as ckan:
        orgs = ckan.action.organization_list(all_fields=True, sort="package_count desc")
        org = orgs[0]
        assert org["package_count"] > 10  # gsa on the peer, transport-bureau here
        shown = ckan.action.organization_show(id=org["name"], include_datasets=True)
        newest = ckan.action.package_search(
            fq=f'organization:"{org["name"]}"', rows=10, sort="metadata_modified desc"
        )["results"]
        assert [p["id"] for p in shown["packages"]] == [p["id"] for p in newest]
        assert shown["package_count"] == org["package_count"]
        assert all(p["resources"] is not None for p in shown["packages"])
        assert "packages" not in ckan.action.organization_show(id=org["name"])


@pytest.fixture(params=["peer", "ours"])
def writer(request) -> tuple[str, str, str]:
    """(url, key of someone who may publish, an organization) on each server."""
    if request.param == "peer":
        peer = request.getfixturevalue("peer")
        return peer.url, peer.token, "gsa"
    url, _cat, info = request.getfixturevalue("ours_with_keys")
    return url, info["curator"], "medai"


def test_writes_are_post_only_and_need_a_valid_key(server):
    r = requests.get(server + "/api/3/action/package_create", timeout=30)
    assert r.status_code == 400 and "Please use POST method" in r.text
    for headers in ({}, {"Authorization": "not-a-valid-key"}):
        r = requests.post(
            server + "/api/3/action/package_create",
            json={"name": f"dpc-anon-{uuid.uuid4().hex[:8]}", "title": "x"},
            headers=headers,
            timeout=30,
        )
        assert r.status_code == 403, r.text
        body = r.json()
        assert body["success"] is False and body["error"]["__type"] == "Authorization Error"
        assert body["error"]["message"].startswith("Access denied")


def test_create_patch_and_delete_in_ckans_envelopes(writer):
    url, token, org = writer
    name = f"dpc-write-{uuid.uuid4().hex[:8]}"
    key = {"Authorization": token}
    with RemoteCKAN(url, apikey=token) as ckan:
        made = ckan.action.package_create(
            name=name,
            title="Write test",
            notes="first",
            owner_org=org,
            tags=[{"name": "alpha"}],
            resources=[{"url": "https://example.org/a.csv", "name": "A", "format": "CSV"}],
        )
        try:
            assert (made["name"], made["state"]) == (name, "active")
            assert made["organization"]["name"] == org
            patched = ckan.action.package_patch(id=made["id"], notes="patched")
            assert (patched["notes"], patched["title"]) == ("patched", "Write test")
            assert [t["name"] for t in patched["tags"]] == ["alpha"]
            assert [r["url"] for r in patched["resources"]] == ["https://example.org/a.csv"]
            res = ckan.action.resource_create(
                package_id=made["id"], url="https://example.org/b.csv", name="B"
            )
            assert (res["url"], res["name"]) == ("https://example.org/b.csv", "B")
            assert len(ckan.action.package_show(id=name)["resources"]) == 2
            r = requests.post(
                url + "/api/3/action/package_patch",
                json={"id": made["id"], "tags": [{"name": "x" * 101}]},
                headers=key,
                timeout=30,
            )
            assert r.status_code == 409, r.text
            assert r.json()["error"]["__type"] == "Validation Error" and "tags" in r.json()["error"]
            r = requests.post(
                url + "/api/3/action/package_patch",
                json={"id": f"no-such-{name}", "notes": "x"},
                headers=key,
                timeout=30,
            )
            assert r.status_code == 404 and r.json()["error"]["__type"] == "Not Found Error"
            ckan.action.package_delete(id=made["id"])
            assert ckan.action.package_show(id=made["id"])["state"] == "deleted"
            assert name not in ckan.action.package_list()
        finally:
            if org == "gsa":  # the peer: leave it as it was
                ckan.action.dataset_purge(id=made["id"])


def test_resource_upload_with_the_ckanapi_command(writer, tmp_path):
    """``ckanapi action resource_create ... upload@file``: the file is kept and served at the
    resource's url; a file over the limit is CKAN's 409 on ``upload`` and adds nothing."""
    url, token, org = writer
    data = b"station,year,riders\nBaoding,2024,1200\n"
    sample = tmp_path / "riders.csv"
    sample.write_bytes(data)
    name = f"dpc-upload-{uuid.uuid4().hex[:8]}"
    with RemoteCKAN(url, apikey=token) as ckan:
        made = ckan.action.package_create(name=name, title="Upload test", owner_org=org)
        try:
            proc = _ckanapi(
                "action", "resource_create", "-r", url, "-a", token,
                f"package_id={made['id']}", "name=Riders", f"upload@{sample}",
            )  # fmt: skip
            assert proc.returncode == 0, proc.stderr[-2000:]
            res = json.loads(proc.stdout)
            assert (res["url_type"], res["name"], res["size"]) == ("upload", "Riders", len(data))
            assert res["url"].endswith("/riders.csv") and res["url"].startswith(url)
            assert (res["format"].upper(), res["mimetype"]) == ("CSV", "text/csv")
            got = requests.get(res["url"], timeout=30)
            assert got.status_code == 200 and got.content == data
            shown = ckan.action.package_show(id=name)
            assert [r["url"] for r in shown["resources"]] == [res["url"]]
            big = {"upload": ("big.csv", b"x" * (PEER_MAX_RESOURCE_BYTES + 1))}
            r = requests.post(
                url + "/api/3/action/resource_create",
                data={"package_id": made["id"]},
                files=big,
                headers={"Authorization": token},
                timeout=120,
            )
            assert r.status_code == 409, r.text[:500]
            error = r.json()["error"]
            assert error["__type"] == "Validation Error" and error["upload"], error
            assert len(ckan.action.package_show(id=name)["resources"]) == 1
        finally:
            if org == "gsa":  # the peer: leave it as it was
                ckan.action.dataset_purge(id=made["id"])


# -- keyset paging while records change ------------------------------------------------------
def keyset_read(ckan: RemoteCKAN, rows: int, on_page: Callable[[int], None]) -> list[dict]:
    """What a careful CKAN client does (and ``harvesters.ckan``): sort by
    (metadata_modified, id), ask for ``[last TO *]``, skip the (id, stamp) pairs already
    read at that boundary; a page of one stamp only pages on with ``start``."""
    out: list[dict] = []
    read: set[tuple[str, str]] = set()
    cursor, start, page_no = None, 0, 0
    while True:
        params = {"rows": rows, "start": start, "sort": "metadata_modified asc, id asc"}
        if cursor:
            params["fq"] = f"metadata_modified:[{cursor}Z TO *]"
        page = ckan.action.package_search(**params)["results"]
        for pkg in page:
            key = (pkg["id"], pkg["metadata_modified"])
            if key not in read:
                read.add(key)
                out.append(pkg)
        if len(page) < rows:
            return out
        on_page(page_no)  # the catalog changes while the client reads
        page_no += 1
        stamps = {p["metadata_modified"] for p in page}
        start = start + len(page) if stamps == {cursor} else 0
        cursor = max(stamps)


def _check_read(read: list[dict], final: dict[str, str], edited: set[str]) -> None:
    seen: dict[str, list[str]] = {}
    for pkg in read:
        seen.setdefault(pkg["id"], []).append(pkg["metadata_modified"])
    assert set(seen) == set(final), "missed or extra records"
    for rid, stamps in seen.items():
        assert len(stamps) == len(set(stamps)), f"{rid} read twice with the same stamp"
        if len(stamps) > 1:
            assert rid in edited
        assert stamps[-1] == final[rid], f"{rid}: the last read is not the final version"


def test_paging_ours_with_ckanapi_while_records_change(ours):
    url, cat = ours
    with RemoteCKAN(url) as ckan:
        start = ckan.action.package_search(rows=1000, sort="metadata_modified asc")["results"]
        names = [p["name"] for p in start]
        edited: set[str] = set()

        def edit(page_no: int) -> None:  # after each page: edit a record read and one unread
            if page_no >= len(names) // 2:
                return
            for name in (names[page_no], names[-1 - page_no]):
                ds = dataset_service.update_dataset(
                    cat, SYSTEM, name, {"description": f"edited on page {page_no}"}
                )
                cat.sync_index()
                edited.add(ds.id)

        read = keyset_read(ckan, 3, edit)
        final = {
            p["id"]: p["metadata_modified"]
            for p in ckan.action.package_search(rows=1000)["results"]
        }
    _check_read(read, final, edited)
    assert len(edited) > 4


def test_paging_the_peer_with_ckanapi_while_records_change(peer):
    with peer.admin() as ckan:
        start = ckan.action.package_search(rows=1000, sort="metadata_modified asc")["results"]
        ids = [p["id"] for p in start]
        edited: set[str] = set()

        def edit(page_no: int) -> None:
            if page_no >= len(ids) // 2:
                return
            for rid in (ids[page_no], ids[-1 - page_no]):
                ckan.action.package_patch(id=rid, notes=f"edited on page {page_no} {uuid.uuid4()}")
                edited.add(rid)

        read = keyset_read(ckan, 7, edit)
        final = {
            p["id"]: p["metadata_modified"]
            for p in ckan.action.package_search(rows=1000)["results"]
        }
    _check_read(read, final, edited)


# -- harvesting the peer ---------------------------------------------------------------------
@pytest.fixture
def peer_org(peer) -> Iterator[tuple[str, list[dict]]]:
    """A fresh organization on the peer with 23 records copied from the loaded ones."""
    name = f"dpc-test-{uuid.uuid4().hex[:8]}"
    with peer.admin() as ckan:
        ckan.action.organization_create(name=name, title=f"Test {name}")
        source = ckan.action.package_search(rows=23, sort="name asc", fq="organization:gsa")
        made = []
        for i, pkg in enumerate(source["results"]):
            made.append(
                ckan.action.package_create(
                    name=f"{name}-{i}",
                    title=pkg["title"],
                    notes=pkg.get("notes") or "",
                    owner_org=name,
                    license_id=pkg.get("license_id") or "notspecified",
                    tags=[{"name": t["name"]} for t in pkg.get("tags", [])[:5]],
                    resources=[
                        {"url": r["url"], "format": r.get("format") or ""}
                        for r in pkg["resources"][:2]
                    ],
                    extras=pkg.get("extras", []),
                )
            )
        yield name, made
        for pkg in ckan.action.package_search(rows=1000, fq=f"organization:{name}")["results"]:
            ckan.action.dataset_purge(id=pkg["id"])
        ckan.action.organization_purge(id=name)


@pytest.fixture
def cat(tmp_path) -> Iterator[Catalog]:
    c = open_catalog(instance_path=tmp_path / "instance")
    c.migrate()
    c.create_index_if_missing()
    try:
        yield c
    finally:
        c.dispose()


def _harvest(cat: Catalog, url: str, org: str, **config: object) -> Outcome:
    src = svc.find_source(cat, "ckan", url)
    if src is None:
        src = svc.register_source(
            cat,
            SYSTEM,
            name=svc.default_source_name("ckan", url),
            kind="ckan",
            url=url,
            config={**FAST, "include_organizations": [org], **config},
            trusted=True,
        )
    job = svc.enqueue_job(cat, SYSTEM, src.id)
    return run_job(cat, svc.start_job(cat, job.id))


def _peer_state(ckan: RemoteCKAN, org: str) -> dict[str, str]:
    rows = ckan.action.package_search(rows=1000, fq=f"organization:{org}")["results"]
    return {p["id"]: p["notes"] for p in rows}


def _our_state(cat: Catalog) -> dict[str, str]:
    with cat.session() as s:
        rows = s.execute(
            select(DatasetSource.source_record_id, Dataset.description, Dataset.status).join(
                Dataset, Dataset.id == DatasetSource.dataset_id
            )
        ).all()
    return {rid: desc for rid, desc, status in rows if status == "published"}


def test_harvest_the_peer_while_it_changes(cat, peer, peer_org, monkeypatch):
    org, made = peer_org
    ckan = peer.admin()
    calls = {"search": 0}
    real_call = CkanHarvester._call

    def call(self, action, **params):  # edit the peer between the harvester's pages
        if action == "package_search" and params.get("rows") == 5:
            n = calls["search"]
            calls["search"] += 1
            if n < len(made):
                ckan.action.package_patch(id=made[n]["id"], notes=f"edited during run {n}")
                ckan.action.package_patch(id=made[-1 - n]["id"], notes=f"edited ahead {n}")
        return real_call(self, action, **params)

    monkeypatch.setattr(CkanHarvester, "_call", call)
    first = _harvest(cat, peer.url, org, page_size=5)
    assert first.state == "done", svc.job_errors(cat, first.job_id, 50)
    monkeypatch.setattr(CkanHarvester, "_call", real_call)
    ours = _our_state(cat)
    theirs = _peer_state(ckan, org)
    assert set(ours) == set(theirs)  # nothing skipped
    # records edited after they were read arrive with the next run
    second = _harvest(cat, peer.url, org, page_size=5)
    assert second.state == "done"
    assert _our_state(cat) == _peer_state(ckan, org)
    # between runs: an edit, an addition, a deletion
    ckan.action.package_patch(id=made[3]["id"], notes="edited between runs")
    added = ckan.action.package_create(
        name=f"{org}-added", title="Added between runs", notes="new", owner_org=org
    )
    ckan.action.package_delete(id=made[5]["id"])
    third = _harvest(cat, peer.url, org, page_size=5)
    assert third.state == "done", svc.job_errors(cat, third.job_id, 50)
    assert (third.counts.new, third.counts.withdrawn) == (1, 1)
    assert _our_state(cat) == _peer_state(ckan, org)
    assert added["id"] in _our_state(cat)
    ckan.close()


def test_harvest_the_peer_maps_its_fields(cat, peer, peer_org):
    org, made = peer_org
    out = _harvest(cat, peer.url, org)
    assert out.state == "done", svc.job_errors(cat, out.job_id, 50)
    assert out.counts.new == len(made)
    with cat.session() as s:
        by_remote = {
            rid: ds
            for rid, ds in s.execute(
                select(DatasetSource.source_record_id, Dataset).join(
                    Dataset, Dataset.id == DatasetSource.dataset_id
                )
            ).all()
        }
        for pkg in made:
            ds = by_remote[pkg["id"]]
            assert ds.title == pkg["title"]
            assert ds.organization.name == org
            urls = {d.access_url for d in ds.distributions}
            assert urls == {r["url"] for r in pkg["resources"]}
            extras = {e["key"]: e["value"] for e in pkg.get("extras", [])}
            if re.match(r"^\d{4}-\d{2}-\d{2}", extras.get("modified", "")):
                assert str(ds.modified)[:10] == extras["modified"][:10]
            if pkg.get("license_id") == "notspecified":
                assert ds.license is None
