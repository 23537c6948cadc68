"""The search interface every backend implements, and the shapes it speaks in."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

T = TypeVar("T")

# Facet name -> what users see it as; the same names are the filter keys of the API.
# Counted on every search unless the caller names its facets:
DEFAULT_FACETS = (
    "theme",
    "publisher",
    "openness",
    "kind",
    "format",
    "license",
    "region",
    "modality",
    "task",
    "registration",  # "registered": a verified property-rights registration (issue 18)
)
# What AI engineers filter training data by (issue 16); counted when a search is about AI
# datasets (see default_facets), always available as filters.
AI_FACETS = ("annotation_type", "annotation_method", "accuracy", "samples", "split")
# Filters every kind of dataset has: licence family (commercial use), update recency,
# temporal coverage (calendar years).
GENERAL_FACETS = ("license_family", "updated", "coverage")
FACETS = DEFAULT_FACETS + AI_FACETS + GENERAL_FACETS
# "updated" is not an indexed value but a window over the ``modified`` date: each value is
# "changed in the last N days" (cumulative), counted by a range aggregation
UPDATED_WITHIN_DAYS = {"7d": 7, "30d": 30, "90d": 90, "365d": 365}
RANGE_FACETS = ("updated",)
# facets whose values are indexed keywords (a field each in every backend)
KEYWORD_FACETS = tuple(f for f in FACETS if f not in RANGE_FACETS)
_AI_KINDS = {"training", "benchmark"}


def default_facets(filters: dict[str, list[str]]) -> tuple[str, ...]:
    """The facets a search counts when the caller does not say: the general ones, and the
    AI ones once the search is about AI datasets (a training/benchmark kind, a modality,
    task or AI filter). Counting them on every search would cost every search five more
    aggregations for facets most open-data searches leave empty."""
    wanted = {f for f, values in filters.items() if any(values)}
    kinds = {v for v in filters.get("kind", []) if v}
    ai = (kinds and kinds <= _AI_KINDS) or bool(wanted & {"modality", "task", *AI_FACETS})
    return DEFAULT_FACETS + (AI_FACETS if ai else ()) + GENERAL_FACETS


def updated_since(values: list[str], now: float) -> int | None:
    """The earliest ``modified`` timestamp an ``updated`` filter lets through (values are
    OR-ed: the widest window wins); None when no value is given."""
    days = [UPDATED_WITHIN_DAYS[v] for v in values if v]
    return int(now) - max(days) * 86_400 if days else None


SORTS = ("relevance", "modified", "issued", "quality")
MAX_PAGE_SIZE = 100
MAX_OFFSET = 10_000
# Hits fetched per page shown, so that collapsing identical records still fills the page.
COLLAPSE_WINDOW = 3
# Totals are exact up to this many matches (Elasticsearch's ``track_total_hits``); beyond it
# a search says "at least this many" (``SearchResult.total_relation`` "gte"), so that a query
# matching half the catalog is not slowed down by counting every match. Nobody pages past
# MAX_OFFSET anyway; callers that page by the total (the CKAN API) ask for
# ``SearchQuery.exact_total``.
EXACT_TOTAL_UP_TO = MAX_OFFSET
TOTAL_RELATIONS = ("eq", "gte")


class SearchUnavailable(RuntimeError):
    """The index cannot answer (missing, corrupt or engine down); pages show a notice."""


class BadQuery(ValueError):
    """A request the search cannot run, e.g. an unknown sort; the API answers 400."""


@dataclass
class SearchQuery:
    text: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    facets: tuple[str, ...] = DEFAULT_FACETS
    sort: str = "relevance"
    page: int = 1
    page_size: int = 20
    facet_size: int = 50
    # a synonym list to use instead of the configured one (the curators' preview of a
    # draft list); never set from a request
    synonyms: dict[str, tuple[str, ...]] | None = None
    # only these datasets (ids): which of a few new datasets match a saved search, or the
    # candidates of "related datasets"; never set from a request
    only_ids: tuple[str, ...] | None = None
    # count every match even beyond EXACT_TOTAL_UP_TO: for clients that page by the total
    # (the CKAN API's ``count``); never set from a search page or /api/v1 request
    exact_total: bool = False
    # count exactly up to this many matches instead of EXACT_TOTAL_UP_TO (tests, previews)
    count_up_to: int | None = None

    def count_limit(self) -> int | None:
        """Up to how many matches the total is exact; None: all of them."""
        if self.exact_total:
            return None
        return self.count_up_to if self.count_up_to is not None else EXACT_TOTAL_UP_TO

    def validate(self) -> SearchQuery:
        if self.sort not in SORTS:
            raise BadQuery(f"unknown sort '{self.sort}'; use one of {', '.join(SORTS)}")
        unknown = [f for f in list(self.filters) + list(self.facets) if f not in FACETS]
        if unknown:
            raise BadQuery(f"unknown facet '{unknown[0]}'; use one of {', '.join(FACETS)}")
        bad = [v for v in self.filters.get("updated", []) if v and v not in UPDATED_WITHIN_DAYS]
        if bad:
            raise BadQuery(
                f"unknown value '{bad[0]}' of 'updated'; use one of "
                f"{', '.join(UPDATED_WITHIN_DAYS)}"
            )
        if self.page < 1 or not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise BadQuery(f"page must be >= 1 and page_size between 1 and {MAX_PAGE_SIZE}")
        if (self.page - 1) * self.page_size >= MAX_OFFSET:
            raise BadQuery(f"results beyond the first {MAX_OFFSET} cannot be paged to")
        return self


@dataclass
class Hit:
    id: str
    score: float
    doc: dict
    snippets: dict[str, str] = field(default_factory=dict)
    # other published records identical to this one (same title, description, publisher),
    # collapsed into this hit
    identical: int = 0


def collapse_window(query: SearchQuery, max_window: int) -> int:
    """How many top hits to fetch from the start so that one page survives collapsing."""
    return min(max_window, (query.page - 1) * query.page_size + query.page_size * COLLAPSE_WINDOW)


def collapse(
    ranked: Sequence[tuple[float, T, object]], query: SearchQuery
) -> list[tuple[float, T, int]]:
    """The requested page of ``ranked`` (score, item, collapse key; from the first hit)
    with identical records collapsed into their best-ranked copy, and how many copies each
    absorbed on the way.

    Both backends collapse here, in the same order, so they page alike; copies beyond the
    fetched window are counted by the backend (``identical``), never shown."""
    seen: dict[object, int] = {}
    out: list[list] = []
    for score, item, key in ranked:
        if key is not None and key in seen:
            out[seen[key]][2] += 1
            continue
        if key is not None:
            seen[key] = len(out)
        out.append([score, item, 0])
    start = (query.page - 1) * query.page_size
    return [(s, d, n) for s, d, n in out[start : start + query.page_size]]


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    page: int
    page_size: int
    terms: list[str] = field(default_factory=list)
    # True when too few records held enough of the query's words, so these are the
    # records holding any of them (pages say so)
    relaxed: bool = False
    # when nothing matched: the query with misspelled Latin words corrected, to offer
    did_you_mean: str | None = None
    # "eq": ``total`` is exact; "gte": at least ``total`` (EXACT_TOTAL_UP_TO) datasets match
    total_relation: str = "eq"


def bounded_total(total: int, query: SearchQuery) -> tuple[int, str]:
    """A total as a search reports it, with its relation: exact up to the query's count
    limit, else "at least the limit" (how Elasticsearch reports a total it stopped counting
    at ``track_total_hits``). A backend that stopped counting passes any total above the
    limit."""
    limit = query.count_limit()
    if limit is None or total <= limit:
        return total, "eq"
    return limit, "gte"


class SearchBackend(Protocol):
    """What the services need of a search engine. Documents are plain dicts (see documents.py).

    ``make_backend`` is annotated to return this protocol, so mypy checks that every backend
    provides all of it.
    """

    name: str

    def index(self, docs: Iterable[dict]) -> int: ...

    def delete(self, ids: Iterable[str]) -> int: ...

    def apply(self, upserts: Iterable[dict], deletes: Iterable[str]) -> Sequence[object] | None:
        """Upserts and deletes in one write, as the outbox drains them.

        Returns the documents the engine refused (each printable as "id: reason"), or None
        when it refuses none by construction (embedded); raises SearchUnavailable (or
        WriterBusy) when the batch must stay queued.
        """
        ...

    def search(self, query: SearchQuery) -> SearchResult: ...

    def suggest(self, prefix: str, limit: int = 8) -> list[str]: ...

    def related(self, doc: dict, limit: int = 5) -> list[Hit]:
        """Published datasets most like ``doc`` (a documents.dataset_document): shared task,
        modality and theme (ranking.RELATED_FACETS) and the engine's more-like-this text
        similarity; never ``doc`` itself or an identical copy of it."""
        ...

    def rebuild(
        self, docs: Iterable[dict], progress: Callable[[int], None] | None = None
    ) -> int: ...

    def health(self) -> dict: ...

    def count(self) -> int: ...

    def close(self) -> None: ...
