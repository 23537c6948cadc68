"""A workbook's shared-string table held compactly: one buffer of encoded text and the end
offset of each string, a string decoded when a cell asks for it.

Why: Excel writes each distinct text of a workbook once, in ``sharedStrings.xml``, and the
cells point at it by number, so the whole table is held while the sheet is read. As a
Python list (openpyxl's way, and this reader's until now) each string is an object of its
own: 49 to 74 bytes of header, 1 or 2 bytes a character, 8 for the list's pointer -- about
50 MB for the 435,000 mostly distinct strings of a 90,000-row Excel-saved open list
(``python -m bench harvest_sheets --strings-only``). Here a string costs its text, stored
as CPython would (ASCII a byte a character, other text UTF-16, two bytes a Chinese
character), and 8 bytes of offset: about half. A cell pays a slice and a decode (about
0.5 microseconds; up to 2,048 decoded strings are kept, emptied when full, so the values
a column repeats mostly cost a dictionary lookup)."""

from __future__ import annotations

from array import array
from collections.abc import Iterator

# how a string's bytes are decoded, by the two low bits of its end offset: ASCII; UTF-16
# (what CPython holds a Chinese string as); UTF-8 with surrogatepass for a lone surrogate,
# which UTF-16 cannot encode
_CODECS = ("latin-1", "utf-16-le", "utf-8")
_HOT = 2048


class SharedStrings:
    """The shared strings in the order of ``<si>``, indexed like a list (a number out of
    range raises :class:`IndexError`, as a list does)."""

    __slots__ = ("_ends", "_hot", "_text")

    def __init__(self) -> None:
        self._text = bytearray()
        self._ends = array("Q")  # each string's end in _text << 2 | its codec
        self._hot: dict[int, str] = {}

    def append(self, value: str) -> None:
        if value.isascii():
            self._text += value.encode("latin-1")
            kind = 0
        else:
            try:
                self._text += value.encode("utf-16-le")
                kind = 1
            except UnicodeEncodeError:  # a lone surrogate: kept, as a list would keep it
                self._text += value.encode("utf-8", "surrogatepass")
                kind = 2
        self._ends.append(len(self._text) << 2 | kind)

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, index: int) -> str:
        hot = self._hot
        value = hot.get(index)
        if value is not None:
            return value
        ends = self._ends
        end = ends[index]
        i = index + len(ends) if index < 0 else index
        start = ends[i - 1] >> 2 if i else 0
        kind = end & 3
        if kind == 2:
            value = self._text[start : end >> 2].decode("utf-8", "surrogatepass")
        else:
            value = self._text[start : end >> 2].decode(_CODECS[kind])
        if len(hot) >= _HOT:
            hot.clear()
        hot[index] = value
        return value

    def __iter__(self) -> Iterator[str]:
        return (self[i] for i in range(len(self._ends)))

    @property
    def nbytes(self) -> int:
        """What the table holds, in bytes (its text and its offsets)."""
        return len(self._text) + self._ends.itemsize * len(self._ends)
