"""Submission and review: changes requested, locks while in review, versions and diffs,
uploaded files and who may read them (services)."""

from __future__ import annotations

import io

import pytest

from catalog.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from catalog.services import curation, datasets, organizations, uploads, users, versions
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
    return w


def draft(w, **extra):
    data = {
        "title": "工业零件缺陷检测数据集",
        "organization": "org-a",
        "kind": "training",
        "task_categories": ["object_detection"],
        "distributions": [{"title": "样例", "download_url": "https://a.example/sample.zip"}],
        **extra,
    }
    return datasets.create_dataset(w.cat, actor(w.cat, w.alice), data)


def test_changes_requested_goes_back_to_the_partner_and_comes_back(world) -> None:
    cat = world.cat
    alice, cur = actor(cat, world.alice), actor(cat, world.curator)
    ds = draft(world)
    curation.submit(cat, alice, ds.id)
    # in review: the partner cannot change it, the curator sees it in the queue
    with pytest.raises(Conflict):
        datasets.update_dataset(cat, alice, ds.id, {"license": "CC-BY-4.0"})
    queue = curation.review_queue(cat, cur)
    assert [r.name for r in queue] == [ds.name] and queue[0].submitted_by == "alice"
    with pytest.raises(ValidationFailed):  # a request for changes says what to change
        curation.review(cat, cur, ds.id, "changes_requested", "", link)
    ds, sent = curation.review(cat, cur, ds.id, "changes_requested", "请补充许可协议", link)
    assert sent and ds.status == "changes_requested" and ds.status_note == "请补充许可协议"
    mail = folder_mail(cat)[-1]
    assert mail["To"] == "alice@a.example.cn" and "请补充许可协议" in mail.get_content()
    assert curation.last_note(cat, ds)[0] == "请补充许可协议"
    assert curation.review_queue(cat, cur) == []
    # the partner fixes it and submits again; the curator publishes
    datasets.update_dataset(cat, alice, ds.id, {"license": "CC-BY-4.0"})
    curation.submit(cat, alice, ds.id)
    ds, _ = curation.review(cat, cur, ds.id, "published", None, link)
    assert ds.status == "published"
    assert "已发布" in folder_mail(cat)[-1]["Subject"]


def test_only_curators_decide(world) -> None:
    cat = world.cat
    ds = draft(world)
    alice = actor(cat, world.alice)
    curation.submit(cat, alice, ds.id)
    for decision in curation.DECISIONS:
        with pytest.raises(PermissionDenied):
            curation.review(cat, alice, ds.id, decision, "x", link)
    with pytest.raises(PermissionDenied):
        curation.review_queue(cat, alice)


def test_reject_needs_a_reason_and_can_be_reworked(world) -> None:
    cat = world.cat
    alice, cur = actor(cat, world.alice), actor(cat, world.curator)
    ds = draft(world)
    curation.submit(cat, alice, ds.id)
    with pytest.raises(ValidationFailed):
        datasets.change_status(cat, cur, ds.id, "rejected")
    curation.review(cat, cur, ds.id, "rejected", "与已有数据集重复", link)
    assert datasets.change_status(cat, alice, ds.id, "draft").status == "draft"


def test_withdrawal_needs_a_reason(world) -> None:
    cat = world.cat
    ds = datasets.create_dataset(
        cat,
        actor(cat, world.curator),
        {"title": "公开", "organization": "org-a"},
        status="published",
    )
    with pytest.raises(ValidationFailed):
        datasets.withdraw_dataset(cat, actor(cat, world.alice), ds.id, " ")
    done = datasets.withdraw_dataset(cat, actor(cat, world.alice), ds.id, "数据已过时")
    assert done.status == "withdrawn"


def test_partners_see_and_edit_only_their_own_drafts(world) -> None:
    cat = world.cat
    ds = draft(world)
    bob = actor(cat, world.bob)
    with pytest.raises(NotFound):
        datasets.get_dataset(cat, bob, ds.id)
    with pytest.raises(NotFound):
        datasets.get_dataset(cat, ANONYMOUS, ds.id)
    with pytest.raises(PermissionDenied):
        datasets.update_dataset(cat, bob, ds.id, {"title": "改"})
    with pytest.raises(PermissionDenied):
        curation.submit(cat, bob, ds.id)
    with pytest.raises(NotFound):
        versions.list_versions(cat, bob, ds.id)
    assert [d.id for d in curation.workspace(cat, bob)] == []
    assert [d.id for d in curation.workspace(cat, actor(cat, world.alice))] == [ds.id]
    with pytest.raises(PermissionDenied):
        curation.workspace(cat, bob, ds.organization_id)


def test_every_version_is_kept_and_two_compare(world) -> None:
    cat = world.cat
    alice = actor(cat, world.alice)
    ds = draft(world)
    datasets.update_dataset(
        cat,
        alice,
        ds.id,
        {
            "license": "CC-BY-4.0",
            "distributions": [
                {"title": "样例", "download_url": "https://a.example/sample-v2.zip"},
                {"title": "完整", "download_url": "https://a.example/full.zip"},
            ],
        },
    )
    curation.submit(cat, alice, ds.id)
    rows = versions.list_versions(cat, alice, ds.id)
    assert [v.number for v in rows] == [3, 2, 1]
    assert [v.status for v in rows] == ["submitted", "draft", "draft"]
    changes = {c.field: (c.old, c.new) for c in versions.compare(cat, alice, ds.id, 1, 2)}
    assert changes["license"] == (None, "CC-BY-4.0")
    assert changes["distributions[1].download_url"] == (
        "https://a.example/sample.zip",
        "https://a.example/sample-v2.zip",
    )
    assert changes["distributions[2]"] == (None, "完整")
    assert "updated_at" not in changes
    status = {c.field: (c.old, c.new) for c in versions.compare(cat, alice, ds.id, 2, 3)}
    assert status == {"status": ("draft", "submitted")}
    with pytest.raises(NotFound):
        versions.compare(cat, alice, ds.id, 1, 9)


# -- uploads --------------------------------------------------------------------------------
def test_upload_is_hashed_stored_once_and_limited(world) -> None:
    cat = world.cat
    cat.settings.upload_max_bytes = 1000
    alice = actor(cat, world.alice)
    stored = uploads.store(cat, alice, io.BytesIO(b"a,b\n1,2\n"), "../样例 数据.csv")
    assert stored.name == "样例_数据.csv" and stored.format == "CSV" and stored.byte_size == 8
    import hashlib

    assert stored.sha256 == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    assert (cat.settings.instance_path / "files" / stored.sha256).read_bytes() == b"a,b\n1,2\n"
    again = uploads.store(cat, alice, io.BytesIO(b"a,b\n1,2\n"), "copy.csv")
    assert again.sha256 == stored.sha256
    with pytest.raises(ValidationFailed) as err:
        uploads.store(cat, alice, io.BytesIO(b"x" * 1001), "big.csv")
    assert err.value.messages["file"] == ["The file is larger than the limit of 1000 B."]
    assert err.value.localized("zh")["file"] == ["文件超过了 1000 B 的大小限制。"]
    with pytest.raises(ValidationFailed) as err:
        uploads.store(cat, alice, io.BytesIO(b"<script>"), "page.html")
    assert "cannot be uploaded" in err.value.messages["file"][0]
    assert "不能上传 .html 类型的文件" in err.value.localized("zh")["file"][0]
    with pytest.raises(PermissionDenied):  # a user of no organization uploads nothing
        uploads.store(cat, ANONYMOUS, io.BytesIO(b"x"), "a.csv")
    leftovers = [p.name for p in (cat.settings.instance_path / "files").iterdir()]
    assert leftovers == [stored.sha256]


def test_files_attach_only_for_their_uploader_and_download_as_the_distribution(world) -> None:
    cat = world.cat
    alice, bob = actor(cat, world.alice), actor(cat, world.bob)
    mine = uploads.store(cat, alice, io.BytesIO(b"secret rows"), "full.csv")
    dist = {"title": "完整", "download_url": "https://catalog.example/files/x", "restricted": True}
    with pytest.raises(PermissionDenied):  # bob cannot attach alice's upload
        datasets.create_dataset(
            cat,
            bob,
            {"title": "借用", "organization": "org-b", "distributions": [dist]},
            files={0: mine.key},
        )
    ds = datasets.create_dataset(
        cat,
        alice,
        {
            "title": "有条件数据",
            "organization": "org-a",
            "access_rights": "conditional",
            "distributions": [dist],
        },
        files={0: mine.key},
    )
    assert ds.distributions[0].stored_file == mine.key
    # editing without touching the file keeps it (the dataset already has it)
    datasets.update_dataset(cat, alice, ds.id, {"distributions": [dist]}, files={0: mine.key})
    assert uploads.open_for(cat, alice, mine.key)[1] == "full.csv"
    for who in (bob, ANONYMOUS):  # a draft's file, and a restricted one once published
        with pytest.raises(NotFound):
            uploads.open_for(cat, who, mine.key)
    datasets.change_status(cat, actor(cat, world.curator), ds.id, "published")
    with pytest.raises(NotFound):
        uploads.open_for(cat, ANONYMOUS, mine.key)
    path, name, _type = uploads.open_for(cat, actor(cat, world.curator), mine.key)
    assert path.read_bytes() == b"secret rows"
    with pytest.raises(NotFound):
        uploads.open_for(cat, alice, "../../etc/passwd")
