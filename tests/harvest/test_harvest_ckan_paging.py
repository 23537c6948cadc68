"""CKAN keyset paging (issue 15) on the local CKAN look-alike: a record a page boundary lost
is still read (from the id inventory) and the job says so; a record edited after it was read
in a run arrives with the next run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import errors_of
from sqlalchemy import select

from catalog.models import Dataset, HarvestJob
from harvesters.ckan import CkanHarvester

HDX_DATASETS = 12


@pytest.mark.parametrize("readers", [1, 4])
def test_a_record_the_pages_lost_is_read_from_the_inventory(
    cat, server, harvest, monkeypatch, readers
):
    real = CkanHarvester._call
    lost: list[str] = []

    def call(self, action, **params):
        answer = real(self, action, **params)
        if action == "package_search" and not params.get("fl"):
            results = answer["results"]
            if not lost:
                lost.extend(r["id"] for r in results[1:] if r.get("type") == "dataset")
                del lost[1:]
            if lost:  # as an offset shift does: one twice, one never (on every page)
                other = next((r for r in results if r["id"] != lost[0]), None)
                answer["results"] = [other if r["id"] == lost[0] else r for r in results]
                answer["results"] = [r for r in answer["results"] if r is not None]
        return answer

    monkeypatch.setattr(CkanHarvester, "_call", call)
    out = harvest("ckan", server.url("ckan"), config={"page_size": 4, "readers": readers})
    assert out.state == "done", errors_of(cat, out.job_id)
    assert out.counts.new == HDX_DATASETS and lost
    notes = [reason for stage, _rid, reason in errors_of(cat, out.job_id) if stage == "warning"]
    assert any("1 records were not in the paged listing" in n for n in notes), notes


@pytest.mark.parametrize("readers", [1, 4])
def test_an_edit_after_the_record_was_read_arrives_next_run(
    cat, server, harvest, monkeypatch, readers
):
    real = CkanHarvester._call
    read_first: list[str] = []
    touched: list[str] = []

    def call(self, action, **params):
        answer = real(self, action, **params)
        if action == "package_search" and params.get("rows") == 3:
            if not read_first:  # the first dataset a page brought (readers race for it)
                datasets = [r for r in answer["results"] if r.get("type") == "dataset"]
                read_first.extend(r["name"] for r in datasets[:1])
            elif not touched:  # read already, it is edited now
                server.ckan.touch(read_first[0], notes="Edited during the run.")
                touched.append(read_first[0])
        return answer

    monkeypatch.setattr(CkanHarvester, "_call", call)
    config = {"page_size": 3, "readers": readers}
    out = harvest("ckan", server.url("ckan"), config=config)
    assert out.state == "done", errors_of(cat, out.job_id)
    assert out.counts.new == HDX_DATASETS and touched
    monkeypatch.setattr(CkanHarvester, "_call", real)
    again = harvest("ckan", server.url("ckan"), config=config)
    assert again.counts.updated == 1, again.summary
    with cat.session() as s:
        ds = s.execute(select(Dataset).where(Dataset.name == touched[0])).scalar_one()
        assert ds.description == "Edited during the run."


def test_an_edit_that_kept_its_stamp_arrives_with_the_content_check(cat, server, harvest):
    """CKAN 2.12 can change a record and keep its metadata_modified; an incremental run
    never sees that, the periodic content check (every content_check_days) does."""
    config = {"page_size": 5}
    first = harvest("ckan", server.url("ckan"), config=config)
    assert first.state == "done" and first.counts.new == HDX_DATASETS
    datasets = [p for p in server.ckan.packages if p.get("type", "dataset") == "dataset"]
    name = min(datasets, key=lambda p: p["metadata_modified"])["name"]  # well below the mark
    server.ckan.touch(name, keep_stamp=True, notes="Edited without a new stamp.")
    quiet = harvest("ckan", server.url("ckan"), config=config)
    assert quiet.counts.updated == 0 and quiet.counts.unchanged == HDX_DATASETS
    # a week on (the default content_check_days is 7), the check is due
    with cat.session() as s:
        for job in s.execute(select(HarvestJob)).scalars():
            job.finished_at -= timedelta(days=8)
    due = harvest("ckan", server.url("ckan"))
    assert due.counts.updated == 1 and due.counts.unchanged == HDX_DATASETS - 1, due.summary
    with cat.session() as s:
        ds = s.execute(select(Dataset).where(Dataset.name == name)).scalar_one()
        assert ds.description == "Edited without a new stamp."
        job = s.get(HarvestJob, due.job_id)
        assert job.options.get("content_check") and "content check" in job.log
    # counted from that check: the next run is incremental again
    after = harvest("ckan", server.url("ckan"))
    with cat.session() as s:
        assert not s.get(HarvestJob, after.job_id).options.get("content_check")
