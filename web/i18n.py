"""Translations and template helpers: vocabulary labels, Markdown, bilingual fields."""

from __future__ import annotations

import re
import threading
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import markdown as md
import nh3
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, has_app_context
from flask_babel import get_locale
from markupsafe import Markup

from catalog.quality import MAX_POINTS
from schemas import vocab
from web.fieldnames import field_label

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
# the inline tags bleach allowed by default, and the blocks Markdown writes for descriptions
_ALLOWED_TAGS = {
    "a", "abbr", "acronym", "b", "blockquote", "code", "em", "i", "li", "ol", "strong", "ul",
    "p", "h3", "h4", "pre", "table", "thead", "tbody", "tr", "th", "td", "br", "hr",
}  # fmt: skip
_TAG = re.compile(r"(<[^>]*>)")
# an address ends at a space, a quote, an angle bracket or a non-ASCII character (a Chinese
# full stop or comma follows it in running text), and not on trailing punctuation
_URL = re.compile(r"\bhttps?://[!#-&(-;=?-~]+(?<![.,;:!?)\]])")
_NO_LINKS_INSIDE = ("a", "code", "pre")


def ensure_compiled() -> None:
    """Compile .po catalogs whose .mo is missing or older, so a fresh clone just works."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as f:
                catalog = read_po(f)
            with mo.open("wb") as f:
                write_mo(f, catalog)


# the request's language, resolved once by a before-request hook (register_request_locale):
# Flask-Babel's get_locale walks Flask's context proxies on each call, and a first render of
# a dataset page asked about forty times (labels, bilingual fields, cards) -- issue 17 item 5
_REQUEST_LOCALE: ContextVar[str | None] = ContextVar("request_locale", default=None)


def locale() -> str:
    known = _REQUEST_LOCALE.get()
    if known is not None:
        return known
    loc = get_locale()
    return str(loc.language) if loc else "zh"


def register_request_locale(app: Flask) -> None:
    """Resolve the language once per request; call after ``Babel.init_app`` (nothing in
    this catalog changes the language inside a request: the switch redirects)."""

    @app.before_request
    def _resolve() -> None:
        _REQUEST_LOCALE.set(None)
        _REQUEST_LOCALE.set(locale())

    @app.teardown_request
    def _forget(_exc: BaseException | None) -> None:
        _REQUEST_LOCALE.set(None)


def label(code: str | None, vocab_name: str) -> str:
    return vocab.label(vocab_name, code, locale())


def localized(obj: object, field: str) -> str:
    """The English variant of a field on the English pages when there is one."""
    get = obj.get if isinstance(obj, dict) else lambda k, d=None: getattr(obj, k, d)
    if locale() == "en":
        value = get(f"{field}_en")
        if value:
            return value
    return get(field) or ""


def _linkify(html: str) -> str:
    """Bare web addresses in the text become links (not inside links, code or pre)."""
    out, inside = [], 0
    for part in _TAG.split(html):
        if part.startswith("<"):
            name = part[1:].lstrip("/").split(None, 1)[0].rstrip(">").lower() if part[1:] else ""
            if name in _NO_LINKS_INSIDE:
                inside += -1 if part.startswith("</") else 1
            out.append(part)
        elif inside <= 0:
            out.append(_URL.sub(lambda m: f'<a href="{m.group()}">{m.group()}</a>', part))
        else:
            out.append(part)
    return "".join(out)


# one Markdown converter per thread, reset before each text: building one (its extensions,
# processors and patterns) cost half of a conversion, paid on every dataset and organization
# page (issue 17, item 5); a converter holds state while it converts, so threads do not share
_converters = threading.local()


def _markdown(text: str) -> str:
    converter = getattr(_converters, "md", None)
    if converter is None:
        converter = _converters.md = md.Markdown(extensions=["tables", "sane_lists"])
    return converter.reset().convert(text)


def render_markdown(text: str | None) -> Markup:
    """A description's Markdown as HTML with only harmless tags, links marked nofollow.

    nh3 (the Rust ammonia sanitiser) cleans it: bleach, used before, is no longer maintained.
    Links are made before cleaning, so what the linker writes is cleaned too."""
    html = _linkify(_markdown(text or ""))
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow",
    )
    return Markup(clean)


def from_timestamp(ts: int | None) -> str:
    if not ts:
        return ""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d")


def filesize(n: int | None) -> str:
    if not n:
        return ""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


def vocab_options(name: str) -> list[tuple[str, str]]:
    """(code, label) pairs of a vocabulary in the page's language, for selects and checks."""
    table = vocab.regions() if name == "region" else vocab.VOCABS[name]
    en = locale() == "en"
    return [(code, pair[1] if en else pair[0]) for code, pair in table.items()]


DEFAULT_TIME_ZONE = "Asia/Shanghai"


# China Standard Time has no daylight saving: the default still works on a system without
# the time-zone database
_CST = timezone(timedelta(hours=8), "CST")


@lru_cache(maxsize=16)
def _zone(name: str) -> tzinfo:
    for candidate in (name, DEFAULT_TIME_ZONE):
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return _CST


def site_zone() -> tzinfo:
    """The site's time zone (``extra.time_zone``, China Standard Time by default): people
    read times as their clocks show them."""
    name = DEFAULT_TIME_ZONE
    if has_app_context() and "catalog" in current_app.extensions:
        name = current_app.extensions["catalog"].settings.extra.get("time_zone") or name
    return _zone(str(name))


def when(value: datetime | date | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time (naive, UTC) in the site's time zone, to the minute (or the day with
    ``fmt="%Y-%m-%d"``); a date stays the date it is."""
    if not value:
        return ""
    if not isinstance(value, datetime):
        return value.strftime(fmt if "%H" not in fmt else "%Y-%m-%d")
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(site_zone()).strftime(fmt)


def penalty(points: int | float) -> str:
    """Quality points a failed check costs, on the 0-100 scale of the score."""
    value = round(100 * points / MAX_POINTS, 1)
    return f"{value:g}"


def revision_state(state: str) -> str:
    """The state of a change to a published dataset, in the page's language."""
    from flask_babel import pgettext

    names = {
        "pending": pgettext("revision state", "Waiting for review"),
        "approved": pgettext("revision state", "Approved"),
        "returned": pgettext("revision state", "Returned"),
        "withdrawn": pgettext("revision state", "Withdrawn"),
    }
    return names.get(state, state)


def register_filters(app: Flask) -> None:
    from web.eventlabels import event_label

    app.jinja_env.filters.update(
        event_label=event_label,
        penalty=penalty,
        revision_state=revision_state,
        revision_field=lambda f: f.split(".")[0].split("[")[0],
        label=label,
        loc=localized,
        markdown=render_markdown,
        ts=from_timestamp,
        filesize=filesize,
        when=when,
        field_label=field_label,
    )
    app.jinja_env.globals.update(current_locale=locale, vocab_options=vocab_options)
