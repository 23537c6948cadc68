"""The matchmaking report (数据撮合): approved requests per holder organization and month,
one row per approved request (holder, requester, dataset, approval date, period, purpose)
and its CSV (curators); and a firm's voucher evidence (数智券, issue 18 item 6): its approved
requests in a period, for its own members and the bureau.

A firm is an organization of requesters. A request belongs to it by the credit code the
requester applied under (``AccessRequest.applicant_credit_code``: the legal person a
voucher refunds), or, for an organization without a credit code on file, by its members'
requests."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import aliased

from catalog.errors import NotFound, ValidationFailed
from catalog.models import AccessRequest, Dataset, Membership, Organization
from catalog.services import authz
from catalog.services.authz import Actor
from catalog.services.records import by_name_or_id

if TYPE_CHECKING:
    from catalog.context import Catalog


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
    """One row per approved request: holder, requester, dataset, approval, period, purpose."""
    authz.require_curator(actor)
    firm = aliased(Organization)
    with cat.session() as s:
        rows = s.execute(
            select(AccessRequest, Dataset.name, Dataset.title, Organization.title, firm.name)
            .join(Dataset, Dataset.id == AccessRequest.dataset_id)
            .outerjoin(Organization, Organization.id == AccessRequest.holder_org_id)
            .outerjoin(firm, firm.credit_code == AccessRequest.applicant_credit_code)
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
                "approved_on": r.approved_at.date().isoformat(),
                "purpose": r.purpose or "",
                "dataset_title": ds_title,
                "firm": firm_name or "",  # the requester's organization here, if registered
            }
            for r, name, ds_title, title, firm_name in rows
        ]


CSV_COLUMNS = ["month", "holder", "requester", "credit_code", "dataset", "period_start",
               "period_end", "state", "approved_on", "purpose"]  # fmt: skip


def matchmaking_csv(records: list[dict]) -> str:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    w.writeheader()
    w.writerows(records)
    return out.getvalue()


# -- voucher evidence (数智券) -------------------------------------------------------------
@dataclass
class Statement:
    """A firm's matchmaking activity in a period: what a voucher claim attaches."""

    org: Organization
    start: date
    end: date
    rows: list[dict]
    issued_at: datetime


def may_see_statement(actor: Actor, org: Organization) -> bool:
    """A firm's statement: its members and the bureau."""
    return actor.is_curator or actor.member_of(org.id)


def _day(value: date | str | None, key: str, default: date) -> date:
    if value in (None, ""):
        return default
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed({key: ["Not a valid date."]}) from None


def firm_statement(
    cat: Catalog,
    actor: Actor,
    org_ref: str,
    start: date | str | None = None,
    end: date | str | None = None,
) -> Statement:
    """The firm's requests approved between ``start`` and ``end`` (both days included;
    by default the current calendar year), oldest first, with the data holder, the
    dataset, the approval date, the period granted and the purpose stated."""
    authz.require(actor.is_authenticated, "sign in first")
    today = date.today()
    first = _day(start, "start", date(today.year, 1, 1))
    last = _day(end, "end", today)
    if last < first:
        raise ValidationFailed({"end": ["End date is before start date."]})
    with cat.session() as s:
        org = by_name_or_id(s, Organization, org_ref)
        if org is None:
            raise NotFound(f"organization {org_ref!r} not found")
        authz.require(
            may_see_statement(actor, org), "only the firm's members and the bureau see this"
        )
        holder = aliased(Organization)
        q = (
            select(AccessRequest, Dataset.name, Dataset.title, holder.title, holder.credit_code)
            .join(Dataset, Dataset.id == AccessRequest.dataset_id)
            .outerjoin(holder, holder.id == AccessRequest.holder_org_id)
            .where(
                AccessRequest.approved_at.is_not(None),
                AccessRequest.approved_at >= datetime.combine(first, time.min),
                AccessRequest.approved_at <= datetime.combine(last, time.max),
            )
            .order_by(AccessRequest.approved_at, AccessRequest.id)
        )
        if org.credit_code:
            q = q.where(AccessRequest.applicant_credit_code == org.credit_code)
        else:
            members = select(Membership.user_id).where(Membership.organization_id == org.id)
            q = q.where(AccessRequest.requester_id.in_(members))
        rows = [
            {
                "request": r.id,
                "approved_on": r.approved_at.date().isoformat(),
                "dataset": name,
                "dataset_title": title,
                "holder": holder_title or "",
                "holder_credit_code": holder_code or "",
                "applicant": r.applicant_org or "",
                "applicant_credit_code": r.applicant_credit_code or "",
                "period_start": r.period_start.isoformat() if r.period_start else "",
                "period_end": r.period_end.isoformat() if r.period_end else "",
                "purpose": r.purpose or "",
                "state": r.state,
            }
            for r, name, title, holder_title, holder_code in s.execute(q).all()
        ]
        return Statement(org, first, last, rows, datetime.now())


STATEMENT_COLUMNS = ["request", "approved_on", "dataset", "dataset_title", "holder",
                     "holder_credit_code", "applicant", "applicant_credit_code",
                     "period_start", "period_end", "purpose", "state"]  # fmt: skip


def statement_csv(st: Statement) -> str:
    """The statement as CSV, with a BOM so that Excel opens the Chinese text right."""
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.DictWriter(out, fieldnames=STATEMENT_COLUMNS)
    w.writeheader()
    w.writerows(st.rows)
    return out.getvalue()
