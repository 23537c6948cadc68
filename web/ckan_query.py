"""CKAN ``package_search`` parameters translated into our ``SearchQuery``.

CKAN hands ``q`` and ``fq`` to Solr; we read the forms clients and harvesters actually
send and map them onto the search backend, so results are the ones the pages show:

* ``field:value``, ``field:"quoted value"``, ``+field:value``, ``field:(a OR b)`` and
  ``field:a OR field:b`` (ckanext-harvest's organization filter) for the fields in
  :data:`FIELD_FACETS` (CKAN's ``organization``, ``groups``, ``res_format``,
  ``license_id`` and our own facet names);
* ``tags:word`` becomes the quoted phrase ``"word"`` of the text query: keywords weigh
  twice in ranking, but the phrase also matches titles and descriptions, because tags are
  not a facet of the search index;
* ``dataset_type:dataset``, ``state:active`` and similar constants every dataset here
  satisfies are accepted and ignored;
* anything else (other fields, ranges such as ``metadata_modified:[... TO *]``, negations)
  raises :class:`SearchQueryError`, which the API answers as CKAN does: 409 with
  ``"__type": "Search Query Error"`` (ckanext-harvest then falls back to a full harvest).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from catalog.search import FACETS, SearchQuery
from catalog.search.base import MAX_OFFSET, MAX_PAGE_SIZE

FIELD_FACETS = {
    "organization": "publisher",
    "groups": "theme",
    "res_format": "format",
    "license_id": "license",
    "access_rights": "openness",
    "spatial": "region",
    "modalities": "modality",
    "task_categories": "task",
    "themes": "theme",
    **{f: f for f in FACETS},
}
TEXT_FIELDS = {"tags", "text"}
CONSTANTS = {
    ("dataset_type", "dataset"),
    ("type", "dataset"),
    ("state", "active"),
    ("private", "false"),
    ("capacity", "public"),
}
# CKAN sort fields: the ones we can honour, and the ones answered in another stable order.
SORTS = {"score": "relevance", "metadata_modified": "modified"}
OTHER_SORT_FIELDS = {"id", "name", "title_string", "metadata_created", "views_recent", "title"}
DEFAULT_ROWS = 10
MAX_ROWS = 1000

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<op>AND|OR|NOT|&&|\|\|)(?=[\s(]|$)
    | (?P<sign>[+-])?
      (?:(?P<field>[A-Za-z_][\w.]*):)?
      (?: "(?P<quoted>(?:[^"\\]|\\.)*)"
        | \((?P<group>[^)]*)\)
        | (?P<range>[\[{][^\]}]*[\]}])
        | (?P<word>[^\s()"]+)
      )
    )""",
    re.X,
)
_GROUP_VALUE = re.compile(r'"((?:[^"\\]|\\.)*)"|([^\s"]+)')


class SearchQueryError(ValueError):
    """A query form this catalog cannot answer (CKAN: 409 "Search Query Error")."""


class ParamError(ValueError):
    """Bad parameter values (CKAN: 409 "Validation Error" with per-field messages)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {v[0]}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class Clause:
    field: str | None
    values: list[str]
    text: str = ""


@dataclass
class Translated:
    text: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _clauses(expr: str) -> list[tuple[str | None, Clause]]:
    """Split a Lucene-ish expression into (operator before it, clause) pairs."""
    out: list[tuple[str | None, Clause]] = []
    pos, op = 0, None
    expr = expr.strip()
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise SearchQueryError(f"cannot read the query near {expr[pos : pos + 20]!r}")
        pos = m.end()
        if m.group("op"):
            token = m.group("op")
            if token in ("NOT",):
                raise SearchQueryError("negation (NOT) is not supported")
            op = "OR" if token in ("OR", "||") else op or "AND"
            continue
        if m.group("sign") == "-":
            raise SearchQueryError("exclusions (-field:value) are not supported in fq")
        if m.group("range") is not None:
            raise SearchQueryError(
                f"ranges are not supported: {m.group('field') or ''}:{m.group('range')}"
            )
        fld = m.group("field")
        if m.group("group") is not None:
            values = [
                _unescape(q or w)
                for q, w in _GROUP_VALUE.findall(m.group("group"))
                if (q or w) not in ("OR", "||")
            ]
            if any(v in ("AND", "&&", "NOT") for v in values):
                raise SearchQueryError("only OR is supported inside field:( ... )")
        elif m.group("quoted") is not None:
            values = [_unescape(m.group("quoted"))]
        else:
            values = [_unescape(m.group("word"))]
        raw = m.group(0).strip().lstrip("+")
        out.append((op, Clause(fld, values, raw)))
        op = None
    return out


def translate(expr: str, *, free_text: bool) -> Translated:
    """Field clauses become facet filters; other words stay text (``q``) or fail (``fq``)."""
    result = Translated()
    words: list[str] = []
    groups: list[list[Clause]] = []
    for op, clause in _clauses(expr or ""):
        if op == "OR" and groups:
            groups[-1].append(clause)
        else:
            groups.append([clause])
    for group in groups:
        fields = {c.field for c in group}
        if len(group) > 1 and (len(fields) > 1 or None in fields):
            raise SearchQueryError("OR is supported only between values of one field")
        fld = group[0].field
        values = [v for c in group for v in c.values]
        if fld is None:
            if values == ["*:*"] or values == ["*"]:
                continue
            if not free_text:
                raise SearchQueryError(f"fq needs field:value, not {group[0].text!r}")
            words.extend(c.text for c in group)
            continue
        if (fld, values[0].lower()) in CONSTANTS and len(values) == 1:
            continue
        if fld in TEXT_FIELDS:
            if len(values) > 1:
                raise SearchQueryError(f"{fld}: takes one value here")
            words.append(f'"{values[0]}"' if fld == "tags" else values[0])
            continue
        facet = FIELD_FACETS.get(fld)
        if facet is None and free_text:  # q: an unknown "word:thing" is just text
            words.extend(c.text for c in group)
            continue
        if facet is None:
            raise SearchQueryError(f"cannot filter on {fld!r}: it is not a facet of this catalog")
        if facet == "format":
            values = [v.upper() for v in values]
        if facet in result.filters and set(result.filters[facet]) != set(values):
            raise SearchQueryError(
                f"{fld}: given twice with AND; use {fld}:(a OR b) for either value"
            )
        result.filters[facet] = values
    result.text = " ".join(words)
    return result


def _natural(params: dict, key: str, default: int, upper: int | None = None) -> int:
    raw = params.get(key, default)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw))
    except ValueError:
        raise ParamError({key: ["Invalid integer"]}) from None
    if value < 0:
        raise ParamError({key: ["Must be a natural number"]})
    if upper is not None and value > upper:
        raise ParamError({key: [f"Must be less than or equal to {upper}"]})
    return value


def read_sort(raw: str | None, has_text: bool) -> tuple[str, str]:
    """(our sort, the CKAN sort actually applied); the first clause of ``sort`` decides."""
    if not raw or not raw.strip():
        return (
            ("relevance", "score desc, metadata_modified desc")
            if has_text
            else (
                "modified",
                "metadata_modified desc",
            )
        )
    first = raw.split(",")[0].strip().split()
    name = first[0] if first else ""
    direction = (first[1] if len(first) > 1 else "asc").lower()
    if direction not in ("asc", "desc"):
        raise SearchQueryError(f"sort direction must be asc or desc, not {direction!r}")
    if name == "score" and direction == "desc":
        return ("relevance", "score desc") if has_text else ("modified", "metadata_modified desc")
    if name in SORTS or name in OTHER_SORT_FIELDS:
        # Only newest-first and relevance orders exist in the index; the rest is answered in
        # the stable newest-first order and the result's "sort" says so.
        return "modified", "metadata_modified desc"
    raise SearchQueryError(f"cannot sort on {name!r}")


def facet_fields(params: dict) -> list[str]:
    raw = params.get("facet.field")
    if raw in (None, "", []):
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise ParamError({"facet.field": ["Not a JSON list"]}) from None
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise ParamError({"facet.field": ["Not a JSON list of field names"]})
    return raw


@dataclass
class PackageSearch:
    text: str
    filters: dict[str, list[str]]
    sort: str
    applied_sort: str
    rows: int
    start: int
    facets: dict[str, str]  # CKAN facet name -> our facet
    facet_limit: int

    def queries(self) -> list[SearchQuery]:
        """The backend pages covering [start, start + rows): one when the window is a page."""
        facets = tuple(dict.fromkeys(self.facets.values()))
        if self.rows == 0:
            return [SearchQuery(self.text, self.filters, facets, self.sort, 1, 1, self.facet_limit)]
        if self.rows <= MAX_PAGE_SIZE and self.start % self.rows == 0:
            page = self.start // self.rows + 1
            return [
                SearchQuery(
                    self.text, self.filters, facets, self.sort, page, self.rows, self.facet_limit
                )
            ]
        size = MAX_PAGE_SIZE
        first = self.start // size + 1
        last = min((self.start + self.rows - 1) // size + 1, MAX_OFFSET // size)
        return [
            SearchQuery(
                self.text,
                self.filters,
                facets if p == first else (),
                self.sort,
                p,
                size,
                self.facet_limit,
            )
            for p in range(first, last + 1)
        ]

    def window(self, first_query: SearchQuery) -> slice:
        """Which of the concatenated hits of :meth:`queries` were asked for."""
        skip = self.start - (first_query.page - 1) * first_query.page_size
        return slice(skip, skip + self.rows)


def read_package_search(params: dict) -> PackageSearch:
    rows = _natural(params, "rows", DEFAULT_ROWS, MAX_ROWS)
    start = _natural(params, "start", 0)
    if start >= MAX_OFFSET:
        raise ParamError(
            {"start": [f"Must be less than {MAX_OFFSET}; list everything with package_list"]}
        )
    facet_limit = _natural(params, "facet.limit", 50, 1000) or 50
    q = translate(str(params.get("q") or ""), free_text=True)
    fq_parts = [str(params.get("fq") or "")]
    fq_list = params.get("fq_list") or []
    if isinstance(fq_list, str):
        fq_list = [fq_list]
    fq_parts += [str(x) for x in fq_list]
    filters = dict(q.filters)
    words = [q.text] if q.text else []
    for part in fq_parts:
        t = translate(part, free_text=False)
        words += [t.text] if t.text else []
        for facet, values in t.filters.items():
            if facet in filters and set(filters[facet]) != set(values):
                raise SearchQueryError(f"{facet} is filtered twice with different values")
            filters[facet] = values
    text = " ".join(words)
    sort, applied = read_sort(params.get("sort"), bool(text.strip()))
    facets = {}
    for name in facet_fields(params):
        if name in FIELD_FACETS:
            facets[name] = FIELD_FACETS[name]
    return PackageSearch(text, filters, sort, applied, rows, start, facets, facet_limit)
