"""Helpers for building catalogs in tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from catalog.context import Catalog, open_catalog


def _embedded_search_url(instance: Path) -> str:
    return "embedded://"  # the index lives in <instance>/search-index


# backend id -> function(instance folder) -> CATALOG_SEARCH_URL for that backend.
# The search contract suite runs once per entry: adding a backend is one line here.
SEARCH_BACKENDS: dict[str, Callable[[Path], str]] = {
    "embedded": _embedded_search_url,
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
