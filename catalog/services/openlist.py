"""The open list (开放清单): the curators' working copy, numbered versions, diffs, exports.

Curators edit a working copy (``OpenListEntry`` rows with ``version_id`` NULL): add items by
hand or from a catalog dataset, change and remove them. Publishing freezes a copy of the
working list as the next numbered ``OpenListVersion``; published versions never change, so
any two can be compared (added, removed, changed, keyed by 资源代码) and each exported as
CSV, XLSX or JSON. Every change is an audit event. The public sees published versions only.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from marshmallow import ValidationError
from sqlalchemy import Table, func, or_, select

from catalog.db import storable
from catalog.errors import NotFound, ValidationFailed
from catalog.models import Dataset, OpenListEntry, OpenListVersion, Organization, utcnow
from catalog.services import audit, authz, openness
from catalog.services.authz import Actor
from catalog.services.datasets import _get as _get_dataset
from catalog.services.records import row_to_dict
from schemas import vocab
from schemas.openlist import COLUMNS_ZH, OpenListEntrySchema

if TYPE_CHECKING:
    from catalog.context import Catalog

FIELDS = tuple(COLUMNS_ZH)
WORKING = "working"
FILTERS = ("openness", "domain", "department", "q")


@dataclass(frozen=True)
class Export:
    body: bytes
    mimetype: str
    filename: str


# an item's own columns, in the order of the dict an item is given as
ENTRY_COLUMNS = (*FIELDS, "id", "dataset_id")


def _entry(values: Sequence[Any], dataset_name: str | None) -> dict:
    """An item as pages, the API and exports give it, from its ``ENTRY_COLUMNS`` values
    (an entry object's or a plain row's) and its linked dataset's name."""
    d = dict(zip(ENTRY_COLUMNS, values, strict=True))
    d["data_formats"] = list(d["data_formats"] or [])
    d["dataset"] = dataset_name
    return d


def _entry_dict(e: OpenListEntry, dataset_name: str | None = None) -> dict:
    return _entry([getattr(e, k) for k in ENTRY_COLUMNS], dataset_name)


def _load(s, data: dict) -> tuple[dict, str | None]:
    """Validate an item; returns the values and the linked dataset's id."""
    clean = {}
    for key, value in data.items():
        if isinstance(value, str):
            value = value.strip() or None
        clean[key] = value
    try:
        values = OpenListEntrySchema().load({k: v for k, v in clean.items() if v is not None})
    except ValidationError as exc:
        raise ValidationFailed(exc.messages_dict) from None
    ref = values.pop("dataset", None)
    dataset_id = None
    if ref:
        row = s.execute(
            select(Dataset.id).where(or_(Dataset.id == ref, Dataset.name == ref))
        ).first()
        if row is None:
            raise ValidationFailed({"dataset": ["Unknown dataset."]})
        dataset_id = row[0]
    for key in FIELDS:
        values.setdefault(key, [] if key == "data_formats" else None)
    return values, dataset_id


def _code_taken(s, code: str, except_id: int | None = None) -> bool:
    q = select(OpenListEntry.id).where(
        OpenListEntry.version_id.is_(None), OpenListEntry.resource_code == code
    )
    if except_id is not None:
        q = q.where(OpenListEntry.id != except_id)
    return s.execute(q).first() is not None


def _working_rows(s) -> list[tuple[OpenListEntry, str | None]]:
    return list(
        s.execute(
            select(OpenListEntry, Dataset.name)
            .outerjoin(Dataset, Dataset.id == OpenListEntry.dataset_id)
            .where(OpenListEntry.version_id.is_(None))
            .order_by(OpenListEntry.resource_code, OpenListEntry.id)
        ).all()
    )


def _listed(s, version_id: int | None) -> list[dict]:
    """A version's items (the working copy for ``None``) with what their datasets say in
    English. A department's sheet names its items in Chinese only, so the English pages
    show the linked dataset's English title, and its publisher's English name when the
    item's department is that publisher (the name as written, or without the place the
    harvest put in front of it); items the catalog has no English for stay as written."""
    # plain rows, not entry objects: a city's list runs to thousands of items and the
    # public page reads all of them (its filters and counts cover the whole list); making
    # an ORM object of each was most of the page's first render
    entry = cast(Table, OpenListEntry.__table__)
    where = entry.c.version_id.is_(None) if version_id is None else entry.c.version_id == version_id
    n = len(ENTRY_COLUMNS)
    rows = s.execute(
        select(
            *(entry.c[k] for k in ENTRY_COLUMNS),
            Dataset.name,
            Dataset.title_en,
            Organization.title,
            Organization.title_en,
        )
        .outerjoin(Dataset, Dataset.id == entry.c.dataset_id)
        .outerjoin(Organization, Organization.id == Dataset.organization_id)
        .where(where)
        .order_by(entry.c.resource_code, entry.c.id)
    ).all()
    out = []
    for row in rows:
        d = _entry(row[:n], row[n])
        d["title_en"] = row[n + 1]
        dept, org_title, org_title_en = d["source_department"], row[n + 2], row[n + 3]
        same = bool(dept and org_title and (org_title == dept or org_title.endswith(dept)))
        d["source_department_en"] = org_title_en if same else None
        out.append(d)
    return out


def working_entries(cat: Catalog, actor: Actor) -> list[dict]:
    authz.require_curator(actor)
    with cat.session() as s:
        return _listed(s, None)


def add_entry(cat: Catalog, actor: Actor, data: dict) -> dict:
    authz.require_curator(actor)
    with cat.session() as s:
        values, dataset_id = _load(s, data)
        if _code_taken(s, values["resource_code"]):
            raise ValidationFailed(
                {"resource_code": ["This resource code is already on the list."]}
            )
        entry = OpenListEntry(version_id=None, dataset_id=dataset_id, **values)
        s.add(entry)
        s.flush()
        audit.record(
            s,
            actor,
            "openlist.add",
            "openlist",
            str(entry.id),
            data={"resource_code": entry.resource_code},
        )
        _follow(s, actor, entry)
        return _entry_dict(entry)


def entry_from_dataset(cat: Catalog, ref: str) -> dict:
    """An item filled in from a catalog dataset's open-list fields (for the form)."""
    from catalog.services.openlist_fill import entry_values

    with cat.session() as s:
        ds = _get_dataset(s, ref)
        return {**entry_values(ds), "dataset": ds.name}


def add_from_dataset(cat: Catalog, actor: Actor, ref: str) -> dict:
    authz.require_curator(actor)
    return add_entry(cat, actor, entry_from_dataset(cat, ref))


def _working_entry(s, entry_id: int) -> OpenListEntry:
    entry = s.get(OpenListEntry, entry_id)
    if entry is None or entry.version_id is not None:
        raise NotFound(f"open list item {entry_id} not found")
    return entry


def get_working_entry(cat: Catalog, actor: Actor, entry_id: int) -> dict:
    authz.require_curator(actor)
    with cat.session() as s:
        entry = _working_entry(s, entry_id)
        name = (
            s.execute(select(Dataset.name).where(Dataset.id == entry.dataset_id)).scalar()
            if entry.dataset_id
            else None
        )
        return _entry_dict(entry, name)


def update_entry(cat: Catalog, actor: Actor, entry_id: int, data: dict) -> dict:
    authz.require_curator(actor)
    with cat.session() as s:
        entry = _working_entry(s, entry_id)
        values, dataset_id = _load(s, data)
        if _code_taken(s, values["resource_code"], except_id=entry.id):
            raise ValidationFailed(
                {"resource_code": ["This resource code is already on the list."]}
            )
        before = _entry_dict(entry)
        for key, value in values.items():
            setattr(entry, key, value)
        entry.dataset_id = dataset_id
        changed = sorted(k for k in FIELDS if before[k] != getattr(entry, k))
        audit.record(
            s,
            actor,
            "openlist.update",
            "openlist",
            str(entry.id),
            data={"resource_code": entry.resource_code, "fields": changed},
        )
        if "openness" in changed or before["dataset_id"] != dataset_id:
            _follow(s, actor, entry)
        return _entry_dict(entry)


def _follow(s, actor: Actor, entry: OpenListEntry) -> None:
    """The linked dataset takes the openness a curator gave its item (one truth)."""
    if entry.dataset_id:
        ds = s.get(Dataset, entry.dataset_id)
        if ds is not None:
            openness.set_dataset_openness(
                s, actor, ds, entry.openness, via=f"openlist item {entry.resource_code}"
            )


def conflicts(cat: Catalog, actor: Actor) -> list[openness.Conflict]:
    """Working-list items that disagree with their dataset's openness (or await review)."""
    authz.require_curator(actor)
    with cat.session() as s:
        return openness.conflicts(s)


def resolve(cat: Catalog, actor: Actor, entry_id: int, value: str) -> dict:
    """Settle an item's disagreement: ``value`` is an openness code given to both the item
    and its dataset, or ``dataset`` to take the dataset's (not while it awaits review)."""
    authz.require_curator(actor)
    with cat.session() as s:
        entry = _working_entry(s, entry_id)
        ds = s.get(Dataset, entry.dataset_id) if entry.dataset_id else None
        if ds is None:
            raise ValidationFailed({"openness": ["This item has no dataset."]})
        if value == "dataset":
            if openness.under_review(ds):
                raise ValidationFailed(
                    {"openness": ["The dataset's openness is not known yet: choose one."]}
                )
            value = ds.access_rights
        if value not in vocab.OPENNESS:
            raise ValidationFailed({"openness": ["Not an openness value."]})
        before = entry.openness
        entry.openness = value
        audit.record(
            s,
            actor,
            "openlist.resolve",
            "openlist",
            str(entry.id),
            data={"resource_code": entry.resource_code, "from": before, "to": value},
        )
        _follow(s, actor, entry)
        return _entry_dict(entry)


def remove_entry(cat: Catalog, actor: Actor, entry_id: int) -> None:
    authz.require_curator(actor)
    with cat.session() as s:
        entry = _working_entry(s, entry_id)
        audit.record(
            s,
            actor,
            "openlist.remove",
            "openlist",
            str(entry.id),
            data={"resource_code": entry.resource_code},
        )
        s.delete(entry)


def publish(cat: Catalog, actor: Actor, note: str | None = None) -> dict:
    """Freeze the working list as the next numbered version."""
    authz.require_curator(actor)
    with cat.session() as s:
        rows = _working_rows(s)
        if not rows:
            raise ValidationFailed({"entries": ["The working list is empty."]})
        disputed = openness.conflicts(s)
        if disputed:
            codes = ", ".join(c.resource_code for c in disputed[:10])
            raise ValidationFailed(
                {
                    "entries": [
                        f"{len(disputed)} items disagree with their datasets' openness or "
                        f"await an openness decision ({codes}): resolve them first."
                    ]
                }
            )
        number = (s.execute(select(func.max(OpenListVersion.number))).scalar() or 0) + 1
        version = OpenListVersion(
            number=number,
            note=(note or "").strip() or None,
            published_by=actor.id,
            published_at=utcnow(),
        )
        s.add(version)
        s.flush()
        for e, _name in rows:
            s.add(
                OpenListEntry(
                    version_id=version.id,
                    dataset_id=e.dataset_id,
                    **{k: getattr(e, k) for k in FIELDS},
                )
            )
        audit.record(
            s,
            actor,
            "openlist.publish",
            "openlist",
            f"v{number}",
            note=version.note,
            data={"number": number, "entries": len(rows)},
        )
        out = row_to_dict(version)
        out["entry_count"] = len(rows)
        return out


# -- reading published versions ------------------------------------------------------------
def _version(s, number: int | str) -> OpenListVersion:
    if number == "latest":
        q = select(OpenListVersion).order_by(OpenListVersion.number.desc()).limit(1)
    else:
        try:
            n = int(number)
        except (TypeError, ValueError):
            raise NotFound(f"open list version {number!r} not found") from None
        if not storable(n):
            raise NotFound(f"open list version {number} not found")
        q = select(OpenListVersion).where(OpenListVersion.number == n)
    v = s.execute(q).scalar_one_or_none()
    if v is None:
        raise NotFound(f"open list version {number} not found")
    return v


def versions(cat: Catalog) -> list[dict]:
    """Published versions, newest first, with entry counts (public)."""
    with cat.session() as s:
        counts = dict(
            s.execute(
                select(OpenListEntry.version_id, func.count())
                .where(OpenListEntry.version_id.is_not(None))
                .group_by(OpenListEntry.version_id)
            ).all()
        )
        out = []
        for v in s.execute(
            select(OpenListVersion).order_by(OpenListVersion.number.desc())
        ).scalars():
            d = row_to_dict(v)
            d.pop("published_by", None)
            d["published_at"] = v.published_at
            d["entry_count"] = counts.get(v.id, 0)
            out.append(d)
        return out


def version_entries(
    cat: Catalog, actor: Actor, number: int | str
) -> tuple[dict | None, list[dict]]:
    """(version, entries) of a published version, or of the working copy for curators."""
    if number == WORKING:
        authz.require_curator(actor)
        with cat.session() as s:
            return None, _listed(s, None)
    return published_version(cat, number)


def published_version(cat: Catalog, number: int | str) -> tuple[dict, list[dict]]:
    """(version, entries) of a published version (``latest`` or its number)."""
    with cat.session() as s:
        v = _version(s, number)
        entries = _listed(s, v.id)
        d = row_to_dict(v)
        d.pop("published_by", None)
        d["published_at"] = v.published_at
        d["entry_count"] = len(entries)
        return d, entries


def filter_entries(entries: list[dict], filters: dict[str, str]) -> list[dict]:
    """The public page's filters: openness, domain, department (exact), q (any text)."""
    out = entries
    if filters.get("openness"):
        out = [e for e in out if e["openness"] == filters["openness"]]
    if filters.get("domain"):
        out = [e for e in out if (e["domain"] or "") == filters["domain"]]
    if filters.get("department"):
        out = [e for e in out if (e["source_department"] or "") == filters["department"]]
    q = (filters.get("q") or "").strip().lower()
    if q:
        out = [
            e
            for e in out
            if q
            in " ".join(
                str(e.get(k) or "")
                for k in (
                    "resource_code",
                    "title",
                    "title_en",
                    "source_department",
                    "source_department_en",
                    "domain",
                )
            ).lower()
        ]
    return out


def facet_values(entries: list[dict]) -> dict[str, list[tuple[str, int]]]:
    """Values the filters can take in this version, with counts, most common first."""
    out: dict[str, list[tuple[str, int]]] = {}
    for name, key in (
        ("openness", "openness"),
        ("domain", "domain"),
        ("department", "source_department"),
    ):
        counts: dict[str, int] = {}
        for e in entries:
            if e[key]:
                counts[e[key]] = counts.get(e[key], 0) + 1
        out[name] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return out


def diff(cat: Catalog, actor: Actor, old: int | str, new: int | str) -> dict:
    """What changed from ``old`` to ``new`` (numbers, ``latest`` or, for curators, the
    working copy), keyed by 资源代码. The pages and the JSON API both show this."""
    v_old, a = version_entries(cat, actor, old)
    v_new, b = version_entries(cat, actor, new)
    before = {e["resource_code"]: e for e in a}
    after = {e["resource_code"]: e for e in b}
    changed = []
    for code in sorted(before.keys() & after.keys()):
        fields = {
            k: {"old": before[code][k], "new": after[code][k]}
            for k in FIELDS
            if before[code][k] != after[code][k]
        }
        if fields:
            changed.append(
                {
                    "resource_code": code,
                    "title": after[code]["title"],
                    "title_en": after[code].get("title_en"),
                    "changes": fields,
                }
            )
    return {
        "from": v_old,
        "to": v_new,
        "added": [after[c] for c in sorted(after.keys() - before.keys())],
        "removed": [before[c] for c in sorted(before.keys() - after.keys())],
        "changed": changed,
    }


# -- exports ------------------------------------------------------------------------------
def _cell(entry: dict, key: str) -> str:
    value = entry.get(key)
    if key == "openness":
        return vocab.label("openness", value, "zh")
    if key == "open_mode":
        return vocab.label("open_mode", value, "zh")
    if key == "frequency":
        return vocab.label("frequency", value, "zh")
    if key == "data_formats":
        return ", ".join(value or [])
    return value or ""


def table_rows(entries: list[dict]) -> list[list[str]]:
    """The list as a Chinese table (what the spreadsheet exports hold), header first."""
    return [list(COLUMNS_ZH.values())] + [[_cell(e, k) for k in FIELDS] for e in entries]


def export(cat: Catalog, number: int | str, fmt: str) -> Export:
    """A published version as ``csv`` (UTF-8 with BOM, so Excel reads the Chinese), ``xlsx``
    or ``json`` (codes and labels both, for machines)."""
    if number == WORKING:
        authz.require_curator(authz.ANONYMOUS)  # the working copy is never exported
    version, entries = published_version(cat, number)
    base = f"openlist-v{version['number']}"
    if fmt == "csv":
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows(table_rows(entries))
        return Export(buf.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8", base + ".csv")
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = f"开放清单 v{version['number']}"
        for row in table_rows(entries):
            ws.append(row)
        ws.freeze_panes = "A2"
        out = io.BytesIO()
        wb.save(out)
        return Export(
            out.getvalue(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            base + ".xlsx",
        )
    if fmt == "json":
        body = {
            "version": {
                "number": version["number"],
                "published_at": version["published_at"].isoformat(),
                "note": version.get("note"),
                "entry_count": version["entry_count"],
            },
            "columns": COLUMNS_ZH,
            "entries": [
                {
                    **{k: e[k] for k in FIELDS},
                    "openness_label": _cell(e, "openness"),
                    "dataset": e["dataset"],
                }
                for e in entries
            ],
        }
        data = json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")
        return Export(data, "application/json", base + ".json")
    raise NotFound(f"unknown export format {fmt!r}")
