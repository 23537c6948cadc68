"""Audit events: every state change is recorded with actor, time and note."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import AuditEvent, User
from catalog.services.authz import Actor


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    note: str | None = None,
    data: dict | None = None,
    address: str | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor.id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        note=note,
        data=data or {},
        address=address,
    )
    session.add(event)
    return event


def events_of(session: Session, object_type: str, object_id: object) -> list[AuditEvent]:
    """The events of one object, oldest first: the history pages of requests read these."""
    return list(
        session.execute(
            select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
            .order_by(AuditEvent.id)
        ).scalars()
    )


def actor_names(session: Session, events: list[AuditEvent]) -> dict[str, str]:
    """The names of the people behind ``events``, by user id, in one query."""
    ids = {e.actor_id for e in events if e.actor_id}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
