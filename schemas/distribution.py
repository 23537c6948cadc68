"""Distribution (资源): a file, API or download link of a dataset."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema


class DistributionSchema(Schema):
    class Meta:
        unknown = RAISE

    id = fields.String(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=500))
    title_en = fields.String(allow_none=True, validate=validate.Length(max=500))
    description = fields.String(allow_none=True)
    access_url = fields.Url(allow_none=True, validate=validate.Length(max=2000))
    download_url = fields.Url(allow_none=True, validate=validate.Length(max=2000))
    format = fields.String(allow_none=True, validate=validate.Length(max=50))
    media_type = fields.String(allow_none=True, validate=validate.Length(max=100))
    byte_size = fields.Integer(allow_none=True, validate=validate.Range(min=0))
    checksum = fields.String(allow_none=True, validate=validate.Length(max=128))
    checksum_algorithm = fields.String(
        allow_none=True, validate=validate.OneOf(["md5", "sha1", "sha256", "sha512"])
    )
    license = fields.String(allow_none=True, validate=validate.Length(max=100))
    restricted = fields.Boolean(load_default=False)

    @validates_schema
    def _needs_a_link(self, data: dict, **_kw: object) -> None:
        if not data.get("access_url") and not data.get("download_url"):
            raise ValidationError(
                "A distribution needs an access URL or a download URL.", "access_url"
            )
