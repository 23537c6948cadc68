"""Protections every response carries, whatever blueprint made it: a content security policy
without inline script, no framing by other sites, no MIME sniffing, a referrer policy, secure
cookies and HSTS behind HTTPS, and path ids bounded so a huge number is a 404, not a 500."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.routing import IntegerConverter

if TYPE_CHECKING:
    from flask import Flask, Response

    from catalog.config import Settings

# The pages load their stylesheet and images from this site only and run no script; JSON-LD
# data blocks are not executed, so they need no exception.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"
# the largest id the databases store (a signed 64-bit integer)
MAX_ID = 2**63 - 1


class BoundedIntegerConverter(IntegerConverter):
    """``<int:…>`` that does not match past a 64-bit id, so the route answers 404."""

    def __init__(self, map, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def register_security(app: Flask, settings: Settings) -> None:
    app.url_map.converters["int"] = BoundedIntegerConverter
    secure = settings.session_cookie_secure
    app.config.update(SESSION_COOKIE_SECURE=secure, REMEMBER_COOKIE_SECURE=secure)

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if secure:
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response
