"""Bad open-list sheets (issue 12, "Bad input"): hidden sheets, merged cells, formulas
without a saved value, an empty sheet, CSV in an encoding nobody said: a clear message
naming the row and column, every good row kept, nothing half-stored; the preview says the
same as the job. (A caption row above the header: test_harvest_spreadsheet.py; 100,000 rows:
``python -m bench harvest_sheets``; a file over the size cap: test_harvest_http_limits.py.)"""

from __future__ import annotations

import io

from conftest import errors_of
from openpyxl import Workbook
from sqlalchemy import func, select

from catalog.models import Dataset, Organization
from catalog.services import harvest_preview
from catalog.services.authz import SYSTEM

HEADER = ["资源代码", "资源名称", "数源部门", "开放属性", "数据量"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def messy_workbook() -> bytes:
    wb = Workbook()
    notes = wb.active
    notes.title = "说明"
    notes.append(["填表说明：本表由各部门填报"])
    notes.sheet_state = "hidden"
    ws = wb.create_sheet("清单")
    ws.append(["保定市公共数据开放清单"])
    ws.append(HEADER)
    ws.append(["BD-1", "公交线路", "交通运输局", "无条件开放", 120])
    ws.append(["BD-2", "公交站点", None, "无条件开放", 300])
    ws.append(["BD-3", "公交票价", None, "有条件开放", "=E3*2"])  # no saved value
    ws.append(["BD-4", '=B3&"（副本）"', "卫健委", "无条件开放", 5])  # the title too
    ws.append(["BD-5", "医院名录", "卫健委", "无条件开放", 8])
    ws.merge_cells("C3:C5")  # 交通运输局 over rows 3 to 5
    ws.merge_cells("A1:E1")  # the caption across the sheet
    return workbook_bytes(wb)


def dataset_count(cat) -> int:
    with cat.session() as s:
        return s.execute(select(func.count()).select_from(Dataset)).scalar_one()


def test_hidden_sheets_merged_cells_and_unsaved_formulas(cat, server, harvest):
    url = server.put("messy.xlsx", messy_workbook(), XLSX)
    preview = harvest_preview.preview(cat, SYSTEM, kind="spreadsheet", url=url)
    out = harvest("spreadsheet", url)

    assert out.state == "done_with_errors"
    assert (out.counts.new, out.counts.errors) == (4, 1)
    with cat.session() as s:
        rows = {
            d.resource_code: (d.title, org)
            for d, org in s.execute(
                select(Dataset, Organization.title).join(
                    Organization, Organization.id == Dataset.organization_id
                )
            )
        }
    assert rows["BD-2"] == ("公交站点", "保定市交通运输局")  # the merged cell's value
    assert rows["BD-3"][1] == "保定市交通运输局"
    assert "BD-4" not in rows and rows["BD-5"][1] == "保定市卫健委"
    reasons = [why for _stage, _rid, why in errors_of(cat, out.job_id)]
    expected = [
        "hidden sheets skipped: 说明 (reading 清单",
        "rows 3-5, column 数源部门 (C): merged cells; the value of row 3 is used",
        "row 5, column 数据量 (E): the formula =E3*2 has no saved value",
        'row 6, column 资源名称 (B): the formula =B3&"（副本）" has no saved value',
        "row 6, column 资源名称: empty",
    ]
    for text in expected:
        assert any(text in r for r in reasons), (text, reasons)
    assert not any("row 1" in r and "merged" in r for r in reasons)  # the caption is no row
    said = preview.notes + [m for rec in preview.problems for m in rec.reasons]
    for text in expected:
        assert any(text in n for n in said), (text, said)
    assert preview.counts["refused"] == 1


def test_an_empty_sheet_or_file_fails_saying_so_and_stores_nothing(cat, server, harvest):
    wb = Workbook()
    wb.active.title = "清单"
    empty_xlsx = server.put("empty.xlsx", workbook_bytes(wb), XLSX)
    empty_csv = server.put("empty.csv", "\n,,\n", "text/csv")
    for url, what in ((empty_xlsx, "the sheet '清单' is empty"), (empty_csv, "the file is empty")):
        out = harvest("spreadsheet", url)
        assert out.state == "failed"
        [(stage, _rid, why)] = errors_of(cat, out.job_id)
        assert stage == "gather" and what in why, why
        p = harvest_preview.preview(cat, SYSTEM, kind="spreadsheet", url=url)
        assert p.error and what in p.error
    assert dataset_count(cat) == 0


def test_csv_encodings_utf16_read_the_unreadable_named_by_row_and_column(cat, server, harvest):
    sheet = "资源代码,资源名称,数源部门,开放属性\r\nBD-1,公交线路,交通运输局,无条件开放\r\n"
    utf16 = server.put("unicode.csv", sheet.encode("utf-16"), "text/csv")  # with its BOM
    assert harvest("spreadsheet", utf16).counts.new == 1

    bare16 = server.put("bare16.csv", sheet.encode("utf-16-le"), "text/csv")
    out = harvest("spreadsheet", bare16)
    [(_stage, _rid, why)] = errors_of(cat, out.job_id)
    assert out.state == "failed" and "UTF-16 without its byte-order mark" in why

    latin = server.put("latin.csv", b"code,title\nBD-9,Caf\xe9 list\n", "text/csv")
    out = harvest("spreadsheet", latin)
    [(_stage, _rid, why)] = errors_of(cat, out.job_id)
    assert out.state == "failed"
    assert why.startswith(f"{latin}: row 2, column 2 (byte 0xE9): not readable as UTF-8"), why

    traditional = "資源代碼,資源名稱,數源部門,開放屬性\r\nBD-1,公車路線,交通運輸局,無條件開放\r\n"
    big5 = server.put("big5.csv", traditional.encode("big5"), "text/csv")  # GB18030 garbles it
    out = harvest("spreadsheet", big5)
    [(_stage, _rid, why)] = errors_of(cat, out.job_id)
    assert out.state == "failed" and "no header row" in why
    assert "row 1 reads: 戈方" in why  # what was read shows that the encoding is wrong
    assert dataset_count(cat) == 1  # only the UTF-16 sheet's row


def test_other_kinds_preview_their_first_records(cat, server, fixtures):
    """data.json and CKAN: the first records transformed, nothing stored."""
    fda = server.url("files/datajson/us-agencies/fda.json")
    p = harvest_preview.preview(cat, SYSTEM, kind="datajson", url=fda, limit=5)
    assert p.error is None and p.layouts == []
    assert len(p.sample) == 5 and p.examined == 5 and not p.complete
    assert all(r.status == "review" and r.fields.get("title") for r in p.sample)
    assert all(r.publisher for r in p.sample)
    ckan = harvest_preview.preview(cat, SYSTEM, kind="ckan", url=server.url("ckan"), limit=3)
    assert ckan.error is None and len(ckan.sample) == 3
    missing = harvest_preview.preview(cat, SYSTEM, kind="datajson", url=server.url("links/gone"))
    assert missing.error and "404" in missing.error
    assert dataset_count(cat) == 0
