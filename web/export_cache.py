"""Rendered catalog pages kept on disk per catalog generation (issue 17, item 5).

Serializing a 100-dataset page of ``/catalog.ttl`` costs rdflib half a second or more
(almost all of it in choosing prefixed names), and crawlers read every page, again and
again. A page's body only changes when the catalog does, so it is kept under
``<instance>/cache/exports/<generation>/`` where the generation is a hash of everything the
body depends on besides the page: the last change of any dataset or organization, the
number of published datasets, the site's base URL and namespace, and ``FORMAT_VERSION``.
Any change starts a new generation and the old folders are removed, so a stale page is
never served; the folder is shared by every worker process (gunicorn) and survives
restarts.

Bodies are stored zlib-compressed (RDF compresses about eightfold) and written atomically
(a temporary file, then ``os.replace``), so a reader sees a whole page or none. The cache
is bounded by ``export_cache_mb`` (``CATALOG_EXPORT_CACHE_MB``; 0 turns it off): past the
bound, pages are served freshly rendered and not stored.

Each process also keeps the last pages it read, decompressed, in memory (``MEMORY_BYTES``,
of the current generation only): reading a 500 KB page back from its file and inflating it
was most of what a kept page cost (about 2 of 3 ms).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from flask import current_app, g

# bump when the serializers' output changes, so pages made by the old code are not reused
FORMAT_VERSION = "3"  # 2: Turtle by schemas/formats/turtle.py; 3: JSON-LD, RDF/XML written directly
_MB = 1024 * 1024
# decompressed pages of the current generation kept in this process's memory
MEMORY_BYTES = 32 * _MB


class _Recent:
    """The last pages read in this process, least recently used dropped first."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self.gen = ""
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, gen: str, name: str) -> bytes | None:
        with self._lock:
            if gen != self.gen:
                return None
            body = self._items.get(name)
            if body is not None:
                self._items.move_to_end(name)
            return body

    def put(self, gen: str, name: str, body: bytes) -> None:
        if len(body) > self.budget // 4:
            return
        with self._lock:
            if gen != self.gen:  # a new generation: the old pages are never read again
                self._items.clear()
                self.size, self.gen = 0, gen
            old = self._items.pop(name, None)
            self.size += len(body) - (len(old) if old is not None else 0)
            self._items[name] = body
            while self.size > self.budget and self._items:
                self.size -= len(self._items.popitem(last=False)[1])


_recent = _Recent(MEMORY_BYTES)


def _root() -> Path:
    return Path(current_app.instance_path) / "cache" / "exports"


def generation(*parts: object) -> str:
    """A short stable name for the state the pages were made from."""
    text = "\x1f".join(str(p) for p in (FORMAT_VERSION, *parts))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def _size(folder: Path) -> int:
    total = 0
    with os.scandir(folder) as it:
        for entry in it:
            try:
                total += entry.stat().st_size
            except OSError:  # removed by another worker meanwhile
                continue
    return total


def _drop_other_generations(root: Path, keep: str) -> None:
    for entry in root.iterdir():
        if entry.name != keep and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)


def cached(gen: str, name: str, render: Callable[[], bytes]) -> bytes:
    """The body stored as ``name`` in generation ``gen``, rendered and stored if missing."""
    budget = int(g.catalog.settings.export_cache_mb) * _MB
    if budget <= 0:
        return render()
    here = f"{current_app.instance_path}\x1f{gen}"  # one process may serve several instances
    kept = _recent.get(here, name)
    if kept is not None:
        return kept
    folder = _root() / gen
    path = folder / f"{name}.z"
    try:
        kept = zlib.decompress(path.read_bytes())
        _recent.put(here, name, kept)
        return kept
    except (OSError, zlib.error):
        pass  # not there yet (or removed by a newer generation): render it
    body = render()
    try:
        if not folder.is_dir():
            folder.mkdir(parents=True, exist_ok=True)
            _drop_other_generations(folder.parent, gen)
        packed = zlib.compress(body, 1)
        if _size(folder) + len(packed) > budget:
            return body
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(packed)
        os.replace(tmp, path)
        _recent.put(here, name, body)
    except OSError as exc:  # a full or read-only disk costs speed, never the answer
        current_app.logger.warning("export cache not written (%s): %s", path, exc)
    return body
