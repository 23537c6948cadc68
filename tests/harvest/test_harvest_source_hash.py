"""Issue 17: a record exactly as the source sent it last time (same settings, same mapping
code) is unchanged without being mapped or validated; any difference maps it again."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import select, update

from catalog.models import Dataset, DatasetSource
from catalog.services.harvest import SourceSpec
from harvesters import prepare
from harvesters.datajson import DataJsonHarvester

AGENCY = "datajson/us-agencies/consumerfinance.json"


@pytest.fixture
def mapped(monkeypatch) -> list[str]:
    """The remote ids of the records the data.json harvester mapped, in order."""
    seen: list[str] = []
    real = DataJsonHarvester.transform

    def transform(self, payload, record):
        seen.append(record.remote_id)
        return real(self, payload, record)

    monkeypatch.setattr(DataJsonHarvester, "transform", transform)
    return seen


def _hashes(cat) -> dict[str, str | None]:
    with cat.session() as s:
        rows = s.execute(select(DatasetSource.source_record_id, DatasetSource.source_hash))
        return {rid: h for rid, h in rows}


def test_an_unchanged_rerun_maps_nothing_and_a_changed_record_is_mapped_alone(
    cat, server, harvest, fixtures, mapped
):
    doc = json.loads((fixtures / AGENCY).read_text("utf-8"))
    url = server.put("cfpb.json", json.dumps(doc), "application/json")
    first = harvest("datajson", url)
    assert first.summary == "done: 11 new, 0 updated, 0 unchanged, 0 withdrawn, 0 errors"
    assert len(mapped) == 11
    stored = _hashes(cat)
    assert len(stored) == 11 and all(stored.values())

    mapped.clear()
    again = harvest("datajson", url)
    assert again.summary == "done: 0 new, 0 updated, 11 unchanged, 0 withdrawn, 0 errors"
    assert mapped == []

    doc["dataset"][3]["title"] = "Consumer complaints, renamed"
    server.put("cfpb.json", json.dumps(doc), "application/json")
    changed = harvest("datajson", url)
    assert changed.summary == "done: 0 new, 1 updated, 10 unchanged, 0 withdrawn, 0 errors"
    ident = doc["dataset"][3]["identifier"]
    assert mapped == [ident]
    with cat.session() as s:
        ds = s.execute(select(Dataset).where(Dataset.identifier == ident)).scalar_one()
        assert ds.title == "Consumer complaints, renamed"
    after = _hashes(cat)
    assert after[ident] != stored[ident]
    assert {k: v for k, v in after.items() if k != ident} == {
        k: v for k, v in stored.items() if k != ident
    }

    mapped.clear()
    full = harvest("datajson", url, full=True)  # a full run re-reads every record
    assert full.summary.startswith("done: 0 new, 0 updated, 11 unchanged")
    assert len(mapped) == 11


def test_a_record_without_a_stored_content_hash_is_mapped_again(cat, server, harvest, mapped):
    """A hand edit clears the link's content hash so that the next run applies the record
    again (``datasets``): the source hash alone must not skip it."""
    url = server.url(f"files/{AGENCY}")
    harvest("datajson", url)
    with cat.session() as s:
        s.execute(
            update(DatasetSource)
            .where(DatasetSource.source_record_id == "CCDB")
            .values(content_hash=None)
        )
    mapped.clear()
    harvest("datajson", url)
    assert mapped == ["CCDB"]


def test_records_stored_before_source_hashes_get_one_on_the_next_run(cat, server, harvest, mapped):
    url = server.url(f"files/{AGENCY}")
    harvest("datajson", url)
    with cat.session() as s:
        s.execute(update(DatasetSource).values(source_hash=None))  # as after the migration
    mapped.clear()
    out = harvest("datajson", url)
    assert out.summary == "done: 0 new, 0 updated, 11 unchanged, 0 withdrawn, 0 errors"
    assert len(mapped) == 11  # compared by content hash, as before
    assert all(_hashes(cat).values())
    mapped.clear()
    harvest("datajson", url)
    assert mapped == []


def test_the_source_hash_covers_settings_trust_owner_and_context():
    spec = SourceSpec(
        id=1,
        name="s",
        kind="datajson",
        url="https://example.gov/data.json",
        config={},
        trusted=True,
        organization=None,
        schedule=None,
    )
    record = {"identifier": "a", "title": "T"}

    def digest(rec: dict, run: dict, kind: str, source: SourceSpec = spec) -> str:
        return prepare.source_hash(rec, prepare.source_context({"run": run, "kind": kind}, source))

    base = digest(record, {"strict": True}, "1.1")
    assert base == digest(dict(reversed(record.items())), {"strict": True}, "1.1")
    others = [
        digest({**record, "title": "U"}, {"strict": True}, "1.1"),
        digest(record, {"strict": False}, "1.1"),
        digest(record, {"strict": True}, "3.0"),
        digest(record, {"strict": True}, "1.1", replace(spec, trusted=False)),
        digest(record, {"strict": True}, "1.1", replace(spec, organization="o")),
    ]
    assert base not in others and len(set(others)) == len(others)
