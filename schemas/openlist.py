"""An item of the open list (开放清单): the bureau's record of one government data resource."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from schemas import vocab

# Column titles of the open list as Chinese bureaus publish it, in order; exports use them.
COLUMNS_ZH = {
    "resource_code": "资源代码",
    "title": "资源名称",
    "source_department": "数源部门",
    "domain": "所属领域",
    "openness": "开放属性",
    "open_mode": "开放方式",
    "frequency": "更新频率",
    "data_formats": "数据格式",
}


class OpenListEntrySchema(Schema):
    class Meta:
        unknown = RAISE

    resource_code = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    title = fields.String(required=True, validate=validate.Length(min=1, max=500))
    source_department = fields.String(allow_none=True, validate=validate.Length(max=300))
    domain = fields.String(allow_none=True, validate=validate.Length(max=100))
    openness = fields.String(required=True, validate=validate.OneOf(list(vocab.OPENNESS)))
    open_mode = fields.String(allow_none=True, validate=validate.OneOf(list(vocab.OPEN_MODES)))
    frequency = fields.String(allow_none=True, validate=validate.OneOf(list(vocab.FREQUENCIES)))
    data_formats = fields.List(
        fields.String(validate=validate.Length(min=1, max=50)), load_default=list
    )
    dataset = fields.String(allow_none=True)
