"""Nomination rounds (择优申报): the list and public page of rounds, opening a round, a
partner's nomination, reviewers' scoring, the shortlist and outcomes, the XLSX export and
the dataset page's badges. Rules: ``catalog.services.nominations``."""

from __future__ import annotations

from typing import BinaryIO, cast

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask import flash as flash_message
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import ValidationError

from catalog.errors import Conflict, ValidationFailed
from catalog.services import nominations, uploads
from schemas.nomination import DEFAULT_INDICATORS, parse_indicators
from web.forms import client_address, field_errors, values_of
from web.i18n import locale
from web.logins import curator_required, current_actor

bp = Blueprint("nominations", __name__, url_prefix="/nominations")


def _indicator_text(indicators: list[dict]) -> str:
    return "\n".join(f"{i['name']} = {i['weight']:g}" for i in indicators)


@bp.get("/")
def rounds():
    return render_template("nominations/rounds.html", rounds=nominations.list_rounds(g.catalog))


@bp.route("/new", methods=["GET", "POST"])
@curator_required
def new():
    errors: dict = {}
    values: dict = {"indicators": _indicator_text([dict(i) for i in DEFAULT_INDICATORS])}
    if request.method == "POST":
        values = values_of(request.form)
        data = {k: values[k] for k in ("title", "programme", "level", "field", "deadline",
                                        "criteria") if values.get(k)}  # fmt: skip
        try:
            try:
                data["indicators"] = parse_indicators(values.get("indicators", ""))
            except ValidationError as exc:
                raise ValidationFailed({"indicators": exc.messages}) from None
            if not data["indicators"]:
                del data["indicators"]  # the default set
            r = nominations.open_round(g.catalog, current_actor(), data, address=client_address())
        except ValidationFailed as exc:
            errors = field_errors(exc)
        else:
            flash_message(
                _("The round is open: partners can nominate datasets until the deadline."),
                "success",
            )
            return redirect(url_for("nominations.show", rid=r.id))
    return render_template("nominations/new.html", values=values, errors=errors), (
        422 if errors else 200
    )


@bp.get("/<int:rid>")
def show(rid: int):
    actor = current_actor()
    view = nominations.round_view(g.catalog, actor, rid)
    return render_template(
        "nominations/round.html",
        v=view,
        shortlist=nominations.ranked_shortlist(view),
        mine=nominations.nominable(g.catalog, actor) if view.may_nominate else [],
    )


@bp.post("/<int:rid>/close")
@curator_required
def close(rid: int):
    try:
        nominations.close_round(g.catalog, current_actor(), rid, address=client_address())
    except Conflict as exc:
        flash_message(str(exc), "error")
    return redirect(url_for("nominations.show", rid=rid))


@bp.route("/<int:rid>/nominate", methods=["GET", "POST"])
@login_required
def nominate(rid: int):
    actor = current_actor()
    view = nominations.round_view(g.catalog, actor, rid)
    errors: dict = {}
    values: dict = {"dataset": request.args.get("dataset", "")}
    if request.method == "POST":
        values = values_of(request.form)
        try:
            file = request.files.get("materials")
            if file and file.filename:
                stored = uploads.store(g.catalog, actor, cast(BinaryIO, file.stream), file.filename)
                values["materials_file"] = stored.key
            data = {
                k: values[k] for k in ("dataset", "statement", "materials_file") if values.get(k)
            }
            nominations.nominate(g.catalog, actor, rid, data, address=client_address())
        except ValidationFailed as exc:
            errors = field_errors(exc)
        except Conflict as exc:
            flash_message(str(exc), "error")
            return redirect(url_for("nominations.show", rid=rid))
        else:
            flash_message(_("Your nomination was sent to the data bureau."), "success")
            return redirect(url_for("nominations.show", rid=rid))
    return render_template(
        "nominations/nominate.html", v=view, mine=nominations.nominable(g.catalog, actor),
        values=values, errors=errors,
    ), (422 if errors else 200)  # fmt: skip


@bp.route("/nomination/<int:nid>", methods=["GET", "POST"])
@curator_required
def review(nid: int):
    """A reviewer's form: what the catalog measured, the pre-filled scores, the decision."""
    actor = current_actor()
    nom, r, ds = nominations.get_nomination(g.catalog, actor, nid)
    view = nominations.round_view(g.catalog, actor, r.id)
    row = next(x for x in view.rows if x.nom.id == nid)
    errors: dict = {}
    suggested = nominations.prefill(r.indicators, nom.measured or {})
    scores = {k: ("" if v is None else f"{v:g}") for k, v in suggested.items()}
    if row.mine:
        scores = {k: f"{v:g}" for k, v in row.mine.items()}
    if request.method == "POST":
        scores = {i["name"]: request.form.get(f"score-{i['name']}", "") for i in r.indicators}
        try:
            nominations.score(
                g.catalog, actor, nid, scores, request.form.get("note"), address=client_address()
            )
        except ValidationFailed as exc:
            errors = field_errors(exc)
        else:
            flash_message(_("Your scores were saved."), "success")
            return redirect(url_for("nominations.review", nid=nid))
    return render_template(
        "nominations/review.html", nom=nom, r=r, ds=ds, row=row, scores=scores,
        suggested=suggested, errors=errors,
    ), (422 if errors else 200)  # fmt: skip


@bp.post("/nomination/<int:nid>/shortlist")
@curator_required
def shortlist(nid: int):
    nom = nominations.set_shortlisted(
        g.catalog, current_actor(), nid, request.form.get("on") == "1", address=client_address()
    )
    return redirect(url_for("nominations.show", rid=nom.round_id))


@bp.post("/nomination/<int:nid>/outcome")
@curator_required
def outcome(nid: int):
    try:
        nom = nominations.set_outcome(
            g.catalog, current_actor(), nid, request.form.get("outcome"),
            request.form.get("note"), address=client_address(),
        )  # fmt: skip
    except ValidationFailed as exc:
        flash_message(" ".join(m for ms in field_errors(exc).values() for m in ms), "error")
        return redirect(url_for("nominations.review", nid=nid))
    flash_message(_("The outcome was recorded."), "success")
    return redirect(url_for("nominations.show", rid=nom.round_id))


@bp.get("/nomination/<int:nid>/materials")
@login_required
def materials(nid: int):
    path, name = nominations.materials(g.catalog, current_actor(), nid)
    return send_file(path, as_attachment=True, download_name=name)


@bp.get("/<int:rid>/shortlist.xlsx")
@curator_required
def shortlist_xlsx(rid: int):
    body = nominations.shortlist_xlsx(g.catalog, current_actor(), rid, locale())
    if not body:
        abort(404)
    return Response(
        body,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename=shortlist-{rid}.xlsx"},
    )
