"""guardrails: written workflows pass an allowlist (catalogued actions, known commands, read-only).

Recipes and model output are held to the same rules (the pipeline marks both `generated`). On
workflows vibeops did not write, only the dangerous shell (download-and-run, destruction, `run.deny`)
is reported, as warnings. Each rule lives in its own module and names itself in its findings.
"""

from __future__ import annotations

from bot.checks import CheckContext
from bot.checks.guardrails import actions, environment, jobs, permissions, scripts, secrets
from bot.findings import Finding

ID = "guardrails"
RULES = (actions, jobs, permissions, secrets, environment, scripts)


def run(ctx: CheckContext) -> list[Finding]:
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule.audit(ctx))
    return findings
