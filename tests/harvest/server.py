"""A real HTTP server on 127.0.0.1 for harvest tests: fixture files, a small CKAN Action
API answering from the HDX fixtures, files the tests generate, and faulty answers.

Routes
  /files/<path>              a file of ../shared/fixtures (a folder gives an index page)
  /gen/<name>                bytes a test put there with ``server.put(name, data)``
  /ckan/api[/3]/action/<a>   package_search, package_show, package_list, organization_show
  /fault/500                 always 500
  /fault/slow                answers after 3 s (longer than the tests' timeouts)
  /fault/truncated           a data.json cut in the middle
  /fault/junk                10 MB of random bytes
                             (``server.fail(pattern, kind)`` turns any route into a fault)
  /links/ok, /links/gone, /links/nohead
                             200; 404; HEAD refused (405) but GET with Range gives 206
"""

from __future__ import annotations

import copy
import html
import json
import os
import re
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import yaml


class FakeCkan:
    """Enough of CKAN's Action API to harvest from: packages from the HDX fixtures."""

    def __init__(self, fixtures: Path):
        api = fixtures / "ckan-api"
        search = yaml.safe_load((api / "dataset_search_results.yaml").read_text(encoding="utf-8"))
        org = yaml.safe_load((api / "organization_show_results.yaml").read_text(encoding="utf-8"))
        showcases = yaml.safe_load(
            (api / "showcase_all_search_results.yaml").read_text(encoding="utf-8")
        )
        unesco = json.loads((api / "unesco_dataset.json").read_text(encoding="utf-8"))
        self.packages: list[dict] = [*search["results"], unesco]
        # a package that names its organization only by id: harvesting asks organization_show
        extra = next(p for p in org["packages"] if p["name"].endswith("realtime-2017"))
        extra = {k: v for k, v in extra.items() if k != "organization"}
        self.packages.append(extra)
        self.packages.extend(showcases["results"])  # type "showcase": not datasets
        self.organizations = {org["id"]: {k: v for k, v in org.items() if k != "packages"}}
        for p in self.packages:
            o = p.get("organization")
            if isinstance(o, dict):
                self.organizations.setdefault(o["id"], o)
        self.search_enabled = True
        self.lock = threading.Lock()

    @property
    def datasets(self) -> list[dict]:
        return [p for p in self.packages if p.get("type", "dataset") == "dataset"]

    def find(self, ref: str) -> dict | None:
        return next((p for p in self.packages if ref in (p["id"], p["name"])), None)

    def touch(self, name: str, keep_stamp: bool = False, **changes: object) -> None:
        """Change a package as an editor would: new values, a new metadata_modified (kept
        with ``keep_stamp``, as CKAN 2.12's package_show -> package_update round trip does)."""
        with self.lock:
            p = self.find(name)
            p.update(changes)
            if not keep_stamp:
                p["metadata_modified"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")

    def remove(self, name: str) -> dict:
        with self.lock:
            p = self.find(name)
            self.packages.remove(p)
            return p

    def add(self, package: dict) -> None:
        with self.lock:
            self.packages.append(package)

    def call(self, action: str, params: dict) -> tuple[int, dict]:
        with self.lock:
            packages = copy.deepcopy(self.packages)
        if action == "package_search":
            if not self.search_enabled:
                return 400, _error("Bad request", "Action name not known: package_search")
            return 200, _ok(self._search(packages, params))
        if action == "package_show":
            p = next((x for x in packages if params.get("id") in (x["id"], x["name"])), None)
            return (200, _ok(p)) if p else (404, _error("Not Found Error", "Not found"))
        if action == "package_list":
            return 200, _ok(sorted(p["name"] for p in packages))
        if action == "organization_show":
            o = self.organizations.get(params.get("id", ""))
            if o is None:
                o = next(
                    (x for x in self.organizations.values() if x["name"] == params.get("id")), None
                )
            return (200, _ok(o)) if o else (404, _error("Not Found Error", "Not found"))
        if action == "status_show":
            return 200, _ok({"ckan_version": "2.10.0", "site_title": "test"})
        return 400, _error("Bad request", f"Action name not known: {action}")

    def _search(self, packages: list[dict], params: dict) -> dict:
        rows = [
            p for p in packages if not p.get("private") and p.get("state", "active") == "active"
        ]
        fq = params.get("fq") or ""
        for low, high in re.findall(r"metadata_modified:\[(\S+) TO (\S+)\]", fq):
            # Solr keeps milliseconds: compare the stamps cut as the harvester cuts them
            if low != "*":
                rows = [p for p in rows if p["metadata_modified"][:23] >= low.rstrip("Z")]
            if high != "*":
                rows = [p for p in rows if p["metadata_modified"][:23] <= high.rstrip("Z")]
        m = re.search(r"organization:\(([^)]*)\)", fq)
        if m:
            names = {n.strip() for n in m.group(1).split(" OR ")}
            rows = [p for p in rows if (p.get("organization") or {}).get("name") in names]
        # the harvester's two sorts: by (metadata_modified, id), ascending or descending
        descending = "desc" in str(params.get("sort") or "")
        rows.sort(key=lambda p: (p["metadata_modified"], p["id"]), reverse=descending)
        start, count = int(params.get("start", 0)), int(params.get("rows", 10))
        page = rows[start : start + count]
        if params.get("fl"):
            keep = [f.strip() for f in params["fl"].split(",")]
            page = [{k: p.get(k) for k in keep} for p in page]
        return {"count": len(rows), "results": page}


def _ok(result: object) -> dict:
    return {"success": True, "result": result}


def _error(kind: str, message: str) -> dict:
    return {"success": False, "error": {"__type": kind, "message": message}}


class FixtureServer:
    def __init__(self, fixtures: Path):
        self.fixtures = fixtures.resolve()
        self.ckan = FakeCkan(self.fixtures)
        self.generated: dict[str, tuple[bytes, str]] = {}
        self.requests: list[tuple[str, str]] = []
        self.faults: list[tuple[str, str]] = []
        self.delay = 0.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms stalls

            def log_message(self, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:
                server._handle(self, head=True)

            def do_GET(self) -> None:
                server._handle(self, head=False)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # -- life --------------------------------------------------------------------------------
    def start(self) -> FixtureServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + "/" + quote(path.lstrip("/"))

    def put(self, name: str, data: bytes | str, ctype: str = "application/octet-stream") -> str:
        """Serve ``data`` at /gen/<name>; returns its URL."""
        self.generated[name] = (data.encode() if isinstance(data, str) else data, ctype)
        return self.url(f"gen/{name}")

    def count(self, pattern: str) -> int:
        return sum(1 for _, p in self.requests if re.search(pattern, p))

    # -- answers -----------------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler, head: bool) -> None:
        parts = urlsplit(h.path)
        path = unquote(parts.path)
        self.requests.append((h.command, h.path))
        if self.delay:
            time.sleep(self.delay)
        try:
            status, ctype, body = self._route(h, path, parse_qs(parts.query), head)
        except FileNotFoundError:
            status, ctype, body = 404, "text/plain", b"not found"
        if status is None:  # the route wrote the answer itself
            return
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if not head:
            h.wfile.write(body)

    def _route(
        self, h: BaseHTTPRequestHandler, path: str, query: dict, head: bool
    ) -> tuple[int | None, str, bytes]:
        for pattern, kind in self.faults:
            if re.search(pattern, h.path):
                return self._fault(kind)
        if path.startswith("/files/"):
            return self._file(path[len("/files/") :])
        if path.startswith("/gen/"):
            data, ctype = self.generated[path[len("/gen/") :]]
            return 200, ctype, data
        m = re.match(r"^/ckan/api(?:/3)?/action/(\w+)$", path)
        if m:
            params = {k: v[0] for k, v in query.items()}
            status, answer = self.ckan.call(m.group(1), params)
            return status, "application/json", json.dumps(answer).encode()
        if path.startswith("/fault/"):
            return self._fault(path[len("/fault/") :])
        if path == "/links/ok":
            return 200, "text/csv", b"a,b\n1,2\n"
        if path == "/links/gone":
            return 404, "text/plain", b"gone"
        if path == "/links/nohead":
            if head:
                return 405, "text/plain", b""
            if "Range" in h.headers:
                return 206, "text/csv", b"a"
            return 200, "text/csv", b"a,b\n"
        return 404, "text/plain", b"no such route"

    def _fault(self, kind: str) -> tuple[int, str, bytes]:
        if kind == "500":
            return 500, "text/html", b"<html><body>Internal Server Error</body></html>"
        if kind == "slow":
            time.sleep(3)
            return 200, "application/json", b'{"dataset": []}'
        if kind == "truncated":
            whole = (self.fixtures / "datajson/us-agencies/consumerfinance.json").read_bytes()
            return 200, "application/json", whole[: len(whole) // 2]
        if kind == "junk":
            return 200, "application/json", os.urandom(10 * 1024 * 1024)
        raise FileNotFoundError(kind)

    def fail(self, pattern: str, kind: str) -> None:
        """From now on, answer requests whose path matches ``pattern`` with a fault."""
        self.faults.append((pattern, kind))

    def _file(self, rel: str) -> tuple[int, str, bytes]:
        target = (self.fixtures / rel).resolve()
        if self.fixtures not in target.parents and target != self.fixtures:
            raise FileNotFoundError(rel)
        if target.is_dir():
            links = "".join(
                f'<li><a href="{quote(c.name)}{"/" if c.is_dir() else ""}">'
                f"{html.escape(c.name)}</a></li>"
                for c in sorted(target.iterdir())
            )
            page = f"<!DOCTYPE html><html><body><ul>{links}</ul></body></html>"
            return 200, "text/html; charset=utf-8", page.encode()
        ctype = {
            ".json": "application/json",
            ".md": "text/markdown; charset=utf-8",
            ".ttl": "text/turtle",
            ".yaml": "text/yaml",
        }.get(target.suffix, "application/octet-stream")
        return 200, ctype, target.read_bytes()
