"""The open list: working copy, numbered versions, diffs, exports, audit (services)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from catalog.errors import NotFound, PermissionDenied, ValidationFailed
from catalog.models import AuditEvent
from catalog.services import datasets, openlist, organizations
from catalog.services.authz import ANONYMOUS, SYSTEM
from tests.portal import actor, make_user


def item(code: str, **extra: object) -> dict:
    return {
        "resource_code": code,
        "title": f"资源{code}",
        "source_department": "保定市交通运输局",
        "domain": "交通",
        "openness": "unconditional",
        "open_mode": "download",
        "frequency": "MONTHLY",
        "data_formats": ["CSV", "XLSX"],
        **extra,
    }


@pytest.fixture
def curator(cat):
    return actor(cat, make_user(cat, "curator@bureau.example.cn", "curator"))


def test_working_list_is_for_curators(cat, curator) -> None:
    user = actor(cat, make_user(cat, "someone@ai.example.com"))
    for who in (ANONYMOUS, user):
        with pytest.raises(PermissionDenied):
            openlist.add_entry(cat, who, item("A1"))
        with pytest.raises(PermissionDenied):
            openlist.working_entries(cat, who)
        with pytest.raises(PermissionDenied):
            openlist.publish(cat, who)
    with pytest.raises(PermissionDenied):
        openlist.version_entries(cat, user, openlist.WORKING)


def test_entries_are_validated(cat, curator) -> None:
    with pytest.raises(ValidationFailed) as err:
        openlist.add_entry(cat, curator, item("", openness="open", frequency="HOURLY"))
    assert set(err.value.messages) == {"resource_code", "openness", "frequency"}
    openlist.add_entry(cat, curator, item("A1"))
    with pytest.raises(ValidationFailed) as err:
        openlist.add_entry(cat, curator, item("A1"))
    assert err.value.localized("zh")["resource_code"] == ["该资源代码已在清单中。"]
    with pytest.raises(ValidationFailed) as err:
        openlist.add_entry(cat, curator, item("A2", dataset="no-such-dataset"))
    assert err.value.messages == {"dataset": ["Unknown dataset."]}


def test_publish_freezes_versions_and_diff_finds_changes(cat, curator) -> None:
    with pytest.raises(ValidationFailed):
        openlist.publish(cat, curator)  # nothing to publish yet
    a1 = openlist.add_entry(cat, curator, item("A1"))
    openlist.add_entry(cat, curator, item("A2"))
    a3 = openlist.add_entry(cat, curator, item("A3"))
    v1 = openlist.publish(cat, curator, "首版")
    assert v1["number"] == 1 and v1["entry_count"] == 3
    openlist.update_entry(cat, curator, a1["id"], item("A1", openness="conditional"))
    openlist.remove_entry(cat, curator, a3["id"])
    openlist.add_entry(cat, curator, item("B1", title="新增资源"))
    # the working copy compares against the latest version before it is published
    pending = openlist.diff(cat, curator, "latest", openlist.WORKING)
    assert [e["resource_code"] for e in pending["added"]] == ["B1"]
    v2 = openlist.publish(cat, curator)
    assert v2["number"] == 2
    d = openlist.diff(cat, ANONYMOUS, 1, 2)
    assert [e["resource_code"] for e in d["added"]] == ["B1"]
    assert [e["resource_code"] for e in d["removed"]] == ["A3"]
    assert d["changed"] == [
        {
            "resource_code": "A1",
            "title": "资源A1",
            "title_en": None,  # typed in by hand: no dataset to give it English
            "changes": {"openness": {"old": "unconditional", "new": "conditional"}},
        }
    ]
    # version 1 did not change with the working copy
    _v, entries = openlist.version_entries(cat, ANONYMOUS, 1)
    assert [e["resource_code"] for e in entries] == ["A1", "A2", "A3"]
    assert entries[0]["openness"] == "unconditional"
    assert [v["number"] for v in openlist.versions(cat)] == [2, 1]
    with pytest.raises(NotFound):
        openlist.version_entries(cat, ANONYMOUS, 7)
    with cat.session() as s:
        actions = list(
            s.execute(
                select(AuditEvent.action)
                .where(AuditEvent.object_type == "openlist")
                .order_by(AuditEvent.id)
            ).scalars()
        )
    assert actions == [
        "openlist.add",
        "openlist.add",
        "openlist.add",
        "openlist.publish",
        "openlist.update",
        "openlist.remove",
        "openlist.add",
        "openlist.publish",
    ]


def test_item_from_a_dataset(cat, curator) -> None:
    organizations.create_organization(
        cat, SYSTEM, {"name": "transport", "title": "保定市交通运输局", "org_type": "government"}
    )
    ds = datasets.create_dataset(
        cat,
        SYSTEM,
        {
            "title": "公交线路",
            "organization": "transport",
            "resource_code": "130600-JT-001",
            "themes": ["transport"],
            "access_rights": "conditional",
            "frequency": "DAILY",
            "distributions": [
                {"title": "线路", "download_url": "https://x.example/a.csv", "format": "csv"}
            ],
        },
        status="published",
    )
    entry = openlist.add_from_dataset(cat, curator, ds.name)
    assert entry["resource_code"] == "130600-JT-001"
    assert entry["source_department"] == "保定市交通运输局"
    assert entry["domain"] == "交通" and entry["openness"] == "conditional"
    assert entry["data_formats"] == ["CSV"] and entry["dataset_id"] == ds.id
    assert openlist.working_entries(cat, curator)[0]["dataset"] == ds.name


def test_filters_and_facets(cat, curator) -> None:
    openlist.add_entry(cat, curator, item("A1"))
    openlist.add_entry(cat, curator, item("A2", openness="conditional", domain="医疗"))
    openlist.add_entry(cat, curator, item("A3", source_department="保定市卫生健康委员会"))
    openlist.publish(cat, curator)
    _v, entries = openlist.version_entries(cat, ANONYMOUS, "latest")
    assert [
        e["resource_code"] for e in openlist.filter_entries(entries, {"openness": "conditional"})
    ] == ["A2"]
    assert len(openlist.filter_entries(entries, {"domain": "交通"})) == 2
    assert [e["resource_code"] for e in openlist.filter_entries(entries, {"q": "卫生"})] == ["A3"]
    facets = openlist.facet_values(entries)
    assert facets["openness"] == [("unconditional", 2), ("conditional", 1)]


def test_exports_hold_the_same_rows(cat, curator) -> None:
    openlist.add_entry(cat, curator, item("A1"))
    openlist.add_entry(
        cat, curator, item("A2", openness="not_open", open_mode=None, frequency=None)
    )
    openlist.publish(cat, curator, "第一版")
    expected = [
        [
            "资源代码",
            "资源名称",
            "数源部门",
            "所属领域",
            "开放属性",
            "开放方式",
            "更新频率",
            "数据格式",
        ],
        ["A1", "资源A1", "保定市交通运输局", "交通", "无条件开放", "文件下载", "每月", "CSV, XLSX"],
        ["A2", "资源A2", "保定市交通运输局", "交通", "不予开放", "", "", "CSV, XLSX"],
    ]
    got = openlist.export(cat, 1, "csv")
    assert got.filename == "openlist-v1.csv" and got.body.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(got.body.decode("utf-8-sig")))) == expected
    got = openlist.export(cat, 1, "xlsx")
    ws = load_workbook(io.BytesIO(got.body)).active
    assert [
        [c if c is not None else "" for c in row] for row in ws.iter_rows(values_only=True)
    ] == expected
    got = json.loads(openlist.export(cat, "latest", "json").body)
    assert got["version"]["number"] == 1 and got["version"]["note"] == "第一版"
    assert [e["resource_code"] for e in got["entries"]] == ["A1", "A2"]
    assert got["entries"][1]["openness"] == "not_open"
    with pytest.raises(NotFound):
        openlist.export(cat, 1, "pdf")
