"""template-injection: no attacker-controlled `${{ github.event.* }}` expanded into a shell script."""

from __future__ import annotations

import re

from bot.findings import Finding, Severity
from bot.workflow import Workflow, line_of

RULE = "template-injection"
_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
_UNTRUSTED = re.compile(r"\b(github\.event\.[\w.\[\]'*-]+|github\.head_ref)\b", re.IGNORECASE)


def audit(workflow: Workflow) -> list[Finding]:
    findings = []
    for step in workflow.steps():
        script = step.data.get("run")
        if script is None:
            continue
        for expression in _EXPRESSION.finditer(str(script)):
            match = _UNTRUSTED.search(expression.group(1))
            if match is None:
                continue
            findings.append(Finding(
                "policy", RULE, Severity.ERROR,
                f"job `{step.job_id}` step {step.index + 1} expands `{match.group(1)}` into its script; "
                "whoever controls that value can run commands",
                workflow.path, line_of(step.data, "run"),
                hint="Pass it through `env:` and use the shell variable, quoted."))
    return findings
