"""zizmor: GitHub Actions security audits (template injection, unpinned uses, leaked credentials)."""

from __future__ import annotations

from bot.adapters.errors import ToolError
from bot.checks import CheckContext
from bot.findings import Finding, Severity

ID = "zizmor"

_SEVERITIES = {"error": Severity.ERROR, "warning": Severity.WARNING}


def run(ctx: CheckContext) -> list[Finding]:
    try:
        audit = getattr(ctx.tools, "audit_workflow", None)
        if audit is None:
            raise ToolError("the scanners given have no zizmor (audit_workflow)")
        # A written workflow may not silence its own findings with `# zizmor: ignore[…]` comments.
        findings = audit(ctx.workflow.text, ctx.workflow.path, honour_ignores=not ctx.generated)
    except ToolError as exc:
        # Fail closed: an unaudited workflow is not a secure one.
        return [Finding(ID, "tool-unavailable", Severity.ERROR, f"zizmor could not run: {exc}",
                        ctx.workflow.path, hint=exc.hint)]
    return [
        Finding(ID, str(f.get("rule") or "zizmor"), _SEVERITIES.get(f.get("severity"), Severity.NOTE),
                str(f.get("message", "")), ctx.workflow.path, f.get("line"), f.get("column"), f.get("url"))
        for f in findings
    ]
