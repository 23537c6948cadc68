"""Records a source stops offering: withdrawn (published) or sent back to draft (in review)
after a grace period, never deleted, and restored when they come back -- unless a person,
not a harvest, withdrew them. Withdrawn records that never leave the catalog are the other
common failure of harvesting catalogs."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from catalog.models import AuditEvent, Dataset, DatasetSource, HarvestJob, utcnow
from catalog.services import audit, datasets
from catalog.services.authz import SYSTEM
from catalog.services.harvest import SourceSpec, add_log

if TYPE_CHECKING:
    from catalog.context import Catalog


def withdraw_missing(
    cat: Catalog,
    job_id: int,
    spec: SourceSpec,
    *,
    grace: timedelta,
    max_fraction: float = 0.5,
    force: bool = False,
) -> tuple[int, str | None]:
    """After a complete run: note records the source no longer offers, and withdraw (never
    delete) datasets none of whose sources has offered them for ``grace``.

    A run that would make more than ``max_fraction`` of a source's records disappear at
    once (a portal answering with an empty list during an outage looks like that) marks
    nothing unless ``force``: it returns the reason instead. Returns (withdrawn, problem)."""
    now = utcnow()
    with cat.session() as s:
        job = s.get(HarvestJob, job_id)
        started = job.started_at or job.created_at
        active = s.execute(
            select(func.count())
            .select_from(DatasetSource)
            .where(DatasetSource.source_id == spec.id, DatasetSource.gone_since.is_(None))
        ).scalar_one()
        newly_gone = s.execute(
            select(func.count())
            .select_from(DatasetSource)
            .where(
                DatasetSource.source_id == spec.id,
                DatasetSource.gone_since.is_(None),
                DatasetSource.last_seen_at < started,
            )
        ).scalar_one()
        if not force and newly_gone > 3 and newly_gone > max_fraction * active:
            problem = (
                f"{newly_gone} of {active} records vanished at once; nothing withdrawn "
                f"(run with --force-withdraw if the source really dropped them)"
            )
            add_log(job, problem)
            return 0, problem
        s.execute(
            update(DatasetSource)
            .where(
                DatasetSource.source_id == spec.id,
                DatasetSource.gone_since.is_(None),
                DatasetSource.last_seen_at < started,
            )
            .values(gone_since=now)
        )
        due = list(
            s.execute(
                select(DatasetSource.dataset_id).where(
                    DatasetSource.source_id == spec.id,
                    DatasetSource.gone_since.is_not(None),
                    DatasetSource.gone_since <= now - grace,
                )
            ).scalars()
        )
    withdrawn = 0
    for i in range(0, len(due), 200):
        with cat.deferred_indexing(), cat.session() as s:
            job = s.get(HarvestJob, job_id)
            n = 0
            for did in due[i : i + 200]:
                still_fed = s.execute(
                    select(func.count())
                    .select_from(DatasetSource)
                    .where(
                        DatasetSource.dataset_id == did,
                        or_(
                            DatasetSource.gone_since.is_(None),
                            DatasetSource.gone_since > now - grace,
                        ),
                    )
                ).scalar_one()
                ds = s.get(Dataset, did)
                target = {"published": "withdrawn", "submitted": "draft"}.get(
                    ds.status if ds else ""
                )
                if still_fed or target is None:
                    continue
                _set_status(
                    s,
                    ds,
                    target,
                    f"no longer offered by harvest source {spec.name}",
                    {"harvest_source": spec.id, "reason": "gone"},
                    job,
                )
                n += 1
            job.count_withdrawn += n
            withdrawn += n
    return withdrawn, None


def restore_if_harvest_withdrew(
    session: Session, spec: SourceSpec, link: DatasetSource, job: HarvestJob
) -> bool:
    """A record is back: clear its absence, and undo a withdrawal that a harvest (not a
    person) made because of it."""
    link.gone_since = None
    ds = session.get(Dataset, link.dataset_id)
    if ds is None or ds.status not in ("withdrawn", "draft"):
        return False
    event = _last_status_event(session, ds.id)
    if event is None or "harvest_source" not in (event.data or {}):
        return False
    back = event.data.get("from")
    if back not in ("published", "submitted"):
        return False
    _set_status(
        session,
        ds,
        back,
        f"offered again by harvest source {spec.name}",
        {"harvest_source": spec.id, "reason": "back"},
        job,
    )
    return True


def _set_status(
    session: Session, ds: Dataset, to: str, note: str, data: dict, job: HarvestJob
) -> None:
    before = ds.status
    ds.status = to
    ds.status_note = note
    audit.record(
        session,
        SYSTEM,
        f"dataset.{to}",
        "dataset",
        ds.id,
        note=note,
        data={"from": before, "to": to, "job": job.id, **data},
    )
    datasets.finish_change(session, ds, SYSTEM)


def _last_status_event(session: Session, dataset_id: str) -> AuditEvent | None:
    return session.execute(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == "dataset",
            AuditEvent.object_id == dataset_id,
            AuditEvent.action.in_(
                [f"dataset.{s}" for s in ("published", "withdrawn", "draft", "submitted")]
                + ["dataset.rejected"]
            ),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).scalar()
