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
        "url_type": "upload" if dist.get("stored_file") else None,  # a file kept here
        "state": "active",
        # ours: a client sending the resource back keeps it restricted (``resource_input``)
        "restricted": bool(dist.get("restricted")),
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


# -- the other direction: a package dict a CKAN client sends (package_create/update/patch) --
# CKAN package keys -> our dataset fields (the reverse of ``package_dict``)
PACKAGE_KEYS = {
    "name": "name",
    "title": "title",
    "notes": "description",
    "version": "version",
    "maintainer": "contact_name",
    "maintainer_email": "contact_email",
    "author": "source_department",
}
# CKAN resource keys -> our distribution fields (the reverse of ``resource_dict``)
RESOURCE_KEYS = {
    "name": "title",
    "name_en": "title_en",
    "description": "description",
    "format": "format",
    "mimetype": "media_type",
    "license_id": "license",
    "checksum_algorithm": "checksum_algorithm",
}
# keys of a package dict that are CKAN's bookkeeping (or mapped above): not kept as extras
_PACKAGE_OWN = frozenset(PACKAGE_KEYS) | {
    "id", "type", "state", "private", "owner_org", "organization", "metadata_created",
    "metadata_modified", "num_tags", "num_resources", "isopen", "license_id",
    "license_title", "license_url", "creator_user_id", "revision_id", "url", "tags",
    "groups", "extras", "resources", "relationships_as_subject", "relationships_as_object",
    "tracking_summary", "solr_additions", "author_email", "total_res_downloads",
    "pageviews_last_14_days",
}  # fmt: skip
# CKAN licence ids that mean "no licence given", and ids that are one of our codes by
# another name
NO_LICENCE = frozenset({"notspecified", "not-specified", ""})
CKAN_LICENCE_IDS = {"cc-zero": "CC0-1.0", "odc-odbl": "ODbL-1.0"}
# names of our fields as a CKAN client knows them, for the keys of validation errors
CKAN_FIELD_NAMES = {
    **{ours: key for key, ours in PACKAGE_KEYS.items()},
    "keywords": "tags",
    "themes": "groups",
    "license": "license_id",
    "landing_page": "url",
    "organization": "owner_org",
    "distributions": "resources",
}
CKAN_RESOURCE_FIELD_NAMES = {
    **{ours: key for key, ours in RESOURCE_KEYS.items()},
    "access_url": "url",
    "download_url": "url",
    "byte_size": "size",
    "checksum": "hash",
}
_HASH_LENGTHS = {32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}
# what a distribution keeps from before when a resource does not say it
DIST_INPUT_FIELDS = (
    "title", "title_en", "description", "access_url", "download_url", "format",
    "media_type", "byte_size", "checksum", "checksum_algorithm", "sha256", "license",
    "restricted",
)  # fmt: skip


def _blank_to_none(value: object) -> object:
    return None if value == "" else value


def _extras_dict(value: object) -> dict:
    """CKAN extras (``[{"key", "value"}]``, or a plain dict) as a dict."""
    if isinstance(value, dict):
        return dict(value)
    out = {}
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict) and item.get("key"):
            out[str(item["key"])] = item.get("value")
    return out


def _structured_fields() -> frozenset[str]:
    """Our fields whose extras travel JSON-encoded (lists and dicts)."""
    from marshmallow import fields

    from schemas.dataset import DatasetSchema

    return frozenset(
        name
        for name, f in DatasetSchema().fields.items()
        if isinstance(f, fields.List | fields.Dict)
    )


def _extra_input(key: str, value: object, structured: frozenset[str]) -> object:
    if key in structured and isinstance(value, str):
        try:
            return json.loads(value) if value.strip() else None
        except ValueError:
            return value  # the schema says what is wrong with it
    return _blank_to_none(value)


def _names(items: object) -> list:
    """Tag or group names from CKAN's ``[{"name": ...}]`` (plain strings taken as they are)."""
    out = []
    for item in items if isinstance(items, list) else []:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and name.strip():
            out.append(name.strip())
    return out


def licence_input(license_id: object) -> str | None:
    """A CKAN licence id as our licence field: ids are kept, ``notspecified`` is none."""
    if not isinstance(license_id, str) or license_id.strip().lower() in NO_LICENCE:
        return None
    lid = license_id.strip()
    ours = {code.lower(): code for code in vocab.LICENSES}
    return CKAN_LICENCE_IDS.get(lid.lower()) or ours.get(lid.lower()) or lid


def resource_input(res: dict, was: dict | None = None) -> dict:
    """Our distribution fields from a CKAN resource dict.

    ``was`` is our distribution the resource names by ``id``: what the resource does not
    say is kept from it, as are the access and download URLs while ``url`` is one of them
    and the restriction (``restricted``, which a CKAN client sends back as it read it)."""
    out: dict = {k: v for k, v in (was or {}).items() if k in DIST_INPUT_FIELDS}
    out.update(
        {ours: _blank_to_none(res[key]) for key, ours in RESOURCE_KEYS.items() if key in res}
    )
    for key in ("access_url", "download_url"):
        if key in res:
            out[key] = _blank_to_none(res[key])
    url = _blank_to_none(res.get("url"))
    if url is not None and url not in (out.get("access_url"), out.get("download_url")):
        out["access_url"], out["download_url"] = url, None  # a new link: where the data is
    if not out.get("title"):
        link = out.get("download_url") or out.get("access_url") or ""
        out["title"] = link.rstrip("/").rsplit("/", 1)[-1] or out.get("format") or "resource"
    if "size" in res:
        size = res["size"]
        if isinstance(size, str) and size.strip().isdigit():
            size = int(size)
        out["byte_size"] = size if isinstance(size, int) and not isinstance(size, bool) else None
    if "hash" in res:
        digest = res["hash"]
        if isinstance(digest, str) and digest.strip():
            algo, _, hexa = digest.strip().rpartition(":")
            out["checksum"] = hexa.lower()
            out["checksum_algorithm"] = (
                _blank_to_none(res.get("checksum_algorithm"))
                or algo.lower()
                or _HASH_LENGTHS.get(len(hexa))
            )
        else:
            out["checksum"], out["checksum_algorithm"] = None, None
    if "restricted" in res:
        flag = res["restricted"]
        out["restricted"] = flag is True or str(flag).lower() == "true"
    return out


def package_input(pkg: dict, own_pages: str | None = None) -> dict:
    """Our dataset fields from a CKAN package dict, for the keys the dict has (so that a
    ``package_patch`` changes only what it names). The reverse of ``package_dict``.

    Our own fields travel in ``extras`` under their names and are taken back from there;
    CKAN's groups are our themes (groups that are not themes stay in ``extras.groups``);
    other extras are kept in ``extras``. ``url`` is the landing page unless it is our own
    page of the dataset (``own_pages``: the prefix of those). Resources are left to the
    caller (``resource_input``), which knows the distributions they may name.
    ``owner_org``, ``id``, ``state`` and CKAN's bookkeeping keys are not mapped here; a
    portal's own top-level keys (HDX's ``methodology`` ...) are kept in ``extras``."""
    values: dict = {
        ours: _blank_to_none(pkg[key]) for key, ours in PACKAGE_KEYS.items() if key in pkg
    }
    if "tags" in pkg:
        values["keywords"] = _names(pkg["tags"])
    if "license_id" in pkg:
        values["license"] = licence_input(pkg["license_id"])
    if "url" in pkg:
        url = _blank_to_none(pkg["url"])
        own = isinstance(url, str) and own_pages is not None and url.startswith(own_pages)
        values["landing_page"] = None if own else url
    other: dict = {  # a portal's own top-level fields (ckanext-scheming's): nothing is lost
        k: v
        for k, v in pkg.items()
        if k not in _PACKAGE_OWN
        and not _empty(v)
        and isinstance(v, str | int | float | list | dict)
    }
    if "extras" in pkg or other:
        structured = _structured_fields()
        for key, value in _extras_dict(pkg.get("extras")).items():
            if key in EXTRA_FIELDS:
                values[key] = _extra_input(key, value, structured)
            elif not _empty(value):
                other[key] = value
        values["extras"] = other
    if "groups" in pkg:
        groups = _names(pkg["groups"])
        values["themes"] = [g for g in groups if g in vocab.THEMES]
        rest = [g for g in groups if g not in vocab.THEMES]
        if rest:
            values.setdefault("extras", {})["groups"] = rest
    return values


def ckan_error_fields(messages: dict) -> dict:
    """Our validation messages keyed as a CKAN client knows the fields (``notes``,
    ``resources`` as a list with one dict per resource, as CKAN sends them)."""
    out: dict = {}
    for key, msgs in messages.items():
        name = CKAN_FIELD_NAMES.get(key, key)
        if key == "distributions" and isinstance(msgs, dict):
            positions = [int(k) for k in msgs if str(k).isdigit()]
            per: list[dict] = [{} for _ in range(max(positions, default=-1) + 1)]
            for k, inner in msgs.items():
                if str(k).isdigit() and isinstance(inner, dict):
                    per[int(k)] = {CKAN_RESOURCE_FIELD_NAMES.get(f, f): m for f, m in inner.items()}
            out[name] = per or msgs
        else:
            out[name] = msgs
    return out
