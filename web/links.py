"""Absolute URLs for the machine-readable surfaces (DCAT URIs, sitemap, CKAN, Croissant).

The base is ``base_url`` from the settings' ``extra`` (``instance/settings.json``:
``{"extra": {"base_url": "https://data.example.gov.cn"}}``) so that URIs stay the same
behind any proxy; without it, the URL the request came in on. ``rdf_namespace`` sets the
extension namespace of the DCAT export.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import g, request

from schemas.formats import DEFAULT_NAMESPACE, SiteLinks


def site_links() -> SiteLinks:
    s = g.catalog.settings
    return SiteLinks(
        base=s.extra.get("base_url") or request.url_root,
        namespace=s.extra.get("rdf_namespace") or DEFAULT_NAMESPACE,
        site_name=s.site_name,
        site_name_en=s.site_name_en,
    )


def catalog_info(modified: datetime | None) -> dict:
    """The dcat:Catalog's own description, from the settings."""
    s = g.catalog.settings
    return {
        "title": s.site_name,
        "title_en": s.site_name_en,
        "description": s.extra.get("catalog_description") or f"{s.site_name}：公共数据资源目录",
        "description_en": s.extra.get("catalog_description_en")
        or f"{s.site_name_en}: the public data-resource catalog.",
        "publisher": s.extra.get("publisher_name") or s.site_name,
        "publisher_en": s.extra.get("publisher_name_en") or s.site_name_en,
        "modified": modified.isoformat() if modified else None,
    }


def absolute_url(endpoint: str, **values: Any) -> str:
    """An address for e-mails and stored download links: ``extra.base_url`` when set (the
    address people use behind a proxy), else the one this request came in on."""
    from flask import url_for

    base = g.catalog.settings.extra.get("base_url") or request.url_root
    return base.rstrip("/") + url_for(endpoint, **values)
