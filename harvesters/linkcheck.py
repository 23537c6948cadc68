"""Link checking as a job: is every distribution's URL still answering?

Each URL gets a HEAD; servers that refuse HEAD (405, 501, some 403/400) get a GET for
the first byte only (``Range: bytes=0-0``), so checking a 10 GB file costs one byte.
Redirects are followed by hand (at most five), so that, unless the job allows it, no hop
reaches a private or loopback address: a partner's metadata must not make the catalog
probe the bureau's own network. Results are stored per distribution (``link_status``,
``link_checked_at``); broken links become job errors naming the publisher, and
:func:`catalog.services.harvest.broken_links_by_publisher` counts them.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import requests

from catalog.models import HarvestJob
from catalog.services import harvest as svc
from catalog.services import link_status
from catalog.services.harvest import Counts
from catalog.services.link_status import LinkResult, LinkTarget
from harvesters.base import Outcome
from harvesters.http import USER_AGENT

if TYPE_CHECKING:
    from catalog.context import Catalog

NO_HEAD = (400, 403, 405, 501)
MAX_REDIRECTS = 5


def _private(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False  # unresolvable: the request itself will say so
    for info in infos:
        addr = ipaddress.ip_address(info[4][0])
        if addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_reserved:
            return True
    return False


class LinkChecker:
    """Checks URLs with one session per thread; results are cached per URL within a job."""

    def __init__(self, timeout: float = 10.0, allow_private: bool = False):
        self.timeout = timeout
        self.allow_private = allow_private
        self._local = threading.local()
        self._cache: dict[str, Future] = {}
        self._lock = threading.Lock()

    def _session(self) -> requests.Session:
        s = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            s.headers["User-Agent"] = USER_AGENT
            self._local.session = s
        return s

    def check(self, url: str) -> tuple[int, str | None]:
        """(HTTP status, reason); status 0 when there was no answer. A URL shared by
        several distributions is requested once per job, even by threads at once."""
        with self._lock:
            pending = self._cache.get(url)
            mine = pending is None
            if pending is None:
                pending = self._cache[url] = Future()
        if mine:
            try:
                pending.set_result(self._check(url))
            except Exception as exc:
                pending.set_result((0, f"check failed: {type(exc).__name__}"))
        return pending.result()

    def _check(self, url: str) -> tuple[int, str | None]:
        for _ in range(MAX_REDIRECTS + 1):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                return 0, f"not an http(s) URL: {url[:200]}"
            if not self.allow_private and _private(parts.hostname):
                return 0, "refused: the address is in a private or loopback network"
            try:
                resp = self._session().head(url, timeout=self.timeout, allow_redirects=False)
                if resp.status_code in NO_HEAD:
                    resp = self._session().get(
                        url,
                        timeout=self.timeout,
                        allow_redirects=False,
                        headers={"Range": "bytes=0-0"},
                        stream=True,
                    )
                    resp.close()
            except requests.exceptions.Timeout:
                return 0, f"no answer within {self.timeout} s"
            except requests.exceptions.RequestException as exc:
                return 0, f"cannot connect: {type(exc).__name__}"
            if resp.is_redirect and resp.headers.get("Location"):
                url = urljoin(url, resp.headers["Location"])
                continue
            status = resp.status_code
            return status, None if status < 400 else f"HTTP {status} {resp.reason or ''}".strip()
        return 0, "too many redirects"


def run_linkcheck(
    cat: Catalog,
    job: HarvestJob,
    progress: Callable[[int, Counts], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Outcome:
    """Check the distributions of one source's datasets, or of the whole catalog."""
    options = dict(job.options or {})
    checker = LinkChecker(
        timeout=float(options.get("timeout", 10)),
        allow_private=bool(options.get("allow_private", False)),
    )
    workers = int(options.get("workers", 8))
    counts = Counts()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for batch in link_status.link_targets(cat, job.source_id):
            if should_stop and should_stop():
                svc.requeue_job(cat, job.id, "worker shutting down")
                return Outcome(job.id, "queued", counts, "interrupted; queued again")
            state = svc.heartbeat(cat, job.id)
            if state != "running":
                return Outcome(job.id, state, counts, f"job became {state}")

            def one(t: LinkTarget) -> LinkResult:
                status, reason = checker.check(t.url)
                return LinkResult(t, status, reason)

            results = list(pool.map(one, batch))
            counts.add(link_status.record_link_results(cat, job.id, results))
            if progress:
                progress(len(batch), counts)
    broken = link_status.broken_links_by_publisher(cat)
    if broken:
        svc.log_job(
            cat,
            job.id,
            "broken links by publisher: " + ", ".join(f"{k} {v}" for k, v in broken.items()),
        )
    state = "done" if counts.errors == 0 else "done_with_errors"
    checked = counts.updated + counts.unchanged + counts.errors
    line = f"{state}: {checked} links checked, {counts.errors} broken"
    svc.finish_job(cat, job.id, state, line)
    return Outcome(job.id, state, counts, line)
