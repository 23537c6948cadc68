"""Remote publishers onto our organizations: the source's mapping first, then an
organization of the same name or title, then (unless the source says not to) a new one."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from catalog.errors import ValidationFailed
from catalog.models import Organization, OrganizationAlias
from catalog.services import names, organizations
from catalog.services.authz import SYSTEM
from catalog.services.harvest import NAME_RE, PublisherRef, SourceSpec, find_organization

if TYPE_CHECKING:
    from catalog.context import Catalog


def resolve_publisher(cat: Catalog, spec: SourceSpec, ref: PublisherRef | None) -> str | None:
    """Our organization for a remote publisher: the source's mapping first, then an
    organization with the same name or title, then (unless the source says not to) a new
    organization; without a publisher, the source's owner."""
    if ref is None or not (ref.key or ref.title):
        return spec.organization
    mapping = spec.config.get("organizations") or {}
    for k in (ref.key, ref.title, ref.title_en):
        if k and k in mapping:
            target = mapping[k]
            with cat.session() as s:
                return find_organization(s, target).name if target else spec.organization
    slug = NAME_RE.sub("-", (ref.key or "").lower()).strip("-")[:90]
    with cat.session() as s:
        conds = [Organization.title == ref.title, Organization.title_en == ref.title]
        if ref.title_en:
            conds.append(Organization.title_en == ref.title_en)
        if slug and ref.key == slug:
            conds.append(Organization.name == slug)
        found = s.execute(select(Organization.name).where(or_(*conds)).limit(1)).scalar()
        if not found:  # a department merged into another organization by a curator
            aliases = [OrganizationAlias.title == ref.title]
            if slug and ref.key == slug:
                aliases.append(OrganizationAlias.name == slug)
            found = s.execute(
                select(Organization.name)
                .join(OrganizationAlias, OrganizationAlias.organization_id == Organization.id)
                .where(or_(*aliases))
                .limit(1)
            ).scalar()
    if found:
        return found
    if not spec.config.get("create_organizations", True):
        return spec.organization
    return _create_publisher(cat, spec, ref, slug)


def _create_publisher(cat: Catalog, spec: SourceSpec, ref: PublisherRef, slug: str) -> str:
    """A new organization for a remote publisher, named after its remote key (or the pinyin
    of its Chinese name when that key has no Latin letters, a hash of it as the last
    resort), ``-2``, ``-3``... if the name is taken."""
    if len(slug) < 3:
        slug = names.pinyin_slug(ref.title or ref.key or "", 60)
    if len(slug) < 3:
        slug = "org-" + hashlib.sha1((ref.key or ref.title).encode()).hexdigest()[:10]
    title = (ref.title or ref.key)[:300]
    data = {
        "title": title,
        "title_en": ref.title_en or (title if title.isascii() else None),
        "org_type": spec.config.get("organization_type", "government"),
    }
    optional = {"description": ref.description, "homepage": ref.homepage}
    data |= {k: v for k, v in optional.items() if v}
    for n in range(1, 50):
        name = slug if n == 1 else f"{slug}-{n}"
        try:
            return organizations.create_organization(cat, SYSTEM, {**data, "name": name}).name
        except ValidationFailed as exc:
            if "name" not in exc.messages:  # e.g. a homepage that is not a URL: without it
                data = {k: v for k, v in data.items() if k not in optional}
                return organizations.create_organization(cat, SYSTEM, {**data, "name": name}).name
        with cat.session() as s:  # the name is taken: by this publisher (another worker)?
            same = s.execute(
                select(Organization.name).where(
                    Organization.name == name, Organization.title == title
                )
            ).scalar()
        if same:
            return same
    raise ValidationFailed({"organization": [f"Cannot name an organization for {title!r}."]})
