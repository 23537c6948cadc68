"""Previews on the dataset page (issue 18, item 1): a public file's preview for everyone, a
restricted file's only for those the visibility rules let see it (its editors, holders of
a live grant), over a real socket. The files are real CSV and XLSX uploads."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import Workbook

from catalog.services import access, datasets, organizations, uploads, users
from catalog.services.authz import SYSTEM, Actor
from tests.livesite import serve
from tests.portal import credit_code
from tests.webclient import WebClient

PASSWORD = "catalog-test-pass-1"
PUBLIC_CSV = "区县,人口\n竞秀区,51万\n莲池区,60万\n".encode("gb18030")
SECRET_MARK = "隐私字段QX7"


def _xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["编号", SECRET_MARK])
    for i in range(3):
        ws.append([i, f"值{i}"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _load(cat) -> None:
    organizations.create_organization(
        cat, SYSTEM, {"name": "org-a", "title": "保定智数科技", "org_type": "enterprise"}
    )
    for who in ("granted", "other", "editor"):
        users.create_user(cat, SYSTEM, f"{who}@firm.example", who, PASSWORD)
    editor = users.get_user(cat, next(u.id for u in _users(cat) if u.name == "editor"))
    users.add_member(cat, SYSTEM, "org-a", editor.id)
    public = uploads.store(cat, SYSTEM, io.BytesIO(PUBLIC_CSV), "人口.csv")
    secret = uploads.store(cat, SYSTEM, io.BytesIO(_xlsx()), "明细.xlsx")
    datasets.create_dataset(
        cat,
        SYSTEM,
        {
            "name": "people",
            "title": "人口统计",
            "organization": "org-a",
            "kind": "open_data",
            "access_rights": "conditional",
            "access_conditions": "科研用途",
            "distributions": [
                {"title": "汇总", "download_url": "https://catalog.example/a"},
                {"title": "明细", "download_url": "https://catalog.example/b", "restricted": True},
            ],
        },
        status="published",
        files={0: public.key, 1: secret.key},
    )
    granted = next(u for u in _users(cat) if u.name == "granted")
    form = {
        "applicant_org": "保定智算科技有限公司",
        "applicant_credit_code": credit_code(11),
        "purpose": "人口研究",
        "scenario": "研究",
        "security_measures": "内网隔离",
        "period_end": (date.today() + timedelta(days=60)).isoformat(),
        "accepted_conditions": "on",
        "security_commitment": "on",
    }
    req = access.submit_request(cat, Actor(id=granted.id, role="user"), "people", form)
    access.change_state(cat, SYSTEM, req.id, "approved", end=date.today() + timedelta(days=30))


def _users(cat):
    from sqlalchemy import select

    from catalog.models import User

    with cat.session() as s:
        return list(s.execute(select(User)).scalars())


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("previews"), _load) as (url, _cat):
        yield url


@pytest.mark.parametrize(
    ("who", "sees_secret"),
    [("anonymous", False), ("other", False), ("granted", True), ("editor", True)],
)
def test_restricted_previews_follow_visibility(site, who, sees_secret) -> None:
    web = WebClient(site)
    if who != "anonymous":
        web.login(f"{who}@firm.example", PASSWORD)
    page = web.get_page("/dataset/people").text
    assert page.count('class="dist-preview"') == (2 if sees_secret else 1)
    assert "竞秀区" in page and "51万" in page  # the public CSV (GB18030) for everyone
    assert (SECRET_MARK in page) is sees_secret
    assert ("值2" in page) is sees_secret
