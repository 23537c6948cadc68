"""CKAN ``package_search`` parameters read the way CKAN (Solr) reads them.

CKAN hands ``q`` and ``fq`` to Solr; we read the forms clients and harvesters actually
send. A request becomes a :class:`PackageSearch`, answered in one of two ways
(``web.ckan_api.package_search``):

* **by the search backend** when there is free text, the order is relevance and every
  clause is a facet filter of the index, so results are the ones the pages show;
* **by the database** otherwise: text-free queries, the sorts CKAN offers on record fields
  (``metadata_modified``, ``metadata_created``, ``name``, ``title``, ``id``, both directions,
  ties broken by ``id asc`` so paging is stable), ``start`` past the index's 10,000 window,
  date ranges (``metadata_modified:[2024-01-01T00:00:00Z TO *]``, ``[NOW-1DAY TO NOW]``),
  exclusions (``-organization:x``) and ``id:``/``name:``/``tags:`` clauses. With free text
  the backend names the matching datasets (at most 10,000) and the database filters and
  orders them.

Forms read in ``q`` and ``fq``: ``field:value``, ``field:"quoted value"``, ``+field:value``,
``-field:value``, ``field:(a OR b)``, ``field:a OR field:b`` (ckanext-harvest's organization
filter), ``field:[from TO to]`` / ``{from TO to}`` with ``*`` for an open end on the date
fields. ``dataset_type:dataset``, ``state:active`` and similar constants every dataset here
satisfies are accepted and ignored. Anything else raises :class:`SearchQueryError`, which the
API answers as CKAN does: 409 with ``"__type": "Search Query Error"``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from dataclasses import field as _field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, Text, and_, cast, exists, false, func, not_, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement

from catalog.models import Dataset, Distribution, Organization
from catalog.search import FACETS, SearchQuery
from catalog.search import facet_values as derived
from catalog.search.base import (
    AI_FACETS,
    GENERAL_FACETS,
    MAX_OFFSET,
    MAX_PAGE_SIZE,
    UPDATED_WITHIN_DAYS,
)
from catalog.services.registrations import registered_sql

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
# facets only the index answers (bands and windows computed when a dataset is indexed): a
# text-free search with one of them asks the index for the matching ids
INDEX_ONLY_FACETS = frozenset(AI_FACETS + GENERAL_FACETS)
# fields only the database answers (exact values; ``tags`` is an exact keyword, as in Solr)
RECORD_FIELDS = {"id", "name", "tags"}
DATE_FIELDS = {"metadata_modified", "metadata_created"}
TEXT_FIELDS = {"text"}
CONSTANTS = {
    ("dataset_type", "dataset"),
    ("type", "dataset"),
    ("state", "active"),
    ("private", "false"),
    ("capacity", "public"),
}
# CKAN sort fields -> the record field the database orders by ("score" is relevance)
SORT_FIELDS = {
    "score": "score",
    "metadata_modified": "metadata_modified",
    "metadata_created": "metadata_created",
    "name": "name",
    "id": "id",
    "title": "title",
    "title_string": "title",
}
DEFAULT_ROWS = 10
MAX_ROWS = 1000  # CKAN's ckan.search.rows_max: larger values are capped, not refused

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
_RANGE = re.compile(r"^([\[{])\s*(\S+)\s+TO\s+(\S+)\s*([\]}])$")
_NOW = re.compile(r"^NOW((?:[+-]\d+[A-Z]+|/[A-Z]+)*)$")
_NOW_STEP = re.compile(r"([+-])(\d+)([A-Z]+)|/([A-Z]+)")
_UNITS = {
    "SECOND": "seconds",
    "MINUTE": "minutes",
    "HOUR": "hours",
    "DAY": "days",
    "DATE": "days",
    "WEEK": "weeks",
}


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
    negate: bool = False
    range: str | None = None


@dataclass
class Condition:
    """One clause the database can answer: ``field`` is a facet name of ours, a record field
    (``id``, ``name``, ``tags``) or a date field with ``lo``/``hi`` bounds."""

    field: str
    values: list[str] = _field(default_factory=list)
    negate: bool = False
    lo: datetime | None = None
    hi: datetime | None = None
    lo_open: bool = False  # ``{`` excludes the bound
    hi_open: bool = False


@dataclass
class Translated:
    text: str = ""
    filters: dict[str, list[str]] = _field(default_factory=dict)
    conditions: list[Condition] = _field(default_factory=list)
    #: a clause the index cannot answer (a range, an exclusion, a record field)
    needs_database: bool = False


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
                raise SearchQueryError("NOT is not supported; write -field:value")
            op = "OR" if token in ("OR", "||") else op or "AND"
            continue
        fld = m.group("field")
        negate = m.group("sign") == "-"
        if m.group("range") is not None:
            values: list[str] = []
        elif m.group("group") is not None:
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
        out.append((op, Clause(fld, values, raw, negate, m.group("range"))))
        op = None
    return out


def parse_when(value: str, now: datetime | None = None, *, upper: bool = False) -> datetime | None:
    """A Solr date (ISO 8601, ``*``, or ``NOW`` with ``+/-N UNIT`` and ``/UNIT`` rounding) as
    naive UTC, the way the store keeps timestamps; ``None`` for an open end."""
    value = value.strip()
    if value == "*":
        return None
    now = now or datetime.now(UTC).replace(tzinfo=None)
    m = _NOW.match(value.upper())
    if m:
        when = now
        for sign, num, unit, rounding in _NOW_STEP.findall(m.group(1)):
            unit = rounding or unit
            unit = unit[:-1] if unit.endswith("S") else unit
            if rounding:
                when = _round(when, unit)
                continue
            n = int(num) * (1 if sign == "+" else -1)
            if unit in ("MONTH", "YEAR"):
                months = when.month - 1 + n * (12 if unit == "YEAR" else 1)
                year, month = when.year + months // 12, months % 12 + 1
                when = when.replace(year=year, month=month, day=min(when.day, 28))
            elif unit in _UNITS:
                when += timedelta(**{_UNITS[unit]: n})
            else:
                raise SearchQueryError(f"unknown date unit {unit!r} in {value!r}")
        return when
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise SearchQueryError(
            f"cannot read the date {value!r}: use ISO 8601 "
            "(2024-01-01T00:00:00Z), NOW, NOW-1DAY or *"
        ) from None
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when


def _round(when: datetime, unit: str) -> datetime:
    if unit in ("DAY", "DATE"):
        return when.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "HOUR":
        return when.replace(minute=0, second=0, microsecond=0)
    if unit == "MINUTE":
        return when.replace(second=0, microsecond=0)
    if unit == "MONTH":
        return when.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "YEAR":
        return when.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    raise SearchQueryError(f"cannot round a date to {unit!r}")


def _range_condition(clause: Clause, now: datetime | None) -> Condition:
    fld = clause.field or ""
    if fld not in DATE_FIELDS:
        raise SearchQueryError(
            f"ranges are supported on {', '.join(sorted(DATE_FIELDS))}, not on {fld or 'text'!r}"
        )
    m = _RANGE.match(clause.range or "")
    if not m:
        raise SearchQueryError(f"cannot read the range {clause.range!r}: use [from TO to]")
    lo, hi = parse_when(m.group(2), now), parse_when(m.group(3), now)
    return Condition(
        fld, [], clause.negate, lo, hi, lo_open=m.group(1) == "{", hi_open=m.group(4) == "}"
    )


def translate(expr: str, *, free_text: bool, now: datetime | None = None) -> Translated:
    """Field clauses become conditions (and facet filters); other words stay text (``q``)
    or fail (``fq``)."""
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
        negations = {c.negate for c in group}
        if len(group) > 1 and (len(fields) > 1 or None in fields or len(negations) > 1):
            raise SearchQueryError("OR is supported only between values of one field")
        first = group[0]
        fld = first.field
        if first.range is not None:
            if len(group) > 1:
                raise SearchQueryError("OR between ranges is not supported")
            result.conditions.append(_range_condition(first, now))
            result.needs_database = True
            continue
        values = [v for c in group for v in c.values]
        if fld is None:
            if values == ["*:*"] or values == ["*"]:
                continue
            if not free_text or first.negate:
                raise SearchQueryError(f"fq needs field:value, not {first.text!r}")
            words.extend(c.text for c in group)
            continue
        if (fld, values[0].lower()) in CONSTANTS and len(values) == 1:
            if first.negate:  # -state:active: nothing here is anything else
                result.conditions.append(Condition("id", [], negate=False))
                result.needs_database = True
            continue
        if fld in TEXT_FIELDS and not first.negate:
            words.extend(values)
            continue
        if fld in RECORD_FIELDS:
            result.conditions.append(Condition(fld, values, first.negate))
            result.needs_database = True
            continue
        facet = FIELD_FACETS.get(fld)
        if facet is None and free_text and not first.negate:  # q: "word:thing" is just text
            words.extend(c.text for c in group)
            continue
        if facet is None:
            known = sorted({*FIELD_FACETS, *RECORD_FIELDS, *DATE_FIELDS})
            raise SearchQueryError(
                f"cannot filter on {fld!r}: it is not a field of this catalog "
                f"(use one of {', '.join(known)})"
            )
        if facet == "format":
            values = [v.upper() for v in values]
        if facet in INDEX_ONLY_FACETS:
            _index_only_filter(result, facet, values, first.negate)
            continue
        result.conditions.append(Condition(facet, values, first.negate))
        if first.negate:
            result.needs_database = True
            continue
        if facet in result.filters and set(result.filters[facet]) != set(values):
            result.needs_database = True  # a AND b of one field: the database intersects
            continue
        result.filters[facet] = values
    result.text = " ".join(words)
    return result


def _index_only_filter(result: Translated, facet: str, values: list[str], negate: bool) -> None:
    """A filter on a facet the database cannot read (an accuracy band, a sample range ...):
    the index applies it, so only what the index can do is accepted."""
    if negate:
        raise SearchQueryError(
            f"-{facet}: exclusion is not supported on {facet!r}; name the values"
        )
    if facet == "updated":
        bad = [v for v in values if v not in UPDATED_WITHIN_DAYS]
        if bad:
            raise SearchQueryError(
                f"updated:{bad[0]} is not a window: use one of {', '.join(UPDATED_WITHIN_DAYS)}"
            )
    if facet in result.filters and set(result.filters[facet]) != set(values):
        raise SearchQueryError(f"{facet!r} may be given once (values of one clause are OR-ed)")
    result.filters[facet] = values


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
        return upper  # CKAN caps rows at ckan.search.rows_max instead of refusing
    return value


def read_sort(raw: str | None, has_text: bool) -> list[tuple[str, str]]:
    """CKAN's ``sort`` (``"field dir, field dir"``) as (field, asc|desc) pairs.

    ``score`` means relevance and is dropped without text (every score is equal then). The
    default is CKAN's: ``score desc, metadata_modified desc``."""
    if not raw or not str(raw).strip():
        raw = "score desc, metadata_modified desc"
    keys: list[tuple[str, str]] = []
    for part in str(raw).split(","):
        words = part.strip().split()
        if not words:
            continue
        if len(words) > 2:
            raise SearchQueryError(f'Invalid "sort" parameter: {part.strip()!r}')
        name = words[0]
        direction = (words[1] if len(words) > 1 else "asc").lower()
        if direction not in ("asc", "desc"):
            raise SearchQueryError(
                f'Invalid "sort" parameter: direction must be asc or desc, not {words[1]!r}'
            )
        if name not in SORT_FIELDS:
            raise SearchQueryError(
                f'Invalid "sort" parameter: cannot sort on {name!r}; '
                f"use one of {', '.join(SORT_FIELDS)}"
            )
        if name == "score" and not has_text:
            continue
        keys.append((name, direction))
    if not keys:
        keys = [("metadata_modified", "desc")]
    return keys


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
    filters: dict[str, list[str]]  # the facet filters the index applies
    sort_keys: list[tuple[str, str]]
    rows: int
    start: int
    facets: dict[str, str]  # CKAN facet name -> our facet
    facet_limit: int
    conditions: list[Condition] = _field(default_factory=list)
    needs_database: bool = False

    @property
    def applied_sort(self) -> str:
        return ", ".join(f"{f} {d}" for f, d in self.sort_keys)

    @property
    def index_only(self) -> bool:
        """A filter only the index can apply (see ``INDEX_ONLY_FACETS``)."""
        return any(f in INDEX_ONLY_FACETS for f in self.filters)

    @property
    def by_index(self) -> bool:
        """True when the search backend alone answers: free text in relevance order, only
        facet filters, and a window inside the first 10,000 hits."""
        return (
            bool(self.text.strip())
            and self.sort_keys[0][0] == "score"
            and not self.needs_database
            and self.start + self.rows <= MAX_OFFSET
        )

    def queries(self) -> list[SearchQuery]:
        """The backend pages covering [start, start + rows): one when the window is a page."""
        facets = tuple(dict.fromkeys(self.facets.values()))
        if self.rows == 0:
            return [
                SearchQuery(
                    self.text,
                    self.filters,
                    facets,
                    "relevance",
                    1,
                    1,
                    self.facet_limit,
                    exact_total=True,
                )
            ]
        if self.rows <= MAX_PAGE_SIZE and self.start % self.rows == 0:
            page = self.start // self.rows + 1
            return [
                SearchQuery(
                    self.text,
                    self.filters,
                    facets,
                    "relevance",
                    page,
                    self.rows,
                    self.facet_limit,
                    exact_total=True,
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
                "relevance",
                p,
                size,
                self.facet_limit,
                # CKAN clients page by `count`: the first page counts every match
                exact_total=p == first,
            )
            for p in range(first, last + 1)
        ]

    def window(self, first_query: SearchQuery) -> slice:
        """Which of the concatenated hits of :meth:`queries` were asked for."""
        skip = self.start - (first_query.page - 1) * first_query.page_size
        return slice(skip, skip + self.rows)


def read_package_search(params: dict, now: datetime | None = None) -> PackageSearch:
    rows = _natural(params, "rows", DEFAULT_ROWS, MAX_ROWS)
    start = _natural(params, "start", 0)
    facet_limit = _natural(params, "facet.limit", 50, 1000) or 50
    q = translate(str(params.get("q") or ""), free_text=True, now=now)
    fq_parts = [str(params.get("fq") or "")]
    fq_list = params.get("fq_list") or []
    if isinstance(fq_list, str):
        fq_list = [fq_list]
    fq_parts += [str(x) for x in fq_list]
    filters = dict(q.filters)
    conditions = list(q.conditions)
    needs_database = q.needs_database
    words = [q.text] if q.text else []
    for part in fq_parts:
        t = translate(part, free_text=False, now=now)
        words += [t.text] if t.text else []
        conditions += t.conditions
        needs_database = needs_database or t.needs_database
        for facet, values in t.filters.items():
            if facet in filters and set(filters[facet]) != set(values):
                if facet in INDEX_ONLY_FACETS:
                    raise SearchQueryError(
                        f"{facet!r} may be given once (values of one clause are OR-ed)"
                    )
                needs_database = True
                continue
            filters[facet] = values
    text = " ".join(words)
    sort_keys = read_sort(params.get("sort"), bool(text.strip()))
    facets = {}
    for name in facet_fields(params):
        if name in FIELD_FACETS:
            facets[name] = FIELD_FACETS[name]
    return PackageSearch(
        text, filters, sort_keys, rows, start, facets, facet_limit, conditions, needs_database
    )


# -- the database side -------------------------------------------------------------------------
_LIST_COLUMNS = {
    "theme": Dataset.themes,
    "region": Dataset.spatial,
    "modality": Dataset.modalities,
    "task": Dataset.task_categories,
    "tags": Dataset.keywords,
}
_VALUE_COLUMNS = {
    "openness": Dataset.access_rights,
    "kind": Dataset.kind,
    "license": Dataset.license,
    "id": Dataset.id,
    "name": Dataset.name,
}
_ORDER_COLUMNS = {
    "metadata_modified": Dataset.updated_at,
    "metadata_created": Dataset.created_at,
    "name": Dataset.name,
    "title": Dataset.title,
    "id": Dataset.id,
}


def _like_json_item(column, value: str) -> ColumnElement[bool]:
    """A JSON list column holds ``value`` (its JSON text contains the quoted item; lists are
    stored as ``json.dumps`` writes them on SQLite and PostgreSQL alike)."""
    item = json.dumps(value)
    pattern = "%" + item.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
    return cast(column, Text).like(pattern, escape="!")


def _condition_sql(c: Condition) -> ColumnElement[bool]:
    expr: ColumnElement[bool]
    if c.field in DATE_FIELDS:
        col = _ORDER_COLUMNS[c.field]
        parts = []
        if c.lo is not None:
            parts.append(col > c.lo if c.lo_open else col >= c.lo)
        if c.hi is not None:
            parts.append(col < c.hi if c.hi_open else col <= c.hi)
        expr = and_(*parts) if parts else col.is_not(None)
    elif not c.values:
        expr = false()
    elif c.field == "publisher":
        expr = Dataset.organization_id.in_(
            select(Organization.id).where(Organization.name.in_(c.values))
        )
    elif c.field == "format":
        expr = or_(
            exists().where(
                Distribution.dataset_id == Dataset.id,
                func.upper(Distribution.format).in_(c.values),
            ),
            *(_like_json_item(Dataset.data_formats, v) for v in c.values),
            *(_like_json_item(Dataset.data_formats, v.lower()) for v in c.values),
        )
    elif c.field == "registration":  # only "registered" exists
        expr = registered_sql(Dataset.id) if "registered" in c.values else false()
    elif c.field in _LIST_COLUMNS:
        expr = or_(*(_like_json_item(_LIST_COLUMNS[c.field], v) for v in c.values))
    elif c.field in _VALUE_COLUMNS:
        expr = _VALUE_COLUMNS[c.field].in_(c.values)
    else:  # translate() only makes the conditions above
        raise SearchQueryError(f"cannot filter on {c.field!r}")
    return not_(expr) if c.negate else expr


def database_select(ps: PackageSearch, ids: list[str] | None = None) -> Select:
    """Published datasets matching every condition (and among ``ids``, when free text chose
    them), without order or window."""
    stmt = select(Dataset).where(Dataset.status == "published")
    if ids is not None:
        stmt = stmt.where(Dataset.id.in_(ids))
    for c in ps.conditions:
        stmt = stmt.where(_condition_sql(c))
    return stmt


def database_window(
    session: Session, ps: PackageSearch, ids: list[str] | None = None
) -> tuple[int, list[Dataset]]:
    """(count, the datasets of [start, start + rows)) in the requested order, ties by id."""
    base = database_select(ps, ids)
    total = session.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    if ps.rows == 0 or ps.start >= total:
        return total, []
    if ids is not None and ps.sort_keys[0][0] == "score":
        matched = set(session.execute(base.with_only_columns(Dataset.id)).scalars())
        wanted = [i for i in ids if i in matched][ps.start : ps.start + ps.rows]
        rows = session.execute(
            select(Dataset)
            .where(Dataset.id.in_(wanted))
            .options(selectinload(Dataset.distributions))
        ).scalars()
        by_id = {d.id: d for d in rows}
        return total, [by_id[i] for i in wanted if i in by_id]
    order: list[Any] = []
    for name, direction in ps.sort_keys:
        if name == "score":
            continue
        col = _ORDER_COLUMNS[SORT_FIELDS[name]]
        order.append(col.desc() if direction == "desc" else col.asc())
    if ("id", "asc") not in ps.sort_keys and ("id", "desc") not in ps.sort_keys:
        order.append(Dataset.id.asc())
    stmt = (
        base.order_by(*order)
        .offset(ps.start)
        .limit(ps.rows)
        .options(selectinload(Dataset.distributions))
    )
    found = list(session.execute(stmt).scalars())
    for ds in found:
        _ = ds.organization
    return total, found


def database_facets(session: Session, ps: PackageSearch, ids: list[str] | None = None) -> dict:
    """Facet counts of the matching datasets, read from the store (when a condition is one
    the index cannot apply, its facet counts would not match the results)."""
    wanted = set(ps.facets.values())
    counts: dict[str, dict[str, int]] = {f: {} for f in wanted}
    now = datetime.now(UTC).replace(tzinfo=None)
    stmt = database_select(ps, ids).options(selectinload(Dataset.distributions))
    for ds in session.execute(stmt.execution_options(yield_per=500)).scalars():
        values = {
            "publisher": [ds.organization.name] if ds.organization else [],
            "theme": ds.themes or [],
            "openness": [ds.access_rights],
            "kind": [ds.kind],
            "license": [ds.license] if ds.license else [],
            "region": ds.spatial or [],
            "modality": ds.modalities or [],
            "task": ds.task_categories or [],
            "format": sorted(
                {(d.format or "").upper() for d in ds.distributions if d.format}
                | {f.upper() for f in ds.data_formats or []}
            ),
            **derived.values_of(ds),
            "updated": _recency(ds.modified or ds.updated_at, now),
        }
        for f in wanted:
            for v in set(values.get(f, [])):
                counts[f][v] = counts[f].get(v, 0) + 1
    return {
        f: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[: ps.facet_limit]
        for f, c in counts.items()
    }


def _recency(when: datetime | None, now: datetime) -> list[str]:
    """The recency windows (7d, 30d, ...) a modification date falls in."""
    if when is None:
        return []
    return [k for k, days in UPDATED_WITHIN_DAYS.items() if when >= now - timedelta(days=days)]
