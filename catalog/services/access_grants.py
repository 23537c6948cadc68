"""Grants and restricted downloads: whether an approved request is still in force, what
it opens, and the signed, expiring download links checked against the grant at every use.

A grant is an approved request from its start date to its end date (both included): it
does not work before the start the requester asked for, and a revoked or expired grant
stops working at once. Links are signed (itsdangerous) with the user and the distribution
and expire after ``LINK_MAX_AGE`` seconds. Every restricted download is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import or_, select

from catalog.errors import NotFound, PermissionDenied
from catalog.models import AccessRequest, Dataset, Distribution
from catalog.services import audit, authz
from catalog.services.access_reviews import today
from catalog.services.authz import Actor

if TYPE_CHECKING:
    from catalog.context import Catalog

LINK_MAX_AGE = 600  # seconds a signed download link works
_SALT = "restricted-download"


def is_active(req: AccessRequest, on: date | None = None) -> bool:
    """An approved grant in its period: started (the start date is the first day) and not
    ended (the end date is the last day)."""
    if req.state != "approved":
        return False
    day = on or today()
    if req.period_start is not None and req.period_start > day:
        return False
    return req.period_end is None or req.period_end >= day


def not_started(req: AccessRequest, on: date | None = None) -> bool:
    """An approved grant whose period has not begun yet."""
    return (
        req.state == "approved"
        and req.period_start is not None
        and req.period_start > (on or today())
    )


def active_grant_ids(session, user_id: str | None) -> frozenset[str]:
    """What the user's active grants open (``Actor.grants``): the ids of the datasets and
    of the distributions granted (``all:<dataset id>`` for a grant of every resource)."""
    if not user_id:
        return frozenset()
    rows = session.execute(
        select(AccessRequest.dataset_id, AccessRequest.distribution_ids).where(
            AccessRequest.requester_id == user_id,
            AccessRequest.state == "approved",
            or_(AccessRequest.period_start.is_(None), AccessRequest.period_start <= today()),
            or_(AccessRequest.period_end.is_(None), AccessRequest.period_end >= today()),
        )
    ).all()
    out: set[str] = set()
    for dataset_id, dist_ids in rows:
        out.add(dataset_id)
        out.update(dist_ids or [f"all:{dataset_id}"])
    return frozenset(out)


def with_grants(cat: Catalog, actor: Actor) -> Actor:
    """The actor with their active grants resolved (pages and APIs call this once per request)."""
    if actor.id is None:
        return actor
    with cat.session() as s:
        grants = active_grant_ids(s, actor.id)
    return Actor(actor.id, actor.role, dict(actor.org_roles), actor.name, grants)


def _serializer(cat: Catalog) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(cat.settings.secret_key, salt=_SALT)


def sign_download(cat: Catalog, actor: Actor, dist_id: str) -> str:
    """A token for one distribution and one user; it works for ``LINK_MAX_AGE`` seconds and
    only while the user may still see the distribution (checked again at download)."""
    authz.require_signed_in(actor)
    return _serializer(cat).dumps({"d": dist_id, "u": actor.id})


def _grants_of(session, actor: Actor, ds: Dataset, dist: Distribution) -> list[AccessRequest]:
    """The actor's approved requests covering the distribution, in force or not."""
    reqs = session.execute(
        select(AccessRequest).where(
            AccessRequest.dataset_id == ds.id,
            AccessRequest.requester_id == actor.id,
            AccessRequest.state == "approved",
        )
    ).scalars()
    return [r for r in reqs if not r.distribution_ids or dist.id in r.distribution_ids]


def may_download(session, actor: Actor, ds: Dataset, dist: Distribution) -> str | None:
    """Why the actor may fetch a restricted distribution now ("editor" / "grant"), or None."""
    if authz.can_edit_dataset(actor, ds):
        return "editor"
    if ds.status != "published" or ds.access_rights != "conditional":
        return None
    if any(is_active(req) for req in _grants_of(session, actor, ds, dist)):
        return "grant"
    return None


class NotStarted(PermissionDenied):
    """The grant is approved but its period begins later."""

    def __init__(self, start: date):
        super().__init__(f"your access to this dataset starts on {start.isoformat()}")
        self.start = start


@dataclass(frozen=True)
class Download:
    url: str | None  # redirect here
    stored_file: str | None  # or serve this upload ("<sha256>/<name>")
    media_type: str | None


def open_download(cat: Catalog, actor: Actor, token: str, address: str | None = None) -> Download:
    """Check a signed link and the grant behind it now; audit the download."""
    authz.require_signed_in(actor)
    try:
        payload = _serializer(cat).loads(token, max_age=LINK_MAX_AGE)
    except SignatureExpired:
        raise PermissionDenied(
            "the download link has expired: open the dataset page again"
        ) from None
    except BadSignature:
        raise NotFound("no such download") from None
    if not isinstance(payload, dict) or payload.get("u") != actor.id:
        raise PermissionDenied("this download link belongs to someone else")
    with cat.session() as s:
        dist = s.get(Distribution, str(payload.get("d")))
        if dist is None:
            raise NotFound("no such download")
        ds = s.get(Dataset, dist.dataset_id)
        why = may_download(s, actor, ds, dist) if dist.restricted else "public"
        if why is None:
            audit.record(
                s, actor, "access.download_refused", "dataset", ds.id, address=address,
                data={"distribution": dist.id},
            )  # fmt: skip
            s.commit()
            later = [r.period_start for r in _grants_of(s, actor, ds, dist) if not_started(r)]
            if later:
                raise NotStarted(min(d for d in later if d is not None))
            raise PermissionDenied("your access to this dataset has ended or was revoked")
        audit.record(
            s, actor, "access.download", "dataset", ds.id, address=address,
            data={"distribution": dist.id, "as": why},
        )  # fmt: skip
        return Download(dist.download_url or dist.access_url, dist.stored_file, dist.media_type)
