"""The harvest pages over a real socket (issue 12, item 7): a curator adds a sheet source,
previews it (nothing stored), runs it through the worker and reads the job; a partner admin
manages their own organization's sources and gets 403 on another's, whatever the page or
form; forms without a CSRF token are refused; the pages read in Chinese and English."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog.models import Dataset, HarvestJob
from catalog.services import datasets, harvest
from catalog.services.authz import SYSTEM
from harvesters.jobs import Worker
from tests.livesite import serve
from tests.portal import PASSWORD, actor, load_portal
from tests.test_harvest_preview import write_sheet
from tests.webclient import WebClient


@pytest.fixture
def site(tmp_path: Path, database_url: str):
    made: dict = {}

    def load(cat) -> None:
        made.update(load_portal(cat))
        sheet = write_sheet(tmp_path / "b.xlsx")
        made["b_source"] = harvest.register_source(
            cat,
            SYSTEM,
            name="rival-list",
            kind="spreadsheet",
            url=str(sheet),
            organization=made["org_b"],
        ).name

    with serve(tmp_path / "instance", load, database_url=database_url) as (url, cat):
        yield url, cat, made, tmp_path


def signed_in(url: str, email: str) -> WebClient:
    client = WebClient(url)
    client.login(email, PASSWORD)
    return client


def test_a_curator_adds_previews_runs_and_reads_a_sheet_source(site):
    url, cat, made, tmp_path = site
    sheet = write_sheet(tmp_path / "list.xlsx")
    curator = signed_in(url, "curator@bureau.example.cn")
    form = {"name": "bd-list", "kind": "spreadsheet", "url": str(sheet), "config": ""}
    with cat.session() as s:
        datasets_before = s.execute(select(func.count()).select_from(Dataset)).scalar_one()

    page = curator.submit("/harvest/new", {**form, "action": "preview"})
    assert page.status_code == 200
    assert "Header on row 2" in page.text or "表头在第 2 行" in page.text
    assert "内部备注" in page.text and "row 5, column 资源名称: empty" in page.text
    with cat.session() as s:
        assert s.execute(select(func.count()).select_from(Dataset)).scalar_one() == datasets_before
        assert s.execute(select(func.count()).select_from(HarvestJob)).scalar_one() == 0
    assert harvest.find_source(cat, "spreadsheet", str(sheet)) is None

    bad = curator.submit("/harvest/new", {**form, "config": '{"sheeet": "x"}', "action": "save"})
    assert bad.status_code == 422 and "sheeet" in bad.text

    saved = curator.submit("/harvest/new", {**form, "action": "save"})
    assert saved.status_code == 200 and saved.url.endswith("/harvest/bd-list")
    preview = curator.get_page("/harvest/bd-list/preview?lang=en")
    assert "Header on row 2; 6 rows below it." in preview.text
    assert "held for review" in preview.text

    ran = curator.submit("/harvest/bd-list/run", {}, form_page="/harvest/bd-list")
    assert ran.status_code == 200 and "/harvest/jobs/" in ran.url
    job_id = int(ran.url.rsplit("/", 1)[1])
    assert "queued" in ran.text
    outcome = Worker(cat).run_once()  # the worker takes the queued job
    assert outcome is not None and outcome.job_id == job_id
    job = curator.get_page(f"/harvest/jobs/{job_id}?lang=en")
    assert "done with errors" in job.text
    assert "row 5, column 资源名称: empty" in job.text
    assert "NO OPENNESS COLUMN" not in job.text
    assert "same 资源代码 as row 3" in job.text
    listing = curator.get_page("/harvest?lang=en")
    assert "bd-list" in listing.text and "rival-list" in listing.text

    # a person's edit holds a field; the source page hands it back to the harvest
    with cat.session() as s:
        name = s.execute(select(Dataset.name).where(Dataset.resource_code == "BD-6")).scalar_one()
    datasets.update_dataset(cat, actor(cat, made["people"]["curator"]), name, {"title": "空气"})
    page = curator.get_page("/harvest/bd-list?lang=en")
    assert "Release to the harvest" in page.text and "空气" in page.text
    released = curator.submit(
        "/harvest/bd-list/release",
        {"dataset": name, "field": "title"},
        form_page="/harvest/bd-list",
    )
    assert released.status_code == 200 and "follows the harvest again" in released.text
    with cat.session() as s:
        ds = s.execute(select(Dataset).where(Dataset.name == name)).scalar_one()
        assert not ds.field_provenance["title"].startswith("user:")


def test_partner_admins_manage_only_their_organizations_sources(site):
    url, cat, made, tmp_path = site
    admin = signed_in(url, "admin@zhishu.example.cn")
    theirs = made["b_source"]
    other_job = harvest.enqueue_job(cat, SYSTEM, theirs).id

    listing = admin.get_page("/harvest")
    assert listing.status_code == 200 and theirs not in listing.text
    for path in (f"/harvest/{theirs}", f"/harvest/{theirs}/edit", f"/harvest/{theirs}/preview"):
        assert admin.get_page(path).status_code == 403, path
    assert admin.get_page(f"/harvest/jobs/{other_job}").status_code == 403
    token = admin.token("/harvest")
    for path in (
        f"/harvest/{theirs}/run",
        f"/harvest/{theirs}/linkcheck",
        f"/harvest/{theirs}/edit",
    ):
        r = admin.post(url + path, data={"csrf_token": token, "url": "https://x.example/a.csv"})
        assert r.status_code == 403, path
    r = admin.post(url + f"/harvest/jobs/{other_job}/cancel", data={"csrf_token": token})
    assert r.status_code == 403
    with cat.session() as s:
        assert s.get(HarvestJob, other_job).state == "queued"
        assert s.execute(select(func.count()).select_from(HarvestJob)).scalar_one() == 1

    # their own organization: a public URL, never trusted; a file of the server refused
    form = {
        "name": "a-list",
        "kind": "spreadsheet",
        "organization": made["org_a"],
        "action": "save",
    }
    refused = admin.submit("/harvest/new", {**form, "url": str(tmp_path / "b.xlsx")})
    assert refused.status_code == 422
    foreign = admin.submit(
        "/harvest/new",
        {**form, "organization": made["org_b"], "url": "https://8.8.8.8/open-list.csv"},
    )
    assert foreign.status_code == 403
    added = admin.submit(
        "/harvest/new", {**form, "url": "https://8.8.8.8/open-list.csv", "trusted": "1"}
    )
    assert added.status_code == 422  # asking for trust
    added = admin.submit("/harvest/new", {**form, "url": "https://8.8.8.8/open-list.csv"})
    assert added.status_code == 200 and added.url.endswith("/harvest/a-list")
    assert not harvest.get_source(cat, "a-list").trusted
    assert "a-list" in admin.get_page("/harvest").text

    member = signed_in(url, "member@zhishu.example.cn")
    assert member.get_page("/harvest").status_code == 403
    assert member.get_page("/harvest/a-list").status_code == 403


def test_harvest_forms_need_their_csrf_token(site):
    url, cat, made, tmp_path = site
    curator = signed_in(url, "curator@bureau.example.cn")
    r = curator.post(url + f"/harvest/{made['b_source']}/run", data={}, timeout=20)
    assert r.status_code == 400
    with cat.session() as s:
        assert s.execute(select(func.count()).select_from(HarvestJob)).scalar_one() == 0


def test_the_source_form_sets_the_region_of_every_kind(site):
    """Region is a field of the source form for every kind (here a data.json portal), kept
    as the source's ``region`` option; the field wins over a region in the JSON options,
    emptying it removes the region, a bad one is named under the field."""
    url, cat, made, tmp_path = site
    curator = signed_in(url, "curator@bureau.example.cn")
    page = curator.get_page("/harvest/new")
    assert "数源部门所在地区" in page.text and 'list="region-places"' in page.text
    assert '<option value="保定市">' in page.text  # the catalog's places are offered
    form = {
        "name": "xm-portal",
        "kind": "datajson",
        "url": "https://8.8.8.8/data.json",
        "region": " 厦门市 ",
        "config": '{"region": "福州市", "timeout": 5}',
        "action": "save",
    }
    too_long = curator.submit("/harvest/new", {**form, "region": "厦" * 51})
    assert too_long.status_code == 422
    assert 'id="err-region"' in too_long.text and 'id="err-config"' not in too_long.text
    assert harvest.find_source(cat, "datajson", form["url"]) is None

    saved = curator.submit("/harvest/new", form)
    assert saved.status_code == 200 and saved.url.endswith("/harvest/xm-portal")
    assert harvest.get_source(cat, "xm-portal").config == {"region": "厦门市", "timeout": 5}
    assert '<td id="source-region">厦门市</td>' in saved.text

    edit = curator.get_page("/harvest/xm-portal/edit?lang=en")
    assert "Region of its departments" in edit.text
    assert 'name="region" type="text" value="厦门市"' in edit.text
    assert "&#34;region&#34;" not in edit.text and "&#34;timeout&#34;: 5" in edit.text
    changed = curator.submit(
        "/harvest/xm-portal/edit",
        {"url": form["url"], "region": "130600", "config": '{"timeout": 5}'},
    )
    assert changed.status_code == 200
    assert harvest.get_source(cat, "xm-portal").config == {"region": "130600", "timeout": 5}
    cleared = curator.submit(
        "/harvest/xm-portal/edit", {"url": form["url"], "region": "", "config": ""}
    )
    assert cleared.status_code == 200
    assert harvest.get_source(cat, "xm-portal").config == {}
    assert "none: departments matched by name alone" in cleared.text  # English since ?lang=en
