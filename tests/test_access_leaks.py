"""No surface shows a restricted distribution URL to anyone but the dataset's editors (issue 5).

Every page, API, export and search answer of ``tests/test_api_restricted.py`` plus the HTML
pages (home, search with snippets, dataset, organization, the access pages) is fetched as an
anonymous visitor, as another signed-in user, as a requester whose grant expired and as one
whose grant was revoked -- by API token and by a signed-in browser session. The secret URL
(and its host) appears in none of them. The approved requester sees the restricted resource
on the page as a signed link to ``/access/download/...`` (never the URL itself), which
redirects to the file while the grant lasts and fails once it has ended or was revoked.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import requests
from sqlalchemy import update

from catalog.models import AccessRequest
from catalog.services import access, tokens, users
from catalog.services.authz import SYSTEM, Actor
from tests.apisite import PUBLIC_URL, SECRET_URL, load_api_catalog
from tests.livesite import serve
from tests.portal import credit_code
from tests.test_api_restricted import CALLS
from tests.webclient import WebClient

PAGES = [
    "/",
    "/search",
    "/search?q=肺结节",
    "/search?q=lung",
    "/search?q=secret-lung-ct",
    "/search?q=restricted",
    "/dataset/lung-ct",
    "/dataset/lung-ct?lang=en",
    "/organization/medai",
    "/organizations",
    "/partners",
    "/openlist",
]
SIGNED_IN_PAGES = ["/access/requests", "/api/v1/access-requests"]
WHO = ["anonymous", "other", "expired", "revoked", "future"]
HOST = "restricted.example"


def _form() -> dict:
    return {
        "applicant_org": "保定智算科技有限公司",
        "applicant_credit_code": credit_code(11),
        "purpose": "训练肺结节检测模型",
        "scenario": "辅助诊断",
        "security_measures": "内网隔离",
        "period_end": (date.today() + timedelta(days=60)).isoformat(),
        "accepted_conditions": "on",
        "security_commitment": "on",
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    info: dict = {}

    def load(cat):
        info.update(load_api_catalog(cat))
        for who in ("granted", "expired", "revoked", "future"):
            user = users.create_user(cat, SYSTEM, f"{who}@firm.example", who, "catalog-test-pass-1")
            plain, _tok = tokens.create_token(cat, Actor(id=user.id, role="user"), "tests")
            info[who], info[f"{who}_id"] = plain, user.id
            form = _form()
            if who == "future":  # approved, but from tomorrow on
                form["period_start"] = (date.today() + timedelta(days=1)).isoformat()
            req = access.submit_request(cat, Actor(id=user.id, role="user"), "lung-ct", form)
            access.change_state(
                cat, SYSTEM, req.id, "approved", end=date.today() + timedelta(days=30)
            )
            info[f"{who}_request"] = req.id

    with serve(tmp_path_factory.mktemp("access-leaks"), load) as (url, cat):
        clients = {}
        for who in ("other", "granted", "expired", "revoked", "future"):
            c = WebClient(url)
            c.login(
                "someone@else.example" if who == "other" else f"{who}@firm.example",
                "catalog-test-pass-1",
            )
            clients[who] = c
        # the expired and revoked requesters saw a signed link while their grant lasted
        old_links = {
            w: _signed_links(clients[w].get_page("/dataset/lung-ct").text)
            for w in ("expired", "revoked")
        }
        assert all(old_links.values())
        with cat.session() as s:
            s.execute(
                update(AccessRequest)
                .where(AccessRequest.id == info["expired_request"])
                .values(period_end=date.today() - timedelta(days=1))
            )
        access.change_state(cat, SYSTEM, info["revoked_request"], "revoked", "违反使用条件")
        yield url, info, clients, old_links, cat


def _signed_links(html: str) -> list[str]:
    import re

    return re.findall(r'href="([^"]*/access/download/[^"]+)"', html)


def _clean(text: str) -> None:
    assert SECRET_URL not in text
    assert SECRET_URL.replace("/", "\\/") not in text
    assert HOST not in text


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(("method", "path", "params", "lists"), CALLS)
def test_machine_surfaces(site, who, method, path, params, lists):
    url, info, _clients, _old, _cat = site
    headers = {"Authorization": f"Bearer {info[who]}"} if who != "anonymous" else {}
    if method == "POST":
        r = requests.post(url + path, json=params or {}, headers=headers, timeout=30)
    else:
        r = requests.get(url + path, params=params, headers=headers, timeout=30)
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    _clean(r.text)
    assert "/access/download/" not in r.text
    if lists:
        assert PUBLIC_URL in r.text


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("path", PAGES + SIGNED_IN_PAGES)
def test_html_pages(site, who, path):
    url, info, clients, _old, _cat = site
    if who == "anonymous":
        if path in SIGNED_IN_PAGES:
            return
        r = requests.get(url + path, timeout=30)
    else:
        headers = {"Authorization": f"Bearer {info[who]}"} if path.startswith("/api/") else {}
        r = clients[who].get_page(path, headers=headers)
    assert r.status_code == 200, (path, r.status_code)
    _clean(r.text)
    assert not _signed_links(r.text)


@pytest.mark.parametrize("who", ["expired", "revoked"])
def test_ended_grants_stop_at_once(site, who):
    url, info, clients, old_links, _cat = site
    for link in old_links[who]:
        r = clients[who].get(link, allow_redirects=False, timeout=30)
        assert r.status_code == 403
        _clean(r.text)
    r = clients[who].get_page(f"/access/request/{info[f'{who}_request']}")
    assert r.status_code == 200
    _clean(r.text)
    # the page says so: an end date in the past counts before ``catalog access expire`` runs
    assert ('id="grant-ended"' if who == "expired" else "state-revoked") in r.text


def test_a_grant_starting_tomorrow_gives_403_today(site):
    url, info, clients, _old, cat = site
    dist_id = next(
        d.id for d in access_dataset(cat).distributions if d.restricted
    )  # a link made for the holder anyway (the page offers none, see test_html_pages)
    token = access.sign_download(cat, Actor(id=info["future_id"], role="user"), dist_id)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    r = clients["future"].get(f"{url}/access/download/{token}", allow_redirects=False, timeout=30)
    assert r.status_code == 403 and tomorrow in r.text
    _clean(r.text)
    headers = {"Authorization": f"Bearer {info['future']}"}
    r = requests.get(
        f"{url}/access/download/{token}", headers=headers, allow_redirects=False, timeout=30
    )
    assert r.status_code == 403
    _clean(r.text)


def access_dataset(cat):
    from catalog.services import datasets

    return datasets.get_dataset(cat, SYSTEM, "lung-ct")


def test_approved_requester_sees_the_signed_link_only(site):
    url, info, clients, _old, _cat = site
    page = clients["granted"].get_page("/dataset/lung-ct").text
    _clean(page)
    links = _signed_links(page)
    assert len(links) == 1
    # others cannot use the link; the requester is redirected to the file
    r = clients["other"].get(links[0].replace("&amp;", "&"), allow_redirects=False, timeout=30)
    assert r.status_code == 403
    r = requests.get(links[0], allow_redirects=False, timeout=30)
    assert r.status_code == 401
    r = clients["granted"].get(links[0], allow_redirects=False, timeout=30)
    assert r.status_code == 302 and r.headers["Location"] == SECRET_URL
    # the API gives the grant holder a signed link in place of the URL, which works by token
    headers = {"Authorization": f"Bearer {info['granted']}"}
    api = requests.get(url + "/api/v1/datasets/lung-ct", headers=headers, timeout=30)
    _clean(api.text)
    signed = [
        d["download_url"]
        for d in api.json()["distributions"]
        if "/access/download/" in (d["download_url"] or "")
    ]
    assert len(signed) == 1
    r = requests.get(signed[0], headers=headers, allow_redirects=False, timeout=30)
    assert r.status_code == 302 and r.headers["Location"] == SECRET_URL
    ckan = requests.get(
        url + "/api/3/action/package_show", params={"id": "lung-ct"}, headers=headers, timeout=30
    )
    _clean(ckan.text)
    assert "/access/download/" in ckan.text


def test_forms_need_csrf_and_curators_see_log_and_matchmaking(site):
    url, info, clients, _old, _cat = site
    c = clients["granted"]
    r = c.post(f"{url}/access/request/{info['granted_request']}/withdrawn", timeout=30)
    assert r.status_code == 400
    r = c.get_page("/access/audit/lung-ct")
    assert r.status_code == 403
    cur = WebClient(url)
    cur.login("curator@bureau.example", "catalog-test-pass-1")
    page = cur.get_page("/dashboard").text
    assert 'id="dashboard-matchmaking"' in page and "保定医影智能科技有限公司" in page
    csv_text = cur.get_page("/access/audit/lung-ct?format=csv").text
    assert "access.download_refused" in csv_text and "access.revoked" in csv_text
    _clean(cur.get_page("/access/review").text)
