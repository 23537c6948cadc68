"""Follow buttons, saved searches, the notice list and the one-click unsubscribe (issue 16,
item 3). The rules are ``catalog.services.follows`` and ``notifications``; these views turn
forms (CSRF-checked like every form) into calls."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask import flash as flash_message
from flask_babel import gettext as _
from flask_login import login_required

from catalog.search import FACETS
from catalog.services import follows as service
from catalog.services import notifications
from web.forms import safe_next
from web.logins import current_actor

bp = Blueprint("follows", __name__)


@bp.app_context_processor
def _following() -> dict:
    """``following(kind, target_id)`` for the follow buttons (``_follow.html``)."""

    def following(kind: str, target_id: str):
        return service.following(g.catalog, current_actor(), kind, target_id)

    return {"following": following}


def _back(default: str) -> str:
    """The page the button was on (``next``), if it is a path of this site."""
    return safe_next(request.form.get("next"), default)


@bp.post("/follow/<kind>/<path:ref>")
@login_required
def follow(kind: str, ref: str):
    if kind not in ("dataset", "organization", "data_request"):
        abort(404)
    service.follow(g.catalog, current_actor(), kind, ref)
    flash_message(_("Followed: you will be told of changes."), "success")
    return redirect(_back("follows.notices"))


@bp.post("/unfollow/<int:fid>")
@login_required
def unfollow(fid: int):
    service.unfollow(g.catalog, current_actor(), fid)
    flash_message(_("You no longer follow this."), "success")
    return redirect(_back("follows.notices"))


@bp.post("/search/save")
@login_required
def save_search():
    filters = {f: request.form.getlist(f) for f in FACETS if request.form.getlist(f)}
    service.save_search(g.catalog, current_actor(), request.form.get("q", ""), filters)
    flash_message(_("Search saved: you will be told of new datasets matching it."), "success")
    return redirect(_back("follows.notices"))


@bp.get("/account/notices")
@login_required
def notices():
    actor = current_actor()
    return render_template(
        "account/notices.html",
        notices=notifications.list_notices(g.catalog, actor),
        follows=service.my_follows(g.catalog, actor),
        stopped=notifications.mails_stopped(g.catalog, actor),
        kinds=notifications.KINDS,
    )


@bp.post("/account/notices/read")
@login_required
def mark_read():
    notifications.mark_read(g.catalog, current_actor())
    return redirect(url_for("follows.notices"))


@bp.post("/account/notices/resume")
@login_required
def resume():
    notifications.resume_mail(g.catalog, current_actor())
    flash_message(_("Notice e-mails are on again."), "success")
    return redirect(url_for("follows.notices"))


@bp.get("/notices/unsubscribe/<token>")
def unsubscribe(token: str):
    """The digest's one-click link: no sign-in, the signed token names the user."""
    done = notifications.unsubscribe(g.catalog, token)
    return render_template("account/unsubscribed.html", done=done), (200 if done else 400)
