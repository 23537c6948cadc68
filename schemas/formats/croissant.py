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
* **Record sets where the publisher described them.** A record set is written from the
  publisher's ``record_sets`` (name, description, fields with a data type and description,
  and the file they are read from: a field's ``source`` is that FileObject and the column
  of its name). Croissant requires a source on every field, so a record set whose file is
  not one of the document's FileObjects (no file chosen, a restricted file, a file without
  a hash) is left out; the dataset page still lists its fields. Nothing is guessed from a
  preview: a record set the publisher did not describe is not emitted. Splits and counts also go into the description.
* **Responsible AI.** The publisher's ``rai`` properties are written as ``rai:<name>``;
  without a ``dataAnnotationProtocol`` of theirs, the annotation fields make one.

:func:`read_croissant` reads the same things back from a Croissant file (0.8 to 1.1), so a
publisher's own file (uploaded, or harvested by URL) fills the record sets, the RAI
properties and the files' hashes and sizes.
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


# our field types -> Croissant data types, and back (schema.org's names, any prefix)
DATA_TYPES: dict[str, str | list[str]] = {
    "text": "sc:Text",
    "integer": "sc:Integer",
    "float": "sc:Float",
    "boolean": "sc:Boolean",
    "date": "sc:Date",
    "datetime": "sc:DateTime",
    "url": "sc:URL",
    "image": "sc:ImageObject",
    "audio": "sc:AudioObject",
    "video": "sc:VideoObject",
    "bounding_box": "cr:BoundingBox",
    "label": ["sc:Text", "cr:Label"],  # a semantic type, on a base type
}
_TYPE_OF = {
    (v if isinstance(v, str) else v[-1]).split(":")[1].lower(): k for k, v in DATA_TYPES.items()
} | {"number": "float"}
_ID_UNSAFE = re.compile(r"[^0-9A-Za-z_.\-]+")


def _node_id(text: str) -> str:
    """A JSON-LD ``@id`` made of a name: mlcroissant reads ``/`` as a path separator."""
    return _ID_UNSAFE.sub("_", text).strip("_") or "x"


def _record_sets(r: dict, file_ids: dict[str, str]) -> list[dict]:
    """The publisher's record sets; a field reads the column of its name from its record
    set's file when that file is one of the document's FileObjects."""
    out = []
    for rs in r.get("record_sets") or []:
        rs_id = _node_id(rs["name"])
        file_id = file_ids.get(rs.get("file") or "")
        if not file_id:
            continue  # a field must say where its values are read from (Croissant 1.0)
        node_fields = []
        for f in rs.get("fields") or []:
            node: dict = {
                "@type": "cr:Field",
                "@id": f"{rs_id}/{_node_id(f['name'])}",
                "name": f["name"],
                "description": f.get("description") or None,
                "dataType": DATA_TYPES.get(f.get("data_type") or "text", "sc:Text"),
            }
            node["source"] = {"fileObject": {"@id": file_id}, "extract": {"column": f["name"]}}
            node_fields.append({k: v for k, v in node.items() if v is not None})
        if not node_fields:
            continue
        node = {
            "@type": "cr:RecordSet",
            "@id": rs_id,
            "name": rs["name"],
            "description": rs.get("description") or None,
            "field": node_fields,
        }
        out.append({k: v for k, v in node.items() if v is not None})
    return out


def _rai(r: dict) -> dict:
    given = {f"rai:{k}": v for k, v in (r.get("rai") or {}).items() if v}
    if "rai:dataAnnotationProtocol" not in given:
        given["rai:dataAnnotationProtocol"] = _annotation(r)
    return given


def to_croissant(r: dict, links: SiteLinks) -> dict:
    """A training or benchmark dataset record as a Croissant 1.0 document."""
    live = r.get("frequency") == "UPDATE_CONT"
    files = []
    file_ids: dict[str, str] = {}
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
        file_ids[url] = d["id"]

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
        "isBasedOn": [links.page({"name": n}) for n in r.get("derived_from") or []],
        **_rai(r),
        "distribution": files,
        "recordSet": _record_sets(r, file_ids),
    }
    if live:
        doc["isLiveDataset"] = True
    return {k: v for k, v in doc.items() if v not in (None, "", [])} | {"distribution": files}


# --- reading a publisher's Croissant file -------------------------------------------------


def _plain(obj: object) -> object:
    """``{"sc:name": ...}`` -> ``{"name": ...}`` recursively; ``rai:`` keys keep theirs."""
    if isinstance(obj, dict):
        out: dict = {}
        for k, v in obj.items():
            key = k if k.startswith(("@", "rai:")) else k.split(":")[-1]
            if key.startswith("http") and "/RAI/" in key:
                key = "rai:" + key.rsplit("/", 1)[-1]
            out.setdefault(key, _plain(v))
        return out
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    return obj


def _as_list(value: object) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: object, limit: int) -> str | None:
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    if isinstance(value, list):
        value = "\n".join(str(v) for v in value if isinstance(v, str | int | float)) or None
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text[:limit] or None


def _data_type(value: object) -> str:
    """Ours of a field's Croissant data type(s): a semantic type (a label, a bounding box)
    wins over the base type beside it."""
    known = []
    for t in _as_list(value):
        if isinstance(t, dict):
            t = t.get("@id")
        key = str(t or "").rsplit("/", 1)[-1].split(":")[-1].lower()
        if key in _TYPE_OF:
            known.append(_TYPE_OF[key])
    return next((k for k in known if k != "text"), "text")


def _source_file(field: dict) -> str | None:
    source = field.get("source")
    if isinstance(source, str):  # 0.8: "#{file}/column"
        return source.lstrip("#{").split("}")[0] or None
    if not isinstance(source, dict):
        return None
    for key in ("fileObject", "distribution", "fileSet"):
        ref = source.get(key)
        if isinstance(ref, dict):
            ref = ref.get("@id") or ref.get("name")
        if ref:
            return str(ref)
    return None


def croissant_file_url(node: dict, base: str | None) -> str | None:
    from urllib.parse import urljoin

    url = _text(node.get("contentUrl"), 2000)
    if not url:
        return None
    return urljoin(base, url) if base and "://" not in url else url


def read_croissant(doc: object, base: str | None = None) -> dict:
    """What a Croissant file says that the catalog keeps: ``record_sets`` (shaped like
    :class:`schemas.ai_metadata.RecordSetSchema`, the file being the URL of the FileObject
    the fields read from), ``rai`` (the known RAI properties as text) and ``files``
    (``{"url", "name", "sha256", "md5", "byte_size"}`` of each FileObject). Raises
    ``ValueError`` when ``doc`` is no Croissant dataset."""
    if not isinstance(doc, dict):
        raise ValueError("Not a Croissant file: no JSON-LD object of type Dataset.")
    d = _plain(doc)
    assert isinstance(d, dict)
    types = [str(t).split(":")[-1].rsplit("/", 1)[-1] for t in _as_list(d.get("@type"))]
    if "Dataset" not in types:
        raise ValueError("Not a Croissant file: no JSON-LD object of type Dataset.")
    files, url_of = [], {}
    for node in _as_list(d.get("distribution")):
        if not isinstance(node, dict):
            continue
        node_types = [str(t).split(":")[-1].lower() for t in _as_list(node.get("@type"))]
        url = croissant_file_url(node, base) if "fileobject" in node_types else None
        for key in (node.get("@id"), node.get("name")):
            if key and url:
                url_of[str(key)] = url
        if url:
            sha = (_text(node.get("sha256"), 100) or "").lower()
            md5 = (_text(node.get("md5"), 100) or "").lower()
            files.append(
                {
                    "url": url,
                    "name": _text(node.get("name"), 500),
                    "sha256": sha if len(sha) == 64 and _HEX.match(sha) else None,
                    "md5": md5 if len(md5) == 32 and _HEX.match(md5) else None,
                    "byte_size": _size(node.get("contentSize")),
                }
            )
    record_sets: list[dict] = []
    for rs in _as_list(d.get("recordSet"))[:50]:
        if not isinstance(rs, dict):
            continue
        name = _text(rs.get("name") or rs.get("@id"), 100)
        if not name or name in {r["name"] for r in record_sets}:
            continue
        rs_fields, seen, file_url = [], set(), None
        for f in _as_list(rs.get("field"))[:200]:
            fname = _text(f.get("name") or f.get("@id"), 100) if isinstance(f, dict) else None
            if not fname or fname in seen:
                continue
            fname = fname.removeprefix(f"{name}/") or fname  # 1.0 names fields "<set>/<field>"
            if fname in seen:
                continue
            seen.add(fname)
            assert isinstance(f, dict)
            rs_fields.append(
                {
                    "name": fname,
                    "data_type": _data_type(f.get("dataType")),
                    "description": _text(f.get("description"), 2000),
                }
            )
            ref = _source_file(f)
            file_url = file_url or (url_of.get(ref) if ref else None)
        record_sets.append(
            {
                "name": name,
                "description": _text(rs.get("description"), 2000),
                "file": file_url,
                "fields": rs_fields,
            }
        )
    rai = {}
    for key, value in d.items():
        if key.startswith("rai:") and key[4:] in vocab.RAI_PROPERTIES:
            text = _text(value, 20_000)
            if text:
                rai[key[4:]] = text
    return {"record_sets": record_sets, "rai": rai, "files": files}


_SIZE = re.compile(r"^\s*([\d.]+)\s*([KMGTP]?i?B|bytes?)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "byte": 1, "bytes": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9}
_UNITS |= {"tb": 10**12, "pb": 10**15, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def _size(value: object) -> int | None:
    """``117743``, ``"117743 B"``, ``"1.5 GB"`` -> bytes."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value) if value >= 0 else None
    m = _SIZE.match(str(value or ""))
    if not m:
        return None
    try:
        return int(float(m.group(1)) * _UNITS.get((m.group(2) or "").lower(), 1))
    except ValueError:
        return None
