"""Pages fit a 390 px phone without scrolling sideways (issue 13, item 5), as a visitor, a
partner and a curator, in Chinese and English; the reviewer's forms use the site's form
styles; times are shown to the minute in the site's time zone. Screenshots of each page at
390 px go to build/screenshots/ (layout-<page>-<lang>.png)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from catalog.services import access, datasets
from catalog.services.authz import SYSTEM
from tests.livesite import serve
from tests.portal import PASSWORD, actor, credit_code, load_portal

pytestmark = pytest.mark.e2e
WIDTH = 390
info: dict = {}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    def load(cat) -> None:
        info.update(load_portal(cat))
        ds = datasets.create_dataset(
            cat,
            SYSTEM,
            {
                "title": "保定市公交线路与站点（含换乘站、首末班时间）",
                "organization": info["org_a"],
                "description": "全市公交线路。",
                "distributions": [
                    {
                        "title": "线路表",
                        "download_url": "https://data.example/very/long/path/of/the/city/"
                        "bus-lines-and-stops-with-transfer-stations-2026-final.csv",
                    }
                ],
            },
            status="published",
        )
        info["ds"] = ds.name
        member = actor(cat, info["people"]["member"])
        datasets.save_edit(cat, member, ds.id, {"title": "保定市公交线路与站点（2026年）"})
        req = access.submit_request(
            cat,
            actor(cat, info["people"]["user"]),
            "lung-ct",
            {
                "applicant_org": "保定智算科技有限公司",
                "applicant_credit_code": credit_code(7),
                "purpose": "训练医疗影像模型",
                "scenario": "辅助诊断",
                "security_measures": "内网隔离，专人管理",
                "period_end": (date.today() + timedelta(days=90)).isoformat(),
                "accepted_conditions": "on",
                "security_commitment": "on",
            },
        )
        info["request"] = req.id

    with serve(tmp_path_factory.mktemp("e2e-layout"), load) as (url, _cat):
        yield url


def _phone(browser, url: str, email: str | None):
    ctx = browser.new_context(viewport={"width": WIDTH, "height": 844}, locale="zh-CN")
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    if email:
        page.goto(url + "/login")
        page.fill("#f-email", email)
        page.fill("#f-password", PASSWORD)
        page.click("form.form button[type=submit]")
        page.wait_for_url("**/account")
    return ctx, page


PAGES = {
    None: [
        ("home", "/"),
        ("search", "/search?q=交通"),
        ("dataset", "/dataset/{ds}"),
        ("register", "/register"),
    ],
    "member@zhishu.example.cn": [
        ("edit-form", "/dataset/{ds}/edit"),
        ("my-dataset", "/dataset/{ds}"),
    ],
    "curator@bureau.example.cn": [
        ("search-signed-in", "/search?q=交通"),
        ("review-queue", "/curation"),
        ("access-review", "/access/request/{request}"),
    ],
}


@pytest.mark.parametrize("who", list(PAGES), ids=["visitor", "partner", "curator"])
def test_pages_fit_390_px(site, browser, shots, who) -> None:
    url = site
    ctx, page = _phone(browser, url, who)
    try:
        for label, path in PAGES[who]:
            for lang in ("zh", "en"):
                target = path.format(**info)
                resp = page.goto(f"{url}{target}{'&' if '?' in target else '?'}lang={lang}")
                assert resp is not None and resp.status == 200, (label, lang)
                width = page.evaluate("document.scrollingElement.scrollWidth")
                page.screenshot(path=str(shots / f"layout-{label}-{lang}.png"), full_page=True)
                assert width <= WIDTH, (label, lang, width)
    finally:
        ctx.close()


def test_reviewer_forms_use_the_site_styles_and_times_are_local(site, browser) -> None:
    url = site
    ctx, page = _phone(browser, url, "curator@bureau.example.cn")
    try:
        page.goto(f"{url}/access/request/{info['request']}")
        for form in ("#approve-form", "#ask-form", "#reject-form"):
            assert page.locator(f"{form} fieldset legend").count() == 1, form
            assert page.locator(f"{form} .field label").count() >= 1, form
            assert page.locator(f"{form} .form-actions button").count() == 1, form
        # a styled control: the site's border and padding, not the browser's default
        padding = page.evaluate(
            "getComputedStyle(document.querySelector('#approve-end')).paddingLeft"
        )
        assert padding != "0px" and padding != "1px"
        # history times: to the minute (no seconds or microseconds) in China Standard Time
        first = page.locator("#request-history tbody tr td").first.inner_text()
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", first), first
    finally:
        ctx.close()
