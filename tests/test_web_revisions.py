"""Revisions of published datasets through the pages and the JSON API, over a real socket
and a real SMTP server (issue 13, item 1): the partner's edit waits, every public surface
keeps the published record, the curator reviews the diff and approves or returns it."""

from __future__ import annotations

import html

import pytest
import requests

from catalog.services import datasets, revisions, tokens
from catalog.services.authz import SYSTEM
from tests.livesite import serve
from tests.mailserver import link_in, smtp_server
from tests.portal import PASSWORD, actor, load_portal
from tests.webclient import WebClient

info: dict = {}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    def load(cat):
        info.update(load_portal(cat))
        ds = datasets.create_dataset(
            cat,
            SYSTEM,
            {
                "title": "保定市公交线路",
                "organization": info["org_a"],
                "description": "公交线路与站点。",
                "distributions": [{"title": "线路表", "download_url": "https://a.example/l.csv"}],
            },
            status="published",
        )
        info["ds"] = ds.name

    with (
        smtp_server() as (inbox, port),
        serve(
            tmp_path_factory.mktemp("web-revisions"),
            load,
            smtp_host="127.0.0.1",
            smtp_port=port,
        ) as (url, cat),
    ):
        yield url, cat, inbox


def signed_in(url: str, who: str) -> WebClient:
    web = WebClient(url)
    web.login(info["people"][who].email, PASSWORD)
    return web


def public(url: str, path: str) -> requests.Response:
    return requests.get(url + path, timeout=20)


def edit_form(web: WebClient, name: str, **changes: str) -> dict:
    """The edit form as the page filled it, with ``changes``."""
    page = web.get_page(f"/dataset/{name}/edit").text
    import re

    data: dict = {}
    for m in re.finditer(r'<input[^>]*name="([^"]+)"[^>]*>', page):
        tag = m.group(0)
        key = m.group(1)
        if key == "csrf_token" or 'type="file"' in tag:
            continue
        if 'type="checkbox"' in tag and "checked" not in tag:
            continue
        v = re.search(r'value="([^"]*)"', tag)
        data.setdefault(key, []).append(html.unescape(v.group(1)) if v else "")
    for m in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        data[m.group(1)] = [html.unescape(m.group(2))]
    for m in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.findall(r'<option value="([^"]*)"[^>]*selected', m.group(2))
        data[m.group(1)] = chosen
    for k, v in changes.items():
        data[k] = [v]
    return data


def items(data: dict) -> list[tuple[str, str]]:
    return [(k, v) for k, vs in data.items() for v in vs]


def test_a_partner_edit_waits_for_review_on_every_surface(site) -> None:
    url, cat, inbox = site
    name = info["ds"]
    member, curator = signed_in(url, "member"), signed_in(url, "curator")
    form = edit_form(member, name, title="保定市公交线路（2026版）", action="save")
    assert "本数据集已发布" in member.get_page(f"/dataset/{name}/edit").text
    r = member.submit(f"/dataset/{name}/edit", items(form), form_page=f"/dataset/{name}/edit")
    assert r.status_code == 200 and r.url.endswith(f"/dataset/{name}")
    assert "您的修改正在等待审核。" in r.text and "已保存为草稿" not in r.text
    assert 'id="revision-notice"' in r.text
    # the public: page, JSON API, CKAN API, DCAT and search keep the published version
    page = public(url, f"/dataset/{name}").text
    assert "保定市公交线路（2026版）" not in page and "保定市公交线路" in page
    assert 'id="revision-notice"' not in page
    assert public(url, f"/api/v1/datasets/{name}").json()["title"] == "保定市公交线路"
    ckan = public(url, f"/api/3/action/package_show?id={name}").json()["result"]
    assert ckan["title"] == "保定市公交线路"
    assert "2026版" not in public(url, f"/dataset/{name}.ttl").text
    found = public(url, "/api/v1/datasets?q=2026版").json()
    assert all(h["title"] != "保定市公交线路（2026版）" for h in found["results"])
    # the curator was e-mailed with a link to the review
    mail = inbox.wait_for("curator@bureau.example.cn", lambda m: "待审核的修改" in m["Subject"])
    assert "/curation/revision/" in link_in(mail, "/curation/revision/")
    # the form shows the waiting change; a second edit joins it
    again = edit_form(member, name, description="公交线路、站点与首末班时间。", action="save")
    assert again["title"] == ["保定市公交线路（2026版）"]
    r = member.submit(f"/dataset/{name}/edit", items(again), form_page=f"/dataset/{name}/edit")
    assert "您的修改正在等待审核。" in r.text
    # the queue and the diff
    queue = curator.get_page("/curation").text
    assert 'id="revision-queue"' in queue and f'data-name="{name}"' in queue
    rev = revisions.queue(cat, actor(cat, info["people"]["curator"]))[0]
    assert set(rev.fields) == {"title", "description"}
    page = curator.get_page(f"/curation/revision/{rev.id}?lang=en").text
    assert 'data-field="title"' in page and "保定市公交线路（2026版）" in page
    assert 'data-field="description"' in page
    # a curator's own edit form holds the published record, not the waiting change
    own = curator.get_page(f"/dataset/{name}/edit").text
    assert 'value="保定市公交线路"' in own and "（2026版）" not in own
    assert "A change by" not in own
    dataset_page = curator.get_page(f"/dataset/{name}?lang=zh").text
    assert "智数成员 提交的修改正在等待审核。" in dataset_page
    assert 'id="withdraw-revision"' not in dataset_page
    # a partner cannot decide; returning needs a note
    assert member.get_page(f"/curation/revision/{rev.id}").status_code == 403
    r = curator.submit(f"/curation/revision/{rev.id}", {"decision": "return", "note": ""})
    assert r.status_code == 422
    r = curator.submit(f"/curation/revision/{rev.id}", {"decision": "approve", "note": ""})
    assert r.status_code == 200 and r.url.endswith("/curation")
    assert "保定市公交线路（2026版）" in public(url, f"/dataset/{name}").text
    assert public(url, f"/api/v1/datasets/{name}").json()["title"] == "保定市公交线路（2026版）"
    inbox.wait_for("member@zhishu.example.cn", lambda m: "已通过审核并发布" in m["Subject"])


def test_json_api_patch_answers_202_and_the_curator_returns_it(site) -> None:
    url, cat, inbox = site
    name = info["ds"]
    token, _t = tokens.create_token(cat, actor(cat, info["people"]["member"]), "t")
    auth = {"Authorization": f"Bearer {token}"}
    r = requests.patch(
        f"{url}/api/v1/datasets/{name}",
        json={"description": "改过的说明"},
        headers=auth,
        timeout=20,
    )
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["description"] != "改过的说明"
    assert body["pending_revision"]["fields"] == ["description"]
    assert body["pending_revision"]["state"] == "pending"
    assert public(url, f"/api/v1/datasets/{name}").json()["description"] != "改过的说明"
    curator = signed_in(url, "curator")
    rid = body["pending_revision"]["id"]
    r = curator.submit(f"/curation/revision/{rid}", {"decision": "return", "note": "说明不完整"})
    assert r.status_code == 200
    member = signed_in(url, "member")
    page = member.get_page(f"/dataset/{name}").text
    assert "数据局退回了您的修改" in page and "说明不完整" in page
    assert public(url, f"/api/v1/datasets/{name}").json()["description"] != "改过的说明"
    # a curator's PATCH is immediate
    ctoken, _c = tokens.create_token(cat, actor(cat, info["people"]["curator"]), "c")
    r = requests.patch(
        f"{url}/api/v1/datasets/{name}",
        json={"description": "数据局的说明"},
        headers={"Authorization": f"Bearer {ctoken}"},
        timeout=20,
    )
    assert r.status_code == 200 and r.json()["description"] == "数据局的说明"
