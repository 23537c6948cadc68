"""Writes through the CKAN-compatible API, driven by the real ``ckanapi`` client (library and
``ckanapi load`` / ``ckanapi dump`` commands) over a socket, on SQLite and PostgreSQL.

What a CKAN write means in our workflow is ``catalog.services.ckan_writes``: a partner's
package is submitted for review (never published unreviewed), a curator's is published, a
submitted one that is sent again is taken back and submitted again, a deleted one is
withdrawn. Restricted resource URLs must not leak through any answer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import yaml
from ckanapi import NotAuthorized, NotFound, RemoteCKAN, ValidationError
from sqlalchemy import select

from catalog.models import AuditEvent, Dataset
from catalog.services import datasets as dataset_service
from catalog.services import published
from catalog.services.authz import SYSTEM
from schemas.dataset import EDITABLE_FIELDS
from schemas.formats import SiteLinks
from schemas.formats.ckan import package_dict, package_input, resource_input
from tests.apisite import PUBLIC_URL, SECRET_URL, load_api_catalog
from tests.livesite import serve_on

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "ckan-api"
if not FIXTURES.is_dir():  # the repository checked out beside the shared folder (CI)
    FIXTURES = Path(__file__).resolve().parents[1] / ".." / "shared" / "fixtures" / "ckan-api"


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def site(request, tmp_path_factory):
    """A live server with the API catalog (tokens for a curator, a partner of ``medai``, a
    user without organization), on each database."""
    info: dict = {}
    with serve_on(
        request,
        tmp_path_factory.mktemp(f"ckan-write-{request.param}"),
        lambda cat: info.update(load_api_catalog(cat)),
    ) as (url, cat):
        yield url, cat, info


def _fixture_packages() -> list[dict]:
    """Three real package dicts of HDX (CKAN): one with 9 resources, two from a search."""
    unesco = json.loads((FIXTURES / "unesco_dataset.json").read_text(encoding="utf-8"))
    found = yaml.safe_load((FIXTURES / "dataset_search_results.yaml").read_text("utf-8"))
    by_name = {p["name"]: p for p in found["results"]}
    return [
        unesco,
        by_name["acled-conflict-data-for-guinea"],
        by_name["acled-conflict-data-for-eritrea"],
    ]


def _ckanapi(*args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("ckanapi")
    env = {**os.environ, "PATH": f"{exe.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(  # ckanapi starts its workers as `ckanapi` from PATH
        [str(exe), *args], capture_output=True, text=True, timeout=180, env=env
    )


def _dataset(cat, name: str) -> Dataset:
    return dataset_service.get_dataset(cat, SYSTEM, name)


def _events(cat, dataset_id: str) -> list[tuple[str, str | None]]:
    with cat.session() as s:
        rows = s.execute(
            select(AuditEvent.action, AuditEvent.note)
            .where(AuditEvent.object_id == dataset_id)
            .order_by(AuditEvent.id)
        ).all()
    return [(a, n) for a, n in rows]


def _post(url: str, action: str, body: dict, **headers: str) -> requests.Response:
    return requests.post(f"{url}/api/3/action/{action}", json=body, headers=headers, timeout=30)


# -- ckanapi load / dump ---------------------------------------------------------------------
def test_ckanapi_load_datasets_submits_a_partners_packages(site, tmp_path):
    url, cat, info = site
    packages = _fixture_packages()
    lines = tmp_path / "packages.jsonl"
    lines.write_text("".join(json.dumps(p) + "\n" for p in packages), encoding="utf-8")
    load = _ckanapi("load", "datasets", "-I", str(lines), "-r", url, "-a", info["medai"], "-p", "2")
    assert load.returncode == 0, load.stderr
    assert load.stderr.count(" create None ") == 3, load.stderr
    names = [p["name"] for p in packages]
    for pkg in packages:
        ds = _dataset(cat, pkg["name"])
        # a partner's package goes to review; it lands in their organization (the HDX
        # organization it names does not exist here, and the partner has one)
        assert (ds.status, ds.organization.name) == ("submitted", "medai")
        assert ds.title == pkg["title"] and ds.description == (pkg.get("notes") or "")
        links = [d.download_url or d.access_url for d in ds.distributions]
        assert links == [r["url"] for r in pkg["resources"]]
        assert {k["name"] for k in pkg["tags"]} == set(ds.keywords)
        assert [a for a, _n in _events(cat, ds.id)] == ["dataset.create", "dataset.submitted"]
    unesco = _dataset(cat, names[0])
    assert unesco.license == "cc-by-igo" and unesco.extras["methodology"] == "Registry"
    assert unesco.extras["groups"] == ["zwe"]  # HDX's country groups are not our themes
    with RemoteCKAN(url) as anon:
        listed = anon.action.package_list()
        assert not set(names) & set(listed)  # nothing is public before review
        with pytest.raises(NotFound):
            anon.action.package_show(id=names[0])
    with RemoteCKAN(url, apikey=info["medai"]) as partner:
        assert partner.action.package_show(id=names[0])["state"] == "draft"

    # loading again (the partner changed a title at home): an update of what is under
    # review takes it back to draft, applies the change and submits it again
    packages[1] = {**packages[1], "title": "ACLED Guinea, revised"}
    lines.write_text("".join(json.dumps(p) + "\n" for p in packages), encoding="utf-8")
    again = _ckanapi("load", "datasets", "-I", str(lines), "-r", url, "-a", info["medai"])
    assert again.returncode == 0, again.stderr
    assert again.stderr.count(" update None ") == 3, again.stderr
    revised = _dataset(cat, names[1])
    assert (revised.title, revised.status) == ("ACLED Guinea, revised", "submitted")
    assert [a for a, _n in _events(cat, revised.id)][-3:] == [
        "dataset.draft",
        "dataset.update",
        "dataset.submitted",
    ]

    # the bureau publishes them; ckanapi dump reads them back
    for name in names:
        dataset_service.publish_dataset(cat, SYSTEM, name)
    out = tmp_path / "dump.jsonl"
    dump = _ckanapi("dump", "datasets", "--all", "-r", url, "-O", str(out), "-p", "2", "-q")
    assert dump.returncode == 0, dump.stderr
    dumped = {p["name"]: p for p in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    for pkg in packages:
        back = dumped[pkg["name"]]
        assert back["title"] == pkg["title"] and back["state"] == "active"
        assert [r["url"] for r in back["resources"]] == [r["url"] for r in pkg["resources"]]
    assert SECRET_URL not in out.read_text(encoding="utf-8")
    assert PUBLIC_URL in out.read_text(encoding="utf-8")


# -- create, patch, update, delete -----------------------------------------------------------
def test_curator_creates_published_and_patch_update_delete(site):
    url, cat, info = site
    with RemoteCKAN(url, apikey=info["curator"]) as curator:
        made = curator.action.package_create(
            name="noise-map",
            title="噪声地图",
            notes="城区噪声监测。",
            owner_org="transport-bureau",
            tags=[{"name": "噪声"}, {"name": "环境"}],
            groups=[{"name": "transport"}],
            license_id="cc-zero",
            extras=[
                {"key": "access_rights", "value": "conditional"},
                {"key": "spatial", "value": '["130600"]'},
                {"key": "source", "value": "bureau sensors"},
            ],
            resources=[
                {"name": "Sample", "url": "https://data.example/noise-sample.csv", "format": "CSV"}
            ],
        )
        assert made["state"] == "active" and made["organization"]["name"] == "transport-bureau"
        assert made["license_id"] == "CC0-1.0" and [g["name"] for g in made["groups"]] == [
            "transport"
        ]
        ds = _dataset(cat, "noise-map")
        assert ds.status == "published" and ds.access_rights == "conditional"
        assert ds.spatial == ["130600"] and ds.extras == {"source": "bureau sensors"}
        assert "noise-map" in curator.action.package_list()
        org = curator.action.organization_show(id="transport-bureau", include_datasets=True)
        assert "noise-map" in {p["name"] for p in org["packages"]}

        patched = curator.action.package_patch(id="noise-map", notes="每小时更新。")
        assert patched["notes"] == "每小时更新。" and patched["title"] == "噪声地图"
        assert {t["name"] for t in patched["tags"]} == {"噪声", "环境"}
        assert [r["url"] for r in patched["resources"]] == ["https://data.example/noise-sample.csv"]

        # package_update replaces: what it leaves out of CKAN's fields is emptied, but our
        # own fields (openness here) change only when named
        shown = curator.action.package_show(id="noise-map")
        shown.pop("tags")
        shown["title"] = "噪声地图（修订）"
        updated = curator.action.package_update(**shown)
        assert updated["title"] == "噪声地图（修订）" and updated["tags"] == []
        ds = _dataset(cat, "noise-map")
        assert ds.keywords == [] and ds.access_rights == "conditional"
        assert ds.spatial == ["130600"] and ds.license == "CC0-1.0"

        assert curator.action.package_delete(id="noise-map") is None
        assert curator.action.package_show(id="noise-map")["state"] == "deleted"
        assert "noise-map" not in curator.action.package_list()
    ds = _dataset(cat, "noise-map")
    assert ds.status == "withdrawn"
    actions = _events(cat, ds.id)
    assert actions[0][0] == "dataset.create" and actions[-1] == (
        "dataset.withdrawn",
        "deleted through the CKAN API (package_delete)",
    )


def test_a_partners_draft_and_its_resources(site):
    url, cat, info = site
    with RemoteCKAN(url, apikey=info["medai"]) as partner:
        made = partner.action.package_create(
            name="retina-scans", title="视网膜影像", owner_org="medai", state="draft"
        )
        assert made["state"] == "draft" and made["resources"] == []
        res = partner.action.resource_create(
            package_id="retina-scans",
            url="https://medai.example/retina.zip",
            name="Images",
            format="ZIP",
            size=1024,
            hash="sha256:" + "ab" * 32,
        )
        assert res["url"] == "https://medai.example/retina.zip" and res["size"] == 1024
        assert res["hash"] == "ab" * 32 and res["checksum_algorithm"] == "sha256"
        second = partner.action.resource_create(
            package_id=made["id"], url="https://medai.example/labels.csv"
        )
        assert second["name"] == "labels.csv"  # CKAN lets a resource go unnamed
        patched = partner.action.resource_patch(id=res["id"], name="Images (DICOM)")
        assert patched["name"] == "Images (DICOM)" and patched["format"] == "ZIP"
        assert patched["size"] == 1024
        replaced = partner.action.resource_update(
            id=patched["id"], url="https://medai.example/retina-v2.zip", name="Images v2"
        )
        assert replaced["url"] == "https://medai.example/retina-v2.zip"
        assert replaced["format"] == "" and replaced["size"] is None  # update replaces
        partner.action.resource_delete(id=replaced["id"])
        shown = partner.action.package_show(id="retina-scans")
        assert [r["url"] for r in shown["resources"]] == ["https://medai.example/labels.csv"]
        assert shown["state"] == "draft"
        with pytest.raises(NotFound):
            partner.action.resource_patch(id="no-such-resource", name="x")
        with pytest.raises(ValidationError) as kept:  # drafts are never erased
            partner.action.package_delete(id="retina-scans")
        assert "state" in kept.value.error_dict
        # state "active" on a draft submits it for review
        submitted = partner.action.package_patch(id="retina-scans", state="active")
        assert submitted["state"] == "draft"
    assert _dataset(cat, "retina-scans").status == "submitted"


def test_a_partners_round_trip_keeps_restricted_resources_restricted(site):
    url, cat, info = site
    with RemoteCKAN(url, apikey=info["medai"]) as partner:
        lung = partner.action.package_show(id="lung-ct")
        assert {r["url"]: r["restricted"] for r in lung["resources"]} == {
            PUBLIC_URL: False,
            SECRET_URL: True,
        }
        partner.action.package_update(**{**lung, "notes": lung["notes"] + " "})
        partner.action.package_patch(id="lung-ct", resources=lung["resources"])
    ds = _dataset(cat, "lung-ct")
    assert {d.access_url or d.download_url: d.restricted for d in ds.distributions} == {
        PUBLIC_URL: False,
        SECRET_URL: True,
    }
    with RemoteCKAN(url) as anon, RemoteCKAN(url, apikey=info["user"]) as user:
        for reader in (anon, user):
            shown = reader.action.package_show(id="lung-ct")
            assert [r["url"] for r in shown["resources"]] == [PUBLIC_URL]
            found = reader.action.package_search(fq="name:lung-ct")
            assert SECRET_URL not in json.dumps(found)


# -- refusals in CKAN's envelope -------------------------------------------------------------
def _refused(resp: requests.Response, status: int, kind: str) -> dict:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["success"] is False and body["help"].endswith(
        f"help_show?name={resp.url.rsplit('/', 1)[-1]}"
    )
    assert body["error"]["__type"] == kind
    assert SECRET_URL not in resp.text
    return body["error"]


def test_unauthorised_writes_are_refused_in_ckans_envelope(site):
    url, cat, info = site
    new = {"name": "intruder", "title": "x", "owner_org": "medai"}
    before = _dataset(cat, "lung-ct").updated_at
    for headers in ({}, {"Authorization": "dpc_not_a_token"}, {"X-CKAN-API-Key": "nope"}):
        error = _refused(_post(url, "package_create", new, **headers), 403, "Authorization Error")
        assert (
            error["message"]
            == "Access denied: Action package_create requires an authenticated user"
        )
        _refused(
            _post(url, "package_patch", {"id": "lung-ct"}, **headers), 403, "Authorization Error"
        )
    # a user of another (or no) organization: through every way a CKAN client sends keys
    for token in (info["user"], info["other"]):
        for headers in (
            {"Authorization": token},
            {"Authorization": f"Bearer {token}"},
            {"X-CKAN-API-Key": token},
        ):
            _refused(_post(url, "package_create", new, **headers), 403, "Authorization Error")
            for action, body in [
                ("package_patch", {"id": "lung-ct", "title": "taken"}),
                ("package_update", {"id": "lung-ct", "title": "taken"}),
                ("package_delete", {"id": "lung-ct"}),
                ("resource_create", {"package_id": "lung-ct", "url": "https://x.example/a"}),
            ]:
                _refused(_post(url, action, body, **headers), 403, "Authorization Error")
            # others' drafts look exactly like missing datasets
            _refused(
                _post(url, "package_patch", {"id": "medai-draft", "title": "x"}, **headers),
                404,
                "Not Found Error",
            )
    with RemoteCKAN(url, apikey=info["user"]) as user, pytest.raises(NotAuthorized):
        user.action.package_patch(id="lung-ct", notes="taken")
    ds = _dataset(cat, "lung-ct")
    assert ds.updated_at == before and ds.title != "taken"
    assert not any(d.name == "intruder" for d in published.page_published(cat, 1, 1000))
    # writes are POST only, as in CKAN
    r = requests.get(f"{url}/api/3/action/package_create", params=new, timeout=30)
    assert r.status_code == 400 and "Please use POST method" in r.text


def test_validation_errors_name_ckans_fields(site):
    url, _cat, info = site
    key = {"Authorization": info["medai"]}
    error = _refused(
        _post(
            url,
            "package_create",
            {
                "name": "Bad Name",
                "owner_org": "medai",
                "maintainer_email": "not-an-address",
                "resources": [{"url": "https://ok.example/a.csv"}, {"name": "no link"}],
            },
            **key,
        ),
        409,
        "Validation Error",
    )
    assert set(error) == {"__type", "name", "title", "maintainer_email", "resources"}
    assert error["resources"][0] == {} and list(error["resources"][1]) == ["url"]
    assert all(isinstance(m, list) for k, m in error.items() if k not in ("__type", "resources"))
    with RemoteCKAN(url, apikey=info["curator"]) as curator, pytest.raises(ValidationError) as e:
        curator.action.package_create(name="nowhere", title="x", owner_org="no-such-org")
    assert e.value.error_dict["owner_org"] == ["Organization does not exist"]
    error = _refused(
        _post(url, "package_patch", {"title": "no id"}, **key), 409, "Validation Error"
    )
    assert error["id"] == ["Missing value"]
    _refused(_post(url, "package_patch", {"id": "nope"}, **key), 404, "Not Found Error")


# -- the mapping, both directions ------------------------------------------------------------
def test_package_dicts_map_back_to_the_fields_they_came_from(site):
    _url, cat, _info = site
    ds = _dataset(cat, "ct-checksums")
    record = published.dataset_record(SYSTEM, ds)
    links = SiteLinks("https://catalog.example")
    pkg = package_dict(record, links)
    values = package_input(pkg, "https://catalog.example/dataset/")
    values["distributions"] = [resource_input({"id": r["id"]} | r, None) for r in pkg["resources"]]
    loaded = dataset_service.load_input({**values, "organization": "medai"})
    snap = dataset_service.snapshot(ds)
    for key in EDITABLE_FIELDS:
        if key in ("organization", "review_by", "featured", "distributions"):
            continue
        want = snap[key]
        got = loaded.get(key)
        if key in ("issued", "temporal_start", "temporal_end", "modified") and got is not None:
            got = got.isoformat()
        assert got == want, key
    fields = ("title", "access_url", "download_url", "format", "byte_size", "checksum")
    assert [{k: d.get(k) for k in fields} for d in loaded["distributions"]] == [
        {k: d[k] for k in fields} for d in snap["distributions"]
    ]
