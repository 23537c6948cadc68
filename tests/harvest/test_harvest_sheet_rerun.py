"""Issue 12 at scale: a sheet's rows carry everything that decides their mapping (cells, the
sheet's header mapping, row, file, region), so an unchanged rerun maps no row (the source
hash of issue 17), and whatever does decide a row -- a cell, the header, the source's
settings, the curators' domain map -- maps it again. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from catalog.models import Dataset
from catalog.services import domain_themes
from catalog.services import harvest as svc
from catalog.services.authz import SYSTEM
from harvesters.spreadsheet import RowReader, SpreadsheetHarvester

HEAD = ["序号", "资源代码", "资源名称", "数源部门", "所属领域", "开放属性", "更新频率", "发布日期"]
ROWS = [
    ["1", "R-1", "公交线路", "交通运输局", "交通", "无条件开放", "每月", "2024-03-01"],
    [
        "2",
        "R-2",
        "医疗机构名录",
        "卫生健康委员会",
        "医疗卫生",
        "依申请开放",
        "每季度",
        "2024年2月15日",
    ],
    ["3", "R-3", "老旧小区改造", "住建局", "城市更新", "部分开放", "每 3 月", "待定"],
    ["4", "R-4", "学校名录", "教育局", "教育", "无条件开发", "每年", "2023-09-01"],
]


def _csv(head: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows([["保定市公共数据开放清单"], head, *rows])
    return buf.getvalue().encode("gb18030")


@pytest.fixture
def mapped(monkeypatch) -> list[str]:
    """The remote ids of the rows the spreadsheet harvester mapped, in order (a spy: the
    real transform runs)."""
    seen: list[str] = []
    real = SpreadsheetHarvester.transform

    def transform(self, payload, record):
        seen.append(record.remote_id)
        return real(self, payload, record)

    monkeypatch.setattr(SpreadsheetHarvester, "transform", transform)
    return seen


def _titles(cat) -> dict[str, tuple[str, list[str], str]]:
    with cat.session() as s:
        return {
            d.resource_code: (d.title, d.themes, d.access_rights)
            for d in s.execute(select(Dataset)).scalars()
        }


def test_an_unchanged_sheet_maps_no_row_and_what_decides_a_row_maps_it_again(
    db, server, harvest, mapped
):
    url = server.put("list.csv", _csv(HEAD, ROWS), "text/csv")
    first = harvest("spreadsheet", url, config={"region": "保定市"}, catalog=db)
    assert first.summary == "done: 4 new, 0 updated, 0 unchanged, 0 withdrawn, 0 errors"
    assert mapped == ["R-1", "R-2", "R-3", "R-4"]
    before = _titles(db)
    assert before["R-3"] == ("老旧小区改造", [], "not_open")  # 部分开放: held, never guessed

    mapped.clear()
    again = harvest("spreadsheet", url, catalog=db)
    assert again.summary == "done: 0 new, 0 updated, 4 unchanged, 0 withdrawn, 0 errors"
    assert mapped == []

    # one cell edited: that row alone is mapped
    rows = [list(r) for r in ROWS]
    rows[1][2] = "医疗机构名录（2024）"
    server.put("list.csv", _csv(HEAD, rows), "text/csv")
    edited = harvest("spreadsheet", url, catalog=db)
    assert edited.summary == "done: 0 new, 1 updated, 3 unchanged, 0 withdrawn, 0 errors"
    assert mapped == ["R-2"]
    assert _titles(db)["R-2"][0] == "医疗机构名录（2024）"

    # the curators map a domain value once: every row is mapped again, the one it names
    # changes
    mapped.clear()
    domain_themes.map_value(db, SYSTEM, "城市更新", "urban")
    themed = harvest("spreadsheet", url, catalog=db)
    assert sorted(mapped) == ["R-1", "R-2", "R-3", "R-4"]
    assert themed.summary == "done: 0 new, 0 updated, 4 unchanged, 0 withdrawn, 0 errors"
    assert _titles(db)["R-3"][1] == ["urban"]  # map_value gave it to the stored dataset

    # the source's own openness values: every row is mapped again, R-3 is no longer held
    mapped.clear()
    src = svc.find_source(db, "spreadsheet", url)
    assert src is not None
    config = {**(src.config or {}), "openness_values": {"部分开放": "unconditional"}}
    svc.update_source(db, SYSTEM, src.id, config=config)
    opened = harvest("spreadsheet", url, catalog=db)
    assert sorted(mapped) == ["R-1", "R-2", "R-3", "R-4"]
    assert opened.summary == "done: 0 new, 1 updated, 3 unchanged, 0 withdrawn, 0 errors"
    assert _titles(db)["R-3"][2] == "unconditional"

    # the same cells under a renamed header: the sheet's mapping is part of each row
    mapped.clear()
    head = [("主题分类" if h == "所属领域" else h) for h in HEAD]
    server.put("list.csv", _csv(head, rows), "text/csv")
    harvest("spreadsheet", url, catalog=db)
    assert sorted(mapped) == ["R-1", "R-2", "R-3", "R-4"]


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEAD)
    for row in rows:
        ws.append(row)
    ws.merge_cells("D2:D3")  # one department over two rows, filled down on each read
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_an_xlsx_sheet_is_read_again_from_its_spool_and_a_date_cell_is_not_its_text(
    cat, server, harvest, mapped
):
    from datetime import datetime

    rows: list[list[object]] = [
        ["1", "X-1", "公交线路", "交通运输局", "交通", "无条件开放", "每月", datetime(2024, 3, 1)],
        ["2", "X-2", "公交站点", None, "交通", "无条件开放", "每月", "2024-03-01"],
    ]
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    url = server.put("list.xlsx", _xlsx(rows), kind)
    first = harvest("spreadsheet", url)
    assert first.summary == "done: 2 new, 0 updated, 0 unchanged, 0 withdrawn, 0 errors"
    with cat.session() as s:
        got = {d.resource_code: d for d in s.execute(select(Dataset)).scalars()}
        assert got["X-2"].source_department == "交通运输局"  # the merge, filled down
        assert str(got["X-1"].issued) == str(got["X-2"].issued) == "2024-03-01"
    mapped.clear()
    assert harvest("spreadsheet", url).summary.startswith("done: 0 new, 0 updated, 2 unchanged")
    assert mapped == []
    # the date cell becomes the text it prints as: the row is mapped again (same content)
    rows[0][7] = str(rows[0][7])
    server.put("list.xlsx", _xlsx(rows), kind)
    assert harvest("spreadsheet", url).summary.startswith("done: 0 new, 0 updated, 2 unchanged")
    assert mapped == ["X-1"]


def test_a_full_memo_maps_as_an_empty_one(monkeypatch):
    """The per-value memo is bounded (memory stays flat on a sheet of distinct values) and
    never changes what a row maps to."""
    mapping = {
        h: f
        for h, f in zip(
            HEAD,
            [
                "ignore",
                "resource_code",
                "title",
                "department",
                "domain",
                "openness",
                "frequency",
                "issued",
            ],
            strict=True,
        )
    }
    config = {"openness_values": {}, "themes": {}}
    monkeypatch.setattr(RowReader, "MEMO", 5)
    small = RowReader(mapping, config)
    for k in range(40):
        cells = dict(zip(HEAD, ROWS[k % 4], strict=True))
        cells["所属领域"] = f"领域{k}、交通"
        fresh = RowReader(mapping, config).read(cells, k + 2, "保定市")
        assert small.read(cells, k + 2, "保定市") == fresh
    assert len(small.memo) == 5
