"""An entry of a benchmark's "evaluated on" register (issue 18): who scored what on it."""

from __future__ import annotations

import math

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates


class BenchmarkResultSchema(Schema):
    class Meta:
        unknown = RAISE

    model = fields.String(required=True, validate=validate.Length(min=1, max=200))
    organization = fields.String(allow_none=True, validate=validate.Length(max=300))
    metric = fields.String(required=True, validate=validate.Length(min=1, max=100))
    score = fields.Float(required=True, allow_nan=False)
    evaluated_on = fields.Date(allow_none=True)
    benchmark_version = fields.String(allow_none=True, validate=validate.Length(max=50))
    link = fields.Url(allow_none=True, validate=validate.Length(max=2000))
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))

    @validates("score")
    def _finite(self, value: float, **_kw: object) -> None:
        if not math.isfinite(value):
            raise ValidationError("The score is not a number.")
