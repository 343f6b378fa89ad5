"""actionlint: the workflow is valid GitHub Actions (syntax, expressions, action inputs, shell)."""

from __future__ import annotations

from bot.adapters.errors import ToolError
from bot.checks import CheckContext
from bot.findings import Finding, Severity

ID = "actionlint"


def run(ctx: CheckContext) -> list[Finding]:
    try:
        errors = ctx.tools.lint_workflow(ctx.workflow.text, ctx.workflow.path, _root(ctx))
    except ToolError as exc:
        # Fail closed: an unlinted workflow is not a clean one.
        return [Finding(ID, "tool-unavailable", Severity.ERROR, f"actionlint could not run: {exc}",
                        ctx.workflow.path, hint=exc.hint)]
    return [
        Finding(ID, str(e.get("kind") or "actionlint"), Severity.ERROR, str(e.get("message", "")),
                ctx.workflow.path, e.get("line"), e.get("column"))
        for e in errors
    ]


def _root(ctx: CheckContext) -> str | None:
    return None if ctx.tree.root is None else str(ctx.tree.root)
