"""MLCommons Croissant (JSON-LD) metadata of AI datasets, versions 0.8 to 1.1.

Keys are read after dropping their prefix (``sc:name`` and ``name`` alike), so the
compacted forms of the three versions map the same way. A dataset's identity is its
``@id`` when that is an IRI, else its ``url`` and ``name``. File objects become
distributions (relative ``contentUrl`` resolved against the metadata file) with their
sha256 and size; record sets with their fields and the Responsible-AI properties Croissant
names become the dataset's ``record_sets`` and ``rai`` (read by
``schemas.formats.croissant.read_croissant``, which a publisher's uploaded file goes
through too); file sets, other ``rai:`` and provenance (``prov:``) properties are kept in
``extras``; modalities come from the media types and field types.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import INCLUDE, Schema, post_load, pre_load

from catalog.services.harvest import PublisherRef
from harvesters import normalize, vocabmap
from harvesters.base import RecordError, RemoteRecord, Transformed, load_remote
from harvesters.documents import Document
from harvesters.fields import Raw, Text, TextList, Url
from harvesters.files import FileHarvester, resolve
from schemas.formats.croissant import read_croissant

_SIZE = re.compile(r"^\s*([\d.]+)\s*([KMGTP]?i?B|bytes?)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "byte": 1, "bytes": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9}
_UNITS |= {"tb": 10**12, "pb": 10**15, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_HEX = re.compile(r"^[0-9a-fA-F]{32,128}$")
_FIELD_MODALITY = {
    "imageobject": "image",
    "audioobject": "audio",
    "videoobject": "video",
    "text": "text",
}


def byte_size(value: Any) -> int | None:
    """``117743``, ``"117743 B"``, ``"1.5 GB"`` -> bytes."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value) if value >= 0 else None
    m = _SIZE.match(str(value or ""))
    if not m:
        return None
    unit = (m.group(2) or "").lower()
    try:
        return int(float(m.group(1)) * _UNITS.get(unit, 1))
    except ValueError:
        return None


def _unprefix(obj: Any) -> Any:
    """``{"sc:name": ...}`` -> ``{"name": ...}``, recursively (JSON-LD keywords kept)."""
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            key = k if k.startswith("@") or k.startswith(("rai:", "prov:")) else k.split(":")[-1]
            out.setdefault(key, _unprefix(v))
        return out
    if isinstance(obj, list):
        return [_unprefix(v) for v in obj]
    return obj


def _names(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [
        n for n in (normalize.text(i.get("name") if isinstance(i, dict) else i) for i in items) if n
    ]


def _licenses(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    out = []
    for i in items:
        if isinstance(i, dict):
            i = i.get("@id") or i.get("url") or i.get("name")
        t = normalize.text(i)
        if t:
            out.append(t)
    return out


def _types(node: dict) -> list[str]:
    t = node.get("@type")
    return [str(x).split(":")[-1].lower() for x in (t if isinstance(t, list) else [t]) if x]


class CroissantIn(Schema):
    class Meta:
        unknown = INCLUDE

    name = Text()
    description = Text()
    url = Url()
    license = Raw()
    creator = Raw()
    publisher = Raw()
    datePublished = Text()
    dateModified = Text()
    dateCreated = Text()
    version = Text()
    keywords = TextList(separators=",")
    inLanguage = TextList()
    citeAs = Text()
    citation = Text()
    conformsTo = Text()
    temporalCoverage = Text()
    distribution = Raw()
    recordSet = Raw()

    def __init__(self, location: str, version_hint: str | None, **kw: Any) -> None:
        super().__init__(**kw)
        self.location = location
        self.version_hint = version_hint

    @pre_load
    def _flat(self, data: dict, **_kw: object) -> dict:
        return _unprefix(data)

    @post_load
    def to_catalog(self, d: dict, **_kw: object) -> dict:
        extras: dict[str, Any] = {}
        dists, file_sets, formats = [], [], []
        for node in d.get("distribution") or []:
            if not isinstance(node, dict):
                continue
            types = _types(node)
            fmt = normalize.text(node.get("encodingFormat"))
            if fmt:
                formats.append(fmt)
            if "fileset" in types:
                file_sets.append(
                    {
                        "name": normalize.text(node.get("name") or node.get("@id")),
                        "includes": node.get("includes"),
                        "encodingFormat": fmt,
                    }
                )
                continue
            url = normalize.url(resolve(self.location, normalize.text(node.get("contentUrl"))))
            checksum = normalize.text(node.get("sha256")) or normalize.text(node.get("md5"))
            algo = "sha256" if node.get("sha256") else "md5"
            dists.append(
                {
                    "title": normalize.text(node.get("name") or node.get("@id")),
                    "description": normalize.text(node.get("description")),
                    "download_url": url,
                    "access_url": url,
                    "format": vocabmap.data_format(fmt),
                    "media_type": vocabmap.media_type(fmt),
                    "byte_size": byte_size(node.get("contentSize")),
                    "checksum": checksum if checksum and _HEX.match(checksum) else None,
                    "checksum_algorithm": algo if checksum and _HEX.match(checksum) else None,
                }
            )
        field_types = []
        try:
            described = read_croissant(d, self.location)
        except ValueError:
            described = {"record_sets": [], "rai": {}}
        for rs in d.get("recordSet") or []:
            if isinstance(rs, dict):
                for f in rs.get("field") or []:
                    if isinstance(f, dict):
                        dt = f.get("dataType")
                        field_types += [
                            str(x).split(":")[-1].lower()
                            for x in (dt if isinstance(dt, list) else [dt])
                            if x
                        ]
        modalities = vocabmap.modalities(formats)
        for ft in field_types:
            m = _FIELD_MODALITY.get(ft)
            if m and m not in modalities:
                modalities.append(m)
        langs, other_langs = vocabmap.languages(d.get("inLanguage") or [])
        licenses = _licenses(d.get("license"))
        lic = vocabmap.license_code(licenses[0]) if licenses else None
        start, end = normalize.parse_period(d.get("temporalCoverage"))
        for key in ("alternateName", "sameAs", "isLiveDataset", "isAccessibleForFree"):
            if d.get(key) not in (None, "", []):
                extras[key] = d[key]
        rai = {
            k[4:]: v for k, v in d.items() if k.startswith("rai:") and k[4:] not in described["rai"]
        }
        prov = {k[5:]: v for k, v in d.items() if k.startswith("prov:")}
        if rai:
            extras["rai"] = rai
        if prov:
            extras["provenance"] = prov
        if file_sets:
            extras["file_sets"] = file_sets
        if _names(d.get("creator")):
            extras["creators"] = _names(d.get("creator"))
        if licenses and lic != licenses[0]:
            extras["license"] = licenses
        if other_langs:
            extras["language"] = other_langs
        conforms = d.get("conformsTo") or self.version_hint
        return {
            "title": d.get("name"),
            "description": d.get("description") or "",
            "landing_page": d.get("url"),
            "license": lic,
            "issued": normalize.iso(
                normalize.parse_date(d.get("datePublished") or d.get("dateCreated"))
            ),
            "modified": normalize.iso(normalize.parse_datetime(d.get("dateModified"))),
            "version": d.get("version"),
            "keywords": d.get("keywords"),
            "languages": langs,
            "citation": d.get("citeAs") or d.get("citation"),
            "conforms_to": [conforms] if conforms else [],
            "temporal_start": normalize.iso(start),
            "temporal_end": normalize.iso(end),
            "modalities": modalities,
            "data_formats": list(
                dict.fromkeys(f for f in (vocabmap.data_format(x) for x in formats) if f)
            ),
            "distributions": dists,
            "record_sets": described["record_sets"],
            "rai": described["rai"],
            "extras": extras,
            "_publisher": d.get("publisher"),
        }


def _version(doc: dict) -> str | None:
    ctx = doc.get("@context")
    if isinstance(ctx, dict):
        ml = str(ctx.get("ml") or "")
        if "mlcommons.org/schema" in ml:
            return "http://mlcommons.org/croissant/0.8"
    return None


class CroissantHarvester(FileHarvester):
    """MLCommons Croissant JSON-LD (0.8, 1.0, 1.1): from a URL, a folder or an upload."""

    kind = "croissant"
    patterns = ("*.json", "*.jsonld")

    def parse(self, doc: Document) -> Any:
        data = doc.json()
        if not isinstance(data, dict):
            raise RecordError("transform", "not a JSON-LD object")
        declared = data.get("@type")
        types = [
            t.split(":")[-1] for t in (declared if isinstance(declared, list) else [declared]) if t
        ]
        if "Dataset" not in types:
            raise RecordError("transform", f"not a Croissant dataset (@type {data.get('@type')!r})")
        return data

    def identity(self, parsed: Any, doc: Document) -> str | None:
        flat = _unprefix(parsed)
        ident = normalize.text(flat.get("@id"))
        if ident and "://" in ident:
            return ident
        url, name = normalize.url(flat.get("url")), normalize.text(flat.get("name"))
        # several datasets may share a project URL (mlcommons.org's examples do): the
        # name tells them apart
        return f"{url}#{name}" if url and name else url or name

    def transform(self, payload: Any, record: RemoteRecord) -> Transformed:
        doc, location = payload["doc"], payload["location"]
        data, warnings = load_remote(CroissantIn(location, _version(doc)), doc)
        if not data.get("title"):
            raise RecordError("transform", "no name (the dataset's title)")
        pub = _names(data.pop("_publisher"))
        publisher = PublisherRef(key=pub[0], title=pub[0]) if pub else None
        return Transformed(
            record.known_id(), data, publisher, name_hint=data["title"], warnings=warnings
        )
