"""The bureau's review of submitted datasets, and the partners' side of it.

A partner member submits a draft; a curator publishes it, asks for changes (the dataset goes
back to the partner as ``changes_requested`` with the curator's note) or rejects it with a
reason. The person who submitted it is told by e-mail and sees the note on the page. The
state rules themselves are ``datasets.TRANSITIONS``; this module adds the queue, the ages
and the notices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from catalog.models import AuditEvent, Dataset, User, utcnow
from catalog.services import authz, datasets, mail, notices, revisions
from catalog.services.authz import Actor

if TYPE_CHECKING:
    from catalog.context import Catalog

DECISIONS = ("published", "changes_requested", "rejected")


@dataclass(frozen=True)
class QueueRow:
    id: str
    name: str
    title: str
    title_en: str | None
    kind: str
    organization: str | None
    organization_en: str | None
    submitted_at: datetime
    submitted_by: str
    quality: int | None

    @property
    def age_days(self) -> int:
        return max(0, (utcnow() - self.submitted_at).days)


def _last_events(s, ids: list[str], action: str) -> dict[str, tuple[datetime, str | None]]:
    """For each dataset, when (and by whom) ``action`` last happened."""
    if not ids:
        return {}
    latest = (
        select(AuditEvent.object_id, func.max(AuditEvent.id).label("last"))
        .where(
            AuditEvent.object_type == "dataset",
            AuditEvent.action == action,
            AuditEvent.object_id.in_(ids),
        )
        .group_by(AuditEvent.object_id)
        .subquery()
    )
    rows = s.execute(
        select(AuditEvent.object_id, AuditEvent.at, AuditEvent.actor_id).join(
            latest, AuditEvent.id == latest.c.last
        )
    ).all()
    return {oid: (at, who) for oid, at, who in rows}


def review_queue(cat: Catalog, actor: Actor) -> list[QueueRow]:
    """Submissions waiting for the bureau, oldest first."""
    authz.require_curator(actor)
    with cat.session() as s:
        rows = list(s.execute(select(Dataset).where(Dataset.status == "submitted")).scalars())
        events = _last_events(s, [d.id for d in rows], "dataset.submitted")
        names = dict(
            s.execute(
                select(User.id, User.name).where(
                    User.id.in_({who for _at, who in events.values() if who})
                )
            ).all()
        )
        out = []
        for ds in rows:
            at, who = events.get(ds.id, (ds.updated_at, None))
            org = ds.organization
            out.append(
                QueueRow(
                    ds.id,
                    ds.name,
                    ds.title,
                    ds.title_en,
                    ds.kind,
                    org.title if org else ds.source_department,
                    org.title_en if org else None,
                    at,
                    names.get(who, "") if who else "",
                    ds.quality_score,
                )
            )
    return sorted(out, key=lambda r: r.submitted_at)


def submit(
    cat: Catalog,
    actor: Actor,
    ref: str,
    note: str | None = None,
    review_link: Callable[[str], str] | None = None,
) -> Dataset:
    """A partner member sends a draft (or a dataset sent back for changes) to the bureau;
    the curators are told by e-mail (``extra.curator_notices``: at once, in the daily
    digest, or not)."""
    ds = datasets.change_status(cat, actor, ref, "submitted", (note or "").strip() or None)
    if revisions.notice_mode(cat) == "immediate" and not actor.is_curator:
        with cat.read_session() as s:
            to = revisions.curator_emails(s)
        if to:
            link = review_link(ds.name) if review_link else None
            mail.send(cat.settings, notices.submitted_for_review(to, ds.title, link))
    return ds


def review(
    cat: Catalog,
    actor: Actor,
    ref: str,
    decision: str,
    note: str | None,
    link: Callable[[str], str] | None = None,
) -> tuple[Dataset, bool]:
    """A curator's decision on a submission; the submitter is told by e-mail.
    Returns the dataset and whether the e-mail went out."""
    from catalog.errors import ValidationFailed

    authz.require_curator(actor)
    if decision not in DECISIONS:
        raise ValidationFailed({"decision": [f"Must be one of: {', '.join(DECISIONS)}."]})
    note = (note or "").strip() or None
    ds = datasets.change_status(cat, actor, ref, decision, note)
    with cat.session() as s:
        submitter = _last_events(s, [ds.id], "dataset.submitted").get(ds.id, (None, None))[1]
        wanted = {u for u in (submitter, ds.created_by) if u}
        to = list(
            s.execute(
                select(User.email).where(User.id.in_(wanted), User.active.is_(True))
            ).scalars()
        )
    sent = False
    if link and to:
        sent = mail.send(
            cat.settings, notices.dataset_decision(to, ds.title, decision, note, link(ds.name))
        )
    return ds, sent


def workspace(cat: Catalog, actor: Actor, org_id: str | None = None) -> list[Dataset]:
    """Datasets of the actor's organizations in every state, last changed first."""
    authz.require_signed_in(actor)
    orgs = [org_id] if org_id else list(actor.org_roles)
    if org_id and not (actor.is_curator or actor.member_of(org_id)):
        authz.require(False, "not a member of this organization")
    if not orgs:
        return []
    with cat.session() as s:
        return list(
            s.execute(
                select(Dataset)
                .where(Dataset.organization_id.in_(orgs))
                .order_by(Dataset.updated_at.desc())
            ).scalars()
        )


def last_note(cat: Catalog, ds: Dataset) -> tuple[str | None, datetime | None]:
    """The latest reviewer's note on a dataset sent back or rejected, and when."""
    with cat.session() as s:
        ev = s.execute(
            select(AuditEvent)
            .where(
                AuditEvent.object_type == "dataset",
                AuditEvent.object_id == ds.id,
                AuditEvent.action.in_(("dataset.changes_requested", "dataset.rejected")),
            )
            .order_by(AuditEvent.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        return (ev.note, ev.at) if ev else (None, None)
