"""A CKAN-compatible Action API under /api/3/action/ and /api/action/ (writes: ``web.ckan_write``).

So that ``ckanapi``, CKAN's harvesters and scripts written for any CKAN portal read this
catalog unchanged: CKAN's envelope ``{"help", "success", "result"}``, its error shapes
(``{"success": false, "error": {"__type": "Not Found Error", ...}}``) and status codes,
GET with query parameters or POST with a JSON body. Datasets become package dicts through
``schemas.formats.ckan``; searches run on the same search backend as the pages, with
``q``/``fq`` translated by ``web.ckan_query``. Themes are CKAN groups.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, g, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from catalog.db import MAX_INT
from catalog.errors import NotFound
from catalog.search import SearchQuery
from catalog.search.base import MAX_OFFSET, MAX_PAGE_SIZE
from catalog.services import datasets as dataset_service
from catalog.services import organizations, published
from catalog.services.authz import ANONYMOUS, Actor
from schemas import vocab
from schemas.formats.ckan import group_dict, organization_dict, package_dict
from web.apiauth import Unauthenticated, api_actor
from web.ckan_query import (
    PackageSearch,
    ParamError,
    SearchQueryError,
    database_facets,
    database_window,
    read_package_search,
)
from web.ckan_write import POST_ONLY, WRITE_ACTIONS, WriteRefused, run_write
from web.conditional import conditional_json
from web.downloads import signer
from web.links import site_links

bp = Blueprint("ckan_api", __name__)
CKAN_API_LEVEL = "2.10.0"  # the CKAN version whose Action API these answers follow
MAX_LIST = 1000
INCLUDED_DATASETS = 10  # organization_show / group_show include_datasets: CKAN's default rows


class CkanError(Exception):
    def __init__(self, status: int, error: dict):
        super().__init__(error.get("message", ""))
        self.status = status
        self.error = error


def _help(action: str) -> str:
    return f"{site_links().base}/api/3/action/help_show?name={action}"


def _envelope(action: str, result: object):
    body = {"help": _help(action), "success": True, "result": result}
    if request.method == "GET":  # cacheable like the JSON API's reads
        return conditional_json(body)
    return jsonify(body)


def failure(action: str, status: int, error: dict):
    resp = jsonify({"help": _help(action), "success": False, "error": error})
    resp.status_code = status
    return resp


def _params() -> dict:
    params: dict = {}
    for key in request.args:
        values = request.args.getlist(key)
        params[key] = values if key == "fq_list" or len(values) > 1 else values[0]
    if request.method == "POST":
        if request.is_json or (request.data and request.mimetype != "multipart/form-data"):
            body = request.get_json(silent=True)
            if not isinstance(body, dict):
                raise CkanError(
                    400,
                    {
                        "__type": "Bad Request",
                        "message": "Bad request - JSON Error: not a JSON object",
                    },
                )
            params.update(body)
        else:
            params.update(request.form.to_dict())
    return params


def _bool(params: dict, key: str, default: bool = False) -> bool:
    value = params.get(key, default)
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes", "on")


def _natural(params: dict, key: str, default: int | None, upper: int | None = None) -> int | None:
    raw = params.get(key)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw))
    except ValueError:
        raise ParamError({key: ["Invalid integer"]}) from None
    upper = MAX_INT // 1000 if upper is None else upper  # an offset the database can skip
    if value < 0 or value > upper:
        raise ParamError({key: [f"Must be a natural number no larger than {upper or 'any'}"]})
    return value


def _required(params: dict, key: str) -> str:
    value = params.get(key)
    if value in (None, ""):
        raise ParamError({key: ["Missing value"]})
    return str(value)


def _packages(actor: Actor, rows: list) -> list[dict]:
    links = site_links()
    return [package_dict(published.dataset_record(actor, ds, signer(actor)), links) for ds in rows]


# -- actions ---------------------------------------------------------------------------------
def status_show(params: dict, actor: Actor) -> dict:
    s = g.catalog.settings
    return {
        "site_title": s.site_name,
        "site_description": s.site_name_en,
        "site_url": site_links().base,
        "ckan_version": CKAN_API_LEVEL,
        "locale_default": "zh_Hans_CN" if s.default_locale == "zh" else s.default_locale,
        "extensions": [],
        "x_implementation": "data-partner-catalog",
    }


def package_list(params: dict, actor: Actor) -> list[str]:
    limit = _natural(params, "limit", None)
    offset = _natural(params, "offset", 0) or 0
    return published.published_names(g.catalog, limit, offset)


def package_show(params: dict, actor: Actor) -> dict:
    ds = dataset_service.get_dataset(g.catalog, actor, _required(params, "id"))
    return package_dict(published.dataset_record(actor, ds, signer(actor)), site_links())


def _facet_display(facet: str, value: str, org_titles: dict[str, str]) -> str:
    if facet == "publisher":
        return org_titles.get(value, value)
    table = {
        "theme": "theme",
        "openness": "openness",
        "kind": "kind",
        "license": "license",
        "region": "region",
        "modality": "modality",
        "task": "task",
        "annotation_type": "annotation_type",
        "annotation_method": "annotation_method",
        "accuracy": "accuracy",
        "samples": "samples",
        "split": "split",
        "license_family": "license_family",
        "updated": "updated",
    }.get(facet)
    return vocab.label(table, value, "zh") if table else value


def _text_hits(ps: PackageSearch) -> list[str]:
    """Every dataset id the free text matches, best first (the index pages at most 10,000)."""
    ids: list[str] = []
    page = 1
    while True:
        q = SearchQuery(ps.text, ps.filters, (), "relevance", page, MAX_PAGE_SIZE, exact_total=True)
        res = g.catalog.search.search(q)
        if res.total > MAX_OFFSET:
            raise SearchQueryError(
                f"this search matches {res.total} datasets; sorting or filtering them by "
                f"record fields works for at most {MAX_OFFSET}: narrow q or fq, or page "
                "without q (sort=metadata_modified asc) to read everything"
            )
        ids.extend(h.id for h in res.hits)
        if len(res.hits) < MAX_PAGE_SIZE or len(ids) >= res.total:
            return ids
        page += 1


def _index_facets(ps: PackageSearch) -> dict:
    wanted = tuple(dict.fromkeys(ps.facets.values()))
    if not wanted:
        return {}
    res = g.catalog.search.search(
        SearchQuery(ps.text, ps.filters, wanted, "relevance", 1, 1, ps.facet_limit)
    )
    return res.facets


def _search_by_index(ps: PackageSearch) -> tuple[int, dict, list]:
    queries = ps.queries()
    hits, facets_found, total = [], {}, 0
    for i, q in enumerate(queries):
        res = g.catalog.search.search(q)
        if i == 0:
            total, facets_found = res.total, res.facets
        hits.extend(res.hits)
        if len(res.hits) < q.page_size:
            break
    window = [] if ps.rows == 0 else hits[ps.window(queries[0])]
    return total, facets_found, published.published_by_ids(g.catalog, [h.id for h in window])


def _search_by_database(ps: PackageSearch) -> tuple[int, dict, list]:
    ids = _text_hits(ps) if ps.text.strip() or ps.index_only else None
    with g.catalog.session() as s:
        total, rows = database_window(s, ps, ids)
        if not ps.facets:
            facets_found: dict = {}
        elif ps.needs_database:
            facets_found = database_facets(s, ps, ids)
        else:
            facets_found = _index_facets(ps)
    return total, facets_found, rows


def package_search(params: dict, actor: Actor) -> dict:
    ps = read_package_search(params)
    total, facets_found, rows = _search_by_index(ps) if ps.by_index else _search_by_database(ps)
    org_titles = (  # only when asked for: listing organizations counts every dataset
        {o.name: o.title for o, _n in organizations.organizations_for(g.catalog, actor)}
        if "publisher" in ps.facets.values()
        else {}
    )
    facets, search_facets = {}, {}
    for name, ours in ps.facets.items():
        buckets = facets_found.get(ours, [])
        facets[name] = {v: n for v, n in buckets}
        search_facets[name] = {
            "title": name,
            "items": [
                {"name": v, "display_name": _facet_display(ours, v, org_titles), "count": n}
                for v, n in buckets
            ],
        }
    results = _packages(actor, rows)
    fl = [f.strip() for f in str(params.get("fl") or "").replace(" ", ",").split(",") if f.strip()]
    if fl and fl != ["*"]:  # CKAN: only these keys of each package
        results = [{k: p.get(k) for k in fl} for p in results]
    return {
        "count": total,
        "sort": ps.applied_sort,
        "results": results,
        "facets": facets,
        "search_facets": search_facets,
    }


def current_package_list_with_resources(params: dict, actor: Actor) -> list[dict]:
    limit = _natural(params, "limit", 10, MAX_LIST) or 10
    offset = _natural(params, "offset", None)
    if offset is None:
        page = _natural(params, "page", 1) or 1
        offset = (page - 1) * limit
    return _packages(actor, published.recently_modified(g.catalog, limit, offset))


def _list_window(items: list, params: dict, sort_keys: dict[str, Callable]) -> list:
    raw = str(params.get("sort") or "title asc").split(",")[0].split()
    key = raw[0] if raw else "title"
    reverse = len(raw) > 1 and raw[1].lower() == "desc"
    if key not in sort_keys:
        raise ParamError({"sort": [f"Cannot sort by field `{key}`"]})
    items = sorted(items, key=sort_keys[key], reverse=reverse)
    offset = _natural(params, "offset", 0) or 0
    limit = _natural(params, "limit", None, MAX_LIST)
    return items[offset : None if limit is None else offset + limit]


def organization_list(params: dict, actor: Actor) -> list:
    rows = organizations.organizations_for(g.catalog, actor)
    wanted = params.get("organizations")
    if wanted:
        names = set(wanted if isinstance(wanted, list) else str(wanted).split(","))
        rows = [(o, n) for o, n in rows if o.name in names]
    rows = _list_window(
        rows,
        params,
        {
            "title": lambda r: r[0].title,
            "name": lambda r: r[0].name,
            "package_count": lambda r: r[1],
        },
    )
    if not _bool(params, "all_fields"):
        return [o.name for o, _n in rows]
    return [organization_dict(published.organization_record(o) or {}, n) for o, n in rows]


def _first_page(actor: Actor, fq: str) -> list[dict]:
    """The datasets CKAN's ``include_datasets`` lists: its ``package_search`` with the
    default rows (10) and order (``metadata_modified desc``), so the same ones here."""
    return package_search({"fq": fq, "rows": INCLUDED_DATASETS}, actor)["results"]


def organization_show(params: dict, actor: Actor) -> dict:
    org, n = organizations.organization_for(g.catalog, actor, _required(params, "id"))
    out = organization_dict(published.organization_record(org) or {}, n)
    if _bool(params, "include_datasets"):
        out["packages"] = _first_page(actor, f'organization:"{org.name}"')
    return out


def tag_list(params: dict, actor: Actor) -> list:
    counts = published.tag_counts(g.catalog)
    query = str(params.get("query") or "").lower()
    names = sorted(t for t in counts if query in t.lower())
    if _bool(params, "all_fields"):
        return [
            {"id": t, "name": t, "display_name": t, "vocabulary_id": None, "count": counts[t]}
            for t in names
        ]
    return names


def _theme_counts() -> dict[str, int]:
    res = g.catalog.search.search(
        SearchQuery(facets=("theme",), page_size=1, facet_size=len(vocab.THEMES) + 10)
    )
    return dict(res.facets.get("theme", []))


def group_list(params: dict, actor: Actor) -> list:
    counts = _theme_counts()
    themes = list(vocab.THEMES)
    wanted = params.get("groups")
    if wanted:
        names = set(wanted if isinstance(wanted, list) else str(wanted).split(","))
        themes = [t for t in themes if t in names]
    themes = _list_window(
        themes,
        params,
        {
            "title": lambda t: vocab.label("theme", t, "zh"),
            "name": lambda t: t,
            "package_count": lambda t: counts.get(t, 0),
        },
    )
    if not _bool(params, "all_fields"):
        return themes
    return [group_dict(t, counts.get(t, 0)) for t in themes]


def group_show(params: dict, actor: Actor) -> dict:
    theme = _required(params, "id")
    if theme not in vocab.THEMES:
        raise NotFound(f"group {theme!r} not found")
    out = group_dict(theme, _theme_counts().get(theme, 0))
    if _bool(params, "include_datasets"):
        out["packages"] = _first_page(actor, f'groups:"{theme}"')
    return out


ACTIONS: dict[str, Callable[[dict, Actor], object]] = {
    f.__name__: f
    for f in (
        status_show,
        package_list,
        package_show,
        package_search,
        current_package_list_with_resources,
        organization_list,
        organization_show,
        tag_list,
        group_list,
        group_show,
    )
}


def _actor() -> Actor:
    """The caller. CKAN answers a call with an unknown or revoked key as it answers an
    anonymous one: reads of public data work, writes are refused as unauthorised."""
    try:
        return api_actor(ckan_style=True)
    except Unauthenticated:
        g.api_actor = ANONYMOUS
        return ANONYMOUS


@bp.route("/api/action/<action>", methods=["GET", "POST"])  # where ckanapi calls
@bp.route("/api/3/action/<action>", methods=["GET", "POST"])  # registered first: url_for uses it
def action(action: str):
    if action in WRITE_ACTIONS:
        return _write(action)
    handler = ACTIONS.get(action)
    if handler is None:
        return failure(
            action,
            400,
            {"__type": "Bad Request", "message": f"Bad request - Action name not known: {action}"},
        )
    try:
        actor = _actor()
        return _envelope(action, handler(_params(), actor))
    except CkanError as exc:
        return failure(action, exc.status, exc.error)
    except ParamError as exc:
        return failure(action, 409, {"__type": "Validation Error", **exc.errors})
    except SearchQueryError as exc:
        return failure(
            action,
            409,
            {"__type": "Search Query Error", "message": f"Search Query is invalid: {exc}"},
        )


def _write(action: str):
    """A write action (``web.ckan_write``): POST only, as CKAN takes them."""
    if request.method != "POST":
        return failure(action, 400, {"__type": "Bad Request", "message": POST_ONLY})
    try:
        actor = _actor()
        return _envelope(action, run_write(action, _params(), actor))
    except CkanError as exc:
        return failure(action, exc.status, exc.error)
    except (ParamError, WriteRefused) as exc:
        return failure(action, 409, {"__type": "Validation Error", **exc.errors})
    except RequestEntityTooLarge:
        # the whole request is over what the server reads (a file over the upload limit
        # but under this is CKAN's 409 on "upload", from the upload service)
        limit = g.catalog.settings.upload_max_bytes
        return failure(
            action,
            413,
            {
                "__type": "Validation Error",
                "upload": [f"File upload too large: a file may have at most {limit:,} bytes."],
            },
        )
