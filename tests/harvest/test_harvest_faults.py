"""Sources that misbehave: the job completes or fails cleanly, every error is recorded with
its reason, and what the catalog already held is unchanged."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, catalog_state, errors_of

GOOD = (FIXTURES / "datajson/us-agencies/consumerfinance.json").read_bytes()


@pytest.mark.parametrize(
    ("fault", "config", "reason"),
    [
        ("500", {}, "HTTP 500"),
        ("slow", {"timeout": 0.5}, "timed out"),
        ("truncated", {}, "not a JSON document"),
        ("junk", {}, "not a JSON document"),
        (
            "junk",
            {"max_bytes": 1024 * 1024},
            "source sent more than 1 MB (the limit is 1,048,576 bytes)",
        ),
    ],
)
def test_broken_source_fails_cleanly_and_keeps_the_catalog(
    cat, server, harvest, fault, config, reason
):
    url = server.put("agency/data.json", GOOD, "application/json")
    first = harvest("datajson", url, config=config)
    assert first.counts.new == 11
    before = catalog_state(cat)
    server.fail(r"^/gen/agency/", fault)
    out = harvest("datajson", url)
    assert out.state == "failed"
    [(stage, rid, why)] = errors_of(cat, out.job_id)
    assert (stage, rid) == ("gather", None)
    assert reason in why and url in why
    assert catalog_state(cat) == before  # nothing withdrawn, nothing changed


def test_retries_then_gives_up_on_500(cat, server, harvest):
    url = server.url("fault/500")
    out = harvest("datajson", url, config={"retries": 2, "backoff": 0.01})
    assert out.state == "failed"
    assert server.count(r"^/fault/500") == 3  # the first try and two retries


def test_mixed_valid_and_invalid_records(cat, server, harvest):
    doc = json.loads(GOOD)
    doc["dataset"][1] = "not an object"
    del doc["dataset"][2]["title"]
    doc["dataset"][3]["identifier"] = ""
    doc["dataset"][4]["distribution"] = [{"title": "no link at all"}, {"accessURL": "ftp:/broken"}]
    doc["dataset"][5]["contactPoint"]["hasEmail"] = "mailto:not-an-address"
    doc["dataset"][6]["keyword"] = ["x" * 150, "ok"]
    url = server.put("mixed.json", json.dumps(doc), "application/json")
    out = harvest("datajson", url)
    assert out.state == "done_with_errors"
    assert (out.counts.new, out.counts.errors) == (8, 3)
    errors = errors_of(cat, out.job_id)
    failed = sorted(why for stage, _r, why in errors if stage != "warning")
    assert "dataset #2 is not an object" in failed[0]
    assert any("identifier" in why for why in failed)
    assert any("title" in why for why in failed)
    warnings = " | ".join(why for stage, _r, why in errors if stage == "warning")
    assert "distribution 1 (no link at all) dropped" in warnings
    assert "keywords longer than 100 characters kept in extras" in warnings
    state = catalog_state(cat)
    ds5 = next(
        d for d in state["datasets"].values() if d["identifier"] == doc["dataset"][5]["identifier"]
    )
    assert ds5["contact_email"] is None  # the bad address was dropped, the record kept


def test_ckan_portal_down(cat, server, harvest):
    server.fail(r"^/ckan/", "500")
    out = harvest("ckan", server.url("ckan"))
    assert out.state == "failed"
    [(_stage, _rid, why)] = errors_of(cat, out.job_id)
    assert "neither package_search nor package_list work" in why


def test_unreadable_record_in_fallback_mode_keeps_it_and_withdraws_nothing(cat, server, harvest):
    server.ckan.search_enabled = False
    url = server.url("ckan")
    assert harvest("ckan", url).counts.new == 12
    before = catalog_state(cat)
    server.fail(r"package_show\?id=acled-conflict-data-for-kenya", "500")
    gone = server.ckan.remove("acled-conflict-data-for-gabon")
    out = harvest("ckan", url)
    assert (out.state, out.counts.errors, out.counts.withdrawn) == ("done_with_errors", 1, 0)
    # kenya could not be read, so which records vanished is not certain: nothing withdrawn
    assert catalog_state(cat) == before
    server.faults.clear()
    out = harvest("ckan", url)
    assert (out.counts.errors, out.counts.withdrawn) == (0, 1)
    assert gone["name"] not in [p["name"] for p in server.ckan.packages]
