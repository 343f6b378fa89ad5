"""Read permissions only (plus `security-events: write` beside a SARIF upload), within permissions.max."""

from __future__ import annotations

from collections.abc import Mapping

from bot.findings import Finding, Severity
from bot.repo_config import LEVELS
from bot.workflow import line_of

ID = "guardrails"
_UPLOAD_SARIF = "github/codeql-action/upload-sarif@"
_ALL_SCOPES = ("actions", "attestations", "checks", "contents", "deployments", "discussions", "id-token",
               "issues", "models", "packages", "pages", "pull-requests", "security-events", "statuses")


def audit(ctx) -> list[Finding]:
    findings = _above_max(ctx)
    if ctx.generated:
        findings += _only_read(ctx)
    return findings


def _only_read(ctx) -> list[Finding]:
    workflow = ctx.workflow
    jobs = {job_id: job for job_id, job in workflow.jobs.items() if isinstance(job, Mapping)}
    uploads = {job_id for job_id, job in jobs.items()
               if any(isinstance(s, Mapping) and str(s.get("uses", "")).startswith(_UPLOAD_SARIF)
                      for s in (job.get("steps") or []) if isinstance(job.get("steps"), list))}
    findings = []
    if "permissions" not in workflow.doc and any("permissions" not in job for job in jobs.values()):
        findings.append(Finding(ID, "permissions-missing", Severity.ERROR,
                                "the workflow sets no `permissions:`, so it would get the repository's default "
                                "token grants", workflow.path, 1,
                                hint="Add `permissions: contents: read` at the top."))
    blocks = [(workflow.doc, "the workflow", bool(uploads))]
    blocks += [(job, f"job `{job_id}`", job_id in uploads) for job_id, job in jobs.items()]
    for node, where, sarif in blocks:
        granted = node.get("permissions")
        if isinstance(granted, Mapping):
            grants = [(str(scope), str(level)) for scope, level in granted.items()]
        else:  # none set, `read-all`, or a shorthand (`write-all`) or shape that grants more
            grants = []
            if granted not in (None, "read-all"):
                findings.append(Finding(ID, "permission-not-allowed", Severity.ERROR,
                                        f"{where} grants `permissions: {granted}`; only read grants are allowed",
                                        workflow.path, line_of(node, "permissions")))
        for scope, level in grants:
            if level == "none" or (level == "read" and scope != "id-token"):
                continue
            if scope == "security-events" and level == "write" and sarif:
                continue
            what = " (an OIDC token)" if scope == "id-token" else ""
            findings.append(Finding(ID, "permission-not-allowed", Severity.ERROR,
                                    f"{where} grants `{scope}: {level}`{what}; only read grants are allowed, and "
                                    "`security-events: write` beside a SARIF upload", workflow.path,
                                    line_of(node.get("permissions"), scope)))
    return findings


def _above_max(ctx) -> list[Finding]:
    """Nothing may be granted beyond permissions.max (scopes it does not list: read)."""
    limits = dict(ctx.config.permissions_max) if ctx.config is not None else {}
    if not limits or not ctx.generated:
        return []
    blocks = [(ctx.workflow.doc, "the workflow")] + [(job, f"job `{job_id}`") for job_id, job in
                                                      ctx.workflow.jobs.items() if isinstance(job, Mapping)]
    findings = []
    for node, where in blocks:
        granted = node.get("permissions") if isinstance(node, Mapping) else None
        if granted in ("write-all", "read-all"):
            granted = {scope: granted.split("-")[0] for scope in _ALL_SCOPES}
        for scope, level in (granted or {}).items() if isinstance(granted, Mapping) else ():
            ceiling = limits.get(str(scope), "read")
            if str(level) in LEVELS and LEVELS.index(str(level)) > LEVELS.index(ceiling):
                findings.append(Finding(ID, "permissions-above-max", Severity.ERROR,
                                        f"{where} grants `{scope}: {level}`, above {ceiling} allowed by "
                                        f"{ctx.config.where('permissions.max')}", ctx.workflow.path,
                                        line_of(granted, scope) if hasattr(granted, "lc") else
                                        line_of(node, "permissions")))
    return findings
