"""Retrying GitHub calls: what is retried, how long it waits, and what is never retried."""

from __future__ import annotations

import time

import pytest
import requests
from github import GithubException

from bot.adapters.github_retry import RetryPolicy


def flaky(failures: list[Exception], result="ok"):
    calls = []

    def operation():
        calls.append(1)
        if failures:
            raise failures.pop(0)
        return result

    operation.calls = calls
    return operation


def policy(waits: list[float], attempts=5) -> RetryPolicy:
    return RetryPolicy(attempts=attempts, base_seconds=1.0, max_seconds=30.0, sleep=waits.append)


def test_server_errors_and_dropped_connections_back_off_exponentially_with_jitter():
    waits: list[float] = []
    op = flaky([GithubException(502, {"message": "Bad Gateway"}, None), requests.ConnectionError("reset"),
                GithubException(503, {}, None), requests.exceptions.RetryError("max retries")])
    assert policy(waits).call(op) == "ok"
    assert len(op.calls) == 5
    for attempt, wait in enumerate(waits):
        assert 2 ** attempt / 2 <= wait <= 2 ** attempt  # half fixed, half random


def test_gives_up_after_the_last_attempt_with_the_real_error():
    waits: list[float] = []
    op = flaky([GithubException(500, {}, None)] * 3)
    with pytest.raises(GithubException) as caught:
        policy(waits, attempts=3).call(op)
    assert caught.value.status == 500 and len(waits) == 2


def test_secondary_rate_limit_waits_for_retry_after():
    waits: list[float] = []
    op = flaky([GithubException(403, {"message": "You have exceeded a secondary rate limit"}, {"Retry-After": "7"})])
    assert policy(waits).call(op) == "ok"
    assert waits == [7.0]


def test_primary_rate_limit_waits_until_the_reset_time():
    waits: list[float] = []
    reset = int(time.time()) + 12
    op = flaky([GithubException(403, {"message": "API rate limit exceeded"},
                                {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)})])
    policy(waits).call(op)
    assert 10 <= waits[0] <= 14


def test_429_without_headers_waits_a_minute_capped_by_max():
    waits: list[float] = []
    policy(waits).call(flaky([GithubException(429, {"message": "Too Many Requests"}, {})]))
    assert waits == [30.0]


@pytest.mark.parametrize("error", [
    GithubException(404, {"message": "Not Found"}, None),
    GithubException(422, {"message": "Reference already exists"}, None),
    GithubException(403, {"message": "Resource not accessible by integration"}, {}),
    ValueError("a bug"),
])
def test_client_errors_and_bugs_are_not_retried(error):
    waits: list[float] = []
    op = flaky([error])
    with pytest.raises(type(error)):
        policy(waits).call(op)
    assert waits == [] and len(op.calls) == 1
