"""Personal API tokens: shown once, stored as a SHA-256 hash, revocable.

Checking a token is a read: it runs in a read session, and ``last_used_at`` is written at
most once per ``TOUCH_EVERY`` per token, so API reads do not contend for the write lock.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update
from sqlalchemy.exc import OperationalError

from catalog.errors import NotFound, PermissionDenied
from catalog.models import ApiToken, User, utcnow
from catalog.services import audit, authz
from catalog.services.authz import Actor

if TYPE_CHECKING:
    from catalog.context import Catalog

PREFIX = "dpc_"
TOUCH_EVERY = timedelta(minutes=5)  # how stale ``last_used_at`` may be
log = logging.getLogger(__name__)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(cat: Catalog, actor: Actor, name: str) -> tuple[str, ApiToken]:
    """A new token for the actor; the plain token is returned here and never again."""
    user_id = actor.id
    if user_id is None or not actor.is_authenticated:
        raise PermissionDenied("sign in to create a token")
    plain = PREFIX + secrets.token_urlsafe(32)
    with cat.session() as s:
        tok = ApiToken(
            user_id=user_id, name=name[:100] or "token", token_hash=_hash(plain), prefix=plain[:12]
        )
        s.add(tok)
        s.flush()
        audit.record(s, actor, "token.create", "user", user_id, data={"token": tok.id})
    return plain, tok


def user_for_token(cat: Catalog, plain: str) -> User | None:
    if not plain or not plain.startswith(PREFIX):
        return None
    with cat.read_session() as s:
        tok = s.execute(
            select(ApiToken).where(ApiToken.token_hash == _hash(plain))
        ).scalar_one_or_none()
        if tok is None or tok.revoked_at is not None:
            return None
        user = s.get(User, tok.user_id)
        if user is None or not user.active:
            return None
        _ = user.memberships
        last_used = tok.last_used_at
    now = utcnow()
    if last_used is None or now - last_used >= TOUCH_EVERY:
        _touch(cat, tok.id, now)
    return user


def _touch(cat: Catalog, token_id: int, now: datetime) -> None:
    """Record the use, at most once per ``TOUCH_EVERY`` (the conditional update makes
    concurrent requests of one token write once); a busy database skips it, since the
    request is a read and must not fail for a statistic."""
    try:
        with cat.session() as s:
            s.execute(
                update(ApiToken)
                .where(
                    ApiToken.id == token_id,
                    or_(
                        ApiToken.last_used_at.is_(None),
                        ApiToken.last_used_at <= now - TOUCH_EVERY,
                    ),
                )
                .values(last_used_at=now)
            )
    except OperationalError as exc:
        log.info("token %s: last use not recorded (%s)", token_id, exc.orig)


def revoke_token(cat: Catalog, actor: Actor, token_id: int) -> None:
    with cat.session() as s:
        tok = s.get(ApiToken, token_id)
        if tok is None or (tok.user_id != actor.id and actor.role != "sysadmin"):
            raise NotFound("token not found")
        tok.revoked_at = utcnow()
        audit.record(s, actor, "token.revoke", "user", tok.user_id, data={"token": tok.id})


def list_tokens(cat: Catalog, actor: Actor) -> list[ApiToken]:
    """The actor's tokens, newest first (revoked ones too, marked); never the token itself."""
    authz.require(actor.is_authenticated and actor.id is not None, "sign in to see your tokens")
    with cat.session() as s:
        return list(
            s.execute(
                select(ApiToken).where(ApiToken.user_id == actor.id).order_by(ApiToken.id.desc())
            ).scalars()
        )
