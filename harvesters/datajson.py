"""Project Open Data ``data.json`` catalogs: DCAT-US 1.1 and DCAT-US 3.0.

The whole catalog is one document. DCAT-US 3.0 may nest datasets in sub-catalogs,
dataset series (``seriesMember``/``first``/``last``) and data services
(``servesDataset``); all of them are gathered, each dataset once. With ``strict`` (the
default, as data.gov does) a record missing a field the standard requires is an error
naming the field; ``strict: false`` only needs a title and an identifier.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

from marshmallow import EXCLUDE, INCLUDE, Schema, fields, post_load

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
from harvesters.documents import open_document
from harvesters.fastload import FastLoader
from harvesters.fields import Raw, Text, TextList, Url, warn
from harvesters.http import FetchError
from harvesters.jsonstream import JsonStream, JsonStreamError

REQUIRED_30 = ("title", "description", "identifier", "publisher", "contactPoint")
REQUIRED_11 = (*REQUIRED_30, "accessLevel", "keyword", "modified")


class DataJsonConfig(SourceConfigSchema):
    strict = fields.Boolean(load_default=True)


class DistributionIn(Schema):
    """A DCAT-US distribution, as the catalog's distribution input."""

    class Meta:
        unknown = EXCLUDE

    title = Text()
    description = Text()
    accessURL = Url()
    downloadURL = Url()
    mediaType = Text()
    format = Text()
    license = Text()
    byteSize = Raw()

    @post_load
    def to_catalog(self, d: dict, **_kw: object) -> dict:
        size = d.get("byteSize")
        return {
            "title": d.get("title"),
            "description": d.get("description"),
            "access_url": d.get("accessURL"),
            "download_url": d.get("downloadURL"),
            "format": vocabmap.data_format(d.get("format") or d.get("mediaType")),
            "media_type": vocabmap.media_type(d.get("mediaType")),
            "license": vocabmap.license_code(d.get("license")),
            # JSON as Python reads it may say Infinity (or NaN): no size, not a crash
            "byte_size": int(size)
            if isinstance(size, int | float) and 0 <= size < math.inf
            else None,
        }


_KNOWN = {
    "@type",
    "@id",
    "title",
    "description",
    "identifier",
    "keyword",
    "modified",
    "issued",
    "publisher",
    "contactPoint",
    "accessLevel",
    "accessRights",
    "rights",
    "license",
    "accrualPeriodicity",
    "temporal",
    "language",
    "theme",
    "landingPage",
    "describedBy",
    "conformsTo",
    "distribution",
    "version",
}


class DatasetIn(Schema):
    """A DCAT-US 1.1 / 3.0 dataset; fields we do not map are kept in ``extras``."""

    class Meta:
        unknown = INCLUDE

    title = Text()
    description = Text()
    identifier = Raw()
    keyword = TextList(separators=",")
    modified = Raw()
    issued = Raw()
    publisher = Raw()
    contactPoint = Raw()
    accessLevel = Text()
    accessRights = Text()
    rights = Text()
    license = Text()
    accrualPeriodicity = Text()
    temporal = Text()
    language = TextList()
    theme = TextList()
    landingPage = Url()
    describedBy = Url()
    conformsTo = Raw()
    distribution = Raw()
    version = Text()

    def __init__(self, themes: dict | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.theme_map = themes or {}

    @post_load
    def to_catalog(self, d: dict, **_kw: object) -> dict:
        extras = {k: v for k, v in d.items() if k not in _KNOWN and not k.startswith("_")}
        contact = _first(d.get("contactPoint"))
        themes, other_themes = vocabmap.themes(d.get("theme") or [], self.theme_map)
        langs, other_langs = vocabmap.languages(d.get("language") or [])
        start, end = normalize.parse_period(d.get("temporal"))
        if d.get("temporal") and not start:
            extras["temporal"] = d["temporal"]
        freq = vocabmap.frequency(d.get("accrualPeriodicity"))
        if d.get("accrualPeriodicity") and not freq:
            extras["accrualPeriodicity"] = d["accrualPeriodicity"]
        access = d.get("accessLevel") or d.get("accessRights")
        openness = vocabmap.openness(access)
        if access and not openness:
            warn(f"accessLevel {access!r} not understood: the source's default openness applies")
        modified = normalize.parse_datetime(d.get("modified"))
        if d.get("modified") and modified is None:
            extras["modified"] = d["modified"]  # e.g. "R/P1W": a period, not a date
        issued = normalize.parse_date(d.get("issued"))
        if issued and modified and issued > modified.date():
            warn("issued is later than modified")
        lic = vocabmap.license_code(d.get("license"))
        if d.get("license") and lic != d.get("license"):
            extras["license"] = d["license"]
        conforms = d.get("conformsTo")
        if other_themes:
            extras["theme"] = other_themes
        if other_langs:
            extras["language"] = other_langs
        if d.get("_series"):
            extras["series"] = d["_series"]
        return {
            "identifier": identifier_of(d),
            "title": d.get("title"),
            "description": d.get("description") or "",
            "keywords": d.get("keyword"),
            "modified": normalize.iso(modified),
            "issued": normalize.iso(issued),
            "contact_name": normalize.text((contact or {}).get("fn")),
            "contact_email": normalize.email((contact or {}).get("hasEmail")),
            "contact_phone": normalize.clip(
                normalize.text((contact or {}).get("hasTelephone")), 50
            ),
            "access_rights": openness,
            "access_conditions": d.get("rights"),
            "license": lic,
            "frequency": freq,
            "temporal_start": normalize.iso(start),
            "temporal_end": normalize.iso(end),
            "languages": langs,
            "themes": themes,
            "landing_page": d.get("landingPage"),
            "documentation": d.get("describedBy"),
            "conforms_to": normalize.text_list(
                conforms if isinstance(conforms, list) else [conforms]
            ),
            "version": d.get("version"),
            "distributions": _distributions(d.get("distribution")),
            "extras": extras,
            "_publisher": d.get("publisher"),
        }


def _missing(value: Any) -> bool:
    if isinstance(value, dict | list):
        return not value
    return normalize.text(value) is None


def _first(value: Any) -> dict | None:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, dict)), None)
    return value if isinstance(value, dict) else None


def _distributions(value: Any) -> list[dict]:
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return []
    out = []
    schema = _DISTRIBUTION
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            warn(f"distribution {i + 1} is not an object: dropped")
            continue
        out.append(schema.load(item))
    return out


# the same schemas loaded without marshmallow's per-call machinery (issue 17): a record in
# doubt still goes through Schema.load, so its messages and warnings are marshmallow's
_DISTRIBUTION = FastLoader(DistributionIn())


def identifier_of(d: dict) -> str | None:
    """DCAT-US identifiers: a string, or (3.0) an object with ``@id`` or a notation."""
    ident = d.get("identifier")
    if isinstance(ident, dict):
        value = ident.get("@id") or ident.get("notation")
        agency = normalize.text(ident.get("schemaAgency"))
        if value and agency and not ident.get("@id"):
            return f"{agency}:{normalize.text(value)}"
        return normalize.text(value)
    return normalize.text(ident)


def publisher_ref(value: Any) -> PublisherRef | None:
    pub = _first(value) if not isinstance(value, str) else {"name": value}
    if not pub:
        return None
    name = normalize.text(pub.get("name") or pub.get("fn") or pub.get("@id"))
    if not name:
        return None
    parent = _first(pub.get("subOrganizationOf"))
    desc = (
        f"Part of {normalize.text(parent.get('name'))}" if parent and parent.get("name") else None
    )
    return PublisherRef(key=name, title=name, title_en=name, description=desc)


class DataJsonHarvester(Harvester):
    """Project Open Data data.json (DCAT-US 1.1 and 3.0) catalogs."""

    kind = "datajson"
    config_schema = DataJsonConfig
    hashes_payload = True
    parallel_transform = True
    _schema: FastLoader | None = None

    def payload_context(self) -> Any:
        return self.version  # which fields a record needs (DCAT-US 1.1 or 3.0)

    def use_payload_context(self, context: Any) -> None:
        self.version = context

    def gather(self) -> Iterator[RemoteRecord]:
        url = self.ctx.spec.url
        try:
            with open_document(self.ctx.http, url) as fh:
                yield from self._gather(JsonStream(fh))
        except FetchError as exc:
            raise SourceError(str(exc)) from None
        except JsonStreamError as exc:
            raise SourceError(f"{url}: not a JSON document ({exc})") from None

    def _gather(self, stream: JsonStream) -> Iterator[RemoteRecord]:
        """The catalog read as it arrives: the datasets of its top-level ``dataset`` list
        one at a time (the list is most of the document), then those of its series,
        services and sub-catalogs."""
        seen: set[str] = set()
        found = 0

        def records(pairs: Iterable[tuple[Any, dict]]) -> Iterator[RemoteRecord]:
            nonlocal found
            for ds, extra in pairs:
                key = identifier_of(ds) if isinstance(ds, dict) else None
                if key and key in seen:
                    continue  # each dataset once
                if key:
                    seen.add(key)
                found += 1
                if not isinstance(ds, dict):
                    self.ctx.report(None, "transform", f"dataset #{found} is not an object")
                    continue
                payload = {**ds, **extra}
                ident = key or normalize.text(ds.get("@id"))
                yield RemoteRecord(ident, payload, locator=f"dataset #{found}")

        head = stream.peek()
        if head == "[":  # a bare list of datasets (some portals)
            self._start({})
            yield from records((ds, {}) for ds in stream.items())
            stream.end()
            return
        if head != "{":
            stream.value()
            stream.end()
            raise SourceError("the document is not a data.json catalog (an object with datasets)")
        catalog: dict = {}
        started = False
        for key, value, item in stream.members(stream=("dataset",)):
            if not item:
                catalog[key] = value
                continue
            if not started:  # the version decides what a record needs: find it first
                started = True
                if "conformsTo" not in catalog:
                    catalog["conformsTo"] = stream.lookahead("conformsTo", skip=("dataset",))
                self._start(catalog)
            yield from records([(value, {})])
        stream.end()
        if not started:
            self._start(catalog)
        yield from records(_datasets(catalog, self.ctx))
        listed = "dataset" in catalog or "dataset" in stream.streamed
        if not found and not listed and "datasetSeries" not in catalog:
            raise SourceError("the document has no 'dataset' list: not a data.json catalog")

    def _start(self, catalog: dict) -> None:
        self.version = _version(catalog)
        self.ctx.log(f"data.json catalog, DCAT-US {self.version}")

    def transform(self, payload: Any, record: RemoteRecord) -> Transformed:
        missing = [
            f
            for f in (REQUIRED_30 if self.version == "3.0" else REQUIRED_11)
            if _missing(payload.get(f))
        ]
        if not self.config.get("strict", True):
            missing = [f for f in missing if f in ("title", "identifier")]
        if record.remote_id is None and "identifier" not in missing:
            missing.append("identifier")
        if missing:
            title = normalize.clip(normalize.text(payload.get("title")), 80)
            raise RecordError(
                "transform",
                f"missing required DCAT-US {self.version} field(s): {', '.join(missing)}"
                + (f" (title {title!r})" if title else ""),
            )
        if self._schema is None:  # one schema for the run: making one costs more than a load
            self._schema = FastLoader(DatasetIn(themes=self.config.get("themes")))
        data, warnings = load_remote(self._schema, payload)
        if not data.get("title"):
            raise RecordError("transform", "no title")
        data["identifier"] = data.get("identifier") or record.remote_id
        publisher = publisher_ref(data.pop("_publisher"))
        return Transformed(record.known_id(), data, publisher, warnings=warnings)


def _version(catalog: dict) -> str:
    conforms = catalog.get("conformsTo")
    text = (conforms.get("title") or "") if isinstance(conforms, dict) else str(conforms or "")
    return "3.0" if "3.0" in text else "1.1"


def _datasets(catalog: dict, ctx: Any, depth: int = 0) -> Iterator[tuple[Any, dict]]:
    """Every dataset of a catalog and its sub-catalogs, series and services, each once."""
    seen: set[str] = set()

    def once(ds: Any, extra: dict) -> Iterator[tuple[Any, dict]]:
        key = identifier_of(ds) if isinstance(ds, dict) else None
        if key and key in seen:
            return
        if key:
            seen.add(key)
        yield ds, extra

    def walk(cat: dict, level: int) -> Iterator[tuple[Any, dict]]:
        for ds in _as_list(cat.get("dataset")):
            yield from once(ds, {})
        for series in _as_list(cat.get("datasetSeries")):
            if not isinstance(series, dict):
                continue
            ref = {
                "series": normalize.text(series.get("@id")) or normalize.text(series.get("title"))
            }
            for key in ("seriesMember", "first", "last"):
                for ds in _as_list(series.get(key)):
                    yield from once(ds, {"_series": ref})
        for svc in _as_list(cat.get("service")):
            if not isinstance(svc, dict):
                continue
            served = _as_list(svc.get("servesDataset"))
            endpoints = [u for u in normalize.text_list(svc.get("endpointURL")) if normalize.url(u)]
            if not served:
                ctx.log(
                    f"data service {normalize.text(svc.get('title'))!r} serves no dataset: skipped"
                )
            for ds in served:
                yield from once(_served_by(ds, svc, endpoints), {})
        if level < 5:
            for sub in _as_list(cat.get("catalog")):
                if isinstance(sub, dict):
                    yield from walk(sub, level + 1)

    yield from walk(catalog, depth)


def _served_by(ds: Any, service: dict, endpoints: list[str]) -> Any:
    """A dataset a data service serves, with the service's endpoints as API distributions."""
    if not isinstance(ds, dict) or not endpoints:
        return ds
    title = normalize.text(service.get("title")) or "API"
    api = [{"title": title, "accessURL": u, "format": "API"} for u in endpoints]
    return {**ds, "distribution": _as_list(ds.get("distribution")) + api}


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
