"""What the harvest pages read (catalog/services/harvest_admin.py): each person sees the
sources they manage and nothing else, and a link check's broken restricted links keep their
URL from anyone who does not edit the dataset. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from catalog.errors import PermissionDenied
from catalog.models import HarvestError
from catalog.services import harvest, harvest_admin
from catalog.services.authz import SYSTEM
from tests.livesite import SECRET_URL
from tests.portal import actor, load_portal


def test_sources_jobs_and_restricted_links_by_who_asks(cat):
    portal = load_portal(cat)
    curator = actor(cat, portal["people"]["curator"])
    admin = actor(cat, portal["people"]["admin"])
    rival = actor(cat, portal["people"]["rival"])
    member = actor(cat, portal["people"]["member"])
    mine = harvest.register_source(
        cat,
        admin,
        name="a-feed",
        kind="datajson",
        url="https://8.8.8.8/data.json",
        organization=portal["org_a"],
    )
    harvest.register_source(
        cat,
        SYSTEM,
        name="b-feed",
        kind="datajson",
        url="https://8.8.4.4/data.json",
        organization=portal["org_b"],
    )
    assert [r.name for r in harvest_admin.sources(cat, admin)] == ["a-feed"]
    assert [r.name for r in harvest_admin.sources(cat, curator)] == ["a-feed", "b-feed"]
    with pytest.raises(PermissionDenied):
        harvest_admin.sources(cat, member)
    with pytest.raises(PermissionDenied):
        harvest_admin.source(cat, rival, "a-feed")

    job = harvest.enqueue_job(cat, admin, mine.id, job_type="linkcheck")
    with cat.session() as s:
        s.add(
            HarvestError(
                job_id=job.id,
                remote_id=SECRET_URL,
                stage="link",
                reason=f"medai: 404 for {SECRET_URL}",
            )
        )
        s.add(
            HarvestError(
                job_id=job.id, remote_id="https://ok.example/a.csv", stage="link", reason="404"
            )
        )
    seen = harvest_admin.job(cat, admin, job.id)
    assert [e.remote_id for e in seen.errors] == [
        harvest_admin.RESTRICTED_LINK,
        "https://ok.example/a.csv",
    ]
    assert SECRET_URL not in seen.errors[0].reason
    assert harvest_admin.job(cat, curator, job.id).errors[0].remote_id == SECRET_URL
    with cat.session() as s:  # masked on the page only
        assert s.get(HarvestError, seen.errors[0].id).remote_id == SECRET_URL
    with pytest.raises(PermissionDenied):
        harvest_admin.job(cat, rival, job.id)
    with pytest.raises(PermissionDenied):
        harvest.cancel_job(cat, rival, job.id)
    assert harvest.cancel_job(cat, admin, job.id).state == "cancelled"
