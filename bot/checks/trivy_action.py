"""trivy-action: settings actionlint cannot judge that make a scan quietly useless."""

from __future__ import annotations

from collections.abc import Mapping

from bot.checks import CheckContext
from bot.findings import Finding, Severity
from bot.scope.trivy import ACTIONS
from bot.workflow import Step, line_of

ID = "trivy-action"
_UPLOAD_SARIF = "github/codeql-action/upload-sarif@"


def run(ctx: CheckContext) -> list[Finding]:
    findings: list[Finding] = []
    for step in ctx.workflow.steps():
        if step.uses and ACTIONS.match(step.uses):
            findings += _audit_step(ctx, step)
    findings += _sarif_permissions(ctx)
    return findings


def _audit_step(ctx: CheckContext, step: Step) -> list[Finding]:
    inputs = step.with_
    where = f"job `{step.job_id}` step {step.index + 1}"
    path = ctx.workflow.path
    found = []
    env = step.data.get("env")
    env = env if isinstance(env, Mapping) else {}
    exit_code = str(inputs.get("exit-code", env.get("TRIVY_EXIT_CODE", "0"))).strip()
    fail_on = ctx.intent.fail_on if ctx.intent is not None else None
    if exit_code == "0":
        if fail_on:
            found.append(Finding(ID, "exit-code-zero", Severity.ERROR,
                                 f"{where} never fails the build (exit-code is 0), but the request asks to fail "
                                 f"on {', '.join(fail_on)}", path, _line(step, "exit-code"),
                                 hint="Set `exit-code: \"1\"` with `severity:` listing those severities."))
        elif fail_on is None:
            found.append(Finding(ID, "exit-code-zero", Severity.WARNING,
                                 f"{where} reports findings but never fails the build (exit-code defaults to 0)",
                                 path, _line(step, "exit-code"), hint='Set `exit-code: "1"` to gate on it.'))
    fmt = str(inputs.get("format", "table")).lower()
    limited = str(inputs.get("limit-severities-for-sarif", "false")).lower() == "true"
    if fmt == "sarif" and "severity" in inputs and not limited:
        found.append(Finding(ID, "sarif-ignores-severity", Severity.WARNING,
                             f"{where} writes SARIF, so `severity: {inputs['severity']}` is ignored and every "
                             "severity is reported", path, _line(step, "format"),
                             hint="Add `limit-severities-for-sarif: true`."))
    if "scan-type" not in inputs and not inputs.get("image-ref"):
        found.append(Finding(ID, "image-scan-without-image", Severity.ERROR,
                             f"{where} has no `scan-type`, so it scans an image (the default), and no `image-ref`: "
                             f"it will try to pull an image named `{inputs.get('scan-ref', '.')}`",
                             path, step.line, hint="Set `scan-type: config` or `fs` for repository files."))
    return found


def _sarif_permissions(ctx: CheckContext) -> list[Finding]:
    found = []
    top = ctx.workflow.doc.get("permissions")
    for job_id, job in ctx.workflow.jobs.items():
        steps = job.get("steps") if isinstance(job, Mapping) else None
        uploads = [s for s in (steps if isinstance(steps, list) else []) if isinstance(s, Mapping) and str(s.get("uses", "")).startswith(_UPLOAD_SARIF)]
        if not uploads:
            continue
        granted = job.get("permissions", top)
        if granted is None:
            found.append(Finding(ID, "sarif-upload-permission", Severity.WARNING,
                                 f"job `{job_id}` uploads SARIF but sets no permissions: it works only where the "
                                 "repository's default token may write security events",
                                 ctx.workflow.path, line_of(uploads[0]),
                                 hint="Grant `security-events: write` on this job."))
        elif not (granted == "write-all" or (isinstance(granted, Mapping)
                                              and str(granted.get("security-events")) == "write")):
            found.append(Finding(ID, "sarif-upload-permission", Severity.ERROR,
                                 f"job `{job_id}` uploads SARIF without `security-events: write`; the upload "
                                 "will be refused", ctx.workflow.path, line_of(uploads[0]),
                                 hint="Grant `security-events: write` on this job."))
    return found


def _line(step: Step, key: str) -> int | None:
    inputs = step.data.get("with")
    if isinstance(inputs, Mapping) and key in inputs:
        return line_of(inputs, key)
    return step.line
