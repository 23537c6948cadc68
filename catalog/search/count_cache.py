"""Totals and facet counts of recent queries, per index generation (issue 17).

At a million documents the top ten hits of a query are cheap for tantivy, but counting
every match and aggregating six facets over 40,000+ matches is not, and browse pages and
popular searches ask the same question again and again between two index commits. The
answer only changes when the index does, so callers key it by the index generation: a
commit or a rebuild makes every old key unreachable, and the oldest entries fall out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, NamedTuple

DEFAULT_SIZE = 1024


class Counts(NamedTuple):
    """What a query counted: its total, whether that total is exact (else it is a lower
    bound: the search stopped counting, base.EXACT_TOTAL_UP_TO) and the facet aggregation."""

    total: int
    exact: bool
    facets: dict[str, Any]


class CountCache:
    """A small thread-safe LRU map from a query key to its :class:`Counts`."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Counts] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Counts | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Counts) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
