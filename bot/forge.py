"""The port every forge implements: read the default branch, commit a file onto a branch."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from bot.repotree import RepoTree


class ForgeError(RuntimeError):
    """The forge refused or failed; the message is meant for the user."""


class ForgeUnavailable(ForgeError):
    """The forge kept failing (5xx, dropped connections) through every retry: try the job later."""


@dataclass(frozen=True)
class Snapshot:
    """One revision's files in a temporary folder, and the commit they came from."""

    tree: RepoTree
    commit: str


@dataclass(frozen=True)
class Published:
    branch: str
    commit: str
    created: bool
    changed: bool


class Forge(Protocol):
    def default_branch(self) -> str: ...

    def snapshot(self, ref: str) -> AbstractContextManager[Snapshot]: ...

    def publish(self, branch: str, base_commit: str, path: str, text: str, message: str) -> Published:
        """Commit `text` at `path` on `branch` (created from `base_commit`, or on top of its head)."""
        ...

    def file_on_branch(self, branch: str, path: str) -> str | None: ...
