"""Search: one interface, several backends (see base.py), chosen by ``CATALOG_SEARCH_URL``."""

from __future__ import annotations

from pathlib import Path

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
    search_url: str, index_path: Path | str, synonyms_file: str | None = None, create: bool = False
) -> SearchBackend:
    """The backend named by the URL's scheme.

    ``embedded://`` (the default) keeps a tantivy index in the instance folder;
    ``opensearch://`` and ``elasticsearch://`` (``+https`` for TLS) use a search cluster
    (see ``catalog/search/es_client.py`` for the URL's form and options). The clients are
    imported only when a cluster is configured.
    """
    scheme = search_url.partition("://")[0].lower()
    if scheme == "embedded":
        from catalog.search.embedded import EmbeddedBackend

        return EmbeddedBackend(index_path, create=create, synonyms_file=synonyms_file)
    from catalog.search.es_client import SCHEMES

    if scheme in SCHEMES:
        from catalog.search.opensearch import ClusterBackend

        return ClusterBackend(search_url, synonyms_file=synonyms_file, create=create)
    raise ValueError(
        f"unsupported search URL {search_url!r}: use embedded://, opensearch://host:9200/prefix "
        "or elasticsearch://host:9200/prefix (+https for TLS)"
    )
