"""Rendered public pages kept for anonymous visitors, per catalog state and language (issue 17,
item 5: HTML pages p95 < 50 ms for 16 concurrent clients on two cores).

Under a closed loop of 16 clients on two cores a page may cost a few milliseconds of CPU;
rendering the search or dataset page costs tens (the search, then Jinja). Most readers are
anonymous and read the same pages, whose body only changes when the catalog does, so the
bodies rendered for anonymous GETs of the pages in ``CACHED_ENDPOINTS`` are kept, keyed by
scheme, host, path, query, language and the catalog's state, in two tiers:

* each web process's memory (``page_cache_mb``, ``CATALOG_PAGE_CACHE_MB``; 0 turns the whole
  cache off), least recently used dropped first;
* a folder shared by every web process of the instance, ``<instance>/cache/pages/<state>/``
  (``page_cache_shared_mb``, ``CATALOG_PAGE_CACHE_SHARED_MB``; 0: memory only): gunicorn's
  workers each used to render every page once for themselves, and with thousands of dataset
  pages read by popularity most reads of a page were some worker's first. A file is written
  whole or not at all (a temporary file, then ``os.replace``); a new state's folder removes
  older ones. Pages whose reads must do something (a search page records its search) stay in
  memory: what to replay cannot be written to a file.

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

A kept page is answered by :class:`KeptPages`, a WSGI middleware in front of Flask, with the
least work: the address matched against the URL map, the session cookie's signature checked
(to see that nobody is signed in and which language it asks for), the state read, the body
and the headers the rendered page had sent (security headers included, its cookies not)
written back. A request it cannot answer that simply -- one that changes the language and so
the session cookie, a miss -- goes to Flask, whose hooks below serve or keep it as before.

Every anonymous page of these endpoints, kept or not, carries an ETag (a hash of its body)
and ``Cache-Control: no-cache``: a browser revalidates and gets a 304 without the body.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask, Response, current_app, g, request, session
from flask_babel import get_locale
from sqlalchemy import exists, func, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_cookie, parse_etags
from werkzeug.routing import RequestRedirect

from catalog.context import Catalog
from catalog.models import AuditEvent, IndexOutbox

# the app's logger's child: SharedPages also writes from the WSGI middleware, after Flask's
# app context has ended
log = logging.getLogger(__name__)

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
# headers of a rendered page not written back with its kept copy: the visitor's cookie,
# and what the server sets per answer
_NOT_KEPT = frozenset({"set-cookie", "content-length", "date", "server"})
# what a 304 leaves out (RFC 9110: no content, so no content headers)
_NOT_IN_304 = frozenset({"content-type", "content-length"})
# what Flask-Login writes into an anonymous visitor's session (its session protection marks
# a session without a login identifier not fresh): nothing of a person, so a page whose
# rendering only added it is kept. A client that never stores the cookie it is sent (a
# crawler with a language cookie) would otherwise have every page rendered, never kept.
_BOOKKEEPING = frozenset({"_fresh"})
# environ keys the middleware and the Flask hooks pass each other
_STATE = "catalog.page_cache.state"
_PENDING = "catalog.page_cache.pending"


@dataclass
class Kept:
    body: bytes
    headers: list[tuple[str, str]]  # as the rendered page sent them (ETag included)
    etag: str
    stored_at: float  # time.time(): compared across processes
    on_read: Callable[[], None] | None = None


@dataclass
class Counts:
    """What the cache did in this process (bench and tests read them)."""

    fast: int = 0  # kept pages answered before Flask
    flask: int = 0  # kept pages answered by the Flask hook (e.g. a language switch)
    shared: int = 0  # of those, read from the shared folder
    kept: int = 0  # rendered pages kept
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + 1)


class PageStore:
    """Bodies by key in this process, least recently used dropped first past ``budget``."""

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
            if time.time() - kept.stored_at > MAX_AGE_SECONDS:
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

    def bodies(self) -> list[bytes]:
        with self._lock:
            return [k.body for k in self._items.values()]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.size = 0


class SharedPages:
    """Bodies by key in ``root/<state>/``, shared by the web processes of one instance.

    A file holds one line of JSON (ETag, headers, time stored) and then the body. The size
    is bounded roughly: each process counts what it wrote on top of the folder's size, read
    again every ``RECOUNT_SECONDS``, and writes nothing past ``budget``."""

    RECOUNT_SECONDS = 10.0

    def __init__(self, root: Path, budget: int) -> None:
        self.root = root
        self.budget = budget
        self._lock = threading.Lock()
        self._counted: tuple[int, float, int] = (-1, 0.0, 0)  # state, when, bytes

    @staticmethod
    def _name(key: tuple) -> str:
        return hashlib.sha256("\x1f".join(key).encode("utf-8", "surrogatepass")).hexdigest()[:40]

    def get(self, state: int, key: tuple) -> Kept | None:
        try:
            raw = (self.root / str(state) / self._name(key)).read_bytes()
        except OSError:  # not there (or removed by a newer state meanwhile)
            return None
        head, sep, body = raw.partition(b"\n")
        try:
            meta = json.loads(head)
        except ValueError:
            return None
        if not sep or time.time() - meta["at"] > MAX_AGE_SECONDS:
            return None
        return Kept(body, [tuple(h) for h in meta["headers"]], meta["etag"], meta["at"])

    def _room(self, state: int, folder: Path, size: int) -> bool:
        with self._lock:
            counted_state, when, used = self._counted
            now = time.monotonic()
            if counted_state != state or now - when > self.RECOUNT_SECONDS:
                used, when = _folder_size(folder), now
            if used + size > self.budget:
                self._counted = (state, when, used)
                return False
            self._counted = (state, when, used + size)
            return True

    def put(self, state: int, key: tuple, kept: Kept) -> None:
        folder = self.root / str(state)
        head = json.dumps({"etag": kept.etag, "headers": kept.headers, "at": kept.stored_at})
        data = head.encode("utf-8") + b"\n" + kept.body
        try:
            if not folder.is_dir():
                folder.mkdir(parents=True, exist_ok=True)
                _drop_older_states(self.root, state)
            if not self._room(state, folder, len(data)):
                return
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, folder / self._name(key))
        except FileNotFoundError:  # a newer state dropped this one's folder meanwhile
            return
        except OSError as exc:  # a full or read-only disk costs speed, never the page
            log.warning("shared page cache not written: %s", exc)


def _folder_size(folder: Path) -> int:
    total = 0
    try:
        with os.scandir(folder) as it:
            for entry in it:
                try:
                    total += entry.stat().st_size
                except OSError:
                    continue
    except OSError:
        return 0
    return total


def _drop_older_states(root: Path, state: int) -> None:
    """Folders of earlier states are never read again (the state only grows); a process
    that still renders for an older one may write there once more, harmlessly."""
    for entry in root.iterdir():
        if entry.is_dir() and entry.name.isdigit() and int(entry.name) < state:
            shutil.rmtree(entry, ignore_errors=True)


# both answered from the primary keys' indexes, whatever the size of the tables
_STATE_QUERY = select(
    select(func.max(AuditEvent.id)).scalar_subquery(),
    exists().where(IndexOutbox.id.isnot(None)),
)


def catalog_state(cat: Catalog) -> tuple[int, bool]:
    """(newest audit event id, whether index changes wait): one query on a pooled connection
    (without an ORM session: it is paid on every anonymous page read) of the read-only
    engine: on SQLite a plain connection begins ``IMMEDIATE``, so every page read took the
    database's write lock, and two readers at once (any two threads of any two workers) had
    the second sleep in SQLite's busy handler (1 ms, then 2, then 5 ...)."""
    with cat.read_engine.connect() as conn:
        newest, waiting = conn.execute(_STATE_QUERY).one()
    return (newest or 0, bool(waiting))


def page_key(environ: dict, locale: str) -> tuple[str, ...]:
    """What a kept page is found by, besides the state: the same for the middleware and
    for Flask, since both read the WSGI environ."""
    return (
        environ.get("wsgi.url_scheme", "http"),
        environ.get("HTTP_HOST", ""),
        environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        locale,
    )


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


def _personal(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in _BOOKKEEPING}


def _etag(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def _revalidate(resp: Response, etag: str) -> Response:
    resp.set_etag(etag)
    resp.cache_control.no_cache = True
    resp.cache_control.private = True
    resp.make_conditional(request)
    return resp


class PageCache:
    """The two tiers, the catalog they follow and what they did."""

    def __init__(self, app: Flask, cat: Catalog) -> None:
        self.app = app
        self.cat = cat
        self.memory = PageStore(int(cat.settings.page_cache_mb) * _MB)
        self.enabled = self.memory.budget > 0
        shared_mb = int(cat.settings.page_cache_shared_mb)
        self.shared = (
            SharedPages(Path(app.instance_path) / "cache" / "pages", shared_mb * _MB)
            if self.enabled and shared_mb > 0
            else None
        )
        self.counts = Counts()

    def state(self, environ: dict) -> tuple[int, bool]:
        known = environ.get(_STATE)
        if known is None:
            known = environ[_STATE] = catalog_state(self.cat)
        return known

    def find(self, state: int, key: tuple) -> Kept | None:
        full = (*key, state)
        kept = self.memory.get(full)
        if kept is None and self.shared is not None:
            kept = self.shared.get(state, key)
            if kept is not None:
                self.counts.add("shared")
                self.memory.put(full, kept)
        return kept

    def keep(self, state: int, key: tuple, kept: Kept) -> None:
        self.memory.put((*key, state), kept)
        if self.shared is not None and kept.on_read is None:
            self.shared.put(state, key, kept)
        self.counts.add("kept")


class KeptPages:
    """WSGI middleware: answers kept pages before Flask, and keeps what Flask rendered with
    the headers it finally sent (after every ``after_request`` hook)."""

    def __init__(self, app: Flask, cache: PageCache) -> None:
        self.app = app
        self.cache = cache
        self.next = app.wsgi_app
        self.locales = tuple(cache.cat.settings.locales)
        self._serializer: Any = None

    # -- who asks -------------------------------------------------------------------------
    def _session(self, environ: dict) -> dict | None:
        """The session's data when the visitor is anonymous, else None (go to Flask)."""
        if "HTTP_AUTHORIZATION" in environ:
            return None
        cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
        config = self.app.config
        if config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies:
            return None
        raw = cookies.get(config["SESSION_COOKIE_NAME"])
        if not raw:
            return {}
        if self._serializer is None:
            self._serializer = self.app.session_interface.get_signing_serializer(self.app)  # type: ignore[attr-defined]
        try:
            data = self._serializer.loads(
                raw, max_age=int(self.app.permanent_session_lifetime.total_seconds())
            )
        except Exception:  # noqa: BLE001 -- a bad cookie: Flask decides what it means
            return None
        if not isinstance(data, dict) or "_user_id" in data or "_flashes" in data:
            return None
        return data

    def _locale(self, environ: dict, data: dict) -> str | None:
        """The language Flask would choose (``web._select_locale``), or None when the
        request changes the session's language (Flask must send the new cookie)."""
        asked = next(
            (v for k, v in parse_qsl(environ.get("QUERY_STRING", "")) if k == "lang"), None
        )
        remembered = data.get("lang")
        if asked in self.locales and asked != remembered:
            return None
        wanted = asked or remembered
        return wanted if wanted in self.locales else self.locales[0]

    def _endpoint(self, environ: dict) -> str | None:
        try:
            endpoint, _args = self.app.url_map.bind_to_environ(environ).match()
        except (HTTPException, RequestRedirect):
            return None
        return endpoint if isinstance(endpoint, str) else None

    # -- the answer -----------------------------------------------------------------------
    def answer(self, environ: dict) -> tuple[str, list[tuple[str, str]], bytes] | None:
        cache = self.cache
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return None
        if self._endpoint(environ) not in CACHED_ENDPOINTS:
            return None
        data = self._session(environ)
        if data is None:
            return None
        locale = self._locale(environ, data)
        if locale is None:
            return None
        newest, waiting = cache.state(environ)
        if waiting:
            return None
        kept = cache.find(newest, page_key(environ, locale))
        if kept is None:
            return None
        if kept.on_read is not None:
            kept.on_read()
        cache.counts.add("fast")
        cat = cache.cat
        if cat._drainer is None:  # as the app's first hook would (web/__init__.py)
            cat.start_index_drainer(cat.settings.index_drain_seconds)
        if parse_etags(environ.get("HTTP_IF_NONE_MATCH")).contains(kept.etag):
            headers = [(k, v) for k, v in kept.headers if k.lower() not in _NOT_IN_304]
            return "304 NOT MODIFIED", headers, b""
        headers = [*kept.headers, ("Content-Length", str(len(kept.body)))]
        body = b"" if environ["REQUEST_METHOD"] == "HEAD" else kept.body
        return "200 OK", headers, body

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not self.cache.enabled:
            return self.next(environ, start_response)
        try:
            answer = self.answer(environ)
        except SQLAlchemyError as exc:  # the cache costs speed when it fails, never the page
            self.app.logger.warning("page cache skipped: %s", exc)
            answer = None
        if answer is not None:
            status, headers, body = answer
            start_response(status, headers)
            return [body]
        sent: list = []

        def remember(status: str, headers: list, exc_info: Any = None) -> Callable:
            sent[:] = [status, headers]
            return start_response(status, headers, exc_info)

        result = self.next(environ, remember)
        pending = environ.pop(_PENDING, None)
        if pending is not None and sent and sent[0].startswith("200"):
            state, key, kept = pending
            kept.headers = [(k, v) for k, v in sent[1] if k.lower() not in _NOT_KEPT]
            self.cache.keep(state, key, kept)
        return result


def register_page_cache(app: Flask, cat: Catalog) -> None:
    """Wire the cache into ``app``; call after the hooks that set the language and user."""
    cache = PageCache(app, cat)
    app.extensions["page_cache"] = cache
    app.wsgi_app = KeptPages(app, cache)  # type: ignore[method-assign]

    @app.before_request
    def _serve_kept() -> Response | None:
        if not _eligible():
            return None
        g.page_cache_session = dict(session)
        if not cache.enabled:
            return None
        try:
            newest, waiting = cache.state(request.environ)
        except SQLAlchemyError as exc:  # the cache costs speed when it fails, never the page
            current_app.logger.warning("page cache skipped: %s", exc)
            return None
        if waiting:  # the index is behind the database: render from both, keep nothing
            return None
        key = page_key(request.environ, str(get_locale()))
        g.page_cache_key = (newest, key)
        kept = cache.find(newest, key)
        if kept is None:
            return None
        if kept.on_read is not None:
            kept.on_read()
        g.page_cache_hit = True
        cache.counts.add("flask")
        resp = Response(kept.body, headers=[h for h in kept.headers if h[0].lower() != "etag"])
        return _revalidate(resp, kept.etag)

    @app.after_request
    def _keep(resp: Response) -> Response:
        if "page_cache_session" not in g or g.get("page_cache_hit"):
            return resp
        if resp.status_code != 200 or resp.is_streamed:
            return resp
        body = resp.get_data()
        etag = _etag(body)
        person = g.get("_login_user")
        per_person = (
            _personal(dict(session)) != _personal(g.page_cache_session)
            or "csrf_token" in g
            or (person is not None and person.is_authenticated)
        )
        if per_person:
            return resp
        where = g.get("page_cache_key")
        if where is not None and not g.get("page_cache_skip"):
            # kept by the middleware once the last hook has added its headers
            kept = Kept(body, [], etag, time.time(), g.get("page_cache_on_read"))
            request.environ[_PENDING] = (where[0], where[1], kept)
        return _revalidate(resp, etag)
