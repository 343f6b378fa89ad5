"""gunicorn settings for the App: JSON logs, metrics across processes, and the job process.

Run: `gunicorn -c python:bot.app.gunicorn_conf 'bot.app.web:create_app()'`.

- JSON logs: gunicorn's error log and its access log (one line per request, with the delivery ID taken
  from the X-GitHub-Delivery header) use the App's formatter (bot.app.logs).
- Metrics across processes: prometheus-client's multiprocess mode. The master sets
  PROMETHEUS_MULTIPROC_DIR (a fresh folder, unless the operator named one) before it forks, empties it at
  start, and marks each exited process dead, so /metrics on any process shows the host's totals.
- Jobs in a process of their own: on the embedded SQLite queue, unless VIBEOPS_EMBEDDED_WORKER says
  otherwise, the master starts one `vibeops worker` beside the web processes (and starts it again should it
  die), so running jobs never compete with the acknowledgement for a web process's interpreter.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

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
    """Before any worker forks: a metrics folder of this run's own (stale files would add old counts), and
    whether the jobs get a process of their own."""
    path = os.environ.get(_MULTIPROC)
    if path:
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path, mode=0o700, exist_ok=True)
    else:
        os.environ[_MULTIPROC] = tempfile.mkdtemp(prefix="vibeops-metrics-")
    if not os.environ.get("VIBEOPS_QUEUE", "").strip() and "VIBEOPS_EMBEDDED_WORKER" not in os.environ:
        os.environ["VIBEOPS_EMBEDDED_WORKER"] = "0"  # the web processes only acknowledge and enqueue
        _jobs.wanted = True


def when_ready(server) -> None:
    if _jobs.wanted:
        _jobs.start(server.log)


def on_exit(server) -> None:
    _jobs.stop()


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


class _JobProcess:
    """`vibeops worker` on the SQLite queue, kept running by a thread of the gunicorn master."""

    def __init__(self):
        self.wanted = False
        self.process: subprocess.Popen | None = None
        self._stopping = threading.Event()

    def start(self, log: logging.Logger) -> None:
        def keep_running():
            backoff = 1.0
            while not self._stopping.is_set():
                started = time.monotonic()
                # A lower CPU priority (nice 10, inherited by the scanners it runs): on a busy host the
                # web processes' acknowledgement comes first, and jobs take what is left.
                self.process = subprocess.Popen([sys.executable, "-m", "bot", "worker"], preexec_fn=_background)
                log.info("job process %s started (vibeops worker on the SQLite queue)", self.process.pid)
                code = self.process.wait()
                if self._stopping.is_set():
                    return
                backoff = 1.0 if time.monotonic() - started > 60 else min(backoff * 2, 30.0)
                log.error("job process exited %s; starting another in %.0f s", code, backoff)
                self._stopping.wait(backoff)

        threading.Thread(target=keep_running, name="vibeops-job-process", daemon=True).start()

    def stop(self, timeout: float = 60.0) -> None:
        """SIGTERM: the job in hand is finished first (as `vibeops worker` does on SIGTERM)."""
        self._stopping.set()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _background() -> None:
    os.nice(10)


_jobs = _JobProcess()
