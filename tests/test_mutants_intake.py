"""Webhook intake, pinned down where mutants survived (tests/mutate.py, issue 20).

Deliveries are built on the fake GitHub's shapes (tests/payloads.py) and sent to the real Flask app.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from bot.app.delivery import (CommentCommand, PullRequestChange, command_text, parse_command, parse_pull_request)
from bot.app.jobstore import JobStore
from bot.app.settings import Settings
from bot.app.web import create_app
from bot.app.worker import Worker
from tests import payloads

SECRET = "mutant-secret"
PATH = "/api/github/webhooks"
MAX = 25 * 1024 * 1024


@pytest.fixture
def app(tmp_path, rsa_private_key_pem):
    settings = Settings(app_id=1, private_key=rsa_private_key_pem.decode(), webhook_secret=SECRET, data_dir=tmp_path)
    store = JobStore(tmp_path / "jobs.sqlite3")
    return create_app(settings, store=store, worker=Worker(store, lambda job: None), start_worker=False)


def comment(body: str = "/vibeops help", **kwargs) -> dict:
    return payloads.issue_comment_created("acme/app", 4, 11, body, installation_id=7, **kwargs)


def pull(action: str = "synchronize", merged: bool = False) -> dict:
    return {"action": action, "installation": {"id": 7}, "repository": {"full_name": "acme/app"},
            "pull_request": {"number": 3, "merged": merged, "head": {"sha": "a" * 40, "ref": "feature"}}}


# --- the body limit ------------------------------------------------------------------------------------------


def test_the_body_limit_is_exactly_25_mib(app):
    client = app.test_client()
    padding = MAX - len(b'{"pad": ""}')
    body = b'{"pad": "' + b"x" * padding + b'"}'
    assert len(body) == MAX
    headers = {"X-GitHub-Event": "issue_comment", "X-GitHub-Delivery": "big-1",
               "X-Hub-Signature-256": payloads.sign(body, SECRET)}
    at_limit = client.post(PATH, data=body, headers=headers)
    assert at_limit.status_code == 200 and "ignored" in at_limit.get_json()  # read, verified, not a command
    over = body[:-2] + b'x"}'
    headers["X-Hub-Signature-256"] = payloads.sign(over, SECRET)
    assert client.post(PATH, data=over, headers=headers).status_code == 413


# --- what a command is --------------------------------------------------------------------------------------


@pytest.mark.parametrize("body, expected", [
    ("    /vibeops help", None),  # four spaces: a code block
    ("   /vibeops help", "help"),  # three: still a paragraph
    ("\t/vibeops help", None),
    (" \t/vibeops help", None),
    ("  \t/vibeops help", None),
    ("@vibeops help", "help"),
    ("@vibeops", ""),
    ("@vibeopsx help", None),
    ("#vibeops help", None),
    ("\n\n/vibeops add trivy\nscan k8s  \n", "add trivy\nscan k8s"),
])
def test_markdown_decides_what_a_command_is(body, expected):
    assert command_text(body) == expected


# --- parse_command: what is missing gets a reason, never a crash --------------------------------------------


def test_a_delivery_missing_its_parts_is_ignored_with_a_reason():
    base = comment()
    assert parse_command("issue_comment", "d", {"action": "created"}, "bot") == (None, "not a /vibeops command")
    no_user = {**base, "comment": {"body": "/vibeops help", "id": 1}}
    del no_user["sender"]
    command, why = parse_command("issue_comment", "d", no_user, "bot")
    assert why == "" and command.author == "" and command.comment_id == 1
    for missing in ("installation", "repository"):
        partial = {k: v for k, v in base.items() if k != missing}
        assert parse_command("issue_comment", "d", partial, "bot") == (None, "delivery has no installation or repository")
    no_issue = {k: v for k, v in base.items() if k != "issue"}
    assert parse_command("issue_comment", "d", no_issue, "bot") == (None, "delivery has no issue or pull request number")
    review = payloads.review_comment_created("acme/app", 3, 12, "/vibeops help", installation_id=7)
    del review["pull_request"]
    assert parse_command("pull_request_review_comment", "d", review, "bot") == (
        None, "delivery has no issue or pull request number")


def test_a_bot_sender_is_ignored_even_when_the_comment_names_a_user():
    sent_by_bot = comment()
    sent_by_bot["sender"] = {**sent_by_bot["sender"], "type": "Bot"}
    assert parse_command("issue_comment", "d", sent_by_bot, "bot") == (None, "comments by bots are ignored")
    assert parse_command("issue_comment", "d", comment(), "bot")[0] is not None


def test_a_comment_without_an_id_has_id_zero_and_commands_are_frozen():
    payload = comment()
    del payload["comment"]["id"]
    command, _ = parse_command("issue_comment", "d", payload, "bot")
    assert command.comment_id == 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        command.text = "add anything"  # type: ignore[misc]
    assert CommentCommand.from_dict(json.loads(json.dumps(command.to_dict()))) == command


# --- parse_pull_request -------------------------------------------------------------------------------------


def test_a_pull_request_delivery_missing_its_parts_is_ignored_with_a_reason():
    why = "delivery has no installation, repository or head commit"
    assert parse_pull_request("d", {"action": "opened"}) == (None, why)
    for broken in ({"installation": None}, {"repository": None}):
        assert parse_pull_request("d", {**pull(), **broken}) == (None, why)
    headless = pull()
    del headless["pull_request"]["head"]
    assert parse_pull_request("d", headless) == (None, why)
    for key, value in (("number", None), ("head", {"ref": "x"})):
        changed = pull()
        changed["pull_request"][key] = value
        assert parse_pull_request("d", changed) == (None, why)
    change, why = parse_pull_request("d", pull())
    assert why == "" and change.head_ref == "feature" and change.closed_unmerged is False


def test_a_pull_request_change_survives_the_queue_and_old_jobs_default_to_open():
    change, _ = parse_pull_request("d", pull("closed"))
    assert change.closed_unmerged is True
    assert PullRequestChange.from_dict(json.loads(json.dumps(change.to_dict()))) == change
    old = {k: v for k, v in change.to_dict().items() if k != "closed_unmerged"}
    assert PullRequestChange.from_dict(old).closed_unmerged is False
    assert PullRequestChange("d", 1, "a/b", 2, "s", "r").closed_unmerged is False
    with pytest.raises(dataclasses.FrozenInstanceError):
        change.head_sha = "b" * 40  # type: ignore[misc]


# --- the web app ---------------------------------------------------------------------------------------------


def post(app, payload: dict, event: str = "issue_comment", delivery: str = "w-1"):
    body = payloads.dumps(payload)
    return app.test_client().post(PATH, data=body, headers=payloads.headers(event, delivery, body, SECRET))


def series(app) -> set[str]:
    text = app.test_client().get("/metrics").get_data(as_text=True)
    return {line for line in text.splitlines() if line.startswith("vibeops_deliveries_total{")}


class DownStore(JobStore):
    """A queue that is down: every delivery it is handed fails to be recorded (an adapter passed in)."""

    def accept(self, *args, **kwargs) -> bool:
        raise OSError("queue is down")


def test_a_queue_that_is_down_is_503_and_counted_as_unavailable(tmp_path, rsa_private_key_pem):
    settings = Settings(app_id=1, private_key=rsa_private_key_pem.decode(), webhook_secret=SECRET, data_dir=tmp_path)
    store = DownStore(tmp_path / "jobs.sqlite3")
    app = create_app(settings, store=store, worker=Worker(store, lambda job: None), start_worker=False)
    answer = post(app, comment())
    assert answer.status_code == 503 and "redeliver" in answer.get_json()["error"]
    assert 'vibeops_deliveries_total{event="issue_comment",outcome="unavailable"} 1.0' in series(app)


def test_only_webhook_requests_are_counted_and_errors_answer_json(app):
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    wrong_method = client.get(PATH)
    assert wrong_method.status_code == 405 and wrong_method.get_json()["error"] == "Method Not Allowed"
    assert client.get("/nowhere").get_json()["error"] == "Not Found"
    assert post(app, pull("closed", merged=True), event="pull_request").get_json() == {
        "ignored": "pull_request.closed is not handled"}
    assert post(app, comment("just a comment"), delivery="w-2").get_json() == {"ignored": "not a /vibeops command"}
    assert series(app) == {'vibeops_deliveries_total{event="pull_request",outcome="ignored"} 1.0',
                           'vibeops_deliveries_total{event="issue_comment",outcome="ignored"} 1.0',
                           'vibeops_deliveries_total{event="other",outcome="ignored"} 1.0'}


def test_an_accepted_delivery_wakes_the_started_worker_at_once(tmp_path, rsa_private_key_pem):
    import time

    settings = Settings(app_id=1, private_key=rsa_private_key_pem.decode(), webhook_secret=SECRET, data_dir=tmp_path)
    store = JobStore(tmp_path / "jobs.sqlite3")
    handled = []
    worker = Worker(store, handled.append, poll_seconds=120)  # without a wake-up it would sleep two minutes
    app = create_app(settings, store=store, worker=worker, start_worker=True)
    try:
        time.sleep(0.5)  # the worker has found the queue empty and sleeps
        assert post(app, comment(), delivery="wake-1").status_code == 202
        deadline = time.monotonic() + 30
        while not handled and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(handled) == 1
    finally:
        worker.stop(timeout=10)


def test_the_embedded_worker_runs_here_on_sqlite_only(tmp_path, rsa_private_key_pem):
    key = rsa_private_key_pem.decode()
    sqlite = Settings(app_id=1, private_key=key, webhook_secret=SECRET, data_dir=tmp_path, worker_heartbeat_seconds=7)
    store = JobStore(tmp_path / "jobs.sqlite3")
    worker = create_app(sqlite, store=store, start_worker=False).extensions["vibeops"]["worker"]
    assert isinstance(worker, Worker) and worker.lease_seconds == 21  # a job's lease: three missed heartbeats
    separate = dataclasses.replace(sqlite, embedded_worker=False)
    assert create_app(separate, store=store, start_worker=False).extensions["vibeops"]["worker"] is None


def test_a_redis_queue_web_process_only_enqueues(tmp_path, rsa_private_key_pem, redis_url):
    settings = Settings(app_id=1, private_key=rsa_private_key_pem.decode(), webhook_secret=SECRET, data_dir=tmp_path,
                        queue_url=redis_url)
    app = create_app(settings)  # start_worker defaults to True: there is no worker here to start
    assert app.extensions["vibeops"]["worker"] is None
    assert post(app, comment(), delivery="r-1").status_code == 202
    assert app.test_client().get("/readyz").get_json() == {"status": "ready", "queued": 1}


def test_an_app_made_without_starting_its_worker_leaves_jobs_queued(tmp_path, rsa_private_key_pem):
    import time

    settings = Settings(app_id=1, private_key=rsa_private_key_pem.decode(), webhook_secret=SECRET, data_dir=tmp_path)
    store = JobStore(tmp_path / "jobs.sqlite3")
    handled = []
    worker = Worker(store, handled.append, poll_seconds=0.05)
    app = create_app(settings, store=store, worker=worker, start_worker=False)
    try:
        assert post(app, comment(), delivery="idle-1").status_code == 202
        time.sleep(1.0)
        assert handled == [] and app.test_client().get("/readyz").get_json()["queued"] == 1
    finally:
        worker.stop(timeout=10)


SHUTDOWN = """
import sys, time
from pathlib import Path
from bot.app.jobstore import JobStore
from bot.app.settings import Settings
from bot.app.web import create_app
from bot.app.worker import Worker
from tests import payloads

folder = Path(sys.argv[1])
settings = Settings(app_id=1, private_key=(folder / "key.pem").read_text(), webhook_secret="s", data_dir=folder)
store = JobStore(folder / "jobs.sqlite3")

def handle(job):
    time.sleep(1.5)
    (folder / "finished").write_text("yes")

app = create_app(settings, store=store, worker=Worker(store, handle, poll_seconds=0.05), start_worker=True)
body = payloads.dumps(payloads.issue_comment_created("acme/app", 4, 11, "/vibeops help", installation_id=7))
answer = app.test_client().post("/api/github/webhooks", data=body, headers=payloads.headers("issue_comment", "x-1", body, "s"))
assert answer.status_code == 202, answer.status_code
time.sleep(0.5)  # the job is in hand; the process now exits normally
"""


def test_a_graceful_shutdown_finishes_the_job_in_hand(tmp_path, rsa_private_key_pem):
    import subprocess
    import sys

    from tests.conftest import PROJECT

    (tmp_path / "key.pem").write_bytes(rsa_private_key_pem)
    result = subprocess.run([sys.executable, "-c", SHUTDOWN, str(tmp_path)], cwd=PROJECT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "finished").read_text() == "yes"


# --- the app's own parts: its worker, its metrics, its logs (issue 20: web.py's survivors) -------------------


def settings_for(tmp_path, key: bytes, **changes) -> Settings:
    return Settings(app_id=1, private_key=key.decode(), webhook_secret=SECRET, data_dir=tmp_path, **changes)


def numbered(comment_id: int) -> dict:
    """Another /vibeops comment (its own idempotency key)."""
    return payloads.issue_comment_created("acme/app", 4, comment_id, "/vibeops help", installation_id=7)


def test_an_app_handed_a_worker_starts_it_unless_told_not_to(tmp_path, rsa_private_key_pem):
    import time

    store = JobStore(tmp_path / "jobs.sqlite3")
    handled = []
    worker = Worker(store, handled.append, poll_seconds=0.05)
    app = create_app(settings_for(tmp_path, rsa_private_key_pem), store=store, worker=worker)  # the default: start it
    try:
        assert post(app, comment(), delivery="start-1").status_code == 202
        deadline = time.monotonic() + 30
        while not handled and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(handled) == 1
    finally:
        worker.stop(timeout=10)


def test_the_metrics_handed_in_are_the_ones_counted_and_served(tmp_path, rsa_private_key_pem):
    from bot.app.metrics import Metrics

    store = JobStore(tmp_path / "jobs.sqlite3")
    key = rsa_private_key_pem
    # the embedded worker built here counts its jobs where the app counts its deliveries
    mine = Metrics()
    app = create_app(settings_for(tmp_path, key), store=store, metrics=mine, start_worker=False)
    worker = app.extensions["vibeops"]["worker"]
    assert app.extensions["vibeops"]["metrics"] is mine and worker.metrics is mine and worker.handle.ctx.metrics is mine
    assert post(app, comment(), delivery="m-1").status_code == 202
    assert 'vibeops_deliveries_total{event="issue_comment",outcome="accepted"} 1.0' in mine.render(store)
    # none handed in: the worker's, its handler's and the app's are still one
    app = create_app(settings_for(tmp_path, key), store=store, start_worker=False)
    worker = app.extensions["vibeops"]["worker"]
    assert worker.handle.ctx.metrics is worker.metrics is app.extensions["vibeops"]["metrics"]
    # no worker in this process: the metrics handed in, or new ones, count the deliveries
    separate = settings_for(tmp_path, key, embedded_worker=False)
    theirs = Metrics()
    app = create_app(separate, store=store, metrics=theirs, start_worker=False)
    assert app.extensions["vibeops"]["metrics"] is theirs
    assert post(app, numbered(21), delivery="m-2").status_code == 202
    assert 'vibeops_deliveries_total{event="issue_comment",outcome="accepted"} 1.0' in theirs.render(store)
    bare = create_app(separate, store=store, start_worker=False)
    assert post(bare, numbered(22), delivery="m-3").status_code == 202
    assert series(bare) == {'vibeops_deliveries_total{event="issue_comment",outcome="accepted"} 1.0'}


def test_a_handed_in_worker_brings_its_own_metrics(tmp_path, rsa_private_key_pem):
    from bot.app.metrics import Metrics

    store = JobStore(tmp_path / "jobs.sqlite3")
    worker = Worker(store, lambda job: None)
    app = create_app(settings_for(tmp_path, rsa_private_key_pem), store=store, worker=worker, metrics=Metrics(),
                     start_worker=False)
    assert post(app, comment(), delivery="own-1").status_code == 202
    worker.run_until_idle()
    text = app.test_client().get("/metrics").get_data(as_text=True)
    assert 'vibeops_jobs_total{kind="comment",outcome="done"} 1.0' in text
    assert 'vibeops_deliveries_total{event="issue_comment",outcome="accepted"} 1.0' in text


def test_the_metrics_endpoint_answers_200_in_prometheus_text(app):
    from bot.app.metrics import CONTENT_TYPE

    answer = app.test_client().get("/metrics")
    assert answer.status_code == 200 and answer.headers["Content-Type"] == CONTENT_TYPE
    assert "# TYPE vibeops_deliveries_total counter" in answer.get_data(as_text=True)


def test_a_probe_without_a_body_on_the_webhook_path_is_answered_and_counted_as_ignored(app):
    client = app.test_client()
    probe = client.open(PATH, method="OPTIONS", headers={"X-GitHub-Event": "ping"})
    assert probe.status_code == 200 and "POST" in probe.headers["Allow"]
    assert series(app) == {'vibeops_deliveries_total{event="ping",outcome="ignored"} 1.0'}


def test_a_duplicate_is_counted_apart_from_the_ignored_ones(app):
    assert post(app, comment(), delivery="dup-1").status_code == 202
    again = post(app, comment(), delivery="dup-1")
    assert again.status_code == 200 and again.get_json() == {"duplicate": "dup-1"}
    assert post(app, comment("no command here"), delivery="dup-2").status_code == 200
    assert series(app) == {'vibeops_deliveries_total{event="issue_comment",outcome="accepted"} 1.0',
                           'vibeops_deliveries_total{event="issue_comment",outcome="duplicate"} 1.0',
                           'vibeops_deliveries_total{event="issue_comment",outcome="ignored"} 1.0'}


def test_the_log_lines_of_a_request_name_its_delivery(app):
    import io
    import logging

    from bot.app.logs import JsonFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("vibeops.web")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        assert post(app, comment(), delivery="first-77").status_code == 202
        assert post(app, comment(), delivery="logged-42").status_code == 200  # the same comment: a duplicate
        assert post(app, numbered(12), delivery="logged-43").status_code == 202
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    lines = [json.loads(row) for row in stream.getvalue().splitlines()]
    accepted = [row for row in lines if "accepted" in row["message"]]
    assert [row["delivery"] for row in accepted] == ["first-77", "logged-43"]
