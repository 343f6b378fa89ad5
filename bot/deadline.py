"""A job's wall-clock limit: run it in a thread, answer on time, and stop it at its next checkpoint.

Python cannot kill a thread, so a job over its limit is answered as timed out right away while its
thread is left to stop itself: adapters call `check()` before anything slow or visible (a tool run,
a commit, a pull request), which raises JobTimedOut once the deadline has passed, and tool runs
are cut to the time that is left (`remaining()`).
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("vibeops_job_deadline", default=None)


class JobTimedOut(BaseException):
    """The job ran past its wall-clock limit. A BaseException: no `except Exception` swallows it."""


@contextmanager
def deadline(seconds: float):
    """Everything run in this block (in this thread) has `seconds` of wall-clock time."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining() -> float | None:
    """Seconds left to the current job, or None outside a job with a limit."""
    until = _deadline.get()
    return None if until is None else until - time.monotonic()


def check(doing: str) -> None:
    """Raise JobTimedOut if the current job is past its limit (before `doing` something)."""
    left = remaining()
    if left is not None and left <= 0:
        raise JobTimedOut(f"the job's time was up before it could {doing}")


class Outcome:
    """What `run_within` saw: the result, or `timed_out` with the thread still winding down."""

    def __init__(self):
        self.value = None
        self.error: BaseException | None = None
        self.timed_out = False
        self.thread: threading.Thread | None = None


def run_within(work: Callable[[], T], seconds: float, name: str = "vibeops-job") -> Outcome:
    """Run `work` with a `seconds` deadline in a thread of its own (with the caller's context vars).

    Returns as soon as `work` ends or the time is up, whichever is first; an exception of `work`
    is in `outcome.error` (a JobTimedOut it raised itself counts as timed out).
    """
    outcome = Outcome()
    context = contextvars.copy_context()

    def target():
        with deadline(seconds):
            try:
                outcome.value = work()
            except BaseException as exc:  # handed to the caller, who decides
                outcome.error = exc

    outcome.thread = threading.Thread(target=lambda: context.run(target), name=name, daemon=True)
    outcome.thread.start()
    outcome.thread.join(seconds)
    if outcome.thread.is_alive() or isinstance(outcome.error, JobTimedOut):
        outcome.timed_out = True
    return outcome
