"""A visitor finds a dataset with a Chinese query, narrows it with a facet and opens it."""

from __future__ import annotations

import pytest

from tests.livesite import SECRET_URL, load_small_catalog, serve

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("e2e"), load_small_catalog) as (url, cat):
        yield url


def test_visitor_searches_filters_and_opens_a_dataset(site, page, shots):
    page.goto(site + "/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.screenshot(path=str(shots / "home-zh.png"), full_page=True)

    page.fill("input[name=q]", "医疗")
    page.click("form.searchbox button[type=submit]")
    page.wait_for_url("**/search?q=*")
    assert page.locator("article.result").count() >= 2
    assert page.locator("article.result mark").first.inner_text() in ("医疗", "医学", "medical")
    page.screenshot(path=str(shots / "search-zh.png"), full_page=True)

    # narrow by kind: the facet shows its count, and the count is what the list then holds
    facet = page.locator("section.facet[data-facet=kind] li", has_text="训练数据集")
    expected = int(facet.locator(".n").inner_text())
    facet.locator("a").click()
    page.wait_for_url("**kind=training**")
    assert page.locator("article.result").count() == expected
    assert page.locator(".active-filters .chip").count() == 1

    page.click("article.result h3 a")
    page.wait_for_url("**/dataset/lung-ct")
    assert page.locator("h1").inner_text() == "肺结节CT影像标注数据集"
    assert "有条件开放" in page.locator("article.dataset > .meta").inner_text()
    assert SECRET_URL not in page.content()
    page.screenshot(path=str(shots / "dataset-zh.png"), full_page=True)

    page.click("#lang-switch")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Lung nodule CT medical imaging dataset"
    assert page.locator("h2", has_text="Metadata quality").count() == 1
    page.screenshot(path=str(shots / "dataset-en.png"), full_page=True)


def test_removing_a_filter_chip_restores_the_wider_result(site, page):
    page.goto(site + "/search?q=交通")
    total = page.locator("#total").inner_text()
    page.goto(site + "/search?q=交通&openness=conditional")
    narrowed = page.locator("#total").inner_text()
    assert narrowed != total
    page.click(".active-filters .chip")
    page.wait_for_load_state()
    assert page.locator("#total").inner_text() == total
