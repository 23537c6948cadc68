"""A benchmark with a leaderboard entry and a contamination warning, in a real browser
(issue 18): a researcher submits a result, a curator verifies it, a visitor reads the
leaderboard and the contamination evidence on both pages in Chinese and English, and the
publisher describes the fields of the test file. Screenshots go to build/screenshots/."""

from __future__ import annotations

import pytest

from catalog.services import datasets, organizations, users
from catalog.services.authz import SYSTEM
from tests.e2e.test_partner_flow import sign_in
from tests.livesite import serve
from tests.portal import PASSWORD, make_user

pytestmark = pytest.mark.e2e

SHARED = "5d41402abc4b2a76b9719d911017c592aaaaaaaabbbbbbbbccccccccdddddddd"


def _load(cat) -> None:
    organizations.create_organization(
        cat,
        SYSTEM,
        {"name": "hotline-lab", "title": "保定政务语音实验室", "org_type": "enterprise"},
    )
    editor = make_user(cat, "editor@hotline.example.cn", name="实验室编辑")
    users.add_member(cat, SYSTEM, "hotline-lab", editor.id)
    make_user(cat, "curator@bureau.example.cn", "curator", "数据局审核员")
    make_user(cat, "researcher@uni.example.cn", name="河北大学研究员")
    datasets.create_dataset(
        cat,
        SYSTEM,
        {
            "name": "hotline-asr-bench",
            "title": "12345热线电话语音识别基准",
            "title_en": "12345 hotline speech recognition benchmark",
            "description": "脱敏的 8 kHz 热线通话录音，含普通话与方言口音，固定测试集。",
            "description_en": "De-identified 8 kHz hotline calls with accented Mandarin; fixed test split.",
            "organization": "hotline-lab",
            "kind": "benchmark",
            "version": "1.0",
            "metrics": ["CER"],
            "task_categories": ["speech_recognition"],
            "modalities": ["audio"],
            "distributions": [
                {
                    "title": "测试集音频与转写",
                    "title_en": "Test audio and transcripts",
                    "download_url": "https://hotline-lab.example/asr-test.tar",
                    "sha256": SHARED,
                    "byte_size": 2_400_000_000,
                    "split": "test",
                    "format": "TAR",
                }
            ],
        },
        status="published",
    )
    datasets.create_dataset(
        cat,
        SYSTEM,
        {
            "name": "call-center-speech",
            "title": "呼叫中心普通话语音训练集",
            "title_en": "Call-centre Mandarin speech training set",
            "description": "多个呼叫中心的通话录音与人工转写。",
            "organization": "hotline-lab",
            "kind": "training",
            "distributions": [
                {
                    "title": "热线录音（第三批）",
                    "title_en": "Hotline recordings (batch 3)",
                    "download_url": "https://mirror.example/batch3.tar",
                    "sha256": SHARED,
                }
            ],
        },
        status="published",
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("e2e-benchmark"), _load) as (url, cat):
        yield url, cat


def test_leaderboard_entry_and_contamination_warning(site, people, shots) -> None:
    url, _cat = site
    researcher, curator, visitor, editor = people(), people(), people(), people()

    # -- a researcher reports a result -----------------------------------------------------
    sign_in(researcher, url, "researcher@uni.example.cn", PASSWORD)
    researcher.goto(url + "/dataset/hotline-asr-bench")
    assert researcher.locator("#contamination-warning").is_visible()
    researcher.click("#submit-result")
    researcher.fill("#f-model", "Paraformer-large")
    researcher.fill("#f-organization", "河北大学")
    researcher.fill("#f-score", "不是数字")
    researcher.click("#send-result")
    assert "不是有效的数字" in researcher.locator(".field-errors").first.inner_text()
    researcher.fill("#f-score", "8.7")
    researcher.fill("#f-evaluated_on", "2025-06-01")
    researcher.fill("#f-link", "https://arxiv.org/abs/2506.00001")
    researcher.screenshot(path=str(shots / "benchmark-submit-result-zh.png"), full_page=True)
    researcher.click("#send-result")
    researcher.wait_for_url("**/dataset/hotline-asr-bench#leaderboard")
    row = researcher.locator("table.leaderboard-table tr.result").first
    assert "Paraformer-large" in row.inner_text() and "待核实" in row.inner_text()

    # -- the curator verifies it -------------------------------------------------------------
    sign_in(curator, url, "curator@bureau.example.cn", PASSWORD)
    curator.goto(url + "/dataset/hotline-asr-bench#leaderboard")
    curator.click("button.verify-result")
    curator.wait_for_url("**/dataset/hotline-asr-bench#leaderboard")
    assert "该结果已核实" in curator.locator(".flash").inner_text()
    row = curator.locator("table.leaderboard-table tr.result").first
    assert "已核实" in row.inner_text() and row.locator("td").first.inner_text() == "1"

    # -- a visitor reads the leaderboard and the evidence, in Chinese and English ------------
    visitor.goto(url + "/dataset/hotline-asr-bench")
    warning = visitor.locator("#contamination-warning").inner_text()
    assert "可能存在数据污染" in warning
    evidence = visitor.locator("#contamination li").first.inner_text()
    assert "呼叫中心普通话语音训练集" in evidence and SHARED in evidence
    assert "热线录音（第三批）" in evidence and "测试集" in evidence
    assert "（越低越好）" in visitor.locator("#leaderboard h3").first.inner_text()  # CER
    assert visitor.locator("#benchmark-version code.sha256").first.inner_text() == SHARED
    visitor.screenshot(path=str(shots / "benchmark-page-zh.png"), full_page=True)
    visitor.goto(url + "/dataset/hotline-asr-bench?lang=en")
    assert "Possible contamination" in visitor.locator("#contamination-warning").inner_text()
    assert "Verified" in visitor.locator("table.leaderboard-table").inner_text()
    visitor.screenshot(path=str(shots / "benchmark-page-en.png"), full_page=True)
    visitor.goto(url + "/dataset/call-center-speech?lang=zh")
    assert "本训练集与某基准测试集" in visitor.locator("#contamination-warning").inner_text()
    assert "12345热线电话语音识别基准" in visitor.locator("#contamination").inner_text()
    visitor.screenshot(path=str(shots / "training-contamination-zh.png"), full_page=True)
    csv_text = visitor.request.get(url + "/dataset/hotline-asr-bench/leaderboard.csv").text()
    assert "Paraformer-large" in csv_text and "true" in csv_text

    # -- the publisher describes the test file's fields --------------------------------------
    sign_in(editor, url, "editor@hotline.example.cn", PASSWORD)
    editor.goto(url + "/dataset/hotline-asr-bench")
    editor.click("#edit-ai-metadata")
    editor.fill("input[name=f-0-record_set]", "utterances")
    editor.select_option("select[name=f-0-file]", "https://hotline-lab.example/asr-test.tar")
    editor.fill("input[name=f-0-name]", "audio")
    editor.select_option("select[name=f-0-data_type]", "audio")
    editor.fill("input[name=f-0-description]", "8 kHz 录音")
    editor.fill("input[name=f-1-record_set]", "utterances")
    editor.fill("input[name=f-1-name]", "transcript")
    editor.fill(
        "#f-rai-personalSensitiveInformation", "姓名、电话号码与地址已在转写中替换为占位符。"
    )
    editor.screenshot(path=str(shots / "benchmark-ai-metadata-zh.png"), full_page=True)
    editor.click("#save-ai-metadata")
    editor.wait_for_url("**/dataset/hotline-asr-bench#ai-metadata")
    # the benchmark is published: a partner's change waits for the bureau (issue 13)
    assert "您的修改正在等待审核。" in editor.locator(".flash").inner_text()
    assert editor.locator("#ai-metadata table.fields").count() == 0
    curator.goto(url + "/curation")
    curator.locator("#revision-queue tr[data-name=hotline-asr-bench] a.button").click()
    curator.wait_for_url("**/curation/revision/*")
    curator.click("#approve-revision")
    curator.wait_for_url("**/curation")
    editor.goto(url + "/dataset/hotline-asr-bench")
    fields = editor.locator("#ai-metadata table.fields").inner_text()
    assert "audio" in fields and "音频" in fields and "transcript" in fields
    doc = editor.request.get(url + "/dataset/hotline-asr-bench/croissant.jsonld").json()
    assert [f["name"] for f in doc["recordSet"][0]["field"]] == ["audio", "transcript"]
    assert doc["rai:personalSensitiveInformation"].startswith("姓名")
