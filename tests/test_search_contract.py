"""The search contract every backend honours, on a small bilingual corpus.

Parametrised by backend id (``embedded`` and ``opensearch``, a real node; another backend
joins by adding an entry to ``catalogtest.SEARCH_BACKENDS``). The corpus is loaded through
``catalog.services.datasets.create_dataset`` so that what is tested is what users get.
"""

from __future__ import annotations

import io
import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from catalogtest import SEARCH_BACKENDS, build_search_catalog, copy_search_catalog
from search_corpus import BY_NAME, CORPUS, ORG_TITLE, load_corpus
from sqlalchemy import select

from catalog.models import Dataset
from catalog.search import FACETS, BadQuery, SearchQuery
from catalog.search import query_plan as qp
from catalog.search.base import AI_FACETS, DEFAULT_FACETS, GENERAL_FACETS, default_facets
from catalog.search.ranking import STRICT_BONUS
from catalog.services import datasets, indexing, registrations, uploads
from catalog.services.authz import SYSTEM
from schemas import vocab
from tests.portal import credit_code


def labels(r: dict) -> list[str]:
    """The names a record is filed under (theme, region, modality, task), both languages."""
    out = []
    for name, codes in (
        ("theme", r["themes"]),
        ("region", r["spatial"]),
        ("modality", r["modalities"]),
        ("task", r["task_categories"]),
    ):
        out += [vocab.label(name, c, loc) for c in codes for loc in ("zh", "en")]
    return out


def containing(word: str) -> set[str]:
    """Names of corpus datasets whose Chinese text (title, description, keywords, publisher)
    or whose labels (theme, region, ...) contain ``word``."""
    out = set()
    for r in CORPUS:
        text = " ".join(
            [r["title"], r["description"], *r["keywords"], ORG_TITLE[r["organization"]], *labels(r)]
        )
        if word in text:
            out.add(r["name"])
    return out


class Corpus:
    def __init__(self, cat, ids: dict[str, str]):
        self.cat = cat
        self.ids = ids
        self.names = {v: k for k, v in ids.items()}

    def search(self, text: str = "", **kw: object):
        kw.setdefault("page_size", 100)
        return self.cat.search.search(SearchQuery(text=text, **kw))

    def found(self, text: str = "", **kw: object) -> list[str]:
        """Names of the hits, in rank order."""
        return [self.names.get(h.id, h.id) for h in self.search(text, **kw).hits]

    def strict(self, text: str, **kw: object) -> list[str]:
        """Names of the hits holding enough of the words (all of one or two), in rank order.

        In a small corpus most multi-word searches are relaxed (under a page of strict
        matches): the strict ones must then rank before every partial one."""
        res = self.search(text, **kw)
        if not res.relaxed:
            return [self.names.get(h.id, h.id) for h in res.hits]
        strict = [h for h in res.hits if h.score >= STRICT_BONUS]
        assert res.hits[: len(strict)] == strict
        assert len(res.hits) > len(strict)  # relaxed: partial matches follow
        return [self.names.get(h.id, h.id) for h in strict]


@pytest.fixture(scope="module", params=list(SEARCH_BACKENDS))
def corpus_instance(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The corpus loaded once per backend, dataset by dataset; the catalog is then closed
    and tests work on copies of its instance folder."""
    path = tmp_path_factory.mktemp(f"corpus-{request.param}") / "instance"
    cat = build_search_catalog(path, request.param)
    try:
        ids = load_corpus(cat)
    finally:
        cat.dispose()
    return request.param, path, ids


@pytest.fixture(scope="module")
def corpus(corpus_instance, tmp_path_factory: pytest.TempPathFactory):
    """The corpus for the read-only tests of this module."""
    backend, path, ids = corpus_instance
    cat = copy_search_catalog(path, tmp_path_factory.mktemp("corpus") / "instance", backend)
    try:
        yield Corpus(cat, ids)
    finally:
        cat.dispose()


@pytest.fixture
def fresh_corpus(corpus_instance, tmp_path: Path):
    """The corpus in a catalog of its own, for tests that change it."""
    backend, path, ids = corpus_instance
    cat = copy_search_catalog(path, tmp_path / "instance", backend)
    try:
        yield Corpus(cat, ids)
    finally:
        cat.dispose()


# -- an empty catalog ------------------------------------------------------------------------
def test_empty_index_answers(search_cat) -> None:
    res = search_cat.search.search(SearchQuery(text="保定"))
    assert res.total == 0 and res.hits == []
    assert set(res.facets) == set(DEFAULT_FACETS) and all(v == [] for v in res.facets.values())
    assert search_cat.search.suggest("保定") == []
    assert search_cat.search.health()["ok"] is True
    assert search_cat.search.count() == 0
    ds = datasets.create_dataset(
        search_cat, SYSTEM, {"title": "保定市公交线路"}, status="published"
    )
    assert [h.id for h in search_cat.search.search(SearchQuery(text="公交")).hits] == [ds.id]
    assert search_cat.search.suggest("保定") == ["保定市公交线路"]


# -- ranking and matching -------------------------------------------------------------------
def test_every_published_dataset_is_indexed(corpus: Corpus) -> None:
    assert corpus.cat.search.count() == len(CORPUS)
    assert corpus.search().total == len(CORPUS)


def test_title_match_outranks_description_only_match(corpus: Corpus) -> None:
    found = corpus.found("湿地")
    assert set(found) == {"baiyangdian-birds", "anxin-land-use"}
    assert found.index("baiyangdian-birds") < found.index("anxin-land-use")


def test_title_match_outranks_description_match_in_english(corpus: Corpus) -> None:
    found = corpus.found("tracking")
    assert found[0] == "object-tracking"


def test_jiaotong_finds_jiaotong_yunshu(corpus: Corpus) -> None:
    found = corpus.found("交通")
    assert "transport-stats" in found  # title 交通运输
    assert "taxi-gps" in found  # description 交通运输
    assert found.index("transport-stats") < found.index("taxi-gps")


def test_mixed_chinese_and_english_query(corpus: Corpus) -> None:
    found = corpus.strict("医疗 imaging")
    assert set(found) == {"lung-ct", "chest-xray"}
    # each word alone finds more: the query is an AND of its words
    assert "hospitals" in corpus.found("医疗")
    assert "satellite" in corpus.found("imaging")


def test_object_detection_ranks_datasets_with_both_words_first(corpus: Corpus) -> None:
    found = corpus.found("object detection")

    def text(rec: dict) -> str:
        return f"{rec['title_en']} {rec.get('description_en') or ''}".lower()

    # both words in the text, or filed under the task "Object detection" and the word
    # "detection" in the title as well
    both = {
        r["name"]
        for r in CORPUS
        if ("object" in text(r) and "detection" in text(r))
        or ("object_detection" in r["task_categories"] and "detection" in text(r))
    }
    assert {"traffic-camera-od", "warehouse-goods", "pedestrian-det"} <= both
    assert set(found[: len(both)]) == both
    for name in found[len(both) :]:
        assert not ("object" in text(BY_NAME[name]) and "detection" in text(BY_NAME[name]))
    assert "object-tracking" not in found[: len(both)]


def test_english_words_are_stemmed_and_case_insensitive(corpus: Corpus) -> None:
    assert corpus.found("STATISTICS") == corpus.found("statistic")
    assert "transport-stats" in corpus.found("Statistics")


def test_baoding(corpus: Corpus) -> None:
    found = set(corpus.found("保定"))
    assert found == containing("保定")
    # the region's name is searchable: a record filed under 保定市 is found though its
    # text never names the city
    assert "transport-stats" in found and "wheat-yield" in found
    assert "保定" not in BY_NAME["wheat-yield"]["title"] + BY_NAME["wheat-yield"]["description"]
    assert set(corpus.found("保定市")) >= {"transport-stats", "air-quality", "weather"}


@pytest.mark.parametrize(
    "word",
    [
        "公交",
        "水质",
        "影像",
        "名录",
        "统计",
        "气象",
        "景区",
        "语料",
        "充电",
        "遥感",
        "方言",
        "信用",
    ],
)
def test_two_character_chinese_words_match(corpus: Corpus, word: str) -> None:
    expected = containing(word)
    assert expected, f"corpus has nothing with {word}"
    assert set(corpus.found(word)) == expected


def test_single_character_and_full_width_queries(corpus: Corpus) -> None:
    assert "satellite" in corpus.found("ＳＡＴＥＬＬＩＴＥ")  # full-width latin
    assert corpus.found("PM2.5") == ["air-quality"]


def test_no_match_gives_empty_result(corpus: Corpus) -> None:
    res = corpus.search("火星基地")
    assert res.total == 0 and res.hits == []
    assert corpus.search("zzzqqqxxx").total == 0


def test_synonyms(corpus: Corpus) -> None:
    ai = set(corpus.found("AI"))
    assert {"gov-qa-corpus", "ai-policy"} <= ai
    assert set(corpus.found("人工智能")) == ai
    assert set(corpus.found("ai")) == ai
    assert "ev-charging" in corpus.found("新能源车")


def test_multi_word_synonyms_work_both_ways(corpus: Corpus) -> None:
    assert "ev-charging" in corpus.found("electric vehicle")
    assert {"gov-qa-corpus", "ai-policy"} <= set(corpus.found("artificial intelligence"))
    # 目标检测 <-> object detection
    zh = set(corpus.found("目标检测"))
    assert {"traffic-camera-od", "warehouse-goods"} <= zh
    assert zh <= set(corpus.found("object detection"))


def test_quoted_phrase_and_exclusion(corpus: Corpus) -> None:
    # the phrase occurs in the text of two records, and in the task label of a third
    assert set(corpus.found('"object detection"')) == {
        "traffic-camera-od",
        "warehouse-goods",
        "pedestrian-det",
    }
    assert "object-tracking" not in corpus.found('"object detection"')
    found = corpus.found("影像 -医学")
    assert "lung-ct" not in found
    assert "chest-xray" in found


# -- totals: exact up to a limit, then "at least" (issue 17) ---------------------------------
@pytest.mark.parametrize("text", ["", "保定"])
def test_totals_are_exact_up_to_the_limit_then_at_least(corpus: Corpus, text: str) -> None:
    full = corpus.search(text)
    n = full.total
    assert n > 3 and full.total_relation == "eq"
    capped = corpus.search(text, count_up_to=3)
    assert (capped.total, capped.total_relation) == (3, "gte")
    # the page and the facets do not change with the count limit
    assert [h.id for h in capped.hits] == [h.id for h in full.hits]
    assert capped.facets == full.facets
    assert corpus.search(text, count_up_to=n).total_relation == "eq"
    exact = corpus.search(text, count_up_to=3, exact_total=True)  # the CKAN API's count
    assert (exact.total, exact.total_relation) == (n, "eq")


# -- facets and filters ---------------------------------------------------------------------
@pytest.mark.parametrize("text", ["", "保定", "imaging", "统计"])
def test_facet_counts_equal_filtered_totals(corpus: Corpus, text: str) -> None:
    res = corpus.search(text, facets=FACETS)
    checked = 0
    for facet in FACETS:
        for value, n in res.facets[facet]:
            assert n > 0
            filtered = corpus.search(text, filters={facet: [value]})
            assert filtered.total == n, (facet, value)
            assert len(filtered.hits) == n
            checked += 1
    assert checked >= 10


def test_facet_counts_match_the_corpus(corpus: Corpus) -> None:
    facets = dict(corpus.search().facets)
    assert dict(facets["kind"]) == {
        k: sum(1 for r in CORPUS if r["kind"] == k) for k in {r["kind"] for r in CORPUS}
    }
    assert dict(facets["publisher"]) == {
        o: sum(1 for r in CORPUS if r["organization"] == o) for o in ORG_TITLE
    }
    assert dict(facets["region"])["130632"] == 2
    assert dict(facets["format"])["JPEG"] == 3


def test_filters_combine(corpus: Corpus) -> None:
    found = set(corpus.found(filters={"kind": ["training"], "modality": ["image"]}))
    assert found == {
        r["name"] for r in CORPUS if r["kind"] == "training" and "image" in r["modalities"]
    }
    either = set(corpus.found(filters={"theme": ["health", "energy"]}))
    assert either == {r["name"] for r in CORPUS if {"health", "energy"} & set(r["themes"])}


def test_unknown_facet_value_gives_empty_result(corpus: Corpus) -> None:
    res = corpus.search(filters={"theme": ["no-such-theme"]})
    assert res.total == 0 and res.hits == []
    assert all(v == [] for v in res.facets.values())
    assert corpus.search("保定", filters={"publisher": ["nobody"]}).total == 0


def test_empty_filter_values_are_ignored(corpus: Corpus) -> None:
    assert corpus.search(filters={"theme": [""]}).total == len(CORPUS)


# -- AI facets and filters (issue 16) -------------------------------------------------------
def _with(**conditions) -> set[str]:
    """Corpus names whose AI metadata satisfies every condition (a predicate per field)."""
    return {r["name"] for r in CORPUS if all(pred(r.get(f)) for f, pred in conditions.items())}


def test_ai_facet_counts_match_the_corpus(corpus: Corpus) -> None:
    facets = corpus.search(facets=AI_FACETS + GENERAL_FACETS).facets
    assert dict(facets["annotation_type"]) == {
        "bounding_box": 3,
        "segmentation_mask": 1,
        "class_label": 1,
        "transcription": 1,
    }
    assert dict(facets["annotation_method"]) == {
        "manual": 4,
        "semi_automatic": 1,
        "crowdsourced": 1,
    }
    # bands are cumulative: 0.995 is 99, 95 and 90; 0.88 is in none
    assert dict(facets["accuracy"]) == {"99": 1, "95": 3, "90": 4}
    assert dict(facets["samples"]) == {
        "lt1k": 1,
        "1k-10k": 2,
        "10k-100k": 1,
        "100k-1m": 1,
        "1m-10m": 1,
    }
    # "val" and "dev" are validation splits; a "total" alone names no split
    assert dict(facets["split"]) == {"train": 4, "validation": 3, "test": 4}
    families = {}
    for r in CORPUS:
        fam = vocab.license_family(r["license"])
        families[fam] = families.get(fam, 0) + 1
    assert dict(facets["license_family"]) == families
    assert families["non_commercial"] == 1 and families["by_agreement"] == 1
    assert dict(facets["coverage"]) == {"2019": 1, "2020": 1, "2021": 2, "2022": 2, "2023": 2}
    assert facets["updated"] == []  # the corpus was last changed in 2024


def test_ai_filters_select_what_they_name(corpus: Corpus) -> None:
    def found(**filters) -> set[str]:
        return set(corpus.found(filters={k: v for k, v in filters.items()}))

    boxes = _with(annotation_type=lambda v: v == "bounding_box")
    assert found(annotation_type=["bounding_box"]) == boxes
    assert len(boxes) == 3
    assert found(annotation_method=["manual", "crowdsourced"]) == _with(
        annotation_method=lambda v: v in ("manual", "crowdsourced")
    )
    assert found(accuracy=["95"]) == _with(
        annotation_accuracy=lambda v: v is not None and v >= 0.95
    )
    assert found(samples=["lt1k", "1m-10m"]) == {"pedestrian-det", "dialect-asr"}
    assert found(split=["validation"]) == {"traffic-camera-od", "warehouse-goods", "dialect-asr"}
    assert found(license_family=["commercial"]) == {
        r["name"] for r in CORPUS if vocab.license_family(r["license"]) == "commercial"
    }
    assert "taxi-gps" not in found(license_family=["commercial"])  # CC BY-NC
    assert found(coverage=["2022"]) == {"traffic-camera-od", "lung-ct"}
    # across facets AND, with text
    assert found(annotation_type=["bounding_box"], accuracy=["95"], split=["train"]) == {
        "traffic-camera-od"
    }
    assert set(corpus.found("检测", filters={"annotation_type": ["bounding_box"]})) <= boxes
    assert set(corpus.found("检测", filters={"annotation_type": ["bounding_box"]})) & boxes


def test_ai_facets_are_counted_when_the_search_is_about_ai(corpus: Corpus) -> None:
    assert not set(AI_FACETS) & set(default_facets({}))
    assert not set(AI_FACETS) & set(default_facets({"kind": ["open_data", "training"]}))
    for filters in ({"kind": ["training"]}, {"task": ["ocr"]}, {"split": ["test"]}):
        wanted = default_facets(filters)
        assert set(AI_FACETS) <= set(wanted)
        res = corpus.search(filters=filters, facets=wanted)
        assert set(res.facets) == set(wanted)
    res = corpus.search(
        filters={"kind": ["training"]}, facets=default_facets({"kind": ["training"]})
    )
    assert dict(res.facets["annotation_type"])["bounding_box"] == 2  # one is a benchmark


def test_hits_carry_what_a_result_card_shows(corpus: Corpus) -> None:
    hit = corpus.search(filters={"annotation_type": ["segmentation_mask"]}).hits[0]
    assert hit.doc["task"] == ["image_segmentation"]
    assert hit.doc["modality"] == ["image"]
    assert hit.doc["sample_total"] == 2_500
    assert corpus.search(filters={"samples": ["1k-10k"]}).total == 2


def test_updated_windows_count_and_filter_recent_changes(fresh_corpus: Corpus) -> None:
    c = fresh_corpus
    now = datetime.now(UTC).replace(tzinfo=None)
    datasets.update_dataset(c.cat, SYSTEM, c.ids["schools"], {"modified": now - timedelta(days=2)})
    datasets.update_dataset(c.cat, SYSTEM, c.ids["loans"], {"modified": now - timedelta(days=45)})
    res = c.search(facets=("updated",))
    assert res.facets["updated"] == [("7d", 1), ("30d", 1), ("90d", 2), ("365d", 2)]
    assert c.found(filters={"updated": ["7d"]}) == ["schools"]
    assert set(c.found(filters={"updated": ["90d"]})) == {"schools", "loans"}
    assert set(c.found(filters={"updated": ["7d", "365d"]})) == {"schools", "loans"}
    assert c.search("学校", filters={"updated": ["30d"]}).total == 1
    with pytest.raises(BadQuery, match="7d, 30d"):
        c.search(filters={"updated": ["week"]})


# -- paging and sorting ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "sort"),
    [
        ("", "relevance"),
        ("数据", "relevance"),
        ("保定", "relevance"),
        ("", "modified"),
        ("保定", "quality"),
        ("统计", "issued"),
    ],
)
def test_paging_is_stable(corpus: Corpus, text: str, sort: str) -> None:
    full = corpus.search(text, sort=sort)
    assert full.total == len(full.hits) > 4
    pages: list[str] = []
    page = 1
    while True:
        res = corpus.search(text, sort=sort, page=page, page_size=3)
        assert res.total == full.total
        if not res.hits:
            break
        assert len(res.hits) <= 3
        pages.extend(h.id for h in res.hits)
        page += 1
    assert len(pages) == len(set(pages)), "pages overlap"
    assert pages == [h.id for h in full.hits]
    again = corpus.search(text, sort=sort)
    assert [h.id for h in again.hits] == [h.id for h in full.hits]


def test_sort_by_modified_is_newest_first(corpus: Corpus) -> None:
    found = corpus.found(sort="modified")
    expected = [r["name"] for r in sorted(CORPUS, key=lambda r: r["modified"], reverse=True)]
    assert found == expected
    # with a text query too
    found = corpus.found("保定", sort="modified")
    assert found == [n for n in expected if n in set(found)]


def test_no_text_defaults_to_newest_first(corpus: Corpus) -> None:
    assert corpus.found() == corpus.found(sort="modified")


def test_sort_by_quality_is_best_first(corpus: Corpus) -> None:
    hits = corpus.search(sort="quality").hits
    scores = [h.doc["quality"] for h in hits]
    assert scores == sorted(scores, reverse=True)


# -- snippets and suggestions ---------------------------------------------------------------
def test_snippets_mark_matches_and_escape_html(corpus: Corpus) -> None:
    res = corpus.search("信用")
    assert [corpus.names[h.id] for h in res.hits] == ["credit"]
    snip = res.hits[0].snippets
    assert "<mark>信用</mark>" in snip["title"]
    assert "&lt;年报&gt;" in snip["title"]
    assert "<mark>信用</mark>" in snip["description"]
    # snippets are plain text: HTML written into a description is dropped, text escaped
    assert "script" not in snip["description"]
    assert "alert(&quot;x&quot;)" in snip["description"]
    assert "&amp;" in snip["description"]
    assert "<script>" not in snip["description"]
    # nothing but <mark> is left as markup
    stripped = snip["description"].replace("<mark>", "").replace("</mark>", "")
    assert "<" not in stripped and ">" not in stripped


def test_english_snippets(corpus: Corpus) -> None:
    hit = corpus.search("satellite").hits[0]
    assert re.search(r"<mark>satellite</mark>", hit.snippets["title_en"], re.IGNORECASE)
    hit = corpus.search("医疗 imaging").hits[0]
    assert "<mark>" in hit.snippets["title"] or "<mark>" in hit.snippets["title_en"]


def test_hits_carry_public_metadata_only(corpus: Corpus) -> None:
    hit = corpus.search("公交").hits[0]
    assert hit.doc["title"] == "保定市公交线路与站点"
    assert hit.doc["publisher"] == "bd-transport"
    assert "https://" not in repr(hit.doc)  # never a distribution link


def test_suggestions_start_with_the_prefix(corpus: Corpus) -> None:
    sug = corpus.cat.search.suggest("保定市")
    assert sug
    assert all(s.startswith("保定市") for s in sug)
    assert "保定市公交线路与站点" in corpus.cat.search.suggest("保定市公交")
    assert corpus.cat.search.suggest("保定市公交") == ["保定市公交线路与站点"]
    assert len(corpus.cat.search.suggest("保定", limit=3)) == 3
    en = corpus.cat.search.suggest("wheat")
    # offered as written, whatever the case typed
    assert en == ["Wheat yield field trials"] == corpus.cat.search.suggest("WHEAT")
    # a Traditional prefix finds Simplified titles
    assert corpus.cat.search.suggest("保定市氣象") == ["保定市气象观测数据"]
    assert corpus.cat.search.suggest("火星") == []
    assert corpus.cat.search.suggest("") == []


# -- changes are visible at once ------------------------------------------------------------
def test_deletes_are_gone_at_once(fresh_corpus: Corpus) -> None:
    c = fresh_corpus
    gone = c.ids["bus-lines"]
    assert "bus-lines" in c.found("公交")
    c.cat.search.delete([gone])
    assert "bus-lines" not in c.found("公交")
    assert c.search().total == len(CORPUS) - 1
    assert c.cat.search.suggest("保定市公交") == []
    facets = dict(c.search().facets["publisher"])
    assert (
        facets["bd-transport"] == sum(1 for r in CORPUS if r["organization"] == "bd-transport") - 1
    )


def test_deleting_from_the_store_removes_from_the_index(fresh_corpus: Corpus) -> None:
    c = fresh_corpus
    with c.cat.session() as s:
        s.delete(s.get(Dataset, c.ids["water-quality"]))
        indexing.queue(s, c.ids["water-quality"])
    c.cat.sync_index()
    assert c.found("水质") == []
    assert c.search().total == len(CORPUS) - 1


def test_withdrawn_datasets_leave_search(fresh_corpus: Corpus) -> None:
    c = fresh_corpus
    assert c.cat.search.suggest("保定市气象") == ["保定市气象观测数据"]
    datasets.withdraw_dataset(c.cat, SYSTEM, c.ids["weather"], "停更")
    assert c.found("气象") == []
    assert c.search().total == len(CORPUS) - 1
    assert c.cat.search.suggest("保定市气象") == []


def test_rebuild_gives_identical_results(fresh_corpus: Corpus) -> None:
    c = fresh_corpus
    # some history first: an update and a withdrawal leave deleted documents behind
    datasets.update_dataset(c.cat, SYSTEM, c.ids["schools"], {"description": "学校名称与地址。"})
    datasets.withdraw_dataset(c.cat, SYSTEM, c.ids["housing"], "下线")
    queries = [
        SearchQuery(text=t, sort=s, page_size=100)
        for t in ("", "保定", "数据", "医疗 imaging", "object detection", "统计", "AI")
        for s in ("relevance", "modified")
    ]
    before = [c.cat.search.search(q) for q in queries]
    n = indexing.rebuild_index(c.cat)
    assert n == len(CORPUS) - 1
    after = [c.cat.search.search(q) for q in queries]
    for q, b, a in zip(queries, before, after, strict=True):
        assert a.total == b.total
        assert a.facets == b.facets, q.text
        # same order; hits whose scores are exactly equal may swap (the engine orders ties
        # by their place in the index, which a rebuild changes)
        assert rank_groups(a) == rank_groups(b), (q.text, q.sort)
        assert {h.id: h.snippets for h in a.hits} == {h.id: h.snippets for h in b.hits}


def rank_groups(res) -> list[frozenset[str]]:
    """Hit ids in rank order, runs of equal score merged into one group."""
    groups: list[tuple[float, set[str]]] = []
    for h in res.hits:
        if groups and abs(groups[-1][0] - h.score) < 1e-6:
            groups[-1][1].add(h.id)
        else:
            groups.append((h.score, {h.id}))
    return [frozenset(ids) for _score, ids in groups]


def test_rebuild_without_history_gives_identical_scores(fresh_corpus: Corpus) -> None:
    c = fresh_corpus
    queries = [SearchQuery(text=t, page_size=100) for t in ("保定", "医疗 imaging", "湿地")]
    before = [{h.id: h.score for h in c.cat.search.search(q).hits} for q in queries]
    indexing.rebuild_index(c.cat)
    after = [{h.id: h.score for h in c.cat.search.search(q).hits} for q in queries]
    for b, a in zip(before, after, strict=True):
        assert a.keys() == b.keys()
        for id_, score in b.items():
            assert a[id_] == pytest.approx(score, rel=1e-6)


def test_rebuild_keeps_answering_and_leaves_no_folders(fresh_corpus: Corpus) -> None:
    c = fresh_corpus
    index_path = Path(c.cat.settings.index_path)
    indexing.rebuild_index(c.cat)
    indexing.rebuild_index(c.cat)
    assert c.cat.search.health()["ok"] is True
    assert c.cat.search.count() == len(CORPUS)
    if hasattr(c.cat.search, "indices"):  # a cluster: the alias's index and nothing else
        assert c.cat.search.indices() == [c.cat.search.health()["index"]]
        return
    siblings = [p.name for p in index_path.parent.iterdir() if p.name.startswith(index_path.name)]
    assert siblings == [index_path.name]


def test_changes_after_rebuild_are_indexed(fresh_corpus: Corpus) -> None:
    c = fresh_corpus
    indexing.rebuild_index(c.cat)
    datasets.update_dataset(c.cat, SYSTEM, c.ids["loans"], {"title": "普惠金融贷款统计"})
    assert c.strict("普惠金融") == ["loans"]
    ds = datasets.create_dataset(c.cat, SYSTEM, {"title": "保定市停车场名录"}, status="published")
    assert c.found("停车场") == [c.names.get(ds.id, ds.id)]


def test_index_matches_the_store(fresh_corpus: Corpus) -> None:
    c = fresh_corpus
    with c.cat.session() as s:
        published = set(
            s.execute(select(Dataset.id).where(Dataset.status == "published")).scalars()
        )
    assert {h.id for h in c.search().hits} == published
    assert indexing.count_indexable(c.cat) == len(published)


def test_change_drained_during_rebuild_survives_the_swap(fresh_corpus: Corpus) -> None:
    """A write whose index update lands in the old index mid-rebuild is not lost at the swap."""
    c = fresh_corpus
    real_rebuild = c.cat.search.rebuild

    def rebuild_with_a_write_in_the_middle(docs, progress=None):
        docs = list(docs)  # the rebuild has read its snapshot ...
        datasets.update_dataset(c.cat, SYSTEM, c.ids["loans"], {"title": "重建期间改名的贷款统计"})
        return real_rebuild(iter(docs), progress)  # ... and swaps in the older title

    c.cat.search.rebuild = rebuild_with_a_write_in_the_middle
    try:
        indexing.rebuild_index(c.cat)
    finally:
        c.cat.search.rebuild = real_rebuild
    assert c.found("重建期间改名") == ["loans"]


# -- query semantics (catalog/search/query_plan.py) -----------------------------------------
def _title_words(rec: dict) -> list[str]:
    """The content words of a record's titles, as the query planner reads them."""
    words = []
    for title in (rec["title"], rec["title_en"]):
        for group in qp.plan_query(title).groups:
            words += [c.word for o in group.options for c in o if isinstance(c, qp.Term)]
    return list(dict.fromkeys(words))


def test_every_title_word_finds_its_record_among_other_words(corpus: Corpus) -> None:
    """A property over generated queries: any content word of a published title, with
    words that match nothing, function words, and another record's words around it, finds
    that record (the relaxed form keeps what the strict one would drop)."""
    rng = random.Random(20261202)
    checked = 0
    for rec in CORPUS:
        others = [w for r in rng.sample(CORPUS, 3) for w in _title_words(r)[:1]]
        for word in _title_words(rec):
            filler = rng.sample(["qzxv", "wkpj", "的", "the", "I want", "有关", *others], 3)
            query = " ".join(rng.sample([word, *filler], 4))
            assert rec["name"] in corpus.found(query), (query, rec["name"])
            checked += 1
    assert checked > 100


def test_traditional_and_simplified_script_meet(corpus: Corpus) -> None:
    # 医疗影像 written in Traditional characters, and a Traditional long question
    assert set(corpus.strict("醫療影像")) == set(corpus.strict("医疗影像")) >= {"chest-xray"}
    assert corpus.found("保定市空氣質量監測")[0] == "air-quality"


def test_function_words_do_not_gate(corpus: Corpus) -> None:
    # "surface water quality" alone decides: the strict matches are those holding it
    strict = corpus.strict("I want to find data about surface water quality")
    assert strict == corpus.strict("surface water quality")
    assert strict[0] == "water-quality"
    zh = corpus.search("我想找有关保定市地表水水质的数据")
    assert corpus.names[zh.hits[0].id] == "water-quality"
    # a query of function words only is searched as typed, not refused
    assert corpus.search("the of").total >= 0


def test_long_questions_rank_the_records_sharing_their_words(corpus: Corpus) -> None:
    res = corpus.search("which datasets have satellite images of farmland for crop models")
    assert corpus.names[res.hits[0].id] == "satellite"


def test_or_counts_as_one_word_and_and_requires(corpus: Corpus) -> None:
    assert {"taxi-gps", "bus-lines"} <= set(corpus.strict("出租车 OR 公交"))
    # with OR, the two alternatives are one word: with a third word both sides need it
    assert set(corpus.strict("taxi OR bus stops")) == {"bus-lines"}
    assert set(corpus.strict("lung AND imaging")) == {"lung-ct"}
    found = corpus.found("imaging AND medical")
    assert set(found) == {"lung-ct", "chest-xray"}  # AND never relaxes into partial matches
    assert "lung-ct" not in corpus.found("imaging NOT lung")
    # operators alone are text, not an error
    assert corpus.search("OR").total >= 0 and corpus.search("AND NOT").total >= 0


def test_a_single_character_finds_the_words_holding_it(corpus: Corpus) -> None:
    found = set(corpus.found("鸟"))
    assert "baiyangdian-birds" in found
    assert found <= containing("鸟")


def test_hyphenated_and_joined_forms_meet(corpus: Corpus) -> None:
    assert "chest-xray" in corpus.found("x-ray")
    assert "chest-xray" in corpus.found("xray")
    assert set(corpus.strict("multi object")) >= {"object-tracking"}


def test_words_together_rank_above_words_apart(corpus: Corpus) -> None:
    # both have "quality" and "monitoring"-like words; the title holding the words in
    # order comes first
    assert corpus.found("air quality")[0] == "air-quality"
    assert corpus.found("water quality")[0] == "water-quality"


def test_pinyin_finds_chinese_titles_when_nothing_else_matches(corpus: Corpus) -> None:
    assert corpus.found("gongjiao") == ["bus-lines"]
    assert corpus.found("gong jiao xian lu") == ["bus-lines"]
    assert corpus.found("qixiang")[0] == "weather"
    # words that match as words are never read as pinyin
    assert "bus-lines" not in corpus.found("weather")
    # filters still apply to the pinyin fallback
    assert corpus.found("gongjiao", filters={"theme": ["health"]}) == []


def test_identical_records_collapse_into_one_hit(fresh_corpus: Corpus) -> None:
    c = fresh_corpus
    rec = BY_NAME["water-quality"]
    copies = []
    for i in range(3):
        ds = datasets.create_dataset(
            c.cat,
            SYSTEM,
            {
                "title": rec["title"],
                "description": rec["description"],
                "organization": rec["organization"],
                "name": f"water-quality-copy-{i}",
            },
            status="published",
        )
        copies.append(ds.id)
    res = c.search("地表水")
    ids = [h.id for h in res.hits]
    same = [h for h in res.hits if h.id in {c.ids["water-quality"], *copies}]
    assert len(same) == 1, ids  # four identical records, one hit
    assert same[0].identical == 3
    assert res.total >= 4  # the total still counts records, as Elasticsearch's collapse does
    # a record that differs in its description is not a copy
    other = datasets.create_dataset(
        c.cat,
        SYSTEM,
        {"title": rec["title"], "description": "另一份说明。", "organization": rec["organization"]},
        status="published",
    )
    assert other.id in [h.id for h in c.search("地表水").hits]


def test_misspelled_words_that_find_nothing_offer_a_correction(corpus: Corpus) -> None:
    res = corpus.search("satelite")
    assert res.total == 0 and res.did_you_mean == "satellite"
    assert corpus.found(res.did_you_mean)[0] == "satellite"
    two = corpus.search("Farmlnd satelite")
    assert two.total == 0 and two.did_you_mean == "farmland satellite"
    # a query that finds something is never second-guessed
    assert corpus.search("satellite").did_you_mean is None
    assert corpus.search("qzxvwk").did_you_mean is None  # nothing close: no offer


# -- property-rights registrations (issue 18, item 5) ---------------------------------------
def test_registered_filter_follows_verification_and_cancellation(fresh_corpus: Corpus) -> None:
    """ "已登记" (``registration=registered``) holds the datasets whose latest verified
    registration is not a cancellation; it follows each decision at once and survives a
    rebuild."""
    c = fresh_corpus
    key = uploads.store(c.cat, SYSTEM, io.BytesIO(b"%PDF certificate"), "cert.pdf").key
    record = {
        "number": "HB-2026-0001", "reg_type": "initial", "registering_body": "河北省数据产权登记中心",
        "rights": ["resource_holding"], "holder_name": "保定市交通运输局",
        "holder_credit_code": credit_code(3), "registered_on": "2026-01-05", "evidence_file": key,
    }  # fmt: skip
    registered = {"registration": ["registered"]}
    reg = registrations.add_registration(c.cat, SYSTEM, "bus-lines", record)
    assert c.found(filters=registered) == []  # entered, not verified
    registrations.decide(c.cat, SYSTEM, reg.id, "verified")
    assert c.found(filters=registered) == ["bus-lines"]
    assert c.found("公交", filters=registered) == ["bus-lines"]
    assert dict(c.search().facets["registration"]) == {"registered": 1}
    assert c.search(filters={**registered, "kind": ["training"]}).total == 0
    indexing.rebuild_index(c.cat)
    assert c.found(filters=registered) == ["bus-lines"]
    cancel = registrations.add_registration(
        c.cat, SYSTEM, "bus-lines",
        {**record, "reg_type": "cancellation", "registered_on": "2026-06-01"},
    )  # fmt: skip
    registrations.decide(c.cat, SYSTEM, cancel.id, "verified")
    assert c.found(filters=registered) == []
    assert c.search().facets["registration"] == []


# -- related datasets (issue 16, item 5) ----------------------------------------------------
def related(corpus: Corpus, name: str, limit: int = 5) -> list[str]:
    with corpus.cat.session() as s:
        ds = s.get(Dataset, corpus.ids[name])
        found = datasets.related_datasets(corpus.cat, ds, limit)
    return [corpus.names.get(d["id"], d["id"]) for d in found]


def test_related_datasets_share_task_and_modality_before_theme(corpus: Corpus) -> None:
    found = related(corpus, "traffic-camera-od")
    assert "traffic-camera-od" not in found
    # object detection on images (other themes) before transport datasets of other tasks
    assert set(found[:2]) == {"pedestrian-det", "warehouse-goods"}, found
    for theme_only in ("bus-lines", "transport-stats", "ev-charging"):
        if theme_only in found:
            assert found.index(theme_only) > 1


def test_related_datasets_weigh_text_similarity(corpus: Corpus) -> None:
    # same modality and theme, and both are medical imaging: the chest X-rays come first
    assert related(corpus, "lung-ct")[0] == "chest-xray"
    # no task or modality: the words (水质 / 质量, 监测) and the theme decide
    assert "water-quality" in related(corpus, "air-quality", 3)
    assert len(related(corpus, "schools", 2)) <= 2


def test_related_datasets_leave_out_identical_copies_and_withdrawn_ones(
    fresh_corpus: Corpus,
) -> None:
    c = fresh_corpus
    rec = {**BY_NAME["chest-xray"], "name": "chest-xray-copy"}
    copy = datasets.create_dataset(c.cat, SYSTEM, rec, status="published")
    c.ids["chest-xray-copy"], c.names[copy.id] = copy.id, "chest-xray-copy"
    found = related(c, "chest-xray")
    assert "chest-xray-copy" not in found and "chest-xray" not in found
    datasets.withdraw_dataset(c.cat, SYSTEM, c.ids["lung-ct"], "下线")
    assert "lung-ct" not in related(c, "chest-xray")
