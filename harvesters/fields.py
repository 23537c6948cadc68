"""Lenient marshmallow fields for remote records.

Portals publish nulls, the string "None", numbers where text belongs, one value where a
list belongs, dates in a dozen formats and broken URLs. A remote schema built from these
fields reads what it can and, instead of failing the whole record over one bad value,
drops the value and says so: the warning reaches the job's error list (stage
``warning``), so nothing is lost silently.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from marshmallow import fields

from harvesters import normalize

_warnings: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "harvest_warnings", default=None
)


@contextmanager
def collecting_warnings() -> Iterator[list[str]]:
    """Collect :func:`warn` calls made while loading one record."""
    bucket: list[str] = []
    token = _warnings.set(bucket)
    try:
        yield bucket
    finally:
        _warnings.reset(token)


def warn(message: str) -> None:
    bucket = _warnings.get()
    if bucket is not None and message not in bucket:
        bucket.append(message)


class Text(fields.Field):
    """A string from a string, a number or a JSON-LD ``{"@value": ...}``; empty -> None."""

    def __init__(self, **kw: Any) -> None:
        if not kw.get("required"):
            kw.setdefault("load_default", None)
            kw.setdefault("allow_none", True)
        super().__init__(**kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> Any:
        return normalize.text(value)


class TextList(fields.Field):
    """A list of strings from a list, a single string (split on ``separators``) or nothing."""

    def __init__(self, separators: str | None = None, **kw: Any) -> None:
        kw.setdefault("load_default", list)
        kw.setdefault("allow_none", True)
        self.separators = separators
        super().__init__(**kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> Any:
        return normalize.text_list(value, self.separators)


class Url(fields.Field):
    """An absolute http(s)/ftp URL, or None with a warning when the value is not one."""

    def __init__(self, **kw: Any) -> None:
        kw.setdefault("load_default", None)
        kw.setdefault("allow_none", True)
        super().__init__(**kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> Any:
        text = normalize.text(value)
        if text is None:
            return None
        url = normalize.url(text)
        if url is None:
            warn(f"{self.data_key or attr}: not a usable URL: {text[:200]!r}")
        return url


class Raw(fields.Raw):
    """Any JSON value, kept as it is (for extras)."""

    def __init__(self, **kw: Any) -> None:
        kw.setdefault("load_default", None)
        kw.setdefault("allow_none", True)
        super().__init__(**kw)
