"""Compare what was requested with what the steps scan, and name the difference."""

from __future__ import annotations

from collections.abc import Iterable

from bot.scope.model import ANY_TOOL, BROADER, EXACT, MISMATCH, NARROWER, UNKNOWN, ScannerStep, ScopeReport


def compare(requested: Iterable[str] | None, steps: tuple[ScannerStep, ...],
            tool: str | None = None, scanners: tuple[str, ...] | None = None,
            basis: str | None = None) -> ScopeReport:
    """Verdict over the steps of `tool` (all scanner steps when None); unknown beats exact.

    A step whose scanner cannot be told (tool `unknown`: a remote reusable workflow, say) may scan
    anything, so it counts for every tool and makes the verdict unknown.
    """
    relevant = tuple(s for s in steps if tool is None or s.tool == tool or (s.tool == ANY_TOOL and not s.resolved))
    scanned: set[str] = set()
    for step in relevant:
        scanned |= step.files_for(scanners) if scanners else step.files
    problems = tuple(
        f"job `{s.job_id}` step {s.step_index + 1} ({s.step_name}): {s.reason}"
        for s in relevant if not s.resolved
    )
    if requested is None:
        return ScopeReport((), tuple(sorted(scanned)), None, (), (), relevant, problems, tool, basis)
    wanted = set(requested)
    extra = tuple(sorted(scanned - wanted))
    missing = tuple(sorted(wanted - scanned))
    if problems:
        verdict = UNKNOWN
    elif extra and missing:
        verdict = MISMATCH
    elif extra:
        verdict = BROADER
    elif missing:
        verdict = NARROWER
    else:
        verdict = EXACT
    return ScopeReport(tuple(sorted(wanted)), tuple(sorted(scanned)), verdict, extra, missing, relevant, problems,
                       tool, basis)
