"""The CKAN-compatible Action API, driven by ckanapi (library and command line) over a socket."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from ckanapi import NotFound, RemoteCKAN, SearchQueryError, ValidationError

from tests.apisite import PUBLIC_URL, SECRET_URL, load_api_catalog
from tests.livesite import serve

PUBLISHED = 19  # 17 of the small catalog + ct-checksums + traffic-live


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    info: dict = {}

    def load(cat):
        info.update(load_api_catalog(cat))

    with serve(tmp_path_factory.mktemp("ckan"), load) as (url, cat):
        yield url, cat, info


@pytest.fixture(scope="module")
def ckan(site):
    with RemoteCKAN(site[0]) as remote:
        yield remote


def _names(result: dict) -> list[str]:
    return [p["name"] for p in result["results"]]


def test_status_show_and_package_list(ckan):
    status = ckan.action.status_show()
    assert status["ckan_version"].startswith("2.") and status["site_title"]
    names = ckan.action.package_list()
    assert len(names) == PUBLISHED and names == sorted(names)
    assert "medai-draft" not in names
    assert ckan.action.package_list(limit=2, offset=1) == names[1:3]


def test_package_show_is_a_ckan_package_dict(ckan):
    pkg = ckan.action.package_show(id="ct-checksums")
    assert pkg["name"] == "ct-checksums" and pkg["title"] == "胸部CT训练集"
    assert pkg["notes"] == "带校验和的训练数据。" and pkg["state"] == "active"
    assert pkg["organization"]["name"] == "medai" and pkg["organization"]["title"]
    assert {t["name"] for t in pkg["tags"]} == {"CT", "保定"}
    assert {g["name"] for g in pkg["groups"]} == {"health", "science"}
    assert pkg["license_id"] == "CC-BY-4.0" and pkg["isopen"] is True
    assert pkg["metadata_created"] and pkg["metadata_modified"]
    res = pkg["resources"][0]
    assert set(res) >= {"id", "name", "url", "format", "mimetype", "size"}
    assert res["url"] == "https://data.example/chest-ct.zip" and res["format"] == "ZIP"
    assert res["mimetype"] == "application/zip" and res["size"] == 12_000_000_000
    extras = {e["key"]: e["value"] for e in pkg["extras"]}
    assert all(isinstance(v, str) for v in extras.values())
    assert extras["access_rights"] == "unconditional" and extras["resource_code"] == "BD-MEDAI-0001"
    assert extras["kind"] == "training" and extras["title_en"] == "Chest CT training set"
    assert json.loads(extras["themes"]) == ["health", "science"]
    assert json.loads(extras["sample_counts"]) == {"test": 1000, "train": 8000, "validation": 1000}
    assert json.loads(extras["task_categories"]) == ["object_detection", "image_segmentation"]
    assert ckan.action.package_show(id=pkg["id"])["name"] == "ct-checksums"


def test_package_show_hides_restricted_resources_and_unknown_ids_are_404(ckan, site):
    pkg = ckan.action.package_show(id="lung-ct")
    urls = [r["url"] for r in pkg["resources"]]
    assert urls == [PUBLIC_URL]
    with pytest.raises(NotFound):
        ckan.action.package_show(id="no-such-package")
    with pytest.raises(NotFound):
        ckan.action.package_show(id="medai-draft")
    r = requests.get(site[0] + "/api/3/action/package_show", params={"id": "nope"}, timeout=20)
    assert r.status_code == 404
    assert r.json() == {
        "help": r.json()["help"],
        "success": False,
        "error": {"__type": "Not Found Error", "message": "Not found"},
    }


def test_api_key_lets_editors_see_their_restricted_resources(site):
    url, _cat, info = site
    with RemoteCKAN(url, apikey=info["medai"]) as member:
        assert SECRET_URL in [
            r["url"] for r in member.action.package_show(id="lung-ct")["resources"]
        ]
        assert member.action.package_show(id="medai-draft")["state"] == "draft"
    # CKAN answers a public read with an unknown key as an anonymous one
    with RemoteCKAN(url, apikey="dpc_wrong") as stranger:
        assert len(stranger.action.package_list()) == PUBLISHED
        assert [r["url"] for r in stranger.action.package_show(id="lung-ct")["resources"]] == [
            PUBLIC_URL
        ]
        with pytest.raises(NotFound):
            stranger.action.package_show(id="medai-draft")


def test_package_search_goes_through_the_search_backend(ckan, site):
    res = ckan.action.package_search(q="交通", rows=5)
    api = requests.get(site[0] + "/api/v1/datasets", params={"q": "交通"}, timeout=20).json()
    assert res["count"] == api["total"] and len(res["results"]) == 5
    assert _names(res) == [h["name"] for h in api["results"][:5]]
    assert res["sort"] == "score desc, metadata_modified desc"


@pytest.mark.parametrize(
    ("fq", "expected"),
    [
        ("organization:medai", {"lung-ct", "fundus", "ct-checksums"}),
        ('organization:"medai"', {"lung-ct", "fundus", "ct-checksums"}),
        ("+organization:medai +groups:health", {"lung-ct", "fundus", "ct-checksums"}),
        ("groups:science", {"ct-checksums"}),
        ("res_format:zip", {"taxi-orders", "lung-ct", "ct-checksums"}),
        ("license_id:CC-BY-4.0", {"ct-checksums"}),
        ("organization:medai OR organization:nobody", {"lung-ct", "fundus", "ct-checksums"}),
        ("groups:(science OR public_safety)", {"ct-checksums", "road-cameras"}),
        ("kind:benchmark dataset_type:dataset", {"fundus", "traffic-live"}),
        ("tags:CT", {"ct-checksums"}),  # an exact tag, as in CKAN: lung-ct has CT in its title
        ("-groups:transport -groups:public_safety", {"lung-ct", "fundus", "ct-checksums"}),
    ],
)
def test_package_search_fq_forms(ckan, fq, expected):
    res = ckan.action.package_search(fq=fq, rows=100)
    assert set(_names(res)) == expected, fq
    assert res["count"] == len(expected)


def test_package_search_paging_sort_and_facets(ckan):
    every = _names(ckan.action.package_search(rows=100, sort="metadata_modified desc"))
    assert len(every) == PUBLISHED
    pages = []
    for start in range(0, PUBLISHED, 7):  # windows that are not whole backend pages
        pages += _names(
            ckan.action.package_search(rows=7, start=start, sort="metadata_modified desc")
        )
    assert pages == every
    assert _names(ckan.action.package_search(rows=3, start=5)) == every[5:8]
    by_id = ckan.action.package_search(rows=100, start=0, sort="id asc")
    assert by_id["sort"] == "id asc"
    assert [p["id"] for p in by_id["results"]] == sorted(p["id"] for p in by_id["results"])
    assert len(by_id["results"]) == PUBLISHED
    assert ckan.action.package_search(rows=100, start=100)["results"] == []
    res = ckan.action.package_search(
        q="*:*",
        rows=0,
        **{"facet.field": json.dumps(["organization", "groups", "res_format", "license_id"])},
    )
    assert res["count"] == PUBLISHED and res["results"] == []
    assert res["facets"]["organization"] == {"transport-bureau": 16, "medai": 3}
    items = {i["name"]: i for i in res["search_facets"]["groups"]["items"]}
    assert items["health"]["count"] == 3 and items["health"]["display_name"] == "医疗"


def _stamps(result: dict) -> list[tuple[str, str]]:
    return [(p["metadata_modified"], p["id"]) for p in result["results"]]


@pytest.mark.parametrize(
    ("sort", "key", "reverse"),
    [
        ("name asc", lambda p: p["name"], False),
        ("name desc", lambda p: p["name"], True),
        ("title_string asc", lambda p: (p["title"], p["id"]), False),
        ("metadata_modified asc", lambda p: (p["metadata_modified"], p["id"]), False),
        ("metadata_created desc, id asc", lambda p: p["metadata_created"], True),
        ("id desc", lambda p: p["id"], True),
    ],
)
def test_package_search_sorts_on_every_ckan_field_both_ways(ckan, sort, key, reverse):
    res = ckan.action.package_search(rows=100, sort=sort)
    assert res["sort"] == sort and res["count"] == PUBLISHED
    got = res["results"]
    assert [p["id"] for p in got] == [p["id"] for p in sorted(got, key=key, reverse=reverse)]
    paged = []  # windows that are not whole pages give the same order
    for start in range(0, PUBLISHED, 4):
        paged += ckan.action.package_search(rows=4, start=start, sort=sort)["results"]
    assert [p["id"] for p in paged] == [p["id"] for p in got]


def test_default_sort_is_ckans_and_text_can_be_sorted_by_fields(ckan):
    default = ckan.action.package_search(rows=100)
    assert default["sort"] == "metadata_modified desc"
    assert _stamps(default) == sorted(_stamps(default), key=lambda t: t[0], reverse=True)
    no_text = ckan.action.package_search(rows=100, sort="score desc, metadata_modified desc")
    assert _names(no_text) == _names(default)
    ranked = ckan.action.package_search(q="交通", rows=100)
    by_name = ckan.action.package_search(q="交通", rows=100, sort="name asc")
    assert by_name["count"] == ranked["count"] and by_name["sort"] == "name asc"
    assert _names(by_name) == sorted(_names(ranked))
    less = ckan.action.package_search(q="交通", fq="-organization:transport-bureau", rows=100)
    assert {p["organization"]["name"] for p in less["results"]} <= {"medai"}
    assert less["count"] == len(less["results"])


def test_rows_are_capped_and_start_pages_past_ten_thousand(ckan, site):
    res = ckan.action.package_search(rows=5000, sort="name asc")
    assert res["count"] == PUBLISHED and len(res["results"]) == PUBLISHED
    for start in (10_000, 25_000):
        deep = ckan.action.package_search(rows=10, start=start, sort="metadata_modified asc")
        assert deep["count"] == PUBLISHED and deep["results"] == []
    r = requests.get(
        site[0] + "/api/3/action/package_search", params={"rows": 1001, "q": "*:*"}, timeout=20
    )
    assert r.status_code == 200 and len(r.json()["result"]["results"]) == PUBLISHED


def test_fq_date_ranges_now_arithmetic_exclusions_and_record_fields(ckan):
    every = ckan.action.package_search(rows=100, sort="metadata_modified asc")["results"]
    middle = every[len(every) // 2]["metadata_modified"]
    newer = [p["id"] for p in every if p["metadata_modified"] >= middle]
    since = ckan.action.package_search(
        fq=f"metadata_modified:[{middle}Z TO *]", rows=100, sort="metadata_modified asc"
    )
    assert [p["id"] for p in since["results"]] == newer and 0 < since["count"] < PUBLISHED
    strictly = ckan.action.package_search(fq=f"metadata_modified:{{{middle}Z TO *]", rows=100)
    assert strictly["count"] == len([p for p in every if p["metadata_modified"] > middle])
    assert ckan.action.package_search(fq="metadata_modified:[NOW-1DAY TO *]")["count"] == PUBLISHED
    assert ckan.action.package_search(fq="metadata_created:[* TO NOW-1DAYS]")["count"] == 0
    assert (
        ckan.action.package_search(fq="metadata_modified:[NOW/DAY-7DAYS TO NOW+1HOUR]")["count"]
        == PUBLISHED
    )
    assert ckan.action.package_search(fq="metadata_modified:[2000-01-01 TO *]")["count"] == (
        PUBLISHED
    )
    outside = ckan.action.package_search(fq="-organization:medai", rows=100)
    assert outside["count"] == PUBLISHED - 3
    assert {p["organization"]["name"] for p in outside["results"]} == {"transport-bureau"}
    both = ckan.action.package_search(fq="-organization:medai -res_format:zip", rows=100)
    assert "taxi-orders" not in _names(both) and both["count"] == PUBLISHED - 3 - 1
    assert _names(ckan.action.package_search(fq="name:lung-ct")) == ["lung-ct"]
    lung = ckan.action.package_show(id="lung-ct")
    assert _names(ckan.action.package_search(fq=f"id:{lung['id']}")) == ["lung-ct"]
    assert ckan.action.package_search(fq="-name:lung-ct")["count"] == PUBLISHED - 1
    mixed = ckan.action.package_search(
        fq="organization:medai +metadata_modified:[* TO *]", rows=100, sort="name desc"
    )
    assert _names(mixed) == ["lung-ct", "fundus", "ct-checksums"]
    faceted = ckan.action.package_search(
        fq="-organization:medai", rows=0, **{"facet.field": json.dumps(["organization"])}
    )
    assert faceted["facets"]["organization"] == {"transport-bureau": PUBLISHED - 3}


def test_fl_keeps_only_the_named_keys(ckan):
    res = ckan.action.package_search(fl="id,metadata_modified", rows=100, sort="id asc")
    assert res["count"] == PUBLISHED
    assert all(set(p) == {"id", "metadata_modified"} for p in res["results"])


def test_q_and_fq_in_a_post_json_body(site):
    body = {"q": "organization:medai", "fq": "-name:fundus", "sort": "name asc", "rows": 50}
    r = requests.post(site[0] + "/api/3/action/package_search", json=body, timeout=20)
    assert r.status_code == 200
    assert [p["name"] for p in r.json()["result"]["results"]] == ["ct-checksums", "lung-ct"]


def test_package_search_errors_in_ckan_shape(ckan, site):
    with pytest.raises(ValidationError) as bad_rows:
        ckan.action.package_search(rows="many")
    assert bad_rows.value.error_dict["rows"]
    with pytest.raises(ValidationError):
        ckan.action.package_search(start=-1)
    with pytest.raises(SearchQueryError):
        ckan.action.package_search(fq="views:[1 TO *]")
    with pytest.raises(SearchQueryError):
        ckan.action.package_search(fq="metadata_modified:[yesterday TO *]")
    with pytest.raises(SearchQueryError):
        ckan.action.package_search(fq="colour:blue")
    with pytest.raises(SearchQueryError) as bad_sort:
        ckan.action.package_search(sort="popularity desc")
    assert 'Invalid "sort" parameter' in str(bad_sort.value)
    with pytest.raises(SearchQueryError):
        ckan.action.package_search(sort="name upwards")
    r = requests.get(site[0] + "/api/3/action/package_search", params={"rows": "x"}, timeout=20)
    assert r.status_code == 409
    assert r.json()["error"] == {"__type": "Validation Error", "rows": ["Invalid integer"]}
    r = requests.get(
        site[0] + "/api/3/action/package_search", params={"sort": "nope asc"}, timeout=20
    )
    assert r.status_code == 409 and r.json()["error"]["__type"] == "Search Query Error"
    assert r.json()["error"]["message"].startswith('Search Query is invalid: Invalid "sort"')
    r = requests.get(site[0] + "/api/3/action/package_create", timeout=20)
    assert r.status_code == 400 and r.json()["success"] is False
    r = requests.post(
        site[0] + "/api/3/action/package_show",
        data="{not json",
        headers={"Content-Type": "application/json"},
        timeout=20,
    )
    assert r.status_code == 400 and r.json()["success"] is False


def test_get_and_post_give_the_same_answers(site):
    url = site[0]
    with RemoteCKAN(url, get_only=True) as getter, RemoteCKAN(url) as poster:
        for action, params in [
            ("package_search", {"fq": "organization:medai", "rows": 10}),
            ("organization_list", {"all_fields": True}),
            ("package_show", {"id": "fundus"}),
        ]:
            assert getter.call_action(action, params) == poster.call_action(action, params)


def test_current_package_list_with_resources(ckan):
    first = ckan.action.current_package_list_with_resources(limit=3)
    second = ckan.action.current_package_list_with_resources(limit=3, page=2)
    assert len(first) == 3 and len(second) == 3
    assert not {p["name"] for p in first} & {p["name"] for p in second}
    assert all("resources" in p for p in first)


def test_organizations_groups_and_tags(ckan):
    assert ckan.action.organization_list() == ["medai", "transport-bureau"]  # by title
    full = ckan.action.organization_list(all_fields=True, sort="package_count desc")
    assert [o["name"] for o in full] == ["transport-bureau", "medai"]
    assert full[0]["package_count"] == 16 and full[0]["is_organization"] is True
    org = ckan.action.organization_show(id="medai", include_datasets=True)
    assert org["title"] == "保定医影智能科技有限公司" and org["package_count"] == 3
    assert {p["name"] for p in org["packages"]} == {"lung-ct", "fundus", "ct-checksums"}
    extras = {e["key"]: e["value"] for e in org["extras"]}
    assert extras["title_en"] == "Baoding MedAI Co." and extras["org_type"] == "enterprise"
    with pytest.raises(NotFound):
        ckan.action.organization_show(id="applicant-co")
    groups = ckan.action.group_list(all_fields=True)
    health = next(g for g in groups if g["name"] == "health")
    assert health["title"] == "医疗" and health["package_count"] == 3
    assert "transport" in ckan.action.group_list()
    shown = ckan.action.group_show(id="science", include_datasets=True)
    assert [p["name"] for p in shown["packages"]] == ["ct-checksums"]
    with pytest.raises(NotFound):
        ckan.action.group_show(id="astrology")
    assert ckan.action.tag_list() == sorted(["保定", "CT"])
    assert ckan.action.tag_list(query="c") == ["CT"]
    assert {"name": "CT", "count": 2} | ckan.action.tag_list(all_fields=True)[
        0
    ] == ckan.action.tag_list(all_fields=True)[0]


def test_ckanapi_dump_command_writes_one_line_per_dataset(site, tmp_path):
    url = site[0]
    out = tmp_path / "dump.jsonl"
    ckanapi = Path(sys.executable).with_name("ckanapi")
    env = {**os.environ, "PATH": f"{ckanapi.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(  # ckanapi starts its workers as `ckanapi` from PATH
        [str(ckanapi), "dump", "datasets", "--all", "-r", url, "-O", str(out), "-p", "2", "-q"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == PUBLISHED
    records = [json.loads(line) for line in lines]
    assert {r["name"] for r in records} == set(
        requests.get(url + "/api/3/action/package_list", timeout=20).json()["result"]
    )
    assert SECRET_URL not in out.read_text(encoding="utf-8")
    assert PUBLIC_URL in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"fq": "groups:health", "sort": "name asc"}, ["fundus", "lung-ct"]),
        ({"fq": "-organization:transport-bureau", "sort": "name desc"}, ["lung-ct", "fundus"]),
        ({"fq": "res_format:zip -organization:medai"}, ["taxi-orders"]),
        ({"fq": "metadata_modified:[NOW-1DAY TO *] name:fundus"}, ["fundus"]),
        ({"fq": "metadata_created:[* TO NOW-1DAY]"}, []),
    ],
)
def test_database_answers_on_sqlite_and_postgresql(cat, params, expected):
    """The store's side of package_search (JSON list matches, exclusions, ranges) on both
    databases; the live-server tests above run on SQLite only. (The small catalog: the API
    catalog's 12 GB byte_size does not fit PostgreSQL's integer column.)"""
    from tests.livesite import load_small_catalog
    from web.ckan_query import database_window, read_package_search

    load_small_catalog(cat)
    ps = read_package_search({"rows": 100, **params})
    with cat.session() as s:
        total, rows = database_window(s, ps)
        names = [d.name for d in rows]
    assert (total, names) == (len(expected), expected)


# -- AI filters (issue 16) -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"fq": "annotation_type:bounding_box"}, {"ct-checksums"}),
        ({"fq": "accuracy:95 split:test license_family:commercial"}, {"ct-checksums"}),
        ({"fq": "samples:(lt1k OR 10k-100k)"}, {"ct-checksums"}),
        ({"fq": "coverage:2024 kind:training"}, {"ct-checksums"}),
        ({"fq": "annotation_method:crowdsourced"}, set()),
        # free text answered by the index, and the database path (a tag) after the index
        ({"q": "CT", "fq": "annotation_type:bounding_box"}, {"ct-checksums"}),
        ({"fq": "tags:CT split:validation"}, {"ct-checksums"}),
        ({"fq": "annotation_type:bounding_box", "sort": "name asc"}, {"ct-checksums"}),
    ],
)
def test_package_search_ai_filters(ckan, params, expected):
    res = ckan.action.package_search(rows=100, **params)
    assert set(_names(res)) == expected, params
    assert res["count"] == len(expected)


def test_package_search_ai_facets_from_index_and_database(ckan):
    fields = '["annotation_type", "accuracy", "license_family"]'
    by_index = ckan.action.package_search(fq="kind:training", rows=0, **{"facet.field": fields})
    by_db = ckan.action.package_search(fq="-kind:open_data", rows=0, **{"facet.field": fields})
    assert by_index["facets"]["annotation_type"] == {"bounding_box": 1}
    assert by_index["facets"]["accuracy"] == {"95": 1, "90": 1}
    assert by_db["facets"]["annotation_type"] == {"bounding_box": 1}
    assert by_db["facets"]["accuracy"] == {"95": 1, "90": 1}
    item = by_index["search_facets"]["license_family"]["items"][0]
    assert item["display_name"] in ("允许商用", "许可未知")


def test_package_search_unknown_or_unsupported_ai_filter_is_a_409(site):
    for fq, needle in [
        ("annotation_typ:bounding_box", "annotation_type"),
        ("-annotation_type:bounding_box", "exclusion"),
        ("updated:week", "7d"),
    ]:
        r = requests.get(site[0] + "/api/3/action/package_search", params={"fq": fq}, timeout=20)
        assert r.status_code == 409, fq
        error = r.json()["error"]
        assert error["__type"] == "Search Query Error" and needle in error["message"], fq
