"""Pure helpers that turn messy remote values into clean ones (or ``None``).

No I/O and no marshmallow here: the lenient fields and every source kind call these, and
they are easy to test on their own.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from datetime import UTC, date, datetime
from typing import Any

from marshmallow import ValidationError, validate

from harvesters import urlcheck

_NULLS = frozenset({"", "none", "null", "nil", "n/a", "undefined"})
_NULL_LEN = max(map(len, _NULLS))
_URL = validate.URL(relative=False, require_tld=True, schemes={"http", "https", "ftp", "ftps"})
_url_passes = urlcheck.checker(_URL)
_EMAIL = validate.Email()
_SLUG_RE = re.compile(r"[^a-z0-9]+")
_SPLIT_RE: dict[str, re.Pattern[str]] = {}
_CN_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日?)?")
_NUM_DATE = re.compile(r"^(\d{4})[./-](\d{1,2})(?:[./-](\d{1,2}))?$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


def text(value: Any) -> str | None:
    """A trimmed string, or None for nothing, ``"None"``, ``"null"`` and the like."""
    if value.__class__ is str:  # the common case first (about 50 calls a record)
        s = unicodedata.normalize("NFC", value).strip()
        return None if len(s) <= _NULL_LEN and s.lower() in _NULLS else s
    if value is None or isinstance(value, bool):
        return None if value is None else str(value).lower()
    if isinstance(value, dict):
        value = value.get("@value", value.get("@id", value.get("name")))
        return text(value)
    if isinstance(value, list | tuple):
        parts = [t for t in (text(v) for v in value) if t]
        return "; ".join(parts) or None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    s = unicodedata.normalize("NFC", str(value)).strip()
    return None if s.lower() in _NULLS else s


def text_list(value: Any, separators: str | None = None) -> list[str]:
    """Strings from a list or from one string split on any of ``separators``; deduplicated
    in order, empties dropped."""
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    out: list[str] = []
    for item in items:
        s = text(item)
        if s is None:
            continue
        if separators:
            pattern = _SPLIT_RE.get(separators) or _SPLIT_RE.setdefault(
                separators, re.compile(f"[{re.escape(separators)}]")
            )  # made once per set of separators, not once per item
            parts = [p.strip() for p in pattern.split(s)]
        else:
            parts = [s]
        for p in parts:
            if p and p.lower() not in _NULLS and p not in out:
                out.append(p)
    return out


def url(value: Any) -> str | None:
    """An absolute http(s)/ftp URL (spaces percent-encoded), or None."""
    s = text(value)
    if s is None:
        return None
    s = s.replace(" ", "%20")
    return s if _url_passes(s) else None


def email(value: Any) -> str | None:
    s = text(value)
    if s is None:
        return None
    if s.lower().startswith("mailto:"):
        s = s[7:]
    s = s.strip()
    try:
        _EMAIL(s)
    except ValidationError:
        return None
    return s


def clip(value: str | None, limit: int) -> str | None:
    if value is None or len(value) <= limit:
        return value
    return value[: limit - 1] + "…"


def slug(value: str | None, limit: int = 80) -> str:
    """Lowercase ASCII letters, digits and hyphens (what a dataset's name may hold)."""
    if not value:
        return ""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return _SLUG_RE.sub("-", ascii_text.lower()).strip("-")[:limit].strip("-")


def short_hash(*parts: str, n: int = 10) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:n]


def parse_datetime(value: Any) -> datetime | None:
    """A naive UTC datetime from ISO 8601, US, Chinese and compact formats (dates give
    midnight); None for anything else (``R/P1W`` and other periods included)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    s = text(value)
    if s is None or s.startswith(("R/", "P")):
        return None
    dt = _iso_datetime(s)
    if dt is None:
        d = parse_date(s)
        return datetime(d.year, d.month, d.day) if d else None
    return dt


def _iso_datetime(s: str) -> datetime | None:
    """An ISO 8601 date and time (``Z`` or a space allowed) as naive UTC, or None. Both
    parsers fall back on this one, not on each other: a text with a ``T`` or ``:`` that is
    no date at all (``12:00 noon``) sent each back to the other forever."""
    iso = s.replace("Z", "+00:00").replace(" ", "T", 1) if "T" in s or ":" in s else s
    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt


def parse_date(value: Any) -> date | None:
    """A date from the formats :func:`parse_datetime` reads, plus ``2024`` and ``2024-06``
    (the first day of the year or month)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = text(value)
    if s is None:
        return None
    for rx, order in ((_NUM_DATE, "ymd"), (_CN_DATE, "ymd"), (_US_DATE, "mdy"), (_COMPACT, "ymd")):
        m = rx.match(s)
        if m:
            g = [int(x) if x else 1 for x in m.groups()]
            y, mo, d = (g[2], g[0], g[1]) if order == "mdy" else (g[0], g[1], g[2])
            try:
                return date(y, mo, d)
            except ValueError:
                return None
    m = _YEAR.match(s)
    if m and 1800 < int(s) < 2200:
        return date(int(s), 1, 1)
    if "T" in s or ":" in s:
        dt = None if s.startswith(("R/", "P")) else _iso_datetime(s)
        return dt.date() if dt else None
    try:
        return date.fromisoformat(s[:10])
    except ValueError:
        return None


_RANGE_SPLIT = re.compile(r"\s*(?:/|\bTO\b|至|到|~|～|—|–)\s*")


def parse_period(value: Any) -> tuple[date | None, date | None]:
    """A (start, end) pair from ``a/b``, ``[a TO b]``, ``a至b``, ``01/01/1997-12/31/2015``;
    (None, None) when unreadable or when the end is before the start."""
    s = text(value)
    if s is None:
        return None, None
    s = s.strip("[]() ")
    if _US_DATE.match(s):
        return parse_date(s), None
    pair = _DASH_RANGE.match(s)
    parts = [pair.group(1), pair.group(2)] if pair else _RANGE_SPLIT.split(s, maxsplit=1)
    start = parse_date(parts[0])
    end = parse_date(parts[1]) if len(parts) > 1 else None
    if start and end and end < start:
        return None, None
    return start, end


_DASH_RANGE = re.compile(
    r"^(\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})\s*-\s*(\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})$"
)


def iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# ``json.dumps(value, ensure_ascii=False, default=str)``, its encoder made once
json_text = json.JSONEncoder(ensure_ascii=False, default=str).encode


def json_size(value: Any) -> int:
    return len(json_text(value))


def fold(value: str) -> str:
    """Text compared loosely: NFKC (full-width -> half-width), case-folded, without spaces
    and punctuation. Two titles that fold alike are near-identical."""
    s = unicodedata.normalize("NFKC", value).casefold()
    return "".join(ch for ch in s if ch.isalnum())
