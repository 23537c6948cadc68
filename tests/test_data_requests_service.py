"""Data requests (数据需求, issue 16), services: who may create, see and move a request,
the contact hidden from the public, +1 once each, the audit trail and the e-mail on
fulfilment. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from catalog.models import AuditEvent
from catalog.services import data_requests as dr
from catalog.services import datasets, organizations, users
from catalog.services.authz import ANONYMOUS, SYSTEM
from tests.portal import actor, folder_mail, make_user


def link(rid: int) -> str:
    return f"https://catalog.example/data-requests/{rid}"


NEED = {
    "what": "城市公交刷卡客流数据",
    "purpose": "训练公交客流预测模型",
    "scenario": "transport",
    "format": "CSV",
    "period": "2022–2024",
    "urgency": "high",
}


@pytest.fixture
def w(cat):
    class W:
        pass

    w = W()
    w.cat = cat
    organizations.create_organization(
        cat, SYSTEM, {"name": "firm", "title": "保定智算科技有限公司", "org_type": "enterprise"}
    )
    organizations.create_organization(
        cat, SYSTEM, {"name": "holder", "title": "保定公交集团", "org_type": "enterprise"}
    )
    w.firm = make_user(cat, "ai@firm.example.cn")
    w.partner = make_user(cat, "staff@holder.example.cn")
    w.other = make_user(cat, "other@else.example.cn")
    w.curator = make_user(cat, "curator@bureau.example.cn", "curator")
    users.add_member(cat, SYSTEM, "firm", w.firm.id)
    users.add_member(cat, SYSTEM, "holder", w.partner.id, role="admin")
    w.ds = datasets.create_dataset(
        cat,
        SYSTEM,
        {"name": "bus-flows", "title": "公交客流数据", "organization": "holder"},
        status="published",
    )
    return w


def test_anonymous_cannot_create_and_fields_are_validated(w):
    with pytest.raises(PermissionDenied):
        dr.create_request(w.cat, ANONYMOUS, NEED)
    with pytest.raises(ValidationFailed) as exc:
        dr.create_request(
            w.cat, actor(w.cat, w.firm), {"what": "", "scenario": "weather", "urgency": "x"}
        )
    errors = exc.value.messages
    assert set(errors) == {"what", "purpose", "scenario", "urgency"}
    zh = exc.value.localized("zh")
    assert zh["what"] == ["此项为必填项。"]
    assert zh["scenario"][0].startswith("须为以下之一：gov_services, health")


def test_public_request_shows_the_organization_and_hides_the_contact(w):
    req = dr.create_request(w.cat, actor(w.cat, w.firm), {**NEED, "contact": "0312-5550000"})
    for who in (ANONYMOUS, actor(w.cat, w.other), actor(w.cat, w.partner)):
        v = dr.get_request(w.cat, who, req.id)
        rec = dr.record(v)
        assert rec["organization"] == "保定智算科技有限公司"
        assert "contact" not in rec and v.requester_name is None and v.requester_email is None
        assert "0312-5550000" not in repr(rec)
    mine = dr.get_request(w.cat, actor(w.cat, w.firm), req.id)
    assert dr.record(mine)["contact"] == "0312-5550000"
    bureau = dr.get_request(w.cat, actor(w.cat, w.curator), req.id)
    assert bureau.contact == "0312-5550000" and bureau.requester_email == "ai@firm.example.cn"
    total, rows = dr.list_requests(w.cat, ANONYMOUS, state="open", scenario="transport")
    assert total == 1 and rows[0].req.id == req.id
    assert dr.list_requests(w.cat, ANONYMOUS, scenario="health")[0] == 0
    with pytest.raises(ValidationFailed):
        dr.list_requests(w.cat, ANONYMOUS, state="closed")


def test_private_request_is_seen_by_its_requester_and_the_bureau_only(w):
    req = dr.create_request(w.cat, actor(w.cat, w.other), {**NEED, "public": "0"})
    assert dr.list_requests(w.cat, ANONYMOUS)[0] == 0
    for who in (ANONYMOUS, actor(w.cat, w.firm)):
        with pytest.raises(NotFound):
            dr.get_request(w.cat, who, req.id)
    assert dr.get_request(w.cat, actor(w.cat, w.other), req.id).organization is None
    assert dr.list_requests(w.cat, actor(w.cat, w.curator))[0] == 1


def test_only_curators_move_states_and_every_change_is_audited(w):
    req = dr.create_request(w.cat, actor(w.cat, w.firm), NEED)
    for who in (actor(w.cat, w.partner), actor(w.cat, w.firm), ANONYMOUS):
        with pytest.raises(PermissionDenied):
            dr.change_state(w.cat, who, req.id, "matched", datasets=["bus-flows"])
    curator = actor(w.cat, w.curator)
    with pytest.raises(ValidationFailed) as exc:
        dr.change_state(w.cat, curator, req.id, "matched")
    assert exc.value.localized("zh") == {"datasets": ["请关联数据集或合作伙伴的承诺。"]}
    with pytest.raises(ValidationFailed) as exc:
        dr.change_state(w.cat, curator, req.id, "matched", datasets=["no-such-dataset"])
    assert exc.value.messages == {"datasets": ["Unknown dataset."]}
    with pytest.raises(ValidationFailed):
        dr.change_state(w.cat, curator, req.id, "declined")  # a reason is needed
    dr.change_state(w.cat, curator, req.id, "matched", "公交集团承诺提供", promise_org="holder")
    with pytest.raises(Conflict):
        dr.change_state(w.cat, curator, req.id, "matched", promise_org="holder")
    with pytest.raises(ValidationFailed):
        dr.change_state(w.cat, curator, req.id, "fulfilled")  # no dataset linked yet
    dr.change_state(w.cat, curator, req.id, "fulfilled", "已发布", datasets=["bus-flows"])
    v = dr.get_request(w.cat, ANONYMOUS, req.id)
    assert v.req.state == "fulfilled" and v.req.closed_at is not None
    assert [d.name for d in v.datasets] == ["bus-flows"] and v.promise.name == "holder"
    with w.cat.session() as s:
        events = (
            s.execute(
                select(AuditEvent)
                .where(AuditEvent.object_type == "data_request")
                .order_by(AuditEvent.id)
            )
            .scalars()
            .all()
        )
        trail = [(e.action, e.data.get("from"), e.data.get("to"), e.actor_id) for e in events]
    assert trail == [
        ("data_request.open", None, "open", w.firm.id),
        ("data_request.matched", "open", "matched", w.curator.id),
        ("data_request.fulfilled", "matched", "fulfilled", w.curator.id),
    ]
    assert events[2].data["datasets"] == [w.ds.id] and events[1].data["promise"]
    history = dr.history(w.cat, ANONYMOUS, req.id)
    assert [(h["to"], h["note"], h["actor"]) for h in history] == [
        ("open", None, None),
        ("matched", "公交集团承诺提供", None),
        ("fulfilled", "已发布", None),
    ]
    assert [h["actor"] for h in dr.history(w.cat, curator, req.id)][1] == "curator"


def test_plus_one_once_each_and_not_by_the_requester(w):
    req = dr.create_request(w.cat, actor(w.cat, w.firm), NEED)
    with pytest.raises(PermissionDenied):
        dr.vote(w.cat, ANONYMOUS, req.id)
    with pytest.raises(Conflict):
        dr.vote(w.cat, actor(w.cat, w.firm), req.id)
    assert dr.vote(w.cat, actor(w.cat, w.other), req.id) == 1
    with pytest.raises(Conflict):
        dr.vote(w.cat, actor(w.cat, w.other), req.id)
    assert dr.vote(w.cat, actor(w.cat, w.partner), req.id) == 2
    v = dr.get_request(w.cat, actor(w.cat, w.other), req.id)
    assert v.req.votes == 2 and v.voted and not v.may_vote


def test_fulfilment_mails_the_requester_and_each_plus_one_separately(w):
    req = dr.create_request(w.cat, actor(w.cat, w.firm), NEED)
    dr.vote(w.cat, actor(w.cat, w.other), req.id)
    curator = actor(w.cat, w.curator)
    dr.change_state(w.cat, curator, req.id, "matched", datasets=["bus-flows"], link=link)
    assert folder_mail(w.cat) == []  # matching alone tells nobody
    dr.change_state(w.cat, curator, req.id, "fulfilled", "数据已上线", link=link)
    mails = folder_mail(w.cat)
    assert sorted(m["To"] for m in mails) == ["ai@firm.example.cn", "other@else.example.cn"]
    for m in mails:
        body = m.get_content()
        assert "数据需求已满足" in m["Subject"] and "Data request fulfilled" in m["Subject"]
        assert "公交客流数据" in body and link(req.id) in body and "数据已上线" in body


def test_demand_stats_count_open_requests_and_the_median_time_to_fulfil(w):
    from datetime import timedelta

    from catalog.models import DataRequest
    from catalog.services.data_requests import demand_stats

    me = actor(w.cat, w.firm)
    ids = [dr.create_request(w.cat, me, {**NEED, "what": f"需求{i}"}).id for i in range(5)]
    for rid in ids[:3]:
        dr.change_state(w.cat, actor(w.cat, w.curator), rid, "fulfilled", datasets=["bus-flows"])
    with w.cat.session() as s:
        assert demand_stats(s).open == 2 and demand_stats(s).median_days_to_fulfil == 0.0
        # answered after 2, 4 and 9 days: the median is 4
        for rid, days in zip(ids[:3], (2, 4, 9), strict=True):
            req = s.get(DataRequest, rid)
            req.created_at = req.closed_at - timedelta(days=days)
    with w.cat.session() as s:
        stats = demand_stats(s)
    assert (stats.open, stats.fulfilled, stats.median_days_to_fulfil) == (2, 3, 4.0)
