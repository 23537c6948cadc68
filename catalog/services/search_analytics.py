"""Search analytics (issue 16, item 1): every search is recorded, cheaply and off the
request path, and curators read top and zero-result queries by week.

A search view calls :func:`run` instead of ``cat.search.search``: it times the backend,
and appends one small tuple to the catalog's in-process buffer (a lock and a deque append,
no I/O). A short-lived daemon thread writes the buffer to ``search_events`` in one
multi-row INSERT every ``FLUSH_SECONDS`` or as soon as ``BATCH`` events wait, then ends
when nothing is left; a failed write is logged and dropped, never raised into a search.
The buffer holds at most ``MAX_BUFFER`` events (the oldest go first) so a database that is
down cannot make memory grow. Events are per process: a process killed hard loses at most
its last few seconds of searches.

No personal data: no user, session or address is stored; the text is folded (NFKC, case,
spaces) and runs of 6 or more digits (phone, ID and account numbers) become ``#``.
``Settings.extra["search_analytics"] = false`` turns recording off.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import threading
import time
import unicodedata
from collections import deque
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import case, func, insert, select

from catalog.models import SearchEvent, utcnow
from catalog.services import authz
from catalog.services.authz import Actor

if TYPE_CHECKING:
    from catalog.context import Catalog
    from catalog.search import SearchQuery, SearchResult

log = logging.getLogger(__name__)

BATCH = 200
FLUSH_SECONDS = 2.0
MAX_BUFFER = 20_000
LOW_RESULTS = 3  # a query finding this many or fewer is "low-result"
_DIGITS = re.compile(r"\d{6,}")
_SPACES = re.compile(r"\s+")
_LOCK = threading.Lock()


def fold(text: str) -> str:
    """The stored form of a query: NFKC, case-folded, single spaces, long numbers masked."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = _DIGITS.sub("#", _SPACES.sub(" ", text).strip())
    return text[:200]


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


class Recorder:
    """The buffer of one catalog and the thread that empties it."""

    def __init__(self, cat: Catalog) -> None:
        self.cat = cat
        self._buffer: deque[dict] = deque(maxlen=MAX_BUFFER)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, event: dict) -> None:
        with self._lock:
            self._buffer.append(event)
            full = len(self._buffer) >= BATCH
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="search-analytics", daemon=True
                )
                self._thread.start()
        if full:
            self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait(FLUSH_SECONDS)
            self._wake.clear()
            self.flush()
            with self._lock:
                if not self._buffer:
                    self._thread = None
                    return

    def pending(self) -> int:
        with self._lock:
            return len(self._buffer)

    def flush(self) -> int:
        """Write what waits, in batches; returns how many events were written."""
        written = 0
        while True:
            with self._lock:
                rows = [self._buffer.popleft() for _ in range(min(BATCH, len(self._buffer)))]
            if not rows:
                return written
            try:
                with self.cat.session() as s:
                    s.execute(insert(SearchEvent), rows)
                written += len(rows)
            except Exception as exc:  # analytics must never break anything
                log.warning("dropped %d search events: %s", len(rows), exc)
                return written


def recorder(cat: Catalog) -> Recorder:
    """The catalog's recorder, made on first use."""
    with _LOCK:
        rec = cat.__dict__.get("_search_recorder")
        if rec is None:
            rec = cat.__dict__["_search_recorder"] = Recorder(cat)
        return rec


def enabled(cat: Catalog) -> bool:
    return cat.settings.extra.get("search_analytics", True) is not False


def run(cat: Catalog, query: SearchQuery, surface: str = "page") -> SearchResult:
    """Search, and record the search (text, filters, result count, page, backend time).
    A search that fails (unavailable index, bad query) raises as before and is not
    recorded."""
    started = time.perf_counter()
    result = cat.search.search(query)
    took = int((time.perf_counter() - started) * 1000)
    record(cat, query, result.total, took, surface)
    return result


def record(cat: Catalog, query: SearchQuery, total: int, took_ms: int, surface: str) -> None:
    """Record one search that was answered: by :func:`run`, or by a page kept from an
    earlier identical search (the web's page cache), which is a search all the same."""
    if enabled(cat):
        now = utcnow()
        recorder(cat).add(
            {
                "at": now,
                "week": week_of(now.date()),
                "query": fold(query.text),
                "filters": {k: [fold(v) for v in vs] for k, vs in query.filters.items()},
                "result_count": total,
                "page": query.page,
                "took_ms": took_ms,
                "surface": surface[:10],
            }
        )


# -- reports (curators) --------------------------------------------------------------------
_ZERO_RESULTS = func.sum(case((SearchEvent.result_count == 0, 1), else_=0))


def _report_start(cat: Catalog, actor: Actor, weeks: int) -> date:
    """The first week a curator's report covers, after writing what is still buffered."""
    authz.require_curator(actor)
    recorder(cat).flush()
    return week_of(utcnow().date()) - timedelta(weeks=weeks - 1)


def weekly(cat: Catalog, actor: Actor, weeks: int = 8, limit: int = 20) -> list[dict]:
    """Per week, newest first: searches, zero-result searches, the average backend time,
    and the top, zero-result and low-result queries (empty text is browsing: counted
    in the totals, not listed as a query)."""
    since = _report_start(cat, actor, weeks)
    zero = _ZERO_RESULTS
    with cat.session() as s:
        totals = s.execute(
            select(
                SearchEvent.week,
                func.count(SearchEvent.id),
                zero,
                func.avg(SearchEvent.took_ms),
            )
            .where(SearchEvent.week >= since)
            .group_by(SearchEvent.week)
            .order_by(SearchEvent.week.desc())
        ).all()
        per_query = s.execute(
            select(
                SearchEvent.week,
                SearchEvent.query,
                func.count(SearchEvent.id),
                zero,
                func.max(SearchEvent.result_count),
            )
            .where(SearchEvent.week >= since, SearchEvent.query != "")
            .group_by(SearchEvent.week, SearchEvent.query)
        ).all()
    by_week: dict[date, list[tuple[str, int, int, int]]] = {}
    for wk, q, n, z, most in per_query:
        by_week.setdefault(wk, []).append((q, int(n), int(z or 0), int(most or 0)))
    out = []
    for wk, n, z, avg_ms in totals:
        rows = sorted(by_week.get(wk, []), key=lambda r: (-r[1], r[0]))
        out.append(
            {
                "week": wk,
                "searches": int(n),
                "zero": int(z or 0),
                "avg_ms": round(float(avg_ms or 0), 1),
                "top": [(q, c) for q, c, _z, _m in rows[:limit]],
                "zero_queries": [(q, c) for q, c, zc, _m in rows if zc == c][:limit],
                "low_queries": [(q, c, m) for q, c, zc, m in rows if zc < c and m <= LOW_RESULTS][
                    :limit
                ],
            }
        )
    return out


def csv_export(cat: Catalog, actor: Actor, weeks: int = 52) -> str:
    """Every (week, query) of the period: searches, zero-result searches, most results."""
    since = _report_start(cat, actor, weeks)
    zero = _ZERO_RESULTS
    with cat.session() as s:
        rows = s.execute(
            select(
                SearchEvent.week,
                SearchEvent.query,
                func.count(SearchEvent.id),
                zero,
                func.max(SearchEvent.result_count),
                func.avg(SearchEvent.took_ms),
            )
            .where(SearchEvent.week >= since)
            .group_by(SearchEvent.week, SearchEvent.query)
            .order_by(SearchEvent.week.desc(), func.count(SearchEvent.id).desc())
        ).all()
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["week", "query", "searches", "zero_result_searches", "max_results", "avg_ms"])
    for wk, q, n, z, most, avg_ms in rows:
        if q[:1] in ("=", "+", "-", "@"):  # never a formula when opened in a spreadsheet
            q = "'" + q
        writer.writerow([wk.isoformat(), q, n, z or 0, most or 0, round(float(avg_ms or 0), 1)])
    return buf.getvalue()
