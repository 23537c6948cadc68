"""HTTP for harvesting: timeouts, retries with backoff, a user agent, bounded bodies.

Remote portals hang, answer 500, drip bytes forever or send gigabytes. Every request has
a connect and read timeout, idempotent requests are retried with exponential backoff
(urllib3 ``Retry``), and a body is read with a size cap and a whole-response deadline, so
one bad source ends as a clear error instead of a worker stuck or out of memory:

- a ``Content-Length`` above the cap is refused before any of the body is read;
- the body is read with ``read1`` (whatever one ``recv`` brings, never waiting to fill a
  64 KiB buffer) and the wall clock is checked after every read; the socket's read timeout
  is lowered to the time left, so a source that sends one byte a second ends at the
  deadline, not at the next chunk;
- the bytes are counted as they arrive (after decompression, so a gzip bomb stops too).
"""

from __future__ import annotations

import socket
import tempfile
import time
from collections.abc import Iterator
from typing import IO, Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

USER_AGENT = "DataPartnerCatalog-Harvester/0.1 (+https://github.com/; open data catalog)"
RETRY_STATUSES = (429, 500, 502, 503, 504)
SPOOL_BYTES = 8 * 1024 * 1024  # a downloaded document larger than this waits on disk
READ_BYTES = 64 * 1024  # the most one read asks for; a read returns what has arrived
DEFAULT_TIMEOUT = 30.0
DEFAULT_TOTAL_TIMEOUT = 600.0
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
_DEADLINE = "_harvest_deadline"  # attribute of a response: when its whole answer is due


class FetchError(Exception):
    """A request failed (after retries): unreachable, timed out, an error status, too big."""

    def __init__(self, url: str, reason: str, status: int | None = None):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


class BoundedSession(requests.Session):
    """A session whose every request has a timeout and whose bodies are read with a size
    cap and a deadline (``ckanapi`` uses it too, through ``RemoteCKAN(session=...)``)."""

    def __init__(self, timeout: float, total_timeout: float, max_bytes: int):
        super().__init__()
        self.timeout = (min(timeout, 10.0), timeout)
        self.total_timeout = total_timeout
        self.max_bytes = max_bytes

    def request(self, method: str, url: str, *args: Any, **kw: Any) -> requests.Response:  # type: ignore[override]
        if kw.get("timeout") is None:
            kw["timeout"] = self.timeout
        read_body = not kw.pop("stream", False)
        kw["stream"] = True
        # the whole answer (headers and body, retries included) is due by this time
        deadline = time.monotonic() + self.total_timeout
        try:
            resp = super().request(method, url, *args, **kw)
        except requests.exceptions.RetryError as exc:
            raise FetchError(url, f"gave up after retries ({_cause(exc)})") from None
        except requests.exceptions.Timeout:
            raise FetchError(url, f"timed out after {kw['timeout']} s") from None
        except requests.exceptions.RequestException as exc:
            raise FetchError(url, f"cannot connect ({_cause(exc)})") from None
        setattr(resp, _DEADLINE, deadline)
        if method.upper() != "HEAD":
            try:
                _refuse_announced_size(resp, self.max_bytes)
            except FetchError:
                resp.close()
                raise
        if read_body:
            _read_bounded(resp, self.max_bytes, deadline, self.total_timeout)
        return resp


def _cause(exc: BaseException) -> str:
    inner = exc
    while inner.__context__ is not None and inner.__context__ is not inner:
        inner = inner.__context__
    text = str(inner) or type(inner).__name__
    return text[:300]


def size_text(n: float) -> str:
    """``200 MB`` for 200 MiB, ``1.5 MB``, ``64 KB``: the unit the error messages speak."""
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):,.1f}".removesuffix(".0") + " MB"
    return f"{n / 1024:,.1f}".removesuffix(".0") + " KB"


def too_large(max_bytes: int) -> str:
    return f"source sent more than {size_text(max_bytes)} (the limit is {max_bytes:,} bytes)"


def too_slow(total_timeout: float) -> str:
    return f"no complete answer within {total_timeout:g} s"


def _refuse_announced_size(resp: requests.Response, max_bytes: int) -> None:
    """A ``Content-Length`` above the cap is refused before any of the body is read."""
    raw = resp.headers.get("Content-Length")
    if raw is None:
        return
    try:
        announced = int(raw.split(",")[0].strip())
    except ValueError:
        return  # urllib3 reads such a body to the end of the connection: the cap still holds
    if announced > max_bytes:
        raise FetchError(
            resp.url,
            f"{too_large(max_bytes)}: it announced {announced:,} bytes",
            resp.status_code,
        )


def _socket_of(resp: requests.Response) -> socket.socket | None:
    conn = getattr(resp.raw, "connection", None)
    sock = getattr(conn, "sock", None)
    return sock if isinstance(sock, socket.socket) else None


def _bounded_chunks(
    resp: requests.Response, max_bytes: int, deadline: float, total_timeout: float
) -> Iterator[bytes]:
    """The body as it arrives, stopped by the size cap and the deadline; closes the
    response. Each read returns what one ``recv`` brought, and waits at most until the
    deadline (the socket's timeout is lowered to the time left), so a dripping source ends
    on time."""
    total = 0
    raw = resp.raw
    read = getattr(raw, "read1", None) or raw.read
    sock = _socket_of(resp)
    read_timeout = sock.gettimeout() if sock is not None else None
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise FetchError(resp.url, too_slow(total_timeout), resp.status_code)
            if sock is not None:
                wait = left if read_timeout is None else min(left, read_timeout)
                sock.settimeout(max(wait, 0.001))
            try:
                chunk = read(READ_BYTES, decode_content=True)
            except (ReadTimeoutError, TimeoutError):
                if time.monotonic() >= deadline - 0.01:
                    raise FetchError(resp.url, too_slow(total_timeout), resp.status_code) from None
                raise FetchError(
                    resp.url, f"the source stopped sending for {read_timeout:g} s", resp.status_code
                ) from None
            if not chunk:
                return
            total += len(chunk)
            if total > max_bytes:
                raise FetchError(resp.url, too_large(max_bytes), resp.status_code)
            yield chunk
    except (requests.exceptions.RequestException, Urllib3Error, OSError) as exc:
        raise FetchError(resp.url, f"connection broke while reading ({_cause(exc)})") from None
    finally:
        resp.close()


def _read_bounded(
    resp: requests.Response, max_bytes: int, deadline: float, total_timeout: float
) -> None:
    resp._content = b"".join(_bounded_chunks(resp, max_bytes, deadline, total_timeout))
    resp._content_consumed = True


def make_session(config: dict) -> BoundedSession:
    """A session configured from a source's options (timeout, retries, backoff, ...)."""
    session = BoundedSession(
        timeout=float(config.get("timeout", DEFAULT_TIMEOUT)),
        total_timeout=float(config.get("total_timeout", DEFAULT_TOTAL_TIMEOUT)),
        max_bytes=int(config.get("max_bytes", DEFAULT_MAX_BYTES)),
    )
    retries = int(config.get("retries", 3))
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=float(config.get("backoff", 0.5)),
        backoff_max=30,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD", "OPTIONS"}),
        raise_on_status=False,
        # a hostile Retry-After could park the worker for hours: our backoff is bounded
        respect_retry_after_header=False,
    )
    adapter = HTTPAdapter(max_retries=retry, pool_maxsize=8)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = config.get("user_agent") or USER_AGENT
    return session


class HttpClient:
    """GET with the source's session, politeness delay and error reporting."""

    def __init__(self, config: dict):
        self.config = config
        self.session = make_session(config)
        self.crawl_delay = float(config.get("crawl_delay", 0) or 0)
        self._last = 0.0

    def get(self, url: str, **kw: Any) -> requests.Response:
        if self.crawl_delay:
            wait = self._last + self.crawl_delay - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last = time.monotonic()
        resp = self.session.get(url, **kw)
        if resp.status_code >= 400:
            resp.close()
            raise FetchError(
                url, f"HTTP {resp.status_code} {resp.reason or ''}".strip(), resp.status_code
            )
        return resp

    def get_bytes(self, url: str, **kw: Any) -> tuple[bytes, str | None, str]:
        """Body, content type and final URL (after redirects)."""
        resp = self.get(url, **kw)
        return resp.content, resp.headers.get("Content-Type"), resp.url

    def get_file(self, url: str, **kw: Any) -> tuple[IO[bytes], str | None, str]:
        """Body (in a temporary file, in memory while small), content type and final
        URL: for documents too large to hold, read with the limits of :meth:`get_bytes`."""
        resp = self.get(url, stream=True, **kw)
        total = self.session.total_timeout
        deadline = getattr(resp, _DEADLINE, time.monotonic() + total)
        fh = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        try:
            for chunk in _bounded_chunks(resp, self.session.max_bytes, deadline, total):
                fh.write(chunk)
            fh.seek(0)
        except BaseException:
            fh.close()
            raise
        return fh, resp.headers.get("Content-Type"), resp.url

    def close(self) -> None:
        self.session.close()
