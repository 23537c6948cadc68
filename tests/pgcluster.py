"""A throwaway PostgreSQL cluster for the test session.

``initdb`` into a temporary folder, ``pg_ctl start`` on a free local port with trust auth
and the unix socket inside that folder, one fresh database per test, ``pg_ctl stop -m
immediate`` and the folder removed at the end. initdb refuses to run as root, so as root
the cluster belongs to the ``postgres`` system user and its commands run through
``runuser``.
"""

from __future__ import annotations

import os
import pwd
import queue
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

PG_BIN = Path(os.environ.get("CATALOG_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


class PostgresUnavailable(RuntimeError):
    """The cluster cannot be started; PG-marked tests fail with this message."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    def __init__(self, bin_dir: Path = PG_BIN):
        self.bin_dir = Path(bin_dir)
        self.root: Path | None = None
        self.port: int | None = None
        self._as_postgres = os.geteuid() == 0
        self._started = False

    # -- helpers ---------------------------------------------------------------------------
    def _cmd(self, *args: str) -> list[str]:
        if self._as_postgres:
            return ["runuser", "-u", "postgres", "--", *args]
        return list(args)

    def _run(self, *args: str) -> None:
        proc = subprocess.run(self._cmd(*args), capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise PostgresUnavailable(
                f"{' '.join(args[:2])} failed (exit {proc.returncode}):\n"
                f"{proc.stdout}\n{proc.stderr}"
            )

    def _ensure_postgres_user(self) -> pwd.struct_passwd:
        try:
            return pwd.getpwnam("postgres")
        except KeyError:
            pass
        proc = subprocess.run(
            ["useradd", "--system", "--no-create-home", "postgres"], capture_output=True, text=True
        )
        if proc.returncode != 0:
            raise PostgresUnavailable(
                "running as root and there is no `postgres` user to run the test cluster as; "
                f"`useradd --system postgres` failed: {proc.stderr.strip()}"
            )
        return pwd.getpwnam("postgres")

    # -- life cycle ------------------------------------------------------------------------
    def start(self) -> PgCluster:
        for tool in ("initdb", "pg_ctl"):
            if not (self.bin_dir / tool).exists():
                raise PostgresUnavailable(
                    f"PostgreSQL binaries not found ({self.bin_dir / tool} is missing): install "
                    "postgresql-15 (apt-get install postgresql-15) or set CATALOG_TEST_PG_BIN"
                )
        self._sweep_stale()
        self.root = Path(tempfile.mkdtemp(prefix="catalog-pg-"))
        (self.root / "owner.pid").write_text(str(os.getpid()))
        data, sock = self.root / "data", self.root / "sock"
        sock.mkdir()
        if self._as_postgres:
            pw = self._ensure_postgres_user()
            for p in (self.root, sock):
                os.chown(p, pw.pw_uid, pw.pw_gid)
            self.root.chmod(0o700)
        self._run(
            str(self.bin_dir / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -c unix_socket_directories={sock} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200 -c shared_buffers=32MB"
        )
        last_error: Exception | None = None
        for _attempt in range(3):  # the free port may be taken between probe and bind
            self.port = _free_port()
            try:
                self._run(
                    str(self.bin_dir / "pg_ctl"),
                    "start",
                    "-w",
                    "-t",
                    "60",
                    "-D",
                    str(data),
                    "-l",
                    str(self.root / "server.log"),
                    "-o",
                    f"-p {self.port} {options}",
                )
                self._started = True
                break
            except PostgresUnavailable as exc:
                last_error = exc
        if not self._started:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            self.stop()
            raise PostgresUnavailable(f"pg_ctl start failed: {last_error}\n{tail}")
        self._wait_ready()
        return self

    def _sweep_stale(self) -> None:
        """Stop clusters of earlier test sessions that were killed before their teardown
        (e.g. by a timeout): only folders this module made, whose owner process is gone."""
        for root in Path(tempfile.gettempdir()).glob("catalog-pg-*"):
            try:
                owner = int((root / "owner.pid").read_text())
            except (OSError, ValueError):
                continue
            try:
                os.kill(owner, 0)
                continue  # still running: another session's cluster
            except ProcessLookupError:
                pass
            except PermissionError:
                continue
            subprocess.run(
                self._cmd(
                    str(self.bin_dir / "pg_ctl"),
                    "stop",
                    "-m",
                    "immediate",
                    "-D",
                    str(root / "data"),
                ),
                capture_output=True,
                timeout=60,
            )
            shutil.rmtree(root, ignore_errors=True)

    def _wait_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.dsn("postgres"), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        if self.root is None:
            return
        if self._started:
            subprocess.run(
                self._cmd(
                    str(self.bin_dir / "pg_ctl"),
                    "stop",
                    "-m",
                    "immediate",
                    "-D",
                    str(self.root / "data"),
                ),
                capture_output=True,
                timeout=60,
            )
            self._started = False
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    # -- databases -------------------------------------------------------------------------
    def dsn(self, dbname: str) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}"

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, prefix: str = "test", template: str = "template1") -> str:
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def pool(self, template: str = "template1", ahead: int = 2) -> DatabasePool:
        return DatabasePool(self, template, ahead)


class DatabasePool:
    """Fresh databases created a little ahead, in a thread, while the previous test runs.

    ``CREATE DATABASE`` costs ~0.2 s of server time; doing it in the background keeps one
    fresh database per test without making each test wait for it.
    """

    def __init__(self, cluster: PgCluster, template: str, ahead: int):
        self.cluster = cluster
        self.template = template
        self._ready: queue.Queue = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._fill, name=f"pg-pool-{template}", daemon=True)
        self._thread.start()

    def _fill(self) -> None:
        while not self._stop.is_set():
            try:
                item: str | BaseException = self.cluster.create_database(template=self.template)
            except Exception as exc:  # handed to the test that takes it
                item = exc
            while not self._stop.is_set():
                try:
                    self._ready.put(item, timeout=0.2)
                    break
                except queue.Full:
                    continue
            if isinstance(item, BaseException):
                return

    def take(self) -> str:
        item = self._ready.get(timeout=120)
        if isinstance(item, BaseException):
            raise PostgresUnavailable(f"cannot create a test database: {item}") from item
        return item

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
