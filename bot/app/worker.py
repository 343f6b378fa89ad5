"""Run the SQLite queue's jobs one at a time in a background thread, retrying what failed unexpectedly."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bot.app.jobstore import MAX_ATTEMPTS, Job, JobStore
from bot.app.logs import delivery_id
from bot.app.metrics import Metrics

log = logging.getLogger("vibeops.worker")


def run_job(handle: Callable[[Job], None], job: Job, metrics: Metrics) -> None:
    """Run one job with its delivery ID in every log line, timed and counted; what it raises is re-raised."""
    token = delivery_id.set(job.payload.get("delivery_id"))
    start = time.perf_counter()
    outcome = "done"
    try:
        handle(job)
    except Exception:
        outcome = "retried" if job.attempts < MAX_ATTEMPTS else "failed"
        log.exception("job %s (%s) failed on attempt %s of %s", job.id, job.kind, job.attempts, MAX_ATTEMPTS)
        raise
    finally:
        delivery_id.reset(token)
        metrics.observe("vibeops_job_duration_seconds", time.perf_counter() - start, kind=job.kind)
        metrics.count("vibeops_jobs_total", kind=job.kind, outcome=outcome)


class Worker:
    def __init__(self, store: JobStore, handle: Callable[[Job], None], poll_seconds: float = 1.0,
                 retry_base_seconds: float = 5.0, metrics: Metrics | None = None,
                 give_up: Callable[[Job], None] | None = None):
        """`give_up` answers a job whose last attempt died with its worker (JobHandler.give_up)."""
        self.store = store
        self.handle = handle
        self.give_up = give_up
        self.poll_seconds = poll_seconds
        self.retry_base_seconds = retry_base_seconds
        self.metrics = metrics or Metrics()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        """A job was just enqueued: skip the rest of the poll interval."""
        self._wake.set()

    def run_once(self) -> bool:
        job = self.store.claim()
        if job is None:
            for abandoned in self.store.take_abandoned():  # idle: time to answer what a dead worker left
                self.metrics.count("vibeops_jobs_total", kind=abandoned.kind, outcome="abandoned")
                if self.give_up is not None:
                    self.give_up(abandoned)
            return False
        try:
            run_job(self.handle, job, self.metrics)
        except Exception as exc:  # a bug or an outage: keep the job, try again later
            retry = None if job.attempts >= MAX_ATTEMPTS else self.retry_base_seconds * 2 ** (job.attempts - 1)
            self.store.fail(job.id, f"{type(exc).__name__}: {exc}", retry)
        else:
            self.store.complete(job.id)
        return True

    def run_until_idle(self, limit: int = 100) -> int:
        ran = 0
        while ran < limit and self.run_once():
            ran += 1
        return ran

    def start(self) -> None:
        """Work in a background thread (the web process's embedded worker)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self.work, name="vibeops-worker", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        """Finish the job in hand, then stop; an unfinished job is reclaimed after its lease."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def work(self, burst: bool = False) -> None:
        """Run jobs until `stop()`; with `burst`, also stop once no job is ready."""
        while not self._stop.is_set():
            if not self.run_once():
                if burst:
                    return
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
