"""unpinned-uses: every action and reusable workflow is pinned to a full commit SHA."""

from __future__ import annotations

import re

from bot.findings import Finding, Severity
from bot.workflow import Workflow, line_of

RULE = "unpinned-uses"
_SHA = re.compile(r"@[0-9a-f]{40}$")
_DOCKER_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def audit(workflow: Workflow) -> list[Finding]:
    findings = []
    for job_id, job in workflow.jobs.items():
        if isinstance(job, dict) and job.get("uses"):
            findings.extend(_check(workflow, str(job["uses"]), line_of(job, "uses"), f"job `{job_id}`"))
    for step in workflow.steps():
        if step.uses:
            findings.extend(_check(workflow, step.uses, line_of(step.data, "uses"),
                                   f"job `{step.job_id}` step {step.index + 1}"))
    return findings


def _check(workflow: Workflow, uses: str, line: int | None, where: str) -> list[Finding]:
    if uses.startswith("./"):
        return []
    if uses.startswith("docker://"):
        if _DOCKER_DIGEST.search(uses):
            return []
        return [Finding("policy", RULE, Severity.ERROR, f"{where} runs image {uses} by tag, not by digest",
                        workflow.path, line, hint="Pin the image with @sha256:<digest>.")]
    if _SHA.search(uses):
        return []
    ref = uses.partition("@")[2] or "(no ref)"
    return [Finding("policy", RULE, Severity.ERROR,
                    f"{where} uses {uses}: `{ref}` can be moved to other code; pin a full commit SHA",
                    workflow.path, line, hint="Write `owner/repo@<40-hex sha> # vX.Y.Z`.")]
