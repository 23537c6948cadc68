"""Liveness for orchestrators: the process answers and can reach its database.

Search health is reported but does not fail the check: a search engine that is down makes
pages show a notice, and restarting the app would not bring it back. It says whether the
index lags the store: the published datasets it lacks and the changes queued for it.
"""

from __future__ import annotations

from flask import Blueprint, g, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from catalog.services.indexing import index_status

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        with g.catalog.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError as exc:
        database = f"error: {type(exc).__name__}"
    search: dict = {"ok": False, "backend": None}
    if database == "ok":
        try:
            status = index_status(g.catalog)
            search = {
                "ok": bool(status.get("ok")),
                "backend": status.get("backend"),
                "state": status["state"],
                "missing": status["missing"],
                "queued": status["queued"],
            }
        except SQLAlchemyError as exc:
            database = f"error: {type(exc).__name__}"
    else:
        health = g.catalog.search.health()
        search = {"ok": bool(health.get("ok")), "backend": health.get("backend")}
    body = {
        "status": "ok" if database == "ok" else "error",
        "database": database,
        "search": search,
    }
    resp = jsonify(body)
    resp.status_code = 200 if database == "ok" else 503
    return resp
