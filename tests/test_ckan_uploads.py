"""Files uploaded through the CKAN API (``resource_create`` / ``resource_update`` /
``resource_patch`` with a multipart ``upload``), sent by the real ``ckanapi`` command over a
socket, on SQLite and PostgreSQL.

A file is kept by the same service as the editor's uploads (``catalog.services.uploads``:
size cap, file types, SHA-256, ``file.upload`` audit), the resource links to our download of
it, a partner's change goes to review as any other, and a restricted resource's file is
never named to, nor served to, anyone who may not see it. The same upload is checked on a
real CKAN 2.12 in ``tests/test_ckan_peer.py`` (its peer keeps files: ``ckan.storage_path``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from ckanapi import RemoteCKAN
from sqlalchemy import select

from catalog.models import AuditEvent, DatasetRevision, UploadedFile
from catalog.services import datasets as dataset_service
from catalog.services.authz import SYSTEM
from tests.apisite import load_api_catalog
from tests.livesite import serve_on
from tests.test_api_restricted import CALLS
from tests.test_ckan_write import _ckanapi

LIMIT = 64 * 1024  # the catalog's upload_max_bytes here


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def site(request, tmp_path_factory):
    """A live server with the API catalog and a small upload limit, on each database."""
    info: dict = {}
    with serve_on(
        request,
        tmp_path_factory.mktemp(f"ckan-upload-{request.param}"),
        lambda cat: info.update(load_api_catalog(cat)),
        upload_max_bytes=LIMIT,
    ) as (url, cat):
        yield url, cat, info


def _upload(url: str, key: str, action: str, path: Path, **fields: str) -> dict:
    """``ckanapi action <action> ... upload@<path>``: the command's JSON answer."""
    args = [f"{k}={v}" for k, v in fields.items()]
    proc = _ckanapi("action", action, "-r", url, "-a", key, *args, f"upload@{path}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def _post(url: str, action: str, key: str | None, data: dict, files: dict) -> requests.Response:
    headers = {"Authorization": key} if key else {}
    return requests.post(
        f"{url}/api/3/action/{action}", data=data, files=files, headers=headers, timeout=60
    )


def _files(cat) -> int:
    with cat.session() as s:
        return len(s.execute(select(UploadedFile.id)).all())


def test_ckanapi_uploads_a_file_into_a_partners_draft(site, tmp_path):
    url, cat, info = site
    data = "站点,年份,客流\n保定站,2024,1200\n".encode()
    sample = tmp_path / "客流 sample.csv"
    sample.write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    with RemoteCKAN(url, apikey=info["medai"]) as partner:
        partner.action.package_create(
            name="station-flows", title="车站客流", owner_org="medai", state="draft"
        )
    res = _upload(url, info["medai"], "resource_create", sample, package_id="station-flows")
    assert res["url"] == f"{url}/files/{sha}/{quote('客流_sample.csv')}"
    assert res["url_type"] == "upload" and res["name"] == "客流_sample.csv"
    assert (res["size"], res["hash"], res["checksum_algorithm"]) == (len(data), sha, "sha256")
    assert (res["format"], res["mimetype"]) == ("CSV", "text/csv")
    ds = dataset_service.get_dataset(cat, SYSTEM, "station-flows")
    dist = ds.distributions[0]
    assert (dist.stored_file, dist.sha256, dist.byte_size) == (
        f"{sha}/客流_sample.csv",
        sha,
        len(data),
    )
    assert requests.get(res["url"], timeout=30).status_code == 404  # a draft: not public
    with cat.session() as s:
        uploaded = s.execute(
            select(AuditEvent.action).where(
                AuditEvent.action == "file.upload", AuditEvent.object_id == sha
            )
        ).all()
    assert uploaded
    # a new file for the resource (resource_patch keeps its name)
    newer = tmp_path / "flows-2025.csv"
    newer.write_bytes("站点,年份,客流\n保定站,2025,1300\n".encode())
    patched = _upload(url, info["medai"], "resource_patch", newer, id=res["id"])
    new_sha = hashlib.sha256(newer.read_bytes()).hexdigest()
    assert patched["url"] == f"{url}/files/{new_sha}/flows-2025.csv"
    assert patched["name"] == "客流_sample.csv" and patched["size"] == newer.stat().st_size
    # published by a curator: the file is public now, exactly as sent
    with RemoteCKAN(url, apikey=info["curator"]) as curator:
        curator.action.package_patch(id="station-flows", state="active")
    got = requests.get(patched["url"], timeout=30)
    assert got.status_code == 200 and got.content == newer.read_bytes()
    assert requests.get(res["url"], timeout=30).status_code == 404  # the replaced file


def test_a_restricted_resources_file_never_leaks(site, tmp_path):
    url, cat, info = site
    secret = tmp_path / "lung-labels-secret.csv"
    secret.write_bytes(b"patient,nodule\n1,yes\n")
    res = _upload(
        url,
        info["curator"],
        "resource_create",
        secret,
        package_id="lung-ct",
        restricted="true",
        name="Labels",
    )
    assert res["restricted"] is True and "/files/" in res["url"]
    file_path = res["url"].split(url, 1)[1]
    assert requests.get(res["url"], timeout=30).status_code == 404
    for key in (None, info["user"], info["other"]):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        for method, path, params, _lists in CALLS:
            if method == "POST":
                r = requests.post(url + path, json=params or {}, headers=headers, timeout=30)
            else:
                r = requests.get(url + path, params=params, headers=headers, timeout=30)
            assert file_path not in r.text and "lung-labels-secret" not in r.text, path
        assert requests.get(res["url"], headers=headers, timeout=30).status_code == 404


def test_a_partners_upload_to_a_published_dataset_waits_for_review(site, tmp_path):
    url, cat, info = site
    extra = tmp_path / "lung-extra.csv"
    extra.write_bytes(b"a,b\n1,2\n")
    before = [d.id for d in dataset_service.get_dataset(cat, SYSTEM, "lung-ct").distributions]
    proc = _ckanapi(
        "action", "resource_create", "-r", url, "-a", info["medai"],
        "package_id=lung-ct", f"upload@{extra}",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    ds = dataset_service.get_dataset(cat, SYSTEM, "lung-ct")
    assert [d.id for d in ds.distributions] == before  # the public record is unchanged
    with cat.session() as s:
        staged = (
            s.execute(
                select(DatasetRevision).where(
                    DatasetRevision.dataset_id == ds.id, DatasetRevision.state == "pending"
                )
            )
            .scalars()
            .all()
        )
    assert staged, "the upload is a change for the bureau to review"
    assert any(r.files for r in staged)  # the file rides with the revision
    sha = hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    assert requests.get(f"{url}/files/{sha}/lung-extra.csv", timeout=30).status_code == 404


def test_upload_refusals_in_ckans_envelope(site, tmp_path):
    url, cat, info = site
    with RemoteCKAN(url, apikey=info["medai"]) as partner:
        partner.action.package_create(
            name="refusals", title="拒绝", owner_org="medai", state="draft"
        )
    kept = _files(cat)

    def refused(resp: requests.Response, status: int, kind: str, field: str) -> list[str]:
        assert resp.status_code == status, resp.text
        body = resp.json()
        assert body["success"] is False and body["error"]["__type"] == kind, body
        return body["error"].get(field, [])

    too_big = {"upload": ("big.csv", b"x" * (LIMIT + 1))}
    msg = refused(
        _post(url, "resource_create", info["medai"], {"package_id": "refusals"}, too_big),
        409,
        "Validation Error",
        "upload",
    )
    assert msg and "larger than the limit" in msg[0]
    exe = {"upload": ("tool.exe", b"MZ\x90\x00")}
    msg = refused(
        _post(url, "resource_create", info["medai"], {"package_id": "refusals"}, exe),
        409,
        "Validation Error",
        "upload",
    )
    assert msg and ".exe" in msg[0]
    small = {"upload": ("a.csv", b"a\n1\n")}
    for key in (None, "not-a-valid-key"):
        r = _post(url, "resource_create", key, {"package_id": "refusals"}, small)
        assert refused(r, 403, "Authorization Error", "message")
    # another organization's dataset: the caller's right is checked before a byte is kept
    r = _post(url, "resource_create", info["user"], {"package_id": "lung-ct"}, small)
    assert r.status_code == 403, r.text
    r = _post(
        url, "resource_create", info["medai"], {"package_id": "refusals"}, {"file": ("a.csv", b"a")}
    )
    assert refused(r, 409, "Validation Error", "file")
    r = _post(url, "package_create", info["medai"], {"name": "with-file"}, small)
    assert refused(r, 409, "Validation Error", "upload")
    # a request over what the server reads at all: 413, still CKAN's envelope
    huge = {"upload": ("huge.csv", b"x" * (8 * LIMIT + 5 * 1024 * 1024))}
    try:
        r = _post(url, "resource_create", info["medai"], {"package_id": "refusals"}, huge)
    except requests.ConnectionError:  # the server may close before reading it all
        pass
    else:
        assert refused(r, 413, "Validation Error", "upload")
    assert _files(cat) == kept  # nothing refused was stored
    assert dataset_service.get_dataset(cat, SYSTEM, "refusals").distributions == []
