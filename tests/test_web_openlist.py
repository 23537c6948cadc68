"""The open list through the pages: the curators' working copy, numbered versions, the
public list with filters, diffs and the CSV/XLSX/JSON exports."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
import requests
from openpyxl import load_workbook
from sqlalchemy import select

from catalog.models import AuditEvent
from tests.livesite import serve
from tests.portal import PASSWORD, load_portal
from tests.webclient import WebClient

info: dict = {}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with serve(
        tmp_path_factory.mktemp("web-openlist"), lambda cat: info.update(load_portal(cat))
    ) as (url, cat):
        yield url, cat


def curator(url: str) -> WebClient:
    web = WebClient(url)
    web.login(info["people"]["curator"].email, PASSWORD)
    return web


def item(code: str, **extra: str) -> dict:
    return {
        "resource_code": code,
        "title": f"资源{code}",
        "source_department": "保定市生态环境局",
        "domain": "生态环境",
        "openness": "unconditional",
        "open_mode": "api",
        "frequency": "DAILY",
        "data_formats": "JSON, CSV",
        **extra,
    }


def table_rows(page: str, table_id: str) -> list[list[str]]:
    """The text of a table's body rows (the page as a person reads it)."""
    body = page.split(f'id="{table_id}"')[1].split("</table>")[0].split("<tbody>")[1]
    rows = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
        rows.append([html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


def test_curators_build_publish_and_compare_versions(site) -> None:
    url, cat = site
    web = curator(url)
    assert "尚未发布任何版本" in requests.get(f"{url}/openlist", timeout=10).text
    for name in ("bus-routes", "taxi-orders"):
        r = web.submit(
            "/curation/openlist/add", {"from_dataset": name}, form_page="/curation/openlist"
        )
        assert "已加入工作清单" in r.text
    r = web.submit(
        "/curation/openlist/add", {"from_dataset": "no-such"}, form_page="/curation/openlist"
    )
    assert r.status_code == 422 and "没有使用此标识名的数据集" in r.text
    r = web.submit(
        "/curation/openlist/add",
        item("", openness="", frequency="HOURLY"),
        form_page="/curation/openlist",
    )
    assert r.status_code == 422 and "此项为必填项。" in r.text and 'value="资源"' in r.text
    for code in ("HB-001", "HB-002", "HB-003"):
        web.submit("/curation/openlist/add", item(code), form_page="/curation/openlist")
    r = web.submit("/curation/openlist/add", item("HB-001"), form_page="/curation/openlist")
    assert r.status_code == 422 and "该资源代码已在清单中。" in r.text
    working = web.get_page("/curation/openlist").text
    assert re.search(r'id="working-count">5<', working)
    r = web.submit("/curation/openlist/publish", {"note": "首版"}, form_page="/curation/openlist")
    assert r.url.endswith("/openlist/v/1") and "开放清单第 1 版已发布" in r.text
    # the next version: one changed, one removed, one added
    working = web.get_page("/curation/openlist").text
    ids = dict(re.findall(r'data-code="([^"]+)">.*?/curation/openlist/(\d+)/edit', working, re.S))
    web.submit(
        f"/curation/openlist/{ids['HB-001']}/edit",
        item("HB-001", openness="conditional", open_mode="sandbox"),
    )
    web.submit(f"/curation/openlist/{ids['HB-002']}/remove", {}, form_page="/curation/openlist")
    web.submit(
        "/curation/openlist/add",
        item("HB-009", title="空气质量小时数据", domain="环境监测"),
        form_page="/curation/openlist",
    )
    pending = web.get_page("/curation/openlist").text
    assert "新增 1 项，移除 1 项，修改 1 项" in pending
    web.submit("/curation/openlist/publish", {"note": ""}, form_page="/curation/openlist")
    diff = requests.get(f"{url}/openlist/diff", params={"from": 1, "to": 2}, timeout=10).text
    assert "新增 1 项，移除 1 项，修改 1 项" in diff
    assert table_rows(diff, "added-table")[0][:2] == ["HB-009", "空气质量小时数据"]
    assert table_rows(diff, "removed-table")[0][0] == "HB-002"
    changed = table_rows(diff, "changed-table")
    assert ["HB-001", "资源HB-001", "开放属性", "无条件开放", "有条件开放"] in changed
    assert ["HB-001", "资源HB-001", "开放方式", "接口调用", "数据沙箱"] in changed
    with cat.session() as s:
        actions = list(
            s.execute(
                select(AuditEvent.action).where(AuditEvent.object_type == "openlist")
            ).scalars()
        )
    assert (
        actions.count("openlist.publish") == 2
        and "openlist.remove" in actions
        and "openlist.update" in actions
    )


def test_public_list_filters(site) -> None:
    url, _cat = site
    page = requests.get(f"{url}/openlist", timeout=10).text
    assert "第 2 版" in page and "显示 5 项中的 5 项" in page
    cond = requests.get(f"{url}/openlist", params={"openness": "conditional"}, timeout=10).text
    codes = [row[0] for row in table_rows(cond, "openlist-table")]
    assert sorted(codes) == ["HB-001", "taxi-orders"]
    dept = requests.get(
        f"{url}/openlist", params={"department": "保定市交通运输局"}, timeout=10
    ).text
    assert sorted(r[0] for r in table_rows(dept, "openlist-table")) == ["bus-routes", "taxi-orders"]
    q = requests.get(f"{url}/openlist", params={"q": "空气"}, timeout=10).text
    assert [r[0] for r in table_rows(q, "openlist-table")] == ["HB-009"]
    en = requests.get(
        f"{url}/openlist", params={"lang": "en", "openness": "conditional"}, timeout=10
    ).text
    assert "Conditionally open" in en and "Government public data resource open list" in en
    # an item linked to a dataset reads in English where the catalog has English for it;
    # an item typed in by hand stays as written
    rows = {r[0]: r for r in table_rows(en, "openlist-table")}
    assert rows["taxi-orders"][1:3] == ["Taxi operations", "Baoding Transport Bureau"]
    assert rows["HB-001"][1:3] == ["资源HB-001", "保定市生态环境局"]
    zh_rows = {r[0]: r for r in table_rows(cond, "openlist-table")}
    assert zh_rows["taxi-orders"][1:3] == ["出租车运营数据", "保定市交通运输局"]
    found = requests.get(f"{url}/openlist", params={"lang": "en", "q": "taxi"}, timeout=10).text
    assert [r[0] for r in table_rows(found, "openlist-table")] == ["taxi-orders"]
    old = requests.get(f"{url}/openlist/v/1", timeout=10).text
    assert "第 1 版" in old and "HB-002" in old
    assert requests.get(f"{url}/openlist/v/9", timeout=10).status_code == 404


def test_public_list_pages_keep_the_filters(site, monkeypatch) -> None:
    """A long list is read a page at a time; the count and the filters cover the whole
    list, and the page links keep the filters."""
    url, _cat = site
    monkeypatch.setattr("web.openlist.PUBLIC_PAGE_SIZE", 2)
    # every address here is one no other test reads: the anonymous page cache keeps pages
    first = requests.get(f"{url}/openlist", params={"page": 1}, timeout=10).text
    assert "显示 5 项中的 5 项" in first and "第 1 至 2 项" in first
    assert "第 1 页，共 3 页" in first
    codes = [r[0] for r in table_rows(first, "openlist-table")]
    seen = list(codes)
    for page in (2, 3):
        text = requests.get(f"{url}/openlist", params={"page": page}, timeout=10).text
        seen += [r[0] for r in table_rows(text, "openlist-table")]
    assert len(seen) == 5 and len(set(seen)) == 5
    # past the end reads the last page; junk reads the first
    last = requests.get(f"{url}/openlist", params={"page": 99}, timeout=10).text
    assert [r[0] for r in table_rows(last, "openlist-table")] == seen[4:]
    junk = requests.get(f"{url}/openlist", params={"page": "二"}, timeout=10).text
    assert [r[0] for r in table_rows(junk, "openlist-table")] == codes
    dept = requests.get(
        f"{url}/openlist", params={"department": "保定市生态环境局"}, timeout=10
    ).text
    pager = dept.split('id="openlist-pager"')[1].split("</nav>")[0]
    nxt = html.unescape(re.search(r'rel="next" href="([^"]+)"', pager).group(1))
    assert "page=2" in nxt and "department=" in nxt
    second = requests.get(f"{url}{nxt}", timeout=10).text
    rows = table_rows(second, "openlist-table")
    assert rows and all(r[0] not in ("bus-routes", "taxi-orders") for r in rows)


def test_exports_hold_the_rows_of_the_page(site) -> None:
    url, _cat = site
    page = requests.get(f"{url}/openlist/v/1", timeout=10).text
    shown = table_rows(page, "openlist-table")
    header = [
        "资源代码",
        "资源名称",
        "数源部门",
        "所属领域",
        "开放属性",
        "开放方式",
        "更新频率",
        "数据格式",
    ]
    r = requests.get(f"{url}/openlist/v/1.xlsx", timeout=10)
    assert r.headers["Content-Disposition"] == 'attachment; filename="openlist-v1.xlsx"'
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = [[c if c is not None else "" for c in row] for row in ws.iter_rows(values_only=True)]
    assert rows[0] == header and rows[1:] == shown
    r = requests.get(f"{url}/openlist/v/1.csv", timeout=10)
    assert list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))[1:] == shown
    body = requests.get(f"{url}/openlist/v/latest.json", timeout=10).json()
    assert body["version"]["number"] == 2 and len(body["entries"]) == 5
    assert requests.get(f"{url}/openlist/v/7.csv", timeout=10).status_code == 404


def test_only_curators_change_the_list(site) -> None:
    url, _cat = site
    anon = requests.post(f"{url}/curation/openlist/publish", timeout=10, allow_redirects=False)
    assert anon.status_code in (302, 400)  # no CSRF token, and no session either
    member = WebClient(url)
    member.login(info["people"]["admin"].email, PASSWORD)
    assert member.get_page("/curation/openlist").status_code == 403
    r = member.submit("/curation/openlist/add", item("X-1"), form_page="/openlist")
    assert r.status_code == 403
    assert member.submit("/curation/openlist/publish", {}, form_page="/openlist").status_code == 403
    working_diff = member.get_page("/openlist/diff?from=latest&to=working")
    assert working_diff.status_code == 404


def test_picker_suggest_answers_curators_only(site) -> None:
    """GET /curation/openlist/pick/suggest (the picker's script) and the JSON answer of the
    picker's POST: curators only, CSRF-checked, nothing added by anyone else."""
    url, cat = site
    path = "/curation/openlist/pick/suggest?q=" + requests.utils.quote("道路卡口")
    anon = requests.get(url + path, timeout=10, allow_redirects=False)
    assert anon.status_code == 302 and "/login" in anon.headers["Location"]
    member = WebClient(url)
    member.login(info["people"]["admin"].email, PASSWORD)
    assert member.get_page(path).status_code == 403
    assert member.get_page("/curation/openlist/pick/suggest?q=x&limit=many").status_code == 403

    web = curator(url)
    assert web.get_page("/curation/openlist/pick/suggest?q=x&limit=many").status_code == 400
    got = web.get_page(path + "&lang=en").json()
    [road] = got["datasets"]
    assert (road["shown_title"], road["openness_label"]) == ("Road checkpoint records", "Not open")
    assert road["url"] == "/dataset/road-cameras" and road["on_list"] is False
    assert "download_url" not in str(got)  # metadata only, never a link

    json_post = {"Accept": "application/json"}
    no_token = web.post(
        url + "/curation/openlist/pick", data={"dataset": road["id"]}, headers=json_post
    )
    assert no_token.status_code == 400
    added = web.submit(
        "/curation/openlist/pick",
        {"dataset": road["id"]},
        form_page="/curation/openlist/pick",
        headers=json_post,
    )
    assert added.status_code == 200 and added.json()["added"] == 1
    again = web.get_page(path).json()["datasets"]
    assert [d["on_list"] for d in again if d["id"] == road["id"]] == [True]
    empty = web.submit(
        "/curation/openlist/pick", {}, form_page="/curation/openlist/pick", headers=json_post
    )
    assert empty.status_code == 422 and "dataset" in empty.json()["errors"]
    rows = web.get_page("/curation/openlist/pick?q=" + requests.utils.quote("道路卡口"))
    assert "openlist_pick.js" in rows.text and 'id="pick-one"' in rows.text
