"""Data property-rights registration records (数据产权登记, issue 18 item 5).

The policy refunds firms part of what data registration costs (measure 1), and the bureau
wants to see which datasets are registered. A record is what the holder copied from its
certificate: number or query code, type (首次/变更/转移/续展/注销), registering body, rights,
holder and credit code, dates, and the certificate as an uploaded file whose SHA-256 is kept.

Members of the dataset's organization (and curators) enter and correct records; a curator
verifies a record or returns it with a note; every change is an audit event
(``registration.<state>``). Only verified records count: a dataset is *registered* (the
search facet ``registration=registered``, "已登记") while its latest verified record, by
registration date, is not a cancellation. Public pages show submitted and verified records
with their state; returned ones only to the holder and the bureau; the certificate file only
to them too (its hash is public). Verifying or returning a record bumps the dataset's
``updated_at`` and queues it for the index, so exports (Last-Modified, the kept DCAT pages)
and search follow at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from marshmallow import ValidationError
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from catalog.errors import Conflict, NotFound, ValidationFailed
from catalog.models import DataRegistration, Dataset, utcnow
from catalog.services import audit, authz, indexing, uploads
from catalog.services.authz import Actor
from catalog.services.records import by_name_or_id
from schemas.registration import RegistrationSchema

if TYPE_CHECKING:
    from catalog.context import Catalog

STATES = ("submitted", "verified", "returned")
# (from, to) -> who: the holder corrects and sends again, the bureau decides
TRANSITIONS = {
    ("submitted", "verified"): "curator",
    ("submitted", "returned"): "curator",
    ("verified", "returned"): "curator",  # a verification found wrong later
    ("returned", "submitted"): "holder",
    ("submitted", "submitted"): "holder",  # corrected before anyone looked
}
PUBLIC_STATES = ("submitted", "verified")


@dataclass(frozen=True)
class RegistrationView:
    """A record as a page shows it, with what the viewer may do to it."""

    reg: DataRegistration
    dataset_name: str
    dataset_title: str
    may_edit: bool
    may_decide: bool
    may_see_evidence: bool

    @property
    def expired(self) -> bool:
        return self.reg.valid_until is not None and self.reg.valid_until < date.today()


def may_enter(actor: Actor, ds: Dataset) -> bool:
    """The holder organization's members and the bureau enter and correct records."""
    return actor.is_curator or actor.member_of(ds.organization_id)


def _dataset(session: Session, actor: Actor, ref: str) -> Dataset:
    ds = by_name_or_id(session, Dataset, ref)
    if ds is None or not authz.can_view_dataset(actor, ds):
        raise NotFound(f"dataset {ref!r} not found")
    return ds


def _load(session: Session, actor: Actor, rid: int) -> tuple[DataRegistration, Dataset]:
    reg = session.get(DataRegistration, int(rid))
    ds = session.get(Dataset, reg.dataset_id) if reg is not None else None
    if reg is None or ds is None or not authz.can_view_dataset(actor, ds):
        raise NotFound(f"registration {rid} not found")
    if reg.state not in PUBLIC_STATES and not may_enter(actor, ds):
        raise NotFound(f"registration {rid} not found")
    return reg, ds


def _validated(session: Session, actor: Actor, ds: Dataset, data: dict, keep: str | None) -> dict:
    """The schema's values, with the evidence file checked: an upload of the actor's (or the
    file the record already has), whose hash the upload recorded."""
    errors: dict = {}
    try:
        values = RegistrationSchema().load(data)
    except ValidationError as exc:
        errors, values = dict(exc.normalized_messages()), {}
    key = (data.get("evidence_file") or None) or keep
    content = None
    if not key:
        errors["evidence_file"] = ["Attach the registration certificate or other evidence."]
    elif key == keep or key in uploads.attachable_keys(session, actor, None, {key}):
        content = uploads.content_of(session, {key}).get(key)
    if key and content is None:
        errors["evidence_file"] = ["Not a valid file."]
    if errors or content is None:
        raise ValidationFailed(errors)  # every problem at once, the file's too
    values.pop("evidence_file", None)
    values["evidence_file"], values["evidence_sha256"] = key, content[0]
    return values


def _touch(session: Session, ds: Dataset) -> None:
    """The dataset's record changed for exports and search (its registration facet)."""
    ds.updated_at = utcnow()
    indexing.queue(session, ds.id)


def add_registration(
    cat: Catalog, actor: Actor, ref: str, data: dict, address: str | None = None
) -> DataRegistration:
    """A holder enters a record of its dataset; it waits for a curator's verification."""
    authz.require(actor.is_authenticated, "sign in first")  # a person, or SYSTEM (CLI)
    with cat.session() as s:
        ds = _dataset(s, actor, ref)
        authz.require(may_enter(actor, ds), "only the holder's members may enter registrations")
        values = _validated(s, actor, ds, data, None)
        reg = DataRegistration(dataset_id=ds.id, state="submitted", entered_by=actor.id, **values)
        s.add(reg)
        s.flush()
        audit.record(
            s, actor, "registration.submitted", "registration", str(reg.id), address=address,
            data={"dataset": ds.id, "number": reg.number, "evidence_sha256": reg.evidence_sha256},
        )  # fmt: skip
        return reg


def update_registration(
    cat: Catalog, actor: Actor, rid: int, data: dict, address: str | None = None
) -> DataRegistration:
    """The holder corrects a record not yet verified (or returned): it is submitted again."""
    authz.require(actor.is_authenticated, "sign in first")
    with cat.session() as s:
        reg, ds = _load(s, actor, rid)
        authz.require(may_enter(actor, ds), "only the holder's members may correct registrations")
        if (reg.state, "submitted") not in TRANSITIONS:
            raise Conflict("a verified registration cannot be changed: enter a new record")
        values = _validated(s, actor, ds, data, reg.evidence_file)
        before = {k: _plain(getattr(reg, k)) for k in values}
        for key, value in values.items():
            setattr(reg, key, value)
        changed = {k: [before[k], _plain(v)] for k, v in values.items() if before[k] != _plain(v)}
        reg.state, reg.state_note = "submitted", None
        audit.record(
            s, actor, "registration.submitted", "registration", str(reg.id), address=address,
            data={"dataset": ds.id, "changed": changed},
        )  # fmt: skip
        return reg


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def decide(
    cat: Catalog,
    actor: Actor,
    rid: int,
    to: str,
    note: str | None = None,
    address: str | None = None,
) -> DataRegistration:
    """A curator verifies a record or returns it (a return needs a note saying what to fix)."""
    authz.require_curator(actor)
    note = (note or "").strip() or None
    with cat.session() as s:
        reg, ds = _load(s, actor, rid)
        if TRANSITIONS.get((reg.state, to)) != "curator":
            raise Conflict(f"cannot go from {reg.state} to {to}")
        if to == "returned" and not note:
            raise ValidationFailed({"note": ["Give a reason."]})
        reg.state, reg.state_note = to, note
        if to == "verified":
            reg.verified_by, reg.verified_at = actor.id, utcnow()
        else:
            reg.verified_by, reg.verified_at = None, None
        _touch(s, ds)
        audit.record(
            s, actor, f"registration.{to}", "registration", str(reg.id), note=note,
            address=address, data={"dataset": ds.id, "number": reg.number},
        )  # fmt: skip
    cat.sync_index()
    return reg


def of_dataset(cat: Catalog, actor: Actor, ds: Dataset) -> list[RegistrationView]:
    """The records of a dataset the actor may see, newest registration first."""
    with cat.read_session() as s:
        return of_dataset_in(s, actor, ds)


def of_dataset_in(s: Session, actor: Actor, ds: Dataset) -> list[RegistrationView]:
    """``of_dataset`` in the caller's session (the dataset page reads its sections in one)."""
    holder = may_enter(actor, ds)
    q = select(DataRegistration).where(DataRegistration.dataset_id == ds.id)
    if not holder:
        q = q.where(DataRegistration.state.in_(PUBLIC_STATES))
    rows = s.execute(
        q.order_by(DataRegistration.registered_on.desc(), DataRegistration.id.desc())
    ).scalars()
    return [_view(actor, r, ds, holder) for r in rows]


def get(cat: Catalog, actor: Actor, rid: int) -> RegistrationView:
    with cat.session() as s:
        reg, ds = _load(s, actor, rid)
        return _view(actor, reg, ds, may_enter(actor, ds))


def _view(actor: Actor, reg: DataRegistration, ds: Dataset, holder: bool) -> RegistrationView:
    """A record with what this viewer may do to it: the holder's members edit while the
    record may still be submitted and see the evidence; the bureau decides."""
    return RegistrationView(
        reg=reg,
        dataset_name=ds.name,
        dataset_title=ds.title,
        may_edit=holder and (reg.state, "submitted") in TRANSITIONS,
        may_decide=actor.is_curator,
        may_see_evidence=holder,
    )


def review_queue(cat: Catalog, actor: Actor) -> list[RegistrationView]:
    """Records waiting for the bureau, oldest first."""
    authz.require_curator(actor)
    with cat.session() as s:
        rows = s.execute(
            select(DataRegistration, Dataset.name, Dataset.title)
            .join(Dataset, Dataset.id == DataRegistration.dataset_id)
            .where(DataRegistration.state == "submitted")
            .order_by(DataRegistration.updated_at)
        ).all()
        return [RegistrationView(r, n, t, False, True, True) for r, n, t in rows]


def history(cat: Catalog, actor: Actor, rid: int) -> list:
    with cat.session() as s:
        _load(s, actor, rid)
        return audit.events_of(s, "registration", rid)


def evidence(cat: Catalog, actor: Actor, rid: int) -> tuple[Path, str]:
    """(path, file name) of a record's certificate, for the holder's members and the bureau."""
    with cat.session() as s:
        reg, ds = _load(s, actor, rid)
        authz.require(may_enter(actor, ds), "only the holder and the bureau see the evidence")
        key = reg.evidence_file or ""
    sha, _sep, name = key.partition("/")
    path = cat.settings.instance_path / "files" / sha
    if not key or not path.is_file():
        raise NotFound("file not found")
    return path, name


# -- what search and the exports read ------------------------------------------------------
def _verified(session: Session, ids: list[str]) -> dict[str, list[DataRegistration]]:
    out: dict[str, list[DataRegistration]] = {}
    if not ids:
        return out
    for i in range(0, len(ids), 500):
        for reg in session.execute(
            select(DataRegistration)
            .where(
                DataRegistration.dataset_id.in_(ids[i : i + 500]),
                DataRegistration.state == "verified",
            )
            .order_by(DataRegistration.registered_on.desc(), DataRegistration.id.desc())
        ).scalars():
            out.setdefault(reg.dataset_id, []).append(reg)
    return out


def registered_among(session: Session, ids: list[str]) -> set[str]:
    """The datasets among ``ids`` that are registered: their latest verified record is
    not a cancellation (the search document's ``registration`` facet)."""
    return {
        ds_id
        for ds_id, regs in _verified(session, ids).items()
        if regs[0].reg_type != "cancellation"
    }


def registered_sql(dataset_id: ColumnElement | InstrumentedAttribute) -> ColumnElement[bool]:
    """:func:`registered_among`'s rule as SQL over a dataset id column, for queries the
    database answers (the CKAN API's ``fq=registration:registered``)."""
    reg, later = aliased(DataRegistration), aliased(DataRegistration)
    newer = exists().where(
        later.dataset_id == reg.dataset_id,
        later.state == "verified",
        or_(
            later.registered_on > reg.registered_on,
            and_(later.registered_on == reg.registered_on, later.id > reg.id),
        ),
    )
    return exists().where(
        reg.dataset_id == dataset_id,
        reg.state == "verified",
        reg.reg_type != "cancellation",
        ~newer,
    )


def record_of(reg: DataRegistration) -> dict:
    """A verified record as the exports carry it (no file name, no people)."""
    return {
        "id": reg.id,
        "number": reg.number,
        "reg_type": reg.reg_type,
        "registering_body": reg.registering_body,
        "rights": list(reg.rights or []),
        "holder_name": reg.holder_name,
        "holder_credit_code": reg.holder_credit_code,
        "registered_on": reg.registered_on.isoformat(),
        "valid_until": reg.valid_until.isoformat() if reg.valid_until else None,
        "evidence_sha256": reg.evidence_sha256,
        "verified_at": reg.verified_at.date().isoformat() if reg.verified_at else None,
    }


def attach(cat: Catalog, records: list[dict]) -> list[dict]:
    """Add ``registrations`` (verified records) and ``registered`` to export records, with
    one query for all of them."""
    with cat.session() as s:
        found = _verified(s, [r["id"] for r in records])
    for r in records:
        regs = found.get(r["id"], [])
        r["registrations"] = [record_of(reg) for reg in regs]
        r["registered"] = bool(regs) and regs[0].reg_type != "cancellation"
    return records
