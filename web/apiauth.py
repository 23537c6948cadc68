"""Who is calling an API: a personal API token, or nobody.

Tokens come as ``Authorization: Bearer <token>``; the CKAN-compatible API also takes the raw
token in ``Authorization`` or ``X-CKAN-API-Key``, as ``ckanapi`` sends it. Session cookies
are deliberately not read here, so a page open in a browser cannot be made to call the
write endpoints (no CSRF on the APIs).
"""

from __future__ import annotations

from flask import g, request

from catalog.errors import CatalogError
from catalog.services import access
from catalog.services.authz import ANONYMOUS, Actor
from catalog.services.tokens import user_for_token


class Unauthenticated(CatalogError):
    """A token was sent but is unknown, revoked or belongs to a deactivated account."""

    status = 401


def _presented_token(ckan_style: bool) -> str | None:
    header = request.headers.get("Authorization", "").strip()
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    if ckan_style:
        return header or request.headers.get("X-CKAN-API-Key", "").strip() or None
    if header:
        raise Unauthenticated("use 'Authorization: Bearer <token>'")
    return None


def api_actor(ckan_style: bool = False) -> Actor:
    """The actor behind this request (cached for the request); a bad token is an error."""
    if "api_actor" in g:
        return g.api_actor
    token = _presented_token(ckan_style)
    actor = ANONYMOUS
    if token:
        user = user_for_token(g.catalog, token)
        if user is None:
            raise Unauthenticated("invalid or revoked API token")
        actor = access.with_grants(g.catalog, Actor.of(user))
    g.api_actor = actor
    return actor


def require_token() -> Actor:
    actor = api_actor()
    if not actor.is_authenticated:
        raise Unauthenticated(
            "this call needs a personal API token: 'Authorization: Bearer <token>'"
        )
    return actor
