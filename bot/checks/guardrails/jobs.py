"""Where jobs run: `ubuntu-*` runners, `bash`/`sh` shells, no job containers or services."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.findings import Finding, Severity
from bot.workflow import line_of

ID = "guardrails"
RUNNER = re.compile(r"^ubuntu-[a-z0-9.]+(-arm)?$")
SHELLS = {"bash", "sh"}


def audit(ctx) -> list[Finding]:
    if not ctx.generated:
        return []
    workflow = ctx.workflow
    findings = []

    def add(rule: str, message: str, node, key) -> None:
        findings.append(Finding(ID, rule, Severity.ERROR, message, workflow.path, line_of(node, key)))

    findings += _defaults_shell(workflow.doc, "the workflow", workflow.path)
    for job_id, job in workflow.jobs.items():
        if not isinstance(job, Mapping):
            continue
        where = f"job `{job_id}`"
        if "uses" not in job:
            runner = job.get("runs-on")
            if not (isinstance(runner, str) and RUNNER.match(runner)):
                add("runner-not-allowed", f"{where} runs on `{runner}`; only GitHub's `ubuntu-*` runners are allowed",
                    job, "runs-on")
        for key in ("container", "services"):
            if key in job:
                add("container-not-allowed", f"{where} sets `{key}:`; jobs run on the runner, without containers",
                    job, key)
        findings += _defaults_shell(job, where, workflow.path)
    for step in workflow.steps():
        if "shell" in step.data and str(step.data.get("shell")) not in SHELLS:
            add("shell-not-allowed", f"job `{step.job_id}` step {step.index + 1} uses `shell: "
                f"{step.data.get('shell')}`; only bash and sh are allowed", step.data, "shell")
    return findings


def _defaults_shell(node, where: str, path: str) -> list[Finding]:
    defaults = node.get("defaults") if isinstance(node, Mapping) else None
    run = defaults.get("run") if isinstance(defaults, Mapping) else None
    if isinstance(run, Mapping) and "shell" in run and str(run.get("shell")) not in SHELLS:
        return [Finding(ID, "shell-not-allowed", Severity.ERROR, f"{where} sets `defaults.run.shell: "
                        f"{run.get('shell')}`; only bash and sh are allowed", path, line_of(run, "shell"))]
    return []
