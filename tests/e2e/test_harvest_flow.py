"""Harvesting in a real browser (issue 12, items 6 and 7): a curator adds an open-list sheet
served over HTTP on the loopback, previews it (header row, column mapping, held and refused
rows; nothing stored), saves and runs it (a worker thread beside the site, as `catalog serve
--worker` runs one), and reads the job with its errors, in Chinese and English; a partner
admin gets a 403 page for another organization's source. Screenshots in build/screenshots/."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from catalog.services import harvest
from harvesters.jobs import Worker
from tests.livesite import serve
from tests.portal import PASSWORD, load_portal
from tests.test_harvest_preview import write_sheet

pytestmark = pytest.mark.e2e


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def sheets(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sheets")
    write_sheet(folder / "baoding-open-list.xlsx")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    made: dict = {}
    with serve(
        tmp_path_factory.mktemp("e2e-harvest"), lambda cat: made.update(load_portal(cat))
    ) as (
        url,
        cat,
    ):
        worker = Worker(cat, poll=0.3)
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        try:
            yield url, cat, made
        finally:
            worker.stop()
            thread.join(30)


def sign_in(page, url: str, email: str) -> None:
    page.goto(url + "/login")
    page.fill("#f-email", email)
    page.fill("#f-password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/account")


def test_a_curator_previews_runs_and_reads_a_sheet_and_a_partner_admin_is_kept_out(
    site, sheets, browser, shots
) -> None:
    url, cat, made = site
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    sign_in(page, url, "curator@bureau.example.cn")

    page.click("#harvest-link")
    page.click("#add-source")
    page.fill("#f-name", "baoding-open-list")
    page.select_option("#f-kind", "spreadsheet")
    page.fill("#f-url", f"{sheets}/baoding-open-list.xlsx")
    page.fill("#f-config", '{"region": "保定市"}')
    page.click("#preview-button")
    page.wait_for_selector("#preview")
    assert "表头在第 2 行，其下共 6 行" in page.inner_text("#header-row")
    mapping = page.inner_text("#column-mapping")
    assert "资源名称" in mapping and "标题" in mapping
    assert "内部备注" in page.inner_text("#unmapped")
    problems = page.inner_text("#preview-problems")
    assert "暂扣待审" in problems and "拒收" in problems
    assert "row 5, column 资源名称: empty" in problems
    assert "row 4, column 开放属性 '看情况'" in problems
    assert page.locator("#preview-rows tbody tr").count() == 4
    page.screenshot(path=str(shots / "harvest-preview-zh.png"), full_page=True)
    assert harvest.find_source(cat, "spreadsheet", f"{sheets}/baoding-open-list.xlsx") is None

    page.click("#save-button")
    page.wait_for_url("**/harvest/baoding-open-list")
    page.click("#run-button")
    page.wait_for_url("**/harvest/jobs/*")
    page.wait_for_selector("#job-state .state-done_with_errors", timeout=60_000)
    assert page.inner_text("#job-counts .count-new") == "4"
    assert "row 5, column 资源名称: empty" in page.inner_text("#job-errors")
    assert "same 资源代码 as row 3" in page.inner_text("#job-warnings")
    page.screenshot(path=str(shots / "harvest-job-zh.png"), full_page=True)

    page.click("#lang-switch")
    page.wait_for_selector("#job-state")
    assert "done with errors" in page.inner_text("#job-state")
    page.screenshot(path=str(shots / "harvest-job-en.png"), full_page=True)
    page.goto(url + "/harvest/baoding-open-list")
    assert "baoding-open-list" in page.inner_text("h1")
    page.screenshot(path=str(shots / "harvest-source-en.png"), full_page=True)
    page.goto(url + "/harvest/baoding-open-list/preview")
    assert "Header on row 2; 6 rows below it." in page.inner_text("#header-row")
    page.screenshot(path=str(shots / "harvest-preview-en.png"), full_page=True)
    ctx.close()

    # a partner admin of another organization: the source is not theirs
    other = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    admin = other.new_page()
    sign_in(admin, url, "admin@zhishu.example.cn")
    admin.click("#harvest-link")
    assert "baoding-open-list" not in admin.inner_text("#sources")
    answer = admin.goto(url + "/harvest/baoding-open-list")
    assert answer is not None and answer.status == 403
    admin.screenshot(path=str(shots / "harvest-forbidden-zh.png"), full_page=True)
    other.close()
