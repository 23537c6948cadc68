"""DCAT-AP 3 as an rdflib graph: the catalog (paged with Hydra) and single datasets.

Every node that DCAT-AP gives a range is typed (dct:RightsStatement, dct:Frequency,
skos:Concept with a prefLabel, ...), so the official SHACL shapes including ``range.ttl``
pass. Nodes get hash URIs under the dataset's URI rather than blank nodes, so the output of
a dataset is the same on every request (stable ETags, readable diffs).

Fields DCAT-AP has no property for (资源代码, 数源部门, 开放方式, 数据量, the AI fields) use
an extension namespace of ours (``SiteLinks.namespace``, configurable).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD
from rdflib.plugins.stores.memory import SimpleMemory

from schemas import vocab
from schemas.formats import (
    EU_FILE_TYPE_BASE,
    EU_FILE_TYPES,
    EU_LANGUAGE_BASE,
    EU_LANGUAGES,
    LICENCES,
    SiteLinks,
    media_type,
)
from schemas.formats.jsonld import to_jsonld
from schemas.formats.rdfxml import to_rdfxml
from schemas.formats.turtle import to_turtle

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DCAT_VERSION = URIRef("http://www.w3.org/ns/dcat#version")  # DCAT 3; not in rdflib's DCAT
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
EU_THEME_SCHEME = URIRef("http://publications.europa.eu/resource/authority/data-theme")
EU_THEME_BASE = "http://publications.europa.eu/resource/authority/data-theme/"
IANA_MEDIA_BASE = "https://www.iana.org/assignments/media-types/"
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
PUBLISHER_TYPE_SCHEME = URIRef("http://purl.org/adms/publishertype/1.0")
PUBLISHER_TYPE_BASE = "http://purl.org/adms/publishertype/"

# The EU data-theme vocabulary's own labels (we must not put ours on its concepts).
EU_THEME_LABELS = {
    "AGRI": "Agriculture, fisheries, forestry and food",
    "ECON": "Economy and finance",
    "EDUC": "Education, culture and sport",
    "ENER": "Energy",
    "ENVI": "Environment",
    "GOVE": "Government and public sector",
    "HEAL": "Health",
    "INTR": "International issues",
    "JUST": "Justice, legal system and public safety",
    "REGI": "Regions and cities",
    "SOCI": "Population and society",
    "TECH": "Science and technology",
    "TRAN": "Transport",
}
# Our organization types -> ADMS publisher types (third parties vary too much to say).
PUBLISHER_TYPES = {
    "government": ("LocalAuthority", "Local Authority"),
    "enterprise": ("Company", "Company"),
    "university": ("Academia-ScientificOrganisation", "Academia/Scientific organisation"),
    "research_institute": ("Academia-ScientificOrganisation", "Academia/Scientific organisation"),
}
CHECKSUM_ALGORITHMS = {"md5", "sha1", "sha256", "sha512"}
_HEX = re.compile(r"^[0-9a-fA-F]+$")

FORMATS = {
    "jsonld": ("json-ld", "application/ld+json"),
    "ttl": ("turtle", "text/turtle"),
    "rdf": ("xml", "application/rdf+xml"),
}


def _iri(url: str) -> URIRef:
    """A URL as an IRI that every serialisation accepts (spaces and the like escaped)."""
    return URIRef(quote(url.strip(), safe=":/?#[]@!$&'()*+,;=%~-._"))


def _looks_like_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


class _Builder:
    """Adds records to one graph; shared concepts are described once (triples are a set)."""

    def __init__(self, links: SiteLinks):
        self.links = links
        self.ext = Namespace(links.namespace)
        # the triple store without named graphs: a third cheaper per triple added
        self.g = Graph(store=SimpleMemory())
        self._described: dict[tuple, URIRef] = {}
        for prefix, ns in {
            "dcat": DCAT,
            "dct": DCTERMS,
            "foaf": FOAF,
            "vcard": VCARD,
            "skos": SKOS,
            "spdx": SPDX,
            "adms": ADMS,
            "hydra": HYDRA,
            "xsd": XSD,
            "rdfs": RDFS,
            "ext": self.ext,
        }.items():
            self.g.bind(prefix, ns)

    # -- shared nodes -----------------------------------------------------------------
    def _once(self, key: tuple) -> URIRef | None:
        """The node already described under ``key`` on this graph, if any: shared nodes (a
        theme, a licence, a publisher) recur on every dataset of a page, and adding their
        triples again costs the store as much as adding them the first time."""
        return self._described.get(key)

    def concept(self, vocab_name: str, code: str) -> URIRef:
        """A code of one of our vocabularies as a skos:Concept in our namespace."""
        if (known := self._once(("concept", vocab_name, code))) is not None:
            return known
        node = URIRef(f"{self.links.namespace}{vocab_name}/{quote(code, safe='')}")
        scheme = URIRef(f"{self.links.namespace}{vocab_name}")
        g = self.g
        g.add((node, RDF.type, SKOS.Concept))
        g.add((node, SKOS.notation, Literal(code)))
        g.add((node, SKOS.inScheme, scheme))
        g.add((scheme, RDF.type, SKOS.ConceptScheme))
        g.add((scheme, DCTERMS.title, Literal(vocab_name, lang="en")))
        table = vocab.regions() if vocab_name == "region" else vocab.VOCABS.get(vocab_name, {})
        zh, en = table.get(code, (code, code))
        g.add((node, SKOS.prefLabel, Literal(zh, lang="zh")))
        g.add((node, SKOS.prefLabel, Literal(en, lang="en")))
        self._described[("concept", vocab_name, code)] = node
        return node

    def eu_theme(self, code: str) -> URIRef:
        if (known := self._once(("eu_theme", code))) is not None:
            return known
        node = URIRef(EU_THEME_BASE + code)
        self.g.add((node, RDF.type, SKOS.Concept))
        self.g.add((node, SKOS.prefLabel, Literal(EU_THEME_LABELS.get(code, code), lang="en")))
        self.g.add((node, SKOS.inScheme, EU_THEME_SCHEME))
        self.g.add((EU_THEME_SCHEME, RDF.type, SKOS.ConceptScheme))
        self.g.add((EU_THEME_SCHEME, DCTERMS.title, Literal("Data Theme", lang="en")))
        self._described[("eu_theme", code)] = node
        return node

    def language(self, code: str) -> URIRef | None:
        eu = EU_LANGUAGES.get(code)
        if not eu:
            return None
        node = URIRef(EU_LANGUAGE_BASE + eu)
        self.g.add((node, RDF.type, DCTERMS.LinguisticSystem))
        self.in_eu_scheme(node, "language")
        return node

    def in_eu_scheme(self, node: URIRef, scheme: str) -> None:
        """Say which EU authority table a concept comes from (the MDR shapes check it)."""
        self.g.add((node, SKOS.inScheme, URIRef(EU_AUTHORITY + scheme)))

    def licence(self, code: str) -> URIRef:
        if (known := self._once(("licence", code))) is not None:
            return known
        eu, _text = LICENCES.get(code, (None, None))
        node = URIRef(eu) if eu else URIRef(f"{self.links.namespace}licence/{quote(code, safe='')}")
        self.g.add((node, RDF.type, DCTERMS.LicenseDocument))
        self.g.add((node, RDFS.label, Literal(vocab.label("license", code, "en"), lang="en")))
        if not eu:
            self.g.add((node, RDFS.label, Literal(vocab.label("license", code, "zh"), lang="zh")))
        self._described[("licence", code)] = node
        return node

    def agent(self, node: URIRef, names: tuple[str | None, str | None], org_type: str | None):
        key = ("agent", node, names, org_type)
        if self._once(key) is not None:
            return node
        self._described[key] = node
        g = self.g
        g.add((node, RDF.type, FOAF.Agent))
        zh, en = names
        if zh:
            g.add((node, FOAF.name, Literal(zh, lang="zh")))
        if en:
            g.add((node, FOAF.name, Literal(en, lang="en")))
        if org_type in PUBLISHER_TYPES:
            code, label = PUBLISHER_TYPES[org_type]
            t = URIRef(PUBLISHER_TYPE_BASE + code)
            g.add((node, DCTERMS.type, t))
            g.add((t, RDF.type, SKOS.Concept))
            g.add((t, SKOS.prefLabel, Literal(label, lang="en")))
            g.add((t, SKOS.inScheme, PUBLISHER_TYPE_SCHEME))
            g.add((PUBLISHER_TYPE_SCHEME, RDF.type, SKOS.ConceptScheme))
            g.add((PUBLISHER_TYPE_SCHEME, DCTERMS.title, Literal("Publisher type", lang="en")))
        return node

    def document(self, url: str) -> URIRef:
        node = _iri(url)
        self.g.add((node, RDF.type, FOAF.Document))
        return node

    # -- a dataset --------------------------------------------------------------------
    def dataset(self, r: dict) -> URIRef:
        g, ext = self.g, self.ext
        ds = URIRef(self.links.dataset(r))
        add = g.add
        add((ds, RDF.type, DCAT.Dataset))
        add((ds, DCTERMS.identifier, Literal(r.get("identifier") or str(ds))))
        add((ds, DCTERMS.title, Literal(r["title"], lang="zh")))
        if r.get("title_en"):
            add((ds, DCTERMS.title, Literal(r["title_en"], lang="en")))
        # dct:description is mandatory: the title stands in when a publisher gave none.
        add((ds, DCTERMS.description, Literal(r.get("description") or r["title"], lang="zh")))
        if r.get("description_en"):
            add((ds, DCTERMS.description, Literal(r["description_en"], lang="en")))
        for kw in r.get("keywords") or []:
            add((ds, DCAT.keyword, Literal(kw, lang="zh")))
        for theme in r.get("themes") or []:
            ours = self.concept("theme", theme)
            add((ds, DCAT.theme, ours))
            if theme in vocab.THEME_EU:
                eu = self.eu_theme(vocab.THEME_EU[theme])
                add((ds, DCAT.theme, eu))
                add((ours, SKOS.closeMatch, eu))
        add((ds, DCTERMS.type, self.concept("kind", r.get("kind") or "open_data")))
        access = vocab.OPENNESS_EU.get(r.get("access_rights") or "")
        if access:
            node = URIRef(access)
            add((ds, DCTERMS.accessRights, node))
            add((node, RDF.type, DCTERMS.RightsStatement))
            self.in_eu_scheme(node, "access-right")
        self._publisher(ds, r)
        self._contact(ds, r)
        if r.get("issued"):
            add((ds, DCTERMS.issued, Literal(r["issued"][:10], datatype=XSD.date)))
        if r.get("modified"):
            add((ds, DCTERMS.modified, Literal(r["modified"], datatype=XSD.dateTime)))
        if r.get("frequency"):
            node = URIRef(vocab.FREQUENCY_EU_BASE + r["frequency"])
            add((ds, DCTERMS.accrualPeriodicity, node))
            add((node, RDF.type, DCTERMS.Frequency))
            self.in_eu_scheme(node, "frequency")
        if r.get("temporal_start") or r.get("temporal_end"):
            period = URIRef(f"{ds}#temporal")
            add((ds, DCTERMS.temporal, period))
            add((period, RDF.type, DCTERMS.PeriodOfTime))
            if r.get("temporal_start"):
                add((period, DCAT.startDate, Literal(r["temporal_start"], datatype=XSD.date)))
            if r.get("temporal_end"):
                add((period, DCAT.endDate, Literal(r["temporal_end"], datatype=XSD.date)))
        for code in r.get("spatial") or []:
            place = self.concept("region", code)
            add((place, RDF.type, DCTERMS.Location))
            add((ds, DCTERMS.spatial, place))
        for code in r.get("languages") or []:
            if (lang := self.language(code)) is not None:
                add((ds, DCTERMS.language, lang))
        if r.get("version"):
            add((ds, DCAT_VERSION, Literal(r["version"])))
        for i, std in enumerate(r.get("conforms_to") or []):
            node = _iri(std) if _looks_like_url(std) else URIRef(f"{ds}#standard-{i}")
            add((ds, DCTERMS.conformsTo, node))
            add((node, RDF.type, DCTERMS.Standard))
            if not _looks_like_url(std):
                add((node, DCTERMS.title, Literal(std)))
        add((ds, DCAT.landingPage, self.document(self.links.page(r))))
        if r.get("landing_page"):
            add((ds, DCAT.landingPage, self.document(r["landing_page"])))
        if r.get("documentation"):
            add((ds, FOAF.page, self.document(r["documentation"])))
        if r.get("resource_code"):
            ident = URIRef(f"{ds}#resource-code")
            add((ds, ADMS.identifier, ident))
            add((ident, RDF.type, ADMS.Identifier))
            add((ident, SKOS.notation, Literal(r["resource_code"])))
        self._extension(ds, r, ext)
        for dist in r.get("distributions") or []:
            add((ds, DCAT.distribution, self.distribution(r, dist)))
        return ds

    def _publisher(self, ds: URIRef, r: dict) -> None:
        org = r.get("organization")
        if org:
            node = URIRef(self.links.organization(org["name"]))
            self.agent(node, (org.get("title"), org.get("title_en")), org.get("org_type"))
            if org.get("homepage"):
                self.g.add((node, FOAF.homepage, self.document(org["homepage"])))
        elif r.get("source_department"):
            node = URIRef(f"{ds}#publisher")
            self.agent(node, (r["source_department"], None), None)
        else:
            return
        self.g.add((ds, DCTERMS.publisher, node))

    def _contact(self, ds: URIRef, r: dict) -> None:
        if not (r.get("contact_name") or r.get("contact_email") or r.get("contact_phone")):
            return
        node = URIRef(f"{ds}#contact-point")
        add = self.g.add
        add((ds, DCAT.contactPoint, node))
        add((node, RDF.type, VCARD.Kind))
        org = r.get("organization") or {}
        add((node, VCARD.fn, Literal(r.get("contact_name") or org.get("title") or r["title"])))
        if r.get("contact_email"):
            add((node, VCARD.hasEmail, URIRef(f"mailto:{r['contact_email']}")))
        if r.get("contact_phone"):
            phone = re.sub(r"[^0-9+]", "", r["contact_phone"])
            if phone:
                add((node, VCARD.hasTelephone, URIRef(f"tel:{phone}")))

    def _extension(self, ds: URIRef, r: dict, ext: Namespace) -> None:
        """The open-list and AI fields DCAT-AP has no property for."""
        add = self.g.add
        for key, prop in (
            ("resource_code", ext["resourceCode"]),
            ("source_department", ext["sourceDepartment"]),
            ("domain", ext["domain"]),
            ("data_volume", ext["dataVolume"]),
            ("access_conditions", ext["accessConditions"]),
            ("citation", ext["citation"]),
            ("annotation_type", ext["annotationType"]),
            ("annotation_method", ext["annotationMethod"]),
        ):
            if r.get(key):
                add((ds, prop, Literal(r[key])))
        if r.get("open_mode"):
            add((ds, ext["openMode"], self.concept("open_mode", r["open_mode"])))
        add((ds, ext["openness"], Literal(r.get("access_rights") or "unconditional")))
        for fmt in r.get("data_formats") or []:
            add((ds, ext["dataFormat"], Literal(fmt)))
        for code in r.get("task_categories") or []:
            add((ds, ext["taskCategory"], self.concept("task", code)))
        for code in r.get("modalities") or []:
            add((ds, ext["modality"], self.concept("modality", code)))
        if r.get("annotation_accuracy") is not None:
            add(
                (
                    ds,
                    ext["annotationAccuracy"],
                    Literal(str(r["annotation_accuracy"]), datatype=XSD.decimal),
                )
            )
        for split, count in sorted((r.get("sample_counts") or {}).items()):
            node = URIRef(f"{ds}#split-{quote(str(split), safe='')}")
            add((ds, ext["split"], node))
            add((node, RDFS.label, Literal(str(split))))
            add((node, ext["sampleCount"], Literal(int(count), datatype=XSD.integer)))
        for metric in r.get("metrics") or []:
            add((ds, ext["metric"], Literal(metric)))
        self._registrations(ds, r, ext)

    def _registrations(self, ds: URIRef, r: dict, ext: Namespace) -> None:
        """Verified property-rights registrations (数据产权登记): DCAT has no property for
        them, so they are ``ext:Registration`` nodes; ``ext:registered`` is what the
        catalog's "已登记" filter means (the latest verified record is not a cancellation)."""
        if "registered" not in r:
            return
        add = self.g.add
        add((ds, ext["registered"], Literal(bool(r["registered"]))))
        for reg in r.get("registrations") or []:
            node = URIRef(f"{ds}#registration-{reg['id']}")
            add((ds, ext["registration"], node))
            add((node, RDF.type, ext["Registration"]))
            add((node, ext["registrationNumber"], Literal(reg["number"])))
            add((node, ext["registrationType"], self.concept("registration_type", reg["reg_type"])))
            add((node, ext["registeringBody"], Literal(reg["registering_body"], lang="zh")))
            for right in reg.get("rights") or []:
                add((node, ext["dataRight"], self.concept("data_right", right)))
            holder = URIRef(f"{node}-holder")
            add((node, ext["holder"], holder))
            add((holder, RDF.type, FOAF.Organization))
            add((holder, FOAF.name, Literal(reg["holder_name"], lang="zh")))
            add((holder, ext["creditCode"], Literal(reg["holder_credit_code"])))
            add((node, DCTERMS.issued, Literal(reg["registered_on"], datatype=XSD.date)))
            if reg.get("valid_until"):
                add((node, ext["validUntil"], Literal(reg["valid_until"], datatype=XSD.date)))
            if reg.get("verified_at"):
                add((node, ext["verifiedOn"], Literal(reg["verified_at"], datatype=XSD.date)))
            if reg.get("evidence_sha256"):
                cs = URIRef(f"{node}-evidence")
                algo = SPDX["checksumAlgorithm_sha256"]
                add((node, ext["evidenceChecksum"], cs))
                add((cs, RDF.type, SPDX.Checksum))
                add((cs, SPDX.algorithm, algo))
                add((algo, RDF.type, SPDX.ChecksumAlgorithm))
                add(
                    (
                        cs,
                        SPDX.checksumValue,
                        Literal(reg["evidence_sha256"], datatype=XSD.hexBinary),
                    )
                )

    # -- a distribution ---------------------------------------------------------------
    def distribution(self, r: dict, d: dict) -> URIRef:
        g = self.g
        node = URIRef(self.links.distribution(r, d))
        add = g.add
        add((node, RDF.type, DCAT.Distribution))
        add((node, DCTERMS.title, Literal(d.get("title") or r["title"], lang="zh")))
        if d.get("title_en"):
            add((node, DCTERMS.title, Literal(d["title_en"], lang="en")))
        if d.get("description"):
            add((node, DCTERMS.description, Literal(d["description"], lang="zh")))
        access = d.get("access_url") or d.get("download_url")
        if access:  # mandatory in DCAT-AP; a download link is also where one accesses it
            add((node, DCAT.accessURL, _iri(access)))
        if d.get("download_url"):
            add((node, DCAT.downloadURL, _iri(d["download_url"])))
        fmt = (d.get("format") or "").strip()
        if fmt:
            code = EU_FILE_TYPES.get(fmt.upper())
            f = URIRef(EU_FILE_TYPE_BASE + code) if code else URIRef(f"{node}#format")
            add((node, DCTERMS.format, f))
            add((f, RDF.type, DCTERMS.MediaTypeOrExtent))
            if code:
                self.in_eu_scheme(f, "file-type")
            else:
                add((f, RDFS.label, Literal(fmt)))
        mt = media_type(d)
        if mt and "/" in mt:
            m = URIRef(IANA_MEDIA_BASE + mt.strip())
            add((node, DCAT.mediaType, m))
            add((m, RDF.type, DCTERMS.MediaType))
        if d.get("byte_size") is not None:
            add((node, DCAT.byteSize, Literal(str(int(d["byte_size"])), datatype=XSD.decimal)))
        hashes: list[tuple[str, str]] = []
        sha = (d.get("sha256") or "").strip().lower()
        if len(sha) == 64 and _HEX.match(sha):
            hashes.append(("sha256", sha))  # the content hash (issue 18) comes first
        algo = (d.get("checksum_algorithm") or "").lower()
        value = (d.get("checksum") or "").split(":")[-1].strip()
        extra = not hashes or algo != "sha256"  # the same sha256 once
        if algo in CHECKSUM_ALGORITHMS and value and _HEX.match(value) and extra:
            hashes.append((algo, value))
        for n, (algo, value) in enumerate(hashes):
            cs = URIRef(f"{node}#checksum" if n == 0 else f"{node}#checksum-{algo}")
            add((node, SPDX.checksum, cs))
            add((cs, RDF.type, SPDX.Checksum))
            add((cs, SPDX.algorithm, SPDX[f"checksumAlgorithm_{algo}"]))
            add((SPDX[f"checksumAlgorithm_{algo}"], RDF.type, SPDX.ChecksumAlgorithm))
            add((cs, SPDX.checksumValue, Literal(value.lower(), datatype=XSD.hexBinary)))
        lic = d.get("license") or r.get("license")
        if lic:
            add((node, DCTERMS.license, self.licence(lic)))
        return node

    # -- the catalog ------------------------------------------------------------------
    def catalog(self, info: dict, datasets: list[URIRef]) -> URIRef:
        g, add = self.g, self.g.add
        cat = URIRef(self.links.catalog)
        add((cat, RDF.type, DCAT.Catalog))
        add((cat, DCTERMS.title, Literal(info["title"], lang="zh")))
        if info.get("title_en"):
            add((cat, DCTERMS.title, Literal(info["title_en"], lang="en")))
        add((cat, DCTERMS.description, Literal(info["description"], lang="zh")))
        if info.get("description_en"):
            add((cat, DCTERMS.description, Literal(info["description_en"], lang="en")))
        publisher = URIRef(f"{cat}#publisher")
        self.agent(publisher, (info["publisher"], info.get("publisher_en")), "government")
        add((cat, DCTERMS.publisher, publisher))
        add((cat, FOAF.homepage, self.document(self.links.base + "/")))
        for code in ("zh", "en"):
            if (lang := self.language(code)) is not None:
                add((cat, DCTERMS.language, lang))
        add((cat, DCAT.themeTaxonomy, EU_THEME_SCHEME))
        g.add((EU_THEME_SCHEME, RDF.type, SKOS.ConceptScheme))
        g.add((EU_THEME_SCHEME, DCTERMS.title, Literal("Data Theme", lang="en")))
        ours = URIRef(f"{self.links.namespace}theme")
        add((cat, DCAT.themeTaxonomy, ours))
        g.add((ours, RDF.type, SKOS.ConceptScheme))
        g.add((ours, DCTERMS.title, Literal("theme", lang="en")))
        if info.get("modified"):
            add((cat, DCTERMS.modified, Literal(info["modified"], datatype=XSD.dateTime)))
        for ds in datasets:
            add((cat, DCAT.dataset, ds))
        return cat

    def paging(self, ext: str, page: int, per_page: int, total: int) -> None:
        """Hydra paging: a PartialCollectionView, also typed as the older PagedCollection
        with its ``nextPage``-style links, which CKAN's DCAT harvester still looks for."""
        last = max(1, -(-total // per_page))
        url = f"{self.links.base}/catalog.{ext}"

        def at(n: int) -> URIRef:
            return URIRef(f"{url}?page={n}")

        view, add = at(page), self.g.add
        add((URIRef(self.links.catalog), HYDRA.view, view))
        add((view, RDF.type, HYDRA.PartialCollectionView))
        add((view, RDF.type, HYDRA.PagedCollection))
        add((view, HYDRA.totalItems, Literal(total, datatype=XSD.integer)))
        add((view, HYDRA.itemsPerPage, Literal(per_page, datatype=XSD.integer)))
        add((view, HYDRA.first, at(1)))
        add((view, HYDRA.firstPage, at(1)))
        add((view, HYDRA.last, at(last)))
        add((view, HYDRA.lastPage, at(last)))
        if page < last:
            add((view, HYDRA.next, at(page + 1)))
            add((view, HYDRA.nextPage, at(page + 1)))
        if page > 1:
            add((view, HYDRA.previous, at(page - 1)))
            add((view, HYDRA.previousPage, at(page - 1)))


def dataset_graph(record: dict, links: SiteLinks) -> Graph:
    """One dataset with its distributions and the nodes they refer to."""
    b = _Builder(links)
    b.dataset(record)
    return b.g


def catalog_graph(
    records: list[dict],
    links: SiteLinks,
    info: dict,
    *,
    page: int,
    per_page: int,
    total: int,
    ext: str,
) -> Graph:
    """One page of the catalog: the dcat:Catalog, its datasets on this page, Hydra paging."""
    b = _Builder(links)
    nodes = [b.dataset(r) for r in records]
    b.catalog(info, nodes)
    b.paging(ext, page, per_page, total)
    return b.g


def serialize(graph: Graph, ext: str) -> tuple[bytes, str]:
    """(body, content type) for ``jsonld``, ``ttl`` or ``rdf``: written directly, since
    rdflib's serializers cost ten times more (turtle.py, jsonld.py, rdfxml.py)."""
    fmt, mime = FORMATS[ext]
    if fmt == "turtle":
        return to_turtle(graph), mime
    if fmt == "json-ld":
        return to_jsonld(graph), mime
    return to_rdfxml(graph), mime
