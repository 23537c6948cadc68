"""Search: one interface, several backends (see base.py), chosen by ``CATALOG_SEARCH_URL``."""

from __future__ import annotations

from catalog.search.base import (  # noqa: F401
    FACETS,
    SORTS,
    BadQuery,
    Hit,
    SearchBackend,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
)


def make_backend(
    search_url: str, index_path, synonyms_file: str | None = None, create: bool = False
):
    """The backend named by the URL's scheme; ``embedded://`` is the default."""
    if search_url.startswith("embedded://"):
        from catalog.search.embedded import EmbeddedBackend

        return EmbeddedBackend(index_path, create=create, synonyms_file=synonyms_file)
    raise ValueError(f"unsupported search URL {search_url!r}: this build knows embedded:// only")
