"""One table from the errors the services raise to HTTP, and one renderer per surface.

``DOMAIN_ERRORS`` maps each domain error class to its HTTP status and error name; views let
these errors propagate and the handlers registered here (``register_error_handlers``, once,
in the app factory) answer in the shape of the surface the request came in on:

* HTML pages: ``error.html`` in the page's language;
* the JSON API ``/api/v1`` (and any other ``/api/`` path): ``{"error": {"code", "message",
  "fields"?}}`` with field errors in the caller's language;
* the CKAN Action API ``/api/3``: CKAN's envelope ``{"help", "success": false, "error":
  {"__type", "message"}}`` with CKAN's status codes.

Refused permission, a missing page, a form sent without its CSRF token and a request body
over the size limit (HTTP errors raised by Flask or ``abort``) go through the same renderers.
"""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from catalog.errors import CatalogError, Conflict, NotFound, PermissionDenied, ValidationFailed
from catalog.search import BadQuery, SearchUnavailable
from web.apiauth import Unauthenticated
from web.i18n import filesize

# domain error class -> (HTTP status, error name); the most specific class of an error wins
DOMAIN_ERRORS: dict[type[Exception], tuple[int, str]] = {
    ValidationFailed: (422, "invalid"),
    Unauthenticated: (401, "unauthenticated"),
    PermissionDenied: (403, "forbidden"),
    NotFound: (404, "not_found"),
    Conflict: (409, "conflict"),
    BadQuery: (400, "bad_request"),
    SearchUnavailable: (503, "search_unavailable"),
    CatalogError: (400, "error"),  # other service errors: their own ``status``
}
# names of HTTP errors that are not domain errors (abort(), routing, size limit)
HTTP_NAMES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
}

# CKAN's answer per error name: (status, __type, message template)
CKAN_ERRORS = {
    "not_found": (404, "Not Found Error", "Not found"),
    "forbidden": (403, "Authorization Error", "Access denied: {}"),
    "unauthenticated": (403, "Authorization Error", "Access denied: {}"),
    "invalid": (409, "Validation Error", "{}"),
    "bad_request": (400, "Bad Request", "Bad request - {}"),
    "search_unavailable": (503, "Search Error", "Search error: {}"),
}


def classify(exc: Exception) -> tuple[int, str]:
    """(HTTP status, error name) of a domain error, from ``DOMAIN_ERRORS``."""
    for cls in type(exc).__mro__:
        if cls in DOMAIN_ERRORS:
            status, name = DOMAIN_ERRORS[cls]
            if cls is CatalogError:
                status = getattr(exc, "status", status)
            return status, name
    return 500, "error"


def api_language() -> str:
    """Language of API messages: ?lang=, else the Accept-Language header, else Chinese."""
    wanted = request.args.get("lang")
    if wanted in ("zh", "en"):
        return wanted
    if request.headers.get("Accept-Language"):
        return request.accept_languages.best_match(["zh", "en"]) or "zh"
    return "zh"


# -- renderers, one per surface ------------------------------------------------------------
def error_response(status: int, code: str, message: str, fields: dict | None = None):
    """The JSON API's error shape."""
    error: dict[str, object] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    resp = jsonify({"error": error})
    resp.status_code = status
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return resp


def ckan_error_response(status: int, error: dict):
    """CKAN's failure envelope for the action being called."""
    from web.ckan_api import failure

    return failure((request.view_args or {}).get("action", ""), status, error)


def page_response(status: int, message: str, detail: str | None = None):
    """``error.html`` in the page's language."""
    return render_template("error.html", code=status, message=message, detail=detail), status


def _page_message(status: int) -> str:
    if status == 403:
        return _("You are not allowed to do this.")
    if status == 404:
        return _("Page not found")
    if status == 503:
        return _("The dataset list is temporarily unavailable.")
    return _("This is not possible in the record's present state.")


def _surface() -> str:
    if request.blueprint == "ckan_api":
        return "ckan"
    if request.path.startswith("/api/"):
        return "api"
    return "html"


def _domain_error(exc: Exception):
    status, name = classify(exc)
    surface = _surface()
    if surface == "ckan":
        if name in CKAN_ERRORS:
            status, kind, template = CKAN_ERRORS[name]
        else:
            kind, template = "Error", "{}"
        error: dict = {"__type": kind, "message": template.format(exc)}
        if isinstance(exc, ValidationFailed):
            error.update(exc.messages)
        return ckan_error_response(status, error)
    if surface == "api":
        if isinstance(exc, ValidationFailed):
            return error_response(status, name, "invalid input", exc.localized(api_language()))
        return error_response(status, name, str(exc))
    detail = None if status in (403, 404) else str(exc) or None
    return page_response(status, _page_message(status), detail)


def _http_error(status: int, message: str, api_message: str | None = None):
    if _surface() == "html":
        return page_response(status, message)
    return error_response(status, HTTP_NAMES.get(status, "error"), api_message or message)


def register_error_handlers(app: Flask) -> None:
    for cls in DOMAIN_ERRORS:
        app.register_error_handler(cls, _domain_error)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return _http_error(
            400,
            _(
                "The form could not be accepted: it has expired or did not come from this "
                "site. Go back, reload the page and send it again."
            ),
        )

    @app.errorhandler(403)
    def _forbidden(exc: HTTPException):
        return _http_error(403, _("You are not allowed to do this."))

    @app.errorhandler(404)
    def _missing(exc: HTTPException):
        return _http_error(404, _("Page not found"), "no such resource")

    @app.errorhandler(413)
    def _too_large(exc: HTTPException):
        limit = filesize(current_app.extensions["catalog"].settings.upload_max_bytes)
        return _http_error(
            413, _("The upload is too large: each file may be at most %(limit)s.", limit=limit)
        )
