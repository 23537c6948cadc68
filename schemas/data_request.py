"""Data request (数据需求, issue 16): what data someone needs and what for."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from schemas import vocab


class DataRequestSchema(Schema):
    """What a signed-in user fills in; the requester, organization and state are the
    service's to set."""

    class Meta:
        unknown = RAISE

    what = fields.String(required=True, validate=validate.Length(min=2, max=300))
    purpose = fields.String(required=True, validate=validate.Length(min=2, max=4000))
    scenario = fields.String(required=True, validate=validate.OneOf(list(vocab.SCENARIOS)))
    format = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    period = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    urgency = fields.String(load_default="normal", validate=validate.OneOf(list(vocab.URGENCIES)))
    public = fields.Boolean(load_default=True)
    organization_name = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=300)
    )
    contact = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
