"""Metadata quality score: complete metadata scores higher, and every lost point says why."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from catalog.models import Dataset, Distribution
from catalog.quality import CHECKS, MAX_POINTS, score_dataset
from catalog.search import SearchQuery
from catalog.services import datasets, organizations
from catalog.services.authz import SYSTEM


def complete() -> Dataset:
    return Dataset(
        title="保定市公交线路",
        keywords=["公交"],
        themes=["transport"],
        spatial=["130600"],
        temporal_start=date(2024, 1, 1),
        temporal_end=date(2024, 12, 31),
        landing_page="https://data.example.cn/bus",
        conforms_to=["GB/T 1"],
        license="CC-BY-4.0",
        access_rights="unconditional",
        contact_email="a@example.cn",
        organization_id="org1",
        issued=date(2024, 1, 1),
        modified=datetime(2024, 6, 1),
        frequency="MONTHLY",
        data_formats=["CSV"],
        distributions=[
            Distribution(
                title="CSV",
                access_url="https://data.example.cn/bus",
                download_url="https://data.example.cn/bus.csv",
                format="CSV",
                media_type="text/csv",
                byte_size=2048,
            ),
        ],
    )


def bare() -> Dataset:
    return Dataset(
        title="公交",
        keywords=[],
        themes=[],
        spatial=[],
        conforms_to=[],
        data_formats=[],
        distributions=[],
        access_rights=None,
    )


def test_complete_scores_higher_than_bare() -> None:
    full, empty = score_dataset(complete()), score_dataset(bare())
    assert full.total == 100
    assert full.lost == []
    assert empty.total == 0
    assert full.total > empty.total
    assert {c[1] for c in CHECKS} == {lost[1] for lost in empty.lost}


def test_lost_points_name_what_is_missing() -> None:
    ds = complete()
    ds.license = None
    ds.keywords = []
    ds.distributions[0].media_type = None
    score = score_dataset(ds)
    assert {(dim, check) for dim, check, *_ in score.lost} == {
        ("reusability", "license"),
        ("findability", "keywords"),
        ("interoperability", "media_type"),
    }
    reasons_en = {en for *_, en in score.lost}
    reasons_zh = {zh for *_, zh, _en in score.lost}
    assert reasons_en == {"No licence", "No keywords", "A distribution has no media type"}
    assert reasons_zh == {"未注明许可协议", "未填写关键词", "资源未注明媒体类型"}
    lost_points = sum(points for _d, _c, points, *_ in score.lost)
    assert score.total == round(100 * (MAX_POINTS - lost_points) / MAX_POINTS)
    assert score.total < 100


def test_dimensions_add_up() -> None:
    score = score_dataset(complete())
    assert set(score.dimensions) == {
        "findability",
        "accessibility",
        "interoperability",
        "reusability",
        "contextuality",
    }
    assert sum(top for _got, top in score.dimensions.values()) == MAX_POINTS
    assert all(got == top for got, top in score.dimensions.values())


@pytest.mark.parametrize(
    ("change", "check"),
    [
        (lambda d: setattr(d, "distributions", []), "access_url"),
        (lambda d: setattr(d.distributions[0], "download_url", None), "download_url"),
        (lambda d: setattr(d.distributions[0], "format", "DOC"), "machine_readable"),
        (lambda d: setattr(d, "contact_email", None), "contact"),
        (lambda d: setattr(d, "organization_id", None), "publisher"),
        (
            lambda d: setattr(d, "temporal_start", None) or setattr(d, "temporal_end", None),
            "temporal",
        ),
    ],
)
def test_each_gap_costs_points_and_is_named(change, check: str) -> None:
    ds = complete()
    if check == "machine_readable":
        ds.data_formats = []
    change(ds)
    score = score_dataset(ds)
    assert check in [c for _d, c, *_ in score.lost]
    assert score.total < 100


def test_a_publisher_can_stand_in_for_a_source_department() -> None:
    ds = complete()
    ds.organization_id = None
    ds.source_department = "保定市交通运输局"
    assert score_dataset(ds).total == 100


def test_services_store_the_score_and_search_sorts_by_it(sqlite_cat) -> None:
    cat = sqlite_cat
    organizations.create_organization(cat, SYSTEM, {"name": "bd-transport", "title": "交通局"})
    rich = datasets.create_dataset(
        cat,
        SYSTEM,
        {
            "title": "公交线路（完整）",
            "organization": "bd-transport",
            "keywords": ["公交"],
            "themes": ["transport"],
            "spatial": ["130600"],
            "license": "CC-BY-4.0",
            "contact_email": "a@example.cn",
            "issued": "2024-01-01",
            "frequency": "MONTHLY",
            "distributions": [
                {
                    "title": "CSV",
                    "download_url": "https://e.cn/a.csv",
                    "format": "CSV",
                    "media_type": "text/csv",
                    "byte_size": 10,
                }
            ],
        },
        status="published",
    )
    poor = datasets.create_dataset(cat, SYSTEM, {"title": "公交线路（简略）"}, status="published")
    assert rich.quality_score > poor.quality_score
    hits = cat.search.search(SearchQuery(text="公交", sort="quality")).hits
    assert [h.id for h in hits] == [rich.id, poor.id]
    assert hits[0].doc["quality"] == rich.quality_score

    better = datasets.update_dataset(cat, SYSTEM, poor.id, {"keywords": ["公交"], "license": "MIT"})
    assert better.quality_score > poor.quality_score


def test_score_counts_a_publisher_set_by_an_update(sqlite_cat) -> None:
    cat = sqlite_cat
    organizations.create_organization(cat, SYSTEM, {"name": "bd-transport", "title": "交通局"})
    ds = datasets.create_dataset(cat, SYSTEM, {"title": "无发布机构"})
    with_org = datasets.update_dataset(cat, SYSTEM, ds.id, {"organization": "bd-transport"})
    assert with_org.quality_score == score_dataset(datasets.get_dataset(cat, SYSTEM, ds.id)).total
    assert with_org.quality_score > ds.quality_score
