"""Harvesting in the browser: sources, their preview, runs, jobs and curated fields.

Curators manage every source; a partner organization's admins the sources of their own
organization (the services decide: ``harvest_admin`` reads, ``harvest`` writes,
``harvest_preview`` reads a source without storing). A run is queued for the worker
(``catalog worker``, or the one ``catalog serve --worker`` starts beside the pages): a
request never runs a harvest itself, so a long sheet cannot tie up a web worker, a run
survives the page being closed, and the worker's heartbeat, claiming and requeue on
shutdown apply to runs started here as to any other.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask import flash as flash_message
from flask_babel import gettext as _
from flask_login import login_required

from catalog.errors import CatalogError, Conflict, ValidationFailed
from catalog.services import datasets, harvest, harvest_admin, harvest_preview
from schemas import vocab
from web.fieldnames import field_label
from web.forms import field_errors, values_of
from web.logins import current_actor

bp = Blueprint("harvest", __name__, url_prefix="/harvest")

# what a sheet column's target is called on the pages, where it is not a dataset field
TARGET_LABELS = {"department": "source_department", "industry": "themes"}
SHOWN_FIELDS = ("resource_code", "title", "access_rights", "data_formats", "themes", "frequency")


def target_label(target: str | None) -> str:
    if target is None:
        return _("not mapped: kept in Other fields")
    if target == "ignore":
        return _("ignored")
    return field_label(TARGET_LABELS.get(target, target))


@bp.app_template_filter("harvest_target")
def _harvest_target(target: str | None) -> str:
    return target_label(target)


def _status_labels() -> dict[str, str]:
    return {
        "publish": _("published at once"),
        "review": _("waits for review"),
        "held": _("held for review"),
        "refused": _("refused"),
    }


def _job_states() -> dict[str, str]:
    return {
        "queued": _("queued"),
        "running": _("running"),
        "done": _("done"),
        "done_with_errors": _("done with errors"),
        "failed": _("failed"),
        "cancelled": _("cancelled"),
    }


@bp.app_context_processor
def _labels() -> dict:
    return {"harvest_status_labels": _status_labels, "harvest_job_states": _job_states}


def _form_values(form) -> dict[str, Any]:
    values: dict[str, Any] = values_of(form)
    values["trusted"] = bool(form.get("trusted"))
    values["active"] = bool(form.get("active"))
    return values


def _config(values: dict) -> dict:
    text = (values.get("config") or "").strip()
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValidationFailed({"config": [f"Not JSON: {exc}."]}) from None
    if not isinstance(data, dict):
        raise ValidationFailed({"config": ["Configuration must be a JSON object."]})
    return data


def _with_region(config: dict, values: dict) -> dict:
    """The form's region field is the source's ``region`` option (every kind has it): the
    field wins over a ``region`` typed into the JSON options, an empty field removes it."""
    config = {k: v for k, v in config.items() if k != "region"}
    region = " ".join(str(values.get("region") or "").split())
    if region:
        config["region"] = region
    return config


def _region_errors(exc: ValidationFailed) -> dict[str, list[str]]:
    """The form's errors, a bad region under its own field instead of the options'."""
    errors = field_errors(exc)
    config = errors.get("config") or []
    region = [m.split(":", 1)[1].strip() for m in config if m.startswith("region:")]
    if region:
        errors["region"] = region
        errors["config"] = [m for m in config if not m.startswith("region:")]
        if not errors["config"]:
            del errors["config"]
    return errors


def _form_page(template: str, status: int = 200, **context: object):
    actor = current_actor()
    return (
        render_template(
            template,
            kinds=harvest.available_kinds(),
            places=[zh for zh, _en in vocab.regions().values()],
            organizations=harvest_admin.managed_organizations(g.catalog, actor),
            may_trust=actor.is_curator,
            statuses=_status_labels(),
            shown_fields=SHOWN_FIELDS,
            **context,
        ),
        status,
    )


@bp.get("")
@login_required
def sources():
    actor = current_actor()
    rows = harvest_admin.sources(g.catalog, actor)
    return render_template("harvest/sources.html", rows=rows, is_curator=actor.is_curator)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_source():
    actor = current_actor()
    harvest_admin.require_harvest_pages(actor)
    if request.method == "GET":
        return _form_page("harvest/source_form.html", values={"kind": "spreadsheet"}, errors={})
    values = _form_values(request.form)
    preview = None
    try:
        config = _with_region(_config(values), values)
        harvest_preview.validate_config(values.get("kind") or "", config)
        if request.form.get("action") == "preview":
            preview = harvest_preview.preview(
                g.catalog,
                actor,
                kind=values.get("kind") or "",
                url=(values.get("url") or "").strip(),
                config=config,
                organization=values.get("organization") or None,
                trusted=values["trusted"],
            )
            return _form_page("harvest/source_form.html", values=values, errors={}, preview=preview)
        src = harvest.register_source(
            g.catalog,
            actor,
            name=(values.get("name") or "").strip(),
            kind=values.get("kind") or "",
            url=(values.get("url") or "").strip(),
            organization=values.get("organization") or None,
            config=config,
            trusted=values["trusted"],
            schedule=(values.get("schedule") or "").strip() or None,
        )
    except ValidationFailed as exc:
        return _form_page(
            "harvest/source_form.html", 422, values=values, errors=_region_errors(exc)
        )
    flash_message(_("Harvest source %(name)s added.", name=src.name), "success")
    return redirect(url_for("harvest.source", ref=src.name))


@bp.get("/<ref>")
@login_required
def source(ref: str):
    actor = current_actor()
    row = harvest_admin.source(g.catalog, actor, ref)
    return render_template(
        "harvest/source.html",
        src=row,
        jobs=harvest_admin.jobs(g.catalog, actor, row.id),
        held=harvest_admin.held_fields(g.catalog, actor, row.id),
    )


@bp.route("/<ref>/edit", methods=["GET", "POST"])
@login_required
def edit_source(ref: str):
    actor = current_actor()
    row = harvest_admin.source(g.catalog, actor, ref)
    if request.method == "GET":
        config = harvest_admin.source_config(g.catalog, actor, row.id)
        values = {
            "name": row.name,
            "kind": row.kind,
            "url": row.url,
            "organization": row.organization or "",
            "schedule": row.schedule or "",
            "trusted": row.trusted,
            "active": row.active,
            "region": config.get("region") or "",
            "config": json.dumps(
                {k: v for k, v in config.items() if k != "region"}, ensure_ascii=False, indent=2
            )
            if any(k != "region" for k in config)
            else "",
        }
        return _form_page("harvest/source_form.html", src=row, values=values, errors={})
    values = _form_values(request.form)
    values.update(name=row.name, kind=row.kind)
    try:
        config = _with_region(_config(values), values)
        harvest_preview.validate_config(row.kind, config)
        changes: dict[str, object] = {
            "url": str(values.get("url") or "").strip(),
            "organization": values.get("organization") or None,
            "schedule": str(values.get("schedule") or "").strip() or None,
            "active": values["active"],
            "config": config,
        }
        if actor.is_curator:
            changes["trusted"] = values["trusted"]
        harvest.update_source(g.catalog, actor, row.id, **changes)
    except ValidationFailed as exc:
        return _form_page(
            "harvest/source_form.html", 422, src=row, values=values, errors=_region_errors(exc)
        )
    flash_message(_("Harvest source %(name)s saved.", name=row.name), "success")
    return redirect(url_for("harvest.source", ref=row.name))


@bp.get("/<ref>/preview")
@login_required
def preview(ref: str):
    actor = current_actor()
    row = harvest_admin.source(g.catalog, actor, ref)
    result = harvest_preview.preview_source(g.catalog, actor, row.id)
    return render_template(
        "harvest/preview.html",
        src=row,
        preview=result,
        statuses=_status_labels(),
        shown_fields=SHOWN_FIELDS,
    )


@bp.post("/<ref>/run")
@login_required
def run(ref: str):
    actor = current_actor()
    row = harvest_admin.source(g.catalog, actor, ref)
    options = {"full": True} if request.form.get("full") else None
    job = harvest.enqueue_job(g.catalog, actor, row.id, options=options)
    flash_message(_("Run queued as job %(id)s.", id=job.id), "success")
    return redirect(url_for("harvest.job", job_id=job.id))


@bp.post("/<ref>/linkcheck")
@login_required
def linkcheck(ref: str):
    actor = current_actor()
    row = harvest_admin.source(g.catalog, actor, ref)
    job = harvest.enqueue_job(g.catalog, actor, row.id, job_type="linkcheck")
    flash_message(_("Link check queued as job %(id)s.", id=job.id), "success")
    return redirect(url_for("harvest.job", job_id=job.id))


@bp.post("/<ref>/release")
@login_required
def release(ref: str):
    actor = current_actor()
    row = harvest_admin.source(g.catalog, actor, ref)
    dataset = request.form.get("dataset", "")
    name = request.form.get("field", "")
    try:
        datasets.release_field(g.catalog, actor, dataset, name)
    except CatalogError as exc:
        flash_message(_("Not released: %(why)s", why=str(exc)), "error")
    else:
        flash_message(
            _(
                "%(field)s of %(dataset)s follows the harvest again from the next run.",
                field=field_label(name),
                dataset=dataset,
            ),
            "success",
        )
    return redirect(url_for("harvest.source", ref=row.name))


@bp.get("/jobs/<int:job_id>")
@login_required
def job(job_id: int):
    view = harvest_admin.job(g.catalog, current_actor(), job_id)
    return render_template("harvest/job.html", view=view, job=view.job)


@bp.post("/jobs/<int:job_id>/cancel")
@login_required
def cancel(job_id: int):
    try:
        harvest.cancel_job(g.catalog, current_actor(), job_id)
    except Conflict as exc:
        flash_message(str(exc), "error")
    else:
        flash_message(_("Job %(id)s cancelled.", id=job_id), "success")
    return redirect(url_for("harvest.job", job_id=job_id))
