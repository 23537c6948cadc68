"""Source kinds, found through the ``catalog.harvesters`` entry points.

A new kind is one module plus one line in ``setup.cfg``::

    [options.entry_points]
    catalog.harvesters =
        mykind = harvesters.mykind:MyHarvester
"""

from __future__ import annotations

from importlib.metadata import entry_points

from catalog.services.harvest import ENTRY_POINT_GROUP, HarvestFailed
from harvesters.base import Harvester


def harvester_class(kind: str) -> type[Harvester]:
    """The class registered for ``kind``; a clear error when none is."""
    eps = entry_points(group=ENTRY_POINT_GROUP, name=kind)
    if not eps:
        known = sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))
        raise HarvestFailed(f"unknown source kind {kind!r} (installed: {', '.join(known)})")
    cls = next(iter(eps)).load()
    if not (isinstance(cls, type) and issubclass(cls, Harvester)):
        raise HarvestFailed(f"entry point {kind!r} does not name a Harvester subclass")
    return cls


def kinds() -> dict[str, str]:
    """Every installed kind with the first line of its class's docstring."""
    out = {}
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            doc = (ep.load().__doc__ or "").strip().splitlines()[0]
        except Exception as exc:
            doc = f"(cannot load: {exc})"
        out[ep.name] = doc
    return out
