"""Reading a large JSON document a value at a time, in bounded memory.

A ``data.json`` catalog is one object whose ``dataset`` array may hold hundreds of
thousands of records. :class:`JsonStream` walks the top level of such a document and hands
out the items of chosen arrays one by one, each decoded by the standard library's C decoder
(``json.JSONDecoder.raw_decode``) from a sliding text buffer: memory holds one chunk of the
document and one record, whatever the document's size.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import IO, Any

CHUNK = 1 << 20  # characters read at a time
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
# A value ending this close to the end of the buffer may have been cut (a number, a literal)
# and an error this close to it may be the cut itself: read on before deciding.
_MARGIN = 64


class JsonStreamError(ValueError):
    """The document is not JSON (or not the shape asked for)."""


class JsonStream:
    """The top level of a JSON document read from a binary file (UTF-8, BOM allowed)."""

    def __init__(self, fh: IO[bytes], chunk: int = CHUNK):
        self.fh = fh
        self.chunk = chunk
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.buf = ""
        self.pos = 0
        self.consumed = 0  # characters dropped from the front of the buffer
        self.eof = False
        #: keys whose arrays :meth:`members` handed out item by item
        self.streamed: set[str] = set()

    # -- reading ----------------------------------------------------------------------------
    def _more(self) -> bool:
        """Read on: at least one chunk, or as much again as the buffer holds (so that a
        long value costs linear time). False at the end of the document."""
        if self.eof:
            return False
        data = self.fh.read(max(self.chunk, len(self.buf) - self.pos))
        if self.pos:
            self.consumed += self.pos
            self.buf = self.buf[self.pos :]
            self.pos = 0
        try:
            if data:
                self.buf += self._decoder.decode(data)
            else:
                self.buf += self._decoder.decode(b"", final=True)
                self.eof = True
        except UnicodeDecodeError as exc:
            raise JsonStreamError(f"not UTF-8 text ({exc.reason})") from None
        return True

    def _skip_ws(self) -> None:
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf) or not self._more():
                return

    def peek(self) -> str:
        """The next significant character ("" at the end)."""
        self._skip_ws()
        return self.buf[self.pos] if self.pos < len(self.buf) else ""

    def _take(self, expected: str) -> str:
        c = self.peek()
        if not c or c not in expected:
            what = repr(c) if c else "the end of the document"
            raise self._error(f"Expecting {' or '.join(map(repr, expected))}, found {what}")
        self.pos += 1
        return c

    def _error(self, msg: str, pos: int | None = None) -> JsonStreamError:
        return JsonStreamError(f"{msg} (char {self.consumed + (self.pos if pos is None else pos)})")

    def value(self) -> Any:
        """The next JSON value, whole."""
        self._skip_ws()
        while True:
            try:
                obj, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                near_end = len(self.buf) - exc.pos < _MARGIN
                if not self.eof and (near_end or exc.msg.startswith("Unterminated string")):
                    self._more()
                    continue
                raise self._error(exc.msg, exc.pos) from None
            if not self.eof and len(self.buf) - end < _MARGIN:
                self._more()  # it may go on in the next chunk: decode it again, whole
                continue
            self.pos = end
            return obj

    # -- shapes -----------------------------------------------------------------------------
    def items(self) -> Iterator[Any]:
        """The items of the array that comes next, one at a time."""
        self._take("[")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield self.value()
            if self._take(",]") == "]":
                return

    def members(self, stream: tuple[str, ...] = ()) -> Iterator[tuple[str, Any, bool]]:
        """The members of the object that comes next, in document order, as
        ``(key, value, False)``; the array of a key in ``stream`` comes item by item as
        ``(key, item, True)``."""
        self._take("{")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            self._skip_ws()
            key = self.value()
            if not isinstance(key, str):
                raise self._error("Expecting property name enclosed in double quotes")
            self._take(":")
            if key in stream and self.peek() == "[":
                self.streamed.add(key)
                for item in self.items():
                    yield key, item, True
            else:
                yield key, self.value(), False
            if self._take(",}") == "}":
                return

    def end(self) -> None:
        """Check that nothing but white space follows."""
        if self.peek():
            raise self._error("Extra data")

    def lookahead(self, key: str, skip: tuple[str, ...] = ()) -> Any:
        """The value of a top-level member found anywhere in the document (None if
        absent), read from the start without losing this stream's place; the arrays of
        ``skip`` are stepped through item by item. Needs a seekable file."""
        here = self.fh.tell()
        try:
            self.fh.seek(0)
            for k, value, item in JsonStream(self.fh, self.chunk).members(skip):
                if k == key and not item:
                    return value
            return None
        finally:
            self.fh.seek(here)
