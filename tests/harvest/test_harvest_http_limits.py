"""Sources that drip, lie about their length or never stop: every read of the shared
fetcher (``harvesters/http.py``) ends by the source's deadline and size cap, and a harvest of
such a source ends failed with the reason, never running for ever or reporting 0 errors.

The sources are real sockets: a ``ThreadingHTTPServer`` on 127.0.0.1 whose handler writes
the body a few bytes at a time with pauses (``drip``), announces 2 GB and sends little
(``huge``), sends headers and then nothing (``silent``), streams without a length past the
cap (``endless``), sends a small gzip body that inflates to 16 MB (``bomb``), redirects in a
loop (``loop``), sends random bytes or an HTML page as JSON (``junk``) or hangs up before the
length it announced (``short``)."""

from __future__ import annotations

import contextlib
import gzip
import random
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import errors_of

from harvesters.http import FetchError, HttpClient

MB = 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    sent: dict[str, int]  # path -> bytes of body written, set on the server class

    def log_message(self, *_args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        kind = parts.path.strip("/").split("/")[0]
        every = float(q.get("every", 0.05))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            getattr(self, f"_{kind}")(q, every)

    def _start(self, headers: dict[str, str]) -> None:
        self.send_response(200)
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.flush()

    def _write(self, data: bytes, body_bytes: int | None = None) -> None:
        self.wfile.write(data)
        self.wfile.flush()
        n = len(data) if body_bytes is None else body_bytes
        self.server.sent[self.path] = self.server.sent.get(self.path, 0) + n  # type: ignore[attr-defined]

    def _drip(self, q: dict, every: float) -> None:
        """A JSON document of ``size`` bytes, ``step`` bytes every ``every`` seconds."""
        size, step = int(q.get("size", 2000)), int(q.get("step", 1))
        body = (b'{"dataset": [' + b" " * size)[:size]
        chunked = q.get("chunked") == "1"
        self._start(
            {"Content-Type": "application/json"}
            | ({"Transfer-Encoding": "chunked"} if chunked else {"Content-Length": str(size)})
        )
        for i in range(0, size, step):
            part = body[i : i + step]
            self._write(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part, len(part))
            time.sleep(every)
        if chunked:
            self._write(b"0\r\n\r\n")

    def _huge(self, q: dict, every: float) -> None:
        """Announces 2 GB, then sends a byte now and then."""
        self._start({"Content-Type": "application/json", "Content-Length": str(2048 * MB)})
        for _ in range(200):
            self._write(b" ")
            time.sleep(every)

    def _silent(self, q: dict, every: float) -> None:
        self._start({"Content-Type": "application/json", "Content-Length": "100"})
        self._write(b"{")
        time.sleep(float(q.get("for", 5)))

    def _endless(self, q: dict, every: float) -> None:
        """No length, 64 KiB after 64 KiB until the client hangs up (or 64 MB)."""
        self._start({"Content-Type": "application/json", "Connection": "close"})
        self.close_connection = True
        for _ in range(1024):
            self._write(b" " * 65536)

    def _loop(self, q: dict, every: float) -> None:
        """Redirects to itself for ever (``/loop``) or round a ring of two (``/loop?ring=1``)."""
        hop = int(q.get("hop", 0)) + 1
        target = f"/loop?ring=1&hop={hop % 2}" if q.get("ring") else "/loop"
        self.server.sent[self.path] = self.server.sent.get(self.path, 0) + 1  # type: ignore[attr-defined]
        self.send_response(302)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _junk(self, q: dict, every: float) -> None:
        """Says JSON, sends random bytes (``kind=bytes``) or an HTML error page (``html``)."""
        if q.get("kind") == "html":
            body = b"<!doctype html><html><body><h1>502 Bad Gateway</h1></body></html>"
        else:
            body = random.Random(7).randbytes(int(q.get("size", 200_000)))
        self._start({"Content-Type": "application/json", "Content-Length": str(len(body))})
        self._write(body)

    def _short(self, q: dict, every: float) -> None:
        """Announces 5,000 bytes, sends 300 of a JSON document and hangs up."""
        self._start({"Content-Type": "application/json", "Content-Length": "5000"})
        self._write(b'{"dataset": [' + b" " * 287)
        self.close_connection = True

    def _bomb(self, q: dict, every: float) -> None:
        body = gzip.compress(b" " * (16 * MB))
        self._start(
            {
                "Content-Type": "application/json",
                "Content-Encoding": "gzip",
                "Content-Length": str(len(body)),
            }
        )
        self._write(body)


@pytest.fixture
def source() -> Iterator[ThreadingHTTPServer]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    srv.sent = {}  # type: ignore[attr-defined]
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


def _url(srv: ThreadingHTTPServer, path: str) -> str:
    return f"http://127.0.0.1:{srv.server_address[1]}/{path}"


def _client(**config: float) -> HttpClient:
    return HttpClient({"timeout": 5.0, "retries": 0, **config})


def _fails(call, *args: object) -> tuple[str, float]:
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        call(*args)
    return info.value.reason, time.monotonic() - started


@pytest.mark.parametrize("chunked", ["0", "1"])
@pytest.mark.parametrize("method", ["get_bytes", "get_file"])
def test_a_dripping_source_ends_at_the_deadline(source, method, chunked):
    # 2,000 bytes, one every 50 ms: 100 s to arrive, each byte well inside the 5 s read timeout
    http = _client(total_timeout=1.0)
    url = _url(source, f"drip?size=2000&every=0.05&chunked={chunked}")
    reason, took = _fails(getattr(http, method), url)
    assert reason == "no complete answer within 1 s"
    assert 0.9 < took < 2.0
    assert source.sent[urlsplit(url).path + "?" + urlsplit(url).query] < 100


def test_the_deadline_counts_from_the_request_not_from_the_headers(source):
    http = _client(total_timeout=1.5)
    started = time.monotonic()
    resp = http.get(_url(source, "drip?size=2000&every=0.05"), stream=True)
    time.sleep(1.0)  # the caller is slow to start reading: the deadline still holds
    from harvesters.http import _DEADLINE, _bounded_chunks

    with pytest.raises(FetchError, match="no complete answer within 1.5 s"):
        for _ in _bounded_chunks(resp, MB, getattr(resp, _DEADLINE), 1.5):
            pass
    assert time.monotonic() - started < 2.5


def test_a_source_that_stops_sending_ends_at_the_read_timeout(source):
    http = _client(timeout=0.5, total_timeout=30.0)
    reason, took = _fails(http.get_bytes, _url(source, "silent?for=5"))
    assert reason == "the source stopped sending for 0.5 s"
    assert took < 2.0


def test_an_announced_size_above_the_cap_is_refused_before_reading(source):
    http = _client(max_bytes=MB, total_timeout=60.0)
    for call in (http.get_bytes, http.get_file):
        reason, took = _fails(call, _url(source, "huge?every=0.05"))
        assert reason == (
            "source sent more than 1 MB (the limit is 1,048,576 bytes): "
            "it announced 2,147,483,648 bytes"
        )
        assert took < 1.0  # not 10 s of dripping


def test_a_body_without_length_is_cut_at_the_cap(source):
    http = _client(max_bytes=2 * MB, total_timeout=60.0)
    for call in (http.get_bytes, http.get_file):
        reason, _took = _fails(call, _url(source, "endless"))
        assert reason == "source sent more than 2 MB (the limit is 2,097,152 bytes)"
    assert max(source.sent.values()) < 64 * MB


def test_the_cap_counts_decompressed_bytes(source):
    http = _client(max_bytes=MB, total_timeout=60.0)
    reason, _took = _fails(http.get_bytes, _url(source, "bomb"))
    assert reason == "source sent more than 1 MB (the limit is 1,048,576 bytes)"


def test_a_source_within_its_limits_is_read_whole(source):
    http = _client(total_timeout=10.0)
    data, ctype, _final = http.get_bytes(_url(source, "drip?size=3000&step=500&every=0.01"))
    assert len(data) == 3000 and ctype == "application/json"


def test_a_harvest_of_a_dripping_source_fails_with_the_reason(cat, harvest, source):
    # the deadline comes from the catalog-wide defaults in the settings; the source sets none
    cat.settings.extra["harvest_defaults"] = {"total_timeout": 1.0}
    url = _url(source, "drip?size=5000&every=0.05")
    started = time.monotonic()
    out = harvest("datajson", url)
    assert time.monotonic() - started < 10
    assert (out.state, out.counts.errors) == ("failed", 1)
    [(stage, rid, why)] = errors_of(cat, out.job_id)
    assert (stage, rid) == ("gather", None)
    assert why == f"{url}: no complete answer within 1 s"


def test_a_harvest_of_a_source_announcing_2_gb_fails_with_the_reason(cat, harvest, source):
    url = _url(source, "huge")
    out = harvest("datajson", url, config={"max_bytes": 10 * MB})
    assert (out.state, out.counts.errors) == ("failed", 1)
    [(_stage, _rid, why)] = errors_of(cat, out.job_id)
    assert "source sent more than 10 MB" in why and "announced 2,147,483,648 bytes" in why
    job_errors = [e for e in errors_of(cat, out.job_id) if e[0] != "warning"]
    assert len(job_errors) == 1


@pytest.mark.parametrize("ring", ["", "?ring=1"])
def test_a_redirect_loop_ends_after_a_bounded_number_of_hops(source, ring):
    http = _client()
    reason, took = _fails(http.get_bytes, _url(source, f"loop{ring}"))
    assert "redirect" in reason.lower(), reason
    assert took < 5
    assert sum(source.sent.values()) <= 31  # requests' default: 30 redirects at most


def test_a_source_that_hangs_up_before_its_announced_length_fails(source):
    reason, took = _fails(_client().get_bytes, _url(source, "short"))
    assert took < 5
    assert "5000" in reason or "incomplete" in reason.lower() or "ended" in reason.lower(), reason


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("loop", "redirect"),
        ("loop?ring=1", "redirect"),
        ("junk", "not a JSON document"),
        ("junk?kind=html", "not a JSON document"),
        ("short", ""),
    ],
)
def test_a_harvest_of_a_lying_or_looping_source_fails_with_the_reason(
    cat, harvest, source, path, reason
):
    url = _url(source, path)
    started = time.monotonic()
    out = harvest("datajson", url)
    assert time.monotonic() - started < 15
    assert (out.state, out.counts.errors) == ("failed", 1)
    [(stage, rid, why)] = [e for e in errors_of(cat, out.job_id) if e[0] != "warning"]
    assert (stage, rid) == ("gather", None)
    assert url in why and reason.lower() in why.lower(), why
