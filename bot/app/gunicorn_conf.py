"""gunicorn settings for the App: `gunicorn -c python:bot.app.gunicorn_conf 'bot.app.web:create_app()'`.

- JSON logs: gunicorn's error log and its access log (one line per request, with the delivery ID taken
  from the X-GitHub-Delivery header) use the App's formatter (bot.app.logs).
- Metrics across processes: prometheus-client's multiprocess mode. The master sets
  PROMETHEUS_MULTIPROC_DIR (a fresh folder, unless the operator named one) before it forks, empties it at
  start, and marks each exited process dead, so /metrics on any process shows the host's totals.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from bot.app.logs import JsonFormatter  # noqa: F401  (named by logconfig_dict below)

accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "bot.app.logs.JsonFormatter"}},
    "handlers": {
        "error": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        "access": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
    },
    "root": {"handlers": ["error"], "level": "WARNING"},
    "loggers": {
        "gunicorn.error": {"handlers": ["error"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    },
}

_MULTIPROC = "PROMETHEUS_MULTIPROC_DIR"


def on_starting(server) -> None:
    """Before any worker forks: a metrics folder of this run's own (stale files would add old counts)."""
    path = os.environ.get(_MULTIPROC)
    if path:
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path, mode=0o700, exist_ok=True)
    else:
        os.environ[_MULTIPROC] = tempfile.mkdtemp(prefix="vibeops-metrics-")


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
