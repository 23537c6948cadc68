"""How Chinese open-data portals and open lists name their columns, onto our fields.

Portals name the same field many ways (title: 标题 / 名称 / 目录名称 / 数据集名称 / 资源名称 ...;
publisher: 提供单位 / 来源部门 / 数据提供方 / 数源单位 / 所属部门 ...). The groups below
cover the labels that the 149 provincial and city portals surveyed by CNPDS use, plus the
open list's own columns (资源代码, 数源部门, 开放方式, ...). A source may add or override
labels with its ``columns`` option (``{"我们的列名": "title"}``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# our field -> labels (English camelCase keys are what some portals' APIs call them)
GROUPS: dict[str, tuple[str, ...]] = {
    "resource_code": (
        "资源代码",
        "资源编码",
        "资源编号",
        "目录代码",
        "目录编码",
        "目录编号",
        "数据资源代码",
        "信息资源代码",
        "信息资源编码",
        "资源标识符",
        "resourceCode",
    ),
    "title": (
        "标题",
        "名称",
        "目录名称",
        "数据集名称",
        "资源名称",
        "数据资源名称",
        "信息资源名称",
        "数据目录名称",
        "资源信息名称",
        "资源标题",
        "title",
        "resourceName",
        "subjectBaseName",
    ),
    "title_en": ("英文名称", "资源英文名称", "titleEn"),
    "department": (
        "提供单位",
        "来源部门",
        "数据提供方",
        "数据提供方单位",
        "数源单位",
        "数源部门",
        "数源单位/数据提供单位",
        "所属部门",
        "所属单位",
        "发布部门",
        "提供方",
        "提供机构",
        "提供部门",
        "数据来源",
        "资源所有权单位",
        "资源提供单位",
        "资源提供单位信息",
        "资源提供方",
        "资源提供方内部部门",
        "资源来源",
        "部门名称",
        "责任部门",
        "信息资源提供方",
        "信息资源提供方名称",
        "dataSource",
        "orgName",
    ),
    "openness": (
        "开放属性",
        "开放类型",
        "开放方式",
        "开放条件",
        "开放状态",
        "开放等级",
        "开放类别",
        "公开属性",
        "共享方式",
        "条件开放",
        "是否向社会开放",
        "openType",
        "openTypeName",
    ),
    "frequency": (
        "更新频率",
        "更新周期",
        "更新频度",
        "更新时限",
        "资源更新频率",
        "dataUpdatePeriod",
        "frequency",
    ),
    "domain": (
        "所属领域",
        "领域",
        "领域分类",
        "领域名称",
        "重点领域",
        "数据领域",
        "主题",
        "主题分类",
        "主题名称",
        "主题标签",
        "主题领域",
        "所属主题",
        "数据主题",
        "专题",
        "资源分类",
        "服务分类",
        "fieldName",
        "industryCategory",
    ),
    "industry": (
        "所属行业",
        "行业分类",
        "行业名称",
        "行业类型",
        "数据行业",
        "国家主题分类",
        "industry",
        "industryField",
    ),
    "description": (
        "描述",
        "摘要",
        "摘要信息",
        "摘要描述",
        "简介",
        "内容简介",
        "数据摘要",
        "数据描述",
        "资源摘要",
        "资源描述",
        "资源简介",
        "目录摘要",
        "description",
        "remark",
        "tableRemark",
    ),
    "keywords": ("关键字", "关键词", "标签", "数据标签", "资源标签", "label"),
    "data_formats": (
        "数据格式",
        "文件格式",
        "文件类型",
        "格式类型",
        "资源格式",
        "资源类型",
        "数据类型",
        "数据下载",
        "format",
        "data_formats",
        "resourceType",
    ),
    "data_volume": (
        "数据量",
        "数据条数",
        "数据容量",
        "数据规模",
        "资源记录数",
        "dataVolume",
        "dataNumSum",
    ),
    "issued": (
        "发布日期",
        "发布时间",
        "首次发布日期",
        "首次发布时间",
        "上传时间",
        "上架日期",
        "上线日期",
        "创建日期",
        "创建时间",
        "资源出版日期",
        "资源发布日期",
        "目录发布时间",
        "publishTime",
        "releaseTime",
    ),
    "modified": (
        "更新日期",
        "更新时间",
        "最后更新",
        "最后更新时间",
        "最近更新",
        "数据更新时间",
        "资源更新日期",
        "资源发布/更新时间",
        "updateTime",
    ),
    "contact_name": ("联系人", "联系人姓名"),
    "contact_email": (
        "电子邮箱",
        "邮箱",
        "邮箱地址",
        "联系邮箱",
        "部门邮箱",
        "技术支持邮箱",
        "email",
        "orgEmail",
    ),
    "contact_phone": (
        "联系电话",
        "联系方式",
        "部门电话",
        "提供方联系方式",
        "技术支持电话",
        "departmentContactTel",
        "orgPhone",
    ),
    "landing_page": ("详情页网址", "访问地址", "链接", "url"),
    "spatial": ("所属区域", "行政区划", "所属区县", "覆盖范围", "空间范围"),
    "ignore": ("序号", "编号顺序", "No.", "no"),
}

_TRIM = re.compile(r"[\s*＊:：]+")


def header_key(label: object) -> str:
    """A header as compared: without spaces, required-field stars and trailing colons."""
    return _TRIM.sub("", str(label or "")).strip()


COLUMNS: dict[str, str] = {
    header_key(label): field for field, labels in GROUPS.items() for label in labels
}


def map_headers(
    headers: Sequence[object], overrides: dict[str, str] | None = None
) -> dict[int, str]:
    """Column index -> our field for the headers we know (the rest stay unmapped)."""
    table = dict(COLUMNS)
    for label, field in (overrides or {}).items():
        table[header_key(label)] = field
    out = {}
    for i, h in enumerate(headers):
        found = table.get(header_key(h))
        if found:
            out[i] = found
    return out
