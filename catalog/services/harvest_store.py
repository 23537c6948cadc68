"""One new or changed record written on its own, through ``datasets.write_harvested``: the
path of records that need it (back after an absence) and of a batch written again record
by record after it failed as a whole."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Dataset, DatasetSource, HarvestJob
from catalog.services import datasets
from catalog.services.authz import SYSTEM
from catalog.services.harvest import Changed, SourceSpec, add_log
from catalog.services.harvest_matching import find_duplicate, set_match_keys
from catalog.services.harvest_withdrawal import restore_if_harvest_withdrew

# a harvester's mark on a record it could not judge (a sheet row without an openness): the
# dataset waits in the review queue whatever the source's trust, with the reason in extras
REVIEW_KEY = "openness_review"


def new_status(spec: SourceSpec, values: dict) -> str:
    """A new dataset's status: published from a trusted source, submitted from others, and
    submitted from any source when the harvester held the record for review."""
    if (values.get("extras") or {}).get(REVIEW_KEY):
        return "submitted"
    return "published" if spec.trusted else "submitted"


def store_changed(
    s: Session,
    spec: SourceSpec,
    job: HarvestJob,
    item: Changed,
    link: DatasetSource | None,
    now: datetime,
) -> str:
    """Write one new or changed record; returns the count it falls under."""
    audit_data = {"harvest_source": spec.id, "job": job.id, "record": item.remote_id}
    if link is not None:
        ds = s.get_one(Dataset, link.dataset_id)
        _, active = owner_sources(s, ds.id)
        primary = ds.source_id == spec.id
        provenance: dict[str, Any] = {"harvested_at": now}
        if primary:
            provenance["content_hash"] = item.content_hash
        _, changed = datasets.write_harvested(
            s,
            SYSTEM,
            item.values,
            dataset=ds,
            owner=spec.owner,
            emitted=item.emitted,
            active_owners=active,
            status=ds.status,
            provenance=provenance,
            audit_data=audit_data,
        )
        restored = link.gone_since is not None and restore_if_harvest_withdrew(s, spec, link, job)
        link.content_hash = item.content_hash
        link.source_hash = item.source_hash
        link.last_seen_at = now
        link.gone_since = None
        set_match_keys(s, ds.id, spec.id, item.keys)
        return "updated" if changed or restored else "unchanged"
    dup = find_duplicate(s, spec, item.values, item.keys)
    if dup is not None:
        ds, why = dup
        _, active = owner_sources(s, ds.id)
        datasets.write_harvested(
            s,
            SYSTEM,
            item.values,
            dataset=ds,
            owner=spec.owner,
            emitted=item.emitted,
            active_owners=active,
            status=ds.status,
            provenance={"harvested_at": now},
            audit_data={**audit_data, "linked_by": why},
        )
        add_log(job, f"record {item.remote_id} is dataset {ds.name} (same {why}): linked")
    else:
        status = new_status(spec, item.values)
        ds, _ = datasets.write_harvested(
            s,
            SYSTEM,
            item.values,
            dataset=None,
            owner=spec.owner,
            emitted=item.emitted,
            active_owners=set(),
            status=status,
            provenance={
                "source_id": spec.id,
                "source_record_id": item.remote_id,
                "content_hash": item.content_hash,
                "harvested_at": now,
            },
            audit_data=audit_data,
        )
    s.add(
        DatasetSource(
            dataset_id=ds.id,
            source_id=spec.id,
            source_record_id=item.remote_id,
            content_hash=item.content_hash,
            source_hash=item.source_hash,
            first_seen_at=now,
            last_seen_at=now,
        )
    )
    set_match_keys(s, ds.id, spec.id, item.keys, fresh=dup is None)
    return "new"


def owner_sources(session: Session, dataset_id: str) -> tuple[list[DatasetSource], set[str]]:
    links = list(
        session.execute(
            select(DatasetSource).where(DatasetSource.dataset_id == dataset_id)
        ).scalars()
    )
    active = {f"source:{ln.source_id}" for ln in links if ln.gone_since is None}
    return links, active
