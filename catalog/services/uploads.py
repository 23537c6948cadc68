"""Files partners upload as distributions: checked, hashed and kept in the instance folder.

A file is streamed to disk in chunks while its SHA-256 is computed, and refused as soon as
it passes ``settings.upload_max_bytes``; only the extensions in
``settings.upload_extensions`` are taken (data and documents, never something a browser
would run). Content is stored once under ``<instance>/files/<sha256>``; the key a
distribution keeps is ``"<sha256>/<file name>"``. Each upload is recorded with its
uploader, so a form can attach only files its user uploaded or the dataset already had,
and a download is allowed exactly when the distribution is visible to the caller.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import previews
from catalog.errors import NotFound, ValidationFailed
from catalog.models import Dataset, Distribution, UploadedFile
from catalog.services import audit, authz
from catalog.services.authz import Actor
from catalog.services.visibility import needs_signed_link, visible_distributions

if TYPE_CHECKING:
    from catalog.context import Catalog

CHUNK = 64 * 1024
_KEY_RE = re.compile(r"^([0-9a-f]{64})/([^/\\\x00]{1,200})$")
_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


@dataclass(frozen=True)
class StoredFile:
    key: str
    sha256: str
    name: str
    byte_size: int
    media_type: str | None
    format: str


def safe_name(filename: str) -> str:
    """A file name that is safe in a URL path and on disk; Chinese letters are kept."""
    base = os.path.basename((filename or "").replace("\\", "/"))
    base = unicodedata.normalize("NFC", base)
    base = _UNSAFE.sub("_", base).strip("._")
    if not base:
        base = "file"
    stem, dot, ext = base.rpartition(".")
    if dot and len(base) > 150:
        base = stem[: 150 - len(ext) - 1] + "." + ext
    return base[:150]


def extension(filename: str) -> str:
    return filename.rpartition(".")[2].lower() if "." in filename else ""


def _files_dir(cat: Catalog) -> Path:
    path = cat.settings.instance_path / "files"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _limit_text(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):g} MB"
    if n >= 1024:
        return f"{n / 1024:g} KB"
    return f"{n} B"


def check_type(cat: Catalog, filename: str) -> None:
    ext = extension(filename)
    allowed = cat.settings.upload_extensions
    if ext not in allowed:
        shown = f".{ext}" if ext else "(none)"
        raise ValidationFailed(
            {"file": [f"Files of type {shown} cannot be uploaded. Allowed: {', '.join(allowed)}."]}
        )


def store(cat: Catalog, actor: Actor, stream: BinaryIO, filename: str) -> StoredFile:
    """Check, hash and keep an uploaded file; raises ``ValidationFailed`` under ``file``."""
    authz.require(actor.is_curator or bool(actor.org_roles), "only partners upload files")
    name = safe_name(filename)
    check_type(cat, name)
    limit = cat.settings.upload_max_bytes
    folder = _files_dir(cat)
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise ValidationFailed(
                        {"file": [f"The file is larger than the limit of {_limit_text(limit)}."]}
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ValidationFailed({"file": ["The file is empty."]})
        sha = digest.hexdigest()
        target = folder / sha
        if target.exists():
            os.unlink(tmp)
        else:
            os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    media_type = mimetypes.guess_type(name)[0]
    stored = StoredFile(
        key=f"{sha}/{name}",
        sha256=sha,
        name=name,
        byte_size=size,
        media_type=media_type,
        format=extension(name).upper(),
    )
    # the first rows of a tabular file, read from the start of the stored copy
    preview = previews.preview_file(folder / sha, previews.tabular_kind(name, None, media_type))
    with cat.session() as s:
        s.add(
            UploadedFile(
                key=stored.key,
                sha256=sha,
                byte_size=size,
                media_type=media_type,
                preview=preview,
                uploaded_by=actor.id,
            )
        )
        audit.record(s, actor, "file.upload", "file", sha, data={"name": name, "size": size})
    return stored


def describe(cat: Catalog, key: str) -> StoredFile | None:
    """What is known of a stored file (for a form that keeps an earlier upload)."""
    m = _KEY_RE.match(key or "")
    if not m:
        return None
    with cat.session() as s:
        row = s.execute(
            select(UploadedFile).where(UploadedFile.key == key).limit(1)
        ).scalar_one_or_none()
    if row is None:
        return None
    name = m.group(2)
    return StoredFile(key, row.sha256, name, row.byte_size, row.media_type, extension(name).upper())


def content_of(session: Session, keys: set[str]) -> dict[str, tuple[str, int, dict | None]]:
    """(sha256, size, preview) of stored files by key, as their upload found them."""
    keys = {k for k in keys if _KEY_RE.match(k or "")}
    if not keys:
        return {}
    rows = session.execute(
        select(UploadedFile.key, UploadedFile.sha256, UploadedFile.byte_size, UploadedFile.preview)
        .where(UploadedFile.key.in_(keys))
        .order_by(UploadedFile.id)
    ).all()
    return {key: (sha, size, preview) for key, sha, size, preview in rows}


def attachable_keys(
    session: Session, actor: Actor, dataset_id: str | None, keys: set[str]
) -> set[str]:
    """The keys among ``keys`` the actor may attach to the dataset: files they uploaded,
    files the dataset already has, and (for curators) any stored file."""
    keys = {k for k in keys if _KEY_RE.match(k or "")}
    if not keys:
        return set()
    q = select(UploadedFile.key).where(UploadedFile.key.in_(keys))
    if not actor.is_curator:
        q = q.where(UploadedFile.uploaded_by == actor.id)
    ok = set(session.execute(q).scalars())
    if dataset_id:
        ok |= {
            key
            for key in session.execute(
                select(Distribution.stored_file).where(
                    Distribution.dataset_id == dataset_id, Distribution.stored_file.in_(keys)
                )
            ).scalars()
            if key is not None
        }
    return ok


def open_for(cat: Catalog, actor: Actor, key: str) -> tuple[Path, str, str | None]:
    """(path, file name, media type) of a stored file the actor may download.

    Allowed when a distribution holding it is visible to the actor (a restricted one only
    to those who may see restricted files; a draft's only to its editors), or the actor
    uploaded it (so a partner can check a file before saving the form)."""
    m = _KEY_RE.match(key or "")
    if not m:
        raise NotFound("file not found")
    sha, name = m.groups()
    allowed = False
    media_type = mimetypes.guess_type(name)[0]
    with cat.session() as s:
        rows = s.execute(
            select(Distribution, Dataset)
            .join(Dataset, Dataset.id == Distribution.dataset_id)
            .where(Distribution.stored_file == key)
        ).all()
        for dist, ds in rows:
            if (
                authz.can_view_dataset(actor, ds)
                and dist in visible_distributions(actor, ds)
                and not needs_signed_link(actor, ds, dist)  # grantees: the audited signed link
            ):
                allowed = True
                media_type = dist.media_type or media_type
                break
        if not allowed and actor.id is not None:
            allowed = (
                s.execute(
                    select(UploadedFile.id).where(
                        UploadedFile.key == key, UploadedFile.uploaded_by == actor.id
                    )
                ).first()
                is not None
            )
    path = _files_dir(cat) / sha
    if not allowed or not path.is_file():
        raise NotFound("file not found")
    return path, name, media_type
