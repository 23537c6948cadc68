"""Atom feeds (RFC 4287; issue 16, item 3): new datasets, a search, an organization's
datasets and the open list's versions, for feed readers that follow the catalog without an
account. Datasets come from the search index (published ones only, newest change first, what
a result list shows: never a distribution link); the XML is written with ElementTree, which
escapes every text."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from flask import Blueprint, Response, g, request, url_for
from flask_babel import gettext as _

from catalog.search import SearchQuery
from catalog.services import openlist
from catalog.services import organizations as org_service
from web.links import absolute_url
from web.logins import current_actor
from web.searchargs import query_from_args

bp = Blueprint("feeds", __name__, url_prefix="/feeds")
ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50
ET.register_namespace("", ATOM)


def _iso(when: datetime | int | float | None) -> str:
    if when is None or when == 0:
        return datetime(2000, 1, 1, tzinfo=UTC).isoformat()
    if isinstance(when, int | float):
        return datetime.fromtimestamp(when, UTC).isoformat()
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.isoformat()


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def _feed(title: str, self_url: str, page_url: str, entries: list[dict]) -> Response:
    """``entries``: dicts of id, title, link, updated, summary (optional), author."""
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "title", title)
    _sub(feed, "id", self_url)
    _sub(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    _sub(feed, "link", rel="alternate", href=page_url, type="text/html")
    updated = max((e["updated"] for e in entries), default=_iso(None))
    _sub(feed, "updated", updated)
    author = _sub(feed, "author")
    _sub(author, "name", g.catalog.settings.site_name)
    for e in entries:
        entry = _sub(feed, "entry")
        _sub(entry, "title", e["title"])
        _sub(entry, "id", e["link"])
        _sub(entry, "link", rel="alternate", href=e["link"], type="text/html")
        _sub(entry, "updated", e["updated"])
        if e.get("author"):
            _sub(_sub(entry, "author"), "name", e["author"])
        if e.get("summary"):
            _sub(entry, "summary", e["summary"])
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(body, mimetype="application/atom+xml")


def _dataset_entries(query: SearchQuery) -> list[dict]:
    res = g.catalog.search.search(query)
    return [
        {
            "title": h.doc.get("title") or h.doc.get("name"),
            "link": absolute_url("pages.dataset", ref=h.doc["name"]),
            "updated": _iso(h.doc.get("modified")),
            "summary": (h.doc.get("description") or "")[:600],
            "author": h.doc.get("publisher_title") or "",
        }
        for h in res.hits
    ]


def _newest(filters: dict[str, list[str]] | None = None, text: str = "") -> SearchQuery:
    return SearchQuery(
        text=text, filters=filters or {}, facets=(), sort="modified", page_size=FEED_SIZE
    )


@bp.get("/datasets.atom")
def datasets():
    entries = _dataset_entries(_newest())
    return _feed(
        _("New datasets"),
        absolute_url("feeds.datasets"),
        absolute_url("pages.search", sort="modified"),
        entries,
    )


@bp.get("/search.atom")
def search():
    """The search of the query string (the search page's arguments), newest change first."""
    args = request.args.copy()
    args.setlist("facet", [""])
    query = query_from_args(args, FEED_SIZE)
    query.sort, query.page, query.page_size = "modified", 1, FEED_SIZE
    entries = _dataset_entries(query)
    page_args = {k: request.args.getlist(k) for k in request.args}
    label = query.text or ", ".join(v for vs in query.filters.values() for v in vs)
    return _feed(
        _("Search: %(q)s", q=label),
        absolute_url("feeds.search", **page_args),
        absolute_url("pages.search", **page_args),
        entries,
    )


@bp.get("/organization/<ref>.atom")
def organization(ref: str):
    org, _count = org_service.organization_for(g.catalog, current_actor(), ref)
    entries = _dataset_entries(_newest({"publisher": [org.name]}))
    return _feed(
        _("Datasets of %(org)s", org=org.title),
        absolute_url("feeds.organization", ref=org.name),
        absolute_url("partners.organization", ref=org.name),
        entries,
    )


@bp.get("/openlist.atom")
def openlist_versions():
    entries = [
        {
            "title": _("Open list version %(n)s", n=v["number"])
            + (f": {v['note']}" if v.get("note") else ""),
            "link": absolute_url("openlist.version", number=v["number"]),
            "updated": _iso(v["published_at"]),
            "summary": _("%(n)s entries", n=v["entry_count"]),
        }
        for v in openlist.versions(g.catalog)[:FEED_SIZE]
    ]
    return _feed(
        _("Open list"),
        absolute_url("feeds.openlist_versions"),
        url_for("openlist.public", _external=True),
        entries,
    )
