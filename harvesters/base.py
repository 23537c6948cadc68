"""The contract every source kind fulfils: gather -> fetch -> transform.

A kind is one module with one :class:`Harvester` subclass, registered as a
``catalog.harvesters`` entry point. The kind knows its remote format; it does not touch
the store: :mod:`harvesters.pipeline` turns what it returns into catalog records (load),
and :mod:`catalog.services.harvest` holds the rules of loading.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError

from catalog.services.harvest import Counts, PublisherRef, SourceSpec
from catalog.services.harvest_preview import Preview, SheetLayout
from harvesters.config import SourceConfigSchema
from harvesters.fastload import FastLoader
from harvesters.fields import collecting_warnings
from harvesters.http import HttpClient


class RecordError(Exception):
    """One record could not be fetched or read; the job goes on with the next one."""

    def __init__(self, stage: str, reason: str):
        super().__init__(reason)
        self.stage = stage
        self.reason = reason


class SkipRecord(Exception):
    """Not a dataset for this catalog (a private package, a CKAN showcase, ...): ignored,
    and so treated as not offered by the source."""


class SourceError(Exception):
    """The source as a whole cannot be read: the job fails, nothing is withdrawn."""


@dataclass
class RemoteRecord:
    """One record found while gathering.

    ``remote_id`` is the record's identity in its source, ``None`` when only fetching it
    tells (``locator`` then says how to fetch). ``payload`` is the record itself when the
    listing already carried it; ``modified`` the remote modification stamp, if any."""

    remote_id: str | None
    payload: Any = None
    modified: str | None = None
    locator: str | None = None

    def known_id(self) -> str:
        """``remote_id``, for kinds whose gathering always knows it when it carries the
        record (a record without one is never transformed: fetching it fails first)."""
        if self.remote_id is None:
            raise RecordError("transform", "the record has no identifier")
        return self.remote_id


@dataclass
class Transformed:
    """A record mapped to the input of ``schemas.dataset.DatasetSchema`` (JSON values,
    no ``organization``: the pipeline resolves ``publisher`` to one of ours)."""

    remote_id: str
    data: dict
    publisher: PublisherRef | None = None
    name_hint: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class HarvestContext:
    """What a harvester may use: the source, its options, an HTTP client and a job log."""

    spec: SourceSpec
    config: dict
    http: HttpClient
    watermark: str | None = None
    full: bool = False
    log: Callable[[str], None] = lambda line: None
    problems: list[tuple[str | None, str, str]] = field(default_factory=list)
    # how each file of a sheet source was read (header row, columns), for the preview
    layouts: list[SheetLayout] = field(default_factory=list)
    # a preview reads only this many rows of a sheet (a run reads them all)
    row_limit: int | None = None

    def report(self, remote_id: str | None, stage: str, reason: str) -> None:
        """A problem found while gathering (``stage`` ``warning`` does not count as an
        error), e.g. a spreadsheet column no mapping knows."""
        self.problems.append((remote_id, stage, reason))


@dataclass
class Outcome:
    """How a job ended: its state, counts and, when it failed or stopped, why."""

    job_id: int
    state: str
    counts: Counts
    message: str = ""

    @property
    def summary(self) -> str:
        """The line printed at the end of every run: ``done: 0 new, 0 updated, ...``."""
        return f"{self.state}: {self.counts.summary()}"


class Harvester(ABC):
    """Base of every source kind. Subclasses set ``kind`` and implement gather/transform
    (and fetch, when gathering yields ids without the records)."""

    kind: ClassVar[str] = ""
    #: the dataset kind (open_data, training, benchmark) records get unless configured
    dataset_kind: ClassVar[str] = "open_data"
    #: True when ``RemoteRecord.modified`` stamps compare as strings and a run may skip
    #: records older than the last run's watermark without fetching them
    uses_watermark: ClassVar[bool] = False
    #: True when a gathered record's ``payload`` (plain JSON values) with the settings and
    #: ``payload_context()`` decides the whole transform: a rerun then skips a record whose
    #: source hash is the stored one before mapping it (issue 17)
    hashes_payload: ClassVar[bool] = False
    #: True when ``transform`` needs only the payload, the settings and
    #: ``payload_context()`` (no HTTP, no job log): a large source then has its records
    #: mapped in worker processes (``harvesters.mapping``, issue 17)
    parallel_transform: ClassVar[bool] = False
    #: extra configuration keys of this kind (a marshmallow schema)
    config_schema: ClassVar[type[Schema]] = SourceConfigSchema

    def __init__(self, ctx: HarvestContext):
        self.ctx = ctx
        self.config = ctx.config

    def payload_context(self) -> Any:
        """What, besides the payload and the settings, the transform of a record depends on
        (with ``hashes_payload``), e.g. the version of the standard the document declares."""
        return None

    def use_payload_context(self, context: Any) -> None:
        """Take on what ``payload_context()`` returned in the harvester that gathered (a
        worker process's copy of the kind maps records as that one would)."""
        return None

    @abstractmethod
    def gather(self) -> Iterator[RemoteRecord]:
        """Yield every record the source offers now, lazily (a page at a time)."""

    def fetch(self, record: RemoteRecord) -> Any:
        """Return the record's payload when gathering did not carry it."""
        raise RecordError("fetch", "this source kind does not fetch records one by one")

    @abstractmethod
    def transform(self, payload: Any, record: RemoteRecord) -> Transformed:
        """Map one remote record to catalog input; raise :class:`RecordError` if unusable."""

    @classmethod
    def preview(cls, cat: Any, spec: SourceSpec, *, limit: int, scan: int) -> Preview:
        """What a run of ``spec`` would store, hold or refuse, storing nothing (the
        catalog's preview service calls this through the kind's entry point)."""
        from harvesters.preview import preview_run

        return preview_run(cls, cat, spec, limit=limit, scan=scan)


def load_remote(schema: Schema | FastLoader, payload: Any) -> tuple[dict, list[str]]:
    """Load a remote record with a kind's marshmallow schema (or its :class:`FastLoader`),
    collecting the warnings its lenient fields raise about values they had to drop."""
    if not isinstance(payload, dict):
        raise RecordError("transform", f"expected an object, got {type(payload).__name__}")
    with collecting_warnings() as warnings:
        try:
            data = schema.load(payload)
        except ValidationError as exc:
            raise RecordError("transform", flatten_messages(exc.messages)) from None
    return data, warnings


def flatten_messages(messages: Any, prefix: str = "") -> str:
    """marshmallow's nested error dict as one line: ``title: Missing data ...; ...``."""
    parts: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{path}.{k}" if path else str(k))
        elif isinstance(node, list | tuple):
            if all(isinstance(x, str) for x in node):
                parts.append(f"{path or '_'}: {' '.join(node)}")
            else:
                for i, v in enumerate(node):
                    walk(v, f"{path}.{i}")
        else:
            parts.append(f"{path or '_'}: {node}")

    walk(messages, prefix)
    return "; ".join(parts)
