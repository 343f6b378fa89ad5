"""policy: supply-chain and least-privilege rules every workflow the bot writes must meet."""

from __future__ import annotations

from bot.checks import CheckContext
from bot.checks.policy import (
    dangerous_triggers,
    excessive_permissions,
    persisted_credentials,
    template_injection,
    unpinned_uses,
)
from bot.findings import Finding

ID = "policy"
RULES = (unpinned_uses, excessive_permissions, template_injection, dangerous_triggers, persisted_credentials)


def run(ctx: CheckContext) -> list[Finding]:
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule.audit(ctx.workflow))
    return findings
