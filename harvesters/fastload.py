"""A quicker ``Schema.load`` for machine-made records, with marshmallow's own rules and messages.

A harvest loads every record with the catalog's :class:`DatasetSchema` (what passes is what
a person could have typed in). Most of the cost of ``Schema.load`` is its machinery around
the fields (error stores, getters, hooks looked up per call, every absent field visited),
not the rules. :class:`FastLoader` runs the same field objects (``Field.deserialize`` with
their validators), the schema's own ``pre_load``, ``validates``, ``validates_schema`` and
``post_load`` methods, and the same defaults, in the same order; at the first doubt (an
unknown key, a missing required field, any rule failing) it hands the record to the real
``Schema.load``, so a bad record gets exactly marshmallow's messages. A schema with hooks it
does not know how to call is always loaded the normal way. Unknown keys are handled as the
schema's ``unknown`` says: ``RAISE`` goes the slow way (marshmallow names them), ``EXCLUDE``
drops them and ``INCLUDE`` keeps them, so a remote format's own schema (data.json's keeps
what it does not map, as extras) loads quickly too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import INCLUDE, RAISE, Schema, fields
from marshmallow.utils import is_collection, missing

_KNOWN_HOOKS = {"pre_load", "post_load", "validates", "validates_schema"}


class _Slow(Exception):
    """The record needs the real ``Schema.load`` (it would fail, or is unusual)."""


class FastLoader:
    def __init__(self, schema: Schema):
        self.schema = schema
        self.enabled = _supported(schema)
        hooks = getattr(schema, "_hooks", {})
        self.pre: list[Callable] = [getattr(schema, n) for n, _m, _k in hooks.get("pre_load", [])]
        self.post: list[Callable] = [getattr(schema, n) for n, _m, _k in hooks.get("post_load", [])]
        self.field_checks: list[tuple[str, Callable]] = [
            (name, getattr(schema, n))
            for n, _m, kw in hooks.get("validates", [])
            for name in kw.get("field_names", ())
        ]
        self.schema_checks: list[Callable] = [
            getattr(schema, n) for n, _m, _k in hooks.get("validates_schema", [])
        ]
        self.names = set(schema.load_fields)
        # keys a record may carry beyond the fields: RAISE sends it the slow way (marshmallow
        # names them), EXCLUDE drops them, INCLUDE keeps them as they are (a remote
        # format's schema, such as data.json's, whose unmapped keys become extras)
        self.unknown = schema.unknown
        self.plan: list[tuple[str, fields.Field, FastLoader | None]] = [
            (name, field, _nested_list(field)) for name, field in schema.load_fields.items()
        ]

    def load(self, data: Any) -> dict:
        """``schema.load(data)``: the same result, or the same ValidationError."""
        if self.enabled and isinstance(data, dict):
            try:
                return self.fast(data)
            except Exception:  # noqa: BLE001 - the real load decides, and says why
                pass
        return self.schema.load(data)

    def validate(self, data: Any) -> dict:
        """``schema.validate(data)``: the errors, ``{}`` when there are none."""
        if self.enabled and isinstance(data, dict):
            try:
                self.fast(data)
                return {}
            except Exception:  # noqa: BLE001 - the real load decides, and says why
                pass
        return self.schema.validate(data)

    def fast(self, data: dict) -> dict:
        """The load without the machinery; raises ``_Slow`` or ``ValidationError`` when the
        record must go through ``Schema.load``."""
        kw = {"many": False, "partial": None, "unknown": self.schema.unknown}
        for hook in self.pre:
            data = hook(data, **kw)
            if not isinstance(data, dict):
                raise _Slow
        if self.unknown == RAISE and not data.keys() <= self.names:
            raise _Slow  # unknown keys: marshmallow says which
        out: dict = {}
        for name, field, nested in self.plan:
            raw = data.get(name, missing)
            if raw is missing:
                if field.required:
                    raise _Slow
                default = field.load_default
                if default is not missing:
                    out[name] = default() if callable(default) else default
            elif nested is not None and raw is not None and is_collection(raw):
                out[name] = [
                    nested.fast(item) if isinstance(item, dict) else _slow() for item in raw
                ]
            else:
                out[name] = field.deserialize(raw, name, data)
        if self.unknown == INCLUDE:
            for key in set(data) - self.names:  # as marshmallow walks them, in its order
                out[key] = data[key]
        for name, check in self.field_checks:
            if name in out and check(out[name], data_key=name) is missing:
                out.pop(name)
        for check in self.schema_checks:
            check(out, **kw)
        for hook in self.post:
            out = hook(out, **kw)
        return out


def _slow() -> Any:
    raise _Slow


def _supported(schema: Schema) -> bool:
    """Hooks this loader calls as marshmallow does: single-object, without the original
    data; fields read and written under their own names."""
    hooks = getattr(schema, "_hooks", None)
    if hooks is None:
        return False
    for tag, entries in hooks.items():
        if tag not in _KNOWN_HOOKS and entries:
            return False
        for _name, many, kw in entries:
            if many or kw.get("pass_original") or kw.get("pass_collection"):
                return False
    return all(
        (f.data_key in (None, n)) and (f.attribute in (None, n))
        for n, f in schema.load_fields.items()
    )


def _nested_list(field: fields.Field) -> FastLoader | None:
    """A loader for the items of a plain list of nested objects (no options, no rules of
    the list itself), loaded in place of ``List(Nested(...))``'s own walk."""
    if not isinstance(field, fields.List) or field.validators or field.allow_none:
        return None
    inner = field.inner
    if not isinstance(inner, fields.Nested) or inner.many or inner.only or inner.exclude:
        return None
    if inner.unknown is not None or inner.validators or inner.allow_none:
        return None
    nested = inner.schema
    loader = FastLoader(nested)
    return loader if loader.enabled and not nested.partial else None
