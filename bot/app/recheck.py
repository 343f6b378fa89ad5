"""Check a pull request's workflows again on every push, and publish a `vibeops` check run."""

from __future__ import annotations

from bot.app.commands import StaticOnly, without_tool_checks
from bot.app.delivery import PullRequestChange
from bot.app.ownership import from_fork, own_marker
from bot.audit import FileAudit, audit_workflow
from bot.findings import CheckResult, Finding, Severity
from bot.intent import IntentError, resolve_intent
from bot.pipeline import load_config
from bot.render.markdown import code, inert
from bot.repo_config import ConfigError
from bot.request import RequestError, parse_request
from bot.revision import parse_change, updated_request

CHECK_NAME = "vibeops"
_LEVEL = {Severity.ERROR: "failure", Severity.WARNING: "warning", Severity.NOTE: "notice"}
_MAX_ANNOTATIONS = 50  # what GitHub takes in one request


def recheck_pull_request(change: PullRequestChange, repo, ctx) -> str:
    try:
        config = load_config(repo, repo.default_branch(), ctx.server_config)
    except ConfigError as exc:
        return f"skipped: invalid config ({exc})"
    pull = repo.pull_info(change.number)
    fork = from_fork(pull)
    # The App's own pull request only when proven (base repository, App author, App commits, signed marker).
    marker = own_marker(repo, change.number, pull, ctx.bot_login, config.branch_prefix, ctx.marker_key)
    if change.closed_unmerged:
        if marker is None or not config.delete_closed_branches:
            return "skipped: kept the branch"
        repo.delete_branch(pull["head"])  # its own branch, of a pull request nobody merged
        return "deleted the branch"
    if marker is None and not config.recheck_all_pulls:
        return "skipped: not a vibeops pull request"
    workflows = [f for f in repo.changed_files(change.number)
                 if f.startswith(".github/workflows/") and f.endswith((".yml", ".yaml"))]
    if not workflows:
        return "skipped: no workflow changed"
    audits: list[FileAudit] = []
    with repo.snapshot(change.head_sha) as snapshot:
        tree = snapshot.tree
        for path in workflows:
            text = tree.read_text(path)
            if text is None and tree.is_file(path):  # there, but not UTF-8 text: a finding, never a pass
                audits.append(FileAudit(path, (CheckResult("scope", (Finding(
                    "scope", "unreadable-workflow", Severity.ERROR, "cannot analyse: the file is not UTF-8 text",
                    path, None),)),), None))
                continue
            if text is None:
                continue  # deleted by the pull request
            intent = _requested(marker, tree, config) if marker and path == marker.get("workflow") else None
            if fork:  # a stranger's code: no tool process runs on it, only the static checks
                audits.append(without_tool_checks(audit_workflow(path, text, tree, StaticOnly(), intent)))
            else:
                audits.append(audit_workflow(path, text, tree, ctx.tools, intent))
    ok = all(a.ok for a in audits)
    summary = _summary(audits, marker)
    if fork:
        summary = ("Static checks only: this pull request comes from a fork, so actionlint, zizmor and trivy "
                   "did not run on its code.\n\n" + summary)
    repo.check_run(CHECK_NAME, change.head_sha, "success" if ok else "failure", _title(audits, marker),
                   summary, _annotations(audits))
    return "passed" if ok else "failed"


def _requested(marker: dict, tree, config):
    """The originating request (with its follow-ups) as an intent, to hold a human's edits to its scope."""
    try:
        request = parse_request(marker["request"], free_form=True)
        for earlier in marker.get("changes") or []:
            request = updated_request(request, parse_change(earlier))
        return resolve_intent(request, tree, config)
    except (RequestError, IntentError):
        return None


def _title(audits: list[FileAudit], marker: dict | None) -> str:
    blocking = sum(1 for a in audits for c in a.checks for f in c.findings if f.blocking)
    widened = [a for a in audits if a.scope and a.scope.verdict not in (None, "exact")]
    if widened and marker:
        return f"The workflow no longer scans exactly what was asked ({widened[0].scope.verdict})"
    return f"{blocking} blocking finding(s) in {len(audits)} workflow(s)" if blocking else "All checks passed"


def _summary(audits: list[FileAudit], marker: dict | None) -> str:
    lines = []
    if marker:
        lines += [f"Requested: {code(marker['request'])}" + "".join(f" → {code(c)}" for c in marker.get("changes") or []),
                  ""]
    lines += ["| workflow | result | scope | blocking |", "|---|---|---|---|"]
    for audit in audits:
        blocking = sum(1 for c in audit.checks for f in c.findings if f.blocking)
        scope = audit.scope.verdict or "reported" if audit.scope else "-"
        lines.append(f"| `{audit.path}` | {'✅' if audit.ok else '❌'} | {scope} | {blocking} |")
        if audit.scope and audit.scope.extra:
            lines.append(f"| | scans files that were not requested: {', '.join(audit.scope.extra)} | | |")
        if audit.scope and audit.scope.missing:
            lines.append(f"| | no longer scans: {', '.join(audit.scope.missing)} | | |")
    return inert("\n".join(lines))


def _annotations(audits: list[FileAudit]) -> list[dict]:
    found = []
    for audit in audits:
        for check in audit.checks:
            for f in check.findings:
                found.append({"path": audit.path, "start_line": f.line or 1, "end_line": f.line or 1,
                              "annotation_level": _LEVEL[f.severity], "title": f"{f.check_id}/{f.rule}",
                              "message": f.message})
    return found[:_MAX_ANNOTATIONS]
