"""A source's ``region`` keeps same-named departments of different places apart for every
source kind (issue 12, item 4), not only for sheets: two portals of two cities that both
publish as 统计局 become 厦门市统计局 and 福州市统计局. Served over a loopback socket, on SQLite
and PostgreSQL."""

from __future__ import annotations

import json

from sqlalchemy import select

from catalog.models import Dataset, Organization
from catalog.services.harvest import PublisherRef
from catalog.services.harvest_publishers import Place, regional_title, source_place, within_place


def _datajson(prefix: str, publisher: str, titles: list[str]) -> str:
    """A DCAT-US 1.1 catalog whose datasets all name ``publisher``."""
    return json.dumps(
        {
            "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
            "dataset": [
                {
                    "identifier": f"{prefix}-{i}",
                    "title": title,
                    "description": f"{title}。",
                    "keyword": ["统计"],
                    "modified": "2024-03-01",
                    "accessLevel": "public",
                    "publisher": {"@type": "org:Organization", "name": publisher},
                    "contactPoint": {"fn": "数据科", "hasEmail": "mailto:tj@example.gov.cn"},
                }
                for i, title in enumerate(titles)
            ],
        },
        ensure_ascii=False,
    )


_TTL = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<https://data.example.cn/catalog> a dcat:Catalog ; dcat:dataset <https://data.example.cn/ds/1> .
<https://data.example.cn/ds/1> a dcat:Dataset ;
  dct:identifier "QZ-TJ-1" ;
  dct:title "泉州市国民经济统计"@zh ;
  dct:description "年度统计。"@zh ;
  dct:accessRights <http://publications.europa.eu/resource/authority/access-right/PUBLIC> ;
  dct:publisher [ a foaf:Agent ; foaf:name "统计局"@zh , "Statistics Bureau"@en ] .
"""


def _org_of(cat, identifier: str) -> Organization:
    with cat.session() as s:
        ds = s.execute(select(Dataset).where(Dataset.identifier == identifier)).scalar_one()
        org = ds.organization
        s.expunge(org)
        return org


def _org_titles(cat) -> list[str]:
    with cat.session() as s:
        return sorted(s.execute(select(Organization.title)).scalars())


def test_two_cities_portals_keep_their_statistics_bureaus_apart(db, server, harvest):
    xm = server.put(
        "xm.json", _datajson("XM", "统计局", ["统计年鉴", "人口普查"]), "application/json"
    )
    fz = server.put("fz.json", _datajson("FZ", "市统计局", ["统计年鉴"]), "application/json")
    qz = server.put("qz.ttl", _TTL, "text/turtle")
    harvest("datajson", xm, config={"region": "厦门市"}, catalog=db)
    harvest("datajson", fz, config={"region": "福州市"}, catalog=db)
    harvest("dcat", qz, config={"region": "泉州市"}, catalog=db)

    xm_org, fz_org = _org_of(db, "XM-0"), _org_of(db, "FZ-0")
    assert (xm_org.title, fz_org.title) == ("厦门市统计局", "福州市统计局")
    assert _org_of(db, "XM-1").name == xm_org.name  # one city's datasets stay together
    qz_org = _org_of(db, "QZ-TJ-1")  # a DCAT publisher, its English name within the place
    assert qz_org.title == "泉州市统计局" and qz_org.title_en == "泉州市 Statistics Bureau"
    assert _org_titles(db) == ["厦门市统计局", "泉州市统计局", "福州市统计局"]

    again = harvest("datajson", xm, config={"region": "厦门市"}, catalog=db)
    assert again.counts.errors == 0
    assert _org_titles(db) == ["厦门市统计局", "泉州市统计局", "福州市统计局"]


def test_without_a_region_same_named_departments_merge(db, server, harvest):
    """What ``region`` prevents: the remote name alone matches, across places."""
    a = server.put("a.json", _datajson("A", "统计局", ["统计年鉴"]), "application/json")
    b = server.put("b.json", _datajson("B", "统计局", ["人口普查"]), "application/json")
    harvest("datajson", a, catalog=db)
    harvest("datajson", b, catalog=db)
    assert _org_of(db, "A-0").name == _org_of(db, "B-0").name
    assert _org_titles(db) == ["统计局"]


def test_a_region_code_names_the_place_and_files_the_organization(db, server, harvest):
    """A code of the catalog's region list (130600 is 保定市) gives the Chinese place name,
    the English one for English publisher names, and the organization's region."""
    bd = server.put("bd.json", _datajson("BD", "统计局", ["统计年鉴"]), "application/json")
    en = server.put("en.json", _datajson("EN", "Statistics Bureau", ["Census"]), "application/json")
    harvest("datajson", bd, config={"region": "130600"}, catalog=db)
    harvest("datajson", en, config={"region": "130600"}, catalog=db)
    org = _org_of(db, "BD-0")
    assert (org.title, org.region) == ("保定市统计局", "130600")
    en_org = _org_of(db, "EN-0")
    assert (en_org.title, en_org.region) == ("Baoding Statistics Bureau", "130600")


def test_an_organization_already_of_the_place_is_found(db, server, harvest):
    """An organization a curator made earlier, titled as the remote names it and filed
    under the place's region code, receives the place's records; a same-named organization
    filed under another place does not."""
    from catalog.services import organizations
    from catalog.services.authz import SYSTEM

    for name, region in (("bd-tongji", "130600"), ("zx-tongji", "130602")):
        organizations.create_organization(
            db,
            SYSTEM,
            {"name": name, "title": "统计局", "org_type": "government", "region": region},
        )
    url = server.put("bd.json", _datajson("BD", "统计局", ["统计年鉴"]), "application/json")
    harvest("datajson", url, config={"region": "保定市"}, catalog=db)
    assert _org_of(db, "BD-0").name == "bd-tongji"


def test_the_sources_mapping_still_wins(db, server, harvest):
    from catalog.services import organizations
    from catalog.services.authz import SYSTEM

    organizations.create_organization(
        db, SYSTEM, {"name": "xm-stats", "title": "厦门市统计局（数据）", "org_type": "government"}
    )
    url = server.put("xm.json", _datajson("XM", "统计局", ["统计年鉴"]), "application/json")
    cfg = {"region": "厦门市", "organizations": {"统计局": "xm-stats"}}
    harvest("datajson", url, config=cfg, catalog=db)
    assert _org_of(db, "XM-0").name == "xm-stats"


def test_places_and_regional_names():
    assert source_place({}) is None and source_place({"region": "  "}) is None
    assert source_place({"region": "130600"}) == Place("保定市", "130600", "Baoding")
    assert source_place({"region": "保定市"}) == Place("保定市", "130600", "Baoding")
    assert source_place({"region": "厦门市"}) == Place("厦门市")
    xm = Place("厦门市")
    assert regional_title("统计局", xm) == "厦门市统计局"
    assert regional_title("市统计局", xm) == "厦门市统计局"
    assert regional_title("厦门市统计局", xm) == "厦门市统计局"
    assert regional_title("厦门统计局", xm) == "厦门统计局"
    assert regional_title("Statistics Bureau", Place("保定市", "130600", "Baoding")) == (
        "Baoding Statistics Bureau"
    )
    # a sheet's departments are already within their place: applying it again changes nothing
    sheet_ref = PublisherRef(key="厦门市/统计局", title="厦门市统计局")
    assert within_place(sheet_ref, xm) == sheet_ref
    assert within_place(within_place(PublisherRef("tj", "统计局"), xm), xm) == PublisherRef(
        "厦门市/tj", "厦门市统计局"
    )
