"""The registry of checks every workflow passes through, and what each check is given."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from bot.catalog import Catalog
from bot.findings import CheckResult, Finding
from bot.intent import Intent
from bot.repotree import RepoTree
from bot.scope.model import ScopeReport
from bot.workflow import Workflow


class Scanners(Protocol):
    """The tools checks run: actionlint on workflow text, trivy on the checkout (bot.adapters.tools)."""

    def lint_workflow(self, text: str, path: str, repo_root: str | None) -> list[dict]: ...

    def trivy_scan(self, mode: str, target: str, scanners: tuple[str, ...], cwd: str,
                   skip_dirs: tuple[str, ...] = (), skip_files: tuple[str, ...] = ()) -> dict: ...

    def audit_workflow(self, text: str, path: str, honour_ignores: bool = True) -> list[dict]: ...


@dataclass(frozen=True)
class CheckContext:
    workflow: Workflow
    tree: RepoTree
    scope: ScopeReport
    tools: Scanners
    intent: Intent | None = None  # what was asked; None when checking a workflow on its own
    generated: bool = False  # written by vibeops (recipe or model), so the guardrails are strict
    catalog: Catalog | None = None
    config: object | None = None  # the repository's effective RepoConfig
    # The server's VIBEOPS_GATE_SOURCE: the one Git URL (pinned to a commit) the gate may `pipx run --spec`.
    gate_source: str | None = None


def registry() -> tuple[tuple[str, Callable[[CheckContext], list[Finding]]], ...]:
    """(id, run) for every check, in report order."""
    from bot.checks import (actionlint, dynamic_scope, guardrails, intent, policy, scope, trigger_scope,
                            trivy_action, zizmor)

    modules = (actionlint, zizmor, scope, dynamic_scope, trigger_scope, trivy_action, intent, policy, guardrails)
    return tuple((module.ID, module.run) for module in modules)


# Checks that wait on a scanner process: they start first, each in a thread of its own, so actionlint,
# zizmor and the dynamic scope's scans run side by side (and beside the preview) while the pure checks run.
_WAIT_ON_TOOLS = ("actionlint", "zizmor", "dynamic-scope")


def run_checks(ctx: CheckContext) -> tuple[CheckResult, ...]:
    # zizmor is the one check a repository may switch off (zizmor.enabled), unless the server requires it.
    skipped = {"zizmor"} if ctx.config is not None and not ctx.config.zizmor else set()
    checks = [(check_id, run) for check_id, run in registry() if check_id not in skipped]
    waiting = [(check_id, run) for check_id, run in checks if check_id in _WAIT_ON_TOOLS]
    found: dict[str, list[Finding]] = {}
    with ThreadPoolExecutor(max_workers=max(1, len(waiting)), thread_name_prefix="vibeops-check") as pool:
        # Each thread carries this one's context: the job's deadline (bot.deadline) holds there too.
        futures = {check_id: pool.submit(contextvars.copy_context().run, _guarded, check_id, run, ctx)
                   for check_id, run in waiting}
        for check_id, run in checks:
            if check_id not in futures:
                found[check_id] = _guarded(check_id, run, ctx)
        for check_id, future in futures.items():
            found[check_id] = future.result()
    return tuple(CheckResult(check_id, tuple(found[check_id])) for check_id, _ in checks)


def _guarded(check_id: str, run: Callable[[CheckContext], list[Finding]], ctx: CheckContext) -> list[Finding]:
    """A check that stops on an input it did not foresee fails closed: a blocking finding, never a traceback."""
    from bot.findings import Severity

    try:
        return run(ctx)
    except (RecursionError, MemoryError, ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        return [Finding(check_id, "check-failed", Severity.ERROR,
                        f"{check_id} could not read this workflow ({type(exc).__name__}: {str(exc)[:160]})",
                        ctx.workflow.path, None,
                        hint="Fix the shape of the workflow; if it is valid, this is a bug in vibeops: report it.")]
