"""Content hashes of linked files (issue 18): which distributions wait for one, and what a
fetch found.

``catalog files check`` (the CLI, with ``harvesters/filecheck.py`` fetching) asks
:func:`pending` for URL distributions without a hash (and, when asked, ones hashed before
a date), fetches each within a size cap and reports with :func:`record`. A first hash and a
changed hash are changes of the dataset: a new version (so the history and its diffs show
the hash) and an audit event (``dataset.content_hashed`` / ``dataset.content_changed``, with
the old and new hash and size but never the URL, which of a restricted file is a secret).
Failures are remembered only as the time of the attempt, which moves the file to the back
of the queue: a run with ``--limit`` goes on where the last one stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, or_, select

from catalog.models import Dataset, Distribution, utcnow
from catalog.services import audit
from catalog.services.authz import SYSTEM

if TYPE_CHECKING:
    from catalog.context import Catalog


@dataclass(frozen=True)
class Target:
    """A linked file to fetch. ``url`` is for the fetcher only: never print it when
    ``restricted`` is true."""

    distribution_id: str
    dataset_id: str
    dataset_name: str
    url: str
    restricted: bool
    name_hint: str  # the URL's last part, the format and media type: what kind of file
    format: str | None
    media_type: str | None


def pending(cat: Catalog, limit: int, recheck_before: datetime | None = None) -> list[Target]:
    """URL distributions without a content hash (or hashed before ``recheck_before``),
    those never tried first, then the longest untried."""
    with cat.session() as s:
        wanted: ColumnElement[bool] = Distribution.sha256.is_(None)
        if recheck_before is not None:
            wanted = or_(wanted, Distribution.content_checked_at < recheck_before)
        rows = s.execute(
            select(Distribution, Dataset.name)
            .join(Dataset, Dataset.id == Distribution.dataset_id)
            .where(
                Distribution.download_url.is_not(None),
                Distribution.download_url != "",
                Distribution.stored_file.is_(None),  # uploads were hashed as they came
                wanted,
            )
            .order_by(
                Distribution.content_checked_at.is_not(None),
                Distribution.content_checked_at,
                Distribution.id,
            )
            .limit(limit)
        ).all()
        return [
            Target(
                distribution_id=d.id,
                dataset_id=d.dataset_id,
                dataset_name=name,
                url=d.download_url or "",
                restricted=bool(d.restricted),
                name_hint=(d.download_url or "").rsplit("?", 1)[0].rsplit("/", 1)[-1],
                format=d.format,
                media_type=d.media_type,
            )
            for d, name in rows
        ]


def record(
    cat: Catalog,
    target: Target,
    sha256: str,
    byte_size: int,
    preview: dict | None,
) -> str:
    """Store what a fetch found; ``new``, ``same``, ``changed`` or ``gone`` (the
    distribution was removed or its link changed while it was fetched)."""
    from catalog.services.datasets import finish_change

    with cat.session() as s:
        dist = s.get(Distribution, target.distribution_id)
        if dist is None or dist.download_url != target.url or dist.stored_file:
            return "gone"
        old, old_size = dist.sha256, dist.byte_size
        dist.content_checked_at = utcnow()
        if old == sha256:
            dist.byte_size = byte_size
            if preview is not None:
                dist.preview = preview
            return "same"
        dist.sha256 = sha256
        dist.byte_size = byte_size
        dist.preview = preview
        outcome = "new" if old is None else "changed"
        ds = s.get(Dataset, dist.dataset_id)
        assert ds is not None
        # the dataset's record changed (its exports carry the hash): say so in updated_at,
        # which Last-Modified and the export cache's generation are read from
        ds.updated_at = utcnow()
        audit.record(
            s,
            SYSTEM,
            "dataset.content_hashed" if outcome == "new" else "dataset.content_changed",
            "dataset",
            ds.id,
            data={
                "distribution": dist.id,
                "title": dist.title,
                "sha256": sha256,
                "byte_size": byte_size,
                "was_sha256": old,
                "was_byte_size": old_size,
            },
        )
        finish_change(s, ds, SYSTEM)
    cat.sync_index()
    return outcome


def record_failure(cat: Catalog, target: Target) -> None:
    """A fetch failed: remember when, so the file waits behind the others."""
    with cat.session() as s:
        dist = s.get(Distribution, target.distribution_id)
        if dist is not None:
            dist.content_checked_at = utcnow()
