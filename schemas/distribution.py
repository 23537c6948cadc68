"""Distribution (资源): a file, API or download link of a dataset."""

from __future__ import annotations

import re

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from schemas import vocab

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
SHA256_MESSAGE = "A SHA-256 hash is 64 hexadecimal characters (0-9, a-f)."


def normal_sha256(value: object) -> str | None:
    """A SHA-256 as stored (lowercase hex), or None when ``value`` is not one."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower().removeprefix("sha256:")
    return text if SHA256_RE.match(text) else None


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
    # the content hash (issue 18): entered by the publisher, or computed from the file
    sha256 = fields.String(
        allow_none=True, validate=validate.Regexp(SHA256_RE, error=SHA256_MESSAGE)
    )
    license = fields.String(allow_none=True, validate=validate.Length(max=100))
    # which split of an AI dataset the file holds; a benchmark's "test" files are what
    # training sets are checked against (issue 18)
    split = fields.String(allow_none=True, validate=validate.OneOf(list(vocab.SPLITS)))
    restricted = fields.Boolean(load_default=False)

    @pre_load
    def _normal_hash(self, data: object, **_kw: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("sha256"), str):
            text = data["sha256"].strip().lower().removeprefix("sha256:")
            data = {**data, "sha256": text or None}
        return data

    @validates_schema
    def _hashes_agree(self, data: dict, **_kw: object) -> None:
        given = data.get("sha256")
        if (data.get("checksum_algorithm") or "").lower() != "sha256" or not given:
            return
        checksum = normal_sha256(data.get("checksum"))
        if checksum and checksum != given:
            raise ValidationError("The SHA-256 differs from the sha256 checksum given.", "sha256")

    @post_load
    def _hash_from_checksum(self, data: dict, **_kw: object) -> dict:
        """A sha256 checksum is the content hash too (harvested records carry only that)."""
        if not data.get("sha256") and (data.get("checksum_algorithm") or "").lower() == "sha256":
            checksum = normal_sha256(data.get("checksum"))
            if checksum:
                data["sha256"] = checksum
        return data

    @validates_schema
    def _needs_a_link(self, data: dict, **_kw: object) -> None:
        if not data.get("access_url") and not data.get("download_url"):
            raise ValidationError(
                "A distribution needs an access URL or a download URL.", "access_url"
            )
