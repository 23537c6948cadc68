"""Issue 18 items 4, 5 and 6 through the pages and the machine surfaces over a real socket:
the registration form with CSRF and Chinese errors, the dataset page's records and their
states, the "已登记" filter on the search page and the JSON API, DCAT; a round's public page
and the XLSX export; the voucher statement and who may read it; the matchmaking table."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from catalog.services import access, datasets
from catalog.services.authz import SYSTEM
from tests.livesite import serve
from tests.portal import PASSWORD, actor, credit_code, load_portal
from tests.webclient import WebClient

info: dict = {}
CERT = b"%PDF-1.4 certificate of data property-rights registration"


def _load(cat) -> None:
    info.update(load_portal(cat))
    ds = datasets.create_dataset(
        cat, SYSTEM,
        {"name": "weld-defects", "title": "焊缝缺陷图像", "title_en": "Weld defect images",
         "organization": info["org_a"], "kind": "training", "sample_counts": {"train": 10}},
        status="published",
    )  # fmt: skip
    info["ds"] = ds.id


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("web-issue18"), _load) as (url, cat):
        yield url, cat


def signed_in(url: str, who: str) -> WebClient:
    web = WebClient(url)
    web.login(info["people"][who].email, PASSWORD)
    return web


FORM = {
    "number": "HB-DR-2026-000777",
    "reg_type": "initial",
    "registering_body": "河北省数据产权登记中心",
    "holder_name": "保定智数科技有限公司1",
    "registered_on": "2026-02-01",
    "valid_until": "2029-01-31",
}


def test_registration_from_form_to_filter_and_exports(site):
    url, cat = site
    member = signed_in(url, "member")
    page = member.get_page("/dataset/weld-defects").text
    assert 'id="add-registration"' in page and "数据产权登记" in page
    # no CSRF token: refused
    r = member.post(url + "/registrations/dataset/weld-defects/new", data=FORM, timeout=20)
    assert r.status_code == 400
    # bad credit code, no right, no file: named in Chinese, the typed text kept
    bad = [*FORM.items(), ("holder_credit_code", "91130600MA0000000X")]
    r = member.submit("/registrations/dataset/weld-defects/new", bad)
    assert r.status_code == 422
    assert "统一社会信用代码" in r.text and "请上传登记证书或其他证明材料。" in r.text
    assert 'value="HB-DR-2026-000777"' in r.text
    good = [*FORM.items(), ("holder_credit_code", credit_code(1)), ("rights", "resource_holding"),
            ("rights", "product_operation")]  # fmt: skip
    r = member.submit(
        "/registrations/dataset/weld-defects/new", good,
        files={"evidence": ("登记证书.pdf", io.BytesIO(CERT), "application/pdf")},
    )  # fmt: skip
    assert r.status_code == 200 and re.search(r"/registrations/\d+$", r.url), (r.status_code, r.url)
    rid = int(r.url.rsplit("/", 1)[1])
    assert "待核验" in r.text and "登记证书.pdf" in r.text
    # the public sees the record as unverified, without the file
    anon = WebClient(url)
    page = anon.get_page("/dataset/weld-defects").text
    assert "HB-DR-2026-000777" in page and "待核验" in page and "/evidence" not in page
    assert "/login" in anon.get_page(f"/registrations/{rid}/evidence").url
    rival = signed_in(url, "rival")
    assert rival.get_page(f"/registrations/{rid}/evidence").status_code == 403
    assert member.get_page(f"/registrations/{rid}/evidence").content == CERT
    # another partner cannot correct it: the form sends them back to the record
    assert rival.get_page(f"/registrations/{rid}/edit").url.endswith(f"/registrations/{rid}")
    r = rival.submit(f"/registrations/{rid}/edit", FORM, form_page=f"/registrations/{rid}")
    assert r.status_code == 200 and r.url.endswith(f"/registrations/{rid}")
    assert anon.get_page("/api/v1/datasets?registration=registered").json()["total"] == 0
    # the curator verifies; the dataset is "已登记" on every surface
    curator = signed_in(url, "curator")
    assert "HB-DR-2026-000777" in curator.get_page("/registrations/review").text
    assert (
        member.submit(
            f"/registrations/{rid}/verified", {}, form_page=f"/registrations/{rid}"
        ).status_code
        == 403
    )
    r = curator.submit(f"/registrations/{rid}/verified", {}, form_page=f"/registrations/{rid}")
    assert r.status_code == 200 and "已核验" in r.text and "核验通过" in r.text
    found = anon.get_page("/api/v1/datasets?registration=registered").json()
    assert [h["name"] for h in found["results"]] == ["weld-defects"]
    ckan = anon.get_page("/api/3/action/package_search?fq=registration:registered").json()
    assert [p["name"] for p in ckan["result"]["results"]] == ["weld-defects"]
    page = anon.get_page("/search?registration=registered").text
    assert "已登记" in page and "焊缝缺陷图像" in page
    shown = anon.get_page("/api/v1/datasets/weld-defects").json()
    assert shown["registered"] is True
    assert shown["registrations"][0]["number"] == "HB-DR-2026-000777"
    assert "evidence_file" not in shown["registrations"][0]
    ttl = anon.get_page("/dataset/weld-defects.ttl").text
    assert "HB-DR-2026-000777" in ttl and "Registration" in ttl
    assert "HB-DR-2026-000777" in anon.get_page("/catalog.ttl").text
    # English page
    en = WebClient(url)
    en.get_page("/lang/en")
    assert "Verified" in en.get_page("/dataset/weld-defects").text


def test_round_pages_and_xlsx(site):
    url, cat = site
    curator = signed_in(url, "curator")
    member = signed_in(url, "member")
    assert signed_in(url, "user").get_page("/nominations/new").status_code == 403
    deadline = (date.today() + timedelta(days=10)).isoformat()
    form = {"title": "2026 市级高质量数据集", "programme": "保定市高质量数据集", "level": "city",
            "field": "制造", "deadline": deadline, "criteria": "**工业**数据",
            "indicators": "完整性 = 0.6\n准确性 = 0.5"}  # fmt: skip
    r = curator.submit("/nominations/new", form)
    assert r.status_code == 422 and "各指标权重之和须为 1。" in r.text
    r = curator.submit("/nominations/new", {**form, "indicators": "完整性 = 0.5\n准确性 = 0.5"})
    assert r.status_code == 200 and re.search(r"/nominations/\d+$", r.url)
    rid = int(r.url.rsplit("/", 1)[1])
    assert "<strong>工业</strong>" in r.text
    r = member.submit(
        f"/nominations/{rid}/nominate",
        {"dataset": "weld-defects", "statement": "十类缺陷，双人复核"},
        files={"materials": ("申报书.pdf", io.BytesIO(b"%PDF m"), "application/pdf")},
    )  # fmt: skip
    assert r.status_code == 200 and r.url.endswith(f"/nominations/{rid}"), r.url
    nid = int(re.search(r'id="nomination-(\d+)"', r.text).group(1))
    page = curator.get_page(f"/nominations/nomination/{nid}").text
    assert 'name="score-完整性"' in page and "按目录测量结果预填" in page
    assert (
        curator.submit(
            f"/nominations/nomination/{nid}", {"score-完整性": "80", "score-准确性": "90"}
        ).status_code
        == 200
    )
    curator.submit(
        f"/nominations/nomination/{nid}/shortlist", {"on": "1"}, form_page=f"/nominations/{rid}"
    )
    assert WebClient(url).get_page(f"/nominations/{rid}").text.count('id="nomination-') == 0
    curator.submit(
        f"/nominations/nomination/{nid}/outcome", {"outcome": "city_selected"},
        form_page=f"/nominations/nomination/{nid}",
    )  # fmt: skip
    public = WebClient(url).get_page(f"/nominations/{rid}").text
    assert "市级入选" in public and "焊缝缺陷图像" in public and "85" not in public
    assert "市级入选" in WebClient(url).get_page("/dataset/weld-defects").text
    assert member.get_page(f"/nominations/{rid}/shortlist.xlsx").status_code == 403
    x = curator.get_page(f"/nominations/{rid}/shortlist.xlsx")
    assert x.status_code == 200 and x.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    rows = list(load_workbook(io.BytesIO(x.content)).active.iter_rows(values_only=True))
    assert rows[4][1] == "焊缝缺陷图像" and rows[4][5] == 85.0 and rows[4][-1] == "市级入选"


def test_voucher_statement_and_matchmaking_columns(site):
    url, cat = site
    org_a = info["org_a"]
    # the member of org A applies (as org A) for a conditional dataset of the small catalog
    ds = info["datasets"]["lung-ct"]
    req = access.submit_request(
        cat, actor(cat, info["people"]["member"]), ds.id,
        {"applicant_org": "保定智数科技有限公司1", "applicant_credit_code": credit_code(1),
         "purpose": "训练医学影像分割模型", "scenario": "医疗", "security_measures": "专网",
         "period_end": (date.today() + timedelta(days=30)).isoformat(),
         "accepted_conditions": True, "security_commitment": True},
    )  # fmt: skip
    access.change_state(cat, SYSTEM, req.id, "approved", end=date.today() + timedelta(days=30))
    member = signed_in(url, "member")
    page = member.get_page(f"/vouchers/{org_a}").text
    assert "数智券申领撮合活动证明" in page and "训练医学影像分割模型" in page
    assert credit_code(1) in page
    csv_text = member.get_page(f"/vouchers/{org_a}?format=csv").content.decode("utf-8-sig")
    assert csv_text.startswith("request,approved_on") and "训练医学影像分割模型" in csv_text
    assert 'id="voucher-evidence"' in member.get_page(f"/organization/{org_a}").text
    assert signed_in(url, "rival").get_page(f"/vouchers/{org_a}").status_code == 403
    bad = member.get_page(f"/vouchers/{org_a}?start=2026-05-01&end=2026-01-01")
    assert bad.status_code == 422 and "结束日期早于开始日期。" in bad.text
    assert WebClient(url).get_page(f"/vouchers/{org_a}").url.find("/login") > 0
    curator = signed_in(url, "curator")
    page = curator.get_page("/access/matchmaking").text
    assert 'id="matchmaking-records"' in page and "训练医学影像分割模型" in page
    assert f'href="/vouchers/{org_a}"' in page
