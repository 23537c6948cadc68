"""Helpers for the partner, curation and open-list tests: valid credit codes, accounts with
known passwords, the mail a catalog wrote to its instance folder."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

from werkzeug.security import generate_password_hash

from catalog.models import User
from catalog.services import users
from catalog.services.authz import Actor
from schemas.validators import credit_code_check_char

PASSWORD = "correct-horse-9"
_HASHES: dict[str, str] = {}


def credit_code(n: int) -> str:
    """A valid unified social credit code (GB 32100), different for each ``n``."""
    first17 = f"9113060{n:010d}"
    return first17 + credit_code_check_char(first17)


def bad_check_char(code: str) -> str:
    """The same code with a wrong check character."""
    last = "1" if code[-1] != "1" else "2"
    return code[:-1] + last


def make_user(cat, email: str, role: str = "user", name: str | None = None) -> User:
    """An account whose password is ``PASSWORD`` (hashed once per test session)."""
    if "h" not in _HASHES:
        _HASHES["h"] = generate_password_hash(PASSWORD)
    with cat.session() as s:
        user = User(
            email=email, name=name or email.split("@")[0], role=role, password_hash=_HASHES["h"]
        )
        s.add(user)
    return user


def actor(cat, user_or_id: User | str) -> Actor:
    """The actor of a user as a request would see them now (memberships re-read)."""
    uid = user_or_id if isinstance(user_or_id, str) else user_or_id.id
    return Actor.of(users.get_user(cat, uid))


def folder_mail(cat) -> list[EmailMessage]:
    """Messages a catalog without an SMTP host wrote to ``<instance>/mail/``, oldest first."""
    folder = cat.settings.instance_path / "mail"
    if not folder.exists():
        return []
    return [
        message_from_bytes(p.read_bytes(), policy=policy.default)
        for p in sorted(folder.glob("*.eml"))
    ]


def application(n: int, **extra: object) -> dict:
    """A complete partner application."""
    return {
        "title": f"保定智数科技有限公司{n}",
        "title_en": f"Baoding Zhishu Technology {n}",
        "org_type": "enterprise",
        "credit_code": credit_code(n),
        "contact_name": "李华",
        "contact_email": f"contact{n}@zhishu.example.cn",
        "contact_phone": "0312-1234567",
        "description": "面向制造业的工业视觉训练数据。",
        "fields_of_data": ["manufacturing", "transport"],
        **extra,
    }


def load_portal(cat) -> dict:
    """The small catalog plus the people of the workflows: a curator, two verified partner
    organizations (an admin and a member in the first, a member in the second), an
    applicant and a registered user. Everyone's password is ``PASSWORD``."""
    from catalog.services import partners
    from catalog.services.authz import SYSTEM
    from tests.livesite import load_small_catalog

    made = load_small_catalog(cat)
    people = {
        "curator": make_user(cat, "curator@bureau.example.cn", "curator", "审核员"),
        "admin": make_user(cat, "admin@zhishu.example.cn", name="智数管理员"),
        "member": make_user(cat, "member@zhishu.example.cn", name="智数成员"),
        "rival": make_user(cat, "staff@hbu.example.cn", name="河大成员"),
        "applicant": make_user(cat, "boss@newco.example.cn", name="新公司负责人"),
        "user": make_user(cat, "analyst@ai.example.com", name="分析师"),
    }
    curator = actor(cat, people["curator"])
    a = partners.apply(cat, actor(cat, people["admin"]), application(1))
    partners.decide(cat, curator, a.name, "verified", None)
    b = partners.apply(
        cat,
        actor(cat, people["rival"]),
        application(
            2,
            title="河北大学数据中心",
            title_en="Hebei University Data Centre",
            org_type="university",
        ),
    )
    partners.decide(cat, curator, b.name, "verified", None)
    users.add_member(cat, SYSTEM, a.name, people["member"].id, "member")
    return {"datasets": made, "people": people, "org_a": a.name, "org_b": b.name}
