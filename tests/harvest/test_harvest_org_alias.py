"""A department merged by a curator stays merged (issue 12, item 4): the next sheet naming
the old department finds the organization it was merged into instead of creating it again."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from catalog.models import Dataset, Organization
from catalog.services import organization_merge
from catalog.services.authz import SYSTEM


def _sheet(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows([["资源代码", "资源名称", "数源部门", "开放属性"], *rows])
    return buf.getvalue().encode("utf-8")


def test_a_merged_department_is_found_by_its_old_title(cat, server, harvest) -> None:
    url = server.put("a.csv", _sheet([["A1", "统计年鉴", "统计局", "普遍开放"]]))
    other = server.put("b.csv", _sheet([["B1", "物价指数", "统计信息中心", "普遍开放"]]))
    harvest("spreadsheet", url, config={"region": "厦门市"})
    harvest("spreadsheet", other, config={"region": "厦门市"})
    with cat.session() as s:
        names = dict(s.execute(select(Organization.title, Organization.name)).all())
    assert set(names) == {"厦门市统计局", "厦门市统计信息中心"}
    organization_merge.merge(cat, SYSTEM, names["厦门市统计信息中心"], names["厦门市统计局"])
    server.put(
        "b.csv",
        _sheet(
            [
                ["B1", "物价指数", "统计信息中心", "普遍开放"],
                ["B2", "工资", "统计信息中心", "普遍开放"],
            ]
        ),
    )
    out = harvest("spreadsheet", other, config={"region": "厦门市"})
    assert out.counts.new == 1
    with cat.session() as s:
        assert s.execute(select(func.count()).select_from(Organization)).scalar() == 1
        orgs = {d.resource_code: d.organization.title for d in s.execute(select(Dataset)).scalars()}
    assert orgs == {"A1": "厦门市统计局", "B1": "厦门市统计局", "B2": "厦门市统计局"}
