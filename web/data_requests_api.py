"""JSON API of data requests (issue 16): ``/api/v1/data-requests`` (list, filters ``state``
and ``scenario``, the API's pagination shape) and ``/api/v1/data-requests/<id>``. Reads
only; the caller is resolved from a personal token when one is sent, so a requester sees
their private requests and contact, and curators see every request."""

from __future__ import annotations

from flask import Blueprint, g, request

from catalog.services import data_requests as service
from web.api import _paged, _paging
from web.api_json import api_json
from web.apiauth import api_actor

bp = Blueprint("data_requests_api", __name__, url_prefix="/api/v1/data-requests")


@bp.get("")
def list_data_requests():
    actor = api_actor()
    page, page_size = _paging()
    total, rows = service.list_requests(
        g.catalog,
        actor,
        state=request.args.get("state") or None,
        scenario=request.args.get("scenario") or None,
        offset=(page - 1) * page_size,
        limit=page_size,
    )
    results = [service.record(v) for v in rows]
    return api_json(_paged("data_requests_api.list_data_requests", total, results, page, page_size))


@bp.get("/<int:request_id>")
def show_data_request(request_id: int):
    view = service.get_request(g.catalog, api_actor(), request_id)
    return api_json(service.record(view), view.req.updated_at)
