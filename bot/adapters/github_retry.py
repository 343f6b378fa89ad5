"""Retry GitHub calls on server errors, dropped connections and rate limits, with backoff and jitter."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_seconds: float = 1.0
    max_seconds: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_seconds)
        backoff = min(self.base_seconds * 2 ** attempt, self.max_seconds)
        return backoff / 2 + random.uniform(0, backoff / 2)  # jitter keeps many workers apart

    def call(self, operation: Callable[[], T], on_limit: Callable[[float], None] | None = None) -> T:
        """`operation`, tried again on what is worth retrying; `on_limit(seconds)` hears of every rate-limit
        answer's wait, so the installation's other calls hold off too (bot.adapters.github_budget)."""
        for attempt in range(self.attempts):
            try:
                return operation()
            except Exception as exc:  # narrowed by _retry_after
                wait = _retry_after(exc)
                if wait is False or attempt == self.attempts - 1:
                    raise
                delay = self.delay(attempt, wait)
                if wait is not None and on_limit is not None:
                    on_limit(delay)
                self.sleep(delay)
        raise AssertionError("unreachable")


def _retry_after(exc: Exception) -> float | None | bool:
    """Seconds GitHub asked us to wait, None to back off on our own, False for a final error."""
    from github import GithubException
    from requests import exceptions as http

    if isinstance(exc, (http.ConnectionError, http.Timeout, http.RetryError, ConnectionError)):
        return None
    if isinstance(exc, http.HTTPError) and exc.response is not None:
        return None if exc.response.status_code >= 500 else False
    if not isinstance(exc, GithubException):
        return False
    headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
    if exc.status >= 500:
        return None
    limited = exc.status == 429 or (exc.status == 403 and (
        headers.get("x-ratelimit-remaining") == "0" or "retry-after" in headers
        or "rate limit" in str(exc.data).lower()))
    if not limited:
        return False
    if "retry-after" in headers:
        return float(headers["retry-after"])
    if headers.get("x-ratelimit-reset", "").isdigit():
        return max(0.0, int(headers["x-ratelimit-reset"]) - time.time()) + 1
    return 60.0
