"""Property-rights registration records (数据产权登记): the holder's form, the curators'
queue and decisions, the certificate download (the dataset page's section is read with its
badges by ``catalog.services.dataset_sections``). Rules: ``catalog.services.registrations``."""

from __future__ import annotations

from typing import BinaryIO, cast

from flask import Blueprint, g, redirect, render_template, request, send_file, url_for
from flask import flash as flash_message
from flask_babel import gettext as _
from flask_login import login_required

from catalog.errors import Conflict, ValidationFailed
from catalog.services import datasets as dataset_service
from catalog.services import registrations, uploads
from web.forms import client_address, field_errors, values_of
from web.logins import curator_required, current_actor

bp = Blueprint("registrations", __name__, url_prefix="/registrations")


def _form_values() -> dict:
    values = values_of(request.form, multi=("rights",))
    file = request.files.get("evidence")
    if file and file.filename:
        stored = uploads.store(
            g.catalog, current_actor(), cast(BinaryIO, file.stream), file.filename
        )
        values["evidence_file"] = stored.key
    return values


def _data(values: dict) -> dict:
    """The schema's input: empty optional fields left out, the kept upload passed on."""
    keys = ("number", "reg_type", "registering_body", "rights", "holder_name",
            "holder_credit_code", "registered_on", "valid_until", "evidence_file")  # fmt: skip
    return {k: values[k] for k in keys if values.get(k) not in (None, "")}


@bp.route("/dataset/<ref>/new", methods=["GET", "POST"])
@login_required
def new(ref: str):
    actor = current_actor()
    ds = dataset_service.get_dataset(g.catalog, actor, ref)
    errors: dict = {}
    values: dict = {"holder_name": ds.organization.title if ds.organization else ""}
    if ds.organization and ds.organization.credit_code:
        values["holder_credit_code"] = ds.organization.credit_code
    if request.method == "POST":
        try:
            values = _form_values()
            reg = registrations.add_registration(
                g.catalog, actor, ds.id, _data(values), address=client_address()
            )
        except ValidationFailed as exc:
            errors = field_errors(exc)
        else:
            flash_message(
                _("The registration was recorded; the data bureau will verify it."), "success"
            )
            return redirect(url_for("registrations.show", rid=reg.id))
    elif not registrations.may_enter(actor, ds):
        return render_template(
            "error.html", code=403, message=_("Only the holder's members may enter registrations.")
        ), 403
    return render_template(
        "registrations/form.html", ds=ds, values=values, errors=errors, reg=None
    ), (422 if errors else 200)


@bp.get("/<int:rid>")
@login_required
def show(rid: int, errors: dict | None = None):
    actor = current_actor()
    view = registrations.get(g.catalog, actor, rid)
    return render_template(
        "registrations/show.html",
        v=view,
        events=registrations.history(g.catalog, actor, rid),
        errors=errors or {},
    )


@bp.route("/<int:rid>/edit", methods=["GET", "POST"])
@login_required
def edit(rid: int):
    actor = current_actor()
    view = registrations.get(g.catalog, actor, rid)
    if not view.may_edit:  # someone else's record, or a verified one: nothing to correct here
        return redirect(url_for("registrations.show", rid=rid))
    reg = view.reg
    errors: dict = {}
    values: dict = {
        "number": reg.number, "reg_type": reg.reg_type, "registering_body": reg.registering_body,
        "rights": list(reg.rights or []), "holder_name": reg.holder_name,
        "holder_credit_code": reg.holder_credit_code,
        "registered_on": reg.registered_on.isoformat(),
        "valid_until": reg.valid_until.isoformat() if reg.valid_until else "",
    }  # fmt: skip
    if request.method == "POST":
        try:
            values = _form_values()
            registrations.update_registration(
                g.catalog, actor, rid, _data(values), address=client_address()
            )
        except ValidationFailed as exc:
            errors = field_errors(exc)
        except Conflict as exc:
            flash_message(str(exc), "error")
            return redirect(url_for("registrations.show", rid=rid))
        else:
            flash_message(_("The registration was sent to the data bureau again."), "success")
            return redirect(url_for("registrations.show", rid=rid))
    ds = dataset_service.get_dataset(g.catalog, actor, view.dataset_name)
    return render_template(
        "registrations/form.html", ds=ds, values=values, errors=errors, reg=reg
    ), (422 if errors else 200)


@bp.post("/<int:rid>/<to>")
@curator_required
def decide(rid: int, to: str):
    if to not in ("verified", "returned"):
        return redirect(url_for("registrations.show", rid=rid))
    try:
        registrations.decide(
            g.catalog, current_actor(), rid, to, request.form.get("note"), address=client_address()
        )
    except ValidationFailed as exc:
        return show(rid, field_errors(exc)), 422
    except Conflict as exc:
        flash_message(str(exc), "error")
    else:
        flash_message(_("Saved: the holder sees the decision."), "success")
    return redirect(url_for("registrations.show", rid=rid))


@bp.get("/review")
@curator_required
def queue():
    return render_template(
        "registrations/queue.html", rows=registrations.review_queue(g.catalog, current_actor())
    )


@bp.get("/<int:rid>/evidence")
@login_required
def evidence(rid: int):
    path, name = registrations.evidence(g.catalog, current_actor(), rid)
    return send_file(path, as_attachment=True, download_name=name)
