"""Checks that the embedded index's files are whole before tantivy maps them into memory.

tantivy reads its segment files through ``mmap``: a file that is shorter than its mapping
(truncated by a full disk, a bad copy, a person) kills the whole process with SIGBUS on the
next read, and a damaged one makes the engine panic. So the files are checked here with
ordinary reads, which fail politely: at open, every file that ``meta.json`` lists must be
present and carry tantivy's footer (its JSON, its length, the magic number 1337) whose CRC32
matches the bytes before it; while the index is open, every read first compares each file's
size, inode and mtime with what was verified (a few dozen ``stat`` calls), so a file
damaged under a running server is found before the engine touches it again.
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

FOOTER_MAGIC = 1337
# every segment has these files (tantivy's SegmentComponent, less the temporary store)
COMPONENTS = ("idx", "pos", "term", "store", "fast", "fieldnorm")
_MAX_FOOTER = 4096
_CHUNK = 1 << 20

Stamp = tuple[int, int, int]  # inode, size, mtime in ns


class IndexDamaged(ValueError):
    """A file of the index is missing, cut short or does not match its checksum."""


@dataclass
class Verified:
    """The files of one open index and their stamps when their checksums were checked."""

    meta: Stamp | None = None
    files: dict[str, Stamp] = field(default_factory=dict)


def _stamp(path: Path) -> Stamp:
    st = os.stat(path)
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def listed_files(index: Path) -> list[str]:
    """The segment files ``meta.json`` says the index is made of."""
    try:
        meta = json.loads((index / "meta.json").read_text(encoding="utf-8"))
        names = []
        for seg in meta["segments"]:
            stem = str(seg["segment_id"]).replace("-", "")
            names += [f"{stem}.{ext}" for ext in COMPONENTS]
            deletes = seg.get("deletes")
            if deletes:
                names.append(f"{stem}.{int(deletes['opstamp'])}.del")
        return names
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexDamaged(f"meta.json cannot be read ({exc})") from exc


def check_file(path: Path) -> None:
    """Raise :class:`IndexDamaged` unless ``path`` ends with a footer whose CRC32 matches."""
    try:
        with open(path, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            if size < 8:
                raise IndexDamaged(f"{path.name} is cut short ({size} bytes)")
            f.seek(size - 8)
            length, magic = struct.unpack("<II", f.read(8))
            if magic != FOOTER_MAGIC or not 0 < length <= min(_MAX_FOOTER, size - 8):
                raise IndexDamaged(f"{path.name} has no valid footer (cut short or overwritten)")
            body = size - 8 - length
            f.seek(body)
            try:
                expected = int(json.loads(f.read(length))["crc"])
            except (ValueError, KeyError, TypeError) as exc:
                raise IndexDamaged(f"{path.name} has an unreadable footer") from exc
            f.seek(0)
            crc, left = 0, body
            while left:
                chunk = f.read(min(_CHUNK, left))
                if not chunk:
                    raise IndexDamaged(f"{path.name} is cut short")
                crc = zlib.crc32(chunk, crc)
                left -= len(chunk)
    except FileNotFoundError:
        raise IndexDamaged(f"{path.name} is missing") from None
    except OSError as exc:
        raise IndexDamaged(f"{path.name} cannot be read ({exc})") from exc
    if crc != expected:
        raise IndexDamaged(f"{path.name} does not match its checksum")


def verify(index: Path, known: Verified | None = None) -> Verified:
    """Check the index's files and return their stamps.

    Files already in ``known`` with the same stamp are taken as checked (tantivy never
    rewrites a file); new ones (a commit or a merge since) are checked in full, and a known
    file whose stamp moved is checked again. Raises :class:`IndexDamaged`.
    """
    known = known or Verified()
    for _attempt in range(3):
        try:
            meta = _stamp(index / "meta.json")
        except FileNotFoundError:
            raise IndexDamaged("meta.json is missing") from None
        names = list(known.files) if meta == known.meta else listed_files(index)
        files: dict[str, Stamp] = {}
        try:
            for name in names:
                path = index / name
                try:
                    stamp = _stamp(path)
                except FileNotFoundError:
                    raise IndexDamaged(f"{name} is missing") from None
                if known.files.get(name) != stamp:
                    check_file(path)
                files[name] = stamp
        except IndexDamaged:
            # a commit in another process may have replaced meta.json and removed merged
            # segments while we looked: look again from the new meta.json before judging
            if _stamp(index / "meta.json") != meta:
                continue
            raise
        return Verified(meta=meta, files=files)
    raise IndexDamaged("the index kept changing while it was checked")
