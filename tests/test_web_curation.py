"""Dataset submission and review through the pages, over a real socket and a real SMTP
server: drafts, uploads, changes requested, publishing, withdrawal, history and diffs, and
every permission boundary on the way."""

from __future__ import annotations

import hashlib
import html
import re

import pytest
import requests
from sqlalchemy import select

from catalog.models import AuditEvent
from tests.livesite import SECRET_URL, serve
from tests.mailserver import smtp_server
from tests.portal import PASSWORD, load_portal
from tests.webclient import WebClient

LIMIT = 4096


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with (
        smtp_server() as (inbox, port),
        serve(
            tmp_path_factory.mktemp("web-curation"),
            lambda cat: site_info.update(load_portal(cat)),
            smtp_host="127.0.0.1",
            smtp_port=port,
            upload_max_bytes=LIMIT,
        ) as (url, cat),
    ):
        yield url, cat, inbox, dict(site_info)


site_info: dict = {}


def signed_in(url: str, who: str) -> WebClient:
    web = WebClient(url)
    web.login(site_info["people"][who].email, PASSWORD)
    return web


def form(title: str, org: str, action: str = "save", **extra: object) -> dict:
    data = {
        "title": title,
        "organization": org,
        "kind": "training",
        "access_rights": "unconditional",
        "dist_count": "1",
        "dist-0-title": "样例",
        "dist-0-download_url": "https://data.zhishu.example.cn/sample.zip",
        "action": action,
    }
    data.update(extra)
    return data


def name_of(resp: requests.Response) -> str:
    m = re.search(r"/dataset/([a-z0-9-]+)$", resp.url)
    assert m, resp.url
    return m.group(1)


def test_submission_review_changes_requested_and_publication(site) -> None:
    url, _cat, inbox, info = site
    member, curator = signed_in(url, "member"), signed_in(url, "curator")
    r = member.submit(
        "/my/datasets/new",
        form(
            "零件表面缺陷检测训练集",
            info["org_a"],
            title_en="Part surface defect detection",
            description="工业相机采集的零件表面图像，含缺陷框标注。",
            task_categories="object_detection",
            modalities="image",
            annotation_type="bounding_box",
            annotation_method="manual",
            annotation_accuracy="98.5%",
            sample_counts="train: 8000\ntest: 2000",
            themes="manufacturing",
            keywords="工业视觉, 缺陷检测",
        ),
    )
    assert r.status_code == 200, r.text[:500]
    name = name_of(r)
    assert "已保存为草稿。" in r.text and 'id="status-banner"' in r.text
    api = requests.get(f"{url}/api/v1/datasets/{name}", timeout=10)
    assert api.status_code == 404  # a draft is nobody else's business
    # the partner submits; while in review the form is closed to them
    r = member.submit(f"/dataset/{name}/submit", {}, form_page=f"/dataset/{name}")
    assert "已提交数据局审核" in r.text
    r = member.get_page(f"/dataset/{name}/edit")
    assert r.url.endswith(f"/dataset/{name}") and "正在审核" in r.text
    # the curator finds it in the queue and asks for a change, which needs a note
    queue = curator.get_page("/curation").text
    assert f'data-name="{name}"' in queue
    r = curator.submit(f"/curation/dataset/{name}", {"decision": "changes_requested", "note": ""})
    assert r.status_code == 422 and "请填写理由。" in r.text
    r = curator.submit(
        f"/curation/dataset/{name}", {"decision": "changes_requested", "note": "请补充许可协议"}
    )
    assert r.url.endswith("/curation") and "已连同您的意见退回" in r.text
    mail = inbox.wait_for("member@zhishu.example.cn", lambda m: "需要修改" in m["Subject"])
    assert "请补充许可协议" in mail.get_content() and f"/dataset/{name}" in mail.get_content()
    page = member.get_page(f"/dataset/{name}").text
    assert "待修改" in page and "请补充许可协议" in page
    assert "请补充许可协议" in member.get_page("/my/datasets").text
    # the partner fixes it and submits again from the form
    edit = member.get_page(f"/dataset/{name}/edit").text
    assert 'id="review-note"' in edit and 'value="零件表面缺陷检测训练集"' in edit
    assert "train: 8000" in edit and 'value="0.985"' in edit
    r = member.submit(
        f"/dataset/{name}/edit",
        form(
            "零件表面缺陷检测训练集",
            info["org_a"],
            "submit",
            title_en="Part surface defect detection",
            description="工业相机采集的零件表面图像，含缺陷框标注。",
            task_categories="object_detection",
            modalities="image",
            annotation_type="bounding_box",
            annotation_method="manual",
            annotation_accuracy="0.985",
            sample_counts="train: 8000\ntest: 2000",
            themes="manufacturing",
            keywords="工业视觉, 缺陷检测",
            license="CC-BY-4.0",
        ),
    )
    assert "已保存并提交数据局审核" in r.text
    # the curator sees exactly what changed since the request, and publishes
    review = curator.get_page(f"/curation/dataset/{name}").text
    assert 'data-field="license"' in review and "知识共享 署名 4.0" in review
    assert 'data-field="title"' not in review
    r = curator.submit(f"/curation/dataset/{name}", {"decision": "published", "note": ""})
    assert "已发布。" in r.text
    inbox.wait_for("member@zhishu.example.cn", lambda m: "已发布" in m["Subject"])
    public = requests.get(f"{url}/dataset/{name}", timeout=10).text
    assert "零件表面缺陷检测训练集" in public and "98.5%" in public and "train: 8000" in public
    found = requests.get(f"{url}/api/v1/datasets", params={"q": "缺陷检测"}, timeout=10).json()
    assert name in [h["name"] for h in found["results"]]
    # every version is kept, and two compare
    history = member.get_page(f"/dataset/{name}/history").text
    numbers = [int(n) for n in re.findall(r'name="b" value="(\d+)"', history)]
    assert numbers[0] >= 5
    diff = member.get_page(f"/dataset/{name}/diff?a=1&b={numbers[0]}").text
    assert 'data-field="license"' in diff and 'data-field="status"' in diff


def test_partners_cannot_see_or_touch_other_partners_drafts(site) -> None:
    url, _cat, _inbox, info = site
    member, rival = signed_in(url, "member"), signed_in(url, "rival")
    name = name_of(member.submit("/my/datasets/new", form("保密草稿", info["org_a"])))
    for path in (
        f"/dataset/{name}",
        f"/dataset/{name}/edit",
        f"/dataset/{name}/history",
        f"/dataset/{name}/diff?a=1&b=1",
    ):
        assert rival.get_page(path).status_code == 404, path
        assert requests.get(url + path, timeout=10, allow_redirects=False).status_code in (302, 404)
    assert requests.get(f"{url}/dataset/{name}", timeout=10).status_code == 404
    r = rival.submit(f"/dataset/{name}/edit", form("改掉", info["org_b"]), form_page="/my/datasets")
    assert r.status_code == 404
    r = rival.submit(f"/dataset/{name}/submit", {}, form_page="/my/datasets")
    assert r.status_code == 404
    # nor create one in another partner's name
    r = rival.submit("/my/datasets/new", form("冒名", info["org_a"]))
    assert r.status_code == 403
    assert name not in rival.get_page("/my/datasets").text
    assert member.get_page(f"/dataset/{name}").text.split("<h1>")[1].split("</h1>")[0] == "保密草稿"


def test_plain_users_and_applicants_cannot_publish(site) -> None:
    url, _cat, _inbox, info = site
    user = signed_in(url, "user")
    assert user.get_page("/my/datasets/new").status_code == 403
    assert (
        user.submit("/my/datasets/new", form("x", info["org_a"]), form_page="/account").status_code
        == 403
    )
    for path in (
        "/curation",
        "/dashboard",
        "/curation/openlist",
        f"/curation/partner/{info['org_a']}",
        "/curation/dataset/bus-routes",
    ):
        assert user.get_page(path).status_code == 403, path
        anon = requests.get(url + path, timeout=10, allow_redirects=False)
        assert anon.status_code == 302 and "/login" in anon.headers["Location"]
    member = signed_in(url, "member")
    r = member.submit(
        "/curation/dataset/bus-routes", {"decision": "published"}, form_page="/account"
    )
    assert r.status_code == 403


def test_form_errors_keep_input_and_uploads_are_checked(site) -> None:
    url, _cat, _inbox, info = site
    member = signed_in(url, "member")
    data = form(
        "",
        info["org_a"],
        title_en="Kept title",
        annotation_accuracy="very good",
        sample_counts="train: many",
        **{"dist-0-download_url": "not a url", "dist-count": "1"},
    )
    r = member.submit("/my/datasets/new", data)
    assert r.status_code == 422
    assert "不是有效的数字。" in r.text and "样本数须为不小于 0 的整数。" in r.text
    assert 'value="Kept title"' in r.text and 'value="not a url"' in r.text
    r = member.submit(
        "/my/datasets/new",
        form("", info["org_a"], title_en="Kept", **{"dist-0-download_url": "not a url"}),
    )
    assert r.status_code == 422 and "此项为必填项。" in r.text and "不是有效的网址。" in r.text
    r = member.submit("/my/datasets/new?lang=en", form("", info["org_a"]))
    assert "Missing data for required field." in r.text
    # files: too big, forbidden type, then a good one
    big = member.submit(
        "/my/datasets/new?lang=zh",
        form("大文件", info["org_a"]),
        files={"dist-0-file": ("big.csv", b"x" * (LIMIT + 1), "text/csv")},
    )
    assert big.status_code == 422 and "文件超过了 4 KB 的大小限制。" in big.text
    assert 'value="大文件"' in big.text
    bad = member.submit(
        "/my/datasets/new",
        form("网页文件", info["org_a"]),
        files={"dist-0-file": ("page.html", b"<script>alert(1)</script>", "text/html")},
    )
    assert bad.status_code == 422 and "不能上传 .html 类型的文件" in bad.text


def test_uploaded_files_follow_their_distribution(site) -> None:
    url, _cat, _inbox, info = site
    member, curator = signed_in(url, "member"), signed_in(url, "curator")
    public_rows, secret_rows = b"id,value\n1,2\n", b"id,secret\n1,42\n"
    data = form(
        "带文件的有条件数据",
        info["org_a"],
        access_rights="conditional",
        access_conditions="仅限科研用途",
        dist_count="2",
        **{"dist-0-download_url": "", "dist-1-title": "完整数据", "dist-1-restricted": "on"},
    )
    r = member.submit(
        "/my/datasets/new",
        data,
        files={
            "dist-0-file": ("样例.csv", public_rows, "text/csv"),
            "dist-1-file": ("full.csv", secret_rows, "text/csv"),
        },
    )
    assert r.status_code == 200, r.text[:300]
    name = name_of(r)
    record = member.get_page(f"/dataset/{name}").text
    links = re.findall(r'href="(http[^"]+/files/[0-9a-f]{64}/[^"]+)"', record)
    assert len(links) == 2
    got = member.get(links[1], timeout=10)
    assert got.content == secret_rows and got.headers["X-Content-Type-Options"] == "nosniff"
    assert hashlib.sha256(secret_rows).hexdigest() in links[1]
    assert requests.get(links[0], timeout=10).status_code == 404  # a draft's file
    # re-saving the form keeps the stored files without uploading them again
    edit = member.get_page(f"/dataset/{name}/edit").text
    assert edit.count("sha256 ") == 2
    member.submit(f"/dataset/{name}/submit", {}, form_page=f"/dataset/{name}")
    curator.submit(f"/curation/dataset/{name}", {"decision": "published", "note": ""})
    assert requests.get(links[0], timeout=10).content == public_rows
    assert requests.get(links[1], timeout=10).status_code == 404  # restricted
    api = requests.get(f"{url}/api/v1/datasets/{name}", timeout=10).json()
    assert [d["checksum"] for d in api["distributions"]] == [
        hashlib.sha256(public_rows).hexdigest()
    ]
    assert api["distributions"][0]["checksum_algorithm"] == "sha256"
    # withdrawn: the page says so with the reason; the restricted part stays hidden
    r = member.submit(
        f"/dataset/{name}/status", {"to": "withdrawn", "note": ""}, form_page=f"/dataset/{name}"
    )
    assert "请填写撤回数据集的理由。" in r.text
    member.submit(
        f"/dataset/{name}/status",
        {"to": "withdrawn", "note": "样本有误，正在重新标注"},
        form_page=f"/dataset/{name}",
    )
    page = requests.get(f"{url}/dataset/{name}", timeout=10).text
    assert "该数据集已撤回" in page
    assert "样本有误，正在重新标注" in page
    assert links[1] not in page and "full.csv" not in page
    assert requests.get(links[1], timeout=10).status_code == 404


def test_dataset_page_says_how_to_get_conditional_data(site) -> None:
    url, _cat, _inbox, _info = site
    page = requests.get(f"{url}/dataset/lung-ct", timeout=10).text
    assert 'id="how-to-access"' in page and SECRET_URL not in page
    assert 'class="record-actions"' not in page  # a visitor gets no edit or review buttons


def test_a_request_body_over_the_limit_gets_a_page_not_a_crash(site) -> None:
    url, _cat, _inbox, info = site
    member = signed_in(url, "member")
    huge = b"x" * (LIMIT * 8 + 4 * 1024 * 1024 + 1)
    r = member.submit(
        "/my/datasets/new",
        form("巨大文件", info["org_a"]),
        files={"dist-0-file": ("huge.csv", huge, "text/csv")},
    )
    assert r.status_code == 413 and "上传内容过大：每个文件不能超过 4.0 KB。" in r.text


def test_curators_edit_the_synonym_list_try_it_and_it_is_in_use_at_once(site) -> None:
    url, cat, _inbox, _info = site
    title = requests.get(f"{url}/api/v1/datasets?page_size=1", timeout=20).json()["results"][0][
        "title"
    ]
    word = "qzsynonymx"
    assert (
        requests.get(f"{url}/api/v1/datasets", params={"q": word}, timeout=20).json()["total"] == 0
    )
    curator = signed_in(url, "curator")
    page = curator.get_page("/curation/synonyms")
    assert page.status_code == 200 and "人工智能" in page.text  # the packaged list to start
    draft = page.text.split('name="synonyms"', 1)[1].split(">", 1)[1].split("</textarea>")[0]
    draft = html.unescape(draft) + f"\n{word}, {title}\n"
    # a line that is not a group is refused with its line number, nothing is saved
    bad = curator.submit(
        "/curation/synonyms", {"synonyms": "a, b\njust-one-word\n", "action": "save"}
    )
    assert bad.status_code == 422 and "line 2" in bad.text
    assert "just-one-word" not in curator.get_page("/curation/synonyms").text
    # trying the draft shows what changes, and changes nothing yet
    tried = curator.submit(
        "/curation/synonyms", {"synonyms": draft, "query": word, "action": "preview"}
    )
    counts = re.search(r'id="preview-counts">([^<]+)<', tried.text).group(1)
    assert re.search(r"0\D+[1-9]", counts), counts
    assert (
        requests.get(f"{url}/api/v1/datasets", params={"q": word}, timeout=20).json()["total"] == 0
    )
    saved = curator.submit("/curation/synonyms", {"synonyms": draft, "action": "save"})
    assert saved.status_code == 200 and "/curation/synonyms" in saved.url
    found = requests.get(f"{url}/api/v1/datasets", params={"q": word}, timeout=20).json()
    assert title in [r["title"] for r in found["results"]]
    # audited, with the previous list kept
    with cat.session() as s:
        event = s.execute(
            select(AuditEvent).where(AuditEvent.action == "search.synonyms_updated")
        ).scalar_one()
        assert "人工智能" in event.data["previous"]
    # partners and anonymous visitors may not
    assert signed_in(url, "admin").get_page("/curation/synonyms").status_code in (302, 403)
    member = signed_in(url, "member")
    r = member.post(f"{url}/curation/synonyms", data={"synonyms": "x, y", "action": "save"})
    assert r.status_code in (302, 400, 403)
