"""Where file-shaped sources come from: one URL, a folder, or an uploaded file.

Partners publish metadata files (Croissant, dataset cards, datapackage.json, open-list
spreadsheets) as a single URL, as a folder on a web server (an index page of links, as
nginx/Apache/``python -m http.server`` serve), as a JSON list of URLs, or as a local
path (a folder, or a file the web app saved from an upload). All of them come out as a
sorted list of locations, then as documents read with the same limits as any download.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urljoin, urlparse

from harvesters.http import FetchError, HttpClient

_HREF = re.compile(r"""<a\s[^>]*?href\s*=\s*["']([^"'#?]+)["']""", re.IGNORECASE)


@dataclass
class Document:
    location: str
    data: bytes
    content_type: str | None

    def text(self, encodings: tuple[str, ...] = ("utf-8-sig",)) -> str:
        for enc in encodings:
            try:
                return self.data.decode(enc)
            except UnicodeDecodeError:
                continue
        raise UnicodeDecodeError(encodings[-1], self.data[:1], 0, 1, "undecodable")

    def json(self) -> object:
        return json.loads(self.text())


def is_remote(location: str) -> bool:
    return urlparse(location).scheme in ("http", "https")


def local_path(location: str) -> Path:
    parsed = urlparse(location)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else Path(location)


def read_document(http: HttpClient, location: str) -> Document:
    """Read one file, from the web or from disk, within the source's size limit."""
    if is_remote(location):
        data, ctype, final = http.get_bytes(location)
        return Document(final, data, ctype)
    path = local_path(location)
    try:
        size = path.stat().st_size
        if size > http.session.max_bytes:
            raise FetchError(location, f"file larger than {http.session.max_bytes:,} bytes")
        return Document(str(path), path.read_bytes(), None)
    except OSError as exc:
        raise FetchError(location, f"cannot read ({exc.strerror or exc})") from None


@contextmanager
def open_document(http: HttpClient, location: str) -> Iterator[IO[bytes]]:
    """One file as a binary file object to read as it goes (a download waits in a
    temporary file, on disk when large), within the source's size limit and deadline."""
    if is_remote(location):
        fh, _ctype, _final = http.get_file(location)
    else:
        path = local_path(location)
        try:
            if path.stat().st_size > http.session.max_bytes:
                raise FetchError(location, f"file larger than {http.session.max_bytes:,} bytes")
            fh = open(path, "rb")  # noqa: SIM115
        except OSError as exc:
            raise FetchError(location, f"cannot read ({exc.strerror or exc})") from None
    with fh:
        yield fh


def list_documents(
    http: HttpClient, location: str, patterns: tuple[str, ...], max_depth: int = 4
) -> Iterator[str]:
    """Locations of the files under ``location`` whose names match ``patterns``
    (``location`` itself when it is a file), in a stable order."""
    if not is_remote(location):
        path = local_path(location)
        if path.is_dir():
            found = sorted(
                {p for pat in patterns for p in path.rglob(pat) if p.is_file()},
                key=lambda p: p.relative_to(path).as_posix(),
            )
            yield from (str(p) for p in found)
        else:
            yield str(path)
        return
    if not location.endswith("/") and _matches(location, patterns):
        yield location
        return
    yield from _crawl(http, location, patterns, max_depth, set())


def _matches(location: str, patterns: tuple[str, ...]) -> bool:
    name = unquote(urlparse(location).path.rsplit("/", 1)[-1])
    return any(fnmatch.fnmatch(name, pat) for pat in patterns)


def _crawl(
    http: HttpClient, url: str, patterns: tuple[str, ...], depth: int, seen: set[str]
) -> Iterator[str]:
    if url in seen or depth < 0:
        return
    seen.add(url)
    data, ctype, final = http.get_bytes(url)
    found = _links(data, ctype, final)
    if found is None:  # not an index: the location is the document itself
        yield final
        return
    explicit, links = found
    if explicit:  # a JSON list names its files: take them as they are, in its order
        for link in dict.fromkeys(links):
            if not link.endswith("/") and _matches(link, patterns):
                yield link
        return
    base = final if final.endswith("/") else final.rsplit("/", 1)[0] + "/"
    for link in sorted(set(links)):
        if not link.startswith(base) or link == base:
            continue  # never climb out of the folder we were given
        if link.endswith("/"):
            yield from _crawl(http, link, patterns, depth - 1, seen)
        elif _matches(link, patterns):
            yield link


def _links(data: bytes, ctype: str | None, url: str) -> tuple[bool, list[str]] | None:
    """(explicit, links) of a JSON list of URLs (explicit) or an index page; None if the
    document is neither."""
    ctype = (ctype or "").lower()
    head = data[:512].lstrip().lower()
    if "json" in ctype or head.startswith((b"[", b"{")):
        try:
            value = json.loads(data)
        except ValueError:
            return None
        if isinstance(value, dict):
            value = value.get("files") or value.get("urls")
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return True, [urljoin(url, v) for v in value]
        return None
    if "html" in ctype or head.startswith((b"<!doctype html", b"<html")):
        text = data.decode("utf-8", "replace")
        return False, [urljoin(url, unescape(h)) for h in _HREF.findall(text)]
    return None
