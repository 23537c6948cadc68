"""JSON API under /api/v1: search and show datasets (the full API has its own issue)."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request, url_for

from catalog.errors import CatalogError, NotFound, ValidationFailed
from catalog.search import BadQuery, SearchUnavailable
from catalog.services import datasets as dataset_service
from catalog.services.authz import ANONYMOUS
from web.searchargs import query_from_args

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    resp = jsonify(body)
    resp.status_code = status
    return resp


@bp.errorhandler(BadQuery)
def _bad_query(exc: BadQuery):
    return error_response(400, "bad_request", str(exc))


@bp.errorhandler(SearchUnavailable)
def _unavailable(exc: SearchUnavailable):
    return error_response(503, "search_unavailable", str(exc))


@bp.errorhandler(CatalogError)
def _catalog_error(exc: CatalogError):
    if isinstance(exc, ValidationFailed):
        return error_response(422, "invalid", "invalid input", exc.localized(_lang()))
    return error_response(exc.status, type(exc).__name__.lower(), str(exc))


def _lang() -> str:
    return "en" if request.args.get("lang") == "en" else "zh"


def _links(query, total: int) -> dict:
    args = request.args.to_dict(flat=False)
    last = max(1, -(-total // query.page_size))

    def page(n: int) -> str:
        return url_for("api.search_datasets", **{**args, "page": n}, _external=False)

    links = {"self": page(query.page), "first": page(1), "last": page(last)}
    if query.page > 1:
        links["prev"] = page(query.page - 1)
    if query.page < last:
        links["next"] = page(query.page + 1)
    return links


@bp.get("/datasets")
def search_datasets():
    query = query_from_args(request.args, g.catalog.settings.page_size)
    res = g.catalog.search.search(query)
    return jsonify(
        total=res.total,
        page=res.page,
        page_size=res.page_size,
        results=[{**h.doc, "score": h.score, "snippets": h.snippets} for h in res.hits],
        facets={
            f: [{"value": v, "count": n} for v, n in buckets] for f, buckets in res.facets.items()
        },
        links=_links(query, res.total),
    )


@bp.get("/datasets/<ref>")
def show_dataset(ref: str):
    try:
        ds = dataset_service.get_dataset(g.catalog, ANONYMOUS, ref)
    except NotFound:
        return error_response(404, "not_found", f"dataset {ref!r} not found")
    data = dataset_service.snapshot(ds)
    visible = {d.id for d in dataset_service.visible_distributions(ANONYMOUS, ds)}
    data["distributions"] = [d for d in data["distributions"] if d["id"] in visible]
    for key in ("created_by", "updated_by", "content_hash", "field_provenance"):
        data.pop(key, None)
    data["organization"] = (
        {
            "name": ds.organization.name,
            "title": ds.organization.title,
            "title_en": ds.organization.title_en,
        }
        if ds.organization
        else None
    )
    return jsonify(data)
