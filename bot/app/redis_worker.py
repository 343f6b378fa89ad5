"""RQ workers for the Redis queue: jobs run in the worker process while a thread heartbeats them."""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable

from rq import SimpleWorker, get_current_job
from rq.exceptions import AbandonedJobError
from rq.worker import WorkerStatus

from bot.app.jobstore import MAX_ATTEMPTS, Job
from bot.app.metrics import Metrics
from bot.app.worker import run_job

log = logging.getLogger("vibeops.worker")

# What the worker running this job was given; set around each job by HeartbeatWorker.execute_job.
_running: contextvars.ContextVar[tuple[Callable[[Job], None], Metrics] | None] = contextvars.ContextVar(
    "vibeops_running", default=None)


def perform(kind: str, payload: dict) -> None:
    """The function every queued job names; RQ calls it inside `vibeops worker`."""
    running = _running.get()
    if running is None:
        raise RuntimeError("vibeops jobs run in `vibeops worker`, which supplies the GitHub client")
    handle, metrics = running
    rq_job = get_current_job()
    # RQ counts down the retries left (abandoned jobs included); attempt 1 has them all.
    attempt = MAX_ATTEMPTS - (rq_job.retries_left or 0) if rq_job is not None else 1
    run_job(handle, Job(rq_job.id if rq_job else "", kind, payload, attempt), metrics)


class HeartbeatWorker(SimpleWorker):
    """A worker that runs jobs in its own process and heartbeats them from a thread.

    RQ's forking worker would lose the installation-token cache and the memoised tool results after
    every job; its plain SimpleWorker heartbeats only between jobs, so a worker killed mid-job would
    leave its job unclaimed for the whole job timeout. Here a killed worker's job stops heartbeating,
    and after three missed beats the maintenance of any live worker puts it back on the queue.
    """

    def __init__(self, queues, handle: Callable[[Job], None], metrics: Metrics, heartbeat_seconds: int = 10,
                 give_up: Callable[[Job], None] | None = None, **kwargs):
        """`give_up` answers a job whose last attempt died with its worker (JobHandler.give_up)."""
        beat = max(1, int(heartbeat_seconds))
        super().__init__(queues, job_monitoring_interval=beat, maintenance_interval=3 * beat,
                         worker_ttl=3 * beat + 15,  # dequeue waits worker_ttl - 15 s: maintenance stays on time
                         exception_handlers=[self.handle_abandoned], **kwargs)
        self.handle = handle
        self.metrics = metrics
        self.give_up = give_up

    def handle_abandoned(self, job, exc_type, exc_value, traceback) -> bool:
        """A job whose worker died goes back on the queue at once; on its last attempt it is answered instead.

        An abandoned job did not fail. RQ would otherwise wait a failure's backoff through its scheduler,
        whose lock a scheduler that died with the worker keeps for a minute. Only this retry's interval
        becomes 0; later ones keep theirs.
        """
        if exc_type is not AbandonedJobError:
            return True  # a job that raised: RQ's own handling
        log.warning("job %s was abandoned by a worker that died; %s attempt(s) left", job.id, job.retries_left or 0)
        if job.retries_left and job.retry_intervals:
            index = max(len(job.retry_intervals) - job.retries_left, 0)
            job.retry_intervals = [*job.retry_intervals[:index], 0, *job.retry_intervals[index + 1:]]
        elif not job.retries_left:
            try:  # RQ's cleanup does not guard its handlers: a raise here would stall every later cleanup
                kind, payload = job.args
                self.metrics.count("vibeops_jobs_total", kind=kind, outcome="abandoned")
                if self.give_up is not None:
                    self.give_up(Job(job.id, kind, payload, MAX_ATTEMPTS))
            except Exception:
                log.exception("could not answer abandoned job %s", job.id)
        return True  # the other handlers (RQ's own) still run

    def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:
        return 3 * self.job_monitoring_interval

    def execute_job(self, job, queue):
        execution = self.prepare_execution(job)
        stop = threading.Event()
        beat = threading.Thread(target=self._keep_alive, args=(job, execution, stop), name="vibeops-heartbeat",
                                daemon=True)
        beat.start()
        token = _running.set((self.handle, self.metrics))
        try:
            self.perform_job(job, queue, execution)
        finally:
            _running.reset(token)
            stop.set()
            beat.join()
        self.set_state(WorkerStatus.IDLE)

    def _keep_alive(self, job, execution, stop: threading.Event) -> None:
        while not stop.wait(self.job_monitoring_interval):
            try:
                self.maintain_heartbeats(job, execution)
            except Exception:  # Redis blinked: the next beat may land; three missed ones give the job away
                log.warning("could not heartbeat job %s", job.id, exc_info=True)
