"""Structured JSON logs, each line carrying the delivery it belongs to."""

from __future__ import annotations

import contextvars
import json
import logging
import time

delivery_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("delivery_id", default=None)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if delivery_id.get():
            entry["delivery"] = delivery_id.get()
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure(level: int = logging.INFO) -> None:
    """JSON on stderr for the `vibeops` and `rq` logger trees (what the App's processes log)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    for name in ("vibeops", "rq"):
        root = logging.getLogger(name)
        root.handlers[:] = [handler]
        root.setLevel(level)
        root.propagate = False
