"""Reading a search request's arguments, the same way for pages and the JSON API."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from catalog.search import FACETS, BadQuery, SearchQuery


def _int(args: MultiDict, key: str, default: int) -> int:
    raw = args.get(key)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise BadQuery(f"'{key}' must be a whole number") from None


def query_from_args(args: MultiDict, page_size: int = 20) -> SearchQuery:
    text = args.get("q", "")
    filters = {f: [v for v in args.getlist(f) if v] for f in FACETS if args.getlist(f)}
    sort = args.get("sort") or "relevance"
    return SearchQuery(
        text=text,
        filters=filters,
        sort=sort,
        page=_int(args, "page", 1),
        page_size=_int(args, "page_size", page_size),
    ).validate()
