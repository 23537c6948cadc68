"""Follow and notify (issue 16, item 3), services: following what one may see, the sweep
that turns changes into notices (once each), saved searches matched by the search backend,
fulfilled requests told to requester, +1s and followers, requests routed to the bureau and
the partners of their theme, digests with a one-click unsubscribe. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.errors import NotFound, PermissionDenied, ValidationFailed
from catalog.models import Notification
from catalog.services import data_requests as dr
from catalog.services import datasets, follows, notifications, organizations, users
from catalog.services.authz import ANONYMOUS, SYSTEM
from tests.portal import actor, folder_mail, make_user

NEED = {
    "what": "城市公交刷卡客流数据",
    "purpose": "训练公交客流预测模型",
    "scenario": "transport",
    "urgency": "normal",
}


@pytest.fixture
def w(cat):
    class W:
        pass

    w = W()
    w.cat = cat
    organizations.create_organization(
        cat,
        SYSTEM,
        {
            "name": "bus",
            "title": "保定公交集团",
            "org_type": "enterprise",
            "fields_of_data": ["transport"],
        },
    )
    organizations.set_partner_status(cat, SYSTEM, "bus", "applied")
    organizations.set_partner_status(cat, SYSTEM, "bus", "verified")
    organizations.create_organization(
        cat,
        SYSTEM,
        {"name": "clinic", "title": "保定医学影像", "org_type": "enterprise",
         "fields_of_data": ["health"]},
    )  # fmt: skip
    organizations.set_partner_status(cat, SYSTEM, "clinic", "applied")
    organizations.set_partner_status(cat, SYSTEM, "clinic", "verified")
    w.user = make_user(cat, "reader@firm.example.cn")
    w.other = make_user(cat, "other@firm.example.cn")
    w.bus_staff = make_user(cat, "staff@bus.example.cn")
    w.clinic_staff = make_user(cat, "staff@clinic.example.cn")
    w.curator = make_user(cat, "curator@bureau.example.cn", "curator")
    users.add_member(cat, SYSTEM, "bus", w.bus_staff.id)
    users.add_member(cat, SYSTEM, "clinic", w.clinic_staff.id)
    w.ds = datasets.create_dataset(
        cat,
        SYSTEM,
        {"name": "bus-lines", "title": "公交线路", "organization": "bus", "themes": ["transport"]},
        status="published",
    )
    return w


def _notices(cat, user) -> list[tuple[str, str]]:
    return [(n.kind, n.title) for n in notifications.list_notices(cat, actor(cat, user))]


def _later(cat) -> int:
    """Run the sweep (as cron would: everything changed so far is before it)."""
    return notifications.collect(cat)


def test_only_signed_in_users_follow_what_they_may_see(w):
    with pytest.raises(PermissionDenied):
        follows.follow(w.cat, ANONYMOUS, "dataset", "bus-lines")
    draft = datasets.create_dataset(w.cat, SYSTEM, {"title": "草稿", "organization": "bus"})
    with pytest.raises(NotFound):
        follows.follow(w.cat, actor(w.cat, w.user), "dataset", draft.name)
    with pytest.raises(ValidationFailed):
        follows.follow(w.cat, actor(w.cat, w.user), "planet", "mars")
    one = follows.follow(w.cat, actor(w.cat, w.user), "dataset", "bus-lines")
    again = follows.follow(w.cat, actor(w.cat, w.user), "dataset", w.ds.id)
    assert one.id == again.id  # once per target
    assert follows.following(w.cat, actor(w.cat, w.user), "dataset", w.ds.id).id == one.id
    assert follows.following(w.cat, actor(w.cat, w.other), "dataset", w.ds.id) is None
    # someone else's follow cannot be removed
    assert follows.unfollow(w.cat, actor(w.cat, w.other), one.id) is False
    assert follows.unfollow(w.cat, actor(w.cat, w.user), one.id) is True
    with pytest.raises(ValidationFailed):
        follows.save_search(w.cat, actor(w.cat, w.user), "", {})
    with pytest.raises(ValidationFailed):
        follows.save_search(w.cat, actor(w.cat, w.user), "公交", {"colour": ["red"]})


def test_a_changed_dataset_and_a_new_dataset_of_an_organization_are_notices_once(w):
    me = actor(w.cat, w.user)
    follows.follow(w.cat, me, "dataset", "bus-lines")
    follows.follow(w.cat, me, "organization", "bus")
    assert _later(w.cat) == 0  # nothing happened since
    datasets.update_dataset(w.cat, SYSTEM, "bus-lines", {"description": "新增站点坐标"})
    datasets.create_dataset(
        w.cat, SYSTEM, {"name": "bus-stops", "title": "公交站点", "organization": "bus"},
        status="published",
    )  # fmt: skip
    datasets.create_dataset(
        w.cat, SYSTEM, {"title": "医学影像", "organization": "clinic"}, status="published"
    )
    assert _later(w.cat) == 2
    assert sorted(_notices(w.cat, w.user)) == [
        ("dataset_changed", "公交线路"),
        ("new_dataset", "公交站点"),
    ]
    assert _later(w.cat) == 0  # sweeping again tells nobody twice
    assert _notices(w.cat, w.other) == []


def test_a_saved_search_is_told_of_new_matches_only(w):
    me = actor(w.cat, w.user)
    follows.save_search(w.cat, me, "公交", {})
    follows.save_search(w.cat, me, "", {"theme": ["health"], "kind": ["training"]})
    datasets.create_dataset(
        w.cat, SYSTEM, {"title": "公交客流统计", "organization": "bus"}, status="published"
    )
    datasets.create_dataset(
        w.cat, SYSTEM, {"title": "出租车轨迹", "organization": "clinic"}, status="published"
    )
    # a draft matching the words is news only once it is published
    draft = datasets.create_dataset(
        w.cat, SYSTEM,
        {"title": "肺部 CT 训练集", "organization": "clinic", "themes": ["health"],
         "kind": "training"},
    )  # fmt: skip
    assert _later(w.cat) == 1
    assert _notices(w.cat, w.user) == [("search_match", "公交客流统计")]
    datasets.publish_dataset(w.cat, SYSTEM, draft.name)
    _later(w.cat)
    assert ("search_match", "肺部 CT 训练集") in _notices(w.cat, w.user)
    assert len(_notices(w.cat, w.user)) == 2


def test_requests_are_routed_to_the_bureau_and_partners_of_their_theme(w):
    req = dr.create_request(w.cat, actor(w.cat, w.user), NEED)
    assert _notices(w.cat, w.bus_staff) == [("request_routed", NEED["what"])]
    assert _notices(w.cat, w.curator) == [("request_routed", NEED["what"])]
    assert _notices(w.cat, w.clinic_staff) == []  # health partner: not its field
    assert _notices(w.cat, w.user) == []  # the requester is not told of their own request
    private = dr.create_request(
        w.cat, actor(w.cat, w.user), {**NEED, "what": "私密需求", "public": False}
    )
    assert ("request_routed", "私密需求") in _notices(w.cat, w.curator)
    assert ("request_routed", "私密需求") not in _notices(w.cat, w.bus_staff)
    assert private.id != req.id
    assert dr.partner_themes(w.cat, actor(w.cat, w.bus_staff)) == ["transport"]
    assert dr.partner_themes(w.cat, actor(w.cat, w.user)) == []
    total, views = dr.list_requests(
        w.cat, actor(w.cat, w.bus_staff), themes=["transport"], state=None
    )
    assert total == 1 and views[0].req.id == req.id


def test_fulfilment_is_told_to_requester_voters_and_followers(w):
    req = dr.create_request(w.cat, actor(w.cat, w.user), NEED)
    dr.vote(w.cat, actor(w.cat, w.other), req.id)
    follows.follow(w.cat, actor(w.cat, w.clinic_staff), "data_request", str(req.id))
    dr.change_state(
        w.cat, actor(w.cat, w.curator), req.id, "fulfilled", datasets=["bus-lines"],
        link=lambda rid: f"https://catalog.example/data-requests/{rid}",
    )  # fmt: skip
    for who in (w.user, w.other, w.clinic_staff):
        assert ("request_fulfilled", NEED["what"]) in _notices(w.cat, who)
    # requester and +1 were e-mailed at once: only the follower's notice awaits a digest
    with w.cat.session() as s:
        pending = s.execute(
            select(Notification.user_id).where(
                Notification.kind == "request_fulfilled", Notification.mailed_at.is_(None)
            )
        ).scalars()
        assert list(pending) == [w.clinic_staff.id]


def test_digests_group_pending_notices_and_unsubscribe_stops_them(w):
    me = actor(w.cat, w.user)
    follows.follow(w.cat, me, "organization", "bus")
    for title in ("公交站点", "公交票价"):
        datasets.create_dataset(
            w.cat, SYSTEM, {"title": title, "organization": "bus"}, status="published"
        )
    _later(w.cat)
    before = len(folder_mail(w.cat))
    sent = notifications.send_digests(w.cat, "https://catalog.example")
    mails = folder_mail(w.cat)[before:]
    mine = [m for m in mails if m["To"] == w.user.email]
    assert sent == len(mails) and len(mine) == 1  # one digest for two notices
    body = mine[0].get_content()
    assert "公交站点" in body and "公交票价" in body and "https://catalog.example/dataset/" in body
    link = next(line for line in body.splitlines() if "/notices/unsubscribe/" in line).strip()
    assert notifications.send_digests(w.cat, "https://catalog.example") == 0  # nothing pending
    token = link.rsplit("/", 1)[1]
    assert notifications.unsubscribe(w.cat, token + "x") is False
    assert notifications.unsubscribe(w.cat, token) is True
    assert notifications.mails_stopped(w.cat, me)
    datasets.create_dataset(
        w.cat, SYSTEM, {"title": "公交IC卡", "organization": "bus"}, status="published"
    )
    _later(w.cat)
    before = len(folder_mail(w.cat))
    notifications.send_digests(w.cat, "https://catalog.example")
    assert [m for m in folder_mail(w.cat)[before:] if m["To"] == w.user.email] == []
    assert ("new_dataset", "公交IC卡") in _notices(w.cat, w.user)  # the list still has it
    notifications.resume_mail(w.cat, me)
    assert not notifications.mails_stopped(w.cat, me)
    assert notifications.mark_read(w.cat, me) == 3
    assert notifications.unread_count(w.cat, me) == 0
