"""Benchmark integrity (issue 18, item 2) in the services, on SQLite and PostgreSQL: pinned
versions and manifests, new versions linked to old ones, the "evaluated on" register with
curator verification, and contamination findings with their evidence."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from catalog.errors import NotFound, PermissionDenied, ValidationFailed
from catalog.models import AuditEvent, BenchmarkVersion
from catalog.services import (
    benchmark_results,
    benchmarks,
    contamination,
    datasets,
    organizations,
    revisions,
    users,
)
from catalog.services.authz import ANONYMOUS, SYSTEM
from tests.portal import actor, make_user

H_TEST = "a" * 64
H_VAL = "b" * 64
H_OTHER = "c" * 64


@pytest.fixture
def people(cat):
    organizations.create_organization(
        cat, SYSTEM, {"name": "lab", "title": "保定视觉实验室", "org_type": "enterprise"}
    )
    alice = make_user(cat, "alice@lab.example.cn", name="Alice")
    users.add_member(cat, SYSTEM, "lab", alice.id)
    bob = make_user(cat, "bob@firm.example.cn", name="Bob")
    cur = make_user(cat, "cur@bureau.example.cn", role="curator", name="Curator")
    return actor(cat, alice), actor(cat, bob), actor(cat, cur)


def _bench(cat, who, name="fundus-bench", **extra):
    data = {
        "name": name,
        "title": "眼底病灶检测基准",
        "title_en": "Fundus lesion detection benchmark",
        "description": "微动脉瘤、出血和硬性渗出的检测基准，测试集按医院分层。",
        "organization": "lab",
        "kind": "benchmark",
        "version": "1.0",
        "metrics": ["mAP@0.5", "MAE"],
        "distributions": [
            {
                "title": "测试集",
                "download_url": "https://lab.example/fundus-test.zip",
                "sha256": H_TEST,
                "byte_size": 1000,
                "split": "test",
            },
            {
                "title": "验证集",
                "download_url": "https://lab.example/fundus-val.zip",
                "sha256": H_VAL,
                "split": "validation",
            },
            {"title": "说明", "access_url": "https://lab.example/fundus"},
        ],
    }
    return datasets.create_dataset(cat, who, {**data, **extra})


def _training(cat, who, name="fundus-train", dists=None, **extra):
    data = {
        "name": name,
        "title": "糖网筛查训练集",
        "description": "来自社区医院的眼底照片，按病变分级标注。",
        "organization": "lab",
        "kind": "training",
        "distributions": dists or [],
    }
    return datasets.create_dataset(cat, who, {**data, **extra})


def _events(cat, action):
    with cat.session() as s:
        return list(s.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


# -- pinned versions --------------------------------------------------------------------------
def test_publishing_a_benchmark_pins_its_version_and_file_manifest(cat, people):
    alice, _bob, cur = people
    ds = _bench(cat, alice)
    with cat.session() as s:
        assert s.get(BenchmarkVersion, ds.id) is None  # a draft is not pinned
    datasets.publish_dataset(cat, cur, ds.name)
    with cat.session() as s:
        row = s.get(BenchmarkVersion, ds.id)
        assert row.version == "1.0" and row.pinned_by == cur.id
        assert [(e["title"], e["split"], e["sha256"]) for e in row.manifest] == [
            ("测试集", "test", H_TEST),
            ("验证集", "validation", H_VAL),
        ]  # the landing page is no file
        assert all("url" not in e and "lab.example" not in str(e) for e in row.manifest)
    (event,) = _events(cat, "benchmark.pinned")
    assert event.object_id == ds.id and event.data == {"version": "1.0", "files": 2}


def _edit_approved(cat, partner, curator, ref: str, patch: dict) -> None:
    """A partner's edit of a published dataset waits for review (issue 13): the curator
    approves it, which writes it."""
    res = datasets.save_edit(cat, partner, ref, patch)
    assert res.pending
    revisions.approve(cat, curator, res.revision_id)


def test_a_pinned_benchmark_refuses_a_new_version_string_or_other_files(cat, people):
    alice, _bob, cur = people
    ds = _bench(cat, alice)
    datasets.publish_dataset(cat, cur, ds.name)
    with pytest.raises(ValidationFailed) as err:
        datasets.update_dataset(cat, alice, ds.name, {"version": "1.1"})
    assert "pinned" in err.value.messages["version"][0]
    assert "已发布基准测试集" in err.value.localized("zh")["version"][0]
    dists = [
        {"title": "测试集", "download_url": "https://lab.example/t2.zip", "sha256": H_OTHER},
        {"title": "验证集", "download_url": "https://lab.example/fundus-val.zip", "sha256": H_VAL},
    ]
    with pytest.raises(ValidationFailed) as err:
        datasets.update_dataset(cat, cur, ds.name, {"distributions": dists})  # curators too
    assert "distributions" in err.value.messages
    with pytest.raises(ValidationFailed):
        datasets.update_dataset(cat, alice, ds.name, {"kind": "training"})
    # the text may change, and a file may move to a new link with the same content
    moved = [
        {
            "title": "测试集（镜像）",
            "download_url": "https://mirror.example/t.zip",
            "sha256": H_TEST,
        },
        {"title": "验证集", "download_url": "https://lab.example/fundus-val.zip", "sha256": H_VAL},
    ]
    _edit_approved(cat, alice, cur, ds.name, {"description": "新说明", "distributions": moved})
    assert datasets.get_dataset(cat, ANONYMOUS, ds.name).distributions[0].title == "测试集（镜像）"
    with cat.session() as s:  # the manifest stays as published
        assert s.get(BenchmarkVersion, ds.id).manifest[0]["title"] == "测试集"


def test_a_new_version_is_a_new_record_linked_to_the_old_one(cat, people):
    alice, bob, cur = people
    old = _bench(cat, alice)
    datasets.publish_dataset(cat, cur, old.name)
    datasets.update_dataset(cat, cur, old.name, {"featured": True})  # the bureau's mark
    with pytest.raises(ValidationFailed):
        benchmarks.new_version(cat, alice, old.name, "1.0")
    with pytest.raises(PermissionDenied):
        benchmarks.new_version(cat, bob, old.name, "2.0")
    new = benchmarks.new_version(cat, alice, old.name, "2.0")
    assert new.name == "fundus-bench-v2-0" and new.status == "draft" and new.version == "2.0"
    assert new.featured is False and new.metrics == ["mAP@0.5", "MAE"]
    assert [d.sha256 for d in new.distributions] == [H_TEST, H_VAL, None]
    assert [d.split for d in new.distributions] == ["test", "validation", None]
    old_ds = datasets.get_dataset(cat, ANONYMOUS, old.name)
    assert benchmarks.version_info(cat, ANONYMOUS, old_ds).newer is None  # a draft is not shown
    assert benchmarks.version_info(cat, alice, old_ds).newer.name == new.name
    # the new version's files may change before it is published, then they are pinned too
    datasets.update_dataset(
        cat,
        alice,
        new.name,
        {
            "distributions": [
                {
                    "title": "测试集 v2",
                    "download_url": "https://lab.example/v2.zip",
                    "sha256": H_OTHER,
                    "split": "test",
                }
            ]
        },
    )
    datasets.publish_dataset(cat, cur, new.name)
    info = benchmarks.version_info(cat, ANONYMOUS, old_ds)
    assert info.newer.name == new.name and info.pinned.version == "1.0"
    new_info = benchmarks.version_info(
        cat, ANONYMOUS, datasets.get_dataset(cat, ANONYMOUS, new.name)
    )
    assert new_info.previous.name == old.name and new_info.pinned.manifest[0]["sha256"] == H_OTHER
    (event,) = _events(cat, "benchmark.new_version")
    assert event.object_id == old.id and event.data["version"] == "2.0"


def test_a_hash_found_after_publication_fills_the_manifest_once(cat, people):
    alice, _bob, cur = people
    ds = _bench(
        cat,
        alice,
        distributions=[
            {"title": "测试集", "download_url": "https://lab.example/x.zip", "split": "test"}
        ],
    )
    datasets.publish_dataset(cat, cur, ds.name)
    # the publisher gives the hash later: allowed once (the file did not change)
    _edit_approved(
        cat,
        alice,
        cur,
        ds.name,
        {
            "distributions": [
                {
                    "title": "测试集",
                    "download_url": "https://lab.example/x.zip",
                    "sha256": H_TEST,
                    "split": "test",
                }
            ]
        },
    )
    with cat.session() as s:
        assert s.get(BenchmarkVersion, ds.id).manifest[0]["sha256"] == H_TEST
    with pytest.raises(ValidationFailed):  # but not changed after that
        datasets.update_dataset(
            cat,
            alice,
            ds.name,
            {
                "distributions": [
                    {
                        "title": "测试集",
                        "download_url": "https://lab.example/x.zip",
                        "sha256": H_OTHER,
                        "split": "test",
                    }
                ]
            },
        )


# -- the "evaluated on" register --------------------------------------------------------------
def test_results_are_submitted_by_users_and_verified_by_curators(cat, people):
    alice, bob, cur = people
    ds = _bench(cat, alice)
    entry = {"model": "RetinaNet-R50", "organization": "某高校", "metric": "mAP@0.5", "score": 0.71}
    with pytest.raises(NotFound):  # another organization's draft is not there
        benchmark_results.submit(cat, bob, ds.name, entry)
    with pytest.raises(ValidationFailed):  # and a draft takes no results
        benchmark_results.submit(cat, alice, ds.name, entry)
    datasets.publish_dataset(cat, cur, ds.name)
    with pytest.raises(PermissionDenied):
        benchmark_results.submit(cat, ANONYMOUS, ds.name, entry)
    with pytest.raises(ValidationFailed) as err:
        benchmark_results.submit(cat, bob, ds.name, {**entry, "score": "high", "link": "nope"})
    assert set(err.value.messages) == {"score", "link"}
    with pytest.raises(NotFound):  # an open-data record has no leaderboard
        datasets.create_dataset(cat, alice, {"name": "plain", "title": "x", "organization": "lab"})
        benchmark_results.submit(cat, bob, "plain", entry)
    r1 = benchmark_results.submit(
        cat,
        bob,
        ds.name,
        {**entry, "link": "https://arxiv.org/abs/2401.00001", "evaluated_on": "2025-05-01"},
    )
    assert r1.state == "submitted" and r1.benchmark_version == "1.0"
    r2 = benchmark_results.submit(cat, bob, ds.name, {**entry, "model": "YOLOv8-m", "score": 0.78})
    r3 = benchmark_results.submit(cat, alice, ds.name, {**entry, "model": "DETR", "score": 0.65})
    r4 = benchmark_results.submit(
        cat, alice, ds.name, {"model": "YOLOv8-m", "metric": "MAE", "score": 2.5}
    )
    r5 = benchmark_results.submit(
        cat, bob, ds.name, {"model": "=cmd|' /C calc'!A0", "metric": "MAE", "score": 1.5}
    )
    with pytest.raises(PermissionDenied):
        benchmark_results.decide(cat, alice, r1.id, "verified")
    with pytest.raises(ValidationFailed):
        benchmark_results.decide(cat, cur, r3.id, "rejected")  # a rejection says why
    benchmark_results.decide(cat, cur, r1.id, "verified")
    benchmark_results.decide(cat, cur, r3.id, "rejected", "no report")
    benchmark_results.decide(cat, cur, r4.id, "verified")
    benchmark_results.decide(cat, cur, r5.id, "verified")
    board = benchmark_results.leaderboard(cat, ANONYMOUS, ds)
    (m1, lower1, e1), (m2, lower2, e2) = board.metrics
    # verified first (ranked), then unverified; the rejected one only curators see
    assert (m1, lower1) == ("mAP@0.5", False)
    assert [(e.result.model, e.rank, e.result.state) for e in e1] == [
        ("RetinaNet-R50", 1, "verified"),
        ("YOLOv8-m", None, "submitted"),
    ]
    assert e1[0].submitted_by == "Bob"
    assert (m2, lower2) == ("MAE", True)  # an error: lower is better
    assert [e.result.score for e in e2] == [1.5, 2.5]
    assert "DETR" in [
        e.result.model
        for _m, _l, es in benchmark_results.leaderboard(cat, cur, ds).metrics
        for e in es
    ]
    rows = list(csv.reader(io.StringIO(benchmark_results.to_csv(board))))
    assert rows[0] == list(benchmark_results.EXPORT_COLUMNS)
    assert rows[1][:5] == ["1", "RetinaNet-R50", "某高校", "mAP@0.5", "0.71"]
    assert rows[1][6:11] == ["1.0", "https://arxiv.org/abs/2401.00001", "Bob", "true", "verified"]
    assert rows[3][1] == "'=cmd|' /C calc'!A0"  # never a formula
    assert [e.data["to"] for e in _events(cat, "benchmark_result.verified")] == ["verified"] * 3
    (rejected,) = _events(cat, "benchmark_result.rejected")
    assert rejected.note == "no report" and rejected.actor_id == cur.id
    assert len(_events(cat, "benchmark_result.submit")) == 5
    assert r2.id  # stays unverified


# -- contamination ----------------------------------------------------------------------------
def test_a_training_set_sharing_a_test_file_hash_is_flagged_on_both_sides(cat, people):
    alice, _bob, cur = people
    bench = _bench(cat, alice)
    datasets.publish_dataset(cat, cur, bench.name)
    train = _training(
        cat,
        alice,
        dists=[
            {"title": "训练包", "download_url": "https://lab.example/train.zip", "sha256": H_TEST},
            {"title": "验证包", "download_url": "https://lab.example/val.zip", "sha256": H_VAL},
        ],
    )
    (w,) = contamination.warnings_for(cat, alice, datasets.get_dataset(cat, alice, train.name))
    assert w.kind == "file_hash" and w.other.name == bench.name
    assert w.evidence == {
        "sha256": H_TEST,
        "training_file": "训练包",
        "training_file_en": None,
        "benchmark_file": "测试集",
        "benchmark_file_en": None,
        "split": "test",
    }  # the validation file is shared too, but it is no test data
    bench_ds = datasets.get_dataset(cat, ANONYMOUS, bench.name)
    # the training set is a draft: the public benchmark page does not name it, its editors do
    assert contamination.warnings_for(cat, ANONYMOUS, bench_ds) == []
    assert [w.other.name for w in contamination.warnings_for(cat, alice, bench_ds)] == [train.name]
    datasets.publish_dataset(cat, cur, train.name)
    assert [w.kind for w in contamination.warnings_for(cat, ANONYMOUS, bench_ds)] == ["file_hash"]
    # the training set drops the file: the warning goes
    datasets.update_dataset(cat, cur, train.name, {"distributions": []})
    assert contamination.warnings_for(cat, ANONYMOUS, bench_ds) == []


def test_declared_derivation_and_near_identical_text_are_flagged(cat, people):
    alice, _bob, cur = people
    bench = _bench(cat, alice)
    with pytest.raises(ValidationFailed) as err:
        _training(cat, alice, derived_from=["no-such-set"])
    assert err.value.localized("zh")["derived_from"] == ["没有名为“no-such-set”的数据集。"]
    with pytest.raises(ValidationFailed):
        _training(cat, alice, name="selfish", derived_from=["selfish"])
    declared = _training(cat, alice, name="declared", derived_from=[bench.name])
    copy = _training(
        cat,
        alice,
        name="copycat",
        title="眼底病灶检测基准",
        description="微动脉瘤、出血和硬性渗出的检测基准，测试集按医院分层。",
    )
    unrelated = _training(cat, alice, name="unrelated")
    found = {
        (w.other.name, w.kind)
        for w in contamination.warnings_for(cat, cur, datasets.get_dataset(cat, cur, bench.name))
    }
    assert found == {(declared.name, "declared"), (copy.name, "text")}
    (w,) = contamination.warnings_for(cat, cur, datasets.get_dataset(cat, cur, copy.name))
    assert w.evidence["similarity"] == 1.0 and w.evidence["benchmark_title"] == "眼底病灶检测基准"
    assert (
        contamination.warnings_for(cat, cur, datasets.get_dataset(cat, cur, unrelated.name)) == []
    )
    # recomputing everything finds the same
    assert contamination.refresh_all(cat) == 2


def test_similarity_reads_chinese_bigrams_and_english_words():
    a = contamination.tokens("交通流量预测", "Traffic flow forecasting")
    assert {"交通", "流量", "traffic", "forecasting"} <= a
    assert contamination.jaccard(a, a) == 1.0
    assert contamination.jaccard(a, contamination.tokens("医疗影像")) == 0.0
