"""Croissant 1.0 JSON-LD for AI training and benchmark datasets.

What we say and what we leave out, and why:

* **Files and checksums.** Croissant requires an ``md5`` or ``sha256`` on every file of a
  dataset that is not *live*. A distribution is listed as a ``cr:FileObject`` when it has
  a content hash (``sha256``: of its upload, entered by its publisher or fetched by
  ``catalog files check``) or its publisher gave an md5 or sha256 checksum; ``sha256`` and
  ``contentSize`` are then carried. A dataset updated in real time (frequency ``UPDATE_CONT``) is a
  live dataset in Croissant's sense: its files are listed without checksums and
  ``isLiveDataset`` is true. Every other file stays off the Croissant document (it is on
  the dataset page, ``url``) rather than carrying an invented checksum.
* **Only files.** Access URLs without a download URL are pages or APIs, not bytes, so
  they are not FileObjects.
* **No recordSet.** The catalog knows a dataset's splits and sample counts, not its
  columns or fields; Croissant record sets describe fields, so none is emitted rather
  than a guessed one. Splits and counts go into the description instead.
"""

from __future__ import annotations

import re
from posixpath import basename
from urllib.parse import unquote, urlparse

from schemas import vocab
from schemas.formats import LICENCES, SiteLinks, media_type

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
AI_KINDS = ("training", "benchmark")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_HASH_LEN = {"md5": 32, "sha256": 64}

# The @context of Croissant 1.0 as the specification and mlcroissant write it.
CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}


def has_croissant(record: dict) -> bool:
    return record.get("kind") in AI_KINDS


def _checksum(dist: dict) -> tuple[str, str] | None:
    algo = (dist.get("checksum_algorithm") or "").lower()
    value = (dist.get("checksum") or "").split(":")[-1].strip().lower()
    if algo in _HASH_LEN and len(value) == _HASH_LEN[algo] and _HEX.match(value):
        return algo, value
    return None


def _file_name(url: str, fallback: str) -> str:
    name = basename(unquote(urlparse(url).path)) or fallback
    return name[:200]


def _description(r: dict) -> str:
    text = r.get("description_en") or r.get("description") or r.get("title_en") or r["title"]
    counts = r.get("sample_counts") or {}
    if counts:
        splits = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
        text = f"{text}\n\nSamples per split: {splits}."
    return text


def _annotation(r: dict) -> str | None:
    parts = []
    if r.get("annotation_type"):
        parts.append(vocab.label("annotation_type", r["annotation_type"], "en"))
    if r.get("annotation_method"):
        parts.append(vocab.label("annotation_method", r["annotation_method"], "en") + " annotation")
    if r.get("annotation_accuracy") is not None:
        parts.append(f"reported accuracy {r['annotation_accuracy']:.1%}")
    return "; ".join(parts) or None


def to_croissant(r: dict, links: SiteLinks) -> dict:
    """A training or benchmark dataset record as a Croissant 1.0 document."""
    live = r.get("frequency") == "UPDATE_CONT"
    files = []
    for d in r.get("distributions") or []:
        url = d.get("download_url")
        if not url:
            continue
        checksum = _checksum(d)
        sha = (d.get("sha256") or "").strip().lower()
        if len(sha) != 64 or not _HEX.match(sha):
            sha = ""
        if checksum is None and not sha and not live:
            continue
        fo: dict = {
            "@type": "cr:FileObject",
            "@id": d["id"],
            "name": _file_name(url, d["id"]),
            "description": d.get("title_en") or d.get("title") or "",
            "contentUrl": url,
            "encodingFormat": media_type(d) or (d.get("format") or "application/octet-stream"),
        }
        if d.get("byte_size") is not None:
            fo["contentSize"] = f"{int(d['byte_size'])} B"
        if checksum:
            fo[checksum[0]] = checksum[1]
        if sha:
            fo["sha256"] = sha
        files.append(fo)

    org = r.get("organization") or {}
    creator = {
        "@type": "sc:Organization",
        "name": org.get("title_en") or org.get("title") or r.get("source_department") or "",
    }
    if org.get("homepage"):
        creator["url"] = org["homepage"]
    lic = r.get("license")
    doc: dict = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": r.get("title_en") or r["title"],
        "alternateName": [t for t in (r["title"], r.get("title_en")) if t],
        "description": _description(r),
        "url": links.page(r),
        "sameAs": links.dataset(r),
        "license": ((LICENCES.get(lic) or (None, None))[1] or vocab.label("license", lic, "en"))
        if lic
        else None,
        "creator": creator if creator["name"] else None,
        "datePublished": (r.get("issued") or r.get("created_at") or "")[:10] or None,
        "dateModified": (r.get("modified") or "")[:10] or None,
        "version": r.get("version"),
        "citeAs": r.get("citation"),
        "keywords": list(r.get("keywords") or [])
        + [vocab.label("task", t, "en") for t in r.get("task_categories") or []]
        + [vocab.label("modality", m, "en") for m in r.get("modalities") or []],
        "inLanguage": list(r.get("languages") or []) or None,
        "isAccessibleForFree": r.get("access_rights") == "unconditional",
        "conditionsOfAccess": r.get("access_conditions"),
        "rai:dataAnnotationProtocol": _annotation(r),
        "distribution": files,
    }
    if live:
        doc["isLiveDataset"] = True
    return {k: v for k, v in doc.items() if v not in (None, "", [])} | {"distribution": files}
