"""The JSON API under /api/v1 over a real socket: tokens, permissions, errors, caching, OpenAPI."""

from __future__ import annotations

import re

import pytest
import requests
from flask import Flask

from tests.apisite import PUBLIC_URL, SECRET_URL, load_api_catalog
from tests.livesite import serve
from web.api import bp as api_bp


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    info: dict = {}

    def load(cat):
        info.update(load_api_catalog(cat))

    with serve(tmp_path_factory.mktemp("api"), load) as (url, cat):
        yield url, cat, info


def _auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def get(url: str, path: str, token: str | None = None, **kw) -> requests.Response:
    return requests.get(url + path, headers=_auth(token) if token else {}, timeout=20, **kw)


# -- reads, caching ------------------------------------------------------------------------
def test_search_keeps_its_shape_and_answers_304_to_if_none_match(site):
    url, _cat, _info = site
    r = get(url, "/api/v1/datasets?q=交通&page_size=5")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {
        "total",
        "total_relation",
        "page",
        "page_size",
        "relaxed",
        "did_you_mean",
        "results",
        "facets",
        "links",
    }
    assert r.headers["ETag"] and r.headers["Last-Modified"]
    again = requests.get(
        url + "/api/v1/datasets?q=交通&page_size=5",
        headers={"If-None-Match": r.headers["ETag"]},
        timeout=20,
    )
    assert again.status_code == 304 and again.content == b""
    other = requests.get(
        url + "/api/v1/datasets?q=交通&page_size=4",
        headers={"If-None-Match": r.headers["ETag"]},
        timeout=20,
    )
    assert other.status_code == 200


def test_show_hides_restricted_links_from_all_but_editors(site):
    url, _cat, info = site
    anon = get(url, "/api/v1/datasets/lung-ct")
    assert anon.status_code == 200
    assert SECRET_URL not in anon.text and PUBLIC_URL in anon.text
    assert anon.json()["organization"]["name"] == "medai"
    assert anon.headers["Last-Modified"]
    assert get(url, "/api/v1/datasets/lung-ct", info["user"]).text.count(SECRET_URL) == 0
    assert SECRET_URL in get(url, "/api/v1/datasets/lung-ct", info["medai"]).text
    assert SECRET_URL in get(url, "/api/v1/datasets/lung-ct", info["curator"]).text
    cached = requests.get(
        url + "/api/v1/datasets/lung-ct",
        headers={"If-Modified-Since": anon.headers["Last-Modified"]},
        timeout=20,
    )
    assert cached.status_code == 304


def test_drafts_are_visible_to_their_organization_only(site):
    url, _cat, info = site
    assert get(url, "/api/v1/datasets/medai-draft").status_code == 404
    assert get(url, "/api/v1/datasets/medai-draft", info["user"]).status_code == 404
    assert get(url, "/api/v1/datasets/medai-draft", info["medai"]).json()["status"] == "draft"


def test_bad_token_is_401_with_the_error_shape(site):
    url, _cat, _info = site
    for headers in ({"Authorization": "Bearer dpc_nonsense"}, {"Authorization": "Basic eDp5"}):
        r = requests.get(url + "/api/v1/datasets/lung-ct", headers=headers, timeout=20)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "unauthenticated"
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = requests.post(url + "/api/v1/datasets", json={"title": "x"}, timeout=20)
    assert r.status_code == 401 and set(r.json()["error"]) >= {"code", "message"}


# -- writes --------------------------------------------------------------------------------
def test_partner_creates_updates_and_submits_a_dataset_with_a_token(site):
    url, _cat, info = site
    token = info["medai"]
    r = requests.post(
        url + "/api/v1/datasets",
        json={
            "name": "api-made",
            "title": "接口创建的数据集",
            "organization": "medai",
            "kind": "training",
            "distributions": [{"title": "样例", "download_url": "https://data.example/a.csv"}],
        },
        headers=_auth(token),
        timeout=20,
    )
    assert r.status_code == 201, r.text
    assert r.headers["Location"].endswith("/api/v1/datasets/api-made")
    assert r.json()["status"] == "draft" and r.json()["organization"]["name"] == "medai"
    r = requests.patch(
        url + "/api/v1/datasets/api-made",
        json={"title_en": "Made through the API"},
        headers=_auth(token),
        timeout=20,
    )
    assert r.status_code == 200 and r.json()["title_en"] == "Made through the API"
    r = requests.post(
        url + "/api/v1/datasets/api-made/status",
        json={"status": "submitted", "note": "请审核"},
        headers=_auth(token),
        timeout=20,
    )
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    r = requests.post(
        url + "/api/v1/datasets/api-made/status",
        json={"status": "published"},
        headers=_auth(token),
        timeout=20,
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = requests.post(
        url + "/api/v1/datasets/api-made/status",
        json={"status": "published"},
        headers=_auth(info["curator"]),
        timeout=20,
    )
    assert r.status_code == 200 and r.json()["status"] == "published"
    found = get(url, "/api/v1/datasets?q=接口创建").json()
    assert "api-made" in [h["name"] for h in found["results"]]
    r = requests.post(
        url + "/api/v1/datasets/api-made/status",
        json={"status": "published"},
        headers=_auth(info["curator"]),
        timeout=20,
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"


def test_partner_token_cannot_write_for_another_organization(site):
    url, _cat, info = site
    r = requests.post(
        url + "/api/v1/datasets",
        json={"title": "冒名数据集", "organization": "transport-bureau"},
        headers=_auth(info["medai"]),
        timeout=20,
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = requests.patch(
        url + "/api/v1/datasets/bus-routes",
        json={"title": "改名"},
        headers=_auth(info["medai"]),
        timeout=20,
    )
    assert r.status_code == 403
    r = requests.post(
        url + "/api/v1/datasets",
        json={"title": "无机构用户", "organization": "medai"},
        headers=_auth(info["user"]),
        timeout=20,
    )
    assert r.status_code == 403


def test_invalid_dataset_is_422_with_field_errors_in_the_chosen_language(site):
    url, _cat, info = site
    bad = {"kind": "poster", "themes": ["nope"], "unknown_field": 1, "organization": "medai"}
    zh = requests.post(url + "/api/v1/datasets", json=bad, headers=_auth(info["medai"]), timeout=20)
    assert zh.status_code == 422
    fields = zh.json()["error"]["fields"]
    assert fields["title"] == ["此项为必填项。"]
    assert "unknown_field" in fields and "kind" in fields and "themes" in fields
    en = requests.post(
        url + "/api/v1/datasets?lang=en", json=bad, headers=_auth(info["medai"]), timeout=20
    )
    assert en.json()["error"]["fields"]["title"] == ["Missing data for required field."]
    by_header = requests.post(
        url + "/api/v1/datasets",
        json=bad,
        headers={**_auth(info["medai"]), "Accept-Language": "en-GB,en;q=0.8"},
        timeout=20,
    )
    assert by_header.json()["error"]["fields"]["title"] == ["Missing data for required field."]
    r = requests.post(
        url + "/api/v1/datasets",
        data="not json",
        headers={**_auth(info["medai"]), "Content-Type": "application/json"},
        timeout=20,
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_request"
    r = requests.post(
        url + "/api/v1/datasets/lung-ct/status",
        json={"status": "gone"},
        headers=_auth(info["medai"]),
        timeout=20,
    )
    assert r.status_code == 422 and "status" in r.json()["error"]["fields"]


# -- organizations, open list, harvest, access requests -------------------------------------
def test_organizations_list_and_show(site):
    url, _cat, info = site
    body = get(url, "/api/v1/organizations?page_size=1").json()
    assert body["total"] == 2 and len(body["results"]) == 1 and "next" in body["links"]
    names = {o["name"] for o in get(url, "/api/v1/organizations").json()["results"]}
    assert names == {"transport-bureau", "medai"}  # an applicant is not a publisher yet
    staff = {
        o["name"] for o in get(url, "/api/v1/organizations", info["curator"]).json()["results"]
    }
    assert "applicant-co" in staff
    org = get(url, "/api/v1/organizations/medai").json()
    assert org["dataset_count"] >= 3 and "partner_note" not in org
    assert get(url, "/api/v1/organizations/applicant-co").status_code == 404
    assert get(url, "/api/v1/organizations/nope").json()["error"]["code"] == "not_found"


def test_open_list_versions_entries_and_diff(site):
    url, _cat, _info = site
    versions = get(url, "/api/v1/openlist/versions").json()["results"]
    assert [v["number"] for v in versions] == [2, 1]
    assert versions[0]["entry_count"] == 3
    entries = get(url, "/api/v1/openlist/versions/1/entries?page_size=2").json()
    assert entries["total"] == 3 and [e["resource_code"] for e in entries["results"]] == [
        "BD-001",
        "BD-002",
    ]
    assert "next" in entries["links"]
    latest = get(url, "/api/v1/openlist/versions/latest").json()
    assert latest["number"] == 2
    diff = get(url, "/api/v1/openlist/diff?from=1&to=latest").json()
    assert [e["resource_code"] for e in diff["added"]] == ["BD-004"]
    assert [e["resource_code"] for e in diff["removed"]] == ["BD-003"]
    assert diff["from"]["number"] == 1 and diff["to"]["number"] == 2
    assert [(c["resource_code"], c["changes"]) for c in diff["changed"]] == [
        ("BD-002", {"openness": {"old": "conditional", "new": "unconditional"}})
    ]
    assert get(url, "/api/v1/openlist/versions/9").status_code == 404
    assert get(url, "/api/v1/openlist/diff?from=x&to=1").status_code == 400


def test_harvest_records_are_for_curators_and_never_show_credentials(site):
    url, _cat, info = site
    assert get(url, "/api/v1/harvest/sources").status_code == 401
    assert get(url, "/api/v1/harvest/sources", info["medai"]).status_code == 403
    r = get(url, "/api/v1/harvest/sources", info["curator"])
    assert r.status_code == 200
    src = r.json()["results"][0]
    assert src["name"] == "hebei-ckan" and src["config"]["rows"] == 100
    assert "do-not-show" not in r.text and src["config"]["api_key"] == "***"
    assert src["last_job_id"] == info["job_id"]
    one = get(url, f"/api/v1/harvest/sources/{info['source_id']}", info["curator"]).json()
    assert one["name"] == "hebei-ckan"
    jobs = get(url, f"/api/v1/harvest/jobs?source={info['source_id']}", info["curator"]).json()
    assert jobs["total"] == 1 and "log" not in jobs["results"][0]
    job = get(url, f"/api/v1/harvest/jobs/{info['job_id']}", info["curator"]).json()
    assert job["errors"][0]["reason"] == "missing title" and job["log"]
    assert get(url, "/api/v1/harvest/jobs/999", info["curator"]).status_code == 404


def test_a_job_whose_heartbeat_is_stale_is_listed_as_failed(site, monkeypatch):
    from datetime import timedelta

    from catalog.models import HarvestJob, HarvestSource, utcnow

    url, cat, info = site
    monkeypatch.setitem(cat.settings.extra, "harvest_stale_seconds", 60)
    with cat.session() as s:
        src = HarvestSource(name="stale-beat", kind="ckan", url="https://stale.example")
        s.add(src)
        s.flush()
        started = utcnow() - timedelta(hours=1)
        stale = HarvestJob(
            source_id=src.id,
            state="running",
            worker="elsewhere:4242",
            started_at=started,
            heartbeat_at=utcnow() - timedelta(minutes=5),
        )
        alive = HarvestJob(
            source_id=src.id,
            state="running",
            worker="elsewhere:4243",
            started_at=started,
            heartbeat_at=utcnow(),
        )
        s.add_all([stale, alive])
        s.flush()
        src_id, stale_id, alive_id = src.id, stale.id, alive.id
    r = get(url, f"/api/v1/harvest/jobs?source={src_id}", info["curator"])
    assert r.status_code == 200
    states = {j["id"]: j["state"] for j in r.json()["results"]}
    assert states == {stale_id: "failed", alive_id: "running"}
    job = get(url, f"/api/v1/harvest/jobs/{stale_id}", info["curator"]).json()
    assert job["finished_at"] and "no heartbeat" in job["log"]


def test_access_requests_show_only_the_callers_own(site):
    url, _cat, info = site
    assert get(url, "/api/v1/access-requests").status_code == 401
    mine = get(url, "/api/v1/access-requests", info["user"]).json()
    assert mine["total"] == 1
    req = mine["results"][0]
    assert req["dataset"]["name"] == "lung-ct" and req["state"] == "submitted"
    assert get(url, f"/api/v1/access-requests/{req['id']}", info["user"]).status_code == 200
    assert get(url, f"/api/v1/access-requests/{req['id']}", info["other"]).status_code == 404


# -- OpenAPI and docs ----------------------------------------------------------------------
def test_openapi_document_lists_every_route_and_matches_responses(site):
    url, _cat, info = site
    doc = get(url, "/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    paths = set(doc["paths"])
    app = Flask("routes")
    app.register_blueprint(api_bp)
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)[len("/api/v1") :]
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.docs"
    }
    assert routes == paths
    assert {
        "/datasets",
        "/datasets/{ref}",
        "/organizations",
        "/openlist/diff",
        "/harvest/jobs",
    } <= paths
    schemas = doc["components"]["schemas"]
    assert schemas["Dataset"]["required"] == ["title"]
    shown = get(url, "/api/v1/datasets/ct-checksums", info["curator"]).json()
    assert set(shown) == set(schemas["DatasetOut"]["properties"])
    org = get(url, "/api/v1/organizations/medai").json()
    assert set(org) <= set(schemas["OrganizationOut"]["properties"])
    search = get(url, "/api/v1/datasets?page_size=1").json()
    assert set(search["results"][0]) == set(schemas["SearchHit"]["properties"])
    assert doc["paths"]["/datasets"]["post"]["security"] == [{"token": []}]


def test_docs_page_lists_paths_and_loads_nothing_from_outside(site):
    url, _cat, _info = site
    page = get(url, "/api/v1/docs").text
    assert "/api/v1/datasets/{ref}" in page and "openapi.json" in page
    assert "接口" in page  # Chinese by default
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?://', page)
    assert "Search datasets" in get(url, "/api/v1/docs?lang=en").text


def test_vocabularies_give_codes_with_both_labels(site):
    url, _cat, _info = site
    vocabs = get(url, "/api/v1/vocabularies").json()["vocabularies"]
    assert {"code": "health", "zh": "医疗", "en": "Health"} in vocabs["theme"]
    assert any(t["code"] == "130600" for t in vocabs["region"])


def test_a_retried_create_with_an_idempotency_key_returns_the_first_answer(site):
    url, cat, info = site
    body = {"title": "幂等创建的数据集", "organization": "medai", "kind": "training"}
    headers = {**_auth(info["medai"]), "Idempotency-Key": "create-1f3a"}

    def post(json_body, hdrs=headers):
        return requests.post(url + "/api/v1/datasets", json=json_body, headers=hdrs, timeout=20)

    first = post(body)
    assert first.status_code == 201, first.text
    again = post(body)  # the client never saw the first answer and retries
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Location"] == first.headers["Location"]
    found = requests.get(
        url + "/api/v1/datasets/" + first.json()["name"], headers=_auth(info["medai"]), timeout=20
    )
    assert found.status_code == 200
    with cat.session() as s:
        from sqlalchemy import func, select

        from catalog.models import Dataset

        n = s.execute(
            select(func.count()).select_from(Dataset).where(Dataset.title == body["title"])
        ).scalar_one()
    assert n == 1  # one record for two requests
    # the same key with another body is the client's mistake, said so
    other = post({**body, "title": "另一个"})
    assert other.status_code == 422 and "Idempotency-Key" in other.text
    # a failed first attempt frees its key: the corrected retry runs
    bad_headers = {**_auth(info["medai"]), "Idempotency-Key": "create-bad"}
    assert post({"organization": "medai"}, bad_headers).status_code == 422
    ok = post({**body, "title": "修正后重试"}, bad_headers)
    assert ok.status_code == 201 and "Idempotent-Replayed" not in ok.headers
    # without the header every POST creates
    plain = {"title": "无幂等键", "organization": "medai", "kind": "training"}
    a = post(plain, _auth(info["medai"]))
    b = post(plain, _auth(info["medai"]))
    assert a.json()["id"] != b.json()["id"]


# -- AI filters (issue 16) -------------------------------------------------------------------
def test_ai_filters_facets_and_card_fields(site):
    url, _cat, _info = site
    body = get(url, "/api/v1/datasets?annotation_type=bounding_box").json()
    assert [h["name"] for h in body["results"]] == ["ct-checksums"]
    hit = body["results"][0]
    assert hit["sample_total"] == 10_000 and hit["byte_size"] == 12_000_000_000
    assert hit["task"] == ["object_detection", "image_segmentation"] and hit["modality"] == [
        "image"
    ]
    # an AI filter brings the AI facets; the accuracy band is cumulative
    assert dict((f["value"], f["count"]) for f in body["facets"]["accuracy"]) == {"95": 1, "90": 1}
    assert {f["value"] for f in body["facets"]["split"]} == {"train", "validation", "test"}
    names = {
        h["name"]
        for h in get(
            url, "/api/v1/datasets?accuracy=95&split=test&license_family=commercial"
        ).json()["results"]
    }
    assert names == {"ct-checksums"}
    assert get(url, "/api/v1/datasets?coverage=2024&samples=10k-100k").json()["total"] == 1
    assert get(url, "/api/v1/datasets?coverage=1999").json()["total"] == 0
    # the caller picks the facets
    only = get(url, "/api/v1/datasets?facet=split,samples").json()["facets"]
    assert set(only) == {"split", "samples"}
    assert get(url, "/api/v1/datasets?facet=").json()["facets"] == {}
    plain = get(url, "/api/v1/datasets").json()["facets"]
    assert "annotation_type" not in plain and "license_family" in plain


def test_an_unknown_filter_is_a_400_listing_the_filters(site):
    url, _cat, _info = site
    r = get(url, "/api/v1/datasets?annotation_typ=bounding_box")
    assert r.status_code == 400
    message = r.json()["error"]["message"]
    assert "annotation_typ'" in message
    for name in ("annotation_type", "annotation_method", "accuracy", "samples", "split"):
        assert name in message
    assert "license_family" in message and "updated" in message and "coverage" in message
    r = get(url, "/api/v1/datasets?updated=yesterday")
    assert r.status_code == 400 and "7d" in r.json()["error"]["message"]
    assert get(url, "/api/v1/datasets?facet=colour").status_code == 400
