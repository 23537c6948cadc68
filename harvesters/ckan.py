"""CKAN portals through their Action API (``ckanapi.RemoteCKAN`` on our HTTP session).

Gathering pages through ``package_search`` sorted by ``metadata_modified`` (records
changed during the run move to the end, so none is skipped). A run after a finished one
is incremental: ``package_search`` with ``fq=metadata_modified:[watermark TO *]`` brings
what changed, and a light listing (``fl=id,metadata_modified``) tells which records still
exist, so unchanged ones are neither fetched nor rewritten and vanished ones are
withdrawn. Portals whose search is off or broken are read through ``package_list`` and
``package_show``. Remote organizations become publishers (or are mapped by the source's
``organizations`` option), resources become distributions, extras are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ckanapi import RemoteCKAN
from ckanapi.errors import CKANAPIError, NotFound, ServerIncompatibleError
from marshmallow import INCLUDE, Schema, fields, post_load, validate

from catalog.services.harvest import PublisherRef
from harvesters import normalize, vocabmap
from harvesters.base import (
    Harvester,
    RecordError,
    RemoteRecord,
    SkipRecord,
    SourceError,
    Transformed,
    load_remote,
)
from harvesters.config import SourceConfigSchema
from harvesters.fields import Raw, Text
from harvesters.http import FetchError
from schemas import vocab

# HDX's "data_update_frequency" is a number of days
_DAYS = {"0": "UPDATE_CONT", "1": "DAILY", "7": "WEEKLY", "30": "MONTHLY", "90": "QUARTERLY"}
_DAYS |= {"180": "ANNUAL_2", "365": "ANNUAL", "-1": "IRREG", "-2": "IRREG"}
# package keys that are CKAN's own bookkeeping, not metadata worth keeping
_NOISE = {
    "revision_id",
    "tracking_summary",
    "creator_user_id",
    "num_tags",
    "num_resources",
    "relationships_as_object",
    "relationships_as_subject",
    "solr_additions",
    "pageviews_last_14_days",
    "total_res_downloads",
    "isopen",
    "owner_org",
    "private",
    "state",
    "type",
    "package_creator",
    "batch",
    "updated_by_script",
    "maintainer",
    "author",
}
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_HASH = re.compile(r"^(?:(md5|sha1|sha256|sha512):)?([0-9a-fA-F]{32,128})$")
_HASH_BY_LEN = {32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}


class CkanConfig(SourceConfigSchema):
    fq = fields.String(load_default=None, allow_none=True)
    include_organizations = fields.List(fields.String(), load_default=list)
    page_size = fields.Integer(load_default=100, validate=validate.Range(1, 1000))


class PackageIn(Schema):
    """A CKAN package dict (``package_show`` / ``package_search`` result)."""

    class Meta:
        unknown = INCLUDE

    id = Text(required=True, allow_none=False)
    name = Text()
    title = Text()
    notes = Text()
    url = Text()
    version = Text()
    license_id = Text()
    license_title = Text()
    license_url = Text()
    maintainer = Text()
    maintainer_email = Text()
    author = Text()
    author_email = Text()
    metadata_modified = Text()
    metadata_created = Text()
    tags = Raw()
    groups = Raw()
    organization = Raw()
    resources = Raw()
    extras = Raw()

    def __init__(self, site: str, themes: dict | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.site = site.rstrip("/")
        self.theme_map = themes or {}

    @post_load
    def to_catalog(self, p: dict, **_kw: object) -> dict:
        extras = _extras(p.get("extras"))
        custom = {
            k: v
            for k, v in p.items()
            if k not in self.fields and k not in _NOISE and not _empty(v) and _jsonable(v)
        }
        tags = [
            normalize.text(t.get("name") if isinstance(t, dict) else t)
            for t in _list(p.get("tags"))
        ]
        groups = [
            normalize.text(g.get("name") or g.get("title"))
            if isinstance(g, dict)
            else normalize.text(g)
            for g in _list(p.get("groups"))
        ]
        themes, other = vocabmap.themes([g for g in groups if g], self.theme_map)
        freq_raw = (
            extras.get("frequency")
            or extras.get("accrual_periodicity")
            or extras.get("update_frequency")
            or custom.get("data_update_frequency")
        )
        freq = vocabmap.frequency(freq_raw) or _DAYS.get(str(freq_raw))
        period = (
            extras.get("temporal")
            or custom.get("dataset_date")
            or "/".join(x for x in (extras.get("temporal_start"), extras.get("temporal_end")) if x)
        )
        start, end = normalize.parse_period(period)
        landing = normalize.url(p.get("url")) or (
            f"{self.site}/dataset/{p['name']}"
            if p.get("name") and self.site.startswith("http")
            else None
        )
        lic = vocabmap.license_code(p.get("license_id")) or vocabmap.license_code(
            p.get("license_title")
        )
        kept = {**custom, **extras}
        if other:
            kept["groups"] = other
        if p.get("license_url") and lic != p.get("license_url"):
            kept["license_url"] = p["license_url"]
        langs, other_langs = vocabmap.languages(normalize.text_list(extras.get("language"), ","))
        if other_langs:
            kept["language"] = other_langs
        return {
            "identifier": normalize.text(extras.get("identifier") or extras.get("guid")) or p["id"],
            "title": p.get("title") or p.get("name"),
            "description": p.get("notes") or "",
            "keywords": [t for t in tags if t],
            "themes": themes,
            "license": lic,
            "version": p.get("version"),
            "contact_name": _person(p.get("maintainer")) or _person(p.get("author")),
            "contact_email": normalize.email(p.get("maintainer_email"))
            or normalize.email(p.get("author_email")),
            "issued": normalize.iso(normalize.parse_date(p.get("metadata_created"))),
            "modified": normalize.iso(normalize.parse_datetime(p.get("metadata_modified"))),
            "frequency": freq,
            "temporal_start": normalize.iso(start),
            "temporal_end": normalize.iso(end),
            "languages": langs,
            "landing_page": landing,
            "distributions": [
                _resource(r) for r in _list(p.get("resources")) if isinstance(r, dict)
            ],
            "extras": kept,
            **_own_fields(extras),
        }


def _own_fields(extras: dict) -> dict:
    """Fields another catalog of this kind exports as extras (CKAN has no place for them):
    taken over when their values are codes this catalog knows, else they stay extras."""
    out: dict = {}
    openness = extras.get("access_rights")
    openness = vocab.OPENNESS_ALIASES.get(str(openness).lower(), openness)
    if openness in vocab.OPENNESS:
        out["access_rights"] = openness
    if extras.get("kind") in vocab.KINDS:
        out["kind"] = extras["kind"]
    for key in ("title_en", "description_en", "access_conditions"):
        if isinstance(extras.get(key), str) and extras[key].strip():
            out[key] = extras[key]
    return out


def _person(v: str | None) -> str | None:
    """A maintainer's name; some portals (HDX) put a user id there, which names nobody."""
    return None if v is None or _UUID.match(v) else v


def _empty(v: Any) -> bool:
    return v is None or v == "" or v == [] or v == {}


def _jsonable(v: Any) -> bool:
    return isinstance(v, str | int | float | bool | list | dict)


def _list(v: Any) -> list:
    return v if isinstance(v, list) else []


def _extras(value: Any) -> dict:
    """CKAN extras (``[{"key", "value"}]``, or a dict) as a dict."""
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items() if not _empty(v)}
    out = {}
    for item in _list(value):
        if isinstance(item, dict) and item.get("key") and not _empty(item.get("value")):
            out[str(item["key"])] = item["value"]
    return out


def _resource(r: dict) -> dict:
    url = normalize.url(r.get("url"))
    download = normalize.url(r.get("download_url"))
    if (
        download is None
        and url
        and (r.get("url_type") == "upload" or re.search(r"\.[A-Za-z0-9]{2,5}$", url.split("?")[0]))
    ):
        download = url
    checksum, algorithm = None, None
    m = _HASH.match(normalize.text(r.get("hash")) or "")
    if m:
        checksum = m.group(2).lower()
        algorithm = m.group(1) or _HASH_BY_LEN.get(len(checksum))
    size = r.get("size")
    return {
        "title": normalize.text(r.get("name"))
        or normalize.clip(normalize.text(r.get("description")), 80),
        "description": normalize.text(r.get("description")),
        "access_url": url,
        "download_url": download,
        "format": vocabmap.data_format(r.get("format")),
        "media_type": vocabmap.media_type(r.get("mimetype")),
        "byte_size": int(size) if isinstance(size, int) and size >= 0 else None,
        "checksum": checksum if algorithm else None,
        "checksum_algorithm": algorithm,
    }


def _site(url: str) -> str:
    """The portal's root from what an operator may paste (``.../api/3/action`` included)."""
    return re.sub(r"/api(/\d)?(/action)?/?$", "", url.rstrip("/"))


class CkanHarvester(Harvester):
    """CKAN portals through the Action API (package_search, package_list/package_show)."""

    kind = "ckan"
    uses_watermark = True
    config_schema = CkanConfig

    def __init__(self, ctx: Any):
        super().__init__(ctx)
        self.site = _site(ctx.spec.url)
        self.api = RemoteCKAN(
            self.site,
            user_agent=ctx.http.session.headers["User-Agent"],
            get_only=True,
            session=ctx.http.session,
        )
        self.orgs: dict[str, PublisherRef | None] = {}

    # -- calls -------------------------------------------------------------------------------
    def _call(self, action: str, **params: Any) -> Any:
        try:
            return self.api.call_action(action, params)
        except FetchError:
            raise
        except NotFound as exc:
            raise RecordError("fetch", f"{action}: not found ({str(exc)[:200]})") from None
        except (CKANAPIError, ServerIncompatibleError) as exc:
            raise _ApiError(action, _short(exc)) from None

    def _fq(self) -> str | None:
        parts = [self.config.get("fq")] if self.config.get("fq") else []
        orgs = self.config.get("include_organizations") or []
        if orgs:
            parts.append("organization:(" + " OR ".join(orgs) + ")")
        return " AND ".join(f"({p})" for p in parts) or None

    def _search(self, fq: str | None = None, fl: str | None = None) -> Iterator[dict]:
        rows = int(self.config["page_size"])
        start, total = 0, None
        while total is None or start < total:
            params: dict[str, Any] = {
                "q": "*:*",
                "rows": rows,
                "start": start,
                "sort": "metadata_modified asc, id asc",
            }
            if fq:
                params["fq"] = fq
            if fl:
                params["fl"] = fl
            page = self._call("package_search", **params)
            if not isinstance(page, dict) or not isinstance(page.get("results"), list):
                raise _ApiError("package_search", "answer has no 'results' list")
            total = int(page.get("count") or 0)
            results = page["results"]
            yield from results
            if not results:
                break
            start += len(results)

    # -- the pipeline's steps ----------------------------------------------------------------
    def gather(self) -> Iterator[RemoteRecord]:
        base_fq = self._fq()
        try:
            if self.ctx.watermark and not self.ctx.full:
                yield from self._incremental(base_fq)
            else:
                for pkg in self._search(base_fq):
                    yield self._record(pkg)
            return
        except FetchError as exc:
            raise SourceError(str(exc)) from None
        except (_ApiError, RecordError) as exc:
            self.ctx.log(f"package_search unusable ({exc}); reading package_list + package_show")
            if base_fq:
                self.ctx.report(
                    None,
                    "warning",
                    "filters (fq, include_organizations) need package_search; ignored",
                )
        try:
            names = self._call("package_list")
        except (FetchError, _ApiError, RecordError) as exc:
            raise SourceError(f"neither package_search nor package_list work: {exc}") from None
        if not isinstance(names, list):
            raise SourceError("package_list did not answer a list")
        for name in names:
            yield RemoteRecord(None, None, None, locator=str(name))

    def _incremental(self, base_fq: str | None) -> Iterator[RemoteRecord]:
        wm = self.ctx.watermark
        since = f"metadata_modified:[{wm.rstrip('Z')}Z TO *]"
        fq = f"({base_fq}) AND {since}" if base_fq else since
        given: set[str] = set()
        for pkg in self._search(fq):
            rec = self._record(pkg)
            given.add(rec.remote_id or "")
            yield rec
        for row in self._search(base_fq, fl="id,metadata_modified,type"):
            rid = normalize.text(row.get("id")) if isinstance(row, dict) else None
            if row.get("type") not in (None, "dataset"):
                continue  # showcases, harvest sources...: not datasets, no need to fetch
            if rid and rid not in given:
                full = len(row) > 3  # a portal that ignores fl sends whole packages
                yield RemoteRecord(
                    rid, row if full else None, normalize.text(row.get("metadata_modified")), rid
                )

    def _record(self, pkg: Any) -> RemoteRecord:
        if not isinstance(pkg, dict):
            return RemoteRecord(None, {"_invalid": repr(pkg)[:100]})
        rid = normalize.text(pkg.get("id"))
        return RemoteRecord(rid, pkg, normalize.text(pkg.get("metadata_modified")), rid)

    def fetch(self, record: RemoteRecord) -> Any:
        try:
            return self._call("package_show", id=record.locator or record.remote_id)
        except _ApiError as exc:
            raise RecordError("fetch", str(exc)) from None

    def transform(self, payload: Any, record: RemoteRecord) -> Transformed:
        if not isinstance(payload, dict) or "_invalid" in payload:
            raise RecordError("transform", "a search result that is not a package object")
        if payload.get("type") not in (None, "dataset"):
            raise SkipRecord(payload.get("type"))
        if payload.get("private") is True or payload.get("state") not in (None, "active"):
            raise SkipRecord("private or deleted")
        data, warnings = load_remote(
            PackageIn(self.site, themes=self.config.get("themes")), payload
        )
        if not data.get("title"):
            raise RecordError("transform", "package has neither title nor name")
        return Transformed(
            payload["id"],
            data,
            self._publisher(payload),
            name_hint=normalize.text(payload.get("name")),
            warnings=warnings,
        )

    def _publisher(self, pkg: dict) -> PublisherRef | None:
        org = pkg.get("organization")
        if not isinstance(org, dict) and pkg.get("owner_org"):
            key = str(pkg["owner_org"])
            if key not in self.orgs:
                try:
                    org = self._call("organization_show", id=key, include_datasets=False)
                except (RecordError, _ApiError, FetchError) as exc:
                    self.ctx.report(None, "warning", f"organization {key}: {exc}")
                    org = None
                self.orgs[key] = _org_ref(org) if isinstance(org, dict) else None
            return self.orgs[key]
        return _org_ref(org) if isinstance(org, dict) else None


def _org_ref(org: dict) -> PublisherRef | None:
    name = normalize.text(org.get("name"))
    title = normalize.text(org.get("title") or org.get("display_name")) or name
    if not name and not title:
        return None
    desc = normalize.clip(normalize.text(org.get("description")), 2000)
    return PublisherRef(key=name or title, title=title, description=desc)


class _ApiError(Exception):
    def __init__(self, action: str, reason: str):
        super().__init__(f"{action}: {reason}")


def _short(exc: Exception) -> str:
    """ckanapi puts the whole response in its message: keep the status and a little text."""
    text = str(exc)
    m = re.match(r"^\['[^']*', (\d{3}), ", text)
    if m:
        body = text[m.end() :].strip("']\" ")
        return f"HTTP {m.group(1)}: {body[:200]}"
    return text[:300]
