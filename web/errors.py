"""Error pages in the page's language: refused permission, a missing record, a form sent
without its CSRF token, a request body over the size limit, an action the record's state
does not allow. The JSON APIs keep their own error shape."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from catalog.errors import Conflict, NotFound, PermissionDenied
from web.i18n import filesize


def _page(code: int, message: str, detail: str | None = None):
    if request.path.startswith("/api/"):
        from web.api import error_response

        names = {400: "bad_request", 403: "forbidden", 404: "not_found", 409: "conflict"}
        return error_response(code, names.get(code, "error"), detail or message)
    return render_template("error.html", code=code, message=message, detail=detail), code


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return _page(
            400,
            _(
                "The form could not be accepted: it has expired or did not come from this "
                "site. Go back, reload the page and send it again."
            ),
        )

    @app.errorhandler(403)
    @app.errorhandler(PermissionDenied)
    def _forbidden(exc: Exception):
        return _page(403, _("You are not allowed to do this."))

    @app.errorhandler(NotFound)
    def _missing(exc: NotFound):
        return _page(404, _("Page not found"))

    @app.errorhandler(Conflict)
    def _conflict(exc: Conflict):
        return _page(409, _("This is not possible in the record's present state."), detail=str(exc))

    @app.errorhandler(413)
    def _too_large(exc: Exception):
        limit = filesize(current_app.extensions["catalog"].settings.upload_max_bytes)
        return _page(
            413, _("The upload is too large: each file may be at most %(limit)s.", limit=limit)
        )
