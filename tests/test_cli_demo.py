"""`catalog demo`: a fresh instance filled with the demo catalog, through the CLI."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from catalog.context import open_catalog
from catalog.models import Dataset, Organization
from catalog.search import SearchQuery
from cli import main


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """An instance where `catalog demo` ran twice."""
    path = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp:
        for key in [k for k in os.environ if k.startswith("CATALOG_")]:
            mp.delenv(key)
        mp.setenv("CATALOG_INSTANCE", str(path))
        first = _run("demo")
        second = _run("demo")
    return {"path": path, "first": first, "second": second}


def _added(text: str) -> tuple[int, int]:
    m = re.search(r"added (\d+) organizations and (\d+) datasets", text)
    assert m, text
    return int(m.group(1)), int(m.group(2))


def test_demo_loads_organizations_and_datasets(demo) -> None:
    orgs, dsets = _added(demo["first"])
    assert orgs >= 10 and dsets >= 100
    cat = open_catalog(instance_path=demo["path"])
    try:
        with cat.session() as s:
            assert s.execute(select(func.count()).select_from(Organization)).scalar() == orgs
            assert s.execute(select(func.count()).select_from(Dataset)).scalar() == dsets
        # everything loaded is published and findable
        assert cat.search.count() == dsets
        assert cat.search.search(SearchQuery(text="保定")).total > 0
        assert cat.search.search(SearchQuery(text="交通")).total > 0
        facets = dict(cat.search.search(SearchQuery()).facets["kind"])
        assert {"open_data", "training"} <= set(facets)
    finally:
        cat.dispose()


def test_demo_twice_adds_nothing(demo) -> None:
    assert _added(demo["second"]) == (0, 0)


def test_demo_instance_rebuilds_and_round_trips(demo, tmp_path: Path, monkeypatch) -> None:
    _orgs, dsets = _added(demo["first"])
    monkeypatch.setenv("CATALOG_INSTANCE", str(demo["path"]))
    assert f"indexed {dsets} datasets" in _run("search", "rebuild")
    assert json.loads(_run("search", "status"))["documents"] == dsets
    out_a = tmp_path / "a.jsonl"
    _run("export", str(out_a))
    monkeypatch.setenv("CATALOG_INSTANCE", str(tmp_path / "copy"))
    _run("import", str(out_a))
    out_b = tmp_path / "b.jsonl"
    _run("export", str(out_b))
    assert out_a.read_bytes() == out_b.read_bytes()
    assert json.loads(_run("search", "status"))["documents"] == dsets


def test_demo_publishes_an_open_list_with_two_versions_and_a_diff(demo) -> None:
    """`make run` shows the flagship page filled: the public list, two versions and what
    changed between them, published once (the second run adds no version)."""
    import requests

    from catalog.services import openlist
    from catalog.services.authz import ANONYMOUS
    from tests.livesite import serve

    assert "published 2 versions of the open list" in demo["first"]
    assert "versions of the open list" not in demo["second"]
    cat = open_catalog(instance_path=demo["path"])
    try:
        versions = openlist.versions(cat)
        assert [v["number"] for v in versions] == [2, 1]
        assert versions[1]["entry_count"] >= 200
        diff = openlist.diff(cat, ANONYMOUS, 1, 2)
        assert len(diff["added"]) >= 10 and len(diff["removed"]) == 4
        assert [sorted(c["changes"]) for c in diff["changed"]] == [["openness"]] * 2
        # one truth: each listed openness is its dataset's
        _v, entries = openlist.published_version(cat, "latest")
        with cat.session() as s:
            rights = dict(s.execute(select(Dataset.name, Dataset.access_rights)).all())
        assert all(rights[e["dataset"]] == e["openness"] for e in entries)
    finally:
        cat.dispose()
    with serve(demo["path"]) as (url, _cat):
        page = requests.get(f"{url}/openlist", timeout=10).text
        assert "第 2 版" in page and "尚未发布任何版本" not in page
        # every item, a page of them at a time
        count = versions[0]["entry_count"]
        assert f"显示 {count} 项中的 {count} 项" in page
        rows, number = page.count("data-code="), 1
        while 'rel="next"' in page:
            number += 1
            page = requests.get(f"{url}/openlist", params={"page": number}, timeout=10).text
            rows += page.count("data-code=")
        assert rows == count and number > 1
        compare = requests.get(f"{url}/openlist/diff", params={"from": 1, "to": 2}, timeout=10)
        assert compare.status_code == 200 and diff["removed"][0]["resource_code"] in compare.text
