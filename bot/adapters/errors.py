"""Errors adapters raise when the outside world does not cooperate."""

from __future__ import annotations


class ToolError(RuntimeError):
    """An external tool could not run or answered in a way we cannot read."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint
