"""Many rows of one table inserted through the driver's ``executemany``, with the values
turned into what the database stores once per value, by the same bind processors
SQLAlchemy uses.

Why: a harvest batch inserts thousands of rows (datasets, distributions, versions, audit
events, links, match keys, outbox entries). Through ``conn.execute(insert(table), rows)``
SQLAlchemy builds each row's parameters through its general machinery (the compiled
statement's parameter construction, the per-key processor lookup), which cost the writer
process more than the driver's own insert. Here the statement is compiled once per table
and column set, the processors are looked up once per column, and each row becomes one
tuple (a dict where the driver takes named parameters). The stored values are the ones
SQLAlchemy's path stores, byte for byte (tests/harvest/test_harvest_bulk_insert.py checks
it on SQLite and PostgreSQL): the same processors (JSON through the engine's serializer,
dates and times as the dialect stores them), the same Python-side column defaults called
per row, the same SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import JSON, Connection, Table, insert

_Processor = Callable[[Any], Any] | None


def python_defaults(table: Table) -> list[tuple[str, Any, bool]]:
    """(column, value or callable, whether to call it) of each column SQLAlchemy fills in
    Python when an INSERT does not give it: a scalar or a callable default (an
    autoincrement key or a server default is left to the database). A callable is called
    with None, as SQLAlchemy calls a default that takes no context."""
    out = []
    for col in table.columns:
        default: Any = col.default
        if default is None:
            continue
        if default.is_scalar:
            out.append((col.key, default.arg, False))
        elif default.is_callable:
            out.append((col.key, default.arg, True))
        else:
            raise TypeError(f"{table.name}.{col.key}: a SQL default is not supported here")
    return out


class _Prepared:
    """One table's INSERT for one set of given columns, compiled for one dialect."""

    def __init__(self, conn: Connection, table: Table, given: tuple[str, ...]):
        dialect = conn.dialect
        # the columns SQLAlchemy would add
        self.defaults = [d for d in python_defaults(table) if d[0] not in given]
        keys = list(given) + [k for k, _arg, _call in self.defaults]
        compiled = insert(table).compile(dialect=dialect, column_keys=keys)
        if compiled.escaped_bind_names:
            raise TypeError(f"{table.name}: column names that need escaping")
        self.sql = compiled.string
        self.positional = bool(compiled.positional)
        # the bind parameters in the order the statement names them (named: any order)
        order = list(compiled.positiontup or ()) if self.positional else keys
        missing = set(order) - set(keys)
        if missing:
            raise TypeError(f"{table.name}: unexpected parameters {sorted(missing)}")
        self.order = order
        self.processors: list[_Processor] = [
            _with_empties(
                table.c[k].type, table.c[k].type.dialect_impl(dialect).bind_processor(dialect)
            )
            for k in order
        ]


def _with_empties(kind: Any, proc: _Processor) -> _Processor:
    """A JSON column's processor that gives an empty list or object what the processor
    itself gave it once: a harvested dataset row holds about fifteen JSON columns, most of
    them ``[]`` or ``{}``, and each went through the serializer (a fifth of the writer's
    JSON encoding)."""
    if proc is None or not isinstance(kind, JSON):
        return proc
    empty_list, empty_dict = proc([]), proc({})

    def process(value: Any) -> Any:
        if value.__class__ is list and not value:
            return empty_list
        if value.__class__ is dict and not value:
            return empty_dict
        return proc(value)

    return process


_CACHE: dict[tuple[str, int, tuple[str, ...]], _Prepared] = {}


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys, as ``conn.execute(insert(table), rows)``
    takes them) in the connection's transaction, with one ``executemany``."""
    if not rows:
        return
    given = tuple(rows[0])
    key = (conn.dialect.name, id(table), given)
    prep = _CACHE.get(key)
    if prep is None:
        prep = _CACHE[key] = _Prepared(conn, table, given)
    defaults = prep.defaults
    order, processors = prep.order, prep.processors
    params: list[Any] = []
    for row in rows:
        if defaults:
            row = dict(row)
            for k, arg, call in defaults:
                row[k] = arg(None) if call else arg
        values = [
            row[k] if proc is None else proc(row[k])
            for k, proc in zip(order, processors, strict=True)
        ]
        params.append(tuple(values) if prep.positional else dict(zip(order, values, strict=True)))
    conn.exec_driver_sql(prep.sql, params)
