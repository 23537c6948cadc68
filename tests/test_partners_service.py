"""Partner applications, the bureau's decisions, members and invitations (services)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from catalog.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from catalog.models import AuditEvent, Invitation, Membership
from catalog.services import datasets, partners
from catalog.services.authz import ANONYMOUS
from tests.portal import actor, application, bad_check_char, credit_code, folder_mail, make_user


def link(x: str) -> str:
    return f"https://catalog.example/{x}"


@pytest.fixture
def world(cat):
    class W:
        pass

    w = W()
    w.cat = cat
    w.curator = make_user(cat, "curator@bureau.example.cn", "curator")
    w.applicant = make_user(cat, "boss@zhishu.example.cn")
    w.other = make_user(cat, "other@elsewhere.example.cn")
    return w


def test_application_makes_applicant_admin_and_tells_the_curators(world) -> None:
    cat = world.cat
    org = partners.apply(cat, actor(cat, world.applicant), application(1), link)
    assert org.partner_status == "applied"
    assert org.name == "baoding-zhishu-technology-1"
    me = actor(cat, world.applicant)
    assert me.admin_of(org.id)
    mails = folder_mail(cat)
    assert [m["To"] for m in mails] == ["curator@bureau.example.cn"]
    assert "保定智数科技有限公司1" in mails[0]["Subject"]
    assert link(org.name) in mails[0].get_content()


def test_application_checks_every_field(world) -> None:
    cat = world.cat
    me = actor(cat, world.applicant)
    with pytest.raises(ValidationFailed) as err:
        partners.apply(
            cat,
            me,
            application(
                2,
                title_en="",
                credit_code=bad_check_char(credit_code(2)),
                org_type="government",
                contact_email="not-mail",
            ),
        )
    fields = err.value.messages
    assert set(fields) >= {"title_en", "credit_code", "org_type", "contact_email"}
    assert "check character" in fields["credit_code"][0]
    zh = err.value.localized("zh")
    assert zh["credit_code"] == ["统一社会信用代码校验位不正确。"]
    with pytest.raises(PermissionDenied):
        partners.apply(cat, ANONYMOUS, application(3))


def test_credit_code_is_normalised_and_unique(world) -> None:
    cat = world.cat
    code = credit_code(4)
    spaced = " ".join([code[:6], code[6:12], code[12:]]).lower()
    org = partners.apply(cat, actor(cat, world.applicant), application(4, credit_code=spaced))
    assert org.credit_code == code
    with pytest.raises(ValidationFailed) as err:
        partners.apply(cat, actor(cat, world.other), application(5, credit_code=code))
    assert "credit_code" in err.value.messages


def test_curator_verifies_or_rejects_with_a_reason_and_admins_are_told(world) -> None:
    cat = world.cat
    org = partners.apply(cat, actor(cat, world.applicant), application(6))
    cur = actor(cat, world.curator)
    with pytest.raises(PermissionDenied):
        partners.decide(cat, actor(cat, world.applicant), org.name, "verified", None, link)
    with pytest.raises(ValidationFailed) as err:
        partners.decide(cat, cur, org.name, "rejected", "  ", link)
    assert err.value.messages == {"note": ["Give a reason."]}
    org, sent = partners.decide(cat, cur, org.name, "rejected", "营业执照信息不清晰", link)
    assert sent and org.partner_status == "rejected" and org.partner_note == "营业执照信息不清晰"
    last = folder_mail(cat)[-1]
    assert last["To"] == "boss@zhishu.example.cn"
    assert "营业执照信息不清晰" in last.get_content() and "not verified" in last["Subject"]
    # the admin corrects the application and applies again; then it is verified
    again = partners.reapply(
        cat, actor(cat, world.applicant), org.name, {"description": "补充了营业执照。"}
    )
    assert again.partner_status == "applied"
    org, _ = partners.decide(cat, cur, org.name, "verified", None, link)
    assert org.partner_status == "verified"
    assert "已通过认证" in folder_mail(cat)[-1]["Subject"]
    with cat.session() as s:
        actions = list(
            s.execute(
                select(AuditEvent.action)
                .where(AuditEvent.object_id == org.id)
                .order_by(AuditEvent.id)
            ).scalars()
        )
    assert actions == ["partner.applied", "partner.rejected", "partner.applied", "partner.verified"]


def test_only_verified_partners_contribute_datasets(world) -> None:
    cat = world.cat
    org = partners.apply(cat, actor(cat, world.applicant), application(7))
    me = actor(cat, world.applicant)
    with pytest.raises(PermissionDenied):
        datasets.create_dataset(cat, me, {"title": "工业视觉", "organization": org.name})
    partners.decide(cat, actor(cat, world.curator), org.name, "verified", None)
    ds = datasets.create_dataset(cat, me, {"title": "工业视觉", "organization": org.name})
    partners.decide(cat, actor(cat, world.curator), org.name, "suspended", "资质到期")
    with pytest.raises(PermissionDenied):  # a suspended partner cannot submit
        datasets.change_status(cat, me, ds.id, "submitted")


def test_admin_invites_existing_accounts_and_new_people(world) -> None:
    cat = world.cat
    org = partners.apply(cat, actor(cat, world.applicant), application(8))
    admin = actor(cat, world.applicant)
    assert (
        partners.invite(cat, admin, org.name, "OTHER@elsewhere.example.cn", "member", link, link)
        == "added"
    )
    assert actor(cat, world.other).member_of(org.id)
    assert "You were added" in folder_mail(cat)[-1]["Subject"]
    with pytest.raises(ValidationFailed):  # already a member
        partners.invite(cat, admin, org.name, "other@elsewhere.example.cn", "member", link, link)

    assert partners.invite(cat, admin, org.name, "new@zhishu.example.cn", "admin", link, link) == (
        "invited"
    )
    body = folder_mail(cat)[-1].get_content()
    token = re.search(r"https://catalog.example/(\S+)", body).group(1)
    with cat.session() as s:
        stored = s.execute(select(Invitation)).scalar_one()
        assert stored.token_hash != token and token not in stored.token_hash
    info = partners.invitation_info(cat, token)
    assert info[0].id == org.id and info[1].role == "admin"
    newcomer = make_user(cat, "new@zhishu.example.cn")
    # a different account cannot use a forwarded link
    with pytest.raises(ValidationFailed):
        partners.accept_invitation(cat, actor(cat, world.other), token, world.other.email)
    joined = partners.accept_invitation(cat, actor(cat, newcomer), token, newcomer.email)
    assert joined.id == org.id and actor(cat, newcomer).admin_of(org.id)
    with pytest.raises(NotFound):  # used once
        partners.accept_invitation(cat, actor(cat, newcomer), token, newcomer.email)


def test_members_cannot_do_what_only_admins_may(world) -> None:
    cat = world.cat
    org = partners.apply(cat, actor(cat, world.applicant), application(9))
    admin = actor(cat, world.applicant)
    partners.invite(cat, admin, org.name, world.other.email, "member", link, link)
    member = actor(cat, world.other)
    third = make_user(cat, "third@zhishu.example.cn")
    with pytest.raises(PermissionDenied):
        partners.invite(cat, member, org.name, third.email, "member", link, link)
    with pytest.raises(PermissionDenied):
        partners.set_member_role(cat, member, org.name, world.other.id, "admin")
    with pytest.raises(PermissionDenied):
        partners.remove_member(cat, member, org.name, world.applicant.id)
    with pytest.raises(PermissionDenied):
        partners.update_profile(cat, member, org.name, {"description": "改"})
    rows, invites = partners.members(cat, member, org.name)
    assert {r.email for r in rows} == {world.applicant.email, world.other.email}
    assert invites == []  # open invitations are for admins
    with pytest.raises(PermissionDenied):  # outsiders do not see the member list
        partners.members(cat, actor(cat, third), org.name)


def test_organization_keeps_an_admin(world) -> None:
    cat = world.cat
    org = partners.apply(cat, actor(cat, world.applicant), application(10))
    admin = actor(cat, world.applicant)
    with pytest.raises(Conflict):
        partners.set_member_role(cat, admin, org.name, world.applicant.id, "member")
    with pytest.raises(Conflict):
        partners.remove_member(cat, admin, org.name, world.applicant.id)
    partners.invite(cat, admin, org.name, world.other.email, "admin", link, link)
    partners.remove_member(cat, admin, org.name, world.applicant.id)
    with cat.session() as s:
        roles = dict(
            s.execute(
                select(Membership.user_id, Membership.role).where(
                    Membership.organization_id == org.id
                )
            ).all()
        )
    assert roles == {world.other.id: "admin"}


def test_profile_changes_keep_verified_names(world) -> None:
    cat = world.cat
    org = partners.apply(cat, actor(cat, world.applicant), application(11))
    admin = actor(cat, world.applicant)
    updated = partners.update_profile(
        cat, admin, org.name, {"description": "新的介绍", "title": "改名公司"}
    )
    assert updated.description == "新的介绍" and updated.title == "保定智数科技有限公司11"
    with pytest.raises(ValidationFailed):
        partners.update_profile(cat, admin, org.name, {"homepage": "not a url"})


def test_pending_applications_oldest_first(world) -> None:
    cat = world.cat
    a = partners.apply(cat, actor(cat, world.applicant), application(12))
    b = partners.apply(cat, actor(cat, world.other), application(13))
    rows = partners.pending_applications(cat, actor(cat, world.curator))
    assert [o.id for o, _at in rows] == [a.id, b.id]
    with pytest.raises(PermissionDenied):
        partners.pending_applications(cat, actor(cat, world.applicant))
    assert [o.id for o, _n in partners.list_partners(cat)] == []
