"""The OpenAPI 3 document of /api/v1, generated from the marshmallow schemas with apispec.

Paths are listed once in :data:`OPERATIONS` (method, path, tag, English and Chinese
summary, parameters, request schema, responses); the JSON document and the human docs
page (``/api/v1/docs``) are both made from that list.
"""

from __future__ import annotations

from functools import lru_cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from catalog.search import FACETS, SORTS
from catalog.search.base import MAX_PAGE_SIZE
from schemas.dataset import DatasetPatchSchema, DatasetSchema
from web import api_schemas as s

API_VERSION = "1.0.0"


def _q(name: str, description: str, schema: dict | None = None, required: bool = False) -> dict:
    return {
        "in": "query",
        "name": name,
        "description": description,
        "required": required,
        "schema": schema or {"type": "string"},
    }


def _p(name: str, description: str, schema: dict | None = None) -> dict:
    return {
        "in": "path",
        "name": name,
        "description": description,
        "required": True,
        "schema": schema or {"type": "string"},
    }


PAGING = [
    _q("page", "Page number, from 1", {"type": "integer", "minimum": 1, "default": 1}),
    _q(
        "page_size",
        f"Results per page (at most {MAX_PAGE_SIZE})",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 20},
    ),
]
LANG = _q(
    "lang",
    "Language of error messages (default: Accept-Language, else zh)",
    {"type": "string", "enum": ["zh", "en"]},
)
REF = _p("ref", "Dataset name or id")
SEARCH_PARAMS = [
    _q("q", 'Search words (Chinese and English); "phrases" and -exclusions allowed'),
    *[
        _q(
            f,
            f"Filter by {f} (repeat for OR within the facet)",
            {"type": "array", "items": {"type": "string"}},
        )
        for f in FACETS
    ],
    _q("sort", "Order of results", {"type": "string", "enum": list(SORTS), "default": "relevance"}),
    _q(
        "facet",
        "Facets to count (comma-separated or repeated; empty for none). Default: the general "
        "facets, and the AI facets when the search is about training or benchmark data",
        {"type": "array", "items": {"type": "string", "enum": list(FACETS)}},
    ),
    *PAGING,
]


def _resp(schema: str | None, description: str) -> dict:
    if schema is None:
        return {"description": description}
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


ERR = {
    "400": _resp("Error", "Bad parameters"),
    "401": _resp("Error", "Missing, unknown or revoked token"),
    "403": _resp("Error", "Not allowed"),
    "404": _resp("Error", "Not found"),
    "422": _resp("Error", "Invalid input, with field errors"),
}
READ = {"304": _resp(None, "Not modified (If-None-Match / If-Modified-Since)")}

# (method, path, tag, summary, summary_zh, parameters, request schema, responses, auth)
OPERATIONS: list[tuple] = [
    (
        "get",
        "/datasets",
        "datasets",
        "Search datasets with facets, filters and paging",
        "检索数据集（分面、筛选、分页）",
        SEARCH_PARAMS,
        None,
        {"200": _resp("SearchPage", "A page of results"), "400": ERR["400"], **READ},
        "optional",
    ),
    (
        "get",
        "/suggest",
        "datasets",
        "Titles of published datasets starting with a prefix (search-box suggestions)",
        "按前缀联想已发布数据集的标题（检索框提示）",
        [
            _q(
                "q",
                "The beginning of a title, Chinese or English (at most 200 characters; "
                "blank gives no suggestions)",
                {"type": "string", "maxLength": 200},
            ),
            _q(
                "limit",
                "How many suggestions at most",
                {"type": "integer", "minimum": 1, "maximum": 20, "default": 8},
            ),
        ],
        None,
        {
            "200": _resp("Suggestions", "Matching titles, most frequent first"),
            "400": ERR["400"],
            "503": _resp("Error", "The search index is unavailable"),
            **READ,
        },
        None,
    ),
    (
        "post",
        "/datasets",
        "datasets",
        "Create a dataset (draft) for an organization you belong to",
        "为所属机构新建数据集（草稿）",
        [LANG],
        "Dataset",
        {
            "201": _resp("DatasetOut", "Created"),
            **{k: ERR[k] for k in ("400", "401", "403", "422")},
        },
        "required",
    ),
    (
        "get",
        "/datasets/{ref}",
        "datasets",
        "Show a dataset",
        "查看数据集",
        [REF],
        None,
        {"200": _resp("DatasetOut", "The dataset"), "404": ERR["404"], **READ},
        "optional",
    ),
    (
        "patch",
        "/datasets/{ref}",
        "datasets",
        "Update fields of a dataset",
        "修改数据集字段",
        [REF, LANG],
        "DatasetPatch",
        {
            "200": _resp("DatasetOut", "Updated"),
            "202": _resp(
                "DatasetOut",
                "A partner's change of a published dataset waits for the data bureau's review: "
                "the record as published, with pending_revision (id, state, fields, proposed_at)",
            ),
            **{k: ERR[k] for k in ("400", "401", "403", "404", "422")},
        },
        "required",
    ),
    (
        "post",
        "/datasets/{ref}/status",
        "datasets",
        "Move a dataset through its workflow (submit, publish, withdraw ...)",
        "变更数据集状态（提交、发布、撤回等）",
        [REF, LANG],
        "StatusChange",
        {
            "200": _resp("DatasetOut", "Changed"),
            "409": _resp("Error", "Not a possible change"),
            **{k: ERR[k] for k in ("401", "403", "404", "422")},
        },
        "required",
    ),
    (
        "get",
        "/organizations",
        "organizations",
        "List publishers with their published dataset counts",
        "机构列表（含已发布数据集数）",
        PAGING,
        None,
        {"200": _resp("OrganizationPage", "A page of organizations"), **READ},
        "optional",
    ),
    (
        "get",
        "/organizations/{ref}",
        "organizations",
        "Show a publisher",
        "查看机构",
        [_p("ref", "Organization name or id")],
        None,
        {"200": _resp("OrganizationOut", "The organization"), "404": ERR["404"], **READ},
        "optional",
    ),
    (
        "get",
        "/openlist/versions",
        "open list",
        "Published versions of the open list",
        "开放清单的已发布版本",
        [],
        None,
        {
            "200": {
                "description": "Versions, newest first",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "results": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/OpenListVersion"},
                                }
                            },
                        }
                    }
                },
            },
            **READ,
        },
        None,
    ),
    (
        "get",
        "/openlist/versions/{version}",
        "open list",
        "One version of the open list",
        "开放清单某一版本",
        [_p("version", "Version number or 'latest'")],
        None,
        {"200": _resp("OpenListVersion", "The version"), "404": ERR["404"], **READ},
        None,
    ),
    (
        "get",
        "/openlist/versions/{version}/entries",
        "open list",
        "Entries of a version",
        "某一版本的清单条目",
        [_p("version", "Version number or 'latest'"), *PAGING],
        None,
        {"200": _resp("OpenListEntryPage", "A page of entries"), "404": ERR["404"], **READ},
        None,
    ),
    (
        "get",
        "/openlist/diff",
        "open list",
        "Differences between two versions",
        "两个版本之间的差异",
        [
            _q("from", "Older version number", {"type": "integer"}, True),
            _q("to", "Newer version number or 'latest'", None, True),
        ],
        None,
        {
            "200": _resp("OpenListDiff", "Added, removed and changed entries"),
            "400": ERR["400"],
            "404": ERR["404"],
            **READ,
        },
        None,
    ),
    (
        "get",
        "/harvest/sources",
        "harvest",
        "Harvest sources (curators)",
        "采集源（仅数据局管理员）",
        [],
        None,
        {
            "200": {
                "description": "All sources",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "results": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/HarvestSourceOut"},
                                }
                            },
                        }
                    }
                },
            },
            "401": ERR["401"],
            "403": ERR["403"],
            **READ,
        },
        "required",
    ),
    (
        "get",
        "/harvest/sources/{ref}",
        "harvest",
        "One harvest source (curators)",
        "查看采集源（仅数据局管理员）",
        [_p("ref", "Source id or name")],
        None,
        {
            "200": _resp("HarvestSourceOut", "The source"),
            **{k: ERR[k] for k in ("401", "403", "404")},
            **READ,
        },
        "required",
    ),
    (
        "get",
        "/harvest/jobs",
        "harvest",
        "Harvest jobs, newest first (curators)",
        "采集任务（仅数据局管理员）",
        [_q("source", "Only jobs of this source id", {"type": "integer"}), *PAGING],
        None,
        {
            "200": _resp("HarvestJobPage", "A page of jobs"),
            **{k: ERR[k] for k in ("400", "401", "403")},
            **READ,
        },
        "required",
    ),
    (
        "get",
        "/harvest/jobs/{job_id}",
        "harvest",
        "One harvest job with its log and errors (curators)",
        "查看采集任务及其错误（仅数据局管理员）",
        [_p("job_id", "Job id", {"type": "integer"})],
        None,
        {
            "200": _resp("HarvestJobOut", "The job"),
            **{k: ERR[k] for k in ("401", "403", "404")},
            **READ,
        },
        "required",
    ),
    (
        "get",
        "/access-requests",
        "access requests",
        "Your own access requests",
        "我的数据申请",
        PAGING,
        None,
        {"200": _resp("AccessRequestPage", "A page of requests"), "401": ERR["401"], **READ},
        "required",
    ),
    (
        "get",
        "/access-requests/{request_id}",
        "access requests",
        "One of your access requests",
        "查看我的某一数据申请",
        [_p("request_id", "Request id", {"type": "integer"})],
        None,
        {
            "200": _resp("AccessRequestOut", "The request"),
            "401": ERR["401"],
            "404": ERR["404"],
            **READ,
        },
        "required",
    ),
    (
        "get",
        "/vocabularies",
        "reference",
        "Codes accepted in dataset fields, with Chinese and English labels",
        "字段可用代码及中英文名称",
        [],
        None,
        {"200": _resp("Vocabularies", "Vocabularies"), **READ},
        None,
    ),
    (
        "get",
        "/openapi.json",
        "reference",
        "This document",
        "本接口说明（OpenAPI）",
        [],
        None,
        {"200": {"description": "OpenAPI 3 document"}},
        None,
    ),
]

COMPONENTS = {
    "Error": s.Error,
    "SearchPage": s.SearchPage,
    "SearchHit": s.SearchHit,
    "Suggestions": s.Suggestions,
    "Dataset": DatasetSchema,
    "DatasetPatch": DatasetPatchSchema,
    "DatasetOut": s.DatasetOut,
    "StatusChange": s.StatusChange,
    "OrganizationOut": s.OrganizationOut,
    "OrganizationPage": s.OrganizationPage,
    "OpenListVersion": s.OpenListVersion,
    "OpenListEntryPage": s.OpenListEntryPage,
    "OpenListDiff": s.OpenListDiff,
    "HarvestSourceOut": s.HarvestSourceOut,
    "HarvestJobOut": s.HarvestJobOut,
    "HarvestJobPage": s.HarvestJobPage,
    "AccessRequestOut": s.AccessRequestOut,
    "AccessRequestPage": s.AccessRequestPage,
    "Vocabularies": s.Vocabularies,
}


def _schema_name_resolver(schema: object) -> str | None:
    """Nested schemas are inlined unless registered above under a name."""
    cls = schema if isinstance(schema, type) else type(schema)
    for name, registered in COMPONENTS.items():
        if registered is cls:
            return name
    return None


@lru_cache(maxsize=4)
def openapi_document(title: str, server: str) -> dict:
    spec = APISpec(
        title=title,
        version=API_VERSION,
        openapi_version="3.0.3",
        # apispec inlines a nested schema when the resolver answers None; its stub says str
        plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name_resolver)],  # type: ignore[arg-type]
        info={
            "description": "Datasets, publishers, the open list, harvests and access requests "
            "of the catalog. Reads are public unless marked; writes need a personal API token "
            "(`Authorization: Bearer <token>`). Every read answers with an ETag "
            '(If-None-Match gives 304). Errors: `{"error": {"code", "message", "fields"?}}`.'
        },
        servers=[{"url": server}],
    )
    spec.components.security_scheme(
        "token", {"type": "http", "scheme": "bearer", "description": "Personal API token (dpc_...)"}
    )
    for name, schema in COMPONENTS.items():
        if name not in spec.components.schemas:  # nested ones register themselves first
            spec.components.schema(name, schema=schema)
    paths: dict[str, dict] = {}
    for method, path, tag, summary, summary_zh, params, body, responses, auth in OPERATIONS:
        # any request may carry a parameter out of range or a body that does not decode
        responses = {**responses, "400": responses.get("400", ERR["400"])}
        op: dict = {
            "tags": [tag],
            "summary": summary,
            "x-summary-zh": summary_zh,
            "operationId": f"{method}_{path.strip('/').replace('/', '_').replace('{', '').replace('}', '').replace('.', '_').replace('-', '_')}",
            "parameters": params,
            "responses": responses,
        }
        if body:
            op["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}
                },
            }
        if auth == "required":
            op["security"] = [{"token": []}]
        elif auth == "optional":
            op["security"] = [{"token": []}, {}]
        paths.setdefault(path, {})[method] = op
    for path, ops in paths.items():
        spec.path(path=path, operations=ops)
    return spec.to_dict()
