"""Data requests (数据需求, issue 16) through the pages and the JSON API over a real socket:
the zero-result link, the form with CSRF, what the public sees, the curator's actions,
the +1 and the e-mail on fulfilment through a real SMTP server."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
import requests

from tests.livesite import serve
from tests.mailserver import link_in, smtp_server
from tests.portal import PASSWORD, load_portal
from tests.webclient import WebClient

info: dict = {}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with (
        smtp_server() as (inbox, port),
        serve(
            tmp_path_factory.mktemp("web-data-requests"),
            lambda cat: info.update(load_portal(cat)),
            smtp_host="127.0.0.1",
            smtp_port=port,
        ) as (url, cat),
    ):
        yield url, cat, inbox


def signed_in(url: str, who: str) -> WebClient:
    web = WebClient(url)
    web.login(info["people"][who].email, PASSWORD)
    return web


NEED = {
    "what": "",
    "purpose": "训练城市低空无人机航线规划模型",
    "scenario": "transport",
    "format": "GeoJSON",
    "period": "2023–2025",
    "urgency": "high",
    "contact": "13800000000",
    "public": "1",
}


def ask(web: WebClient, what: str, **extra: str) -> requests.Response:
    r = web.submit("/data-requests/new", {**NEED, "what": what, **extra})
    assert r.status_code == 200 and re.search(r"/data-requests/\d+$", r.url), (r.status_code, r.url)
    return r


def test_zero_result_search_links_to_a_prefilled_request_form(site):
    url, _cat, _inbox = site
    q = "低空无人机航线"
    page = requests.get(f"{url}/search", params={"q": q}, timeout=20).text
    empty = page[page.index('class="empty"') :]
    link = re.search(r'id="ask-for-data" href="([^"]+)"', empty)
    assert link and "请求此数据" in empty
    assert link.group(1) == "/data-requests/new?what=" + quote(q)
    # a search that finds something has no such link
    assert 'id="ask-for-data"' not in requests.get(f"{url}/search?q=公交", timeout=20).text
    # anonymous: sent to sign in first, and back to the form afterwards
    r = requests.get(url + link.group(1), timeout=20)
    assert "/login?next=" in r.url
    web = signed_in(url, "user")
    form = web.get_page(link.group(1)).text
    assert f'name="what" type="text" value="{q}"' in form and 'name="csrf_token"' in form
    # without the CSRF token the form is refused
    r = web.submit("/data-requests/new", {**NEED, "what": q}, csrf=False)
    assert r.status_code == 400


def test_form_errors_are_in_chinese_and_keep_what_was_typed(site):
    url, _cat, _inbox = site
    web = signed_in(url, "user")
    r = web.submit("/data-requests/new", {**NEED, "what": "卫星遥感影像", "scenario": "weather"})
    assert r.status_code == 422
    assert "须为以下之一" in r.text and 'value="卫星遥感影像"' in r.text
    r = web.submit("/data-requests/new?lang=en", {**NEED, "what": "x", "purpose": ""})
    assert r.status_code == 422 and "Missing data for required field." in r.text


def test_public_page_shows_organization_not_contact_and_only_curators_move_it(site):
    url, _cat, inbox = site
    member = signed_in(url, "member")  # a member of a verified partner organization
    r = ask(member, "保定市充电桩实时状态数据")
    rid = int(r.url.rsplit("/", 1)[1])
    assert "13800000000" in r.text  # the requester sees their contact
    public = requests.get(f"{url}/data-requests/{rid}", timeout=20).text
    assert "保定智数科技有限公司1" in public
    assert "13800000000" not in public and "member@zhishu.example.cn" not in public
    assert "智数成员" not in public
    listing = requests.get(f"{url}/data-requests?state=open&scenario=transport", timeout=20).text
    assert "保定市充电桩实时状态数据" in listing
    assert (
        "保定市充电桩实时状态数据"
        not in requests.get(f"{url}/data-requests?scenario=health", timeout=20).text
    )
    # a partner (admin of a verified organization) cannot move the request
    admin = signed_in(url, "admin")
    r = admin.submit(
        f"/data-requests/{rid}/state/matched",
        {"datasets": "bus-routes", "note": ""},
        form_page=f"/data-requests/{rid}",
    )
    assert r.status_code == 403
    assert 'id="curator-actions"' not in admin.get_page(f"/data-requests/{rid}").text
    # +1 by others, once each
    r = admin.submit(f"/data-requests/{rid}/vote", {}, form_page=f"/data-requests/{rid}")
    assert r.status_code == 200 and 'id="voted"' in r.text and 'id="plus-one"' not in r.text
    assert "2 人需要此数据" in r.text
    r = admin.submit(f"/data-requests/{rid}/vote", {}, form_page=f"/data-requests/{rid}")
    assert "2 人需要此数据" in r.text
    assert 'id="plus-one"' not in member.get_page(f"/data-requests/{rid}").text
    # the curator matches it with a promise, then fulfils it with a published dataset
    curator = signed_in(url, "curator")
    page = curator.get_page(f"/data-requests/{rid}").text
    assert "13800000000" in page and "智数成员" in page
    r = curator.submit(
        f"/data-requests/{rid}/state/matched",
        {"datasets": "", "promise_org": info["org_b"], "note": "河北大学承诺三个月内提供"},
        form_page=f"/data-requests/{rid}",
    )
    assert r.status_code == 200 and "已匹配" in r.text and "河北大学数据中心" in r.text
    r = curator.submit(
        f"/data-requests/{rid}/state/fulfilled",
        {"datasets": "no-such-thing", "note": ""},
        form_page=f"/data-requests/{rid}",
    )
    assert r.status_code == 422 and "未知的数据集。" in r.text
    r = curator.submit(
        f"/data-requests/{rid}/state/fulfilled",
        {"datasets": "bus-routes", "note": "已发布"},
        form_page=f"/data-requests/{rid}",
    )
    assert r.status_code == 200 and "已满足" in r.text
    public = requests.get(f"{url}/data-requests/{rid}", timeout=20).text
    assert "保定市公交线路信息" in public and public.count('class="event"') == 3
    # the requester and the +1 each get their own e-mail with the request's link
    for email in ("member@zhishu.example.cn", "admin@zhishu.example.cn"):
        msg = inbox.wait_for(email, lambda m: "数据需求已满足" in str(m["Subject"]))
        assert msg["To"] == email
        assert link_in(msg, f"/data-requests/{rid}").endswith(f"/data-requests/{rid}")
        assert "保定市公交线路信息" in msg.get_content()


def test_json_api_lists_with_pagination_and_hides_contact(site):
    url, _cat, _inbox = site
    web = signed_in(url, "rival")
    for i in range(3):
        ask(web, f"工业质检缺陷图像{i}", scenario="manufacturing")
    rid = int(ask(web, "私有需求", public="0").url.rsplit("/", 1)[1])
    body = requests.get(
        f"{url}/api/v1/data-requests",
        params={"scenario": "manufacturing", "page_size": 2},
        timeout=20,
    ).json()
    assert body["total"] == 3 and body["page"] == 1 and body["page_size"] == 2
    assert len(body["results"]) == 2 and "next" in body["links"] and "last" in body["links"]
    first = body["results"][0]
    assert first["organization"] == "河北大学数据中心" and "contact" not in first
    one = requests.get(f"{url}/api/v1/data-requests/{first['id']}", timeout=20)
    assert one.status_code == 200 and one.json()["what"] == first["what"]
    assert requests.get(f"{url}/api/v1/data-requests/{rid}", timeout=20).status_code == 404
    bad = requests.get(f"{url}/api/v1/data-requests?state=closed", timeout=20)
    assert bad.status_code == 422 and "state" in bad.json()["error"]["fields"]


def test_dataset_page_has_one_ask_link(site):
    url, _cat, _inbox = site
    page = requests.get(f"{url}/dataset/bus-routes", timeout=20).text
    assert page.count('id="ask-for-data"') == 1
    href = re.search(r'id="ask-for-data" href="([^"]+)"', page).group(1)
    assert href == "/data-requests/new?what=" + quote("保定市公交线路信息")
