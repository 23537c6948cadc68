"""Data property-rights registration record (数据产权登记, issue 18 item 5): what a holder
copies from its registration certificate. The holder's unified social credit code is checked
(GB 32100) so a record names a legal person the registration platforms know."""

from __future__ import annotations

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from schemas import vocab
from schemas.validators import validate_credit_code


class RegistrationSchema(Schema):
    """The fields a holder enters; the evidence file's hash, the state and who entered or
    verified the record are the service's to set."""

    class Meta:
        unknown = RAISE

    number = fields.String(required=True, validate=validate.Length(min=1, max=100))
    reg_type = fields.String(required=True, validate=validate.OneOf(list(vocab.REGISTRATION_TYPES)))
    registering_body = fields.String(required=True, validate=validate.Length(min=2, max=300))
    rights = fields.List(
        fields.String(validate=validate.OneOf(list(vocab.DATA_RIGHTS))),
        required=True,
        validate=validate.Length(min=1),
    )
    holder_name = fields.String(required=True, validate=validate.Length(min=2, max=300))
    holder_credit_code = fields.String(required=True, validate=validate_credit_code)
    registered_on = fields.Date(required=True)
    valid_until = fields.Date(load_default=None, allow_none=True)
    evidence_file = fields.String(load_default=None, allow_none=True)

    @validates_schema(skip_on_field_errors=False)
    def _validity_after_registration(self, data: dict, **_kw: object) -> None:
        start, end = data.get("registered_on"), data.get("valid_until")
        if start and end and end < start:
            raise ValidationError(
                "The validity ends before the registration date.", field_name="valid_until"
            )

    @post_load
    def _tidy(self, data: dict, **_kw: object) -> dict:
        data["number"] = data["number"].strip()
        data["holder_credit_code"] = data["holder_credit_code"].strip().upper()
        # one right once, in the vocabulary's order
        data["rights"] = [r for r in vocab.DATA_RIGHTS if r in set(data["rights"])]
        return data
