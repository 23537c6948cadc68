"""A second, empty catalog harvesting this one's DCAT and CKAN endpoints reproduces it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.context import open_catalog
from catalog.models import Dataset
from catalog.search import SearchQuery
from catalog.services import harvest as svc
from catalog.services.authz import SYSTEM
from harvesters.pipeline import run_job
from tests.livesite import SECRET_URL, load_small_catalog, serve


def _published(cat, with_kind: bool = True) -> dict[str, tuple]:
    """Title -> (openness, English title, kind): what a user compares between the two."""
    with cat.session() as s:
        rows = s.execute(select(Dataset).where(Dataset.status == "published")).scalars().all()
        return {
            d.title: (d.access_rights, d.title_en) + ((d.kind,) if with_kind else ()) for d in rows
        }


def _urls(cat) -> set[str]:
    with cat.session() as s:
        rows = s.execute(select(Dataset)).scalars().all()
        return {x.download_url or x.access_url or "" for d in rows for x in d.distributions}


def _harvest(cat, kind: str, url: str):
    src = svc.register_source(cat, SYSTEM, name=f"origin-{kind}", kind=kind, url=url, trusted=True)
    job = svc.start_job(cat, svc.enqueue_job(cat, SYSTEM, src.id).id)
    return run_job(cat, job)


@pytest.fixture(scope="module")
def origin(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("origin"), load_small_catalog) as (url, cat):
        yield url, cat


# DCAT carries the dataset kind only as a dct:type concept of our own scheme, which the DCAT
# harvester does not read yet; the CKAN API carries it as an extra.
@pytest.mark.parametrize(
    "kind, path, with_kind", [("dcat", "/catalog.ttl", False), ("ckan", "", True)]
)
def test_empty_catalog_harvesting_this_one_reproduces_its_public_catalog(
    origin, tmp_path, kind, path, with_kind
):
    url, source_cat = origin
    copy = open_catalog(instance_path=tmp_path)
    copy.migrate()
    copy.create_index_if_missing()
    try:
        outcome = _harvest(copy, kind, url + path)
        assert outcome.counts.errors == 0 and outcome.counts.new == 17, outcome.summary
        assert _published(copy, with_kind) == _published(source_cat, with_kind)
        # what an anonymous harvester sees never includes a restricted link
        assert SECRET_URL not in _urls(copy)
        assert copy.search.search(SearchQuery(text="交通")).total >= 14
    finally:
        copy.dispose()


def test_both_endpoints_into_one_catalog_give_one_dataset_each(origin, tmp_path):
    url, source_cat = origin
    copy = open_catalog(instance_path=tmp_path)
    copy.migrate()
    copy.create_index_if_missing()
    try:
        _harvest(copy, "dcat", url + "/catalog.ttl")
        _harvest(copy, "ckan", url)
        assert len(_published(copy)) == len(_published(source_cat))
        assert _published(copy, with_kind=False) == _published(source_cat, with_kind=False)
    finally:
        copy.dispose()
