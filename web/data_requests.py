"""Data requests (数据需求, issue 16): the public list with filters, one request with its
history, the form for a new request, the "+1" and the curators' actions. The rules are
``catalog.services.data_requests``; these views only turn forms into calls."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask import flash as flash_message
from flask_babel import gettext as _
from flask_login import login_required

from catalog.db import MAX_INT
from catalog.errors import Conflict, ValidationFailed
from catalog.services import data_requests as service
from catalog.services import organizations as org_service
from schemas import vocab
from web.forms import client_address, field_errors
from web.links import absolute_url
from web.logins import current_actor

bp = Blueprint("data_requests", __name__, url_prefix="/data-requests")
PAGE_SIZE = 20


def _link(rid: int) -> str:
    return absolute_url("data_requests.show", rid=rid)


def _page_arg() -> int:
    try:
        return min(max(1, int(request.args.get("page") or 1)), MAX_INT // 1000)
    except ValueError:
        return 1


@bp.get("")
def index():
    state = request.args.get("state") or None
    scenario = request.args.get("scenario") or None
    if state not in (None, *vocab.DATA_REQUEST_STATES):
        state = None
    if scenario not in (None, *vocab.SCENARIOS):
        scenario = None
    page = _page_arg()
    actor = current_actor()
    # a partner's members see the requests routed to them: those of its fields of data
    themes = service.partner_themes(g.catalog, actor)
    mine = request.args.get("for") == "partner" and bool(themes)
    total, rows = service.list_requests(
        g.catalog,
        actor,
        state=state,
        scenario=scenario,
        themes=themes if mine else None,
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    return render_template(
        "data_requests/list.html",
        rows=rows,
        total=total,
        state=state,
        scenario=scenario,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        partner_themes=themes,
        for_partner=mine,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    errors: dict = {}
    values: dict = {"what": request.args.get("what", "")[:300], "public": "1", "urgency": "normal"}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in service.FORM_FIELDS if k in request.form}
        try:
            req = service.create_request(
                g.catalog, current_actor(), values, address=client_address()
            )
        except ValidationFailed as exc:
            errors = field_errors(exc)
        else:
            flash_message(
                _("Your data request is published. The data bureau will answer."), "success"
            )
            return redirect(url_for("data_requests.show", rid=req.id))
    return (
        render_template("data_requests/new.html", values=values, errors=errors),
        422 if errors else 200,
    )


@bp.get("/<int:rid>")
def show(rid: int, errors: dict | None = None):
    actor = current_actor()
    view = service.get_request(g.catalog, actor, rid)
    orgs = []
    if view.may_curate:
        orgs = [(o.name, o.title) for o, _n in org_service.list_organizations(g.catalog)]
    return render_template(
        "data_requests/show.html",
        v=view,
        events=service.history(g.catalog, actor, rid),
        errors=errors or {},
        orgs=orgs,
    )


@bp.post("/<int:rid>/vote")
@login_required
def vote(rid: int):
    try:
        service.vote(g.catalog, current_actor(), rid)
    except Conflict as exc:
        flash_message(str(exc), "error")
    else:
        flash_message(_("Thank you: your +1 is counted."), "success")
    return redirect(url_for("data_requests.show", rid=rid))


@bp.post("/<int:rid>/state/<to>")
@login_required
def change(rid: int, to: str):
    if to not in service.STATES:
        abort(404)
    refs = [
        r for part in request.form.getlist("datasets") for r in part.replace("，", ",").split(",")
    ]
    try:
        service.change_state(
            g.catalog,
            current_actor(),
            rid,
            to,
            request.form.get("note"),
            datasets=refs,
            promise_org=request.form.get("promise_org") or None,
            address=client_address(),
            link=_link,
        )
    except ValidationFailed as exc:
        return show(rid, field_errors(exc)), 422
    except Conflict as exc:
        flash_message(str(exc), "error")
    else:
        flash_message(_("Saved: the request's state is changed."), "success")
    return redirect(url_for("data_requests.show", rid=rid))
