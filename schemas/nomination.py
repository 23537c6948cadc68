"""Nomination rounds (择优申报, issue 18 item 4): a round the bureau opens, a partner's
nomination and a reviewer's scores. The default indicator set follows the national
high-quality dataset dimensions (完整性, 规范性, 准确性, 多样性, 时效性)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

from schemas import vocab

# name, English name, weight, what the catalog can measure for it (or None)
DEFAULT_INDICATORS: tuple[dict[str, str | float | None], ...] = (
    {"name": "完整性", "name_en": "Completeness", "weight": 0.25, "measure": "quality"},
    {"name": "规范性", "name_en": "Conformity", "weight": 0.2, "measure": "hashes"},
    {"name": "准确性", "name_en": "Accuracy", "weight": 0.25, "measure": "accuracy"},
    {"name": "多样性", "name_en": "Diversity", "weight": 0.15, "measure": None},
    {"name": "时效性", "name_en": "Timeliness", "weight": 0.15, "measure": None},
)
MEASURES = ("quality", "hashes", "accuracy", "splits")


class IndicatorSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    name_en = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=80))
    weight = fields.Float(required=True, validate=validate.Range(min=0, max=1, min_inclusive=False))
    measure = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(MEASURES))


class RoundSchema(Schema):
    """What a curator enters to open a round."""

    class Meta:
        unknown = RAISE

    title = fields.String(required=True, validate=validate.Length(min=2, max=300))
    programme = fields.String(required=True, validate=validate.Length(min=2, max=300))
    level = fields.String(required=True, validate=validate.OneOf(list(vocab.PROGRAMME_LEVELS)))
    field = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    deadline = fields.Date(required=True)
    criteria = fields.String(load_default="", validate=validate.Length(max=20000))
    indicators = fields.List(
        fields.Nested(IndicatorSchema),
        load_default=lambda: [dict(i) for i in DEFAULT_INDICATORS],
        validate=validate.Length(min=1, max=20),
    )

    @validates("indicators")
    def _weights_add_up(self, value: list[dict], **_kw: object) -> None:
        names = [i["name"] for i in value]
        if len(set(names)) != len(names):
            raise ValidationError("Each indicator is named once.")
        if abs(sum(i["weight"] for i in value) - 1.0) > 0.001:
            raise ValidationError("The indicator weights must add up to 1.")


class NominationSchema(Schema):
    """What a partner enters to nominate a dataset."""

    class Meta:
        unknown = RAISE

    dataset = fields.String(required=True, validate=validate.Length(min=1, max=200))
    statement = fields.String(required=True, validate=validate.Length(min=2, max=10000))
    materials_file = fields.String(load_default=None, allow_none=True)


def parse_indicators(text: str) -> list[dict]:
    """Indicators from the round form's lines ``名称 = 权重`` (``Name = weight`` works too);
    a known name keeps its English name and measure. Raises ``ValidationError`` naming the
    line that could not be read."""
    known = {i["name"]: i for i in DEFAULT_INDICATORS} | {
        str(i["name_en"]).lower(): i for i in DEFAULT_INDICATORS
    }
    out = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        name, sep, weight = line.replace("：", "=").replace(":", "=").rpartition("=")
        name = name.strip()
        try:
            value = float(weight.strip().rstrip("%")) / (100 if weight.strip().endswith("%") else 1)
        except ValueError:
            value = -1.0
        if not sep or not name or value <= 0:
            raise ValidationError(f"Line {n}: write an indicator as 'name = weight'.")
        base = known.get(name) or known.get(name.lower()) or {}
        out.append(
            {
                "name": base.get("name", name),
                "name_en": base.get("name_en"),
                "weight": value,
                "measure": base.get("measure"),
            }
        )
    return out
