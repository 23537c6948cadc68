"""DCAT-AP 3 exports over a real socket, validated with pySHACL against the official shapes.

The shapes are the DCAT-AP 3.0.0 release files in ``../shared/fixtures/dcat-ap-3-shacl/``.
``shapes.ttl`` (cardinalities, node kinds, datatypes) and ``range.ttl`` (classes of values)
must conform. ``shapes_recommended.ttl`` only warns (recommended properties we lack are
printed for the record, not failed on).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

from catalog.services import datasets
from catalog.services.authz import SYSTEM
from schemas import vocab
from schemas.formats import SiteLinks
from schemas.formats.dcat import dataset_graph
from tests.apisite import PUBLIC_URL, SECRET_URL, SHA256, load_api_catalog
from tests.livesite import serve

SHAPES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "dcat-ap-3-shacl"
# Open namespaces (rdflib's closed ones warn when pytest inspects this module).
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EXTRA = 95  # with the 19 of the API catalog: 114 published, two catalog pages
PARSE = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml"}


def _load(cat) -> None:
    load_api_catalog(cat)
    with cat.deferred_indexing():
        for i in range(EXTRA):
            datasets.create_dataset(
                cat,
                SYSTEM,
                {
                    "name": f"filler-{i:03d}",
                    "title": f"填充数据集{i}",
                    "organization": "transport-bureau",
                    "distributions": [
                        {
                            "title": "文件",
                            "format": "CSV",
                            "download_url": f"https://f.example/{i}.csv",
                        }
                    ],
                },
                status="published",
            )


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("dcat"), _load) as (url, cat):
        yield url, cat


@pytest.fixture(scope="module")
def shapes() -> Graph:
    g = Graph()
    for name in ("shapes.ttl", "range.ttl"):
        g.parse(SHAPES / name)
    return g


def fetch(url: str, path: str, ext: str) -> Graph:
    r = requests.get(url + path, timeout=30)
    assert r.status_code == 200, (path, r.status_code)
    return Graph().parse(data=r.content, format=PARSE[ext])


def _conforms(data: Graph, shapes: Graph) -> None:
    conforms, _graph, text = validate(data, shacl_graph=shapes, inference="none")
    assert conforms, text


@pytest.mark.parametrize("ext", ["ttl", "jsonld", "rdf"])
def test_catalog_pages_conform_to_the_mandatory_shapes(site, shapes, ext):
    url, _cat = site
    r = requests.get(f"{url}/catalog.{ext}", timeout=30)
    assert r.headers["Content-Type"].startswith(
        {"ttl": "text/turtle", "jsonld": "application/ld+json", "rdf": "application/rdf+xml"}[ext]
    )
    g = Graph().parse(data=r.content, format=PARSE[ext])
    _conforms(g, shapes)
    assert len(set(g.subjects(RDF.type, DCAT.Dataset))) == 100


def test_hydra_paging_walks_every_published_dataset_once(site):
    url, cat = site
    seen: list[URIRef] = []
    next_url: str | None = f"{url}/catalog.ttl"
    pages = 0
    while next_url:
        g = Graph().parse(data=requests.get(next_url, timeout=30).content, format="turtle")
        seen += list(g.subjects(RDF.type, DCAT.Dataset))
        view = next(g.subjects(RDF.type, HYDRA.PartialCollectionView))
        assert (view, RDF.type, HYDRA.PagedCollection) in g  # for CKAN's DCAT harvester
        assert int(g.value(view, HYDRA.totalItems)) == 19 + EXTRA
        assert str(g.value(view, HYDRA.first)).endswith("/catalog.ttl?page=1")
        assert str(g.value(view, HYDRA.last)).endswith("/catalog.ttl?page=2")
        nxt = g.value(view, HYDRA.next)
        assert nxt == g.value(view, HYDRA.nextPage)
        next_url = str(nxt) if nxt else None
        pages += 1
    assert pages == 2
    assert len(seen) == len(set(seen)) == 19 + EXTRA
    assert requests.get(f"{url}/catalog.ttl?page=3", timeout=30).status_code == 404
    assert requests.get(f"{url}/catalog.ttl?page=x", timeout=30).status_code == 400


@pytest.mark.parametrize("ext", ["ttl", "jsonld", "rdf"])
def test_dataset_export_maps_fields_onto_dcat_ap(site, shapes, ext):
    url, _cat = site
    g = fetch(url, f"/dataset/ct-checksums.{ext}", ext)
    _conforms(g, shapes)
    ds = next(g.subjects(RDF.type, DCAT.Dataset))
    assert (ds, DCTERMS.title, Literal("胸部CT训练集", lang="zh")) in g
    assert (ds, DCTERMS.title, Literal("Chest CT training set", lang="en")) in g
    assert g.value(ds, DCTERMS.accessRights) == URIRef(vocab.OPENNESS_EU["unconditional"])
    themes = set(g.objects(ds, DCAT.theme))
    assert URIRef("http://publications.europa.eu/resource/authority/data-theme/HEAL") in themes
    assert URIRef("http://publications.europa.eu/resource/authority/data-theme/TECH") in themes
    assert g.value(ds, DCTERMS.accrualPeriodicity) == URIRef(vocab.FREQUENCY_EU_BASE + "MONTHLY")
    publisher = g.value(ds, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in g
    assert (publisher, FOAF.name, Literal("保定医影智能科技有限公司", lang="zh")) in g
    contact = g.value(ds, DCAT.contactPoint)
    assert (contact, RDF.type, VCARD.Kind) in g
    assert g.value(contact, VCARD.hasEmail) == URIRef("mailto:data@medai.example")
    dists = list(g.objects(ds, DCAT.distribution))
    assert len(dists) == 3 and all(g.value(d, DCAT.accessURL) for d in dists)
    zipped = next(
        d
        for d in dists
        if g.value(d, DCAT.downloadURL) == URIRef("https://data.example/chest-ct.zip")
    )
    assert g.value(zipped, DCTERMS["format"]) == URIRef(
        "http://publications.europa.eu/resource/authority/file-type/ZIP"
    )
    assert g.value(zipped, DCAT.mediaType) == URIRef(
        "https://www.iana.org/assignments/media-types/application/zip"
    )
    lic = g.value(zipped, DCTERMS.license)
    assert (lic, RDF.type, DCTERMS.LicenseDocument) in g
    checksum = g.value(zipped, SPDX.checksum)
    assert str(g.value(checksum, SPDX.checksumValue)) == SHA256
    ext_ns = Namespace("https://data-partner-catalog.example/ns#")
    assert str(g.value(ds, ext_ns.resourceCode)) == "BD-MEDAI-0001"
    assert str(g.value(ds, ext_ns.sourceDepartment)) == "保定医影智能科技有限公司"
    assert str(g.value(ds, ext_ns.dataVolume)) == "12 GB"
    assert g.value(ds, ext_ns.openMode) is not None
    assert {str(g.value(t, SKOS.notation)) for t in g.objects(ds, ext_ns.taskCategory)} == {
        "object_detection",
        "image_segmentation",
    }


def test_restricted_distribution_stays_out_of_dcat(site, shapes):
    url, _cat = site
    for path in ("/dataset/lung-ct.ttl", "/dataset/lung-ct.jsonld", "/dataset/lung-ct.rdf"):
        r = requests.get(url + path, timeout=30)
        assert SECRET_URL not in r.text and PUBLIC_URL in r.text
    g = fetch(url, "/dataset/lung-ct.ttl", "ttl")
    _conforms(g, shapes)
    ds = next(g.subjects(RDF.type, DCAT.Dataset))
    assert g.value(ds, DCTERMS.accessRights) == URIRef(vocab.OPENNESS_EU["conditional"])
    assert requests.get(url + "/dataset/medai-draft.ttl", timeout=30).status_code == 404
    assert requests.get(url + "/dataset/nope.jsonld", timeout=30).status_code == 404


def test_exports_answer_conditional_requests(site):
    url, _cat = site
    first = requests.get(url + "/dataset/fundus.ttl", timeout=30)
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = requests.get(
        url + "/dataset/fundus.ttl", headers={"If-None-Match": first.headers["ETag"]}, timeout=30
    )
    assert again.status_code == 304
    cat1 = requests.get(url + "/catalog.jsonld", timeout=30)
    cat2 = requests.get(
        url + "/catalog.jsonld", headers={"If-None-Match": cat1.headers["ETag"]}, timeout=30
    )
    assert cat2.status_code == 304


def test_recommended_shapes_only_warn(site):
    """Recommended properties are warnings: report which, fail only on a violation."""
    url, _cat = site
    g = fetch(url, "/catalog.ttl?page=2", "ttl")
    recommended = Graph().parse(SHAPES / "shapes_recommended.ttl")
    conforms, report, _text = validate(
        g, shacl_graph=recommended, inference="none", allow_warnings=True
    )
    sh = Namespace("http://www.w3.org/ns/shacl#")
    severities = {
        report.value(r, sh.resultSeverity) for r in report.subjects(RDF.type, sh.ValidationResult)
    }
    assert severities <= {sh.Warning}
    assert conforms
    missing = sorted(
        {
            str(report.value(r, sh.resultPath))
            for r in report.subjects(RDF.type, sh.ValidationResult)
        }
    )
    print("recommended properties missing somewhere:", missing)


def test_extension_namespace_is_configurable():
    record = {
        "id": "x1",
        "name": "x",
        "title": "标题",
        "resource_code": "RC-9",
        "distributions": [],
    }
    links = SiteLinks(base="https://data.example.gov.cn/", namespace="https://bureau.example/ns#")
    g = dataset_graph(record, links)
    ds = URIRef("https://data.example.gov.cn/dataset/x1")
    assert str(g.value(ds, URIRef("https://bureau.example/ns#resourceCode"))) == "RC-9"
    assert (ds, DCTERMS.description, Literal("标题", lang="zh")) in g  # mandatory: falls back
