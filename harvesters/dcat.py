"""DCAT catalogs (DCAT-AP 2 and 3) in RDF/XML, Turtle or JSON-LD, read with rdflib.

A catalog may be paged with Hydra (``hydra:next``, or the older ``hydra:nextPage``):
pages are followed until there is no next one, each page parsed and forgotten before the
next (memory stays flat). Each ``dcat:Dataset`` is flattened to a plain dict while its
page's graph is at hand, then mapped by a marshmallow schema like every other kind.
Language-tagged titles and descriptions fill ``title``/``description`` (Chinese or
untagged) and ``title_en``/``description_en``. DCAT-AP 2's ``owl:versionInfo`` and
DCAT-AP 3's ``dcat:version`` both give the version.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

from marshmallow import EXCLUDE, Schema, fields, post_load, validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF

from catalog.services.harvest import PublisherRef
from harvesters import normalize, vocabmap
from harvesters.base import (
    Harvester,
    RecordError,
    RemoteRecord,
    SourceError,
    Transformed,
    load_remote,
)
from harvesters.config import SourceConfigSchema
from harvesters.documents import read_document
from harvesters.fields import Raw, Text, TextList, Url, warn
from harvesters.http import FetchError

# an open namespace: rdflib's closed DCAT lacks DCAT 3 terms (dcat:version, dcat:inSeries)
DCAT = Namespace("http://www.w3.org/ns/dcat#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
_FORMATS = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
    "application/n-triples": "nt",
    "text/n3": "n3",
}
_SUFFIXES = {
    ".ttl": "turtle",
    ".rdf": "xml",
    ".xml": "xml",
    ".jsonld": "json-ld",
    ".json": "json-ld",
}
_SUFFIXES[".nt"] = "nt"


class DcatConfig(SourceConfigSchema):
    rdf_format = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(sorted(set(_FORMATS.values())))
    )
    max_pages = fields.Integer(load_default=1000, validate=validate.Range(1, 100000))


def rdf_format(content_type: str | None, location: str, data: bytes) -> str:
    """The rdflib parser for a document: from its media type, its name, or a sniff."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype in _FORMATS and ctype != "application/json":
        return _FORMATS[ctype]
    for suffix, fmt in _SUFFIXES.items():
        if location.lower().split("?")[0].endswith(suffix):
            return fmt
    head = data[:200].lstrip()
    if head.startswith((b"<?xml", b"<rdf:RDF", b"<RDF")):
        return "xml"
    if head.startswith((b"{", b"[")):
        return "json-ld"
    return "turtle"


# -- graph -> plain dict ---------------------------------------------------------------------
def _lit(value: Any) -> list | str | None:
    if isinstance(value, Literal):
        return [value.language or "", str(value)]
    if isinstance(value, URIRef):
        return str(value)
    return None


def _values(g: Graph, node: Any, *preds: URIRef) -> list:
    out = []
    for p in preds:
        for o in g.objects(node, p):
            v = _lit(o)
            if v is not None and v not in out:
                out.append(v)
    return out


def _one(g: Graph, node: Any, *preds: URIRef) -> Any:
    vals = _values(g, node, *preds)
    if not vals:
        return None
    v = vals[0]
    return v[1] if isinstance(v, list) else v


def _agent(g: Graph, node: Any) -> dict | None:
    if node is None:
        return None
    if isinstance(node, Literal):
        return {"name": [["", str(node)]]}
    return {
        "@id": str(node) if isinstance(node, URIRef) else None,
        "name": _values(g, node, FOAF.name, VCARD.fn, DCTERMS.title),
        "homepage": _one(g, node, FOAF.homepage),
    }


def _contact(g: Graph, node: Any) -> dict | None:
    if node is None or isinstance(node, Literal):
        return None
    return {
        "fn": _one(g, node, VCARD.fn, FOAF.name),
        "hasEmail": _one(g, node, VCARD.hasEmail, FOAF.mbox),
        "hasTelephone": _one(g, node, VCARD.hasTelephone),
    }


def _distribution(g: Graph, node: Any) -> dict:
    checksum = next(iter(g.objects(node, SPDX.checksum)), None)
    return {
        "title": _values(g, node, DCTERMS.title),
        "description": _values(g, node, DCTERMS.description),
        "accessURL": _one(g, node, DCAT.accessURL),
        "downloadURL": _one(g, node, DCAT.downloadURL),
        "format": _one(g, node, DCTERMS.format),
        "mediaType": _one(g, node, DCAT.mediaType),
        "byteSize": _one(g, node, DCAT.byteSize),
        "license": _one(g, node, DCTERMS.license),
        "checksum": _one(g, checksum, SPDX.checksumValue) if checksum is not None else None,
        "checksumAlgorithm": _one(g, checksum, SPDX.algorithm) if checksum is not None else None,
    }


def flatten_dataset(g: Graph, node: Any) -> dict:
    """A ``dcat:Dataset`` and what hangs off it, as JSON values (the graph is not kept)."""
    temporal = next(iter(g.objects(node, DCTERMS.temporal)), None)
    return {
        "@id": str(node) if isinstance(node, URIRef) else None,
        "identifier": _one(g, node, DCTERMS.identifier),
        "title": _values(g, node, DCTERMS.title),
        "description": _values(g, node, DCTERMS.description),
        "keyword": _values(g, node, DCAT.keyword),
        "theme": _values(g, node, DCAT.theme),
        "publisher": _agent(g, next(iter(g.objects(node, DCTERMS.publisher)), None)),
        "contactPoint": _contact(g, next(iter(g.objects(node, DCAT.contactPoint)), None)),
        "accessRights": _one(g, node, DCTERMS.accessRights),
        "license": _one(g, node, DCTERMS.license),
        "issued": _one(g, node, DCTERMS.issued),
        "modified": _one(g, node, DCTERMS.modified),
        "accrualPeriodicity": _one(g, node, DCTERMS.accrualPeriodicity),
        "temporalStart": _one(g, temporal, DCAT.startDate) if temporal is not None else None,
        "temporalEnd": _one(g, temporal, DCAT.endDate) if temporal is not None else None,
        "spatial": [v if isinstance(v, str) else v[1] for v in _values(g, node, DCTERMS.spatial)],
        "language": _values(g, node, DCTERMS.language),
        "version": _one(g, node, DCAT.version, OWL.versionInfo, ADMS.version),
        "conformsTo": _values(g, node, DCTERMS.conformsTo),
        "landingPage": _one(g, node, DCAT.landingPage),
        "page": _one(g, node, FOAF.page),
        "inSeries": _values(g, node, DCAT.inSeries),
        "distribution": [_distribution(g, d) for d in g.objects(node, DCAT.distribution)],
    }


# -- plain dict -> catalog input -------------------------------------------------------------
def _by_lang(values: list | None) -> tuple[str | None, str | None]:
    """(main text, English text): Chinese or untagged first for the main one."""
    tagged: dict[str, Any] = {}
    for v in values or []:
        lang, text = (v[0], v[1]) if isinstance(v, list) else ("", v)
        tagged.setdefault((lang or "").split("-")[0].lower(), text)
    main = tagged.get("zh") or tagged.get("") or next(iter(tagged.values()), None)
    en = tagged.get("en")
    return main, (en if en and en != main else None)


class DistributionIn(Schema):
    class Meta:
        unknown = EXCLUDE

    title = Raw()
    description = Raw()
    accessURL = Url()
    downloadURL = Url()
    format = Text()
    mediaType = Text()
    byteSize = Text()
    license = Text()
    checksum = Text()
    checksumAlgorithm = Text()

    @post_load
    def to_catalog(self, d: dict, **_kw: object) -> dict:
        title, title_en = _by_lang(d.get("title"))
        desc, _ = _by_lang(d.get("description"))
        size = d.get("byteSize")
        algo = (d.get("checksumAlgorithm") or "").rsplit("_", 1)[-1].lower() or None
        fmt = d.get("format") or d.get("mediaType")
        return {
            "title": title,
            "title_en": title_en,
            "description": desc,
            "access_url": d.get("accessURL"),
            "download_url": d.get("downloadURL"),
            "format": vocabmap.data_format(
                fmt.rsplit("/", 1)[-1] if fmt and "/file-type/" in fmt else fmt
            ),
            "media_type": vocabmap.media_type(
                (d.get("mediaType") or "").rsplit("media-types/", 1)[-1]
            ),
            "byte_size": int(float(size)) if size and size.replace(".", "", 1).isdigit() else None,
            "license": vocabmap.license_code(d.get("license")),
            "checksum": d.get("checksum") if algo in ("md5", "sha1", "sha256", "sha512") else None,
            "checksum_algorithm": algo if algo in ("md5", "sha1", "sha256", "sha512") else None,
        }


class DatasetIn(Schema):
    """A flattened ``dcat:Dataset`` (DCAT-AP 2 or 3)."""

    class Meta:
        unknown = EXCLUDE

    _id = Text(data_key="@id")
    identifier = Text()
    title = Raw()
    description = Raw()
    keyword = Raw()
    theme = TextList()
    publisher = Raw()
    contactPoint = Raw()
    accessRights = Text()
    license = Text()
    issued = Text()
    modified = Text()
    accrualPeriodicity = Text()
    temporalStart = Text()
    temporalEnd = Text()
    spatial = TextList()
    language = Raw()
    version = Text()
    conformsTo = Raw()
    landingPage = Url()
    page = Url()
    inSeries = Raw()
    distribution = fields.List(fields.Nested(DistributionIn), load_default=list)

    def __init__(self, themes: dict | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.theme_map = themes or {}

    @post_load
    def to_catalog(self, d: dict, **_kw: object) -> dict:
        title, title_en = _by_lang(d.get("title"))
        desc, desc_en = _by_lang(d.get("description"))
        extras: dict = {}
        themes, other = vocabmap.themes(d.get("theme") or [], self.theme_map)
        if other:
            extras["theme"] = other
        langs, other_langs = vocabmap.languages(
            [v if isinstance(v, str) else v[1] for v in d.get("language") or []]
        )
        if other_langs:
            extras["language"] = other_langs
        openness = vocabmap.openness(d.get("accessRights"))
        if d.get("accessRights") and not openness:
            warn(f"accessRights {d['accessRights']!r} not understood: the default openness applies")
        freq = vocabmap.frequency(d.get("accrualPeriodicity"))
        if d.get("accrualPeriodicity") and not freq:
            extras["accrualPeriodicity"] = d["accrualPeriodicity"]
        if d.get("spatial"):
            extras["spatial"] = d["spatial"]
        if d.get("inSeries"):
            extras["series"] = d["inSeries"]
        lic = vocabmap.license_code(d.get("license"))
        if d.get("license") and lic != d.get("license"):
            extras["license"] = d["license"]
        contact = d.get("contactPoint") or {}
        keywords = [v[1] if isinstance(v, list) else v for v in d.get("keyword") or []]
        return {
            "identifier": d.get("identifier") or d.get("_id"),
            "title": title,
            "title_en": title_en,
            "description": desc or "",
            "description_en": desc_en,
            "keywords": list(dict.fromkeys(k.strip() for k in keywords if k and k.strip())),
            "themes": themes,
            "access_rights": openness,
            "license": lic,
            "issued": normalize.iso(normalize.parse_date(d.get("issued"))),
            "modified": normalize.iso(normalize.parse_datetime(d.get("modified"))),
            "frequency": freq,
            "temporal_start": normalize.iso(normalize.parse_date(d.get("temporalStart"))),
            "temporal_end": normalize.iso(normalize.parse_date(d.get("temporalEnd"))),
            "languages": langs,
            "version": d.get("version"),
            "conforms_to": [v if isinstance(v, str) else v[1] for v in d.get("conformsTo") or []],
            "landing_page": d.get("landingPage"),
            "documentation": d.get("page"),
            "contact_name": normalize.text(contact.get("fn")),
            "contact_email": normalize.email(contact.get("hasEmail")),
            "contact_phone": normalize.clip(
                normalize.text((contact.get("hasTelephone") or "").replace("tel:", "")), 50
            ),
            "distributions": d.get("distribution"),
            "extras": extras,
        }


def _publisher(value: Any) -> PublisherRef | None:
    if not isinstance(value, dict):
        return None
    main, en = _by_lang(value.get("name"))
    key = value.get("@id") or main or en
    if not key:
        return None
    return PublisherRef(
        key=key,
        title=main or en or key,
        title_en=en or (main if main and main.isascii() else None),
        homepage=value.get("homepage"),
    )


class DcatHarvester(Harvester):
    """DCAT-AP 2/3 catalogs (RDF/XML, Turtle, JSON-LD), following Hydra paging."""

    kind = "dcat"
    config_schema = DcatConfig

    def gather(self) -> Iterator[RemoteRecord]:
        url: str | None = self.ctx.spec.url
        visited: set[str] = set()
        pages = 0
        while url and url not in visited:
            if pages >= int(self.config["max_pages"]):
                self.ctx.report(None, "warning", f"stopped after {pages} pages (max_pages)")
                break
            visited.add(url)
            pages += 1
            g, final = self._page(url)
            datasets = sorted(set(g.subjects(RDF.type, DCAT.Dataset)), key=str)
            for n, node in enumerate(datasets):
                flat = flatten_dataset(g, node)
                rid = flat["@id"] or normalize.text(flat.get("identifier"))
                yield RemoteRecord(
                    rid,
                    flat,
                    normalize.text(flat.get("modified")),
                    locator=f"{final} dataset #{n + 1}",
                )
            url = self._next_page(g)
        self.ctx.log(f"read {pages} page(s)")

    def _page(self, url: str) -> tuple[Graph, str]:
        try:
            doc = read_document(self.ctx.http, url)
        except FetchError as exc:
            raise SourceError(str(exc)) from None
        fmt = self.config.get("rdf_format") or rdf_format(doc.content_type, doc.location, doc.data)
        g = Graph()
        try:
            with warnings.catch_warnings():  # rdflib's JSON-LD parser warns about itself
                warnings.simplefilter("ignore", DeprecationWarning)
                g.parse(data=doc.data, format=fmt, publicID=doc.location)
        except Exception as exc:
            raise SourceError(f"{doc.location}: not readable as {fmt}: {str(exc)[:300]}") from None
        return g, doc.location

    @staticmethod
    def _next_page(g: Graph) -> str | None:
        for pred in (HYDRA.next, HYDRA.nextPage):
            for o in g.objects(None, pred):
                if isinstance(o, URIRef):
                    return str(o)
        return None

    def transform(self, payload: Any, record: RemoteRecord) -> Transformed:
        if record.remote_id is None:
            raise RecordError("transform", "dataset has neither an IRI nor a dct:identifier")
        data, warnings = load_remote(DatasetIn(themes=self.config.get("themes")), payload)
        if not data.get("title"):
            raise RecordError("transform", "dataset has no dct:title")
        return Transformed(
            record.remote_id, data, _publisher(payload.get("publisher")), warnings=warnings
        )
