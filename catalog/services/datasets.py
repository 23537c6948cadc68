"""Dataset writes and reads: validation, permissions, state changes, audit, index upkeep."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.errors import Conflict, NotFound, ValidationFailed
from catalog.models import (
    Dataset,
    DatasetSource,
    DatasetVersion,
    Distribution,
    Organization,
    utcnow,
)
from catalog.quality import score_dataset
from catalog.services import (
    audit,
    authz,
    benchmarks,
    contamination,
    field_authority,
    indexing,
    names,
    uploads,
)
from catalog.services.authz import Actor
from catalog.services.records import by_name_or_id, row_to_dict

# the distribution rules live in ``visibility`` (``uploads`` needs them too); re-exported,
# so callers may keep asking ``datasets``
from catalog.services.visibility import needs_signed_link as needs_signed_link
from catalog.services.visibility import visible_distributions as visible_distributions
from schemas.dataset import EDITABLE_FIELDS, DatasetPatchSchema, DatasetSchema

if TYPE_CHECKING:
    from catalog.context import Catalog

# Allowed state changes: (from, to) -> who may make them.
# ``changes_requested``: the curator sends a submission back with a note saying what to fix;
# the partner edits it (it is theirs again, like a draft) and submits it once more.
# ``rejected`` is a refusal with a reason; the partner may still rework it (draft) or argue
# (submit again).
TRANSITIONS = {
    ("draft", "submitted"): "editor",
    ("rejected", "submitted"): "editor",
    ("changes_requested", "submitted"): "editor",
    ("submitted", "published"): "curator",
    ("submitted", "rejected"): "curator",
    ("submitted", "changes_requested"): "curator",
    ("submitted", "draft"): "editor",
    ("rejected", "draft"): "editor",
    ("changes_requested", "draft"): "editor",
    ("draft", "published"): "curator",
    ("published", "withdrawn"): "editor",
    ("withdrawn", "published"): "curator",
}
# A curator's decision that sends a dataset back must say why: the partner acts on it.
NOTE_REQUIRED = frozenset({"changes_requested", "rejected"})
# While the bureau reviews a submission, only curators change it (the partner takes it back
# to draft first), so what is approved is what was reviewed.
LOCKED_FOR_EDITORS = frozenset({"submitted"})
# A partner's edit of a dataset in these states is a revision the bureau reviews first.
REVIEWED_WHEN_EDITED = frozenset({"published"})


def _slug(text: str) -> str:
    return names.slug(text)


def _unique_name(session: Session, data: dict) -> str:
    """A new dataset's address: readable (``names.dataset_base``) and free."""
    return names.unique(session, Dataset, names.dataset_base(data))


def name_taken(session: Session, name: str) -> bool:
    """Whether another dataset is called ``name`` (or was: old addresses stay theirs)."""
    return names._taken(session, Dataset, name)


def _resolve_org(session: Session, ref: str | None) -> Organization | None:
    if not ref:
        return None
    org = by_name_or_id(session, Organization, ref)
    if org is None:
        raise ValidationFailed({"organization": ["Unknown organization."]})
    return org


def load_input(data: dict, partial: bool = False) -> dict:
    schema = DatasetPatchSchema() if partial else DatasetSchema()
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ValidationFailed(exc.messages_dict) from None


def _apply(ds: Dataset, values: dict) -> None:
    dists = values.pop("distributions", None)
    values.pop("organization", None)
    for key, value in values.items():
        setattr(ds, key, value)
    if dists is not None:
        content = _content_of(ds.distributions)
        ids = _ids_by_link(ds.distributions)
        ds.distributions = [Distribution(position=i, **d) for i, d in enumerate(dists)]
        for d in ds.distributions:
            _keep_content(d, content)
            kept = ids.get(_content_key(d))
            if kept:  # the same link keeps its id (CKAN clients address resources by id)
                d.id = kept.pop(0)
        if ds.access_rights != "conditional":
            for d in ds.distributions:
                d.restricted = False


_Content = tuple[str | None, int | None, dict | None, datetime | None]


def _content_key(d: Distribution) -> tuple:
    return (d.access_url, d.download_url, d.stored_file)


def _ids_by_link(dists: list[Distribution]) -> dict[tuple, list[str]]:
    """The ids of the distributions, by their link, in order (a link may appear twice)."""
    out: dict[tuple, list[str]] = {}
    for d in dists:
        if d.id:
            out.setdefault(_content_key(d), []).append(d.id)
    return out


def _content_of(dists: list[Distribution]) -> dict[tuple, _Content]:
    """What is known of the distributions' content (hash, size, preview), by their link."""
    return {
        _content_key(d): (d.sha256, d.byte_size, d.preview, d.content_checked_at)
        for d in dists
        if d.sha256 or d.preview is not None
    }


def _keep_content(d: Distribution, content: dict[tuple, _Content]) -> None:
    """A distribution whose link stays keeps the hash and preview found before (by the
    upload or ``catalog files check``) unless the edit gave a different hash."""
    was = content.get(_content_key(d))
    if was is None:
        return
    sha, size, preview, checked = was
    if not d.sha256:
        d.sha256 = sha
        if d.byte_size is None:
            d.byte_size = size
    if d.sha256 == sha:
        if d.preview is None:
            d.preview = preview
        d.content_checked_at = d.content_checked_at or checked


# kept out of versions and records: a preview is derived from the file (up to 100 rows)
_NOT_IN_SNAPSHOT = ("preview",)


def snapshot(ds: Dataset) -> dict:
    """The dataset as plain JSON-able data: for versions, exports and diffs."""
    data = row_to_dict(ds)
    data["distributions"] = [
        {k: v for k, v in row_to_dict(d).items() if k not in _NOT_IN_SNAPSHOT}
        for d in ds.distributions
    ]
    return data


def _save_version(session: Session, ds: Dataset, actor: Actor) -> None:
    session.flush()
    number = (
        session.execute(
            select(func.max(DatasetVersion.number)).where(DatasetVersion.dataset_id == ds.id)
        ).scalar()
        or 0
    ) + 1
    session.add(
        DatasetVersion(dataset_id=ds.id, number=number, data=snapshot(ds), actor_id=actor.id)
    )


def _finish(session: Session, ds: Dataset, actor: Actor) -> None:
    session.flush()  # so that keys set through relationships (organization) are scored
    ds.quality_score = score_dataset(ds).total
    # issue 18: a benchmark is pinned when first published; contamination evidence is
    # recomputed for the changed dataset
    contamination.check_derived_from(session, ds)
    benchmarks.after_change(session, ds, actor)
    contamination.refresh(session, ds)
    _save_version(session, ds, actor)
    indexing.queue(session, ds.id)


def finish_change(session: Session, ds: Dataset, actor: Actor) -> None:
    """Close a change made inside another service's transaction (the harvest's batches):
    quality score, a version snapshot and the search index update, as every write has."""
    _finish(session, ds, actor)


def _attach_files(
    session: Session, actor: Actor, dataset_id: str | None, values: dict, files: dict | None
) -> None:
    """Point distributions (by position) at uploaded files the actor may attach."""
    if not files:
        return
    dists = values.get("distributions")
    if dists is None:
        raise ValidationFailed({"distributions": ["Files need their distributions."]})
    allowed = uploads.attachable_keys(session, actor, dataset_id, set(files.values()))
    known = uploads.content_of(session, set(files.values()))
    for position, key in files.items():
        authz.require(key in allowed, "not allowed to attach this file")
        if 0 <= position < len(dists):
            dists[position]["stored_file"] = key
            # the hash and size of the upload are the file's, whatever the form said
            if key in known:
                sha, size, preview = known[key]
                dists[position].update(sha256=sha, byte_size=size, preview=preview)


def create_dataset(
    cat: Catalog,
    actor: Actor,
    data: dict,
    *,
    status: str = "draft",
    provenance: dict | None = None,
    files: dict[int, str] | None = None,
) -> Dataset:
    """Validate and store a new dataset; curators (and trusted harvests) may publish at once.

    ``files`` maps distribution positions to uploaded files (``uploads.store``) to attach.
    """
    values = load_input(data)
    with cat.session() as s:
        org = _resolve_org(s, values.get("organization"))
        authz.require_create_dataset(actor, org.id if org else None)
        authz.require_contributing(actor, org)
        field_authority.check(s, actor, org.id if org else None, values, _defaults())
        _attach_files(s, actor, None, values, files)
        if status == "published":
            authz.require_curator(actor)
        if values.get("name"):
            if name_taken(s, values["name"]):
                raise ValidationFailed({"name": ["A dataset with this name already exists."]})
        else:
            values["name"] = _unique_name(s, values)
        ds = Dataset(organization=org, status=status, created_by=actor.id, updated_by=actor.id)
        if not values.get("modified"):
            values["modified"] = utcnow()
        _apply(ds, values)
        for key, value in (provenance or {}).items():
            setattr(ds, key, value)
        s.add(ds)
        s.flush()
        audit.record(s, actor, "dataset.create", "dataset", ds.id, data={"status": status})
        _finish(s, ds, actor)
    cat.sync_index()
    return ds


def user_owner(actor: Actor) -> str:
    """The field-provenance mark of a person's edit (``SYSTEM`` edits are ``user:system``)."""
    return f"user:{actor.id or 'system'}"


@dataclass(frozen=True)
class EditResult:
    """What became of an edit: saved at once, or held as a revision for the bureau."""

    dataset: Dataset
    revision_id: int | None = None  # set when the edit waits for review

    @property
    def pending(self) -> bool:
        return self.revision_id is not None


def needs_review(actor: Actor, ds: Dataset) -> bool:
    """A partner's edit of a published dataset waits for the bureau (issue 13, item 1): the
    public keeps reading what the bureau approved. Curators (and ``SYSTEM``: harvests and
    the CLI) change published records at once."""
    return ds.status in REVIEWED_WHEN_EDITED and not actor.is_curator


def update_dataset(
    cat: Catalog,
    actor: Actor,
    ref: str,
    patch: dict,
    note: str | None = None,
    *,
    files: dict[int, str] | None = None,
) -> Dataset:
    """Change a dataset (every surface calls this). A partner's change to a published
    dataset is held as a pending revision and the published record is returned unchanged;
    :func:`save_edit` says which happened."""
    return save_edit(cat, actor, ref, patch, note, files=files).dataset


def save_edit(
    cat: Catalog,
    actor: Actor,
    ref: str,
    patch: dict,
    note: str | None = None,
    *,
    files: dict[int, str] | None = None,
    review_link: Callable[[int], str] | None = None,
) -> EditResult:
    """:func:`update_dataset`, telling whether the edit was saved or waits for review
    (``review_link`` makes the curators' e-mail point at the revision)."""
    from catalog.services import revisions

    values = load_input(patch, partial=True)
    edited = sorted(values)
    with cat.session() as s:
        ds = _get(s, ref)
        authz.require(authz.can_edit_dataset(actor, ds), "not allowed to edit this dataset")
        if ds.status in LOCKED_FOR_EDITORS and not actor.is_curator:
            raise Conflict("the dataset is under review: take it back to draft to change it")
        if needs_review(actor, ds):
            staged = revisions.stage(s, actor, ds, patch, files, note)
        else:
            check_edit(s, actor, ds, values, files)
            write_edit(s, actor, ds, values, edited, note)
            staged = None
    if staged is not None:
        revisions.notify_staged(cat, staged, review_link)
        return EditResult(ds, staged.revision_id)
    cat.sync_index()
    return EditResult(ds)


def check_edit(
    session: Session, actor: Actor, ds: Dataset, values: dict, files: dict[int, str] | None
) -> None:
    """The checks of an edit before it is written or held for review: field authority,
    the review switch, the files it attaches (``values`` gets their hashes)."""
    field_authority.check(session, actor, ds.organization_id, values, ds)
    field_authority.require_review_switch(session, ds, values)
    _attach_files(session, actor, ds.id, values, files)


def write_edit(
    session: Session,
    actor: Actor,
    ds: Dataset,
    values: dict,
    edited: list[str],
    note: str | None = None,
    *,
    author: Actor | None = None,
    action: str = "dataset.update",
    audit_data: dict | None = None,
) -> None:
    """Write checked ``values`` onto ``ds``: organization, name, fields, provenance (the
    ``author``'s, by default the actor's), audit event, version, index. A curator approving
    a partner's revision writes it with the partner as author."""
    if "organization" in values:
        org = _resolve_org(session, values["organization"])
        if org and org.id != ds.organization_id:
            authz.require_create_dataset(actor, org.id)
            ds.organization = org
    new_name = values.get("name")
    if new_name and new_name != ds.name and name_taken(session, new_name):
        raise ValidationFailed({"name": ["A dataset with this name already exists."]})
    if new_name and new_name != ds.name:
        names.keep_old_name(session, "dataset", ds.id, ds.name)
    if "modified" not in values:
        values["modified"] = utcnow()
    pinned = benchmarks.files_state(ds)
    _apply(ds, values)
    benchmarks.check_edit(session, ds, pinned)
    ds.updated_by = actor.id
    # a person's edit wins over harvests of this field until it is released
    owner = user_owner(author or actor)
    ds.field_provenance = {**(ds.field_provenance or {}), **dict.fromkeys(edited, owner)}
    audit.record(
        session,
        actor,
        action,
        "dataset",
        ds.id,
        note=note,
        data={**(audit_data or {}), "fields": sorted(values)},
    )
    _finish(session, ds, actor)


def release_field(cat: Catalog, actor: Actor, ref: str, field: str) -> Dataset:
    """Hand a field a person edited back to the harvest: the next run of the dataset's
    sources sets it again (their records are re-applied even if unchanged)."""
    if field not in EDITABLE_FIELDS:
        raise ValidationFailed({"field": [f"Unknown field '{field}'."]})
    with cat.session() as s:
        ds = _get(s, ref)
        authz.require(authz.can_edit_dataset(actor, ds), "not allowed to edit this dataset")
        prov = dict(ds.field_provenance or {})
        owner = prov.get(field, "")
        if not owner.startswith("user:"):
            raise Conflict(f"field {field!r} is not held by a person's edit")
        field_authority.require_release(s, actor, field, owner)
        del prov[field]
        links = list(
            s.execute(select(DatasetSource).where(DatasetSource.dataset_id == ds.id)).scalars()
        )
        feeding = [ln.source_id for ln in links if ln.gone_since is None]
        if feeding:  # back to the source that made the dataset (or one still feeding it)
            owner_id = ds.source_id if ds.source_id in feeding else feeding[0]
            prov[field] = f"source:{owner_id}"
        ds.field_provenance = prov
        for link in links:
            link.content_hash = None  # forces the next run to apply the record again
        audit.record(
            s, actor, "dataset.release_field", "dataset", ds.id, data={"field": field, "was": owner}
        )
    return ds


# -- harvested records ----------------------------------------------------------------------
# Fields a harvest sets when it creates a dataset but never changes afterwards: the name is
# the dataset's address, the rest belong to the bureau's curation.
_SET_ONCE = frozenset({"name", "review_by", "featured"})
_DIST_FIELDS = (
    "title",
    "title_en",
    "description",
    "access_url",
    "download_url",
    "format",
    "media_type",
    "byte_size",
    "checksum",
    "checksum_algorithm",
    "sha256",
    "license",
    "restricted",
)


def _empty(value: object) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _naive_utc(value: object) -> object:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _defaults() -> dict:
    """What a field holds when no one gave it a value (the schema's load defaults)."""
    global _DEFAULTS
    if _DEFAULTS is None:
        _DEFAULTS = DatasetSchema().load({"title": "-"})
    return _DEFAULTS


_DEFAULTS: dict | None = None


def _current(ds: Dataset, key: str) -> object:
    if key == "organization":
        return ds.organization_id
    if key == "distributions":
        return _dist_rows(ds.distributions)
    return getattr(ds, key)


def _dist_rows(dists: list) -> list[dict]:
    rows = []
    for d in dists:
        get = d.get if isinstance(d, dict) else lambda k, _d=d: getattr(_d, k)
        row = {k: get(k) for k in _DIST_FIELDS}
        row["restricted"] = bool(row["restricted"])
        rows.append(row)
    return rows


def _set_distributions(ds: Dataset, dists: list[dict]) -> None:
    """Replace the distributions, keeping the link-check results of URLs that stay."""
    checked = {
        (d.access_url, d.download_url): (d.link_status, d.link_checked_at)
        for d in ds.distributions
        if d.link_checked_at is not None
    }
    _apply(ds, {"distributions": dists})
    for d in ds.distributions:
        d.link_status, d.link_checked_at = checked.get((d.access_url, d.download_url), (None, None))


def write_harvested(
    session: Session,
    actor: Actor,
    values: dict,
    *,
    dataset: Dataset | None,
    owner: str,
    emitted: set[str],
    active_owners: set[str],
    status: str,
    provenance: dict,
    audit_data: dict,
    finish: Callable[[Session, Dataset, Actor], None] | None = None,
) -> tuple[Dataset, list[str]]:
    """Create or update a dataset from a harvested record, field by field, inside the
    harvest's own transaction (the harvest commits per batch, not per record).

    ``values`` were loaded by :class:`DatasetSchema` (``organization`` is our organization's
    name). ``owner`` is ``"source:<id>"``. A field is written when a person does not hold it
    (``user:`` provenance), and it is this source's, or nobody's (the value is empty or its
    source stopped feeding the dataset). A field the source no longer gives goes back to its
    default. Returns the dataset and the fields that changed (empty: nothing to do).
    ``finish`` closes an update in place of :func:`finish_change` (a harvest batch closes
    its changes together).
    """
    values = {k: _naive_utc(v) for k, v in values.items()}
    if dataset is None:
        return _create_harvested(
            session, actor, values, owner, emitted, status, provenance, audit_data
        )
    ds = dataset
    prov = dict(ds.field_provenance or {})
    defaults = _defaults()
    changed: list[str] = []
    for key in EDITABLE_FIELDS:
        if key in _SET_ONCE:
            continue
        holder = prov.get(key)
        if holder is not None and holder.startswith("user:"):
            continue
        gives = key in emitted
        if holder == owner:
            if not gives:
                prov.pop(key, None)
                if key == "modified":
                    continue
        elif holder in active_owners or not gives:
            continue
        elif holder is None and not _empty(_current(ds, key)):
            continue  # someone set it by hand before the dataset was harvested
        new = values.get(key, defaults.get(key))
        if gives:
            prov[key] = owner
        if key == "organization":
            org = _resolve_org(session, new)
            if (org.id if org else None) != ds.organization_id:
                ds.organization = org
                changed.append(key)
        elif key == "distributions":
            if _dist_rows(new or []) != _dist_rows(ds.distributions):
                _set_distributions(ds, new or [])
                changed.append(key)
        elif getattr(ds, key) != new:
            setattr(ds, key, new)
            changed.append(key)
    if ds.access_rights != "conditional":
        for d in ds.distributions:
            d.restricted = False
    if prov != (ds.field_provenance or {}):
        ds.field_provenance = prov
    for key, value in provenance.items():
        setattr(ds, key, value)
    if changed:
        ds.updated_by = actor.id
        audit.record(
            session,
            actor,
            "dataset.harvest",
            "dataset",
            ds.id,
            data={**audit_data, "fields": changed},
        )
        (finish or finish_change)(session, ds, actor)
    return ds, changed


def _create_harvested(
    session: Session,
    actor: Actor,
    values: dict,
    owner: str,
    emitted: set[str],
    status: str,
    provenance: dict,
    audit_data: dict,
) -> tuple[Dataset, list[str]]:
    org = _resolve_org(session, values.get("organization"))
    authz.require_create_dataset(actor, org.id if org else None)
    if status == "published":
        authz.require_curator(actor)
    wanted = values.get("name")
    if wanted and not session.execute(select(Dataset.id).where(Dataset.name == wanted)).first():
        values["name"] = wanted
    else:  # taken (or none given): the same base with a counter, as for hand-made datasets
        base = {**values, "resource_code": wanted or values.get("resource_code")}
        values["name"] = _unique_name(session, base)
    ds = Dataset(organization=org, status=status, created_by=actor.id, updated_by=actor.id)
    if not values.get("modified"):
        values["modified"] = utcnow()
    _apply(ds, dict(values))
    ds.field_provenance = {k: owner for k in EDITABLE_FIELDS if k in emitted}
    for key, value in provenance.items():
        setattr(ds, key, value)
    session.add(ds)
    session.flush()
    audit.record(
        session, actor, "dataset.create", "dataset", ds.id, data={**audit_data, "status": status}
    )
    finish_change(session, ds, actor)
    return ds, sorted(k for k in values if k in EDITABLE_FIELDS)


def change_status(
    cat: Catalog, actor: Actor, ref: str, to: str, note: str | None = None
) -> Dataset:
    """Move a dataset through its workflow; every change is audited with its note."""
    with cat.session() as s:
        ds = _get(s, ref)
        who = TRANSITIONS.get((ds.status, to))
        if who is None:
            raise Conflict(f"cannot go from {ds.status} to {to}")
        if who == "curator":
            authz.require_curator(actor)
        else:
            authz.require(authz.can_edit_dataset(actor, ds), "not allowed to change this dataset")
            if to == "submitted":
                authz.require_contributing(actor, ds.organization)
        if to in NOTE_REQUIRED and not (note or "").strip():
            raise ValidationFailed({"note": ["Give a reason."]})
        before = ds.status
        ds.status = to
        ds.status_note = note
        ds.updated_by = actor.id
        audit.record(
            s, actor, f"dataset.{to}", "dataset", ds.id, note=note, data={"from": before, "to": to}
        )
        _finish(s, ds, actor)
    cat.sync_index()
    return ds


def publish_dataset(cat: Catalog, actor: Actor, ref: str, note: str | None = None) -> Dataset:
    return change_status(cat, actor, ref, "published", note)


def withdraw_dataset(cat: Catalog, actor: Actor, ref: str, reason: str) -> Dataset:
    """Take a published dataset off the catalog; its page stays and says why."""
    if not (reason or "").strip():
        raise ValidationFailed({"note": ["Give a reason."]})
    return change_status(cat, actor, ref, "withdrawn", reason)


def _get(session: Session, ref: str) -> Dataset:
    ds = by_name_or_id(session, Dataset, ref)
    if ds is None:
        raise NotFound(f"dataset {ref!r} not found")
    return ds


def get_dataset(cat: Catalog, actor: Actor, ref: str) -> Dataset:
    """A dataset the actor may see; others' drafts look exactly like missing ones. Read in
    a read-only session: on SQLite it takes no write lock, so a dataset page is not queued
    behind a harvest storing its batch (nor gunicorn's workers behind each other)."""
    with cat.read_session() as s:
        ds = _get(s, ref)
        if not authz.can_view_dataset(actor, ds):
            raise NotFound(f"dataset {ref!r} not found")
        _ = ds.organization, ds.distributions
        return ds


def related_datasets(cat: Catalog, ds: Dataset, limit: int = 5) -> list[dict]:
    """Published datasets most like this one, from the search backend: shared task and
    modality first, then text similarity (the engine's more-like-this), a shared theme only
    a little (issue 16, item 5: a theme alone relates too much to say anything)."""
    from catalog.search.documents import dataset_document

    return [h.doc for h in cat.search.related(dataset_document(ds), limit)]


def featured_datasets(cat: Catalog, limit: int = 6) -> list[dict]:
    """The bureau's featured published datasets, newest first, shaped like search hits."""
    from catalog.search.documents import dataset_document, payload

    with cat.read_session() as s:  # the home page: never behind a writer's lock
        rows = (
            s.execute(
                select(Dataset)
                .where(Dataset.status == "published", Dataset.featured.is_(True))
                .order_by(Dataset.modified.desc())
                .limit(limit)
            )
            .scalars()
            .all()
        )
        return [payload(dataset_document(d)) for d in rows]


def count_by_status(cat: Catalog) -> dict[str, int]:
    with cat.session() as s:
        rows = s.execute(select(Dataset.status, func.count()).group_by(Dataset.status)).all()
    return {k: v for k, v in rows}


def _jsonable(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
