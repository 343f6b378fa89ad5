"""The Flask app factory: verify, dedupe and enqueue webhook deliveries; answer within 10 s."""

from __future__ import annotations

import atexit
import json
import logging
import re

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from bot.app.delivery import MAX_BODY_BYTES, parse_command, parse_pull_request, signature_valid
from bot.app.jobstore import JobStore
from bot.app.logs import delivery_from_header, delivery_id
from bot.app.metrics import CONTENT_TYPE, Metrics
from bot.app.queue_choice import open_queue
from bot.app.settings import Settings
from bot.app.worker import Worker

log = logging.getLogger("vibeops.web")
WEBHOOK_PATH = "/api/github/webhooks"
# Metric labels come from closed sets: a header value never becomes a new series (anyone can send one).
EVENT_LABELS = frozenset({"issue_comment", "pull_request_review_comment", "pull_request", "ping", "installation",
                          "installation_repositories", "push", "check_run", "check_suite"})
_DELIVERY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")


def event_label(event: str | None) -> str:
    """The `event` label of a delivery: a known event's name, else `other`."""
    return event if event in EVENT_LABELS else "other"


def create_app(settings: Settings | None = None, store: JobStore | None = None, worker: Worker | None = None,
               start_worker: bool = True, metrics: Metrics | None = None) -> Flask:
    """The web app; with no arguments it reads the environment.

    On the embedded SQLite queue the worker runs in this process (unless VIBEOPS_EMBEDDED_WORKER=0);
    on Redis (`VIBEOPS_QUEUE`) the web processes only enqueue and `vibeops worker` processes run the jobs.
    """
    if settings is None:  # the production path (gunicorn on the factory): settings and logs from the environment
        from bot.app.logs import configure

        configure()
        settings = Settings.from_env()
    if store is None:
        store, metrics = open_queue(settings)
    if worker is None and not settings.queue_url and settings.embedded_worker:
        from bot.app.jobs import default_handler

        metrics = metrics or Metrics()
        handler = default_handler(settings, metrics)
        worker = Worker(store, handler, metrics=metrics, give_up=handler.give_up,
                        lease_seconds=3 * settings.worker_heartbeat_seconds)
    metrics = worker.metrics if worker is not None else (metrics or Metrics())
    app = Flask("vibeops")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.extensions["vibeops"] = {"settings": settings, "store": store, "worker": worker, "metrics": metrics}

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return jsonify(error=exc.name, message=exc.description), exc.code

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz():
        try:
            store.ping()
            depth = store.counts().get("queued", 0)
        except Exception as exc:  # the queue is what this process is for: not ready without it
            return jsonify(status="unavailable", error=str(exc)), 503
        return jsonify(status="ready", queued=depth)

    @app.get("/metrics")
    def metrics_endpoint():
        return metrics.render(store), 200, {"Content-Type": CONTENT_TYPE}

    @app.before_request
    def log_the_delivery():
        # Every log line of this request (and Werkzeug's request line after it) names the delivery.
        delivery_id.set(delivery_from_header(request.headers.get("X-GitHub-Delivery")))

    @app.after_request
    def count_delivery(response):
        if request.path == WEBHOOK_PATH:
            outcome = {202: "accepted", 401: "bad-signature", 400: "malformed", 413: "too-large",
                       503: "unavailable"}.get(
                response.status_code, "ignored")
            if response.status_code == 200 and (response.get_json(silent=True) or {}).get("duplicate"):
                outcome = "duplicate"
            metrics.count("vibeops_deliveries_total", event=event_label(request.headers.get("X-GitHub-Event")),
                          outcome=outcome)
        return response

    @app.post(WEBHOOK_PATH)
    def webhook():
        body = request.get_data(cache=False)  # 413 above MAX_CONTENT_LENGTH, before reading
        if not signature_valid(body, request.headers.get("X-Hub-Signature-256"), settings.webhook_secret):
            return jsonify(error="bad signature"), 401
        try:
            payload = json.loads(body)
        except ValueError:
            return jsonify(error="body is not JSON"), 400
        event = request.headers.get("X-GitHub-Event", "")
        delivery = request.headers.get("X-GitHub-Delivery", "")
        if not isinstance(payload, dict) or not event or not _DELIVERY_ID.fullmatch(delivery):
            return jsonify(error="missing X-GitHub-Event or X-GitHub-Delivery, or body is not an object"), 400
        if event == "ping":
            return jsonify(msg="pong")
        if event == "pull_request":
            change, why = parse_pull_request(delivery, payload)
            if change is None:
                return jsonify(ignored=why), 200
            event_key = "closed" if change.closed_unmerged else change.head_sha
            kind, job, key = "pull_request", change.to_dict(), f"pull:{change.repo}:{change.number}:{event_key}"
        else:
            command, why = parse_command(event, delivery, payload, settings.bot_login)
            if command is None:
                return jsonify(ignored=why), 200
            kind, job, key = "comment", command.to_dict(), f"comment:{command.repo}:{command.event}:{command.comment_id}"
        try:
            accepted = store.accept(delivery, event, kind, job, idempotency_key=key,
                                    partition=str(job["installation_id"]))
        except Exception:  # the queue is down: say so, and GitHub's redelivery can bring it back later
            log.exception("delivery %s could not be queued", delivery)
            return jsonify(error="the job queue is unavailable; redeliver this delivery later"), 503
        if not accepted:
            return jsonify(duplicate=delivery), 200
        if worker is not None:
            worker.wake()
        log.info("delivery %s accepted: %s on %s#%s", delivery, event, job["repo"], job["number"])
        return jsonify(accepted=delivery), 202

    if start_worker and worker is not None:
        worker.start()
        atexit.register(worker.stop)  # finish the job in hand on a graceful shutdown; a killed one is re-run
    return app
