"""Conditional GETs: every read carries an ETag and, where one is known, Last-Modified.

The ETag is a hash of the body, so it is right whatever produced the body (the caller's
permissions, language, paging); a client that sends it back in ``If-None-Match`` gets a
304 without the body. Werkzeug's ``make_conditional`` does the comparison (If-None-Match
wins over If-Modified-Since, as RFC 9110 says).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from flask import Response, current_app, request


def _utc(when: datetime | None) -> datetime | None:
    if when is None:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def conditional(
    body: bytes,
    mimetype: str,
    last_modified: datetime | None = None,
    *,
    max_age: int = 0,
) -> Response:
    resp = Response(body, mimetype=mimetype)
    resp.set_etag(hashlib.sha256(body).hexdigest()[:40])
    if last_modified is not None:
        resp.last_modified = _utc(last_modified)
    resp.cache_control.public = max_age > 0
    resp.cache_control.max_age = max_age
    resp.vary.update(("Authorization", "Accept-Language"))
    resp.make_conditional(request)  # answers 304 / 412 in place
    return resp


def conditional_json(payload: object, last_modified: datetime | None = None) -> Response:
    body = current_app.json.dumps(payload).encode("utf-8")
    return conditional(body, "application/json", last_modified)
