"""Facet counts of every one-value filter set, counted in one pass per index generation.

Browse pages (no text) ask for the same few filter sets again and again: everything, one
theme, one region, one format. At a million datasets one such set can hold 850,000 of them,
and aggregating six facets over it costs tens of milliseconds every time. One nested
aggregation over the whole index answers all of them at once (for each value of each
facet, the counts of the other facets among the datasets holding it), so after that pass a
browse page of one filter costs only its top hits. The table is exact for the index
generation it was counted on and is thrown away with it (issue 17).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

# values of a facet that a filter may name and still find its row; a filter on a value past
# this many (a long publisher list) is counted the ordinary way
MAX_ROWS_PER_FACET = 2_000

AggregationRequest = dict[str, Any]


def nested_request(
    facets: tuple[str, ...], aggregation_of: Callable[[str], dict[str, Any]]
) -> AggregationRequest:
    """The one aggregation that counts the table: each requested facet at the top (the
    unfiltered counts) and, under every value of every keyword facet, all requested facets
    again (the counts with that one value as the filter). ``aggregation_of(facet)`` is the
    backend's own aggregation of one facet, so a row holds exactly what a filtered search
    would have counted."""
    request: AggregationRequest = {}
    for f in facets:
        request[f] = aggregation_of(f)
    for f in facets:
        if "terms" not in request[f]:
            continue  # a range facet ("updated") is filtered by a range, not a value
        request[f"rows:{f}"] = {
            "terms": {"field": f, "size": MAX_ROWS_PER_FACET},
            "aggs": {g: aggregation_of(g) for g in facets},
        }
    return request


class FacetTable:
    """The counted table: unfiltered counts, and a row per (facet, value)."""

    def __init__(self, result: Mapping[str, Any], facets: tuple[str, ...], total: int) -> None:
        self.total = total
        self.root = {f: result.get(f, {}) for f in facets}
        self.rows: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
        self.complete: set[str] = set()
        for f in facets:
            rows = result.get(f"rows:{f}")
            if rows is None:
                continue
            buckets = rows.get("buckets", [])
            if len(buckets) < MAX_ROWS_PER_FACET:
                # every value of the facet has a row: a value without one matches nothing
                self.complete.add(f)
            for b in buckets:
                counts = {g: b.get(g, {}) for g in facets}
                self.rows[(f, str(b["key"]))] = (int(b["doc_count"]), counts)

    def lookup(self, filters: Mapping[str, list[str]]) -> tuple[int, dict[str, Any]] | None:
        """(total, aggregation result) of a filter set of at most one value, or None when
        the table cannot say (several values, a range facet, a value past the table)."""
        wanted = [(f, v) for f, values in filters.items() for v in values if v]
        if not wanted:
            return self.total, self.root
        if len(wanted) > 1:
            return None
        row = self.rows.get(wanted[0])
        if row is not None:
            return row
        if wanted[0][0] in self.complete:
            return 0, {}
        return None
