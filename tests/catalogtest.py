"""Helpers for building catalogs in tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from catalog.context import Catalog, open_catalog

# An OpenSearch node to use instead of starting one (http://host:port); read at import,
# before the tests' hermetic environment drops every CATALOG_* variable.
OPENSEARCH_ENV_URL = os.environ.get("CATALOG_TEST_OPENSEARCH_URL", "").strip()


def _embedded_search_url(instance: Path) -> str:
    return "embedded://"  # the index lives in <instance>/search-index


class OpenSearchSession:
    """The session's OpenSearch node: started on first use (or the one named by
    CATALOG_TEST_OPENSEARCH_URL), stopped by conftest's session fixture. A failure to start
    is kept, so every OpenSearch test fails at once with the same reason."""

    def __init__(self) -> None:
        self.node = None  # tests.opensearch.testnode.OpenSearchNode when we started one
        self.base: str | None = None
        self.error: Exception | None = None

    def base_url(self) -> str:
        """``opensearch://127.0.0.1:PORT`` of a healthy node (starting it if needed)."""
        from tests.opensearch.testnode import NodeUnavailable, OpenSearchNode

        if self.base:
            return self.base
        if self.error:
            raise NodeUnavailable(f"OpenSearch test node unavailable: {self.error}")
        try:
            if OPENSEARCH_ENV_URL:
                self.base = "opensearch://" + OPENSEARCH_ENV_URL.split("://", 1)[-1].rstrip("/")
            else:
                self.node = OpenSearchNode()
                self.node.start()
                self.base = self.node.search_url_base
        except NodeUnavailable as exc:
            self.error = exc
            raise NodeUnavailable(f"OpenSearch test node unavailable: {exc}") from exc
        return self.base

    def stop(self) -> None:
        if self.node is not None:
            self.node.remove()
        self.node = self.base = None


OPENSEARCH = OpenSearchSession()


# ``engine`` runs the suite with the engine's cjk_bigram filter instead of Python bigrams
# (how the two were compared; see docs/search.md)
OPENSEARCH_BIGRAMS = os.environ.get("CATALOG_TEST_OPENSEARCH_BIGRAMS", "python")


def _opensearch_search_url(instance: Path) -> str:
    """An index prefix of its own per instance folder, on the session's node."""
    prefix = "t" + hashlib.sha1(str(instance.resolve()).encode()).hexdigest()[:16]
    return f"{OPENSEARCH.base_url()}/{prefix}?bigrams={OPENSEARCH_BIGRAMS}"


# backend id -> function(instance folder) -> CATALOG_SEARCH_URL for that backend.
# The search contract suite runs once per entry: adding a backend is one line here.
SEARCH_BACKENDS: dict[str, Callable[[Path], str]] = {
    "embedded": _embedded_search_url,
    "opensearch": _opensearch_search_url,
}
# backends whose whole index is a folder inside the instance (copying the instance copies it)
INDEX_IN_INSTANCE = {"embedded"}


def build_catalog(instance: Path, database_url: str | None = None, **settings: object) -> Catalog:
    """A migrated catalog with an empty search index, in ``instance``."""
    cat = open_catalog(instance_path=instance, database_url=database_url, **settings)
    cat.migrate()
    cat.create_index_if_missing()
    return cat


def build_search_catalog(instance: Path, backend: str) -> Catalog:
    """A SQLite-backed catalog whose ``search`` is the given backend."""
    instance.mkdir(parents=True, exist_ok=True)
    return build_catalog(
        instance,
        f"sqlite:///{instance / 'catalog.db'}",
        search_url=SEARCH_BACKENDS[backend](instance),
    )


def copy_search_catalog(src: Path, dst: Path, backend: str) -> Catalog:
    """A catalog on a copy of the (closed) SQLite instance ``src``: the store and, where the
    backend keeps it in the instance, the index with its history. Other backends get an
    index rebuilt from the copied store."""
    from catalog.services.indexing import rebuild_index

    shutil.copytree(src, dst)
    cat = open_catalog(
        instance_path=dst,
        database_url=f"sqlite:///{dst / 'catalog.db'}",
        search_url=SEARCH_BACKENDS[backend](dst),
    )
    if backend not in INDEX_IN_INSTANCE:
        cat.create_index_if_missing()
        rebuild_index(cat)
    return cat
