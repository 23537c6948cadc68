"""HTTP for harvesting: timeouts, retries with backoff, a user agent, bounded bodies.

Remote portals hang, answer 500, drip bytes forever or send gigabytes. Every request has
a connect and read timeout, idempotent requests are retried with exponential backoff
(urllib3 ``Retry``), and a body is read in chunks with a size cap and an overall deadline,
so one bad source ends as a clear error instead of a worker stuck or out of memory.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from typing import IO, Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

USER_AGENT = "DataPartnerCatalog-Harvester/0.1 (+https://github.com/; open data catalog)"
RETRY_STATUSES = (429, 500, 502, 503, 504)
SPOOL_BYTES = 8 * 1024 * 1024  # a downloaded document larger than this waits on disk


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
        try:
            resp = super().request(method, url, *args, **kw)
        except requests.exceptions.RetryError as exc:
            raise FetchError(url, f"gave up after retries ({_cause(exc)})") from None
        except requests.exceptions.Timeout:
            raise FetchError(url, f"timed out after {kw['timeout']} s") from None
        except requests.exceptions.RequestException as exc:
            raise FetchError(url, f"cannot connect ({_cause(exc)})") from None
        if read_body:
            _read_bounded(resp, self.max_bytes, time.monotonic() + self.total_timeout)
        return resp


def _cause(exc: BaseException) -> str:
    inner = exc
    while inner.__context__ is not None and inner.__context__ is not inner:
        inner = inner.__context__
    text = str(inner) or type(inner).__name__
    return text[:300]


def _bounded_chunks(resp: requests.Response, max_bytes: int, deadline: float) -> Iterator[bytes]:
    """The body in chunks, stopped by the size cap and the deadline; closes the response."""
    total = 0
    try:
        for chunk in resp.iter_content(64 * 1024):
            total += len(chunk)
            if total > max_bytes:
                raise FetchError(
                    resp.url, f"response larger than {max_bytes:,} bytes", resp.status_code
                )
            if time.monotonic() > deadline:
                raise FetchError(resp.url, "response took too long to arrive", resp.status_code)
            yield chunk
    except requests.exceptions.RequestException as exc:
        raise FetchError(resp.url, f"connection broke while reading ({_cause(exc)})") from None
    finally:
        resp.close()


def _read_bounded(resp: requests.Response, max_bytes: int, deadline: float) -> None:
    resp._content = b"".join(_bounded_chunks(resp, max_bytes, deadline))
    resp._content_consumed = True


def make_session(config: dict) -> BoundedSession:
    """A session configured from a source's options (timeout, retries, backoff, ...)."""
    session = BoundedSession(
        timeout=float(config.get("timeout", 30)),
        total_timeout=float(config.get("total_timeout", 600)),
        max_bytes=int(config.get("max_bytes", 200 * 1024 * 1024)),
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
        deadline = time.monotonic() + self.session.total_timeout
        fh = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        try:
            for chunk in _bounded_chunks(resp, self.session.max_bytes, deadline):
                fh.write(chunk)
            fh.seek(0)
        except BaseException:
            fh.close()
            raise
        return fh, resp.headers.get("Content-Type"), resp.url

    def close(self) -> None:
        self.session.close()
