"""The matchmaking report (数据撮合): approved requests per holder organization and month,
one row per approved request (holder, requester, dataset, period) and its CSV (curators)."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from sqlalchemy import select

from catalog.models import AccessRequest, Dataset, Organization
from catalog.services import authz
from catalog.services.authz import Actor

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
