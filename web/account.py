"""The signed-in person's own pages: profile, organizations, password, personal API tokens.

A new token is shown once, on the page that created it, and never again: only its SHA-256
is stored (``catalog.services.tokens``).
"""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask import flash as flash_message
from flask_babel import gettext as _
from flask_login import login_required

from catalog.services import partners, tokens
from web.logins import current_actor

bp = Blueprint("account", __name__)


def render_account(password_errors: dict | None = None) -> str:
    actor = current_actor()
    return render_template(
        "account/show.html",
        organizations=partners.my_organizations(g.catalog, actor),
        errors=password_errors or {},
    )


@bp.get("/account")
@login_required
def show():
    return render_account()


def _render_tokens(new_token: str | None = None, errors: dict | None = None) -> str:
    return render_template(
        "account/tokens.html",
        tokens=tokens.list_tokens(g.catalog, current_actor()),
        new_token=new_token,
        errors=errors or {},
    )


@bp.get("/account/tokens")
@login_required
def token_list():
    return _render_tokens()


@bp.post("/account/tokens")
@login_required
def create_token():
    name = request.form.get("name", "").strip()
    if not name:
        return _render_tokens(errors={"name": [_("Give the token a name.")]}), 422
    plain, _tok = tokens.create_token(g.catalog, current_actor(), name)
    resp = _render_tokens(new_token=plain)
    return resp, 201, {"Cache-Control": "no-store"}


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    tokens.revoke_token(g.catalog, current_actor(), token_id)
    flash_message(_("The token was revoked: it no longer works."), "success")
    return redirect(url_for("account.token_list"))
