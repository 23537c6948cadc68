"""Who may set each dataset field, declared once (issue 13, item 2).

``datasets.create_dataset`` / ``update_dataset`` / ``release_field`` call :func:`check` and
:func:`require_release`, so the pages, the JSON API, the CKAN API and the CLI obey the same
table. Harvests run as ``SYSTEM``, which counts as the bureau.

Roles are those of :mod:`catalog.services.authz`, seen from one dataset: ``anonymous``,
``user`` (signed in, not of the publisher), ``member`` and ``admin`` (of the publisher),
``curator`` (the data bureau; sysadmins and ``SYSTEM`` too). Anonymous callers and plain
users edit nothing (``authz.can_edit_dataset``); editors (members, admins, curators) set
every field except the bureau's:

- ``featured``: the home page is the bureau's;
- ``review_by``: who decides access requests (moving it to the publisher would let the
  publisher's admins approve requests meant for the bureau);
- ``access_rights`` of a dataset on the open list (开放清单): the list's openness is the
  bureau's decision, so the catalog record cannot contradict it;
- curator locks: a field a curator edited is held against harvests by the curator
  (``field_provenance`` ``user:<curator>``); only the bureau releases it.

A refused field is never dropped silently: :func:`check` raises ``ValidationFailed`` with a
message under each field. Setting a bureau field to the value it already has (a form or an
API client sending the whole record back) is not a change and passes.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from catalog.errors import Conflict, PermissionDenied, ValidationFailed
from catalog.models import AccessRequest, Dataset, OpenListEntry, User
from catalog.services.authz import Actor
from schemas.dataset import EDITABLE_FIELDS

ROLES = ("anonymous", "user", "member", "admin", "curator")
EDITORS = frozenset({"member", "admin", "curator"})
BUREAU = frozenset({"curator"})

# fields only the bureau sets, whatever the dataset
BUREAU_FIELDS = frozenset({"featured", "review_by"})
# fields only the bureau sets when the dataset is on the open list
OPEN_LIST_FIELDS = frozenset({"access_rights"})

BUREAU_ONLY = "Only the data bureau may set this field."
OPEN_LIST_ONLY = "Only the data bureau may change this on a dataset of the open list."
LOCK_ONLY = "Only the data bureau may release a field a curator holds."
# access requests not yet decided (``access_requests.OPEN_STATES``)
_UNDECIDED = ("submitted", "needs_info")


def role_of(actor: Actor, org_id: str | None) -> str:
    """The actor's role towards a dataset of ``org_id``."""
    if actor.is_curator:
        return "curator"
    if actor.admin_of(org_id):
        return "admin"
    if actor.member_of(org_id):
        return "member"
    return "user" if actor.is_authenticated else "anonymous"


def allowed_roles(field: str, on_open_list: bool = False) -> frozenset[str]:
    """Who may set ``field`` of a dataset (on the open list or not)."""
    if field not in EDITABLE_FIELDS:
        return frozenset()
    if field in BUREAU_FIELDS or (on_open_list and field in OPEN_LIST_FIELDS):
        return BUREAU
    return EDITORS


def may_set(actor: Actor, org_id: str | None, field: str, on_open_list: bool = False) -> bool:
    return role_of(actor, org_id) in allowed_roles(field, on_open_list)


def on_open_list(session: Session, ds: Dataset | None) -> bool:
    """Whether a dataset is an item of the open list (working copy or a published version):
    linked to an entry, or carrying an entry's resource code."""
    if ds is None or ds.id is None:
        return False
    match = OpenListEntry.dataset_id == ds.id
    if ds.resource_code:
        match = or_(match, OpenListEntry.resource_code == ds.resource_code)
    return session.execute(select(OpenListEntry.id).where(match).limit(1)).first() is not None


def check(
    session: Session,
    actor: Actor,
    org_id: str | None,
    values: dict,
    current: Dataset | dict,
) -> None:
    """Refuse the fields of ``values`` the actor may not set, naming each.

    ``current`` is the dataset being changed, or for a new one the schema's defaults: a
    value equal to it is no change and passes.
    """
    ds = current if isinstance(current, Dataset) else None
    defaults = current if isinstance(current, dict) else {}
    listed: bool | None = None
    errors: dict[str, list[str]] = {}
    for key in sorted(values):
        if key not in BUREAU_FIELDS | OPEN_LIST_FIELDS:
            continue
        before = getattr(ds, key) if ds is not None else defaults.get(key)
        if values[key] == before:
            continue
        if key in OPEN_LIST_FIELDS and key not in BUREAU_FIELDS:
            if listed is None:
                listed = on_open_list(session, ds)
            if not may_set(actor, org_id, key, listed):
                errors[key] = [OPEN_LIST_ONLY]
        elif not may_set(actor, org_id, key):
            errors[key] = [BUREAU_ONLY]
    if errors:
        raise ValidationFailed(errors)


def require_review_switch(session: Session, ds: Dataset, values: dict) -> None:
    """Requests submitted while the bureau reviews a dataset were addressed to the bureau:
    ``review_by`` does not move from the bureau to the publisher (whose admins would then
    decide them) until the bureau has decided them -- not even by a curator's edit."""
    if ds.review_by != "bureau" or values.get("review_by", "bureau") == "bureau":
        return
    waiting = session.execute(
        select(AccessRequest.id)
        .where(AccessRequest.dataset_id == ds.id, AccessRequest.state.in_(_UNDECIDED))
        .limit(1)
    ).first()
    if waiting is not None:
        raise Conflict(
            "review_by: access requests addressed to the data bureau wait for its decision;"
            " decide them before handing the review to the publisher"
        )


def is_curator_lock(session: Session, owner: str) -> bool:
    """Whether a ``field_provenance`` mark is a curator's edit (``user:<id>`` of a curator,
    or ``user:system``)."""
    if not owner.startswith("user:"):
        return False
    user_id = owner.removeprefix("user:")
    if user_id == "system":
        return True
    role = session.execute(select(User.role).where(User.id == user_id)).scalar()
    return role in ("curator", "sysadmin")


def require_release(session: Session, actor: Actor, field: str, owner: str) -> None:
    """Only the bureau hands a field a curator holds back to the harvest."""
    if is_curator_lock(session, owner) and not actor.is_curator:
        raise PermissionDenied(f"{field}: {LOCK_ONLY}")
