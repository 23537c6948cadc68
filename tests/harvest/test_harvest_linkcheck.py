"""Link checking as a job: HEAD, then GET with a Range header; status and time stored per
distribution; broken links counted per publisher; private addresses refused by default."""

from __future__ import annotations

import json

from conftest import errors_of
from sqlalchemy import select

from catalog.models import Distribution
from catalog.services import harvest as svc
from catalog.services.authz import SYSTEM
from catalog.services.link_status import broken_links_by_publisher
from harvesters.pipeline import run_job


def _catalog_with_links(server, harvest) -> None:
    def ds(ident: str, publisher: str, *paths: str) -> dict:
        return {
            "identifier": ident,
            "title": f"Dataset {ident}",
            "description": "d",
            "publisher": {"name": publisher},
            "distribution": [
                {"title": p, "downloadURL": server.url(p) if p.startswith("links") else p}
                for p in paths
            ],
        }

    doc = {
        "dataset": [
            ds("a", "Agency A", "links/ok", "links/gone"),
            ds("b", "Agency B", "links/nohead", "http://127.0.0.1:9/unreachable.csv"),
            ds("c", "Agency A", "links/ok"),
        ]
    }
    url = server.put("links.json", json.dumps(doc), "application/json")
    assert harvest("datajson", url, config={"strict": False}).counts.new == 3


def _check(cat, source=None, **options):
    job = svc.enqueue_job(cat, SYSTEM, source, job_type="linkcheck", options=options)
    return run_job(cat, svc.start_job(cat, job.id))


def test_link_check_records_status_and_broken_links_per_publisher(cat, server, harvest):
    _catalog_with_links(server, harvest)
    out = _check(cat, allow_private=True, timeout=2)
    assert out.state == "done_with_errors"
    assert out.message == "done_with_errors: 5 links checked, 2 broken"
    with cat.session() as s:
        status = {
            d.download_url.rsplit("/", 1)[-1]: d.link_status
            for d in s.execute(select(Distribution)).scalars()
        }
        assert all(d.link_checked_at for d in s.execute(select(Distribution)).scalars())
    assert status == {"ok": 200, "gone": 404, "nohead": 206, "unreachable.csv": 0}
    # HEAD refused with 405, then one byte with GET + Range
    assert server.count(r"^/links/nohead") == 2
    assert server.count(r"^/links/ok") == 1  # the same URL twice in a job: checked once
    broken = broken_links_by_publisher(cat)
    assert sorted(broken.values()) == [1, 1] and len(broken) == 2
    reasons = sorted(why for stage, _url, why in errors_of(cat, out.job_id) if stage == "link")
    assert any("HTTP 404" in r for r in reasons)
    assert any("cannot connect" in r for r in reasons)


def test_private_addresses_are_not_probed_by_default(cat, server, harvest):
    _catalog_with_links(server, harvest)
    before = len(server.requests)
    out = _check(cat, source=1)  # one source: its datasets only (here: all of them)
    assert out.counts.errors == 5
    assert len(server.requests) == before  # not a single request reached the local network
    [(_stage, _url, why), *_] = errors_of(cat, out.job_id)
    assert "private or loopback" in why
