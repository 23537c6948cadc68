"""The access log: the audit events of one request or of a dataset's requests and
restricted downloads, with the actors' names, and its CSV export (curators)."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from catalog.models import AccessRequest, AuditEvent, Dataset
from catalog.services import audit, authz
from catalog.services.access_requests import dataset_by_ref, load_request
from catalog.services.authz import Actor

if TYPE_CHECKING:
    from catalog.context import Catalog


def history(cat: Catalog, actor: Actor, request_id: int) -> list[dict]:
    """The request's audit events, oldest first, with the actors' names."""
    with cat.session() as s:
        load_request(s, actor, request_id)
        return _event_rows(s, audit.events_of(s, "access_request", request_id))


def _event_rows(s, events) -> list[dict]:
    names = audit.actor_names(s, events)
    return [
        {
            "at": e.at,
            "action": e.action,
            "actor": names.get(e.actor_id, "system" if e.actor_id is None else e.actor_id),
            "address": e.address,
            "note": e.note,
            "object_id": e.object_id,
            "data": e.data or {},
        }
        for e in events
    ]


def dataset_audit(cat: Catalog, actor: Actor, ref: str) -> tuple[Dataset, list[dict]]:
    """The access log of a dataset (requests and restricted downloads): curators only."""
    authz.require_curator(actor)
    with cat.session() as s:
        ds = dataset_by_ref(s, ref)
        ids = [
            str(i)
            for i in s.execute(
                select(AccessRequest.id).where(AccessRequest.dataset_id == ds.id)
            ).scalars()
        ]
        events = (
            s.execute(
                select(AuditEvent)
                .where(
                    or_(
                        (AuditEvent.object_type == "access_request")
                        & AuditEvent.object_id.in_(ids or ["-"]),
                        (AuditEvent.object_type == "dataset")
                        & (AuditEvent.object_id == ds.id)
                        & AuditEvent.action.like("access.%"),
                    )
                )
                .order_by(AuditEvent.id)
            )
            .scalars()
            .all()
        )
        return ds, _event_rows(s, events)


def audit_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["at", "action", "actor", "address", "request", "note"])
    for r in rows:
        w.writerow(
            [
                r["at"].isoformat(timespec="seconds"),
                r["action"],
                r["actor"],
                r["address"] or "",
                r["data"].get("request", r["object_id"]),
                r["note"] or "",
            ]  # fmt: skip
        )
    return out.getvalue()
