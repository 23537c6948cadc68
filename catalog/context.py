"""The running catalog: settings, database and search backend, shared by web, CLI and jobs."""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from catalog.config import Settings, load_settings
from catalog.db import make_engine, make_sessionmaker, read_only
from catalog.search import make_backend
from schemas import vocab

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class Catalog:
    """Holds the engine, the session factory and the search backend of one instance."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.engine = make_engine(settings.database_url)
        self.Session = make_sessionmaker(self.engine)
        # the same engine and pool, whose SQLite transactions begin DEFERRED: for reads,
        # which then never wait for a writer (sessions below, or plain connections)
        self.read_engine = read_only(self.engine)
        self.ReadSession = make_sessionmaker(self.read_engine)
        vocab.load_regions(settings.region_file)
        self.search = make_backend(settings.search_url, settings.index_path, settings.synonyms_file)
        self._drain_lock = threading.Lock()
        self._deferred = threading.local()
        self._drainer: tuple[threading.Thread, threading.Event] | None = None
        self._drainer_lock = threading.Lock()

    @contextmanager
    def session(self):
        """A session whose transaction commits on success and rolls back on any error."""
        session: Session = self.Session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def read_session(self):
        """A session for reading only: on SQLite its transaction begins ``DEFERRED``, so it
        never waits for a writer. Closing it rolls its transaction back, whatever was
        changed, and leaves the objects read loaded (detached, not expired)."""
        session: Session = self.ReadSession()
        try:
            yield session
        finally:
            session.close()

    def alembic_config(self) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.set_main_option("sqlalchemy.url", self.engine.url.render_as_string(hide_password=False))
        cfg.attributes["engine"] = self.engine
        return cfg

    def migrate(self) -> None:
        command.upgrade(self.alembic_config(), "head")

    def create_index_if_missing(self) -> None:
        self.search = make_backend(
            self.settings.search_url,
            self.settings.index_path,
            self.settings.synonyms_file,
            create=True,
        )

    def sync_index(self) -> int:
        """Apply queued index changes now, unless inside :meth:`deferred_indexing`."""
        from catalog.services.indexing import drain_outbox

        if getattr(self._deferred, "on", False):
            return 0
        try:
            return drain_outbox(self)
        except OperationalError as exc:
            # the write it follows is committed: a busy database must not turn it into an
            # error (a client would retry and store it twice); the rows wait for the next drain
            log.warning("index changes stay queued: %s", exc.orig)
            return 0

    @contextmanager
    def deferred_indexing(self):
        """Bulk work (demo load, imports): queue index changes and apply them once at the end."""
        self._deferred.on = True
        try:
            yield
        finally:
            self._deferred.on = False
            self.sync_index()

    def start_index_drainer(self, every: float) -> bool:
        """Apply queued index changes (and deliver queued e-mail) now and then every
        ``every`` seconds, in a daemon thread of this process (once; ``every`` <= 0:
        never). Without it a change whose drain failed after its commit (the writer busy
        in another process, a crash before the drain) would wait in the outbox until the
        next write; returns whether it runs."""
        if every <= 0:
            return False
        with self._drainer_lock:
            if self._drainer is not None:
                return True
            stop = threading.Event()

            def run() -> None:
                while not stop.is_set():
                    try:
                        self.sync_index()
                    except Exception:  # noqa: BLE001 -- the next round tries again
                        log.warning("draining the index outbox failed", exc_info=True)
                    try:
                        # e-mail queued for after an answer (issue 14): a message whose
                        # delivery failed, or whose process died first, goes out now
                        from catalog.services.mail_outbox import deliver_queued

                        deliver_queued(self)
                    except Exception:  # noqa: BLE001 -- the next round tries again
                        log.warning("delivering queued mail failed", exc_info=True)
                    stop.wait(every)

            thread = threading.Thread(target=run, name="index-outbox-drain", daemon=True)
            self._drainer = (thread, stop)
            thread.start()
            return True

    def dispose(self) -> None:
        if self._drainer is not None:
            thread, stop = self._drainer
            stop.set()
            thread.join(10)
            self._drainer = None
        self.search.close()
        self.engine.dispose()


def open_catalog(settings: Settings | None = None, **overrides: object) -> Catalog:
    return Catalog(settings or load_settings(**overrides))
