"""The working open list filled from datasets (by department, theme, search, picked), and
one truth for openness: an item's openness is its dataset's (issue 12, item 8)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.errors import PermissionDenied, ValidationFailed
from catalog.models import AuditEvent, Dataset
from catalog.services import datasets, openlist, openlist_fill, organizations
from catalog.services.authz import SYSTEM
from catalog.services.harvest_store import REVIEW_KEY
from tests.portal import actor, make_user


@pytest.fixture
def curator(cat):
    return actor(cat, make_user(cat, "curator@bureau.example.cn", "curator"))


def _org(cat, name: str, title: str) -> None:
    organizations.create_organization(
        cat, SYSTEM, {"name": name, "title": title, "org_type": "government"}
    )


def _ds(cat, name: str, org: str, theme: str, openness: str = "unconditional", **extra):
    status = extra.pop("status", "published")
    return datasets.create_dataset(
        cat,
        SYSTEM,
        {
            "name": name,
            "title": extra.pop("title", f"资源{name}"),
            "organization": org,
            "resource_code": f"CODE-{name}",
            "themes": [theme],
            "access_rights": openness,
            "frequency": "MONTHLY",
            "data_formats": ["CSV"],
            **extra,
        },
        status=status,
    )


@pytest.fixture
def city(cat):
    _org(cat, "jtj", "保定市交通运输局")
    _org(cat, "wjw", "保定市卫生健康委员会")
    _ds(cat, "bus", "jtj", "transport", title="公交线路")
    _ds(cat, "stops", "jtj", "transport", "conditional", title="公交站点")
    _ds(cat, "taxi", "jtj", "urban", title="出租车营运")
    _ds(cat, "clinics", "wjw", "health", title="医疗机构名录")
    _ds(cat, "beds", "wjw", "health", "not_open", title="床位统计")
    return cat


def _codes(cat, curator) -> dict[str, dict]:
    return {e["resource_code"]: e for e in openlist.working_entries(cat, curator)}


def test_bulk_add_by_department_theme_and_search(city, curator) -> None:
    cat = city
    total, rows = openlist_fill.candidates(cat, curator, {"organization": "jtj"})
    assert total == 3 and [r["title"] for r in rows] == ["公交站点", "公交线路", "出租车营运"]
    assert openlist_fill.candidates(cat, curator, {"theme": "health"})[0] == 2
    assert [r["name"] for r in openlist_fill.candidates(cat, curator, {"q": "公交"})[1]] == [
        "stops",
        "bus",
    ]
    got = openlist_fill.add_matching(cat, curator, {"organization": "jtj"})
    assert (got.added, got.updated, got.unchanged) == (3, 0, 0)
    got = openlist_fill.add_matching(cat, curator, {"theme": "health"})
    assert got.added == 2
    entries = _codes(cat, curator)
    assert set(entries) == {f"CODE-{n}" for n in ("bus", "stops", "taxi", "clinics", "beds")}
    assert entries["CODE-stops"]["openness"] == "conditional"
    assert entries["CODE-beds"]["source_department"] == "保定市卫生健康委员会"
    assert entries["CODE-bus"]["dataset"] == "bus"
    # the picker says what is on the list already; adding again changes nothing
    assert all(r["on_list"] for r in openlist_fill.candidates(cat, curator, {"q": "公交"})[1])
    again = openlist_fill.add_datasets(cat, curator, ["bus", "no-such"])
    assert (again.added, again.unchanged, again.skipped) == (0, 1, [("no-such", "no such dataset")])
    with pytest.raises(ValidationFailed):
        openlist_fill.add_matching(cat, curator, {})
    someone = actor(cat, make_user(cat, "someone@ai.example.com"))
    with pytest.raises(PermissionDenied):
        openlist_fill.add_matching(cat, someone, {"theme": "health"})
    with pytest.raises(PermissionDenied):
        openlist_fill.candidates(cat, someone, {})


def test_picked_items_refresh_and_keep_their_code(city, curator) -> None:
    cat = city
    # an item typed by hand with the dataset's code is linked, not doubled
    openlist.add_entry(
        cat,
        curator,
        {"resource_code": "CODE-bus", "title": "旧名", "openness": "unconditional"},
    )
    got = openlist_fill.add_datasets(cat, curator, ["bus"])
    assert (got.added, got.updated) == (0, 1)
    [entry] = openlist.working_entries(cat, curator)
    assert (entry["title"], entry["dataset"]) == ("公交线路", "bus")
    # another dataset claiming a code already on the list for another dataset is skipped
    _ds(cat, "bus2", "jtj", "transport", resource_code="CODE-bus")
    got = openlist_fill.add_datasets(cat, curator, ["bus2"])
    assert got.added == 0 and got.skipped == [("bus2", "resource code CODE-bus is another item's")]


def test_an_items_openness_is_its_datasets(city, curator) -> None:
    """Changing an item's openness changes the dataset (audited); a dataset changed elsewhere
    is shown as a conflict and publishing waits until it is resolved."""
    cat = city
    openlist_fill.add_matching(cat, curator, {"organization": "jtj"})
    entries = _codes(cat, curator)
    bus = entries["CODE-bus"]
    form = {k: bus[k] for k in openlist.FIELDS}
    openlist.update_entry(
        cat, curator, bus["id"], {**form, "openness": "conditional", "dataset": "bus"}
    )
    with cat.session() as s:
        ds = s.execute(select(Dataset).where(Dataset.name == "bus")).scalar_one()
        assert ds.access_rights == "conditional"
        assert ds.field_provenance["access_rights"] == f"user:{curator.id}"
        event = s.execute(
            select(AuditEvent).where(
                AuditEvent.action == "dataset.openness", AuditEvent.object_id == ds.id
            )
        ).scalar_one()
        assert (event.actor_id, event.data["from"], event.data["to"]) == (
            curator.id,
            "unconditional",
            "conditional",
        )
    assert openlist.conflicts(cat, curator) == []
    # the dataset's editor (here the system) changes the openness on the dataset's side
    datasets.update_dataset(cat, SYSTEM, "taxi", {"access_rights": "not_open"})
    [conflict] = openlist.conflicts(cat, curator)
    assert (conflict.resource_code, conflict.listed, conflict.dataset_openness) == (
        "CODE-taxi",
        "unconditional",
        "not_open",
    )
    with pytest.raises(ValidationFailed) as err:
        openlist.publish(cat, curator)
    assert "CODE-taxi" in err.value.messages["entries"][0]
    assert err.value.localized("zh")["entries"][0].startswith("有 1 个条目的开放属性")
    openlist.resolve(cat, curator, conflict.entry_id, "dataset")
    assert _codes(cat, curator)["CODE-taxi"]["openness"] == "not_open"
    assert openlist.publish(cat, curator)["entry_count"] == 3


def test_a_dataset_awaiting_review_blocks_publishing_until_decided(city, curator) -> None:
    cat = city
    held = _ds(
        cat,
        "held",
        "wjw",
        "health",
        "not_open",
        status="submitted",
        extras={REVIEW_KEY: "openness unknown: row 4, column 开放属性: empty"},
    )
    got = openlist_fill.add_datasets(cat, curator, [held.name])
    assert (got.added, got.held) == (1, 1)
    [conflict] = openlist.conflicts(cat, curator)
    assert conflict.kind == "review" and conflict.listed == conflict.dataset_openness
    with pytest.raises(ValidationFailed):
        openlist.publish(cat, curator)
    with pytest.raises(ValidationFailed):  # the dataset's value is no decision
        openlist.resolve(cat, curator, conflict.entry_id, "dataset")
    openlist.resolve(cat, curator, conflict.entry_id, "conditional")
    with cat.session() as s:
        ds = s.get(Dataset, held.id)
        assert ds.access_rights == "conditional" and REVIEW_KEY not in ds.extras
    assert openlist.conflicts(cat, curator) == []
    assert openlist.publish(cat, curator)["entry_count"] == 1
