"""Rate limits of the sign-in, registration and reset forms, shared by every worker.

Limits are ``(attempts, seconds)`` per client address and form, set in
``extra.rate_limits`` of the settings, e.g. ``{"login": [10, 300]}``. The attempts are
counted in the catalog's database (``catalog/services/rate_limits.py`` says why), so the
limit holds across all processes of a deployment and across restarts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from catalog.services import rate_limits

if TYPE_CHECKING:
    from catalog.context import Catalog

DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "login": (10, 300),  # failed sign-ins per address in 5 minutes
    "register": (10, 3600),  # new accounts per address in an hour
    "reset": (5, 900),  # reset e-mails per address in 15 minutes
}


class RateLimiter:
    def __init__(self, cat: Catalog, limits: dict | None = None) -> None:
        self.cat = cat
        self.limits = dict(DEFAULT_LIMITS)
        for name, value in (limits or {}).items():
            self.limits[name] = (int(value[0]), int(value[1]))

    def blocked(self, bucket: str, key: str) -> bool:
        """Whether ``key`` has used up its attempts (without counting this look)."""
        limit, seconds = self.limits[bucket]
        return rate_limits.recent(self.cat, bucket, key, seconds) >= limit

    def hit(self, bucket: str, key: str) -> None:
        rate_limits.record(self.cat, bucket, key)
