"""Whatever users type, search answers; requests it cannot run are refused clearly; a
missing or corrupt index is reported and repaired by a rebuild."""

from __future__ import annotations

import shutil

import pytest
from catalogtest import SEARCH_BACKENDS, build_search_catalog
from sqlalchemy import func, select

from catalog.context import open_catalog
from catalog.models import IndexOutbox
from catalog.search import BadQuery, SearchQuery, SearchResult, SearchUnavailable
from catalog.search.base import MAX_OFFSET, MAX_PAGE_SIZE
from catalog.services import datasets, indexing
from catalog.services.authz import SYSTEM

DOCS = [
    {
        "name": "bus-lines",
        "title": "保定市公交线路",
        "title_en": "Bus lines",
        "description": "公交线路与站点。",
        "themes": ["transport"],
    },
    {
        "name": "air-quality",
        "title": "空气质量监测",
        "title_en": "Air quality",
        "description": "PM2.5 小时浓度。",
        "themes": ["environment"],
    },
    {
        "name": "lung-ct",
        "title": "肺部 CT 医学影像",
        "title_en": "Lung CT imaging",
        "description": "医学影像标注。",
        "themes": ["health"],
        "kind": "training",
    },
]

MALFORMED = [
    '"公交',
    '公交"',
    '"""',
    '"',
    "公交 AND",
    "AND OR NOT",
    "OR 公交 OR",
    "(公交",
    "公交)",
    "((()))",
    "公交*",
    "*",
    "*:*",
    "公交~2",
    "~",
    "^公交",
    "公交^10",
    "title:公交",
    ":",
    "a:b:c:",
    "-",
    "--",
    "-公交",
    "公交 -",
    "- - -",
    "+公交 +-",
    "&& || !",
    "[1 TO 5]",
    "{*}",
    "\\",
    "/regex.*/",
    "'; DROP TABLE datasets; --",
    "<script>alert(1)</script>",
    "%00%27",
    "公交\x00站点",
    "\x01\x02\x03\x1f\x7f",
    "\t\n\r",
    "\ud800",
    "公交\udfff",
    "\ud83d",
    "🚌 公交",
    "🚌🚇✈️",
    "👨‍👩‍👧‍👦",
    "！？。，、；：",
    "?!.,;:'\"()[]{}<>@#$%^&*_=+|~`",
    "   ",
    "",
    "ｂｕｓ　公交",
    "x" * 10_000,
    "公交" * 5_000,
    "公交 " * 2_000,
    "a " * 5_000,
    ("医疗 imaging " * 800)[:10_240],
    "a" * 200,
    "\u200b\u200d\ufeff",
    "OR",
    "AND OR NOT",
    "NOT",
    "- - -",
    '"""',
    '""',
    "the of and to",
    "的 和 有关",
    "OR " * 3_000,
    '"' * 5_000,
    "-" * 5_000,
    "e\u0301",
    "ﷺ",
]


@pytest.fixture(scope="module", params=list(SEARCH_BACKENDS))
def small(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    cat = build_search_catalog(tmp_path_factory.mktemp(f"bad-{request.param}"), request.param)
    ids = {d["name"]: datasets.create_dataset(cat, SYSTEM, d, status="published").id for d in DOCS}
    yield cat, ids
    cat.dispose()


@pytest.mark.parametrize("text", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_queries_give_results(small, text: str) -> None:
    cat, _ids = small
    res = cat.search.search(SearchQuery(text=text))
    assert isinstance(res, SearchResult)
    assert 0 <= res.total <= len(DOCS)
    assert len(res.hits) == min(res.total, 20)
    for hit in res.hits:
        assert "<script>" not in "".join(hit.snippets.values())
    # the same text works as a suggestion prefix and in every sort
    assert isinstance(cat.search.suggest(text), list)
    cat.search.search(SearchQuery(text=text, sort="modified", filters={"theme": ["transport"]}))


@pytest.mark.parametrize(
    "text",
    [
        '"公交',
        "公交 AND",
        "(公交)",
        "公交*",
        "^公交",
        "公交\x00",
        "公交\ud800",
        "🚌 公交",
        "OR 公交 OR",
        "NOT 公交",
        "-公交",
        "公交 AND AND",
        '公交 "',
        "the 公交 of",
        "公交！！！",
        "ｂｕｓ",
        "BUS",
    ],
)
def test_the_word_inside_the_noise_still_matches(small, text: str) -> None:
    cat, ids = small
    res = cat.search.search(SearchQuery(text=text))
    assert [h.id for h in res.hits] == [ids["bus-lines"]]


def test_a_long_query_is_cut_not_refused(small) -> None:
    cat, ids = small
    res = cat.search.search(SearchQuery(text="医疗 imaging " + "x" * 10_000))
    # no record holds all three words (the x-run matches nothing), so the relaxed form
    # answers with the record holding the other two
    assert [h.id for h in res.hits] == [ids["lung-ct"]] and res.relaxed
    res = cat.search.search(SearchQuery(text="医学影像" + " " * 10_000 + "garbage"))
    assert [h.id for h in res.hits] == [ids["lung-ct"]]


def test_punctuation_only_lists_everything(small) -> None:
    cat, _ids = small
    assert cat.search.search(SearchQuery(text="?!。，")).total == len(DOCS)


@pytest.mark.parametrize(
    "query",
    [
        SearchQuery(sort="best"),
        SearchQuery(sort=""),
        SearchQuery(sort="modified; drop"),
        SearchQuery(filters={"colour": ["red"]}),
        SearchQuery(filters={"theme": ["transport"], "owner": ["x"]}),
        SearchQuery(facets=("theme", "nope")),
        SearchQuery(page=0),
        SearchQuery(page=-1),
        SearchQuery(page_size=0),
        SearchQuery(page_size=MAX_PAGE_SIZE + 1),
        SearchQuery(page=MAX_OFFSET // 20 + 1, page_size=20),
    ],
    ids=[
        "sort",
        "empty-sort",
        "sort-injection",
        "facet",
        "second-facet",
        "facet-list",
        "page0",
        "page-neg",
        "size0",
        "size-big",
        "too-deep",
    ],
)
def test_requests_search_cannot_run_raise_bad_query(small, query: SearchQuery) -> None:
    cat, _ids = small
    with pytest.raises(BadQuery) as err:
        cat.search.search(query)
    assert str(err.value)  # a message the API can show


def test_bad_query_names_the_problem(small) -> None:
    cat, _ids = small
    with pytest.raises(BadQuery, match="colour"):
        cat.search.search(SearchQuery(filters={"colour": ["red"]}))
    with pytest.raises(BadQuery, match="best"):
        cat.search.search(SearchQuery(sort="best"))
    assert issubclass(BadQuery, ValueError)


def test_last_allowed_page_is_fine(small) -> None:
    cat, _ids = small
    res = cat.search.search(SearchQuery(page=MAX_OFFSET // 20, page_size=20))
    assert res.hits == [] and res.total == len(DOCS)


# -- a missing or corrupt index folder (the embedded backend's own failure modes) --------
def _outbox(cat) -> int:
    with cat.session() as s:
        return s.execute(select(func.count()).select_from(IndexOutbox)).scalar_one()


def test_missing_index_is_reported_and_rebuild_repairs_it(sqlite_cat) -> None:
    cat = sqlite_cat
    for d in DOCS:
        datasets.create_dataset(cat, SYSTEM, d, status="published")
    shutil.rmtree(cat.settings.index_path)

    with pytest.raises(SearchUnavailable, match="rebuild"):
        cat.search.search(SearchQuery(text="公交"))
    health = cat.search.health()
    assert health["ok"] is False and "error" in health
    with pytest.raises(SearchUnavailable):
        cat.search.suggest("保定")

    # writes still succeed; their index changes wait in the outbox
    late = datasets.create_dataset(cat, SYSTEM, {"title": "停车场名录"}, status="published")
    assert _outbox(cat) == 1

    assert indexing.rebuild_index(cat) == len(DOCS) + 1
    assert cat.search.health()["ok"] is True
    assert cat.search.search(SearchQuery(text="公交")).total == 1
    assert [h.id for h in cat.search.search(SearchQuery(text="停车场")).hits] == [late.id]
    assert _outbox(cat) == 0


@pytest.mark.parametrize("garbage", ["garbage{{{", "", '{"segments": 42}', "\x00\xff" * 100])
def test_corrupt_index_is_reported_and_rebuild_repairs_it(sqlite_cat, garbage: str) -> None:
    cat = sqlite_cat
    for d in DOCS:
        datasets.create_dataset(cat, SYSTEM, d, status="published")
    (cat.settings.index_path / "meta.json").write_text(garbage, encoding="utf-8")

    # a process that starts now (web worker, CLI) finds the index unusable
    reopened = open_catalog(
        instance_path=cat.settings.instance_path,
        database_url=cat.settings.database_url,
        search_url=cat.settings.search_url,
    )
    try:
        with pytest.raises(SearchUnavailable, match="rebuild"):
            reopened.search.search(SearchQuery(text="公交"))
        assert reopened.search.health()["ok"] is False
        # `catalog init` must not silently wipe it either: only a rebuild replaces it
        reopened.create_index_if_missing()
        assert indexing.rebuild_index(reopened) == len(DOCS)
        assert reopened.search.health() | {"path": None} == {
            "backend": reopened.search.name,
            "ok": True,
            "documents": len(DOCS),
            "path": None,
        }
        assert reopened.search.search(SearchQuery(text="公交")).total == 1
        assert reopened.search.suggest("保定市") == ["保定市公交线路"]
    finally:
        reopened.dispose()


def test_create_index_if_missing_recreates_a_deleted_index(sqlite_cat) -> None:
    cat = sqlite_cat
    datasets.create_dataset(cat, SYSTEM, DOCS[0], status="published")
    shutil.rmtree(cat.settings.index_path)
    cat.create_index_if_missing()
    assert cat.search.health()["ok"] is True
    assert cat.search.count() == 0  # empty until rebuilt: the store still has the dataset
    assert indexing.rebuild_index(cat) == 1
