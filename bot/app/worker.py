"""Run the SQLite queue's jobs one at a time in a background thread, retrying what failed unexpectedly."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager

from bot.app.jobstore import LEASE_SECONDS, MAX_ATTEMPTS, Job, JobStore
from bot.app.logs import delivery_id
from bot.app.metrics import Metrics

log = logging.getLogger("vibeops.worker")
TIMED_OUT = "timed-out"  # what a handler returns for a job it answered as over its time limit


def run_job(handle: Callable[[Job], None], job: Job, metrics: Metrics) -> None:
    """Run one job with its delivery ID in every log line, timed and counted; what it raises is re-raised."""
    token = delivery_id.set(job.payload.get("delivery_id"))
    start = time.perf_counter()
    outcome = "done"
    try:
        if handle(job) == TIMED_OUT:  # answered in the thread as timed out (JobHandler), not retried
            outcome = TIMED_OUT
    except Exception:
        outcome = "retried" if job.attempts < MAX_ATTEMPTS else "failed"
        log.exception("job %s (%s) failed on attempt %s of %s", job.id, job.kind, job.attempts, MAX_ATTEMPTS)
        raise
    finally:
        delivery_id.reset(token)
        metrics.observe("vibeops_job_duration_seconds", time.perf_counter() - start, kind=job.kind)
        metrics.count("vibeops_jobs_total", kind=job.kind, outcome=outcome)


def _start_ticks(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot, from /proc), to tell it from a later one of that pid."""
    try:
        stat = open(f"/proc/{pid}/stat", encoding="ascii", errors="replace").read()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def owner_id(pid: int | None = None) -> str:
    """Who holds a lease: this host, this process, and when it started (pids are reused, start times are not)."""
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid) or '-'}"


def owner_is_dead(owner: str) -> bool:
    """Whether a lease's owner on this host is gone. Owners on other hosts are left to their lease."""
    host, _, rest = owner.partition(":")
    pid, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, as another user
        return False
    return started not in ("-", "") and _start_ticks(int(pid)) not in (None, started)


class Worker:
    def __init__(self, store: JobStore, handle: Callable[[Job], None], poll_seconds: float = 1.0,
                 retry_base_seconds: float = 5.0, metrics: Metrics | None = None,
                 give_up: Callable[[Job], None] | None = None, lease_seconds: float = LEASE_SECONDS):
        """`give_up` answers a job whose last attempt died with its worker (JobHandler.give_up).

        A running job's lease lasts `lease_seconds` and is renewed three times as often, so another worker
        takes over a dead one's job within `lease_seconds` (at once after a restart on the same host)."""
        self.store = store
        self.handle = handle
        self.give_up = give_up
        self.poll_seconds = poll_seconds
        self.retry_base_seconds = retry_base_seconds
        self.metrics = metrics or Metrics()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.owner = owner_id()
        self.lease_seconds = lease_seconds
        self._released = False

    def wake(self) -> None:
        """A job was just enqueued: skip the rest of the poll interval."""
        self._wake.set()

    def release_dead_owners(self) -> None:
        """Once per worker: jobs whose worker died on this host (a crash, then a restart) run again now."""
        if not self._released:
            self._released = True
            released = self.store.release_dead_owners(owner_is_dead)
            if released:
                log.warning("%s job(s) of a worker that died on this host are queued again", released)

    def run_once(self) -> bool:
        self.release_dead_owners()
        job = self.store.claim(self.lease_seconds, owner=self.owner)
        if job is None:
            for abandoned in self.store.take_abandoned():  # idle: time to answer what a dead worker left
                self.metrics.count("vibeops_jobs_total", kind=abandoned.kind, outcome="abandoned")
                if self.give_up is not None:
                    self.give_up(abandoned)
            return False
        try:
            with self._heartbeat(job):
                run_job(self.handle, job, self.metrics)
        except Exception as exc:  # a bug or an outage: keep the job, try again later
            retry = None if job.attempts >= MAX_ATTEMPTS else self.retry_base_seconds * 2 ** (job.attempts - 1)
            self.store.fail(job.id, f"{type(exc).__name__}: {exc}", retry)
        else:
            self.store.complete(job.id)
        return True

    @contextmanager
    def _heartbeat(self, job: Job):
        """Renew the job's lease while it runs, so only a dead worker's job is handed on."""
        done = threading.Event()

        def beat():
            while not done.wait(self.lease_seconds / 3):
                try:
                    self.store.renew(job.id, self.owner, self.lease_seconds)
                except Exception:  # the next beat tries again; the lease has room for two misses
                    log.warning("could not renew the lease of job %s", job.id, exc_info=True)

        thread = threading.Thread(target=beat, name=f"vibeops-lease-{job.id}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()

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
