"""What every HTML form shares: errors in the page's language, values kept, safe redirects.

Validation itself belongs to the services (marshmallow schemas): a form posts plain fields,
the view hands them to a service, and a ``ValidationFailed`` comes back as field errors,
localised here, shown next to the fields the person filled in (whose values are kept).
"""

from __future__ import annotations

from flask import current_app, request, url_for
from werkzeug.datastructures import MultiDict

from catalog.errors import ValidationFailed
from web.i18n import locale
from web.ratelimit import RateLimiter


def _flatten(prefix: str, value: object, out: dict[str, list[str]]) -> None:
    if isinstance(value, dict):
        for key, sub in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), sub, out)
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        out.setdefault(prefix, []).extend(value)
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            _flatten(f"{prefix}.{i}", sub, out)
    else:
        out.setdefault(prefix, []).append(str(value))


def field_errors(exc: ValidationFailed) -> dict[str, list[str]]:
    """``{"field": [messages]}`` in the page's language; nested fields as ``a.0.b``."""
    out: dict[str, list[str]] = {}
    _flatten("", exc.localized(locale()), out)
    return out


def values_of(form: MultiDict, multi: tuple[str, ...] = ()) -> dict:
    """The posted fields as the templates take them back: text as typed, lists for the
    fields that take several values (check boxes)."""
    values: dict = {k: form.get(k, "") for k in form}
    for key in multi:
        values[key] = form.getlist(key)
    return values


def safe_next(target: str | None, default: str = "pages.home") -> str:
    """A local path to go on to after a form; anything else (another site) goes home."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for(default)


def client_address() -> str:
    return request.remote_addr or "unknown"


def limiter() -> RateLimiter:
    return current_app.extensions["rate_limiter"]
