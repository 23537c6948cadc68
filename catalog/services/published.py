"""Read helpers for the machine-readable surfaces (JSON API, CKAN API, DCAT, Croissant, sitemap).

Every surface turns a dataset into a *record* with :func:`dataset_record`, which keeps only
the distributions the caller may see (``visibility.visible_distributions``). Building all
exports from that one dict is what keeps a restricted download URL off every surface at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from catalog.models import Dataset, Organization
from catalog.services.authz import Actor
from catalog.services.datasets import snapshot
from catalog.services.records import row_to_dict
from catalog.services.visibility import needs_signed_link, visible_distributions

if TYPE_CHECKING:
    from catalog.context import Catalog

# Columns that say who did what inside the bureau, or are bookkeeping: never exported.
_INTERNAL = ("created_by", "updated_by", "content_hash", "field_provenance")
_ORG_INTERNAL = ("partner_note",)


def organization_record(org: Organization | None, actor: Actor | None = None) -> dict | None:
    """An organization as plain data; the curators' partner note only for curators."""
    if org is None:
        return None
    data = row_to_dict(org)
    if actor is None or not actor.is_curator:
        for key in _ORG_INTERNAL:
            data.pop(key, None)
    return data


def dataset_record(
    actor: Actor, ds: Dataset, signed_link: Callable[[str], str] | None = None
) -> dict:
    """The dataset as the actor may see it: plain JSON-able data, restricted links removed.

    A restricted distribution an access grant lets the actor see never carries its own URL:
    with ``signed_link`` (distribution id -> signed download URL, made by the web layer) it
    carries that link instead, without one it is left out."""
    data = snapshot(ds)
    by_id = {d.id: d for d in visible_distributions(actor, ds)}
    out = []
    for row in data["distributions"]:
        dist = by_id.get(row["id"])
        if dist is None:
            continue
        if needs_signed_link(actor, ds, dist):
            if signed_link is None:
                continue
            row = {**row, "download_url": signed_link(dist.id), "access_url": None}
            row["stored_file"] = None
        out.append(row)
    data["distributions"] = out
    # a record set names its file by link: only a link the actor is shown may stay
    shown = {row.get(k) for row in out for k in ("download_url", "access_url")} - {None}
    data["record_sets"] = [
        rs if rs.get("file") in shown or not rs.get("file") else {**rs, "file": None}
        for rs in data.get("record_sets") or []
    ]
    for key in _INTERNAL:
        data.pop(key, None)
    data["organization"] = organization_record(ds.organization, actor)
    return data


def count_published(cat: Catalog) -> int:
    with cat.session() as s:
        return s.execute(
            select(func.count()).select_from(Dataset).where(Dataset.status == "published")
        ).scalar_one()


def page_published(cat: Catalog, page: int, per_page: int) -> list[Dataset]:
    """One page of published datasets in a stable order, for paged exports.

    Ordered by id, which the primary-key index serves without sorting the table (there is
    no index on creation time); a harvester walking the pages while datasets are added may
    see one twice, and dedupes by URI as DCAT harvesters do.
    """
    with cat.session() as s:
        rows = (
            s.execute(
                select(Dataset)
                .where(Dataset.status == "published")
                .order_by(Dataset.id)
                .offset((page - 1) * per_page)
                .limit(per_page)
                .options(selectinload(Dataset.distributions))
            )
            .scalars()
            .all()
        )
        for ds in rows:
            _ = ds.organization
        return list(rows)


def published_by_ids(cat: Catalog, ids: list[str]) -> list[Dataset]:
    """Published datasets for search hits, in the hits' order (hits gone meanwhile are skipped)."""
    if not ids:
        return []
    with cat.session() as s:
        rows = (
            s.execute(
                select(Dataset)
                .where(Dataset.id.in_(ids), Dataset.status == "published")
                .options(selectinload(Dataset.distributions))
            )
            .scalars()
            .all()
        )
        by_id = {ds.id: ds for ds in rows}
        return [by_id[i] for i in ids if i in by_id]


def published_names(cat: Catalog, limit: int | None = None, offset: int = 0) -> list[str]:
    with cat.session() as s:
        q = (
            select(Dataset.name)
            .where(Dataset.status == "published")
            .order_by(Dataset.name)
            .offset(offset)
        )
        if limit is not None:
            q = q.limit(limit)
        return list(s.execute(q).scalars())


def recently_modified(cat: Catalog, limit: int, offset: int = 0) -> list[Dataset]:
    """Published datasets, most recently changed first (CKAN's current_package_list)."""
    with cat.session() as s:
        rows = (
            s.execute(
                select(Dataset)
                .where(Dataset.status == "published")
                .order_by(Dataset.updated_at.desc(), Dataset.id)
                .offset(offset)
                .limit(limit)
                .options(selectinload(Dataset.distributions))
            )
            .scalars()
            .all()
        )
        for ds in rows:
            _ = ds.organization
        return list(rows)


def iter_sitemap_entries(
    cat: Catalog,
    offset: int = 0,
    limit: int | None = None,
) -> Iterator[tuple[str, datetime | None]]:
    """(name, last change) of published datasets, streamed in batches for big sitemaps."""
    batch = 5000
    done = 0
    with cat.session() as s:
        while limit is None or done < limit:
            size = batch if limit is None else min(batch, limit - done)
            rows = s.execute(
                select(Dataset.name, Dataset.updated_at)
                .where(Dataset.status == "published")
                .order_by(Dataset.id)
                .offset(offset + done)
                .limit(size)
            ).all()
            if not rows:
                return
            yield from ((name, when) for name, when in rows)
            done += len(rows)
            if len(rows) < size:
                return


def tag_counts(cat: Catalog) -> dict[str, int]:
    """Keywords of published datasets with how many datasets carry each.

    Keywords are a JSON column (not a search facet), so this reads them from the store;
    it streams rows and keeps only the counts.
    """
    counts: dict[str, int] = {}
    with cat.session() as s:
        result = s.execute(
            select(Dataset.keywords)
            .where(Dataset.status == "published")
            .execution_options(yield_per=2000)
        )
        for (keywords,) in result:
            for kw in set(keywords or []):
                counts[kw] = counts.get(kw, 0) + 1
    return counts


def last_change(cat: Catalog) -> datetime | None:
    """When any dataset or organization last changed: the Last-Modified of catalog-wide lists."""
    with cat.session() as s:
        ds = s.execute(select(func.max(Dataset.updated_at))).scalar()
        org = s.execute(select(func.max(Organization.updated_at))).scalar()
    stamps = [t for t in (ds, org) if t is not None]
    return max(stamps) if stamps else None
