"""The three kinds of users in a real browser (Debian's Chromium), with e-mail going through
a real SMTP server: a partner registers and is verified, submits a dataset, a curator asks
for a change, the partner fixes it, the curator publishes; a visitor finds it with a Chinese
query, narrows by a facet and opens it; a curator publishes an open-list version, downloads
the XLSX and the file's rows match the page. Screenshots go to build/screenshots/."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.livesite import load_small_catalog, serve
from tests.mailserver import link_in, smtp_server
from tests.portal import PASSWORD, bad_check_char, credit_code, make_user

pytestmark = pytest.mark.e2e

TITLE = "城市路口交通流量检测训练集"
CODE = credit_code(501)


def _load(cat) -> None:
    load_small_catalog(cat)
    make_user(cat, "curator@bureau.example.cn", "curator", "数据局审核员")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with (
        smtp_server() as (inbox, port),
        serve(
            tmp_path_factory.mktemp("e2e-flow"), _load, smtp_host="127.0.0.1", smtp_port=port
        ) as (
            url,
            cat,
        ),
    ):
        yield url, inbox


def sign_in(page, url: str, email: str, password: str) -> None:
    page.goto(url + "/login")
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/account")


def test_partner_curator_and_visitor(site, people, shots) -> None:
    url, inbox = site
    partner, curator, visitor = people(), people(), people()

    # -- a newcomer registers and applies as a data partner ------------------------------
    partner.goto(url + "/")
    assert partner.locator("#audiences .audience").count() == 3
    partner.click('header >> text="注册"')
    partner.fill("#f-email", "founder@roadai.example.cn")
    partner.fill("#f-name", "路智创始人")
    partner.fill("#f-password", "road-ai-2025")
    partner.fill("#f-password_confirm", "road-ai-2025")
    partner.screenshot(path=str(shots / "register-zh.png"), full_page=True)
    partner.click("form.form button[type=submit]")
    # the account is made by the link in the mail (the page says the same for any address)
    assert "founder@roadai.example.cn" in partner.locator("#register-sent").inner_text()
    partner.screenshot(path=str(shots / "register-sent-zh.png"), full_page=True)
    mail = inbox.wait_for("founder@roadai.example.cn", lambda m: "Confirm" in m["Subject"])
    partner.goto(link_in(mail, "/register/confirm/"))
    partner.wait_for_url("**/account")
    partner.click('a.button >> text="申请成为数据合伙人"')
    partner.fill("#f-title", "保定路智科技有限公司")
    partner.fill("#f-title_en", "Baoding RoadAI Technology")
    partner.select_option("#f-org_type", "enterprise")
    partner.fill("#f-credit_code", bad_check_char(CODE))
    partner.fill("#f-description", "专注于交通场景的视觉数据采集与标注。")
    partner.check("input[name=fields_of_data][value=transport]")
    partner.click("#apply-submit")
    assert partner.locator("#err-credit_code").inner_text() == "统一社会信用代码校验位不正确。"
    assert partner.input_value("#f-title") == "保定路智科技有限公司"  # what was typed stays
    assert partner.locator("input[name=fields_of_data][value=transport]").is_checked()
    partner.screenshot(path=str(shots / "partner-apply-errors-zh.png"), full_page=True)
    partner.fill("#f-credit_code", CODE)
    partner.click("#apply-submit")
    partner.wait_for_url("**/organization/baoding-roadai-technology")
    assert "正在等待数据局审核" in partner.locator("#partner-status").inner_text()

    # -- the curator verifies it; the partner is told by e-mail --------------------------
    inbox.wait_for("curator@bureau.example.cn", lambda m: "保定路智科技有限公司" in m["Subject"])
    sign_in(curator, url, "curator@bureau.example.cn", PASSWORD)
    curator.click('header >> text="审核"')
    curator.wait_for_url("**/curation")
    curator.screenshot(path=str(shots / "curation-queue-zh.png"), full_page=True)
    curator.click("#applications tr[data-name=baoding-roadai-technology] >> text=审核")
    assert CODE in curator.locator("#application").inner_text()
    curator.screenshot(path=str(shots / "partner-review-zh.png"), full_page=True)
    curator.click("#verify")
    curator.wait_for_url("**/curation")
    mail = inbox.wait_for("founder@roadai.example.cn", lambda m: "已通过认证" in m["Subject"])
    partner.goto(link_in(mail, "/organization/"))
    assert partner.locator("#verified-badge").is_visible()

    # -- the partner adds a dataset with its AI fields, saves a draft, submits ------------
    partner.click('a.button >> text="新增数据集"')
    partner.fill("#f-title", TITLE)
    partner.fill("#f-title_en", "Urban intersection traffic flow detection")
    partner.select_option("#f-kind", "training")
    partner.fill(
        "#f-description", "保定市主要路口摄像头图像，标注车辆与行人，用于**交通流量**检测。"
    )
    partner.fill("#f-keywords", "交通流量, 目标检测")
    partner.check("input[name=themes][value=transport]")
    partner.check("input[name=task_categories][value=object_detection]")
    partner.check("input[name=modalities][value=image]")
    partner.select_option("#f-annotation_type", "bounding_box")
    partner.select_option("#f-annotation_method", "manual")
    partner.fill("#f-annotation_accuracy", "97%")
    partner.fill("#f-sample_counts", "train: 12000\ntest: 3000")
    partner.fill("#f-dist-0-title", "样例图像")
    partner.fill("#f-dist-0-download_url", "https://data.roadai.example.cn/sample.zip")
    partner.fill("#f-dist-0-format", "ZIP")
    partner.screenshot(path=str(shots / "dataset-form-zh.png"), full_page=True)
    partner.click("#save-draft")
    partner.wait_for_url("**/dataset/*")
    dataset_url = partner.url
    assert "草稿" in partner.locator("#status-banner").inner_text()
    partner.click("#submit-dataset")
    partner.wait_for_load_state()
    assert "待审核" in partner.locator("#status-banner").inner_text()

    # -- the curator asks for a change --------------------------------------------------
    curator.goto(url + "/curation")
    curator.click(f"#review-queue tr:has-text('{TITLE}') >> text=审核")
    curator.click("#decide-changes")  # without a note: refused, in Chinese
    assert curator.locator("#err-note").inner_text() == "请填写理由。"
    curator.fill("#f-note", "请补充许可协议")
    curator.click("#decide-changes")
    curator.wait_for_url("**/curation")

    # -- the partner reads the note, fixes the dataset and submits again -----------------
    mail = inbox.wait_for("founder@roadai.example.cn", lambda m: "需要修改" in m["Subject"])
    assert "请补充许可协议" in mail.get_content()
    partner.goto(dataset_url)
    assert partner.locator("#review-note").inner_text() == "请补充许可协议"
    partner.click("#edit-dataset")
    assert partner.input_value("#f-title") == TITLE
    partner.select_option("#f-license", "CC-BY-4.0")
    partner.click("#save-submit")
    partner.wait_for_url(dataset_url)

    # -- the curator sees what changed and publishes ---------------------------------------
    curator.goto(url + "/curation")
    curator.click(f"#review-queue tr:has-text('{TITLE}') >> text=审核")
    changes = curator.locator("#changes").inner_text()
    assert "许可协议" in changes and "知识共享 署名 4.0" in changes
    curator.screenshot(path=str(shots / "curation-review-zh.png"), full_page=True)
    curator.click("#decide-publish")
    curator.wait_for_url("**/curation")
    inbox.wait_for("founder@roadai.example.cn", lambda m: "已发布" in m["Subject"])
    curator.goto(dataset_url + "/history")
    curator.check("#versions input[name=a][value='1']")  # the first draft against today
    curator.click("#compare-form button[type=submit]")
    curator.wait_for_url("**/diff?**")
    curator.screenshot(path=str(shots / "dataset-diff-zh.png"), full_page=True)

    # -- a visitor finds it with a Chinese query, narrows by a facet, opens it -------------
    visitor.goto(url + "/")
    visitor.fill("input[name=q]", "交通流量")
    visitor.click("form.searchbox button[type=submit]")
    visitor.wait_for_url("**/search?q=*")
    facet = visitor.locator("section.facet[data-facet=kind] li", has_text="训练数据集")
    expected = int(facet.locator(".n").inner_text())
    facet.locator("a").click()
    visitor.wait_for_url("**kind=training**")
    assert visitor.locator("article.result").count() == expected
    visitor.screenshot(path=str(shots / "search-facet-zh.png"), full_page=True)
    visitor.click(f"article.result h3 a:has-text('{TITLE[:4]}')")
    visitor.wait_for_url(dataset_url)
    assert visitor.locator("h1").inner_text() == TITLE
    assert "97.0%" in visitor.locator("table.metadata").inner_text()
    assert visitor.locator(".record-actions").count() == 0
    visitor.screenshot(path=str(shots / "dataset-published-zh.png"), full_page=True)
    visitor.click("a.publisher")
    visitor.wait_for_url("**/organization/baoding-roadai-technology")
    assert visitor.locator("#publisher-score").is_visible()
    visitor.screenshot(path=str(shots / "organization-zh.png"), full_page=True)

    # -- the curator publishes an open-list version and downloads the XLSX ---------------
    curator.goto(url + "/curation/openlist")
    for name in ("bus-routes", "taxi-orders", "road-cameras", dataset_url.rsplit("/", 1)[1]):
        curator.fill("#f-from", name)
        curator.click("#add-from-dataset button[type=submit]")
        curator.wait_for_url("**/curation/openlist")
    form = curator.locator("#add-entry")
    form.locator("#f-resource_code").fill("130600-HB-0001")
    form.locator("#f-title").fill("空气质量小时监测数据")
    form.locator("#f-source_department").fill("保定市生态环境局")
    form.locator("#f-domain").fill("生态环境")
    form.locator("#f-frequency").select_option("DAILY")
    form.locator("button[type=submit]").click()
    curator.wait_for_url("**/curation/openlist")
    assert curator.locator("#working-table tbody tr").count() == 5
    curator.screenshot(path=str(shots / "openlist-working-zh.png"), full_page=True)
    curator.fill("#f-pub-note", "2025 年第一版")
    curator.click("#publish")
    curator.wait_for_url("**/openlist/v/1")
    assert curator.locator("#version-number").inner_text() == "第 1 版"
    curator.screenshot(path=str(shots / "openlist-zh.png"), full_page=True)
    with curator.expect_download() as download:
        curator.click("#export-xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    file_rows = [[c or "" for c in row] for row in sheet.iter_rows(values_only=True)]
    page_rows = [
        [cell.strip() for cell in row.locator("td").all_inner_texts()]
        for row in curator.locator("#openlist-table tbody tr").all()
    ]
    assert file_rows[0][0] == "资源代码" and file_rows[1:] == page_rows
    assert len(page_rows) == 5

    # a second version: the diff shows what changed
    curator.goto(url + "/curation/openlist")
    curator.click("#working-table tr[data-code=road-cameras] button:has-text('移除')")
    curator.wait_for_url("**/curation/openlist")
    curator.click("#publish")
    curator.wait_for_url("**/openlist/v/2")
    curator.click("#diff-previous")
    assert "移除 1 项" in curator.locator("#diff-summary").inner_text()
    curator.screenshot(path=str(shots / "openlist-diff-zh.png"), full_page=True)

    # -- the bureau's dashboard, the partner's tokens, the English switch ----------------
    curator.goto(url + "/dashboard")
    assert curator.locator("svg.chart").count() >= 6
    curator.screenshot(path=str(shots / "dashboard-zh.png"), full_page=True)
    partner.goto(url + "/account/tokens")
    partner.fill("#f-name", "训练流水线")
    partner.click("form.inline-form button[type=submit]")
    assert partner.locator("#new-token").inner_text().startswith("dpc_")
    partner.screenshot(path=str(shots / "account-tokens-zh.png"), full_page=True)
    visitor.goto(url + "/openlist")
    visitor.click("#lang-switch")
    visitor.wait_for_load_state()
    assert visitor.locator("h1").inner_text() == "Government public data resource open list"
    visitor.screenshot(path=str(shots / "openlist-en.png"), full_page=True)
