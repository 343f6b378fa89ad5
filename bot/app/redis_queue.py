"""The scale-out queue: deliveries deduplicated in Redis and jobs handed to RQ workers."""

from __future__ import annotations

import contextlib
import hashlib
import re

from redis import Redis
from rq import Queue, Retry
from rq.rate_limit import RateLimit, RateLimitRegistry
from rq.registry import FailedJobRegistry, FinishedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from bot.app.jobstore import MAX_ATTEMPTS
from bot.app.queue_choice import QueueUnavailable

QUEUE_NAME = "vibeops"
JOB_FUNCTION = "bot.app.redis_worker.perform"
JOB_TIMEOUT_SECONDS = 900  # a job is a few GitHub calls, a trivy preview and up to three LLM rounds
SEEN_SECONDS = 7 * 24 * 3600  # GitHub offers redelivery of the past three days; keep a margin
PENDING_SECONDS = 60
RESULT_SECONDS = 24 * 3600

# Marks the delivery (KEYS[1]) and then its job (KEYS[2], if given) as seen, in one round trip;
# 0 when either was seen before. ARGV: seconds to remember, event, delivery ID.
_FIRST_SIGHT = """
if not redis.call('SET', KEYS[1], ARGV[2], 'NX', 'EX', ARGV[1]) then return 0 end
if KEYS[2] and not redis.call('SET', KEYS[2], ARGV[3], 'NX', 'EX', ARGV[1]) then return 0 end
return 1
"""


class RedisQueue:
    """The same `accept`/`counts` as the SQLite JobStore, shared by every web process and worker."""

    def __init__(self, url: str, per_partition: int = 2, retry_base_seconds: float = 5.0,
                 connection: Redis | None = None):
        self.redis = connection or Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5,
                                                  health_check_interval=30)
        self.per_partition = per_partition
        self._first_sight = self.redis.register_script(_FIRST_SIGHT)
        self.queue = Queue(QUEUE_NAME, connection=self.redis, default_timeout=JOB_TIMEOUT_SECONDS)
        # Attempts 2 and 3 wait 5 s and 10 s: an outage gets time to pass, a user does not wait long.
        self.retry = Retry(max=MAX_ATTEMPTS - 1, interval=[retry_base_seconds * 2 ** n
                                                           for n in range(MAX_ATTEMPTS - 1)])

    def ping(self) -> None:
        try:
            self.redis.ping()
        except Exception as exc:
            where = self.redis.connection_pool.connection_kwargs
            place = where.get("path") or f"{where.get('host')}:{where.get('port')}"
            raise QueueUnavailable(f"cannot reach the Redis queue at {place}: {exc}") from exc

    def accept(self, delivery_id: str, event: str, kind: str | None = None, payload: dict | None = None,
               idempotency_key: str | None = None, partition: str | None = None) -> bool:
        """Record a delivery and, when given, enqueue its job. False when the delivery (or its job) was seen before."""
        delivery_key = f"vibeops:delivery:{delivery_id}"
        if kind is None:
            return bool(self._first_sight(keys=[delivery_key], args=[SEEN_SECONDS, event, delivery_id]))
        # The same comment delivered under another ID is still the same job.
        job_key = f"vibeops:job:{hashlib.sha256((idempotency_key or delivery_id).encode()).hexdigest()}"
        # Remembered briefly until the job is on the queue: if Redis fails in between, the marks lapse
        # on their own and GitHub's redelivery is not refused as a duplicate of a job that never was.
        if not self._first_sight(keys=[delivery_key, job_key], args=[PENDING_SECONDS, event, delivery_id]):
            return False
        try:
            self.queue.enqueue_call(
                JOB_FUNCTION, args=(kind, payload or {}), job_id=_job_id(delivery_id), retry=self.retry,
                result_ttl=RESULT_SECONDS, failure_ttl=SEEN_SECONDS, description=f"{kind} {delivery_id}",
                rate_limit=RateLimit(f"installation-{partition}", self.per_partition) if partition else None)
        except Exception:
            with contextlib.suppress(Exception):  # Redis is failing: the marks lapse by themselves
                self.redis.delete(delivery_key, job_key)
            raise
        # If this fails, a later redelivery makes a second job, and that one finds the first one's work.
        with contextlib.suppress(Exception):
            with self.redis.pipeline(transaction=False) as pipe:
                pipe.expire(delivery_key, SEEN_SECONDS).expire(job_key, SEEN_SECONDS).execute()
        return True

    def counts(self) -> dict[str, int]:
        """Jobs by status; raises when Redis is unreachable (the readiness probe relies on that).

        Read without RQ's registry cleanup: recovering abandoned jobs is the workers' maintenance, which
        puts them back on the queue at once, not a probe's or a scrape's.
        """
        waiting = sum(limit.get_rate_limited_job_count() for limit in RateLimitRegistry.all(self.redis))
        registries = {name: registry(queue=self.queue).get_job_count(cleanup=False) for name, registry in (
            ("scheduled", ScheduledJobRegistry), ("running", StartedJobRegistry), ("done", FinishedJobRegistry),
            ("failed", FailedJobRegistry))}
        # Scheduled jobs are retries waiting for their backoff: still queued, as far as anyone waits on them.
        return {"queued": self.queue.count + waiting + registries.pop("scheduled"), **registries}


def _job_id(delivery_id: str) -> str:
    """RQ job IDs allow letters, digits, `_` and `-`: GitHub's GUIDs pass as they are, anything else is hashed."""
    if re.fullmatch(r"[A-Za-z0-9_-]{1,100}", delivery_id):
        return f"delivery-{delivery_id}"
    return f"delivery-{hashlib.sha256(delivery_id.encode()).hexdigest()}"
