"""Business rules in catalog.services, on SQLite and PostgreSQL, with the real search index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from catalog.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from catalog.models import (
    AuditEvent,
    Dataset,
    DatasetVersion,
    Distribution,
    IndexOutbox,
    Membership,
    User,
)
from catalog.search import SearchQuery
from catalog.services import datasets, organizations, users
from catalog.services.authz import ANONYMOUS, SYSTEM, Actor
from schemas import vocab

ORG_A = {"name": "org-a", "title": "保定市交通运输局", "title_en": "Transport Bureau"}
ORG_B = {"name": "org-b", "title": "保定市卫生健康委员会", "title_en": "Health Commission"}


def bus_data(**extra: object) -> dict:
    return {
        "title": "保定市公交线路与站点",
        "title_en": "Baoding bus lines and stops",
        "description": "全市公交线路、站点坐标与首末班时间。",
        "keywords": ["公交", "站点"],
        "themes": ["transport"],
        "spatial": ["130600"],
        "distributions": [
            {"title": "线路表", "download_url": "https://example.cn/bus.csv", "format": "CSV"}
        ],
        **extra,
    }


def ids_found(cat, text: str) -> list[str]:
    return [h.id for h in cat.search.search(SearchQuery(text=text, page_size=100)).hits]


def count(cat, model) -> int:
    with cat.session() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def counts(cat) -> dict[str, int]:
    return {
        m.__name__: count(cat, m)
        for m in (Dataset, Distribution, AuditEvent, DatasetVersion, IndexOutbox)
    }


def audit_of(cat, object_id: str) -> list[AuditEvent]:
    with cat.session() as s:
        return list(
            s.execute(
                select(AuditEvent).where(AuditEvent.object_id == object_id).order_by(AuditEvent.id)
            ).scalars()
        )


def versions_of(cat, dataset_id: str) -> list[DatasetVersion]:
    with cat.session() as s:
        return list(
            s.execute(
                select(DatasetVersion)
                .where(DatasetVersion.dataset_id == dataset_id)
                .order_by(DatasetVersion.number)
            ).scalars()
        )


def actor_for(cat, user: User) -> Actor:
    return Actor.of(users.get_user(cat, user.id))


_HASH: dict[str, str] = {}


def quick_user(cat, email: str, role: str = "user") -> User:
    """A user row without paying for a password hash each time (users are tested below)."""
    if not _HASH:
        _HASH["h"] = generate_password_hash("not-used-here")
    with cat.session() as s:
        user = User(email=email, name=email.split("@")[0], role=role, password_hash=_HASH["h"])
        s.add(user)
    return user


@pytest.fixture
def world(cat):
    """Two organizations, a member of each, a curator and an outsider."""
    organizations.create_organization(cat, SYSTEM, ORG_A)
    organizations.create_organization(cat, SYSTEM, ORG_B)
    alice = quick_user(cat, "alice@a.example.cn")
    bob = quick_user(cat, "bob@b.example.cn")
    cur = quick_user(cat, "curator@bureau.example.cn", role="curator")
    out = quick_user(cat, "someone@ai.example.com")
    users.add_member(cat, SYSTEM, "org-a", alice.id)
    users.add_member(cat, SYSTEM, "org-b", bob.id, "admin")

    class W:
        pass

    w = W()
    w.cat = cat
    w.alice, w.bob = actor_for(cat, alice), actor_for(cat, bob)
    w.curator, w.outsider = actor_for(cat, cur), actor_for(cat, out)
    return w


# -- create ---------------------------------------------------------------------------------
def test_create_stores_audits_versions_and_indexes(world) -> None:
    cat = world.cat
    ds = datasets.create_dataset(
        cat, world.curator, bus_data(organization="org-a"), status="published"
    )
    with cat.session() as s:
        stored = s.get(Dataset, ds.id)
        assert stored.title == "保定市公交线路与站点"
        assert stored.organization.name == "org-a"
        assert stored.created_by == world.curator.id
        assert stored.quality_score and stored.quality_score > 0
        assert len(stored.distributions) == 1

    events = audit_of(cat, ds.id)
    assert [(e.action, e.actor_id) for e in events] == [("dataset.create", world.curator.id)]
    assert events[0].object_type == "dataset"
    assert events[0].at is not None

    vs = versions_of(cat, ds.id)
    assert [v.number for v in vs] == [1]
    assert vs[0].data["title"] == "保定市公交线路与站点"
    assert vs[0].data["distributions"][0]["download_url"] == "https://example.cn/bus.csv"
    assert vs[0].actor_id == world.curator.id

    # findable at once, and the outbox is drained
    assert ids_found(cat, "公交") == [ds.id]
    assert ids_found(cat, "bus stops") == [ds.id]
    assert count(cat, IndexOutbox) == 0


def test_drafts_and_submissions_are_not_searchable(world) -> None:
    cat = world.cat
    ds = datasets.create_dataset(cat, world.alice, bus_data(organization="org-a"))
    assert ds.status == "draft"
    assert ids_found(cat, "公交") == []
    datasets.change_status(cat, world.alice, ds.id, "submitted")
    assert ids_found(cat, "公交") == []
    datasets.publish_dataset(cat, world.curator, ds.id)
    assert ids_found(cat, "公交") == [ds.id]


def test_every_change_keeps_a_version_and_an_audit_event(world) -> None:
    cat = world.cat
    ds = datasets.create_dataset(cat, world.alice, bus_data(organization="org-a"))
    datasets.update_dataset(cat, world.alice, ds.id, {"title": "公交线路（修订）"}, note="typo")
    datasets.change_status(cat, world.alice, ds.id, "submitted", note="please review")
    datasets.change_status(cat, world.curator, ds.id, "published", note="ok")

    vs = versions_of(cat, ds.id)
    assert [v.number for v in vs] == [1, 2, 3, 4]
    assert vs[0].data["title"] == "保定市公交线路与站点"
    assert vs[1].data["title"] == "公交线路（修订）"
    assert [v.data["status"] for v in vs] == ["draft", "draft", "submitted", "published"]

    events = audit_of(cat, ds.id)
    assert [(e.action, e.actor_id, e.note) for e in events] == [
        ("dataset.create", world.alice.id, None),
        ("dataset.update", world.alice.id, "typo"),
        ("dataset.submitted", world.alice.id, "please review"),
        ("dataset.published", world.curator.id, "ok"),
    ]
    assert events[1].data == {"fields": ["modified", "title"]}
    assert events[3].data == {"from": "submitted", "to": "published"}


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"title": ""}, "title"),
        ({"themes": ["nope"]}, "themes"),
        ({"distributions": [{"title": "no link"}]}, "distributions"),
        ({"organization": "no-such-org"}, "organization"),
        ({"temporal_start": "2024-05-01", "temporal_end": "2023-01-01"}, "temporal_end"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_invalid_input_raises_with_field_errors_and_stores_nothing(world, bad, field) -> None:
    cat = world.cat
    datasets.create_dataset(cat, world.curator, bus_data(organization="org-a"), status="published")
    before = counts(cat)
    with pytest.raises(ValidationFailed) as err:
        datasets.create_dataset(cat, world.curator, bus_data(**bad), status="published")
    assert field in err.value.messages
    assert field in err.value.localized("zh")
    assert counts(cat) == before
    assert cat.search.count() == 1


def test_duplicate_name_stores_nothing(world) -> None:
    cat = world.cat
    datasets.create_dataset(cat, world.curator, bus_data(name="bus"))
    before = counts(cat)
    with pytest.raises(ValidationFailed) as err:
        datasets.create_dataset(cat, world.curator, bus_data(name="bus"))
    assert err.value.localized("zh") == {"name": ["已存在同名（标识名）的数据集。"]}
    assert counts(cat) == before


def test_invalid_update_changes_nothing(world) -> None:
    cat = world.cat
    ds = datasets.create_dataset(cat, world.curator, bus_data(), status="published")
    before = counts(cat)
    with pytest.raises(ValidationFailed) as err:
        datasets.update_dataset(cat, world.curator, ds.id, {"title": "新", "contact_email": "x"})
    assert list(err.value.messages) == ["contact_email"]
    assert counts(cat) == before
    assert datasets.get_dataset(cat, SYSTEM, ds.id).title == "保定市公交线路与站点"


# -- permissions ----------------------------------------------------------------------------
def test_anonymous_cannot_create(world) -> None:
    before = counts(world.cat)
    with pytest.raises(PermissionDenied):
        datasets.create_dataset(world.cat, ANONYMOUS, bus_data(organization="org-a"))
    with pytest.raises(PermissionDenied):
        datasets.create_dataset(world.cat, ANONYMOUS, bus_data())
    assert counts(world.cat) == before


def test_registered_user_cannot_create_for_an_organization_they_are_not_in(world) -> None:
    with pytest.raises(PermissionDenied):
        datasets.create_dataset(world.cat, world.outsider, bus_data(organization="org-a"))
    with pytest.raises(PermissionDenied):
        datasets.create_dataset(world.cat, world.alice, bus_data(organization="org-b"))


def test_member_cannot_publish_directly(world) -> None:
    before = counts(world.cat)
    with pytest.raises(PermissionDenied):
        datasets.create_dataset(
            world.cat, world.alice, bus_data(organization="org-a"), status="published"
        )
    assert counts(world.cat) == before


def test_member_of_a_cannot_touch_org_b(world) -> None:
    cat = world.cat
    draft = datasets.create_dataset(cat, world.bob, bus_data(organization="org-b", name="b-draft"))
    # alice cannot see bob's draft: it looks exactly like a missing one
    with pytest.raises(NotFound):
        datasets.get_dataset(cat, world.alice, draft.id)
    with pytest.raises(NotFound):
        datasets.get_dataset(cat, world.alice, "b-draft")
    with pytest.raises(NotFound):
        datasets.get_dataset(cat, ANONYMOUS, draft.id)
    with pytest.raises(PermissionDenied):
        datasets.update_dataset(cat, world.alice, draft.id, {"title": "hijacked"})
    with pytest.raises(PermissionDenied):
        datasets.change_status(cat, world.alice, draft.id, "submitted")
    assert datasets.get_dataset(cat, world.bob, draft.id).title == "保定市公交线路与站点"
    assert datasets.get_dataset(cat, world.bob, draft.id).status == "draft"


def test_member_cannot_move_a_dataset_into_another_organization(world) -> None:
    ds = datasets.create_dataset(world.cat, world.alice, bus_data(organization="org-a"))
    with pytest.raises(PermissionDenied):
        datasets.update_dataset(world.cat, world.alice, ds.id, {"organization": "org-b"})
    assert datasets.get_dataset(world.cat, SYSTEM, ds.id).organization.name == "org-a"


def test_curator_can_see_and_edit_any_draft(world) -> None:
    cat = world.cat
    draft = datasets.create_dataset(cat, world.bob, bus_data(organization="org-b"))
    assert datasets.get_dataset(cat, world.curator, draft.id).id == draft.id
    datasets.update_dataset(cat, world.curator, draft.id, {"title": "馆员修订"})
    assert datasets.get_dataset(cat, world.bob, draft.id).title == "馆员修订"


def test_published_datasets_are_public(world) -> None:
    ds = datasets.create_dataset(
        world.cat, world.curator, bus_data(organization="org-b"), status="published"
    )
    assert datasets.get_dataset(world.cat, ANONYMOUS, ds.id).title == "保定市公交线路与站点"
    assert datasets.get_dataset(world.cat, world.alice, ds.name).id == ds.id


def test_restricted_distributions_are_hidden_from_others(world) -> None:
    data = bus_data(organization="org-b", access_rights="conditional")
    data["distributions"] = [
        {"title": "公开样例", "download_url": "https://example.cn/sample.csv"},
        {"title": "全量", "download_url": "https://example.cn/full.csv", "restricted": True},
    ]
    ds = datasets.create_dataset(world.cat, world.curator, data, status="published")
    got = datasets.get_dataset(world.cat, ANONYMOUS, ds.id)
    assert [d.title for d in datasets.visible_distributions(ANONYMOUS, got)] == ["公开样例"]
    assert [d.title for d in datasets.visible_distributions(world.alice, got)] == ["公开样例"]
    assert len(datasets.visible_distributions(world.bob, got)) == 2


def test_unconditional_datasets_cannot_restrict_distributions(world) -> None:
    data = bus_data()
    data["distributions"][0]["restricted"] = True
    ds = datasets.create_dataset(world.cat, world.curator, data)
    assert [d.restricted for d in datasets.get_dataset(world.cat, SYSTEM, ds.id).distributions] == [
        False
    ]


def test_unknown_dataset_is_not_found(world) -> None:
    with pytest.raises(NotFound):
        datasets.get_dataset(world.cat, SYSTEM, "does-not-exist")
    with pytest.raises(NotFound):
        datasets.update_dataset(world.cat, SYSTEM, "does-not-exist", {"title": "x"})


# -- workflow -------------------------------------------------------------------------------
def test_status_workflow(world) -> None:
    cat = world.cat
    ds = datasets.create_dataset(cat, world.alice, bus_data(organization="org-a"))
    assert datasets.change_status(cat, world.alice, ds.id, "submitted").status == "submitted"
    with pytest.raises(PermissionDenied):  # only the bureau publishes
        datasets.change_status(cat, world.alice, ds.id, "published")
    assert datasets.publish_dataset(cat, world.curator, ds.id).status == "published"
    assert datasets.withdraw_dataset(cat, world.alice, ds.id, "data outdated").status == "withdrawn"
    got = datasets.get_dataset(cat, ANONYMOUS, ds.id)
    assert got.status == "withdrawn"
    assert got.status_note == "data outdated"


def test_reject_and_resubmit(world) -> None:
    cat = world.cat
    ds = datasets.create_dataset(cat, world.alice, bus_data(organization="org-a"))
    datasets.change_status(cat, world.alice, ds.id, "submitted")
    with pytest.raises(PermissionDenied):
        datasets.change_status(cat, world.alice, ds.id, "rejected")
    datasets.change_status(cat, world.curator, ds.id, "rejected", note="缺少许可协议")
    assert datasets.change_status(cat, world.alice, ds.id, "submitted").status == "submitted"


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ([], "withdrawn"),  # draft -> withdrawn
        ([], "rejected"),  # draft -> rejected
        ([], "draft"),  # draft -> draft
        (["submitted", "published"], "submitted"),  # published -> submitted
        (["submitted", "published"], "draft"),
        (["submitted", "published", "withdrawn"], "submitted"),
        (["submitted"], "withdrawn"),
        ([], "archived"),  # not a status at all
    ],
)
def test_illegal_jumps_raise_conflict(world, path, illegal) -> None:
    cat = world.cat
    ds = datasets.create_dataset(cat, world.alice, bus_data(organization="org-a"))
    for to in path:
        datasets.change_status(cat, world.curator, ds.id, to)
    before = counts(cat)
    with pytest.raises(Conflict):
        datasets.change_status(cat, world.curator, ds.id, illegal)
    assert counts(cat) == before
    assert datasets.get_dataset(cat, SYSTEM, ds.id).status == (path or ["draft"])[-1]


def test_withdraw_removes_from_search_at_once_and_republish_restores(world) -> None:
    cat = world.cat
    ds = datasets.create_dataset(cat, world.curator, bus_data(), status="published")
    other = datasets.create_dataset(
        cat, world.curator, bus_data(title="公交客流统计"), status="published"
    )
    assert sorted(ids_found(cat, "公交")) == sorted([ds.id, other.id])
    datasets.withdraw_dataset(cat, world.curator, ds.id, "停止维护")
    assert ids_found(cat, "公交") == [other.id]
    assert cat.search.count() == 1
    datasets.publish_dataset(cat, world.curator, ds.id)
    assert sorted(ids_found(cat, "公交")) == sorted([ds.id, other.id])


def test_update_reindexes(world) -> None:
    cat = world.cat
    ds = datasets.create_dataset(cat, world.curator, bus_data(), status="published")
    assert ids_found(cat, "公交") == [ds.id]
    datasets.update_dataset(
        cat,
        world.curator,
        ds.id,
        {
            "title": "保定市空气质量监测",
            "title_en": "Air quality",
            "description": "PM2.5 小时值",
            "keywords": ["空气"],
            "distributions": [],
        },
    )
    assert ids_found(cat, "空气质量") == [ds.id]
    assert ids_found(cat, "air quality") == [ds.id]
    assert ids_found(cat, "公交") == []
    assert ids_found(cat, "bus") == []
    hit = cat.search.search(SearchQuery(text="空气质量")).hits[0]
    assert hit.doc["title"] == "保定市空气质量监测"
    assert cat.search.count() == 1


def test_update_keeps_untouched_fields(world) -> None:
    cat = world.cat
    ds = datasets.create_dataset(cat, world.curator, bus_data(organization="org-a"))
    datasets.update_dataset(cat, world.curator, ds.id, {"title_en": "Bus"})
    got = datasets.get_dataset(cat, SYSTEM, ds.id)
    assert got.title_en == "Bus"
    assert got.title == "保定市公交线路与站点"
    assert got.keywords == ["公交", "站点"]
    assert got.organization.name == "org-a"
    assert len(got.distributions) == 1


def test_count_by_status(world) -> None:
    cat = world.cat
    datasets.create_dataset(cat, world.curator, bus_data())
    datasets.create_dataset(cat, world.curator, bus_data(), status="published")
    datasets.create_dataset(cat, world.curator, bus_data(), status="published")
    assert datasets.count_by_status(cat) == {"draft": 1, "published": 2}


# -- organizations --------------------------------------------------------------------------
def test_only_curators_create_organizations(cat) -> None:
    with pytest.raises(PermissionDenied):
        organizations.create_organization(cat, ANONYMOUS, ORG_A)
    org = organizations.create_organization(cat, SYSTEM, ORG_A)
    assert organizations.get_organization(cat, "org-a").id == org.id
    with pytest.raises(ValidationFailed):
        organizations.create_organization(cat, SYSTEM, ORG_A)
    with pytest.raises(ValidationFailed) as err:
        organizations.create_organization(cat, SYSTEM, {"title": "某公司", "credit_code": "123"})
    assert "credit_code" in err.value.messages


def test_partner_status_workflow(cat) -> None:
    organizations.create_organization(cat, SYSTEM, {**ORG_A, "org_type": "enterprise"})
    organizations.set_partner_status(cat, SYSTEM, "org-a", "applied")
    with pytest.raises(PermissionDenied):
        organizations.set_partner_status(cat, ANONYMOUS, "org-a", "verified")
    organizations.set_partner_status(cat, SYSTEM, "org-a", "verified", note="材料齐全")
    with pytest.raises(Conflict):
        organizations.set_partner_status(cat, SYSTEM, "org-a", "applied")
    assert organizations.get_organization(cat, "org-a").partner_status == "verified"


# -- users ----------------------------------------------------------------------------------
def test_passwords_are_hashed_and_authenticate(cat) -> None:
    user = users.create_user(cat, SYSTEM, "Zhang.San@Example.CN", "张三", "correct horse 1")
    with cat.session() as s:
        stored = s.get(User, user.id)
        assert stored.email == "zhang.san@example.cn"
        assert "correct horse 1" not in stored.password_hash
        assert stored.password_hash.startswith(("scrypt:", "pbkdf2:"))
    ok = users.authenticate(cat, "zhang.san@example.cn", "correct horse 1")
    assert ok is not None and ok.id == user.id
    assert users.authenticate(cat, " ZHANG.SAN@example.cn ", "correct horse 1").id == user.id
    assert users.authenticate(cat, "zhang.san@example.cn", "wrong password") is None
    assert users.authenticate(cat, "zhang.san@example.cn", "") is None
    assert users.authenticate(cat, "nobody@example.cn", "correct horse 1") is None
    with cat.session() as s:
        assert s.get(User, user.id).last_login_at is not None


def test_same_password_gives_different_hashes(cat) -> None:
    a = users.create_user(cat, SYSTEM, "a@example.cn", "A", "same-password")
    b = users.create_user(cat, SYSTEM, "b@example.cn", "B", "same-password")
    assert a.password_hash != b.password_hash


def test_inactive_users_cannot_log_in_and_act_as_anonymous(cat) -> None:
    user = users.create_user(cat, SYSTEM, "old@example.cn", "Old", "password-123")
    with cat.session() as s:
        s.get(User, user.id).active = False
    assert users.authenticate(cat, "old@example.cn", "password-123") is None
    assert not Actor.of(users.get_user(cat, user.id)).is_authenticated


def test_user_rules(cat) -> None:
    with pytest.raises(ValidationFailed) as err:
        users.create_user(cat, SYSTEM, "short@example.cn", "S", "short")
    assert "password" in err.value.messages
    with pytest.raises(ValidationFailed) as err:
        users.create_user(cat, SYSTEM, "not-an-email", "S", "long-enough-1")
    assert "email" in err.value.messages
    users.create_user(cat, SYSTEM, "dup@example.cn", "D", "long-enough-1")
    with pytest.raises(ValidationFailed):
        users.create_user(cat, SYSTEM, "DUP@example.cn", "D2", "long-enough-2")
    curator = Actor(id="x", role="curator")
    with pytest.raises(PermissionDenied):  # staff accounts need a sysadmin
        users.create_user(cat, curator, "staff@example.cn", "S", "long-enough-1", role="sysadmin")
    assert count(cat, User) == 1


def test_membership_gives_org_roles(cat) -> None:
    organizations.create_organization(cat, SYSTEM, ORG_A)
    u = users.create_user(cat, SYSTEM, "m@example.cn", "M", "password-123")
    assert Actor.of(users.get_user(cat, u.id)).org_roles == {}
    users.add_member(cat, SYSTEM, "org-a", u.id, "admin")
    actor = Actor.of(users.get_user(cat, u.id))
    org = organizations.get_organization(cat, "org-a")
    assert actor.admin_of(org.id) and actor.member_of(org.id)
    # an admin may add members to their own organization, others may not
    v = users.create_user(cat, SYSTEM, "v@example.cn", "V", "password-123")
    users.add_member(cat, actor, "org-a", v.id)
    with pytest.raises(PermissionDenied):
        users.add_member(cat, Actor.of(users.get_user(cat, v.id)), "org-a", u.id, "member")
    assert count(cat, Membership) == 2


# -- configuration --------------------------------------------------------------------------
def test_region_file_setting_configures_another_city(tmp_path: Path, database_url) -> None:
    from catalogtest import build_catalog

    regions = tmp_path / "regions.json"
    regions.write_text(
        json.dumps({"130100": ["石家庄市", "Shijiazhuang"]}, ensure_ascii=False), encoding="utf-8"
    )
    other = build_catalog(
        tmp_path / "sjz", database_url, region_file=str(regions), city_region="130100"
    )
    try:
        ds = datasets.create_dataset(other, SYSTEM, bus_data(spatial=["130100"]))
        assert ds.spatial == ["130100"]
        with pytest.raises(ValidationFailed):
            datasets.create_dataset(other, SYSTEM, bus_data(spatial=["130600"]))
    finally:
        other.dispose()
        vocab.load_regions(None)
