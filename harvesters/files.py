"""The shape shared by partners' metadata files: one file, one dataset.

Croissant, dataset cards and datapackage.json arrive as a URL, a folder (on disk or as a
web server's index page) or an uploaded file. Gathering lists the files and reads each
one; a file that cannot be read or parsed becomes an error of that file (the job goes on)
and, since its identity is then unknown, keeps the run from withdrawing anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import urljoin

from marshmallow import fields, validate

from harvesters.base import Harvester, RecordError, RemoteRecord, SourceError
from harvesters.config import SourceConfigSchema
from harvesters.documents import Document, is_remote, list_documents, read_document
from harvesters.http import FetchError


class FileConfig(SourceConfigSchema):
    # "record": the dataset's own identifier, URL or name; "file": its path in the folder
    identity = fields.String(load_default="record", validate=validate.OneOf(["record", "file"]))
    patterns = fields.List(fields.String(), load_default=None, allow_none=True)


class FileHarvester(Harvester):
    """Base of the one-file-one-dataset kinds; subclasses parse a document."""

    patterns: ClassVar[tuple[str, ...]] = ("*.json",)
    dataset_kind = "training"
    config_schema = FileConfig

    def __init__(self, ctx: Any):
        super().__init__(ctx)
        self.broken: dict[str, str] = {}

    def gather(self) -> Iterator[RemoteRecord]:
        patterns = tuple(self.config.get("patterns") or self.patterns)
        try:
            locations = list(list_documents(self.ctx.http, self.ctx.spec.url, patterns))
        except FetchError as exc:
            raise SourceError(str(exc)) from None
        if not locations:
            raise SourceError(f"no file matching {', '.join(patterns)} found")
        base = self.ctx.spec.url.rstrip("/") + "/"
        for location in locations:
            try:
                doc = read_document(self.ctx.http, location)
                parsed = self.parse(doc)
            except (FetchError, RecordError, ValueError, UnicodeDecodeError) as exc:
                self.broken[location] = getattr(exc, "reason", None) or str(exc)
                yield RemoteRecord(None, None, locator=location)
                continue
            rel = location[len(base) :] if location.startswith(base) else location
            if self.config.get("identity") == "file":
                rid = rel
            else:
                rid = self.identity(parsed, doc) or rel
            yield RemoteRecord(rid, {"doc": parsed, "location": doc.location}, locator=location)

    def fetch(self, record: RemoteRecord) -> Any:
        raise RecordError("fetch", self.broken.get(record.locator or "", "unreadable file"))

    def parse(self, doc: Document) -> Any:
        """The document's content (raise ValueError/RecordError when unusable)."""
        return doc.json()

    def identity(self, parsed: Any, doc: Document) -> str | None:
        """The dataset's identity inside its source (None: use the file's path)."""
        return None


def resolve(base: str, ref: str | None) -> str | None:
    """A file reference relative to the metadata file, as an absolute URL when possible."""
    if not ref:
        return None
    if "://" in ref:
        return ref
    return urljoin(base, ref) if is_remote(base) else None
