"""The demo catalog (catalog.demo) loads cleanly and shows what the product is for.

Organization dicts carry ``partner_status``, which is not part of ``OrganizationSchema``: the
loader pops it and sets it through the partner service, so these tests pop it before validating.
"""

from __future__ import annotations

import pytest

from catalog.demo import demo_records
from schemas import vocab
from schemas.dataset import DatasetSchema
from schemas.organization import OrganizationSchema


@pytest.fixture(scope="module")
def records() -> tuple[list[dict], list[dict]]:
    return demo_records()


@pytest.fixture(scope="module")
def orgs(records):
    return records[0]


@pytest.fixture(scope="module")
def datasets(records):
    return records[1]


def test_enough_datasets(datasets):
    assert len(datasets) >= 300
    assert sum(d["kind"] == "open_data" for d in datasets) >= 240
    assert sum(d["kind"] in ("training", "benchmark") for d in datasets) >= 60


def test_organizations_validate(orgs):
    for org in orgs:
        data = dict(org)
        status = data.pop("partner_status")
        assert status in (None, "applied", "verified"), org["name"]
        assert (status is None) == (org["org_type"] == "government"), org["name"]
        assert OrganizationSchema().validate(data) == {}, org["name"]
        OrganizationSchema().load(data)


def test_partner_statuses(orgs):
    statuses = [o["partner_status"] for o in orgs if o["org_type"] != "government"]
    assert statuses.count("applied") >= 1
    assert statuses.count("verified") > statuses.count("applied")


def test_datasets_validate(datasets):
    for ds in datasets:
        assert DatasetSchema().validate(ds) == {}, ds["name"]
        DatasetSchema().load(ds)


def test_names_are_unique(orgs, datasets):
    org_names = [o["name"] for o in orgs]
    assert len(org_names) == len(set(org_names))
    names = [d["name"] for d in datasets]
    assert len(names) == len(set(names))
    codes = [d["resource_code"] for d in datasets if d["kind"] == "open_data"]
    assert all(codes) and len(codes) == len(set(codes))
    credit_codes = [o["credit_code"] for o in orgs]
    assert len(credit_codes) == len(set(credit_codes))


def test_publishers_exist(orgs, datasets):
    by_name = {o["name"]: o for o in orgs}
    for ds in datasets:
        assert ds["organization"] in by_name, ds["name"]
        publisher = by_name[ds["organization"]]
        if ds["kind"] == "open_data":
            assert publisher["org_type"] == "government", ds["name"]
            assert ds["source_department"] == publisher["title"]
        else:
            assert publisher["partner_status"] == "verified", ds["name"]


def test_vocabularies_are_covered(orgs, datasets):
    assert {d["access_rights"] for d in datasets} == set(vocab.OPENNESS)
    assert {d["kind"] for d in datasets} == set(vocab.KINDS)
    assert {o["org_type"] for o in orgs} == set(vocab.ORG_TYPES)
    themes = {t for d in datasets for t in d["themes"]}
    assert {"transport", "health", "education", "culture_tourism"} <= themes


def test_open_list_mix(datasets):
    open_data = [d for d in datasets if d["kind"] == "open_data"]
    share = {a: sum(d["access_rights"] == a for d in open_data) / len(open_data)
             for a in vocab.OPENNESS}  # fmt: skip
    assert 0.5 <= share["unconditional"] <= 0.7
    assert 0.2 <= share["conditional"] <= 0.4
    assert 0.05 <= share["not_open"] <= 0.15
    for ds in open_data:
        if ds["access_rights"] != "unconditional":
            assert ds["access_conditions"], ds["name"]


def test_partner_datasets_describe_ai_data(datasets):
    for ds in datasets:
        if ds["kind"] == "open_data":
            continue
        assert ds["task_categories"] and ds["modalities"], ds["name"]
        assert set(ds["sample_counts"]) <= {"train", "validation", "test"}
        if ds["kind"] == "benchmark":
            assert ds["metrics"], ds["name"]
        if ds["annotation_accuracy"] is not None:
            assert 0.9 <= ds["annotation_accuracy"] <= 0.995
        if ds["access_rights"] == "conditional":
            assert any(dist["restricted"] for dist in ds["distributions"]), ds["name"]


def test_words_people_search_for(datasets):
    titles = [d["title"] for d in datasets]
    for word in ("交通", "医疗", "保定"):
        assert any(word in t for t in titles), word
    english = [f"{d['title_en'] or ''} {d['description_en'] or ''}".lower() for d in datasets]
    assert sum("object detection" in text for text in english) >= 5
    assert sum("medical imaging" in text for text in english) >= 3


def test_some_are_featured(datasets):
    assert 5 <= sum(d["featured"] for d in datasets) <= 15


def test_deterministic():
    assert demo_records(7) == demo_records(7)
    assert demo_records(3) == demo_records(3)
    assert demo_records(3) != demo_records(7)
