"""Reading a CKAN source's ``metadata_modified`` range in slices, several at a time.

One keyset reader is bound by the source's time per page, one page after another (bench
ckan: the peer spends ~0.4-1 s building a page of 100 whole packages). CKAN serves several
requests at once, so the range is cut into slices of about equal counts and each slice is
keyset-paged by a thread of its own; the pages go to the harvest through one bounded queue,
so memory stays flat whatever the size of the source and a slow pipeline slows the readers
instead of piling pages up.

Slices share their boundary stamps (``[a TO b]``, then ``[b TO c]``...): a record on a
boundary is read twice and given once, which is cheaper than trusting every portal with
half-open ranges. The last slice is open (``[x TO *]``): a record edited during the run
moves there, as it moves to the end of a single reader's listing.

This module knows threads and queues, not CKAN: the harvester (``harvesters.ckan``) says
how to read one slice.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Generator
from contextlib import closing
from dataclasses import dataclass, field

# how long a reader waits for room in the queue before looking whether the run stopped
_PUT_WAIT = 0.2


@dataclass(frozen=True)
class Slice:
    """Records with ``since <= metadata_modified <= until`` (Solr dates; ``None``: open)."""

    since: str | None
    until: str | None

    def clause(self, cursor: str | None) -> str | None:
        """The ``fq`` range of this slice from ``cursor`` (the last stamp read) on."""
        low = cursor or self.since
        if low is None and self.until is None:
            return None
        return f"metadata_modified:[{low or '*'} TO {self.until or '*'}]"

    def __str__(self) -> str:
        return f"metadata_modified [{self.since or '*'} TO {self.until or '*'}]"


def cut(since: str | None, stamps: list[str | None]) -> list[Slice]:
    """Slices from ``since`` on, cut at ``stamps`` (the stamps of the records at equal
    offsets of the listing): empty and repeated cuts dropped, the last slice open."""
    cuts: list[str] = []
    for stamp in stamps:
        if stamp and (since is None or stamp > since) and (not cuts or stamp > cuts[-1]):
            cuts.append(stamp)
    lows = [since, *cuts]
    highs: list[str | None] = [*cuts, None]
    return [Slice(low, high) for low, high in zip(lows, highs, strict=True)]


@dataclass
class ReadStats:
    """Where a run's reading time went: what tells whether the source or our pipeline
    bounds it (written to the job log, printed by ``python -m bench ckan``)."""

    readers: int = 0
    pages: int = 0
    seconds: float = 0.0  # wall clock, first request to last page handed over
    source_s: float = 0.0  # summed over readers: waiting for the source's answers
    starved_s: float = 0.0  # the pipeline waited for a page: the source was slower
    blocked_s: float = 0.0  # summed over readers: waiting for room in the queue
    failed: list[tuple[Slice, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def summary(self, records: int) -> str:
        return (
            f"read {records} records in {self.pages} pages by {self.readers} readers in "
            f"{self.seconds:.1f} s: the source answered in {self.source_s:.1f} s (summed over "
            f"readers); the pipeline waited {self.starved_s:.1f} s for pages, readers waited "
            f"{self.blocked_s:.1f} s for the pipeline"
        )


def read_concurrently(
    slices: list[Slice],
    read_slice: Callable[[Slice], Generator[list[dict], None, None]],
    stats: ReadStats,
    queue_pages: int,
    source_errors: tuple[type[BaseException], ...],
) -> Generator[list[dict], None, None]:
    """The pages of every slice, as they arrive, each slice read by a thread of its own.

    At most ``queue_pages`` pages wait; a reader with a page and no room waits. A slice
    whose reading fails with one of ``source_errors`` ends with its error in
    ``stats.failed`` (the others go on: the id inventory after reading fetches what it did
    not give); any other error (a bug) is raised here. Closing the iterator stops the readers."""
    pages: queue.Queue = queue.Queue(maxsize=max(1, queue_pages))
    stop = threading.Event()
    stats.readers = len(slices)
    t0 = time.monotonic()

    def put(item: tuple) -> None:
        waited = time.monotonic()
        while not stop.is_set():
            try:
                pages.put(item, timeout=_PUT_WAIT)
                break
            except queue.Full:
                continue
        with stats.lock:
            stats.blocked_s += time.monotonic() - waited

    def reader(piece: Slice) -> None:
        error: BaseException | None = None
        try:
            asked = time.monotonic()
            with closing(read_slice(piece)) as slice_pages:  # its session closed here too
                for page in slice_pages:
                    with stats.lock:
                        stats.source_s += time.monotonic() - asked
                        stats.pages += 1
                    put(("page", piece, page))
                    if stop.is_set():
                        return
                    asked = time.monotonic()
        except BaseException as exc:  # handed to the consumer, which decides
            error = exc
        put(("end", piece, error))

    threads = [
        threading.Thread(target=reader, args=(s,), name=f"ckan-reader-{i}", daemon=True)
        for i, s in enumerate(slices)
    ]
    try:
        for t in threads:
            t.start()
        running = len(threads)
        while running:
            waited = time.monotonic()
            kind, piece, item = pages.get()
            stats.starved_s += time.monotonic() - waited
            if kind == "page":
                yield item
                continue
            running -= 1
            if item is not None:
                if not isinstance(item, source_errors):
                    raise item
                stats.failed.append((piece, str(item)))
        stats.seconds = time.monotonic() - t0
    finally:
        stop.set()
        while True:  # wake readers waiting for room, so they see the stop
            try:
                pages.get_nowait()
            except queue.Empty:
                break
        for t in threads:
            t.join(timeout=5)
