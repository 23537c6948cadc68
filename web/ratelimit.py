"""A small sliding-window rate limiter for the sign-in, registration and reset forms.

Counts live in the process's memory: enough to stop password guessing and sign-up floods
against one server process, with nothing to install. Each process of a multi-process
deployment counts on its own (put a limit in the reverse proxy too there). Limits are
``(attempts, seconds)`` per client address and form, set in ``extra.rate_limits`` of the
settings, e.g. ``{"login": [10, 300]}``.
"""

from __future__ import annotations

import threading
import time
from collections import deque

DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "login": (10, 300),  # failed sign-ins per address in 5 minutes
    "register": (10, 3600),  # new accounts per address in an hour
    "reset": (5, 900),  # reset e-mails per address in 15 minutes
}


class RateLimiter:
    def __init__(self, limits: dict | None = None) -> None:
        self.limits = dict(DEFAULT_LIMITS)
        for name, value in (limits or {}).items():
            self.limits[name] = (int(value[0]), int(value[1]))
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _window(self, bucket: str, key: str) -> tuple[deque[float], int]:
        limit, seconds = self.limits[bucket]
        hits = self._hits.setdefault((bucket, key), deque())
        cutoff = time.monotonic() - seconds
        while hits and hits[0] < cutoff:
            hits.popleft()
        return hits, limit

    def blocked(self, bucket: str, key: str) -> bool:
        """Whether ``key`` has used up its attempts (without counting this look)."""
        with self._lock:
            hits, limit = self._window(bucket, key)
            return len(hits) >= limit

    def hit(self, bucket: str, key: str) -> None:
        with self._lock:
            hits, _limit = self._window(bucket, key)
            hits.append(time.monotonic())
