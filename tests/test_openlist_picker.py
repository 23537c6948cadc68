"""The open-list picker's search as you type (issue 12, item 8): what a curator's typing
offers, on SQLite and PostgreSQL with the real embedded search index. Titles in Chinese
and English, departments, codes and slugs; halfway through a word; datasets still in
review (not in the index); never anything that cannot be on the list; those already on the
list marked."""

from __future__ import annotations

import pytest

from catalog.errors import PermissionDenied
from catalog.services import datasets, openlist_fill, openlist_picker, organizations
from catalog.services.authz import SYSTEM
from catalog.services.harvest_store import REVIEW_KEY
from tests.portal import actor, make_user


@pytest.fixture
def curator(cat):
    return actor(cat, make_user(cat, "curator@bureau.example.cn", "curator"))


def _ds(cat, name: str, org: str, title: str, title_en: str | None = None, **extra):
    status = extra.pop("status", "published")
    return datasets.create_dataset(
        cat,
        SYSTEM,
        {
            "name": name,
            "title": title,
            "title_en": title_en,
            "organization": org,
            "resource_code": f"CODE-{name}",
            "themes": [extra.pop("theme", "transport")],
            "access_rights": extra.pop("openness", "unconditional"),
            "kind": extra.pop("kind", "open_data"),
            **extra,
        },
        status=status,
    )


@pytest.fixture
def city(cat):
    for name, title in (("jtj", "保定市交通运输局"), ("wjw", "保定市卫生健康委员会")):
        organizations.create_organization(
            cat, SYSTEM, {"name": name, "title": title, "org_type": "government"}
        )
    _ds(cat, "bus", "jtj", "公交线路", "Bus routes")
    _ds(cat, "stops", "jtj", "公交站点", "Bus stops", openness="conditional")
    _ds(cat, "clinics", "wjw", "医疗机构名录", "Clinics", theme="health")
    _ds(
        cat,
        "beds",
        "wjw",
        "床位统计",
        theme="health",
        openness="not_open",
        status="submitted",  # a sheet's row whose openness nobody decided: not in the index
        extras={REVIEW_KEY: "openness unknown: row 4, column 开放属性: empty"},
    )
    _ds(cat, "bus-ai", "jtj", "公交客流标注数据集", "Bus riders", kind="training")
    _ds(cat, "bus-draft", "jtj", "公交线路草稿", status="draft")
    return cat


def _names(rows: list[dict]) -> list[str]:
    return [r["name"] for r in rows]


def test_typing_offers_listable_datasets(city, curator) -> None:
    cat = city
    # halfway through a Chinese word: the title starts with it
    assert _names(openlist_picker.suggest(cat, curator, "公交线")) == ["bus"]
    got = openlist_picker.suggest(cat, curator, "公交")
    assert set(_names(got)) == {"bus", "stops"}  # never the training set nor the draft
    bus = next(r for r in got if r["name"] == "bus")
    assert bus["department"] == "保定市交通运输局" and bus["openness"] == "unconditional"
    assert (bus["on_list"], bus["under_review"]) == (False, False)
    # English: the English title (the search service and the store agree)
    assert _names(openlist_picker.suggest(cat, curator, "bus stops")) == ["stops"]
    assert set(_names(openlist_picker.suggest(cat, curator, "Bus"))) == {"bus", "stops"}
    # a department, a code, a slug
    assert set(_names(openlist_picker.suggest(cat, curator, "卫生健康"))) == {"clinics", "beds"}
    assert _names(openlist_picker.suggest(cat, curator, "code-cli")) == ["clinics"]
    # in review: only the store knows it, and it says its openness is not known yet
    [beds] = openlist_picker.suggest(cat, curator, "床位")
    assert (beds["name"], beds["under_review"], beds["status"]) == ("beds", True, "submitted")


def test_the_search_service_finds_what_no_title_says(city, curator) -> None:
    """A theme's name in either language is a searchable word of the index (not of the
    store): "health" and 医疗 find the published health dataset (not the one in review)."""
    cat = city
    assert _names(openlist_picker.suggest(cat, curator, "health")) == ["clinics"]
    assert _names(openlist_picker.suggest(cat, curator, "医疗")) == ["clinics"]


def test_datasets_on_the_list_are_marked(city, curator) -> None:
    cat = city
    openlist_fill.add_datasets(cat, curator, ["stops"])
    got = {r["name"]: r["on_list"] for r in openlist_picker.suggest(cat, curator, "公交")}
    assert got == {"bus": False, "stops": True}


def test_wildcards_limits_and_who_may_ask(city, curator) -> None:
    cat = city
    assert openlist_picker.suggest(cat, curator, "%") == []
    assert openlist_picker.suggest(cat, curator, "_") == []
    assert openlist_picker.suggest(cat, curator, "   ") == []
    assert len(openlist_picker.suggest(cat, curator, "公交", limit=1)) == 1
    assert openlist_picker.suggest(cat, curator, "公" * 500) == []  # cut, and nothing matches
    someone = actor(cat, make_user(cat, "someone@ai.example.com"))
    with pytest.raises(PermissionDenied):
        openlist_picker.suggest(cat, someone, "公交")
