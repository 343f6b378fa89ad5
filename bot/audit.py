"""Check existing workflow files: every validator, plus what each scanner step scans."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path

from bot.checks import CheckContext, run_checks
from bot.findings import CheckResult, Finding, Severity
from bot.intent import Intent, resolve_intent
from bot.repotree import RepoTree
from bot.request import Request
from bot.scope.model import ScopeReport
from bot.scope.steps import scanner_steps
from bot.scope.verdict import compare
from bot.validation import compare_part
from bot.workflow import Workflow, WorkflowError


@dataclass(frozen=True)
class FileAudit:
    path: str
    checks: tuple[CheckResult, ...]
    scope: ScopeReport | None

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def to_dict(self) -> dict:
        return {"path": self.path, "ok": self.ok, "checks": [c.to_dict() for c in self.checks],
                "scope": self.scope.to_dict() if self.scope else None}


def requested_intent(paths: tuple[str, ...], tool: str, tree: RepoTree) -> Intent:
    """The --requested paths as an Intent, checked like a request's paths (raises IntentError)."""
    from bot.scope.tools import mode_and_scanners

    mode, scanners = mode_and_scanners(tool)
    request = Request(text="--requested " + " ".join(paths), tool=tool, mode=mode, scanners=scanners,
                      paths=paths, fail_on=(), triggers=(), schedule=None, upload_sarif=False)
    return resolve_intent(request, tree)


def audit_workflow(path: str, text: str, tree: RepoTree, tools, intent: Intent | None,
                   basis: str | None = None) -> FileAudit:
    """`basis` says why the intent's tool is the one compared (given with --tool, or inferred)."""
    try:
        workflow = Workflow.parse(path, text)
    except WorkflowError as exc:
        # actionlint still reports the syntax error with its position; keep both views.
        lint = run_only_actionlint(path, text, tree, tools)
        finding = Finding("scope", "unreadable-workflow", Severity.ERROR, f"cannot analyse: {exc}", path, exc.line)
        return FileAudit(path, (lint, CheckResult("scope", (finding,))), None)
    with_file = tree.with_file(path, text)
    steps = scanner_steps(workflow, with_file)
    if intent is None:
        scope = compare(None, steps)
    else:
        # A glob in --requested is proven as a pattern: files added later that match it are in scope too.
        scope = compare_part(intent, steps, with_file, workflow, scanners=intent.scanners,
                             basis=basis or "the request's tool")
    ctx = CheckContext(workflow=workflow, tree=with_file, scope=scope, tools=tools, intent=intent)
    return FileAudit(path, run_checks(ctx), scope)


def run_only_actionlint(path: str, text: str, tree: RepoTree, tools) -> CheckResult:
    from bot.checks import actionlint

    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")  # bytes that are not UTF-8
    ctx = CheckContext(workflow=Workflow(path, text, None), tree=tree, scope=compare(None, ()), tools=tools)
    return CheckResult(actionlint.ID, tuple(actionlint.run(ctx)))


def workflow_files(repo_root) -> list[str]:
    """The repository's workflows: the YAML files directly in .github/workflows, as GitHub runs them."""
    folder = Path(repo_root) / ".github" / "workflows"
    if not folder.is_dir():
        return []
    return sorted(f".github/workflows/{p.name}" for p in folder.iterdir()
                  if p.is_file() and p.suffix in (".yml", ".yaml"))


def repo_relative(path: str, repo_root: str) -> str:
    """Where the file sits in the repository; a file from elsewhere is judged as a new workflow."""
    relative = posixpath.relpath(posixpath.abspath(path), posixpath.abspath(repo_root))
    if relative.startswith(".."):
        return f".github/workflows/{posixpath.basename(path)}"
    return relative
