"""Voucher evidence (数智券, issue 18 item 6): a firm's printable statement of its approved
access requests in a period, and its CSV. Rules: ``catalog.services.matchmaking``."""

from __future__ import annotations

from flask import Blueprint, Response, g, render_template, request
from flask_login import login_required

from catalog.errors import ValidationFailed
from catalog.services import matchmaking
from web.forms import field_errors
from web.logins import current_actor

bp = Blueprint("vouchers", __name__, url_prefix="/vouchers")


@bp.get("/<ref>")
@login_required
def statement(ref: str):
    """The statement for the period asked (``start``, ``end``; this year by default)."""
    actor = current_actor()
    start, end = request.args.get("start"), request.args.get("end")
    errors: dict = {}
    try:
        st = matchmaking.firm_statement(g.catalog, actor, ref, start, end)
    except ValidationFailed as exc:
        errors = field_errors(exc)
        st = matchmaking.firm_statement(g.catalog, actor, ref)
    if request.args.get("format") == "csv" and not errors:
        name = f"voucher-evidence-{st.org.name}-{st.start}-{st.end}.csv"
        return Response(
            matchmaking.statement_csv(st),
            mimetype="text/csv",
            headers={"Content-Disposition": f"attachment; filename={name}"},
        )
    return render_template("vouchers/statement.html", st=st, errors=errors), (
        422 if errors else 200
    )
