"""CKAN: HDX's Action API answers served by a local CKAN look-alike, harvested end to end."""

from __future__ import annotations

from conftest import errors_of
from sqlalchemy import select

from catalog.models import Dataset, DatasetSource, Organization
from catalog.services import datasets
from catalog.services import harvest as svc

# 10 package_search results + UNESCO's package_show + one package of organization_show
HDX_DATASETS = 12


def _ckan(server) -> str:
    return server.url("ckan")


def test_ckan_harvest_maps_packages_organizations_resources_and_extras(cat, server, harvest):
    out = harvest("ckan", _ckan(server))
    assert out.state == "done", errors_of(cat, out.job_id)
    assert (out.counts.new, out.counts.errors) == (HDX_DATASETS, 0)
    with cat.session() as s:
        rows = {d.name: d for d in s.execute(select(Dataset)).scalars()}
        assert not any(n.endswith("showcase") for n in rows)  # showcases are not datasets
        libya = rows["acled-conflict-data-for-libya"]
        assert libya.status == "published"
        assert libya.title == "ACLED Conflict Data for Libya"
        assert libya.keywords == ["conflict", "political violence", "protests", "war"]
        assert libya.identifier == "6a5aebc1-f5a9-4842-8183-b8118228e71e"
        assert libya.organization.title == "ACLED Conflict Data Project"
        assert libya.extras["dataset_source"] == "ACLED"  # HDX's own fields are kept
        assert libya.extras["methodology"] == "Other"
        assert libya.frequency == "MONTHLY"  # data_update_frequency "30" (days)
        assert (str(libya.temporal_start), str(libya.temporal_end)) == ("1997-01-01", "2015-12-31")
        assert libya.landing_page.endswith("/dataset/acled-conflict-data-for-libya")
        unesco = rows["unesco-data-for-zimbabwe"]
        assert len(unesco.distributions) == 9
        assert unesco.distributions[0].access_url.startswith("http")
        assert unesco.license == "cc-by-igo"
        # named only by owner_org: the publisher came from organization_show
        realtime = rows["acled-conflict-data-for-africa-realtime-2017"]
        assert realtime.organization.title == "ACLED Conflict Data Project"
        orgs = {o.name for o in s.execute(select(Organization)).scalars()}
        assert {"acled", "unesco"} <= orgs
    assert server.count(r"organization_show") == 1


def test_second_run_is_incremental_and_prints_zero_new(cat, server, harvest):
    harvest("ckan", _ckan(server))
    shows = server.count("package_show")
    again = harvest("ckan", _ckan(server))
    assert (
        again.summary == f"done: 0 new, 0 updated, {HDX_DATASETS} unchanged, 0 withdrawn, 0 errors"
    )
    assert server.count("package_show") == shows  # nothing fetched one by one
    assert server.count(r"fl=id") >= 1  # the light listing that detects removals
    # an edit at the portal: only that record is rewritten
    server.ckan.touch("acled-conflict-data-for-kenya", notes="Updated notes.")
    with cat.session() as s:
        before = {d.name: d.updated_at for d in s.execute(select(Dataset)).scalars()}
    third = harvest("ckan", _ckan(server))
    assert (third.counts.new, third.counts.updated, third.counts.unchanged) == (
        0,
        1,
        HDX_DATASETS - 1,
    )
    with cat.session() as s:
        after = {d.name: d for d in s.execute(select(Dataset)).scalars()}
    assert after["acled-conflict-data-for-kenya"].description == "Updated notes."
    touched = {n for n, d in after.items() if d.updated_at != before[n]}
    assert touched == {"acled-conflict-data-for-kenya"}


def test_vanished_package_is_withdrawn_and_comes_back(cat, server, harvest):
    harvest("ckan", _ckan(server))
    gone = server.ckan.remove("acled-conflict-data-for-gabon")
    out = harvest("ckan", _ckan(server))
    assert out.counts.withdrawn == 1
    with cat.session() as s:
        ds = s.execute(
            select(Dataset).where(Dataset.name == "acled-conflict-data-for-gabon")
        ).scalar()
        assert ds.status == "withdrawn"  # never deleted
        link = s.execute(select(DatasetSource).where(DatasetSource.dataset_id == ds.id)).scalar()
        assert link.gone_since is not None
    server.ckan.add(gone)
    back = harvest("ckan", _ckan(server))
    assert back.counts.updated == 1 and back.counts.withdrawn == 0
    assert (
        datasets.get_dataset(cat, svc.SYSTEM, "acled-conflict-data-for-gabon").status == "published"
    )


def test_falls_back_to_package_list_and_package_show(cat, server, harvest):
    server.ckan.search_enabled = False
    out = harvest("ckan", _ckan(server))
    assert out.state == "done", errors_of(cat, out.job_id)
    assert out.counts.new == HDX_DATASETS
    assert server.count("package_list") == 1
    # every package (showcases included) fetched once; showcases skipped
    assert server.count("package_show") == len(server.ckan.packages)
    again = harvest("ckan", _ckan(server))
    assert again.counts.new == 0 and again.counts.unchanged == HDX_DATASETS


def test_organization_mapping_and_review_queue(cat, server, harvest):
    from catalog.services import organizations

    organizations.create_organization(
        cat,
        svc.SYSTEM,
        {"name": "bd-stats", "title": "保定市统计局", "title_en": "Baoding Statistics"},
    )
    out = harvest(
        "ckan",
        _ckan(server),
        trusted=False,
        config={"organizations": {"acled": "bd-stats"}, "create_organizations": False},
        organization="bd-stats",
    )
    assert out.counts.new == HDX_DATASETS
    with cat.session() as s:
        rows = list(s.execute(select(Dataset)).scalars())
        assert {d.status for d in rows} == {"submitted"}  # untrusted: to review
        assert {d.organization.name for d in rows} == {"bd-stats"}
        assert s.execute(select(Organization).where(Organization.name == "acled")).first() is None
