"""Curators merge two organizations or split one (issue 12, item 4): datasets, members and
harvest sources move, every move is audited, the old name leads to the merged organization."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.errors import PermissionDenied, ValidationFailed
from catalog.models import (
    AuditEvent,
    Dataset,
    DatasetVersion,
    HarvestSource,
    Membership,
    Organization,
)
from catalog.services import datasets, harvest, organization_merge, organizations
from catalog.services.authz import SYSTEM
from tests.portal import actor, make_user


@pytest.fixture
def curator(cat):
    return actor(cat, make_user(cat, "curator@bureau.example.cn", "curator"))


def _org(cat, name: str, title: str, **extra) -> None:
    organizations.create_organization(
        cat, SYSTEM, {"name": name, "title": title, "org_type": "government", **extra}
    )


def _ds(cat, name: str, org: str) -> str:
    return datasets.create_dataset(
        cat, SYSTEM, {"name": name, "title": f"资源{name}", "organization": org}, status="published"
    ).id


def _member(cat, email: str, org: str, role: str) -> str:
    user = make_user(cat, email)
    with cat.session() as s:
        org_id = s.execute(select(Organization.id).where(Organization.name == org)).scalar_one()
        s.add(Membership(user_id=user.id, organization_id=org_id, role=role))
    return user.id


def _org_of(cat, dataset: str) -> str:
    with cat.session() as s:
        return (
            s.execute(select(Dataset).where(Dataset.name == dataset)).scalar_one().organization.name
        )


def test_merge_moves_everything_and_keeps_the_old_name(cat, curator) -> None:
    _org(cat, "tjj", "统计局", homepage="https://tjj.example.gov.cn")
    _org(cat, "xm-tjj", "厦门市统计局")
    _ds(cat, "yearbook", "tjj")
    _ds(cat, "census", "tjj")
    _ds(cat, "prices", "xm-tjj")
    both = _member(cat, "both@tjj.example.cn", "tjj", "admin")
    with cat.session() as s:
        org_id = s.execute(
            select(Organization.id).where(Organization.name == "xm-tjj")
        ).scalar_one()
        s.add(Membership(user_id=both, organization_id=org_id, role="member"))
    only = _member(cat, "only@tjj.example.cn", "tjj", "member")
    harvest.register_source(
        cat, SYSTEM, name="tjj-sheet", kind="spreadsheet", url="/tmp/x.csv", organization="tjj"
    )
    someone = actor(cat, make_user(cat, "someone@ai.example.com"))
    with pytest.raises(PermissionDenied):
        organization_merge.merge(cat, someone, "tjj", "xm-tjj")
    with pytest.raises(ValidationFailed):
        organization_merge.merge(cat, curator, "tjj", "tjj")

    got = organization_merge.merge(cat, curator, "tjj", "xm-tjj", note="同一部门的两种写法")
    assert got == {"into": "xm-tjj", "datasets": 2, "members": 2, "sources": 1}
    assert {_org_of(cat, n) for n in ("yearbook", "census", "prices")} == {"xm-tjj"}
    with cat.session() as s:
        assert s.execute(select(Organization).where(Organization.name == "tjj")).first() is None
        kept = s.execute(select(Organization).where(Organization.name == "xm-tjj")).scalar_one()
        assert kept.homepage == "https://tjj.example.gov.cn"  # filled from the merged one
        roles = dict(
            s.execute(
                select(Membership.user_id, Membership.role).where(
                    Membership.organization_id == kept.id
                )
            ).all()
        )
        assert roles == {both: "admin", only: "member"}
        src = s.execute(select(HarvestSource).where(HarvestSource.name == "tjj-sheet")).scalar_one()
        assert src.organization_id == kept.id
        actions = [
            a
            for (a,) in s.execute(
                select(AuditEvent.action).where(AuditEvent.action.like("%organization%"))
            ).all()
        ]
        assert actions.count("dataset.organization") == 2
        assert {"organization.merge", "organization.merged_away"} <= set(actions)
        yearbook = s.execute(select(Dataset.id).where(Dataset.name == "yearbook")).scalar_one()
        last = s.execute(
            select(DatasetVersion.data)
            .where(DatasetVersion.dataset_id == yearbook)
            .order_by(DatasetVersion.number.desc())
            .limit(1)
        ).scalar_one()
        assert last["organization_id"] == kept.id
    assert organization_merge.alias_target(cat, "tjj") == "xm-tjj"
    # a namesake made later (a harvest) and merged elsewhere: the old name leads there now
    _org(cat, "tjj", "统计局")
    _org(cat, "fz-tjj", "福州市统计局")
    organization_merge.merge(cat, curator, "tjj", "fz-tjj")
    assert organization_merge.alias_target(cat, "tjj") == "fz-tjj"
    assert organization_merge.alias_target(cat, "nothing") is None
    # the index knows the datasets' new publisher
    from catalog.search import SearchQuery

    hits = cat.search.search(SearchQuery(filters={"publisher": ["xm-tjj"]}))
    assert hits.total == 3


def test_split_moves_the_chosen_datasets_members_and_sources(cat, curator) -> None:
    _org(cat, "tjj", "统计局", region="130600")
    _ds(cat, "xm-yearbook", "tjj")
    _ds(cat, "fz-yearbook", "tjj")
    fz_user = _member(cat, "fz@tjj.example.cn", "tjj", "admin")
    harvest.register_source(
        cat, SYSTEM, name="fz-sheet", kind="spreadsheet", url="/tmp/fz.csv", organization="tjj"
    )
    with cat.session() as s:
        fz_id = s.execute(select(Dataset.id).where(Dataset.name == "fz-yearbook")).scalar_one()
        src_id = s.execute(select(HarvestSource.id)).scalar_one()
        xm_id = s.execute(select(Dataset.id).where(Dataset.name == "xm-yearbook")).scalar_one()
    _org(cat, "other", "别的部门")
    other_ds = _ds(cat, "other-ds", "other")
    with pytest.raises(ValidationFailed):  # only this organization's datasets
        organization_merge.split(cat, curator, "tjj", title="福州市统计局", dataset_ids=[other_ds])
    got = organization_merge.split(
        cat,
        curator,
        "tjj",
        title="福州市统计局",
        name="fz-tjj",
        dataset_ids=[fz_id],
        member_ids=[fz_user],
        source_ids=[src_id],
    )
    assert got == {"new": "fz-tjj", "datasets": 1, "members": 1, "sources": 1}
    assert (_org_of(cat, "fz-yearbook"), _org_of(cat, "xm-yearbook")) == ("fz-tjj", "tjj")
    with cat.session() as s:
        new = s.execute(select(Organization).where(Organization.name == "fz-tjj")).scalar_one()
        assert (new.title, new.region, new.org_type) == ("福州市统计局", "130600", "government")
        assert (
            s.execute(
                select(Membership.organization_id).where(Membership.user_id == fz_user)
            ).scalar_one()
            == new.id
        )
        assert s.get_one(Dataset, xm_id).organization.name == "tjj"
        assert (
            s.execute(select(AuditEvent).where(AuditEvent.action == "organization.split"))
            .scalar_one()
            .data["datasets"]
            == 1
        )
