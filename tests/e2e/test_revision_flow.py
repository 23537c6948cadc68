"""A partner's edit of a published dataset in a real browser (issue 13, item 1): the editor
says the change waits for review, a visitor still reads the published version, the curator
reviews the field diff and approves, and only then the visitor sees the change. Screenshots
of the pages at 390 px in both languages go to build/screenshots/."""

from __future__ import annotations

import pytest

from catalog.services import datasets
from catalog.services.authz import SYSTEM
from tests.livesite import serve
from tests.mailserver import smtp_server
from tests.portal import PASSWORD, load_portal

pytestmark = pytest.mark.e2e

OLD, NEW = "保定市公交线路", "保定市公交线路与站点（2026年）"
info: dict = {}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    def load(cat) -> None:
        info.update(load_portal(cat))
        ds = datasets.create_dataset(
            cat,
            SYSTEM,
            {
                "title": OLD,
                "organization": info["org_a"],
                "description": "全市公交线路。",
                "distributions": [{"title": "线路表", "download_url": "https://a.example/l.csv"}],
            },
            status="published",
        )
        info["name"] = ds.name

    with (
        smtp_server() as (inbox, port),
        serve(
            tmp_path_factory.mktemp("e2e-revision"), load, smtp_host="127.0.0.1", smtp_port=port
        ) as (url, _cat),
    ):
        yield url, inbox


def sign_in(page, url: str, email: str) -> None:
    page.goto(url + "/login")
    page.fill("#f-email", email)
    page.fill("#f-password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/account")


def test_partner_edit_waits_until_the_curator_approves(site, people, shots) -> None:
    url, inbox = site
    name = info["name"]
    partner, curator, visitor = people(), people(width=390), people()

    sign_in(partner, url, "member@zhishu.example.cn")
    partner.goto(f"{url}/dataset/{name}")
    partner.click("#edit-dataset")
    assert "本数据集已发布" in partner.locator("#reviewed-note").inner_text()
    assert partner.locator("#save-draft").inner_text() == "提交修改待审核"
    partner.fill("#f-title", NEW)
    partner.click("#save-draft")
    partner.wait_for_url(f"**/dataset/{name}")
    assert "您的修改正在等待审核。" in partner.locator(".flash, .flashes, main").first.inner_text()
    assert "已保存为草稿" not in partner.content()
    assert "您的修改正在等待审核。" in partner.locator("#revision-notice").inner_text()

    # the public page is unchanged
    visitor.goto(f"{url}/dataset/{name}")
    assert visitor.locator("h1").first.inner_text().strip() == OLD
    assert visitor.locator("#revision-notice").count() == 0

    # the curator is told, reviews the diff on a phone-sized screen, approves
    inbox.wait_for("curator@bureau.example.cn", lambda m: "待审核的修改" in m["Subject"])
    sign_in(curator, url, "curator@bureau.example.cn")
    curator.goto(url + "/curation")
    row = curator.locator(f"#revision-queue tr[data-name={name}]")
    assert "标题" in row.inner_text()
    row.locator("a.button").click()
    curator.wait_for_url("**/curation/revision/*")
    diff = curator.locator("#changes tr[data-field=title]")
    assert OLD in diff.locator("td.old").inner_text() and NEW in diff.locator("td.new").inner_text()
    width = curator.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 390, width
    curator.screenshot(path=str(shots / "revision-review-zh-390.png"), full_page=True)
    curator.goto(curator.url + "?lang=en")
    curator.screenshot(path=str(shots / "revision-review-en-390.png"), full_page=True)
    curator.click("#approve-revision")
    curator.wait_for_url("**/curation")

    # now the public sees the change
    visitor.reload()
    assert visitor.locator("h1").first.inner_text().strip() == NEW
    inbox.wait_for("member@zhishu.example.cn", lambda m: "已通过审核并发布" in m["Subject"])
