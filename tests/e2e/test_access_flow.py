"""The access-request loop in a real browser, e-mail through a real SMTP server (issue 5):
an AI firm asks for a conditionally open dataset, the publisher's admin asks for more
information, the firm answers, the admin approves for 30 days, the firm downloads through
the signed link; the admin revokes and the same link fails at once; a second grant whose end
date is moved into the past fails too. The curator reads the dataset's access log (CSV) and
the matchmaking table. Screenshots go to build/screenshots/."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from catalog.models import AccessRequest
from catalog.services import users
from catalog.services.authz import SYSTEM
from tests.e2e.test_partner_flow import sign_in
from tests.livesite import SECRET_URL, load_small_catalog, serve
from tests.mailserver import link_in, smtp_server
from tests.portal import PASSWORD, bad_check_char, credit_code, make_user

pytestmark = pytest.mark.e2e

CODE = credit_code(808)


def _load(cat) -> None:
    load_small_catalog(cat)
    make_user(cat, "curator@bureau.example.cn", "curator", "数据局审核员")
    admin = make_user(cat, "admin@medai.example.cn", name="医影管理员")
    users.add_member(cat, SYSTEM, "medai", admin.id, role="admin")
    make_user(cat, "ai@firm.example.cn", name="智算科技")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with (
        smtp_server() as (inbox, port),
        serve(
            tmp_path_factory.mktemp("e2e-access"), _load, smtp_host="127.0.0.1", smtp_port=port
        ) as (url, cat),
    ):
        yield url, inbox, cat


def _apply(firm, url: str, code: str) -> None:
    firm.goto(url + "/dataset/lung-ct")
    firm.click("#request-access")
    firm.fill("#f-applicant_org", "保定智算科技有限公司")
    firm.fill("#f-applicant_credit_code", code)
    firm.fill("#f-purpose", "训练肺结节检测模型")
    firm.fill("#f-scenario", "基层医院辅助诊断")
    firm.fill("#f-period_end", (date.today() + timedelta(days=90)).isoformat())
    firm.fill("#f-security_measures", "内网隔离，专人管理，用后删除")
    firm.check("#f-accepted_conditions")
    firm.check("#f-security_commitment")
    firm.click("#send-request")


def _download(page, link: str) -> tuple[int, str | None]:
    """Follow a signed link with the page's cookies, without leaving for the file's host."""
    r = page.request.get(link, max_redirects=0)
    return r.status, r.headers.get("location")


def test_access_request_loop(site, people, shots) -> None:
    url, inbox, cat = site
    firm, admin, curator = people(), people(), people()
    sign_in(firm, url, "ai@firm.example.cn", PASSWORD)
    sign_in(admin, url, "admin@medai.example.cn", PASSWORD)
    sign_in(curator, url, "curator@bureau.example.cn", PASSWORD)

    # -- the firm applies; a wrong credit code is caught, what was typed stays ------------
    _apply(firm, url, bad_check_char(CODE))
    assert (
        firm.locator("#err-applicant_credit_code").inner_text() == "统一社会信用代码校验位不正确。"
    )
    assert firm.input_value("#f-purpose") == "训练肺结节检测模型"
    firm.screenshot(path=str(shots / "access-apply-errors-zh.png"), full_page=True)
    firm.fill("#f-applicant_credit_code", CODE)
    firm.check("#f-accepted_conditions")
    firm.check("#f-security_commitment")
    firm.click("#send-request")
    firm.wait_for_url("**/access/request/*")
    assert "state-submitted" in firm.inner_html("#request-state")
    request_url = firm.url

    # -- the publisher's admin is told, sees the due date, asks for more information ------
    mail = inbox.wait_for("admin@medai.example.cn", lambda m: "新的数据申请" in m["Subject"])
    admin.goto(url + "/access/review")
    assert admin.locator("#access-queue tbody tr").count() == 1
    admin.screenshot(path=str(shots / "access-queue-zh.png"), full_page=True)
    admin.goto(link_in(mail, "/access/request/"))
    assert admin.locator("#due-date").is_visible()
    admin.fill("#ask-note", "请说明数据存放环境")
    admin.click("#ask-info")
    assert "state-needs_info" in admin.inner_html("#request-state")

    # -- the firm is told and answers; the request goes back to the admin ------------------
    inbox.wait_for("ai@firm.example.cn", lambda m: "需要补充材料" in m["Subject"])
    firm.goto(request_url)
    assert "请说明数据存放环境" in firm.locator("#decision-note").inner_text()
    firm.fill("#answer-note", "数据存放于本单位内网服务器，物理隔离")
    firm.click("#send-answer")
    assert "state-submitted" in firm.inner_html("#request-state")
    inbox.wait_for("admin@medai.example.cn", lambda m: "申请人已补充材料" in m["Subject"])

    # -- the admin approves for 30 days ---------------------------------------------------
    admin.goto(request_url)
    admin.fill("#approve-end", (date.today() + timedelta(days=30)).isoformat())
    admin.fill("#approve-conditions", "仅限模型训练，不得转让")
    admin.click("#approve")
    assert "state-approved" in admin.inner_html("#request-state")
    inbox.wait_for("ai@firm.example.cn", lambda m: "已批准" in m["Subject"])

    # -- the firm sees a signed link (never the file's URL) and downloads ------------------
    firm.goto(url + "/dataset/lung-ct")
    assert SECRET_URL not in firm.content()
    link = firm.locator("a.signed-download").get_attribute("href")
    assert "/access/download/" in link
    firm.screenshot(path=str(shots / "access-granted-dataset-zh.png"), full_page=True)
    assert _download(firm, link) == (302, SECRET_URL)
    # the history is on the firm's page
    firm.goto(request_url)
    history = firm.locator("#request-history").inner_text()
    # shown by their names, not their codes
    assert "要求补充材料" in history and "批准" in history and "access." not in history

    # -- revoked: the same link fails at once -------------------------------------------
    admin.goto(request_url)
    admin.fill("#revoke-note", "超范围使用")
    admin.click("#revoke")
    assert "state-revoked" in admin.inner_html("#request-state")
    assert _download(firm, link)[0] == 403
    firm.goto(url + "/dataset/lung-ct")
    assert firm.locator("a.signed-download").count() == 0

    # -- a new request approved, then its end date passes: the link fails -----------------
    _apply(firm, url, CODE)
    firm.wait_for_url("**/access/request/*")
    second = int(firm.url.rsplit("/", 1)[1])
    admin.goto(firm.url)
    admin.fill("#approve-end", (date.today() + timedelta(days=30)).isoformat())
    admin.click("#approve")
    firm.goto(url + "/dataset/lung-ct")
    link = firm.locator("a.signed-download").get_attribute("href")
    assert _download(firm, link) == (302, SECRET_URL)
    with cat.session() as s:
        s.execute(
            update(AccessRequest)
            .where(AccessRequest.id == second)
            .values(period_end=date.today() - timedelta(days=1))
        )
    assert _download(firm, link)[0] == 403
    firm.goto(link)
    assert "此下载链接无效" in firm.locator("#error-message").inner_text()
    firm.goto(url + "/dataset/lung-ct")
    assert firm.locator("a.signed-download").count() == 0

    # -- the curator reads the access log and the matchmaking table ----------------------
    curator.goto(url + "/dataset/lung-ct")
    curator.click("#access-audit")
    log = curator.locator("#audit-log").inner_text()
    for action in ("提交申请", "批准", "撤销授权", "下载受限资源", "拒绝下载"):
        assert action in log
    curator.screenshot(path=str(shots / "access-audit-zh.png"), full_page=True)
    csv_text = curator.request.get(url + "/access/audit/lung-ct?format=csv").text()
    assert csv_text.startswith("at,action,actor,address") and "access.revoked" in csv_text
    curator.goto(url + "/access/matchmaking")
    assert "保定医影智能科技有限公司" in curator.locator("#matchmaking").inner_text()
    csv_text = curator.request.get(url + "/access/matchmaking?format=csv").text()
    assert csv_text.count(CODE) == 2
