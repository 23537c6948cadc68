"""Property-rights registration records (数据产权登记, issue 18 item 5), services: who enters,
corrects and verifies a record, the credit-code and date checks in both languages, the
evidence file and its hash, the audit trail, what "registered" means (the latest verified
record is not a cancellation) and the DCAT export. SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import io

import pytest
from rdflib import Literal, Namespace, URIRef
from rdflib import namespace as rdfns
from sqlalchemy import select

from catalog.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from catalog.models import AuditEvent, Dataset
from catalog.services import datasets, organizations, published, registrations, uploads, users
from catalog.services.authz import ANONYMOUS, SYSTEM
from schemas.formats import SiteLinks
from schemas.formats.dcat import SPDX, dataset_graph
from tests.portal import actor, bad_check_char, credit_code, make_user

CERT = b"%PDF-1.4 data property-rights registration certificate 2026-0001\n"
CODE = credit_code(7)


@pytest.fixture
def w(cat):
    class W:
        pass

    w = W()
    w.cat = cat
    organizations.create_organization(
        cat, SYSTEM,
        {"name": "holder", "title": "保定智源科技有限公司", "org_type": "enterprise",
         "credit_code": CODE},
    )  # fmt: skip
    organizations.create_organization(
        cat, SYSTEM, {"name": "other-org", "title": "另一家公司", "org_type": "enterprise"}
    )
    w.member = make_user(cat, "staff@holder.example.cn")
    w.outsider = make_user(cat, "staff@other.example.cn")
    w.curator = make_user(cat, "curator@bureau.example.cn", "curator")
    users.add_member(cat, SYSTEM, "holder", w.member.id)
    users.add_member(cat, SYSTEM, "other-org", w.outsider.id)
    w.ds = datasets.create_dataset(
        cat, SYSTEM,
        {"name": "factory-defects", "title": "工业缺陷检测图像", "organization": "holder"},
        status="published",
    )  # fmt: skip
    w.m, w.c, w.o = actor(cat, w.member), actor(cat, w.curator), actor(cat, w.outsider)
    return w


def entry(w, who=None, **over: object) -> dict:
    stored = uploads.store(w.cat, who or w.m, io.BytesIO(CERT), "登记证书.pdf")
    data = {
        "number": "HB-DR-2026-000123",
        "reg_type": "initial",
        "registering_body": "河北省数据产权登记中心",
        "rights": ["product_operation", "resource_holding"],
        "holder_name": "保定智源科技有限公司",
        "holder_credit_code": CODE,
        "registered_on": "2026-03-02",
        "valid_until": "2029-03-01",
        "evidence_file": stored.key,
    }
    data.update(over)
    return data


def registered(w) -> bool:
    """The indexer's answer, checked against the SQL the CKAN API's database path uses."""
    with w.cat.session() as s:
        by_python = w.ds.id in registrations.registered_among(s, [w.ds.id])
        by_sql = (
            s.execute(select(Dataset.id).where(registrations.registered_sql(Dataset.id)))
            .scalars()
            .all()
        )
    assert by_sql == ([w.ds.id] if by_python else [])
    return by_python


def test_a_member_enters_a_record_with_its_certificate_hash(w):
    reg = registrations.add_registration(w.cat, w.m, "factory-defects", entry(w))
    assert reg.state == "submitted" and reg.entered_by == w.member.id
    assert reg.evidence_sha256 == hashlib.sha256(CERT).hexdigest()
    # rights kept once each, in the vocabulary's order
    assert reg.rights == ["resource_holding", "product_operation"]
    with w.cat.session() as s:
        ev = s.execute(
            select(AuditEvent).where(AuditEvent.object_type == "registration")
        ).scalar_one()
    assert ev.action == "registration.submitted" and ev.actor_id == w.member.id
    assert ev.data["evidence_sha256"] == reg.evidence_sha256
    # unverified records are public, labelled as such, and do not count yet
    rows = registrations.of_dataset(w.cat, ANONYMOUS, w.ds)
    assert [(v.reg.number, v.reg.state, v.may_see_evidence) for v in rows] == [
        ("HB-DR-2026-000123", "submitted", False)
    ]
    assert not registered(w)


def test_only_the_holder_and_the_bureau_enter_records(w):
    with pytest.raises(PermissionDenied):
        registrations.add_registration(w.cat, w.o, "factory-defects", entry(w, w.o))
    with pytest.raises(PermissionDenied):
        registrations.add_registration(w.cat, ANONYMOUS, "factory-defects", {})
    reg = registrations.add_registration(w.cat, w.c, "factory-defects", entry(w, w.c))
    with pytest.raises(PermissionDenied):
        registrations.update_registration(w.cat, w.o, reg.id, entry(w, w.o))


def test_credit_code_dates_and_evidence_are_checked_in_both_languages(w):
    bad = entry(
        w,
        holder_credit_code=bad_check_char(CODE),
        rights=[],
        reg_type="lease",
        registered_on="2026-03-02",
        valid_until="2026-01-01",
    )
    with pytest.raises(ValidationFailed) as exc:
        registrations.add_registration(w.cat, w.m, "factory-defects", bad)
    errors = exc.value.messages
    assert set(errors) == {"holder_credit_code", "rights", "reg_type", "valid_until"}
    zh = exc.value.localized("zh")
    assert zh["holder_credit_code"] == ["统一社会信用代码校验位不正确。"]
    assert zh["valid_until"] == ["有效期截止日早于登记日期。"]
    assert zh["rights"] == ["不能为空。"]
    assert exc.value.localized("en")["valid_until"] == [
        "The validity ends before the registration date."
    ]
    # no evidence, or someone else's upload
    no_file = {k: v for k, v in entry(w).items() if k != "evidence_file"}
    with pytest.raises(ValidationFailed) as exc:
        registrations.add_registration(w.cat, w.m, "factory-defects", no_file)
    assert exc.value.localized("zh") == {"evidence_file": ["请上传登记证书或其他证明材料。"]}
    theirs = uploads.store(w.cat, w.o, io.BytesIO(b"%PDF other"), "other.pdf").key
    with pytest.raises(ValidationFailed) as exc:
        registrations.add_registration(
            w.cat, w.m, "factory-defects", entry(w, evidence_file=theirs)
        )
    assert set(exc.value.messages) == {"evidence_file"}


def test_verification_makes_the_dataset_registered_until_a_cancellation(w):
    reg = registrations.add_registration(w.cat, w.m, "factory-defects", entry(w))
    with pytest.raises(PermissionDenied):
        registrations.decide(w.cat, w.m, reg.id, "verified")
    with w.cat.session() as s:
        before = s.get(Dataset, w.ds.id).updated_at
    registrations.decide(w.cat, w.c, reg.id, "verified")
    assert registered(w)
    v = registrations.get(w.cat, ANONYMOUS, reg.id)
    assert v.reg.state == "verified" and v.reg.verified_by == w.curator.id
    assert not v.may_edit
    with w.cat.session() as s:
        assert s.get(Dataset, w.ds.id).updated_at > before  # exports see the change
    with pytest.raises(Conflict):
        registrations.update_registration(w.cat, w.m, reg.id, entry(w))
    # a later cancellation, once verified, ends it; an unverified one does not
    cancel = registrations.add_registration(
        w.cat, w.m, "factory-defects", entry(w, reg_type="cancellation", registered_on="2026-09-01")
    )
    assert registered(w)
    registrations.decide(w.cat, w.c, cancel.id, "verified")
    assert not registered(w)


def test_returned_records_need_a_note_and_come_back_corrected(w):
    reg = registrations.add_registration(w.cat, w.m, "factory-defects", entry(w))
    with pytest.raises(ValidationFailed) as exc:
        registrations.decide(w.cat, w.c, reg.id, "returned", "  ")
    assert exc.value.localized("zh") == {"note": ["请填写理由。"]}
    registrations.decide(w.cat, w.c, reg.id, "returned", "登记编号与平台查询结果不一致")
    # a returned record is the holder's and the bureau's business only
    assert registrations.of_dataset(w.cat, ANONYMOUS, w.ds) == []
    with pytest.raises(NotFound):
        registrations.get(w.cat, w.o, reg.id)
    again = registrations.update_registration(
        w.cat, w.m, reg.id, {**entry(w, number="HB-DR-2026-000124"), "evidence_file": None}
    )
    assert again.state == "submitted" and again.state_note is None
    assert again.evidence_sha256 == hashlib.sha256(CERT).hexdigest()  # the file was kept
    actions = [e.action for e in registrations.history(w.cat, w.c, reg.id)]
    assert actions == ["registration.submitted", "registration.returned", "registration.submitted"]
    changed = registrations.history(w.cat, w.c, reg.id)[-1].data["changed"]
    assert changed == {"number": ["HB-DR-2026-000123", "HB-DR-2026-000124"]}
    with pytest.raises(Conflict):
        registrations.decide(w.cat, w.c, reg.id, "submitted")


def test_evidence_file_only_for_the_holder_and_the_bureau(w):
    reg = registrations.add_registration(w.cat, w.m, "factory-defects", entry(w))
    path, name = registrations.evidence(w.cat, w.c, reg.id)
    assert path.read_bytes() == CERT and name == "登记证书.pdf"
    for who in (ANONYMOUS, w.o):
        with pytest.raises(PermissionDenied):
            registrations.evidence(w.cat, who, reg.id)


def test_dcat_carries_verified_records_only(w):
    reg = registrations.add_registration(w.cat, w.m, "factory-defects", entry(w))
    links = SiteLinks("https://data.example.cn", "https://data.example.cn/ns#")
    ext = Namespace(links.namespace)

    def graph():
        ds = datasets.get_dataset(w.cat, ANONYMOUS, "factory-defects")
        record = registrations.attach(w.cat, [published.dataset_record(ANONYMOUS, ds)])[0]
        return dataset_graph(record, links), URIRef(links.dataset(record))

    g, node = graph()
    assert (node, ext["registered"], Literal(False)) in g
    assert not list(g.objects(node, ext["registration"]))
    registrations.decide(w.cat, w.c, reg.id, "verified")
    g, node = graph()
    assert (node, ext["registered"], Literal(True)) in g
    (rec,) = list(g.objects(node, ext["registration"]))
    assert (rec, rdfns.RDF.type, ext["Registration"]) in g
    assert (rec, ext["registrationNumber"], Literal("HB-DR-2026-000123")) in g
    rights = {str(o) for o in g.objects(rec, ext["dataRight"])}
    assert rights == {
        f"{links.namespace}data_right/resource_holding",
        f"{links.namespace}data_right/product_operation",
    }
    (holder,) = list(g.objects(rec, ext["holder"]))
    assert (holder, ext["creditCode"], Literal(CODE)) in g
    assert (rec, ext["validUntil"], Literal("2029-03-01", datatype=rdfns.XSD.date)) in g
    (cs,) = list(g.objects(rec, ext["evidenceChecksum"]))
    assert str(next(g.objects(cs, SPDX.checksumValue))) == hashlib.sha256(CERT).hexdigest()
    assert "登记证书.pdf" not in g.serialize(format="turtle")
