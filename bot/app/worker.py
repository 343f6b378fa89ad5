"""Run queued jobs one at a time in a background thread, retrying what failed unexpectedly."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bot.app.jobstore import MAX_ATTEMPTS, Job, JobStore
from bot.app.logs import delivery_id
from bot.app.metrics import Metrics

log = logging.getLogger("vibeops.worker")


class Worker:
    def __init__(self, store: JobStore, handle: Callable[[Job], None], poll_seconds: float = 1.0,
                 retry_base_seconds: float = 5.0, metrics: Metrics | None = None):
        self.store = store
        self.handle = handle
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
            return False
        token = delivery_id.set(job.payload.get("delivery_id"))
        start = time.perf_counter()
        try:
            self.handle(job)
        except Exception as exc:  # a bug or an outage: keep the job, try again later
            log.exception("job %s (%s) failed on attempt %s", job.id, job.kind, job.attempts)
            retry = None if job.attempts >= MAX_ATTEMPTS else self.retry_base_seconds * 2 ** (job.attempts - 1)
            self.store.fail(job.id, f"{type(exc).__name__}: {exc}", retry)
            outcome = "retried" if retry is not None else "failed"
        else:
            self.store.complete(job.id)
            outcome = "done"
        finally:
            delivery_id.reset(token)
        self.metrics.observe("vibeops_job_duration_seconds", time.perf_counter() - start, kind=job.kind)
        self.metrics.count("vibeops_jobs_total", kind=job.kind, outcome=outcome)
        return True

    def run_until_idle(self, limit: int = 100) -> int:
        ran = 0
        while ran < limit and self.run_once():
            ran += 1
        return ran

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="vibeops-worker", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        """Finish the job in hand, then stop; an unfinished job is reclaimed after its lease."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            if not self.run_once():
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
