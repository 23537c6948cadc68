"""Open-list spreadsheets: CSV in UTF-8 and GBK, XLSX, with the column names of Chinese
portals; per-row errors and warnings; rows keep their 资源代码 across runs."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import errors_of
from openpyxl import Workbook
from sqlalchemy import select

from catalog.models import Dataset, Organization
from catalog.services import organizations
from catalog.services.authz import SYSTEM
from harvesters.openlist_columns import COLUMNS, header_key

HEAD_A = [
    "序号",
    "资源代码",
    "资源名称",
    "数源部门",
    "所属领域",
    "开放属性",
    "开放方式",
    "更新频率",
]
HEAD_A += ["数据格式", "资源摘要", "关键字", "发布日期", "备注"]
ROWS_A = [
    [
        "1",
        "BD-JT-0001",
        "保定市公交线路信息",
        "保定市交通运输局",
        "交通",
        "无条件开放",
        "文件下载、接口调用",
        "每月",
        "CSV,JSON",
        "市区公交线路、站点和首末班时间。",
        "公交;线路",
        "2024-03-01",
        "",
    ],
    [
        "2",
        "BD-WJ-0002",
        "保定市医疗机构名录",
        "保定市卫生健康委员会",
        "医疗卫生",
        "依申请开放",
        "接口调用",
        "每季度",
        "XLSX",
        "医疗机构名称、地址、等级。",
        "医院、诊所",
        "2024年2月15日",
        "按季度核对",
    ],
    [
        "3",
        "BD-JY-0003",
        "保定市中小学学校名录",
        "保定市教育局",
        "教育",
        "无条件开发",  # a typo portals make
        "文件下载",
        "每两月",
        "CSV",
        "学校名称与地址。",
        "学校",
        "待定",
        "",
    ],
    [
        "4",
        "BD-GA-0004",
        "保定市交通事故统计",
        "保定市公安局",
        "公共安全",
        "部分开放",
        "文件下载",
        "每年",
        "XLSX",
        "按月统计的事故数。",
        "事故",
        "2023-12-31",
        "",
    ],
    [
        "5",
        "",
        "没有代码的一行",
        "保定市统计局",
        "经济",
        "无条件开放",
        "文件下载",
        "每年",
        "CSV",
        "缺少资源代码。",
        "",
        "2023-01-01",
        "",
    ],
    [
        "6",
        "BD-TJ-0006",
        "保定市国民经济主要指标",
        "保定市统计局",
        "经济建设",
        "无条件开放",
        "文件下载",
        "每月",
        "XLSX",
        "GDP、固定资产投资等月度指标。",
        "GDP",
        "2024-01-20",
        "",
    ],
]
HEAD_B = ["目录编码", "数据集名称", "提供单位", "主题分类", "开放类型", "更新周期", "文件格式"]
HEAD_B += ["描述", "标签", "更新时间", "联系电话", "所属区县"]
ROWS_B = [
    [
        "BD-ZJ-0101",
        "竞秀区住房租赁备案信息",
        "保定市住房和城乡建设局",
        "城建住房",
        "有条件开放",
        "每周",
        "JSON",
        "租赁备案数量按街道统计。",
        "租赁",
        "2024-04-02 10:30:00",
        "0312-1234567",
        "竞秀区",
    ],
    [
        "BD-HB-0102",
        "莲池区空气质量日报",
        "保定市生态环境局",
        "生态环境",
        "无条件开放",
        "每日",
        "CSV",
        "PM2.5、PM10等指标日均值。",
        "空气;环境",
        "2024-04-03",
        "0312-7654321",
        "莲池区",
    ],
]


def _csv(headers: list[str], rows: list[list[str]], encoding: str) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(headers)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


def _xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "开放清单"
    ws.append(["保定市公共数据开放清单（2024年版）"])  # a caption above the header
    ws.append(
        ["资源编码", "目录名称", "来源部门", "数据领域", "开放条件", "更新频度", "资源格式", "摘要"]
        + ["数据量", "最后更新", "联系邮箱", "英文名称"]
    )
    ws.append(
        [
            "BD-WL-0201",
            "保定市A级旅游景区名录",
            "保定市文化广电和旅游局",
            "文化旅游",
            "无条件开放",
            "不定期",
            "XLSX",
            "景区名称、等级与地址。",
            58,
            "2024-05-06",
            "wlj@example.gov.cn",
            "Baoding A-level scenic spots",
        ]
    )
    ws.append(
        [
            "BD-NY-0202",
            "保定市农产品批发价格",
            "保定市农业农村局",
            "农业",
            "无条件开放",
            "每日",
            "CSV、JSON",
            "主要农产品日批发价。",
            "约3万条",
            "2024-05-07",
            "不是邮箱",
            None,
        ]
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_utf8_csv_rows_errors_and_unmapped_columns(cat, server, harvest):
    url = server.put("openlist-a.csv", _csv(HEAD_A, ROWS_A, "utf-8"), "text/csv")
    out = harvest("spreadsheet", url)
    assert (out.state, out.counts.new, out.counts.errors) == ("done", 6, 0)
    errors = errors_of(cat, out.job_id)
    [held] = [e for e in errors if "not an openness value" in e[2]]
    assert held[1] == "BD-GA-0004"
    assert held[2].startswith("row 5, column 开放属性 '部分开放': not an openness value")
    assert "普遍开放" in held[2] and held[2].endswith("held for review as 'openness unknown'")
    warnings = [why for stage, _r, why in errors if stage == "warning"]
    assert any("columns not mapped (kept in extras): 备注" in w for w in warnings)
    assert any("更新频率 '每两月' not recognised" in w for w in warnings)
    assert any("发布日期 '待定' is not a date" in w for w in warnings)
    with cat.session() as s:
        rows = {d.resource_code: d for d in s.execute(select(Dataset)).scalars()}
    bus = rows["BD-JT-0001"]
    assert bus.title == "保定市公交线路信息"
    assert bus.source_department == "保定市交通运输局"
    assert bus.organization.title == "保定市交通运输局"
    assert (bus.access_rights, bus.open_mode, bus.frequency) == (
        "unconditional",
        "download",
        "MONTHLY",
    )
    assert bus.themes == ["transport"] and bus.domain == "交通"
    assert bus.data_formats == ["CSV", "JSON"] and bus.keywords == ["公交", "线路"]
    assert str(bus.issued) == "2024-03-01"
    assert bus.name == "openlist-bd-jt-0001"
    health = rows["BD-WJ-0002"]
    assert (health.access_rights, health.open_mode) == ("conditional", "api")  # 依申请开放
    assert str(health.issued) == "2024-02-15"
    assert health.extras["备注"] == "按季度核对"
    school = rows["BD-JY-0003"]
    assert school.access_rights == "unconditional"  # 无条件开发, the typo, is understood
    assert school.frequency is None and school.extras["更新频率"] == "每两月"


def test_gbk_csv_and_existing_departments(cat, server, harvest):
    organizations.create_organization(
        cat, SYSTEM, {"name": "bd-housing", "title": "保定市住房和城乡建设局"}
    )
    url = server.put("openlist-b.csv", _csv(HEAD_B, ROWS_B, "gbk"), "text/csv")
    out = harvest("spreadsheet", url)
    assert out.summary == "done: 2 new, 0 updated, 0 unchanged, 0 withdrawn, 0 errors"
    with cat.session() as s:
        rows = {d.resource_code: d for d in s.execute(select(Dataset)).scalars()}
        rent = rows["BD-ZJ-0101"]
        assert rent.title == "竞秀区住房租赁备案信息"
        assert rent.organization.name == "bd-housing"  # matched by title, not duplicated
        assert rent.spatial == ["130602"]  # 竞秀区
        assert rent.contact_phone == "0312-1234567"
        assert rent.modified.isoformat() == "2024-04-02T10:30:00"
        air = rows["BD-HB-0102"]
        assert (air.frequency, air.themes, air.spatial) == ("DAILY", ["environment"], ["130606"])
        n_orgs = len(list(s.execute(select(Organization)).scalars()))
    assert n_orgs == 2


def test_xlsx_with_caption_row(cat, server, harvest):
    url = server.put(
        "openlist-c.xlsx",
        _xlsx(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    out = harvest("spreadsheet", url)
    assert (out.counts.new, out.counts.errors) == (2, 0)
    warnings = [why for stage, _r, why in errors_of(cat, out.job_id) if stage == "warning"]
    assert any("联系邮箱 '不是邮箱' is not an e-mail address" in w for w in warnings)
    with cat.session() as s:
        rows = {d.resource_code: d for d in s.execute(select(Dataset)).scalars()}
    spots = rows["BD-WL-0201"]
    assert (spots.title_en, spots.data_volume, spots.frequency) == (
        "Baoding A-level scenic spots",
        "58",
        "IRREG",
    )
    assert spots.contact_email == "wlj@example.gov.cn"
    assert spots.name == "openlist-bd-wl-0201"
    assert rows["BD-NY-0202"].data_formats == ["CSV", "JSON"]


def test_rerun_change_and_removal_follow_the_resource_code(cat, server, harvest):
    url = server.put("openlist.csv", _csv(HEAD_B, ROWS_B, "utf-8"), "text/csv")
    harvest("spreadsheet", url)
    assert harvest("spreadsheet", url).summary.startswith("done: 0 new, 0 updated, 2 unchanged")
    changed = [list(ROWS_B[0])]
    changed[0][1] = "竞秀区住房租赁备案信息（2024）"
    server.put(
        "openlist.csv", _csv(HEAD_B, changed, "utf-8"), "text/csv"
    )  # one row edited, one gone
    out = harvest("spreadsheet", url)
    assert (out.counts.updated, out.counts.withdrawn) == (1, 1)
    with cat.session() as s:
        rows = {d.resource_code: d for d in s.execute(select(Dataset)).scalars()}
    assert rows["BD-ZJ-0101"].title == "竞秀区住房租赁备案信息（2024）"
    assert rows["BD-HB-0102"].status == "withdrawn"


def test_a_file_without_the_needed_columns_fails_cleanly(cat, server, harvest):
    url = server.put("not-a-list.csv", "a,b,c\n1,2,3\n", "text/csv")
    out = harvest("spreadsheet", url)
    assert out.state == "failed"
    [(stage, _rid, why)] = errors_of(cat, out.job_id)
    assert stage == "gather" and "no header row" in why


@pytest.mark.parametrize(
    ("common", "ours"),
    [
        ("title", "title"),
        ("department", "department"),
        ("is_open", "openness"),
        ("update_frequency", "frequency"),
        ("description", "description"),
        ("tags", "keywords"),
        ("data_formats", "data_formats"),
        ("data_volume", "data_volume"),
        ("publish_time", "issued"),
        ("update_time", "modified"),
        ("email", "contact_email"),
        ("telephone", "contact_phone"),
        ("category", "domain"),
        ("industry", "industry"),
    ],
)
def test_every_portal_column_name_is_understood(fixtures, common, ours):
    """The column names 149 Chinese portals use (CNPDS's field_mapping.json) are all known."""
    mapping = json.loads((fixtures / "cn-portals/field_mapping.json").read_text("utf-8"))["common"]
    labels = [label for label, field in mapping.items() if field == common]
    assert labels
    unknown = [label for label in labels if COLUMNS.get(header_key(label)) != ours]
    assert unknown == []


def _job_log(cat, job_id: int) -> str:
    from catalog.models import HarvestJob

    with cat.session() as s:
        return s.get(HarvestJob, job_id).log or ""


def _portal_label(fixtures, common: str, prefer: str) -> str:
    """A column label as the surveyed portals write it (CNPDS field_mapping.json)."""
    mapping = json.loads((fixtures / "cn-portals/field_mapping.json").read_text("utf-8"))["common"]
    labels = [label for label, field in mapping.items() if field == common]
    assert prefer in labels
    return prefer


def test_rows_without_a_code_column_are_keyed_by_url_or_publisher_and_title(
    cat, server, harvest, fixtures
):
    head = [
        _portal_label(fixtures, "title", "信息资源名称"),
        _portal_label(fixtures, "department", "信息资源提供方"),
        _portal_label(fixtures, "is_open", "开放类型"),
        _portal_label(fixtures, "url", "url"),
    ]
    long_url = "https://data.example.gov.cn/dataset/" + "x" * 1800
    rows = [
        ["公交线路", "交通运输局", "无条件开放", "https://data.example.gov.cn/d/1"],
        ["公交站点", "交通运输局", "无条件开放", long_url],
        # the same link on two rows: it identifies neither
        ["医院名录", "卫生健康委员会", "有条件开放", "https://data.example.gov.cn/list"],
        ["诊所名录", "卫生健康委员会", "有条件开放", "https://data.example.gov.cn/list"],
        ["学校名录", "教育局", "无条件开放", "暂无"],
        ["学校名录", "教育局", "无条件开放", ""],  # the same publisher and title again
    ]
    url = server.put("no-code.csv", _csv(head, rows, "utf-8"), "text/csv")
    out = harvest("spreadsheet", url)
    assert (out.counts.new, out.counts.errors) == (5, 0)
    errors = errors_of(cat, out.job_id)
    [dup] = [why for stage, _r, why in errors if "same" in why]
    assert "row 7: same 数源部门 and 资源名称 as row 6" in dup and "not stored" in dup
    log = _job_log(cat, out.job_id)
    assert (
        "identity: no 资源代码 column, 2 by their URL (unique in the sheet), 3 by publisher + title"
        in log
    )
    with cat.session() as s:
        by_title = {d.title: d for d in s.execute(select(Dataset)).scalars()}
    assert by_title["公交站点"].landing_page == long_url  # 1,836 characters kept
    assert by_title["公交站点"].resource_code is None
    assert by_title["学校名录"].landing_page is None  # 暂无 is no link
    again = harvest("spreadsheet", url)  # the keys are stable: nothing new, nothing gone
    assert (again.counts.new, again.counts.unchanged, again.counts.withdrawn) == (0, 5, 0)


def test_long_resource_codes_are_kept_whole(cat, server, harvest):
    code = "330000-" + "0123456789" * 150  # 1,507 characters
    head = ["资源代码", "资源名称", "数源部门", "开放属性"]
    rows = [[code, "很长代码的资源", "统计局", "普遍开放"], ["", "没有代码", "统计局", "安全开放"]]
    url = server.put("long-code.csv", _csv(head, rows, "utf-8"), "text/csv")
    out = harvest("spreadsheet", url)
    assert (out.counts.new, out.counts.errors) == (2, 0)
    assert "identity: 1 rows by their 资源代码, 0 by their URL" in _job_log(cat, out.job_id)
    with cat.session() as s:
        by_title = {d.title: d for d in s.execute(select(Dataset)).scalars()}
    long = by_title["很长代码的资源"]
    assert (long.resource_code, long.identifier, long.access_rights) == (
        code,
        code,
        "unconditional",
    )
    assert by_title["没有代码"].access_rights == "conditional"  # 安全开放
    assert harvest("spreadsheet", url).counts.unchanged == 2


def test_long_codes_and_links_on_postgresql(server, harvest, pg_migrated_database, tmp_path):
    """2,000-character codes and links fit PostgreSQL's indexed columns; a code of Chinese
    characters too long for a b-tree entry is kept in extras with a warning, not lost."""
    from conftest import new_catalog

    pg = new_catalog(tmp_path / "pg", pg_migrated_database)
    try:
        code = "A" * 2000
        cjk = "资源" * 600  # 1,200 characters, 3,600 bytes
        link = "https://data.example.gov.cn/" + "p" * 1970
        head = ["资源代码", "资源名称", "数源部门", "开放属性", "访问地址"]
        rows = [
            [code, "长代码", "统计局", "无条件开放", link],
            [cjk, "中文长代码", "统计局", "无条件开放", ""],
        ]
        url = server.put("pg-long.csv", _csv(head, rows, "utf-8"), "text/csv")
        out = harvest("spreadsheet", url, catalog=pg)
        assert (out.counts.new, out.counts.errors) == (2, 0)
        warnings = [why for stage, _r, why in errors_of(pg, out.job_id) if stage == "warning"]
        assert any(
            "resource_code longer than 2000 characters (or 2600 bytes)" in w for w in warnings
        )
        with pg.session() as s:
            by_title = {d.title: d for d in s.execute(select(Dataset)).scalars()}
        assert (by_title["长代码"].resource_code, by_title["长代码"].landing_page) == (code, link)
        assert by_title["中文长代码"].extras["resource_code"] == cjk
    finally:
        pg.dispose()


def _by_code(cat) -> dict[str, Dataset]:
    with cat.session() as s:
        return {d.resource_code or d.title: d for d in s.execute(select(Dataset)).scalars()}


OPENNESS_ROWS = [
    ("K1", "普遍开放", "unconditional"),
    ("K2", "安全开放", "conditional"),
    ("K3", "受限开放", "conditional"),
    ("K4", "禁止开放", "not_open"),
    ("K5", "有条件开放（依申请）", "conditional"),
    ("K6", "依申请开放", "conditional"),
    ("K7", "无条件开发", "unconditional"),
    ("K8", "不予开放", "not_open"),
]


def test_openness_is_read_from_local_values_and_never_guessed(cat, server, harvest):
    head = ["资源代码", "资源名称", "数源部门", "开放属性"]
    rows = [[code, f"资源{code}", "统计局", value] for code, value, _ in OPENNESS_ROWS]
    rows += [["K9", "资源K9", "统计局", ""], ["K10", "资源K10", "统计局", "部分开放"]]
    url = server.put("openness.csv", _csv(head, rows, "utf-8"), "text/csv")
    out = harvest("spreadsheet", url)  # a trusted source: what it says is published
    assert (out.counts.new, out.counts.errors) == (10, 0)
    got = _by_code(cat)
    for code, _value, want in OPENNESS_ROWS:
        assert (got[code].access_rights, got[code].status) == (want, "published"), code
    for code in ("K9", "K10"):  # empty and unknown: in the review queue, nothing released
        assert (got[code].access_rights, got[code].status) == ("not_open", "submitted")
        assert got[code].extras["openness_review"].startswith("openness unknown: row")
    warnings = [why for stage, _r, why in errors_of(cat, out.job_id) if stage == "warning"]
    assert "row 10, column 开放属性: empty: held for review as 'openness unknown'" in warnings
    # the source maps its own value once
    own = [["K11", "资源K11", "统计局", "部分开放"]]
    url2 = server.put("openness2.csv", _csv(head, own, "utf-8"), "text/csv")
    harvest("spreadsheet", url2, config={"openness_values": {"部分开放": "conditional"}})
    k11 = _by_code(cat)["K11"]
    assert (k11.access_rights, k11.status) == ("conditional", "published")


def test_a_sheet_without_an_openness_column_publishes_nothing_as_open(
    cat, server, harvest, fixtures
):
    head = [
        _portal_label(fixtures, "title", "数据集名称"),
        _portal_label(fixtures, "department", "数源单位"),
        _portal_label(fixtures, "data_formats", "数据格式"),
    ]
    rows = [[f"数据{i}", "交通运输局", "csv"] for i in range(5)]
    url = server.put("no-openness.csv", _csv(head, rows, "utf-8"), "text/csv")
    out = harvest("spreadsheet", url)  # trusted: it would publish if openness were known
    assert (out.counts.new, out.counts.errors) == (5, 0)
    log = _job_log(cat, out.job_id)
    assert "NO OPENNESS COLUMN (开放属性): its 5 rows are held for review" in log
    warnings = [why for stage, _r, why in errors_of(cat, out.job_id) if stage == "warning"]
    assert any("NO OPENNESS COLUMN" in w for w in warnings)
    with cat.session() as s:
        stored = list(s.execute(select(Dataset)).scalars())
    assert {(d.access_rights, d.status, d.extras["openness_review"]) for d in stored} == {
        ("not_open", "submitted", "openness unknown")
    }
    # only an explicit setting on the source gives the rows an openness
    others = [[f"资料{i}", "统计局", "csv"] for i in range(2)]
    url2 = server.put("no-openness-default.csv", _csv(head, others, "utf-8"), "text/csv")
    out2 = harvest("spreadsheet", url2, config={"default_openness": "conditional"})
    assert "the source's default_openness 有条件开放 (conditional) is given to its 2 rows" in (
        _job_log(cat, out2.job_id)
    )
    with cat.session() as s:
        stored = list(s.execute(select(Dataset)).scalars())
    assert (
        sorted((d.access_rights, d.status) for d in stored if d.title.startswith("资料"))
        == [("conditional", "published")] * 2
    )
    assert not [d for d in stored if d.access_rights == "unconditional"]


def test_list_cells_placeholders_and_repeated_columns(cat, server, harvest):
    head = ["资源代码", "资源名称", "数源部门", "开放属性", "数据格式", "关键字", "联系电话"]
    head += ["电子邮箱", "所属领域", "主题分类", "发布日期", "上架日期", "更新频率"]
    rows = [
        ["C1", "公交线路", "交通运输局", "无条件开放", "['xls', 'api']", "公交\n线路\t站点"]
        + ["暂无", "无", "交通", "城建住房", "2024-01-02", "2024-02-03", "-"],
        ["C2", "地铁站点", "交通运输局", "无条件开放", "[csv,json]", "地铁、换乘，票价;轻轨；线网"]
        + ["0592-1234567", "N/A", "/", "空", "", "", "每月"],
        ["C3", "公交站点", "交通运输局", "无条件开放", '["CSV","JSON"]', "暂无"]
        + ["详见网站", "", "", "", "", "", ""],
    ]
    url = server.put("cells.csv", _csv(head, rows, "utf-8"), "text/csv")
    out = harvest("spreadsheet", url)
    assert (out.counts.new, out.counts.errors) == (3, 0)
    got = _by_code(cat)
    c1, c2, c3 = got["C1"], got["C2"], got["C3"]
    assert c1.data_formats == ["XLS", "API"] and c2.data_formats == ["CSV", "JSON"]
    assert c3.data_formats == ["CSV", "JSON"]
    assert c1.keywords == ["公交", "线路", "站点"]
    assert c2.keywords == ["地铁", "换乘", "票价", "轻轨", "线网"] and c3.keywords == []
    assert (c1.contact_phone, c1.contact_email, c1.frequency) == (None, None, None)
    assert c2.contact_phone == "0592-1234567" and c2.contact_email is None and c2.domain is None
    assert c3.contact_phone is None and c3.extras["联系电话"] == "详见网站"
    # a second domain column and a second date column are kept
    assert (c1.domain, c1.extras["主题分类"]) == ("交通", "城建住房")
    assert set(c1.themes) == {"transport", "urban"}
    assert (str(c1.issued), c1.extras["上架日期"]) == ("2024-01-02", "2024-02-03")
    for d in got.values():  # placeholders are never stored as values
        assert not set(d.extras.values()) & {"暂无", "无", "-", "/", "N/A", "空"}
    warnings = [why for stage, _r, why in errors_of(cat, out.job_id) if stage == "warning"]
    assert "row 4: 联系电话 '详见网站' is not a phone number" in warnings


def test_same_named_departments_of_two_places_stay_apart(cat, server, harvest):
    head = ["资源代码", "资源名称", "数源部门", "开放属性"]
    xm = server.put("xm.csv", _csv(head, [["XM1", "统计年鉴", "统计局", "普遍开放"]], "utf-8"))
    fz = server.put("fz.csv", _csv(head, [["FZ1", "统计年鉴", "市统计局", "普遍开放"]], "utf-8"))
    harvest("spreadsheet", xm, config={"region": "厦门市"})
    harvest("spreadsheet", fz, config={"region": "福州市"})
    wb = Workbook()
    ws = wb.active
    ws.append(["泉州市公共数据开放目录（2024）"])  # the caption names the place
    ws.append(head)
    ws.append(["QZ1", "统计年鉴", "统计局", "普遍开放"])
    buf = io.BytesIO()
    wb.save(buf)
    qz = server.put("qz.xlsx", buf.getvalue())
    out = harvest("spreadsheet", qz)
    assert "departments matched within 泉州市 (caption row)" in _job_log(cat, out.job_id)
    got = _by_code(cat)
    titles = {code: got[code].organization.title for code in ("XM1", "FZ1", "QZ1")}
    assert titles == {"XM1": "厦门市统计局", "FZ1": "福州市统计局", "QZ1": "泉州市统计局"}
    with cat.session() as s:
        assert len(list(s.execute(select(Organization)).scalars())) == 3


# our field for each common field of CNPDS's field_mapping.json
_COMMON = {
    "title": "title",
    "department": "department",
    "is_open": "openness",
    "update_frequency": "frequency",
    "description": "description",
    "tags": "keywords",
    "data_formats": "data_formats",
    "data_volume": "data_volume",
    "publish_time": "issued",
    "update_time": "modified",
    "email": "contact_email",
    "telephone": "contact_phone",
    "category": "domain",
    "industry": "industry",
    "url": "landing_page",
}
_CODES = ("资源代码", "目录编码", "资源编号", "信息资源代码")


def _naming_row(k: int, cols: dict, n: int, title: str, openness: str, link: str) -> list[str]:
    values = {
        "title": title,
        "department": f"数据局{k}",
        "is_open": openness,
        "update_frequency": "每月" if n % 2 else "每季度",
        "description": f"第{n}行的说明",
        "tags": "交通\n公交\t线路" if n % 2 else "医疗、卫生",
        "data_formats": "['xls', 'api']" if n % 2 else "[csv,json]",
        "data_volume": "暂无" if n % 2 else "1200",
        "publish_time": "2024-03-01",
        "update_time": "2024年5月6日",
        "email": "无" if n % 2 else "open@example.gov.cn",
        "telephone": "暂无" if n % 2 else "0592-1234567",
        "category": "交通",
        "industry": "-",
        "url": link,
    }
    code = [f"N{k}-{n}"] if k % 2 == 0 else []
    return code + [values[c] for c in cols]


def _naming_sheets(fixtures) -> list[tuple[str, list[str], list[list[str]], dict]]:
    """Sheets named the ways the surveyed portals name their columns: sheet k takes the k-th
    label of every field (so every label is used), has a code column on even k and no
    openness column on every third; five rows each: two good ones, one with an openness no
    table knows, one without a title and one repeating the first."""
    mapping = json.loads((fixtures / "cn-portals/field_mapping.json").read_text("utf-8"))["common"]
    labels = {c: sorted(k for k, v in mapping.items() if v == c) for c in _COMMON}
    sheets = []
    for k in range(max(len(v) for v in labels.values())):
        cols = {c: labels[c][k % len(labels[c])] for c in _COMMON}
        if k % 3 == 2:
            del cols["is_open"]
        head = ([_CODES[k % len(_CODES)]] if k % 2 == 0 else []) + list(cols.values())

        base = "https://data.example.gov.cn/naming"
        rows = [
            _naming_row(k, cols, 1, f"资源甲{k}", "无条件开放", f"{base}/{k}/1"),
            _naming_row(k, cols, 2, f"资源乙{k}", "普遍开放", f"{base}/{k}/2"),
            _naming_row(k, cols, 3, f"资源丙{k}", "部分开放", f"{base}/{k}/3"),
            _naming_row(k, cols, 4, "", "无条件开放", f"{base}/{k}/4"),
            _naming_row(k, cols, 1, f"资源甲{k}", "无条件开放", f"{base}/{k}/1"),
        ]
        sheets.append((cols["title"], head, rows, {"code": k % 2 == 0, "open": "is_open" in cols}))
    return sheets


def test_sheets_in_every_portal_naming_harvest_end_to_end(cat, server, harvest, fixtures):
    """Every label of the survey, in XLSX, UTF-8 CSV and GB18030 CSV, with and without code
    and openness columns: each sheet is accepted; per sheet 3 rows stored (held for review
    when the openness is unknown), 1 refused naming its row and column, the repeat named."""
    sheets = _naming_sheets(fixtures)
    assert len(sheets) >= 20
    for k, (title_label, head, rows, has) in enumerate(sheets):
        if k % 3 == 0:
            wb = Workbook()
            wb.active.append(head)
            for r in rows:
                wb.active.append(r)
            buf = io.BytesIO()
            wb.save(buf)
            url = server.put(f"naming-{k}.xlsx", buf.getvalue())
        else:
            encoding = "utf-8" if k % 3 == 1 else "gb18030"
            url = server.put(f"naming-{k}.csv", _csv(head, rows, encoding), "text/csv")
        out = harvest("spreadsheet", url)
        assert out.state == "done_with_errors", (k, out.summary)
        assert (out.counts.new, out.counts.errors) == (3, 1), (k, head, out.summary)
        errors = errors_of(cat, out.job_id)
        [refused] = [why for stage, _r, why in errors if stage != "warning"]
        assert refused == f"row 5, column {title_label}: empty", k
        warnings = [why for stage, _r, why in errors if stage == "warning"]
        repeat = "资源代码" if has["code"] else "数源部门 and 资源名称"  # the URL repeats too
        assert any(f"row 6: same {repeat} as row 2" in w for w in warnings), (k, warnings)
        with cat.session() as s:
            mine = [d for d in s.execute(select(Dataset)).scalars() if d.title.endswith(f"{k}")]
        by_title = {d.title[:3]: d for d in mine if d.title[3:] == str(k)}
        held = {t for t, d in by_title.items() if d.status == "submitted"}
        assert held == ({"资源丙"} if has["open"] else {"资源甲", "资源乙", "资源丙"}), k
        assert all(d.access_rights == "not_open" for t, d in by_title.items() if t in held)
        good = by_title["资源甲"]
        assert good.data_formats == ["XLS", "API"] and good.keywords == ["交通", "公交", "线路"]
        assert good.contact_phone is None and good.contact_email is None
        assert by_title["资源乙"].data_formats == ["CSV", "JSON"]
        assert by_title["资源乙"].contact_phone == "0592-1234567"
        if has["open"]:
            assert (good.access_rights, by_title["资源乙"].access_rights) == (
                "unconditional",
                "unconditional",
            )
