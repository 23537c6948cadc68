"""Personal API tokens: shown once, stored as a SHA-256 hash, revocable."""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

from sqlalchemy import select

from catalog.errors import NotFound, PermissionDenied
from catalog.models import ApiToken, User, utcnow
from catalog.services import audit, authz
from catalog.services.authz import Actor

if TYPE_CHECKING:
    from catalog.context import Catalog

PREFIX = "dpc_"


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
    with cat.session() as s:
        tok = s.execute(
            select(ApiToken).where(ApiToken.token_hash == _hash(plain))
        ).scalar_one_or_none()
        if tok is None or tok.revoked_at is not None:
            return None
        user = s.get(User, tok.user_id)
        if user is None or not user.active:
            return None
        tok.last_used_at = utcnow()
        _ = user.memberships
        return user


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
