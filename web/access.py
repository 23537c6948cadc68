"""Access requests (数据申请): the form, the requester's list and history, the reviewers'
queue and decisions, signed restricted downloads, the audit log and the matchmaking table.
The rules are ``catalog.services.access``; these views only turn forms into calls."""

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
from flask_login import current_user, login_required

from catalog.errors import Conflict, PermissionDenied, ValidationFailed
from catalog.services import access, uploads
from catalog.services import datasets as dataset_service
from web.forms import client_address, field_errors
from web.links import absolute_url
from web.logins import curator_required, current_actor

bp = Blueprint("access", __name__, url_prefix="/access")


def _link(rid: int) -> str:
    return absolute_url("access.show", rid=rid)


@bp.route("/apply/<ref>", methods=["GET", "POST"])
@login_required
def apply(ref: str):
    actor = current_actor()
    ds = dataset_service.get_dataset(g.catalog, actor, ref)
    if ds.status != "published" or ds.access_rights != "conditional":
        abort(404)
    errors: dict = {}
    values: dict = {}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in request.form}
        values["distribution_ids"] = request.form.getlist("distribution_ids")
        try:
            file = request.files.get("attachment")
            if file and file.filename:
                stored = uploads.store(g.catalog, actor, cast(BinaryIO, file.stream), file.filename)
                values["attachment"] = stored.key
            req = access.submit_request(
                g.catalog, actor, ds.id, values, address=client_address(), link=_link
            )
        except ValidationFailed as exc:
            errors = field_errors(exc)
        except Conflict as exc:
            errors = {"form": [str(exc)]}
        else:
            flash_message(_("Your request was sent to the reviewers."), "success")
            return redirect(url_for("access.show", rid=req.id))
    restricted = [d for d in ds.distributions if d.restricted]
    return (
        render_template(
            "access/apply.html", ds=ds, restricted=restricted, errors=errors, values=values
        ),
        422 if errors else 200,
    )


@bp.get("/requests")
@login_required
def mine():
    return render_template("access/mine.html", rows=access.my_requests(g.catalog, current_actor()))


@bp.get("/review")
@login_required
def queue():
    rows = access.review_queue(g.catalog, current_actor())
    return render_template("access/queue.html", rows=rows, today=access.today())


@bp.get("/request/<int:rid>")
@login_required
def show(rid: int, errors: dict | None = None):
    actor = current_actor()
    view = access.get_request(g.catalog, actor, rid)
    return render_template(
        "access/show.html",
        v=view,
        events=access.history(g.catalog, actor, rid),
        errors=errors or {},
        today=access.today(),
    )


@bp.post("/request/<int:rid>/<to>")
@login_required
def change(rid: int, to: str):
    if to not in access.STATES:
        abort(404)
    try:
        access.change_state(
            g.catalog,
            current_actor(),
            rid,
            to,
            request.form.get("note"),
            end=request.form.get("end"),
            start=request.form.get("start"),
            conditions=request.form.get("conditions"),
            address=client_address(),
            link=_link,
        )
    except ValidationFailed as exc:
        return show(rid, field_errors(exc)), 422
    except Conflict as exc:
        flash_message(str(exc), "error")
    else:
        flash_message(_("Saved: the requester sees the change."), "success")
    return redirect(url_for("access.show", rid=rid))


@bp.get("/download/<token>")
def download(token: str):
    """Check the signed link and the grant now, then redirect or serve the stored file."""
    if not current_user.is_authenticated:
        from web.apiauth import Unauthenticated, api_actor

        try:
            actor = api_actor()
        except Unauthenticated:
            abort(401)
        if actor.id is None:
            abort(401)
    else:
        actor = current_actor()
    try:
        got = access.open_download(g.catalog, actor, token, address=client_address())
    except access.NotStarted as exc:
        message = _(
            "Your access to this dataset begins on %(date)s: the link works from that day.",
            date=exc.start.isoformat(),
        )
        return render_template("error.html", code=403, message=message), 403
    except PermissionDenied:
        message = _(
            "This download link does not work: the access has ended or was revoked, "
            "the link has expired, or it belongs to someone else."
        )
        return render_template("error.html", code=403, message=message), 403
    if got.stored_file:
        sha, _sep, name = got.stored_file.partition("/")
        path = uploads._files_dir(g.catalog) / sha
        if not path.is_file():
            abort(404)
        return send_file(path, mimetype=got.media_type, as_attachment=True, download_name=name)
    if not got.url:
        abort(404)
    resp = redirect(got.url, code=302)
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


@bp.get("/audit/<ref>")
@curator_required
def audit_log(ref: str):
    ds, rows = access.dataset_audit(g.catalog, current_actor(), ref)
    if request.args.get("format") == "csv":
        return Response(
            access.audit_csv(rows),
            mimetype="text/csv",
            headers={"Content-Disposition": f"attachment; filename=access-audit-{ds.name}.csv"},
        )
    return render_template("access/audit.html", ds=ds, rows=rows)


@bp.get("/matchmaking")
@curator_required
def matchmaking():
    actor = current_actor()
    if request.args.get("format") == "csv":
        return Response(
            access.matchmaking_csv(access.matchmaking_records(g.catalog, actor)),
            mimetype="text/csv",
            headers={"Content-Disposition": "attachment; filename=matchmaking.csv"},
        )
    return render_template(
        "access/matchmaking.html",
        rows=access.matchmaking(g.catalog, actor),
        records=access.matchmaking_records(g.catalog, actor),
    )


@bp.get("/request/<int:rid>/attachment")
@login_required
def attachment(rid: int):
    """The requester's attachment, for the requester and the request's reviewers."""
    view = access.get_request(g.catalog, current_actor(), rid)
    key = view.req.attachment or ""
    sha, _sep, name = key.partition("/")
    path = uploads._files_dir(g.catalog) / sha
    if not key or not path.is_file():
        abort(404)
    return send_file(path, as_attachment=True, download_name=name)
