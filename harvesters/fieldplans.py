"""Each marshmallow field of a schema turned, once, into a small function that loads one
present value the way ``Field.deserialize`` does, for :class:`harvesters.fastload.FastLoader`.

``Field.deserialize`` is cheap per call but runs ~120 times per harvested record: the
missing-value check, ``And(*validators)`` built anew, each ``Validator.__call__`` and the
type conversion each cost a few Python calls. A plan does the same work with what the
field's type makes certain decided at construction: a ``String`` given an exact ``str``
returns it after its ``Length`` (a comparison) and ``OneOf`` (a set lookup); a ``List`` of
such strings is a list of them. Only types whose marshmallow code is known exactly are
specialised (``type(field) is ...``, so a subclass that changes anything keeps the general
path); any other field whose class does not change ``deserialize`` has its own
``_deserialize`` called directly, and the rest ``deserialize`` itself.

A plan never reports an error: at the first doubt (a value of another type, a failed rule,
anything unusual) it raises :class:`Slow`, and the loader hands the record to the real
``Schema.load``, so a bad record still gets marshmallow's exact messages.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from marshmallow import fields, validate

from harvesters import urlcheck

#: a present (not missing) value and the record it came from -> the loaded value
Plan = Callable[[Any, Any], Any]
#: a loaded value -> None, raising ``Slow`` when a rule does not hold
Check = Callable[[Any], None]

# choice types whose ``==`` and ``hash`` agree, so ``x in frozenset(choices)`` is
# ``x in choices`` (what ``OneOf`` asks)
_PLAIN_CHOICES = (str, int, float, bool, type(None))
# marshmallow's String._deserialize, shared as it is by Url and Email (which only insert
# their own validator first)
_STRINGS = (fields.String, fields.Url, fields.Email)


class Slow(Exception):
    """The record needs the real ``Schema.load`` (it would fail, or is unusual)."""


def slow() -> Any:
    raise Slow


def plan_field(field: fields.Field, attr: str | None, nested: Callable | None = None) -> Plan:
    """How to load a present value of ``field`` (read under ``attr``). ``nested(field)``
    gives the loader of a ``Nested`` item of a list (a ``FastLoader.fast``), or None."""
    if not _plain(field):
        return _general(field, attr)
    allow_none = field.allow_none
    check = checks(field.validators)
    kind = type(field)
    if kind in _STRINGS:
        return _itself(str, allow_none, check)
    # ``type(...) is`` picks the exact class; ``isinstance`` beside it is for the type checker
    if kind is fields.List and isinstance(field, fields.List):
        inner = _list_item(field.inner, nested)
        if inner is not None:
            return _list(inner, allow_none, check)
    elif kind is fields.Dict and isinstance(field, fields.Dict):
        dict_plan = _dict(field, allow_none, check)
        if dict_plan is not None:
            return dict_plan
    elif kind is fields.Boolean and isinstance(field, fields.Boolean):
        if True in field.truthy and False in field.falsy:
            return _itself(bool, allow_none, check)
    elif kind is fields.Integer:
        return _itself(int, allow_none, check)
    elif kind is fields.Float and isinstance(field, fields.Float):
        return _float(field.allow_nan, allow_none, check)
    return _direct(field, attr, allow_none, check)


def _plain(field: fields.Field) -> bool:
    """``deserialize`` is marshmallow's own and there are no field-level load hooks: the
    value goes missing-check, ``_deserialize``, validators, as :func:`_direct` does."""
    cls = type(field)
    base = fields.Field
    return (
        cls.deserialize is base.deserialize
        and cls._validate is base._validate
        and cls._validate_all is base._validate_all
        and cls._validate_missing is base._validate_missing
        and not getattr(field, "pre_load", None)
        and not getattr(field, "post_load", None)
    )


def _general(field: fields.Field, attr: str | None) -> Plan:
    deserialize = field.deserialize

    def plan(raw: Any, data: Any) -> Any:
        return deserialize(raw, attr, data)

    return plan


def _direct(field: fields.Field, attr: str | None, allow_none: bool, check: Check | None) -> Plan:
    """``Field.deserialize`` of a present value without its wrapper: None as ``allow_none``
    says, then the field's own ``_deserialize`` (the identity when the class keeps
    ``Field._deserialize``, as ``Raw`` does), then the rules."""
    if type(field)._deserialize is fields.Field._deserialize:

        def identity(raw: Any, data: Any) -> Any:
            if raw is None:
                return None if allow_none else slow()
            if check is not None:
                check(raw)
            return raw

        return identity
    return _ruled(field._deserialize, attr, allow_none, check)


def _ruled(
    convert: Callable[[Any, Any, Any], Any], attr: str | None, allow_none: bool, check: Check | None
) -> Plan:
    """A present value as ``Field.deserialize`` loads it: None as ``allow_none`` says, else
    ``convert(value, attr, record)`` (a field's ``_deserialize``, or a plan's own, which
    raises ``Slow`` for a value of a type it does not take), then the rules."""

    def plan(raw: Any, data: Any) -> Any:
        if raw is None:
            return None if allow_none else slow()
        out = convert(raw, attr, data)
        if check is not None:
            check(out)
        return out

    return plan


def _itself(kind: type, allow_none: bool, check: Check | None) -> Plan:
    """A field whose value of exactly ``kind`` is its own result after the field's rules:
    ``String`` and its ``str`` (``ensure_text_type`` gives it back), ``Boolean`` with the
    default truthy and falsy sets and its ``bool``, ``Integer`` and its ``int`` (never a
    bool, strict or not). A value of any other class (bytes, a subclass, a number in text)
    goes the slow way. Written out rather than through :func:`_ruled`: most values of a
    record take this plan, and the conversion call it would add is a tenth of its cost."""
    if check is None:

        def bare(raw: Any, data: Any) -> Any:
            if raw.__class__ is kind:
                return raw
            if raw is None and allow_none:
                return None
            raise Slow

        return bare

    def plan(raw: Any, data: Any) -> Any:
        if raw.__class__ is kind:
            check(raw)
            return raw
        if raw is None and allow_none:
            return None
        raise Slow

    return plan


def _list_item(inner: fields.Field, nested: Callable | None) -> Plan | None:
    """The plan of a list's items (``List`` deserializes each with ``inner.deserialize``,
    without the name or the record)."""
    if isinstance(inner, fields.Nested):
        loader = nested(inner) if nested is not None else None
        if loader is None:
            return None

        def item(raw: Any, data: Any) -> Any:
            return loader(raw) if raw.__class__ is dict else slow()

        return item
    return plan_field(inner, None, nested)


def _list(item: Plan, allow_none: bool, check: Check | None) -> Plan:
    """``List``: an exact list or tuple, item by item; the list's own rules on the result."""

    def convert(raw: Any, _attr: Any, _data: Any) -> list:
        cls = raw.__class__
        if cls is list or cls is tuple:
            return [item(each, None) for each in raw]
        raise Slow

    return _ruled(convert, None, allow_none, check)


def _dict(field: fields.Dict, allow_none: bool, check: Check | None) -> Plan | None:
    """``Dict``: an exact dict, keys and values through their fields' plans (or as they
    are, when the field has none), in the dict's order."""
    key_field, value_field = field.key_field, field.value_field
    if isinstance(value_field, fields.Nested) or isinstance(key_field, fields.Nested):
        return None
    key = plan_field(key_field, None) if key_field is not None else None
    value = plan_field(value_field, None) if value_field is not None else None

    def convert(raw: Any, _attr: Any, _data: Any) -> dict:
        if raw.__class__ is not dict:
            raise Slow
        if key is None and value is None:
            return dict(raw)
        return {
            (k if key is None else key(k, None)): (v if value is None else value(v, None))
            for k, v in raw.items()
        }

    return _ruled(convert, None, allow_none, check)


def _float(allow_nan: bool, allow_none: bool, check: Check | None) -> Plan:
    """``Float``: an exact float or int as ``float()`` makes it; NaN and infinities only
    when the field allows them (else marshmallow says so)."""

    def convert(raw: Any, _attr: Any, _data: Any) -> float:
        cls = raw.__class__
        if cls is not float and cls is not int:
            raise Slow
        try:
            out = float(raw)
        except OverflowError:
            raise Slow from None
        if not allow_nan and not math.isfinite(out):
            raise Slow
        return out

    return _ruled(convert, None, allow_none, check)


# -- rules ---------------------------------------------------------------------------------
def checks(validators: list) -> Check | None:
    """The field's validators as one check: ``Length`` and ``OneOf`` as comparisons, ``URL``
    remembering the texts it passed (:mod:`harvesters.urlcheck`), any other called as
    marshmallow calls it (a non-``Validator`` returning False is a doubt)."""
    compiled = [_check(v) for v in validators]
    if not compiled:
        return None
    if len(compiled) == 1:
        return compiled[0]

    def every(value: Any) -> None:
        for check in compiled:
            check(value)

    return every


def _check(validator: Any) -> Check:
    if type(validator) is validate.Length:
        return _length(validator.min, validator.max, validator.equal)
    if type(validator) is validate.OneOf:
        choices = list(validator.choices)
        if all(type(c) in _PLAIN_CHOICES for c in choices):
            return _one_of(frozenset(choices))
    if type(validator) is validate.URL:
        return _url(urlcheck.checker(validator))
    is_validator = isinstance(validator, validate.Validator)

    def call(value: Any) -> None:
        if validator(value) is False and not is_validator:
            raise Slow

    return call


def _length(low: int | None, high: int | None, equal: int | None) -> Check:
    if equal is not None:

        def exactly(value: Any) -> None:
            if len(value) != equal:
                raise Slow

        return exactly
    lo = 0 if low is None else low
    hi = math.inf if high is None else high

    def between(value: Any) -> None:
        if not lo <= len(value) <= hi:
            raise Slow

    return between


def _url(passes: Callable[[str], bool]) -> Check:
    def url(value: Any) -> None:
        if value.__class__ is not str or not passes(value):
            raise Slow

    return url


def _one_of(members: frozenset) -> Check:
    def among(value: Any) -> None:
        try:
            if value not in members:
                raise Slow
        except TypeError:  # unhashable: OneOf fails it too
            raise Slow from None

    return among
