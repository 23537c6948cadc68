"""Static files with fingerprints: cached by browsers for a year, never stale (issue 17).

``url_for('static', filename=…)`` gains ``?v=<first 12 hex of the file's sha256>``; a
request that carries the file's current fingerprint is answered with
``Cache-Control: public, max-age=31536000, immutable``, so a browser asks for the style
sheet and scripts once, not on every page. A changed file gets a new fingerprint, hence a
new address, so nobody keeps an old copy. A request without a fingerprint, or with an old
one, is answered as before (revalidated each time).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, Response, request

YEAR = 365 * 24 * 3600
_seen: dict[tuple[str, int, int], str] = {}


def fingerprint(path: Path) -> str | None:
    """The file's short content hash, recomputed only when its size or mtime changes."""
    try:
        st = path.stat()
    except OSError:
        return None
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _seen:
        _seen[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return _seen[key]


def register_static_assets(app: Flask) -> None:
    folder = Path(app.static_folder or "")

    @app.url_defaults
    def _add_fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            v = fingerprint(folder / values["filename"])
            if v:
                values["v"] = v

    @app.after_request
    def _cache_fingerprinted(resp: Response) -> Response:
        if request.endpoint != "static" or resp.status_code != 200:
            return resp
        name = (request.view_args or {}).get("filename", "")
        v = request.args.get("v")
        if v and v == fingerprint(folder / name):
            resp.cache_control.public = True
            resp.cache_control.max_age = YEAR
            resp.cache_control.immutable = True
            resp.cache_control.no_cache = None
        return resp
