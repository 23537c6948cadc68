"""Readable addresses (issue 13, item 6): Chinese titles and organization names get pinyin
names, unique and stable; opaque names of older records are replaced and still resolve."""

from __future__ import annotations

import pytest

from catalog.errors import NotFound
from catalog.models import AuditEvent
from catalog.search import SearchQuery
from catalog.services import datasets, names, organizations
from catalog.services.authz import ANONYMOUS, SYSTEM
from catalog.services.harvest import SourceSpec
from catalog.services.records import by_name_or_id
from harvesters.base import Transformed
from harvesters.prepare import _name


def test_pinyin_slugs() -> None:
    # one part per jieba word (the segmentation of the packaged dictionary)
    assert names.pinyin_slug("保定市公交线路") == "baodingshi-gongjiaoxianlu"
    assert (
        names.pinyin_slug("2023年保定市PM2.5监测数据") == "2023-nian-baodingshi-pm2-5-jianceshuju"
    )
    assert names.pinyin_slug("绿化（公园）") == "lvhua-gongyuan"
    assert names.pinyin_slug("！？") == ""
    long = names.pinyin_slug("保定市" * 40)
    assert len(long) <= names.MAX_LEN and not long.endswith("-")
    assert names.dataset_base({"title": "医疗机构名录"}) == "yiliaojigou-minglu"
    assert names.dataset_base({"title": "医疗机构名录", "title_en": "Hospitals"}) == "hospitals"
    assert names.dataset_base({"title": "医疗", "resource_code": "BD-YL-01"}) == "bd-yl-01"
    assert names.OPAQUE_DATASET.match(names.dataset_base({"title": "？", "kind": "training"}))


def test_names_are_readable_unique_and_stable(cat) -> None:
    organizations.create_organization(cat, SYSTEM, {"title": "保定市交通运输局"})
    org = organizations.get_organization(cat, "baodingshi-jiaotongyunshu-ju")
    a = datasets.create_dataset(cat, SYSTEM, {"title": "公交线路", "organization": org.name})
    b = datasets.create_dataset(cat, SYSTEM, {"title": "公交线路", "organization": org.name})
    assert (a.name, b.name) == ("gongjiaoxianlu", "gongjiaoxianlu-2")
    edited = datasets.update_dataset(cat, SYSTEM, a.id, {"title": "公交线路与站点"})
    assert edited.name == "gongjiaoxianlu"  # the address does not follow the title


def test_opaque_names_are_replaced_and_the_old_ones_still_work(cat) -> None:
    organizations.create_organization(
        cat, SYSTEM, {"name": "org-1a2b3c4d", "title": "保定市气象局"}
    )
    old = datasets.create_dataset(
        cat,
        SYSTEM,
        {"name": "dataset-2b2a78899d", "title": "降水量观测", "organization": "org-1a2b3c4d"},
        status="published",
    )
    keep = datasets.create_dataset(
        cat, SYSTEM, {"name": "dataset-0123456789", "title": "？？"}, status="published"
    )
    planned = names.readable_names(cat, SYSTEM, dry_run=True)
    assert {(r.old, r.new) for r in planned} == {
        ("dataset-2b2a78899d", "jiangshuiliang-guance"),
        ("org-1a2b3c4d", "baodingshi-qixiangju"),
    }
    assert datasets.get_dataset(cat, ANONYMOUS, old.id).name == "dataset-2b2a78899d"
    done = names.readable_names(cat, SYSTEM)
    assert {(r.old, r.new) for r in done} == {(r.old, r.new) for r in planned}
    ds = datasets.get_dataset(cat, ANONYMOUS, "dataset-2b2a78899d")  # the old name resolves
    assert ds.id == old.id and ds.name == "jiangshuiliang-guance"
    assert ds.organization.name == "baodingshi-qixiangju"
    assert datasets.get_dataset(cat, ANONYMOUS, keep.id).name == "dataset-0123456789"
    with cat.session() as s:
        assert by_name_or_id(s, organizations.Organization, "org-1a2b3c4d").title == "保定市气象局"
        actions = {e.action for e in s.query(AuditEvent).filter(AuditEvent.object_id == old.id)}
    assert "dataset.renamed" in actions
    # the index has the new name; a second run has nothing to do
    hits = cat.search.search(SearchQuery(text="降水量", facets=())).hits
    assert [h.doc["name"] for h in hits] == ["jiangshuiliang-guance"]
    assert names.readable_names(cat, SYSTEM) == []
    # an old address is not given to a new record
    again = datasets.create_dataset(
        cat, SYSTEM, {"title": "x", "resource_code": "dataset-2b2a78899d"}
    )
    assert again.name == "dataset-2b2a78899d-2"
    with pytest.raises(NotFound):
        datasets.get_dataset(cat, ANONYMOUS, "no-such-name")


def test_harvested_chinese_titles_get_pinyin_names() -> None:
    spec = SourceSpec(1, "src", "dcat", "https://x.example", None, {}, False, None)
    assert (
        _name(Transformed("r1", {"title": "保定市公交线路"}), spec) == "baodingshi-gongjiaoxianlu"
    )
    assert _name(Transformed("r1", {"title": "2023年空气质量"}), spec) == "2023-nian-kongqizhiliang"
    assert (
        _name(Transformed("r1", {"title": "Air", "title_en": "Air quality"}), spec) == "air-quality"
    )
    assert _name(Transformed("r1", {"title": "？"}), spec).startswith("dataset-")


def test_old_addresses_redirect_on_pages_and_resolve_in_apis(tmp_path) -> None:
    import requests

    from tests.livesite import serve

    def load(cat) -> None:
        organizations.create_organization(
            cat, SYSTEM, {"name": "org-1a2b3c4d", "title": "保定市气象局"}
        )
        datasets.create_dataset(
            cat,
            SYSTEM,
            {"name": "dataset-2b2a78899d", "title": "降水量观测", "organization": "org-1a2b3c4d"},
            status="published",
        )
        names.readable_names(cat, SYSTEM)

    with serve(tmp_path, load) as (url, _cat):
        r = requests.get(
            f"{url}/dataset/dataset-2b2a78899d?lang=en", allow_redirects=False, timeout=20
        )
        assert r.status_code == 301
        assert r.headers["Location"].endswith("/dataset/jiangshuiliang-guance?lang=en")
        r = requests.get(f"{url}/organization/org-1a2b3c4d", allow_redirects=False, timeout=20)
        assert r.status_code == 301
        assert r.headers["Location"].endswith("/organization/baodingshi-qixiangju")
        assert requests.get(f"{url}/dataset/jiangshuiliang-guance", timeout=20).status_code == 200
        api = requests.get(f"{url}/api/v1/datasets/dataset-2b2a78899d", timeout=20).json()
        assert api["name"] == "jiangshuiliang-guance"
        ckan = requests.get(
            f"{url}/api/3/action/package_show?id=dataset-2b2a78899d", timeout=20
        ).json()
        assert ckan["success"] and ckan["result"]["name"] == "jiangshuiliang-guance"
        org = requests.get(
            f"{url}/api/3/action/organization_show?id=org-1a2b3c4d", timeout=20
        ).json()
        assert org["success"] and org["result"]["name"] == "baodingshi-qixiangju"


def test_the_commands(tmp_path, monkeypatch) -> None:
    """`catalog names readable` and `catalog curation digest`, as an operator runs them."""
    from click.testing import CliRunner

    from catalog.context import open_catalog
    from cli import main
    from tests.portal import folder_mail, make_user

    monkeypatch.setenv("CATALOG_INSTANCE", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(main, ["init"]).exit_code == 0
    cat = open_catalog()
    try:
        datasets.create_dataset(
            cat, SYSTEM, {"name": "training-2b2a78899d", "title": "缺陷检测", "kind": "training"}
        )
        make_user(cat, "curator@bureau.example.cn", "curator")
    finally:
        cat.dispose()
    dry = runner.invoke(main, ["names", "readable", "--dry-run"])
    assert dry.exit_code == 0 and "training-2b2a78899d\tquexian-jiance" in dry.output
    assert "1 to rename" in dry.output
    done = runner.invoke(main, ["names", "readable"])
    assert done.exit_code == 0 and "1 renamed" in done.output
    assert "0 renamed" in runner.invoke(main, ["names", "readable"]).output
    # the digest: only in the daily mode (or forced), and only when something waits
    assert "no digest sent" in runner.invoke(main, ["curation", "digest"]).output
    cat = open_catalog()
    try:
        ds = datasets.get_dataset(cat, SYSTEM, "quexian-jiance")
        datasets.change_status(cat, SYSTEM, ds.id, "submitted")
    finally:
        cat.dispose()
    out = runner.invoke(main, ["curation", "digest", "--force"])
    assert out.exit_code == 0 and "digest sent" in out.output
    cat = open_catalog()
    try:
        mail = folder_mail(cat)[-1]
        assert mail["To"] == "curator@bureau.example.cn" and "缺陷检测" in mail.get_content()
    finally:
        cat.dispose()


def test_old_addresses_survive_export_and_import(cat, tmp_path) -> None:
    import io

    from catalog.context import open_catalog
    from catalog.services import records

    datasets.create_dataset(
        cat, SYSTEM, {"name": "dataset-2b2a78899d", "title": "降水量观测"}, status="published"
    )
    names.readable_names(cat, SYSTEM)
    out = io.StringIO()
    records.write_jsonl(records.export_records(cat), out)
    other = open_catalog(instance_path=tmp_path / "other")
    try:
        other.migrate()
        other.create_index_if_missing()
        counts = records.import_jsonl(other, io.StringIO(out.getvalue()))
        assert counts == {"organization": 0, "dataset": 1, "name_alias": 1}
        again = records.import_jsonl(other, io.StringIO(out.getvalue()))  # replaces, no clash
        assert again["name_alias"] == 1
        ds = datasets.get_dataset(other, ANONYMOUS, "dataset-2b2a78899d")
        assert ds.name == "jiangshuiliang-guance"
    finally:
        other.dispose()
