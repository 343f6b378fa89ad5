"""scope: the workflow scans exactly the requested files, no more and no less."""

from __future__ import annotations

from bot.checks import CheckContext
from bot.findings import Finding, Severity
from bot.scope.model import ANY_TOOL, BROADER, EXACT, MISMATCH, NARROWER, UNKNOWN

ID = "scope"
_MAX_LISTED = 10


def run(ctx: CheckContext) -> list[Finding]:
    report = ctx.scope
    path = ctx.workflow.path
    findings = [
        Finding(ID, "unresolved-step", Severity.ERROR if report.verdict else Severity.NOTE,
                f"cannot tell what {'this step' if s.tool == ANY_TOOL else s.tool} scans in job `{s.job_id}` "
                f"step {s.step_index + 1}: {s.reason}",
                path, s.line, hint=_hint(s))
        for s in report.steps if not s.resolved
    ]
    if report.verdict in (None, EXACT, UNKNOWN):
        return findings
    later = (f" ({', '.join(report.later[:3])}{' …' if len(report.later) > 3 else ''}: a file that does not exist "
             f"yet, standing for one added later; a glob is proven as a pattern, not as today's matches)"
             if report.later else "")
    if report.verdict in (BROADER, MISMATCH):
        findings.append(Finding(
            ID, "scans-extra-files", Severity.ERROR,
            f"scans {len(report.extra)} file(s) that were not requested: {_list(report.extra)}"
            + (later if set(report.later) & set(report.extra) else ""),
            path, _first_line(ctx), hint="Point each scan at the requested files (or the requested pattern itself), "
                                         "not their directory."))
    if report.verdict in (NARROWER, MISMATCH):
        findings.append(Finding(
            ID, "misses-requested-files", Severity.ERROR,
            f"does not scan {len(report.missing)} requested file(s): {_list(report.missing)}"
            + (later if set(report.later) & set(report.missing) else ""),
            path, _first_line(ctx), hint="Add a scan for each missing file; for a glob, scan the pattern itself "
                                         "(a loop over it), so files added later are scanned too."))
    return findings


def _hint(step) -> str:
    if step.mode == "unknown" and "reusable workflow" in (step.reason or ""):
        return "Run the scanner in this repository's workflows (a local reusable workflow is followed)."
    if step.mode == "unknown" and ("action" in (step.reason or "") or "docker run" in (step.reason or "")):
        return "Call the scanner's command line or a modelled action with literal targets."
    return "Use literal paths (or env values set in the workflow) for scan targets."


def _list(paths: tuple[str, ...]) -> str:
    shown = ", ".join(paths[:_MAX_LISTED])
    return shown + (f" and {len(paths) - _MAX_LISTED} more" if len(paths) > _MAX_LISTED else "")


def _first_line(ctx: CheckContext) -> int | None:
    lines = [s.line for s in ctx.scope.steps if s.line is not None]
    return min(lines) if lines else None
