"""Records are stored a batch at a time; a record the store refuses fails alone, and every
new dataset still gets its version, its audit event and its index entry."""

from __future__ import annotations

import json
import logging

from conftest import errors_of
from sqlalchemy import func, select

from catalog.models import AuditEvent, Dataset, DatasetMatchKey, DatasetSource, DatasetVersion
from harvesters import pipeline

CFPB = "files/datajson/us-agencies/consumerfinance.json"


def _count(cat, model, *where) -> int:
    with cat.session() as s:
        q = select(func.count()).select_from(model)
        return s.execute(q.where(*where) if where else q).scalar_one()


def test_each_new_dataset_has_its_version_audit_event_keys_and_index_entry(
    cat, server, harvest, caplog
):
    caplog.set_level(logging.INFO, logger="catalog.services.harvest_records")
    out = harvest("datajson", server.url(CFPB), config={"batch_size": 4})
    assert out.summary == "done: 11 new, 0 updated, 0 unchanged, 0 withdrawn, 0 errors"
    assert "stored one by one" not in caplog.text  # the batches were written together
    assert _count(cat, Dataset) == 11
    assert _count(cat, DatasetVersion, DatasetVersion.number == 1) == 11
    assert _count(cat, AuditEvent, AuditEvent.action == "dataset.create") == 11
    assert _count(cat, DatasetSource) == 11
    with cat.session() as s:
        keyed = s.execute(select(func.count(func.distinct(DatasetMatchKey.dataset_id)))).scalar()
    assert keyed == 11
    assert cat.search.count() == 11


def test_a_record_the_store_refuses_fails_alone(cat, server, harvest, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="catalog.services.harvest_records")
    real = pipeline.Run._organization

    def organization(self, remote_id, ref):
        return "no-such-organization" if remote_id == "CCDB" else real(self, remote_id, ref)

    monkeypatch.setattr(pipeline.Run, "_organization", organization)
    out = harvest("datajson", server.url(CFPB), config={"batch_size": 4})
    assert (out.state, out.counts.new, out.counts.errors) == ("done_with_errors", 10, 1)
    assert caplog.text.count("stored one by one") == 1  # only the batch holding it
    [(stage, rid, why)] = [e for e in errors_of(cat, out.job_id) if e[0] != "warning"]
    assert (stage, rid) == ("load", "CCDB") and "Unknown organization" in why
    assert _count(cat, Dataset) == 10
    assert _count(cat, DatasetVersion) == 10
    assert _count(cat, AuditEvent, AuditEvent.action == "dataset.create") == 10
    assert cat.search.count() == 10
    monkeypatch.setattr(pipeline.Run, "_organization", real)
    again = harvest("datajson", server.url(CFPB), config={"batch_size": 4})
    assert again.summary == "done: 1 new, 0 updated, 10 unchanged, 0 withdrawn, 0 errors"


def test_names_taken_get_the_next_free_counter(cat, server, harvest):
    """Records whose titles make the same name: the name, then name-2, name-3, ... across
    batches and runs, as datasets made one by one get them."""
    doc = {
        "dataset": [
            {
                "identifier": f"same-{i}",
                "title": "Same title",
                "description": f"record {i}",
                "publisher": {"name": "Agency"},
                "contactPoint": {"fn": "x", "hasEmail": "mailto:x@example.org"},
                "accessLevel": "public",
                "keyword": ["k"],
                "modified": "2024-01-01",
            }
            for i in range(7)
        ]
    }
    url = server.put("same.json", json.dumps(doc), "application/json")
    out = harvest("datajson", url, config={"batch_size": 3})
    assert out.counts.new == 7
    with cat.session() as s:
        names = dict(s.execute(select(Dataset.identifier, Dataset.name)).all())
    assert names == {
        f"same-{i}": "same-title" if i == 0 else f"same-title-{i + 1}" for i in range(7)
    }
