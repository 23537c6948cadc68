"""Dashboard figures and quality per publisher (services)."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from catalog.errors import PermissionDenied
from catalog.models import Dataset
from catalog.services import dashboard, datasets, organizations, quality_report
from catalog.services.authz import SYSTEM
from tests.portal import actor, make_user


def _fill(cat) -> None:
    organizations.create_organization(
        cat, SYSTEM, {"name": "transport", "title": "保定市交通运输局", "org_type": "government"}
    )
    for i, (themes, openness) in enumerate(
        [
            (["transport"], "unconditional"),
            (["transport", "urban"], "conditional"),
            ([], "not_open"),
        ]
    ):
        datasets.create_dataset(
            cat,
            SYSTEM,
            {
                "title": f"数据集{i}",
                "organization": "transport",
                "themes": themes,
                "access_rights": openness,
                "license": "CC-BY-4.0" if i == 0 else None,
                "distributions": [{"title": "表", "download_url": f"https://x.example/{i}.csv"}],
            },
            status="published",
        )


def test_index_and_store_give_the_same_counts(sqlite_cat) -> None:
    cat = sqlite_cat
    _fill(cat)
    cur = actor(cat, make_user(cat, "curator@bureau.example.cn", "curator"))
    from_index = dashboard.build(cat, cur)
    assert from_index.by_theme == [("transport", 2), ("urban", 1)]
    assert dict(from_index.by_openness) == {"unconditional": 1, "conditional": 1, "not_open": 1}
    assert from_index.by_publisher == [("transport", "保定市交通运输局", "保定市交通运输局", 3)]
    cat.search.close()
    shutil.rmtree(cat.settings.index_path)  # the index is gone: the store answers
    from_store = dashboard.build(cat, cur)
    for key in ("by_theme", "by_openness", "by_kind", "by_publisher"):
        assert getattr(from_store, key) == getattr(from_index, key), key
    with pytest.raises(PermissionDenied):
        dashboard.build(cat, actor(cat, make_user(cat, "someone@ai.example.com")))


def test_publisher_quality_means_every_dataset_and_samples_the_details(
    sqlite_cat, monkeypatch
) -> None:
    cat = sqlite_cat
    _fill(cat)
    org = organizations.get_organization(cat, "transport")
    full = quality_report.publisher_quality(cat, org.id)
    assert full.datasets == 3 and full.sampled == 3
    assert set(full.dimensions) == {
        "findability",
        "accessibility",
        "interoperability",
        "reusability",
        "contextuality",
    }
    counts = [n for *_x, n in full.common_gaps]
    assert len(counts) == 5 and counts == sorted(counts, reverse=True) and counts[0] == 3
    assert ("byte_size", "资源未注明大小", "A distribution has no size", 3) in full.common_gaps
    monkeypatch.setattr(quality_report, "SAMPLE", 2)
    sampled = quality_report.publisher_quality(cat, org.id)
    assert sampled.datasets == 3 and sampled.sampled == 2 and sampled.average == full.average
    ranking = quality_report.quality_by_publisher(cat)
    assert [(o.name, n, avg) for o, n, avg in ranking] == [("transport", 3, full.average)]
    assert quality_report.publisher_quality(cat, "no-such-org").datasets == 0


def test_publisher_quality_follows_every_change(sqlite_cat) -> None:
    """The scores an organization page shows are kept between reads, and a change to one
    of the publisher's datasets shows on the next read."""
    cat = sqlite_cat
    _fill(cat)
    org = organizations.get_organization(cat, "transport")
    before = quality_report.publisher_quality(cat, org.id)
    assert quality_report.publisher_quality(cat, org.id) is before  # kept
    gaps = {check: n for check, _zh, _en, n in before.common_gaps}
    assert gaps["byte_size"] == 3
    sized = {"title": "表", "download_url": "https://x.example/0.csv", "byte_size": 2048}
    datasets.update_dataset(cat, SYSTEM, _first_name(cat), {"distributions": [sized]})
    after = quality_report.publisher_quality(cat, org.id)
    assert after is not before
    # one dataset of three now gives its size: no longer the gap of all three
    assert {check: n for check, _zh, _en, n in after.common_gaps}.get("byte_size", 0) < 3
    assert sum(after.dimensions.values()) > sum(before.dimensions.values())


def _first_name(cat) -> str:
    with cat.session() as s:
        return s.execute(select(Dataset.name).order_by(Dataset.name)).scalars().first()
