"""schema.org ``Dataset`` JSON-LD, embedded in each dataset page for dataset search engines.

Follows what dataset search engines read: name, description, url, identifier, keywords,
license, isAccessibleForFree, creator, dates, coverage, and ``DataDownload`` entries for
the distributions the visitor may see.
"""

from __future__ import annotations

from schemas import vocab
from schemas.formats import LICENCES, SiteLinks, media_type

_MAX_DESCRIPTION = 5000


def _org(org: dict | None, fallback: str | None) -> dict | None:
    if org:
        out = {"@type": "Organization", "name": org["title"]}
        if org.get("title_en"):
            out["alternateName"] = org["title_en"]
        if org.get("homepage"):
            out["url"] = org["homepage"]
        return out
    if fallback:
        return {"@type": "Organization", "name": fallback}
    return None


def to_schemaorg(r: dict, links: SiteLinks, locale: str = "zh") -> dict:
    """The dataset as schema.org JSON-LD, in the page's language with the other as alternate."""
    en = locale.startswith("en")
    title = (r.get("title_en") if en else None) or r["title"]
    other = r["title"] if en and r.get("title_en") else r.get("title_en")
    desc = (r.get("description_en") if en else None) or r.get("description") or r["title"]
    if len(desc) < 50:  # search engines want 50+ characters; say what the dataset is
        desc = f"{desc} ({title}; {vocab.label('kind', r.get('kind'), locale)})"
    lic = r.get("license")
    downloads = []
    for d in r.get("distributions") or []:
        url = d.get("download_url") or d.get("access_url")
        if not url:
            continue
        item = {
            "@type": "DataDownload",
            "name": (d.get("title_en") if en else None) or d.get("title") or "",
            "contentUrl": url,
        }
        fmt = media_type(d) or d.get("format")
        if fmt:
            item["encodingFormat"] = fmt
        if d.get("byte_size") is not None:
            item["contentSize"] = f"{int(d['byte_size'])} B"
        downloads.append(item)
    temporal = None
    if r.get("temporal_start") or r.get("temporal_end"):
        temporal = f"{r.get('temporal_start') or '..'}/{r.get('temporal_end') or '..'}"
    places = [
        {"@type": "Place", "name": vocab.label("region", code, locale)}
        for code in r.get("spatial") or []
    ]
    doc = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": links.dataset(r),
        "name": title,
        "alternateName": other,
        "description": desc[:_MAX_DESCRIPTION],
        "url": links.page(r),
        "identifier": [i for i in (r.get("identifier"), r.get("resource_code")) if i] or r["id"],
        "keywords": list(r.get("keywords") or [])
        + [vocab.label("theme", t, locale) for t in r.get("themes") or []],
        "license": ((LICENCES.get(lic) or (None, None))[1] or vocab.label("license", lic, locale))
        if lic
        else None,
        "isAccessibleForFree": r.get("access_rights") == "unconditional",
        "conditionsOfAccess": r.get("access_conditions"),
        "creator": _org(r.get("organization"), r.get("source_department")),
        "datePublished": r.get("issued"),
        "dateModified": r.get("modified"),
        "temporalCoverage": temporal,
        "spatialCoverage": places or None,
        "inLanguage": list(r.get("languages") or []) or None,
        "version": r.get("version"),
        "citation": r.get("citation"),
        "distribution": downloads or None,
    }
    if r.get("kind") in ("training", "benchmark"):
        doc["subjectOf"] = {
            "@type": "CreativeWork",
            "encodingFormat": "application/ld+json",
            "url": links.croissant(r),
            "description": "Croissant metadata",
        }
    return {k: v for k, v in doc.items() if v not in (None, "", [])}
