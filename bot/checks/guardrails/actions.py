"""Actions exactly as catalogued (owner/repo[/path]@sha), within the config's actions.allow."""

from __future__ import annotations

from collections.abc import Mapping

from bot.findings import Finding, Severity
from bot.workflow import line_of

ID = "guardrails"


def audit(ctx) -> list[Finding]:
    if not ctx.generated:
        return []
    findings = []
    places = [(job, f"job `{job_id}`") for job_id, job in ctx.workflow.jobs.items() if isinstance(job, Mapping)]
    places += [(step.data, f"job `{step.job_id}` step {step.index + 1}") for step in ctx.workflow.steps()]
    for node, where in places:
        if "uses" not in node:
            continue
        uses = str(node.get("uses") or "")
        action = uses.partition("@")[0]
        if ctx.catalog is None or not ctx.catalog.allows(uses):
            why = ("a local action" if uses.startswith(".") else "a container image" if uses.startswith("docker://")
                   else "not an action and pin listed in the catalog")
            findings.append(Finding(ID, "uncatalogued-action", Severity.ERROR, f"{where} uses `{uses}`: {why}",
                                    ctx.workflow.path, line_of(node, "uses"),
                                    hint="Use only the actions listed in workflows/actions.json, as pinned there."))
        elif ctx.config is not None and not ctx.config.action_allowed(action):
            findings.append(Finding(ID, "action-not-allowed", Severity.ERROR,
                                    f"{where} uses {action}, which {ctx.config.where('actions.allow')} does not allow",
                                    ctx.workflow.path, line_of(node, "uses")))
    return findings
