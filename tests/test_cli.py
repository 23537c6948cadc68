"""The `catalog` command, run as an operator would (CliRunner, and once as a real process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from catalog.context import open_catalog
from catalog.models import Dataset, Distribution, Organization, User
from catalog.search import SearchQuery
from catalog.services import datasets, organizations, users
from catalog.services.authz import SYSTEM, Actor
from cli import main

ORGS = [
    {
        "name": "bd-transport",
        "title": "保定市交通运输局",
        "title_en": "Transport Bureau",
        "credit_code": "11130600000000000X",
        "fields_of_data": ["transport"],
    },
    {
        "name": "zhiyuan",
        "title": "保定智源科技有限公司",
        "org_type": "enterprise",
        "contact_email": "data@zhiyuan.example.cn",
        "region": "130602",
    },
]
DATASETS = [
    {
        "title": "保定市公交线路与站点",
        "title_en": "Bus lines",
        "organization": "bd-transport",
        "keywords": ["公交"],
        "themes": ["transport"],
        "issued": "2023-05-01",
        "temporal_start": "2023-01-01",
        "temporal_end": "2023-12-31",
        "spatial": ["130600"],
        "extras": {"备注": "含首末班", "n": [1, 2]},
        "distributions": [
            {
                "title": "CSV",
                "download_url": "https://example.cn/bus.csv",
                "format": "CSV",
                "byte_size": 1024,
            },
            {"title": "API", "access_url": "https://api.example.cn/bus"},
        ],
    },
    {
        "title": "路口车辆目标检测数据集",
        "organization": "zhiyuan",
        "kind": "training",
        "modalities": ["image"],
        "task_categories": ["object_detection"],
        "annotation_accuracy": 0.98,
        "sample_counts": {"train": 9000, "test": 1000},
        "access_rights": "conditional",
        "distributions": [
            {"title": "样例", "download_url": "https://example.cn/sample.zip", "restricted": False},
            {"title": "全量", "download_url": "https://example.cn/full.zip", "restricted": True},
        ],
    },
    {
        "title": "空气质量小时数据",
        "resource_code": "BD-HB-0007",
        "source_department": "生态环境局",
        "frequency": "DAILY",
        "data_formats": ["JSON"],
    },
]


def run(*args: str, input: str | None = None, ok: bool = True):
    result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Point CATALOG_INSTANCE at a folder; returns a function to switch to another one."""

    def use(name: str) -> Path:
        path = tmp_path / name
        monkeypatch.setenv("CATALOG_INSTANCE", str(path))
        return path

    use("a")
    return use


def _count(cat, model) -> int:
    with cat.session() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def fill(path: Path, by_user: bool = False) -> dict[str, str]:
    """Organizations, published datasets and a draft, through the services; with
    ``by_user`` the first dataset is made and edited by a curator's account."""
    cat = open_catalog(instance_path=path)
    try:
        for org in ORGS:
            organizations.create_organization(cat, SYSTEM, org)
        actor = SYSTEM
        if by_user:
            curator = users.create_user(
                cat, SYSTEM, "cu@bureau.example.cn", "Cu", "curator-pw-1", role="curator"
            )
            actor = Actor.of(users.get_user(cat, curator.id))
        ids = {}
        for i, data in enumerate(DATASETS):
            ds = datasets.create_dataset(cat, actor if i == 0 else SYSTEM, data, status="published")
            ids[data["title"]] = ds.id
        draft = datasets.create_dataset(
            cat, SYSTEM, {"title": "未发布草稿", "organization": "zhiyuan"}
        )
        ids["draft"] = draft.id
        datasets.update_dataset(cat, actor, ids["保定市公交线路与站点"], {"description": "更新过"})
        return ids
    finally:
        cat.dispose()


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An export file of a filled instance (made once for the tests that only read it)."""
    base = tmp_path_factory.mktemp("exported")
    with pytest.MonkeyPatch.context() as mp:
        for key in [k for k in os.environ if k.startswith("CATALOG_")]:
            mp.delenv(key)
        mp.setenv("CATALOG_INSTANCE", str(base / "a"))
        run("init")
        fill(base / "a")
        run("export", str(base / "a.jsonl"))
    return base / "a.jsonl"


def test_init_creates_database_and_index(instance) -> None:
    path = instance("a")
    result = run("init")
    assert "database ready" in result.stdout
    assert f"search backend embedded at {path / 'search-index'}" in result.stdout
    assert (path / "catalog.db").exists()
    assert (path / "search-index" / "meta.json").exists()
    run("init")  # again: nothing breaks
    status = json.loads(run("search", "status").stdout)
    assert status["ok"] is True and status["documents"] == 0


def test_export_import_round_trip_is_lossless(instance, tmp_path: Path) -> None:
    a = instance("a")
    run("init")
    ids = fill(a)
    out_a = tmp_path / "a.jsonl"
    assert "wrote 6 records" in run("export", str(out_a)).stdout  # 2 orgs + 4 datasets

    b = instance("b")
    result = run("import", str(out_a))
    assert "imported 2 organizations and 4 datasets" in result.stdout
    out_b = tmp_path / "b.jsonl"
    run("export", str(out_b))
    assert out_a.read_bytes() == out_b.read_bytes()

    lines = [json.loads(line) for line in out_a.read_text(encoding="utf-8").splitlines()]
    assert [r["type"] for r in lines] == ["organization"] * 2 + ["dataset"] * 4
    by_title = {r["data"]["title"]: r["data"] for r in lines if r["type"] == "dataset"}
    assert by_title["保定市公交线路与站点"]["extras"] == {"备注": "含首末班", "n": [1, 2]}
    assert by_title["未发布草稿"]["status"] == "draft"

    cat = open_catalog(instance_path=b)
    try:
        assert _count(cat, Dataset) == 4 and _count(cat, Organization) == 2
        assert _count(cat, Distribution) == 4
        # search in B finds the published datasets, not the draft
        hits = cat.search.search(SearchQuery(text="公交")).hits
        assert [h.id for h in hits] == [ids["保定市公交线路与站点"]]
        assert cat.search.search(SearchQuery(text="目标检测")).total == 1
        assert cat.search.search(SearchQuery(text="草稿")).total == 0
        assert cat.search.count() == 3
        got = datasets.get_dataset(cat, SYSTEM, ids["路口车辆目标检测数据集"])
        assert got.sample_counts == {"train": 9000, "test": 1000}
        assert [d.restricted for d in got.distributions] == [False, True]
        assert got.organization.name == "zhiyuan"
    finally:
        cat.dispose()


def test_round_trip_of_content_made_by_accounts(instance, tmp_path: Path) -> None:
    """Accounts are not exported: a new instance gets the content without the references
    to accounts it does not have, and from then on round trips are exact."""
    a = instance("a")
    run("init")
    ids = fill(a, by_user=True)
    out_a = tmp_path / "a.jsonl"
    run("export", str(out_a))
    instance("b")
    run("import", str(out_a))
    out_b = tmp_path / "b.jsonl"
    run("export", str(out_b))

    def records(path: Path) -> dict[str, dict]:
        return {
            r["data"]["id"]: r["data"]
            for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())
        }

    rec_a, rec_b = records(out_a), records(out_b)
    assert rec_a.keys() == rec_b.keys()
    made = ids["保定市公交线路与站点"]
    assert rec_a[made]["created_by"] is not None
    assert rec_b[made]["created_by"] is None and rec_b[made]["updated_by"] is None
    for id_, data in rec_a.items():
        assert {**data, "created_by": None, "updated_by": None} == {
            **rec_b[id_],
            "created_by": None,
            "updated_by": None,
        }
    instance("c")
    run("import", str(out_b))
    out_c = tmp_path / "c.jsonl"
    run("export", str(out_c))
    assert out_c.read_bytes() == out_b.read_bytes()


def test_import_replaces_records_with_the_same_id(instance, tmp_path: Path) -> None:
    a = instance("a")
    run("init")
    ids = fill(a, by_user=True)
    dump = tmp_path / "a.jsonl"
    run("export", str(dump))
    cat = open_catalog(instance_path=a)
    try:
        datasets.update_dataset(cat, SYSTEM, ids["空气质量小时数据"], {"title": "改过的标题"})
    finally:
        cat.dispose()
    run("import", str(dump))  # restore the backup over the changed instance
    again = tmp_path / "again.jsonl"
    run("export", str(again))
    assert again.read_bytes() == dump.read_bytes()  # account references kept: they exist here
    cat = open_catalog(instance_path=a)
    try:
        assert _count(cat, Dataset) == 4
        assert (
            datasets.get_dataset(cat, SYSTEM, ids["空气质量小时数据"]).title == "空气质量小时数据"
        )
        assert cat.search.search(SearchQuery(text="改过")).total == 0
        assert cat.search.search(SearchQuery(text="空气质量")).total == 1
    finally:
        cat.dispose()


@pytest.mark.parametrize(
    ("bad_line", "why"),
    [
        ("{not json", "not an export record"),
        ('{"type": "dataset"}', "not an export record"),
        ('["dataset", {}]', "not an export record"),
        ('{"type": "user", "data": {"id": "x"}}', "unknown record type"),
        ('{"type": "dataset", "data": {"title": "没有 id"}}', ""),
        (
            '{"type": "dataset", "data": {"id": "d1", "name": "d1", "title": "t", '
            '"modified": "yesterday"}}',
            "",
        ),
        ('{"type": "organization", "data": {"id": "o1", "title": "无名"}}', ""),
    ],
    ids=["json", "no-data", "list", "type", "no-id", "bad-date", "no-name"],
)
def test_broken_line_gives_a_clear_error_and_stores_nothing(
    instance,
    exported,
    tmp_path,
    bad_line,
    why,
) -> None:
    good = exported.read_text(encoding="utf-8").splitlines()
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join([*good[:3], bad_line, *good[3:]]) + "\n", encoding="utf-8")

    b = instance("b")
    run("init")
    cat = open_catalog(instance_path=b)
    try:
        organizations.create_organization(cat, SYSTEM, {"name": "already", "title": "原有机构"})
    finally:
        cat.dispose()

    result = CliRunner().invoke(main, ["import", str(broken)])
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "line 4" in result.output
    assert why in result.output
    assert "Traceback" not in result.output

    cat = open_catalog(instance_path=b)
    try:
        assert _count(cat, Dataset) == 0
        assert [o.name for o, _n in organizations.list_organizations(cat)] == ["already"]
        assert cat.search.count() == 0
    finally:
        cat.dispose()


def test_import_of_a_missing_file_is_refused(instance, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["import", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_search_rebuild_prints_a_count(instance) -> None:
    a = instance("a")
    run("init")
    fill(a)
    result = run("search", "rebuild")
    assert "indexed 3 datasets" in result.stdout
    status = json.loads(run("search", "status").stdout)
    assert status["ok"] is True and status["documents"] == 3


def test_search_rebuild_repairs_a_deleted_index(instance) -> None:
    import shutil

    a = instance("a")
    run("init")
    fill(a)
    shutil.rmtree(a / "search-index")
    down = run("search", "status", ok=False)
    assert down.exit_code == 1
    assert json.loads(down.stdout)["ok"] is False
    assert json.loads(down.stdout)["state"] == "unavailable"
    assert "indexed 3 datasets" in run("search", "rebuild").stdout
    assert json.loads(run("search", "status").stdout)["documents"] == 3


def test_search_status_reports_an_index_that_lags_the_store(instance) -> None:
    """After a crash the index can miss published datasets while it answers: the status
    says so (and exits 1) instead of ok, with the queued changes counted."""
    import shutil

    from catalog.context import open_catalog
    from catalog.models import IndexOutbox

    a = instance("a")
    run("init")
    ids = fill(a)
    shutil.rmtree(a / "search-index")
    run("init")  # an empty index: it answers, but holds none of the 3 datasets
    lagging = run("search", "status", ok=False)
    assert lagging.exit_code == 1
    body = json.loads(lagging.stdout)
    assert body["ok"] is True and body["documents"] == 0
    assert (body["state"], body["published"], body["missing"], body["queued"]) == (
        "lagging",
        3,
        3,
        0,
    )
    cat = open_catalog()
    try:
        with cat.session() as s:
            s.add_all([IndexOutbox(dataset_id=i) for i in list(ids.values())[:2]])
    finally:
        cat.dispose()
    assert json.loads(run("search", "status", ok=False).stdout)["queued"] == 2
    run("search", "rebuild")
    healthy = json.loads(run("search", "status").stdout)
    assert (healthy["state"], healthy["missing"], healthy["queued"]) == ("ok", 0, 0)


def test_users_create_with_password(instance) -> None:
    a = instance("a")
    run("init")
    fill(a)
    result = run(
        "users",
        "create",
        "--email",
        "Li.Si@Example.cn",
        "--name",
        "李四",
        "--password",
        "s3cret-pass",
        "--org",
        "zhiyuan",
        "--org-role",
        "admin",
    )
    assert "created user li.si@example.cn" in result.stdout
    cat = open_catalog(instance_path=a)
    try:
        user = users.authenticate(cat, "li.si@example.cn", "s3cret-pass")
        assert user is not None and user.name == "李四"
        assert users.authenticate(cat, "li.si@example.cn", "wrong-pass") is None
        org = organizations.get_organization(cat, "zhiyuan")
        assert Actor.of(users.get_user(cat, user.id)).admin_of(org.id)
        with cat.session() as s:
            assert "s3cret-pass" not in s.get(User, user.id).password_hash
    finally:
        cat.dispose()


def test_users_create_prompts_for_the_password(instance) -> None:
    a = instance("a")
    run("init")
    result = run(
        "users",
        "create",
        "--email",
        "cur@example.cn",
        "--name",
        "馆员",
        "--role",
        "curator",
        input="pw-from-prompt\npw-from-prompt\n",
    )
    assert "created curator cur@example.cn" in result.stdout
    assert "pw-from-prompt" not in result.stdout
    cat = open_catalog(instance_path=a)
    try:
        assert users.authenticate(cat, "cur@example.cn", "pw-from-prompt").role == "curator"
    finally:
        cat.dispose()


def test_users_create_reports_invalid_input(instance) -> None:
    run("init")
    result = CliRunner().invoke(
        main, ["users", "create", "--email", "nope", "--name", "x", "--password", "short"]
    )
    assert result.exit_code == 1
    assert "invalid input" in result.output
    assert "email" in result.output and "password" in result.output
    run("users", "create", "--email", "dup@example.cn", "--name", "x", "--password", "long-enough")
    result = CliRunner().invoke(
        main,
        [
            "users",
            "create",
            "--email",
            "dup@example.cn",
            "--name",
            "y",
            "--password",
            "long-enough",
        ],
    )
    assert result.exit_code == 1 and "exists" in result.output


def test_unknown_command_and_help() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for cmd in ("init", "export", "import", "search", "users"):
        assert cmd in result.output
    assert CliRunner().invoke(main, ["frobnicate"]).exit_code == 2


def _catalog_executable() -> str:
    exe = Path(sys.executable).parent / "catalog"
    if not exe.exists():
        pytest.fail(f"the `catalog` entry point is not installed next to {sys.executable}")
    return str(exe)


def test_real_process(tmp_path: Path) -> None:
    """The installed entry point, as a separate process with its own environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CATALOG_")}
    env["CATALOG_INSTANCE"] = str(tmp_path / "proc")
    exe = _catalog_executable()

    def call(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [exe, *args],
            env=env,
            capture_output=True,
            text=True,
            input=input,
            timeout=120,
            cwd=tmp_path,
        )

    p = call("init")
    assert p.returncode == 0, p.stderr
    assert "database ready" in p.stdout
    fill(tmp_path / "proc")
    p = call("search", "rebuild")
    assert p.returncode == 0, p.stderr
    assert "indexed 3 datasets" in p.stdout
    (tmp_path / "bad.jsonl").write_text('{"type": "dataset"\n', encoding="utf-8")
    p = call("import", str(tmp_path / "bad.jsonl"))
    assert p.returncode == 1
    assert "line 1" in p.stderr and "Traceback" not in p.stderr


def test_benchmarks_check_pins_and_recomputes_findings(instance) -> None:
    """Rows written without the hooks (by hand, or findings of an older rule) are caught up."""
    from sqlalchemy import delete

    from catalog.models import BenchmarkVersion, ContaminationFinding

    path = instance("bench")
    run("init")
    cat = open_catalog(instance_path=path)
    try:
        organizations.create_organization(cat, SYSTEM, ORGS[0])
        org = ORGS[0]["name"]
        sha = "e" * 64
        file = {"title": "测试集", "download_url": "https://example.cn/t.zip", "sha256": sha}
        datasets.create_dataset(
            cat,
            SYSTEM,
            {"name": "b1", "title": "基准", "organization": org, "kind": "benchmark",
             "version": "1", "distributions": [{**file, "split": "test"}]},
            status="published",
        )  # fmt: skip
        datasets.create_dataset(
            cat,
            SYSTEM,
            {"name": "t1", "title": "训练", "organization": org, "kind": "training",
             "distributions": [file]},
        )  # fmt: skip
        with cat.session() as s:
            s.execute(delete(BenchmarkVersion))
            s.execute(delete(ContaminationFinding))
    finally:
        cat.dispose()
    out = run("benchmarks", "check").output
    assert out.startswith("1 benchmarks pinned, 1 contamination findings")
    cat = open_catalog(instance_path=path)
    try:
        assert _count(cat, BenchmarkVersion) == 1 and _count(cat, ContaminationFinding) == 1
    finally:
        cat.dispose()
