"""Review deadlines and chores of access requests: who reviews, when a review is due
(official working days), the overdue reminders and the expiry of grants past their end.

Reviewers are the dataset's publisher's admins when ``Dataset.review_by == "publisher"``,
and the bureau's curators always.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select

from catalog.models import AccessRequest, Dataset, Membership, User, utcnow
from catalog.services import audit, authz, mail, notices
from catalog.services.authz import Actor
from catalog.workdays import WorkdayRangeError, add_weekdays, add_working_days, calendar_for

if TYPE_CHECKING:
    from catalog.context import Catalog

log = logging.getLogger(__name__)

DEFAULT_REVIEW_DAYS = 10


def due_date(cat: Catalog, start: date) -> date:
    """The review due date: ``review_days`` official working days (catalog.workdays) on.

    Past the years any calendar covers, the request is still taken: the due date is counted
    Monday to Friday and the operator is told, loudly, to add the year to the workdays file.
    """
    days = review_days(cat)
    try:
        return add_working_days(start, days, calendar_for(cat.settings))
    except WorkdayRangeError as exc:
        log.error("review due date counted Monday to Friday: %s", exc)
        return add_weekdays(start, days)


def review_days(cat: Catalog) -> int:
    try:
        return max(1, int(cat.settings.extra.get("access_review_days", DEFAULT_REVIEW_DAYS)))
    except (TypeError, ValueError):
        return DEFAULT_REVIEW_DAYS


def today() -> date:
    return utcnow().date()


def can_review(actor: Actor, ds: Dataset) -> bool:
    """Curators always; the publisher's admins when the dataset says the publisher reviews."""
    if actor.is_curator:
        return True
    return ds.review_by != "bureau" and actor.admin_of(ds.organization_id)


def reviewer_emails(s, ds: Dataset) -> list[str]:
    if ds.review_by != "bureau" and ds.organization_id:
        q = (
            select(User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organization_id == ds.organization_id, Membership.role == "admin")
        )
        admins = list(s.execute(q.where(User.active.is_(True))).scalars())
        if admins:
            return admins
    return list(
        s.execute(select(User.email).where(User.role == "curator", User.active.is_(True))).scalars()
    )


def expire_due(
    cat: Catalog, on: date | None = None, link: Callable[[int], str] | None = None
) -> int:
    """Mark approved requests whose end date has passed as expired; returns how many."""
    on = on or today()
    with cat.session() as s:
        ids = list(
            s.execute(
                select(AccessRequest.id).where(
                    AccessRequest.state == "approved", AccessRequest.period_end < on
                )
            ).scalars()
        )
    from catalog.services.access_requests import change_state

    for rid in ids:
        change_state(cat, authz.SYSTEM, rid, "expired", "end date passed", link=link)
    return len(ids)


def remind_overdue(
    cat: Catalog, link: Callable[[int], str] | None = None, on: date | None = None
) -> int:
    """E-mail the reviewers of submitted requests past their due date (once a day at most)."""
    on = on or today()
    sent = 0
    with cat.session() as s:
        rows = s.execute(
            select(AccessRequest, Dataset)
            .join(Dataset, Dataset.id == AccessRequest.dataset_id)
            .where(AccessRequest.state == "submitted", AccessRequest.due_date < on)
        ).all()
        out = []
        for req, ds in rows:
            if req.reminded_at is not None and req.reminded_at.date() >= on:
                continue
            req.reminded_at = utcnow()
            audit.record(s, authz.SYSTEM, "access.reminded", "access_request", str(req.id))
            out.append((reviewer_emails(s, ds), ds.title, req.id, req.due_date))
    for to, title, rid, due in out:
        if to:
            target = link(rid) if link else f"/access/request/{rid}"
            if mail.send(cat.settings, notices.access_overdue(to, title, due, target)):
                sent += 1
    return sent
