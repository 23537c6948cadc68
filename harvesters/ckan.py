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
import threading
from collections.abc import Generator, Iterator
from datetime import date, timedelta
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
from harvesters.ckan_readers import ReadStats, Slice, cut, read_concurrently
from harvesters.config import SourceConfigSchema
from harvesters.fields import Raw, Text, warn
from harvesters.http import BoundedSession, FetchError, make_session
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
    # keyset readers working at once on slices of the metadata_modified range
    # (harvesters.ckan_readers); 1 reads the source one page after another
    readers = fields.Integer(load_default=4, validate=validate.Range(1, 16))
    # every this many days a run reads every record and compares content hashes, so edits
    # that kept their metadata_modified arrive (harvesters.pipeline); 0 never
    content_check_days = fields.Float(load_default=7.0, validate=validate.Range(0, 3650))


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
        raw_tags = [t.get("name") if isinstance(t, dict) else t for t in _list(p.get("tags"))]
        for t in raw_tags:
            if isinstance(t, str) and t.strip().lower() in _PLACEHOLDER_TAGS:
                _note(f"tag {t!r} dropped: a placeholder, not a keyword")
        tags = [
            normalize.text(t)
            for t in raw_tags
            if not (isinstance(t, str) and t.strip().lower() in _PLACEHOLDER_TAGS)
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
        start, end = _period(period)
        landing = normalize.url(p.get("url")) or (
            f"{self.site}/dataset/{p['name']}"
            if p.get("name") and self.site.startswith("http")
            else None
        )
        lic, lic_note = _license(p.get("license_id"), p.get("license_title"))
        if lic_note:
            _note(lic_note)
        kept = {**custom, **extras}
        if lic_note and p.get("license_id"):
            kept["license_id"] = p["license_id"]
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
            # the source's own dates (DCAT-US extras) before CKAN's bookkeeping stamps
            "issued": normalize.iso(
                normalize.parse_date(extras.get("issued"))
                or normalize.parse_date(p.get("metadata_created"))
            ),
            "modified": normalize.iso(
                normalize.parse_datetime(extras.get("modified"))
                or normalize.parse_datetime(p.get("metadata_modified"))
            ),
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


_PLACEHOLDER_TAGS = {"none", "n/a", "na", "null", "-"}
# CKAN's own licence ids that say "no licence given"
_NO_LICENSE = {"notspecified", "not-specified", "other-closed", "unknown", ""}
_YEAR_OR_MONTH = re.compile(r"^(\d{4})(?:-(\d{2}))?$")
NAME_LIMIT = 80  # the longest name a harvested dataset gets (harvesters.prepare)


def _note(message: str) -> None:
    """A value dropped or changed while mapping: goes to the job log as a warning."""
    warn(message)


def _license(license_id: Any, title: Any) -> tuple[str | None, str | None]:
    """(our licence code, a note when the CKAN value was not taken over as it is).

    CKAN licence ids are kept as ids (``cc-by``, ``other-pd``) or mapped to our codes
    (``cc-zero`` -> ``CC0-1.0``); ``notspecified`` means "no licence given", never the
    free text of its title ("License not specified")."""
    lid = normalize.text(license_id)
    if lid is not None:
        if lid.strip().lower() in _NO_LICENSE:
            return None, f"licence {lid!r} means no licence given: left empty"
        return vocabmap.license_code(lid), None
    return vocabmap.license_code(title), None


def _period(value: Any) -> tuple[Any, Any]:
    """``normalize.parse_period``, with a year or month end (``2001/2013``, ``…/2013-06``)
    ending on the last day of that year or month."""
    start, end = normalize.parse_period(value)
    raw = normalize.text(value)
    if end is None or raw is None or "/" not in raw:
        return start, end
    m = _YEAR_OR_MONTH.match(raw.strip("[]() ").rsplit("/", 1)[1].strip())
    if m:
        year, month = int(m.group(1)), int(m.group(2) or 12)
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        end = nxt - timedelta(days=1)
    return start, end


def long_name(name: str | None) -> str | None:
    """A name that fits the catalog: names over :data:`NAME_LIMIT` are cut and get a
    hash of the whole name, so the same CKAN name always gives the same short one."""
    slug = normalize.slug(name or "", 1000)
    if len(slug) <= NAME_LIMIT:
        return name
    digest = normalize.short_hash(slug, n=8)
    return f"{slug[: NAME_LIMIT - len(digest) - 1].rstrip('-')}-{digest}"


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
        # each reader thread calls through a session of its own (``_api``)
        self._local = threading.local()
        self._local.api = self._remote(ctx.http.session)
        self.stats = ReadStats()
        self._schema: PackageIn | None = None
        self.orgs: dict[str, PublisherRef | None] = {}
        self.listed = 0  # what package_search counted at the start
        self.read: set[str] = set()  # ids read by the paged listing
        self.edited = 0  # records changed after the run started
        self.ceiling: str | None = None

    # -- calls -------------------------------------------------------------------------------
    def _remote(self, session: BoundedSession) -> RemoteCKAN:
        return RemoteCKAN(
            self.site, user_agent=session.headers["User-Agent"], get_only=True, session=session
        )

    def _api(self) -> RemoteCKAN:
        """This thread's client: the run's session on the harvest's thread, a session of
        its own (``harvesters.http``: timeouts, retries, size caps, deadline) on a reader's."""
        api = getattr(self._local, "api", None)
        if api is None:
            api = self._local.api = self._remote(make_session(self.config))
            self._local.own = api.session
        return api

    def _close_session(self) -> None:
        """Close the session a reader thread opened (never the run's)."""
        own = getattr(self._local, "own", None)
        if own is not None:
            own.close()
            self._local.own = self._local.api = None

    def _call(self, action: str, **params: Any) -> Any:
        try:
            return self._api().call_action(action, params)
        except FetchError:
            raise
        except NotFound as exc:
            raise RecordError("fetch", f"{action}: not found ({str(exc)[:200]})") from None
        except (CKANAPIError, ServerIncompatibleError) as exc:
            raise _ApiError(action, _short(exc)) from None

    def _filters(self) -> list[str]:
        """Single clauses the run adds to every search (``include_organizations``)."""
        orgs = self.config.get("include_organizations") or []
        return ["organization:(" + " OR ".join(orgs) + ")"] if orgs else []

    def _fq_params(self, clauses: list[str]) -> dict[str, Any]:
        """The source's ``fq`` option and single ``clauses`` ANDed as CKAN reads them: without
        the option one ``fq`` of ``+clause``s; with it (it may hold a top-level OR) the option
        alone in ``fq`` and the clauses in ``fq_list`` (CKAN >= 2.9; at least two, since a
        GET carries a single value as a string, not a list)."""
        own = self.config.get("fq")
        if not own:
            return {"fq": " ".join(f"+{c}" for c in clauses)} if clauses else {}
        if not clauses:
            return {"fq": own}
        rest = clauses if len(clauses) > 1 else [*clauses, "dataset_type:dataset"]
        return {"fq": own, "fq_list": rest}

    def _slice_pages(
        self, filters: list[str], fl: str | None, rows: int, piece: Slice
    ) -> Iterator[list[dict]]:
        """The pages of one slice, by keyset paging: sorted by ``metadata_modified asc, id
        asc``, each page asks for ``metadata_modified`` from the last stamp read on
        (``[last TO until]``); the records of that stamp come again and the caller drops the
        ones it gave. A record edited meanwhile moves to the end (the open last slice), so no
        edit during the run can shift a page over a record (offset paging skips those). Only
        a page holding a single stamp pages on with ``start``."""
        cursor = piece.since  # the last stamp read (as sent: milliseconds, Z)
        start = 0  # past the records of one stamp when a whole page holds only that stamp
        while True:
            results = self._page(filters, fl, rows, piece.clause(cursor), start)["results"]
            stamps = _stamps(results)
            yield results
            if len(results) < rows:
                return
            start = start + len(results) if stamps == {cursor} else 0
            cursor = max(stamps)

    def _search(self, filters: list[str], fl: str | None = None, rows: int = 1000) -> Iterator:
        """Every package matching ``filters``, read by one keyset reader (the id inventory:
        ``fl`` pages of 1000 cost the source little)."""
        given: set[str] = set()
        for results in self._slice_pages(filters, fl, rows, Slice(None, None)):
            for pkg in results:
                rid = pkg.get("id")
                if rid in given:
                    continue  # read already: the boundary of the last page, asked again
                if rid:
                    given.add(str(rid))
                yield pkg

    def _page(
        self, filters: list[str], fl: str | None, rows: int, window: str | None, start: int
    ) -> dict:
        """One keyset page: ``rows`` packages of the ``window`` range (``start`` inside)."""
        clauses = [*filters, window] if window else list(filters)
        params: dict[str, Any] = {
            "q": "*:*",
            "rows": rows,
            "start": start,
            "sort": "metadata_modified asc, id asc",
            **self._fq_params(clauses),
        }
        if fl:
            params["fl"] = fl
        page = self._call("package_search", **params)
        if not isinstance(page, dict) or not isinstance(page.get("results"), list):
            raise _ApiError("package_search", "answer has no 'results' list")
        return page

    def _plan(self, filters: list[str], since: str | None, count: int) -> list[Slice]:
        """The slices of this run's range (from ``since`` on), about equal in records: the
        stamps of the records at equal offsets of the sorted listing cut it. At most
        ``readers`` slices (one when the source sets ``crawl_delay``) and at least a page
        each; a source changing meanwhile only makes them less equal, never leaves a gap
        (the slices cover the whole range)."""
        rows = int(self.config["page_size"])
        # a source that asks for a pause between requests gets one request at a time
        readers = 1 if self.config.get("crawl_delay") else int(self.config["readers"])
        n = min(readers, max(1, -(-count // rows)))
        if n <= 1:
            return [Slice(since, None)]
        window = [*filters, f"metadata_modified:[{since} TO *]"] if since else list(filters)
        stamps: list[str | None] = []
        for k in range(1, n):
            page = self._call(
                "package_search",
                q="*:*",
                rows=1,
                start=k * count // n,
                sort="metadata_modified asc, id asc",
                fl="id,metadata_modified",
                **self._fq_params(window),
            )
            results = page.get("results") if isinstance(page, dict) else None
            if results and isinstance(results[0], dict):
                stamps.append(_solr_stamp(results[0].get("metadata_modified")))
        return cut(since, stamps)

    def _read_slices(self, filters: list[str], since: str | None, count: int) -> Iterator[dict]:
        """Every package from ``since`` on, the slices read by threads of their own (each
        with its own session), each package given once. A slice the source failed is
        named in the job log; the id inventory then fetches what it did not give."""
        rows = int(self.config["page_size"])
        slices = self._plan(filters, since, count)
        self.stats = ReadStats()

        def read(piece: Slice) -> Generator[list[dict], None, None]:
            try:
                yield from self._slice_pages(filters, None, rows, piece)
            finally:
                self._close_session()

        given: set[str] = set()
        pages = read_concurrently(
            slices,
            read,
            self.stats,
            queue_pages=2 * len(slices),
            source_errors=(FetchError, _ApiError, RecordError),
        )
        for results in pages:
            for pkg in results:
                rid = pkg.get("id")
                if rid in given:
                    continue  # a boundary record, given by the slice before
                if rid:
                    given.add(str(rid))
                yield pkg
        self.ctx.log(f"{self.stats.summary(len(given))}; slices: {', '.join(map(str, slices))}")
        for piece, reason in self.stats.failed:
            self.ctx.report(
                None,
                "warning",
                f"{piece} could not be read to its end ({reason}); its records left are "
                "read one by one from the id inventory",
            )

    # -- the pipeline's steps ----------------------------------------------------------------
    def gather(self) -> Iterator[RemoteRecord]:
        filters = self._filters()
        self.listed, self.read, self.edited = 0, set(), 0
        try:
            self.ceiling, self.listed = self._newest_stamp(filters)
            if self.ctx.watermark and not self.ctx.full:
                since = _solr_stamp(self.ctx.watermark)
                count = self._count([*filters, f"metadata_modified:[{since} TO *]"])
                yield from self._read(self._read_slices(filters, since, count))
            else:
                yield from self._read(self._read_slices(filters, None, self.listed))
            yield from self._inventory(filters)
            return
        except FetchError as exc:
            raise SourceError(str(exc)) from None
        except (_ApiError, RecordError) as exc:
            self.ctx.log(f"package_search unusable ({exc}); reading package_list + package_show")
            if filters or self.config.get("fq"):
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

    def _newest_stamp(self, filters: list[str]) -> tuple[str | None, int]:
        """The newest ``metadata_modified`` when the run starts, and how many records the
        source counts. Records are reported modified at most then, so the run's watermark is
        at most then: a record edited after it was read in this run is read again by the
        next incremental run."""
        page = self._call(
            "package_search",
            q="*:*",
            rows=1,
            sort="metadata_modified desc, id desc",
            fl="id,metadata_modified",
            **self._fq_params(filters),
        )
        if not isinstance(page, dict) or not isinstance(page.get("results"), list):
            raise _ApiError("package_search", "answer has no 'results' list")
        results = page["results"]
        count = int(page.get("count") or 0)
        if not results or not isinstance(results[0], dict):
            return None, count
        return normalize.text(results[0].get("metadata_modified")), count

    def _count(self, clauses: list[str]) -> int:
        page = self._call("package_search", q="*:*", rows=0, **self._fq_params(clauses))
        return int(page.get("count") or 0) if isinstance(page, dict) else 0

    def _read(self, packages: Iterator[dict]) -> Iterator[RemoteRecord]:
        for pkg in packages:
            rec = self._record(pkg)
            if rec.remote_id:
                self.read.add(rec.remote_id)
            yield rec

    def _inventory(self, filters: list[str]) -> Iterator[RemoteRecord]:
        """After reading: every id the source lists now (``fl=id``, also keyset-paged). An id
        not read yet is a record added, or edited and so not in the incremental window: it
        is yielded for fetching (or, when its stamp is older than the watermark, skipped as
        unchanged); the run says how many were caught this way."""
        late = 0
        listed: set[str] = set()
        for row in self._search(filters, fl="id,metadata_modified,type", rows=1000):
            rid = normalize.text(row.get("id")) if isinstance(row, dict) else None
            if not rid or row.get("type") not in (None, "dataset"):
                continue  # showcases, harvest sources...: not datasets, no need to fetch
            listed.add(rid)
            if rid in self.read:
                continue
            full = len(row) > 3  # a portal that ignores fl sends whole packages
            if not (self.ctx.watermark and not self.ctx.full):
                late += 1
            yield RemoteRecord(
                rid, row if full else None, self._capped(row.get("metadata_modified")), rid
            )
        if late:
            self.ctx.report(
                None,
                "warning",
                f"{late} records were not in the paged listing (added or changed during the "
                "run) and were read from the id inventory",
            )
        vanished = self.listed - len(listed | self.read)
        if vanished > 0 and not (self.ctx.watermark and not self.ctx.full):
            self.ctx.report(
                None,
                "warning",
                f"{vanished} of the {self.listed} records counted at the start were deleted "
                "during the run",
            )

    def _capped(self, stamp: Any) -> str | None:
        stamp = normalize.text(stamp)
        if stamp and self.ceiling and stamp > self.ceiling:
            self.edited += 1
            return self.ceiling
        return stamp

    def _record(self, pkg: Any) -> RemoteRecord:
        if not isinstance(pkg, dict):
            return RemoteRecord(None, {"_invalid": repr(pkg)[:100]})
        rid = normalize.text(pkg.get("id"))
        return RemoteRecord(rid, pkg, self._capped(pkg.get("metadata_modified")), rid)

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
        data, warnings = load_remote(self._package_schema(), payload)
        if not data.get("title"):
            raise RecordError("transform", "package has neither title nor name")
        name = normalize.text(payload.get("name"))
        hint = long_name(name)
        if name and hint != name:
            data.setdefault("extras", {})["ckan_name"] = name
            warnings.append(
                f"name longer than {NAME_LIMIT} characters: {hint!r} here, "
                "the source's name kept as extra ckan_name"
            )
        return Transformed(payload["id"], data, self._publisher(payload), hint, warnings)

    def _package_schema(self) -> PackageIn:
        """One schema for the run: building a marshmallow schema deep-copies its fields,
        which cost a third of a record's mapping when done per record (bench ckan profile)."""
        if self._schema is None:
            self._schema = PackageIn(self.site, themes=self.config.get("themes"))
        return self._schema

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


def _stamps(results: list) -> set[str]:
    """The Solr stamps of a page's records; keyset paging cannot go on without them."""
    stamps = set()
    for pkg in results:
        stamp = _solr_stamp(pkg.get("metadata_modified") if isinstance(pkg, dict) else None)
        if stamp is None:
            raise _ApiError("package_search", "a result without metadata_modified")
        stamps.add(stamp)
    return stamps


def _solr_stamp(value: Any) -> str | None:
    """CKAN's ``metadata_modified`` (``2024-05-01T12:34:56.789012``, UTC) as a Solr date,
    cut to milliseconds (what Solr keeps), so ``[stamp TO *]`` includes the record itself."""
    text = normalize.text(value)
    if not text:
        return None
    text = text.rstrip("Z").split("+")[0]
    if "." in text:
        head, frac = text.split(".", 1)
        text = f"{head}.{frac[:3]}"
    return f"{text}Z"


def _org_ref(org: dict) -> PublisherRef | None:
    name = normalize.text(org.get("name"))
    title = normalize.text(org.get("title") or org.get("display_name")) or name
    key = name or title
    if not key or not title:
        return None
    desc = normalize.clip(normalize.text(org.get("description")), 2000)
    return PublisherRef(key=key, title=title, description=desc)


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
