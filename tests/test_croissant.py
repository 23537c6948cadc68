"""Croissant JSON-LD of training and benchmark datasets, validated with mlcroissant offline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import mlcroissant as mlc
import pytest
import requests

from tests.apisite import SECRET_URL, SHA256, load_api_catalog
from tests.livesite import serve

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "croissant" / "1.0"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("croissant"), load_api_catalog) as (url, cat):
        yield url, cat


def croissant(url: str, name: str) -> dict:
    r = requests.get(f"{url}/dataset/{name}/croissant.jsonld", timeout=20)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/ld+json")
    return r.json()


def _valid(doc: dict) -> mlc.Dataset:
    """mlcroissant raises ValidationError on any error; warnings are only logged."""
    return mlc.Dataset(jsonld=doc)


def test_context_is_the_one_of_the_specification():
    """The context mlcroissant writes for 1.0, which the 1.0 fixtures use (plus their own)."""
    from mlcroissant._src.core.rdf import make_context

    from schemas.formats.croissant import CONTEXT

    assert make_context() == CONTEXT
    reference = json.loads((FIXTURES / "titanic" / "metadata.json").read_text(encoding="utf-8"))
    assert {k: v for k, v in reference["@context"].items() if k in CONTEXT} == {
        k: v for k, v in CONTEXT.items() if k in reference["@context"]
    }


def test_files_with_a_checksum_become_file_objects(site):
    url, _cat = site
    doc = croissant(url, "ct-checksums")
    _valid(doc)
    assert doc["conformsTo"] == "http://mlcommons.org/croissant/1.0"
    assert doc["name"] == "Chest CT training set" and doc["url"].endswith("/dataset/ct-checksums")
    assert doc["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert doc["creator"]["name"] == "Baoding MedAI Co." and doc["version"] == "1.2.0"
    assert doc["datePublished"] == "2025-03-01" and doc["citeAs"].startswith("@dataset")
    (fo,) = doc["distribution"]  # the CSV has no checksum, the API is no file
    assert fo["@type"] == "cr:FileObject" and fo["sha256"] == SHA256
    assert fo["contentUrl"] == "https://data.example/chest-ct.zip" and fo["name"] == "chest-ct.zip"
    assert fo["encodingFormat"] == "application/zip" and fo["contentSize"] == "12000000000 B"
    assert "recordSet" not in doc
    assert "train: 8000" in doc["description"]


def test_restricted_and_unchecksummed_files_are_left_out(site):
    url, _cat = site
    r = requests.get(f"{url}/dataset/lung-ct/croissant.jsonld", timeout=20)
    assert SECRET_URL not in r.text
    doc = r.json()
    _valid(doc)
    assert doc["distribution"] == [] and doc["isAccessibleForFree"] is False


def test_live_datasets_list_files_without_checksums(site):
    url, _cat = site
    doc = croissant(url, "traffic-live")
    _valid(doc)
    assert doc["isLiveDataset"] is True
    assert [f["contentUrl"] for f in doc["distribution"]] == ["https://data.example/live.json"]


def test_only_ai_datasets_have_croissant(site):
    url, _cat = site
    assert requests.get(f"{url}/dataset/bus-routes/croissant.jsonld", timeout=20).status_code == 404
    assert (
        requests.get(f"{url}/dataset/medai-draft/croissant.jsonld", timeout=20).status_code == 404
    )


def test_mlcroissant_command_line_validates_the_file(site, tmp_path):
    url, _cat = site
    path = tmp_path / "ct.json"
    path.write_text(
        json.dumps(croissant(url, "ct-checksums"), ensure_ascii=False), encoding="utf-8"
    )
    cli = Path(sys.executable).with_name("mlcroissant")
    proc = subprocess.run(
        [str(cli), "validate", "--jsonld", str(path)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Done" in proc.stdout + proc.stderr or "valid" in (proc.stdout + proc.stderr).lower()


# -- issue 18, item 3: every demo AI dataset passes mlcroissant's validation -----------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from catalog.loader import load_demo

    with serve(tmp_path_factory.mktemp("croissant-demo"), load_demo) as (url, cat):
        yield url, cat


def test_every_demo_ai_dataset_validates_with_mlcroissant(demo, tmp_path):
    """The Croissant export of each published training and benchmark dataset of the demo
    catalog, as served, through mlcroissant's validation (the Python API runs the checks
    `mlcroissant validate` runs; it raises on any error). One of them also through the
    command line."""
    from sqlalchemy import select

    from catalog.models import Dataset

    url, cat = demo
    with cat.session() as s:
        names = (
            s.execute(
                select(Dataset.name)
                .where(Dataset.kind.in_(["training", "benchmark"]), Dataset.status == "published")
                .order_by(Dataset.name)
            )
            .scalars()
            .all()
        )
    assert len(names) >= 60
    with_fields = with_rai = 0
    for name in names:
        doc = croissant(url, name)
        _valid(doc)
        for fo in doc["distribution"]:
            assert len(fo["sha256"]) == 64 and fo["contentSize"].endswith(" B"), name
        with_fields += bool(doc.get("recordSet"))
        with_rai += "rai:dataCollection" in doc
    assert with_fields >= 50 and with_rai == len(names)
    from catalog.models import BenchmarkVersion, ContaminationFinding

    with cat.session() as s:  # templated demo texts are not taken for copies of each other
        assert s.execute(select(ContaminationFinding)).first() is None
        pinned = s.execute(select(BenchmarkVersion)).scalars().all()
    assert len(pinned) >= 20 and all(p.pinned_at for p in pinned)
    assert sum(bool(p.manifest) for p in pinned) >= 15  # not-open ones list no files
    doc = croissant(url, "transmission-foreign-object-bench")
    (rs,) = doc["recordSet"]
    assert [f["dataType"] for f in rs["field"]][-2:] == ["cr:BoundingBox", ["sc:Text", "cr:Label"]]
    path = tmp_path / "bench.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    cli = Path(sys.executable).with_name("mlcroissant")
    proc = subprocess.run(
        [str(cli), "validate", "--jsonld", str(path)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "error" not in (proc.stdout + proc.stderr).lower().replace("0 error", "")
