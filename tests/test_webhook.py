"""Webhook intake: verify, dedupe, enqueue, answer fast; nothing else happens on a bad delivery."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
import time

import pytest

from bot.app.jobstore import JobStore
from bot.app.settings import Settings, SettingsError
from bot.app.web import create_app
from bot.app.worker import Worker
from tests import payloads
from tests.realdata import realdata

SECRET = "webhook-secret"


def hook(name: str) -> Path:
    """One of GitHub's example deliveries, read in place from the shared real-data corpus."""
    return realdata("webhooks", *name.split("/"))


@pytest.fixture
def app(tmp_path, rsa_private_key_pem):
    settings = Settings(app_id=1, private_key=rsa_private_key_pem.decode(), webhook_secret=SECRET,
                        data_dir=tmp_path)
    store = JobStore(tmp_path / "jobs.sqlite3")
    handled = []
    worker = Worker(store, handled.append)
    app = create_app(settings, store=store, worker=worker, start_worker=False)
    app.handled = handled
    return app


def deliver(client, payload: dict | bytes, event="issue_comment", delivery="d-1", secret=SECRET, signature=None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "Content-Type": "application/json"}
    if signature is None:
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if signature:
        headers["X-Hub-Signature-256"] = signature
    return client.post("/api/github/webhooks", data=body, headers=headers)


def command_payload(body="/vibeops add trivy scan for k8s-manifests/api.yaml") -> dict:
    """Our own delivery (tests/payloads.py): these tests run without the shared real-data corpus."""
    return payloads.issue_comment_created("octocat/Hello-World", 1, 1, body, installation_id=99)


def jobs(app):
    return app.extensions["vibeops"]["store"].jobs()


def test_a_command_is_accepted_and_queued_with_no_token(app):
    start = time.perf_counter()
    answer = deliver(app.test_client(), command_payload())
    assert answer.status_code == 202 and time.perf_counter() - start < 1
    (job,) = jobs(app)
    payload = json.loads(job["payload"])
    assert payload["installation_id"] == 99 and payload["text"] == "add trivy scan for k8s-manifests/api.yaml"
    assert not any("token" in key for key in payload)
    assert app.handled == []  # the work happens in the worker, not in the request


@pytest.mark.parametrize("signature", ["", "sha256=" + "0" * 64, "sha1=abc"])
def test_missing_or_wrong_signature_is_401_and_nothing_else(app, signature):
    answer = deliver(app.test_client(), command_payload(), signature=signature)
    assert answer.status_code == 401 and jobs(app) == []


def test_signed_with_another_secret_is_401(app):
    assert deliver(app.test_client(), command_payload(), secret="other").status_code == 401
    assert jobs(app) == []


def test_malformed_json_is_400(app):
    assert deliver(app.test_client(), b"{not json").status_code == 400
    assert deliver(app.test_client(), b"[1, 2]").status_code == 400
    assert jobs(app) == []


def test_bodies_over_25_mb_are_413(app):
    body = b'{"x": "' + b"a" * (25 * 1024 * 1024) + b'"}'
    assert deliver(app.test_client(), body).status_code == 413
    assert jobs(app) == []


def test_ping_answers_pong(app):
    payload = json.loads(hook("ping/payload.json").read_text())
    answer = deliver(app.test_client(), payload, event="ping")
    assert answer.status_code == 200 and answer.get_json() == {"msg": "pong"}


def test_a_redelivery_is_a_duplicate_even_after_a_restart(app, tmp_path, rsa_private_key_pem):
    assert deliver(app.test_client(), command_payload(), delivery="same").status_code == 202
    settings = app.extensions["vibeops"]["settings"]
    restarted = create_app(settings, store=JobStore(tmp_path / "jobs.sqlite3"), start_worker=False)
    answer = deliver(restarted.test_client(), command_payload(), delivery="same")
    assert answer.status_code == 200 and answer.get_json() == {"duplicate": "same"}
    assert len(jobs(app)) == 1


@pytest.mark.parametrize("event, name, body", [
    ("issue_comment", "issue_comment/edited.payload.json", "/vibeops add trivy scan for a.yaml"),
    ("issue_comment", "issue_comment/created.payload.json", "just a comment"),
    ("pull_request", "pull_request/closed.payload.json", None),
])
def test_other_deliveries_are_acknowledged_and_ignored(app, event, name, body):
    payload = json.loads(hook(name).read_text())
    if body is not None:
        payload["comment"]["body"] = body
    if event == "pull_request":
        payload["pull_request"]["merged"] = True  # a merged pull request needs nothing from vibeops
    answer = deliver(app.test_client(), payload, event=event)
    assert answer.status_code == 200 and "ignored" in answer.get_json()
    assert jobs(app) == []


def test_healthz(app):
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 200 and answer.get_json() == {"status": "ok"}


@pytest.mark.parametrize("env, message", [
    ({}, "WEBHOOK_SECRET"),
    ({"WEBHOOK_SECRET": "s"}, "APP_ID"),
    ({"WEBHOOK_SECRET": "s", "APP_ID": "1"}, "PRIVATE_KEY"),
    ({"WEBHOOK_SECRET": "s", "APP_ID": "1", "PRIVATE_KEY_PATH": "/nonexistent.pem"}, "PRIVATE_KEY_PATH"),
])
def test_settings_refuse_to_start_without_what_they_need(env, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_settings_from_the_environment(tmp_path, rsa_private_key_pem):
    key = tmp_path / "app.pem"
    key.write_bytes(rsa_private_key_pem)
    settings = Settings.from_env({"WEBHOOK_SECRET": "s", "APP_ID": "12", "PRIVATE_KEY_PATH": str(key),
                                  "GITHUB_API_URL": "https://ghe.example/api/v3/", "VIBEOPS_DATA_DIR": str(tmp_path)})
    assert settings.app_id == 12 and settings.api_url == "https://ghe.example/api/v3"
    assert settings.private_key.startswith("-----BEGIN PRIVATE KEY-----")


def test_serve_refuses_to_start_without_a_secret():
    from tests.conftest import vibeops

    result = vibeops("serve", env={"WEBHOOK_SECRET": "", "APP_ID": ""})
    assert result.returncode == 2 and "WEBHOOK_SECRET" in result.stderr


def test_a_pull_request_push_queues_a_recheck_keyed_on_its_head(app):
    payload = json.loads(hook("pull_request/synchronize.payload.json").read_text())
    payload["installation"] = {"id": 5, "node_id": "x"}
    assert deliver(app.test_client(), payload, event="pull_request", delivery="p-1").status_code == 202
    assert deliver(app.test_client(), payload, event="pull_request", delivery="p-2").status_code == 200
    (job,) = jobs(app)
    assert job["kind"] == "pull_request"
    assert json.loads(job["payload"])["head_sha"] == payload["pull_request"]["head"]["sha"]


def test_readyz_and_metrics(app, tmp_path):
    client = app.test_client()
    assert client.get("/readyz").get_json() == {"status": "ready", "queued": 0}
    deliver(client, command_payload(), delivery="m-1")
    deliver(client, command_payload(), delivery="m-1")
    deliver(client, command_payload(), signature="sha256=" + "0" * 64, delivery="m-2")
    app.extensions["vibeops"]["worker"].run_until_idle()
    text = client.get("/metrics").get_data(as_text=True)
    assert 'vibeops_deliveries_total{event="issue_comment",outcome="accepted"} 1.0' in text
    assert 'vibeops_deliveries_total{event="issue_comment",outcome="duplicate"} 1.0' in text
    assert 'vibeops_deliveries_total{event="issue_comment",outcome="bad-signature"} 1.0' in text
    assert 'vibeops_jobs_total{kind="comment",outcome="done"} 1.0' in text
    assert 'vibeops_job_duration_seconds_count{kind="comment"} 1.0' in text
    assert 'vibeops_jobs{status="done"} 1.0' in text


def test_readyz_says_unavailable_when_the_queue_is_gone(app):
    store = app.extensions["vibeops"]["store"]
    store.path.unlink()
    store.path.mkdir()  # a folder where the database was: every query fails
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503 and answer.get_json()["status"] == "unavailable"


def test_json_logs_carry_the_delivery(capsys):
    import logging

    from bot.app.logs import JsonFormatter, delivery_id

    record = logging.LogRecord("vibeops.jobs", logging.INFO, __file__, 1, "opened #%s", (3,), None)
    token = delivery_id.set("abc-123")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        delivery_id.reset(token)
    assert line["delivery"] == "abc-123" and line["message"] == "opened #3" and line["level"] == "info"
