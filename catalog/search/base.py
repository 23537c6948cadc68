"""The search interface every backend implements, and the shapes it speaks in."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

T = TypeVar("T")

# Facet name -> what users see it as; the same names are the filter keys of the API.
FACETS = (
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
SORTS = ("relevance", "modified", "issued", "quality")
MAX_PAGE_SIZE = 100
MAX_OFFSET = 10_000
# Hits fetched per page shown, so that collapsing identical records still fills the page.
COLLAPSE_WINDOW = 3


class SearchUnavailable(RuntimeError):
    """The index cannot answer (missing, corrupt or engine down); pages show a notice."""


class BadQuery(ValueError):
    """A request the search cannot run, e.g. an unknown sort; the API answers 400."""


@dataclass
class SearchQuery:
    text: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    facets: tuple[str, ...] = FACETS
    sort: str = "relevance"
    page: int = 1
    page_size: int = 20
    facet_size: int = 50
    # a synonym list to use instead of the configured one (the curators' preview of a
    # draft list); never set from a request
    synonyms: dict[str, tuple[str, ...]] | None = None

    def validate(self) -> SearchQuery:
        if self.sort not in SORTS:
            raise BadQuery(f"unknown sort '{self.sort}'; use one of {', '.join(SORTS)}")
        unknown = [f for f in list(self.filters) + list(self.facets) if f not in FACETS]
        if unknown:
            raise BadQuery(f"unknown facet '{unknown[0]}'; use one of {', '.join(FACETS)}")
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

    def rebuild(
        self, docs: Iterable[dict], progress: Callable[[int], None] | None = None
    ) -> int: ...

    def health(self) -> dict: ...

    def count(self) -> int: ...

    def close(self) -> None: ...
