"""intent: the written workflow does what the typed request asked, setting by setting.

It reads the workflow back (the parsed YAML, not the recipe that wrote it) and finds, for the
scanner steps of the requested tools: the severities and exit code (trivy-action inputs, `TRIVY_*`
variables, or `--severity`/`--exit-code` on a `trivy` command line), `continue-on-error` and the
tools' own soft-fail switches, the triggers and their path filters, the schedule, and the SARIF
upload. Each is compared with the request, so a draft (recipe or model) that silently drops a
requested setting fails. `evidence()` also gives the line that satisfies each setting, which the
reports show next to the clause that asked for it.

Only drafts vibeops writes (recipe or model) for a request read by bot.request are checked: `vibeops
check --requested` has no clauses, and a human's later edit of a vibeops pull request is held to its
scope (the recheck), not to settings the human may have changed on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.checks import CheckContext
from bot.findings import Finding, Severity
from bot.request import NOT_UNDERSTOOD, SEVERITIES
from bot.scope.trivy import ACTIONS as TRIVY_ACTIONS
from bot.workflow import Step, Workflow, line_of

ID = "intent"
_UPLOAD_SARIF = re.compile(r"^github/codeql-action/upload-sarif@", re.I)
_SOFT_FAIL = re.compile(r"(?:^|\s)(?:--soft-fail|--no-fail|--exit-zero)(?:\s|$)|\|\|\s*true\b|;\s*true\s*$")
_FLAG = r"(?:^|\s)(?:{names})(?:=|\s+)(['\"]?)([\w,.-]+)\1"
_SEVERITY_FLAG = re.compile(_FLAG.format(names="--severity|-s"))
_EXIT_FLAG = re.compile(_FLAG.format(names="--exit-code"))
_FORMAT_FLAG = re.compile(_FLAG.format(names="--format|-f"))
_TRIVY_WORD = re.compile(r"(?:^|[\s/;&|(])trivy\s")


@dataclass(frozen=True)
class Evidence:
    """One requested setting, what the workflow does about it, and where."""

    field: str  # tools, targets, fail_on, triggers, schedule, upload_sarif, required_check
    expected: str
    found: str
    line: int | None
    ok: bool
    blocking: bool = True  # a mismatch blocks; False for settings the request did not ask about

    def to_dict(self) -> dict:
        return {"field": self.field, "expected": self.expected, "found": self.found, "line": self.line,
                "ok": self.ok}


def run(ctx: CheckContext) -> list[Finding]:
    if ctx.intent is None or not ctx.intent.request.clauses or not ctx.generated:
        return []
    findings = []
    for item in evidence(ctx.workflow, ctx.intent, ctx.scope):
        if item.ok or item.field == "targets":  # the files are the scope check's verdict, shown here only
            continue
        findings.append(Finding(
            ID, f"{item.field.replace('_', '-')}-not-as-requested",
            Severity.ERROR if item.blocking else Severity.WARNING,
            f"the request asks for {item.field.replace('_', ' ')} {item.expected}, but the workflow has "
            f"{item.found}", ctx.workflow.path, item.line,
            hint="Write the workflow so it does exactly what the request says."))
    return findings


def evidence(workflow: Workflow, intent, scope) -> list[Evidence]:
    """Each requested setting with the workflow line that satisfies it (or what is there instead)."""
    request = intent.request
    steps = list(workflow.steps())
    by_place = {(s.job_id, s.index): s for s in steps}
    found: list[Evidence] = []
    scanner = {}
    for tool in request.tools:
        mine = [by_place.get((s.job_id, s.step_index)) for s in (scope.steps if scope else ()) if s.tool == tool]
        mine = [s for s in mine if s is not None]
        if tool == "trivy":
            mine += [s for s in steps if s.uses and TRIVY_ACTIONS.match(s.uses) and s not in mine]
        scanner[tool] = mine
        if mine:
            found.append(Evidence("tools", tool, f"{len(mine)} {tool} step(s)", mine[0].line, True))
        else:
            found.append(Evidence("tools", tool, f"no step that runs {tool}", None, False))
    if scope is not None and scope.verdict is not None:
        lines = [s.line for s in scope.steps if s.line is not None]
        found.append(Evidence("targets", f"exactly {len(scope.requested)} file(s)",
                              f"scope `{scope.verdict}` ({len(scope.scanned)} file(s) scanned)",
                              min(lines) if lines else None, scope.verdict == "exact"))
    for tool, tool_steps in scanner.items():
        if tool == "vibeops":
            continue
        for step in tool_steps:
            item = _fail_evidence(tool, step, intent, request, workflow)
            if item is not None:
                found.append(item)
    found += _trigger_evidence(workflow, request)
    found += _sarif_evidence(steps, scanner, request)
    return found


def _fail_evidence(tool: str, step: Step, intent, request, workflow: Workflow) -> Evidence | None:
    fail_on = tuple(intent.fail_on)
    job = workflow.jobs.get(step.job_id)
    soft = _true(step.data.get("continue-on-error")) or (isinstance(job, Mapping) and _true(job.get("continue-on-error")))
    run = str(step.data.get("run") or "")
    inputs = step.with_
    soft = soft or bool(_SOFT_FAIL.search(run)) or any(
        _true(inputs.get(k)) for k in ("soft_fail", "soft-fail", "no-fail", "no_fail"))
    expected = ", ".join(fail_on) if fail_on else "nothing (report only)"
    if tool != "trivy":
        if not request.fail_on_given:
            return None
        fails = not soft
        return Evidence("fail_on", "fail the build" if fail_on else "report only",
                        "fails the build on findings" if fails else "never fails the build",
                        step.line, fails == bool(fail_on))
    env = step.data.get("env") if isinstance(step.data.get("env"), Mapping) else {}
    if step.uses:
        exit_code = str(inputs.get("exit-code", env.get("TRIVY_EXIT_CODE", "0"))).strip()
        severity = inputs.get("severity", env.get("TRIVY_SEVERITY"))
        line = _line(step, "severity" if "severity" in inputs else "exit-code")
    else:
        # Only the trivy command lines: `shopt -s globstar` or `set -e` elsewhere is no trivy flag.
        commands = _trivy_lines(run)
        exit_match, sev_match = _EXIT_FLAG.search(commands), _SEVERITY_FLAG.search(commands)
        exit_code = exit_match.group(2) if exit_match else str(env.get("TRIVY_EXIT_CODE", "0"))
        severity = sev_match.group(2) if sev_match else env.get("TRIVY_SEVERITY")
        line = step.line
    named = tuple(s for s in reversed(SEVERITIES) if s in {x.strip().upper() for x in str(severity or "").split(",")})
    fails_on = () if soft or exit_code == "0" else (named or tuple(reversed(SEVERITIES)))
    shown = ", ".join(fails_on) if fails_on else "nothing (never fails the build)"
    if soft and exit_code != "0":
        shown += " (continue-on-error or a soft-fail switch)"
    return Evidence("fail_on", expected, f"fails on {shown}" + (f" (exit-code {exit_code})" if fails_on else ""),
                    line, set(fails_on) == set(fail_on))


def _trigger_evidence(workflow: Workflow, request) -> list[Evidence]:
    on = workflow.triggers
    on_line = line_of(workflow.doc, "on") if "on" in workflow.doc else None
    found = []

    def where(name):
        return line_of(workflow.doc.get("on"), name) if isinstance(workflow.doc.get("on"), Mapping) and \
            name in workflow.doc.get("on") else on_line

    wanted = [t for t in request.triggers if t in ("pull_request", "push")]
    for name in wanted:
        found.append(Evidence("triggers", name, f"`{name}`" if name in on else f"no `{name}` trigger",
                              where(name), name in on))
    if request.triggers_given:
        for name in ("pull_request", "push"):
            if name in on and name not in request.triggers:
                found.append(Evidence("triggers", " and ".join(wanted) + " only", f"also `{name}`", where(name), False))
    if "workflow_dispatch" in request.triggers and "workflow_dispatch" not in on:
        found.append(Evidence("triggers", "workflow_dispatch", "no `workflow_dispatch`", on_line, False, blocking=False))
    crons, places = [], []
    schedule = on.get("schedule")
    if isinstance(schedule, list):
        for index, item in enumerate(schedule):
            if isinstance(item, Mapping) and item.get("cron"):
                crons.append(str(item.get("cron")))
                places.append(index)
    if request.schedule:
        cadence = _cadence(request.schedule)
        matching = [n for n, c in enumerate(crons) if _cadence(c) == cadence]
        line = line_of(schedule, places[matching[0]]) if matching else where("schedule")
        found.append(Evidence("schedule", f"{cadence} (`{request.schedule}`)",
                              ", ".join(f"cron `{c}`" for c in crons) or "no schedule", line, bool(matching)))
    elif crons:
        found.append(Evidence("schedule", "none", ", ".join(f"cron `{c}`" for c in crons), where("schedule"), False,
                              blocking=False))
    if request.required_check:
        pr = on.get("pull_request")
        filtered = isinstance(pr, Mapping) and ("paths" in pr or "paths-ignore" in pr)
        ok = "pull_request" in on and not filtered
        found.append(Evidence("required_check", "runs on every pull request",
                              "a `paths` filter on pull_request (reports nothing on other pull requests)" if filtered
                              else ("runs on every pull request" if ok else "no pull_request trigger"),
                              where("pull_request"), ok))
    return found


def _sarif_evidence(steps: list[Step], scanner: dict, request) -> list[Evidence]:
    uploads = [s for s in steps if s.uses and _UPLOAD_SARIF.match(s.uses)]
    trivy_sarif = all(_writes_sarif(s) for s in scanner.get("trivy", [])) if scanner.get("trivy") else bool(uploads)
    if request.upload_sarif:
        ok = bool(uploads) and trivy_sarif
        found = (f"{len(uploads)} upload-sarif step(s)" + ("" if trivy_sarif else ", but a scan does not write SARIF")
                 if uploads else "no upload-sarif step")
        return [Evidence("upload_sarif", "upload to code scanning", found, uploads[0].line if uploads else None, ok)]
    if uploads:
        return [Evidence("upload_sarif", "no upload", f"{len(uploads)} upload-sarif step(s)", uploads[0].line, False,
                         blocking=False)]
    return []


def _trivy_lines(run: str) -> str:
    """The lines of a script that run trivy (continuations joined): `shopt -s` or `[ -f x ]` elsewhere is no flag."""
    return "\n".join(line for line in run.replace("\\\n", " ").splitlines() if _TRIVY_WORD.search(line))


def _writes_sarif(step: Step) -> bool:
    if step.uses:
        return str(step.with_.get("format", "")).lower() == "sarif"
    match = _FORMAT_FLAG.search(_trivy_lines(str(step.data.get("run") or "")))
    return bool(match and match.group(2).lower() == "sarif")


def _cadence(cron: str) -> str:
    parts = cron.split()
    if len(parts) != 5:
        return "other"
    minute, hour, dom, month, dow = parts
    single = all(re.fullmatch(r"\d+", p) for p in (minute, hour))
    if single and dom == "*" and month == "*" and dow == "*":
        return "daily"
    if single and dom == "*" and month == "*" and re.fullmatch(r"\d|[A-Za-z]{3}", dow):
        return "weekly"
    return "other"


def _true(value) -> bool:
    return value is True or str(value).strip().lower() == "true"


def _line(step: Step, key: str) -> int | None:
    inputs = step.data.get("with")
    if isinstance(inputs, Mapping) and key in inputs:
        return line_of(inputs, key)
    return step.line


def understood_rows(request, items: list[Evidence], workflow_path: str | None) -> list[dict]:
    """Each clause of the request, the field it became, and the workflow line(s) that satisfy it."""
    by_field: dict[str, list[Evidence]] = {}
    for item in items:
        by_field.setdefault(item.field, []).append(item)
    rows = []
    shown_fields = set()
    for clause in request.clauses:
        field = clause.field
        key = "tools" if field == "mode" else field
        proof = by_field.get(key, []) if field not in ("verb", "object", NOT_UNDERSTOOD) else []
        if field == "verb" and workflow_path:
            where = f"writes {workflow_path}"
        elif field == "object":
            where = ""
        else:
            where = "; ".join(_proof_text(p) for p in proof[:3]) or ("not done" if field == NOT_UNDERSTOOD else "")
        rows.append({"clause": clause.text, "field": field, "value": clause.value, "workflow": where,
                     "line": next((p.line for p in proof if p.line), None), "ok": all(p.ok for p in proof)})
        shown_fields.add(key)
    defaults = {"tools": ", ".join(request.tools), "fail_on": ", ".join(request.fail_on) or "report only",
                "triggers": ", ".join(request.triggers)}
    for key, value in defaults.items():
        if key not in shown_fields and by_field.get(key):
            proof = by_field[key]
            note = "(no tool named)" if key == "tools" else "(default)"
            rows.append({"clause": note, "field": key, "value": value,
                         "workflow": "; ".join(_proof_text(p) for p in proof[:3]),
                         "line": next((p.line for p in proof if p.line), None), "ok": all(p.ok for p in proof)})
    return rows


def _proof_text(item: Evidence) -> str:
    where = f"line {item.line}: " if item.line else ""
    return f"{where}{item.found}" + ("" if item.ok else " ✗")
