"""The `vibeops worker` process: run the configured queue's jobs until told to stop."""

from __future__ import annotations

import logging
import signal

from bot.app.jobs import default_handler
from bot.app.queue_choice import open_queue
from bot.app.settings import Settings

log = logging.getLogger("vibeops.worker")


def run_worker(settings: Settings, burst: bool = False) -> int:
    """SIGTERM or Ctrl-C finishes the job in hand and stops; a killed worker's job is run again by another."""
    queue, metrics = open_queue(settings)
    if settings.queue_url:
        queue.ping()  # a clear message now rather than a traceback from inside RQ
        from bot.app.redis_worker import HeartbeatWorker

        handler = default_handler(settings, metrics)
        worker = HeartbeatWorker([queue.queue], handler, metrics, give_up=handler.give_up, connection=queue.redis,
                                 heartbeat_seconds=settings.worker_heartbeat_seconds)
        # RQ's scheduler process puts retries back on the queue when their backoff is over.
        worker.work(burst=burst, with_scheduler=True, logging_level=logging.getLogger("vibeops").level or "INFO")
        return 0
    from bot.app.worker import Worker

    handler = default_handler(settings, metrics)
    worker = Worker(queue, handler, metrics=metrics, give_up=handler.give_up,
                    lease_seconds=3 * settings.worker_heartbeat_seconds)

    def stop(signum, frame):
        log.info("signal %s: finishing the job in hand, then stopping", signum)
        worker.stop(timeout=0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("worker on the SQLite queue in %s", settings.data_dir)
    worker.work(burst=burst)
    return 0
