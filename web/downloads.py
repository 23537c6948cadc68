"""Signed download links of restricted distributions, for every surface that lists them."""

from __future__ import annotations

from collections.abc import Callable

from flask import g, url_for

from catalog.services import access
from catalog.services.authz import Actor


def signer(actor: Actor) -> Callable[[str], str] | None:
    """distribution id -> a signed, expiring download URL for ``actor`` (None: anonymous)."""
    if actor.id is None:
        return None

    def link(dist_id: str) -> str:
        token = access.sign_download(g.catalog, actor, dist_id)
        return url_for("access.download", token=token, _external=True)

    return link
