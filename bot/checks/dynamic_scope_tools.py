"""dynamic-scope for hadolint, yamllint and checkov steps: run the step's own tool and compare files.

- yamllint: `--list-files` names every file it would lint, so the comparison is exact both ways.
- hadolint and checkov report a file only through its findings or checks, so a file they report
  that the static analysis did not find is an error; a file they stay silent about is not.
A tool that is not installed is skipped with a note (previews and this check are optional);
a tool that fails to run fails closed.
"""

from __future__ import annotations

import posixpath

from bot.adapters.errors import ToolError
from bot.findings import Finding, Severity
from bot.globs import is_glob
from bot.preview import checkov_files
from bot.repotree import normalize

ID = "dynamic-scope"
TOOLS = {"hadolint": "dockerfile-lint", "yamllint": "yaml-lint", "checkov": "checkov"}


def findings_for(ctx, step) -> list[Finding]:
    invocation = step.invocation
    if invocation is None or not invocation.targets or step.checkout_root is None:
        return []
    targets = []
    for target in invocation.targets:
        relative = normalize(posixpath.relpath(target, step.checkout_root))
        if relative.startswith(".."):
            return []
        targets.extend(ctx.tree.glob(relative) if is_glob(relative) else [relative])
    if not targets:
        return []
    static = step.files_for(step.scanners)
    root = str(ctx.tree.root)
    try:
        reported, exact = _reported(ctx, step, tuple(targets), root)
    except ToolError as exc:
        if "not installed" in str(exc):
            return [Finding(ID, "tool-not-installed", Severity.NOTE,
                            f"{step.tool} is not installed here, so its own run could not confirm the static scope",
                            ctx.workflow.path, step.line, hint=exc.hint)]
        return [Finding(ID, "tool-unavailable", Severity.ERROR,
                        f"could not run the step's {step.tool} to confirm its scope: {exc}",
                        ctx.workflow.path, step.line, hint=exc.hint)]
    reported = frozenset(p for p in reported if ctx.tree.is_file(p))
    extra = sorted(reported - static)
    # A file held only in memory (the draft being judged) is not on disk for the tool to see.
    missing = sorted(p for p in static - reported if p not in ctx.tree.contents) if exact else []
    if not extra and not missing:
        return []
    return [Finding(
        ID, "static-and-dynamic-disagree", Severity.ERROR,
        f"job `{step.job_id}` step {step.step_index + 1}: {step.tool} itself reported {len(reported)} file(s) "
        f"where the static analysis found {len(static)}"
        + (f"; only {step.tool}: {', '.join(extra)}" if extra else "")
        + (f"; only static: {', '.join(missing)}" if missing else ""),
        ctx.workflow.path, step.line, hint="Report this: the scope engine misread the step.")]


def _reported(ctx, step, targets: tuple[str, ...], root: str) -> tuple[set[str], bool]:
    tools = ctx.tools
    if step.tool == "yamllint":
        return {posixpath.normpath(p) for p in tools.yamllint_lint(targets, root, list_files=True)}, True
    if step.tool == "hadolint":
        # One run over every hadolint step's files (the preview's run, when they are the requested files).
        every = sorted({normalize(posixpath.relpath(t, s.checkout_root)) for s in ctx.scope.steps
                        if s.tool == "hadolint" and s.resolved and s.invocation and s.checkout_root
                        for t in s.invocation.targets if not is_glob(t)} | set(targets))
        mine = set(targets)
        return {path for e in tools.hadolint_lint(tuple(every), root)
                if (path := posixpath.normpath(str(e.get("file", "")))) in mine}, False
    frameworks = tuple(s.partition(":")[2] for s in step.scanners if s.startswith("checkov:"))
    found: set[str] = set()
    for target in targets:
        found |= set(checkov_files(tools.checkov_scan(target, ctx.tree.is_dir(target), frameworks, root), root))
    return found, False
