"""data.json (DCAT-US 1.1 and 3.0): real agency catalogs and GSA's edge cases, over HTTP."""

from __future__ import annotations

import json

import pytest
from conftest import errors_of
from sqlalchemy import func, select

from catalog.models import Dataset, DatasetSource, Organization

AGENCIES = "files/datajson/us-agencies"
GSA = "files/datajson/gsa-harvester"


@pytest.mark.parametrize(("agency", "records"), [("consumerfinance", 11), ("fda", 86)])
def test_us_agency_catalogs(cat, server, harvest, fixtures, agency, records):
    out = harvest("datajson", server.url(f"{AGENCIES}/{agency}.json"))
    assert out.summary == f"done: {records} new, 0 updated, 0 unchanged, 0 withdrawn, 0 errors"
    doc = json.loads((fixtures / f"datajson/us-agencies/{agency}.json").read_text("utf-8"))
    first = doc["dataset"][0]
    with cat.session() as s:
        ds = s.execute(
            select(Dataset).where(Dataset.identifier == first["identifier"])
        ).scalar_one()
        assert ds.title == first["title"]
        assert ds.organization.title == first["publisher"]["name"]
        assert ds.access_rights == {
            "public": "unconditional",
            "restricted public": "conditional",
        }.get(first["accessLevel"], "not_open")
        assert ds.extras["bureauCode"] == first["bureauCode"]  # unmapped fields are kept
        assert ds.field_provenance["title"] == "source:1"
    again = harvest("datajson", server.url(f"{AGENCIES}/{agency}.json"))
    assert again.summary.startswith("done: 0 new, 0 updated")


def test_consumerfinance_mapping_details(cat, server, harvest):
    harvest("datajson", server.url(f"{AGENCIES}/consumerfinance.json"))
    with cat.session() as s:
        ccdb = s.execute(select(Dataset).where(Dataset.identifier == "CCDB")).scalar_one()
        assert ccdb.frequency == "DAILY"  # R/P1D
        assert ccdb.contact_email == "devops@cfpb.gov"  # mailto: stripped
        assert (
            ccdb.landing_page
            == "https://www.consumerfinance.gov/data-research/consumer-complaints/"
        )
        assert ccdb.documentation == "https://cfpb.github.io/api/ccdb/api.html"
        assert ccdb.extras["spatial"] == "United States"
        assert "student loan" in ccdb.keywords
        assert [d.title for d in ccdb.distributions] == ["Consumer Complaint Database"]


def test_dcat_us_3_identifiers_nesting_series_and_services(cat, server, harvest):
    out = harvest("datajson", server.url(f"{GSA}/dcatus3_0.json"))
    assert out.counts.new == 4
    with cat.session() as s:
        idents = set(s.execute(select(Dataset.identifier)).scalars())
    # a string, an object with @id, and an object with a notation only
    assert {
        "https://example.gov/datasets/one",
        "https://example.gov/datasets/three",
        "National Climate Data Center:NCDC-CLIMATE-OBS-2024",
    } <= idents
    assert harvest("datajson", server.url(f"{GSA}/dcatus3_0_nested_catalog.json")).counts.new == 3
    series = harvest("datajson", server.url(f"{GSA}/dcatus3_0_series_member_also_top_level.json"))
    assert (series.counts.new, series.counts.errors) == (2, 0)  # a member listed twice: once
    served = harvest("datajson", server.url(f"{GSA}/dcatus3_0_service_serves_dataset.json"))
    assert served.counts.new == 1
    with cat.session() as s:
        ds = s.execute(
            select(Dataset).where(
                Dataset.identifier == "https://example.gov/datasets/served-by-service-one"
            )
        ).scalar_one()
        assert [d.access_url for d in ds.distributions] == ["https://api.example.gov/climate/v1"]


@pytest.mark.parametrize(
    ("fixture", "new", "reason"),
    [
        ("dcatus3_0_invalid.json", 1, "missing required DCAT-US 3.0 field(s): contactPoint"),
        ("dcatus_no_identifier.json", 0, "missing required DCAT-US 1.1 field(s): identifier"),
        ("missing_title.json", 0, "missing required DCAT-US 1.1 field(s): title"),
    ],
)
def test_invalid_records_are_reported_and_valid_ones_loaded(
    cat, server, harvest, fixture, new, reason
):
    out = harvest("datajson", server.url(f"{GSA}/{fixture}"))
    assert out.state == "done_with_errors"
    assert (out.counts.new, out.counts.errors) == (new, 1)
    [(stage, _rid, why)] = [e for e in errors_of(cat, out.job_id) if e[0] != "warning"]
    assert stage == "transform" and reason in why


def test_bad_values_are_dropped_with_a_warning_not_the_record(cat, server, harvest):
    out = harvest("datajson", server.url(f"{GSA}/dcatus_multiple_invalid.json"))
    assert (out.state, out.counts.new) == ("done", 1)
    warnings = [why for stage, _r, why in errors_of(cat, out.job_id) if stage == "warning"]
    assert any("not a usable URL: '//////not-a-url.example.com/'" in w for w in warnings)


def test_lenient_mode_and_nulls_everywhere(cat, server, harvest):
    """402 real Philadelphia records full of nulls: strict DCAT-US refuses those without
    'modified'; ``strict: false`` takes them all."""
    url = server.url(f"{GSA}/dcatus_with_none.json")
    strict = harvest("datajson", url, name="strict")
    assert strict.counts.new + strict.counts.errors == 402 and strict.counts.errors > 300
    with cat.session() as s:
        before = s.execute(select(func.count()).select_from(Dataset)).scalar_one()
    lenient = harvest("datajson", url + "?lenient", name="lenient", config={"strict": False})
    assert (lenient.counts.errors, lenient.counts.new) == (0, 402)
    with cat.session() as s:  # the strict source's records were recognised, not duplicated
        assert s.execute(select(func.count()).select_from(Dataset)).scalar_one() == 402
        assert before == strict.counts.new
        assert (
            s.execute(select(func.count()).select_from(DatasetSource)).scalar_one() == 402 + before
        )


def test_one_publisher_one_organization(cat, server, harvest):
    harvest("datajson", server.url(f"{AGENCIES}/fda.json"))
    with cat.session() as s:
        titles = list(s.execute(select(Organization.title)).scalars())
    assert len(titles) == len(set(titles))
