"""Data requests (数据需求, issue 16): data someone looked for and could not find.

A signed-in user says what they need (what, purpose, a "Model+" scenario, format, period,
urgency). A request is public by default: everyone sees it with the requester's
organization, never their name or contact, which only the requester and the bureau see; a
private request is seen by the requester and the bureau only. Other signed-in users "+1" a
request, once each. Only curators move it (``TRANSITIONS``): ``open -> matched`` (linked to
one or more published datasets, or to a partner's promise) ``-> fulfilled`` (linked to a
dataset) or ``declined``; a declined or matched request may be opened again. Every state
change is an audit event with its note; on fulfilment the requester and everyone who gave a
+1 get an e-mail, each their own, after the commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from marshmallow import ValidationError
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from catalog.errors import Conflict, NotFound, ValidationFailed
from catalog.models import (
    DataRequest,
    DataRequestDataset,
    DataRequestVote,
    Dataset,
    Organization,
    User,
    utcnow,
)
from catalog.services import audit, authz, mail, notifications
from catalog.services.authz import Actor
from catalog.services.mail import Message
from catalog.services.records import by_name_or_id
from schemas import vocab
from schemas.data_request import DataRequestSchema

if TYPE_CHECKING:
    from catalog.context import Catalog

STATES = tuple(vocab.DATA_REQUEST_STATES)
OPEN_STATES = ("open", "matched")
CLOSED_STATES = ("fulfilled", "declined")
TRANSITIONS = frozenset(
    {
        ("open", "matched"),
        ("open", "fulfilled"),
        ("open", "declined"),
        ("matched", "fulfilled"),
        ("matched", "declined"),
        ("matched", "open"),
        ("declined", "open"),
    }
)
# declining says why; opening again says what changed
NOTE_REQUIRED = frozenset({"declined", "open"})
FORM_FIELDS = tuple(DataRequestSchema().fields)


@dataclass
class RequestView:
    """A request as one caller may see it: ``contact`` and ``requester_name`` are None
    unless the caller is the requester or a curator."""

    req: DataRequest
    organization: str | None
    datasets: list[Dataset] = field(default_factory=list)
    promise: Organization | None = None
    requester_name: str | None = None
    requester_email: str | None = None
    contact: str | None = None
    is_requester: bool = False
    may_curate: bool = False
    voted: bool = False

    @property
    def may_vote(self) -> bool:
        return not self.is_requester and not self.voted and self.req.state in OPEN_STATES


# -- reading -------------------------------------------------------------------------------
def _visible(actor: Actor):
    """The SQL condition of the requests ``actor`` may see."""
    if actor.is_curator:
        return DataRequest.id.is_not(None)
    if actor.id is not None:
        return or_(DataRequest.public.is_(True), DataRequest.requester_id == actor.id)
    return DataRequest.public.is_(True)


def _load(s, actor: Actor, request_id: int) -> DataRequest:
    req = s.get(DataRequest, int(request_id))
    if req is None or not (req.public or actor.is_curator or req.requester_id == actor.id):
        raise NotFound(f"data request {request_id} not found")
    return req


def _view(s, actor: Actor, req: DataRequest) -> RequestView:
    org = s.get(Organization, req.organization_id) if req.organization_id else None
    links = (
        s.execute(
            select(Dataset)
            .join(DataRequestDataset, DataRequestDataset.dataset_id == Dataset.id)
            .where(DataRequestDataset.request_id == req.id)
            .order_by(DataRequestDataset.id)
        )
        .scalars()
        .all()
    )
    # a linked dataset withdrawn or sent back since is not shown to the public
    shown = [d for d in links if authz.can_view_dataset(actor, d)]
    view = RequestView(
        req,
        org.title if org else req.organization_name,
        shown,
        s.get(Organization, req.promise_org_id) if req.promise_org_id else None,
        is_requester=actor.id is not None and req.requester_id == actor.id,
        may_curate=actor.is_curator,
    )
    if view.is_requester or actor.is_curator:
        user = s.get(User, req.requester_id)
        view.requester_name = user.name if user else None
        view.requester_email = user.email if user else None
        view.contact = req.contact or view.requester_email
    if actor.id is not None:
        view.voted = (
            s.execute(
                select(DataRequestVote.id).where(
                    DataRequestVote.request_id == req.id, DataRequestVote.user_id == actor.id
                )
            ).first()
            is not None
        )
    return view


def get_request(cat: Catalog, actor: Actor, request_id: int) -> RequestView:
    with cat.session() as s:
        return _view(s, actor, _load(s, actor, request_id))


def list_requests(
    cat: Catalog,
    actor: Actor,
    *,
    state: str | None = None,
    scenario: str | None = None,
    mine: bool = False,
    themes: list[str] | None = None,
    offset: int = 0,
    limit: int = 20,
) -> tuple[int, list[RequestView]]:
    """(total, views) of the requests the actor may see, newest first; unknown filter
    values are a ValidationFailed naming the filter."""
    errors: dict[str, list[str]] = {}
    if state and state not in vocab.DATA_REQUEST_STATES:
        errors["state"] = [f"Must be one of: {', '.join(vocab.DATA_REQUEST_STATES)}."]
    if scenario and scenario not in vocab.SCENARIOS:
        errors["scenario"] = [f"Must be one of: {', '.join(vocab.SCENARIOS)}."]
    if errors:
        raise ValidationFailed(errors)
    cond = [_visible(actor)]
    if state:
        cond.append(DataRequest.state == state)
    if scenario:
        cond.append(DataRequest.scenario == scenario)
    if mine:
        authz.require_signed_in(actor)
        cond.append(DataRequest.requester_id == actor.id)
    if themes is not None:  # a partner's view: requests whose scenario is in its fields
        cond.append(DataRequest.scenario.in_(themes))
    with cat.session() as s:
        total = s.execute(select(func.count(DataRequest.id)).where(*cond)).scalar_one()
        rows = (
            s.execute(
                select(DataRequest)
                .where(*cond)
                .order_by(DataRequest.created_at.desc(), DataRequest.id.desc())
                .offset(offset)
                .limit(limit)
            )
            .scalars()
            .all()
        )
        return total, [_view(s, actor, r) for r in rows]


def partner_themes(cat: Catalog, actor: Actor) -> list[str]:
    """The fields of data of the verified partner organizations the actor belongs to: the
    requests of these scenarios are routed to them."""
    if not actor.org_roles:
        return []
    themes: list[str] = []
    with cat.read_session() as s:
        for org in s.execute(
            select(Organization).where(
                Organization.id.in_(list(actor.org_roles)),
                Organization.partner_status == "verified",
            )
        ).scalars():
            themes += [t for t in org.fields_of_data or [] if t not in themes]
    return themes


@dataclass
class DemandStats:
    """What the dashboard shows of data requests."""

    open: int = 0  # open or matched: not answered yet
    fulfilled: int = 0
    declined: int = 0
    # median time from request to fulfilment, in days (None before the first)
    median_days_to_fulfil: float | None = None


def demand_stats(s) -> DemandStats:
    """Counts by state and the median time to fulfil, for the bureau's dashboard."""
    counts = dict(
        s.execute(select(DataRequest.state, func.count()).group_by(DataRequest.state)).all()
    )
    spans = sorted(
        (closed - created).total_seconds() / 86_400
        for created, closed in s.execute(
            select(DataRequest.created_at, DataRequest.closed_at).where(
                DataRequest.state == "fulfilled", DataRequest.closed_at.is_not(None)
            )
        ).all()
    )
    median = None
    if spans:
        mid = len(spans) // 2
        median = spans[mid] if len(spans) % 2 else (spans[mid - 1] + spans[mid]) / 2
    return DemandStats(
        open=sum(counts.get(k, 0) for k in OPEN_STATES),
        fulfilled=counts.get("fulfilled", 0),
        declined=counts.get("declined", 0),
        median_days_to_fulfil=None if median is None else round(median, 1),
    )


def record(view: RequestView) -> dict:
    """The JSON API's record of a request; ``contact`` only for the requester and curators."""
    r = view.req
    out: dict = {
        "id": r.id,
        "what": r.what,
        "purpose": r.purpose,
        "scenario": r.scenario,
        "format": r.format,
        "period": r.period,
        "urgency": r.urgency,
        "public": r.public,
        "state": r.state,
        "state_note": r.state_note,
        "organization": view.organization,
        "votes": r.votes,
        "datasets": [{"id": d.id, "name": d.name, "title": d.title} for d in view.datasets],
        "promise": (
            {"name": view.promise.name, "title": view.promise.title} if view.promise else None
        ),
        "created_at": r.created_at.isoformat() if r.created_at else None,
        "updated_at": r.updated_at.isoformat() if r.updated_at else None,
        "closed_at": r.closed_at.isoformat() if r.closed_at else None,
    }
    if view.contact is not None:
        out["contact"] = view.contact
    return out


def history(cat: Catalog, actor: Actor, request_id: int) -> list[dict]:
    """The request's audit events, oldest first; actors are named to curators only."""
    with cat.session() as s:
        _load(s, actor, request_id)
        events = audit.events_of(s, "data_request", request_id)
        names = audit.actor_names(s, events) if actor.is_curator else {}
        return [
            {
                "at": e.at,
                "action": e.action,
                "to": (e.data or {}).get("to"),
                "from": (e.data or {}).get("from"),
                "note": e.note,
                "actor": names.get(e.actor_id or ""),
            }
            for e in events
        ]


# -- writing -------------------------------------------------------------------------------
def _clean(data: dict) -> dict:
    """Form values as the schema takes them: only its fields, blanks as missing."""
    out: dict = {}
    for key in FORM_FIELDS:
        value = data.get(key)
        if isinstance(value, str):
            value = value.strip()
            if key == "public":
                value = value.lower() in ("1", "on", "true", "yes")
            elif not value:
                continue
        if value is not None:
            out[key] = value
    return out


def create_request(
    cat: Catalog, actor: Actor, data: dict, *, address: str | None = None
) -> DataRequest:
    """A signed-in user asks for data. The organization shown is the first one the user is
    a member of, else what they typed."""
    authz.require_signed_in(actor)
    unknown = sorted(set(data) - set(FORM_FIELDS))
    try:
        values = DataRequestSchema().load(_clean(data))
    except ValidationError as exc:
        errors = dict(exc.messages_dict)
    else:
        errors = {}
    for key in unknown:
        errors[key] = ["Unknown field."]
    if errors:
        raise ValidationFailed(errors)
    with cat.session() as s:
        org_id = next(iter(actor.org_roles), None)
        req = DataRequest(
            **values,
            requester_id=actor.id,
            organization_id=org_id,
            state="open",
            votes=0,
        )
        s.add(req)
        s.flush()
        audit.record(
            s, actor, "data_request.open", "data_request", str(req.id), address=address,
            data={"to": "open", "scenario": req.scenario},
        )  # fmt: skip
        # routed: the bureau and the partners whose fields include the scenario are told
        notifications.route_request(s, req)
    return req


def vote(cat: Catalog, actor: Actor, request_id: int) -> int:
    """A "+1" of another signed-in user, once each; returns the new count."""
    authz.require_signed_in(actor)
    try:
        with cat.session() as s:
            req = _load(s, actor, request_id)
            if req.requester_id == actor.id:
                raise Conflict("you cannot +1 your own request")
            if req.state not in OPEN_STATES:
                raise Conflict("this request is closed")
            done = s.execute(
                select(DataRequestVote.id).where(
                    DataRequestVote.request_id == req.id, DataRequestVote.user_id == actor.id
                )
            ).first()
            if done:
                raise Conflict("you have already given this request a +1")
            s.add(DataRequestVote(request_id=req.id, user_id=actor.id))
            s.flush()
            req.votes = (
                s.execute(
                    select(func.count(DataRequestVote.id)).where(
                        DataRequestVote.request_id == req.id
                    )
                ).scalar_one()
                or 0
            )
            return req.votes
    except IntegrityError:  # two clicks at once: the unique constraint keeps one
        raise Conflict("you have already given this request a +1") from None


def _datasets(s, refs: list[str], errors: dict) -> list[Dataset]:
    found: list[Dataset] = []
    for ref in refs:
        ds = by_name_or_id(s, Dataset, ref)
        if ds is None or ds.status != "published":
            errors.setdefault("datasets", []).append("Unknown dataset.")
        elif ds not in found:
            found.append(ds)
    return found


def change_state(
    cat: Catalog,
    actor: Actor,
    request_id: int,
    to: str,
    note: str | None = None,
    *,
    datasets: list[str] | tuple[str, ...] = (),
    promise_org: str | None = None,
    address: str | None = None,
    link: Callable[[int], str] | None = None,
) -> DataRequest:
    """A curator moves a request, linking datasets (names or ids of published datasets) or
    a partner's promise; audited; on fulfilment the requester and the +1s are told."""
    authz.require_curator(actor)
    note = (note or "").strip() or None
    refs = [r.strip() for r in datasets if r and r.strip()]
    with cat.session() as s:
        req = _load(s, actor, request_id)
        before = req.state
        if (before, to) not in TRANSITIONS:
            raise Conflict(f"cannot go from {before} to {to}")
        errors: dict[str, list[str]] = {}
        if to in NOTE_REQUIRED and not note:
            errors["note"] = ["Give a reason."]
        new = _datasets(s, refs, errors)
        promise = None
        if promise_org:
            promise = by_name_or_id(s, Organization, promise_org.strip())
            if promise is None:
                errors["promise_org"] = ["Unknown organization."]
        linked = set(
            s.execute(
                select(DataRequestDataset.dataset_id).where(DataRequestDataset.request_id == req.id)
            )
            .scalars()
            .all()
        )
        has_data = bool(linked) or bool(new)
        if to == "matched" and not (has_data or promise or req.promise_org_id) and not errors:
            errors["datasets"] = ["Link a dataset or a partner's promise."]
        if to == "fulfilled" and not has_data and not errors:
            errors["datasets"] = ["Link the dataset that fulfils the request."]
        if errors:
            raise ValidationFailed(errors)
        added = [d for d in new if d.id not in linked]
        for d in added:
            s.add(DataRequestDataset(request_id=req.id, dataset_id=d.id, added_by=actor.id))
        if promise is not None:
            req.promise_org_id = promise.id
        req.state = to
        req.state_note = note
        req.closed_at = utcnow() if to in CLOSED_STATES else None
        audit.record(
            s, actor, f"data_request.{to}", "data_request", str(req.id), note=note,
            address=address,
            data={"from": before, "to": to, "datasets": [d.id for d in added],
                  **({"promise": promise.id} if promise is not None else {})},
        )  # fmt: skip
        s.flush()
        recipients: list[str] = []
        titles: list[str] = []
        if to == "fulfilled":
            voters = select(DataRequestVote.user_id).where(DataRequestVote.request_id == req.id)
            people = (
                s.execute(
                    select(User).where(
                        or_(User.id == req.requester_id, User.id.in_(voters)),
                        User.active.is_(True),
                    )
                )
                .scalars()
                .all()
            )
            recipients = sorted({u.email for u in people if u.email})
            # the notice list of the requester, the +1s (e-mailed below, so not digested
            # again) and the followers (told in their next digest)
            notifications.request_notices(
                s,
                req,
                "request_fulfilled",
                mailed=frozenset(u.id for u in people if u.email) if link else frozenset(),
                cause=req.closed_at.strftime("%Y%m%dT%H%M%S") if req.closed_at else "",
            )
            titles = [
                t
                for (t,) in s.execute(
                    select(Dataset.title)
                    .join(DataRequestDataset, DataRequestDataset.dataset_id == Dataset.id)
                    .where(DataRequestDataset.request_id == req.id)
                    .order_by(DataRequestDataset.id)
                ).all()
            ]
        what, rid = req.what, req.id
    if recipients and link:
        # one message each: people who gave a +1 do not learn each other's addresses
        for to_addr in recipients:
            mail.send(cat.settings, fulfilled_notice(to_addr, what, titles, note, link(rid)))
    return req


def fulfilled_notice(to: str, what: str, titles: list[str], note: str | None, link: str) -> Message:
    """The e-mail telling a requester (or a +1) that the data they asked for is here."""
    names = "\n".join(f"- {t}" for t in titles)
    note_zh = f"\n\n说明：{note}" if note else ""
    note_en = f"\n\nNote: {note}" if note else ""
    zh = f"您提出或关注的数据需求“{what}”已得到满足，可使用以下数据集：\n\n{names}{note_zh}\n\n{link}"
    en = (
        f'The data request "{what}" you made or gave a +1 has been fulfilled by:\n\n'
        f"{names}{note_en}\n\n{link}"
    )
    return Message(
        (to,),
        f"数据需求已满足：{what} / Data request fulfilled: {what}",
        zh + "\n\n---\n\n" + en + "\n",
    )
