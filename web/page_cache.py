"""Rendered public pages kept for anonymous visitors, per catalog state and language (issue 17,
item 5: HTML pages p95 < 50 ms for 16 concurrent clients on two cores).

Under a closed loop of 16 clients on two cores a page may cost a few milliseconds of CPU;
rendering the search or dataset page costs tens (the search, then Jinja). Most readers are
anonymous and read the same pages, whose body only changes when the catalog does, so each
web process keeps the bodies it rendered for anonymous GETs of the pages in
``CACHED_ENDPOINTS`` in memory (``page_cache_mb``, ``CATALOG_PAGE_CACHE_MB``; 0 turns it off),
keyed by host, path with query, language and the catalog's state.

The catalog's state (:func:`catalog_state`) is one query: the newest audit event (every
change of a dataset, organization, open list, request or result writes one in the same
transaction) and whether index changes still wait in the outbox. While they wait the search
index is behind the database, so every page is rendered and none kept; once the outbox is empty the index holds
everything the audit stamp covers. A save therefore makes the next anonymous read, in any
process, render again. Changes that leave no audit event (link-check results, the "updated
this week" windows moving with the clock) are bounded by ``MAX_AGE_SECONDS``.

What is never kept or served from here: anything for a signed-in person (a session with a
user, a remember-me cookie, an ``Authorization`` header), a visitor with flash messages
waiting, a page whose rendering wrote into the session or made a CSRF token (per-person
content), any answer but 200. Anonymous visitors never see restricted links (the services
hide them from ``ANONYMOUS``), so a kept page holds none. A kept search page records its
search in the search analytics again on every read, as a rendered one does.

Every anonymous page of these endpoints, kept or not, carries an ETag (a hash of its body)
and ``Cache-Control: no-cache``: a browser revalidates and gets a 304 without the body.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request, session
from flask_babel import get_locale
from sqlalchemy import exists, func, select
from sqlalchemy.exc import SQLAlchemyError

from catalog.context import Catalog
from catalog.models import AuditEvent, IndexOutbox

# pages whose anonymous body depends only on the address, the language and the catalog
CACHED_ENDPOINTS = frozenset(
    {
        "pages.home",
        "pages.search",
        "pages.dataset",
        "partners.organizations",
        "partners.organization",
        "partners.partner_list",
        "openlist.public",
        "openlist.version",
    }
)
# the longest a kept page is served, for changes no audit event records
MAX_AGE_SECONDS = 60
_MB = 1024 * 1024


@dataclass
class Kept:
    body: bytes
    mimetype: str
    etag: str
    stored_at: float
    on_read: Callable[[], None] | None = None


class PageStore:
    """Bodies by key, least recently used dropped first past ``budget`` bytes."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self._items: OrderedDict[tuple, Kept] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Kept | None:
        with self._lock:
            kept = self._items.get(key)
            if kept is None:
                return None
            if time.monotonic() - kept.stored_at > MAX_AGE_SECONDS:
                self._drop(key)
                return None
            self._items.move_to_end(key)
            return kept

    def put(self, key: tuple, kept: Kept) -> None:
        if len(kept.body) > self.budget // 4:
            return
        with self._lock:
            if key in self._items:
                self._drop(key)
            self._items[key] = kept
            self.size += len(kept.body)
            while self.size > self.budget and self._items:
                self._drop(next(iter(self._items)))

    def _drop(self, key: tuple) -> None:
        self.size -= len(self._items.pop(key).body)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.size = 0


# both answered from the primary keys' indexes, whatever the size of the tables
_STATE = select(
    select(func.max(AuditEvent.id)).scalar_subquery(),
    exists().where(IndexOutbox.id.isnot(None)),
)


def catalog_state(cat: Catalog) -> tuple[int, bool]:
    """(newest audit event id, whether index changes wait): one query on a pooled connection
    (without an ORM session: it is paid on every anonymous page read)."""
    with cat.engine.connect() as conn:
        newest, waiting = conn.execute(_STATE).one()
    return (newest or 0, bool(waiting))


def _anonymous() -> bool:
    """No person behind this request, decided without loading anyone from the database."""
    if "_user_id" in session or "_flashes" in session or "Authorization" in request.headers:
        return False
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return remember not in request.cookies


def _eligible() -> bool:
    return (
        request.method in ("GET", "HEAD") and request.endpoint in CACHED_ENDPOINTS and _anonymous()
    )


def skip() -> None:
    """Keep nothing of this response: it shows a passing state (the search index
    unavailable) that must not outlive the repair, which no audit event marks."""
    g.page_cache_skip = True


def on_read(replay: Callable[[], None]) -> None:
    """What a view wants done on every read of its kept page too (e.g. record a search)."""
    g.page_cache_on_read = replay


def _etag(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def _revalidate(resp: Response, etag: str) -> Response:
    resp.set_etag(etag)
    resp.cache_control.no_cache = True
    resp.cache_control.private = True
    resp.make_conditional(request)
    return resp


def register_page_cache(app: Flask, cat: Catalog) -> None:
    """Wire the cache into ``app``; call after the hooks that set the language and user."""
    store = PageStore(int(cat.settings.page_cache_mb) * _MB)
    app.extensions["page_cache"] = store
    enabled = store.budget > 0

    @app.before_request
    def _serve_kept() -> Response | None:
        if not _eligible():
            return None
        g.page_cache_session = dict(session)
        if not enabled:
            return None
        try:
            newest, waiting = catalog_state(cat)
        except SQLAlchemyError as exc:  # the cache costs speed when it fails, never the page
            current_app.logger.warning("page cache skipped: %s", exc)
            return None
        if waiting:  # the index is behind the database: render from both, keep nothing
            return None
        key = (request.host, request.full_path, str(get_locale()), newest)
        g.page_cache_key = key
        kept = store.get(key)
        if kept is None:
            return None
        if kept.on_read is not None:
            kept.on_read()
        g.page_cache_hit = True
        return _revalidate(Response(kept.body, mimetype=kept.mimetype), kept.etag)

    @app.after_request
    def _keep(resp: Response) -> Response:
        if "page_cache_session" not in g or g.get("page_cache_hit"):
            return resp
        if resp.status_code != 200 or resp.is_streamed:
            return resp
        body = resp.get_data()
        etag = _etag(body)
        key = g.get("page_cache_key")
        person = g.get("_login_user")
        per_person = (
            dict(session) != g.page_cache_session
            or "csrf_token" in g
            or (person is not None and person.is_authenticated)
        )
        if key is not None and not per_person and not g.get("page_cache_skip"):
            store.put(
                key,
                Kept(
                    body,
                    resp.mimetype or "text/html",
                    etag,
                    time.monotonic(),
                    g.get("page_cache_on_read"),
                ),
            )
        if per_person:
            return resp
        return _revalidate(resp, etag)
