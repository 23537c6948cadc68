"""sitemap.xml, robots.txt and the schema.org JSON-LD embedded in dataset pages."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
import requests

from tests.apisite import PUBLIC_URL, SECRET_URL, load_api_catalog
from tests.livesite import serve

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("sitemap"), load_api_catalog) as (url, cat):
        yield url, cat


def _embedded(html: str) -> dict:
    m = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert m, "no JSON-LD in the page"
    return json.loads(m.group(1))


def test_sitemap_lists_published_dataset_pages_and_main_pages(site):
    url, _cat = site
    r = requests.get(url + "/sitemap.xml", timeout=20)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(r.content)
    locs = [u.findtext("sm:loc", namespaces=NS) for u in root.findall("sm:url", NS)]
    names = requests.get(url + "/api/3/action/package_list", timeout=20).json()["result"]
    assert {f"{url}/dataset/{n}" for n in names} <= set(locs)
    assert f"{url}/" in locs and f"{url}/api/v1/docs" in locs
    assert f"{url}/dataset/medai-draft" not in locs
    lastmods = [u.findtext("sm:lastmod", namespaces=NS) for u in root.findall("sm:url", NS)]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", m) for m in lastmods if m)
    assert requests.get(url + "/sitemap-2.xml", timeout=20).status_code == 404


def test_robots_txt_points_at_the_sitemap(site):
    url, _cat = site
    text = requests.get(url + "/robots.txt", timeout=20).text
    assert f"Sitemap: {url}/sitemap.xml" in text.splitlines()
    assert "User-agent: *" in text and "Disallow: /lang/" in text


def test_dataset_page_embeds_schema_org_dataset(site):
    url, _cat = site
    html = requests.get(url + "/dataset/lung-ct", timeout=20).text
    data = _embedded(html)
    assert data["@context"] == "https://schema.org/" and data["@type"] == "Dataset"
    assert data["name"] == "肺结节CT影像标注数据集" and data["url"] == f"{url}/dataset/lung-ct"
    assert data["alternateName"] == "Lung nodule CT medical imaging dataset"
    assert len(data["description"]) >= 50 and data["isAccessibleForFree"] is False
    assert data["creator"]["name"] == "保定医影智能科技有限公司"
    assert [d["contentUrl"] for d in data["distribution"]] == [PUBLIC_URL]
    assert data["subjectOf"]["url"] == f"{url}/dataset/lung-ct/croissant.jsonld"
    assert SECRET_URL not in html
    english = _embedded(requests.get(url + "/dataset/lung-ct?lang=en", timeout=20).text)
    assert english["name"] == "Lung nodule CT medical imaging dataset"


def test_embedded_json_ld_cannot_break_out_of_its_script(site):
    url, cat = site
    from catalog.services import datasets
    from catalog.services.authz import SYSTEM

    datasets.create_dataset(
        cat,
        SYSTEM,
        {"name": "xss-title", "title": "</script><script>alert(1)</script>"},
        status="published",
    )
    html = requests.get(url + "/dataset/xss-title", timeout=20).text
    assert "<script>alert(1)" not in html
    assert _embedded(html)["name"] == "</script><script>alert(1)</script>"
