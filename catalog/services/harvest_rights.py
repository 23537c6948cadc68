"""Who may manage which harvest source, and which addresses they may make the server read.

A source publishes into the catalog, so the bureau's curators manage every source; a
partner organization's admins manage the sources that harvest for their own organization,
never trust one (its records always wait for a curator) and point one only at a public web
server: a file of the server, the loopback or the bureau's own network are the curators'.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from catalog.errors import ValidationFailed
from catalog.services import authz
from catalog.services.authz import Actor


def can_manage(actor: Actor, org_id: str | None) -> bool:
    """Curators, and the admins of the organization the source harvests for."""
    return actor.is_curator or (org_id is not None and actor.admin_of(org_id))


def require_manage(actor: Actor, org_id: str | None) -> None:
    authz.require(
        can_manage(actor, org_id),
        "only curators and the organization's admins manage its harvest sources",
    )


def require_may_trust(actor: Actor, trusted: object) -> None:
    """Trusting a source (its new records published at once) is the bureau's decision."""
    if trusted and not actor.is_curator:
        raise ValidationFailed({"trusted": ["Only the bureau's curators trust a source."]})


def public_http(url: str) -> bool:
    """An http(s) URL whose host resolves only to public addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        return False
    return all(ipaddress.ip_address(str(info[4][0])).is_global for info in infos)


def require_fetchable(actor: Actor, url: str) -> None:
    """Curators may point a source at any URL or at a file of the server (the bureau's own
    sheets); anyone else only at a public http(s) address."""
    if not actor.is_curator and not public_http(url):
        raise ValidationFailed({"url": ["Give an http or https address of a public web server."]})
