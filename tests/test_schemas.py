"""Validation of metadata: per-field errors in English and Chinese, codes, vocabularies."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from marshmallow import ValidationError

from catalog.errors import ValidationFailed
from schemas import vocab
from schemas.dataset import DatasetPatchSchema, DatasetSchema
from schemas.distribution import DistributionSchema
from schemas.messages import localize_errors
from schemas.organization import OrganizationSchema
from schemas.validators import credit_code_check_char, credit_code_ok, validate_credit_code

CJK = re.compile(r"[\u4e00-\u9fff]")
VALID = {
    "title": "保定市公交线路",
    "themes": ["transport"],
    "spatial": ["130600"],
    "contact_email": "open@baoding.example.cn",
    "distributions": [{"title": "CSV", "download_url": "https://example.cn/bus.csv"}],
}


def errors_of(data: dict, schema=None) -> dict:
    with pytest.raises(ValidationError) as err:
        (schema or DatasetSchema()).load(data)
    return err.value.messages


def messages(errors: object) -> list[str]:
    """All message strings in a (nested) marshmallow error structure."""
    if isinstance(errors, dict):
        return [m for v in errors.values() for m in messages(v)]
    if isinstance(errors, list):
        return [m for v in errors for m in messages(v)]
    return [errors] if isinstance(errors, str) else []


@pytest.fixture
def restore_regions():
    yield
    vocab.load_regions(None)


def test_valid_metadata_loads() -> None:
    data = DatasetSchema().load(VALID)
    assert data["title"] == "保定市公交线路"
    assert data["kind"] == "open_data"
    assert data["access_rights"] == "unconditional"
    assert data["distributions"][0]["restricted"] is False


# (input change, field that must carry the error, English message, Chinese message)
CASES = [
    ({"title": None}, "title", "Field may not be null.", "此项不能为空。"),
    (
        {"themes": ["space_travel"]},
        "themes",
        "Unknown code 'space_travel' in themes.",
        "“space_travel”不是主题的有效代码。",
    ),
    (
        {"spatial": ["110101"]},
        "spatial",
        "Unknown code '110101' in regions.",
        "“110101”不是行政区划的有效代码。",
    ),
    (
        {"contact_email": "not-an-email@"},
        "contact_email",
        "Not a valid email address.",
        "不是有效的电子邮件地址。",
    ),
    (
        {"distributions": [{"title": "无链接"}]},
        "distributions",
        "A distribution needs an access URL or a download URL.",
        "资源须提供访问地址或下载地址。",
    ),
    (
        {"annotation_accuracy": 2},
        "annotation_accuracy",
        "Must be between 0 and 1.",
        "须介于 0 与 1 之间。",
    ),
    ({"unknown_field": "x"}, "unknown_field", "Unknown field.", "无法识别的字段。"),
    (
        {"issued": "2024-13-45"},
        "issued",
        "Not a valid date.",
        "不是有效的日期（格式 YYYY-MM-DD）。",
    ),
    ({"landing_page": "not a url"}, "landing_page", "Not a valid URL.", "不是有效的网址。"),
    (
        {"name": "Has Spaces"},
        "name",
        "Name may contain only lowercase letters, digits, '-' and '_'.",
        "标识名只能包含小写字母、数字、“-”和“_”。",
    ),
    (
        {"sample_counts": {"train": -5}},
        "sample_counts",
        "Sample counts must be whole numbers of 0 or more.",
        "样本数须为不小于 0 的整数。",
    ),
    (
        {"access_rights": "open"},
        "access_rights",
        "Must be one of: unconditional, conditional, not_open.",
        "须为以下之一：unconditional, conditional, not_open。",
    ),
    ({"keywords": "交通"}, "keywords", "Not a valid list.", "应为列表。"),
]


@pytest.mark.parametrize(("change", "field", "en", "zh"), CASES, ids=[c[1] for c in CASES])
def test_invalid_field_gets_its_own_error_in_both_languages(change, field, en, zh) -> None:
    errs = errors_of({**VALID, **change})
    assert list(errs) == [field], errs  # only the bad field is reported
    assert en in messages(errs[field])
    zh_errs = localize_errors(errs, "zh")
    assert zh in messages(zh_errs[field])
    assert localize_errors(errs, "en") == errs


def test_missing_title() -> None:
    data = dict(VALID)
    del data["title"]
    errs = errors_of(data)
    assert errs == {"title": ["Missing data for required field."]}
    assert localize_errors(errs, "zh") == {"title": ["此项为必填项。"]}


def test_end_date_before_start_date() -> None:
    errs = errors_of({**VALID, "temporal_start": "2024-06-01", "temporal_end": "2024-01-01"})
    assert errs == {"temporal_end": ["End date is before start date."]}
    assert localize_errors(errs, "zh") == {"temporal_end": ["结束日期早于开始日期。"]}
    # the same day is a valid one-day period
    DatasetSchema().load({**VALID, "temporal_start": "2024-06-01", "temporal_end": "2024-06-01"})


def test_errors_point_at_the_list_item_and_nested_field() -> None:
    errs = errors_of(
        {
            **VALID,
            "themes": ["transport", "bogus"],
            "distributions": [
                {"title": "ok", "access_url": "https://example.cn/a"},
                {"title": "bad", "download_url": "ftp//nope"},
            ],
        }
    )
    assert errs["themes"] == {1: ["Unknown code 'bogus' in themes."]}
    assert errs["distributions"] == {1: {"download_url": ["Not a valid URL."]}}


def test_many_errors_at_once_are_all_reported_and_all_translated() -> None:
    errs = errors_of(
        {
            "themes": ["x"],
            "spatial": ["1"],
            "contact_email": "@",
            "distributions": [{"title": "t"}],
            "annotation_accuracy": 2,
            "frequency": "HOURLY",
            "extra": 1,
            "keywords": [""],
            "modalities": ["smell"],
            "task_categories": ["mind_reading"],
            "languages": ["xx"],
            "byte": 1,
        }
    )
    assert {
        "title",
        "themes",
        "spatial",
        "contact_email",
        "distributions",
        "annotation_accuracy",
        "frequency",
        "extra",
        "keywords",
        "modalities",
        "task_categories",
        "languages",
        "byte",
    } == set(errs)
    for msg in messages(localize_errors(errs, "zh")):
        assert CJK.search(msg), f"untranslated message: {msg!r}"


@pytest.mark.parametrize(
    "bad",
    [
        {"title": "x" * 501},
        {"annotation_accuracy": "high"},
        {"featured": "maybe"},
        {"modified": "yesterday"},
        {"extras": "nope"},
        {"title": 42},
        {"name": "a"},
        {"distributions": [{"title": "t", "access_url": "https://e.cn", "byte_size": -1}]},
        {"distributions": [{"title": "t", "access_url": "https://e.cn", "byte_size": "big"}]},
        {
            "distributions": [
                {"title": "t", "access_url": "https://e.cn", "checksum_algorithm": "crc"}
            ]
        },
        {"keywords": ["k" * 101]},
        {"annotation_accuracy": float("nan")},
    ],
)
def test_every_message_a_user_can_trigger_has_a_chinese_translation(bad: dict) -> None:
    errs = errors_of({**VALID, **bad})
    for msg in messages(localize_errors(errs, "zh")):
        assert CJK.search(msg), f"untranslated message: {msg!r}"


def test_validation_failed_localizes() -> None:
    exc = ValidationFailed({"title": ["Missing data for required field."]})
    assert exc.localized("zh") == {"title": ["此项为必填项。"]}
    assert exc.localized("en") == {"title": ["Missing data for required field."]}
    assert exc.status == 422


def test_patch_schema_requires_nothing_and_fills_no_defaults() -> None:
    assert DatasetPatchSchema().load({"title_en": "Bus"}) == {"title_en": "Bus"}
    errs = errors_of({"themes": ["nope"]}, DatasetPatchSchema())
    assert list(errs) == ["themes"]


def test_distribution_schema() -> None:
    ok = DistributionSchema().load({"title": "API", "access_url": "https://api.example.cn/v1"})
    assert ok["restricted"] is False
    with pytest.raises(ValidationError) as err:
        DistributionSchema().load({"title": "none"})
    assert err.value.messages == {
        "access_url": ["A distribution needs an access URL or a download URL."]
    }


# -- unified social credit code (GB 32100-2015) -------------------------------------------
def _make_code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y43",  # the standard's well-known example
        _make_code("91130600MA0A1B2C3"),
        _make_code("12130600000000000"),
        _make_code("91130602MA0DXY8Q2"),
    ],
)
def test_valid_credit_codes_pass(code: str) -> None:
    assert len(code) == 18
    assert credit_code_ok(code)
    validate_credit_code(code)
    OrganizationSchema().load({"title": "某科技有限公司", "credit_code": code})


def test_wrong_check_character_is_rejected() -> None:
    good = "91350100M000100Y43"
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for other in alphabet.replace(good[-1], ""):
        assert not credit_code_ok(good[:-1] + other)
    with pytest.raises(ValidationError) as err:
        validate_credit_code(good[:-1] + "4")
    assert err.value.messages == [
        "Invalid unified social credit code: check character does not match."
    ]
    assert localize_errors(err.value.messages, "zh") == ["统一社会信用代码校验位不正确。"]


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y4",  # 17 characters
        "91350100M000100Y433",  # 19
        "91350100m000100Y43",  # lowercase
        "91350100I000100Y43",  # I is not used
        "91350100O000100Y43",  # nor O
        "91350100S000100Y43",  # nor S
        "9135010-M000100Y43",  # punctuation
        "９1350100M000100Y43",  # full-width digit
        "",
    ],
)
def test_malformed_credit_codes_are_rejected(code: str) -> None:
    assert not credit_code_ok(code)
    with pytest.raises(ValidationError) as err:
        validate_credit_code(code)
    assert "18 characters" in err.value.messages[0]
    zh = localize_errors(err.value.messages, "zh")[0]
    assert "18 位" in zh


def test_organization_schema_reports_bad_credit_code_per_field() -> None:
    errs = errors_of(
        {"title": "某公司", "credit_code": "91350100M000100Y44", "contact_email": "x"},
        OrganizationSchema(),
    )
    assert set(errs) == {"credit_code", "contact_email"}


# -- vocabularies --------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(vocab.VOCABS))
def test_every_code_has_chinese_and_english_labels(name: str) -> None:
    table = vocab.VOCABS[name]
    assert table
    for code, labels in table.items():
        zh, en = labels
        assert zh and CJK.search(zh), (code, zh)
        assert en and en.isascii() and not CJK.search(en), (code, en)
        assert vocab.label(name, code, "zh") == zh
        assert vocab.label(name, code, "en") == en


def test_regions_have_both_labels_and_baoding_is_default() -> None:
    regions = vocab.regions()
    assert regions["130600"] == ("保定市", "Baoding")
    for code, (zh, en) in regions.items():
        assert re.fullmatch(r"\d{6}", code)
        assert CJK.search(zh) and en.isascii()
    assert vocab.label("region", "130602", "en") == "Jingxiu District"


def test_eu_mappings_cover_every_code() -> None:
    assert set(vocab.THEME_EU) == set(vocab.THEMES)
    assert set(vocab.OPENNESS_EU) == set(vocab.OPENNESS)
    assert set(vocab.OPENNESS_ALIASES.values()) <= set(vocab.OPENNESS)
    assert set(vocab.FREQUENCY_ALIASES.values()) <= set(vocab.FREQUENCIES)


def test_unknown_code_label_is_shown_as_is() -> None:
    assert vocab.label("theme", "nope") == "nope"
    assert vocab.label("theme", None) == ""


def test_regions_are_configurable(tmp_path: Path, restore_regions) -> None:
    path = tmp_path / "shijiazhuang.json"
    path.write_text(
        json.dumps(
            {"130100": ["石家庄市", "Shijiazhuang"], "130102": ["长安区", "Chang'an District"]},
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    loaded = vocab.load_regions(str(path))
    assert set(loaded) == {"130100", "130102"}
    assert vocab.label("region", "130100", "zh") == "石家庄市"
    DatasetSchema().load({**VALID, "spatial": ["130100", "130102"]})
    errs = errors_of({**VALID, "spatial": ["130600"]})  # Baoding is not this city's region
    assert errs == {"spatial": {0: ["Unknown code '130600' in regions."]}}
    OrganizationSchema().load({"title": "石家庄市数据局", "region": "130100"})

    vocab.load_regions(None)
    assert "130600" in vocab.regions() and "130100" not in vocab.regions()
    DatasetSchema().load(VALID)
