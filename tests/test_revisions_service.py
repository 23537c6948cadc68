"""Revisions of published datasets (issue 13, item 1): a partner's edit waits for the bureau,
the public keeps the published record, the curator approves or returns it (services)."""

from __future__ import annotations

import pytest

from catalog.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from catalog.search import SearchQuery
from catalog.services import (
    audit,
    curation,
    datasets,
    organizations,
    published,
    revisions,
    users,
    versions,
)
from catalog.services.authz import ANONYMOUS, SYSTEM
from tests.portal import actor, folder_mail, make_user


def link(x: str) -> str:
    return f"https://catalog.example/dataset/{x}"


@pytest.fixture
def world(cat):
    class W:
        pass

    w = W()
    w.cat = cat
    for name, title in (("org-a", "保定智数科技"), ("org-b", "河北大学")):
        organizations.create_organization(
            cat, SYSTEM, {"name": name, "title": title, "org_type": "enterprise"}
        )
    w.alice = make_user(cat, "alice@a.example.cn")
    w.bob = make_user(cat, "bob@b.example.cn")
    w.curator = make_user(cat, "curator@bureau.example.cn", "curator")
    users.add_member(cat, SYSTEM, "org-a", w.alice.id)
    users.add_member(cat, SYSTEM, "org-b", w.bob.id)
    w.ds = datasets.create_dataset(
        cat,
        actor(cat, w.alice),
        {
            "title": "保定市公交线路",
            "description": "公交线路与站点",
            "organization": "org-a",
            "keywords": ["公交"],
            "distributions": [{"title": "线路表", "download_url": "https://a.example/lines.csv"}],
        },
    )
    curation.submit(cat, actor(cat, w.alice), w.ds.id)
    curation.review(cat, actor(cat, w.curator), w.ds.id, "published", None, link)
    return w


def _public_title(cat, ref: str) -> str:
    ds = datasets.get_dataset(cat, ANONYMOUS, ref)
    return published.dataset_record(ANONYMOUS, ds, None)["title"]


def _indexed_titles(cat) -> list[str]:
    res = cat.search.search(SearchQuery(text="", facets=(), page_size=10))
    return [h.doc["title"] for h in res.hits]


def test_a_partner_edit_of_a_published_dataset_waits_and_is_approved(world) -> None:
    cat = world.cat
    alice, cur = actor(cat, world.alice), actor(cat, world.curator)
    before = len(folder_mail(cat))
    result = datasets.save_edit(
        cat, alice, world.ds.id, {"title": "保定市公交线路（2026年）", "keywords": ["公交", "线路"]}
    )
    assert result.pending and result.dataset.title == "保定市公交线路"
    # every public surface keeps the published record: the record, the index, the versions
    assert _public_title(cat, world.ds.name) == "保定市公交线路"
    assert _indexed_titles(cat) == ["保定市公交线路"]
    assert [v.status for v in versions.list_versions(cat, cur, world.ds.id)][0] == "published"
    # the curators were told at once
    mails = folder_mail(cat)[before:]
    assert len(mails) == 1 and mails[0]["To"] == "curator@bureau.example.cn"
    assert "待审核的修改" in mails[0]["Subject"]
    # a second edit joins the pending revision (one review, one e-mail)
    again = datasets.save_edit(cat, alice, world.ds.id, {"description": "公交线路、站点与票价"})
    assert again.revision_id == result.revision_id
    assert len(folder_mail(cat)) == before + 1
    rows = revisions.queue(cat, cur)
    assert [r.id for r in rows] == [result.revision_id]
    assert rows[0].proposed_by == "alice"
    assert set(rows[0].fields) == {"title", "keywords", "description"}
    detail = revisions.get(cat, cur, result.revision_id)
    changed = {c.field: (c.old, c.new) for c in detail.changes}
    assert changed["title"] == ("保定市公交线路", "保定市公交线路（2026年）")
    assert changed["keywords"] == (["公交"], ["公交", "线路"])
    assert changed["description"] == ("公交线路与站点", "公交线路、站点与票价")
    assert not detail.stale
    # only curators decide; other partners do not even see it
    with pytest.raises(PermissionDenied):
        revisions.approve(cat, alice, result.revision_id)
    with pytest.raises(NotFound):
        revisions.get(cat, actor(cat, world.bob), result.revision_id)
    ds = revisions.approve(cat, cur, result.revision_id, "好", link)
    assert ds.title == "保定市公交线路（2026年）" and ds.status == "published"
    assert _public_title(cat, world.ds.name) == "保定市公交线路（2026年）"
    assert _indexed_titles(cat) == ["保定市公交线路（2026年）"]
    # a new version, the partner as the author of the fields, an audit event, an e-mail
    assert versions.list_versions(cat, cur, world.ds.id)[0].status == "published"
    assert ds.field_provenance["title"] == f"user:{world.alice.id}"
    with cat.session() as s:
        actions = [e.action for e in audit.events_of(s, "dataset", world.ds.id)]
    assert actions[-3:] == [
        "dataset.revision_proposed",
        "dataset.revision_proposed",
        "dataset.revision_approved",
    ]
    mail = folder_mail(cat)[-1]
    assert mail["To"] == "alice@a.example.cn" and "已通过审核并发布" in mail["Subject"]
    assert revisions.queue(cat, cur) == []
    with pytest.raises(Conflict):  # decided once
        revisions.approve(cat, cur, result.revision_id)


def test_a_returned_change_leaves_the_record_and_says_why(world) -> None:
    cat = world.cat
    alice, cur = actor(cat, world.alice), actor(cat, world.curator)
    rid = datasets.save_edit(cat, alice, world.ds.id, {"title": "错误标题"}).revision_id
    assert rid is not None
    with pytest.raises(ValidationFailed):  # a return says why
        revisions.send_back(cat, cur, rid, " ")
    revisions.send_back(cat, cur, rid, "标题不准确", link)
    assert _public_title(cat, world.ds.name) == "保定市公交线路"
    latest = revisions.latest(cat, alice, world.ds.id)
    assert latest is not None and latest.state == "returned" and latest.note == "标题不准确"
    assert "标题不准确" in folder_mail(cat)[-1].get_content()
    # the next edit is a new revision
    rid2 = datasets.save_edit(cat, alice, world.ds.id, {"title": "保定市公交线路表"}).revision_id
    assert rid2 not in (None, rid)


def test_curator_and_harvest_edits_stay_immediate_and_rules_still_hold(world) -> None:
    cat = world.cat
    alice, cur = actor(cat, world.alice), actor(cat, world.curator)
    res = datasets.save_edit(cat, cur, world.ds.id, {"title": "由数据局修改"})
    assert not res.pending and _public_title(cat, world.ds.name) == "由数据局修改"
    datasets.update_dataset(cat, SYSTEM, world.ds.id, {"description": "系统修改"})
    assert datasets.get_dataset(cat, ANONYMOUS, world.ds.id).description == "系统修改"
    # the field authority applies to a proposal at once (not at approval)
    with pytest.raises(ValidationFailed) as exc:
        datasets.update_dataset(cat, alice, world.ds.id, {"featured": True})
    assert "featured" in exc.value.messages
    with pytest.raises(PermissionDenied):
        datasets.update_dataset(cat, actor(cat, world.bob), world.ds.id, {"title": "x"})
    # an edit that changes nothing holds nothing; one that undoes the pending change ends it
    assert not datasets.save_edit(cat, alice, world.ds.id, {"title": "由数据局修改"}).pending
    rid = datasets.save_edit(cat, alice, world.ds.id, {"title": "另一个标题"}).revision_id
    assert rid is not None
    assert not datasets.save_edit(cat, alice, world.ds.id, {"title": "由数据局修改"}).pending
    assert revisions.queue(cat, cur) == []


def test_a_stale_revision_is_flagged_and_applies_only_its_fields(world) -> None:
    cat = world.cat
    alice, cur = actor(cat, world.alice), actor(cat, world.curator)
    rid = datasets.save_edit(cat, alice, world.ds.id, {"title": "合伙人标题"}).revision_id
    datasets.update_dataset(cat, cur, world.ds.id, {"description": "数据局补充的说明"})
    detail = revisions.get(cat, cur, rid)
    assert detail.stale and [c.field for c in detail.changes] == ["title"]
    ds = revisions.approve(cat, cur, rid)
    assert (ds.title, ds.description) == ("合伙人标题", "数据局补充的说明")


def test_the_partner_may_withdraw_a_waiting_change(world) -> None:
    cat = world.cat
    alice, cur = actor(cat, world.alice), actor(cat, world.curator)
    rid = datasets.save_edit(cat, alice, world.ds.id, {"title": "草拟"}).revision_id
    with pytest.raises(PermissionDenied):
        revisions.withdraw(cat, actor(cat, world.bob), rid)
    revisions.withdraw(cat, alice, rid)
    assert revisions.queue(cat, cur) == [] and revisions.latest(cat, alice, world.ds.id) is None


def test_notices_daily_digest_or_off(world) -> None:
    cat = world.cat
    alice = actor(cat, world.alice)
    cat.settings.extra["curator_notices"] = "daily"
    before = len(folder_mail(cat))
    datasets.save_edit(cat, alice, world.ds.id, {"title": "新标题"})
    draft = datasets.create_dataset(cat, alice, {"title": "新的数据集", "organization": "org-a"})
    curation.submit(cat, alice, draft.id)
    assert len(folder_mail(cat)) == before  # nothing at once
    assert revisions.send_digest(cat, lambda: "https://catalog.example/curation")
    digest = folder_mail(cat)[-1]
    body = digest.get_content()
    assert (
        "1 个数据集，1 项修改" in digest["Subject"]
        and "新的数据集" in body
        and "保定市公交线路" in body
    )
    cat.settings.extra["curator_notices"] = "off"
    assert not revisions.send_digest(cat)
    cat.settings.extra["curator_notices"] = "immediate"
    assert not revisions.send_digest(cat)  # the digest is for the daily mode
    other = datasets.create_dataset(cat, alice, {"title": "另一个数据集", "organization": "org-a"})
    curation.submit(cat, alice, other.id, review_link=link)
    assert "待审核的数据集：另一个数据集" in folder_mail(cat)[-1]["Subject"]
