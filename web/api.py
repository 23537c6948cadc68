"""JSON API under /api/v1: datasets, organizations, the open list, harvests, access requests.

Every call goes through the same services as the pages (``catalog/services``), with the
caller resolved from a personal API token (``web.apiauth``), so permissions cannot differ
between surfaces. One error shape: ``{"error": {"code", "message", "fields"?}}``; field
errors are in the caller's language (``?lang=`` or Accept-Language, default Chinese).
Reads carry ETag / Last-Modified (``web.conditional``). The OpenAPI document is built in
``web.openapi`` from the marshmallow schemas.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from flask import Blueprint, g, jsonify, render_template, request, url_for

from catalog.db import MAX_INT
from catalog.errors import NotFound
from catalog.search import BadQuery
from catalog.search.base import MAX_PAGE_SIZE
from catalog.services import (
    access,
    harvest,
    idempotency,
    openlist,
    published,
    registrations,
    revisions,
    search_analytics,
)
from catalog.services import datasets as dataset_service
from catalog.services import organizations as org_service
from schemas import vocab
from schemas.messages import localize_errors
from web.api_json import api_json, with_offsets
from web.apiauth import api_actor, require_token
from web.downloads import signer
from web.errors import api_language, error_response
from web.links import absolute_url
from web.searchargs import query_from_args
from web.security import MAX_JSON_DEPTH, json_depth

bp = Blueprint("api", __name__, url_prefix="/api/v1")


# -- helpers -------------------------------------------------------------------------------
def _int_arg(name: str, default: int, lo: int = 1, hi: int = MAX_INT) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadQuery(f"'{name}' must be a whole number") from None
    if value < lo or (hi is not None and value > hi):
        raise BadQuery(f"'{name}' must be between {lo} and {hi}")
    return value


def _paging() -> tuple[int, int]:
    """Page and page size; the page is bounded so that its offset fits the database."""
    return _int_arg("page", 1, 1, MAX_INT // MAX_PAGE_SIZE), _int_arg(
        "page_size", 20, 1, MAX_PAGE_SIZE
    )


def _page_links(endpoint: str, page: int, page_size: int, total: int, **view_args: Any) -> dict:
    args: dict[str, Any] = request.args.to_dict(flat=False)
    last = max(1, -(-total // page_size))

    def at(n: int) -> str:
        return url_for(endpoint, **view_args, **{**args, "page": n})

    links = {"self": at(page), "first": at(1), "last": at(last)}
    if page > 1:
        links["prev"] = at(page - 1)
    if page < last:
        links["next"] = at(page + 1)
    return links


def _paged(
    endpoint: str, total: int, results: list, page: int, page_size: int, **kw: object
) -> dict:
    return {
        "total": total,
        "page": page,
        "page_size": page_size,
        "results": results,
        "links": _page_links(endpoint, page, page_size, total, **kw),
    }


def _body() -> dict:
    if json_depth(request.get_data(cache=True)) > MAX_JSON_DEPTH:
        raise BadQuery(f"the request body is nested more than {MAX_JSON_DEPTH} levels deep")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadQuery("the request body must be a JSON object (Content-Type: application/json)")
    return data


def _index_changed_at() -> datetime | None:
    """When the search index last committed: search results cannot have changed since."""
    try:
        mtime = (g.catalog.settings.index_path / "meta.json").stat().st_mtime
    except OSError:
        return None
    return datetime.fromtimestamp(int(mtime), tz=UTC)


def _dataset_out(actor, ds) -> dict:
    data = registrations.attach(g.catalog, [published.dataset_record(actor, ds, signer(actor))])[0]
    org = data.get("organization")
    data["organization"] = (
        {k: org.get(k) for k in ("id", "name", "title", "title_en", "org_type")} if org else None
    )
    return data


def _org_out(org, count: int, actor) -> dict:
    data = published.organization_record(org, actor) or {}
    if not org_service.may_see_contact(actor, org):
        for key in org_service.CONTACT_FIELDS:
            data.pop(key, None)
    data["dataset_count"] = count
    return data


# -- datasets ------------------------------------------------------------------------------
@bp.get("/datasets")
def search_datasets():
    query = query_from_args(request.args, g.catalog.settings.page_size)
    res = search_analytics.run(g.catalog, query, "api")
    return api_json(
        {
            "total": res.total,
            # "gte": at least `total` datasets match (totals are exact up to 10,000)
            "total_relation": res.total_relation,
            "page": res.page,
            "page_size": res.page_size,
            # true when under a page of records held enough of the words: they come first,
            # then records holding any of them
            "relaxed": res.relaxed,
            # when nothing matched: the query with misspelled words corrected, or null
            "did_you_mean": res.did_you_mean,
            "results": [
                {**h.doc, "score": h.score, "snippets": h.snippets, "identical": h.identical}
                for h in res.hits
            ],
            "facets": {
                f: [{"value": v, "count": n} for v, n in buckets]
                for f, buckets in res.facets.items()
            },
            "links": _page_links("api.search_datasets", query.page, query.page_size, res.total),
        },
        _index_changed_at(),
    )


@bp.post("/datasets")
def create_dataset():
    actor = require_token()
    body = _body()
    key = request.headers.get("Idempotency-Key")
    if key is not None:
        replay = idempotency.claim(
            g.catalog, actor, key.strip(), "POST /datasets", idempotency.body_hash(body)
        )
        if replay is not None:  # a retry: the first answer again, nothing created
            resp = jsonify(with_offsets(replay.response))
            resp.status_code = replay.status_code
            if replay.location:
                resp.headers["Location"] = replay.location
            resp.headers["Idempotent-Replayed"] = "true"
            return resp
    try:
        ds = dataset_service.create_dataset(g.catalog, actor, body)
        ds = dataset_service.get_dataset(g.catalog, actor, ds.id)
    except BaseException:
        if key is not None:
            idempotency.release(g.catalog, actor, key.strip())
        raise
    resp = jsonify(with_offsets(_dataset_out(actor, ds)))
    resp.status_code = 201
    resp.headers["Location"] = url_for("api.show_dataset", ref=ds.name)
    if key is not None:  # stored as sent (dates already strings)
        idempotency.remember(
            g.catalog, actor, key.strip(), 201, resp.get_json(), resp.headers["Location"]
        )
    return resp


@bp.get("/datasets/<ref>")
def show_dataset(ref: str):
    actor = api_actor()
    ds = dataset_service.get_dataset(g.catalog, actor, ref)
    return api_json(_dataset_out(actor, ds), ds.updated_at)


@bp.patch("/datasets/<ref>")
def update_dataset(ref: str):
    actor = require_token()
    body = _body()
    dataset_service.get_dataset(g.catalog, actor, ref)  # others' drafts look missing: 404
    result = dataset_service.save_edit(
        g.catalog,
        actor,
        ref,
        body,
        review_link=lambda rid: absolute_url("curation.revision", revision_id=rid),
    )
    ds = dataset_service.get_dataset(g.catalog, actor, result.dataset.id)
    if not result.pending:
        return jsonify(with_offsets(_dataset_out(actor, ds)))
    # a partner's change of a published dataset waits for the bureau: 202, the record as
    # published, and the pending revision
    rev = revisions.get(g.catalog, actor, cast(int, result.revision_id))
    out = _dataset_out(actor, ds)
    out["pending_revision"] = {
        "id": rev.id,
        "state": rev.state,
        "fields": sorted({revisions.field_of(c) for c in rev.changes}),
        "proposed_at": rev.proposed_at.isoformat(),
    }
    resp = jsonify(with_offsets(out))
    resp.status_code = 202
    return resp


@bp.post("/datasets/<ref>/status")
def change_status(ref: str):
    actor = require_token()
    body = _body()
    errors = {}
    status = body.get("status")
    if not isinstance(status, str) or status not in vocab.STATUSES:
        errors["status"] = [f"Must be one of: {', '.join(vocab.STATUSES)}."]
    if body.get("note") is not None and not isinstance(body.get("note"), str):
        errors["note"] = ["Not a valid string."]
    unknown = set(body) - {"status", "note"}
    for key in unknown:
        errors[key] = ["Unknown field."]
    if errors:
        return error_response(
            422, "invalid", "invalid input", cast(dict, localize_errors(errors, api_language()))
        )
    dataset_service.get_dataset(g.catalog, actor, ref)
    ds = dataset_service.change_status(g.catalog, actor, ref, body["status"], body.get("note"))
    ds = dataset_service.get_dataset(g.catalog, actor, ds.id)
    return jsonify(with_offsets(_dataset_out(actor, ds)))


# -- title suggestions (the search box) ----------------------------------------------------
SUGGEST_MAX_CHARS = 200
SUGGEST_MAX_LIMIT = 20


@bp.get("/suggest")
def suggest():
    """Titles of published datasets starting with ``q``, as the search backend normalises
    them (NFKC, lower case), most frequent first. Only the index is read, and it holds
    published datasets only, so nothing withdrawn or unpublished is ever offered."""
    text = request.args.get("q", "")
    if len(text) > SUGGEST_MAX_CHARS:
        raise BadQuery(f"'q' must be at most {SUGGEST_MAX_CHARS} characters")
    limit = _int_arg("limit", 8, 1, SUGGEST_MAX_LIMIT)
    titles = g.catalog.search.suggest(text, limit) if text.strip() else []
    return api_json(
        {"query": text, "suggestions": [{"title": t} for t in titles]}, _index_changed_at()
    )


# -- organizations -------------------------------------------------------------------------
@bp.get("/organizations")
def list_organizations():
    actor = api_actor()
    page, page_size = _paging()
    rows = org_service.organizations_for(g.catalog, actor)
    chunk = rows[(page - 1) * page_size : page * page_size]
    results = [_org_out(o, n, actor) for o, n in chunk]
    return api_json(
        _paged("api.list_organizations", len(rows), results, page, page_size),
        published.last_change(g.catalog),
    )


@bp.get("/organizations/<ref>")
def show_organization(ref: str):
    actor = api_actor()
    org, n = org_service.organization_for(g.catalog, actor, ref)
    return api_json(_org_out(org, n, actor), org.updated_at)


# -- the open list -------------------------------------------------------------------------
def _version_arg(value: str | None, name: str) -> int | str:
    if value == "latest":
        return value
    try:
        return int(value or "")
    except ValueError:
        raise BadQuery(f"'{name}' must be a version number or 'latest'") from None


@bp.get("/openlist/versions")
def openlist_versions():
    return api_json({"results": openlist.versions(g.catalog)})


def _version_path(version: str) -> int | str:
    """A version named in the path: anything but a number or ``latest`` names nothing."""
    if version != "latest" and not (version.isascii() and version.isdigit()):
        raise NotFound(f"open list version {version!r} not found")
    return _version_arg(version, "version")


@bp.get("/openlist/versions/<version>")
def openlist_version(version: str):
    number = _version_path(version)
    v, _entries = openlist.version_entries(g.catalog, api_actor(), number)
    return api_json(v)


@bp.get("/openlist/versions/<version>/entries")
def openlist_entries(version: str):
    number = _version_path(version)
    page, page_size = _paging()
    v, entries = openlist.version_entries(g.catalog, api_actor(), number)
    chunk = entries[(page - 1) * page_size : page * page_size]
    body = _paged("api.openlist_entries", len(entries), chunk, page, page_size, version=version)
    body["version"] = v
    return api_json(body)


@bp.get("/openlist/diff")
def openlist_diff():
    old = _version_arg(request.args.get("from"), "from")
    new = _version_arg(request.args.get("to"), "to")
    return api_json(openlist.diff(g.catalog, api_actor(), old, new))


# -- harvest sources and jobs (curators) ---------------------------------------------------
@bp.get("/harvest/sources")
def harvest_sources():
    return api_json({"results": harvest.source_records(g.catalog, require_token())})


@bp.get("/harvest/sources/<ref>")
def harvest_source(ref: str):
    return api_json(harvest.source_record(g.catalog, require_token(), ref))


@bp.get("/harvest/jobs")
def harvest_jobs():
    actor = require_token()
    page, page_size = _paging()
    source = _int_arg("source", 0, 0) or None
    total, jobs = harvest.job_records(g.catalog, actor, source, (page - 1) * page_size, page_size)
    return api_json(_paged("api.harvest_jobs", total, jobs, page, page_size))


@bp.get("/harvest/jobs/<int:job_id>")
def harvest_job(job_id: int):
    return api_json(harvest.job_record(g.catalog, require_token(), job_id))


# -- access requests (the caller's own) ----------------------------------------------------
@bp.get("/access-requests")
def my_access_requests():
    actor = require_token()
    page, page_size = _paging()
    total, rows = access.my_access_requests(g.catalog, actor, (page - 1) * page_size, page_size)
    return api_json(_paged("api.my_access_requests", total, rows, page, page_size))


@bp.get("/access-requests/<int:request_id>")
def my_access_request(request_id: int):
    return api_json(access.my_access_request(g.catalog, require_token(), request_id))


# -- reference -----------------------------------------------------------------------------
@bp.get("/vocabularies")
def vocabularies():
    tables = dict(vocab.VOCABS) | {"region": vocab.regions()}
    return api_json(
        {
            "vocabularies": {
                name: [{"code": c, "zh": zh, "en": en} for c, (zh, en) in table.items()]
                for name, table in tables.items()
            }
        }
    )


@bp.get("/openapi.json")
def openapi_json():
    from web.openapi import openapi_document

    s = g.catalog.settings
    server = (s.extra.get("base_url") or request.url_root).rstrip("/") + bp.url_prefix
    return api_json(openapi_document(s.site_name_en, server))


@bp.get("/docs")
def docs():
    """A plain HTML page listing every path (no scripts, nothing loaded from elsewhere)."""
    from web.openapi import OPERATIONS

    return render_template("api_docs.html", operations=OPERATIONS, prefix=bp.url_prefix)
