"""The demand loop in a real browser, e-mail through a real SMTP server (issue 16): a search
finds nothing, the searcher asks for the data from the empty result page and saves the
search; a partner publishes a dataset, the curator links it to the request as its answer;
the requester receives the e-mail and sees the request fulfilled; the notice sweep (what
`catalog notices send` runs from cron) tells the saved search of the new match, by digest
and on the notice list. Screenshots go to build/screenshots/."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from catalog.models import User
from catalog.services import datasets, notifications, users
from catalog.services.authz import SYSTEM
from tests.e2e.test_partner_flow import sign_in
from tests.livesite import load_small_catalog, serve
from tests.mailserver import link_in, smtp_server
from tests.portal import PASSWORD, actor, make_user

pytestmark = pytest.mark.e2e

ASKER = "ai@firm.example.cn"
WANTED = "无人机航拍"
TITLE = "低空无人机航拍交通影像数据集"


def _load(cat) -> None:
    load_small_catalog(cat)
    make_user(cat, "curator@bureau.example.cn", "curator", "数据局审核员")
    admin = make_user(cat, "admin@medai.example.cn", name="医影管理员")
    users.add_member(cat, SYSTEM, "medai", admin.id, role="admin")
    make_user(cat, ASKER, name="智算科技")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with (
        smtp_server() as (inbox, port),
        serve(
            tmp_path_factory.mktemp("e2e-demand"), _load, smtp_host="127.0.0.1", smtp_port=port
        ) as (url, cat),
    ):
        yield url, inbox, cat


def test_no_result_to_request_to_fulfilment_and_saved_search_notice(site, people, shots):
    url, inbox, cat = site
    asker, curator = people(), people()

    # -- a search finds nothing: the searcher saves it and asks for the data --------------
    sign_in(asker, url, ASKER, PASSWORD)
    asker.goto(url + f"/search?q={WANTED}")
    assert re.search(r"\b0\b", asker.locator("#total").inner_text())
    asker.click("#save-search")
    asker.wait_for_load_state()
    assert "搜索已保存" in asker.locator(".flash").inner_text()
    asker.click("#ask-for-data")
    asker.wait_for_url("**/data-requests/new**")
    assert asker.input_value("#f-what") == WANTED
    asker.fill("#f-purpose", "训练低空交通目标检测模型")
    asker.select_option("#f-scenario", "transport")
    asker.click("#send-data-request")
    asker.wait_for_url(re.compile(r".*/data-requests/\d+$"))
    request_url = asker.url
    assert "待响应" in asker.locator("#request-state").inner_text()

    # -- a partner publishes the data; the curator links it as the answer -----------------
    with cat.session() as s:
        admin = s.execute(select(User).where(User.email == "admin@medai.example.cn")).scalar_one()
    partner = actor(cat, admin.id)
    draft = datasets.create_dataset(
        cat,
        partner,
        {
            "title": TITLE,
            "title_en": "Low-altitude drone aerial traffic imagery",
            "description": "无人机航拍的路口与道路影像，标注车辆。",
            "organization": "medai",
            "kind": "training",
            "themes": ["transport"],
            "modalities": ["image"],
            "task_categories": ["object_detection"],
            "annotation_type": "bounding_box",
            "sample_counts": {"train": 9000, "test": 1000},
        },
    )
    datasets.publish_dataset(cat, SYSTEM, draft.name)
    sign_in(curator, url, "curator@bureau.example.cn", PASSWORD)
    curator.goto(request_url)
    curator.fill("#fulfil-datasets", draft.name)
    curator.fill("#fulfil-note", "合伙人已发布")
    curator.click("#mark-fulfilled")
    curator.wait_for_load_state()
    assert "已满足" in curator.locator("#request-state").inner_text()

    # -- the requester is told by e-mail and sees the request fulfilled -------------------
    mail = inbox.wait_for(ASKER, lambda m: "数据需求已满足" in str(m["Subject"]))
    assert TITLE in mail.get_content()
    asker.goto(link_in(mail, "/data-requests/"))
    assert "已满足" in asker.locator("#request-state").inner_text()
    assert TITLE in asker.locator("#request-datasets").inner_text()
    asker.screenshot(path=str(shots / "data-request-fulfilled-zh.png"), full_page=True)

    # -- the saved search is told of the new match (the cron job's sweep and digest) ------
    assert notifications.collect(cat) >= 1
    assert notifications.send_digests(cat, url) >= 1
    digest = inbox.wait_for(ASKER, lambda m: "新消息" in str(m["Subject"]))
    assert TITLE in digest.get_content() and "/notices/unsubscribe/" in digest.get_content()
    asker.click("#notices-link")
    asker.wait_for_url("**/account/notices")
    item = asker.locator("#notices li[data-kind=search_match]")
    assert TITLE in item.inner_text() and "新数据集符合您保存的搜索" in item.inner_text()
    asker.screenshot(path=str(shots / "notices-zh.png"), full_page=True)
    item.locator("a").click()
    asker.wait_for_url("**/dataset/**")
    assert asker.locator("h1").inner_text() == TITLE
    # the search that found nothing now finds it, with the AI card fields
    asker.goto(url + f"/search?q={WANTED}")
    card = asker.locator("article.result").first
    assert TITLE in card.inner_text() and "10,000 个样本" in card.inner_text()
    asker.goto(url + "/account/notices?lang=en")
    asker.screenshot(path=str(shots / "notices-en.png"), full_page=True)
    asker.goto(url + "/search?kind=training&lang=en")
    asker.screenshot(path=str(shots / "search-ai-facets-en.png"), full_page=True)
    asker.goto(url + "/search?kind=training&lang=zh")
    asker.screenshot(path=str(shots / "search-ai-facets-zh.png"), full_page=True)
