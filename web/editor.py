"""Partners' dataset work: their list, the dataset form with uploads, submitting, taking a
submission back, withdrawing, the version history and diffs, and file downloads.

Who may do what is decided by the services (``datasets``, ``curation``, ``uploads``,
``versions``); a record the person may not see answers 404 exactly like a missing one.
"""

from __future__ import annotations

from typing import BinaryIO, cast

from flask import Blueprint, abort, g, redirect, render_template, request, send_file, url_for
from flask import flash as flash_message
from flask_babel import gettext as _
from flask_login import current_user, login_required

from catalog.errors import ValidationFailed
from catalog.services import (
    authz,
    curation,
    datasets,
    organizations,
    revisions,
    uploads,
    versions,
)
from web import datasetform
from web.forms import field_errors
from web.i18n import locale
from web.links import absolute_url
from web.logins import current_actor

bp = Blueprint("editor", __name__)

EXTRA_ROWS = 1


def _dataset_or_404(ref: str):
    return datasets.get_dataset(g.catalog, current_actor(), ref)


def _editable_or_403(ref: str):
    ds = _dataset_or_404(ref)
    if not authz.can_edit_dataset(current_actor(), ds):
        abort(403)
    return ds


def _org_choices() -> list[tuple[str, str]]:
    """Organizations the person may add datasets to (curators: all)."""
    actor = current_actor()
    en = locale() == "en"
    out = []
    for org, _n in organizations.list_organizations(g.catalog):
        if actor.is_curator or (actor.member_of(org.id) and authz.may_contribute(org)):
            out.append((org.name, (org.title_en or org.title) if en else org.title))
    return out


@bp.get("/my/datasets")
@login_required
def my_datasets():
    actor = current_actor()
    org_ref = request.args.get("org")
    org_id = None
    if org_ref:
        org_id = organizations.get_organization(g.catalog, org_ref).id
    rows = curation.workspace(g.catalog, actor, org_id)
    notes = {
        d.id: curation.last_note(g.catalog, d)[0]
        for d in rows
        if d.status in ("changes_requested", "rejected")
    }
    return render_template(
        "editor/list.html", rows=rows, notes=notes, can_add=bool(_org_choices()), org_ref=org_ref
    )


def _pending_revision(ds):
    """The partner's change of this published dataset that waits for review, if any."""
    if ds is None or ds.status not in datasets.REVIEWED_WHEN_EDITED:
        return None
    return revisions.latest(g.catalog, current_actor(), ds.id)


def _form_values(ds) -> dict:
    """The form's values: the record, or for a partner's published dataset with a change
    waiting for review, the record as that change makes it (the next edit joins the
    change). A curator edits the published record itself."""
    rev = _pending_revision(ds) if datasets.needs_review(current_actor(), ds) else None
    if rev is not None and rev.state == "pending":
        org = rev.proposed.get("organization") or (
            ds.organization.name if ds.organization else None
        )
        return datasetform.values_from_snapshot(rev.snapshot, org)
    return datasetform.values_from_dataset(ds)


def _render_form(ds, values: dict, errors: dict, status: int = 200):
    while len(values.setdefault("dists", [])) < 1 or not datasetform.row_is_empty(
        values["dists"][-1]
    ):
        values["dists"].append({})
    note = (
        curation.last_note(g.catalog, ds)[0]
        if ds is not None and ds.status in ("changes_requested", "rejected")
        else None
    )
    return (
        render_template(
            "editor/form.html",
            ds=ds,
            values=values,
            errors=errors,
            orgs=_org_choices(),
            review_note=note,
            revision=_pending_revision(ds),
            reviewed=ds is not None and datasets.needs_review(current_actor(), ds),
            upload_limit=g.catalog.settings.upload_max_bytes,
            upload_types=g.catalog.settings.upload_extensions,
        ),
        status,
    )


def _take_uploads(values: dict, errors: dict) -> None:
    """Store the files posted with the form; each row that got one points at it."""
    for i, row in enumerate(values["dists"]):
        f = request.files.get(f"dist-{i}-file")
        if f is None or not f.filename:
            continue
        try:
            stored = uploads.store(g.catalog, current_actor(), cast(BinaryIO, f.stream), f.filename)
        except ValidationFailed as exc:
            errors[f"dist-{i}-file"] = field_errors(exc).get("file", [])
            continue
        row["stored"] = stored.key
        row["download_url"] = absolute_url("editor.file", sha=stored.sha256, name=stored.name)
        row["access_url"] = row.get("access_url") or ""
        row["byte_size"] = str(stored.byte_size)
        row["checksum"] = stored.sha256
        row["checksum_algorithm"] = "sha256"
        row["sha256"] = stored.sha256
        row["format"] = row.get("format") or stored.format
        row["media_type"] = row.get("media_type") or (stored.media_type or "")
        row["title"] = row.get("title") or stored.name


def _save(ds, values: dict):
    """Save (and maybe submit) the posted form; returns a response."""
    errors: dict[str, list[str]] = {}
    _take_uploads(values, errors)
    parsed = datasetform.to_input(values, locale())
    errors.update(parsed.errors)
    if request.form.get("action") == "more":
        values["dists"].append({})
        return _render_form(ds, values, errors)
    if errors:
        # show the schema's findings on the other fields too, all in one round
        try:
            datasets.load_input(parsed.data)
        except ValidationFailed as exc:
            found = datasetform.service_errors_to_form(field_errors(exc), parsed.rows)
            errors = {**found, **errors}
        return _render_form(ds, values, errors, 422)
    actor = current_actor()
    try:
        if ds is None:
            saved = datasets.create_dataset(g.catalog, actor, parsed.data, files=parsed.files)
        else:
            touched = datasetform.changed(_form_values(ds), values)
            patch = {k: parsed.data[k] for k in touched if k in parsed.data}
            if "distributions" in touched:
                patch["distributions"] = parsed.data["distributions"]
            saved = ds
            if patch:
                result = datasets.save_edit(
                    g.catalog,
                    actor,
                    ds.id,
                    patch,
                    files=parsed.files if "distributions" in patch else None,
                    review_link=lambda rid: absolute_url("curation.revision", revision_id=rid),
                )
                saved = result.dataset
                if result.pending:
                    flash_message(_("Your change waits for review."), "success")
                    return redirect(url_for("pages.dataset", ref=saved.name))
    except ValidationFailed as exc:
        form_errors = datasetform.service_errors_to_form(field_errors(exc), parsed.rows)
        return _render_form(ds, values, form_errors, 422)
    if request.form.get("action") == "submit":
        curation.submit(g.catalog, actor, saved.id, review_link=_review_link)
        flash_message(_("Saved and sent to the data bureau for review."), "success")
    elif saved.status in ("draft", "changes_requested", "rejected"):
        flash_message(_("Saved as a draft."), "success")
    else:
        flash_message(_("Saved."), "success")
    return redirect(url_for("pages.dataset", ref=saved.name))


@bp.route("/my/datasets/new", methods=["GET", "POST"])
@login_required
def new_dataset():
    orgs = _org_choices()
    if not orgs:
        abort(403)
    if request.method == "GET":
        wanted = request.args.get("org")
        org = wanted if wanted in dict(orgs) else orgs[0][0]
        values = {
            "organization": org,
            "kind": "open_data",
            "access_rights": "unconditional",
            "languages": ["zh"],
            "contact_email": current_user.email,
            "dists": [],
        }
        return _render_form(None, values, {})
    return _save(None, datasetform.values_from_form(request.form))


@bp.route("/dataset/<ref>/edit", methods=["GET", "POST"])
@login_required
def edit_dataset(ref: str):
    ds = _editable_or_403(ref)
    if ds.status in datasets.LOCKED_FOR_EDITORS and not current_actor().is_curator:
        flash_message(_("The dataset is under review. Take it back to draft to change it."), "info")
        return redirect(url_for("pages.dataset", ref=ds.name))
    if request.method == "GET":
        return _render_form(ds, _form_values(ds), {})
    values = datasetform.values_from_form(request.form)
    if not values.get("organization"):
        values["organization"] = ds.organization.name if ds.organization else ""
    return _save(ds, values)


@bp.post("/dataset/<ref>/submit")
@login_required
def submit(ref: str):
    ds = _dataset_or_404(ref)
    curation.submit(
        g.catalog, current_actor(), ds.id, request.form.get("note"), review_link=_review_link
    )
    flash_message(_("Sent to the data bureau for review."), "success")
    return redirect(url_for("pages.dataset", ref=ds.name))


@bp.post("/dataset/<ref>/status")
@login_required
def change_status(ref: str):
    """The editor's own moves: take a submission back to draft, withdraw a published one."""
    ds = _dataset_or_404(ref)
    to = request.form.get("to")
    if to not in ("draft", "withdrawn"):
        abort(400)
    try:
        if to == "withdrawn":
            datasets.withdraw_dataset(
                g.catalog, current_actor(), ds.id, request.form.get("note", "")
            )
            flash_message(
                _("The dataset was withdrawn. Its page says so, with your reason."), "success"
            )
        else:
            datasets.change_status(g.catalog, current_actor(), ds.id, "draft")
            flash_message(_("The dataset is a draft again."), "success")
    except ValidationFailed:
        flash_message(_("Give a reason for withdrawing the dataset."), "error")
    return redirect(url_for("pages.dataset", ref=ds.name))


@bp.post("/dataset/<ref>/revision/<int:revision_id>/withdraw")
@login_required
def withdraw_revision(ref: str, revision_id: int):
    """The partner takes back a change that waits for review."""
    ds = _dataset_or_404(ref)
    rev = revisions.get(g.catalog, current_actor(), revision_id)
    if rev.dataset_id != ds.id:
        abort(404)
    revisions.withdraw(g.catalog, current_actor(), revision_id)
    flash_message(_("Your change was withdrawn; the published record stays as it is."), "success")
    return redirect(url_for("pages.dataset", ref=ds.name))


def _review_link(name: str) -> str:
    return absolute_url("curation.review", ref=name)


@bp.get("/dataset/<ref>/history")
@login_required
def history(ref: str):
    ds = _dataset_or_404(ref)
    rows = versions.list_versions(g.catalog, current_actor(), ds.id)
    return render_template("editor/history.html", ds=ds, rows=rows)


@bp.get("/dataset/<ref>/diff")
@login_required
def diff(ref: str):
    ds = _dataset_or_404(ref)
    old = request.args.get("a", type=int)
    new = request.args.get("b", type=int)
    if old is None or new is None:
        abort(400)
    changes = versions.compare(g.catalog, current_actor(), ds.id, old, new)
    return render_template("editor/diff.html", ds=ds, old=old, new=new, changes=changes)


@bp.get("/files/<sha>/<name>")
def file(sha: str, name: str):
    """An uploaded distribution file, to those who may see its distribution."""
    path, filename, media_type = uploads.open_for(g.catalog, current_actor(), f"{sha}/{name}")
    resp = send_file(
        path,
        mimetype=media_type or "application/octet-stream",
        as_attachment=True,
        download_name=filename,
        conditional=True,
        etag=sha,
    )
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-cache"
    return resp
