"""The worker: a long-running loop that runs due and queued jobs from the database.

Any number of workers may run, on one machine or several: a job is claimed atomically
(``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, a conditional ``UPDATE`` on SQLite),
so no two take the same one. Each pass first fails jobs whose worker died (their
heartbeat stopped), then queues scheduled sources that are due. On SIGTERM or SIGINT the
worker stops after the record in hand; its job goes back to the queue and, run again, ends
as if never interrupted.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

from catalog.services import harvest as svc
from harvesters.pipeline import Outcome, Progress, run_job

log = logging.getLogger(__name__)


class Worker:
    def __init__(
        self,
        cat,
        *,
        name: str | None = None,
        poll: float = 5.0,
        on_job: Callable[[Outcome], None] | None = None,
        progress: Callable[[object], Progress | None] | None = None,
    ):
        self.cat = cat
        self.name = name or svc.worker_id()
        self.poll = poll
        self.on_job = on_job
        self.progress = progress
        self.stopping = threading.Event()

    def stop(self, *_args: object) -> None:
        self.stopping.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def run_once(self) -> Outcome | None:
        """One pass: reap, schedule, and run at most one job; None when nothing was due."""
        svc.reap_stale_jobs(self.cat)
        svc.schedule_due(self.cat)
        job = svc.claim_next_job(self.cat, self.name)
        if job is None:
            return None
        log.info("job %s (%s) taken by %s", job.id, job.job_type, self.name)
        bar = self.progress(job) if self.progress else None
        outcome = run_job(self.cat, job, progress=bar, should_stop=self.stopping.is_set)
        log.info("job %s: %s", job.id, outcome.summary)
        if self.on_job:
            self.on_job(outcome)
        return outcome

    def run(self, max_jobs: int | None = None, idle_exit: bool = False) -> int:
        """Loop until stopped (or ``max_jobs`` ran, or the queue is empty with
        ``idle_exit``); returns how many jobs ran."""
        done = 0
        while not self.stopping.is_set():
            outcome = self.run_once()
            if outcome is not None:
                done += 1
                if max_jobs is not None and done >= max_jobs:
                    break
                continue
            if idle_exit:
                break
            self.stopping.wait(self.poll)
        return done
