"""A quicker ``Schema.load`` for machine-made records, with marshmallow's own rules and messages.

A harvest loads every record with the catalog's :class:`DatasetSchema` (what passes is what
a person could have typed in). Most of the cost of ``Schema.load`` is its machinery around
the fields (error stores, getters, hooks looked up per call, every absent field visited),
not the rules. :class:`FastLoader` loads each field through a plan made once from the field
(:mod:`harvesters.fieldplans`: what ``Field.deserialize`` and its validators do, with what
the field's type makes certain decided in advance), runs the schema's own ``pre_load``,
``validates``, ``validates_schema`` and ``post_load`` methods, and fills in the same
defaults, in the same order; at the first doubt (a value of another type, an unknown key, a
missing required field, any rule failing) it hands the record to the real ``Schema.load``,
so a bad record gets exactly marshmallow's messages. A schema with hooks it
does not know how to call is always loaded the normal way. Unknown keys are handled as the
schema's ``unknown`` says: ``RAISE`` goes the slow way (marshmallow names them), ``EXCLUDE``
drops them and ``INCLUDE`` keeps them, so a remote format's own schema (data.json's keeps
what it does not map, as extras) loads quickly too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import INCLUDE, RAISE, Schema, fields
from marshmallow.utils import missing

from harvesters.fieldplans import Plan, Slow, plan_field

_KNOWN_HOOKS = {"pre_load", "post_load", "validates", "validates_schema"}


_REQUIRED = object()  # a missing value of a required field: marshmallow says so


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
        # per field, in the schema's order (the output's key order): its name, how a
        # present value loads (``fieldplans``) and what an absent one gives
        self.plan: list[tuple[str, Plan, Any]] = (
            [
                (name, plan_field(field, name, _nested_items), _absent(field))
                for name, field in schema.load_fields.items()
            ]
            if self.enabled
            else []
        )

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
        """The load without the machinery; raises ``Slow`` or ``ValidationError`` when the
        record must go through ``Schema.load``."""
        kw = {"many": False, "partial": None, "unknown": self.unknown}
        for hook in self.pre:
            data = hook(data, **kw)
            if not isinstance(data, dict):
                raise Slow
        if self.unknown == RAISE and not data.keys() <= self.names:
            raise Slow  # unknown keys: marshmallow says which
        out: dict = {}
        get = data.get
        for name, load, absent in self.plan:
            raw = get(name, missing)
            if raw is not missing:
                out[name] = load(raw, data)
            elif absent is missing:
                continue
            elif absent is _REQUIRED:
                raise Slow
            elif callable(absent):
                out[name] = absent()
            else:
                out[name] = absent
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


def _absent(field: fields.Field) -> Any:
    """What ``Field.deserialize(missing)`` gives: an error when required, else the
    ``load_default`` (a callable is called each time; ``missing`` leaves the key out)."""
    return _REQUIRED if field.required else field.load_default


def _supported(schema: Schema) -> bool:
    """Hooks this loader calls as marshmallow does: single-object, without the original
    data; fields read and written under their own names; one object, loaded whole (a
    ``partial`` schema leaves absent fields out, where this loader fills in defaults)."""
    hooks = getattr(schema, "_hooks", None)
    if hooks is None or schema.many or schema.partial:
        return False
    for tag, entries in hooks.items():
        if tag not in _KNOWN_HOOKS and entries:
            return False
        for _name, many, kw in entries:
            if many or kw.get("pass_original") or kw.get("pass_collection"):
                return False
    return all(
        (f.data_key in (None, n)) and (f.attribute in (None, n)) and "." not in n
        for n, f in schema.load_fields.items()
    )


def _nested_items(inner: fields.Nested) -> Callable[[dict], dict] | None:
    """The loader of the items of a list of nested objects (a ``Nested`` without options
    or rules of its own), loaded in place of ``Schema.load`` of each item."""
    if inner.many or inner.only or inner.exclude or inner.unknown is not None:
        return None
    if inner.validators or inner.allow_none or not _plain_nested(inner):
        return None
    loader = FastLoader(inner.schema)
    return loader.fast if loader.enabled else None


def _plain_nested(inner: fields.Nested) -> bool:
    cls = type(inner)
    return (
        cls is fields.Nested
        and not getattr(inner, "pre_load", None)
        and not getattr(inner, "post_load", None)
    )
