"""Loading the demo catalog through the same services every other write uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import select

from catalog.models import Dataset, Organization
from catalog.services import datasets, organizations
from catalog.services.authz import SYSTEM

if TYPE_CHECKING:
    from catalog.context import Catalog


def load_demo(cat: Catalog, progress: Callable[[int], None] | None = None, seed: int = 7) -> dict:
    """Add the demo organizations and datasets; records already present are left alone."""
    from catalog.demo import demo_records

    orgs, dsets = demo_records(seed)
    added = {"organizations": 0, "datasets": 0}
    with cat.session() as s:
        have_orgs = set(s.execute(select(Organization.name)).scalars())
        have_ds = set(s.execute(select(Dataset.name)).scalars())
    with cat.deferred_indexing():
        for org in orgs:
            data = dict(org)
            status = data.pop("partner_status", None)
            if data["name"] not in have_orgs:
                organizations.create_organization(cat, SYSTEM, data)
                if status:
                    organizations.set_partner_status(cat, SYSTEM, data["name"], "applied")
                    if status != "applied":
                        organizations.set_partner_status(cat, SYSTEM, data["name"], status)
                added["organizations"] += 1
        for ds in dsets:
            if ds.get("name") not in have_ds:
                datasets.create_dataset(cat, SYSTEM, ds, status="published")
                added["datasets"] += 1
            if progress:
                progress(1)
    return added
