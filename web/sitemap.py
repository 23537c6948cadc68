"""/sitemap.xml and /robots.txt, so search engines find every published dataset page.

Up to :data:`PER_FILE` datasets the sitemap is one file; beyond, ``/sitemap.xml`` is a
sitemap index of ``/sitemap-<n>.xml`` files (the protocol allows 50,000 URLs a file).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from flask import Blueprint, Response, abort, g, url_for

from catalog.services import published
from web.conditional import conditional
from web.links import site_links

bp = Blueprint("sitemap", __name__)
PER_FILE = 40_000
_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def _stamp(when: datetime | None) -> str:
    if when is None:
        return ""
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _url(loc: str, lastmod: datetime | None = None) -> str:
    mod = f"<lastmod>{_stamp(lastmod)}</lastmod>" if lastmod else ""
    return f"<url><loc>{escape(loc)}</loc>{mod}</url>\n"


def _main_pages(base: str) -> Iterator[str]:
    for endpoint in ("pages.home", "pages.search", "api.docs"):
        yield _url(base + url_for(endpoint))


def _urlset(n: int) -> bytes:
    base = site_links().base
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {_NS}>\n']
    if n == 1:
        parts.extend(_main_pages(base))
    for name, when in published.iter_sitemap_entries(g.catalog, (n - 1) * PER_FILE, PER_FILE):
        parts.append(_url(f"{base}/dataset/{name}", when))
    parts.append("</urlset>\n")
    return "".join(parts).encode("utf-8")


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    total = published.count_published(g.catalog)
    changed = published.last_change(g.catalog)
    if total <= PER_FILE:
        return conditional(_urlset(1), "application/xml", changed)
    base = site_links().base
    files = -(-total // PER_FILE)
    body = [f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex {_NS}>\n']
    for n in range(1, files + 1):
        loc = base + url_for("sitemap.sitemap_part", n=n)
        body.append(
            f"<sitemap><loc>{escape(loc)}</loc><lastmod>{_stamp(changed)}</lastmod></sitemap>\n"
        )
    body.append("</sitemapindex>\n")
    return conditional("".join(body).encode("utf-8"), "application/xml", changed)


@bp.get("/sitemap-<int:n>.xml")
def sitemap_part(n: int) -> Response:
    total = published.count_published(g.catalog)
    if n < 1 or (n - 1) * PER_FILE >= max(total, 1):
        abort(404)
    return conditional(_urlset(n), "application/xml", published.last_change(g.catalog))


@bp.get("/robots.txt")
def robots() -> Response:
    base = site_links().base
    text = (
        "User-agent: *\n"
        "Allow: /\n"
        "Disallow: /lang/\n"
        "Disallow: /search?\n"
        "Allow: /api/v1/docs\n"
        "Disallow: /api/\n"
        f"Sitemap: {base}/sitemap.xml\n"
    )
    return conditional(text.encode("utf-8"), "text/plain", max_age=3600)
