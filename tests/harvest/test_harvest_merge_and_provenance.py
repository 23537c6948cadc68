"""Duplicates across sources become one dataset with several sources; field provenance
lets a curator's edit survive harvests until released; withdrawal after a grace period."""

from __future__ import annotations

import copy
import json
from datetime import timedelta

from conftest import FIXTURES, errors_of
from sqlalchemy import func, select, update

from catalog.models import Dataset, DatasetSource, utcnow
from catalog.services import datasets
from catalog.services.authz import SYSTEM

GSA = "files/datajson/gsa-harvester"
CFPB = json.loads((FIXTURES / "datajson/us-agencies/consumerfinance.json").read_text("utf-8"))


def _doc(*datasets_: dict) -> str:
    return json.dumps(
        {"conformsTo": "https://project-open-data.cio.gov/v1.1/schema", "dataset": list(datasets_)}
    )


def _count(cat, model) -> int:
    with cat.session() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def test_same_identifier_in_two_sources_is_one_dataset(cat, server, harvest):
    harvest("datajson", server.url(f"{GSA}/dcatus3_0.json"))
    out = harvest("datajson", server.url(f"{GSA}/dcatus3_0_with_services.json"))
    assert out.counts.new == 1
    assert _count(cat, Dataset) == 4 and _count(cat, DatasetSource) == 5
    with cat.session() as s:
        one = s.execute(
            select(Dataset).where(Dataset.identifier == "https://example.gov/datasets/one")
        ).scalar_one()
        sources = sorted(
            s.execute(
                select(DatasetSource.source_id).where(DatasetSource.dataset_id == one.id)
            ).scalars()
        )
    assert sources == [1, 2] and one.source_id == 1
    from catalog.services import harvest as svc

    assert "(same identifier): linked" in svc.get_job(cat, out.job_id).log


def test_title_from_the_same_publisher_and_distribution_urls_link_records(cat, server, harvest):
    a, b = copy.deepcopy(CFPB["dataset"][0]), copy.deepcopy(CFPB["dataset"][1])
    harvest("datajson", server.put("a.json", _doc(a, b), "application/json"))
    near = {
        **a,
        "identifier": "mirror-1",
        "title": "  consumer complaint DATABASE!",
        "landingPage": None,
    }
    near.pop("distribution")
    other_pub = {**near, "identifier": "mirror-2", "publisher": {"name": "Another Agency"}}
    same_file = {**b, "identifier": "mirror-3", "title": "HMDA (mirror)", "landingPage": None}
    out = harvest(
        "datajson", server.put("b.json", _doc(near, other_pub, same_file), "application/json")
    )
    assert out.counts.new == 3
    assert _count(cat, Dataset) == 3  # near-identical title + publisher, and a shared file: linked
    with cat.session() as s:
        linked = dict(
            s.execute(
                select(DatasetSource.source_record_id, Dataset.identifier).join(
                    Dataset, Dataset.id == DatasetSource.dataset_id
                )
            ).all()
        )
    assert linked["mirror-1"] == a["identifier"]
    assert linked["mirror-3"] == b["identifier"]
    assert linked["mirror-2"] == "mirror-2"  # same title, another publisher: its own dataset


def test_two_records_of_one_source_stay_two_datasets(cat, server, harvest):
    out = harvest("datajson", server.url(f"{GSA}/dcatus_same_title.json"))
    assert out.counts.new == 2 and _count(cat, Dataset) == 2


def test_curator_edit_survives_reharvest_until_released(cat, server, harvest):
    record = copy.deepcopy(CFPB["dataset"][0])
    url = server.put("one.json", _doc(record), "application/json")
    harvest("datajson", url)
    ds = datasets.get_dataset(cat, SYSTEM, "consumer-complaint-database")
    curator = SYSTEM
    datasets.update_dataset(cat, curator, ds.id, {"title": "消费者投诉数据库"})
    assert datasets.get_dataset(cat, SYSTEM, ds.id).field_provenance["title"] == "user:system"
    changed = {**record, "title": "Consumer Complaint Database (v2)", "description": "New text."}
    server.put("one.json", _doc(changed), "application/json")
    out = harvest("datajson", url)
    assert out.counts.updated == 1
    now = datasets.get_dataset(cat, SYSTEM, ds.id)
    assert now.title == "消费者投诉数据库"  # the curator's
    assert now.description == "New text."  # the source's
    assert now.field_provenance["description"] == "source:1"
    datasets.release_field(cat, curator, ds.id, "title")
    out = harvest("datajson", url)  # the source did not change, the release re-applies it
    assert out.counts.updated == 1
    after = datasets.get_dataset(cat, SYSTEM, ds.id)
    assert after.title == "Consumer Complaint Database (v2)"
    assert after.field_provenance["title"] == "source:1"


def test_withdrawal_waits_for_the_grace_period(cat, server, harvest):
    a, b = CFPB["dataset"][0], CFPB["dataset"][1]
    url = server.put("two.json", _doc(a, b), "application/json")
    harvest("datajson", url, config={"withdraw_after_hours": 24})
    server.put("two.json", _doc(a), "application/json")
    first = harvest("datajson", url)
    assert first.counts.withdrawn == 0  # gone, but within the grace period
    with cat.session() as s:
        link = s.execute(
            select(DatasetSource).where(DatasetSource.source_record_id == b["identifier"])
        ).scalar_one()
        assert link.gone_since is not None
        s.execute(update(DatasetSource).values(gone_since=utcnow() - timedelta(hours=25)))
    second = harvest("datajson", url)
    assert second.counts.withdrawn == 1
    assert datasets.get_dataset(cat, SYSTEM, link.dataset_id).status == "withdrawn"


def test_most_records_vanishing_at_once_withdraws_nothing_unless_forced(cat, server, harvest):
    url = server.put("many.json", json.dumps(CFPB), "application/json")
    harvest("datajson", url)
    server.put("many.json", _doc(CFPB["dataset"][0]), "application/json")  # 10 of 11 gone
    out = harvest("datajson", url)
    assert (out.state, out.counts.withdrawn) == ("done_with_errors", 0)
    [(stage, _rid, why)] = [e for e in errors_of(cat, out.job_id) if e[0] != "warning"]
    assert stage == "withdraw" and "10 of 11 records vanished at once" in why
    with cat.session() as s:
        assert set(s.execute(select(Dataset.status)).scalars()) == {"published"}
    forced = harvest("datajson", url, full=False, force_withdraw=True)
    assert forced.counts.withdrawn == 10


def test_a_dataset_stays_while_another_source_offers_it(cat, server, harvest):
    rec = CFPB["dataset"][0]
    a = server.put("a.json", _doc(rec, CFPB["dataset"][1]), "application/json")
    b = server.put("b.json", _doc(rec), "application/json")
    harvest("datajson", a)
    harvest("datajson", b)
    server.put("a.json", _doc(CFPB["dataset"][1]), "application/json")
    assert harvest("datajson", a).counts.withdrawn == 0
    assert datasets.get_dataset(cat, SYSTEM, "consumer-complaint-database").status == "published"


def test_a_curators_withdrawal_is_not_undone_by_the_harvest(cat, server, harvest):
    url = server.put("one.json", _doc(CFPB["dataset"][0]), "application/json")
    harvest("datajson", url)
    datasets.withdraw_dataset(cat, SYSTEM, "consumer-complaint-database", "out of date")
    harvest("datajson", url, full=True)
    assert datasets.get_dataset(cat, SYSTEM, "consumer-complaint-database").status == "withdrawn"
