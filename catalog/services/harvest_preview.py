"""Preview of a harvest source: what a run would store, hold or refuse, with nothing stored.

A clerk's sheet is read as a run reads it (the same gather and transform of the source's
kind, the same limits and validation), but nothing is written: no dataset, no
organization, no job, no index entry. So a curator sees the header row found, where each
column goes, the first rows as they would be stored and every row that would be refused
or held for review, before a single record enters the catalog.

The engine is in ``harvesters/``, a layer above this one: the kind's class is found through
the ``catalog.harvesters`` entry points (as :func:`catalog.services.harvest.available_kinds`
finds the kinds) and its ``preview`` class method does the reading. Who may preview what is
decided here, once, for the command line and the pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from catalog.errors import ValidationFailed
from catalog.services.authz import Actor
from catalog.services.harvest import (
    ENTRY_POINT_GROUP,
    HarvestFailed,
    SourceSpec,
    available_kinds,
    find_organization,
    source_spec,
)
from catalog.services.harvest_rights import require_fetchable, require_manage

if TYPE_CHECKING:
    from catalog.context import Catalog

SAMPLE_ROWS = 20
# rows read to find every refused and held row of a sheet (a sheet of 100,000 rows is
# previewed in its first 10,000; the page says so)
SCAN_ROWS = 10_000
MAX_PROBLEMS = 1000
PREVIEW_SECONDS = 60.0  # the longest a preview waits for its source
STATUSES = ("publish", "review", "held", "refused")


@dataclass
class SheetLayout:
    """How one file of a spreadsheet source is read: its header row and its columns."""

    file: str
    header_row: int  # 1-based, as the clerk sees it in the sheet
    columns: list[tuple[str, str | None]]  # (the sheet's label, the catalog field or None)
    rows: int
    region: str | None = None
    sheet: str | None = None
    truncated: bool = False  # a preview read only the first rows

    @property
    def unmapped(self) -> list[str]:
        return [label for label, target in self.columns if target is None]


@dataclass
class PreviewRecord:
    """One record as a run would take it: ``status`` is ``publish`` (a trusted source's new
    record), ``review`` (waits for a curator), ``held`` (held for review by the harvest,
    e.g. openness unknown) or ``refused`` (not stored); ``reasons`` name row and column."""

    locator: str
    remote_id: str | None
    status: str
    reasons: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    publisher: str | None = None

    @property
    def row(self) -> str:
        """The sheet row (``list.xlsx row 7`` -> ``7``), else the record's locator."""
        head, sep, tail = self.locator.rpartition(" row ")
        return tail if sep and tail.isdigit() else self.locator


@dataclass
class Preview:
    kind: str
    url: str
    trusted: bool
    layouts: list[SheetLayout] = field(default_factory=list)
    sample: list[PreviewRecord] = field(default_factory=list)
    problems: list[PreviewRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the source as a whole
    log: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    examined: int = 0
    complete: bool = True  # False when the scan stopped before the end of the source
    error: str | None = None  # the source could not be read at all

    def count(self, record: PreviewRecord) -> None:
        self.examined += 1
        self.counts[record.status] = self.counts.get(record.status, 0) + 1


def _kind_class(kind: str) -> Any:
    eps = entry_points(group=ENTRY_POINT_GROUP, name=kind)
    if not eps:
        raise ValidationFailed(
            {"kind": [f"Unknown kind '{kind}'; installed: {', '.join(available_kinds())}."]}
        )
    cls = next(iter(eps)).load()
    if not callable(getattr(cls, "preview", None)):
        raise HarvestFailed(f"source kind {kind!r} cannot be previewed")
    return cls


def preview(
    cat: Catalog,
    actor: Actor,
    *,
    kind: str,
    url: str,
    config: dict | None = None,
    organization: str | None = None,
    trusted: bool = False,
    limit: int = SAMPLE_ROWS,
    scan: int | None = None,
) -> Preview:
    """Read a source that is not registered (yet): for the curators and for the admins of
    ``organization`` (public URLs only)."""
    require_manage(actor, _org_id(cat, organization))
    if not url or len(url) > 2000:
        raise ValidationFailed(
            {"url": ["Give the source's URL or path (at most 2000 characters)."]}
        )
    if config is not None and not isinstance(config, dict):
        raise ValidationFailed({"config": ["Configuration must be a JSON object."]})
    require_fetchable(actor, url)
    spec = SourceSpec(
        id=0,
        name="preview",
        kind=kind,
        url=url,
        organization=organization,
        config=dict(config or {}),
        trusted=bool(trusted) and actor.is_curator,
        schedule=None,
    )
    return _run(cat, spec, limit, scan)


def preview_source(
    cat: Catalog, actor: Actor, ref: str | int, *, limit: int = SAMPLE_ROWS, scan: int | None = None
) -> Preview:
    """Read a registered source as its next run would (who may: as for running it)."""
    spec = source_spec(cat, ref)
    org_id = _org_id(cat, spec.organization)
    require_manage(actor, org_id)
    require_fetchable(actor, spec.url)
    return _run(cat, spec, limit, scan)


def validate_config(kind: str, config: dict) -> None:
    """A source's options checked against its kind's schema before they are saved, so a
    typo is an error on the form instead of a failed run."""
    errors = _kind_class(kind).config_schema().validate(config)
    if errors:
        raise ValidationFailed(
            {
                "config": [
                    f"{key}: {' '.join(map(str, v)) if isinstance(v, list) else v}"
                    for key, v in errors.items()
                ]
            }
        )


def _run(cat: Catalog, spec: SourceSpec, limit: int, scan: int | None) -> Preview:
    cls = _kind_class(spec.kind)
    # a preview answers a page: a slow source gets a minute, not a run's ten
    config = dict(spec.config)
    config["total_timeout"] = min(
        float(config.get("total_timeout") or PREVIEW_SECONDS), PREVIEW_SECONDS
    )
    spec = replace(spec, config=config)
    default_scan = SCAN_ROWS if spec.kind == "spreadsheet" else limit
    result = cls.preview(cat, spec, limit=max(1, limit), scan=max(limit, scan or default_scan))
    if not isinstance(result, Preview):  # a kind's own preview must answer in these terms
        raise HarvestFailed(f"source kind {spec.kind!r} answered no preview")
    return result


def _org_id(cat: Catalog, organization: str | None) -> str | None:
    if not organization:
        return None
    with cat.read_session() as s:
        return find_organization(s, organization).id


# -- for the command line ---------------------------------------------------------------------
_SHOWN = ("title", "resource_code", "access_rights", "data_formats", "themes", "frequency")


def as_dict(result: Preview) -> dict:
    """The preview as JSON values (``catalog harvest preview --json``)."""
    return {
        "kind": result.kind,
        "url": result.url,
        "trusted": result.trusted,
        "error": result.error,
        "examined": result.examined,
        "complete": result.complete,
        "counts": dict(result.counts),
        "layouts": [
            {
                "file": lay.file,
                "header_row": lay.header_row,
                "rows": lay.rows,
                "region": lay.region,
                "columns": [{"label": label, "field": target} for label, target in lay.columns],
                "unmapped": lay.unmapped,
            }
            for lay in result.layouts
        ],
        "sample": [r.__dict__ for r in result.sample],
        "problems": [r.__dict__ for r in result.problems],
        "notes": list(result.notes),
        "log": list(result.log),
    }


def as_text(result: Preview) -> list[str]:
    """The preview as lines for a terminal."""
    out = [f"preview of {result.kind} {result.url} (nothing is stored)"]
    if result.error:
        out.append(f"ERROR: {result.error}")
    for lay in result.layouts:
        out.append(f"{lay.file}: header on row {lay.header_row}, {lay.rows} rows")
        for label, target in lay.columns:
            out.append(f"  {label} -> {target or '(not mapped: kept in extras)'}")
    for note in result.notes:
        out.append(f"note: {note}")
    counts = ", ".join(f"{n} {status}" for status, n in result.counts.items())
    scanned = "" if result.complete else " (stopped there: use --scan to read more)"
    out.append(f"{result.examined} records read{scanned}: {counts}")
    for rec in result.sample:
        shown = "; ".join(
            f"{k}={rec.fields[k]}" for k in _SHOWN if rec.fields.get(k) not in (None, "", [])
        )
        out.append(f"[{rec.status}] {rec.locator}: {shown}; publisher={rec.publisher or '-'}")
        out.extend(f"    {reason}" for reason in rec.reasons)
    if result.problems:
        out.append("refused or held:")
    for rec in result.problems:
        out.append(f"[{rec.status}] {rec.locator}: {' | '.join(rec.reasons)}")
    return out
