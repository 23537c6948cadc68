"""Which distributions of a dataset a caller may see, and which only through a signed link.

Every surface asks here (dataset pages, the APIs and exports through ``published``, file
downloads through ``uploads``), so a restricted file cannot show through one and not the
others. ``datasets`` and ``uploads`` both need these rules; they live apart from both so
neither service imports the other to reach them.
"""

from __future__ import annotations

from catalog.models import Dataset, Distribution
from catalog.services import authz
from catalog.services.authz import Actor


def visible_distributions(actor: Actor, ds: Dataset) -> list[Distribution]:
    """Distributions the actor may see: restricted ones only to the dataset's editors and to
    holders of an active access grant (``actor.grants``, resolved by ``access.with_grants``;
    the download itself checks the grant again). The one place every surface asks."""
    if authz.can_edit_dataset(actor, ds):
        return list(ds.distributions)
    if ds.id in actor.grants and ds.status == "published" and ds.access_rights == "conditional":
        every = f"all:{ds.id}" in actor.grants
        return [d for d in ds.distributions if not d.restricted or every or d.id in actor.grants]
    return [d for d in ds.distributions if not d.restricted]


def needs_signed_link(actor: Actor, ds: Dataset, dist: Distribution) -> bool:
    """A restricted distribution is reached through a signed, expiring link (never its URL)
    by everyone but the dataset's editors."""
    return bool(dist.restricted) and not authz.can_edit_dataset(actor, ds)
