"""Idempotent POSTs: a client that retries with the same ``Idempotency-Key`` gets the first
answer again instead of creating a second record.

The key is claimed before the work runs, in its own committed transaction, so that two
copies of a request racing each other cannot both do it: the second finds the claim and is
told to retry later (409), or, once the first has finished, receives its answer. A failed
first attempt releases the key, so the retry really runs. Keys are per user, bound to the
route and the body (the same key with another body is a client error), and kept a day.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from catalog.errors import Conflict, ValidationFailed
from catalog.models import IdempotencyKey, utcnow
from catalog.services import authz
from catalog.services.authz import Actor

if TYPE_CHECKING:
    from catalog.context import Catalog

KEEP = timedelta(hours=24)
MAX_KEY = 200


@dataclass
class Replay:
    status_code: int
    response: dict
    location: str | None


def body_hash(body: object) -> str:
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    ).hexdigest()


def claim(cat: Catalog, actor: Actor, key: str, route: str, digest: str) -> Replay | None:
    """Claim ``key`` for this request, or return the answer already given under it."""
    authz.require_signed_in(actor)
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise ValidationFailed(
            {"Idempotency-Key": [f"Must be 1 to {MAX_KEY} printable characters."]}
        )
    with cat.session() as s:
        s.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - KEEP))
        row = s.execute(
            select(IdempotencyKey).where(
                IdempotencyKey.user_id == actor.id, IdempotencyKey.key == key
            )
        ).scalar_one_or_none()
        if row is None:
            s.add(IdempotencyKey(user_id=actor.id, key=key, route=route, body_hash=digest))
            try:
                s.flush()
            except IntegrityError:
                s.rollback()
                raise Conflict(
                    "a request with this Idempotency-Key is in progress; retry later"
                ) from None
            return None
        if row.route != route or row.body_hash != digest:
            raise ValidationFailed(
                {"Idempotency-Key": ["Already used for another request; use a new key."]}
            )
        if row.status_code is None:
            raise Conflict("a request with this Idempotency-Key is in progress; retry later")
        return Replay(row.status_code, row.response or {}, row.location)


def remember(
    cat: Catalog, actor: Actor, key: str, status_code: int, response: dict, location: str | None
) -> None:
    with cat.session() as s:
        row = s.execute(
            select(IdempotencyKey).where(
                IdempotencyKey.user_id == actor.id, IdempotencyKey.key == key
            )
        ).scalar_one()
        row.status_code, row.response, row.location = status_code, response, location


def release(cat: Catalog, actor: Actor, key: str) -> None:
    """Forget a claim whose request failed, so that the retry runs."""
    with cat.session() as s:
        s.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.user_id == actor.id,
                IdempotencyKey.key == key,
                IdempotencyKey.status_code.is_(None),
            )
        )
