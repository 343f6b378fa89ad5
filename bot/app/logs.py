"""Structured JSON logs (python-json-logger), each line carrying the delivery it belongs to.

One formatter for every line the App's processes write: ours (`vibeops.*`), RQ's, Werkzeug's request
log under `vibeops serve`, and gunicorn's error and access logs (through `bot.app.gunicorn_conf`).
"""

from __future__ import annotations

import contextvars
import logging
import re
import time

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

delivery_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("delivery_id", default=None)

LOGGER_TREES = ("vibeops", "rq", "werkzeug")
_ANSI_STYLE = re.compile(r"\x1b\[[0-9;]*m")  # Werkzeug colours its request lines on a terminal
_DELIVERY = re.compile(r"[A-Za-z0-9._-]{1,100}")
# gunicorn's access-log atoms (its `glogging.Logger.atoms`) worth a field of their own.
_ACCESS_FIELDS = {"m": "method", "U": "path", "s": "status", "M": "duration_ms", "h": "remote"}


def delivery_from_header(value: str | None) -> str | None:
    """An X-GitHub-Delivery header fit for a log field (anyone can send one: short, plain characters only)."""
    return value if value and _DELIVERY.fullmatch(value) else None


class JsonFormatter(_JsonFormatter):
    """`time`, `level`, `logger`, `pid`, `message`, then `delivery` and `error` when there are any."""

    def __init__(self):
        super().__init__("%(message)s", json_ensure_ascii=False)

    def add_fields(self, log_record: dict, record: logging.LogRecord, message_dict: dict) -> None:
        log_record["time"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + \
            f".{int(record.msecs):03d}Z"
        log_record["level"] = record.levelname.lower()
        log_record["logger"] = record.name
        log_record["pid"] = record.process
        super().add_fields(log_record, record, message_dict)
        if isinstance(log_record.get("message"), str):
            log_record["message"] = _ANSI_STYLE.sub("", log_record["message"])
        if isinstance(record.args, dict) and record.name == "gunicorn.access":
            atoms = record.args
            for atom, name in _ACCESS_FIELDS.items():
                value = atoms.get(atom)
                if value not in (None, "-"):
                    log_record[name] = int(value) if name in ("status", "duration_ms") and str(value).isdigit() \
                        else value
            delivery = delivery_from_header(atoms.get("{x-github-delivery}i"))
        else:
            delivery = delivery_id.get()
        if delivery:
            log_record["delivery"] = delivery
        if record.exc_info:
            log_record["error"] = self.formatException(record.exc_info)
            log_record.pop("exc_info", None)


def handler() -> logging.Handler:
    """A stderr handler with the JSON formatter."""
    stream = logging.StreamHandler()
    stream.setFormatter(JsonFormatter())
    return stream


def configure(level: int = logging.INFO) -> None:
    """JSON on stderr for the `vibeops`, `rq` and `werkzeug` logger trees (what the App's processes log)."""
    shared = handler()
    for name in LOGGER_TREES:
        root = logging.getLogger(name)
        root.handlers[:] = [shared]
        root.setLevel(level)
        root.propagate = False
