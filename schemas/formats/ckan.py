"""CKAN package, resource, organization and group dicts, as CKAN's Action API returns them.

So that ``ckanapi`` and CKAN harvesters read this catalog as they read any CKAN. What CKAN
has no field for (openness, resource code, themes, AI fields, English texts ...) goes into
``extras`` as ``{"key", "value"}`` pairs with string values (lists and dicts JSON-encoded),
under the names of our own fields, so a harvester can map them back one to one.
"""

from __future__ import annotations

import json

from schemas import vocab
from schemas.dataset import EDITABLE_FIELDS
from schemas.formats import LICENCES, OPEN_LICENCES, SiteLinks, dist_url, media_type

# Dataset fields CKAN has no place for, exported as extras under their own names: every
# field a publisher may set except those a CKAN package dict already has a slot for.
_CKAN_NATIVE = {
    "name", "title", "description", "organization", "contact_name", "contact_email",
    "keywords", "license", "version", "landing_page", "review_by", "featured", "extras",
    "distributions",
}  # fmt: skip
EXTRA_FIELDS = tuple(f for f in EDITABLE_FIELDS if f not in _CKAN_NATIVE)
STATES = {"published": "active", "withdrawn": "deleted"}


def _extra_value(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _empty(value: object) -> bool:
    return value is None or value == "" or value == [] or value == {}


def organization_dict(org: dict, package_count: int | None = None) -> dict:
    """An organization as CKAN's organization_show / organization_list(all_fields) give it."""
    out = {
        "id": org["id"],
        "name": org["name"],
        "title": org["title"],
        "display_name": org["title"],
        "description": org.get("description") or "",
        "image_url": "",
        "created": org.get("created_at"),
        "is_organization": True,
        "type": "organization",
        "state": "active",
        "approval_status": "approved",
        "extras": [
            {"key": k, "value": _extra_value(org[k])}
            for k in (
                "title_en",
                "description_en",
                "org_type",
                "credit_code",
                "homepage",
                "region",
                "partner_status",
            )
            if not _empty(org.get(k))
        ],
    }
    if package_count is not None:
        out["package_count"] = package_count
    return out


def group_dict(theme: str, package_count: int | None = None, locale: str = "zh") -> dict:
    """A theme of ours as a CKAN group (CKAN groups are its thematic categories)."""
    title = vocab.label("theme", theme, locale)
    out = {
        "id": theme,
        "name": theme,
        "title": title,
        "display_name": title,
        "description": "",
        "image_url": "",
        "image_display_url": "",
        "is_organization": False,
        "type": "group",
        "state": "active",
        "approval_status": "approved",
        "extras": [
            {"key": "title_en", "value": vocab.label("theme", theme, "en")},
            {"key": "eu_theme", "value": vocab.THEME_EU.get(theme, "")},
        ],
    }
    if package_count is not None:
        out["package_count"] = package_count
    return out


def resource_dict(record: dict, dist: dict, position: int) -> dict:
    """A distribution as a CKAN resource; our own fields ride along as extra keys."""
    return {
        "id": dist["id"],
        "package_id": record["id"],
        "position": position,
        "name": dist.get("title") or "",
        "name_en": dist.get("title_en"),
        "description": dist.get("description") or "",
        "url": dist_url(dist) or "",
        "access_url": dist.get("access_url"),
        "download_url": dist.get("download_url"),
        "format": dist.get("format") or "",
        "mimetype": media_type(dist),
        "size": dist.get("byte_size"),
        "hash": dist.get("checksum") or "",
        "checksum_algorithm": dist.get("checksum_algorithm"),
        "license_id": dist.get("license"),
        "created": dist.get("created_at"),
        "last_modified": None,
        "url_type": None,
        "state": "active",
    }


def package_dict(record: dict, links: SiteLinks) -> dict:
    """A dataset record as a CKAN package dict (``package_show``)."""
    org = record.get("organization")
    lic = record.get("license")
    tags = [
        {"name": k, "display_name": k, "state": "active", "vocabulary_id": None}
        for k in record.get("keywords") or []
    ]
    groups = [
        {
            "id": t,
            "name": t,
            "title": vocab.label("theme", t, "zh"),
            "display_name": vocab.label("theme", t, "zh"),
            "description": "",
            "image_display_url": "",
        }
        for t in record.get("themes") or []
    ]
    resources = [resource_dict(record, d, i) for i, d in enumerate(record.get("distributions", []))]
    extras = [
        {"key": k, "value": _extra_value(record.get(k))}
        for k in EXTRA_FIELDS
        if not _empty(record.get(k))
    ]
    own = {e["key"] for e in extras}
    for k, v in sorted((record.get("extras") or {}).items()):
        if k not in own and not _empty(v):
            extras.append({"key": k, "value": _extra_value(v)})
    return {
        "id": record["id"],
        "name": record["name"],
        "title": record["title"],
        "notes": record.get("description") or "",
        "type": "dataset",
        "state": STATES.get(record.get("status", ""), "draft"),
        "private": False,
        "owner_org": org["id"] if org else None,
        "organization": organization_dict(org) if org else None,
        "author": record.get("source_department"),
        "author_email": None,
        "maintainer": record.get("contact_name"),
        "maintainer_email": record.get("contact_email"),
        "url": record.get("landing_page") or links.page(record),
        "version": record.get("version"),
        "license_id": lic or "notspecified",
        "license_title": vocab.label("license", lic, "en") if lic else "License not specified",
        "license_url": (LICENCES.get(lic or "") or (None, None))[1],
        "isopen": bool(lic in OPEN_LICENCES and record.get("access_rights") == "unconditional"),
        "metadata_created": record.get("created_at"),
        "metadata_modified": record.get("updated_at"),
        "num_tags": len(tags),
        "tags": tags,
        "groups": groups,
        "num_resources": len(resources),
        "resources": resources,
        "extras": extras,
        "relationships_as_subject": [],
        "relationships_as_object": [],
    }
