"""Revisions of published datasets (issue 13, item 1): a partner's change waits for the bureau.

What the bureau published is what the public reads -- pages, APIs, DCAT, search -- until a
curator approves a change. ``datasets.save_edit`` (every surface's edit) hands a partner's
edit of a published dataset to :func:`stage`, which keeps it as a pending revision: the
patch as sent, the uploads it attaches, and the record it would make, so the curator sees a
field diff against the version it was made on. Further edits before the review join the
pending revision. The curator approves (the change is written through
``datasets.write_edit``: a new version, an audit event, the index) or returns it with a
note; the partner may withdraw it. Curators are told by e-mail when something waits
(``extra.curator_notices``: ``immediate``, ``daily`` for one digest a day from ``catalog
curation digest``, or ``off``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.errors import Conflict, NotFound, ValidationFailed
from catalog.models import Dataset, DatasetRevision, DatasetVersion, User, utcnow
from catalog.services import audit, authz, benchmarks, datasets, mail, notices
from catalog.services.authz import Actor
from catalog.services.versions import FieldChange, diff_snapshots

if TYPE_CHECKING:
    from catalog.context import Catalog

STATES = ("pending", "approved", "returned", "withdrawn")
NOTICE_MODES = ("immediate", "daily", "off")


def notice_mode(cat: Catalog) -> str:
    """How curators hear of work waiting for them (``extra.curator_notices``)."""
    mode = str(cat.settings.extra.get("curator_notices") or "immediate")
    return mode if mode in NOTICE_MODES else "immediate"


def curator_emails(session: Session) -> list[str]:
    return list(
        session.execute(
            select(User.email).where(User.role.in_(("curator", "sysadmin")), User.active.is_(True))
        ).scalars()
    )


@dataclass(frozen=True)
class Staged:
    """A change held for review, and whom to tell once it is committed."""

    revision_id: int
    dataset_title: str
    new: bool  # a new revision (not a further edit joining a pending one)
    tell: tuple[str, ...]


def _pending(session: Session, dataset_id: str) -> DatasetRevision | None:
    return session.execute(
        select(DatasetRevision)
        .where(DatasetRevision.dataset_id == dataset_id, DatasetRevision.state == "pending")
        .order_by(DatasetRevision.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _version(session: Session, dataset_id: str) -> tuple[int, dict]:
    row = session.execute(
        select(DatasetVersion)
        .where(DatasetVersion.dataset_id == dataset_id)
        .order_by(DatasetVersion.number.desc())
        .limit(1)
    ).scalar_one_or_none()
    return (row.number, row.data or {}) if row else (0, {})


def _proposed_snapshot(session: Session, ds: Dataset, values: dict) -> dict:
    """The record the change would make, written in a savepoint and rolled back, so the
    diff is exactly what approval will write (defaults, organization, distributions)."""
    point = session.begin_nested()
    try:
        values = dict(values)
        if "organization" in values:
            ds.organization = datasets._resolve_org(session, values["organization"])
        pinned = benchmarks.files_state(ds)
        datasets._apply(ds, values)
        benchmarks.check_edit(session, ds, pinned)  # a pinned benchmark refuses it now
        session.flush()
        return datasets.snapshot(ds)
    finally:
        point.rollback()
        session.refresh(ds)


def _kept(proposed: dict) -> frozenset[str]:
    """``modified`` counts as a change when the partner set it (every save sets it)."""
    return frozenset({"modified"} & set(proposed))


def field_of(change: FieldChange) -> str:
    """The dataset field a change is of (``distributions[2].title`` -> ``distributions``)."""
    return change.field.split(".")[0].split("[")[0]


def _int_keys(files: dict | None) -> dict[int, str]:
    return {int(k): v for k, v in (files or {}).items()}


def stage(
    session: Session,
    actor: Actor,
    ds: Dataset,
    patch: dict,
    files: dict[int, str] | None,
    note: str | None,
) -> Staged | None:
    """Hold a partner's edit of a published dataset for review (``datasets.save_edit``
    calls this inside its transaction, after the edit permission). The change is checked
    now as the partner's (field authority, attachable files, a free name), so a refusal
    comes back at once; None when the record would not change."""
    pending = _pending(session, ds.id)
    proposed = {**(pending.proposed if pending else {}), **patch}
    if "distributions" in patch or pending is None:
        kept_files = dict(files or {})
    else:
        kept_files = _int_keys(pending.files)
    values = datasets.load_input(proposed, partial=True)
    datasets.check_edit(session, actor, ds, values, kept_files)
    new_name = values.get("name")
    if new_name and new_name != ds.name and datasets.name_taken(session, new_name):
        raise ValidationFailed({"name": ["A dataset with this name already exists."]})
    base_number, base = _version(session, ds.id)
    if pending is not None:
        base_number = pending.base_version or base_number
        base = _version_data(session, ds.id, base_number) or base
    snap = _proposed_snapshot(session, ds, values)
    fields = sorted({field_of(c) for c in diff_snapshots(base, snap, _kept(proposed))})
    if not fields:  # the record would not change: nothing waits (any longer)
        if pending is not None:
            pending.state = "withdrawn"
            pending.decided_by = actor.id
            pending.decided_at = utcnow()
            audit.record(
                session,
                actor,
                "dataset.revision_withdrawn",
                "dataset",
                ds.id,
                data={"revision": pending.id},
            )
        return None
    rev = pending or DatasetRevision(
        dataset_id=ds.id, state="pending", base_version=base_number, proposed_by=actor.id
    )
    rev.proposed = proposed
    rev.files = {str(k): v for k, v in kept_files.items()}
    rev.fields = fields
    rev.snapshot = snap
    rev.proposed_at = utcnow()
    if note:
        rev.note = note
    if pending is None:
        session.add(rev)
    session.flush()
    audit.record(
        session,
        actor,
        "dataset.revision_proposed",
        "dataset",
        ds.id,
        note=note,
        data={"revision": rev.id, "fields": fields},
    )
    tell: tuple[str, ...] = ()
    if pending is None:
        tell = tuple(curator_emails(session))
    return Staged(rev.id, ds.title, pending is None, tell)


def _version_data(session: Session, dataset_id: str, number: int) -> dict:
    row = session.execute(
        select(DatasetVersion.data).where(
            DatasetVersion.dataset_id == dataset_id, DatasetVersion.number == number
        )
    ).scalar_one_or_none()
    return row or {}


def notify_staged(
    cat: Catalog, staged: Staged, review_link: Callable[[int], str] | None = None
) -> bool:
    """E-mail the curators of a new revision (after the commit; when notices are
    immediate). A failed send never undoes the revision."""
    if not staged.new or not staged.tell or notice_mode(cat) != "immediate":
        return False
    link = review_link(staged.revision_id) if review_link else None
    return mail.send(
        cat.settings, notices.waiting_for_review(list(staged.tell), staged.dataset_title, link)
    )


# -- reading ------------------------------------------------------------------------------
@dataclass(frozen=True)
class RevisionRow:
    """A pending revision in the curators' queue."""

    id: int
    dataset_id: str
    name: str
    title: str
    title_en: str | None
    organization: str | None
    organization_en: str | None
    proposed_at: datetime
    proposed_by: str
    fields: tuple[str, ...]

    @property
    def age_days(self) -> int:
        return max(0, (utcnow() - self.proposed_at).days)


@dataclass(frozen=True)
class RevisionDetail:
    """One revision with what it changes, for the review page and the partner's notice."""

    id: int
    state: str
    dataset_id: str
    dataset_name: str
    dataset_title: str
    proposed_at: datetime
    proposed_by: str
    decided_at: datetime | None
    decided_by: str
    note: str | None
    base_version: int | None
    current_version: int
    changes: tuple[FieldChange, ...]
    snapshot: dict
    proposed: dict

    @property
    def stale(self) -> bool:
        """The published record changed since the partner made the change."""
        return (self.base_version or 0) < self.current_version


def queue(cat: Catalog, actor: Actor) -> list[RevisionRow]:
    """Pending revisions, oldest first (curators)."""
    authz.require_curator(actor)
    with cat.read_session() as s:
        rows = s.execute(
            select(DatasetRevision, Dataset, User.name)
            .join(Dataset, Dataset.id == DatasetRevision.dataset_id)
            .outerjoin(User, User.id == DatasetRevision.proposed_by)
            .where(DatasetRevision.state == "pending")
            .order_by(DatasetRevision.proposed_at)
        ).all()
        out = []
        for rev, ds, who in rows:
            org = ds.organization
            out.append(
                RevisionRow(
                    rev.id,
                    ds.id,
                    ds.name,
                    ds.title,
                    ds.title_en,
                    org.title if org else ds.source_department,
                    org.title_en if org else None,
                    rev.proposed_at,
                    who or "",
                    tuple(rev.fields or ()),
                )
            )
        return out


def pending_count(cat: Catalog) -> int:
    with cat.read_session() as s:
        return (
            s.execute(
                select(func.count())
                .select_from(DatasetRevision)
                .where(DatasetRevision.state == "pending")
            ).scalar()
            or 0
        )


def _detail(s: Session, rev: DatasetRevision, ds: Dataset) -> RevisionDetail:
    ids = {u for u in (rev.proposed_by, rev.decided_by) if u}
    who = dict(s.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}
    base = _version_data(s, ds.id, rev.base_version or 0)
    current, _data = _version(s, ds.id)
    return RevisionDetail(
        rev.id,
        rev.state,
        ds.id,
        ds.name,
        ds.title,
        rev.proposed_at,
        who.get(rev.proposed_by or "", ""),
        rev.decided_at,
        who.get(rev.decided_by or "", ""),
        rev.note,
        rev.base_version,
        current,
        tuple(diff_snapshots(base, rev.snapshot or {}, _kept(rev.proposed or {}))),
        dict(rev.snapshot or {}),
        dict(rev.proposed or {}),
    )


def get(cat: Catalog, actor: Actor, revision_id: int) -> RevisionDetail:
    """A revision, to curators and to the dataset's editors (others: not found)."""
    with cat.read_session() as s:
        rev = s.get(DatasetRevision, revision_id)
        ds = s.get(Dataset, rev.dataset_id) if rev else None
        if rev is None or ds is None or not authz.can_edit_dataset(actor, ds):
            raise NotFound(f"revision {revision_id} not found")
        return _detail(s, rev, ds)


def latest(cat: Catalog, actor: Actor, dataset_id: str) -> RevisionDetail | None:
    """The dataset's newest revision when it is pending or was returned (what its editors
    are told on the dataset and editor pages); None otherwise or for others."""
    with cat.read_session() as s:
        ds = s.get(Dataset, dataset_id)
        if ds is None or not authz.can_edit_dataset(actor, ds):
            return None
        rev = s.execute(
            select(DatasetRevision)
            .where(DatasetRevision.dataset_id == dataset_id)
            .order_by(DatasetRevision.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if rev is None or rev.state not in ("pending", "returned"):
            return None
        return _detail(s, rev, ds)


# -- deciding -----------------------------------------------------------------------------
def _open(s: Session, revision_id: int) -> tuple[DatasetRevision, Dataset]:
    rev = s.get(DatasetRevision, revision_id)
    if rev is None:
        raise NotFound(f"revision {revision_id} not found")
    if rev.state != "pending":
        raise Conflict(f"the change was already {rev.state}")
    ds = s.get(Dataset, rev.dataset_id)
    if ds is None:
        raise NotFound(f"revision {revision_id} not found")
    return rev, ds


def _proposer_email(s: Session, rev: DatasetRevision) -> list[str]:
    if not rev.proposed_by:
        return []
    return list(
        s.execute(
            select(User.email).where(User.id == rev.proposed_by, User.active.is_(True))
        ).scalars()
    )


def approve(
    cat: Catalog,
    actor: Actor,
    revision_id: int,
    note: str | None = None,
    link: Callable[[str], str] | None = None,
) -> Dataset:
    """A curator publishes the change: written onto the record through the dataset
    service (a new version, an audit event, the search index), with the partner as the
    author of the fields. The partner is told by e-mail."""
    authz.require_curator(actor)
    note = (note or "").strip() or None
    with cat.session() as s:
        rev, ds = _open(s, revision_id)
        values = datasets.load_input(dict(rev.proposed or {}), partial=True)
        edited = sorted(values)
        datasets.check_edit(s, actor, ds, values, _int_keys(rev.files))
        author = Actor(id=rev.proposed_by, role="user")
        datasets.write_edit(
            s,
            actor,
            ds,
            values,
            edited,
            note,
            author=author,
            action="dataset.revision_approved",
            audit_data={"revision": rev.id, "proposed_by": rev.proposed_by},
        )
        rev.state = "approved"
        rev.decided_by = actor.id
        rev.decided_at = utcnow()
        if note:
            rev.note = note
        to = _proposer_email(s, rev)
        title, name = ds.title, ds.name
    cat.sync_index()
    if to and link:
        mail.send(cat.settings, notices.revision_decision(to, title, "approved", note, link(name)))
    return ds


def send_back(
    cat: Catalog,
    actor: Actor,
    revision_id: int,
    note: str,
    link: Callable[[str], str] | None = None,
) -> RevisionDetail:
    """A curator returns the change with a note saying why; the record stays as it was."""
    authz.require_curator(actor)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed({"note": ["Give a reason."]})
    with cat.session() as s:
        rev, ds = _open(s, revision_id)
        rev.state = "returned"
        rev.decided_by = actor.id
        rev.decided_at = utcnow()
        rev.note = note
        audit.record(
            s,
            actor,
            "dataset.revision_returned",
            "dataset",
            ds.id,
            note=note,
            data={"revision": rev.id, "fields": list(rev.fields or [])},
        )
        s.flush()
        to = _proposer_email(s, rev)
        detail = _detail(s, rev, ds)
    if to and link:
        mail.send(
            cat.settings,
            notices.revision_decision(
                to, detail.dataset_title, "returned", note, link(detail.dataset_name)
            ),
        )
    return detail


def withdraw(cat: Catalog, actor: Actor, revision_id: int) -> None:
    """The dataset's editors take back a change that waits for review."""
    with cat.session() as s:
        rev, ds = _open(s, revision_id)
        authz.require(authz.can_edit_dataset(actor, ds), "not allowed to change this dataset")
        rev.state = "withdrawn"
        rev.decided_by = actor.id
        rev.decided_at = utcnow()
        audit.record(
            s, actor, "dataset.revision_withdrawn", "dataset", ds.id, data={"revision": rev.id}
        )


# -- the curators' daily digest -------------------------------------------------------------
def send_digest(
    cat: Catalog, link: Callable[[], str] | None = None, *, force: bool = False
) -> bool:
    """One e-mail to the curators listing what waits for them: submitted datasets and
    pending revisions (``catalog curation digest``, once a day from cron). Sent only in the
    ``daily`` mode unless ``force``; nothing is sent when nothing waits."""
    if notice_mode(cat) != "daily" and not force:
        return False
    with cat.read_session() as s:
        submitted = list(
            s.execute(
                select(Dataset.title)
                .where(Dataset.status == "submitted")
                .order_by(Dataset.updated_at)
            ).scalars()
        )
        revised = list(
            s.execute(
                select(Dataset.title)
                .join(DatasetRevision, DatasetRevision.dataset_id == Dataset.id)
                .where(DatasetRevision.state == "pending")
                .order_by(DatasetRevision.proposed_at)
            ).scalars()
        )
        to = curator_emails(s)
    if not to or not (submitted or revised):
        return False
    return mail.send(
        cat.settings, notices.review_digest(to, submitted, revised, link() if link else None)
    )
