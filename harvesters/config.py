"""A harvest source's configuration: what every kind understands, checked before a run.

Kinds add their own keys by subclassing :class:`SourceConfigSchema`; unknown keys are
refused, so a typo in a configuration is an error instead of a silently ignored option.
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

from schemas import vocab

REGION_MAX_CHARS = 50


class SourceConfigSchema(Schema):
    """Options shared by all kinds (defaults in brackets are what an empty config means)."""

    class Meta:
        unknown = RAISE

    # running
    batch_size = fields.Integer(load_default=200, validate=validate.Range(1, 5000))
    heartbeat_seconds = fields.Float(load_default=15.0, validate=validate.Range(0.05, 3600))
    # a kind that can (data.json) maps records in worker processes once this many have
    # been mapped in the run's own process (0: from the first batch; issue 17)
    map_workers_after = fields.Integer(load_default=2000, validate=validate.Range(0))
    # HTTP
    timeout = fields.Float(load_default=30.0, validate=validate.Range(0.05, 600))
    total_timeout = fields.Float(load_default=600.0, validate=validate.Range(0.1, 86400))
    retries = fields.Integer(load_default=3, validate=validate.Range(0, 10))
    backoff = fields.Float(load_default=0.5, validate=validate.Range(0, 60))
    max_bytes = fields.Integer(load_default=200 * 1024 * 1024, validate=validate.Range(1024))
    user_agent = fields.String(load_default=None, allow_none=True)
    crawl_delay = fields.Float(load_default=0.0, validate=validate.Range(0, 60))
    # what records become
    dataset_kind = fields.String(load_default=None, validate=validate.OneOf(list(vocab.KINDS)))
    default_openness = fields.String(
        load_default="unconditional", validate=validate.OneOf(list(vocab.OPENNESS))
    )
    organizations = fields.Dict(
        keys=fields.String(), values=fields.String(allow_none=True), load_default=dict
    )
    themes = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)
    create_organizations = fields.Boolean(load_default=True)
    organization_type = fields.String(
        load_default="government", validate=validate.OneOf(list(vocab.ORG_TYPES))
    )
    use_remote_publishers = fields.Boolean(load_default=True)
    # where the source's publishers are (a place name such as 厦门市, or a region code):
    # departments are matched within it, so same-named departments of two places (统计局)
    # stay two organizations (catalog.services.harvest_publishers)
    region = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=REGION_MAX_CHARS)
    )
    # after each run, put every dataset of the source on the curators' working open list
    # (a department's sheet: its rows become the list's items, linked to their datasets)
    to_openlist = fields.Boolean(load_default=False)
    # leaving the catalog
    withdraw_after_hours = fields.Float(load_default=24.0, validate=validate.Range(0))
    max_withdraw_fraction = fields.Float(load_default=0.5, validate=validate.Range(0, 1))

    @validates("themes")
    def _themes(self, value: dict, **_kw: object) -> None:
        bad = sorted(v for v in value.values() if v not in vocab.THEMES)
        if bad:
            raise ValidationError(f"Unknown theme codes: {', '.join(bad)}.")


def load_config(schema_cls: type[Schema], raw: dict | None) -> dict:
    """The effective configuration; raises marshmallow's ValidationError when wrong."""
    return schema_cls().load(dict(raw or {}))
