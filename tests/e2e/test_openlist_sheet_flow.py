"""A curator in a real browser turns a department's sheet into the open list (issue 12,
item 8): uploads the sheet on the working list, sees the row without an openness held and
publishing refused, settles it (the dataset follows), adds a catalog dataset with the picker
and publishes. Screenshots in Chinese and English go to build/screenshots/."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from catalog.models import Dataset
from catalog.services import openlist
from catalog.services.authz import SYSTEM
from tests.livesite import load_small_catalog, serve
from tests.portal import PASSWORD, make_user

pytestmark = pytest.mark.e2e

HEAD = [
    "序号",
    "资源编码",
    "数据目录名称",
    "提供单位",
    "所属领域",
    "开放类型",
    "更新周期",
    "文件格式",
]
ROWS = [
    ["1", "BD-JT-101", "公交线路走向", "交通运输局", "交通", "普遍开放", "每月", "[csv,json]"],
    ["2", "BD-JT-102", "出租车营运统计", "交通运输局", "交通", "依申请开放", "每季度", "xlsx"],
    ["3", "BD-WJ-201", "医疗机构名录", "卫生健康委员会", "医疗卫生", "无条件开放", "每年", "csv"],
    ["4", "BD-WJ-202", "传染病监测汇总", "卫生健康委员会", "医疗卫生", "暂无", "每年", "csv"],
]


def _sheet(tmp_path) -> str:
    buf = io.StringIO()
    buf.write("保定市公共数据开放清单（2025年版）\n")
    csv.writer(buf).writerows([HEAD, *ROWS])
    path = tmp_path / "bd-openlist-2025.csv"
    path.write_bytes(buf.getvalue().encode("gb18030"))
    return str(path)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    def load(cat) -> None:
        load_small_catalog(cat)
        make_user(cat, "curator@bureau.example.cn", "curator", "数据局审核员")

    with serve(tmp_path_factory.mktemp("e2e-openlist"), load) as (url, cat):
        yield url, cat


def test_a_sheet_becomes_the_published_open_list(site, page, shots, tmp_path) -> None:
    url, cat = site
    page.set_default_timeout(20_000)
    page.goto(url + "/login")
    page.fill("#f-email", "curator@bureau.example.cn")
    page.fill("#f-password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/account")

    page.goto(url + "/curation/openlist")
    page.set_input_files("#f-sheet", _sheet(tmp_path))
    page.fill("#f-region", "保定市")
    page.click("#import-sheet button[type=submit]")
    page.wait_for_url("**/curation/openlist")
    flash = page.locator(".flash").first.inner_text()
    assert "4 条新增" in flash, flash
    assert page.locator("#working-count").inner_text() == "4"
    codes = page.locator("#working-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.code)"
    )
    assert codes == ["BD-JT-101", "BD-JT-102", "BD-WJ-201", "BD-WJ-202"]
    held = page.locator("#conflicts tbody tr")
    assert held.count() == 1 and held.first.get_attribute("data-code") == "BD-WJ-202"
    assert "尚未确定" in held.first.inner_text()
    page.screenshot(path=str(shots / "openlist-sheet-imported-zh.png"), full_page=True)

    # publishing waits for the decision
    page.click("#publish")
    assert "请先处理" in page.locator("#publish-form").locator("xpath=..").inner_text()
    page.select_option("#conflicts select[name=openness]", "conditional")
    page.click("#conflicts button[type=submit]")
    page.wait_for_url("**/curation/openlist#conflicts")
    assert page.locator("#conflicts").count() == 0
    with cat.session() as s:
        ds = s.execute(select(Dataset).where(Dataset.resource_code == "BD-WJ-202")).scalar_one()
        assert ds.access_rights == "conditional" and "openness_review" not in ds.extras
        # the sheet's departments joined the catalog's own organization of that place
        jt = s.execute(select(Dataset).where(Dataset.resource_code == "BD-JT-101")).scalar_one()
        assert jt.organization.name == "transport-bureau"

    # the picker: a department's other datasets, ticked
    page.click("#open-picker")
    page.select_option("#f-organization", "transport-bureau")
    page.fill("#f-q", "公交")
    page.click("#pick-filters button[type=submit]")
    rows = page.locator("#pick-table tbody tr")
    names = rows.evaluate_all("rows => rows.map(r => r.dataset.name)")
    assert "bus-routes" in names
    assert page.locator("#pick-table input[disabled]").count() == 1  # the sheet's, on the list
    page.screenshot(path=str(shots / "openlist-picker-zh.png"), full_page=True)
    page.check("#pick-bus-routes")
    page.click("#pick-add")
    page.wait_for_url("**/curation/openlist")
    assert page.locator("#working-count").inner_text() == "5"

    page.fill("#f-pub-note", "依据各部门2025年清单")
    page.click("#publish")
    page.wait_for_url("**/openlist/v/1")
    _v, entries = openlist.version_entries(cat, SYSTEM, 1)
    assert len(entries) == 5 and all(e["dataset"] for e in entries)
    page.screenshot(path=str(shots / "openlist-published-from-sheet-zh.png"), full_page=True)

    page.goto(url + "/curation/openlist?lang=en")
    page.screenshot(path=str(shots / "openlist-working-en.png"), full_page=True)
    page.goto(url + "/curation/openlist/pick?theme=transport&lang=en")
    assert "datasets match" in page.locator("#pick-total").inner_text()
    page.screenshot(path=str(shots / "openlist-picker-en.png"), full_page=True)
