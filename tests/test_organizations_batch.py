"""``organizations.create_organizations``: a harvest batch's new organizations in one
transaction, all or none, each with its audit event; a taken or repeated name, or an invalid
field, refuses the whole batch and says which. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from catalog.errors import ValidationFailed
from catalog.models import AuditEvent, Organization
from catalog.services import organizations
from catalog.services.authz import SYSTEM
from tests.portal import credit_code


def _count(cat, model) -> int:
    with cat.session() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def test_all_are_made_with_an_audit_event_each(cat):
    made = organizations.create_organizations(
        cat, SYSTEM, [{"title": f"保定市第{i}局", "name": f"bd-ju-{i}"} for i in range(5)]
    )
    assert [o.name for o in made] == [f"bd-ju-{i}" for i in range(5)]
    with cat.session() as s:
        audited = set(
            s.execute(
                select(AuditEvent.object_id).where(AuditEvent.action == "organization.create")
            ).scalars()
        )
    assert audited == {o.id for o in made}
    assert organizations.create_organizations(cat, SYSTEM, []) == []


@pytest.mark.parametrize(
    ("batch", "says"),
    [
        ([{"title": "甲", "name": "bd-taken"}, {"title": "乙", "name": "bd-new"}], "bd-taken"),
        ([{"title": "甲", "name": "bd-twice"}, {"title": "乙", "name": "bd-twice"}], "bd-twice"),
        (
            [
                {"title": "甲", "name": "bd-ok"},
                {"title": "乙", "homepage": "not a url", "name": "bd-x"},
            ],
            "1",
        ),
        ([{"title": "甲"}], "0"),
        (
            [
                {"title": "甲", "name": "bd-a", "credit_code": credit_code(7)},
                {"title": "乙", "name": "bd-b", "credit_code": credit_code(7)},
            ],
            credit_code(7),
        ),
    ],
    ids=["taken", "twice", "invalid field", "no name", "credit code twice"],
)
def test_a_refused_batch_makes_none_and_says_which(cat, batch, says):
    organizations.create_organization(cat, SYSTEM, {"title": "已有", "name": "bd-taken"})
    before = (_count(cat, Organization), _count(cat, AuditEvent))
    with pytest.raises(ValidationFailed) as err:
        organizations.create_organizations(cat, SYSTEM, batch)
    assert says in str(err.value.messages)
    assert (_count(cat, Organization), _count(cat, AuditEvent)) == before
