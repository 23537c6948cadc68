"""The parts of every page that are the same for every visitor of one language -- the style
sheet and script tags, the site navigation, the footer -- rendered once per process and
language, not on every request (issue 17, item 5).

They are about twenty ``url_for`` and ``_()`` calls a page, a tenth of a dataset page's first
render, and a first render is what a worker under load spends its time on (the rendered
page cache answers the rest). Nothing in them depends on the visitor: the account links, the
sign-in link and the language switch (which name the current address) stay in
``base.html``.

A fragment is kept by the app (its settings name the site) per (name, language, script
root): links are written relative to the
script root the app is mounted under, so an app served under two prefixes keeps one copy
each. The fingerprints ``url_for('static', ...)`` adds (``web/static_assets.py``) are those
of the files when the process first rendered the fragment: a deployment that changes the
static files restarts the workers. With template auto-reload on (debug), nothing is kept,
so an edited template or static file shows at once, as Jinja's own templates do; outside a
request (no language, no script root) nothing is kept either.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app, has_request_context, render_template, request
from markupsafe import Markup

from web.i18n import locale

# the fragments base.html includes, each a template in templates/_chrome/
FRAGMENTS = ("assets", "suggest", "nav", "footer")
# a bound on the copies kept (script roots come from the server, but a proxy may pass them)
MAX_KEPT = 64


class Kept:
    """The fragments one app rendered."""

    def __init__(self) -> None:
        self.fragments: dict[tuple[str, str, str], Markup] = {}
        self.lock = threading.Lock()


def chrome(name: str) -> Markup:
    """The fragment ``name`` for this request's language and script root, rendered once."""
    if name not in FRAGMENTS:
        raise ValueError(f"no page fragment {name!r} (one of {', '.join(FRAGMENTS)})")
    if current_app.jinja_env.auto_reload or not has_request_context():
        return Markup(render_template(f"_chrome/{name}.html"))
    store: Kept = current_app.extensions["chrome"]
    key = (name, locale(), request.script_root)
    fragment = store.fragments.get(key)
    if fragment is None:
        fragment = Markup(render_template(f"_chrome/{name}.html"))
        with store.lock:
            if len(store.fragments) >= MAX_KEPT:
                store.fragments.clear()
            store.fragments[key] = fragment
    return fragment


def register_chrome(app: Flask) -> None:
    app.extensions["chrome"] = Kept()
    app.jinja_env.globals["chrome"] = chrome
