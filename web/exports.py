"""Metadata exports for harvesters and crawlers: DCAT-AP 3, Croissant, schema.org.

* ``/catalog.jsonld|.ttl|.rdf?page=N``: the catalog, 100 published datasets a page, with
  Hydra paging (first / next / previous / last);
* ``/dataset/<name>.jsonld|.ttl|.rdf``: one dataset;
* ``/dataset/<name>/croissant.jsonld``: Croissant, for training and benchmark datasets;
* ``schemaorg_jsonld(ds)``: the schema.org JSON-LD the dataset page embeds.

Catalog pages are kept per catalog generation by :mod:`web.export_cache`: crawlers read
them all, and rendering one costs rdflib far more than reading it back.

These are public feeds, built for an anonymous caller: through
``published.dataset_record`` a restricted distribution never reaches them.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime

from flask import Blueprint, abort, g, request
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from catalog.models import Dataset
from catalog.services import datasets as dataset_service
from catalog.services import published, registrations
from catalog.services.authz import ANONYMOUS
from schemas.formats.croissant import has_croissant, to_croissant
from schemas.formats.dcat import FORMATS, catalog_graph, dataset_graph, serialize
from schemas.formats.schemaorg import to_schemaorg
from web import export_cache
from web.conditional import conditional
from web.i18n import locale
from web.links import catalog_info, site_links
from web.page_cache import MAX_AGE_SECONDS, catalog_state

bp = Blueprint("exports", __name__)
PER_PAGE = 100
EXT = "<any(jsonld,ttl,rdf):ext>"
# (newest audit event id, when read) -> (published datasets, last change), in this process
_facts: dict[int, tuple[float, int, datetime | None]] = {}
_facts_lock = threading.Lock()


def _catalog_facts() -> tuple[int, datetime | None]:
    """How many datasets are published and when the catalog last changed, read again only
    when an audit event was written since (every change of a dataset or organization
    writes one; web/page_cache.py) or after ``MAX_AGE_SECONDS``: the count and the newest
    ``updated_at`` scan the datasets table, a kept page's whole cost without this, and
    their time grows with the catalog, while the newest audit id is one index look-up."""
    newest = catalog_state(g.catalog)[0]
    now = time.monotonic()
    with _facts_lock:
        known = _facts.get(newest)
    if known is not None and now - known[0] <= MAX_AGE_SECONDS:
        return known[1], known[2]
    total = published.count_published(g.catalog)
    changed = published.last_change(g.catalog)
    with _facts_lock:
        _facts.clear()
        _facts[newest] = (now, total, changed)
    return total, changed


def _public_dataset(ref: str) -> Dataset:
    return dataset_service.get_dataset(g.catalog, ANONYMOUS, ref)


@bp.get(f"/catalog.{EXT}")
def catalog_export(ext: str):
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        abort(400, "page must be a whole number")
    total, changed = _catalog_facts()
    last = max(1, -(-total // PER_PAGE))
    if not 1 <= page <= last:
        abort(404)
    links = site_links()

    def render() -> bytes:
        rows = published.page_published(g.catalog, page, PER_PAGE)
        records = registrations.attach(
            g.catalog, [published.dataset_record(ANONYMOUS, ds) for ds in rows]
        )
        graph = catalog_graph(
            records,
            links,
            catalog_info(changed),
            page=page,
            per_page=PER_PAGE,
            total=total,
            ext=ext,
        )
        return serialize(graph, ext)[0]

    gen = export_cache.generation(changed, total, links.base, links.namespace, PER_PAGE)
    body = export_cache.cached(gen, f"catalog-{page}.{ext}", render)
    return conditional(body, FORMATS[ext][1], changed)


@bp.get(f"/dataset/<ref>.{EXT}")
def dataset_export(ref: str, ext: str):
    ds = _public_dataset(ref)
    record = registrations.attach(g.catalog, [published.dataset_record(ANONYMOUS, ds)])[0]
    body, mime = serialize(dataset_graph(record, site_links()), ext)
    return conditional(body, mime, ds.updated_at)


@bp.get("/dataset/<ref>/croissant.jsonld")
def croissant(ref: str):
    ds = _public_dataset(ref)
    record = published.dataset_record(ANONYMOUS, ds)
    if not has_croissant(record):
        abort(404)
    body = json.dumps(to_croissant(record, site_links()), ensure_ascii=False, indent=1)
    return conditional(body.encode("utf-8"), "application/ld+json", ds.updated_at)


@bp.app_template_global("schemaorg_jsonld")
def schemaorg_jsonld(ds: Dataset) -> Markup:
    """The page's schema.org Dataset, safe inside <script> (``<``, ``>``, ``&`` escaped)."""
    record = published.dataset_record(ANONYMOUS, ds)
    return htmlsafe_json_dumps(to_schemaorg(record, site_links(), locale()), ensure_ascii=False)
