"""Dataset (数据资源): DCAT-AP 3 metadata plus open-list and AI-dataset fields."""

from __future__ import annotations

from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates,
    validates_schema,
)
from marshmallow.utils import missing

from schemas import ai_metadata, vocab
from schemas.distribution import DistributionSchema
from schemas.validators import in_vocab, validate_name

EDITABLE_FIELDS = [
    "name",
    "identifier",
    "kind",
    "title",
    "title_en",
    "description",
    "description_en",
    "organization",
    "contact_name",
    "contact_email",
    "contact_phone",
    "keywords",
    "themes",
    "access_rights",
    "access_conditions",
    "license",
    "issued",
    "modified",
    "frequency",
    "temporal_start",
    "temporal_end",
    "spatial",
    "languages",
    "version",
    "conforms_to",
    "landing_page",
    "documentation",
    "resource_code",
    "source_department",
    "domain",
    "open_mode",
    "data_formats",
    "data_volume",
    "task_categories",
    "modalities",
    "annotation_type",
    "annotation_method",
    "annotation_accuracy",
    "sample_counts",
    "metrics",
    "citation",
    "record_sets",
    "rai",
    "derived_from",
    "review_by",
    "featured",
    "extras",
    "distributions",
]


class DatasetSchema(Schema):
    """What a publisher may set. ``organization`` is the publisher's ``name``."""

    class Meta:
        unknown = RAISE

    name = fields.String(validate=[validate.Length(min=2, max=200), validate_name])
    identifier = fields.String(allow_none=True, validate=validate.Length(max=2000))
    kind = fields.String(load_default="open_data", validate=validate.OneOf(list(vocab.KINDS)))
    title = fields.String(required=True, validate=validate.Length(min=1, max=500))
    title_en = fields.String(allow_none=True, validate=validate.Length(max=500))
    description = fields.String(load_default="", validate=validate.Length(max=100_000))
    description_en = fields.String(allow_none=True, validate=validate.Length(max=100_000))
    organization = fields.String(allow_none=True)
    contact_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    contact_email = fields.Email(allow_none=True)
    contact_phone = fields.String(allow_none=True, validate=validate.Length(max=50))
    keywords = fields.List(
        fields.String(validate=validate.Length(min=1, max=100)), load_default=list
    )
    themes = fields.List(fields.String(validate=in_vocab("themes")), load_default=list)
    access_rights = fields.String(
        load_default="unconditional", validate=validate.OneOf(list(vocab.OPENNESS))
    )
    access_conditions = fields.String(allow_none=True)
    license = fields.String(allow_none=True, validate=validate.Length(max=100))
    issued = fields.Date(allow_none=True)
    modified = fields.DateTime(allow_none=True)
    frequency = fields.String(allow_none=True, validate=validate.OneOf(list(vocab.FREQUENCIES)))
    temporal_start = fields.Date(allow_none=True)
    temporal_end = fields.Date(allow_none=True)
    spatial = fields.List(fields.String(validate=in_vocab("regions")), load_default=list)
    languages = fields.List(fields.String(validate=in_vocab("languages")), load_default=list)
    version = fields.String(allow_none=True, validate=validate.Length(max=50))
    conforms_to = fields.List(fields.String(validate=validate.Length(max=500)), load_default=list)
    landing_page = fields.Url(allow_none=True, validate=validate.Length(max=2000))
    documentation = fields.Url(allow_none=True, validate=validate.Length(max=1000))
    resource_code = fields.String(allow_none=True, validate=validate.Length(max=2000))
    source_department = fields.String(allow_none=True, validate=validate.Length(max=300))
    domain = fields.String(allow_none=True, validate=validate.Length(max=100))
    open_mode = fields.String(allow_none=True, validate=validate.OneOf(list(vocab.OPEN_MODES)))
    data_formats = fields.List(
        fields.String(validate=validate.Length(min=1, max=50)), load_default=list
    )
    data_volume = fields.String(allow_none=True, validate=validate.Length(max=100))
    task_categories = fields.List(fields.String(validate=in_vocab("tasks")), load_default=list)
    modalities = fields.List(fields.String(validate=in_vocab("modalities")), load_default=list)
    annotation_type = fields.String(
        allow_none=True, validate=validate.OneOf(list(vocab.ANNOTATION_TYPES))
    )
    annotation_method = fields.String(
        allow_none=True, validate=validate.OneOf(list(vocab.ANNOTATION_METHODS))
    )
    annotation_accuracy = fields.Float(allow_none=True)
    sample_counts = fields.Dict(keys=fields.String(), values=fields.Raw(), load_default=dict)
    metrics = fields.List(fields.String(validate=validate.Length(max=100)), load_default=list)
    citation = fields.String(allow_none=True)
    record_sets = ai_metadata.record_sets_field()
    rai = ai_metadata.rai_field()
    derived_from = ai_metadata.derived_from_field()
    review_by = fields.String(
        load_default="publisher", validate=validate.OneOf(["publisher", "bureau"])
    )
    featured = fields.Boolean(load_default=False)
    extras = fields.Dict(keys=fields.String(), load_default=dict)
    distributions = fields.List(fields.Nested(DistributionSchema), load_default=list)

    @validates("annotation_accuracy")
    def _accuracy(self, value: float | None, **_kw: object) -> None:
        if value is not None and not 0 <= value <= 1:
            raise ValidationError("Must be between 0 and 1.")

    @validates("sample_counts")
    def _counts(self, value: dict, **_kw: object) -> None:
        for v in value.values():
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValidationError("Sample counts must be whole numbers of 0 or more.")

    @validates_schema
    def _period(self, data: dict, **_kw: object) -> None:
        start, end = data.get("temporal_start"), data.get("temporal_end")
        if start and end and end < start:
            raise ValidationError("End date is before start date.", "temporal_end")


class DatasetPatchSchema(DatasetSchema):
    """An update: the same rules, nothing required, no defaults filled in."""

    def __init__(self, **kw: Any) -> None:  # Schema's own keyword arguments, passed on
        super().__init__(partial=True, **kw)
        for f in self.fields.values():
            f.load_default = missing
