"""The registry of checks every workflow passes through, and what each check is given."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.findings import CheckResult, Finding
from bot.repotree import RepoTree
from bot.scope.model import ScopeReport
from bot.workflow import Workflow


class WorkflowLinter(Protocol):
    """Lints workflow text as if it were at `path` in the repository (actionlint)."""

    def lint_workflow(self, text: str, path: str, repo_root: str | None) -> list[dict]: ...


@dataclass(frozen=True)
class CheckContext:
    workflow: Workflow
    tree: RepoTree
    scope: ScopeReport
    linter: WorkflowLinter


def registry() -> tuple[tuple[str, Callable[[CheckContext], list[Finding]]], ...]:
    """(id, run) for every check, in report order."""
    from bot.checks import actionlint, policy, scope

    return tuple((module.ID, module.run) for module in (actionlint, scope, policy))


def run_checks(ctx: CheckContext) -> tuple[CheckResult, ...]:
    return tuple(CheckResult(check_id, tuple(run(ctx))) for check_id, run in registry())
