"""The streaming XLSX reader (harvesters/xlsx_stream.py) gives exactly what openpyxl's
read-only ``values_only`` mode gives (issue 12: sheet reading speed): every workbook the
sheet tests generate, the sheets of field_mapping.json's portal namings, and hand-written
sheet XML for what openpyxl does not write (cached formula values, shared and array
formulas, missing ``r`` attributes, inline rich text, a dimension narrower than the rows,
ISO date cells, errors). Values are compared with their types (``1 == 1.0 == True`` in
Python). What it does not read (another namespace, an unknown cell type) is read by openpyxl
from that row on, and the job log says so."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from conftest import errors_of
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from test_harvest_bad_sheets import dataset_count, messy_workbook, workbook_bytes
from test_harvest_sheet_rerun import HEAD as RERUN_HEAD
from test_harvest_sheet_rerun import _xlsx as rerun_xlsx
from test_harvest_spreadsheet import _job_log, _naming_sheets
from test_harvest_spreadsheet import _xlsx as spreadsheet_xlsx

from harvesters import workbook, xlsx_stream
from tests.test_harvest_preview import write_sheet

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def typed(rows: list[list[Any]]) -> list[list[tuple[str, Any]]]:
    return [[(type(v).__name__, v) for v in row] for row in rows]


def openpyxl_rows(data: bytes, title: str) -> tuple[list[list[Any]], list[tuple[int, int, str]]]:
    """openpyxl's rows of a sheet and its formulas without a saved value (row, column)."""
    values_wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    formulas_wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    values = [list(r) for r in values_wb[title].iter_rows(values_only=True)]
    unsaved = [
        (r, c, cell)
        for r, row in enumerate(formulas_wb[title].iter_rows(values_only=True), start=1)
        for c, cell in enumerate(row, start=1)
        if isinstance(cell, str) and cell.startswith("=") and values[r - 1][c - 1] is None
    ]
    values_wb.close()
    formulas_wb.close()
    return values, unsaved


def streamed_rows(data: bytes, title: str) -> tuple[list[list[Any]], list[tuple[int, int, str]]]:
    book = xlsx_stream.open_book(data)
    try:
        xlsx_stream.read_strings(book)
        [entry] = [s for s in book.worksheets if s.title == title]
        values, unsaved = [], []
        for r, (row, formulas) in enumerate(xlsx_stream.rows(book, entry), start=1):
            values.append(row)
            unsaved += [(r, c, f) for c, f in formulas]
    finally:
        book.close()
    return values, unsaved


def assert_same(data: bytes) -> int:
    """Every worksheet of ``data`` reads alike through both readers; the rows compared."""
    titles = load_workbook(io.BytesIO(data), read_only=True).sheetnames
    n = 0
    for title in titles:
        want_values, want_formulas = openpyxl_rows(data, title)
        got_values, got_formulas = streamed_rows(data, title)
        assert typed(got_values) == typed(want_values), title
        assert got_formulas == want_formulas, title
        n += len(want_values)
    return n


# -- workbooks the sheet tests generate ----------------------------------------------------
def suite_workbooks(fixtures, tmp_path) -> dict[str, bytes]:
    from datetime import datetime

    books = {
        "bad sheets: hidden, merged, formulas": messy_workbook(),
        "spreadsheet: caption row": spreadsheet_xlsx(),
        "preview: caption row": write_sheet(tmp_path / "preview.xlsx").read_bytes(),
    }
    empty = Workbook()
    empty.active.title = "清单"
    books["bad sheets: empty sheet"] = workbook_bytes(empty)
    rerun = [
        ["1", "X-1", "公交线路", "交通运输局", "交通", "无条件开放", "每月", datetime(2024, 3, 1)],
        ["2", "X-2", "公交站点", None, "交通", "无条件开放", "每月", "2024-03-01"],
    ]
    books["rerun: a date cell, merged"] = rerun_xlsx(rerun)
    long = Workbook()
    long.active.append(RERUN_HEAD)
    for i in range(200):
        long.active.append([str(i), f"BD-{i}", f"资源{i}", "统计局", "无条件开放", "CSV"])
    books["preview: a long sheet"] = workbook_bytes(long)
    qz = Workbook()
    qz.active.append(["泉州市公共数据开放目录（2024）"])
    qz.active.append(["资源代码", "资源名称", "数源部门", "开放属性"])
    qz.active.append(["QZ1", "统计年鉴", "统计局", "普遍开放"])
    books["spreadsheet: region caption"] = workbook_bytes(qz)
    for k, (_label, head, rows, _has) in enumerate(_naming_sheets(fixtures)):
        wb = Workbook()
        wb.active.append(head)
        for r in rows:
            wb.active.append(r)
        books[f"field_mapping.json naming {k}"] = workbook_bytes(wb)
    return books


def test_every_sheet_the_tests_generate_reads_alike_through_both_readers(fixtures, tmp_path):
    books = suite_workbooks(fixtures, tmp_path)
    assert len(books) >= 30  # the namings of field_mapping.json are most of them
    rows = sum(assert_same(data) for data in books.values())
    assert rows > 300


def test_typed_cells_written_by_openpyxl_read_alike():
    """Dates, times, durations, numbers as text, booleans, rich text (shared strings), a
    hidden sheet, sparse rows and columns, the 1904 date system, write-only inline strings."""
    for epoch in (None, CALENDAR_MAC_1904):
        wb = Workbook()
        if epoch is not None:
            wb.epoch = epoch
        hidden = wb.active
        hidden.title = "说明"
        hidden.append(["填表说明"])
        hidden.sheet_state = "hidden"
        ws = wb.create_sheet("清单")
        ws.append(["保定市公共数据开放清单"])
        ws.append(["资源代码", "资源名称", "发布日期", "时间", "时长", "数量", "开放"])
        ws.append(["00123", "公交线路", datetime(2024, 3, 1, 8, 30), time(9, 15), None, 12, True])
        ws.append(["1.50", "站点", date(1904, 1, 2), None, timedelta(hours=30), 1.5, False])
        ws["E4"].number_format = "[h]:mm:ss"
        ws.append([1e21, "x005F_逃逸_x000D_", datetime(1900, 2, 1), None, None, -0.0, None])
        rich = CellRichText(["前", TextBlock(InlineFont(b=True), "粗体"), "后"])
        ws.append(["BD-9", rich, "2024-05-06", None, None, "=1+1", "是"])
        ws["C7"] = 45000  # a serial number in a date cell
        ws["C7"].number_format = "yyyy年m月d日"
        ws.cell(row=12, column=10, value="远处的单元格")  # sparse: rows 8-11 missing
        ws.merge_cells("A1:G1")
        assert_same(workbook_bytes(wb))
    wo = Workbook(write_only=True)
    sheet = wo.create_sheet("只写")
    sheet.append(["标题行"])
    sheet.append(["资源代码", "资源名称", "数量"])
    for i in range(50):
        sheet.append([f"BD-{i}", f"资源{i}", i if i % 2 else f"{i}"])
    assert_same(workbook_bytes(wo))


# -- sheet XML openpyxl does not write -----------------------------------------------------
STYLES = f"""<styleSheet xmlns="{MAIN}">
<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>
<fonts count="1"><font><name val="Calibri"/><sz val="11"/></font></fonts>
<fills count="1"><fill><patternFill/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>
<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/>
<xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="49" applyNumberFormat="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""


def package(sheet_xml: str, strings: list[str] | None = None, date1904: bool = False) -> bytes:
    """A workbook of one sheet around hand-written sheet XML (style 1 and 2 are dates, 3 is
    text), with shared strings given as ``<si>`` bodies."""
    overrides = [
        ("/xl/workbook.xml", "sheet.main"),
        ("/xl/worksheets/sheet1.xml", "worksheet"),
        ("/xl/styles.xml", "styles"),
    ] + ([("/xl/sharedStrings.xml", "sharedStrings")] if strings is not None else [])
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml."
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            + "".join(f'<Override PartName="{p}" ContentType="{ct}{t}+xml"/>' for p, t in overrides)
            + "</Types>"
        ),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{rel}">'
            + ('<workbookPr date1904="1"/>' if date1904 else "")
            + '<sheets><sheet name="清单" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/styles" Target="styles.xml"/>'
            + (
                f'<Relationship Id="rId3" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
                if strings is not None
                else ""
            )
            + "</Relationships>"
        ),
        "xl/styles.xml": STYLES,
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    if strings is not None:
        parts["xl/sharedStrings.xml"] = (
            f'<sst xmlns="{MAIN}" count="{len(strings)}">'
            + "".join(f"<si>{s}</si>" for s in strings)
            + "</sst>"
        )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return out.getvalue()


def sheet(rows: str, dimension: str | None = "A1:F6", ns: str = MAIN) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<worksheet xmlns="{ns}">{dim}<sheetData>{rows}</sheetData></worksheet>'


STRINGS = [
    "<t>资源代码</t>",
    "<t>资源名称</t>",
    '<r><rPr><b/></rPr><t>公交</t></r><r><t xml:space="preserve"> 线路 </t></r>',
    "<t>保定</t><rPh sb='0' eb='2'><t>ほてい</t></rPh><phoneticPr fontId='0'/>",
    "<t/>",
    "<t>x005F_x000D_回车</t>",
]

HAND_WRITTEN = {
    "cached formula values, shared and array formulas": sheet(
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        '<row r="2"><c r="A2"><f>1+1</f><v>2</v></c><c r="B2" t="str"><f>"a"&amp;"b"</f>'
        '<v>ab</v></c><c r="C2" t="b"><f>TRUE()</f><v>1</v></c><c r="D2" t="e"><f>1/0</f>'
        '<v>#DIV/0!</v></c><c r="E2"><f t="shared" ref="E2:E4" si="0">A2*2</f><v>4</v></c></row>'
        '<row r="3"><c r="E3"><f t="shared" si="0"/><v>6</v></c><c r="F3"><f>B9</f></c></row>'
        '<row r="4"><c r="E4"><f t="shared" si="0"/></c>'
        '<c r="F4"><f t="array" ref="F4">SUM(A1:A3)</f></c></row>'
    ),
    "rows and cells without r, rich text, phonetics, escapes": sheet(
        "<row><c t='s'><v>0</v></c><c t='s'><v>1</v></c><c r='D1' t='s'><v>2</v></c><c/>"
        "<c t='s'><v>3</v></c></row>"
        "<row><c t='s'><v>4</v></c><c t='s'><v>5</v></c><c t='str'><v>  </v></c><c><v></v></c></row>"
        "<row r='5'><c r='A5' t='inlineStr'/><c r='B5' t='inlineStr'><is><r><t>行</t></r>"
        "<r><rPr/><t>内</t></r></is></c><c r='C5' t='inlineStr'><v>ignored</v>"
        "<is><t>inline</t></is></c></row><row r='6'><c r='B6'><v>1</v></c><c r='A6'/></row>",
        dimension=None,
    ),
    "dates by style, ISO dates, numbers as text": sheet(
        '<row r="1"><c r="A1" s="1"><v>45292</v></c><c r="B1" s="2"><v>45292.5</v></c>'
        '<c r="C1" s="3" t="s"><v>0</v></c><c r="D1" s="3"><v>00123</v></c>'
        '<c r="E1" t="d"><v>2024-03-01T08:30:00</v></c><c r="F1" s="1"><v>0.25</v></c></row>'
        '<row r="2"><c r="A2" s="1"><v>59</v></c><c r="B2" s="1"><v>61</v></c>'
        '<c r="C2" s="1"><v>1E+100</v></c><c r="D2"><v>1.5e3</v></c><c r="E2"><v>-7</v></c>'
        '<c r="F2" t="n" s="0"><v>3</v></c></row>',
        dimension="A1:F3",  # one row more than the XML has
    ),
    "a dimension narrower and shorter than the cells": sheet(
        '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="H2" t="s"><v>1</v></c></row>'
        '<row r="3" spans="1:2"><c r="A3" t="s"><v>1</v></c></row>'
        '<row r="9"><c r="A9" t="s"><v>2</v></c></row>',
        dimension="A1:C4",
    ),
    "the same row twice, rows out of order": sheet(
        '<row r="2"><c r="A2" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c>'
        '</row><row r="1"><c r="A1" t="s"><v>2</v></c></row><row r="4.0"><c r="B4"><v>1</v>'
        "</c></row>",
        dimension=None,
    ),
}


@pytest.mark.parametrize("name", sorted(HAND_WRITTEN))
def test_hand_written_sheet_xml_reads_alike(name):
    for date1904 in (False, True):
        assert assert_same(package(HAND_WRITTEN[name], STRINGS, date1904)) > 0


def test_what_the_streaming_reader_gives_for_the_hand_written_cases():
    """Not only alike: the cases read as a clerk expects (so the comparison above cannot
    pass on two empty reads)."""
    data = package(HAND_WRITTEN["cached formula values, shared and array formulas"], STRINGS)
    values, unsaved = streamed_rows(data, "清单")
    assert values[1][:5] == [2, "ab", True, "#DIV/0!", 4]
    assert values[2][4] == 6
    assert unsaved == [(3, 6, "=B9"), (4, 5, "=A4*2")]
    data = package(HAND_WRITTEN["rows and cells without r, rich text, phonetics, escapes"], STRINGS)
    values, _ = streamed_rows(data, "清单")
    assert values[0] == ["资源代码", "资源名称", None, "公交 线路 ", None, "保定"]
    assert values[1] == ["", "x000D_回车", "  ", None]
    assert values[4] == [None, "行内", "inline"]
    assert values[5] == [None]  # as wide as its last cell, as openpyxl reads it
    data = package(HAND_WRITTEN["dates by style, ISO dates, numbers as text"], STRINGS, True)
    values, _ = streamed_rows(data, "清单")
    assert values[0][:5] == [
        datetime(2028, 1, 2),
        datetime(2028, 1, 2, 12),
        "资源代码",
        123,  # a number stored as a number, whatever the text style says
        datetime(2024, 3, 1, 8, 30),
    ]
    assert len(values) == 2  # a row the dimension has beyond the last one is not given


def open_rows(data: bytes, streaming: bool = True) -> tuple[list[list[Any]], workbook.SheetRead]:
    read = workbook.open_sheet(data, None, streaming=streaming)
    rows = list(read.rows)
    workbook.finish(read)
    again = list(read.rows)
    read.rows.close()
    assert typed(again) == typed(rows)
    return rows, read


def test_open_sheet_gives_the_same_with_openpyxl_as_fallback(fixtures, tmp_path):
    """Merges filled down, unsaved formulas, hidden sheets: the same through the streaming
    reader and through openpyxl alone (the fallback)."""
    books = {**suite_workbooks(fixtures, tmp_path)}
    books.update({k: package(v, STRINGS) for k, v in HAND_WRITTEN.items()})
    for name, data in books.items():
        rows, read = open_rows(data)
        assert read.fallback is None, name
        streamed = (typed(rows), read.name, read.hidden, read.merged, read.formulas)
        rows, read = open_rows(data, streaming=False)
        assert read.fallback == "read with openpyxl, as asked", name
        assert (typed(rows), read.name, read.hidden, read.merged, read.formulas) == streamed, name
    # the cases the sheet tests check are among them: the comparison is not of empty reads
    rows, read = open_rows(books["bad sheets: hidden, merged, formulas"])
    assert read.hidden == ["说明"] and read.merged == [(3, 5, 3)]
    assert [(r, c) for r, c, _f in read.formulas] == [(5, 5), (6, 2)]


def test_what_it_does_not_read_openpyxl_reads_from_that_row_and_the_log_says_so(
    db, server, harvest
):
    """A cell type the streaming reader does not know (row 4): rows 1-3 streamed, the rest
    read by openpyxl; a sheet in another namespace (strict OOXML): openpyxl reads it all
    (and finds nothing, as it would alone)."""
    rows = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
        '<c r="C1" t="inlineStr"><is><t>开放属性</t></is></c></row>'
        + "".join(
            f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>BD-{r}</t></is></c>'
            f'<c r="B{r}" t="{"x" if r == 4 else "inlineStr"}">'
            + (f"<v>资源{r}</v>" if r == 4 else f"<is><t>资源{r}</t></is>")
            + f'</c><c r="C{r}" t="inlineStr"><is><t>无条件开放</t></is></c></row>'
            for r in range(2, 6)
        )
    )
    data = package(sheet(rows, dimension="A1:C5"), STRINGS)
    read = workbook.open_sheet(data, None)
    got = list(read.rows)
    workbook.finish(read)
    read.rows.close()
    assert typed(got) == typed(openpyxl_rows(data, "清单")[0])
    assert got[3:5] == [["BD-4", "资源4", "无条件开放"], ["BD-5", "资源5", "无条件开放"]]
    assert read.fallback == (
        "read from row 4 with openpyxl: the streaming reader does not read cell B4 of type 'x'"
    )
    url = server.put("odd.xlsx", data, XLSX)
    out = harvest("spreadsheet", url, catalog=db)
    assert out.counts.new == 4, out.summary
    log = _job_log(db, out.job_id)
    assert f"{url}: read from row 4 with openpyxl: the streaming reader does not read" in log

    strict = package(sheet(rows, ns="http://purl.oclc.org/ooxml/spreadsheetml/main"), STRINGS)
    read = workbook.open_sheet(strict, None)
    assert list(read.rows) == []  # openpyxl finds no row in another namespace either
    workbook.finish(read)
    read.rows.close()
    assert read.fallback and read.fallback.startswith("read the sheet with openpyxl")
    url = server.put("strict.xlsx", strict, XLSX)
    out = harvest("spreadsheet", url, catalog=db)
    assert out.state == "failed"
    [(_stage, _rid, why)] = errors_of(db, out.job_id)
    assert "is empty" in why
    assert "read the sheet with openpyxl" in _job_log(db, out.job_id)
    assert dataset_count(db) == 4  # the odd sheet's rows; nothing of the strict one
