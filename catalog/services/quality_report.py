"""Metadata quality per publisher: the dataset scores of ``catalog.quality`` summed up.

A publisher's score is the mean of its published datasets' scores; per dimension, the share
of points earned; and the checks its datasets fail most often, with the reason a publisher
can act on. The bureau compares publishers on the dashboard; each organization's page shows
its own.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from catalog.models import AuditEvent, Dataset, Organization
from catalog.quality import CHECKS, score_dataset
from catalog.services.organizations import published_of

if TYPE_CHECKING:
    from catalog.context import Catalog

# The dimensions and gaps are computed from the publisher's most recently changed datasets,
# at most this many, so that a page of a department with 100,000 datasets stays fast; the
# mean score covers every dataset (it is stored with each).
SAMPLE = 500


@dataclass
class PublisherQuality:
    datasets: int = 0
    average: int | None = None
    # dimension -> percent of its points earned across the sampled datasets
    dimensions: dict[str, int] = field(default_factory=dict)
    # (check, zh reason, en reason, number of sampled datasets failing it), most frequent first
    common_gaps: list[tuple[str, str, str, int]] = field(default_factory=list)
    sampled: int = 0


# Scoring the sample is most of an organization page's cost (about 30 ms for 500
# datasets), and the result changes only when a dataset does, which is always an audit
# event: kept per catalog, keyed by the newest audit event, so any change scores again.
KEPT = 256
_kept: weakref.WeakKeyDictionary[Catalog, OrderedDict[tuple, PublisherQuality]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def publisher_quality(cat: Catalog, org_id: str) -> PublisherQuality:
    published = published_of(org_id)
    with cat.read_session() as s:  # a read: on SQLite a plain session takes the write lock
        count, mean = s.execute(
            select(func.count(Dataset.id), func.avg(Dataset.quality_score)).where(published)
        ).one()
        if not count:
            return PublisherQuality()
        key = (org_id, SAMPLE, count, mean, s.execute(select(func.max(AuditEvent.id))).scalar())
        with _lock:
            kept = _kept.setdefault(cat, OrderedDict())
            found = kept.get(key)
            if found is not None:
                kept.move_to_end(key)
                return found
        quality = _sampled_quality(s, published, count, mean)
    with _lock:
        kept[key] = quality
        while len(kept) > KEPT:
            kept.popitem(last=False)
    return quality


def _sampled_quality(s, published, count: int, mean) -> PublisherQuality:
    got: dict[str, int] = {}
    possible: dict[str, int] = {}
    gaps: dict[str, int] = {}
    rows = s.execute(
        select(Dataset)
        .where(published)
        .order_by(Dataset.updated_at.desc())
        .limit(SAMPLE)
        .options(selectinload(Dataset.distributions))
    ).scalars()
    sampled = 0
    for ds in rows:
        sampled += 1
        score = score_dataset(ds)
        for dim, (have, of) in score.dimensions.items():
            got[dim] = got.get(dim, 0) + have
            possible[dim] = possible.get(dim, 0) + of
        for _dim, check, _pts, _zh, _en in score.lost:
            gaps[check] = gaps.get(check, 0) + 1
    reasons = {c[1]: (c[3], c[4]) for c in CHECKS}
    return PublisherQuality(
        datasets=count,
        average=round(mean or 0),
        dimensions={d: round(100 * got[d] / possible[d]) for d in possible if possible[d]},
        common_gaps=[
            (check, *reasons[check], n)
            for check, n in sorted(gaps.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
        ],
        sampled=sampled,
    )


def quality_by_publisher(cat: Catalog) -> list[tuple[Organization, int, int]]:
    """(organization, published datasets, mean score), best first."""
    with cat.session() as s:
        rows = s.execute(
            select(Organization, func.count(Dataset.id), func.avg(Dataset.quality_score))
            .join(Dataset, Dataset.organization_id == Organization.id)
            .where(Dataset.status == "published")
            .group_by(Organization.id)
        ).all()
    out = [(org, n, round(avg or 0)) for org, n, avg in rows]
    return sorted(out, key=lambda r: (-r[2], -r[1], r[0].title))
