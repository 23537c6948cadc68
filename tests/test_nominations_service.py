"""Nomination rounds (择优申报, issue 18 item 4), services: opening a round with the default
or a custom indicator set, who may nominate what and until when, the measured pre-fill,
weighted scores, shortlist and outcomes, the XLSX shortlist, badges and what the public
sees; and the firm's voucher statement (数智券, item 6). SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from catalog.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from catalog.models import AuditEvent
from catalog.services import (
    access,
    datasets,
    matchmaking,
    nominations,
    organizations,
    uploads,
    users,
)
from catalog.services.authz import ANONYMOUS, SYSTEM
from schemas.nomination import parse_indicators
from tests.portal import actor, credit_code, make_user

SOON = (date.today() + timedelta(days=20)).isoformat()


@pytest.fixture
def w(cat):
    class W:
        pass

    w = W()
    w.cat = cat
    organizations.create_organization(
        cat, SYSTEM,
        {"name": "zhiyuan", "title": "保定智源科技有限公司", "org_type": "enterprise",
         "credit_code": credit_code(11)},
    )  # fmt: skip
    organizations.create_organization(
        cat, SYSTEM, {"name": "rival", "title": "另一家公司", "org_type": "enterprise"}
    )
    w.member = make_user(cat, "staff@zhiyuan.example.cn")
    w.rival = make_user(cat, "staff@rival.example.cn")
    w.curator = make_user(cat, "curator@bureau.example.cn", "curator")
    w.curator2 = make_user(cat, "curator2@bureau.example.cn", "curator")
    users.add_member(cat, SYSTEM, "zhiyuan", w.member.id)
    users.add_member(cat, SYSTEM, "rival", w.rival.id)
    w.ds = datasets.create_dataset(
        cat, SYSTEM,
        {"name": "weld-defects", "title": "焊缝缺陷图像", "organization": "zhiyuan",
         "kind": "training", "annotation_accuracy": 0.97,
         "sample_counts": {"train": 9000, "test": 1000}, "keywords": ["焊缝"],
         "distributions": [
             {"title": "train.zip", "download_url": "https://d.example.cn/t.zip", "format": "ZIP",
              "sha256": "a" * 64},
             {"title": "test.zip", "download_url": "https://d.example.cn/s.zip", "format": "ZIP"},
         ]},
        status="published",
    )  # fmt: skip
    w.draft = datasets.create_dataset(
        cat, SYSTEM, {"name": "weld-draft", "title": "草稿", "organization": "zhiyuan"}
    )
    w.m, w.c, w.c2, w.r = (actor(cat, u) for u in (w.member, w.curator, w.curator2, w.rival))
    return w


def open_round(w, **over: object):
    data = {
        "title": "2026 年度省级高质量数据集遴选",
        "programme": "河北省高质量数据集",
        "level": "provincial",
        "field": "制造",
        "deadline": SOON,
        "criteria": "面向人工智能训练的工业数据集。",
        **over,
    }
    return nominations.open_round(w.cat, w.c, data)


def nominate(w, who=None, ref="weld-defects"):
    who = who or w.m
    key = uploads.store(w.cat, who, io.BytesIO(b"%PDF materials"), "申报书.pdf").key
    return {
        "dataset": ref,
        "statement": "覆盖十类焊缝缺陷，标注经双人复核。",
        "materials_file": key,
    }


def test_a_round_gets_the_national_indicators_by_default_or_its_own(w):
    with pytest.raises(PermissionDenied):
        nominations.open_round(w.cat, w.m, {"title": "x"})
    r = open_round(w)
    assert [(i["name"], i["weight"]) for i in r.indicators] == [
        ("完整性", 0.25), ("规范性", 0.2), ("准确性", 0.25), ("多样性", 0.15), ("时效性", 0.15)
    ]  # fmt: skip
    custom = parse_indicators("完整性 = 0.5\nTimeliness: 30%\n创新性=0.2")
    assert [(i["name"], i["measure"]) for i in custom] == [
        ("完整性", "quality"), ("时效性", None), ("创新性", None)
    ]  # fmt: skip
    assert open_round(w, indicators=custom).indicators[2]["weight"] == 0.2
    with pytest.raises(ValidationFailed) as exc:
        open_round(w, indicators=parse_indicators("完整性 = 0.5\n准确性 = 0.2"), level="county")
    zh = exc.value.localized("zh")
    assert zh["indicators"] == ["各指标权重之和须为 1。"] and "level" in zh
    with pytest.raises(Exception) as bad:
        parse_indicators("完整性 0.5")
    assert "Line 1" in str(bad.value)


def test_partners_nominate_their_own_published_datasets_until_the_deadline(w):
    r = open_round(w)
    with pytest.raises(ValidationFailed) as exc:
        nominations.nominate(w.cat, w.r, r.id, nominate(w, w.r))
    assert exc.value.localized("zh") == {"dataset": ["请选择本机构已发布的数据集。"]}
    with pytest.raises(ValidationFailed):
        nominations.nominate(w.cat, w.m, r.id, nominate(w, ref="weld-draft"))
    no_file = {**nominate(w), "materials_file": None}
    with pytest.raises(ValidationFailed) as exc:
        nominations.nominate(w.cat, w.m, r.id, no_file)
    assert exc.value.localized("zh") == {"materials_file": ["请上传申报材料。"]}
    nom = nominations.nominate(w.cat, w.m, r.id, nominate(w))
    assert nom.measured["quality"] > 0
    assert (nom.measured["hashed"], nom.measured["distributions"], nom.measured["hashes"]) == (
        1,
        2,
        50.0,
    )
    assert nom.measured["splits"] == ["test", "train"] and nom.measured["accuracy"] == 0.97
    assert nom.measured["approved_requests"] == 0
    with pytest.raises(ValidationFailed) as exc:
        nominations.nominate(w.cat, w.m, r.id, nominate(w))
    assert exc.value.localized("zh") == {"dataset": ["该数据集已在本轮申报。"]}
    past = open_round(w, deadline=(date.today() - timedelta(days=1)).isoformat())
    with pytest.raises(Conflict):
        nominations.nominate(w.cat, w.m, past.id, nominate(w))
    nominations.close_round(w.cat, w.c, r.id)
    with pytest.raises(Conflict):
        nominations.nominate(w.cat, w.m, r.id, nominate(w))


def test_scores_are_weighted_prefilled_and_averaged_over_reviewers(w):
    r = open_round(w)
    nom = nominations.nominate(w.cat, w.m, r.id, nominate(w))
    pre = nominations.prefill(r.indicators, nom.measured)
    assert pre["规范性"] == 50.0 and pre["准确性"] == 97.0 and pre["多样性"] is None
    assert pre["完整性"] == float(nom.measured["quality"])
    with pytest.raises(PermissionDenied):
        nominations.score(w.cat, w.m, nom.id, {})
    with pytest.raises(ValidationFailed) as exc:
        nominations.score(w.cat, w.c, nom.id, {"完整性": "120", "规范性": "x"})
    assert exc.value.localized("zh")["score-完整性"] == ["评分须为 0 到 100 之间的数字。"]
    full = {"完整性": 80, "规范性": 60, "准确性": 100, "多样性": 50, "时效性": 70}
    s1 = nominations.score(w.cat, w.c, nom.id, full)
    assert s1.total == pytest.approx(0.25 * 80 + 0.2 * 60 + 0.25 * 100 + 0.15 * 50 + 0.15 * 70)
    nominations.score(w.cat, w.c2, nom.id, {k: 100 for k in full})
    nominations.score(w.cat, w.c, nom.id, {k: 90 for k in full})  # scoring again replaces
    (row,) = nominations.round_view(w.cat, w.c, r.id).rows
    assert row.reviewers == 2 and row.score == 95.0 and row.by_indicator["完整性"] == 95.0


def test_shortlist_outcomes_badges_and_what_the_public_sees(w):
    r = open_round(w)
    nom = nominations.nominate(w.cat, w.m, r.id, nominate(w))
    assert nominations.round_view(w.cat, ANONYMOUS, r.id).rows == []
    (mine,) = nominations.round_view(w.cat, w.m, r.id).rows  # the nominating org sees its own
    assert mine.nom.id == nom.id
    assert nominations.round_view(w.cat, w.r, r.id).rows == []
    with pytest.raises(NotFound):
        nominations.materials(w.cat, w.r, nom.id)
    assert nominations.materials(w.cat, w.m, nom.id)[1] == "申报书.pdf"
    with pytest.raises(PermissionDenied):
        nominations.set_shortlisted(w.cat, w.m, nom.id, True)
    nominations.set_shortlisted(w.cat, w.c, nom.id, True)
    nominations.score(w.cat, w.c, nom.id, {i["name"]: 88 for i in r.indicators})
    assert nominations.badges_of(w.cat, w.ds.id) == []
    with pytest.raises(ValidationFailed):
        nominations.set_outcome(w.cat, w.c, nom.id, "gold")
    nominations.set_outcome(w.cat, w.c, nom.id, "city_selected")
    nominations.set_outcome(w.cat, w.c, nom.id, "provincial_recommended", "推荐至省数据局")
    (pub,) = nominations.round_view(w.cat, ANONYMOUS, r.id).rows
    assert pub.nom.outcome == "provincial_recommended" and pub.score is None  # scores stay inside
    assert nominations.badges_of(w.cat, w.ds.id) == [
        {
            "outcome": "provincial_recommended",
            "round_id": r.id,
            "round": r.title,
            "level": "provincial",
        }
    ]
    with w.cat.session() as s:
        actions = [
            (e.action, e.data.get("to"))
            for e in s.execute(
                select(AuditEvent)
                .where(AuditEvent.object_type == "nomination")
                .order_by(AuditEvent.id)
            ).scalars()
        ]
    assert actions == [
        ("nomination.submitted", None), ("nomination.shortlisted", None),
        ("nomination.scored", None), ("nomination.outcome", "city_selected"),
        ("nomination.outcome", "provincial_recommended"),
    ]  # fmt: skip


def test_shortlist_xlsx_ranks_by_score(w):
    r = open_round(w)
    other = datasets.create_dataset(
        w.cat, SYSTEM, {"name": "bolt-defects", "title": "螺栓缺陷图像", "organization": "zhiyuan"},
        status="published",
    )  # fmt: skip
    a = nominations.nominate(w.cat, w.m, r.id, nominate(w))
    b = nominations.nominate(w.cat, w.m, r.id, nominate(w, ref=other.name))
    for nom, mark in ((a, 70), (b, 90)):
        nominations.score(w.cat, w.c, nom.id, {i["name"]: mark for i in r.indicators})
        nominations.set_shortlisted(w.cat, w.c, nom.id, True)
    with pytest.raises(PermissionDenied):
        nominations.shortlist_xlsx(w.cat, w.m, r.id)
    book = load_workbook(io.BytesIO(nominations.shortlist_xlsx(w.cat, w.c, r.id)))
    ws = book.active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == r.title and "省级" in rows[1]
    header = rows[3]
    assert header[:6] == ("排名", "数据集", "标识名", "申报单位", "统一社会信用代码", "综合得分")
    assert "完整性 (0.25)" in header
    body = rows[4:]
    assert [(x[0], x[2], x[5]) for x in body] == [
        (1, "bolt-defects", 90.0),
        (2, "weld-defects", 70.0),
    ]
    assert body[1][4] == credit_code(11)
    assert body[1][header.index("标注准确率")] == 0.97
    en = load_workbook(io.BytesIO(nominations.shortlist_xlsx(w.cat, w.c, r.id, "en"))).active
    assert list(en.iter_rows(values_only=True))[3][:2] == ("Rank", "Dataset")


# -- voucher evidence (数智券, item 6) -----------------------------------------------------
def test_a_firm_statement_lists_its_approved_requests_in_the_period(w):
    firm_code = credit_code(11)  # zhiyuan applies as a data user elsewhere
    organizations.create_organization(
        w.cat, SYSTEM, {"name": "bus-co", "title": "保定公交集团", "org_type": "enterprise",
                        "credit_code": credit_code(12)},
    )  # fmt: skip
    bus = datasets.create_dataset(
        w.cat, SYSTEM,
        {"name": "bus-flows", "title": "公交客流", "organization": "bus-co",
         "access_rights": "conditional",
         "distributions": [{"title": "f", "download_url": "https://d.example.cn/f.csv",
                            "restricted": True}]},
        status="published",
    )  # fmt: skip

    def request_as(who, code: str) -> int:
        req = access.submit_request(
            w.cat, who, bus.id,
            {"applicant_org": "保定智源科技有限公司", "applicant_credit_code": code,
             "purpose": "训练客流预测模型", "scenario": "交通", "security_measures": "专网",
             "period_end": (date.today() + timedelta(days=90)).isoformat(),
             "accepted_conditions": True, "security_commitment": True},
        )  # fmt: skip
        return req.id

    mine = request_as(w.m, firm_code)
    elsewhere = request_as(w.r, credit_code(13))  # another legal person
    for rid in (mine, elsewhere):
        access.change_state(w.cat, w.c, rid, "approved", end=date.today() + timedelta(days=60))
    st = matchmaking.firm_statement(w.cat, w.m, "zhiyuan")
    assert [r["request"] for r in st.rows] == [mine]
    (row,) = st.rows
    assert row["holder"] == "保定公交集团" and row["holder_credit_code"] == credit_code(12)
    assert row["purpose"] == "训练客流预测模型" and row["approved_on"] == date.today().isoformat()
    assert st.start == date(date.today().year, 1, 1)
    text = matchmaking.statement_csv(st)
    assert text.startswith("\ufeffrequest,approved_on") and "保定公交集团" in text
    last_year = date.today().year - 1
    assert (
        matchmaking.firm_statement(
            w.cat, w.c, "zhiyuan", f"{last_year}-01-01", f"{last_year}-12-31"
        ).rows
        == []
    )
    for who in (ANONYMOUS, w.r):
        with pytest.raises(PermissionDenied):
            matchmaking.firm_statement(w.cat, who, "zhiyuan")
    with pytest.raises(ValidationFailed):
        matchmaking.firm_statement(w.cat, w.c, "zhiyuan", "2026-05-01", "2026-01-01")
    # an organization without a credit code: its members' requests
    assert [r["request"] for r in matchmaking.firm_statement(w.cat, w.r, "rival").rows] == [
        elsewhere
    ]
    records = access.matchmaking_records(w.cat, w.c)
    assert {r["firm"] for r in records} == {"zhiyuan", ""}
    assert all(r["purpose"] == "训练客流预测模型" for r in records)
    assert "approved_on,purpose" in access.matchmaking_csv(records).splitlines()[0]
