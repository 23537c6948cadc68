"""Pinned benchmark versions (issue 18, item 2): what a score on a benchmark was measured on.

When a benchmark is first published, its version string and a manifest of its files (title,
split, sha256, size and a hash of the link -- never the link) are frozen in
``benchmark_versions``. After that, an edit that changes the version string or the set of
hashed files is refused: a new version is a new dataset (:func:`new_version`), linked to
the one it follows, and the old page says a newer version exists. A file whose hash was
unknown at publication gets it once (``catalog files check`` found it); a hash that changes
later stays a fact of the history and the page shows it no longer matches the manifest.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.errors import NotFound, ValidationFailed
from catalog.models import BenchmarkVersion, Dataset, Distribution, utcnow
from catalog.services import audit, authz, field_authority
from catalog.services.authz import Actor
from catalog.services.records import by_name_or_id
from schemas.distribution import DistributionSchema

if TYPE_CHECKING:
    from catalog.context import Catalog

_VERSION_SUFFIX = re.compile(r"-v\d[a-z0-9-]*$")
PINNED_MESSAGE = (
    "A published benchmark's version and files are pinned: publish a new version instead."
)


def _link_key(d: Distribution) -> str:
    """Which file an entry is, without keeping its link (a restricted URL must not leak)."""
    link = d.download_url or d.access_url or d.stored_file or d.title
    return hashlib.sha256(link.encode("utf-8")).hexdigest()[:16]


def manifest_of(ds: Dataset) -> list[dict]:
    return [
        {
            "key": _link_key(d),
            "title": d.title,
            "title_en": d.title_en,
            "split": d.split,
            "sha256": d.sha256,
            "byte_size": d.byte_size,
            "restricted": bool(d.restricted),
        }
        for d in ds.distributions
        if d.download_url or d.stored_file
    ]


def _row(session: Session, ds: Dataset) -> BenchmarkVersion | None:
    return session.get(BenchmarkVersion, ds.id)


def after_change(session: Session, ds: Dataset, actor: Actor) -> None:
    """Called by every closed dataset change: pin a benchmark at its first publication and
    give pinned entries a hash found later (once)."""
    if ds.kind != "benchmark":
        return
    row = _row(session, ds)
    if row is not None and row.pinned_at is not None:
        current = {_link_key(d): d for d in ds.distributions if d.download_url or d.stored_file}
        manifest = []
        for entry in row.manifest:
            d = current.get(entry["key"])
            if entry.get("sha256") is None and d is not None and d.sha256:
                entry = {**entry, "sha256": d.sha256, "byte_size": d.byte_size}
            manifest.append(entry)
        if manifest != row.manifest:
            row.manifest = manifest
        return
    if ds.status != "published":
        return
    if row is None:
        row = BenchmarkVersion(dataset_id=ds.id)
        session.add(row)
    row.version, row.manifest = ds.version, manifest_of(ds)
    row.pinned_at, row.pinned_by = utcnow(), actor.id
    audit.record(
        session,
        actor,
        "benchmark.pinned",
        "dataset",
        ds.id,
        data={"version": ds.version, "files": len(row.manifest)},
    )


Files = tuple[str | None, list[tuple[str, str | None]]]


def files_state(ds: Dataset) -> Files:
    """The version string and the files (link key, sha256) of a dataset: what a person's
    edit of a pinned benchmark must leave as it was."""
    files = sorted(
        (_link_key(d), d.sha256) for d in ds.distributions if d.download_url or d.stored_file
    )
    return ds.version, files


def check_edit(session: Session, ds: Dataset, before: Files) -> None:
    """Refuse a person's edit that changes a pinned benchmark's version or files. A file
    may move (a new link, the same hash) and an unhashed file may be given its hash."""
    row = session.get(BenchmarkVersion, ds.id)
    if row is None or row.pinned_at is None:
        return
    version, after = files_state(ds)
    if ds.kind != "benchmark":
        raise ValidationFailed({"kind": [PINNED_MESSAGE]})
    if version != before[0]:
        raise ValidationFailed({"version": [PINNED_MESSAGE]})
    hashes = [sha for _k, sha in after if sha]
    keys = [k for k, _sha in after]
    kept = all((sha in hashes) if sha else (key in keys) for key, sha in before[1])
    if not kept or len(after) != len(before[1]):
        raise ValidationFailed({"distributions": [PINNED_MESSAGE]})


@dataclass
class VersionInfo:
    """What a benchmark page says about its version: the pin, files that no longer match
    it, the version it follows and the newer one (only those the visitor may see)."""

    pinned: BenchmarkVersion | None
    drift: list[dict] = field(default_factory=list)
    previous: Dataset | None = None
    newer: Dataset | None = None


def version_info(cat: Catalog, actor: Actor, ds: Dataset) -> VersionInfo:
    with cat.read_session() as s:
        row = s.get(BenchmarkVersion, ds.id)
        newer = s.execute(
            select(Dataset)
            .join(BenchmarkVersion, BenchmarkVersion.dataset_id == Dataset.id)
            .where(BenchmarkVersion.previous_id == ds.id)
            .order_by(Dataset.created_at.desc())
        ).scalars()
        newer_visible = next((d for d in newer if authz.can_view_dataset(actor, d)), None)
        previous = s.get(Dataset, row.previous_id) if row and row.previous_id else None
        if previous is not None and not authz.can_view_dataset(actor, previous):
            previous = None
        info = VersionInfo(
            pinned=row if row and row.pinned_at else None, previous=previous, newer=newer_visible
        )
        if info.pinned is not None:
            now = {d.sha256 for d in ds.distributions if d.sha256}
            info.drift = [
                e for e in info.pinned.manifest if e.get("sha256") and e["sha256"] not in now
            ]
        return info


def new_version(cat: Catalog, actor: Actor, ref: str, version: str) -> Dataset:
    """A new version of a benchmark: a draft copy of its metadata and files under a new
    name and version string, linked to the dataset it follows. The old one stays as it was
    (its results were measured on it)."""
    from catalog.services import datasets

    version = (version or "").strip()
    with cat.session() as s:
        old = by_name_or_id(s, Dataset, ref)
        if old is None or not authz.can_view_dataset(actor, old):
            raise NotFound(f"dataset {ref!r} not found")
        authz.require(authz.can_edit_dataset(actor, old), "not allowed to edit this dataset")
        if old.kind != "benchmark":
            raise ValidationFailed({"version": ["Only benchmark datasets have versions to pin."]})
        if not version or version == old.version:
            raise ValidationFailed(
                {
                    "version": [
                        "Give the new version a version string different from the current one."
                    ]
                }
            )
        data = datasets.snapshot(old)
    # the bureau's own marks (featured, review by) are not the publisher's to copy
    keep = set(datasets.EDITABLE_FIELDS) - {"name", "identifier", "organization", "distributions"}
    keep -= field_authority.BUREAU_FIELDS
    record = {k: v for k, v in data.items() if k in keep and v is not None}
    record["version"] = version
    record["organization"] = old.organization.name if old.organization else None
    record.pop("issued", None)
    record.pop("modified", None)
    record["name"] = _version_name(cat, old.name, version)
    fields_of = set(DistributionSchema().fields) - {"id"}
    record["distributions"] = [
        {k: v for k, v in d.items() if k in fields_of and v is not None}
        for d in data["distributions"]
    ]
    stored = {
        i: d["stored_file"] for i, d in enumerate(data["distributions"]) if d.get("stored_file")
    }
    new = datasets.create_dataset(cat, actor, record, files=stored or None)
    with cat.session() as s:
        s.add(BenchmarkVersion(dataset_id=new.id, version=version, previous_id=old.id))
        audit.record(
            s,
            actor,
            "benchmark.new_version",
            "dataset",
            old.id,
            data={"new": new.id, "version": version},
        )
    return new


def _version_name(cat: Catalog, base: str, version: str) -> str:
    from catalog.services.datasets import _slug

    stem = f"{_VERSION_SUFFIX.sub('', base)}-v{_slug(version)}"[:190]
    name, n = stem, 1
    with cat.read_session() as s:
        while s.execute(select(Dataset.id).where(Dataset.name == name)).first():
            n += 1
            name = f"{stem}-{n}"
    return name


def pin_all(cat: Catalog, actor: Actor) -> int:
    """Pin every published benchmark not pinned yet (records a harvest wrote in bulk)."""
    count = 0
    with cat.session() as s:
        pinned = select(BenchmarkVersion.dataset_id).where(BenchmarkVersion.pinned_at.is_not(None))
        for ds in s.execute(
            select(Dataset).where(
                Dataset.kind == "benchmark",
                Dataset.status == "published",
                Dataset.id.not_in(pinned),
            )
        ).scalars():
            after_change(s, ds, actor)
            count += 1
    return count


AI_KINDS = ("training", "benchmark")


def after_bulk_write(session: Session, dataset_ids: list[str]) -> None:
    """What ``datasets._finish`` does for AI datasets, for rows a harvest batch inserted
    or closed together: pin published benchmarks, recompute contamination findings."""
    from catalog.services import contamination
    from catalog.services.authz import SYSTEM

    if not dataset_ids:
        return
    session.flush()
    for dataset_id in dict.fromkeys(dataset_ids):
        ds = session.get(Dataset, dataset_id)
        if ds is not None:
            after_change(session, ds, SYSTEM)
            contamination.refresh(session, ds)
