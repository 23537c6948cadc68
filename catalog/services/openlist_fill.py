"""Filling the curators' working open list from catalog datasets, many at a time.

A department's sheet, once harvested, is a set of datasets; so is a department, a theme or a
search. Typing their slugs one by one into the working list does not scale to a bureau's
thousands of resources, so these functions add (or refresh) one item per dataset, linked to
it: from a harvest source (the sheet: ``fill_from_source``, which a harvest run with
``to_openlist`` calls at its end), or from any filter (``candidates`` for the picker,
``add_matching`` for "all of them"). Each item starts with its dataset's openness; an item
whose dataset's openness is not known yet (a row held for review) is on the list but blocks
publishing until a curator decides (:mod:`catalog.services.openness`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Select, String, cast, func, or_, select
from sqlalchemy.orm import Session

from catalog.models import (
    Dataset,
    DatasetSource,
    HarvestJob,
    OpenListEntry,
    Organization,
    User,
)
from catalog.services import audit, authz
from catalog.services import harvest as harvest_svc
from catalog.services.authz import SYSTEM, Actor
from catalog.services.openness import under_review
from catalog.services.records import by_name_or_id
from schemas import vocab

if TYPE_CHECKING:
    from catalog.context import Catalog

# datasets that may be items of the open list: government open data, not withdrawn
LISTABLE_STATUSES = ("published", "submitted")
FILTERS = ("source", "organization", "theme", "q")
# the item fields a refresh takes from the dataset (openness is the bureau's: never here)
REFRESHED = ("title", "source_department", "domain", "open_mode", "frequency", "data_formats")


@dataclass
class FillResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    # (dataset name, why) of datasets not put on the list
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # items added or refreshed whose dataset awaits an openness decision
    held: int = 0

    def summary(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.skipped)} skipped, {self.held} awaiting an openness decision"
        )


def actor_for(cat: Catalog, user_id: str | None) -> Actor:
    """Who fills the list after a harvest run: the curator who asked for it, else the system."""
    if user_id:
        with cat.session() as s:
            user = s.get(User, user_id)
            if user is not None:
                actor = Actor.of(user)
                if actor.is_curator:
                    return actor
    return SYSTEM


def entry_values(ds: Dataset) -> dict:
    """An open-list item as a dataset describes it (the values the schema accepts)."""
    domain = ds.domain or (vocab.label("theme", ds.themes[0], "zh") if ds.themes else None)
    formats = list(ds.data_formats or []) or sorted(
        {(d.format or "").upper() for d in ds.distributions if d.format}
    )
    return {
        "resource_code": ds.resource_code or ds.name,
        "title": ds.title[:500],
        "source_department": (
            ds.source_department or (ds.organization.title if ds.organization else None)
        ),
        "domain": domain[:100] if domain else None,
        "openness": ds.access_rights,
        "open_mode": ds.open_mode if ds.open_mode in vocab.OPEN_MODES else None,
        "frequency": ds.frequency if ds.frequency in vocab.FREQUENCIES else None,
        "data_formats": [f[:50] for f in formats if f],
    }


def _filtered(s: Session, filters: dict[str, str]):
    """The listable datasets matching the picker's filters (a select of Dataset)."""
    q = select(Dataset).where(Dataset.kind == "open_data", Dataset.status.in_(LISTABLE_STATUSES))
    source = (filters.get("source") or "").strip()
    if source:
        src_id = harvest_svc._source(s, source).id
        q = q.where(
            Dataset.id.in_(
                select(DatasetSource.dataset_id).where(
                    DatasetSource.source_id == src_id, DatasetSource.gone_since.is_(None)
                )
            )
        )
    org_ref = (filters.get("organization") or "").strip()
    if org_ref:
        org = by_name_or_id(s, Organization, org_ref)
        q = q.where(Dataset.organization_id == (org.id if org else "-"))
    theme = (filters.get("theme") or "").strip()
    if theme:
        # themes is a JSON list of plain codes: its text holds "code" with the quotes
        q = q.where(cast(Dataset.themes, String).like(f'%"{theme}"%'))
    text = (filters.get("q") or "").strip()
    if text:
        like = f"%{text.lower()}%"
        q = q.where(
            or_(
                func.lower(Dataset.title).like(like),
                func.lower(Dataset.name).like(like),
                func.lower(Dataset.resource_code).like(like),
                func.lower(Dataset.source_department).like(like),
            )
        )
    return q


def candidates(
    cat: Catalog, actor: Actor, filters: dict[str, str], limit: int = 200
) -> tuple[int, list[dict]]:
    """(how many match, the first ``limit``) for the dataset picker: each with whether it is
    on the working list already and whether its openness awaits review."""
    authz.require_curator(actor)
    with cat.session() as s:
        q = _filtered(s, filters)
        total = s.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        rows = list(s.execute(q.order_by(Dataset.title, Dataset.id).limit(limit)).scalars())
        listed = set(
            s.execute(
                select(OpenListEntry.dataset_id).where(
                    OpenListEntry.version_id.is_(None),
                    OpenListEntry.dataset_id.in_([d.id for d in rows]),
                )
            ).scalars()
        )
        return total, [
            {
                "id": d.id,
                "name": d.name,
                "title": d.title,
                "resource_code": d.resource_code,
                "organization": d.organization.title if d.organization else None,
                "access_rights": d.access_rights,
                "status": d.status,
                "under_review": under_review(d),
                "on_list": d.id in listed,
            }
            for d in rows
        ]


def add_datasets(cat: Catalog, actor: Actor, refs: list[str], via: str = "picker") -> FillResult:
    """Put these datasets (ids or names) on the working list, or refresh their items."""
    authz.require_curator(actor)
    with cat.session() as s:
        found = list(
            s.execute(
                select(Dataset).where(or_(Dataset.id.in_(refs), Dataset.name.in_(refs)))
            ).scalars()
        )
        result = _fill(s, actor, found, via)
        known = {d.id for d in found} | {d.name for d in found}
        result.skipped += [(r, "no such dataset") for r in refs if r not in known]
        return result


def add_matching(cat: Catalog, actor: Actor, filters: dict[str, str]) -> FillResult:
    """Every listable dataset the filters match (a department, a theme, a search, a sheet)."""
    authz.require_curator(actor)
    if not any((filters.get(k) or "").strip() for k in FILTERS):
        from catalog.errors import ValidationFailed

        raise ValidationFailed({"filters": ["Choose a department, theme, sheet or search."]})
    with cat.session() as s:
        via = ", ".join(f"{k}={v}" for k, v in filters.items() if v)
        return _fill(s, actor, _chunked(s, _filtered(s, filters)), via)


def fill_from_source(cat: Catalog, actor: Actor, source: str | int) -> FillResult:
    """The items of a sheet: every listable dataset a harvest source creates or matches."""
    authz.require_curator(actor)
    with cat.session() as s:
        src = harvest_svc._source(s, source)
        found = _chunked(s, _filtered(s, {"source": str(src.id)}))
        return _fill(s, actor, found, f"harvest source {src.name}")


# datasets read (and new items written) this many at a time: a sheet of 100,000 rows fills
# the list in flat memory, one INSERT round per chunk instead of one per item
CHUNK = 500


def _chunked(s: Session, q: Select) -> Iterator[Dataset]:
    """The datasets of a picker query in id order, ``CHUNK`` at a time (only their ids are
    held; each chunk's rows are let go once read)."""
    ids = list(s.execute(q.with_only_columns(Dataset.id).order_by(Dataset.id)).scalars())
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        yield from s.execute(
            select(Dataset).where(Dataset.id.in_(chunk)).order_by(Dataset.id)
        ).scalars()


def _fill(s: Session, actor: Actor, found: Iterable[Dataset], via: str) -> FillResult:
    result = FillResult()
    added: list[tuple[OpenListEntry, str]] = []

    def flush_added() -> None:
        """Write the new items, then their audit events (which name their ids)."""
        if not added:
            return
        s.flush()
        for entry, name in added:
            audit.record(
                s,
                actor,
                "openlist.add",
                "openlist",
                str(entry.id),
                data={"resource_code": entry.resource_code, "dataset": name, "via": via},
            )
        added.clear()

    working = list(
        s.execute(select(OpenListEntry).where(OpenListEntry.version_id.is_(None))).scalars()
    )
    by_dataset = {e.dataset_id: e for e in working if e.dataset_id}
    by_code = {e.resource_code: e for e in working}
    for ds in found:
        if ds.kind != "open_data" or ds.status not in LISTABLE_STATUSES:
            result.skipped.append((ds.name, f"not listable ({ds.kind}, {ds.status})"))
            continue
        values = entry_values(ds)
        entry = by_dataset.get(ds.id)
        if entry is None:
            same_code = by_code.get(values["resource_code"])
            if same_code is not None and same_code.dataset_id not in (None, ds.id):
                result.skipped.append(
                    (ds.name, f"resource code {values['resource_code']} is another item's")
                )
                continue
            entry = same_code
        if under_review(ds):
            result.held += 1
        if entry is None:
            entry = OpenListEntry(version_id=None, dataset_id=ds.id, **values)
            s.add(entry)
            by_dataset[ds.id] = by_code[entry.resource_code] = entry
            added.append((entry, ds.name))
            if len(added) >= CHUNK:
                flush_added()
            result.added += 1
            continue
        changed = [k for k in REFRESHED if getattr(entry, k) != values[k]]
        linked = entry.dataset_id != ds.id
        if not changed and not linked:
            result.unchanged += 1
            continue
        for k in changed:
            setattr(entry, k, values[k])
        entry.dataset_id = ds.id
        by_dataset[ds.id] = entry
        audit.record(
            s,
            actor,
            "openlist.update",
            "openlist",
            str(entry.id),
            data={
                "resource_code": entry.resource_code,
                "fields": sorted(changed + (["dataset"] if linked else [])),
                "via": via,
            },
        )
        result.updated += 1
    flush_added()
    return result


# -- a department's sheet, uploaded on the working list ------------------------------------
def register_sheet(
    cat: Catalog, actor: Actor, *, filename: str, data: bytes, region: str | None
) -> HarvestJob:
    """Keep an uploaded open-list sheet as a spreadsheet harvest source that fills the working
    list (``to_openlist``) and queue its run. The same file name is the same source, so a
    corrected sheet updates its items instead of adding new ones."""
    from catalog.errors import ValidationFailed

    authz.require_curator(actor)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", os.path.basename(filename)).strip("._") or "sheet"
    if not data:
        raise ValidationFailed({"file": ["The file is empty."]})
    if not safe.lower().endswith((".csv", ".xlsx", ".xlsm")):
        raise ValidationFailed({"file": ["Upload the sheet as XLSX or CSV."]})
    folder = cat.settings.instance_path / "uploads" / "openlist"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / safe
    path.write_bytes(data)
    config: dict = {"to_openlist": True}
    if region and region.strip():
        config["region"] = region.strip()
    src = harvest_svc.find_source(cat, "spreadsheet", str(path))
    if src is None:
        src = harvest_svc.register_source(
            cat,
            actor,
            name=f"openlist-{safe}"[:100],
            kind="spreadsheet",
            url=str(path),
            config=config,
            trusted=True,
        )
    elif dict(src.config or {}) != {**(src.config or {}), **config}:
        src = harvest_svc.update_source(cat, actor, src.id, config={**(src.config or {}), **config})
    return harvest_svc.enqueue_job(
        cat, SYSTEM, src.id, options={"to_openlist": True, "by": actor.id}
    )
