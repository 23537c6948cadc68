"""A publisher's Croissant file fills the AI metadata of a dataset (issue 18, item 3): its
record sets and fields, its Responsible-AI properties, and the sha256 and size of the files
it lists where our distributions (matched by download link) have none.

The harvester reads the same things from a Croissant feed (``harvesters/croissant.py``);
both go through ``schemas.formats.croissant.read_croissant``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from catalog.errors import ValidationFailed
from catalog.models import Dataset
from catalog.services import datasets
from catalog.services.authz import Actor
from schemas.distribution import DistributionSchema
from schemas.formats.croissant import read_croissant

if TYPE_CHECKING:
    from catalog.context import Catalog

MAX_BYTES = 5 * 1024 * 1024


@dataclass
class Filled:
    """What a Croissant file changed, for the page to say."""

    record_sets: int = 0
    fields: int = 0
    rai: list[str] = field(default_factory=list)
    hashed: list[str] = field(default_factory=list)  # distribution titles given a sha256
    conflicts: list[str] = field(default_factory=list)  # titles whose sha256 differs
    # the change waits for the bureau's review (a partner's edit of a published dataset)
    pending_review: bool = False


def parse_file(raw: bytes) -> dict:
    if len(raw) > MAX_BYTES:
        raise ValidationFailed({"croissant": ["The file is larger than the limit of 5 MB."]})
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise ValidationFailed({"croissant": ["Not a valid JSON file."]}) from None
    return doc


def _name(url: str) -> str:
    return PurePosixPath(unquote(urlparse(url).path)).name


def _our_links(ds: Dataset, theirs: list[str]) -> dict[str, str]:
    """Their file link -> our distribution's download link: the same link, or else the
    only one of ours with the same file name (a publisher's file often names its files
    relative to itself, or on another host)."""
    links = [d.download_url or d.access_url for d in ds.distributions]
    ours = [link for link in links if link]
    by_name: dict[str, list[str]] = {}
    for link in ours:
        by_name.setdefault(_name(link), []).append(link)
    out = {}
    for url in theirs:
        if url in ours:
            out[url] = url
        elif len(by_name.get(_name(url), [])) == 1:
            out[url] = by_name[_name(url)][0]
    return out


def apply_croissant(
    cat: Catalog, actor: Actor, ref: str, doc: object, base: str | None = None
) -> tuple[Dataset, Filled]:
    """Fill ``ref``'s record sets, RAI properties and missing file hashes from ``doc``.
    The change is an ordinary edit (permissions, validation, version, audit)."""
    try:
        read = read_croissant(doc, base)
    except ValueError as exc:
        raise ValidationFailed({"croissant": [str(exc)]}) from None
    ds = datasets.get_dataset(cat, actor, ref)
    ours = _our_links(ds, [f["url"] for f in read["files"]])
    for rs in read["record_sets"]:
        if rs.get("file"):
            rs["file"] = ours.get(rs["file"], rs["file"])
    filled = Filled()
    patch: dict = {}
    if read["record_sets"]:
        patch["record_sets"] = read["record_sets"]
        filled.record_sets = len(read["record_sets"])
        filled.fields = sum(len(r["fields"]) for r in read["record_sets"])
    if read["rai"]:
        patch["rai"] = {**(ds.rai or {}), **read["rai"]}
        filled.rai = sorted(read["rai"])
    by_url = {ours.get(f["url"], f["url"]): f for f in read["files"]}
    names = set(DistributionSchema().fields) - {"id"}
    rows, stored, touched = [], {}, False
    for i, d in enumerate(ds.distributions):
        row = {k: getattr(d, k) for k in names}
        if d.stored_file:
            stored[i] = d.stored_file
        found = by_url.get(d.download_url or "") or by_url.get(d.access_url or "")
        if found and found["sha256"]:
            if not d.sha256:
                row["sha256"] = found["sha256"]
                if row.get("checksum_algorithm") == "sha256":
                    row["checksum"] = found["sha256"]
                filled.hashed.append(d.title)
                touched = True
            elif d.sha256 != found["sha256"]:
                filled.conflicts.append(d.title)
        if found and row.get("byte_size") is None and found["byte_size"] is not None:
            row["byte_size"] = found["byte_size"]
            touched = True
        rows.append({k: v for k, v in row.items() if v is not None})
    if touched:
        patch["distributions"] = rows
    if not patch:
        return ds, filled
    result = datasets.save_edit(
        cat, actor, ref, patch, note="Croissant", files=stored if touched and stored else None
    )
    filled.pending_review = result.pending  # a partner's change of a published dataset
    return result.dataset, filled
