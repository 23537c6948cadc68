"""``catalog files check`` (issue 18, item 1): linked files fetched from a real HTTP server
in a thread, within a size cap, hashed and previewed; a changed file is a new version and an
audit event; restricted URLs never appear in what the command prints. SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from catalog.models import AuditEvent, Distribution
from catalog.services import datasets, organizations, versions
from catalog.services.authz import SYSTEM
from cli import main

CSV = "站点,流量\n保定东,1234\n保定西,987\n".encode("gb18030")
SECRET_PATH = "/secret/k8Jq2-full-records.csv"
CAP = 1000


class Files:
    """What the server answers: bytes by path, faults, and how often each path was asked."""

    def __init__(self) -> None:
        self.body: dict[str, bytes] = {
            "/pub/flow.csv": CSV,
            SECRET_PATH: b"id,secret\n1,42\n",
            "/big.bin": b"x" * (CAP * 5),
            "/nolength.bin": b"y" * (CAP * 5),
            "/flaky.jsonl": b'{"a": 1}\n{"a": 2}\n',
            "/given.csv": b"a\n1\n",
        }
        self.hits: Counter[str] = Counter()
        self.flaky_left = 2
        self.lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    files: Files

    def log_message(self, *_args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        f = self.files
        with f.lock:
            f.hits[self.path] += 1
            if self.path == "/flaky.jsonl" and f.flaky_left > 0:
                f.flaky_left -= 1
                self._status(503)
                return
        body = f.body.get(self.path)
        if body is None:
            self._status(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if self.path == "/nolength.bin":  # no Content-Length: the body ends with the connection
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the cap hung up
            self.wfile.write(body)

    def _status(self, code: int) -> None:
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def server() -> Iterator[tuple[str, Files]]:
    files = Files()
    handler = type("H", (Handler,), {"files": files})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", files
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def env(cat, database_url, monkeypatch):
    monkeypatch.setenv("CATALOG_INSTANCE", str(cat.settings.instance_path))
    monkeypatch.setenv("CATALOG_DATABASE_URL", database_url)
    return cat


def _run(*args: str):
    result = CliRunner().invoke(main, ["files", "check", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def _load(cat, base: str):
    organizations.create_organization(
        cat, SYSTEM, {"name": "org-a", "title": "保定智数科技", "org_type": "enterprise"}
    )
    return datasets.create_dataset(
        cat,
        SYSTEM,
        {
            "name": "flow",
            "title": "交通流量",
            "organization": "org-a",
            "kind": "training",
            "access_rights": "conditional",
            "access_conditions": "科研用途",
            "distributions": [
                {"title": "流量", "download_url": f"{base}/pub/flow.csv"},
                {"title": "完整", "download_url": f"{base}{SECRET_PATH}", "restricted": True},
                {"title": "大", "download_url": f"{base}/big.bin"},
                {"title": "无长度", "download_url": f"{base}/nolength.bin"},
                {"title": "时好时坏", "download_url": f"{base}/flaky.jsonl"},
                {"title": "不见了", "download_url": f"{base}/gone.csv"},
                {
                    "title": "受限且坏",
                    "download_url": f"{base}/secret/zz9-broken.csv",
                    "restricted": True,
                },
                {"title": "接口", "access_url": f"{base}/api"},
                {"title": "已给", "download_url": f"{base}/given.csv", "sha256": "ab" * 32},
            ],
        },
        status="published",
    )


def _dists(cat) -> dict[str, Distribution]:
    with cat.session() as s:
        return {d.title: d for d in s.execute(select(Distribution)).scalars()}


def test_files_check_hashes_within_the_cap_and_records_changes(env, server) -> None:
    cat = env
    base, files = server
    ds = _load(cat, base)
    first = _run("--max-bytes", str(CAP), "--limit", "2")
    assert "2 files checked" in first.output
    rest = _run("--max-bytes", str(CAP))
    out = first.output + rest.output
    # what the first run hashed is not fetched again; what failed is tried again, last
    assert sum(int(r.output.split(" hashed")[0].rsplit(" ", 1)[1]) for r in (first, rest)) == 3
    assert files.hits["/pub/flow.csv"] == 1 and files.hits[SECRET_PATH] == 1
    assert SECRET_PATH not in out and "k8Jq2" not in out and "zz9-broken" not in out

    d = _dists(cat)
    assert d["流量"].sha256 == hashlib.sha256(CSV).hexdigest() and d["流量"].byte_size == len(CSV)
    p = d["流量"].preview
    assert p["encoding"] == "gb18030" and [c["name"] for c in p["columns"]] == ["站点", "流量"]
    assert d["完整"].sha256 == hashlib.sha256(files.body[SECRET_PATH]).hexdigest()
    assert d["时好时坏"].sha256 == hashlib.sha256(files.body["/flaky.jsonl"]).hexdigest()
    assert files.hits["/flaky.jsonl"] == 3  # two 503s retried by urllib3
    assert d["时好时坏"].preview["format"] == "jsonl"
    for title in ("大", "无长度", "不见了", "受限且坏"):
        assert d[title].sha256 is None and d[title].content_checked_at is not None, title
    assert d["接口"].content_checked_at is None  # no file to fetch
    assert d["已给"].sha256 == "ab" * 32 and files.hits["/given.csv"] == 0
    # the cap: refused by Content-Length, and cut off when no length is announced
    assert "more than" in out and "it announced 5,000 bytes" in out
    # restricted failures say only the status
    assert f"flow / distribution {d['受限且坏'].id}: HTTP 404" in rest.output

    with cat.session() as s:
        events = s.execute(
            select(AuditEvent).where(AuditEvent.object_id == ds.id).order_by(AuditEvent.id)
        ).scalars()
        hashed = [e for e in events if e.action == "dataset.content_hashed"]
    assert len(hashed) == 3 and all("http" not in str(e.data) for e in hashed)

    # the public file changes: a recheck records it in the history
    files.body["/pub/flow.csv"] = CSV + "保定北,5\n".encode("gb18030")
    again = _run("--max-bytes", str(CAP), "--recheck-days", "0")
    assert "1 changed" in again.output and "2 unchanged" in again.output
    d = _dists(cat)
    new = hashlib.sha256(files.body["/pub/flow.csv"]).hexdigest()
    assert d["流量"].sha256 == new and len(d["流量"].preview["rows"]) == 3
    with cat.session() as s:
        changed = s.execute(
            select(AuditEvent).where(AuditEvent.action == "dataset.content_changed")
        ).scalar_one()
    assert changed.data["was_sha256"] == hashlib.sha256(CSV).hexdigest()
    assert changed.data["sha256"] == new
    rows = versions.list_versions(cat, SYSTEM, ds.id)
    diff = versions.compare(cat, SYSTEM, ds.id, rows[1].number, rows[0].number)
    assert {c.field: (c.old, c.new) for c in diff}["distributions[1].sha256"] == (
        hashlib.sha256(CSV).hexdigest(),
        new,
    )


def test_nothing_to_check_is_quick_and_says_so(env) -> None:
    assert "0 files checked" in _run().output
