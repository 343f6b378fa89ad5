"""guardrails: what a generated workflow must never contain, whatever the request or the model says."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.checks import CheckContext
from bot.findings import Finding, Severity
from bot.workflow import Workflow, line_of

ID = "guardrails"
_SECRET = re.compile(r"\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_NETWORK = re.compile(r"\b(?:curl|wget|nc|ncat|Invoke-WebRequest|Invoke-RestMethod)\b")
# Default forbidden shell; a repository's config may add its own (run.deny).
FORBIDDEN_RUN = (
    (r"\b(?:curl|wget)\b[^|\n]*\|\s*(?:sudo\s+)?(?:ba|z|da|k)?sh\b", "pipes a download into a shell"),
    (r"\b(?:ba)?sh\s+<\(\s*(?:curl|wget)\b", "runs a downloaded script"),
    (r"\$\(\s*(?:curl|wget)\b[^)]*\)\s*\"?\s*$|\beval\s+\"?\$\(\s*(?:curl|wget)\b", "runs a downloaded script"),
    (r"\bkubectl\s+delete\b", "deletes Kubernetes resources"),
    (r"\bhelm\s+(?:uninstall|delete)\b", "uninstalls a Helm release"),
    (r"\bterraform\s+destroy\b", "destroys infrastructure"),
    (r"\brm\s+-[a-zA-Z]*r[a-zA-Z]*f?[a-zA-Z]*\s+(?:/|~|\$HOME)(?:\s|$|\*)", "deletes the file system"),
)


def run(ctx: CheckContext) -> list[Finding]:
    findings = _forbidden_run(ctx.workflow, ctx.generated)
    if ctx.generated:
        findings += _uncatalogued(ctx)
        findings += _secrets(ctx.workflow)
    return findings


def _forbidden_run(workflow: Workflow, generated: bool) -> list[Finding]:
    severity = Severity.ERROR if generated else Severity.WARNING
    findings = []
    for step in workflow.steps():
        script = step.data.get("run")
        if script is None:
            continue
        where = f"job `{step.job_id}` step {step.index + 1}"
        line = line_of(step.data, "run")
        for pattern, what in FORBIDDEN_RUN:
            if re.search(pattern, str(script), re.MULTILINE):
                findings.append(Finding(ID, "forbidden-run", severity, f"{where} {what}", workflow.path, line,
                                        hint="Remove it; vibeops never writes such a step."))
        if _SECRET.search(str(script)) and _NETWORK.search(str(script)):
            findings.append(Finding(ID, "forbidden-run", severity, f"{where} sends a secret over the network",
                                    workflow.path, line, hint="Workflows vibeops writes use no secrets."))
    return findings


def _uncatalogued(ctx: CheckContext) -> list[Finding]:
    findings = []
    places = [(job, f"job `{job_id}`") for job_id, job in ctx.workflow.jobs.items() if isinstance(job, Mapping)]
    places += [(step.data, f"job `{step.job_id}` step {step.index + 1}") for step in ctx.workflow.steps()]
    for node, where in places:
        uses = str(node.get("uses") or "")
        if not uses or uses.startswith("./"):
            continue
        action, _, ref = uses.partition("@")
        if ctx.catalog is None or uses.startswith("docker://") or not ctx.catalog.knows(action, ref):
            findings.append(Finding(ID, "uncatalogued-action", Severity.ERROR,
                                    f"{where} uses {uses}, which is not a pinned action of the catalog",
                                    ctx.workflow.path, line_of(node, "uses"),
                                    hint="Use only the actions listed in workflows/actions.json, as pinned there."))
    return findings


def _secrets(workflow: Workflow) -> list[Finding]:
    findings = []
    for number, text in enumerate(workflow.text.splitlines(), start=1):
        for match in _SECRET.finditer(text):
            if match.group(1) != "GITHUB_TOKEN":
                findings.append(Finding(ID, "secret-use", Severity.ERROR,
                                        f"uses the secret {match.group(1)}, which no rule allows",
                                        workflow.path, number, hint="Workflows vibeops writes use no secrets."))
    return findings
