"""A rebuild in one process and an index write in another (issue 14: found by `python -m
bench load`, where a harvest failed with "FileDoesNotExist" beside rebuilds).

Before: a writer opened on the live folder went on after a rebuild swapped the folder, and
its commit wrote the old index's segment list into the new folder (a meta.json naming files
that are not there): the index was damaged until the next rebuild. Now a rebuild takes the
live writer before its swap (waiting for a writer that is busy), and a writer whose folder
was swapped after its open gives up and leaves its changes queued."""

from __future__ import annotations

import time

import pytest

from catalog.search.base import SearchQuery, SearchUnavailable
from catalog.search.embedded import EmbeddedBackend, WriterBusy, to_index_doc


def _doc(i: int) -> dict:
    return {"id": f"d{i}", "title": f"交通数据{i}", "description": "公交线路", "keywords": ["交通"]}


def _total(backend: EmbeddedBackend) -> int:
    return backend.search(SearchQuery(text="交通", facets=())).total


def test_a_rebuild_waits_for_a_writer_and_the_index_stays_whole(tmp_path):
    path = tmp_path / "index"
    writer_side = EmbeddedBackend(path, create=True)  # the harvest's process
    rebuild_side = EmbeddedBackend(path)  # `catalog search rebuild` in another process
    rebuild_side.swap_wait = 0.3
    writer_side.index([_doc(i) for i in range(5)])
    assert _total(writer_side) == 5

    refused: list[BaseException] = []

    def racing(writer) -> int:
        # the rebuild comes while this writer has not committed yet
        with pytest.raises(WriterBusy) as info:
            rebuild_side.rebuild(iter([_doc(i) for i in range(3)]))
        refused.append(info.value)
        writer.add_document(to_index_doc(_doc(9)))
        return 1

    writer_side._write(racing)
    assert refused
    assert [p.name for p in tmp_path.iterdir()] == ["index"]  # no staging folder left
    assert _total(writer_side) == 6 and _total(rebuild_side) == 6

    # once the writer has committed, the rebuild goes through; both sides read the new index
    assert rebuild_side.rebuild(iter([_doc(i) for i in range(3)])) == 3
    assert _total(writer_side) == 3 and _total(rebuild_side) == 3
    writer_side.index([_doc(7)])
    assert _eventually(lambda: _total(rebuild_side) == 4)  # another process's commit


def _eventually(check, seconds: float = 10.0) -> bool:
    """tantivy reloads a reader when it sees another process's commit (a file watcher)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def test_a_writer_whose_folder_was_swapped_leaves_its_changes_queued(tmp_path):
    path = tmp_path / "index"
    stale = EmbeddedBackend(path, create=True)
    stale.index([_doc(i) for i in range(5)])
    opened = stale._open()
    EmbeddedBackend(path).rebuild(iter([_doc(i) for i in range(2)]))
    # as if the swap came between this process's open and its writer: pin the old open
    stale._open = lambda: opened  # type: ignore[method-assign]
    with pytest.raises(SearchUnavailable, match="rebuilt meanwhile"):
        stale.apply([_doc(8)], [])
    del stale._open
    fresh = EmbeddedBackend(path)
    assert _total(fresh) == 2  # the new index is whole: its meta.json names its own files
    stale.apply([_doc(8)], [])  # the next drain reopens and applies
    assert _eventually(lambda: _total(fresh) == 3)
