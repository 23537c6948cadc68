"""Readable addresses of datasets and organizations (issue 13, item 6), and the old ones.

A record's name is its address (``/dataset/<name>``, the APIs, DCAT URIs), so it is made
once, when the record is created, and an edit of the title never changes it. It is made
from the resource code or the English title when there is one; a Chinese title (or
organization name) without either gets its pinyin, word by word (``baodingshi-gongjiao-
xianlu``), instead of an opaque ``dataset-2b2a78899d``. When a name does change (a
curator renames, ``catalog names readable`` replaces the opaque names of older records), the
old one is kept in ``name_aliases``: pages answer it with a 301 to the new address and every
lookup by name (``records.by_name_or_id``) still finds the record.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import rjieba
from pypinyin import lazy_pinyin
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Dataset, NameAlias, Organization, OrganizationAlias
from catalog.services import audit, indexing
from catalog.services.authz import Actor

if TYPE_CHECKING:
    from catalog.context import Catalog

_SLUG_RE = re.compile(r"[^a-z0-9]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
MAX_LEN = 80
# names the catalog used to give records without a resource code or English title
OPAQUE_DATASET = re.compile(r"^(?:dataset|open-data|training|benchmark)-[0-9a-f]{10}(?:-\d+)?$")
OPAQUE_ORGANIZATION = re.compile(r"^org-[0-9a-f]{8,10}(?:-\d+)?$")


def slug(text: str, limit: int = MAX_LEN) -> str:
    """Lowercase ASCII words joined by hyphens, cut at a hyphen to at most ``limit``."""
    out = _SLUG_RE.sub("-", (text or "").lower()).strip("-")
    if len(out) > limit:
        out = out[:limit]
        if "-" in out[limit // 2 :]:
            out = out[: out.rindex("-")]
        out = out.strip("-")
    return out


@lru_cache(maxsize=50_000)
def _word_pinyin(word: str) -> str:
    return "".join(s for s in lazy_pinyin(word) if s.isascii())


def pinyin_slug(text: str, limit: int = MAX_LEN) -> str:
    """The pinyin of a Chinese text, one hyphen-joined part per word (jieba), other text
    kept as it is: 保定市公交线路 -> ``baodingshi-gongjiaoxianlu``. Empty without letters,
    digits or Chinese characters."""
    parts = []
    for word in rjieba.cut(text or ""):
        parts.append(_word_pinyin(word) if _CJK.search(word) else word)
    return slug(" ".join(parts), limit)


def dataset_base(values: dict) -> str:
    """The name a new dataset would have if it were free: its resource code, its English
    title, the pinyin of its title, or (nothing readable at all) its kind and a random
    suffix."""
    for base in (
        slug(values.get("resource_code") or ""),
        slug(values.get("title_en") or ""),
        pinyin_slug(values.get("title") or ""),
    ):
        if len(base) >= 3:
            return base
    return f"{values.get('kind') or 'dataset'}".replace("_", "-") + f"-{uuid.uuid4().hex[:10]}"


def organization_base(title_en: str | None, title: str | None, limit: int = 60) -> str:
    """An organization's name: its English name, else the pinyin of its Chinese name."""
    for base in (slug(title_en or "", limit), pinyin_slug(title or "", limit)):
        if len(base) >= 2:
            return base
    return f"org-{uuid.uuid4().hex[:8]}"


def _taken(session: Session, model: Any, name: str) -> bool:
    if session.execute(select(model.id).where(model.name == name)).first():
        return True
    kind = "dataset" if model is Dataset else "organization"
    # an old address keeps pointing at its record: it is not given to another one (nor the
    # name of an organization merged into another, ``organization_merge``)
    if (
        session.execute(
            select(NameAlias.id).where(NameAlias.object_type == kind, NameAlias.old_name == name)
        ).first()
        is not None
    ):
        return True
    return (
        model is Organization
        and session.execute(
            select(OrganizationAlias.id).where(OrganizationAlias.name == name)
        ).first()
        is not None
    )


def unique(session: Session, model: Any, base: str) -> str:
    """``base``, or ``base-2``, ``base-3`` ... whichever is free first."""
    name, n = base, 1
    while _taken(session, model, name):
        n += 1
        name = f"{base}-{n}"
    return name


def keep_old_name(session: Session, object_type: str, object_id: str, old_name: str) -> None:
    """Remember a name a record leaves, so its old address keeps answering."""
    if not old_name:
        return
    found = session.execute(
        select(NameAlias).where(
            NameAlias.object_type == object_type, NameAlias.old_name == old_name
        )
    ).scalar_one_or_none()
    if found is None:
        session.add(NameAlias(object_type=object_type, old_name=old_name, object_id=object_id))
    else:
        found.object_id = object_id


def aliased(session: Session, model: Any, ref: object) -> Any:
    """The record of ``model`` that used to be called ``ref``, or None."""
    kind = "dataset" if model is Dataset else "organization" if model is Organization else None
    if kind is None or not isinstance(ref, str):
        return None
    object_id = session.execute(
        select(NameAlias.object_id).where(NameAlias.object_type == kind, NameAlias.old_name == ref)
    ).scalar_one_or_none()
    return session.get(model, object_id) if object_id else None


@dataclass(frozen=True)
class Renamed:
    object_type: str
    old: str
    new: str


def readable_names(cat: Catalog, actor: Actor, *, dry_run: bool = False) -> list[Renamed]:
    """Give datasets and organizations that still have an opaque name (``dataset-2b2a78899d``,
    ``org-1a2b3c4d``) a readable one (``catalog names readable``). Old names redirect;
    renamed datasets are reindexed; each rename is an audit event. With ``dry_run`` nothing
    is written. Records with nothing readable to be named after keep their names."""
    out: list[Renamed] = []
    with cat.session() as s:
        for ds in s.execute(select(Dataset).order_by(Dataset.created_at)).scalars():
            if not OPAQUE_DATASET.match(ds.name):
                continue
            base = dataset_base(
                {"resource_code": ds.resource_code, "title_en": ds.title_en, "title": ds.title}
            )
            if OPAQUE_DATASET.match(base):
                continue
            new = unique(s, Dataset, base)
            out.append(Renamed("dataset", ds.name, new))
            if dry_run:
                continue
            keep_old_name(s, "dataset", ds.id, ds.name)
            audit.record(
                s, actor, "dataset.renamed", "dataset", ds.id, data={"from": ds.name, "to": new}
            )
            ds.name = new
            s.flush()
            indexing.queue(s, ds.id)
        for org in s.execute(select(Organization).order_by(Organization.created_at)).scalars():
            if not OPAQUE_ORGANIZATION.match(org.name):
                continue
            base = organization_base(org.title_en, org.title)
            if OPAQUE_ORGANIZATION.match(base):
                continue
            new = unique(s, Organization, base)
            out.append(Renamed("organization", org.name, new))
            if dry_run:
                continue
            keep_old_name(s, "organization", org.id, org.name)
            audit.record(
                s,
                actor,
                "organization.renamed",
                "organization",
                org.id,
                data={"from": org.name, "to": new},
            )
            org.name = new
            s.flush()
            # the publisher's name is in its datasets' index documents
            for ds_id in s.execute(
                select(Dataset.id).where(Dataset.organization_id == org.id)
            ).scalars():
                indexing.queue(s, ds_id)
        if dry_run:
            s.rollback()
    if not dry_run:
        cat.sync_index()
    return out
