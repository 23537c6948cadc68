"""The bureau's organization repairs: merge two organizations, split one (issue 12, item 4).
Curators only; :mod:`catalog.services.organization_merge` checks again and does the work."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask import flash as flash_message
from flask_babel import gettext as _

from catalog.errors import ValidationFailed
from catalog.services import organization_merge
from web.forms import field_errors, values_of
from web.logins import curator_required, current_actor

bp = Blueprint("org_curation", __name__, url_prefix="/curation/organizations")


def _page(ref: str, errors: dict | None = None, values: dict | None = None, status: int = 200):
    parts = organization_merge.parts_of(g.catalog, current_actor(), ref)
    return (
        render_template(
            "curation/organization.html",
            parts=parts,
            errors=errors or {},
            values=values or {},
        ),
        status,
    )


@bp.get("/<ref>")
@curator_required
def show(ref: str):
    return _page(ref)


@bp.post("/<ref>/merge")
@curator_required
def merge(ref: str):
    try:
        got = organization_merge.merge(
            g.catalog,
            current_actor(),
            ref,
            request.form.get("target", ""),
            note=request.form.get("note") or None,
        )
    except ValidationFailed as exc:
        return _page(ref, field_errors(exc), values_of(request.form), 422)
    flash_message(
        _(
            "Merged: %(d)s datasets, %(m)s members and %(s)s harvest sources moved; the old "
            "address leads here.",
            d=got["datasets"],
            m=got["members"],
            s=got["sources"],
        ),
        "success",
    )
    return redirect(url_for("partners.organization", ref=got["into"]))


@bp.post("/<ref>/split")
@curator_required
def split(ref: str):
    form = request.form
    try:
        got = organization_merge.split(
            g.catalog,
            current_actor(),
            ref,
            title=form.get("title", "").strip(),
            name=form.get("name", "").strip() or None,
            dataset_ids=form.getlist("dataset"),
            member_ids=form.getlist("member"),
            source_ids=[int(x) for x in form.getlist("source") if x.isdigit()],
            note=form.get("note") or None,
        )
    except ValidationFailed as exc:
        return _page(ref, field_errors(exc), values_of(form), 422)
    flash_message(
        _(
            "Split: %(d)s datasets, %(m)s members and %(s)s harvest sources moved to the new "
            "organization.",
            d=got["datasets"],
            m=got["members"],
            s=got["sources"],
        ),
        "success",
    )
    return redirect(url_for("partners.organization", ref=got["new"]))
