"""Organization (机构): a publisher, and a data partner once verified."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from schemas import vocab
from schemas.validators import in_vocab, validate_credit_code, validate_name


class OrganizationSchema(Schema):
    class Meta:
        unknown = RAISE

    id = fields.String(dump_only=True)
    name = fields.String(validate=[validate.Length(min=2, max=100), validate_name])
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    title_en = fields.String(allow_none=True, validate=validate.Length(max=300))
    org_type = fields.String(
        load_default="government", validate=validate.OneOf(list(vocab.ORG_TYPES))
    )
    credit_code = fields.String(allow_none=True, validate=validate_credit_code)
    description = fields.String(allow_none=True)
    description_en = fields.String(allow_none=True)
    homepage = fields.Url(allow_none=True)
    contact_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    contact_email = fields.Email(allow_none=True)
    contact_phone = fields.String(allow_none=True, validate=validate.Length(max=50))
    region = fields.String(allow_none=True, validate=in_vocab("regions"))
    fields_of_data = fields.List(fields.String(validate=in_vocab("themes")), load_default=list)
    partner_status = fields.String(dump_only=True, allow_none=True)
