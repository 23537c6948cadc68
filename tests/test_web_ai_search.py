"""The search page's AI facets and result cards (issue 16, item 4), over a real socket."""

from __future__ import annotations

import pytest
import requests

from tests.apisite import load_api_catalog
from tests.livesite import serve


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("ai-search"), load_api_catalog) as (url, _cat):
        yield url


def page(url: str, lang: str = "zh", **params) -> str:
    r = requests.get(url + "/search", params={**params, "lang": lang}, timeout=20)
    assert r.status_code == 200
    return r.text


def test_ai_search_shows_ai_facets_in_both_languages(site):
    zh = page(site, kind="training")
    assert 'data-facet="annotation_type"' in zh and "矩形框" in zh
    assert 'data-facet="accuracy"' in zh and "95% 及以上" in zh
    assert 'data-facet="split"' in zh and "验证集" in zh
    assert "允许商用" in zh and "覆盖年份" in zh
    en = page(site, "en", kind="training")
    assert "Bounding box" in en and "Has split" in en and "Commercial use allowed" in en
    assert "95% or higher" in en
    # open-data searches are not charged for the AI facets
    assert 'data-facet="annotation_type"' not in page(site)


def test_result_card_shows_task_modality_size_and_samples(site):
    zh = page(site, annotation_type="bounding_box")
    card = zh[zh.index('class="meta ai"') :]
    card = card[: card.index("</div>")]
    assert "目标检测" in card and "图像" in card
    assert "10,000 个样本" in card and "11.2 GB" in card
    en = page(site, "en", annotation_type="bounding_box")
    assert "10,000 samples" in en and "Object detection" in en


def test_an_unknown_filter_is_named_and_the_known_ones_kept(site):
    html = page(site, annotation_typ="x", kind="benchmark")
    assert "annotation_typ" in html and "annotation_type" in html  # the notice lists filters
    assert "traffic-live" in html and "ct-checksums" not in html  # kind=benchmark still holds
