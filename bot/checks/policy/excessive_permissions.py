"""excessive-permissions: token permissions are explicit and no wider than the steps need."""

from __future__ import annotations

from collections.abc import Mapping

from bot.findings import Finding, Severity
from bot.workflow import Workflow, line_of

RULE = "excessive-permissions"
_UPLOAD_SARIF = "github/codeql-action/upload-sarif@"
# Scopes a step is known to need for writing, so granting them there is not excessive.
_NEEDED_BY = {"security-events": (_UPLOAD_SARIF,)}


def audit(workflow: Workflow) -> list[Finding]:
    findings: list[Finding] = []
    top = workflow.doc.get("permissions")
    top_line = line_of(workflow.doc, "permissions")
    if top is None:
        bare = [job_id for job_id, job in workflow.jobs.items()
                if isinstance(job, Mapping) and "permissions" not in job]
        if bare:
            findings.append(Finding(
                "policy", RULE, Severity.ERROR,
                "no top-level `permissions`: jobs " + ", ".join(f"`{j}`" for j in bare)
                + " get the repository's default token, which may be read-write",
                workflow.path, 1, hint="Add `permissions: {contents: read}` at the top level."))
    else:
        findings.extend(_grants(workflow, top, top_line, "the workflow", job=None))
    for job_id, job in workflow.jobs.items():
        if isinstance(job, Mapping) and "permissions" in job:
            findings.extend(_grants(workflow, job["permissions"], line_of(job, "permissions"),
                                    f"job `{job_id}`", job=job))
    return findings


def _grants(workflow: Workflow, permissions: object, line: int | None, where: str,
            job: Mapping | None) -> list[Finding]:
    if permissions == "write-all":
        return [Finding("policy", RULE, Severity.ERROR, f"{where} grants `write-all`",
                        workflow.path, line, hint="List only the scopes the steps need.")]
    if not isinstance(permissions, Mapping):
        return []
    findings = []
    for scope, level in permissions.items():
        if str(level) != "write":
            continue
        if job is None:
            findings.append(Finding(
                "policy", RULE, Severity.ERROR,
                f"`{scope}: write` at the top level reaches every job",
                workflow.path, line_of(permissions, scope) or line,
                hint="Keep `contents: read` at the top and grant writes on the job that needs them."))
        elif not job.get("uses") and not _needed(str(scope), job):  # a reusable workflow's needs are its own
            findings.append(Finding(
                "policy", RULE, Severity.WARNING,
                f"{where} grants `{scope}: write` but no step is known to need it",
                workflow.path, line_of(permissions, scope) or line))
    return findings


def _needed(scope: str, job: Mapping) -> bool:
    users = _NEEDED_BY.get(scope, ())
    steps = job.get("steps") or []
    return any(isinstance(s, Mapping) and str(s.get("uses", "")).startswith(users) for s in steps) if users else False
