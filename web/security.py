"""Protections every response carries, whatever blueprint made it: a content security policy
without inline script, no framing by other sites, no MIME sniffing, a referrer policy, secure
cookies and HSTS behind HTTPS, path ids bounded so a huge number is a 404, not a 500, and
JSON bodies bounded in depth so 10,000 nested arrays are a 400, not a RecursionError."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from catalog.db import MAX_INT

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
MAX_ID = MAX_INT
# the deepest nesting of arrays and objects a request body may have; a dataset record needs 4
MAX_JSON_DEPTH = 32
# a JSON string (skipped: brackets inside it do not nest) or a bracket
_JSON_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


class JSONTooDeep(ValueError):
    """A JSON document nested deeper than :data:`MAX_JSON_DEPTH` (a ``ValueError``, so
    Flask treats it as a body that does not decode)."""

    def __init__(self, limit: int = MAX_JSON_DEPTH) -> None:
        super().__init__(f"the JSON body is nested more than {limit} levels deep")
        self.limit = limit


def json_depth(data: bytes | str, stop_after: int = MAX_JSON_DEPTH) -> int:
    """How deeply ``data`` nests arrays and objects, counted without decoding it (no
    recursion, so any depth is safe to measure); stops counting past ``stop_after``."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    depth = deepest = 0
    for m in _JSON_TOKENS.finditer(raw):
        ch = m.group()
        if ch in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_after:
                    break
        elif ch in (b"]", b"}"):
            depth -= 1
    return deepest


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, but a body nested past :data:`MAX_JSON_DEPTH` is refused before it is
    decoded, on every surface that reads ``request.get_json()`` (the JSON API, the CKAN
    API); ``json.loads`` would otherwise raise ``RecursionError`` (a 500) past ~1,000."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if json_depth(s) > MAX_JSON_DEPTH:
            raise JSONTooDeep()
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise JSONTooDeep() from None


class BoundedIntegerConverter(IntegerConverter):
    """``<int:…>`` that does not match past a 64-bit id, nor digits other than 0-9 (``１２``
    would be read as 12), so the route answers 404."""

    regex = r"[0-9]+"

    def __init__(self, map, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def register_security(app: Flask, settings: Settings) -> None:
    app.url_map.converters["int"] = BoundedIntegerConverter
    bounded = BoundedJSONProvider(app)
    for option in ("ensure_ascii", "sort_keys", "compact", "mimetype"):
        setattr(bounded, option, getattr(app.json, option, getattr(bounded, option)))
    app.json = bounded
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
