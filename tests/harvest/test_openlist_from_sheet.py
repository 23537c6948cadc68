"""A department's sheet fills the working open list (issue 12, item 8): a run with
``to_openlist`` (source option, ``harvest run --to-openlist``) puts every row's dataset on the
list, linked; rows without an openness block publishing until a curator decides; a changed
sheet refreshes the items and a changed openness shows as a conflict, not silently."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from conftest import new_catalog
from sqlalchemy import select

from catalog.errors import ValidationFailed
from catalog.models import AuditEvent, Dataset, HarvestJob
from catalog.services import openlist
from catalog.services.authz import SYSTEM
from cli import main

HEAD = ["资源代码", "资源名称", "数源部门", "所属领域", "开放属性", "更新频率", "数据格式"]
ROWS = [
    ["JT-1", "公交线路", "交通运输局", "交通", "无条件开放", "每月", "[csv,json]"],
    ["JT-2", "公交站点", "交通运输局", "交通", "依申请开放", "每季度", "xlsx"],
    ["WJ-1", "医疗机构", "卫生健康委员会", "医疗卫生", "不予开放", "每年", "csv"],
    ["WJ-2", "床位统计", "卫生健康委员会", "医疗卫生", "", "每年", "csv"],
]


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows([HEAD, *rows])
    return buf.getvalue().encode("utf-8")


def _working(cat) -> dict[str, dict]:
    return {e["resource_code"]: e for e in openlist.working_entries(cat, SYSTEM)}


def _log(cat, job_id: int) -> str:
    with cat.session() as s:
        return s.get_one(HarvestJob, job_id).log


def test_a_sheet_fills_the_working_list(db, server, harvest) -> None:
    url = server.put("bureau.csv", _csv(ROWS), "text/csv")
    cfg = {"region": "保定市", "to_openlist": True}
    out = harvest("spreadsheet", url, config=cfg, catalog=db)
    assert (out.counts.new, out.counts.errors) == (4, 0)
    assert (
        "working open list: 4 added, 0 updated, 0 unchanged, 0 skipped, "
        "1 awaiting an openness decision" in _log(db, out.job_id)
    )
    items = _working(db)
    assert set(items) == {"JT-1", "JT-2", "WJ-1", "WJ-2"}
    assert [items[c]["openness"] for c in ("JT-1", "JT-2", "WJ-1", "WJ-2")] == [
        "unconditional",
        "conditional",
        "not_open",
        "not_open",  # held for review: stored as not open, and not publishable yet
    ]
    assert items["JT-1"]["source_department"] == "交通运输局"
    assert items["JT-1"]["data_formats"] == ["CSV", "JSON"]
    assert items["JT-1"]["frequency"] == "MONTHLY" and items["JT-1"]["dataset"]
    [held] = openlist.conflicts(db, SYSTEM)
    assert (held.resource_code, held.kind) == ("WJ-2", "review")
    with pytest.raises(ValidationFailed):
        openlist.publish(db, SYSTEM)
    openlist.resolve(db, SYSTEM, held.entry_id, "conditional")
    assert openlist.publish(db, SYSTEM, "首版")["entry_count"] == 4

    # the department corrects its sheet: a new title, JT-1 now on request, a new row
    rows = [list(r) for r in ROWS] + [
        ["JT-3", "出租车", "交通运输局", "交通", "无条件开放", "", ""]
    ]
    rows[0][1], rows[0][4] = "公交线路（2025）", "有条件开放"
    server.put("bureau.csv", _csv(rows), "text/csv")
    out = harvest("spreadsheet", url, config=cfg, catalog=db)
    assert (out.counts.new, out.counts.updated) == (1, 1)
    assert "working open list: 1 added, 1 updated, 3 unchanged" in _log(db, out.job_id)
    items = _working(db)
    assert items["JT-1"]["title"] == "公交线路（2025）" and "JT-3" in items
    # the curator decided WJ-2: the sheet's empty cell does not undo it
    with db.session() as s:
        wj2 = s.execute(select(Dataset).where(Dataset.resource_code == "WJ-2")).scalar_one()
        assert wj2.access_rights == "conditional" and "openness_review" not in wj2.extras
    # the sheet's new openness for JT-1 is shown, not copied onto the list unseen
    [changed] = openlist.conflicts(db, SYSTEM)
    assert (changed.resource_code, changed.listed, changed.dataset_openness) == (
        "JT-1",
        "unconditional",
        "conditional",
    )
    with pytest.raises(ValidationFailed):
        openlist.publish(db, SYSTEM)
    openlist.resolve(db, SYSTEM, changed.entry_id, "dataset")
    assert openlist.publish(db, SYSTEM)["number"] == 2
    diff = openlist.diff(db, SYSTEM, 1, 2)
    assert [e["resource_code"] for e in diff["added"]] == ["JT-3"]
    assert {c["resource_code"]: sorted(c["changes"]) for c in diff["changed"]} == {
        "JT-1": ["openness", "title"]
    }
    with db.session() as s:
        actions = set(s.execute(select(AuditEvent.action)).scalars())
    assert {"openlist.add", "openlist.update", "openlist.resolve", "dataset.openness"} <= actions


def test_harvest_run_to_openlist_from_the_command_line(tmp_path, monkeypatch) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_bytes(_csv(ROWS[:2]))
    monkeypatch.setenv("CATALOG_INSTANCE", str(tmp_path / "instance"))
    result = CliRunner().invoke(
        main,
        [
            "harvest",
            "run",
            "--kind",
            "spreadsheet",
            "--url",
            str(sheet),
            "--config",
            json.dumps({"region": "保定市"}),
            "--trusted",
            "--to-openlist",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    cat = new_catalog(tmp_path / "instance")
    try:
        items = _working(cat)
        assert set(items) == {"JT-1", "JT-2"}
        assert all(e["dataset"] for e in items.values())
    finally:
        cat.dispose()
