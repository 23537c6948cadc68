"""Signed-in people on the pages: Flask-Login sessions carrying the service layer's Actor.

The session cookie holds the user id, a stamp derived from the password hash and the
account's session generation: changing or resetting a password ends every other session of
that account, and signing out moves the generation on (``users.end_sessions``), so a copied
cookie of that account stops working on the server, not only in the browser. Pages never
decide permissions from the session themselves: they pass ``current_actor()`` to the
services, which decide.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps

from flask import abort, g
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin, LoginManager, UserMixin, current_user

from catalog.models import User
from catalog.services import access, users
from catalog.services.authz import ANONYMOUS, Actor

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


def _stamp(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:16]


class SessionUser(UserMixin):
    """What a page knows of the signed-in person."""

    def __init__(self, user: User) -> None:
        self.id = user.id
        self.email = user.email
        self.name = user.name
        self.role = user.role
        self.actor = Actor.of(user)
        self._stamp = _stamp(user.password_hash)
        self._generation = user.session_generation or 0

    def get_id(self) -> str:
        return f"{self.id}:{self._stamp}:{self._generation}"

    @property
    def is_curator(self) -> bool:
        return self.actor.is_curator

    @property
    def is_partner(self) -> bool:
        return bool(self.actor.org_roles)

    @property
    def is_partner_admin(self) -> bool:
        return "admin" in self.actor.org_roles.values()


class AnonymousVisitor(AnonymousUserMixin):
    actor = ANONYMOUS
    role = "anonymous"
    is_curator = False
    is_partner = False
    is_partner_admin = False


login_manager.anonymous_user = AnonymousVisitor


@login_manager.user_loader
def _load(session_id: str) -> SessionUser | None:
    user_id, _sep, rest = session_id.partition(":")
    stamp, _sep, generation = rest.partition(":")
    user = users.get_user(g.catalog, user_id)
    if user is None or not user.active or _stamp(user.password_hash) != stamp:
        return None
    if generation != str(user.session_generation or 0):
        return None  # signed out since (or a cookie from before generations): sign in again
    person = SessionUser(user)
    person.actor = access.with_grants(g.catalog, person.actor)
    return person


def current_actor() -> Actor:
    return current_user.actor


def curator_required(view: Callable) -> Callable:
    """Pages of the bureau: sign in first; a signed-in non-curator gets 403. (The services
    check again: this only gives a page instead of an error.)"""

    @wraps(view)
    def wrapped(*args: object, **kwargs: object) -> object:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_curator:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
