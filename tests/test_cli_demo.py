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
