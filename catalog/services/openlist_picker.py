"""The datasets a curator may mean while typing in the open-list picker (search as you type).

A bureau's catalog holds thousands of government datasets; typing a slug, or a whole title
and pressing Find, is how the picker worked before. As the curator types, this offers the
few listable datasets the text most likely means, from two places because neither alone is
enough:

- the **search service** ranks published datasets by title, English title, department,
  keywords and theme labels in Chinese and English (segmented: 交通 finds 公交线路 records
  filed under the transport theme, "bus" finds 公交站点 with an English title);
- the **store** finds what the index does not hold: datasets still in review (a sheet's rows
  whose openness nobody decided yet are ``submitted``) and text typed halfway through a word
  (公交线 of 公交线路, a resource code's first characters, a slug).

What a row tells the picker: its department and openness (the bureau decides openness per
item, so it must see it before adding) and whether the dataset is on the working list
already. Adding goes through :func:`catalog.services.openlist_fill.add_datasets`, as the
picker's ticked rows do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, lazyload, selectinload

from catalog.models import Dataset, OpenListEntry, Organization
from catalog.search.base import BadQuery, SearchQuery, SearchUnavailable
from catalog.services import authz
from catalog.services.authz import Actor
from catalog.services.openlist_fill import LISTABLE_STATUSES
from catalog.services.openness import under_review

if TYPE_CHECKING:
    from catalog.context import Catalog

MAX_CHARS = 200
DEFAULT_LIMIT = 8
MAX_LIMIT = 20


def suggest(cat: Catalog, actor: Actor, text: str, limit: int = DEFAULT_LIMIT) -> list[dict]:
    """Up to ``limit`` listable datasets (government open data, published or in review)
    that ``text`` may mean: those whose title, code or name starts with it first, then the
    search service's ranking, then the rest that contain it. Curators only."""
    authz.require_curator(actor)
    text = " ".join((text or "").split())[:MAX_CHARS]
    limit = max(1, min(limit, MAX_LIMIT))
    if not any(ch.isalnum() for ch in text):  # "%" or "-": the index would match everything
        return []
    ranked = _searched(cat, text, limit)
    with cat.session() as s:
        ids = list(dict.fromkeys([*ranked, *_contains(s, text, limit * 3)]))
        rows = {
            d.id: d
            for d in s.execute(
                select(Dataset)
                # only the organization: a dataset's other relations (distributions, ...)
                # are loaded eagerly by default and were most of an answer's time
                .options(lazyload("*"), selectinload(Dataset.organization))
                .where(
                    Dataset.id.in_(ids),
                    Dataset.kind == "open_data",
                    Dataset.status.in_(LISTABLE_STATUSES),
                )
            ).scalars()
        }
        rank = {i: n for n, i in enumerate(ranked)}
        folded = text.lower()

        def order(ds_id: str) -> tuple[int, int]:
            ds = rows[ds_id]
            starts = any(
                (v or "").lower().startswith(folded)
                for v in (ds.title, ds.title_en, ds.resource_code, ds.name)
            )
            return (0 if starts else 1 if ds_id in rank else 2, rank.get(ds_id, len(rank)))

        chosen = sorted((i for i in ids if i in rows), key=order)[:limit]
        listed = set(
            s.execute(
                select(OpenListEntry.dataset_id).where(
                    OpenListEntry.version_id.is_(None), OpenListEntry.dataset_id.in_(chosen)
                )
            ).scalars()
        )
        return [_row(rows[i], i in listed) for i in chosen]


def _searched(cat: Catalog, text: str, limit: int) -> list[str]:
    """Ids of published open data the search service ranks for ``text``; none when the
    index cannot answer (the store's matches still come), or when it only found records
    holding some of the words (``relaxed``: too loose for a pick list)."""
    query = SearchQuery(text=text, filters={"kind": ["open_data"]}, facets=(), page_size=limit)
    try:
        result = cat.search.search(query)
    except (SearchUnavailable, BadQuery):
        return []
    return [] if result.relaxed else [h.id for h in result.hits]


def _contains(s: Session, text: str, limit: int) -> list[str]:
    """Ids of listable datasets whose title (either language), code, name or department contains
    ``text`` (case-insensitively), shortest titles first: the nearest to what was typed."""
    like = "%" + text.lower().replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
    department = select(Organization.id).where(func.lower(Organization.title).like(like, "\\"))
    q = (
        select(Dataset.id)
        .where(
            Dataset.kind == "open_data",
            Dataset.status.in_(LISTABLE_STATUSES),
            or_(
                func.lower(Dataset.title).like(like, "\\"),
                func.lower(Dataset.title_en).like(like, "\\"),
                func.lower(Dataset.resource_code).like(like, "\\"),
                func.lower(Dataset.name).like(like, "\\"),
                func.lower(Dataset.source_department).like(like, "\\"),
                Dataset.organization_id.in_(department),
            ),
        )
        .order_by(func.length(Dataset.title), Dataset.title, Dataset.id)
        .limit(limit)
    )
    return list(s.execute(q).scalars())


def _row(ds: Dataset, on_list: bool) -> dict:
    return {
        "id": ds.id,
        "name": ds.name,
        "title": ds.title,
        "title_en": ds.title_en,
        "resource_code": ds.resource_code,
        "department": ds.organization.title if ds.organization else ds.source_department,
        "department_en": ds.organization.title_en if ds.organization else None,
        "openness": ds.access_rights,
        "under_review": under_review(ds),
        "status": ds.status,
        "on_list": on_list,
    }
