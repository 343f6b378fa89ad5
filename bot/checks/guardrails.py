"""guardrails: what a generated workflow must never contain, whatever the request or the model says."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.checks import CheckContext
from bot.findings import Finding, Severity
from bot.repo_config import LEVELS
from bot.userregex import regex_search
from bot.workflow import line_of

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
    findings = _forbidden_run(ctx)
    if ctx.generated:
        findings += _uncatalogued(ctx)
        findings += _secrets(ctx)
        findings += _permissions_above_max(ctx)
    return findings


def _forbidden_run(ctx: CheckContext) -> list[Finding]:
    workflow = ctx.workflow
    severity = Severity.ERROR if ctx.generated else Severity.WARNING
    extra = tuple((p, f"runs shell denied by {ctx.config.where('run.deny')} (/{p}/)")
                  for p in (ctx.config.run_deny if ctx.config is not None else ()))
    findings = []
    for step in workflow.steps():
        script = step.data.get("run")
        if script is None:
            continue
        where = f"job `{step.job_id}` step {step.index + 1}"
        line = line_of(step.data, "run")
        for pattern, what in FORBIDDEN_RUN + extra:
            # the config's patterns run on RE2 (linear time); the built-in ones are ours
            if (regex_search(pattern, str(script)) if (pattern, what) in extra
                    else re.search(pattern, str(script), re.MULTILINE)):
                findings.append(Finding(ID, "forbidden-run", severity, f"{where} {what}", workflow.path, line,
                                        hint="Remove it; vibeops never writes such a step."))
        if _SECRET.search(str(script)) and _NETWORK.search(str(script)) and ctx.generated:
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
        elif ctx.config is not None and not ctx.config.action_allowed(action):
            findings.append(Finding(ID, "action-not-allowed", Severity.ERROR,
                                    f"{where} uses {action}, which {ctx.config.where('actions.allow')} does not allow",
                                    ctx.workflow.path, line_of(node, "uses")))
    return findings


def _secrets(ctx: CheckContext) -> list[Finding]:
    allowed = set(ctx.config.secrets_allow) if ctx.config is not None else set()
    findings = []
    for number, text in enumerate(ctx.workflow.text.splitlines(), start=1):
        for match in _SECRET.finditer(text):
            name = match.group(1)
            if name != "GITHUB_TOKEN" and name not in allowed:
                rule = ctx.config.where("secrets.allow") if ctx.config is not None else "`secrets.allow`"
                findings.append(Finding(ID, "secret-use", Severity.ERROR,
                                        f"uses the secret {name}, which {rule} does not allow",
                                        ctx.workflow.path, number, hint="Workflows vibeops writes use no secrets."))
        if allowed and _SECRET.search(text) and _NETWORK.search(text):
            findings.append(Finding(ID, "forbidden-run", Severity.ERROR, "sends a secret over the network",
                                    ctx.workflow.path, number))
    return findings


def _permissions_above_max(ctx: CheckContext) -> list[Finding]:
    """Nothing may be granted beyond permissions.max (scopes it does not list: read)."""
    limits = dict(ctx.config.permissions_max) if ctx.config is not None else {}
    if not limits:
        return []
    blocks = [(ctx.workflow.doc, "the workflow")] + [(job, f"job `{job_id}`") for job_id, job in
                                                      ctx.workflow.jobs.items() if isinstance(job, Mapping)]
    findings = []
    for node, where in blocks:
        granted = node.get("permissions") if isinstance(node, Mapping) else None
        if granted in ("write-all", "read-all"):
            granted = {scope: granted.split("-")[0] for scope in ("contents", "actions", "security-events")}
        for scope, level in (granted or {}).items() if isinstance(granted, Mapping) else ():
            ceiling = limits.get(str(scope), "read")
            if str(level) in LEVELS and LEVELS.index(str(level)) > LEVELS.index(ceiling):
                findings.append(Finding(ID, "permissions-above-max", Severity.ERROR,
                                        f"{where} grants `{scope}: {level}`, above {ceiling} allowed by "
                                        f"{ctx.config.where('permissions.max')}", ctx.workflow.path,
                                        line_of(granted, scope) if hasattr(granted, "lc") else None))
    return findings
