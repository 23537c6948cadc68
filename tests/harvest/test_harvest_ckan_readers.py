"""Parallel CKAN readers (``harvesters.ckan_readers``): the ``metadata_modified`` range cut
in slices read at once, on the local CKAN look-alike, on SQLite and PostgreSQL; and the
reading machinery alone (bounded queue, stopping, a failed slice)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import errors_of, new_catalog

from catalog.context import Catalog
from catalog.services import harvest as svc
from harvesters.ckan_readers import ReadStats, Slice, cut, read_concurrently
from harvesters.http import FetchError

HDX_DATASETS = 12


@pytest.fixture
def cat(tmp_path: Path, database_url: str) -> Iterator[Catalog]:
    c = new_catalog(tmp_path / "instance", database_url)
    try:
        yield c
    finally:
        c.dispose()


def _ranges(server) -> list[str]:
    """The metadata_modified ranges of the whole-record pages the harvester asked for."""
    out = []
    for _method, path in server.requests:
        query = parse_qs(urlsplit(path).query)
        if "package_search" in path and "fl" not in query and query.get("rows") != ["0"]:
            out.append(" ".join(query.get("fq", [""])))
    return out


def _log(cat: Catalog, job_id: int) -> str:
    return svc.get_job(cat, job_id).log or ""


def test_slices_read_at_once_give_every_record_once(cat, server, harvest):
    out = harvest("ckan", server.url("ckan"), config={"page_size": 2, "readers": 4})
    assert out.state == "done", errors_of(cat, out.job_id)
    assert out.counts.new == HDX_DATASETS
    warnings = [reason for stage, _rid, reason in errors_of(cat, out.job_id) if stage == "warning"]
    assert not any("offered twice" in w or "not in the paged listing" in w for w in warnings)
    ranges = _ranges(server)
    assert any("[* TO 2" in r for r in ranges)  # the first slice: oldest to a cut
    bounded = {r.split(" TO ")[1] for r in ranges if " TO " in r and "TO *]" not in r}
    assert len(bounded) == 3  # four slices: three cuts, the last slice open
    log = _log(cat, out.job_id)
    assert "by 4 readers" in log and "the pipeline waited" in log
    # an unchanged source: the incremental run plans its window and changes nothing
    again = harvest("ckan", server.url("ckan"), config={"page_size": 2, "readers": 4})
    assert (again.counts.new, again.counts.updated) == (0, 0), again.summary
    assert again.counts.unchanged == HDX_DATASETS


@pytest.mark.parametrize("config", [{"readers": 1}, {"readers": 4, "crawl_delay": 0.01}])
def test_one_reader_reads_one_open_range(cat, server, harvest, config):
    """``readers: 1``, or a source asking for a pause between requests (``crawl_delay``)."""
    out = harvest("ckan", server.url("ckan"), config={"page_size": 2, **config})
    assert out.state == "done" and out.counts.new == HDX_DATASETS
    assert not any(" TO 2" in r for r in _ranges(server))  # never an upper bound
    assert "by 1 readers" in _log(cat, out.job_id)


def test_a_slice_the_source_fails_is_read_from_the_inventory(cat, server, harvest):
    server.fail(r"%5B%2A\+TO\+2", "500")  # the first slice's first page: "[* TO 2016-..."
    out = harvest("ckan", server.url("ckan"), config={"page_size": 2, "readers": 4})
    assert out.state == "done", errors_of(cat, out.job_id)
    assert out.counts.new == HDX_DATASETS
    warnings = [reason for stage, _rid, reason in errors_of(cat, out.job_id) if stage == "warning"]
    failed = [w for w in warnings if "could not be read to its end" in w]
    assert len(failed) == 1 and "metadata_modified [* TO 2016-" in failed[0], warnings
    assert "HTTP 500" in failed[0] or "gave up" in failed[0]
    assert any("records were not in the paged listing" in w for w in warnings), warnings
    assert server.count("package_show") >= 1  # read one by one


def test_what_no_reader_could_read_ends_done_with_errors(cat, server, harvest):
    server.fail(r"%5B%2A\+TO\+2", "500")
    server.fail(r"package_show", "500")
    out = harvest("ckan", server.url("ckan"), config={"page_size": 2, "readers": 4})
    assert out.state == "done_with_errors"
    errors = [(stage, rid, reason) for stage, rid, reason in errors_of(cat, out.job_id)]
    unread = [rid for stage, rid, _reason in errors if stage == "fetch"]
    assert unread and all(rid for rid in unread)  # each record not read is named
    assert out.counts.new == HDX_DATASETS - len(unread)
    assert out.counts.withdrawn == 0


# -- the machinery alone -------------------------------------------------------------------
def test_cut_keeps_slices_contiguous_and_the_last_one_open():
    stamps = ["2024-01-02T00:00:00.000Z", None, "2024-01-02T00:00:00.000Z", "2024-03-01Z"]
    assert cut(None, stamps) == [
        Slice(None, "2024-01-02T00:00:00.000Z"),
        Slice("2024-01-02T00:00:00.000Z", "2024-03-01Z"),
        Slice("2024-03-01Z", None),
    ]
    # cuts at or before the window's start are no cuts
    assert cut("2024-02-01Z", stamps) == [
        Slice("2024-02-01Z", "2024-03-01Z"),
        Slice("2024-03-01Z", None),
    ]
    assert Slice(None, None).clause(None) is None
    assert Slice("a", "b").clause("a2") == "metadata_modified:[a2 TO b]"


def _slices(n: int) -> list[Slice]:
    return [Slice(str(i), str(i + 1)) for i in range(n)]


def test_readers_wait_for_the_pipeline_memory_stays_bounded():
    made = {"n": 0}
    lock = threading.Lock()

    def pages(piece: Slice) -> Iterator[list[dict]]:
        for i in range(20):
            with lock:
                made["n"] += 1
            yield [{"id": f"{piece.since}-{i}"}]

    stats = ReadStats()
    taken, most_ahead = 0, 0
    for _page in read_concurrently(_slices(3), pages, stats, queue_pages=2, source_errors=()):
        taken += 1
        time.sleep(0.005)  # a slow pipeline
        with lock:
            most_ahead = max(most_ahead, made["n"] - taken)
    assert taken == 60 and stats.pages == 60
    # at most the queue's pages, plus one page in each reader's hands, plus the one taken
    assert most_ahead <= 2 + 3 + 1
    assert stats.blocked_s > 0


def test_closing_the_pages_stops_the_readers():
    def endless(piece: Slice) -> Iterator[list[dict]]:
        while True:
            yield [{"id": piece.since}]

    before = threading.active_count()
    pages = read_concurrently(_slices(4), endless, ReadStats(), queue_pages=2, source_errors=())
    for _ in range(10):
        next(pages)
    pages.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("ckan-reader-")]
    assert threading.active_count() == before


def test_a_failed_slice_is_reported_and_a_bug_is_raised():
    def flaky(piece: Slice) -> Iterator[list[dict]]:
        yield [{"id": piece.since}]
        if piece.since == "1":
            raise FetchError("http://x", "gave up after retries")

    stats = ReadStats()
    got = list(read_concurrently(_slices(3), flaky, stats, 4, source_errors=(FetchError,)))
    assert sorted(p[0]["id"] for p in got) == ["0", "1", "2"]
    assert [(s, "gave up" in why) for s, why in stats.failed] == [(Slice("1", "2"), True)]

    def buggy(piece: Slice) -> Iterator[list[dict]]:
        yield [{"id": piece.since}]
        raise KeyError("a bug, not the source")

    with pytest.raises(KeyError):
        list(read_concurrently(_slices(2), buggy, ReadStats(), 4, source_errors=(FetchError,)))
    assert not [t for t in threading.enumerate() if t.name.startswith("ckan-reader-")]
