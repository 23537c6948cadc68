"""Search analytics for the bureau (issue 16, item 1): searches and zero-result searches per
week as server-drawn bars (inline SVG, no script), the top, zero-result and low-result
queries of each week, and a CSV export. The numbers come from
``catalog.services.search_analytics``."""

from __future__ import annotations

from flask import Blueprint, Response, g, render_template, request

from catalog.services import search_analytics
from web.logins import curator_required, current_actor

bp = Blueprint("search_insights", __name__, url_prefix="/curation/search-analytics")


def _weeks(default: int) -> int:
    try:
        return min(104, max(1, int(request.args.get("weeks") or default)))
    except ValueError:
        return default


@bp.get("")
@curator_required
def show():
    weeks = _weeks(8)
    rows = search_analytics.weekly(g.catalog, current_actor(), weeks)
    return render_template("curation/search_analytics.html", rows=rows, weeks=weeks)


@bp.get("/export.csv")
@curator_required
def export():
    body = search_analytics.csv_export(g.catalog, current_actor(), _weeks(52))
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=search-analytics.csv"},
    )
