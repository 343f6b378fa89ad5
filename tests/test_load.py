"""Load: 2,000 signed deliveries from 50 concurrent clients against gunicorn, run by two `vibeops worker`s."""

from __future__ import annotations

import http.client
import re
import signal
import socket
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from bot.app.redis_queue import RedisQueue
from tests import payloads
from tests.appkit import INSTALLATION, REPO, SECRET
from tests.scaleout import app_env, kill_group, start_gunicorn, start_worker, wait_for

DELIVERIES = 2000
CLIENTS = 50
ISSUES = 100  # spread the comments out: the bot reads an issue's comments before replying on it


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def plan(github) -> list[tuple[str, int, bytes, bool]]:
    """(delivery ID, comment ID, body, signed correctly): fresh comments, 1 in 10 forged, 1 in 10 sent twice."""
    for number in range(10, 10 + ISSUES):
        github.add_issue(REPO, number, f"Issue {number}")
    deliveries, comment_id = [], 900_000
    while len(deliveries) < DELIVERIES:
        index = len(deliveries)
        comment_id += 1
        number = 10 + comment_id % ISSUES
        github.add_issue_comment(REPO, number, comment_id, "/vibeops help", user="alice")
        body = payloads.dumps(payloads.issue_comment_created(REPO, number, comment_id, "/vibeops help", user="alice",
                                                             installation_id=INSTALLATION, base_url=github.base_url))
        deliveries.append((f"load-{index}", comment_id, body, index % 10 != 3))
        if index % 10 == 5:  # GitHub redelivers the same delivery ID, and sends the same comment under a new one
            deliveries.append((f"load-{index}", comment_id, body, True))
            deliveries.append((f"load-{index}-again", comment_id, body, True))
    return deliveries[:DELIVERIES]


def test_every_valid_delivery_is_processed_exactly_once_and_every_forged_one_refused(github, redis_url, tmp_path):
    deliveries = plan(github)
    env = app_env(github, redis_url, tmp_path)
    port = free_port()
    web = start_gunicorn(env, port, tmp_path / "gunicorn.log", workers=2)
    workers = [start_worker(env, tmp_path / f"worker-{n}.log") for n in range(2)]
    local = threading.local()
    answers: list[tuple[str, int, bool, int]] = []
    lock = threading.Lock()

    def send(item):
        delivery, comment_id, body, signed = item
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local.connection.request("POST", "/api/github/webhooks", body=body, headers=payloads.headers(
            "issue_comment", delivery, body, SECRET if signed else "forged"))
        response = local.connection.getresponse()
        response.read()
        with lock:
            answers.append((delivery, comment_id, signed, response.status))

    try:
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            list(pool.map(send, deliveries))
        valid_comments = {comment_id for _, comment_id, signed, _ in answers if signed}
        wait_for(lambda: RedisQueue(redis_url).counts()["done"] >= len(valid_comments), 600,
                 "the workers to run every accepted job", poll=0.5)
    finally:
        for process in (*workers, web):
            kill_group(process, signal.SIGTERM)
    assert len(answers) == DELIVERIES
    assert all(status == 401 for _, _, signed, status in answers if not signed)
    accepted = Counter(comment_id for _, comment_id, _, status in answers if status == 202)
    assert set(accepted) == valid_comments and set(accepted.values()) == {1}  # one job per comment, copies refused
    assert {status for _, _, signed, status in answers if signed} == {200, 202}
    replied = Counter()
    for number in range(10, 10 + ISSUES):
        for comment in github.comments(REPO, number):
            if comment["user"] == github.bot_login:
                replied.update(int(n) for n in re.findall(r"vibeops:reply-to (\d+)", comment["body"]))
    assert set(replied) == valid_comments and set(replied.values()) == {1}
    forged = {comment_id for _, comment_id, signed, _ in answers if not signed} - valid_comments
    assert forged and not forged & set(replied)
    counts = RedisQueue(redis_url).counts()
    assert counts == {"queued": 0, "running": 0, "done": len(valid_comments), "failed": 0}
