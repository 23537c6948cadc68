"""Results of link checking: each distribution's last HTTP status, broken links per
publisher. The checking itself (HEAD, then a one-byte GET) is ``harvesters.linkcheck``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select, update

from catalog.models import Dataset, DatasetSource, Distribution, HarvestJob, Organization, utcnow
from catalog.services.harvest import Counts, add_error

if TYPE_CHECKING:
    from catalog.context import Catalog


@dataclass(frozen=True)
class LinkTarget:
    distribution_id: str
    url: str
    publisher: str | None
    previous: int | None


def link_targets(
    cat: Catalog, source_id: int | None = None, batch: int = 500
) -> Iterator[list[LinkTarget]]:
    """Distributions to check, in batches: of one source's datasets, or of all."""
    last = ""
    while True:
        with cat.session() as s:
            q = (
                select(
                    Distribution.id,
                    Distribution.download_url,
                    Distribution.access_url,
                    Distribution.link_status,
                    Organization.name,
                )
                .join(Dataset, Dataset.id == Distribution.dataset_id)
                .outerjoin(Organization, Organization.id == Dataset.organization_id)
                .where(
                    Distribution.id > last,
                    or_(
                        Distribution.download_url.is_not(None), Distribution.access_url.is_not(None)
                    ),
                )
                .order_by(Distribution.id)
                .limit(batch)
            )
            if source_id is not None:
                q = q.where(
                    Dataset.id.in_(
                        select(DatasetSource.dataset_id).where(DatasetSource.source_id == source_id)
                    )
                )
            rows = s.execute(q).all()
        if not rows:
            return
        yield [LinkTarget(r[0], r[1] or r[2], r[4], r[3]) for r in rows]
        last = rows[-1][0]


@dataclass
class LinkResult:
    target: LinkTarget
    status: int
    reason: str | None = None

    @property
    def broken(self) -> bool:
        return self.status == 0 or self.status >= 400


def record_link_results(cat: Catalog, job_id: int, results: list[LinkResult]) -> Counts:
    """Store each distribution's link status and check time; broken links become job errors
    (stage ``link``) so a publisher can see which URL failed and why."""
    counts = Counts()
    now = utcnow()
    with cat.session() as s:
        job = s.get(HarvestJob, job_id)
        for r in results:
            s.execute(
                update(Distribution)
                .where(Distribution.id == r.target.distribution_id)
                .values(link_status=r.status, link_checked_at=now)
            )
            if r.broken:
                counts.errors += 1
                add_error(
                    s,
                    job,
                    r.target.url,
                    "link",
                    f"{r.target.publisher or '-'}: {r.reason or r.status}",
                )
            elif r.target.previous != r.status:
                counts.updated += 1
            else:
                counts.unchanged += 1
        job.count_updated += counts.updated
        job.count_unchanged += counts.unchanged
        job.count_errors += counts.errors
        if job.state == "running":
            job.heartbeat_at = utcnow()
    return counts


def broken_links_by_publisher(cat: Catalog) -> dict[str, int]:
    """Broken distribution links (no answer, or 4xx/5xx at the last check) per publisher."""
    with cat.session() as s:
        rows = s.execute(
            select(func.coalesce(Organization.name, ""), func.count())
            .select_from(Distribution)
            .join(Dataset, Dataset.id == Distribution.dataset_id)
            .outerjoin(Organization, Organization.id == Dataset.organization_id)
            .where(
                Distribution.link_checked_at.is_not(None),
                or_(Distribution.link_status == 0, Distribution.link_status >= 400),
            )
            .group_by(Organization.name)
        ).all()
    return {name or "-": n for name, n in sorted(rows, key=lambda r: (-r[1], r[0]))}
