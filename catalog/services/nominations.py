"""Nomination rounds (择优申报, issue 18 item 4): the bureau selects datasets for national,
provincial and city high-quality dataset programmes (policy measure 2).

A curator opens a round (programme, level, field, deadline, criteria and the indicator set
its reviewers score on, stored with the round so later changes to the defaults never
re-weigh old scores). Until the deadline, members of a dataset's organization nominate their
published datasets with the programme's materials (an upload whose SHA-256 is kept). What
the catalog can measure is recorded with the nomination (metadata quality, share of files
with a content hash, splits declared, annotation accuracy, access requests approved) and
pre-fills the reviewers' form. Each curator scores every indicator 0-100; a nomination's
score is the mean of its reviewers' weighted totals. The bureau shortlists, records the
outcome (市级入选 -> 省级推荐 -> 国家级入选, or 未入选) and exports the shortlist as XLSX.
Every step is an audit event (``nomination.*``). The public page of a round lists the
selected datasets; dataset pages show a badge for each selection.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.errors import Conflict, NotFound, ValidationFailed
from catalog.models import (
    AccessRequest,
    Dataset,
    Nomination,
    NominationRound,
    NominationScore,
    Organization,
    utcnow,
)
from catalog.quality import score_dataset
from catalog.services import audit, authz, uploads
from catalog.services.authz import Actor
from catalog.services.records import by_name_or_id
from schemas import vocab
from schemas.nomination import NominationSchema, RoundSchema

if TYPE_CHECKING:
    from catalog.context import Catalog

# the outcomes a dataset page and the public round page show (not "not_selected")
SELECTED = ("city_selected", "provincial_recommended", "national_selected")


def today() -> date:
    return date.today()


@dataclass
class NominationRow:
    """A nomination as the round page lists it."""

    nom: Nomination
    dataset_name: str
    dataset_title: str
    organization: str
    credit_code: str
    score: float | None  # mean of the reviewers' totals
    reviewers: int
    by_indicator: dict[str, float] = field(default_factory=dict)  # mean score per indicator
    mine: dict | None = None  # the viewing reviewer's scores


@dataclass
class RoundView:
    round: NominationRound
    rows: list[NominationRow]
    may_manage: bool
    may_nominate: bool

    @property
    def accepting(self) -> bool:
        return self.round.state == "open" and self.round.deadline >= today()


def _load_schema(schema: object, data: dict) -> dict:
    try:
        return schema.load(data)  # type: ignore[attr-defined,no-any-return]
    except ValidationError as exc:
        raise ValidationFailed(exc.normalized_messages()) from None


def _round(session: Session, rid: int) -> NominationRound:
    r = session.get(NominationRound, int(rid))
    if r is None:
        raise NotFound(f"nomination round {rid} not found")
    return r


# -- rounds -------------------------------------------------------------------------------
def open_round(
    cat: Catalog, actor: Actor, data: dict, address: str | None = None
) -> NominationRound:
    """A curator opens a round; without indicators it gets the national default set."""
    authz.require_curator(actor)
    values = _load_schema(RoundSchema(), data)
    with cat.session() as s:
        r = NominationRound(**values, state="open", created_by=actor.id)
        s.add(r)
        s.flush()
        audit.record(
            s, actor, "nomination_round.open", "nomination_round", str(r.id), address=address,
            data={"level": r.level, "deadline": r.deadline.isoformat()},
        )  # fmt: skip
        return r


def close_round(
    cat: Catalog, actor: Actor, rid: int, address: str | None = None
) -> NominationRound:
    """No more nominations (before the deadline, if the bureau says so); scoring goes on."""
    authz.require_curator(actor)
    with cat.session() as s:
        r = _round(s, rid)
        if r.state != "open":
            raise Conflict("the round is already closed")
        r.state = "closed"
        audit.record(
            s, actor, "nomination_round.close", "nomination_round", str(r.id), address=address
        )
        return r


def list_rounds(cat: Catalog) -> list[NominationRound]:
    """Every round, newest deadline first (rounds are public: the programme is)."""
    with cat.session() as s:
        return list(
            s.execute(
                select(NominationRound).order_by(
                    NominationRound.deadline.desc(), NominationRound.id.desc()
                )
            ).scalars()
        )


# -- measuring ----------------------------------------------------------------------------
def measure(session: Session, ds: Dataset) -> dict:
    """What the catalog knows of a dataset's quality, kept with the nomination."""
    dists = list(ds.distributions)
    hashed = sum(1 for d in dists if d.sha256)
    approved = session.execute(
        select(func.count())
        .select_from(AccessRequest)
        .where(AccessRequest.dataset_id == ds.id, AccessRequest.approved_at.is_not(None))
    ).scalar_one()
    return {
        "quality": score_dataset(ds).total,
        "distributions": len(dists),
        "hashed": hashed,
        "hashes": round(100 * hashed / len(dists), 1) if dists else 0.0,
        "splits": sorted((ds.sample_counts or {}).keys()),
        "accuracy": ds.annotation_accuracy,
        "approved_requests": int(approved),
        "measured_on": today().isoformat(),
    }


def prefill(indicators: list[dict], measured: dict) -> dict[str, float | None]:
    """A reviewer's starting scores: the measured value of each indicator that has one."""
    out: dict[str, float | None] = {}
    for ind in indicators:
        m = ind.get("measure")
        value: float | None = None
        if m == "quality":
            value = float(measured.get("quality") or 0)
        elif m == "hashes":
            value = float(measured.get("hashes") or 0)
        elif m == "accuracy" and measured.get("accuracy") is not None:
            value = round(100 * float(measured["accuracy"]), 1)
        elif m == "splits":
            value = 100.0 if measured.get("splits") else 0.0
        out[ind["name"]] = value
    return out


# -- nominations --------------------------------------------------------------------------
def nominable(cat: Catalog, actor: Actor) -> list[Dataset]:
    """The published datasets of the actor's organizations: what they may nominate."""
    if not actor.org_roles:
        return []
    with cat.session() as s:
        return list(
            s.execute(
                select(Dataset)
                .where(
                    Dataset.organization_id.in_(list(actor.org_roles)),
                    Dataset.status == "published",
                )
                .order_by(Dataset.title)
            ).scalars()
        )


def nominate(
    cat: Catalog, actor: Actor, rid: int, data: dict, address: str | None = None
) -> Nomination:
    """A partner nominates one of its published datasets with the programme's materials."""
    authz.require_signed_in(actor)
    values = _load_schema(NominationSchema(), data)
    with cat.session() as s:
        r = _round(s, rid)
        if r.state != "open" or r.deadline < today():
            raise Conflict("the round takes no more nominations")
        ds = by_name_or_id(s, Dataset, values["dataset"])
        if ds is None or ds.status != "published" or not actor.member_of(ds.organization_id):
            raise ValidationFailed(
                {"dataset": ["Choose one of your organization's published datasets."]}
            )
        key = values.get("materials_file")
        if not key:
            raise ValidationFailed({"materials_file": ["Attach the programme's materials."]})
        if key not in uploads.attachable_keys(s, actor, None, {key}):
            raise ValidationFailed({"materials_file": ["Not a valid file."]})
        taken = s.execute(
            select(Nomination.id).where(Nomination.round_id == r.id, Nomination.dataset_id == ds.id)
        ).first()
        if taken:
            raise ValidationFailed(
                {"dataset": ["This dataset is already nominated in this round."]}
            )
        nom = Nomination(
            round_id=r.id,
            dataset_id=ds.id,
            organization_id=ds.organization_id,
            statement=values["statement"],
            materials_file=key,
            materials_sha256=uploads.content_of(s, {key})[key][0],
            measured=measure(s, ds),
            nominated_by=actor.id,
        )
        s.add(nom)
        s.flush()
        audit.record(
            s, actor, "nomination.submitted", "nomination", str(nom.id), address=address,
            data={"round": r.id, "dataset": ds.id, "materials_sha256": nom.materials_sha256},
        )  # fmt: skip
        return nom


def _nomination(session: Session, nid: int) -> tuple[Nomination, NominationRound, Dataset]:
    nom = session.get(Nomination, int(nid))
    if nom is None:
        raise NotFound(f"nomination {nid} not found")
    return nom, session.get(NominationRound, nom.round_id), session.get(Dataset, nom.dataset_id)  # type: ignore[return-value]


def may_see(actor: Actor, nom: Nomination) -> bool:
    """A nomination's file and scores: the bureau and the nominating organization."""
    return actor.is_curator or actor.member_of(nom.organization_id)


def get_nomination(
    cat: Catalog, actor: Actor, nid: int
) -> tuple[Nomination, NominationRound, Dataset]:
    with cat.session() as s:
        nom, r, ds = _nomination(s, nid)
        if not may_see(actor, nom):
            raise NotFound(f"nomination {nid} not found")
        return nom, r, ds


def score(
    cat: Catalog,
    actor: Actor,
    nid: int,
    scores: Mapping[str, object],
    note: str | None = None,
    address: str | None = None,
) -> NominationScore:
    """A curator scores every indicator of the round 0-100; scoring again replaces it."""
    authz.require_curator(actor)
    with cat.session() as s:
        nom, r, _ds = _nomination(s, nid)
        clean: dict[str, float] = {}
        errors: dict[str, list[str]] = {}
        for ind in r.indicators:
            raw = scores.get(ind["name"])
            try:
                value = float(str(raw).strip())
            except (TypeError, ValueError):
                value = -1.0
            if not 0 <= value <= 100:
                errors[f"score-{ind['name']}"] = ["Scores are numbers from 0 to 100."]
            clean[ind["name"]] = value
        if errors:
            raise ValidationFailed(errors)
        weight = sum(i["weight"] for i in r.indicators) or 1.0
        total = round(sum(clean[i["name"]] * i["weight"] for i in r.indicators) / weight, 2)
        row = s.execute(
            select(NominationScore).where(
                NominationScore.nomination_id == nom.id, NominationScore.reviewer_id == actor.id
            )
        ).scalar_one_or_none()
        if row is None:
            row = NominationScore(nomination_id=nom.id, reviewer_id=actor.id)
            s.add(row)
        row.scores, row.total, row.note = clean, total, (note or "").strip() or None
        nom.updated_at = utcnow()
        audit.record(
            s, actor, "nomination.scored", "nomination", str(nom.id), address=address,
            data={"scores": clean, "total": total},
        )  # fmt: skip
        return row


def set_shortlisted(
    cat: Catalog, actor: Actor, nid: int, on: bool, address: str | None = None
) -> Nomination:
    authz.require_curator(actor)
    with cat.session() as s:
        nom, _r, _ds = _nomination(s, nid)
        if nom.shortlisted != on:
            nom.shortlisted = on
            action = "nomination.shortlisted" if on else "nomination.unlisted"
            audit.record(s, actor, action, "nomination", str(nom.id), address=address)
        return nom


def set_outcome(
    cat: Catalog,
    actor: Actor,
    nid: int,
    outcome: str | None,
    note: str | None = None,
    address: str | None = None,
) -> Nomination:
    """The bureau records how far the dataset went (a selection is also a shortlisting)."""
    authz.require_curator(actor)
    outcome = outcome or None
    if outcome is not None and outcome not in vocab.NOMINATION_OUTCOMES:
        raise ValidationFailed(
            {"outcome": [f"Must be one of: {', '.join(vocab.NOMINATION_OUTCOMES)}."]}
        )
    with cat.session() as s:
        nom, _r, ds = _nomination(s, nid)
        before = nom.outcome
        nom.outcome, nom.outcome_note = outcome, (note or "").strip() or None
        if outcome in SELECTED:
            nom.shortlisted = True
        ds.updated_at = utcnow()  # the page's badges changed
        audit.record(
            s, actor, "nomination.outcome", "nomination", str(nom.id), note=nom.outcome_note,
            address=address, data={"from": before, "to": outcome, "dataset": ds.id},
        )  # fmt: skip
        return nom


def materials(cat: Catalog, actor: Actor, nid: int) -> tuple[Path, str]:
    """(path, file name) of a nomination's materials: the bureau and the nominating org."""
    nom, _r, _ds = get_nomination(cat, actor, nid)
    sha, _sep, name = (nom.materials_file or "").partition("/")
    path = cat.settings.instance_path / "files" / sha
    if not sha or not path.is_file():
        raise NotFound("file not found")
    return path, name


# -- reading ------------------------------------------------------------------------------
def round_view(cat: Catalog, actor: Actor, rid: int) -> RoundView:
    """A round with the nominations the actor may see: all of them with scores for the
    bureau, the organization's own for its members, the selected ones for everybody."""
    with cat.session() as s:
        r = _round(s, rid)
        rows = s.execute(
            select(
                Nomination,
                Dataset.name,
                Dataset.title,
                Organization.title,
                Organization.credit_code,
            )
            .join(Dataset, Dataset.id == Nomination.dataset_id)
            .outerjoin(Organization, Organization.id == Nomination.organization_id)
            .where(Nomination.round_id == r.id)
            .order_by(Nomination.id)
        ).all()
        ids = [n.id for n, *_rest in rows]
        all_scores: dict[int, list[NominationScore]] = {}
        if ids:
            for sc in s.execute(
                select(NominationScore).where(NominationScore.nomination_id.in_(ids))
            ).scalars():
                all_scores.setdefault(sc.nomination_id, []).append(sc)
        out = []
        for nom, name, title, org_title, code in rows:
            public = nom.outcome in SELECTED
            if not (public or may_see(actor, nom)):
                continue
            mine = None
            scs = all_scores.get(nom.id, [])
            row = NominationRow(nom, name, title, org_title or "", code or "", None, len(scs))
            if may_see(actor, nom) and scs:
                row.score = round(sum(x.total for x in scs) / len(scs), 2)
                for ind in r.indicators:
                    vals = [float(x.scores[ind["name"]]) for x in scs if ind["name"] in x.scores]
                    if vals:
                        row.by_indicator[ind["name"]] = round(sum(vals) / len(vals), 2)
                mine = next((x.scores for x in scs if x.reviewer_id == actor.id), None)
            row.mine = mine
            out.append(row)
        may_nominate = bool(actor.org_roles) and r.state == "open" and r.deadline >= today()
        return RoundView(r, out, actor.is_curator, may_nominate)


def ranked_shortlist(view: RoundView) -> list[NominationRow]:
    """The shortlisted nominations, best score first."""
    rows = [row for row in view.rows if row.nom.shortlisted]
    return sorted(rows, key=lambda row: (-(row.score or 0), row.nom.id))


def badges_of(cat: Catalog, dataset_id: str) -> list[dict]:
    """The selections of a dataset, for the badges on its page."""
    with cat.read_session() as s:
        return badges_in(s, dataset_id)


def badges_in(s: Session, dataset_id: str) -> list[dict]:
    """``badges_of`` in the caller's session (the dataset page reads its sections in one)."""
    rows = s.execute(
        select(Nomination.outcome, NominationRound.id, NominationRound.title, NominationRound.level)
        .join(NominationRound, NominationRound.id == Nomination.round_id)
        .where(Nomination.dataset_id == dataset_id, Nomination.outcome.in_(SELECTED))
        .order_by(NominationRound.deadline.desc())
    ).all()
    return [
        {"outcome": outcome, "round_id": rid, "round": title, "level": level}
        for outcome, rid, title, level in rows
    ]


def shortlist_xlsx(cat: Catalog, actor: Actor, rid: int, locale: str = "zh") -> bytes:
    """The shortlist as the programme's office reads it: one row per dataset, ranked."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    authz.require_curator(actor)
    view = round_view(cat, actor, rid)
    r = view.round
    en = locale.startswith("en")
    wb = Workbook()
    ws = wb.active
    ws.title = "Shortlist" if en else "推荐名单"
    ws.append([r.title])
    ws.append(
        [
            ("Programme" if en else "项目"), r.programme,
            ("Level" if en else "级别"), vocab.label("programme_level", r.level, locale),
            ("Deadline" if en else "截止日期"), r.deadline.isoformat(),
        ]
    )  # fmt: skip
    ws.append([])
    names = [i["name_en"] or i["name"] if en else i["name"] for i in r.indicators]
    header = (
        ["Rank", "Dataset", "Identifier", "Organization", "Credit code", "Score"]
        if en
        else ["排名", "数据集", "标识名", "申报单位", "统一社会信用代码", "综合得分"]
    )
    header += [f"{n} ({i['weight']:g})" for n, i in zip(names, r.indicators, strict=True)]
    header += (
        ["Reviewers", "Metadata quality", "Files hashed (%)", "Splits", "Annotation accuracy",
         "Access requests approved", "Materials SHA-256", "Outcome"]
        if en
        else ["评审人数", "元数据质量", "文件哈希覆盖率(%)", "数据划分", "标注准确率",
              "已批准数据申请", "申报材料 SHA-256", "结果"]
    )  # fmt: skip
    ws.append(header)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for rank, row in enumerate(ranked_shortlist(view), start=1):
        m = row.nom.measured or {}
        ws.append(
            [rank, row.dataset_title, row.dataset_name, row.organization, row.credit_code, row.score]
            + [row.by_indicator.get(i["name"]) for i in r.indicators]
            + [
                row.reviewers, m.get("quality"), m.get("hashes"), ", ".join(m.get("splits") or []),
                m.get("accuracy"), m.get("approved_requests"), row.nom.materials_sha256,
                vocab.label("nomination_outcome", row.nom.outcome, locale) if row.nom.outcome else "",
            ]
        )  # fmt: skip
    for col, width in zip("ABCDEF", (6, 36, 24, 30, 22, 10), strict=True):
        ws.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
