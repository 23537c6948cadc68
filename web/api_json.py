"""The JSON API's answers, with every time carrying its UTC offset.

The store keeps times as naive UTC (``models.utcnow``; harvested times with a zone are
converted to UTC before they are stored), and the records the services return write them with
``isoformat()``, which leaves the offset out: a client had to guess the zone. The API adds
``+00:00`` to every such time as it answers. The CKAN-compatible API is left as CKAN writes
its times (naive UTC), which its clients expect.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from flask import Response

from web.conditional import conditional_json

# a date and time without an offset, as datetime.isoformat() writes a naive one
_NAIVE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d{1,6})?)?")


def with_offsets(value: Any) -> Any:
    """``value`` with each naive ISO date-time string marked as UTC (dates stay dates)."""
    if isinstance(value, str):
        return value + "+00:00" if _NAIVE.fullmatch(value) else value
    if isinstance(value, datetime):  # Flask would write it as an HTTP date, without zone
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: with_offsets(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [with_offsets(v) for v in value]
    return value


def api_json(payload: object, last_modified: datetime | None = None) -> Response:
    """:func:`conditional_json` for the JSON API: times with their offset."""
    return conditional_json(with_offsets(payload), last_modified)
