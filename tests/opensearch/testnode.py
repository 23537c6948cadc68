"""Build, start and stop the single-node OpenSearch of the tests and the benchmark.

The node is ``TestNode.java`` beside this file (see its comment for how it runs without a
distribution), built by Maven from Maven Central into ``build/opensearch-testnode``. Maven
works offline when its local repository (``~/.m2``) already has everything, which makes
every build after the first take seconds; the compiled class and the classpath are reused
as long as ``pom.xml`` and the Java source are unchanged.

    python -m tests.opensearch.testnode build     # compile, resolve the classpath
    python -m tests.opensearch.testnode run       # start a node in the foreground

Used by ``tests/conftest.py`` (the session's node), by the fault tests (a node of their
own that they stop and start again) and by ``bench/search_cluster.py``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BUILD = ROOT / "build" / "opensearch-testnode"
MAIN_CLASS = "catalog.testnode.TestNode"
SOURCES = [
    HERE / "pom.xml",
    HERE / "src" / "main" / "java" / "catalog" / "testnode" / "TestNode.java",
]
DEFAULT_HEAP = "512m"
START_TIMEOUT = 90.0


class NodeUnavailable(RuntimeError):
    """The node could not be built or started; the message says why and what to install."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_maven(offline: bool) -> subprocess.CompletedProcess:
    cmd = [
        "mvn",
        "-q",
        "-B",
        *(["-o"] if offline else []),
        "-f",
        str(HERE / "pom.xml"),
        "compile",
        "dependency:build-classpath",
        f"-Dmdep.outputFile={BUILD / 'classpath.txt'}",
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900)


def build() -> str:
    """Compile the launcher if needed; returns the Java classpath to run it with."""
    for tool in ("java", "mvn"):
        if shutil.which(tool) is None:
            raise NodeUnavailable(
                f"`{tool}` not found: the OpenSearch tests need Java 17 and Maven "
                "(Debian: apt-get install openjdk-17-jdk-headless maven)"
            )
    BUILD.mkdir(parents=True, exist_ok=True)
    classes = BUILD / "classes" / "catalog" / "testnode" / "TestNode.class"
    cp_file = BUILD / "classpath.txt"
    with open(BUILD / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time (tests and bench in parallel)
        newest_source = max(p.stat().st_mtime for p in SOURCES)
        fresh = (
            classes.exists()
            and cp_file.exists()
            and min(classes.stat().st_mtime, cp_file.stat().st_mtime) >= newest_source
        )
        if not fresh:
            done = _run_maven(offline=True)
            if done.returncode != 0:
                done = _run_maven(offline=False)
            if done.returncode != 0:
                raise NodeUnavailable(
                    "building the OpenSearch test node with Maven failed:\n"
                    + (done.stdout + done.stderr)[-3000:]
                )
            os.utime(cp_file)
    return f"{BUILD / 'classes'}{os.pathsep}{cp_file.read_text().strip()}"


class OpenSearchNode:
    """One OpenSearch JVM on 127.0.0.1; ``stop()`` then ``start()`` brings the same node
    (same data folder, same port) back, with its indices."""

    def __init__(self, home: Path | None = None, heap: str = DEFAULT_HEAP):
        self._own_home = home is None
        self.home = Path(home or tempfile.mkdtemp(prefix="catalog-opensearch-"))
        self.heap = heap
        self.http_port = _free_port()
        self.transport_port = _free_port()
        self.proc: subprocess.Popen | None = None
        self.startup_seconds: float | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def search_url_base(self) -> str:
        """The base of a CATALOG_SEARCH_URL for this node (add ``/prefix``)."""
        return f"opensearch://127.0.0.1:{self.http_port}"

    def start(self, timeout: float = START_TIMEOUT) -> str:
        """Start the JVM and wait until the cluster is yellow or green; returns the URL."""
        classpath = build()
        t0 = time.monotonic()
        log = open(self.home / "node.log", "ab")  # noqa: SIM115  (kept open for the JVM)
        cmd = [
            "java",
            f"-Xms{self.heap}",
            f"-Xmx{self.heap}",
            "-XX:+UseSerialGC",
            "-Dlog4j2.disable.jmx=true",
            "-Dopensearch.set.netty.runtime.available.processors=false",
            "-Djava.io.tmpdir=" + str(self.home),
            "-cp",
            classpath,
            MAIN_CLASS,
            str(self.home),
            str(self.http_port),
            str(self.transport_port),
        ]
        # the node exits when this pipe closes, i.e. when this process dies, however it dies
        self.proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.PIPE
        )
        log.close()
        deadline = t0 + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise NodeUnavailable(
                    f"OpenSearch test node exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            if self.cluster_status() in ("green", "yellow"):
                self.startup_seconds = time.monotonic() - t0
                return self.url
            time.sleep(0.25)
        self.stop()
        raise NodeUnavailable(
            f"OpenSearch test node not healthy after {timeout:.0f} s:\n{self.log_tail()}"
        )

    def cluster_status(self) -> str | None:
        try:
            with urllib.request.urlopen(f"{self.url}/_cluster/health", timeout=2) as r:
                return json.load(r).get("status")
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def log_tail(self, chars: int = 3000) -> str:
        path = self.home / "node.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else "(no log)"

    def freeze(self) -> None:
        """SIGSTOP the JVM: it keeps its port but answers nothing (a hung engine)."""
        if self.proc:
            self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.proc:
            self.proc.send_signal(signal.SIGCONT)

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM (the node closes cleanly), SIGKILL if it takes longer than ``timeout``."""
        if self.proc is None:
            return
        self.thaw()
        if self.proc.poll() is None:
            self.proc.terminate()
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    def remove(self) -> None:
        """Stop, and delete the data folder if this object made it."""
        self.stop()
        if self._own_home:
            shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> OpenSearchNode:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def main(argv: list[str]) -> int:
    what = argv[0] if argv else "build"
    try:
        if what == "build":
            build()
            print(f"OpenSearch test node built in {BUILD}")
            return 0
        if what == "run":
            node = OpenSearchNode()
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            try:
                node.start()
                print(
                    f"OpenSearch up at {node.url} in {node.startup_seconds:.1f} s "
                    "(Ctrl-C or SIGTERM stops it)",
                    flush=True,
                )
                with contextlib.suppress(KeyboardInterrupt):
                    node.proc.wait()
            finally:
                node.remove()
            return 0
    except NodeUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("usage: python -m tests.opensearch.testnode [build|run]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
