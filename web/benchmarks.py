"""Benchmark pages (issue 18, items 2 and 3): the panel of a training or benchmark dataset's
page (pinned version, contamination warnings, leaderboard, fields, RAI), the result form,
the curators' verification, the leaderboard's CSV and JSON, a new version, and the AI
metadata editor (record sets and fields, RAI properties, derived-from, a Croissant upload).
The rules are in ``catalog.services.benchmarks``, ``benchmark_results``, ``contamination``
and ``ai_metadata``; these views turn forms into calls."""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from flask import flash as flash_message
from flask_babel import gettext as _
from flask_login import login_required

from catalog.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from catalog.models import Dataset
from catalog.services import ai_metadata, authz, benchmark_results, benchmarks, contamination
from catalog.services import datasets as dataset_service
from schemas import vocab
from web.forms import field_errors
from web.links import absolute_url
from web.logins import current_actor

bp = Blueprint("benchmarks", __name__)
AI_KINDS = ("training", "benchmark")
BLANK_FIELD_ROWS = 5
RESULT_FIELDS = (
    "model",
    "organization",
    "metric",
    "score",
    "evaluated_on",
    "benchmark_version",
    "link",
    "note",
)


@dataclass
class Panel:
    """What the dataset page shows of a training or benchmark dataset."""

    version: benchmarks.VersionInfo | None
    warnings: list[contamination.Warning]
    board: benchmark_results.Board | None
    derived: list[tuple[str, Dataset | None]]


@bp.app_template_global("benchmark_panel")
def benchmark_panel(ds: Dataset) -> Panel | None:
    if ds.kind not in AI_KINDS:
        return None
    cat, actor = g.catalog, current_actor()
    derived: list[tuple[str, Dataset | None]] = []
    for name in ds.derived_from or []:
        try:
            derived.append((name, dataset_service.get_dataset(cat, actor, name)))
        except NotFound:
            derived.append((name, None))
    is_bench = ds.kind == "benchmark"
    return Panel(
        version=benchmarks.version_info(cat, actor, ds) if is_bench else None,
        warnings=contamination.warnings_for(cat, actor, ds),
        board=benchmark_results.leaderboard(cat, actor, ds) if is_bench else None,
        derived=derived,
    )


def _benchmark_or_404(ref: str) -> Dataset:
    try:
        return benchmark_results.get_benchmark(g.catalog, current_actor(), ref)
    except NotFound:
        abort(404)


@bp.route("/dataset/<ref>/results/new", methods=["GET", "POST"])
@login_required
def submit_result(ref: str):
    ds = _benchmark_or_404(ref)
    errors: dict = {}
    values = {"benchmark_version": ds.version or "", "metric": (ds.metrics or [""])[0]}
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in RESULT_FIELDS}
        data = {k: v for k, v in values.items() if v}
        try:
            benchmark_results.submit(g.catalog, current_actor(), ds.name, data)
        except ValidationFailed as exc:
            errors = field_errors(exc)
        else:
            flash_message(
                _("Your result is listed as not yet verified until a curator checks it."),
                "success",
            )
            return redirect(url_for("pages.dataset", ref=ds.name) + "#leaderboard")
    return (
        render_template("benchmarks/submit.html", ds=ds, values=values, errors=errors),
        422 if errors else 200,
    )


@bp.post("/benchmark-results/<int:rid>/decision")
@login_required
def decide(rid: int):
    to = request.form.get("to", "")
    ref = request.form.get("dataset", "")
    try:
        benchmark_results.decide(g.catalog, current_actor(), rid, to, request.form.get("note"))
    except PermissionDenied:
        abort(403)
    except NotFound:
        abort(404)
    except (ValidationFailed, Conflict) as exc:
        message = (
            "; ".join(m for ms in field_errors(exc).values() for m in ms)
            if isinstance(exc, ValidationFailed)
            else str(exc)
        )
        flash_message(message, "error")
    else:
        flash_message(
            _("The result is verified.") if to == "verified" else _("The result is rejected."),
            "success",
        )
    target = url_for("pages.dataset", ref=ref) if ref else url_for("pages.index")
    return redirect(target + "#leaderboard")


@bp.get("/dataset/<ref>/leaderboard.<ext>")
def leaderboard_export(ref: str, ext: str):
    if ext not in ("csv", "json"):
        abort(404)
    ds = _benchmark_or_404(ref)
    board = benchmark_results.leaderboard(g.catalog, current_actor(), ds)
    if ext == "csv":
        body = "\ufeff" + benchmark_results.to_csv(board)  # a BOM: spreadsheets read UTF-8
        return Response(
            body,
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{ds.name}-leaderboard.csv"'},
        )
    doc = {
        "benchmark": ds.name,
        "version": ds.version,
        "results": benchmark_results.export_rows(board),
    }
    return Response(json.dumps(doc, ensure_ascii=False, indent=1), mimetype="application/json")


@bp.post("/dataset/<ref>/new-version")
@login_required
def new_version(ref: str):
    try:
        new = benchmarks.new_version(
            g.catalog, current_actor(), ref, request.form.get("version", "")
        )
    except PermissionDenied:
        abort(403)
    except NotFound:
        abort(404)
    except ValidationFailed as exc:
        flash_message("; ".join(m for ms in field_errors(exc).values() for m in ms), "error")
        return redirect(url_for("pages.dataset", ref=ref))
    flash_message(
        _("A draft of the new version was made. Change its files, then submit it."), "success"
    )
    return redirect(url_for("editor.edit_dataset", ref=new.name))


# -- the AI metadata editor -------------------------------------------------------------------
def _editable(ref: str) -> Dataset:
    try:
        ds = dataset_service.get_dataset(g.catalog, current_actor(), ref)
    except NotFound:
        abort(404)
    if not authz.can_edit_dataset(current_actor(), ds):
        abort(403)
    return ds


def _rows_of(ds: Dataset) -> list[dict]:
    rows = []
    for rs in ds.record_sets or []:
        for f in rs.get("fields") or []:
            rows.append(
                {
                    "record_set": rs["name"],
                    "file": rs.get("file") or "",
                    "name": f["name"],
                    "data_type": f.get("data_type") or "text",
                    "description": f.get("description") or "",
                }
            )
    return rows


def _posted_rows() -> list[dict]:
    form = request.form
    try:
        count = min(int(form.get("row_count", "0")), 500)
    except ValueError:
        count = 0
    rows = []
    for i in range(count):
        row = {
            k: form.get(f"f-{i}-{k}", "").strip()
            for k in ("record_set", "file", "name", "data_type", "description")
        }
        if row["name"]:
            rows.append(row)
    return rows


def record_sets_of(rows: list[dict], before: list[dict]) -> list[dict]:
    """Rows of the grid -> record sets (grouped by record set name, in order); a record
    set keeps the description it had."""
    described = {rs["name"]: rs.get("description") for rs in before}
    out: dict[str, dict] = {}
    for row in rows:
        name = row["record_set"] or "records"
        rs = out.setdefault(
            name,
            {"name": name, "description": described.get(name), "file": None, "fields": []},
        )
        rs["file"] = rs["file"] or row["file"] or None
        rs["fields"].append(
            {
                "name": row["name"],
                "data_type": row["data_type"] or "text",
                "description": row["description"] or None,
            }
        )
    return [{k: v for k, v in rs.items() if v is not None} for rs in out.values()]


def _from_previews(ds: Dataset) -> list[dict]:
    """Grid rows made from the columns of the files' previews (names and inferred types)."""
    types = {"integer": "integer", "number": "float", "boolean": "boolean", "date": "date"}
    types |= {"datetime": "datetime"}
    rows = []
    for d in ds.distributions:
        preview = d.preview or {}
        link = d.download_url or d.access_url or ""
        for col in preview.get("columns") or []:
            rows.append(
                {
                    "record_set": (d.title_en or d.title or "records")[:100],
                    "file": link,
                    "name": str(col.get("name"))[:100],
                    "data_type": types.get(col.get("type") or "", "text"),
                    "description": "",
                }
            )
    return rows


@bp.route("/dataset/<ref>/ai-metadata", methods=["GET", "POST"])
@login_required
def ai_metadata_form(ref: str):
    ds = _editable(ref)
    if ds.kind not in AI_KINDS:
        abort(404)
    errors: dict = {}
    rows = _rows_of(ds)
    rai = dict(ds.rai or {})
    derived = ", ".join(ds.derived_from or [])
    status = 200
    if request.method == "POST":
        rows = _posted_rows()
        if request.form.get("action") == "previews":
            known = {(r["record_set"], r["name"]) for r in rows}
            rows += [r for r in _from_previews(ds) if (r["record_set"], r["name"]) not in known]
        else:
            rai = {k: request.form.get(f"rai-{k}", "").strip() for k in vocab.RAI_PROPERTIES}
            rai = {k: v for k, v in rai.items() if v}
            derived = request.form.get("derived_from", "")
            names = [n.strip() for n in derived.replace("，", ",").split(",") if n.strip()]
            patch = {
                "record_sets": record_sets_of(rows, ds.record_sets or []),
                "rai": rai,
                "derived_from": names,
            }
            try:
                result = dataset_service.save_edit(
                    g.catalog,
                    current_actor(),
                    ds.name,
                    patch,
                    note="AI metadata",
                    review_link=lambda rid: absolute_url("curation.revision", revision_id=rid),
                )
            except ValidationFailed as exc:
                errors = field_errors(exc)
                status = 422
            except Conflict as exc:
                flash_message(str(exc), "error")
                status = 409
            else:
                if result.pending:  # a partner's change of a published dataset
                    flash_message(_("Your change waits for review."), "success")
                else:
                    flash_message(_("The AI metadata is saved."), "success")
                return redirect(url_for("pages.dataset", ref=ds.name) + "#ai-metadata")
    files = [
        (d.download_url or d.access_url, d.title)
        for d in ds.distributions
        if d.download_url or d.access_url
    ]
    blank = {"record_set": "", "file": "", "name": "", "data_type": "text", "description": ""}
    return (
        render_template(
            "benchmarks/ai_metadata.html",
            ds=ds,
            rows=rows + [dict(blank) for _i in range(BLANK_FIELD_ROWS)],
            files=files,
            rai=rai,
            derived=derived,
            errors=errors,
            has_previews=any((d.preview or {}).get("columns") for d in ds.distributions),
        ),
        status,
    )


@bp.post("/dataset/<ref>/ai-metadata/croissant")
@login_required
def croissant_upload(ref: str):
    ds = _editable(ref)
    upload = request.files.get("croissant")
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed({"croissant": ["Missing data for required field."]})
        doc = ai_metadata.parse_file(upload.read(ai_metadata.MAX_BYTES + 1))
        _ds, filled = ai_metadata.apply_croissant(g.catalog, current_actor(), ds.name, doc)
    except ValidationFailed as exc:
        flash_message("; ".join(m for ms in field_errors(exc).values() for m in ms), "error")
        return redirect(url_for("benchmarks.ai_metadata_form", ref=ds.name))
    except Conflict as exc:
        flash_message(str(exc), "error")
        return redirect(url_for("benchmarks.ai_metadata_form", ref=ds.name))
    flash_message(
        _(
            "From the Croissant file: %(sets)s record set(s) with %(fields)s field(s), "
            "%(rai)s RAI propertie(s), %(hashes)s file hash(es).",
            sets=filled.record_sets,
            fields=filled.fields,
            rai=len(filled.rai),
            hashes=len(filled.hashed),
        ),
        "success",
    )
    if filled.pending_review:
        flash_message(_("Your change waits for review."), "success")
    if filled.conflicts:
        flash_message(
            _(
                "These files have another SHA-256 in the Croissant file; ours is kept: %(t)s",
                t=", ".join(filled.conflicts),
            ),
            "error",
        )
    return redirect(url_for("benchmarks.ai_metadata_form", ref=ds.name))
