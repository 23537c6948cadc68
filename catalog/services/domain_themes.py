"""Domain (所属领域) values read as the catalog's themes, decided once by a curator.

Every portal and department names its domains its own way (经贸工商, 信用服务, 社会救助 ...).
The common ones are mapped in ``harvesters.vocabmap``; a value no table knows is kept on the
dataset (``extras["unmapped_domains"]``) and listed with its count on the curators' page.
A curator maps it once (or says no theme fits): the mapping is stored here, every later
harvest applies it (the pipeline puts it under each source's own ``themes``), and the
datasets already harvested with that value get the theme now (a version, an audit event and
an index update each), without taking the themes field away from later harvests.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from sqlalchemy import select

from catalog.errors import ValidationFailed
from catalog.models import Dataset, DomainThemeMapping
from catalog.services import audit, authz, datasets
from catalog.services.authz import Actor
from schemas import vocab

if TYPE_CHECKING:
    from catalog.context import Catalog

# where a harvester keeps the domain values no mapping knew ("值1、值2")
UNMAPPED_KEY = "unmapped_domains"
SEPARATOR = "、"
# a stored "no theme fits": looked at, not listed again, no theme given
NO_THEME = ""


def stored_mapping(cat: Catalog) -> dict[str, str]:
    """value -> theme code (or ``NO_THEME``) as curators decided, for the harvest."""
    with cat.session() as s:
        return {
            value: theme or NO_THEME
            for value, theme in s.execute(
                select(DomainThemeMapping.value, DomainThemeMapping.theme)
            ).all()
        }


def _values(ds_extras: dict) -> list[str]:
    raw = (ds_extras or {}).get(UNMAPPED_KEY) or ""
    return [v for v in str(raw).split(SEPARATOR) if v]


def unmapped_values(cat: Catalog, actor: Actor) -> list[tuple[str, int]]:
    """Domain values of harvested datasets no mapping knows, with how many datasets carry
    each, most frequent first."""
    authz.require_curator(actor)
    decided = set(stored_mapping(cat))
    counts: Counter[str] = Counter()
    with cat.session() as s:
        rows = s.execute(
            select(Dataset.extras)
            .where(Dataset.source_id.is_not(None))
            .execution_options(yield_per=2000)
        ).scalars()
        for extras in rows:
            for value in _values(extras):
                if value not in decided:
                    counts[value] += 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def mappings(cat: Catalog, actor: Actor) -> list[dict]:
    authz.require_curator(actor)
    with cat.session() as s:
        return [
            {"value": m.value, "theme": m.theme, "created_at": m.created_at}
            for m in s.execute(
                select(DomainThemeMapping).order_by(DomainThemeMapping.value)
            ).scalars()
        ]


def map_value(cat: Catalog, actor: Actor, value: str, theme: str | None) -> int:
    """Store a curator's reading of ``value`` (``theme`` None or empty: no theme fits) and
    give the theme to the datasets already harvested with it. Returns how many changed."""
    authz.require_curator(actor)
    value = (value or "").strip()
    theme = (theme or "").strip() or None
    if not value or len(value) > 100:
        raise ValidationFailed({"value": ["Give the domain value (at most 100 characters)."]})
    if theme is not None and theme not in vocab.THEMES:
        raise ValidationFailed({"theme": [f"Unknown code '{theme}' in theme."]})
    changed = 0
    with cat.session() as s:
        row = s.execute(
            select(DomainThemeMapping).where(DomainThemeMapping.value == value)
        ).scalar()
        before = row.theme if row else None
        if row is None:
            s.add(DomainThemeMapping(value=value, theme=theme, created_by=actor.id))
        else:
            row.theme, row.created_by = theme, actor.id
        audit.record(
            s,
            actor,
            "domain_theme.map",
            "domain_theme",
            value[:64],
            data={"value": value, "theme": theme, "was": before},
        )
        for ds in s.execute(select(Dataset).where(Dataset.source_id.is_not(None))).scalars():
            values = _values(ds.extras)
            if value not in values:
                continue
            rest = [v for v in values if v != value]
            extras = {k: v for k, v in (ds.extras or {}).items() if k != UNMAPPED_KEY}
            if rest:
                extras[UNMAPPED_KEY] = SEPARATOR.join(rest)
            ds.extras = extras
            if theme and theme not in (ds.themes or []):
                ds.themes = [*(ds.themes or []), theme]
            audit.record(
                s,
                actor,
                "dataset.domain_theme",
                "dataset",
                ds.id,
                data={"value": value, "theme": theme},
            )
            datasets.finish_change(s, ds, actor)
            changed += 1
    cat.sync_index()
    return changed
