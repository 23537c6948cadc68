"""Following (issue 16, item 3): a signed-in user follows a dataset, an organization, a
data request or a saved search, to be told of what changes (``notifications.py``).

Only what the user may see can be followed (a draft or a private request cannot), and a
follow is one row per user and target, so a second click changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from catalog.errors import NotFound, ValidationFailed
from catalog.models import DataRequest, Dataset, Follow, Organization
from catalog.search.base import FACETS
from catalog.services import authz
from catalog.services.authz import Actor
from catalog.services.records import by_name_or_id

if TYPE_CHECKING:
    from catalog.context import Catalog

TARGETS = ("dataset", "organization", "data_request", "search")


def search_key(text: str, filters: dict[str, list[str]]) -> str:
    """One saved search per user and query: the text and sorted filters, hashed."""
    norm = {
        "q": " ".join((text or "").split()),
        "f": {k: sorted(v for v in vs if v) for k, vs in sorted(filters.items()) if any(vs)},
    }
    return hashlib.sha1(json.dumps(norm, ensure_ascii=False).encode("utf-8")).hexdigest()[:32]


def _resolve(s, actor: Actor, kind: str, ref: str) -> tuple[str, str]:
    """(target id, label) of something the actor may see, or NotFound."""
    if kind == "dataset":
        ds = by_name_or_id(s, Dataset, ref)
        if ds is None or ds.status != "published" or not authz.can_view_dataset(actor, ds):
            raise NotFound(f"dataset {ref} not found")
        return ds.id, ds.title
    if kind == "organization":
        org = by_name_or_id(s, Organization, ref)
        if org is None:
            raise NotFound(f"organization {ref} not found")
        return org.id, org.title
    if kind == "data_request":
        try:
            req = s.get(DataRequest, int(ref))
        except ValueError:
            req = None
        if req is None or not (req.public or actor.is_curator or req.requester_id == actor.id):
            raise NotFound(f"data request {ref} not found")
        return str(req.id), req.what
    raise ValidationFailed({"target": [f"Must be one of: {', '.join(TARGETS)}."]})


def follow(cat: Catalog, actor: Actor, kind: str, ref: str) -> Follow:
    """Follow a dataset, organization or data request (by name or id); once per target."""
    authz.require_signed_in(actor)
    with cat.session() as s:
        target_id, label = _resolve(s, actor, kind, ref)
        found = s.execute(
            select(Follow).where(
                Follow.user_id == actor.id,
                Follow.target_type == kind,
                Follow.target_id == target_id,
            )
        ).scalar_one_or_none()
        if found is not None:
            return found
        row = Follow(user_id=actor.id, target_type=kind, target_id=target_id, label=label)
        s.add(row)
        try:
            s.flush()
        except IntegrityError:  # two clicks at once: the unique constraint keeps one
            s.rollback()
            raise
        return row


def save_search(cat: Catalog, actor: Actor, text: str, filters: dict[str, list[str]]) -> Follow:
    """Save a search to be told of new datasets matching it."""
    authz.require_signed_in(actor)
    unknown = [f for f in filters if f not in FACETS]
    if unknown:
        raise ValidationFailed({unknown[0]: [f"Unknown filter; use one of {', '.join(FACETS)}."]})
    filters = {k: [v for v in vs if v] for k, vs in filters.items() if any(vs)}
    text = " ".join((text or "").split())[:300]
    if not text and not filters:
        raise ValidationFailed({"q": ["Give words or filters to save."]})
    key = search_key(text, filters)
    label = text or ", ".join(f"{k}: {'/'.join(v)}" for k, v in filters.items())
    with cat.session() as s:
        found = s.execute(
            select(Follow).where(
                Follow.user_id == actor.id, Follow.target_type == "search", Follow.target_id == key
            )
        ).scalar_one_or_none()
        if found is not None:
            return found
        row = Follow(
            user_id=actor.id,
            target_type="search",
            target_id=key,
            query={"q": text, "filters": filters},
            label=label[:300],
        )
        s.add(row)
        s.flush()
        return row


def unfollow(cat: Catalog, actor: Actor, follow_id: int) -> bool:
    """Stop following; only the follower's own rows."""
    authz.require_signed_in(actor)
    with cat.session() as s:
        done = s.execute(
            delete(Follow).where(Follow.id == int(follow_id), Follow.user_id == actor.id)
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]


def following(cat: Catalog, actor: Actor, kind: str, target_id: str) -> Follow | None:
    """The actor's follow of a target (by id), for a page's follow button."""
    if actor.id is None:
        return None
    with cat.session() as s:
        return s.execute(
            select(Follow).where(
                Follow.user_id == actor.id,
                Follow.target_type == kind,
                Follow.target_id == target_id,
            )
        ).scalar_one_or_none()


def my_follows(cat: Catalog, actor: Actor) -> list[Follow]:
    authz.require_signed_in(actor)
    with cat.session() as s:
        return list(
            s.execute(
                select(Follow)
                .where(Follow.user_id == actor.id)
                .order_by(Follow.target_type, Follow.created_at.desc())
            ).scalars()
        )
