"""The bureau's dashboard: what the catalog holds, what waits for review, how harvests went.

The published datasets by theme, openness, kind and publisher are the search index's facet
counts (one query, fast at a million datasets); if the index cannot answer, the same counts
come from the store of record, slower but right. Everything else is read from the store.
Curators only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from catalog.models import Dataset, HarvestJob, HarvestSource, Organization
from catalog.search import SearchQuery, SearchUnavailable
from catalog.services import authz, curation, data_requests, partners, quality_report
from catalog.services.authz import Actor

if TYPE_CHECKING:
    from catalog.context import Catalog

AGE_BUCKETS = ((1, "<1"), (7, "1-7"), (30, "7-30"), (None, ">30"))
TOP_PUBLISHERS = 12


@dataclass
class Dashboard:
    by_status: dict[str, int] = field(default_factory=dict)
    published: int = 0
    by_theme: list[tuple[str, int]] = field(default_factory=list)
    by_openness: list[tuple[str, int]] = field(default_factory=list)
    by_kind: list[tuple[str, int]] = field(default_factory=list)
    # (organization name, zh title, en title, count); the tail summed as ("", ...)
    by_publisher: list[tuple[str, str, str, int]] = field(default_factory=list)
    waiting: list = field(default_factory=list)  # curation.QueueRow, oldest first
    waiting_ages: list[tuple[str, int]] = field(default_factory=list)
    applications: list = field(default_factory=list)
    jobs_by_state: list[tuple[str, int]] = field(default_factory=list)
    recent_jobs: list[dict] = field(default_factory=list)
    quality: list[tuple[Organization, int, int]] = field(default_factory=list)
    demand: data_requests.DemandStats = field(default_factory=data_requests.DemandStats)


def _sorted(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _age_bucket(days: int) -> str:
    for limit, label in AGE_BUCKETS:
        if limit is None or days < limit:
            return label
    return AGE_BUCKETS[-1][1]


_FACETS = ("theme", "openness", "kind", "publisher")


def _index_counts(cat: Catalog) -> dict[str, list[tuple[str, int]]]:
    res = cat.search.search(SearchQuery(facets=_FACETS, page_size=1, facet_size=200))
    return {f: _sorted(dict(res.facets.get(f, []))) for f in _FACETS}


def _store_counts(s) -> dict[str, list[tuple[str, int]]]:
    pub = Dataset.status == "published"
    out = {
        "openness": dict(
            s.execute(
                select(Dataset.access_rights, func.count())
                .where(pub)
                .group_by(Dataset.access_rights)
            ).all()
        ),
        "kind": dict(
            s.execute(select(Dataset.kind, func.count()).where(pub).group_by(Dataset.kind)).all()
        ),
        "publisher": dict(
            s.execute(
                select(Organization.name, func.count(Dataset.id))
                .join(Dataset, Dataset.organization_id == Organization.id)
                .where(pub)
                .group_by(Organization.name)
            ).all()
        ),
    }
    themes: dict[str, int] = {}
    for (codes,) in s.execute(select(Dataset.themes).where(pub).execution_options(yield_per=2000)):
        for code in set(codes or []):
            themes[code] = themes.get(code, 0) + 1
    out["theme"] = themes
    return {k: _sorted(v) for k, v in out.items()}


def build(cat: Catalog, actor: Actor) -> Dashboard:
    authz.require_curator(actor)
    d = Dashboard()
    with cat.session() as s:
        d.by_status = dict(
            s.execute(select(Dataset.status, func.count()).group_by(Dataset.status)).all()
        )
        d.published = d.by_status.get("published", 0)
        try:
            facets = _index_counts(cat)
        except SearchUnavailable:
            facets = _store_counts(s)
        d.by_theme, d.by_openness, d.by_kind = facets["theme"], facets["openness"], facets["kind"]
        titles = {
            name: (title, title_en or title)
            for name, title, title_en in s.execute(
                select(Organization.name, Organization.title, Organization.title_en)
            ).all()
        }
        top = facets["publisher"][:TOP_PUBLISHERS]
        d.by_publisher = [(n, *titles.get(n, (n, n)), c) for n, c in top if n]
        rest = d.published - sum(c for *_x, c in d.by_publisher)
        if rest > 0 and len(facets["publisher"]) > len(d.by_publisher):
            d.by_publisher.append(("", "其他", "Others", rest))
        d.demand = data_requests.demand_stats(s)
        d.jobs_by_state = _sorted(
            dict(s.execute(select(HarvestJob.state, func.count()).group_by(HarvestJob.state)).all())
        )
        jobs = s.execute(
            select(HarvestJob, HarvestSource.name)
            .outerjoin(HarvestSource, HarvestSource.id == HarvestJob.source_id)
            .order_by(HarvestJob.id.desc())
            .limit(10)
        ).all()
        d.recent_jobs = [
            {
                "id": j.id,
                "source": name or "",
                "type": j.job_type,
                "state": j.state,
                "new": j.count_new,
                "updated": j.count_updated,
                "withdrawn": j.count_withdrawn,
                "errors": j.count_errors,
                "started_at": j.started_at,
                "finished_at": j.finished_at,
            }
            for j, name in jobs
        ]
    d.waiting = curation.review_queue(cat, actor)
    ages: dict[str, int] = {label: 0 for _limit, label in AGE_BUCKETS}
    for row in d.waiting:
        ages[_age_bucket(row.age_days)] += 1
    d.waiting_ages = list(ages.items())
    d.applications = partners.pending_applications(cat, actor)
    d.quality = quality_report.quality_by_publisher(cat)
    return d
