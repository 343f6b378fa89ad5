"""Open the queue the settings name: the embedded SQLite store, or Redis shared by every process."""

from __future__ import annotations

from bot.app.metrics import Metrics, SharedMetrics
from bot.app.settings import Settings


class QueueUnavailable(RuntimeError):
    """The shared queue cannot be reached; the message names its host, never the URL's password."""


def open_queue(settings: Settings):
    """The job queue and the metrics that go with it: kept in this process for SQLite, in Redis for Redis."""
    if settings.queue_url:
        from bot.app.redis_queue import RedisQueue

        queue = RedisQueue(settings.queue_url, settings.per_installation_jobs)
        return queue, SharedMetrics(queue.redis)
    from bot.app.jobstore import JobStore

    return JobStore(settings.data_dir / "jobs.sqlite3", settings.per_installation_jobs), Metrics()
