"""Access requests (issue 5), services: applying, review states, due dates, grants and the
signed downloads checked at download time, audit, matchmaking. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from catalog.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from catalog.models import AccessRequest, AuditEvent
from catalog.services import access, datasets, organizations, published, users
from catalog.services.authz import ANONYMOUS, SYSTEM
from tests.portal import actor, credit_code, folder_mail, make_user

SECRET = "https://holder.example/secret.zip"


def link(rid: int) -> str:
    return f"https://catalog.example/access/request/{rid}"


@pytest.fixture
def w(cat):
    class W:
        pass

    w = W()
    w.cat = cat
    organizations.create_organization(
        cat, SYSTEM, {"name": "holder", "title": "保定数据持有方", "org_type": "enterprise"}
    )
    w.admin = make_user(cat, "admin@holder.example.cn")
    w.member = make_user(cat, "member@holder.example.cn")
    w.firm = make_user(cat, "ai@firm.example.cn")
    w.other = make_user(cat, "other@else.example.cn")
    w.curator = make_user(cat, "curator@bureau.example.cn", "curator")
    users.add_member(cat, SYSTEM, "holder", w.admin.id, role="admin")
    users.add_member(cat, SYSTEM, "holder", w.member.id)

    def make(name: str, openness: str, review_by: str = "publisher"):
        return datasets.create_dataset(
            cat,
            SYSTEM,
            {
                "name": name,
                "title": f"数据集{name}",
                "organization": "holder",
                "access_rights": openness,
                "access_conditions": "仅限模型训练",
                "review_by": review_by,
                "distributions": [
                    {"title": "样例", "download_url": f"https://holder.example/{name}.csv"},
                    {"title": "全量", "download_url": SECRET, "restricted": True},
                ],
            },
            status="published",
        )

    w.ds = make("cond", "conditional")
    w.bureau_ds = make("cond-bureau", "conditional", "bureau")
    w.open_ds = make("open", "unconditional")
    w.closed_ds = make("closed", "not_open")
    return w


def form(**extra: object) -> dict:
    return {
        "applicant_org": "保定智算科技有限公司",
        "applicant_credit_code": credit_code(7),
        "purpose": "训练医疗影像模型",
        "scenario": "辅助诊断",
        "security_measures": "内网隔离，专人管理",
        "period_end": (date.today() + timedelta(days=90)).isoformat(),
        "accepted_conditions": "on",
        "security_commitment": "on",
        **extra,
    }


def test_working_days() -> None:
    fri = date(2026, 11, 27)
    assert access.add_working_days(fri, 1) == date(2026, 11, 30)
    assert access.add_working_days(fri, 10) == date(2026, 12, 11)


def test_applying_checks_everything(w) -> None:
    cat, firm = w.cat, actor(w.cat, w.firm)
    with pytest.raises(ValidationFailed) as err:
        access.submit_request(
            cat, firm, "cond", form(applicant_credit_code="91130600MA0000000X", purpose="")
        )
    assert {"applicant_credit_code", "purpose"} <= set(err.value.messages)
    with pytest.raises(ValidationFailed) as err:
        access.submit_request(cat, firm, "cond", form(security_commitment=""))
    assert "security_commitment" in err.value.messages
    with pytest.raises(Conflict):
        access.submit_request(cat, firm, "closed", form())
    with pytest.raises(Conflict):
        access.submit_request(cat, firm, "open", form())
    with pytest.raises(PermissionDenied):
        access.submit_request(cat, ANONYMOUS, "cond", form())
    req = access.submit_request(cat, firm, "cond", form(), address="10.0.0.1", link=link)
    assert req.state == "submitted"
    assert req.due_date == access.add_working_days(date.today(), 10)
    with pytest.raises(Conflict):  # one open request per dataset and person
        access.submit_request(cat, firm, "cond", form())
    # the publisher's admin is told
    assert any("admin@holder.example.cn" in m["To"] for m in folder_mail(cat))


def test_full_loop_grant_download_revoke_expire(w) -> None:
    cat = w.cat
    firm, admin, member, other = (actor(cat, u) for u in (w.firm, w.admin, w.member, w.other))
    req = access.submit_request(cat, firm, "cond", form(), link=link)
    # only reviewers decide: a plain member of the holder is no reviewer
    with pytest.raises(NotFound):
        access.change_state(cat, member, req.id, "approved", end=date.today())
    with pytest.raises(NotFound):
        access.get_request(cat, other, req.id)
    with pytest.raises(ValidationFailed):
        access.change_state(cat, admin, req.id, "needs_info", "")
    access.change_state(cat, admin, req.id, "needs_info", "请补充安全措施", link=link)
    with pytest.raises(PermissionDenied):  # the reviewer cannot answer for the requester
        access.change_state(cat, admin, req.id, "submitted", "x")
    access.change_state(cat, firm, req.id, "submitted", "已补充", link=link)
    end = date.today() + timedelta(days=30)
    access.change_state(cat, admin, req.id, "approved", end=end, conditions="不得转让", link=link)
    got = access.get_request(cat, firm, req.id)
    assert got.req.state == "approved" and got.req.period_end == end and got.active
    assert [e["action"] for e in access.history(cat, firm, req.id)] == [
        "access.submitted", "access.needs_info", "access.submitted", "access.approved",
    ]  # fmt: skip
    assert any("已批准" in m["Subject"] for m in folder_mail(cat))

    # the grant opens the restricted distribution, through a signed link only
    granted = access.with_grants(cat, firm)
    assert w.ds.id in granted.grants
    ds = datasets.get_dataset(cat, granted, "cond")
    record = published.dataset_record(granted, ds, lambda d: f"/access/download/T-{d}")
    assert len(record["distributions"]) == 2 and SECRET not in str(record)
    assert SECRET not in str(published.dataset_record(granted, ds))
    outsider = access.with_grants(cat, other)
    assert len(datasets.visible_distributions(outsider, ds)) == 1
    dist = next(d for d in ds.distributions if d.restricted)
    token = access.sign_download(cat, firm, dist.id)
    assert access.open_download(cat, firm, token, "10.0.0.2").url == SECRET
    with pytest.raises(PermissionDenied):  # somebody else's link
        access.open_download(cat, other, token)
    with pytest.raises(NotFound):
        access.open_download(cat, firm, token + "x")

    # past the end date: the same link stops at once (before any expiry job ran)
    with cat.session() as s:
        s.execute(
            update(AccessRequest)
            .where(AccessRequest.id == req.id)
            .values(period_end=date.today() - timedelta(days=1))
        )
    with pytest.raises(PermissionDenied):
        access.open_download(cat, firm, token)
    assert w.ds.id not in access.with_grants(cat, firm).grants
    assert access.expire_due(cat) == 1
    assert access.get_request(cat, firm, req.id).req.state == "expired"
    # downloads and refusals are on record, with the address
    _ds, log = access.dataset_audit(cat, actor(cat, w.curator), "cond")
    actions = [e["action"] for e in log]
    assert "access.download" in actions and "access.download_refused" in actions
    assert any(e["address"] == "10.0.0.2" for e in log)
    assert "access.expired" in access.audit_csv(log)
    with pytest.raises(PermissionDenied):
        access.dataset_audit(cat, admin, "cond")


def test_revoked_grant_fails_at_once(w) -> None:
    cat = w.cat
    firm, cur = actor(cat, w.firm), actor(cat, w.curator)
    req = access.submit_request(cat, firm, "cond", form())
    access.change_state(cat, cur, req.id, "approved", end=date.today() + timedelta(days=5))
    dist = next(d for d in w.ds.distributions if d.restricted)
    token = access.sign_download(cat, firm, dist.id)
    assert access.open_download(cat, firm, token).url == SECRET
    with pytest.raises(ValidationFailed):
        access.change_state(cat, cur, req.id, "revoked", "")
    access.change_state(cat, cur, req.id, "revoked", "违反使用条件")
    with pytest.raises(PermissionDenied):
        access.open_download(cat, firm, token)
    with pytest.raises(Conflict):
        access.change_state(cat, cur, req.id, "approved", end=date.today())


def test_bureau_reviewed_datasets_and_withdrawal(w) -> None:
    cat = w.cat
    firm, admin, cur = actor(cat, w.firm), actor(cat, w.admin), actor(cat, w.curator)
    req = access.submit_request(cat, firm, "cond-bureau", form())
    assert access.review_queue(cat, admin) == []
    assert [v.req.id for v in access.review_queue(cat, cur)] == [req.id]
    with pytest.raises(NotFound):
        access.change_state(cat, admin, req.id, "rejected", "no")
    access.change_state(cat, firm, req.id, "withdrawn")
    with pytest.raises(Conflict):
        access.change_state(cat, cur, req.id, "approved", end=date.today())
    req2 = access.submit_request(cat, firm, "cond-bureau", form())
    access.change_state(cat, cur, req2.id, "rejected", "用途不明确")
    assert access.get_request(cat, firm, req2.id).req.decision_note == "用途不明确"


def test_overdue_reminders_once_a_day(w) -> None:
    cat = w.cat
    req = access.submit_request(cat, actor(cat, w.firm), "cond", form())
    with cat.session() as s:
        s.execute(
            update(AccessRequest)
            .where(AccessRequest.id == req.id)
            .values(due_date=date.today() - timedelta(days=1))
        )
    queue = access.review_queue(cat, actor(cat, w.admin))
    assert queue[0].overdue
    assert access.remind_overdue(cat, link=link) == 1
    assert access.remind_overdue(cat, link=link) == 0
    assert any("超期" in m["Subject"] for m in folder_mail(cat))


def test_matchmaking_per_holder_and_month(w) -> None:
    cat = w.cat
    cur = actor(cat, w.curator)
    for who in (w.firm, w.other):
        req = access.submit_request(cat, actor(cat, who), "cond", form())
        access.change_state(cat, cur, req.id, "approved", end=date.today() + timedelta(days=9))
    rows = access.matchmaking(cat, cur)
    assert rows == [
        {
            "holder": "保定数据持有方",
            "holder_en": "保定数据持有方",
            "month": date.today().strftime("%Y-%m"),
            "approved": 2,
            "requesters": 2,
            "datasets": 1,
        }
    ]
    text = access.matchmaking_csv(access.matchmaking_records(cat, cur))
    assert text.count("保定数据持有方") == 2 and credit_code(7) in text
    with pytest.raises(PermissionDenied):
        access.matchmaking(cat, actor(cat, w.firm))
    with cat.session() as s:
        n = s.execute(select(AuditEvent).where(AuditEvent.action == "access.approved")).all()
    assert len(n) == 2


def test_cli_access_remind_and_expire(tmp_path, monkeypatch) -> None:
    from click.testing import CliRunner

    from catalog.context import open_catalog
    from cli import main

    monkeypatch.setenv("CATALOG_INSTANCE", str(tmp_path))
    cat = open_catalog()
    cat.migrate()
    cat.create_index_if_missing()
    organizations.create_organization(cat, SYSTEM, {"name": "holder-org", "title": "持有方"})
    datasets.create_dataset(
        cat,
        SYSTEM,
        {
            "name": "cond-data",
            "title": "有条件数据",
            "organization": "holder-org",
            "access_rights": "conditional",
            "distributions": [{"title": "全量", "download_url": SECRET, "restricted": True}],
        },
        status="published",
    )
    make_user(cat, "cur@bureau.example.cn", "curator")
    firm = make_user(cat, "f@firm.example.cn")
    old = access.submit_request(cat, actor(cat, firm), "cond-data", form())
    access.change_state(cat, SYSTEM, old.id, "approved", end=date.today())
    with cat.session() as s:
        s.execute(
            update(AccessRequest)
            .where(AccessRequest.id == old.id)
            .values(period_end=date.today() - timedelta(days=2))
        )
    late = access.submit_request(cat, actor(cat, firm), "cond-data", form())
    with cat.session() as s:
        s.execute(
            update(AccessRequest)
            .where(AccessRequest.id == late.id)
            .values(due_date=date.today() - timedelta(days=1))
        )
    cat.dispose()
    runner = CliRunner()
    r = runner.invoke(main, ["access", "expire"])
    assert r.exit_code == 0 and "1 grants expired" in r.output, r.output
    r = runner.invoke(main, ["access", "remind"])
    assert r.exit_code == 0 and "1 reminders sent" in r.output, r.output
    cat = open_catalog()
    assert access.get_request(cat, SYSTEM, old.id).req.state == "expired"
    cat.dispose()


def test_a_grant_opens_only_the_resources_asked_for(w) -> None:
    cat = w.cat
    ds = datasets.create_dataset(
        cat,
        SYSTEM,
        {
            "name": "two-parts",
            "title": "两部分数据",
            "organization": "holder",
            "access_rights": "conditional",
            "distributions": [
                {"title": "甲", "download_url": "https://holder.example/a.zip", "restricted": True},
                {"title": "乙", "download_url": "https://holder.example/b.zip", "restricted": True},
            ],
        },
        status="published",
    )
    first, second = ds.distributions
    firm = actor(cat, w.firm)
    with pytest.raises(ValidationFailed):
        access.submit_request(cat, firm, "two-parts", form(distribution_ids=["nope"]))
    req = access.submit_request(cat, firm, "two-parts", form(distribution_ids=[first.id]))
    access.change_state(cat, SYSTEM, req.id, "approved", end=date.today() + timedelta(days=3))
    granted = access.with_grants(cat, firm)
    ds = datasets.get_dataset(cat, granted, "two-parts")
    assert [d.id for d in datasets.visible_distributions(granted, ds)] == [first.id]
    assert access.open_download(cat, firm, access.sign_download(cat, firm, first.id)).url
    with pytest.raises(PermissionDenied):
        access.open_download(cat, firm, access.sign_download(cat, firm, second.id))


def test_review_by_stays_with_the_bureau(w) -> None:
    """Issue 13, item 2: the publisher cannot move the review of its dataset away from the
    bureau to approve, through its own admin, a request addressed to the bureau."""
    cat = w.cat
    firm, admin, member, cur = (actor(cat, u) for u in (w.firm, w.admin, w.member, w.curator))
    req = access.submit_request(cat, firm, "cond-bureau", form())
    for who in (admin, member):
        with pytest.raises(ValidationFailed) as err:
            datasets.update_dataset(cat, who, "cond-bureau", {"review_by": "publisher"})
        assert set(err.value.messages) == {"review_by"}
    assert datasets.get_dataset(cat, SYSTEM, "cond-bureau").review_by == "bureau"
    assert access.review_queue(cat, admin) == []
    with pytest.raises(NotFound):
        access.change_state(cat, admin, req.id, "approved", end=date.today())
    # not even the bureau hands over requests already addressed to it
    with pytest.raises(Conflict, match="review_by"):
        datasets.update_dataset(cat, cur, "cond-bureau", {"review_by": "publisher"})
    access.change_state(cat, cur, req.id, "rejected", "用途不明确")
    datasets.update_dataset(cat, cur, "cond-bureau", {"review_by": "publisher"})
    assert datasets.get_dataset(cat, SYSTEM, "cond-bureau").review_by == "publisher"


def test_a_grant_works_from_its_start_date(w) -> None:
    """Issue 13, item 3: a grant starting tomorrow opens nothing today, on any path."""
    cat = w.cat
    firm, cur = actor(cat, w.firm), actor(cat, w.curator)
    tomorrow = date.today() + timedelta(days=1)
    req = access.submit_request(cat, firm, "cond", form(period_start=tomorrow.isoformat()))
    access.change_state(cat, cur, req.id, "approved", end=date.today() + timedelta(days=30))
    got = access.get_request(cat, firm, req.id)
    assert got.req.state == "approved" and got.req.period_start == tomorrow
    assert not got.active
    assert not access.is_active(got.req) and access.is_active(got.req, on=tomorrow)
    # no grant on the actor: the dataset shows only its public resource
    granted = access.with_grants(cat, firm)
    assert w.ds.id not in granted.grants
    ds = datasets.get_dataset(cat, granted, "cond")
    assert len(datasets.visible_distributions(granted, ds)) == 1
    assert SECRET not in str(published.dataset_record(granted, ds, lambda d: f"/dl/{d}"))
    # a signed link made anyway is refused at download, saying when it starts, and audited
    dist = next(d for d in ds.distributions if d.restricted)
    token = access.sign_download(cat, firm, dist.id)
    with pytest.raises(access.NotStarted) as err:
        access.open_download(cat, firm, token)
    assert err.value.start == tomorrow and tomorrow.isoformat() in str(err.value)
    with cat.session() as s:
        refused = s.execute(
            select(AuditEvent).where(AuditEvent.action == "access.download_refused")
        ).scalars()
        assert len(list(refused)) == 1
    # from the start date on it works
    with cat.session() as s:
        s.execute(
            update(AccessRequest)
            .where(AccessRequest.id == req.id)
            .values(period_start=date.today())
        )
    assert w.ds.id in access.with_grants(cat, firm).grants
    assert access.open_download(cat, firm, token).url == SECRET


def test_the_reviewer_sets_when_a_grant_starts(w) -> None:
    """Issue 13, item 3: the reviewer can move the start (the grant then opens on that day,
    not before) and a start after the end is refused, naming the field."""
    cat = w.cat
    firm, cur = actor(cat, w.firm), actor(cat, w.curator)
    req = access.submit_request(cat, firm, "cond", form())
    later = date.today() + timedelta(days=3)
    end = date.today() + timedelta(days=30)
    with pytest.raises(ValidationFailed) as err:
        access.change_state(cat, cur, req.id, "approved", end=end, start=end + timedelta(days=1))
    assert "start" in err.value.messages
    assert access.get_request(cat, firm, req.id).req.state == "submitted"
    access.change_state(cat, cur, req.id, "approved", end=end, start=later.isoformat())
    got = access.get_request(cat, firm, req.id)
    assert got.req.period_start == later and not got.active
    assert access.is_active(got.req, on=later)
    assert w.ds.id not in access.with_grants(cat, firm).grants
    with cat.session() as s:
        approved = s.execute(
            select(AuditEvent).where(AuditEvent.action == "access.approved")
        ).scalar_one()
        assert approved.data["start"] == later.isoformat()
