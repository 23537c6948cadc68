"""Audit events: every state change is recorded with actor, time and note."""

from __future__ import annotations

from sqlalchemy.orm import Session

from catalog.models import AuditEvent
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
