"""Liveness for orchestrators: the process answers and can reach its database.

Search health is reported but does not fail the check: a search engine that is down makes
pages show a notice, and restarting the app would not bring it back.
"""

from __future__ import annotations

from flask import Blueprint, g, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        with g.catalog.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError as exc:
        database = f"error: {type(exc).__name__}"
    search = g.catalog.search.health()
    body = {
        "status": "ok" if database == "ok" else "error",
        "database": database,
        "search": {"ok": bool(search.get("ok")), "backend": search.get("backend")},
    }
    resp = jsonify(body)
    resp.status_code = 200 if database == "ok" else 503
    return resp
