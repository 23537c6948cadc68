"""What a publisher says about an AI dataset's structure and responsible use (issue 18):
record sets with their fields (name, data type, description, per file), Croissant's
Responsible-AI properties and the datasets it was derived from.

These are what a Croissant file needs beyond DCAT: ``schemas.formats.croissant`` writes
them as ``recordSet`` and ``rai:`` properties and reads them back from a publisher's file.
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from schemas import vocab
from schemas.validators import validate_name

MAX_RECORD_SETS = 50
MAX_FIELDS = 200
MAX_DERIVED = 50


class FieldSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    data_type = fields.String(load_default="text", validate=validate.OneOf(list(vocab.FIELD_TYPES)))
    description = fields.String(allow_none=True, validate=validate.Length(max=2000))


class RecordSetSchema(Schema):
    """A table of records: its fields and the file (a distribution's download link) the
    values are read from."""

    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    description = fields.String(allow_none=True, validate=validate.Length(max=2000))
    file = fields.String(allow_none=True, validate=validate.Length(max=2000))
    # "fields" would hide ``Schema.fields``: declared under another name, read and kept as it
    field_list = fields.List(
        fields.Nested(FieldSchema),
        load_default=list,
        validate=validate.Length(max=MAX_FIELDS),
        data_key="fields",
        attribute="fields",
    )

    @validates_schema
    def _unique_fields(self, data: dict, **_kw: object) -> None:
        names = [f["name"] for f in data.get("fields") or []]
        if len(names) != len(set(names)):
            raise ValidationError("Two fields have the same name.", "fields")


def validate_record_sets(value: list[dict]) -> None:
    names = [r.get("name") for r in value]
    if len(names) != len(set(names)):
        raise ValidationError("Two record sets have the same name.")


def validate_rai(value: dict) -> None:
    unknown = sorted(set(value) - set(vocab.RAI_PROPERTIES))
    if unknown:
        raise ValidationError(f"Unknown Responsible-AI properties: {', '.join(unknown)}.")
    for key, text in value.items():
        if not isinstance(text, str) or len(text) > 20_000:
            raise ValidationError(f"{key}: text of at most 20,000 characters.")


def record_sets_field() -> fields.List:
    return fields.List(
        fields.Nested(RecordSetSchema),
        load_default=list,
        validate=[validate.Length(max=MAX_RECORD_SETS), validate_record_sets],
    )


def rai_field() -> fields.Dict:
    return fields.Dict(
        keys=fields.String(), values=fields.String(), load_default=dict, validate=validate_rai
    )


def derived_from_field() -> fields.List:
    """Names of catalog datasets (the service checks that they exist)."""
    return fields.List(
        fields.String(validate=[validate.Length(min=2, max=200), validate_name]),
        load_default=list,
        validate=validate.Length(max=MAX_DERIVED),
    )
