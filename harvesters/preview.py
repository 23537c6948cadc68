"""A harvest run that stores nothing: what the preview page and ``catalog harvest preview``
show before a source's first run.

It walks the same steps as :class:`harvesters.pipeline.Run` -- the kind's gather, fetch and
transform, then ``prepare.finish_input`` and ``prepare.validate`` -- and stops there: no
job, no organization matched or created, no dataset, no index entry, and the log is kept in
memory. Each record comes out as what a run would do with it (published, waiting for
review, held for review, refused) with the reasons the run would log.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError

from catalog.errors import CatalogError
from catalog.services.harvest import SourceSpec
from catalog.services.harvest_preview import MAX_PROBLEMS, Preview, PreviewRecord
from catalog.services.harvest_store import REVIEW_KEY
from harvesters import prepare
from harvesters.base import (
    HarvestContext,
    Harvester,
    RecordError,
    RemoteRecord,
    SkipRecord,
    SourceError,
    flatten_messages,
)
from harvesters.config import load_config
from harvesters.http import FetchError, HttpClient
from harvesters.pipeline import source_config


def preview_run(
    cls: type[Harvester], cat: Any, spec: SourceSpec, *, limit: int, scan: int
) -> Preview:
    """Read up to ``scan`` records of ``spec``: the first ``limit`` that would be stored,
    and every one that would be held or refused (up to ``MAX_PROBLEMS``)."""
    result = Preview(kind=spec.kind, url=spec.url, trusted=spec.trusted)
    try:
        config = load_config(cls.config_schema, source_config(cat, spec.config))
    except ValidationError as exc:
        result.error = f"configuration: {flatten_messages(exc.messages)}"
        return result
    http = HttpClient(config)
    ctx = HarvestContext(spec=spec, config=config, http=http, full=True, log=result.log.append)
    ctx.row_limit = scan + 10  # the header is among the first ten rows
    reading = _Reading(cls(ctx), spec, config, result)
    try:
        for rec in reading.harvester.gather():
            _notes(ctx, result)
            if result.examined >= scan:
                result.complete = False
                break
            reading.take(rec, limit)
    except (SourceError, FetchError, CatalogError, ValueError, OSError) as exc:
        result.error = str(exc) or type(exc).__name__
    finally:
        http.close()
    _notes(ctx, result)
    result.layouts = list(ctx.layouts)
    if any(lay.truncated for lay in result.layouts):
        result.complete = False
    return result


def _notes(ctx: HarvestContext, result: Preview) -> None:
    """Problems found while gathering (unmapped columns, no openness column, a row with
    the key of an earlier one): about the source, not one record."""
    for _rid, stage, reason in ctx.problems:
        result.notes.append(reason if stage == "warning" else f"{stage}: {reason}")
    ctx.problems.clear()


class _Reading:
    def __init__(self, harvester: Harvester, spec: SourceSpec, config: dict, result: Preview):
        self.harvester = harvester
        self.spec = spec
        self.config = config
        self.result = result
        self.kind = config.get("dataset_kind") or harvester.dataset_kind
        self.seen: set[str] = set()

    def take(self, rec: RemoteRecord, limit: int) -> None:
        item = self._judge(rec)
        if item is None:
            return
        result = self.result
        result.count(item)
        if item.status in ("held", "refused") and len(result.problems) < MAX_PROBLEMS:
            result.problems.append(item)
        if item.status != "refused" and len(result.sample) < limit:
            result.sample.append(item)

    def _judge(self, rec: RemoteRecord) -> PreviewRecord | None:
        rid = rec.remote_id
        where = rec.locator or rid or "?"
        if rid is not None and self._twice(rid, where):
            return None
        try:
            payload = rec.payload if rec.payload is not None else self.harvester.fetch(rec)
            t = self.harvester.transform(payload, rec)
        except SkipRecord:
            return None
        except FetchError as exc:
            return PreviewRecord(where, rid, "refused", [str(exc)])
        except RecordError as exc:
            return PreviewRecord(where, rid, "refused", [exc.reason])
        if rid is None and self._twice(t.remote_id, where):
            return None
        publisher = t.publisher.title if t.publisher else self.spec.organization
        try:
            data = prepare.finish_input(t, self.spec, self.config, self.kind)
            prepare.validate({**data, "organization": None})
        except RecordError as exc:
            return PreviewRecord(where, t.remote_id, "refused", [exc.reason], publisher=publisher)
        review = (data.get("extras") or {}).get(REVIEW_KEY)
        reasons = list(t.warnings)
        if review:
            status = "held"
            if not any("held for review" in w for w in reasons):
                reasons.insert(0, f"{where}: {review}")
        else:
            status = "publish" if self.spec.trusted else "review"
        return PreviewRecord(where, t.remote_id, status, reasons, data, publisher)

    def _twice(self, rid: str, where: str) -> bool:
        if rid in self.seen:
            self.result.notes.append(f"{where}: offered twice by the source: the first is kept")
            return True
        self.seen.add(rid)
        return False
