"""Whole answers of recent searches, per index generation (issue 17, item 2).

With its total and facets kept (count_cache.py), a repeated search still collected its top
hits, loaded and decoded their stored documents and cut their snippets: at a million
datasets 8-30 ms of CPU for an answer that cannot have changed, since nothing in it moves
until the index does. Popular searches and the first page of a search that a user pages
back to are asked again and again, so the embedded backend keeps the answer itself, keyed
by the index generation (a commit or rebuild in any process makes every old key
unreachable) and by everything that decides the answer: the query plan (which holds the
synonyms in force), filters, facets, sort, page and the counting limits.

An entry keeps each hit's stored payload as the engine's bytes and rebuilds fresh
:class:`Hit` objects on every read, so a caller that changes what it was handed cannot
change what the next caller gets. Memory is bounded by entries and by payload bytes; at a
million datasets 512 answers held 9.9 MB of payloads, 23.6 MB in all (docs/search.md).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import replace
from typing import NamedTuple

from catalog.search.base import Hit, SearchResult

DEFAULT_ENTRIES = 512
DEFAULT_BYTES = 32 * 1024 * 1024


class KeptHit(NamedTuple):
    score: float
    payload: bytes
    snippets: tuple[tuple[str, str], ...]
    identical: int


class KeptAnswer(NamedTuple):
    """A search result with its hits' payloads as stored bytes (see the module)."""

    result: SearchResult  # hits empty: they are in ``hits``
    hits: tuple[KeptHit, ...]

    @property
    def size(self) -> int:
        return sum(len(h.payload) for h in self.hits) + 1024


def keep(result: SearchResult, payloads: list[bytes]) -> KeptAnswer:
    """What to keep of ``result``, whose hits were decoded from ``payloads`` (in order)."""
    hits = tuple(
        KeptHit(h.score, p, tuple(h.snippets.items()), h.identical)
        for h, p in zip(result.hits, payloads, strict=True)
    )
    return KeptAnswer(_with_hits(result, []), hits)


def _with_hits(result: SearchResult, hits: list[Hit]) -> SearchResult:
    """``result`` with these hits and lists of its own, so no caller's edit reaches another."""
    return replace(
        result,
        hits=hits,
        facets={f: list(v) for f, v in result.facets.items()},
        terms=list(result.terms),
    )


def answer(kept: KeptAnswer) -> SearchResult:
    """A fresh result (new lists, new hit dicts) from a kept answer."""
    r = kept.result
    hits = []
    for h in kept.hits:
        doc = json.loads(h.payload)
        hits.append(Hit(doc["id"], h.score, doc, dict(h.snippets), h.identical))
    return _with_hits(r, hits)


class AnswerCache:
    """A thread-safe LRU map from a search key to its :class:`KeptAnswer`, bounded by the
    number of entries and by the bytes of the payloads they hold."""

    def __init__(self, entries: int = DEFAULT_ENTRIES, max_bytes: int = DEFAULT_BYTES) -> None:
        self.entries = entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[Hashable, KeptAnswer] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> SearchResult | None:
        with self._lock:
            kept = self._items.get(key)
            if kept is None:
                return None
            self._items.move_to_end(key)
        return answer(kept)

    def put(self, key: Hashable, kept: KeptAnswer) -> None:
        if kept.size > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= old.size
            self._items[key] = kept
            self.bytes += kept.size
            while len(self._items) > self.entries or self.bytes > self.max_bytes:
                _key, dropped = self._items.popitem(last=False)
                self.bytes -= dropped.size

    def __len__(self) -> int:
        return len(self._items)
