"""Domain (所属领域) values to themes (issue 12, item 5): common values map by themselves; the
rest are listed with counts until a curator maps them once, which gives the theme to the
datasets already harvested and to every later harvest. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from catalog.errors import PermissionDenied, ValidationFailed
from catalog.models import AuditEvent, Dataset
from catalog.services import domain_themes
from catalog.services.authz import ANONYMOUS, SYSTEM

HEAD = ["资源代码", "资源名称", "数源部门", "开放属性", "所属领域", "主题分类"]


def _sheet(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows([HEAD, *rows])
    return buf.getvalue().encode("utf-8")


def _themes(cat) -> dict[str, list[str]]:
    with cat.session() as s:
        return {d.resource_code: d.themes for d in s.execute(select(Dataset)).scalars()}


def test_unmapped_domains_are_mapped_once_for_every_harvest(db, server, harvest) -> None:
    rows = [
        ["D1", "企业登记", "市场监管局", "无条件开放", "经贸工商", "信用服务"],
        ["D2", "老旧小区改造", "住建局", "无条件开放", "城市更新", ""],
        ["D3", "棚户区改造", "住建局", "无条件开放", "城市更新、住房", ""],
        ["D4", "算力设施", "数据局", "无条件开放", "数字经济", "暂无"],
    ]
    url = server.put("domains.csv", _sheet(rows), "text/csv")
    out = harvest("spreadsheet", url, config={"region": "保定市"}, catalog=db)
    assert (out.counts.new, out.counts.errors) == (4, 0)
    assert _themes(db) == {"D1": ["economy"], "D2": [], "D3": ["urban"], "D4": []}
    assert domain_themes.unmapped_values(db, SYSTEM) == [("城市更新", 2), ("数字经济", 1)]
    with pytest.raises(PermissionDenied):
        domain_themes.unmapped_values(db, ANONYMOUS)
    with pytest.raises(ValidationFailed):
        domain_themes.map_value(db, SYSTEM, "城市更新", "no-such-theme")

    assert domain_themes.map_value(db, SYSTEM, "城市更新", "urban") == 2
    assert domain_themes.map_value(db, SYSTEM, "数字经济", None) == 1  # no theme fits
    assert domain_themes.unmapped_values(db, SYSTEM) == []
    assert _themes(db) == {"D1": ["economy"], "D2": ["urban"], "D3": ["urban"], "D4": []}
    with db.session() as s:
        d2 = s.execute(select(Dataset).where(Dataset.resource_code == "D2")).scalar_one()
        assert "unmapped_domains" not in d2.extras
        # the themes stay the harvest's: a later run of the sheet may still change them
        assert not d2.field_provenance.get("themes", "").startswith("user:")
        n = s.execute(select(AuditEvent).where(AuditEvent.action == "dataset.domain_theme")).all()
        assert len(n) == 3
    assert [m["value"] for m in domain_themes.mappings(db, SYSTEM)] == ["城市更新", "数字经济"]

    # a later sheet: the mapping applies at harvest, nothing is listed again
    more = server.put(
        "more.csv", _sheet([["E1", "城中村改造", "住建局", "无条件开放", "城市更新", "数字经济"]])
    )
    harvest("spreadsheet", more, config={"region": "保定市"}, catalog=db)
    assert _themes(db)["E1"] == ["urban"]
    assert domain_themes.unmapped_values(db, SYSTEM) == []
