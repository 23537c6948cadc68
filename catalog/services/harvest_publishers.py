"""Remote publishers onto our organizations: the source's mapping first, then an
organization of the same name or title, then (unless the source says not to) a new one.

A source of one place (its ``region``: 厦门市, or a region code) matches its publishers
within that place, whatever its kind: the 统计局 of a CKAN portal of 厦门市 and the 统计局 of a
DCAT catalog of 福州市 are two organizations (厦门市统计局, 福州市统计局), not one. Departments
of different places share names all the time, and merging them would put one city's
datasets under another city's bureau."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from catalog.errors import ValidationFailed
from catalog.models import Organization, OrganizationAlias
from catalog.services import names, organizations
from catalog.services.authz import SYSTEM
from catalog.services.harvest import NAME_RE, PublisherRef, SourceSpec, find_organization
from schemas import vocab

if TYPE_CHECKING:
    from catalog.context import Catalog

# what ends a place name: 厦门市 is also written 厦门 in front of a department's name
_PLACE_SUFFIX = re.compile(r"(省|市|自治区|自治州|地区|盟|区|县|旗)$")


@dataclass(frozen=True)
class Place:
    """Where a source's publishers are: its name as departments are prefixed with it, its
    region code and English name when the catalog's region list knows it."""

    name: str
    code: str | None = None
    name_en: str | None = None

    @property
    def short(self) -> str:
        """The name without its 市/区/县: 厦门市统计局 and 厦门统计局 both say 厦门."""
        return _PLACE_SUFFIX.sub("", self.name) or self.name


def source_place(config: dict) -> Place | None:
    """The place of a source's ``region`` setting (a place name or a region code of
    ``vocab.regions()``); None when the source has none."""
    raw = " ".join(str(config.get("region") or "").split())
    if not raw:
        return None
    regions = vocab.regions()
    if raw in regions:
        zh, en = regions[raw]
        return Place(zh, raw, en)
    for code, (zh, en) in regions.items():
        if zh == raw:
            return Place(zh, code, en)
    return Place(raw)


def regional_title(title: str, place: Place) -> str:
    """A department's name within its place: 统计局 of 厦门市 is 厦门市统计局, 市统计局 of
    福州市 is 福州市统计局; a name that already says its place is kept as it is."""
    if title.isascii():  # an English name: "Statistics Bureau" -> "Xiamen Statistics Bureau"
        prefix = place.name_en or place.name
        return title if title.lower().startswith(prefix.lower()) else f"{prefix} {title}"
    if title.startswith((place.name, place.short)):
        return title
    if title[0] in "省市区县" and place.name.endswith(title[0]):
        title = title[1:]
    return f"{place.name}{title}"


def within_place(ref: PublisherRef, place: Place) -> PublisherRef:
    """The remote publisher as one of the place's departments. Idempotent: a spreadsheet
    names its departments within their region itself (``harvesters.spreadsheet``)."""
    key_prefix = f"{place.name}/"
    key = ref.key if ref.key.startswith(key_prefix) else f"{key_prefix}{ref.key or ref.title}"
    title = regional_title(ref.title or ref.key, place)
    title_en = ref.title_en
    if title_en and title_en.isascii():  # 泉州市 without an English name: "泉州市 Statistics
        title_en = regional_title(title_en, place)  # Bureau", told apart on English pages
    elif title_en:  # a Chinese "English" name (data.json repeats the name): the Chinese one
        title_en = None
    return replace(ref, key=key, title=title, title_en=title_en)


def resolve_publisher(cat: Catalog, spec: SourceSpec, ref: PublisherRef | None) -> str | None:
    """Our organization for a remote publisher: the source's mapping first, then an
    organization with the same name or title (within the source's place when it has a
    ``region``), then (unless the source says not to) a new organization; without a
    publisher, the source's owner."""
    if ref is None or not (ref.key or ref.title):
        return spec.organization
    mapping = spec.config.get("organizations") or {}
    for k in (ref.key, ref.title, ref.title_en):  # the remote's own names, as the source
        if k and k in mapping:  # configuration writes them
            target = mapping[k]
            with cat.session() as s:
                return find_organization(s, target).name if target else spec.organization
    place = source_place(spec.config)
    found = _find_regional(cat, ref, place) if place else _find(cat, ref)
    if found:
        return found
    if not spec.config.get("create_organizations", True):
        return spec.organization
    if place:
        local = within_place(ref, place)
        return _create_publisher(cat, spec, local, _regional_slug(ref, place), place)
    slug = NAME_RE.sub("-", (ref.key or "").lower()).strip("-")[:90]
    return _create_publisher(cat, spec, ref, slug)


def _find(cat: Catalog, ref: PublisherRef) -> str | None:
    """An organization of the same title (or English title, or the remote key as our
    name), or one a curator merged this publisher into."""
    slug = NAME_RE.sub("-", (ref.key or "").lower()).strip("-")[:90]
    with cat.session() as s:
        conds = [Organization.title == ref.title, Organization.title_en == ref.title]
        if ref.title_en:
            conds.append(Organization.title_en == ref.title_en)
        if slug and ref.key == slug:
            conds.append(Organization.name == slug)
        found = s.execute(select(Organization.name).where(or_(*conds)).limit(1)).scalar()
        if found:
            return found
        # a department merged into another organization by a curator
        aliases = [OrganizationAlias.title == ref.title]
        if slug and ref.key == slug:
            aliases.append(OrganizationAlias.name == slug)
        return _by_alias(s, aliases)


def _find_regional(cat: Catalog, ref: PublisherRef, place: Place) -> str | None:
    """An organization of the place: titled with the place (厦门市统计局), or titled as the
    remote says (统计局) and filed under the place's region code. Never a same-named
    organization of no place or another place, and never by the remote key alone (two
    portals both call their bureau ``tongjiju``)."""
    local = within_place(ref, place)
    with cat.session() as s:
        conds = [Organization.title == local.title]
        if local.title_en:
            conds.append(Organization.title_en == local.title_en)
        if place.code:
            conds.append(and_(Organization.region == place.code, Organization.title == ref.title))
        found = s.execute(
            select(Organization.name).where(or_(*conds)).order_by(Organization.name).limit(1)
        ).scalar()
        return found or _by_alias(s, [OrganizationAlias.title == local.title])


def _by_alias(s: Session, conds: list) -> str | None:
    return s.execute(
        select(Organization.name)
        .join(OrganizationAlias, OrganizationAlias.organization_id == Organization.id)
        .where(or_(*conds))
        .limit(1)
    ).scalar()


def _regional_slug(ref: PublisherRef, place: Place) -> str:
    """The name of a new organization of a place: the place's pinyin before the remote's
    Latin key (``xiamenshi-tongjiju``), else the pinyin of the regional title."""
    key = NAME_RE.sub("-", (ref.key or "").lower()).strip("-")
    if len(key) >= 3 and ref.key.isascii():
        return f"{names.pinyin_slug(place.name, 30)}-{key}".strip("-")[:90]
    return names.pinyin_slug(within_place(ref, place).title, 90)


def _create_publisher(
    cat: Catalog, spec: SourceSpec, ref: PublisherRef, slug: str, place: Place | None = None
) -> str:
    """A new organization for a remote publisher, named after its remote key (or the pinyin
    of its Chinese name when that key has no Latin letters, a hash of it as the last
    resort), ``-2``, ``-3``... if the name is taken; filed under its place's region code
    when the catalog knows the place."""
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
    if place and place.code:
        data["region"] = place.code
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
