"""The notice list and its e-mail digests (issue 16, item 3).

News reaches a user as a row of ``notifications``: a followed dataset changed, a followed
organization published a dataset, a new dataset matches a saved search, a request they made,
gave a +1 or follow was fulfilled, a new request falls in their partner organization's
themes. Requests make their notices when they change (``data_requests``); datasets are swept
by :func:`collect` (``catalog notices send``, cron-able), which looks at what changed since
each follow was last checked, so saving a dataset costs nothing more. A notice is unique per
user, kind, object and cause, so sweeping twice never tells anyone twice.

:func:`send_digests` mails each user one message of what is pending, with a one-click
unsubscribe link (a signed token, no sign-in) that stops the e-mails, not the list.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, or_, select, update

from catalog.models import (
    AuditEvent,
    DataRequest,
    DataRequestVote,
    Dataset,
    Follow,
    MailOptOut,
    Membership,
    Notification,
    Organization,
    User,
    utcnow,
)
from catalog.search.base import SearchQuery
from catalog.services import authz, mail
from catalog.services.authz import Actor
from catalog.services.mail import Message

if TYPE_CHECKING:
    from catalog.context import Catalog

KINDS = {
    "dataset_changed": ("您关注的数据集有更新", "A dataset you follow changed"),
    "new_dataset": ("您关注的机构发布了新数据集", "New dataset from an organization you follow"),
    "search_match": ("新数据集符合您保存的搜索", "New dataset matching your saved search"),
    "request_fulfilled": ("数据需求已满足", "Data request fulfilled"),
    "request_routed": ("与您的领域相关的新数据需求", "New data request in your fields"),
}
_SALT = "notice-unsubscribe"
# one sweep looks at most this many new datasets per saved search
_MAX_CANDIDATES = 1000


Row = tuple[str, str, str, str, str, str, str]  # user, kind, object type and id, cause, title, path


def _add(s, rows: Iterable[Row], mailed: frozenset[str] = frozenset()) -> int:
    """Insert notices not yet there (unique per user, kind, object and cause)."""
    n = 0
    now = utcnow()
    for user_id, kind, otype, oid, cause, title, path in rows:
        exists = s.execute(
            select(Notification.id).where(
                Notification.user_id == user_id,
                Notification.kind == kind,
                Notification.object_id == oid,
                Notification.cause == cause,
            )
        ).first()
        if exists:
            continue
        s.add(
            Notification(
                user_id=user_id,
                kind=kind,
                object_type=otype,
                object_id=oid,
                cause=cause[:64],
                title=title[:500],
                path=path[:500],
                mailed_at=now if user_id in mailed else None,
            )
        )
        s.flush()
        n += 1
    return n


def _published_since(s, since: datetime) -> dict[str, datetime]:
    """Datasets that became public after ``since``: id -> when (created published, or a
    later publication)."""
    out: dict[str, datetime] = {}
    for ds_id, at in s.execute(
        select(Dataset.id, Dataset.created_at).where(
            Dataset.status == "published", Dataset.created_at > since
        )
    ):
        out[ds_id] = at
    for ds_id, at in s.execute(
        select(AuditEvent.object_id, func.max(AuditEvent.at))
        .where(
            AuditEvent.object_type == "dataset",
            AuditEvent.action == "dataset.published",
            AuditEvent.at > since,
        )
        .group_by(AuditEvent.object_id)
    ):
        out[ds_id] = max(at, out.get(ds_id, at))
    if out:
        live = set(
            s.execute(
                select(Dataset.id).where(Dataset.id.in_(list(out)), Dataset.status == "published")
            ).scalars()
        )
        out = {k: v for k, v in out.items() if k in live}
    return out


def collect(cat: Catalog, now: datetime | None = None) -> int:
    """Sweep every follow for news since it was last checked; returns notices made."""
    now = now or utcnow()
    made = 0
    with cat.session() as s:
        follows = list(s.execute(select(Follow).where(Follow.checked_at < now)).scalars())
        if not follows:
            return 0
        since = min(f.checked_at for f in follows)
        fresh = _published_since(s, since)
        infos = {
            d.id: d for d in s.execute(select(Dataset).where(Dataset.id.in_(list(fresh)))).scalars()
        }
        rows: list[Row] = []
        for f in follows:
            if f.target_type == "dataset":
                ds = s.get(Dataset, f.target_id)
                if ds is not None and ds.status == "published" and ds.updated_at > f.checked_at:
                    stamp = ds.updated_at.strftime("%Y%m%dT%H%M%S")
                    rows.append(
                        (f.user_id, "dataset_changed", "dataset", ds.id, stamp, ds.title,
                         f"/dataset/{ds.name}")
                    )  # fmt: skip
            elif f.target_type == "organization":
                for ds_id, at in fresh.items():
                    ds = infos[ds_id]
                    if at > f.checked_at and ds.organization_id == f.target_id:
                        rows.append(
                            (f.user_id, "new_dataset", "dataset", ds.id, str(f.id), ds.title,
                             f"/dataset/{ds.name}")
                        )  # fmt: skip
            elif f.target_type == "search":
                ids = [i for i, at in fresh.items() if at > f.checked_at][:_MAX_CANDIDATES]
                for ds_id in _matching(cat, f, ids):
                    ds = infos[ds_id]
                    rows.append(
                        (f.user_id, "search_match", "dataset", ds.id, str(f.id), ds.title,
                         f"/dataset/{ds.name}")
                    )  # fmt: skip
            f.checked_at = now
        made = _add(s, rows)
    return made


def _matching(cat: Catalog, f: Follow, ids: list[str]) -> list[str]:
    """Which of ``ids`` the saved search finds (the search backend decides, as on the page)."""
    if not ids:
        return []
    q = f.query or {}
    query = SearchQuery(
        text=q.get("q", ""),
        filters=q.get("filters") or {},
        facets=(),
        page_size=100,
        only_ids=tuple(ids),
    )
    found: list[str] = []
    while True:  # SearchUnavailable propagates: the sweep's transaction (checked_at) rolls back
        res = cat.search.search(query)
        found += [h.id for h in res.hits]
        if len(res.hits) < query.page_size or len(found) >= res.total:
            return found
        query.page += 1


def request_notices(
    s, req: DataRequest, kind: str, *, mailed: frozenset[str] = frozenset(), cause: str = ""
) -> int:
    """Notices of a request's change to its requester, its +1s and its followers (those in
    ``mailed`` were e-mailed at once and are left out of their next digest)."""
    voters = select(DataRequestVote.user_id).where(DataRequestVote.request_id == req.id)
    followers = select(Follow.user_id).where(
        Follow.target_type == "data_request", Follow.target_id == str(req.id)
    )
    users = s.execute(
        select(User.id).where(
            or_(User.id == req.requester_id, User.id.in_(voters), User.id.in_(followers)),
            User.active.is_(True),
        )
    ).scalars()
    path = f"/data-requests/{req.id}"
    rows = [(u, kind, "data_request", str(req.id), cause, req.what, path) for u in users]
    return _add(s, rows, mailed)


def route_request(s, req: DataRequest) -> int:
    """A new request goes to the bureau (curators) and, when it is public, to the members
    of verified partner organizations whose fields of data include its scenario (a private
    request is the bureau's alone)."""
    orgs = (
        []
        if not req.public
        else [
            o.id
            for o in s.execute(
                select(Organization).where(Organization.partner_status == "verified")
            )
            .scalars()
            .all()
            if req.scenario in (o.fields_of_data or [])
        ]
    )
    members = (
        select(Membership.user_id).where(Membership.organization_id.in_(orgs)) if orgs else None
    )
    cond = [User.role.in_(("curator", "sysadmin"))]
    if members is not None:
        cond.append(User.id.in_(members))
    users = s.execute(
        select(User.id).where(or_(*cond), User.active.is_(True), User.id != req.requester_id)
    ).scalars()
    path = f"/data-requests/{req.id}"
    return _add(
        s, [(u, "request_routed", "data_request", str(req.id), "", req.what, path) for u in users]
    )


# -- the notice list -----------------------------------------------------------------------
def list_notices(cat: Catalog, actor: Actor, limit: int = 100) -> list[Notification]:
    authz.require_signed_in(actor)
    with cat.session() as s:
        return list(
            s.execute(
                select(Notification)
                .where(Notification.user_id == actor.id)
                .order_by(Notification.created_at.desc(), Notification.id.desc())
                .limit(limit)
            ).scalars()
        )


def unread_count(cat: Catalog, actor: Actor) -> int:
    if actor.id is None:
        return 0
    with cat.read_session() as s:
        return s.execute(
            select(func.count(Notification.id)).where(
                Notification.user_id == actor.id, Notification.read_at.is_(None)
            )
        ).scalar_one()


def mark_read(cat: Catalog, actor: Actor) -> int:
    authz.require_signed_in(actor)
    with cat.session() as s:
        done = s.execute(
            update(Notification)
            .where(Notification.user_id == actor.id, Notification.read_at.is_(None))
            .values(read_at=utcnow())
        )
        return done.rowcount  # type: ignore[attr-defined]


# -- e-mail --------------------------------------------------------------------------------
def unsubscribe_token(secret: str, user_id: str) -> str:
    return URLSafeSerializer(secret, salt=_SALT).dumps(user_id)


def unsubscribe(cat: Catalog, token: str) -> bool:
    """Stop a user's notice e-mails from the link in a digest (no sign-in); False when the
    token is not one we signed."""
    try:
        user_id = URLSafeSerializer(cat.settings.secret_key, salt=_SALT).loads(token)
    except BadSignature:
        return False
    with cat.session() as s:
        if s.get(User, user_id) is None:
            return False
        if s.get(MailOptOut, user_id) is None:
            s.add(MailOptOut(user_id=user_id))
    return True


def mails_stopped(cat: Catalog, actor: Actor) -> bool:
    if actor.id is None:
        return False
    with cat.read_session() as s:
        return s.get(MailOptOut, actor.id) is not None


def resume_mail(cat: Catalog, actor: Actor) -> None:
    authz.require_signed_in(actor)
    with cat.session() as s:
        row = s.get(MailOptOut, actor.id)
        if row is not None:
            s.delete(row)


def send_digests(cat: Catalog, base_url: str) -> int:
    """One e-mail per user with what is pending; returns how many were sent. Users who
    stopped the e-mails keep their list; their pending notices are marked as handled."""
    base = base_url.rstrip("/")
    sent = 0
    with cat.session() as s:
        pending = list(
            s.execute(
                select(Notification)
                .where(Notification.mailed_at.is_(None))
                .order_by(Notification.user_id, Notification.created_at, Notification.id)
            ).scalars()
        )
        by_user: dict[str, list[Notification]] = {}
        for n in pending:
            by_user.setdefault(n.user_id, []).append(n)
        stopped = set(s.execute(select(MailOptOut.user_id)).scalars())
        users = {
            u.id: u for u in s.execute(select(User).where(User.id.in_(list(by_user)))).scalars()
        }
        digests = []
        now = utcnow()
        for user_id, items in by_user.items():
            user = users.get(user_id)
            for n in items:
                n.mailed_at = now
            if user is None or not user.active or user_id in stopped or not user.email:
                continue
            lines = [(KINDS.get(n.kind, (n.kind, n.kind)), n.title, base + n.path) for n in items]
            link = (
                f"{base}/notices/unsubscribe/{unsubscribe_token(cat.settings.secret_key, user_id)}"
            )
            digests.append(
                digest(cat.settings.site_name, user.email, lines, link, base + "/account/notices")
            )
    for msg in digests:  # after the commit: a failed send never undoes the marks
        sent += int(mail.send(cat.settings, msg))
    return sent


def digest(
    site: str,
    to: str,
    items: list[tuple[tuple[str, str], str, str]],
    unsubscribe_link: str,
    list_link: str,
) -> Message:
    """The digest e-mail: each news item with its link, then how to stop these e-mails."""
    zh = "\n".join(f"- {k[0]}：{title}\n  {link}" for k, title, link in items)
    en = "\n".join(f"- {k[1]}: {title}\n  {link}" for k, title, link in items)
    body_zh = (
        f"{site}有 {len(items)} 条您关注内容的新消息：\n\n{zh}\n\n全部消息：{list_link}\n\n"
        f"不想再收到这类邮件？点击即可退订（无需登录）：\n{unsubscribe_link}"
    )
    body_en = (
        f"{len(items)} new notices about what you follow:\n\n{en}\n\nAll notices: {list_link}\n\n"
        f"Stop these e-mails with one click (no sign-in needed):\n{unsubscribe_link}"
    )
    return Message(
        (to,),
        f"{site}：{len(items)} 条新消息 / {len(items)} new notices",
        body_zh + "\n\n---\n\n" + body_en + "\n",
    )
