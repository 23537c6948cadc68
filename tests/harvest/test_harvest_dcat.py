"""DCAT-AP 2 and 3 catalogs in Turtle, RDF/XML and JSON-LD, Hydra paging, over HTTP."""

from __future__ import annotations

import json

from conftest import errors_of
from sqlalchemy import select

from catalog.models import Dataset

PREFIXES = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://data.example.cn/> .
"""


def _page(n: int, next_url: str | None) -> str:
    nxt = f"hydra:next <{next_url}> ;" if next_url else ""
    return (
        PREFIXES
        + f"""
ex:catalog a dcat:Catalog ; dct:title "保定市公共数据目录"@zh ;
  dcat:dataset ex:ds{n}a , ex:ds{n}b .
<{{self}}> a hydra:PartialCollectionView ; {nxt} hydra:first <{{self}}> .
ex:ds{n}a a dcat:Dataset ;
  dct:identifier "BD-DCAT-{n}A" ;
  dct:title "保定市第{n}批公交站点"@zh , "Baoding bus stops, batch {n}"@en ;
  dct:description "公交站点位置。"@zh , "Bus stop locations."@en ;
  dcat:keyword "公交"@zh , "bus"@en ;
  dcat:theme <http://publications.europa.eu/resource/authority/data-theme/TRAN> ;
  dct:accessRights <http://publications.europa.eu/resource/authority/access-right/PUBLIC> ;
  dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/MONTHLY> ;
  dct:language <http://publications.europa.eu/resource/authority/language/ZHO> ;
  dct:issued "2024-01-0{n}"^^xsd:date ;
  dct:modified "2024-02-0{n}T08:00:00"^^xsd:dateTime ;
  dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "2023-01-01"^^xsd:date ;
                 dcat:endDate "2023-12-31"^^xsd:date ] ;
  dcat:version "3.{n}" ;
  dct:publisher [ a foaf:Agent ; foaf:name "保定市交通运输局"@zh , "Baoding Transport Bureau"@en ] ;
  dcat:contactPoint [ a vcard:Kind ; vcard:fn "数据科" ; vcard:hasEmail <mailto:jt@example.gov.cn> ] ;
  dcat:landingPage <https://data.example.cn/dataset/bus-{n}> ;
  dcat:distribution [ a dcat:Distribution ; dct:title "CSV 文件"@zh ;
      dcat:downloadURL <https://data.example.cn/files/bus-{n}.csv> ;
      dcat:accessURL <https://data.example.cn/dataset/bus-{n}> ;
      dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> ; dcat:mediaType <https://www.iana.org/assignments/media-types/text/csv> ;
      dcat:byteSize "20480"^^xsd:nonNegativeInteger ] .
ex:ds{n}b a dcat:Dataset ;
  dct:title "保定市第{n}批停车场"@zh ;
  dct:description "停车场与泊位数。"@zh ;
  dct:accessRights <http://publications.europa.eu/resource/authority/access-right/RESTRICTED> ;
  dct:publisher [ a foaf:Agent ; foaf:name "保定市交通运输局"@zh ] .
"""
    )


RDFXML = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:dcat="http://www.w3.org/ns/dcat#" xmlns:dct="http://purl.org/dc/terms/"
         xmlns:foaf="http://xmlns.com/foaf/0.1/" xmlns:owl="http://www.w3.org/2002/07/owl#">
  <dcat:Catalog rdf:about="https://data.example.cn/catalog-ap2">
    <dcat:dataset>
      <dcat:Dataset rdf:about="https://data.example.cn/dataset/hospitals">
        <dct:title xml:lang="zh">保定市医院名录</dct:title>
        <dct:title xml:lang="en">Baoding hospitals</dct:title>
        <dct:description xml:lang="zh">二级以上医院。</dct:description>
        <owl:versionInfo>2.1</owl:versionInfo>
        <dct:accessRights rdf:resource="http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC"/>
        <dct:license rdf:resource="https://creativecommons.org/licenses/by/4.0/"/>
        <dcat:theme rdf:resource="http://publications.europa.eu/resource/authority/data-theme/HEAL"/>
        <dct:publisher><foaf:Organization><foaf:name>保定市卫生健康委员会</foaf:name></foaf:Organization></dct:publisher>
        <dcat:distribution>
          <dcat:Distribution>
            <dcat:accessURL rdf:resource="https://data.example.cn/api/hospitals"/>
            <dct:format>API</dct:format>
          </dcat:Distribution>
        </dcat:distribution>
      </dcat:Dataset>
    </dcat:dataset>
  </dcat:Catalog>
</rdf:RDF>
"""

JSONLD = {
    "@context": {
        "dcat": "http://www.w3.org/ns/dcat#",
        "dct": "http://purl.org/dc/terms/",
        "foaf": "http://xmlns.com/foaf/0.1/",
    },
    "@graph": [
        {
            "@id": "https://data.example.cn/dataset/air",
            "@type": "dcat:Dataset",
            "dct:title": [{"@value": "保定市空气质量", "@language": "zh"}],
            "dct:description": "逐日空气质量指数。",
            "dcat:keyword": ["空气", "AQI"],
            "dcat:version": "1.0",
            "dcat:inSeries": {"@id": "https://data.example.cn/series/air"},
            "dct:publisher": {"@type": "foaf:Agent", "foaf:name": "保定市生态环境局"},
            "dcat:distribution": {
                "@type": "dcat:Distribution",
                "dcat:downloadURL": {"@id": "https://data.example.cn/files/air.json"},
                "dcat:mediaType": "application/json",
            },
        },
        {"@id": "https://data.example.cn/dataset/untitled", "@type": "dcat:Dataset"},
    ],
}


def test_turtle_catalog_paged_with_hydra(cat, server, harvest):
    p2 = server.url("gen/catalog-2.ttl")
    server.put("catalog-2.ttl", _page(2, None).replace("{self}", p2), "text/turtle")
    p1 = server.url("gen/catalog-1.ttl")
    server.put("catalog-1.ttl", _page(1, p2).replace("{self}", p1), "text/turtle")
    out = harvest("dcat", p1)
    assert out.summary == "done: 4 new, 0 updated, 0 unchanged, 0 withdrawn, 0 errors"
    with cat.session() as s:
        rows = {d.identifier: d for d in s.execute(select(Dataset)).scalars()}
    bus = rows["BD-DCAT-1A"]
    assert (bus.title, bus.title_en) == ("保定市第1批公交站点", "Baoding bus stops, batch 1")
    assert (bus.description, bus.description_en) == ("公交站点位置。", "Bus stop locations.")
    assert (bus.themes, bus.access_rights, bus.frequency) == (
        ["transport"],
        "unconditional",
        "MONTHLY",
    )
    assert (bus.languages, bus.version) == (["zh"], "3.1")  # DCAT-AP 3 dcat:version
    assert (str(bus.temporal_start), str(bus.temporal_end)) == ("2023-01-01", "2023-12-31")
    assert bus.contact_email == "jt@example.gov.cn"
    assert bus.organization.title == "保定市交通运输局"
    [dist] = bus.distributions
    assert (dist.format, dist.media_type, dist.byte_size) == ("CSV", "text/csv", 20480)
    assert dist.download_url == "https://data.example.cn/files/bus-1.csv"
    # datasets without dct:identifier are known by their IRI
    assert sum(1 for d in rows.values() if d.access_rights == "conditional") == 2
    assert harvest("dcat", p1).counts.unchanged == 4


def test_rdfxml_dcat_ap_2_and_jsonld_dcat_ap_3(cat, server, harvest):
    xml = server.put("catalog.rdf", RDFXML, "application/rdf+xml")
    out = harvest("dcat", xml)
    assert out.counts.new == 1
    jsonld = server.put(
        "catalog.jsonld", json.dumps(JSONLD, ensure_ascii=False), "application/ld+json"
    )
    out2 = harvest("dcat", jsonld)
    assert (out2.counts.new, out2.counts.errors) == (1, 1)
    [(stage, rid, why)] = [e for e in errors_of(cat, out2.job_id) if e[0] != "warning"]
    assert (stage, rid) == ("transform", "https://data.example.cn/dataset/untitled")
    assert "no dct:title" in why
    with cat.session() as s:
        rows = {d.identifier: d for d in s.execute(select(Dataset)).scalars()}
    hosp = rows["https://data.example.cn/dataset/hospitals"]
    assert (hosp.version, hosp.access_rights, hosp.license) == ("2.1", "not_open", "CC-BY-4.0")
    assert hosp.themes == ["health"] and hosp.title_en == "Baoding hospitals"
    assert hosp.distributions[0].format == "API"
    air = rows["https://data.example.cn/dataset/air"]
    assert (air.title, air.version, air.keywords) == ("保定市空气质量", "1.0", ["空气", "AQI"])
    assert air.extras["series"] == ["https://data.example.cn/series/air"]


def test_unparseable_rdf_fails_the_job(cat, server, harvest):
    url = server.put(
        "broken.ttl",
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .\nthis is not turtle",
        "text/turtle",
    )
    out = harvest("dcat", url)
    assert out.state == "failed"
    assert "not readable as turtle" in errors_of(cat, out.job_id)[0][2]
