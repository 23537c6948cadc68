"""Attempts counted per client address and form, in the database every process shares.

A count kept in one process's memory lets an attacker multiply the limit by the number of
workers (gunicorn runs several) and forgets it on every restart. Flask-Limiter's storages
(the ``limits`` package) that several processes share all need a server (Redis, Memcached,
MongoDB); the catalog's own database is already shared, so the attempts live there: a row
per attempt, counted over a sliding window, old rows pruned as new ones come.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select
from sqlalchemy.exc import OperationalError

from catalog.models import RateLimitHit, utcnow

if TYPE_CHECKING:
    from catalog.context import Catalog

KEEP = timedelta(days=1)  # the longest window a limit may have
PRUNE_CHANCE = 0.02  # one attempt in 50 deletes the rows older than KEEP


def recent(cat: Catalog, bucket: str, key: str, seconds: int) -> int:
    """How many attempts ``key`` made on ``bucket`` in the last ``seconds``."""
    since = utcnow() - timedelta(seconds=seconds)
    with cat.read_session() as s:
        return s.execute(
            select(func.count())
            .select_from(RateLimitHit)
            .where(
                RateLimitHit.bucket == bucket,
                RateLimitHit.key == key[:200],
                RateLimitHit.at > since,
            )
        ).scalar_one()


def record(cat: Catalog, bucket: str, key: str) -> None:
    """Count an attempt. A database too busy to take it drops the count rather than fail
    the request (a sign-in must not answer 500 because the limiter could not write)."""
    try:
        with cat.session() as s:
            s.add(RateLimitHit(bucket=bucket, key=key[:200]))
            if random.random() < PRUNE_CHANCE:  # noqa: S311 -- not a secret
                s.execute(delete(RateLimitHit).where(RateLimitHit.at < utcnow() - KEEP))
    except OperationalError:
        pass
