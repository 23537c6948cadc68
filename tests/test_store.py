"""The store of record on SQLite and PostgreSQL: migrations, round trips, constraints."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import delete, func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from catalog import models
from catalog.context import open_catalog
from catalog.db import Base
from catalog.errors import ValidationFailed
from catalog.models import Dataset, Distribution, Organization
from catalog.services import datasets, organizations
from catalog.services.authz import SYSTEM
from schemas.dataset import DatasetSchema
from schemas.distribution import DistributionSchema

FULL_DATASET = {
    "name": "bd-traffic-flow-2024",
    "identifier": "https://data.baoding.gov.cn/dataset/bd-traffic-flow-2024",
    "kind": "training",
    "title": "保定市主要路口交通流量数据（2024）",
    "title_en": "Baoding intersection traffic flow 2024",
    "description": "覆盖竞秀区、莲池区 120 个路口的逐 5 分钟车流量；含“早晚高峰”标记。\n第二行 <b>原文</b>",
    "description_en": "Five-minute vehicle counts at 120 intersections.",
    "organization": "bd-traffic-police",
    "contact_name": "王工",
    "contact_email": "data@bdjj.example.cn",
    "contact_phone": "0312-1234567",
    "keywords": ["交通流量", "路口", "traffic"],
    "themes": ["transport", "urban"],
    "access_rights": "conditional",
    "access_conditions": "须签署数据使用协议，仅限科研用途。",
    "license": "CC-BY-4.0",
    "issued": "2024-01-15",
    "modified": "2024-06-30T08:15:30",
    "frequency": "DAILY",
    "temporal_start": "2024-01-01",
    "temporal_end": "2024-06-30",
    "spatial": ["130600", "130602", "130606"],
    "languages": ["zh", "en"],
    "version": "1.2.0",
    "conforms_to": ["GB/T 38664-2020", "https://example.org/schema/traffic"],
    "landing_page": "https://data.baoding.gov.cn/traffic/flow",
    "documentation": "https://data.baoding.gov.cn/traffic/flow/docs",
    "resource_code": "BD-JT-0001",
    "source_department": "保定市公安局交通警察支队",
    "domain": "交通出行",
    "open_mode": "api",
    "data_formats": ["CSV", "JSON"],
    "data_volume": "1.2 GB / 3,000,000 条",
    "task_categories": ["time_series_forecasting", "anomaly_detection"],
    "modalities": ["time_series", "tabular"],
    "annotation_type": "class_label",
    "annotation_method": "semi_automatic",
    "annotation_accuracy": 0.975,
    "sample_counts": {"train": 2_400_000, "validation": 300_000, "test": 300_000},
    "metrics": ["MAE", "RMSE"],
    "citation": "@dataset{bd_traffic_2024, title={保定交通流量}, year={2024}}",
    "record_sets": [
        {
            "name": "flows",
            "description": "每 5 分钟一条",
            "file": "https://data.baoding.gov.cn/files/flow-2024.zip",
            "fields": [
                {"name": "detector", "data_type": "text", "description": "检测器编号"},
                {"name": "flow", "data_type": "integer", "description": None},
            ],
        }
    ],
    "rai": {"dataCollection": "地磁线圈自动采集", "dataBiases": "夜间样本较少"},
    "derived_from": [],  # names of other datasets: tests/test_benchmarks_service.py
    "review_by": "bureau",
    "featured": True,
    "extras": {"采集设备": "地磁线圈", "nested": {"a": [1, 2, 3]}, "flag": False},
    "distributions": [
        {
            "title": "流量明细（CSV）",
            "title_en": "Flow records (CSV)",
            "description": "按日分文件",
            "access_url": "https://data.baoding.gov.cn/traffic/flow/csv",
            "download_url": "https://data.baoding.gov.cn/files/flow-2024.zip",
            "format": "CSV",
            "media_type": "text/csv",
            "byte_size": 12_884_901_888,  # 12 GB: past a 32-bit INTEGER on PostgreSQL
            "checksum": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "checksum_algorithm": "sha256",
            "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "license": "CC-BY-4.0",
            "split": "full",
            "restricted": True,
        },
        {
            "title": "实时接口",
            "access_url": "https://api.baoding.gov.cn/traffic/v1/flow",
            "format": "API",
            "restricted": False,
        },
    ],
}

DATE_FIELDS = {"issued", "temporal_start", "temporal_end"}


def _org(cat, name="bd-traffic-police"):
    return organizations.create_organization(
        cat,
        SYSTEM,
        {"name": name, "title": "保定市公安局交通警察支队", "title_en": "Traffic Police"},
    )


def _count(cat, model) -> int:
    with cat.session() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def blank_cat(tmp_path, blank_database_url):
    """A catalog on an empty database, not yet migrated."""
    c = open_catalog(instance_path=tmp_path / "instance", database_url=blank_database_url)
    yield c
    c.dispose()


def test_migration_creates_every_model_table(blank_cat) -> None:
    assert inspect(blank_cat.engine).get_table_names() == []
    blank_cat.migrate()
    insp = inspect(blank_cat.engine)
    tables = set(insp.get_table_names())
    expected = set(Base.metadata.tables)
    assert expected <= tables, f"missing tables: {sorted(expected - tables)}"
    assert tables - expected == {"alembic_version"}
    # every column of every model exists in the migrated database
    for name, table in Base.metadata.tables.items():
        have = {c["name"] for c in insp.get_columns(name)}
        assert {c.name for c in table.columns} == have, name


def test_migrations_match_models(blank_cat) -> None:
    """`alembic check`: autogenerate finds nothing the migrations forgot."""
    blank_cat.migrate()
    with blank_cat.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "render_as_batch": conn.dialect.name == "sqlite",
                "target_metadata": Base.metadata,
            },
        )
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_migrate_twice_is_harmless(blank_cat) -> None:
    blank_cat.migrate()
    blank_cat.migrate()
    with blank_cat.engine.connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    heads = ScriptDirectory.from_config(blank_cat.alembic_config()).get_heads()
    assert versions == heads


def test_every_model_is_in_metadata() -> None:
    mapped = {
        m.__tablename__
        for m in vars(models).values()
        if isinstance(m, type) and issubclass(m, Base) and m is not Base
    }
    assert mapped == set(Base.metadata.tables)


def test_full_dataset_sets_every_field() -> None:
    """The round trip below covers every field a publisher can set (keep it that way)."""
    loadable = {k for k, f in DatasetSchema().fields.items() if not f.dump_only}
    assert set(FULL_DATASET) == loadable
    dist_fields = {k for k, f in DistributionSchema().fields.items() if not f.dump_only}
    assert set(FULL_DATASET["distributions"][0]) == dist_fields


def test_full_dataset_round_trips_unchanged(cat) -> None:
    _org(cat)
    created = datasets.create_dataset(cat, SYSTEM, FULL_DATASET, status="published")
    got = datasets.get_dataset(cat, SYSTEM, created.id)

    for key, value in FULL_DATASET.items():
        if key in ("organization", "distributions"):
            continue
        stored = getattr(got, key)
        if key in DATE_FIELDS:
            value = date.fromisoformat(value)
        elif key == "modified":
            value = datetime.fromisoformat(value)
        assert stored == value, key
        assert type(stored) is type(value), key
    assert got.organization.name == "bd-traffic-police"
    assert got.status == "published"

    assert len(got.distributions) == 2
    for want, dist in zip(FULL_DATASET["distributions"], got.distributions, strict=True):
        for key, value in want.items():
            assert getattr(dist, key) == value, key
    assert [d.position for d in got.distributions] == [0, 1]


def test_round_trip_reads_from_a_new_connection(cat) -> None:
    """Not the identity map: a fresh engine on the same database sees the same values."""
    from catalog.db import make_engine

    _org(cat)
    created = datasets.create_dataset(cat, SYSTEM, FULL_DATASET)
    engine = make_engine(cat.settings.database_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                select(
                    Dataset.title,
                    Dataset.keywords,
                    Dataset.sample_counts,
                    Dataset.extras,
                    Dataset.annotation_accuracy,
                    Dataset.temporal_end,
                ).where(Dataset.id == created.id)
            ).one()
    finally:
        engine.dispose()
    assert row.title == FULL_DATASET["title"]
    assert row.keywords == FULL_DATASET["keywords"]
    assert row.sample_counts == FULL_DATASET["sample_counts"]
    assert row.extras == FULL_DATASET["extras"]
    assert row.annotation_accuracy == pytest.approx(0.975)
    assert row.temporal_end == date(2024, 6, 30)


def test_sqlite_runs_in_wal_mode(cat) -> None:
    if cat.engine.dialect.name != "sqlite":
        assert cat.engine.dialect.name == "postgresql"
        return
    with cat.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_dataset_names_are_unique_in_the_database(cat) -> None:
    with cat.session() as s:
        s.add(Dataset(name="same-name", title="一"))
    with pytest.raises(IntegrityError), cat.session() as s:
        s.add(Dataset(name="same-name", title="二"))
    assert _count(cat, Dataset) == 1


def test_dataset_names_are_unique_through_the_service(cat) -> None:
    datasets.create_dataset(cat, SYSTEM, {"name": "bus-lines", "title": "公交线路"})
    with pytest.raises(ValidationFailed) as err:
        datasets.create_dataset(cat, SYSTEM, {"name": "bus-lines", "title": "公交线路二"})
    assert "name" in err.value.messages
    assert _count(cat, Dataset) == 1


def test_generated_names_do_not_clash(cat) -> None:
    a = datasets.create_dataset(cat, SYSTEM, {"title": "甲", "title_en": "Bus lines"})
    b = datasets.create_dataset(cat, SYSTEM, {"title": "乙", "title_en": "Bus lines"})
    assert a.name == "bus-lines"
    assert b.name != a.name


def test_deleting_a_dataset_cascades_its_distributions(cat) -> None:
    _org(cat)
    keep = datasets.create_dataset(cat, SYSTEM, {**FULL_DATASET, "name": "keep-me"})
    gone = datasets.create_dataset(cat, SYSTEM, {**FULL_DATASET, "name": "delete-me"})
    assert _count(cat, Distribution) == 4
    with cat.session() as s:
        s.delete(s.get(Dataset, gone.id))
    assert _count(cat, Distribution) == 2
    with cat.session() as s:
        left = s.execute(select(Distribution.dataset_id)).scalars().all()
    assert set(left) == {keep.id}


def test_database_level_cascade_without_the_orm(cat) -> None:
    """ON DELETE CASCADE holds in the database itself (SQLite needs foreign_keys=ON)."""
    _org(cat)
    ds = datasets.create_dataset(cat, SYSTEM, FULL_DATASET)
    with cat.engine.begin() as conn:
        conn.execute(delete(Dataset.__table__).where(Dataset.__table__.c.id == ds.id))
    assert _count(cat, Distribution) == 0
    assert _count(cat, Dataset) == 0


def test_deleting_an_organization_keeps_its_datasets(cat) -> None:
    org = _org(cat)
    ds = datasets.create_dataset(cat, SYSTEM, FULL_DATASET)
    with cat.engine.begin() as conn:
        conn.execute(delete(Organization.__table__).where(Organization.__table__.c.id == org.id))
    with cat.session() as s:
        assert s.get(Dataset, ds.id).organization_id is None
