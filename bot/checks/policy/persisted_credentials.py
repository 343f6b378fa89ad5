"""persisted-credentials: checkout does not leave the token in .git/config for later steps."""

from __future__ import annotations

import re

from bot.findings import Finding, Severity
from bot.workflow import Workflow, line_of

RULE = "persisted-credentials"
_CHECKOUT = re.compile(r"^actions/checkout(?:@|$)", re.IGNORECASE)


def audit(workflow: Workflow) -> list[Finding]:
    findings = []
    for step in workflow.steps():
        if not step.uses or not _CHECKOUT.match(step.uses):
            continue
        if str(step.with_.get("persist-credentials", "true")).lower() == "false":
            continue
        findings.append(Finding(
            "policy", RULE, Severity.ERROR,
            f"job `{step.job_id}` step {step.index + 1} checks out with the token persisted in .git/config",
            workflow.path, line_of(step.data, "uses"),
            hint="Add `with: {persist-credentials: false}`."))
    return findings
