"""Metadata quality score, in the spirit of data.europa.eu's MQA.

Five dimensions (findability, accessibility, interoperability, reusability, contextuality)
each give points for metadata that helps users; every lost point has a reason a publisher
can act on. The total is scaled to 0-100 so publishers can be compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MACHINE_READABLE = {
    "CSV",
    "JSON",
    "XML",
    "XLSX",
    "API",
    "GEOJSON",
    "PARQUET",
    "JSONL",
    "RDF",
    "TTL",
    "SHP",
}

# (dimension, check id, points, zh reason, en reason)
CHECKS = [
    ("findability", "keywords", 30, "未填写关键词", "No keywords"),
    ("findability", "themes", 30, "未选择主题", "No theme"),
    ("findability", "spatial", 20, "未注明空间范围", "No spatial coverage"),
    ("findability", "temporal", 20, "未注明时间范围", "No temporal coverage"),
    ("accessibility", "access_url", 50, "没有可访问的资源", "No distribution with an access URL"),
    ("accessibility", "download_url", 20, "没有直接下载地址", "No direct download URL"),
    ("accessibility", "landing_page", 30, "未提供详情页地址", "No landing page"),
    ("interoperability", "format", 20, "资源未注明格式", "A distribution has no format"),
    (
        "interoperability",
        "media_type",
        10,
        "资源未注明媒体类型",
        "A distribution has no media type",
    ),
    ("interoperability", "machine_readable", 20, "没有机器可读格式", "No machine-readable format"),
    ("interoperability", "conforms_to", 20, "未注明遵循的标准", "No standard (conformsTo)"),
    ("reusability", "license", 20, "未注明许可协议", "No licence"),
    ("reusability", "access_rights", 10, "未注明开放属性", "No access rights"),
    ("reusability", "contact", 20, "未提供联系方式", "No contact point"),
    ("reusability", "publisher", 10, "未注明发布机构", "No publisher"),
    ("contextuality", "byte_size", 5, "资源未注明大小", "A distribution has no size"),
    ("contextuality", "issued", 5, "未注明发布日期", "No issue date"),
    ("contextuality", "modified", 5, "未注明更新日期", "No modification date"),
    ("contextuality", "frequency", 5, "未注明更新频率", "No update frequency"),
]
MAX_POINTS = sum(c[2] for c in CHECKS)


@dataclass
class QualityScore:
    total: int
    dimensions: dict[str, tuple[int, int]] = field(default_factory=dict)
    lost: list[tuple[str, str, int, str, str]] = field(default_factory=list)


def _checks(ds) -> dict[str, bool]:
    """Every check's result (computed together: scoring runs on every write)."""
    dists = list(ds.distributions or [])
    return {
        "keywords": bool(ds.keywords),
        "themes": bool(ds.themes),
        "spatial": bool(ds.spatial),
        "temporal": bool(ds.temporal_start or ds.temporal_end),
        "access_url": any(d.access_url or d.download_url for d in dists),
        "download_url": any(d.download_url for d in dists),
        "landing_page": bool(ds.landing_page),
        "format": bool(dists) and all(d.format for d in dists),
        "media_type": bool(dists) and all(d.media_type for d in dists),
        "machine_readable": any((d.format or "").upper() in MACHINE_READABLE for d in dists)
        or any(f.upper() in MACHINE_READABLE for f in ds.data_formats or []),
        "conforms_to": bool(ds.conforms_to),
        "license": bool(ds.license),
        "access_rights": bool(ds.access_rights),
        "contact": bool(ds.contact_email or ds.contact_phone),
        "publisher": bool(ds.organization_id or ds.source_department),
        "byte_size": bool(dists) and all(d.byte_size for d in dists),
        "issued": bool(ds.issued),
        "modified": bool(ds.modified),
        "frequency": bool(ds.frequency),
    }


def score_dataset(ds) -> QualityScore:
    dims: dict[str, list[int]] = {}
    lost = []
    got = 0
    passed = _checks(ds)
    for dim, check, points, zh, en in CHECKS:
        have = dims.setdefault(dim, [0, 0])
        have[1] += points
        if passed[check]:
            have[0] += points
            got += points
        else:
            lost.append((dim, check, points, zh, en))
    return QualityScore(
        total=round(100 * got / MAX_POINTS),
        dimensions={k: (v[0], v[1]) for k, v in dims.items()},
        lost=lost,
    )
