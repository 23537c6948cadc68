"""Access requests for conditionally open data (数据申请), grants and restricted downloads.

States (``TRANSITIONS``): ``submitted <-> needs_info``, ``submitted -> approved | rejected``,
``submitted | needs_info -> withdrawn`` (the requester), ``approved -> expired`` (the end date
passed; ``expire_due``) ``| revoked`` (a reviewer). Reviewers are the dataset's publisher's
admins when ``Dataset.review_by == "publisher"``, and the bureau's curators always.

A grant is an approved request whose end date has not passed. Whether a grant is active is
decided here (``active_grant``) at every download, not only when a link is made: a revoked
or expired grant stops working at once. Download links are signed (itsdangerous) with the
user and the distribution, and expire after ``LINK_MAX_AGE`` seconds.

Every state change and every restricted download is an audit event (actor, time, address,
note); an approved request is the matchmaking record (holder, requester, dataset, period).
E-mails are sent after the commit; a failed send never undoes a change.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from marshmallow import ValidationError
from sqlalchemy import func, or_, select

from catalog.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from catalog.models import (
    AccessRequest,
    AuditEvent,
    Dataset,
    Distribution,
    Membership,
    Organization,
    User,
    utcnow,
)
from catalog.services import audit, authz, mail, notices
from catalog.services.authz import Actor
from catalog.services.records import row_to_dict
from catalog.workdays import WorkdayRangeError, add_weekdays, add_working_days, calendar_for
from schemas.validators import validate_credit_code

log = logging.getLogger(__name__)

STATES = (
    "submitted",
    "needs_info",
    "approved",
    "rejected",
    "withdrawn",
    "expired",
    "revoked",
)

if TYPE_CHECKING:
    from catalog.context import Catalog
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
DEFAULT_REVIEW_DAYS = 10
LINK_MAX_AGE = 600  # seconds a signed download link works
_SALT = "restricted-download"


# -- dates ----------------------------------------------------------------------------------
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


# -- who may do what ------------------------------------------------------------------------
def can_review(actor: Actor, ds: Dataset) -> bool:
    """Curators always; the publisher's admins when the dataset says the publisher reviews."""
    if actor.is_curator:
        return True
    return ds.review_by != "bureau" and actor.admin_of(ds.organization_id)


def is_active(req: AccessRequest, on: date | None = None) -> bool:
    """An approved grant whose end date has not passed (the end date is the last day)."""
    if req.state != "approved":
        return False
    return req.period_end is None or req.period_end >= (on or today())


def active_grant_ids(session, user_id: str | None) -> frozenset[str]:
    """What the user's active grants open (``Actor.grants``): the ids of the datasets and
    of the distributions granted (``all:<dataset id>`` for a grant of every resource)."""
    if not user_id:
        return frozenset()
    rows = session.execute(
        select(AccessRequest.dataset_id, AccessRequest.distribution_ids).where(
            AccessRequest.requester_id == user_id,
            AccessRequest.state == "approved",
            or_(AccessRequest.period_end.is_(None), AccessRequest.period_end >= today()),
        )
    ).all()
    out: set[str] = set()
    for dataset_id, dist_ids in rows:
        out.add(dataset_id)
        out.update(dist_ids or [f"all:{dataset_id}"])
    return frozenset(out)


def with_grants(cat: Catalog, actor: Actor) -> Actor:
    """The actor with their active grants resolved (pages and APIs call this once per request)."""
    if actor.id is None:
        return actor
    with cat.session() as s:
        grants = active_grant_ids(s, actor.id)
    return Actor(actor.id, actor.role, dict(actor.org_roles), actor.name, grants)


# -- reads ----------------------------------------------------------------------------------
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


def _dataset(session, ref: str) -> Dataset:
    ds = session.execute(
        select(Dataset).where(or_(Dataset.id == ref, Dataset.name == ref))
    ).scalar_one_or_none()
    if ds is None:
        raise NotFound(f"dataset {ref!r} not found")
    return ds


def _load(session, actor: Actor, request_id: int) -> tuple[AccessRequest, Dataset]:
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
        req, ds = _load(s, actor, request_id)
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


def history(cat: Catalog, actor: Actor, request_id: int) -> list[dict]:
    """The request's audit events, oldest first, with the actors' names."""
    with cat.session() as s:
        _load(s, actor, request_id)
        events = (
            s.execute(
                select(AuditEvent)
                .where(
                    AuditEvent.object_type == "access_request",
                    AuditEvent.object_id == str(request_id),
                )
                .order_by(AuditEvent.id)
            )
            .scalars()
            .all()
        )
        return _event_rows(s, events)


def _event_rows(s, events) -> list[dict]:
    names = dict(
        s.execute(
            select(User.id, User.name).where(
                User.id.in_({e.actor_id for e in events if e.actor_id})
            )
        ).all()
    )
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
        ds = _dataset(s, ref)
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


# -- writes ---------------------------------------------------------------------------------
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
        ds = _dataset(s, ref)
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
            s, actor, "access.submitted", "access_request", req.id, address=address,
            data={"dataset": ds.id, "to": "submitted"},
        )  # fmt: skip
        to = _reviewer_emails(s, ds)
        title, rid = ds.title, req.id
    if link and to:
        mail.send(cat.settings, notices.access_to_review(to, title, "submitted", link(rid)))
    return req


def _reviewer_emails(s, ds: Dataset) -> list[str]:
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


def change_state(
    cat: Catalog,
    actor: Actor,
    request_id: int,
    to: str,
    note: str | None = None,
    *,
    end: date | str | None = None,
    conditions: str | None = None,
    address: str | None = None,
    link: Callable[[int], str] | None = None,
) -> AccessRequest:
    """Move a request: reviewers ask for information, approve (with an end date and
    conditions), reject or revoke; the requester answers or withdraws. Audited and told."""
    authz.require(actor.is_authenticated, "sign in first")  # a person, or SYSTEM (CLI)
    note = (note or "").strip() or None
    with cat.session() as s:
        req = s.get(AccessRequest, int(request_id))
        if req is None:
            raise NotFound(f"access request {request_id} not found")
        ds = s.get(Dataset, req.dataset_id)
        if req.requester_id != actor.id and not can_review(actor, ds):
            raise NotFound(f"access request {request_id} not found")
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
            if until is None and not errors:
                errors["end"] = ["Missing data for required field."]
            elif until is not None and until < today():
                errors["end"] = ["The end must not be in the past."]
            if errors:
                raise ValidationFailed(errors)
            req.period_end = until
            if req.period_start is None or req.period_start > until:
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
            s, actor, f"access.{to}", "access_request", req.id, note=note, address=address,
            data={"from": before, "to": to, "dataset": ds.id,
                  **({"until": req.period_end.isoformat()} if to == "approved" else {})},
        )  # fmt: skip
        requester = s.get(User, req.requester_id)
        requester_to = [requester.email] if requester and requester.active else []
        reviewers = _reviewer_emails(s, ds) if to == "submitted" else []
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
            audit.record(s, authz.SYSTEM, "access.reminded", "access_request", req.id)
            out.append((_reviewer_emails(s, ds), ds.title, req.id, req.due_date))
    for to, title, rid, due in out:
        if to:
            target = link(rid) if link else f"/access/request/{rid}"
            if mail.send(cat.settings, notices.access_overdue(to, title, due, target)):
                sent += 1
    return sent


# -- downloads ------------------------------------------------------------------------------
def _serializer(cat: Catalog) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(cat.settings.secret_key, salt=_SALT)


def sign_download(cat: Catalog, actor: Actor, dist_id: str) -> str:
    """A token for one distribution and one user; it works for ``LINK_MAX_AGE`` seconds and
    only while the user may still see the distribution (checked again at download)."""
    authz.require_signed_in(actor)
    return _serializer(cat).dumps({"d": dist_id, "u": actor.id})


def may_download(session, actor: Actor, ds: Dataset, dist: Distribution) -> str | None:
    """Why the actor may fetch a restricted distribution now ("editor" / "grant"), or None."""
    if authz.can_edit_dataset(actor, ds):
        return "editor"
    if ds.status != "published" or ds.access_rights != "conditional":
        return None
    reqs = session.execute(
        select(AccessRequest).where(
            AccessRequest.dataset_id == ds.id,
            AccessRequest.requester_id == actor.id,
            AccessRequest.state == "approved",
        )
    ).scalars()
    for req in reqs:
        if is_active(req) and (not req.distribution_ids or dist.id in req.distribution_ids):
            return "grant"
    return None


@dataclass(frozen=True)
class Download:
    url: str | None  # redirect here
    stored_file: str | None  # or serve this upload ("<sha256>/<name>")
    media_type: str | None


def open_download(cat: Catalog, actor: Actor, token: str, address: str | None = None) -> Download:
    """Check a signed link and the grant behind it now; audit the download."""
    authz.require_signed_in(actor)
    try:
        payload = _serializer(cat).loads(token, max_age=LINK_MAX_AGE)
    except SignatureExpired:
        raise PermissionDenied(
            "the download link has expired: open the dataset page again"
        ) from None
    except BadSignature:
        raise NotFound("no such download") from None
    if not isinstance(payload, dict) or payload.get("u") != actor.id:
        raise PermissionDenied("this download link belongs to someone else")
    with cat.session() as s:
        dist = s.get(Distribution, str(payload.get("d")))
        if dist is None:
            raise NotFound("no such download")
        ds = s.get(Dataset, dist.dataset_id)
        why = may_download(s, actor, ds, dist) if dist.restricted else "public"
        if why is None:
            audit.record(
                s, actor, "access.download_refused", "dataset", ds.id, address=address,
                data={"distribution": dist.id},
            )  # fmt: skip
            s.commit()
            raise PermissionDenied("your access to this dataset has ended or was revoked")
        audit.record(
            s, actor, "access.download", "dataset", ds.id, address=address,
            data={"distribution": dist.id, "as": why},
        )  # fmt: skip
        return Download(dist.download_url or dist.access_url, dist.stored_file, dist.media_type)


# -- matchmaking (数据撮合) ---------------------------------------------------------------------
def matchmaking(cat: Catalog, actor: Actor) -> list[dict]:
    """Approved requests per holder organization and month of approval (curators)."""
    authz.require_curator(actor)
    with cat.session() as s:
        rows = s.execute(
            select(AccessRequest, Organization.title, Organization.title_en)
            .outerjoin(Organization, Organization.id == AccessRequest.holder_org_id)
            .where(AccessRequest.approved_at.is_not(None))
        ).all()
    table: dict[tuple, dict] = {}
    for req, title, title_en in rows:
        key = (title or "-", req.approved_at.strftime("%Y-%m"))
        row = table.setdefault(
            key,
            {"holder": key[0], "holder_en": title_en or key[0], "month": key[1],
             "approved": 0, "requesters": set(), "datasets": set()},
        )  # fmt: skip
        row["approved"] += 1
        row["requesters"].add(req.requester_id)
        row["datasets"].add(req.dataset_id)
    out = []
    for key in sorted(table, key=lambda k: (k[1], k[0]), reverse=True):
        row = table[key]
        row["requesters"], row["datasets"] = len(row["requesters"]), len(row["datasets"])
        out.append(row)
    return out


def matchmaking_records(cat: Catalog, actor: Actor) -> list[dict]:
    """One row per approved request: holder, requester, dataset, period."""
    authz.require_curator(actor)
    with cat.session() as s:
        rows = s.execute(
            select(AccessRequest, Dataset.name, Organization.title)
            .join(Dataset, Dataset.id == AccessRequest.dataset_id)
            .outerjoin(Organization, Organization.id == AccessRequest.holder_org_id)
            .where(AccessRequest.approved_at.is_not(None))
            .order_by(AccessRequest.approved_at)
        ).all()
        return [
            {
                "month": r.approved_at.strftime("%Y-%m"),
                "holder": title or "",
                "requester": r.applicant_org or "",
                "credit_code": r.applicant_credit_code or "",
                "dataset": name,
                "period_start": r.period_start.isoformat() if r.period_start else "",
                "period_end": r.period_end.isoformat() if r.period_end else "",
                "state": r.state,
            }
            for r, name, title in rows
        ]


def matchmaking_csv(records: list[dict]) -> str:
    out = io.StringIO()
    cols = ["month", "holder", "requester", "credit_code", "dataset", "period_start",
            "period_end", "state"]  # fmt: skip
    w = csv.DictWriter(out, fieldnames=cols)
    w.writeheader()
    w.writerows(records)
    return out.getvalue()
