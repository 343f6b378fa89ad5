"""The human-readable report `vibeops run` and `vibeops check` print."""

from __future__ import annotations

import shlex

from bot.preview import SEVERITY_ORDER
from bot.report import OPENED, Report
from bot.scope.model import ScopeReport

_STATUS_WORD = {"opened": "OPENED", "rejected": "REJECTED", "error": "ERROR"}


def run_report(report: Report, repo: str | None = None) -> str:
    """The terminal report of `vibeops run`; `repo` (the path given to --repo) makes the hints runnable anywhere."""
    lines = [f"vibeops: {_STATUS_WORD[report.status]} — {report.message}"]
    if report.draft:
        lines.append(f"  workflow  {report.draft.path}  ({report.draft.generator})")
    if report.branch:
        lines.append(f"  branch    {report.branch} @ {report.commit[:12] if report.commit else '-'}"
                     f"  (from {report.base})")
    if report.understood and (report.understood.get("clauses") or report.understood.get("notes")):
        lines += ["", *understood_lines(report.understood)]
    if report.llm:
        llm = report.llm
        lines += ["", f"model     {', '.join(llm['models']) or '-'}: {llm['calls']} call(s), "
                      f"{llm['prompt_tokens']}+{llm['completion_tokens']} tokens, ${llm['cost']:.4f}"]
        for item in llm["rounds"]:
            verdict = "passed" if item["passed"] else "; ".join(item["problems"][:2]) or "failed"
            lines.append(f"  round {item['round']}: {verdict}")
    if report.scope:
        lines += ["", *scope_lines(report.scope)]
    if report.checks:
        lines += ["", "checks"]
        for check in report.checks:
            lines.append(f"  {'ok  ' if check.ok else 'FAIL'}  {check.check_id:<11} {len(check.findings)} finding(s)")
            for f in check.findings:
                lines.append(f"        {f.severity.value}: {f.rule} {f.location()} {f.message}")
    if report.preview:
        lines += ["", *preview_lines(report)]
    if report.status == OPENED and report.branch:
        show = f"git -C {shlex.quote(repo)} show {report.branch}" if repo else f"git show {report.branch}"
        lines += ["", f"next: review with `{show}`, then push it and open a pull request."]
    return "\n".join(lines) + "\n"


def understood_lines(data: dict) -> list[str]:
    """The request clause by clause: the field each became and the workflow line that does it."""
    from bot.render.understood import rows

    lines = ["understood"]
    for clause, meaning, proof in rows(data):
        shown = clause if len(clause) <= 40 else clause[:39] + "…"
        lines.append(f"  {shown:<40} {meaning:<30} {proof}".rstrip())
    lines += [f"  note: {n}" for n in data.get("notes") or []]
    return lines


def scope_lines(scope: ScopeReport) -> list[str]:
    lines = [f"scope     {scope.verdict or 'reported'}"]
    if scope.verdict is not None:
        lines.append(f"  requested {len(scope.requested)}: {', '.join(scope.requested) or '-'}")
    lines.append(f"  scanned   {len(scope.scanned)}: {', '.join(scope.scanned) or '-'}")
    if scope.extra:
        lines.append(f"  extra     {', '.join(scope.extra)}")
    if scope.missing:
        lines.append(f"  missing   {', '.join(scope.missing)}")
    for step in scope.steps:
        where = "the whole repository" if step.roots == (".",) else ", ".join(step.roots) or "-"
        detail = f"{len(step.files)} file(s) in {where}" if step.resolved else f"UNKNOWN ({step.reason})"
        note = f"  [{step.reason}]" if step.resolved and step.reason else ""
        lines.append(f"  step      {step.job_id}/{step.step_index + 1} {step.tool} {step.mode}: {detail}{note}")
    return lines


def preview_lines(report: Report) -> list[str]:
    preview = report.preview
    if preview.error:
        return [f"preview   unavailable: {preview.error}"]
    if preview.tool == "actionlint":
        total = sum(len(f.findings) for f in preview.files)
        return [f"preview   actionlint: {total} problem(s) in {len(preview.files)} workflow file(s)"]
    if preview.tool == "vibeops":
        lines = [f"preview   the gate would fail on {preview.failing} blocking finding(s) today"]
        return lines + [f"  {f.path:<50} {sum(1 for x in f.findings if x.severity == 'ERROR')} blocking, "
                        f"{sum(1 for x in f.findings if x.severity != 'ERROR')} other" for f in preview.files]
    header = "  " + " ".join(f"{s[:4]:>5}" for s in SEVERITY_ORDER)
    lines = [f"preview   {preview.tool}: {preview.failing} finding(s) would fail the build "
             f"(fail on {', '.join(preview.fail_on) or 'nothing'})", f"  {'':<40}" + header]
    for file in preview.files:
        counts = file.counts
        lines.append(f"  {file.path:<40}  " + " ".join(f"{counts[s]:>5}" for s in SEVERITY_ORDER))
    return lines + finding_lines(preview.files)


def finding_lines(files, limit: int = 20) -> list[str]:
    """The findings themselves, worst first: `path:line  SEVERITY  rule  title`, at most `limit` of them."""
    rank = {severity: n for n, severity in enumerate(SEVERITY_ORDER)}  # CRITICAL first
    found = sorted(((rank.get(f.severity, len(rank)), file.path, f.line or 0, f) for file in files
                    for f in file.findings), key=lambda item: item[:3])
    if not found:
        return []
    lines = ["  findings (worst first)"]
    for _, path, line, finding in found[:limit]:
        where = f"{path}:{line}" if line else path
        lines.append(f"    {where:<44} {finding.severity:<8} {finding.id:<14} {finding.title}")
    if len(found) > limit:
        lines.append(f"    … and {len(found) - limit} more (`--json` lists every one)")
    return lines


def check_table(audits) -> str:
    """What `vibeops check` prints: per workflow, what each scanner step scans, then the findings."""
    lines: list[str] = []
    for audit in audits:
        errors = sum(1 for c in audit.checks for f in c.findings if f.blocking)
        lines.append(f"{audit.path}: {'ok' if audit.ok else f'{errors} blocking finding(s)'}")
        steps = audit.scope.steps if audit.scope else ()
        if steps:
            lines.append(f"  {'step':<40} {'tool':<13} {'scans':<34} files")
            for step in steps:
                where = "the whole repository" if step.roots == (".",) else ", ".join(step.roots) or "-"
                count = str(len(step.files)) if step.resolved else "unknown"
                label = f"{step.job_id}/{step.step_index + 1} {step.step_name}"
                lines.append(f"  {label[:40]:<40} {step.tool:<13} {where[:34]:<34} {count}")
                if not step.resolved or step.reason:
                    lines.append(f"  {'':<40} {'':<13} ({step.reason})")
        elif audit.scope is not None:
            lines.append(f"  no {audit.scope.tool + ' ' if audit.scope.tool else ''}scanner steps")
        if audit.scope and audit.scope.verdict:
            if audit.scope.tool:
                lines.append(f"  compared with the {audit.scope.tool} steps ({audit.scope.basis or 'given'})")
            lines.append(f"  scope {audit.scope.verdict}: requested {len(audit.scope.requested)}, "
                         f"scanned {len(audit.scope.scanned)}"
                         + (f", extra {', '.join(audit.scope.extra)}" if audit.scope.extra else "")
                         + (f", missing {', '.join(audit.scope.missing)}" if audit.scope.missing else ""))
        for check in audit.checks:
            for f in check.findings:
                lines.append(f"  {f.location()}: {f.severity.value}: [{f.check_id}/{f.rule}] {f.message}")
        lines.append("")
    total = len(audits)
    failing = sum(1 for a in audits if not a.ok)
    lines.append(f"{total} workflow(s) checked, {failing} with blocking findings")
    return "\n".join(lines) + "\n"
