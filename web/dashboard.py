"""The bureau's dashboard: counts and server-drawn charts (inline SVG, nothing loaded from
elsewhere), the review backlog with its age, harvest jobs, quality by publisher."""

from __future__ import annotations

from flask import Blueprint, g, render_template

from catalog.services import access, dashboard
from web.logins import curator_required, current_actor

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
@curator_required
def show():
    actor = current_actor()
    return render_template(
        "dashboard/show.html",
        d=dashboard.build(g.catalog, actor),
        matchmaking=access.matchmaking(g.catalog, actor),
    )
