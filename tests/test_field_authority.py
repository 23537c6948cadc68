"""Field-level authority (issue 13, item 2): every editable field of the dataset schema, as
every role, through the service every surface uses; only the declared bureau fields are
refused to editors, each by name, and nothing is dropped silently."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from marshmallow import fields, validate

from catalog.errors import PermissionDenied, ValidationFailed
from catalog.services import (
    datasets,
    field_authority,
    openlist,
    organizations,
    revisions,
    users,
)
from catalog.services.authz import ANONYMOUS, SYSTEM, Actor
from schemas.dataset import EDITABLE_FIELDS, DatasetSchema
from tests.portal import actor, make_user

# what the bureau alone sets; a change to the declaration has to change this test too
BUREAU_FIELDS = {"featured", "review_by"}
OPEN_LIST_FIELDS = {"access_rights"}

# values of the fields whose validators need codes of a vocabulary
VOCAB_VALUES = {
    "themes": ["health"],
    "spatial": ["130600"],
    "languages": ["en"],
    "task_categories": ["image_classification"],
    "modalities": ["image"],
}
START = {
    "name": "bus-lines",
    "title": "保定市公交线路",
    "organization": "org-a",
    "resource_code": "BD-JT-0001",
    "distributions": [{"title": "线路表", "download_url": "https://example.cn/bus.csv"}],
}


def changed_value(name: str, current: object) -> object:
    """A valid input for ``name`` that differs from ``current``, from the schema's field."""
    if name in VOCAB_VALUES:
        return VOCAB_VALUES[name]
    special = {
        "name": "bus-lines-renamed",
        "organization": "org-b",
        "sample_counts": {"train": 10},
        "extras": {"备注": "改过"},
        "distributions": [{"title": "新表", "download_url": "https://example.cn/new.csv"}],
        "annotation_accuracy": 0.5,
        "record_sets": [{"name": "rows", "fields": [{"name": "line", "data_type": "text"}]}],
        "rai": {"dataBiases": "改过"},
        "derived_from": ["origin-set"],  # made by the fixture ``w``
    }
    if name in special:
        return special[name]
    field = DatasetSchema().fields[name]
    for v in getattr(field, "validators", []):
        if isinstance(v, validate.OneOf):
            return next(c for c in v.choices if c != current)
    if isinstance(field, fields.Boolean):
        return not current
    if isinstance(field, fields.Email):
        return "new@example.cn"
    if isinstance(field, fields.Url):
        return f"https://example.cn/{name}"
    if isinstance(field, fields.DateTime):
        return datetime(2024, 5, 6, 7, 8).isoformat()
    if isinstance(field, fields.Date):
        return date(2024, 5, 6).isoformat()
    if isinstance(field, fields.List):
        return ["新值"]
    if isinstance(field, fields.String):
        return f"新值-{name}"
    raise AssertionError(f"no test value for the new field {name!r}: add one")


@pytest.fixture
def w(sqlite_cat):
    cat = sqlite_cat
    for org in ("org-a", "org-b"):
        organizations.create_organization(cat, SYSTEM, {"name": org, "title": f"机构{org}"})
    people = {
        "user": make_user(cat, "user@else.example.cn"),
        "member": make_user(cat, "member@a.example.cn"),
        "admin": make_user(cat, "admin@a.example.cn"),
        "curator": make_user(cat, "curator@bureau.example.cn", "curator"),
    }
    for org in ("org-a", "org-b"):  # members of both, so moving the dataset keeps their role
        users.add_member(cat, SYSTEM, org, people["member"].id)
        users.add_member(cat, SYSTEM, org, people["admin"].id, role="admin")
    actors: dict[str, Actor] = {k: actor(cat, u) for k, u in people.items()}
    actors["anonymous"] = ANONYMOUS
    datasets.create_dataset(
        cat, SYSTEM, {"name": "origin-set", "title": "来源", "organization": "org-b"}
    )
    return cat, actors


def test_the_declaration() -> None:
    assert set(field_authority.ROLES) == {"anonymous", "user", "member", "admin", "curator"}
    for f in EDITABLE_FIELDS:
        for listed in (False, True):
            want = (
                {"curator"}
                if f in BUREAU_FIELDS or (listed and f in OPEN_LIST_FIELDS)
                else {"member", "admin", "curator"}
            )
            assert field_authority.allowed_roles(f, listed) == want, (f, listed)
    assert field_authority.allowed_roles("status") == frozenset()


@pytest.mark.parametrize("listed", [False, True], ids=["not-listed", "on-open-list"])
@pytest.mark.parametrize("role", field_authority.ROLES)
def test_every_field_as_every_role(w, role: str, listed: bool) -> None:
    cat, actors = w
    who = actors[role]
    ds = datasets.create_dataset(cat, SYSTEM, START, status="published")
    if listed:
        openlist.add_from_dataset(cat, actors["curator"], ds.id)
    refused: set[str] = set()
    # the organization last: after it moves, the dataset is the other organization's
    for name in sorted(EDITABLE_FIELDS, key=lambda f: (f == "organization", f)):
        before = datasets.snapshot(datasets.get_dataset(cat, SYSTEM, ds.id))
        value = changed_value(name, before.get(name))
        try:
            res = datasets.save_edit(cat, who, ds.id, {name: value})
            if res.pending:  # a partner's edit of a published dataset waits for the bureau
                assert datasets.snapshot(datasets.get_dataset(cat, SYSTEM, ds.id)) == before
                revisions.approve(cat, actors["curator"], res.revision_id)
        except PermissionDenied:
            assert role in ("anonymous", "user"), (role, name)
            refused.add(name)
        except ValidationFailed as exc:
            assert set(exc.messages) == {name}, (role, name, exc.messages)
            refused.add(name)
        after = datasets.snapshot(datasets.get_dataset(cat, SYSTEM, ds.id))
        if name in refused:
            assert after == before, (role, name)  # nothing of a refused edit is kept
        else:
            assert after[name if name != "organization" else "organization_id"] != before.get(
                name if name != "organization" else "organization_id"
            ), (role, name)
    expected = {
        f
        for f in EDITABLE_FIELDS
        if role not in field_authority.allowed_roles(f, on_open_list=listed)
    }
    assert refused == expected
    if role in ("member", "admin"):
        assert refused == BUREAU_FIELDS | (OPEN_LIST_FIELDS if listed else set())


def test_creating_with_bureau_fields(w) -> None:
    cat, actors = w
    member = actors["member"]
    with pytest.raises(ValidationFailed) as err:
        datasets.create_dataset(cat, member, {**START, "featured": True, "review_by": "bureau"})
    assert set(err.value.messages) == {"featured", "review_by"}
    assert "数据局" in str(err.value.localized("zh"))
    # the defaults, or the whole record sent back unchanged, are no change
    ds = datasets.create_dataset(cat, member, {**START, "featured": False})
    datasets.update_dataset(cat, member, ds.id, {"featured": False, "review_by": "publisher"})
    # the bureau and the harvest (SYSTEM) set them
    b = datasets.create_dataset(
        cat,
        actors["curator"],
        {**START, "name": "by-bureau", "featured": True, "review_by": "bureau"},
    )
    assert b.featured and b.review_by == "bureau"
    h = datasets.create_dataset(cat, SYSTEM, {**START, "name": "by-harvest", "featured": True})
    datasets.update_dataset(
        cat, SYSTEM, h.id, {"review_by": "bureau", "access_rights": "conditional"}
    )


def test_curator_locks_are_released_by_the_bureau_only(w) -> None:
    cat, actors = w
    ds = datasets.create_dataset(cat, SYSTEM, START, status="published")
    datasets.update_dataset(cat, actors["curator"], ds.id, {"title": "馆员改过的标题"})
    for role in ("member", "admin"):
        with pytest.raises(PermissionDenied, match="title"):
            datasets.release_field(cat, actors[role], ds.id, "title")
    datasets.release_field(cat, actors["curator"], ds.id, "title")
    # a partner's own edit is theirs to release
    res = datasets.save_edit(cat, actors["member"], ds.id, {"description": "成员写的说明"})
    revisions.approve(cat, actors["curator"], res.revision_id)  # published: reviewed first
    datasets.release_field(cat, actors["member"], ds.id, "description")
