"""Partner registration, the bureau's verification and member management through the pages,
with the e-mails going through a real SMTP server."""

from __future__ import annotations

import re

import pytest
import requests

from tests.livesite import serve
from tests.mailserver import link_in, smtp_server
from tests.portal import PASSWORD, application, bad_check_char, credit_code, load_portal
from tests.webclient import WebClient

info: dict = {}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with (
        smtp_server() as (inbox, port),
        serve(
            tmp_path_factory.mktemp("web-partners"),
            lambda cat: info.update(load_portal(cat)),
            smtp_host="127.0.0.1",
            smtp_port=port,
        ) as (url, cat),
    ):
        yield url, cat, inbox


def pairs(data: dict) -> list[tuple[str, str]]:
    """Form fields as a browser posts them: one pair per checked box of a list field."""
    return [(k, v) for k, vs in data.items() for v in (vs if isinstance(vs, list) else [vs])]


def signed_in(url: str, who: str) -> WebClient:
    web = WebClient(url)
    web.login(info["people"][who].email, PASSWORD)
    return web


def test_application_errors_are_in_the_page_language_and_keep_input(site) -> None:
    url, _cat, _inbox = site
    assert (
        "/login?next=%2Fpartners%2Fapply" in requests.get(f"{url}/partners/apply", timeout=10).url
    )
    web = signed_in(url, "user")
    data = application(
        30, credit_code=bad_check_char(credit_code(30)), title_en="", contact_email="bad"
    )
    data["fields_of_data"] = ["manufacturing", "finance"]
    r = web.submit("/partners/apply", pairs(data))
    assert r.status_code == 422
    assert "统一社会信用代码校验位不正确。" in r.text and "此项为必填项。" in r.text
    assert "不是有效的电子邮件地址。" in r.text
    assert f'value="{data["credit_code"]}"' in r.text and 'value="保定智数科技有限公司30"' in r.text
    assert re.search(r'value="finance" checked', r.text)
    r = web.submit("/partners/apply?lang=en", {**application(31), "credit_code": "123"})
    assert "Invalid unified social credit code: must be 18 characters" in r.text


def test_apply_verify_reject_and_reapply(site) -> None:
    url, _cat, inbox = site
    applicant, curator = signed_in(url, "applicant"), signed_in(url, "curator")
    data = application(40, title="保定新数科技有限公司", title_en="Baoding Xinshu Tech")
    r = applicant.submit("/partners/apply", pairs(data))
    assert r.status_code == 200 and "/organization/baoding-xinshu-tech" in r.url
    assert 'id="partner-status"' in r.text and "正在等待数据局审核" in r.text
    # not a publisher yet: the public does not see it
    assert requests.get(f"{url}/organization/baoding-xinshu-tech", timeout=10).status_code == 404
    msg = inbox.wait_for(
        "curator@bureau.example.cn", lambda m: "保定新数科技有限公司" in m["Subject"]
    )
    assert link_in(msg, "/curation/partner/baoding-xinshu-tech")
    queue = curator.get_page("/curation").text
    assert 'data-name="baoding-xinshu-tech"' in queue
    # rejecting needs a reason; the admin is told by e-mail and on the page
    page = "/curation/partner/baoding-xinshu-tech"
    r = curator.submit(page, {"status": "rejected", "note": ""})
    assert r.status_code == 422 and "请填写理由。" in r.text
    curator.submit(page, {"status": "rejected", "note": "营业执照照片不清晰"})
    msg = inbox.wait_for("boss@newco.example.cn", lambda m: "未通过认证" in m["Subject"])
    assert "营业执照照片不清晰" in msg.get_content()
    org_page = applicant.get_page("/organization/baoding-xinshu-tech").text
    assert "数据局未通过此申请" in org_page and "营业执照照片不清晰" in org_page
    # the admin corrects the application and applies again; the curator verifies
    edit = applicant.get_page("/organization/baoding-xinshu-tech/edit").text
    assert 'name="reapply"' in edit
    again = {**data, "description": "已补充清晰的营业执照。", "reapply": "1"}
    r = applicant.submit("/organization/baoding-xinshu-tech/edit", pairs(again))
    assert "申请已重新提交" in r.text
    r = curator.submit(page, {"status": "verified", "note": ""})
    assert r.url.endswith("/curation") and "已认证" in r.text
    inbox.wait_for("boss@newco.example.cn", lambda m: "已通过认证" in m["Subject"])
    public = requests.get(f"{url}/organization/baoding-xinshu-tech", timeout=10).text
    assert 'id="verified-badge"' in public and "已补充清晰的营业执照。" in public
    assert "boss@newco.example.cn" not in public  # contacts are for members and the bureau
    assert "保定新数科技有限公司" in requests.get(f"{url}/partners", timeout=10).text
    # now its members may add datasets
    assert applicant.get_page("/my/datasets/new").status_code == 200


def test_admin_manages_members_a_member_cannot(site) -> None:
    url, _cat, inbox = site
    org = info["org_a"]
    admin, member = signed_in(url, "admin"), signed_in(url, "member")
    members_page = f"/organization/{org}/members"
    # a member sees the list but gets no forms, and posting them is refused
    page = member.get_page(members_page).text
    assert "member@zhishu.example.cn" in page and 'id="invite-form"' not in page
    for data in (
        {"action": "invite", "email": "x@zhishu.example.cn", "role": "member"},
        {"action": "role", "user": info["people"]["member"].id, "role": "admin"},
        {"action": "remove", "user": info["people"]["admin"].id},
    ):
        assert member.submit(members_page, data).status_code == 403, data
    assert member.get_page(f"/organization/{org}/edit").status_code == 403
    # outsiders do not see the member list at all
    assert signed_in(url, "rival").get_page(members_page).status_code == 403
    # the admin adds an existing account at once
    r = admin.submit(
        members_page, {"action": "invite", "email": "analyst@ai.example.com", "role": "member"}
    )
    assert "该账号已加入本机构" in r.text and "analyst@ai.example.com" in r.text
    inbox.wait_for("analyst@ai.example.com", lambda m: "You were added" in m["Subject"])
    bad = admin.submit(
        members_page, {"action": "invite", "email": "analyst@ai.example.com", "role": "member"}
    )
    assert bad.status_code == 422 and "此人已是本机构成员。" in bad.text
    # ... and invites someone new by e-mail, who registers with that address and accepts
    r = admin.submit(
        members_page, {"action": "invite", "email": "newbie@zhishu.example.cn", "role": "admin"}
    )
    assert "已发送邀请邮件" in r.text and 'id="invitations"' in r.text
    link = link_in(inbox.wait_for("newbie@zhishu.example.cn"), "/invitations/")
    newbie = WebClient(url)
    landing = newbie.get(link, timeout=10).text
    assert "newbie@zhishu.example.cn" in landing and "注册账号" in landing
    path = link[len(url) :]
    r = newbie.submit(
        "/register",
        {
            "email": "newbie@zhishu.example.cn",
            "name": "新人",
            "password": "long-enough-1",
            "password_confirm": "long-enough-1",
            "next": path,
        },
    )
    assert "请查收邮件" in r.text  # the account is made by the link in the mail
    confirm = inbox.wait_for("newbie@zhishu.example.cn", lambda m: "Confirm" in m["Subject"])
    r = newbie.get(link_in(confirm, "/register/confirm/"), timeout=10)
    assert r.url.endswith(path)
    r = newbie.submit(path, {})
    assert "欢迎加入" in r.text and f"/organization/{org}" in r.url
    rows = admin.get_page(members_page).text
    assert re.search(r'data-email="newbie@zhishu.example.cn">.*?class="role">管理员<', rows, re.S)
    assert newbie.submit(path, {}, form_page="/account").status_code == 404  # used
    # the last admin cannot step down; with another admin they can
    solo = signed_in(url, "rival")
    only = f"/organization/{info['org_b']}/members"
    r = solo.submit(only, {"action": "role", "user": info["people"]["rival"].id, "role": "member"})
    assert r.status_code == 409 and "机构至少需要一名管理员。" in r.text
    r = admin.submit(members_page, {"action": "remove", "user": info["people"]["user"].id})
    assert (
        "成员已移除" in r.text and "analyst@ai.example.com" not in r.text.split('id="members"')[1]
    )


def test_organization_pages_and_lists(site) -> None:
    url, _cat, _inbox = site
    page = requests.get(f"{url}/organizations", timeout=10).text
    assert "保定市交通运输局" in page and "保定医影智能科技有限公司" in page
    gov = requests.get(f"{url}/organizations", params={"type": "government"}, timeout=10).text
    assert "保定市交通运输局" in gov and "保定医影智能科技有限公司" not in gov
    org = requests.get(f"{url}/organization/transport-bureau", timeout=10).text
    assert 'id="publisher-quality"' in org and re.search(r'id="publisher-score">\d+<', org)
    assert "可发现性" in org and org.count('class="result"') == 10  # ten a page, 15 in all
    assert "第 1 页，共 2 页" in org or 'rel="next"' in org
    second = requests.get(f"{url}/organization/transport-bureau?page=2", timeout=10).text
    assert second.count('class="result"') == 5
    en = requests.get(f"{url}/organization/transport-bureau?lang=en", timeout=10).text
    assert "Baoding Transport Bureau" in en and "Findability" in en
    assert "15 个已发布数据集的平均分。" in org and "Mean score of 15 published datasets." in en
    gaps = re.findall(r": (\d+) (datasets?)</li>", en)  # what would raise the score
    assert gaps and all((n == "1") == (word == "dataset") for n, word in gaps), gaps
    assert requests.get(f"{url}/organization/no-such-org", timeout=10).status_code == 404
