"""A catalog for the API and export tests: the small catalog plus accounts with tokens, the
open list, harvest records, access requests and AI datasets with checksums.

Rows of tables whose services arrive with later issues (open list, harvest, access
requests) are written straight into the store, as those services will write them.
"""

from __future__ import annotations

from datetime import date

from catalog.models import (
    AccessRequest,
    HarvestError,
    HarvestJob,
    HarvestSource,
    OpenListEntry,
    OpenListVersion,
)
from catalog.services import datasets, organizations, tokens, users
from catalog.services.authz import SYSTEM, Actor
from tests.livesite import SECRET_URL, load_small_catalog

PUBLIC_URL = "https://data.example/lung-ct.csv"  # lung-ct's public sample
SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
__all__ = ["PUBLIC_URL", "SECRET_URL", "SHA256", "load_api_catalog"]


def _user(cat, email: str, role: str = "user", org: str | None = None) -> tuple[str, str]:
    """(user id, plain API token) of a new account, member of ``org`` if given."""
    user = users.create_user(cat, SYSTEM, email, email.split("@")[0], "catalog-test-pass-1", role)
    if org:
        users.add_member(cat, SYSTEM, org, user.id, "member")
    plain, _tok = tokens.create_token(cat, Actor(id=user.id, role=role), "tests")
    return user.id, plain


def load_api_catalog(cat) -> dict:
    made = load_small_catalog(cat)
    info: dict = {"datasets": made}
    info["curator_id"], info["curator"] = _user(cat, "curator@bureau.example", "curator")
    info["medai_id"], info["medai"] = _user(cat, "partner@medai.example", org="medai")
    info["user_id"], info["user"] = _user(cat, "analyst@aifirm.example")
    info["other_id"], info["other"] = _user(cat, "someone@else.example")
    organizations.create_organization(
        cat, SYSTEM, {"name": "applicant-co", "title": "申请中公司", "org_type": "enterprise"}
    )
    organizations.set_partner_status(cat, SYSTEM, "applicant-co", "applied")
    datasets.create_dataset(
        cat,
        SYSTEM,
        {
            "name": "ct-checksums",
            "title": "胸部CT训练集",
            "title_en": "Chest CT training set",
            "description": "带校验和的训练数据。",
            "description_en": "Training data whose files carry checksums.",
            "organization": "medai",
            "kind": "training",
            "themes": ["health", "science"],
            "keywords": ["CT", "保定"],
            "access_rights": "unconditional",
            "license": "CC-BY-4.0",
            "issued": "2025-03-01",
            "frequency": "MONTHLY",
            "temporal_start": "2024-01-01",
            "temporal_end": "2024-12-31",
            "spatial": ["130600", "130602"],
            "languages": ["zh", "en"],
            "version": "1.2.0",
            "conforms_to": ["https://www.dicomstandard.org/", "GB/T 35273-2020"],
            "landing_page": "https://medai.example/datasets/chest-ct",
            "documentation": "https://medai.example/docs/chest-ct",
            "contact_name": "数据服务部",
            "contact_email": "data@medai.example",
            "contact_phone": "0312-5550000",
            "resource_code": "BD-MEDAI-0001",
            "source_department": "保定医影智能科技有限公司",
            "open_mode": "download",
            "data_formats": ["ZIP", "CSV"],
            "data_volume": "12 GB",
            "task_categories": ["object_detection", "image_segmentation"],
            "modalities": ["image"],
            "annotation_type": "bounding_box",
            "annotation_method": "manual",
            "annotation_accuracy": 0.97,
            "sample_counts": {"train": 8000, "validation": 1000, "test": 1000},
            "metrics": ["mAP@0.5"],
            "citation": "@dataset{chestct2025, title={Chest CT}, year={2025}}",
            "distributions": [
                {
                    "title": "图像与标注",
                    "title_en": "Images and labels",
                    "format": "ZIP",
                    "download_url": "https://data.example/chest-ct.zip",
                    "byte_size": 12_000_000_000,
                    "checksum": SHA256,
                    "checksum_algorithm": "sha256",
                    "description": "DICOM 切片与 COCO 标注",
                },
                {
                    "title": "样本清单",
                    "format": "CSV",
                    "download_url": "https://data.example/chest-ct-index.csv",
                },
                {
                    "title": "在线接口",
                    "format": "API",
                    "access_url": "https://api.medai.example/ct",
                },
            ],
        },
        status="published",
    )
    datasets.create_dataset(
        cat,
        SYSTEM,
        {
            "name": "traffic-live",
            "title": "实时路况基准",
            "title_en": "Live traffic benchmark",
            "organization": "transport-bureau",
            "kind": "benchmark",
            "frequency": "UPDATE_CONT",
            "themes": ["transport"],
            "distributions": [
                {
                    "title": "实时流",
                    "format": "JSON",
                    "download_url": "https://data.example/live.json",
                }
            ],
        },
        status="published",
    )
    datasets.create_dataset(
        cat,
        Actor(
            id=info["medai_id"], role="user", org_roles={made["lung-ct"].organization_id: "member"}
        ),
        {"name": "medai-draft", "title": "草稿数据集", "organization": "medai"},
    )
    with cat.session() as s:
        v1 = OpenListVersion(number=1, note="首版")
        v2 = OpenListVersion(number=2, note="第二版")
        s.add_all([v1, v2])
        s.flush()
        rows = [
            ("BD-001", "公交线路", "unconditional", "MONTHLY"),
            ("BD-002", "出租车运营", "conditional", "MONTHLY"),
            ("BD-003", "道路卡口", "not_open", "DAILY"),
        ]
        for code, title, openness, freq in rows:
            s.add(
                OpenListEntry(
                    version_id=v1.id,
                    resource_code=code,
                    title=title,
                    openness=openness,
                    frequency=freq,
                    data_formats=["CSV"],
                    source_department="保定市交通运输局",
                )
            )
        for code, title, openness, freq in rows[:2] + [
            ("BD-004", "停车场", "unconditional", "WEEKLY")
        ]:
            if code == "BD-002":
                openness = "unconditional"
            s.add(
                OpenListEntry(
                    version_id=v2.id,
                    resource_code=code,
                    title=title,
                    openness=openness,
                    frequency=freq,
                    data_formats=["CSV"],
                    source_department="保定市交通运输局",
                )
            )
        s.add(
            OpenListEntry(
                version_id=None,
                resource_code="BD-999",
                title="工作稿条目",
                openness="unconditional",
            )
        )
        src = HarvestSource(
            name="hebei-ckan",
            kind="ckan",
            url="https://ckan.hebei.example",
            config={"api_key": "do-not-show", "rows": 100, "auth": {"token": "x"}},
        )
        s.add(src)
        s.flush()
        job = HarvestJob(
            source_id=src.id,
            state="finished",
            count_new=3,
            count_errors=1,
            log="gathered 4 records",
        )
        s.add(job)
        s.flush()
        s.add(HarvestError(job_id=job.id, remote_id="rec-4", reason="missing title"))
        s.add(
            AccessRequest(
                dataset_id=made["lung-ct"].id,
                requester_id=info["user_id"],
                applicant_org="保定某AI公司",
                purpose="训练肺结节检测模型",
                due_date=date(2026, 12, 31),
            )
        )
        s.add(
            AccessRequest(
                dataset_id=made["taxi-orders"].id, requester_id=info["other_id"], purpose="交通研究"
            )
        )
        s.flush()
        info["source_id"], info["job_id"] = src.id, job.id
    return info
