"""The history of a dataset: every saved version, and what changed between two of them.

Versions are full snapshots (``DatasetVersion.data``), taken by every write. They hold the
restricted distributions too, so the history is for the dataset's editors and the bureau
only; the public page shows the current record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from catalog.db import storable
from catalog.errors import NotFound
from catalog.models import DatasetVersion, User
from catalog.services import authz
from catalog.services.authz import Actor
from catalog.services.datasets import _get

# Bookkeeping that changes with every save and says nothing about the record.
# ``modified`` is set by every save, so it would show in every comparison.
_IGNORED = frozenset(
    {
        "updated_at",
        "updated_by",
        "created_at",
        "created_by",
        "field_provenance",
        "content_hash",
        "modified",
    }
)

if TYPE_CHECKING:
    from catalog.context import Catalog
_DIST_IGNORED = frozenset({"id", "dataset_id", "created_at", "position"})


@dataclass(frozen=True)
class VersionInfo:
    number: int
    created_at: object
    actor_name: str
    status: str | None


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: object
    new: object


def _require_history(cat: Catalog, actor: Actor, ref: str):
    with cat.session() as s:
        ds = _get(s, ref)
        if not authz.can_edit_dataset(actor, ds):
            raise NotFound(f"dataset {ref!r} not found")
        return ds


def list_versions(cat: Catalog, actor: Actor, ref: str) -> list[VersionInfo]:
    """Versions newest first, with who saved each and the state it was in."""
    ds = _require_history(cat, actor, ref)
    with cat.session() as s:
        rows = s.execute(
            select(DatasetVersion, User.name)
            .outerjoin(User, User.id == DatasetVersion.actor_id)
            .where(DatasetVersion.dataset_id == ds.id)
            .order_by(DatasetVersion.number.desc())
        ).all()
        return [
            VersionInfo(v.number, v.created_at, name or "", (v.data or {}).get("status"))
            for v, name in rows
        ]


def _version_data(s, dataset_id: str, number: int) -> dict:
    if not storable(number):
        raise NotFound(f"version {number} not found")
    row = s.execute(
        select(DatasetVersion).where(
            DatasetVersion.dataset_id == dataset_id, DatasetVersion.number == number
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"version {number} not found")
    return row.data or {}


def _dist_label(d: dict) -> str:
    return d.get("title") or d.get("download_url") or d.get("access_url") or "?"


def diff_snapshots(old: dict, new: dict, keep: frozenset[str] = frozenset()) -> list[FieldChange]:
    """Field by field; distributions compared by position, as the editor shows them.
    ``keep`` names bookkeeping fields to compare all the same (``modified`` when someone
    set it on purpose)."""
    changes = []
    for key in sorted((set(old) | set(new)) - (_IGNORED - keep) - {"distributions"}):
        if old.get(key) != new.get(key):
            changes.append(FieldChange(key, old.get(key), new.get(key)))
    a, b = old.get("distributions") or [], new.get("distributions") or []
    for i in range(max(len(a), len(b))):
        da = {k: v for k, v in (a[i] if i < len(a) else {}).items() if k not in _DIST_IGNORED}
        db = {k: v for k, v in (b[i] if i < len(b) else {}).items() if k not in _DIST_IGNORED}
        if da == db:
            continue
        if not da or not db:
            changes.append(
                FieldChange(
                    f"distributions[{i + 1}]",
                    _dist_label(da) if da else None,
                    _dist_label(db) if db else None,
                )
            )
            continue
        for key in sorted(set(da) | set(db)):
            if da.get(key) != db.get(key):
                changes.append(
                    FieldChange(f"distributions[{i + 1}].{key}", da.get(key), db.get(key))
                )
    return changes


def compare(cat: Catalog, actor: Actor, ref: str, old: int, new: int) -> list[FieldChange]:
    ds = _require_history(cat, actor, ref)
    with cat.session() as s:
        return diff_snapshots(_version_data(s, ds.id, old), _version_data(s, ds.id, new))
