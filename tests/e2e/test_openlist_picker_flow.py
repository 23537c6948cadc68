"""The open-list picker's search as you type in a real headless Chromium (issue 12, item 8;
web/static/js/openlist_pick.js): a curator types part of a title, department or code, the
matching datasets appear under the box with department and openness, arrow keys and Enter
or a click add one to the working list without leaving the page, datasets already on the
list are marked; an ARIA combobox, in Chinese and English, on a desktop and a 390 px phone;
without JavaScript the plain form still adds. Screenshots go to build/screenshots/."""

from __future__ import annotations

import pytest

from catalog.services import datasets, openlist
from catalog.services.authz import SYSTEM
from catalog.services.harvest_store import REVIEW_KEY
from tests.livesite import load_small_catalog, serve
from tests.portal import PASSWORD, make_user

pytestmark = pytest.mark.e2e

BOX = "#pick-filters input[name=q]"
LIST = "#pick-suggestions"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    def load(cat) -> None:
        load_small_catalog(cat)
        make_user(cat, "curator@bureau.example.cn", "curator", "数据局审核员")
        datasets.create_dataset(  # a sheet's row whose openness nobody decided yet
            cat,
            SYSTEM,
            {
                "name": "bus-complaints",
                "title": "公交投诉统计",
                "organization": "transport-bureau",
                "resource_code": "BD-JT-301",
                "themes": ["transport"],
                "access_rights": "not_open",
                "extras": {REVIEW_KEY: "openness unknown: row 7, column 开放属性: empty"},
            },
            status="submitted",
        )

    with serve(tmp_path_factory.mktemp("e2e-openlist-pick"), load) as (url, cat):
        yield url, cat


def _signed_in(page, url: str) -> list[str]:
    """Sign the curator in; returns the page's script errors and CSP refusals as they come."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(url + "/login")
    page.fill("#f-email", "curator@bureau.example.cn")
    page.fill("#f-password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/account")
    return errors


def _on_list(cat) -> set[str]:
    return {e["dataset"] for e in openlist.working_entries(cat, SYSTEM) if e["dataset"]}


def test_typing_shows_matches_and_keys_or_a_click_add_them(site, people, shots):
    url, cat = site
    page = people()
    errors = _signed_in(page, url)
    page.goto(url + "/curation/openlist/pick")
    box = page.locator(BOX)
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-expanded") == "false"
    assert box.get_attribute("aria-controls") == LIST[1:]
    help_id = box.get_attribute("aria-describedby")
    assert "方向键选择" in page.locator(f"#{help_id}").inner_text()
    assert page.locator("label[for=f-q]").count() == 1  # the field keeps its label

    box.click()
    page.keyboard.type("公交", delay=40)
    listbox = page.locator(LIST)
    listbox.wait_for(state="visible")
    assert listbox.get_attribute("role") == "listbox"
    assert listbox.get_attribute("aria-label") == "匹配的数据集"
    assert box.get_attribute("aria-expanded") == "true"
    options = listbox.locator("[role=option]")
    texts = options.all_inner_texts()
    assert len(texts) == 2, texts
    bus = next(t for t in texts if t.startswith("保定市公交线路信息"))
    assert "保定市交通运输局" in bus and "无条件开放" in bus
    held = next(t for t in texts if t.startswith("公交投诉统计"))  # in review: not in the index
    assert "尚未确定（待审核）" in held and "BD-JT-301" in held

    # the arrow keys choose, Enter adds: the page stays and says so
    page.keyboard.press("ArrowDown")
    first = options.first
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    assert first.get_attribute("aria-selected") == "true"
    chosen = first.get_attribute("data-name")
    page.keyboard.press("Enter")
    status = page.locator("#pick-status")
    status.filter(has_text="已加入工作清单").wait_for()
    assert page.url.endswith("/curation/openlist/pick")
    assert _on_list(cat) == {chosen}
    assert first.get_attribute("aria-disabled") == "true" and "已在清单中" in first.inner_text()
    said, shown = status.bounding_box(), listbox.bounding_box()  # the open list never covers it
    assert said and shown and said["y"] + said["height"] <= shown["y"]
    page.screenshot(path=str(shots / "openlist-picker-typeahead-zh.png"), full_page=True)
    page.keyboard.press("Enter")  # once is enough: it says so and adds nothing
    status.filter(has_text="已在工作清单中").wait_for()
    assert _on_list(cat) == {chosen}

    # a department's name finds its datasets; a click adds
    box.fill("")
    page.keyboard.type("交通运输局", delay=20)
    options.first.wait_for()
    taxi = listbox.locator("[role=option][data-name=taxi-orders]")
    if taxi.count() == 0:  # more than eight: narrow down to the one wanted
        box.fill("")
        page.keyboard.type("出租车", delay=20)
    taxi.click()
    status.filter(has_text="出租车运营数据").wait_for()
    assert _on_list(cat) == {chosen, "taxi-orders"}
    assert taxi.get_attribute("aria-disabled") == "true"

    # Escape closes; Enter with nothing chosen finds as the form always did
    page.keyboard.press("Escape")
    assert box.get_attribute("aria-expanded") == "false" and listbox.is_hidden()
    box.fill("")
    page.keyboard.type("道路卡口", delay=20)
    listbox.wait_for(state="visible")
    page.keyboard.press("Enter")
    page.wait_for_url("**/curation/openlist/pick?*q=*")
    assert page.locator("#pick-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.name)"
    ) == ["road-cameras"]
    assert errors == []


def test_english_on_a_phone(site, people, shots):
    url, cat = site
    page = people(width=390, locale="en-US")
    errors = _signed_in(page, url)
    page.goto(url + "/curation/openlist/pick?lang=en")
    box = page.locator(BOX)
    box.click()
    page.keyboard.type("road", delay=40)  # an English title
    listbox = page.locator(LIST)
    listbox.wait_for(state="visible")
    assert listbox.get_attribute("aria-label") == "Matching datasets"
    option = listbox.locator("[role=option]").first
    text = option.inner_text()
    assert text.startswith("Road checkpoint records"), text
    assert "Baoding Transport Bureau" in text and "Not open" in text
    box_rect, list_rect = box.bounding_box(), listbox.bounding_box()
    assert box_rect and list_rect
    assert list_rect["x"] >= 0 and list_rect["x"] + list_rect["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    page.keyboard.press("ArrowUp")  # wraps to the last option
    options = listbox.locator("[role=option]")
    last = options.nth(options.count() - 1)
    assert box.get_attribute("aria-activedescendant") == last.get_attribute("id")
    page.screenshot(path=str(shots / "openlist-picker-typeahead-en-390.png"), full_page=True)
    option.click()
    page.locator("#pick-status").filter(has_text="Added to the working list").wait_for()
    assert "road-cameras" in _on_list(cat)
    page.screenshot(path=str(shots / "openlist-picker-added-en-390.png"), full_page=True)
    assert errors == []


def test_without_javascript_the_form_still_adds(site, browser):
    url, cat = site
    ctx = browser.new_context(java_script_enabled=False, locale="zh-CN")
    try:
        page = ctx.new_page()
        page.set_default_timeout(10_000)
        page.goto(url + "/login")
        page.fill("#f-email", "curator@bureau.example.cn")
        page.fill("#f-password", PASSWORD)
        page.click("form.form button[type=submit]")
        page.wait_for_url("**/account")
        page.goto(url + "/curation/openlist/pick")
        assert page.locator(BOX).get_attribute("role") is None  # no script, no combobox
        page.fill(BOX, "统计月报2021")
        page.click("#pick-filters button[type=submit]")
        page.check("#pick-stats-1")
        page.click("#pick-add")
        page.wait_for_url("**/curation/openlist")
        assert "stats-1" in _on_list(cat)
    finally:
        ctx.close()


@pytest.mark.parametrize("width", [1024, 1180, 1280, 1440])
def test_a_curators_long_menu_wraps_below_the_site_links(site, people, width):
    """Signed in as a curator the account menu is a dozen links: it goes to a row of its
    own instead of squeezing the site's links into one word per line."""
    url, _cat = site
    page = people(width=width)
    _signed_in(page, url)
    page.goto(url + "/curation/openlist/pick")
    tops = page.locator("header.top > nav:not(.user) a").evaluate_all(
        "links => links.map(a => Math.round(a.getBoundingClientRect().top))"
    )
    assert len(set(tops)) <= 2, (width, tops)  # one row, two at most: never a column
