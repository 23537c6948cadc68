"""No page runs a query per row it shows (issue 17): the SQL statements a page costs do not
grow with the number of datasets, distributions or list entries on it.

Each page is fetched over a socket, on SQLite and on PostgreSQL, from two catalogs that differ only in how much there is
to list (5 or 20 extra datasets of one publisher, each with 1 or 4 distributions), and the
statements the store ran for that request are counted. An N+1 query shows as a count that
grows with the list; a page may cost a few statements more for longer lists (paging), but
never one per row.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import requests
from sqlalchemy import event

from catalog.services import datasets
from catalog.services.authz import SYSTEM
from tests.livesite import load_small_catalog, serve_on

PAGES = [
    "/",
    "/search",
    "/search?q=统计",
    "/search?q=statistics&lang=en",
    "/organization/transport-bureau",
    "/organizations",
    "/dataset/bulk-0",
    "/openlist",
    "/api/v1/datasets?page_size=50",
    "/api/v1/datasets/bulk-0",
    "/api/3/action/package_search?rows=50",
    "/api/3/action/package_show?id=bulk-0",
    "/api/3/action/organization_show?id=transport-bureau&include_datasets=true",
    "/catalog.ttl",
    "/dataset/bulk-0.jsonld",
    "/sitemap.xml",
]
# what a longer list may add: a count query or a second page of a batched load
SLACK = 3


def _loader(extra: int, dists: int):
    def load(cat) -> None:
        load_small_catalog(cat)
        with cat.deferred_indexing():
            for i in range(extra):
                datasets.create_dataset(
                    cat,
                    SYSTEM,
                    {
                        "name": f"bulk-{i}",
                        "title": f"交通运输统计年报{i}",
                        "title_en": f"Transport statistics annual {i}",
                        "description": "年度统计。",
                        "organization": "transport-bureau",
                        "themes": ["transport"],
                        "keywords": ["统计", f"k{i}"],
                        "access_rights": "unconditional",
                        "distributions": [
                            {
                                "title": f"文件{j}",
                                "format": "CSV",
                                "download_url": f"https://data.example/bulk-{i}-{j}.csv",
                            }
                            for j in range(dists)
                        ],
                    },
                    status="published",
                )

    return load


@contextmanager
def _counting(engine):
    counter = {"n": 0}

    def count(*_args: object) -> None:
        counter["n"] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _statements(request, tmp_path, extra: int, dists: int) -> dict[str, int]:
    found = {}
    with serve_on(
        request,
        tmp_path / f"i{extra}-{dists}",
        _loader(extra, dists),
        export_cache_mb=0,
        page_cache_mb=0,
    ) as (url, cat):
        for page in PAGES:
            requests.get(url + page, timeout=60)  # warm: first-request work is not per row
            with _counting(cat.engine) as counter:
                resp = requests.get(url + page, timeout=60)
            assert resp.status_code == 200, (page, resp.status_code)
            found[page] = counter["n"]
    return found


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def counts(request, tmp_path_factory):
    """Statements per page on each database: an ORM load that batches on one dialect and
    not on the other would show only there."""
    tmp = tmp_path_factory.mktemp(f"page-queries-{request.param}")
    return {
        "small": _statements(request, tmp, 5, 1),
        "large": _statements(request, tmp, 20, 4),
    }


@pytest.mark.parametrize("page", PAGES)
def test_statements_do_not_grow_with_the_list(counts, page):
    small, large = counts["small"][page], counts["large"][page]
    assert large <= small + SLACK, f"{page}: {small} statements with 5 datasets, {large} with 20"


def test_the_counter_sees_the_store(counts):
    # pages answered from the search index run no SQL at all; a dataset page reads the store
    assert counts["small"]["/dataset/bulk-0"] > 0
