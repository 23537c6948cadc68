"""Cell hygiene of open-list sheets (issue 12, item 3): frequencies written as intervals
(每 3 月, 每2日, 每三个月), 自定义 and other non-frequencies, and placeholders such as null,
each mapped or kept in extras with a warning that names the row, the column and the value."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import errors_of
from sqlalchemy import select

from catalog.models import Dataset
from harvesters import vocabmap

HEAD = ["资源代码", "资源名称", "数源部门", "开放属性", "更新周期", "关键字", "联系电话"]
# (code, frequency cell, the code it becomes or None when kept in extras)
FREQUENCIES = [
    ("F1", "每 3 月", "QUARTERLY"),
    ("F2", "每三个月", "QUARTERLY"),
    ("F3", "每1季度更新", "QUARTERLY"),
    ("F4", "每半年", "ANNUAL_2"),
    ("F5", "每12个月", "ANNUAL"),
    ("F6", "每7天", "WEEKLY"),
    ("F7", "每 1 日", "DAILY"),
    ("F8", "每2日", None),
    ("F9", "每两月", None),
    ("F10", "自定义", None),
    ("F11", "每小时", None),
    ("F12", "null", None),
]


def test_frequencies_written_as_intervals(cat, server, harvest) -> None:
    rows = [
        [code, f"资源{code}", "统计局", "无条件开放", cell, "统计；年鉴\t人口", "null"]
        for code, cell, _ in FREQUENCIES
    ]
    buf = io.StringIO()
    csv.writer(buf).writerows([HEAD, *rows])
    url = server.put("freq.csv", buf.getvalue().encode("utf-8"), "text/csv")
    out = harvest("spreadsheet", url, config={"region": "保定市"})
    assert (out.counts.new, out.counts.errors) == (len(FREQUENCIES), 0)
    with cat.session() as s:
        got = {d.resource_code: d for d in s.execute(select(Dataset)).scalars()}
    for code, cell, expected in FREQUENCIES:
        ds = got[code]
        assert ds.frequency == expected, (code, cell)
        if expected is None and cell != "null":
            assert ds.extras["更新周期"] == cell, code
        assert ds.keywords == ["统计", "年鉴", "人口"] and ds.contact_phone is None
        assert "null" not in ds.extras.values()
    warnings = {why for stage, _r, why in errors_of(cat, out.job_id) if stage == "warning"}
    assert any(
        w.startswith("row 9: 更新周期 '每2日' not recognised: every 2 day(s)") for w in warnings
    )
    assert any(
        w.startswith("row 10: 更新周期 '每两月' not recognised: every 2 month(s)") for w in warnings
    )
    assert any(
        w.startswith("row 11: 更新周期 '自定义' not recognised: custom names no") for w in warnings
    )
    assert not any("row 13" in w for w in warnings)  # null is an empty cell, said nowhere


@pytest.mark.parametrize(
    "cell,expected",
    [
        ("每 3 月", (3, "month")),
        ("每隔两周", (2, "week")),
        ("每半年", (0.5, "year")),
        ("每月", (1, "month")),
        ("月报", None),
        ("每0日", None),
    ],
)
def test_interval_reading(cell, expected) -> None:
    assert vocabmap.interval(cell) == expected
