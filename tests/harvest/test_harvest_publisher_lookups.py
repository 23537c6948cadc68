"""A run reads the organizations it matches publishers against once, not once per
publisher (issue 12, "Left": about 12 ms per distinct department). A sheet of many
departments used to cost two queries per department, each a scan of ``organizations`` (its
title has no index); now the run reads the organizations once and creates only what is new.
The rules stay: same-named departments of different places stay apart, a curator's merge is
followed, every created organization has its audit event, and an organization made by
someone else after the run read the table is found through its name, not made twice.
On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, select

from catalog.models import AuditEvent, Dataset, Organization
from catalog.services import harvest as svc
from catalog.services import names, organization_merge, organizations
from catalog.services.authz import SYSTEM
from catalog.services.harvest import PublisherRef
from catalog.services.harvest_publishers import known_for, resolve_publisher, resolve_publishers

HEAD = ["资源代码", "资源名称", "数源部门", "开放属性"]


def _sheet(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows([HEAD, *rows])
    return buf.getvalue().encode("utf-8")


@contextmanager
def statements(cat) -> Iterator[list[str]]:
    """Every SQL statement the catalog's engine runs inside the block."""
    seen: list[str] = []

    def note(conn, cursor, statement, *args) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(cat.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(cat.engine, "before_cursor_execute", note)


def _by_title(seen: list[str]) -> list[str]:
    """Statements that look an organization (or a merged one) up by its title."""
    return [q for q in seen if "organizations.title =" in q or "organization_aliases.title =" in q]


def _org_titles(cat) -> dict[str, str]:
    with cat.session() as s:
        return dict(s.execute(select(Organization.title, Organization.name)).all())


def test_a_sheet_of_many_departments_reads_the_organizations_once(db, server, harvest):
    depts = [f"第{i}科" for i in range(30)]
    first = [[f"A{i}", f"资源{i}", d, "普遍开放"] for i, d in enumerate(depts)]
    url = server.put("a.csv", _sheet(first))
    with statements(db) as seen:
        out = harvest("spreadsheet", url, config={"region": "厦门市"}, catalog=db)
    assert out.counts.new == 30
    assert _by_title(seen) == []  # before: two per department
    # the batch's new departments made together (the pipeline's resolve_publishers), not
    # in a transaction each
    inserts = [q for q in seen if q.startswith("INSERT INTO organizations")]
    assert 1 <= len(inserts) <= 2, inserts
    titles = _org_titles(db)
    assert set(titles) == {f"厦门市{d}" for d in depts}
    with db.session() as s:  # every organization the run made says so in the audit log
        created = set(
            s.execute(
                select(Organization.name)
                .join(AuditEvent, AuditEvent.object_id == Organization.id)
                .where(AuditEvent.action == "organization.create")
            ).scalars()
        )
    assert created == set(titles.values())

    # another source of the same place naming the same departments (and one more): found
    # in the run's one read of the table, one organization made
    second = [[f"B{i}", f"数据{i}", d, "普遍开放"] for i, d in enumerate([*depts, "新设局"])]
    other = server.put("b.csv", _sheet(second))
    with statements(db) as seen:
        out = harvest("spreadsheet", other, config={"region": "厦门市"}, catalog=db)
    assert out.counts.new == 31
    assert _by_title(seen) == []
    reads = [q for q in seen if q.startswith("SELECT") and "FROM organizations" in q]
    assert len(reads) <= 4, reads  # the run's read, the writer's per batch, the new one's check
    assert len(_org_titles(db)) == 31
    with db.session() as s:
        orgs = {d.identifier: d.organization.title for d in s.execute(select(Dataset)).scalars()}
    assert orgs["B0"] == orgs["A0"] == "厦门市第0科"
    assert orgs["B30"] == "厦门市新设局"


def test_places_merges_and_organizations_made_during_the_run_still_hold(db, server, harvest):
    url = server.put("xm.csv", _sheet([["X1", "统计年鉴", "统计局", "普遍开放"]]))
    fz = server.put("fz.csv", _sheet([["F1", "统计年鉴", "统计局", "普遍开放"]]))
    harvest("spreadsheet", url, config={"region": "厦门市"}, catalog=db)
    harvest("spreadsheet", fz, config={"region": "福州市"}, catalog=db)
    assert set(_org_titles(db)) == {"厦门市统计局", "福州市统计局"}  # apart

    center = server.put("c.csv", _sheet([["C1", "物价指数", "统计信息中心", "普遍开放"]]))
    harvest("spreadsheet", center, config={"region": "厦门市"}, catalog=db)
    titles = _org_titles(db)
    organization_merge.merge(db, SYSTEM, titles["厦门市统计信息中心"], titles["厦门市统计局"])
    server.put(
        "c.csv",
        _sheet(
            [
                ["C1", "物价指数", "统计信息中心", "普遍开放"],
                ["C2", "工资", "统计信息中心", "普遍开放"],
            ]
        ),
    )
    harvest("spreadsheet", center, config={"region": "厦门市"}, catalog=db)
    assert set(_org_titles(db)) == {"厦门市统计局", "福州市统计局"}  # the merge is followed

    # a run that read the organizations before another made 厦门市交通运输局: the new one's
    # name is taken by the same title, so the run takes it instead of making a second
    spec = svc.source_spec(db, svc.find_source(db, "spreadsheet", url).id)
    known_for(db, spec)  # the run's read
    made = organizations.create_organization(
        db, SYSTEM, {"title": "厦门市交通运输局", "name": names.pinyin_slug("厦门市交通运输局", 90)}
    )
    ref = PublisherRef(key="交通运输局", title="交通运输局")
    assert resolve_publisher(db, spec, ref) == made.name
    assert len([t for t in _org_titles(db) if t == "厦门市交通运输局"]) == 1
    # and what the run made itself it finds again without making it twice
    new = PublisherRef(key="应急管理局", title="应急管理局")
    name = resolve_publisher(db, spec, new)
    assert resolve_publisher(db, spec, new) == name
    assert _org_titles(db)["厦门市应急管理局"] == name


def _spec(cat, region: str | None = "保定市"):
    src = svc.register_source(
        cat,
        SYSTEM,
        name="batch-source",
        kind="spreadsheet",
        url="http://127.0.0.1:9/list.csv",
        config={"region": region} if region else {},
        trusted=True,
    )
    return svc.source_spec(cat, src.id)


def test_a_batch_of_publishers_creates_its_new_organizations_in_one_transaction(db):
    """``resolve_publishers``: what ``resolve_publisher`` gives one by one, the batch's new
    organizations made in one transaction, each with its audit event."""
    stats = organizations.create_organization(
        db, SYSTEM, {"title": "保定市统计局", "name": "baoding-tongjiju", "region": "130600"}
    )
    spec = _spec(db)
    depts = [PublisherRef(key=f"第{i}科", title=f"第{i}科") for i in range(40)]
    same = [
        PublisherRef(key="统计局", title="统计局"),
        PublisherRef(key="市统计局", title="市统计局"),
    ]
    twice = [
        PublisherRef(key="交通局", title="交通局"),
        PublisherRef(key="市交通局", title="市交通局"),
    ]
    with statements(db) as seen:
        got = resolve_publishers(db, spec, [*depts, *same, *twice, None, depts[0]])
    inserts = [q for q in seen if q.startswith("INSERT INTO organizations")]
    assert 1 <= len(inserts) <= 2, inserts  # not one per organization
    assert got[None] is None  # no publisher: the source's owner (none here)
    assert {got[r] for r in same} == {stats.name}  # found, within the place
    assert got[twice[0]] == got[twice[1]]  # the same department twice: made once
    titles = _org_titles(db)
    assert len(titles) == 1 + 40 + 1
    for ref in depts:
        assert titles[f"保定市{ref.title}"] == got[ref]
    with db.session() as s:
        audited = set(
            s.execute(
                select(AuditEvent.object_id).where(AuditEvent.action == "organization.create")
            ).scalars()
        )
        made = s.execute(
            select(Organization).where(Organization.title.like("保定市第%科"))
        ).scalars()
        assert {o.region for o in made} == {"130600"}
        assert len(audited) == 42
    # the next run (a fresh spec) finds them all and makes nothing
    again = resolve_publishers(db, svc.source_spec(db, spec.id), [*depts, *twice])
    assert again == {r: got[r] for r in [*depts, *twice]}
    assert len(_org_titles(db)) == 42


def test_a_refused_batch_keeps_nothing_and_resolves_one_by_one(db):
    spec = _spec(db)
    known_for(db, spec)  # the run has read the organizations; then someone else makes one
    taken = organizations.create_organization(
        db, SYSTEM, {"title": "保定市交通运输局", "name": names.pinyin_slug("保定市交通运输局", 90)}
    )
    refs = [
        PublisherRef(key="应急管理局", title="应急管理局"),
        PublisherRef(key="交通运输局", title="交通运输局"),
    ]
    got = resolve_publishers(db, spec, refs)
    assert got[refs[1]] == taken.name  # the same title behind the taken name: taken, not doubled
    titles = _org_titles(db)
    assert sorted(titles) == ["保定市交通运输局", "保定市应急管理局"]
    assert titles["保定市应急管理局"] == got[refs[0]]
