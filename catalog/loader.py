"""Loading the demo catalog through the same services every other write uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import select

from catalog.models import Dataset, OpenListVersion, Organization
from catalog.services import datasets, openlist, openlist_fill, organizations
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
        added["openlist_versions"] = load_demo_openlist(cat)
    return added


# the demo's open list: a first version of most of the departments' resources, then a
# second that adds the rest, drops a few and tightens the openness of two, so the public
# page, the version list and the comparison of versions all show something on first run
_V1_NOTE = "保定市公共数据资源开放清单（2025年版）"
_V2_NOTE = "2026年第一次调整：新增部分部门资源，撤下已停止更新的资源，两项调整为有条件开放"


def load_demo_openlist(cat: Catalog) -> int:
    """Publish the demo's two open-list versions through the open-list services (as the
    system), unless a version exists already; returns how many versions it published."""
    with cat.session() as s:
        if s.execute(select(OpenListVersion.id).limit(1)).first():
            return 0
        listed = list(
            s.execute(
                select(Dataset.name)
                .where(
                    Dataset.kind == "open_data",
                    Dataset.status == "published",
                    Dataset.resource_code.is_not(None),
                )
                .order_by(Dataset.resource_code)
            ).scalars()
        )
    if len(listed) < 30:
        return 0
    later = listed[::12]
    first = [n for n in listed if n not in set(later)]
    openlist_fill.add_datasets(cat, SYSTEM, first, via="demo")
    openlist.publish(cat, SYSTEM, _V1_NOTE)
    openlist_fill.add_datasets(cat, SYSTEM, later, via="demo")
    items = {e["dataset"]: e for e in openlist.working_entries(cat, SYSTEM)}
    for name in first[5:200:50]:
        openlist.remove_entry(cat, SYSTEM, items[name]["id"])
    opened = [items[n] for n in first[7:] if items[n]["openness"] == "unconditional"][:2]
    for entry in opened:
        form = {k: entry[k] for k in openlist.FIELDS}
        openlist.update_entry(
            cat,
            SYSTEM,
            entry["id"],
            {**form, "openness": "conditional", "dataset": entry["dataset"]},
        )
    openlist.publish(cat, SYSTEM, _V2_NOTE)
    return 2
