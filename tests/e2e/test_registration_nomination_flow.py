"""Issue 18 in a real browser: a property-rights registration record from the holder's entry
(with a wrong credit code first) to the curator's verification and the "已登记" search
filter; a nomination round from opening to the XLSX shortlist (the download parsed with
openpyxl), with the badge on the dataset page; a firm's voucher statement. Screenshots go
to build/screenshots/."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from catalog.services import access, datasets
from catalog.services.authz import SYSTEM
from tests.e2e.test_partner_flow import sign_in
from tests.livesite import serve
from tests.portal import PASSWORD, actor, bad_check_char, credit_code, load_portal

pytestmark = pytest.mark.e2e
info: dict = {}


def _load(cat) -> None:
    info.update(load_portal(cat))
    datasets.create_dataset(
        cat, SYSTEM,
        {"name": "weld-defects", "title": "焊缝缺陷图像", "title_en": "Weld defect images",
         "description": "十类焊缝缺陷的工业 X 光图像，带边界框标注。",
         "organization": info["org_a"], "kind": "training", "annotation_accuracy": 0.97,
         "sample_counts": {"train": 9000, "test": 1000},
         "distributions": [{"title": "train.zip", "format": "ZIP", "sha256": "b" * 64,
                            "download_url": "https://data.example/weld/train.zip"}]},
        status="published",
    )  # fmt: skip
    req = access.submit_request(
        cat, actor(cat, info["people"]["member"]), "lung-ct",
        {"applicant_org": "保定智数科技有限公司1", "applicant_credit_code": credit_code(1),
         "purpose": "训练肺结节检测模型", "scenario": "医疗", "security_measures": "专网隔离",
         "period_end": (date.today() + timedelta(days=60)).isoformat(),
         "accepted_conditions": True, "security_commitment": True},
    )  # fmt: skip
    access.change_state(cat, SYSTEM, req.id, "approved", end=date.today() + timedelta(days=60))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("e2e-issue18"), _load) as (url, cat):
        yield url, cat


def _person(people, url: str, who: str):
    page = people()
    sign_in(page, url, info["people"][who].email, PASSWORD)
    return page


def test_registration_from_entry_to_verification(site, people, shots, tmp_path) -> None:
    url, _cat = site
    holder = _person(people, url, "member")
    holder.goto(url + "/dataset/weld-defects")
    holder.click("#add-registration")
    holder.fill("#f-number", "HB-DR-2026-000888")
    holder.select_option("#f-reg_type", "initial")
    holder.fill("#f-registering_body", "河北省数据产权登记中心")
    holder.check("input[name=rights][value=resource_holding]")
    holder.check("input[name=rights][value=processing_use]")
    holder.fill("#f-holder_name", "保定智数科技有限公司1")
    holder.fill("#f-holder_credit_code", bad_check_char(credit_code(1)))
    holder.fill("#f-registered_on", "2026-03-01")
    holder.fill("#f-valid_until", "2029-02-28")
    cert = tmp_path / "登记证书.pdf"
    cert.write_bytes(b"%PDF-1.4 registration certificate HB-DR-2026-000888")
    holder.set_input_files("#f-evidence", str(cert))
    holder.click("#save-registration")
    assert "统一社会信用代码校验位不正确。" in holder.inner_text("#err-holder_credit_code")
    # the upload is kept while the holder corrects the code
    assert "登记证书.pdf" in holder.inner_text("#registration-form")
    holder.screenshot(path=str(shots / "registration-form-errors-zh.png"), full_page=True)
    holder.fill("#f-holder_credit_code", credit_code(1))
    holder.click("#save-registration")
    holder.wait_for_url("**/registrations/*")
    assert "待核验" in holder.inner_text("#registration-state")
    rid = holder.url.rsplit("/", 1)[1]

    curator = _person(people, url, "curator")
    curator.goto(url + "/registrations/review")
    curator.click("#registration-queue a")
    curator.fill("#return-note", "登记编号与平台查询结果不一致")
    curator.click("#return-registration")
    assert "已退回" in curator.inner_text("#registration-state")

    holder.goto(url + f"/registrations/{rid}")
    assert "登记编号与平台查询结果不一致" in holder.inner_text("#registration-note")
    holder.click("#edit-registration")
    holder.fill("#f-number", "HB-DR-2026-000889")
    holder.click("#save-registration")
    assert "待核验" in holder.inner_text("#registration-state")

    curator.goto(url + f"/registrations/{rid}")
    curator.click("#verify-registration")
    assert "已核验" in curator.inner_text("#registration-state")
    history = curator.inner_text("#registration-history")
    assert (
        history.count("提交产权登记") == 2 and "退回产权登记" in history and "核验通过" in history
    )

    visitor = people()
    visitor.goto(url + "/search")
    visitor.click("section[data-facet=registration] a")
    assert "registration=registered" in visitor.url
    assert (
        visitor.locator(".results a:has-text('焊缝缺陷图像'), a:has-text('焊缝缺陷图像')").count()
        >= 1
    )
    visitor.screenshot(path=str(shots / "search-registered-zh.png"), full_page=True)
    visitor.goto(url + "/dataset/weld-defects")
    section = visitor.inner_text("#registrations")
    assert "HB-DR-2026-000889" in section and "已核验" in section and "数据资源持有权" in section
    visitor.locator("#registrations").screenshot(path=str(shots / "dataset-registration-zh.png"))
    en = people(locale="en-US")
    en.goto(url + "/lang/en?next=/dataset/weld-defects")
    assert "Right to hold the data resource" in en.inner_text("#registrations")
    en.locator("#registrations").screenshot(path=str(shots / "dataset-registration-en.png"))


def test_nomination_round_from_opening_to_xlsx(site, people, shots) -> None:
    url, _cat = site
    curator = _person(people, url, "curator")
    curator.goto(url + "/nominations/")
    curator.click("#open-round")
    curator.fill("#f-title", "2026 年度保定市高质量数据集遴选")
    curator.fill("#f-programme", "保定市高质量数据集")
    curator.select_option("#f-level", "city")
    curator.fill("#f-field", "制造")
    curator.fill("#f-deadline", (date.today() + timedelta(days=14)).isoformat())
    curator.fill("#f-criteria", "面向人工智能训练的**工业**数据集，需提供申报书。")
    assert "完整性 = 0.25" in curator.input_value("#f-indicators")
    curator.click("#save-round")
    curator.wait_for_url("**/nominations/*")
    round_url = curator.url

    partner = _person(people, url, "member")
    partner.goto(round_url)
    partner.click("#nominate")
    partner.select_option("#f-dataset", "weld-defects")
    partner.fill("#f-statement", "覆盖十类焊缝缺陷，标注经双人复核。")
    partner.set_input_files(
        "#f-materials",
        files=[{"name": "申报书.pdf", "mimeType": "application/pdf", "buffer": b"%PDF m"}],
    )
    partner.click("#send-nomination")
    partner.wait_for_url(round_url)
    assert "焊缝缺陷图像" in partner.inner_text("#nominations")

    curator.goto(round_url)
    curator.click("#nominations a.review-link")
    # pre-filled from what the catalog measured: 1 of 1 files hashed, accuracy 97%
    assert curator.input_value("input[name='score-规范性']") == "100"
    assert curator.input_value("input[name='score-准确性']") == "97"
    completeness = float(curator.input_value("input[name='score-完整性']"))  # metadata quality
    curator.fill("input[name='score-多样性']", "80")
    curator.fill("input[name='score-时效性']", "90")
    curator.screenshot(path=str(shots / "nomination-review-zh.png"), full_page=True)
    curator.click("#save-scores")
    assert "当前得分" in curator.inner_text("#mean-score")
    curator.select_option("#f-outcome", "city_selected")
    curator.click("#save-outcome")
    curator.wait_for_url(round_url)
    assert "市级入选" in curator.inner_text("#nominations")
    assert "已列入推荐名单" in curator.inner_text("#nominations")
    curator.screenshot(path=str(shots / "nomination-round-curator-zh.png"), full_page=True)
    with curator.expect_download() as dl:
        curator.click("#shortlist-xlsx")
    book = load_workbook(io.BytesIO(dl.value.path().read_bytes()))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "2026 年度保定市高质量数据集遴选"
    assert rows[3][:2] == ("排名", "数据集")
    assert rows[4][0] == 1 and rows[4][1] == "焊缝缺陷图像" and rows[4][-1] == "市级入选"
    expected = 0.25 * completeness + 0.2 * 100 + 0.25 * 97 + 0.15 * 80 + 0.15 * 90
    assert rows[4][5] == pytest.approx(expected, abs=0.01)

    visitor = people()
    visitor.goto(round_url)
    assert "市级入选" in visitor.inner_text("#nominations") and "得分" not in visitor.inner_text(
        "#nominations"
    )
    visitor.screenshot(path=str(shots / "nomination-round-public-zh.png"), full_page=True)
    visitor.goto(url + "/dataset/weld-defects")
    assert "市级入选" in visitor.inner_text(".meta")
    en = people(locale="en-US")
    en.goto(url + "/lang/en?next=" + round_url.replace(url, ""))
    assert "Selected by the city" in en.inner_text("#nominations")
    en.screenshot(path=str(shots / "nomination-round-public-en.png"), full_page=True)


def test_voucher_statement_prints(site, people, shots) -> None:
    url, _cat = site
    member = _person(people, url, "member")
    member.goto(url + f"/organization/{info['org_a']}")
    member.click("#voucher-evidence")
    assert "训练肺结节检测模型" in member.inner_text("#statement")
    assert member.inner_text("#statement-count") == "1"
    member.screenshot(path=str(shots / "voucher-statement-zh.png"), full_page=True)
    member.goto(url + f"/lang/en?next=/vouchers/{info['org_a']}")
    assert "Matchmaking statement" in member.inner_text("h1")
    member.screenshot(path=str(shots / "voucher-statement-en.png"), full_page=True)
    member.goto(url + f"/lang/zh?next=/vouchers/{info['org_a']}")
    member.emulate_media(media="print")
    assert not member.is_visible("#statement-period-form")
    member.screenshot(path=str(shots / "voucher-statement-print-zh.png"), full_page=True)
