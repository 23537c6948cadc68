"""Issue 17: the search documents a harvest with mapping workers indexes -- whose analysed
text the workers computed (``catalog.search.analysed``) -- are the documents ``catalog
search rebuild`` makes from the stored rows, field for field, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from conftest import FAST, new_catalog

from catalog.search import analysed, embedded
from catalog.services import harvest as svc
from catalog.services.authz import SYSTEM
from catalog.services.indexing import rebuild_index
from harvesters.pipeline import run_job

SOURCES = [
    "files/datajson/us-agencies/fda.json",
    "files/datajson/gsa-harvester/dcatus_multiple_invalid.json",
]


@pytest.fixture
def built(monkeypatch) -> dict[str, dict]:
    """Every tantivy document built in this process, by dataset id (the last one wins), and
    how often the text was analysed here rather than taken from a worker."""
    docs: dict[str, dict] = {}
    real_build, real_analyse = embedded.to_index_doc, analysed.analyse
    counts = {"analysed_here": 0}

    def build(doc: dict):
        out = real_build(doc)
        docs[doc["id"]] = out.to_dict()
        return out

    def analyse(key):
        counts["analysed_here"] += 1
        return real_analyse(key)

    monkeypatch.setattr(embedded, "to_index_doc", build)
    monkeypatch.setattr(analysed, "analyse", analyse)
    analysed.forget_all()
    docs["__counts__"] = counts
    return docs


def test_documents_indexed_by_a_run_with_workers_equal_a_rebuilds(
    tmp_path, server, built, database_url
):
    cat = new_catalog(tmp_path / "inst", database_url)
    try:
        for path in SOURCES:
            url = server.url(path)
            src = svc.register_source(
                cat,
                SYSTEM,
                name=svc.default_source_name("datajson", url),
                kind="datajson",
                url=url,
                config={**FAST, "strict": False, "batch_size": 9, "map_workers_after": 0},
                trusted=True,
            )
            outcome = run_job(cat, svc.start_job(cat, svc.enqueue_job(cat, SYSTEM, src.id).id))
            assert outcome.summary.startswith("done")
        counts = built.pop("__counts__")
        harvested = dict(built)
        assert len(harvested) > 80
        # the workers analysed (nearly) every document's text: the run's process did not
        assert counts["analysed_here"] < len(harvested) // 10
        assert analysed.remembered_count() == 0  # each remembered set was used once

        built.clear()
        assert rebuild_index(cat) == len(harvested) == cat.search.count()
        assert built.keys() == harvested.keys()
        for dataset_id, doc in built.items():
            assert harvested[dataset_id] == doc, dataset_id
    finally:
        cat.dispose()


def test_remembered_text_is_used_only_for_the_same_text():
    """Fields computed for one text never stand in for another's: an edit made after the
    record was mapped is analysed afresh."""
    analysed.forget_all()
    doc = {"title": "城市交通流量", "description": "每日更新", "keywords": ["交通"], "labels": ""}
    key = analysed.text_key(doc)
    analysed.remember(key, {**analysed.analyse(key), "title": "stale"})
    edited = {**doc, "description": "每周更新"}
    assert analysed.analysed_fields(edited) == analysed.analyse(analysed.text_key(edited))
    assert analysed.analysed_fields(doc)["title"] == "stale"  # the same text: used, once
    assert analysed.analysed_fields(doc) == analysed.analyse(key)
    assert analysed.remembered_count() == 0


class _Reads:
    """A dataset that notes every attribute a document is made of."""

    def __init__(self, ds):
        self.ds, self.read = ds, set()

    def __getattr__(self, name):
        self.read.add(name)
        return getattr(self.ds, name)


def test_a_document_reads_only_the_columns_the_drain_reads():
    """The drain reads ``DOCUMENT_COLUMNS`` of each queued dataset (not whole rows): a
    document that came to read another column would be built from a missing value."""
    from datetime import date

    from catalog.models import Dataset, Distribution
    from catalog.search.documents import DOCUMENT_COLUMNS, dataset_document

    ds = Dataset(
        id="d1",
        name="qa",
        title="问答基准",
        title_en="QA benchmark",
        description="d",
        kind="benchmark",
        domain="教育",
        themes=["education"],
        access_rights="unconditional",
        license="CC-BY-4.0",
        sample_counts={"train": 900, "test": 100},
        annotation_type="manual",
        annotation_method="crowd",
        annotation_accuracy=0.97,
        temporal_start=date(2020, 1, 1),
        temporal_end=date(2024, 1, 1),
        modified=date(2024, 2, 1),
        data_volume="1 GB",
        quality_score=70,
        featured=False,
    )
    ds.distributions = [Distribution(format="csv", byte_size=10)]
    reads = _Reads(ds)
    assert dataset_document(reads) == dataset_document(ds)  # type: ignore[arg-type]
    assert reads.read - {"distributions", "organization"} <= set(DOCUMENT_COLUMNS)
    assert {"sample_counts", "annotation_accuracy", "temporal_start"} <= reads.read
