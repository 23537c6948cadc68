"""Reading a search request's arguments, the same way for pages and the JSON API."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from catalog.search import FACETS, BadQuery, SearchQuery
from catalog.search.base import default_facets

# arguments that are not filters: the words, order, page, language, which facets to count
CONTROL_ARGS = ("q", "sort", "page", "page_size", "facet", "lang")


def _int(args: MultiDict, key: str, default: int) -> int:
    raw = args.get(key)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise BadQuery(f"'{key}' must be a whole number") from None


def _facets(args: MultiDict, filters: dict[str, list[str]]) -> tuple[str, ...]:
    """``facet=a,b`` (or repeated) names the facets to count; ``facet=`` alone none."""
    if "facet" not in args:
        return default_facets(filters)
    names = [n.strip() for raw in args.getlist("facet") for n in raw.split(",") if n.strip()]
    return tuple(dict.fromkeys(names))


def query_from_args(args: MultiDict, page_size: int = 20) -> SearchQuery:
    """The search a request asks for. An argument that is neither a filter nor one of
    ``CONTROL_ARGS`` is refused with the list of filters: a misspelled or unsupported filter
    silently ignored would answer with everything, as if it had matched."""
    unknown = [k for k in args if k not in FACETS and k not in CONTROL_ARGS]
    if unknown:
        raise BadQuery(
            f"unknown filter '{unknown[0]}'; the filters are {', '.join(FACETS)} "
            f"(and {', '.join(CONTROL_ARGS)})"
        )
    text = args.get("q", "")
    filters = {f: [v for v in args.getlist(f) if v] for f in FACETS if args.getlist(f)}
    sort = args.get("sort") or "relevance"
    return SearchQuery(
        text=text,
        filters=filters,
        facets=_facets(args, filters),
        sort=sort,
        page=_int(args, "page", 1),
        page_size=_int(args, "page_size", page_size),
    ).validate()
