"""Preview of a harvest source (issue 12, item 6): the header row found, where each column
goes, the rows as they would be stored and every row refused or held, with row and column;
nothing written to the database, the index or the instance folder. Then the run does what
the preview said. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import func, select

from catalog.errors import PermissionDenied, ValidationFailed
from catalog.models import Base, Dataset, HarvestError
from catalog.services import harvest, harvest_preview
from catalog.services.authz import SYSTEM
from cli import main
from harvesters.pipeline import run_job
from tests.portal import actor, load_portal

HEADER = [
    "序号",
    "资源代码",
    "资源名称",
    "数源部门",
    "开放属性",
    "数据格式",
    "联系电话",
    "内部备注",
]
ROWS = [
    ["1", "BD-1", "公交线路", "交通运输局", "无条件开放", "['xls', 'api']", "0312-1234567", "a"],
    ["2", "BD-2", "医院名录", "卫健委", "看情况", "CSV", "详见网站", ""],
    ["3", "BD-3", "", "卫健委", "有条件开放", "CSV", "", ""],
    ["4", "BD-4", "学校名录", "教育局", "", "CSV", "", ""],
    ["5", "BD-1", "公交线路（重复）", "交通运输局", "无条件开放", "CSV", "", ""],
    ["6", "BD-6", "空气质量", "生态环境局", "依申请开放", "JSON", "", ""],
]


def write_sheet(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(["保定市公共数据开放清单（2024年版）"])  # a caption above the header
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    wb.save(path)
    return path


def table_counts(cat) -> dict[str, int]:
    with cat.session() as s:
        return {
            t.name: s.execute(select(func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.sorted_tables
        }


def files_of(folder: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_preview_shows_header_mapping_rows_and_reasons_and_writes_nothing(cat, tmp_path):
    sheet = write_sheet(tmp_path / "list.xlsx")
    src = harvest.register_source(
        cat, SYSTEM, name="bd-list", kind="spreadsheet", url=str(sheet), trusted=True
    )
    before, files, indexed = (
        table_counts(cat),
        files_of(cat.settings.instance_path),
        cat.search.count(),
    )

    p = harvest_preview.preview_source(cat, SYSTEM, src.name)

    assert p.error is None
    (layout,) = p.layouts
    assert layout.header_row == 2 and layout.rows == 6
    assert dict(layout.columns)["资源名称"] == "title"
    assert dict(layout.columns)["开放属性"] == "openness"
    assert layout.unmapped == ["内部备注"]
    assert p.counts == {"publish": 2, "review": 0, "held": 2, "refused": 1}
    assert [r.locator.rsplit(" ", 1)[1] for r in p.sample] == ["3", "4", "6", "8"]
    first = p.sample[0]
    assert first.status == "publish" and first.fields["data_formats"] == ["XLS", "API"]
    assert first.publisher == "保定市交通运输局"  # the caption's place
    problems = {r.locator.rsplit(" ", 1)[1]: r for r in p.problems}
    assert problems["4"].status == "held"
    assert any("row 4, column 开放属性 '看情况'" in m for m in problems["4"].reasons)
    assert problems["5"].status == "refused"
    assert problems["5"].reasons == ["row 5, column 资源名称: empty"]
    assert any("row 6, column 开放属性: empty" in m for m in problems["6"].reasons)
    assert any("row 7: same 资源代码 as row 3" in n for n in p.notes)
    assert any("内部备注" in n for n in p.notes)

    assert table_counts(cat) == before
    assert files_of(cat.settings.instance_path) == files
    assert cat.search.count() == indexed

    # the run then does what the preview said
    job = harvest.start_job(cat, harvest.enqueue_job(cat, SYSTEM, src.id).id)
    outcome = run_job(cat, job)
    assert outcome.counts.new == 4
    with cat.session() as s:
        status = dict(s.execute(select(Dataset.resource_code, Dataset.status)).all())
        reasons = list(
            s.execute(select(HarvestError.reason).where(HarvestError.job_id == job.id)).scalars()
        )
    assert status == {
        "BD-1": "published",
        "BD-2": "submitted",
        "BD-4": "submitted",
        "BD-6": "published",
    }
    assert any("row 5, column 资源名称: empty" in r for r in reasons)


def test_untrusted_sources_rows_wait_for_review_and_the_cli_prints_the_preview(
    cat, tmp_path, monkeypatch
):
    sheet = write_sheet(tmp_path / "list.xlsx")
    p = harvest_preview.preview(cat, SYSTEM, kind="spreadsheet", url=str(sheet), limit=2)
    assert [r.status for r in p.sample] == ["review", "held"]
    assert p.counts["review"] == 2 and p.examined == 5

    monkeypatch.setenv("CATALOG_INSTANCE", str(tmp_path / "cli"))
    out = CliRunner().invoke(
        main, ["harvest", "preview", "--kind", "spreadsheet", "--url", str(sheet), "--json"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["layouts"][0]["header_row"] == 2
    assert data["layouts"][0]["unmapped"] == ["内部备注"]
    assert data["counts"]["refused"] == 1
    text = CliRunner().invoke(
        main, ["harvest", "preview", "--kind", "spreadsheet", "--url", str(sheet)]
    )
    assert "header on row 2" in text.output and "资源名称 -> title" in text.output
    assert not (tmp_path / "cli" / "catalog.db").exists()


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_csv_sheet_previews_as_the_workbook_does(cat, tmp_path, encoding):
    lines = ["保定市公共数据开放清单（2024年版）", ",".join(HEADER)]
    lines += [",".join(f'"{c}"' for c in row) for row in ROWS]
    sheet = tmp_path / "list.csv"
    sheet.write_bytes("\r\n".join(lines).encode(encoding))
    p = harvest_preview.preview(cat, SYSTEM, kind="spreadsheet", url=str(sheet), trusted=True)
    assert p.error is None and p.layouts[0].header_row == 2
    assert p.counts == {"publish": 2, "review": 0, "held": 2, "refused": 1}
    assert p.sample[0].fields["data_formats"] == ["XLS", "API"]


def test_a_long_sheet_is_previewed_from_its_first_rows(cat, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for i in range(200):
        ws.append([str(i), f"BD-{i}", f"资源{i}", "统计局", "无条件开放", "CSV", "", ""])
    wb.save(tmp_path / "long.xlsx")
    p = harvest_preview.preview(
        cat, SYSTEM, kind="spreadsheet", url=str(tmp_path / "long.xlsx"), scan=50
    )
    assert p.examined == 50 and not p.complete
    assert p.layouts[0].truncated and p.layouts[0].rows < 200


def test_an_unreadable_source_is_an_error_not_a_crash(cat, tmp_path):
    bad = tmp_path / "list.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    p = harvest_preview.preview(cat, SYSTEM, kind="spreadsheet", url=str(bad))
    assert p.error and "not a readable XLSX workbook" in p.error
    assert p.sample == [] and p.examined == 0
    with pytest.raises(ValidationFailed):
        harvest_preview.preview(cat, SYSTEM, kind="nope", url=str(bad))


def test_partner_admins_preview_only_their_sources_and_only_public_urls(cat, tmp_path):
    portal = load_portal(cat)
    admin = actor(cat, portal["people"]["admin"])
    rival = actor(cat, portal["people"]["rival"])
    member = actor(cat, portal["people"]["member"])
    sheet = write_sheet(tmp_path / "list.xlsx")
    src = harvest.register_source(
        cat, SYSTEM, name="a-list", kind="spreadsheet", url=str(sheet), organization=portal["org_a"]
    )
    with pytest.raises(PermissionDenied):
        harvest_preview.preview_source(cat, rival, src.name)
    with pytest.raises(PermissionDenied):
        harvest_preview.preview(
            cat,
            member,
            kind="spreadsheet",
            url="https://example.cn/a.xlsx",
            organization=portal["org_a"],
        )
    with pytest.raises(ValidationFailed) as err:  # a file of the server is the curators'
        harvest_preview.preview_source(cat, admin, src.name)
    assert "url" in err.value.messages
    with pytest.raises(ValidationFailed):
        harvest_preview.preview(
            cat,
            admin,
            kind="spreadsheet",
            url="http://127.0.0.1:9/a.csv",
            organization=portal["org_a"],
        )
