"""One publisher's published datasets are counted through its own index (issue 17, item 5):
``organizations.published_of`` is the same test as before on SQLite and PostgreSQL, and
SQLite's plan walks the organization's index, not the status index that holds them all."""

from __future__ import annotations

from sqlalchemy import func, select

from catalog.models import Dataset
from catalog.services import datasets, organizations, quality_report
from catalog.services.authz import ANONYMOUS, SYSTEM


def _fill(cat) -> None:
    for name in ("transport", "health"):
        organizations.create_organization(
            cat, SYSTEM, {"name": name, "title": f"{name}局", "org_type": "government"}
        )
    for i, (org, status) in enumerate(
        [("transport", "published"), ("transport", "published"), ("transport", "draft"),
         ("health", "published")]
    ):  # fmt: skip
        datasets.create_dataset(
            cat, SYSTEM, {"title": f"数据集{i}", "organization": org}, status=status
        )


def test_counts_only_the_publishers_published_datasets(cat) -> None:
    _fill(cat)
    org, published = organizations.organization_for(cat, ANONYMOUS, "transport")
    assert published == 2
    quality = quality_report.publisher_quality(cat, org.id)
    assert (quality.datasets, quality.sampled) == (2, 2)
    with cat.read_session() as s:
        assert (
            s.execute(
                select(func.count()).select_from(Dataset).where(organizations.published_of(org.id))
            ).scalar_one()
            == 2
        )


def test_sqlite_plans_through_the_organization_index(sqlite_cat) -> None:
    _fill(sqlite_cat)
    org, _n = organizations.organization_for(sqlite_cat, ANONYMOUS, "transport")
    query = select(func.count()).select_from(Dataset).where(organizations.published_of(org.id))
    compiled = query.compile(sqlite_cat.engine)
    with sqlite_cat.engine.connect() as conn:
        plan = " ".join(
            str(row[-1])
            for row in conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {compiled}", tuple(compiled.params.values())
            )
        )
    assert "ix_datasets_organization_id" in plan, plan
