"""Metrics (prometheus-client, closed label sets) and JSON logs (python-json-logger) in every App process."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app.metrics import Metrics, SharedMetrics
from bot.app.settings import Settings
from bot.app.web import create_app
from tests.appkit import SECRET
from tests.scaleout import kill_group, start_gunicorn, wait_for

BIN = Path(sys.executable).parent


def comment_delivery(comment_id: int, body: str = "/vibeops help") -> bytes:
    """An issue_comment `created` delivery, trimmed to the fields the webhook reads."""
    return json.dumps({
        "action": "created",
        "issue": {"number": 1, "title": "scan", "user": {"login": "alice", "type": "User"}},
        "comment": {"id": comment_id, "body": body, "user": {"login": "alice", "type": "User"},
                    "author_association": "OWNER"},
        "repository": {"full_name": "acme/shop", "name": "shop", "owner": {"login": "acme"},
                       "default_branch": "main", "private": False},
        "sender": {"login": "alice", "type": "User"},
        "installation": {"id": 7},
    }).encode()


def post(url: str, body: bytes, event: str, delivery: str, signed: bool = True) -> int:
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "Content-Type": "application/json"}
    if signed:
        headers["X-Hub-Signature-256"] = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def samples(text: str) -> dict[tuple, float]:
    """Every sample of an exposition, parsed by prometheus-client's own parser: (name, labels) → value."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def web(tmp_path):
    settings = Settings(app_id=1, private_key="unused", webhook_secret=SECRET, data_dir=tmp_path)
    return create_app(settings, start_worker=False)


def test_made_up_event_names_add_no_series(web):
    client = web.test_client()
    for number in range(40):  # unauthenticated, each with an event name of its own
        answer = client.post("/api/github/webhooks", data=b"{}",
                             headers={"X-GitHub-Event": f"made-up-{number}", "X-GitHub-Delivery": f"d-{number}"})
        assert answer.status_code == 401
    text = client.get("/metrics").get_data(as_text=True)
    deliveries = {key: value for key, value in samples(text).items() if key[0] == "vibeops_deliveries_total"}
    assert deliveries == {("vibeops_deliveries_total", (("event", "other"), ("outcome", "bad-signature"))): 40.0}
    assert "made-up" not in text


def test_the_exposition_is_prometheus_text_with_the_documented_families(web):
    client = web.test_client()
    assert client.get("/metrics").headers["Content-Type"].startswith("text/plain; version=0.0.4")
    metrics: Metrics = web.extensions["vibeops"]["metrics"]
    metrics.count("vibeops_jobs_total", kind="comment", outcome="done")
    metrics.observe("vibeops_job_duration_seconds", 0.7, kind="comment")
    metrics.count("vibeops_checks_total", check="scope", result="pass")
    metrics.count("vibeops_checks_total", check="not-a-check", result="maybe")
    metrics.count("vibeops_llm_tokens_total", 120, kind="prompt")
    metrics.count("vibeops_llm_calls_total", 2)
    text = client.get("/metrics").get_data(as_text=True)
    kinds = {family.name: family.type for family in text_string_to_metric_families(text)}
    print(kinds)
    values = samples(text)
    assert values[("vibeops_jobs_total", (("kind", "comment"), ("outcome", "done")))] == 1
    assert values[("vibeops_job_duration_seconds_bucket", (("kind", "comment"), ("le", "0.5")))] == 0
    assert values[("vibeops_job_duration_seconds_bucket", (("kind", "comment"), ("le", "1.0")))] == 1
    assert values[("vibeops_job_duration_seconds_count", (("kind", "comment"),))] == 1
    assert values[("vibeops_job_duration_seconds_sum", (("kind", "comment"),))] == pytest.approx(0.7)
    assert values[("vibeops_checks_total", (("check", "scope"), ("result", "pass")))] == 1
    assert values[("vibeops_checks_total", (("check", "other"), ("result", "other")))] == 1
    assert values[("vibeops_llm_tokens_total", (("kind", "prompt"),))] == 120
    assert values[("vibeops_llm_calls_total", ())] == 2
    assert values[("vibeops_jobs", (("status", "queued"),))] == 0
    assert not any(name.endswith("_created") for name, _ in values)


def test_an_undocumented_metric_or_label_is_a_programming_error():
    metrics = Metrics()
    with pytest.raises(ValueError):
        metrics.count("vibeops_made_up_total")
    with pytest.raises(ValueError):
        metrics.count("vibeops_jobs_total", kind="comment")  # a label missing
    with pytest.raises(ValueError):
        metrics.observe("vibeops_jobs_total", 1.0, kind="comment", outcome="done")  # a counter, not a histogram


def test_shared_metrics_in_redis_stay_bounded_and_add_up(redis_server, redis_url):
    redis = redis_server.client()
    first, second = SharedMetrics(redis), SharedMetrics(redis)  # two processes of one deployment
    for number in range(300):
        first.count("vibeops_deliveries_total", event=f"made-up-{number}", outcome="bad-signature")
    second.count("vibeops_deliveries_total", event="issue_comment", outcome="accepted")
    second.observe("vibeops_job_duration_seconds", 2.0, kind="comment")
    first.observe("vibeops_job_duration_seconds", 20.0, kind="comment")
    assert redis.hlen("vibeops:metrics") < 20  # 300 made-up names made one series
    values = samples(first.render())
    assert values[("vibeops_deliveries_total", (("event", "other"), ("outcome", "bad-signature")))] == 300
    assert values[("vibeops_deliveries_total", (("event", "issue_comment"), ("outcome", "accepted")))] == 1
    assert values[("vibeops_job_duration_seconds_bucket", (("kind", "comment"), ("le", "2.5")))] == 1
    assert values[("vibeops_job_duration_seconds_bucket", (("kind", "comment"), ("le", "30.0")))] == 2
    assert values[("vibeops_job_duration_seconds_bucket", (("kind", "comment"), ("le", "+Inf")))] == 2
    assert values[("vibeops_job_duration_seconds_sum", (("kind", "comment"),))] == 22
    assert samples(second.render()) == values


def test_gunicorn_processes_share_their_metrics_and_log_json(tmp_path, rsa_private_key_pem):
    port = free_port()
    env = {**os.environ, "APP_ID": "1", "PRIVATE_KEY": rsa_private_key_pem.decode(), "WEBHOOK_SECRET": SECRET,
           "VIBEOPS_DATA_DIR": str(tmp_path / "data"), "VIBEOPS_EMBEDDED_WORKER": "0", "VIBEOPS_QUEUE": ""}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = tmp_path / "gunicorn.log"
    server = start_gunicorn(env, port, log, workers=2)
    try:
        base = f"http://127.0.0.1:{port}"
        for number in range(24):
            assert post(f"{base}/api/github/webhooks", comment_delivery(1000 + number), "issue_comment",
                        f"delivery-{number}") == 202
        answers = []
        for _ in range(12):  # new connections: the two processes both answer
            with urllib.request.urlopen(f"{base}/metrics", timeout=5) as answer:
                answers.append(samples(answer.read().decode()))
        for values in answers:  # whichever process answered, it shows the host's totals
            assert values[("vibeops_deliveries_total", (("event", "issue_comment"), ("outcome", "accepted")))] == 24
    finally:
        kill_group(server, 15)
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line gunicorn and the App wrote is JSON
    access = [r for r in records if r["logger"] == "gunicorn.access" and r.get("path") == "/api/github/webhooks"]
    assert len(access) == 24 and {r["status"] for r in access} == {202}
    assert {r["delivery"] for r in access} == {f"delivery-{n}" for n in range(24)}
    assert any(r["logger"] == "gunicorn.error" for r in records)
    accepted = [r for r in records if r["logger"] == "vibeops.web" and "accepted" in r["message"]]
    assert {r["delivery"] for r in accepted} == {f"delivery-{n}" for n in range(24)}


def test_vibeops_serve_writes_json_request_lines_with_the_delivery(tmp_path, rsa_private_key_pem):
    port = free_port()
    env = {**os.environ, "APP_ID": "1", "PRIVATE_KEY": rsa_private_key_pem.decode(), "WEBHOOK_SECRET": SECRET,
           "VIBEOPS_DATA_DIR": str(tmp_path / "data"), "VIBEOPS_EMBEDDED_WORKER": "0", "VIBEOPS_QUEUE": ""}
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        server = subprocess.Popen([str(BIN / "vibeops"), "serve", "--port", str(port)], env=env, stdout=out,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def ready():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                    return answer.status == 200
            except OSError:
                return False

        wait_for(ready, 30, "vibeops serve to answer")
        assert post(f"http://127.0.0.1:{port}/api/github/webhooks", comment_delivery(5), "issue_comment",
                    "serve-delivery-1") == 202
        wait_for(lambda: "serve-delivery-1" in log.read_text(), 10, "the request line")
        time.sleep(0.2)
    finally:
        kill_group(server, 15)
    records = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    request_lines = [r for r in records if r["logger"] == "werkzeug" and "/api/github/webhooks" in r["message"]]
    assert request_lines and request_lines[0]["delivery"] == "serve-delivery-1"


def test_under_gunicorn_the_sqlite_queues_jobs_run_in_a_process_of_their_own(github, tmp_path):
    from tests.appkit import REPO, SEED, bot_pulls, replies
    from tests.scaleout import app_env
    from tests.test_scaleout import comment_delivery as seed_delivery

    port = free_port()
    env = app_env(github, "", tmp_path)
    env.pop("VIBEOPS_QUEUE")
    env.pop("VIBEOPS_EMBEDDED_WORKER", None)  # the default: gunicorn's master starts the job process
    log = tmp_path / "gunicorn.log"
    server = start_gunicorn(env, port, log, workers=2)
    try:
        def job_processes() -> list[int]:
            found = subprocess.run(["pgrep", "-f", "-P", str(server.pid), "bot worker"], capture_output=True,
                                   text=True).stdout.split()
            return [int(pid) for pid in found]

        (first,) = wait_for(job_processes, 30, "the job process")
        comment_id, body = seed_delivery(github, SEED)
        assert post(f"http://127.0.0.1:{port}/api/github/webhooks", body, "issue_comment", "own-1",
                    signed=True) == 202
        wait_for(lambda: bot_pulls(github), 120, "the job process to open the pull request")
        wait_for(lambda: replies(github, 1) and "own-1: opened" in log.read_text(), 30, "the reply and its log line")
        os.kill(first, 9)  # the master starts another
        (second,) = wait_for(lambda: [pid for pid in job_processes() if pid != first], 30, "a new job process")
        assert second != first
    finally:
        kill_group(server, 15)
    text = log.read_text()
    assert "job process" in text and "exited -9" in text
    records = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    (opened,) = [r for r in records if r["logger"] == "vibeops.jobs" and "own-1: opened" in r["message"]]
    (accepted,) = [r for r in records if r["logger"] == "vibeops.web" and "own-1 accepted" in r["message"]]
    assert opened["pid"] == first and accepted["pid"] != first  # the job ran in the job process, not a web one
