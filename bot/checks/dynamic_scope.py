"""dynamic-scope: run each trivy step's own scan on the checkout and compare what trivy reports.

The step's trivy config file (`--config`, `trivy-config`, ./trivy.yaml) is never given to trivy: it
can load Rego checks, plugins and output paths. Only its target selection (skip-dirs, skip-files,
already folded into the invocation by the scope engine) is passed, as flags.
"""

from __future__ import annotations

import posixpath
from dataclasses import replace

from bot.adapters.errors import ToolError
from bot.checks import CheckContext, dynamic_scope_tools
from bot.findings import Finding, Severity
from bot.globs import is_glob
from bot.repotree import normalize
from bot.scope.steps import glob_matches

ID = "dynamic-scope"
_MODES = {"config": "config", "fs": "fs", "repo": "fs", "rootfs": "fs"}


def run(ctx: CheckContext) -> list[Finding]:
    if ctx.tree.root is None:
        return []  # nothing on disk to run trivy on
    findings = []
    for step in ctx.scope.steps:
        if step.tool in dynamic_scope_tools.TOOLS and step.resolved and step.invocation is not None \
                and step.invocation.cwd in (None, step.checkout_root):
            findings += dynamic_scope_tools.findings_for(ctx, step)
            continue
        if step.tool != "trivy" or not step.resolved or "misconfig" not in step.scanners:
            continue
        invocation = step.invocation
        if invocation is None or invocation.mode not in _MODES or not invocation.targets:
            continue
        try:
            reported = _reported_files(ctx, invocation, step.checkout_root)
        except ToolError as exc:
            findings.append(Finding(ID, "tool-unavailable", Severity.ERROR,
                                    f"could not run the step's trivy scan to confirm its scope: {exc}",
                                    ctx.workflow.path, step.line, hint=exc.hint))
            continue
        if reported is None:
            continue
        static = step.files_for(("misconfig",))
        if reported != static:
            extra, missing = sorted(reported - static), sorted(static - reported)
            findings.append(Finding(
                ID, "static-and-dynamic-disagree", Severity.ERROR,
                f"job `{step.job_id}` step {step.step_index + 1}: trivy itself reported {len(reported)} file(s) "
                f"where the static analysis found {len(static)}"
                + (f"; only trivy: {', '.join(extra)}" if extra else "")
                + (f"; only static: {', '.join(missing)}" if missing else ""),
                ctx.workflow.path, step.line, hint="Report this: the scope engine misread the step."))
    return findings


def _reported_files(ctx: CheckContext, invocation, checkout: str) -> frozenset[str] | None:
    cwd = invocation.cwd or checkout
    rel_cwd = posixpath.relpath(cwd, checkout)
    if rel_cwd.startswith(".."):
        return None
    target_repo = normalize(posixpath.relpath(invocation.targets[0], checkout))
    if target_repo.startswith(".."):
        return None
    if is_glob(target_repo):  # the shell hands trivy each match (a loop over the pattern): run it on each
        found: set[str] = set()
        for match in glob_matches(ctx.tree, target_repo):
            one = replace(invocation, targets=(posixpath.join(checkout, match),))
            found |= _reported_files(ctx, one, checkout) or set()
        return frozenset(found)
    target = posixpath.relpath(invocation.targets[0], cwd)
    output = ctx.tools.trivy_scan(_MODES[invocation.mode], target, ("misconfig",),
                                  str(ctx.tree.root / rel_cwd) if rel_cwd != "." else str(ctx.tree.root),
                                  invocation.skip_dirs, invocation.skip_files)
    is_file = ctx.tree.is_file(target_repo)
    reported = set()
    for result in output.get("Results") or []:
        if result.get("Class") not in (None, "config"):
            continue
        path = target_repo if is_file else normalize(posixpath.join(target_repo, str(result.get("Target", ""))))
        if ctx.tree.is_file(path):  # directory results (terraform modules) are not files
            reported.add(path)
    return frozenset(reported)
