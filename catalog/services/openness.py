"""One truth for openness (开放属性): an open-list item and its dataset never disagree unseen.

An item of the curators' working list linked to a catalog dataset says the same openness as
the dataset's access rights. Changing the item's openness changes the dataset here, in the
same transaction, as a dataset change (version, audit event ``dataset.openness``, index) held
against later harvests like any curator's edit; it also settles a harvested row that was
held for review because its sheet gave no openness. A dataset changed elsewhere (its editor,
a harvest) makes the item disagree: :func:`conflicts` lists those items, the working list
shows them and publishing the list is refused until each is resolved one way or the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Dataset, OpenListEntry
from catalog.services import audit, authz, datasets
from catalog.services.authz import Actor
from catalog.services.harvest_store import REVIEW_KEY


@dataclass(frozen=True)
class Conflict:
    """A working-list item whose dataset says another openness, or none yet."""

    entry_id: int
    resource_code: str
    title: str
    dataset: str
    listed: str
    dataset_openness: str
    # the dataset came from a sheet row without a readable openness (held for review)
    under_review: bool
    title_en: str | None = None  # the dataset's, for the English pages

    @property
    def kind(self) -> str:
        return "review" if self.under_review else "differs"


def under_review(ds: Dataset) -> bool:
    return bool((ds.extras or {}).get(REVIEW_KEY))


def set_dataset_openness(
    s: Session, actor: Actor, ds: Dataset, openness: str, *, via: str, note: str | None = None
) -> bool:
    """Give a dataset the openness the bureau decided (curators only); clears the sheet's
    "openness unknown" mark. Returns whether anything changed."""
    authz.require_curator(actor)
    was_review = under_review(ds)
    if ds.access_rights == openness and not was_review:
        return False
    before = ds.access_rights
    ds.access_rights = openness
    if was_review:
        ds.extras = {k: v for k, v in (ds.extras or {}).items() if k != REVIEW_KEY}
    ds.updated_by = actor.id
    # the bureau's decision: a later harvest of the sheet does not undo it
    owner = datasets.user_owner(actor)
    ds.field_provenance = {**(ds.field_provenance or {}), "access_rights": owner}
    audit.record(
        s,
        actor,
        "dataset.openness",
        "dataset",
        ds.id,
        note=note,
        data={"from": before, "to": openness, "via": via, "was_under_review": was_review},
    )
    datasets.finish_change(s, ds, actor)
    return True


def conflicts(s: Session) -> list[Conflict]:
    """Working-list items whose linked dataset disagrees on openness or awaits review."""
    rows = s.execute(
        select(OpenListEntry, Dataset)
        .join(Dataset, Dataset.id == OpenListEntry.dataset_id)
        .where(OpenListEntry.version_id.is_(None))
        .order_by(OpenListEntry.resource_code, OpenListEntry.id)
    ).all()
    out = []
    for entry, ds in rows:
        review = under_review(ds)
        if review or ds.access_rights != entry.openness:
            out.append(
                Conflict(
                    entry_id=entry.id,
                    resource_code=entry.resource_code,
                    title=entry.title,
                    dataset=ds.name,
                    listed=entry.openness,
                    dataset_openness=ds.access_rights,
                    under_review=review,
                    title_en=ds.title_en,
                )
            )
    return out
