"""CKAN mapping details (issue 15): the source's own dates, period ends, licences, long
names and placeholder tags, each change named in the job's warnings."""

from __future__ import annotations

from types import SimpleNamespace

import requests

from harvesters.base import RemoteRecord, load_remote
from harvesters.ckan import NAME_LIMIT, CkanHarvester, PackageIn, _period, _solr_stamp, long_name


def _harvester() -> CkanHarvester:
    session = requests.Session()
    session.headers["User-Agent"] = "test"
    ctx = SimpleNamespace(
        spec=SimpleNamespace(url="https://ckan.example/api/3/action"),
        http=SimpleNamespace(session=session),
        config={"page_size": 100},
        watermark=None,
        full=False,
        report=lambda *a: None,
        log=lambda line: None,
    )
    return CkanHarvester(ctx)  # type: ignore[arg-type]


def _package(**kw) -> dict:
    return {
        "id": "7c1d",
        "name": "gsa-data",
        "title": "GSA data",
        "metadata_created": "2025-03-01T10:00:00.123456",
        "metadata_modified": "2025-03-02T10:00:00.123456",
        **kw,
    }


def test_source_dates_win_over_ckan_bookkeeping():
    pkg = _package(
        extras=[
            {"key": "modified", "value": "2024-01-09"},
            {"key": "issued", "value": "2019-06-30"},
        ]
    )
    data, _w = load_remote(PackageIn("https://ckan.example"), pkg)
    assert data["modified"].startswith("2024-01-09") and data["issued"] == "2019-06-30"
    bare, _w = load_remote(PackageIn("https://ckan.example"), _package())
    assert bare["modified"].startswith("2025-03-02T10:00") and bare["issued"] == "2025-03-01"


def test_year_and_month_periods_end_at_the_end_of_the_period():
    assert [str(d) for d in _period("2001/2013")] == ["2001-01-01", "2013-12-31"]
    assert [str(d) for d in _period("2001-02/2012-02")] == ["2001-02-01", "2012-02-29"]
    assert [str(d) for d in _period("2001-01-15/2013-05-07")] == ["2001-01-15", "2013-05-07"]
    data, _w = load_remote(
        PackageIn("https://ckan.example"),
        _package(extras=[{"key": "temporal", "value": "2001/2013"}]),
    )
    assert (data["temporal_start"], data["temporal_end"]) == ("2001-01-01", "2013-12-31")


def test_licences_are_ckan_ids_and_notspecified_is_no_licence():
    schema = PackageIn("https://ckan.example")
    data, warnings = load_remote(
        schema, _package(license_id="notspecified", license_title="License not specified")
    )
    assert data["license"] is None and data["extras"]["license_id"] == "notspecified"
    assert any("notspecified" in w for w in warnings)
    assert load_remote(schema, _package(license_id="cc-zero"))[0]["license"] == "CC0-1.0"
    assert load_remote(schema, _package(license_id="other-pd"))[0]["license"] == "other-pd"
    assert load_remote(schema, _package(license_title="MIT"))[0]["license"] == "MIT"


def test_placeholder_tag_none_is_dropped_with_a_warning():
    data, warnings = load_remote(
        PackageIn("https://ckan.example"), _package(tags=[{"name": "none"}, {"name": "budget"}])
    )
    assert data["keywords"] == ["budget"]
    assert any("'none' dropped" in w for w in warnings)


def test_long_names_get_a_stable_hash_and_the_original_is_kept():
    long = "federal-communications-commission-" + "spectrum-auction-results-" * 4 + "2013"
    short = long_name(long)
    assert short is not None and len(short) <= NAME_LIMIT and short != long
    assert short == long_name(long) and short != long_name(long + "-b")
    assert long_name("short-name") == "short-name"
    h = _harvester()
    t = h.transform(_package(name=long), RemoteRecord("7c1d"))
    assert t.name_hint == short and t.data["extras"]["ckan_name"] == long
    assert any("ckan_name" in w for w in t.warnings)


def test_solr_stamps_are_cut_to_milliseconds():
    assert _solr_stamp("2025-03-02T10:00:00.123456") == "2025-03-02T10:00:00.123Z"
    assert _solr_stamp("2025-03-02T10:00:00") == "2025-03-02T10:00:00Z"
    assert _solr_stamp("2025-03-02T10:00:00.5Z") == "2025-03-02T10:00:00.5Z"
    assert _solr_stamp(None) is None
