"""What every HTML form shares: errors in the page's language, values kept, safe redirects.

Validation itself belongs to the services (marshmallow schemas): a form posts plain fields,
the view hands them to a service, and a ``ValidationFailed`` comes back as field errors,
localised here, shown next to the fields the person filled in (whose values are kept).
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

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
    r"""A path of this site to go on to after a form; anything else goes to ``default``.

    Browsers drop tabs and newlines from a URL and read a backslash as a slash, so
    ``/\t/evil.example`` would become ``//evil.example``, another site: any white space or
    control character, a backslash, a scheme or a host refuses the target. The path is
    checked again percent-decoded (twice), so ``/%2F/evil.example`` or ``/%5Cevil.example``
    cannot become another site behind a proxy that decodes paths.
    """
    if target and _same_site_path(target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            path = parts.path
            for _ in range(2):
                path = unquote(path)
                if not _same_site_path(path):
                    return url_for(default)
            return target
    return url_for(default)


def _same_site_path(target: str) -> bool:
    return (
        target.startswith("/")
        and not target.startswith("//")
        and not any(c.isspace() or ord(c) < 32 or ord(c) == 127 or c == "\\" for c in target)
    )


def client_address() -> str:
    return request.remote_addr or "unknown"


def limiter() -> RateLimiter:
    return current_app.extensions["rate_limiter"]
