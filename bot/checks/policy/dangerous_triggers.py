"""dangerous-triggers: no `pull_request_target` (fork code with a privileged token)."""

from __future__ import annotations

from bot.findings import Finding, Severity
from bot.workflow import Workflow, line_of

RULE = "dangerous-triggers"


def audit(workflow: Workflow) -> list[Finding]:
    on = workflow.doc.get("on", workflow.doc.get(True))
    findings = []
    if "pull_request_target" in workflow.triggers:
        findings.append(Finding(
            "policy", RULE, Severity.ERROR,
            "`pull_request_target` runs with a privileged token on events from forks",
            workflow.path, _line(workflow, on, "pull_request_target"), hint="Use `pull_request`."))
    if "workflow_run" in workflow.triggers:
        findings.append(Finding(
            "policy", RULE, Severity.WARNING,
            "`workflow_run` runs privileged after untrusted workflows; treat their artifacts as untrusted",
            workflow.path, _line(workflow, on, "workflow_run")))
    return findings


def _line(workflow: Workflow, on: object, trigger: str) -> int | None:
    if isinstance(on, dict):
        return line_of(on, trigger)
    if isinstance(on, list) and trigger in on:
        return line_of(on, on.index(trigger))
    return line_of(workflow.doc, "on")
