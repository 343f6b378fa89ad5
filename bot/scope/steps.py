"""Find the scanner steps of a workflow and the repository files each one reads."""

from __future__ import annotations

import posixpath
import re

from bot.globs import glob_match, is_glob
from bot.repotree import ROOT, RepoTree, is_under, normalize
from bot.scope import actionlint, trivy
from bot.scope.context import StepContext, resolve_expressions, step_context
from bot.scope.filetypes import helm_chart_roots, reads_file
from bot.scope.model import Invocation, ScannerStep
from bot.scope.shell import split_commands
from bot.workflow import Step, Workflow

# Scanners we recognise but do not analyse yet: reported as unknown, never as exact.
_OTHER_ACTIONS = {
    re.compile(r"^bridgecrewio/checkov-action@", re.I): "checkov",
    re.compile(r"^hadolint/hadolint-action@", re.I): "hadolint",
    re.compile(r"^[\w.-]+/kubeconform[\w.-]*@|^docker://ghcr\.io/yannh/kubeconform", re.I): "kubeconform",
    re.compile(r"^helm/chart-testing-action@", re.I): "chart-testing",
    re.compile(r"^stackrox/kube-linter-action@", re.I): "kube-linter",
    re.compile(r"^[\w.-]+/(?:action-)?yamllint[\w.-]*@", re.I): "yamllint",
    re.compile(r"^zizmorcore/zizmor-action@", re.I): "zizmor",
    re.compile(r"^aquasecurity/tfsec[\w.-]*@", re.I): "tfsec",
    re.compile(r"^kubescape/github-action@", re.I): "kubescape",
    re.compile(r"^kubevious/cli@", re.I): "kubevious",
}
_OTHER_COMMANDS = {"checkov": "checkov", "hadolint": "hadolint", "kubeconform": "kubeconform",
                   "kube-linter": "kube-linter", "yamllint": "yamllint", "kubevious": "kubevious",
                   "zizmor": "zizmor", "tfsec": "tfsec", "kubescape": "kubescape", "ct": "chart-testing",
                   "helm": "helm", "flux": "flux"}
_OTHER_SUBCOMMANDS = {"helm": {"lint"}, "ct": {"lint", "lint-and-install"}, "flux": {"build"}}


def scanner_steps(workflow: Workflow, tree: RepoTree) -> tuple[ScannerStep, ...]:
    found: list[ScannerStep] = []
    for step in workflow.steps():
        ctx = step_context(workflow, step)
        for invocation in _invocations(step, ctx, tree):
            found.append(_locate(step, ctx, invocation, tree))
    return tuple(found)


def _invocations(step: Step, ctx: StepContext, tree: RepoTree) -> list[Invocation]:
    uses = step.uses
    if uses:
        if trivy.ACTION.match(uses):
            return [trivy.from_action(step.with_, ctx, tree)]
        if actionlint.ACTIONS.match(uses):
            return [actionlint.from_action(step.with_, ctx)]
        if actionlint.DOCKER.match(uses):
            return [actionlint.from_docker(step.with_, ctx)]
        for pattern, tool in _OTHER_ACTIONS.items():
            if pattern.match(uses):
                return [Invocation(tool, "unknown", unresolved=f"{tool} steps are not analysed yet")]
        return []
    script = step.data.get("run")
    if script is None:
        return []
    if "${{ unresolved }}" in ctx.working_directory:
        return [Invocation("shell", "unknown", unresolved="working-directory is only known at run time")]
    text = resolve_expressions(str(script), ctx.env, lenient=True)
    found: list[Invocation] = []
    for command in split_commands(text, ctx.env, ctx.working_directory):
        invocation = trivy.from_command(command, ctx, tree) or actionlint.from_command(command, ctx)
        if invocation is None:
            invocation = _other_command(command.argv)
        if invocation is not None:
            found.append(invocation)
    return found


def _other_command(argv: tuple[str, ...]) -> Invocation | None:
    if not argv:
        return None
    name = posixpath.basename(argv[0])
    tool = _OTHER_COMMANDS.get(name)
    if tool is None:
        return None
    subcommands = _OTHER_SUBCOMMANDS.get(name)
    if subcommands is not None and (len(argv) < 2 or argv[1] not in subcommands):
        return None
    return Invocation(tool, "unknown", unresolved=f"{tool} steps are not analysed yet")


def _locate(step: Step, ctx: StepContext, invocation: Invocation, tree: RepoTree) -> ScannerStep:
    """Turn workspace paths into repository files, applying skips and the scanners' file rules."""
    base = dict(job_id=step.job_id, step_index=step.index, step_name=step.name, line=step.line,
                tool=invocation.tool, mode=invocation.mode, scanners=invocation.scanners,
                skips=invocation.skip_dirs + invocation.skip_files)
    if invocation.unresolved:
        return ScannerStep(**base, roots=(), files=frozenset(), resolved=False, reason=invocation.unresolved)
    if not invocation.targets:
        return ScannerStep(**base, roots=(), files=frozenset(), resolved=True, reason=invocation.note)
    if ctx.checkout_root is None:
        return ScannerStep(**base, roots=(), files=frozenset(), resolved=True,
                           reason="the job does not check out the repository before this step")
    roots: list[str] = []
    notes: list[str] = []
    by_scanner: dict[str, set[str]] = {s: set() for s in invocation.scanners}
    charts = helm_chart_roots(tree)
    for target in invocation.targets:
        relative = posixpath.relpath(target, ctx.checkout_root)
        if relative == ".." or relative.startswith("../"):
            notes.append(f"{target} is outside the repository checkout")
            continue
        relative = normalize(relative)
        matched = tree.glob(relative) if is_glob(relative) else tree.files_under(relative)
        if not matched and not tree.exists(relative):
            notes.append(f"{relative} does not exist in the repository")
        roots.append(relative)
        scan_root = relative if tree.is_dir(relative) else posixpath.dirname(relative) or ROOT
        for path in matched:
            if _skipped(path, scan_root, invocation, single_file=tree.is_file(relative)):
                continue
            for scanner in invocation.scanners:
                if reads_file(scanner, path, tree, charts):
                    by_scanner[scanner].add(path)
    frozen = {s: frozenset(v) for s, v in by_scanner.items()}
    files = frozenset().union(*frozen.values()) if frozen else frozenset()
    return ScannerStep(**base, roots=tuple(roots), files=files, resolved=True,
                       reason="; ".join(notes) or None, files_by_scanner=frozen)


def _skipped(path: str, scan_root: str, invocation: Invocation, single_file: bool) -> bool:
    """trivy matches skip globs against the whole path relative to the scan root.

    A pattern naming a path inside the root from the repository root is rewritten relative to the
    scan root first; a single-file target is itself `.` and is only skipped by its own path.
    """
    if single_file:
        return any(normalize(p) in (path, "*") for p in invocation.skip_files)
    relative = path if scan_root == ROOT else posixpath.relpath(path, scan_root)
    ancestors = []
    parent = posixpath.dirname(relative)
    while parent:
        ancestors.append(parent)
        parent = posixpath.dirname(parent)
    for pattern in _root_relative(invocation.skip_files, scan_root):
        if glob_match(pattern, relative):
            return True
    for pattern in _root_relative(invocation.skip_dirs, scan_root):
        if any(glob_match(pattern, directory) for directory in ancestors):
            return True
    return False


def _root_relative(patterns: tuple[str, ...], scan_root: str) -> list[str]:
    rewritten = []
    for pattern in patterns:
        pattern = normalize(pattern.lstrip("/"))
        if scan_root != ROOT and is_under(pattern, scan_root) and pattern != scan_root:
            pattern = posixpath.relpath(pattern, scan_root)
        rewritten.append(pattern)
    return rewritten
