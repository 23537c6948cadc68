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
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy import select
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
    publisher, the source's owner. The organizations are read once per run
    (:func:`known_for`), not once per publisher."""
    if ref is None or not (ref.key or ref.title):
        return spec.organization
    mapping = spec.config.get("organizations") or {}
    for k in (ref.key, ref.title, ref.title_en):  # the remote's own names, as the source
        if k and k in mapping:  # configuration writes them
            target = mapping[k]
            with cat.session() as s:
                return find_organization(s, target).name if target else spec.organization
    known = known_for(cat, spec)
    place = source_place(spec.config)
    found = known.regional(ref, place) if place else known.plain(ref)
    if found:
        return found
    if not spec.config.get("create_organizations", True):
        return spec.organization
    described, slug = _as_new(ref, place)
    return _create_publisher(cat, spec, described, slug, place, known)


class KnownOrganizations:
    """The organizations and curators' merges (aliases) a run matches its publishers
    against, read in two queries when the run resolves its first publisher and kept up to
    date with the organizations the run creates.

    Why: matching each publisher with its own queries cost ~3 ms of a sheet harvest per
    distinct department (12 ms on a loaded machine): ``organizations.title`` has no index,
    so each lookup scanned the table, and a sheet of many portals names thousands of
    departments. A curator's merge or another run's new organization made while this run
    goes is seen by the next run; a department another run creates meanwhile is still
    found through its name (:func:`_create_publisher`)."""

    def __init__(self, s: Session) -> None:
        # the first of each title in the database's own name order, as ``ORDER BY name``
        self.rank: dict[str, int] = {}
        self.by_title: dict[str, str] = {}
        self.by_title_en: dict[str, str] = {}
        self.by_region_title: dict[tuple[str, str], str] = {}
        rows = s.execute(
            select(
                Organization.name, Organization.title, Organization.title_en, Organization.region
            ).order_by(Organization.name)
        )
        for name, title, title_en, region in rows:
            self.add(name, title, title_en, region)
        self.alias_title: dict[str, str] = {}
        self.alias_name: dict[str, str] = {}
        aliases = s.execute(
            select(OrganizationAlias.name, OrganizationAlias.title, Organization.name)
            .join(Organization, OrganizationAlias.organization_id == Organization.id)
            .order_by(OrganizationAlias.id)
        )
        for alias, title, target in aliases:
            self.alias_title.setdefault(title, target)
            self.alias_name.setdefault(alias, target)

    def add(self, name: str, title: str, title_en: str | None, region: str | None) -> None:
        self.rank.setdefault(name, len(self.rank))
        self.by_title.setdefault(title, name)
        if title_en:
            self.by_title_en.setdefault(title_en, name)
        if region:
            self.by_region_title.setdefault((region, title), name)

    def _first(self, names: list[str | None]) -> str | None:
        found = [n for n in names if n]
        return min(found, key=self.rank.__getitem__) if found else None

    def plain(self, ref: PublisherRef) -> str | None:
        """An organization of the same title (or English title, or the remote key as our
        name), or one a curator merged this publisher into."""
        slug = _key_slug(ref)
        by_key = slug if slug and ref.key == slug else None
        found = self._first(
            [
                self.by_title.get(ref.title),
                self.by_title_en.get(ref.title),
                self.by_title_en.get(ref.title_en) if ref.title_en else None,
                by_key if by_key in self.rank else None,
            ]
        )
        if found:
            return found
        # a department merged into another organization by a curator
        return self.alias_title.get(ref.title) or (self.alias_name.get(by_key) if by_key else None)

    def regional(self, ref: PublisherRef, place: Place) -> str | None:
        """An organization of the place: titled with the place (厦门市统计局), or titled as
        the remote says (统计局) and filed under the place's region code. Never a same-named
        organization of no place or another place, and never by the remote key alone (two
        portals both call their bureau ``tongjiju``)."""
        local = within_place(ref, place)
        found = self._first(
            [
                self.by_title.get(local.title),
                self.by_title_en.get(local.title_en) if local.title_en else None,
                self.by_region_title.get((place.code, ref.title)) if place.code else None,
            ]
        )
        return found or self.alias_title.get(local.title)


# one KnownOrganizations per run: keyed by the run's SourceSpec (a fresh object per job, see
# harvesters.pipeline.run_job), dropped when the spec is
_RUNS: dict[int, tuple[int, KnownOrganizations]] = {}


def known_for(cat: Catalog, spec: SourceSpec) -> KnownOrganizations:
    """The organizations known to the run of ``spec``, read on the first call."""
    key = id(spec)
    held = _RUNS.get(key)
    if held is not None and held[0] == id(cat):
        return held[1]
    with cat.session() as s:
        known = KnownOrganizations(s)
    if held is None:
        weakref.finalize(spec, _RUNS.pop, key, None)
    _RUNS[key] = (id(cat), known)
    return known


def _key_slug(ref: PublisherRef) -> str:
    """The remote key as one of our names (lower case, runs of other characters as ``-``)."""
    return NAME_RE.sub("-", (ref.key or "").lower()).strip("-")[:90]


def _as_new(ref: PublisherRef, place: Place | None) -> tuple[PublisherRef, str]:
    """The publisher as a new organization describes it (titled with its place when the
    source has one) and the stem of that organization's name."""
    if place:
        return within_place(ref, place), _regional_slug(ref, place)
    return ref, _key_slug(ref)


def _regional_slug(ref: PublisherRef, place: Place) -> str:
    """The name of a new organization of a place: the place's pinyin before the remote's
    Latin key (``xiamenshi-tongjiju``), else the pinyin of the regional title."""
    key = _key_slug(ref)
    if len(key) >= 3 and ref.key.isascii():
        return f"{names.pinyin_slug(place.name, 30)}-{key}".strip("-")[:90]
    return names.pinyin_slug(within_place(ref, place).title, 90)


def _new_organization(
    spec: SourceSpec, ref: PublisherRef, slug: str, place: Place | None
) -> tuple[str, dict, dict]:
    """What a new organization for a remote publisher would be: its name's stem (the remote
    key, or the pinyin of its Chinese name when that key has no Latin letters, a hash of it
    as the last resort), its fields, and the optional ones of them (dropped when invalid)."""
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
    return slug, data, optional


def _create_publisher(
    cat: Catalog,
    spec: SourceSpec,
    ref: PublisherRef,
    slug: str,
    place: Place | None,
    known: KnownOrganizations,
) -> str:
    """A new organization for a remote publisher (:func:`_new_organization`), ``-2``,
    ``-3``... if the name is taken; filed under its place's region code when the catalog
    knows the place. Names the run knows are taken are skipped without a query; one taken
    since the run began is found by the creation's own check."""
    slug, data, optional = _new_organization(spec, ref, slug, place)
    title = data["title"]
    for n in range(1, 50):
        name = slug if n == 1 else f"{slug}-{n}"
        if name in known.rank:
            continue
        try:
            made = organizations.create_organization(cat, SYSTEM, {**data, "name": name})
        except ValidationFailed as exc:
            if "name" in exc.messages:
                with cat.session() as s:  # taken since the run began: by this publisher?
                    same = s.execute(
                        select(Organization.name).where(
                            Organization.name == name, Organization.title == title
                        )
                    ).scalar()
                if same:
                    return same
                continue
            # e.g. a homepage that is not a URL: without it
            data = {k: v for k, v in data.items() if k not in optional}
            made = organizations.create_organization(cat, SYSTEM, {**data, "name": name})
        known.add(made.name, made.title, made.title_en, made.region)
        return made.name
    raise ValidationFailed({"organization": [f"Cannot name an organization for {title!r}."]})


def resolve_publishers(
    cat: Catalog, spec: SourceSpec, refs: Iterable[PublisherRef | None]
) -> dict[PublisherRef | None, str | None]:
    """Our organizations for the publishers of one batch, as :func:`resolve_publisher`
    gives them one by one, with the batch's new organizations created in one transaction
    (:func:`organizations.create_organizations`, an audit event each) instead of one
    each: for a pipeline that knows a batch's publishers before it writes the batch.
    Should that transaction be refused (a name taken since the run read the organizations,
    a homepage that is not a URL), nothing of it is kept and the publishers are resolved
    one by one, with the rules of :func:`_create_publisher`."""
    refs = list(dict.fromkeys(refs))
    out: dict[PublisherRef | None, str | None] = {}
    known = known_for(cat, spec)
    place = source_place(spec.config)
    mapping = spec.config.get("organizations") or {}
    planned: list[dict] = []
    for ref in refs:
        if (
            ref is None
            or not (ref.key or ref.title)
            or any(k and k in mapping for k in (ref.key, ref.title, ref.title_en))
        ):
            out[ref] = resolve_publisher(cat, spec, ref)
            continue
        found = known.regional(ref, place) if place else known.plain(ref)
        if found or not spec.config.get("create_organizations", True):
            out[ref] = found or spec.organization
            continue
        slug, data, _ = _new_organization(spec, *_as_new(ref, place), place)
        name = next(
            (n for n in (slug, *(f"{slug}-{i}" for i in range(2, 50))) if n not in known.rank),
            None,
        )
        if name is None:
            out[ref] = resolve_publisher(cat, spec, ref)  # says it cannot name it
            continue
        planned.append({**data, "name": name})
        # the batch's later publishers find it as they would once it is made
        known.add(name, data["title"], data.get("title_en"), data.get("region"))
        out[ref] = name
    if planned:
        try:
            organizations.create_organizations(cat, SYSTEM, planned)
        except ValidationFailed:
            _RUNS.pop(id(spec), None)  # the run's view held what was not made: read again
            return {ref: resolve_publisher(cat, spec, ref) for ref in refs}
    return out
