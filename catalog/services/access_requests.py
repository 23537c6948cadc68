"""The access-request workflow (数据申请): submitting a request, the state changes that
follow, and reading requests as their requester or reviewers may see them.

States (``TRANSITIONS``): ``submitted <-> needs_info``, ``submitted -> approved | rejected``,
``submitted | needs_info -> withdrawn`` (the requester), ``approved -> expired`` (the end date
passed) ``| revoked`` (a reviewer). Every change is an audit event; e-mails are sent after
the commit and a failed send never undoes a change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from marshmallow import ValidationError
from sqlalchemy import func, select

from catalog.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from catalog.models import AccessRequest, Dataset, User, utcnow
from catalog.services import audit, authz, mail, notices
from catalog.services.access_grants import is_active
from catalog.services.access_reviews import can_review, due_date, reviewer_emails, today
from catalog.services.authz import Actor
from catalog.services.records import by_name_or_id, row_to_dict
from schemas.validators import validate_credit_code

if TYPE_CHECKING:
    from catalog.context import Catalog

STATES = (
    "submitted",
    "needs_info",
    "approved",
    "rejected",
    "withdrawn",
    "expired",
    "revoked",
)
OPEN_STATES = ("submitted", "needs_info")
# (from, to) -> who: "requester", "reviewer" or "system"
TRANSITIONS = {
    ("submitted", "needs_info"): "reviewer",
    ("needs_info", "submitted"): "requester",
    ("submitted", "approved"): "reviewer",
    ("submitted", "rejected"): "reviewer",
    ("submitted", "withdrawn"): "requester",
    ("needs_info", "withdrawn"): "requester",
    ("approved", "revoked"): "reviewer",
    ("approved", "expired"): "system",
}
NOTE_REQUIRED = frozenset({"needs_info", "rejected", "revoked"})


@dataclass
class RequestView:
    req: AccessRequest
    dataset: Dataset
    requester_name: str
    requester_email: str
    may_review: bool
    is_requester: bool

    @property
    def overdue(self) -> bool:
        return (
            self.req.state in ("submitted",)
            and self.req.due_date is not None
            and self.req.due_date < today()
        )

    @property
    def active(self) -> bool:
        return is_active(self.req)


def dataset_by_ref(session, ref: str) -> Dataset:
    ds = by_name_or_id(session, Dataset, ref)
    if ds is None:
        raise NotFound(f"dataset {ref!r} not found")
    return ds


def load_request(session, actor: Actor, request_id: int) -> tuple[AccessRequest, Dataset]:
    req = session.get(AccessRequest, int(request_id))
    if req is None:
        raise NotFound(f"access request {request_id} not found")
    ds = session.get(Dataset, req.dataset_id)
    if req.requester_id != actor.id and not can_review(actor, ds):
        raise NotFound(f"access request {request_id} not found")
    return req, ds


def _view(session, actor: Actor, req: AccessRequest, ds: Dataset) -> RequestView:
    user = session.get(User, req.requester_id)
    _ = ds.organization, ds.distributions
    return RequestView(
        req,
        ds,
        user.name if user else "",
        user.email if user else "",
        can_review(actor, ds),
        req.requester_id == actor.id,
    )


def get_request(cat: Catalog, actor: Actor, request_id: int) -> RequestView:
    """One request, for its requester and its reviewers; others get NotFound."""
    authz.require(actor.is_authenticated, "sign in first")
    with cat.session() as s:
        req, ds = load_request(s, actor, request_id)
        return _view(s, actor, req, ds)


def my_requests(cat: Catalog, actor: Actor, dataset_id: str | None = None) -> list[RequestView]:
    authz.require_signed_in(actor)
    with cat.session() as s:
        q = select(AccessRequest).where(AccessRequest.requester_id == actor.id)
        if dataset_id:
            q = q.where(AccessRequest.dataset_id == dataset_id)
        rows = s.execute(q.order_by(AccessRequest.id.desc())).scalars().all()
        return [_view(s, actor, r, s.get(Dataset, r.dataset_id)) for r in rows]


def _request_record(req: AccessRequest, ds_name: str | None, ds_title: str | None) -> dict:
    d = row_to_dict(req)
    d["dataset"] = {"id": req.dataset_id, "name": ds_name, "title": ds_title}
    return d


def my_access_requests(
    cat: Catalog,
    actor: Actor,
    offset: int = 0,
    limit: int = 20,
) -> tuple[int, list[dict]]:
    """(total, records) of the caller's own requests, newest first, for the JSON API."""
    authz.require(actor.is_authenticated and actor.id is not None, "sign in to see your requests")
    with cat.session() as s:
        base = select(AccessRequest).where(AccessRequest.requester_id == actor.id)
        total = s.execute(select(func.count()).select_from(base.subquery())).scalar_one()
        rows = s.execute(
            select(AccessRequest, Dataset.name, Dataset.title)
            .join(Dataset, Dataset.id == AccessRequest.dataset_id)
            .where(AccessRequest.requester_id == actor.id)
            .order_by(AccessRequest.id.desc())
            .offset(offset)
            .limit(limit)
        ).all()
        return total, [_request_record(r, n, t) for r, n, t in rows]


def my_access_request(cat: Catalog, actor: Actor, request_id: int) -> dict:
    """One of the caller's own requests as a record; anyone else's is NotFound."""
    authz.require(actor.is_authenticated and actor.id is not None, "sign in to see your requests")
    with cat.session() as s:
        row = s.execute(
            select(AccessRequest, Dataset.name, Dataset.title)
            .join(Dataset, Dataset.id == AccessRequest.dataset_id)
            .where(AccessRequest.id == request_id, AccessRequest.requester_id == actor.id)
        ).first()
        if row is None:
            raise NotFound(f"access request {request_id} not found")
        return _request_record(*row)


def review_queue(
    cat: Catalog, actor: Actor, states: tuple[str, ...] = OPEN_STATES + ("approved",)
) -> list[RequestView]:
    """Requests the actor may review, oldest due date first (overdue ones on top)."""
    authz.require_signed_in(actor)
    with cat.session() as s:
        q = (
            select(AccessRequest, Dataset)
            .join(Dataset, Dataset.id == AccessRequest.dataset_id)
            .where(AccessRequest.state.in_(states))
        )
        if not actor.is_curator:
            admin_orgs = [o for o, r in actor.org_roles.items() if r == "admin"]
            if not admin_orgs:
                return []
            q = q.where(Dataset.organization_id.in_(admin_orgs), Dataset.review_by != "bureau")
        rows = s.execute(q).all()
        views = [_view(s, actor, r, d) for r, d in rows]
    return sorted(views, key=lambda v: (v.req.due_date or date.max, v.req.id))


def _text(data: dict, key: str) -> str:
    return str(data.get(key) or "").strip()


def _date(value: object, field: str, errors: dict) -> date | None:
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[field] = ["Not a valid date."]
        return None


def _truthy(value: object) -> bool:
    return value is True or str(value).lower() in ("1", "on", "true", "yes")


def submit_request(
    cat: Catalog,
    actor: Actor,
    ref: str,
    data: dict,
    *,
    address: str | None = None,
    link: Callable[[int], str] | None = None,
) -> AccessRequest:
    """A signed-in user asks for access to a published conditional dataset."""
    authz.require_signed_in(actor)
    errors: dict[str, list[str]] = {}
    org = _text(data, "applicant_org")
    code = _text(data, "applicant_credit_code").upper()
    purpose, scenario = _text(data, "purpose"), _text(data, "scenario")
    measures = _text(data, "security_measures")
    for key, value in (
        ("applicant_org", org),
        ("purpose", purpose),
        ("scenario", scenario),
        ("security_measures", measures),
    ):
        if not value:
            errors[key] = ["Missing data for required field."]
    if not code:
        errors["applicant_credit_code"] = ["Missing data for required field."]
    else:
        try:
            validate_credit_code(code)
        except ValidationError as exc:
            errors["applicant_credit_code"] = list(exc.messages)
    start = _date(data.get("period_start"), "period_start", errors) or today()
    end = _date(data.get("period_end"), "period_end", errors)
    if end is None and "period_end" not in errors:
        errors["period_end"] = ["Missing data for required field."]
    elif end is not None and end < start:
        errors["period_end"] = ["End date is before start date."]
    if not _truthy(data.get("accepted_conditions")):
        errors["accepted_conditions"] = ["Accept the conditions of use."]
    if not _truthy(data.get("security_commitment")):
        errors["security_commitment"] = ["Give the data-security commitment."]
    with cat.session() as s:
        ds = dataset_by_ref(s, ref)
        if ds.status != "published":
            raise NotFound(f"dataset {ref!r} not found")
        if ds.access_rights == "not_open":
            raise Conflict("this dataset is not open: only its description is public")
        if ds.access_rights != "conditional":
            raise Conflict("this dataset is open without conditions: nothing to ask")
        wanted = [str(i) for i in data.get("distribution_ids") or []]
        restricted = {d.id for d in ds.distributions if d.restricted}
        if any(i not in restricted for i in wanted):
            errors["distribution_ids"] = ["Choose among the dataset's restricted resources."]
        if errors:
            raise ValidationFailed(errors)
        pending = s.execute(
            select(AccessRequest.id).where(
                AccessRequest.dataset_id == ds.id,
                AccessRequest.requester_id == actor.id,
                AccessRequest.state.in_(OPEN_STATES),
            )
        ).first()
        if pending:
            raise Conflict("you already have an open request for this dataset")
        req = AccessRequest(
            dataset_id=ds.id,
            requester_id=actor.id,
            applicant_org=org,
            applicant_credit_code=code,
            purpose=purpose,
            scenario=scenario,
            security_measures=measures,
            fields_wanted=_text(data, "fields_wanted") or None,
            distribution_ids=wanted or sorted(restricted),
            period_start=start,
            period_end=end,
            accepted_conditions=True,
            security_commitment=True,
            attachment=_text(data, "attachment") or None,
            state="submitted",
            due_date=due_date(cat, today()),
        )
        s.add(req)
        s.flush()
        audit.record(
            s, actor, "access.submitted", "access_request", str(req.id), address=address,
            data={"dataset": ds.id, "to": "submitted"},
        )  # fmt: skip
        to = reviewer_emails(s, ds)
        title, rid = ds.title, req.id
    if link and to:
        mail.send(cat.settings, notices.access_to_review(to, title, "submitted", link(rid)))
    return req


def change_state(
    cat: Catalog,
    actor: Actor,
    request_id: int,
    to: str,
    note: str | None = None,
    *,
    end: date | str | None = None,
    start: date | str | None = None,
    conditions: str | None = None,
    address: str | None = None,
    link: Callable[[int], str] | None = None,
) -> AccessRequest:
    """Move a request: reviewers ask for information, approve (with an end date, an
    optional start date that overrides the requester's, and conditions), reject or
    revoke; the requester answers or withdraws. Audited and told."""
    authz.require(actor.is_authenticated, "sign in first")  # a person, or SYSTEM (CLI)
    note = (note or "").strip() or None
    with cat.session() as s:
        req, ds = load_request(s, actor, request_id)
        who = TRANSITIONS.get((req.state, to))
        if who is None:
            raise Conflict(f"cannot go from {req.state} to {to}")
        if who == "reviewer" and not can_review(actor, ds):
            raise PermissionDenied("only the dataset's reviewers may do this")
        if who == "requester" and req.requester_id != actor.id:
            raise PermissionDenied("only the requester may do this")
        if who == "system" and actor.id is not None and not actor.is_curator:
            raise PermissionDenied("only the system may do this")
        if to in NOTE_REQUIRED and not note:
            raise ValidationFailed({"note": ["Give a reason."]})
        if to == "approved":
            errors: dict = {}
            until = _date(end, "end", errors)
            since = _date(start, "start", errors)
            if until is None and "end" not in errors:
                errors["end"] = ["Missing data for required field."]
            elif until is not None and until < today():
                errors["end"] = ["The end must not be in the past."]
            if since is not None and until is not None and since > until:
                errors["start"] = ["The start must not be after the end."]
            if errors or until is None:
                raise ValidationFailed(errors)
            req.period_end = until
            if since is not None:
                req.period_start = since
            elif req.period_start is None or req.period_start > until:
                req.period_start = today()
            req.conditions = (conditions or "").strip() or None
            req.holder_org_id = ds.organization_id
            req.approved_at = utcnow()
        before = req.state
        req.state = to
        if who == "reviewer":
            req.reviewer_id = actor.id
            req.decision_note = note
        if to == "submitted":  # answered: the review clock starts again
            req.due_date = due_date(cat, today())
            req.reminded_at = None
        audit.record(
            s, actor, f"access.{to}", "access_request", str(req.id), note=note, address=address,
            data={"from": before, "to": to, "dataset": ds.id,
                  **({"start": str(req.period_start), "until": str(req.period_end)}
                     if to == "approved" else {})},
        )  # fmt: skip
        requester = s.get(User, req.requester_id)
        requester_to = [requester.email] if requester and requester.active else []
        reviewers = reviewer_emails(s, ds) if to == "submitted" else []
        title, rid = ds.title, req.id
    if link:
        if requester_to and who != "requester":
            mail.send(
                cat.settings, notices.access_decision(requester_to, title, to, note, link(rid))
            )
        if reviewers:
            mail.send(
                cat.settings, notices.access_to_review(reviewers, title, "answered", link(rid))
            )
    return req
