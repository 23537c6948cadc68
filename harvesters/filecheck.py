"""Fetching linked files to hash them (``catalog files check``, issue 18).

Each file is streamed through the harvest's HTTP client (timeouts, urllib3 retries with
backoff, a politeness delay) into a temporary file while its SHA-256 is computed: a
``Content-Length`` above the cap is refused before the body is read, and the bytes are
counted as they arrive, so a file that announces nothing (or lies) stops at the cap too.
The temporary copy is read once more for the preview of a tabular file and then removed.

What is printed or logged never carries the URL of a restricted distribution: errors are
reported by distribution id and a reason that names no URL, and urllib3's retry warnings
(which name the path) are kept quiet while a check runs.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from catalog import previews
from catalog.context import Catalog
from catalog.services import content
from catalog.services.content import Target
from harvesters.http import _DEADLINE, FetchError, HttpClient, _bounded_chunks

DEFAULT_MAX_BYTES = 200 * 1024 * 1024


@dataclass
class CheckReport:
    checked: int = 0
    new: int = 0
    same: int = 0
    changed: int = 0
    failed: int = 0
    gone: int = 0
    bytes: int = 0
    errors: list[str] | None = None

    def summary(self) -> str:
        return (
            f"{self.checked} files checked: {self.new} hashed, {self.same} unchanged, "
            f"{self.changed} changed, {self.failed} failed"
            + (f", {self.gone} changed while fetched" if self.gone else "")
        )


@contextmanager
def _quiet_urllib3() -> Iterator[None]:
    log = logging.getLogger("urllib3")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def fetch(client: HttpClient, url: str, folder: Path) -> tuple[str, int, Path, str | None]:
    """(sha256, size, path of the copy, content type) of the file at ``url``."""
    resp = client.get(url, stream=True)
    session = client.session
    deadline = getattr(resp, _DEADLINE, time.monotonic() + session.total_timeout)
    digest = hashlib.sha256()
    size = 0
    fd, name = tempfile.mkstemp(dir=folder, prefix=".check-")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in _bounded_chunks(resp, session.max_bytes, deadline, session.total_timeout):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return digest.hexdigest(), size, path, resp.headers.get("Content-Type")


def _reason(target: Target, exc: FetchError) -> str:
    """Why a fetch failed, naming no URL (of a restricted file, only the status)."""
    if target.restricted:
        return f"HTTP {exc.status}" if exc.status else "could not be fetched"
    text = exc.reason.replace(target.url, "<url>")
    return text


def check_files(
    cat: Catalog,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    limit: int = 100,
    recheck_before=None,
    config: dict | None = None,
    on_file: Callable[[Target, str], None] | None = None,
) -> CheckReport:
    """Fetch, hash and preview up to ``limit`` linked files of at most ``max_bytes`` each."""
    report = CheckReport(errors=[])
    targets = content.pending(cat, limit, recheck_before)
    client = HttpClient({"max_bytes": max_bytes, **(config or {})})
    folder = cat.settings.instance_path / "files" / ".check"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with _quiet_urllib3():
            for target in targets:
                report.checked += 1
                try:
                    sha, size, path, ctype = fetch(client, target.url, folder)
                except FetchError as exc:
                    report.failed += 1
                    content.record_failure(cat, target)
                    assert report.errors is not None
                    report.errors.append(
                        f"{target.dataset_name} / distribution {target.distribution_id}: "
                        f"{_reason(target, exc)}"
                    )
                    if on_file:
                        on_file(target, "failed")
                    continue
                try:
                    kind = previews.tabular_kind(
                        target.name_hint, target.format, target.media_type or ctype
                    )
                    preview = previews.preview_file(path, kind) if kind else None
                finally:
                    path.unlink(missing_ok=True)
                outcome = content.record(cat, target, sha, size, preview)
                setattr(report, outcome, getattr(report, outcome) + 1)
                report.bytes += size
                if on_file:
                    on_file(target, outcome)
    finally:
        client.close()
    return report
