"""What the cluster backend sends to Elasticsearch or OpenSearch, and how it reads answers.

Pure functions and data, no client and no I/O, shared by both engines (their query DSL is
the same for everything used here). The query semantics are those of the embedded backend
(``embedded.py``), clause for clause, so the contract suite holds on both:

* text is segmented in Python with ``text.py`` (jieba through rjieba) before it is indexed
  and before it is queried; the engine only splits on whitespace, lowercases and applies
  the English Snowball stemmer (``porter2``, the stemmer tantivy uses), so both backends
  see the same tokens;
* CJK character bigrams go into ``title_bg`` / ``body_bg``. Two ways of making them are
  supported and were measured on the contract corpus (see docs/search.md): computed in
  Python like the embedded backend (``bigrams=python``, the default), or by the engine's
  ``cjk_bigram`` filter from the raw text (``bigrams=engine``);
* the query means what ``query_plan.py`` says (a scored disjunction with the same
  minimum-should-match, relaxation, stop words, bigram and proximity clauses); synonyms
  widen a word;
  filters are OR within a facet and AND across facets (filter context: they never change
  a score); facet counts are terms aggregations over the filtered result;
* snippets are not the engine's highlighter: they are computed in Python from the stored
  payload by ``text.highlight`` exactly as in the embedded backend, because the engine
  only holds the segmented text (its highlights would show the inserted spaces), and so
  that every backend marks and escapes identically.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from catalog.search import pinyin as py
from catalog.search import query_plan as qp
from catalog.search import text as ta
from catalog.search.base import (
    KEYWORD_FACETS,
    MAX_OFFSET,
    MAX_PAGE_SIZE,
    UPDATED_WITHIN_DAYS,
    Hit,
    SearchQuery,
    collapse,
    collapse_window,
    updated_since,
)
from catalog.search.documents import payload, related_texts
from catalog.search.hits import snippets_of
from catalog.search.ranking import (
    BIGRAM_FIELDS,
    OPTIONAL_WEIGHT,
    PROXIMITY_FIELDS,
    PROXIMITY_SLOP,
    RELATED_FACETS,
    RELATED_MAX_TERMS,
    RELATED_TEXT_WEIGHT,
    STRICT_BONUS,
    TEXT_FIELDS,
)

SORT_FIELDS = ("modified", "issued", "quality")
BIGRAM_MODES = ("python", "engine")
MAX_SUGGEST_SCAN = 50
# engines refuse prefix automata past ~1000 states (bytes): longer prefixes are cut for the
# engine and the rest is checked here (nothing but a title could be that long anyway)
SUGGEST_ENGINE_PREFIX = 64
MAPPING_VERSION = 7  # 6: the registration facet (issue 18); 7: AI facets (issue 16)


# -- the index template -------------------------------------------------------------------
def index_settings(shards: int = 1, replicas: str = "0-all", bigrams: str = "python") -> dict:
    """Analysis and shape of a dataset index.

    One primary shard: a catalog of a few million datasets is a few GB, well within one
    shard, and one shard keeps BM25 statistics exact (several shards would each score
    with their own). ``auto_expand_replicas`` ``0-all`` puts a full copy on every node,
    so any node answers any search on its own, and a single test node stays green.
    """
    settings: dict = {
        "number_of_shards": shards,
        "max_result_window": MAX_OFFSET + MAX_PAGE_SIZE,
        "analysis": {
            "filter": {"catalog_en_stem": {"type": "stemmer", "language": "porter2"}},
            "analyzer": {
                # pre-segmented text (jieba ran in Python): whitespace, lowercase, stem
                "catalog_segmented": {
                    "type": "custom",
                    "tokenizer": "whitespace",
                    "filter": ["lowercase", "catalog_en_stem"],
                },
                # bigrams computed in Python: taken as they come
                "catalog_bigrams": {"type": "custom", "tokenizer": "whitespace"},
                # bigrams made by the engine from raw text (analysis-common's cjk_bigram)
                "catalog_cjk": {
                    "type": "custom",
                    "tokenizer": "standard",
                    "filter": ["cjk_width", "lowercase", "cjk_bigram"],
                },
            },
        },
    }
    if replicas.isdigit():
        settings["number_of_replicas"] = int(replicas)
    else:
        settings["auto_expand_replicas"] = replicas
    return settings


def index_mappings(bigrams: str = "python") -> dict:
    """Fields of a dataset index; ``dynamic: strict`` rejects a document with a field we
    did not plan for instead of guessing its type."""
    segmented = {"type": "text", "analyzer": "catalog_segmented"}
    bigram_analyzer = "catalog_bigrams" if bigrams == "python" else "catalog_cjk"
    props: dict = {"id": {"type": "keyword"}}
    props.update({f: dict(segmented) for f in TEXT_FIELDS})
    props.update({f: {"type": "text", "analyzer": bigram_analyzer} for f in BIGRAM_FIELDS})
    props["title_py"] = {"type": "text", "analyzer": "catalog_bigrams"}
    props["same"] = {"type": "keyword"}
    props.update({f: {"type": "keyword"} for f in KEYWORD_FACETS})
    props["sug"] = {"type": "keyword", "ignore_above": 1000}
    props.update({f: {"type": "long"} for f in SORT_FIELDS})
    props["payload"] = {"type": "object", "enabled": False}
    return {
        "dynamic": "strict",
        "_meta": {"catalog_mapping_version": MAPPING_VERSION, "bigrams": bigrams},
        # the analysed copies are rebuilt from the store, never read back: keep them out of
        # _source (a third of the index size)
        "_source": {"excludes": [*TEXT_FIELDS, *BIGRAM_FIELDS, "title_py"]},
        "properties": props,
    }


def index_template(pattern: str, shards: int, replicas: str, bigrams: str) -> dict:
    return {
        "index_patterns": [pattern],
        "priority": 200,
        "version": MAPPING_VERSION,
        "template": {
            "settings": index_settings(shards, replicas, bigrams),
            "mappings": index_mappings(bigrams),
        },
        "_meta": {"description": "Data Partner Catalog datasets (catalog/search/es_query.py)"},
    }


# -- documents ----------------------------------------------------------------------------
def engine_document(doc: dict, bigrams: str = "python") -> dict:
    """A catalog search document (documents.py) as the engine indexes it."""
    kw = " ".join(doc.get("keywords") or [])
    description = doc.get("description") or ""
    out: dict = {
        "id": doc["id"],
        "title": " ".join(ta.segment(f"{doc['title']} {doc.get('title_en') or ''}")),
        "keywords": " ".join(ta.segment(kw)),
        "org": " ".join(
            ta.segment(f"{doc.get('publisher_title') or ''} {doc.get('publisher_title_en') or ''}")
        ),
        "meta": " ".join(ta.segment(doc.get("labels") or "")),
        "body": " ".join(ta.segment(f"{description} {doc.get('description_en') or ''}")),
        "sug": ta.suggest_terms(doc["title"], doc.get("title_en")),
        "title_py": " ".join(py.title_syllables(doc["title"])),
        "same": doc.get("same") or doc["id"],
        "modified": doc.get("modified") or 0,
        "issued": doc.get("issued") or 0,
        "quality": doc.get("quality") or 0,
        "payload": payload(doc),
    }
    if bigrams == "python":
        out["title_bg"] = " ".join(ta.bigrams(doc["title"]))
        out["body_bg"] = " ".join(ta.bigrams(f"{description} {kw}"))
    else:
        out["title_bg"] = ta.normalize(doc["title"])
        out["body_bg"] = ta.normalize(f"{description} {kw}")
    for name in KEYWORD_FACETS:
        value = doc.get(name)
        values = value if isinstance(value, list) else ([value] if value else [])
        out[name] = [str(v) for v in values]
    return out


def bulk_actions(
    index: str, upserts: Iterable[dict], deletes: Iterable[str] = (), bigrams: str = "python"
) -> Iterator[dict]:
    """Bulk actions for ``helpers.streaming_bulk``: deletes first, then upserts (by id, so
    a document sent twice is replaced, never doubled)."""
    for id_ in deletes:
        yield {"_op_type": "delete", "_index": index, "_id": id_}
    for doc in upserts:
        yield {
            "_op_type": "index",
            "_index": index,
            "_id": doc["id"],
            "_source": engine_document(doc, bigrams),
        }


# -- queries ------------------------------------------------------------------------------
def _fields(boosts: dict[str, float]) -> list[str]:
    return [f"{f}^{b:g}" for f, b in boosts.items()]


def _cjk_text(word: str) -> str:
    """The CJK runs of a word, for the engine-made bigram fields."""
    return " ".join(re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+", ta.normalize(word)))


@dataclass
class BuiltQuery:
    query: dict
    highlight_terms: list[str]
    has_text: bool
    plan: qp.QueryPlan | None = None


class QueryBuilder:
    """The engine query of a :class:`SearchQuery`; mirrors ``EmbeddedBackend.build_query``."""

    def __init__(self, synonyms_file: str | None = None, bigrams: str = "python"):
        if bigrams not in BIGRAM_MODES:
            raise ValueError(f"bigrams must be one of {', '.join(BIGRAM_MODES)}")
        self.synonyms_file = synonyms_file
        self.bigrams = bigrams

    @staticmethod
    def _term(token: str) -> dict:
        """One token in any text field, boosted by where it is found (scores add up)."""
        return {
            "multi_match": {"query": token, "fields": _fields(TEXT_FIELDS), "type": "most_fields"}
        }

    def _bigram_options(self, term: qp.Term) -> list[dict]:
        """The term's characters as bigrams, matched whatever way a document was segmented."""
        title, body = BIGRAM_FIELDS["title_bg"], BIGRAM_FIELDS["body_bg"]
        if term.unigram:
            c = _regex_literal(term.unigram)
            pattern = f"{c}|{c}.|.{c}"
            return [
                {"regexp": {f: {"value": pattern, "boost": b}}} for f, b in BIGRAM_FIELDS.items()
            ]
        grams = list(term.grams)
        if not grams:
            return []
        text = " ".join(grams) if self.bigrams == "python" else _cjk_text(term.word)
        if len(grams) == 1:
            return [
                {"match": {"title_bg": {"query": text, "boost": title}}},
                {"match": {"body_bg": {"query": text, "boost": body}}},
            ]
        return [
            {"match_phrase": {"title_bg": {"query": text, "boost": title}}},
            # in long descriptions an AND of the bigrams finds nearly what the phrase
            # finds, for a fraction of the cost (measured on the embedded engine)
            {"match": {"body_bg": {"query": text, "operator": "and", "boost": body}}},
        ]

    def _clause(self, clause: qp.Clause) -> dict:
        if isinstance(clause, qp.Phrase):
            return self._phrase(clause)
        options = [_all_of([self._term(t) for t in v]) for v in clause.variants]
        return _any_of(options + self._bigram_options(clause))

    def _conjunction(self, clauses: tuple[qp.Clause, ...]) -> dict:
        return _all_of([self._clause(c) for c in clauses])

    def _group(self, group: qp.Group) -> dict:
        return _any_of([self._conjunction(o) for o in group.options])

    def _phrase(self, phrase: qp.Phrase) -> dict:
        joined = " ".join(phrase.tokens)
        options: list[dict] = [
            {"match_phrase": {f: {"query": joined, "boost": b}}} for f, b in TEXT_FIELDS.items()
        ]
        if len(phrase.grams) > 1 and not phrase.text.isascii():
            text = " ".join(phrase.grams) if self.bigrams == "python" else _cjk_text(phrase.text)
            options += [{"match_phrase": {f: {"query": text}}} for f in BIGRAM_FIELDS]
        return _any_of(options)

    def plan(self, query: SearchQuery) -> qp.QueryPlan:
        return qp.plan_search(query, self.synonyms_file)

    def build(
        self, query: SearchQuery, plan: qp.QueryPlan | None = None, pinyin: list[str] | None = None
    ) -> BuiltQuery:
        """The request for a search; with ``pinyin`` syllables, the title-pinyin phrase
        takes the place of the words."""
        plan = plan if plan is not None else self.plan(query)
        should = [self._group(g) for g in plan.should]
        must = [self._group(g) for g in plan.must]
        bool_q: dict = {}
        if pinyin:
            bool_q["must"] = [{"match_phrase": {"title_py": {"query": " ".join(pinyin)}}}]
        elif should or must:
            text_q: dict = {}
            if must:
                text_q["must"] = must
            if should:
                text_q["should"] = should
                text_q["minimum_should_match"] = min(plan.minimum_should_match, len(should))
            optional = [
                {"bool": {"should": [self._clause(t)], "boost": OPTIONAL_WEIGHT}}
                for t in plan.optional
            ]
            bool_q["must"] = [{"bool": text_q}]
            extra = optional + _proximity(plan.proximity)
            if plan.relaxed and should and plan.strict_minimum > 1:
                strict = {**text_q, "minimum_should_match": min(plan.strict_minimum, len(should))}
                extra.append(
                    {"constant_score": {"filter": {"bool": strict}, "boost": STRICT_BONUS}}
                )
            if extra:
                bool_q["should"] = extra
        else:
            bool_q["must"] = [{"match_all": {}}]
        must_not = [self._conjunction(c) for c in plan.excluded]
        if must_not:
            bool_q["must_not"] = must_not
        filters: list[dict] = []
        for facet, values in query.filters.items():
            values = [v for v in values if v]
            if facet == "updated" and values:
                since = updated_since(values, time.time())
                filters.append({"range": {"modified": {"gte": since}}})
            elif values:
                filters.append({"terms": {facet: values}})
        if query.only_ids is not None:
            filters.append({"terms": {"id": list(query.only_ids)}})
        if filters:
            bool_q["filter"] = filters
        return BuiltQuery({"bool": bool_q}, list(plan.highlight), plan.has_text, plan)


def _all_of(queries: list[dict]) -> dict:
    return queries[0] if len(queries) == 1 else {"bool": {"must": queries}}


def _any_of(queries: list[dict]) -> dict:
    return queries[0] if len(queries) == 1 else {"bool": {"should": queries}}


def _proximity(words: tuple[str, ...]) -> list[dict]:
    """Words of the query near each other, in order, in a title or description."""
    if len(words) < 2:
        return []
    slop = PROXIMITY_SLOP * len(words)
    return [
        {"match_phrase": {f: {"query": " ".join(words), "slop": slop, "boost": b}}}
        for f, b in PROXIMITY_FIELDS.items()
    ]


def effective_sort(query: SearchQuery, has_text: bool) -> str:
    return "modified" if query.sort == "relevance" and not has_text else query.sort


def search_body(query: SearchQuery, built: BuiltQuery, *, with_source: bool = True) -> dict:
    """The request body: one page of hits (ties broken by id, so paging is stable), the
    total (exact up to base.EXACT_TOTAL_UP_TO unless the query asks for every match to be
    counted), and a terms aggregation per requested facet."""
    sort = effective_sort(query, built.has_text)
    order = [{"_score": "desc"}] if sort == "relevance" else [{sort: "desc"}]
    body: dict = {
        "query": built.query,
        # from the first hit, a few pages deep: identical records collapse in Python
        # (base.collapse), exactly as in the embedded backend
        "from": 0,
        "size": collapse_window(query, MAX_OFFSET + MAX_PAGE_SIZE),
        "track_total_hits": query.count_limit() or True,
        "sort": order + [{"id": "asc"}],
        "_source": ["payload"] if with_source else False,
    }
    if query.facets:
        body["aggs"] = aggregations(query, time.time())
    return body


def aggregations(query: SearchQuery, now: float) -> dict:
    """A terms aggregation per keyword facet; recency as one range per window of the
    ``modified`` date (the engine allows overlapping ranges: each window counts itself)."""
    aggs: dict = {}
    for f in query.facets:
        if f == "updated":
            ranges = [
                {"key": key, "from": int(now) - days * 86_400}
                for key, days in UPDATED_WITHIN_DAYS.items()
            ]
            aggs[f] = {"range": {"field": "modified", "ranges": ranges}}
        else:
            aggs[f] = {"terms": {"field": f, "size": query.facet_size}}
    return aggs


def read_hits(response: dict, terms: list[str], query: SearchQuery) -> list[Hit]:
    """The page's hits, identical records collapsed, with the snippets of the embedded
    backend computed from the stored payload; ``identical`` counts the copies seen."""
    ranked = []
    for h in response["hits"]["hits"]:
        score = h.get("_score")
        if score is None:  # sorted by a field: report the sort key, as tantivy does
            score = h["sort"][0] if h.get("sort") else 0.0
        doc = h["_source"]["payload"]
        ranked.append((float(score), doc, doc.get("same")))
    return [
        Hit(id=doc["id"], score=score, doc=doc, snippets=snippets_of(doc, terms), identical=n)
        for score, doc, n in collapse(ranked, query)
    ]


def fuzzy_titles_body(word: str, edits: int) -> dict:
    """Titles holding a word within ``edits`` of ``word`` (for “did you mean”)."""
    return {
        "size": 10,
        "query": {"fuzzy": {"title": {"value": word, "fuzziness": edits, "transpositions": True}}},
        "_source": ["payload"],
    }


def identical_counts_body(keys: list[str]) -> dict:
    """How many published records share each of these collapse keys."""
    return {
        "size": 0,
        "query": {"terms": {"same": keys}},
        "aggs": {"same": {"terms": {"field": "same", "size": len(keys)}}},
    }


def read_identical_counts(response: dict) -> dict[str, int]:
    buckets = (response.get("aggregations") or {}).get("same", {}).get("buckets", [])
    return {b["key"]: int(b["doc_count"]) for b in buckets}


def read_facets(response: dict, facets: Iterable[str]) -> dict[str, list[tuple[str, int]]]:
    """Facet counts; empty recency windows are left out, as terms facets leave out values
    nobody has, and in the windows' order (7d, 30d, ...)."""
    aggs = response.get("aggregations") or {}
    out = {}
    for f in facets:
        buckets = [(b["key"], int(b["doc_count"])) for b in aggs.get(f, {}).get("buckets", [])]
        if f == "updated":
            found = dict(buckets)
            buckets = [(k, found[k]) for k in UPDATED_WITHIN_DAYS if found.get(k)]
        out[f] = buckets
    return out


def read_total(response: dict) -> int:
    total = response["hits"]["total"]
    return int(total["value"] if isinstance(total, dict) else total)


def read_total_relation(response: dict) -> str:
    """ "eq" or "gte" (the engine stopped counting at ``track_total_hits``)."""
    total = response["hits"]["total"]
    return str(total.get("relation", "eq")) if isinstance(total, dict) else "eq"


# -- related datasets ------------------------------------------------------------------------
def related_body(doc: dict, limit: int) -> dict | None:
    """The embedded backend's related query: a constant per shared task, modality and theme
    (``ranking.RELATED_FACETS``) and the engine's ``more_like_this`` over the segmented
    title, keywords and body, never the document itself or an identical copy."""
    should: list[dict] = [
        {"constant_score": {"filter": {"term": {facet: str(v)}}, "boost": weight}}
        for facet, weight in RELATED_FACETS.items()
        for v in doc.get(facet) or []
    ]
    texts = related_texts(doc)
    if texts:
        should.append(
            {
                "more_like_this": {
                    "fields": list(texts),
                    "like": [{"doc": texts}],
                    "min_term_freq": 1,
                    "min_doc_freq": 1,
                    "max_query_terms": RELATED_MAX_TERMS,
                    "minimum_should_match": 1,
                    "boost": RELATED_TEXT_WEIGHT,
                }
            }
        )
    if not should:
        return None
    must_not: list[dict] = [{"term": {"id": doc["id"]}}]
    if doc.get("same"):
        must_not.append({"term": {"same": doc["same"]}})
    return {
        "query": {"bool": {"should": should, "minimum_should_match": 1, "must_not": must_not}},
        "size": limit,
        "sort": [{"_score": "desc"}, {"id": "asc"}],
        "_source": ["payload"],
    }


# -- suggestions --------------------------------------------------------------------------
def _regex_literal(text: str) -> str:
    """``text`` as a Lucene regular expression matching itself (every symbol escaped)."""
    return "".join(c if c.isalnum() else "\\" + c for c in text)


def suggest_body(prefix: str) -> dict:
    """Titles (normalised, as in the embedded index) starting with ``prefix``: a prefix
    query on the ``sug`` keyword field, and a terms aggregation restricted to the matching
    values, which counts live documents only (a withdrawn title is never offered)."""
    prefix = prefix[:SUGGEST_ENGINE_PREFIX]
    return {
        "size": 0,
        "query": {"prefix": {"sug": {"value": prefix}}},
        "aggs": {
            "sug": {
                "terms": {
                    "field": "sug",
                    "size": MAX_SUGGEST_SCAN,
                    "include": _regex_literal(prefix) + ".*",
                }
            }
        },
    }


def read_suggestions(response: dict, prefix: str, limit: int) -> list[str]:
    """Titles as written, most frequent first, then shortest, as the embedded backend."""
    buckets = (response.get("aggregations") or {}).get("sug", {}).get("buckets", [])
    terms = [(b["key"], int(b["doc_count"])) for b in buckets if b["key"].startswith(prefix)]
    return ta.suggestions(terms, limit)
