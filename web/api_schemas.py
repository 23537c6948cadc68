"""What the JSON API answers, as marshmallow schemas, for the OpenAPI document.

Inputs are described by the schemas that validate them (``schemas.dataset.DatasetSchema``
and friends), so the document cannot drift from what the API accepts. Outputs extend those
where they can; ``tests/test_api_v1.py`` checks that responses carry exactly the documented
keys.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from catalog.search.base import TOTAL_RELATIONS
from schemas import vocab
from schemas.dataset import DatasetSchema
from schemas.distribution import DistributionSchema
from schemas.organization import OrganizationSchema


class ErrorBody(Schema):
    code = fields.String(required=True, metadata={"example": "invalid"})
    message = fields.String(required=True)
    fields = fields.Dict(  # type: ignore[assignment]  # the error body's key is "fields"
        keys=fields.String(),
        metadata={
            "description": "Field errors in the chosen language (?lang=en or Accept-Language)"
        },
    )


class Error(Schema):
    error = fields.Nested(ErrorBody, required=True)


class Links(Schema):
    self = fields.String()
    first = fields.String()
    last = fields.String()
    prev = fields.String()
    next = fields.String()


class FacetBucket(Schema):
    value = fields.String()
    count = fields.Integer()


class SearchHit(Schema):
    id = fields.String()
    name = fields.String()
    title = fields.String()
    title_en = fields.String(allow_none=True)
    description = fields.String(metadata={"description": "First 600 characters"})
    description_en = fields.String(allow_none=True)
    publisher = fields.String()
    publisher_title = fields.String()
    publisher_title_en = fields.String()
    theme = fields.List(fields.String())
    openness = fields.String()
    kind = fields.String()
    format = fields.List(fields.String())
    modified = fields.Integer(metadata={"description": "Unix time"})
    featured = fields.Boolean()
    quality = fields.Integer()
    score = fields.Float()
    snippets = fields.Dict(keys=fields.String(), values=fields.String())
    identical = fields.Integer(
        metadata={
            "description": "Other records with the same title, description and "
            "publisher, collapsed into this result"
        }
    )
    same = fields.String(metadata={"description": "Key shared by identical records"})
    task = fields.List(fields.String(), metadata={"description": "Task categories (AI datasets)"})
    modality = fields.List(fields.String())
    sample_total = fields.Integer(
        allow_none=True, metadata={"description": "All samples: the given total or the splits' sum"}
    )
    byte_size = fields.Integer(
        allow_none=True, metadata={"description": "Bytes of the distributions whose size is known"}
    )
    data_volume = fields.String(metadata={"description": "Data volume as the publisher wrote it"})


class SearchPage(Schema):
    total = fields.Integer(
        metadata={"description": "Datasets found: exact up to 10,000, see total_relation"}
    )
    total_relation = fields.String(
        validate=validate.OneOf(TOTAL_RELATIONS),
        metadata={
            "description": "eq: total is exact; gte: at least total datasets match (totals "
            "are counted exactly up to 10,000, as Elasticsearch's track_total_hits does)"
        },
    )
    page = fields.Integer()
    page_size = fields.Integer()
    relaxed = fields.Boolean(
        metadata={
            "description": "True when under a page of datasets hold enough of the query's "
            "words: those come first, then datasets holding any of them"
        }
    )
    did_you_mean = fields.String(
        allow_none=True,
        metadata={"description": "When nothing matched: the query with misspelled words corrected"},
    )
    results = fields.List(fields.Nested(SearchHit))
    facets = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(FacetBucket)))
    links = fields.Nested(Links)


class Suggestion(Schema):
    title = fields.String(
        required=True,
        metadata={
            "description": "A published dataset's title (Chinese or English) as the search "
            "index normalises it: NFKC, lower case"
        },
    )


class Suggestions(Schema):
    query = fields.String(required=True, metadata={"description": "The q that was sent"})
    suggestions = fields.List(
        fields.Nested(Suggestion),
        required=True,
        metadata={"description": "Most frequent first, then shortest; empty for a blank q"},
    )


class OrganizationRef(Schema):
    id = fields.String()
    name = fields.String()
    title = fields.String()
    title_en = fields.String(allow_none=True)
    org_type = fields.String()


class DistributionOut(DistributionSchema):
    dataset_id = fields.String()
    position = fields.Integer()
    created_at = fields.DateTime()
    link_status = fields.Integer(allow_none=True)
    link_checked_at = fields.DateTime(allow_none=True)


class RegistrationOut(Schema):
    """A verified property-rights registration record (数据产权登记)."""

    id = fields.Integer()
    number = fields.String(metadata={"description": "Registration number or query code"})
    reg_type = fields.String(validate=validate.OneOf(list(vocab.REGISTRATION_TYPES)))
    registering_body = fields.String()
    rights = fields.List(fields.String(validate=validate.OneOf(list(vocab.DATA_RIGHTS))))
    holder_name = fields.String()
    holder_credit_code = fields.String()
    registered_on = fields.Date()
    valid_until = fields.Date(allow_none=True)
    evidence_sha256 = fields.String(allow_none=True)
    verified_at = fields.Date(allow_none=True)


class DatasetOut(DatasetSchema):
    id = fields.String()
    status = fields.String(validate=validate.OneOf(list(vocab.STATUSES)))
    status_note = fields.String(allow_none=True)
    organization = fields.Nested(OrganizationRef, allow_none=True)  # type: ignore[assignment]
    distributions = fields.List(
        fields.Nested(DistributionOut),
        metadata={"description": "Restricted distributions only for those allowed to see them"},
    )
    organization_id = fields.String(allow_none=True)
    quality_score = fields.Integer(allow_none=True)
    source_id = fields.Integer(allow_none=True)
    source_record_id = fields.String(allow_none=True)
    harvested_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    registered = fields.Boolean(
        metadata={"description": "A verified registration is in force (the 已登记 filter)"}
    )
    registrations = fields.List(fields.Nested(RegistrationOut))


class StatusChange(Schema):
    status = fields.String(required=True, validate=validate.OneOf(list(vocab.STATUSES)))
    note = fields.String(allow_none=True)


class OrganizationOut(OrganizationSchema):
    dataset_count = fields.Integer(metadata={"description": "Published datasets"})
    partner_note = fields.String(
        allow_none=True,
        metadata={"description": "Curators only: the bureau's note on the partner application"},
    )
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class OrganizationPage(Schema):
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    results = fields.List(fields.Nested(OrganizationOut))
    links = fields.Nested(Links)


class OpenListVersion(Schema):
    id = fields.Integer()
    number = fields.Integer()
    note = fields.String(allow_none=True)
    published_at = fields.DateTime()
    entry_count = fields.Integer()


class OpenListEntry(Schema):
    resource_code = fields.String(metadata={"description": "资源代码"})
    title = fields.String()
    source_department = fields.String(allow_none=True, metadata={"description": "数源部门"})
    domain = fields.String(allow_none=True)
    openness = fields.String(validate=validate.OneOf(list(vocab.OPENNESS)))
    open_mode = fields.String(allow_none=True)
    frequency = fields.String(allow_none=True)
    data_formats = fields.List(fields.String())
    dataset_id = fields.String(allow_none=True)
    id = fields.Integer()
    dataset = fields.String(allow_none=True, metadata={"description": "Linked dataset's name"})
    title_en = fields.String(
        allow_none=True, metadata={"description": "The linked dataset's English title"}
    )
    source_department_en = fields.String(
        allow_none=True,
        metadata={
            "description": "The department's English name, from the linked dataset's publisher"
        },
    )


class OpenListEntryPage(Schema):
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    version = fields.Nested(OpenListVersion)
    results = fields.List(fields.Nested(OpenListEntry))
    links = fields.Nested(Links)


class FieldChange(Schema):
    old = fields.Raw(allow_none=True)
    new = fields.Raw(allow_none=True)


class EntryChange(Schema):
    resource_code = fields.String()
    title = fields.String()
    title_en = fields.String(
        allow_none=True, metadata={"description": "The linked dataset's English title"}
    )
    changes = fields.Dict(keys=fields.String(), values=fields.Nested(FieldChange))


class OpenListDiff(Schema):
    # "from" is a Python keyword: data_key gives the JSON name.
    from_ = fields.Nested(OpenListVersion, data_key="from")
    to = fields.Nested(OpenListVersion)
    added = fields.List(fields.Nested(OpenListEntry))
    removed = fields.List(fields.Nested(OpenListEntry))
    changed = fields.List(fields.Nested(EntryChange))


class HarvestSourceOut(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    url = fields.String()
    organization_id = fields.String(allow_none=True)
    config = fields.Dict(metadata={"description": "Credentials are shown as ***"})
    trusted = fields.Boolean()
    schedule = fields.String(allow_none=True)
    active = fields.Boolean()
    created_at = fields.DateTime()
    last_job_id = fields.Integer(allow_none=True)
    dataset_count = fields.Integer()


class HarvestErrorOut(Schema):
    id = fields.Integer()
    job_id = fields.Integer()
    remote_id = fields.String(allow_none=True)
    stage = fields.String()
    reason = fields.String()
    created_at = fields.DateTime()


class HarvestJobOut(Schema):
    id = fields.Integer()
    source_id = fields.Integer()
    job_type = fields.String()
    state = fields.String()
    count_new = fields.Integer()
    count_updated = fields.Integer()
    count_unchanged = fields.Integer()
    count_withdrawn = fields.Integer()
    count_errors = fields.Integer()
    worker = fields.String(allow_none=True)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    heartbeat_at = fields.DateTime(allow_none=True)
    watermark = fields.String(
        allow_none=True,
        metadata={"description": "The newest remote modification this source's runs saw"},
    )
    options = fields.Dict(metadata={"description": "Options of the run, e.g. full"})
    log = fields.String(metadata={"description": "Single-job view only"})
    errors = fields.List(
        fields.Nested(HarvestErrorOut), metadata={"description": "Single-job view only"}
    )


class HarvestJobPage(Schema):
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    results = fields.List(fields.Nested(HarvestJobOut))
    links = fields.Nested(Links)


class DatasetRef(Schema):
    id = fields.String()
    name = fields.String(allow_none=True)
    title = fields.String(allow_none=True)


class AccessRequestOut(Schema):
    id = fields.Integer()
    dataset_id = fields.String()
    dataset = fields.Nested(DatasetRef)
    requester_id = fields.String()
    applicant_org = fields.String(allow_none=True)
    applicant_credit_code = fields.String(allow_none=True)
    purpose = fields.String(allow_none=True)
    scenario = fields.String(allow_none=True)
    state = fields.String()
    period_start = fields.Date(allow_none=True)
    period_end = fields.Date(allow_none=True)
    conditions = fields.String(allow_none=True)
    due_date = fields.Date(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    distribution_ids = fields.List(fields.String())
    fields_wanted = fields.String(allow_none=True)
    security_measures = fields.String(allow_none=True)
    accepted_conditions = fields.Boolean()
    security_commitment = fields.Boolean()
    attachment = fields.String(allow_none=True)
    decision_note = fields.String(allow_none=True)
    reviewer_id = fields.String(allow_none=True)
    holder_org_id = fields.String(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    reminded_at = fields.DateTime(allow_none=True)


class AccessRequestPage(Schema):
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    results = fields.List(fields.Nested(AccessRequestOut))
    links = fields.Nested(Links)


class VocabularyTerm(Schema):
    code = fields.String()
    zh = fields.String()
    en = fields.String()


class Vocabularies(Schema):
    vocabularies = fields.Dict(
        keys=fields.String(), values=fields.List(fields.Nested(VocabularyTerm))
    )
