"""Find the scanner steps of a workflow and the repository files each one reads."""

from __future__ import annotations

import posixpath
import re
from dataclasses import replace

from bot.globs import checkov_skip_problem, checkov_skips, is_glob, trivy_skip_match
from bot.repotree import ROOT, RepoTree, normalize
from bot.scope import actionlint, checkov, hadolint, helm, kubeconform, kubelinter, trivy, vibeops
from bot.scope.context import StepContext, resolve_expressions, step_contexts
from bot.scope.filetypes import EXPLICIT, helm_chart_roots, reads_file
from bot.scope.model import Invocation, ScannerStep
from bot.scope.pipes import expand_xargs
from bot.scope.shell import split_commands
from bot.workflow import Step, Workflow

# Each recogniser module: TOOL, ACTIONS (a `uses:` pattern or None), from_action() and from_command().
RECOGNISERS = (trivy, actionlint, checkov, hadolint, kubeconform, helm, kubelinter, vibeops)
# Scanners we recognise but do not analyse: reported as unknown, never as exact.
_OTHER_ACTIONS = {
    re.compile(r"^zizmorcore/zizmor-action@", re.I): "zizmor",
    re.compile(r"^aquasecurity/tfsec[\w.-]*@", re.I): "tfsec",
    re.compile(r"^kubescape/github-action@", re.I): "kubescape",
    re.compile(r"^kubevious/cli@", re.I): "kubevious",
}
_OTHER_COMMANDS = {"kubevious": "kubevious", "zizmor": "zizmor", "tfsec": "tfsec", "kubescape": "kubescape",
                   "flux": "flux"}
_CONTAINER_TOOLS = ("trivy", "actionlint", "checkov", "hadolint", "kubeconform", "kube-linter", "yamllint")


def scanner_steps(workflow: Workflow, tree: RepoTree) -> tuple[ScannerStep, ...]:
    found: list[ScannerStep] = []
    for step in workflow.steps():
        for combo, ctx in step_contexts(workflow, step):
            for invocation in _invocations(step, ctx, tree):
                if ctx.unknown:
                    invocation = replace(invocation, mode="unknown", unresolved=ctx.unknown)
                found.append(_locate(step, ctx, invocation, tree, combo))
    return tuple(found)


def _invocations(step: Step, ctx: StepContext, tree: RepoTree) -> list[Invocation]:
    uses = step.uses
    if uses:
        for recogniser in RECOGNISERS:
            if recogniser.ACTIONS is not None and recogniser.ACTIONS.match(uses):
                return [recogniser.from_action(uses, step.with_, ctx, tree)]
        for pattern, tool in _OTHER_ACTIONS.items():
            if pattern.match(uses):
                return [Invocation(tool, "unknown", unresolved=f"{tool} steps are not analysed")]
        return []
    script = step.data.get("run")
    if script is None:
        return []
    if "${{ unresolved }}" in ctx.working_directory:
        return [Invocation("shell", "unknown", unresolved="working-directory is only known at run time")]
    text = resolve_expressions(str(script), ctx.env, lenient=True)
    found: list[Invocation] = []
    for command in split_commands(text, ctx.env, ctx.working_directory):
        runs = [command]
        if command.argv and command.argv[0] == "xargs":
            expanded = expand_xargs(command, tree, ctx.checkout_root)
            if isinstance(expanded, str):
                tool = _tool_named(command.argv[1:])
                if tool:
                    found.append(Invocation(tool, "unknown", unresolved=expanded))
                continue
            runs = expanded
        for run in runs:
            invocation = _recognise(run, ctx, tree)
            if invocation is not None:
                found.append(invocation)
    return found


def _recognise(command, ctx: StepContext, tree: RepoTree) -> Invocation | None:
    argv = command.argv
    if argv and "${{" in argv[0]:
        tool = _tool_named(argv[:1])
        # The binary is whatever an earlier step put out; its name is a guess, not a fact.
        return Invocation(tool, "unknown", unresolved=f"the program comes from `{argv[0]}`") if tool else None
    if argv[:2] == ("docker", "run"):
        tool = _tool_named(argv[2:])
        # Inside a container the paths are the container's, behind volume mounts we do not follow.
        return Invocation(tool, "unknown", unresolved=f"runs {tool} inside `docker run`") if tool else None
    for recogniser in RECOGNISERS:
        invocation = recogniser.from_command(command, ctx, tree)
        if invocation is not None:
            return invocation
    tool = _OTHER_COMMANDS.get(posixpath.basename(argv[0])) if argv else None
    return Invocation(tool, "unknown", unresolved=f"{tool} steps are not analysed") if tool else None


def _tool_named(words: tuple[str, ...]) -> str | None:
    """The scanner a command line would run, for lines whose details cannot be followed."""
    for word in words:
        name = posixpath.basename(word.split(":")[0].split("@")[0])
        for tool in _CONTAINER_TOOLS:
            if tool in name:
                return tool
        if name in _OTHER_COMMANDS:
            return _OTHER_COMMANDS[name]
    return None


def _locate(step: Step, ctx: StepContext, invocation: Invocation, tree: RepoTree,
            combo: dict[str, str] | None = None) -> ScannerStep:
    """Turn workspace paths into repository files, applying skips and the scanners' file rules."""
    name = step.name + (" (" + ", ".join(f"{k}={v}" for k, v in combo.items()) + ")" if combo else "")
    base = dict(job_id=step.job_id, step_index=step.index, step_name=name, line=step.line,
                tool=invocation.tool, mode=invocation.mode, scanners=invocation.scanners,
                skips=invocation.skip_dirs + invocation.skip_files + invocation.skip_regex, invocation=invocation,
                checkout_root=ctx.checkout_root)
    if any("\x00" in t for t in invocation.targets):
        invocation = replace(invocation, unresolved="a target path contains a NUL byte, which no program can be given")
    unresolved = invocation.unresolved or next(
        (problem for problem in map(checkov_skip_problem, invocation.skip_regex) if problem), None)
    if unresolved:
        return ScannerStep(**base, roots=(), files=frozenset(), resolved=False, reason=unresolved)
    if not invocation.targets:
        return ScannerStep(**base, roots=(), files=frozenset(), resolved=True, reason=invocation.note)
    if ctx.checkout_root is None:
        return ScannerStep(**base, roots=(), files=frozenset(), resolved=True,
                           reason="the job does not check out the repository before this step")
    roots: list[str] = []
    notes: list[str] = [invocation.note] if invocation.note else []
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
        named = tree.is_file(relative) or is_glob(relative)  # files given by name, not found by a walk
        skip = _Skips(invocation, target, ctx.checkout_root, single_file=tree.is_file(relative))
        for path in matched:
            if skip.skips(path):
                continue
            if any(checkov_skips(pattern, path) for pattern in invocation.skip_regex):
                continue
            for scanner in invocation.scanners:
                if (named and scanner in EXPLICIT) or reads_file(scanner, path, tree, charts):
                    by_scanner[scanner].add(path)
    frozen = {s: frozenset(v) for s, v in by_scanner.items()}
    files = frozenset().union(*frozen.values()) if frozen else frozenset()
    return ScannerStep(**base, roots=tuple(roots), files=files, resolved=True,
                       reason="; ".join(notes) or None, files_by_scanner=frozen)


class _Skips:
    """trivy's --skip-dirs/--skip-files for one target, matched as trivy matches them.

    A pattern that names a path inside the scan root from trivy's working directory is rewritten
    relative to the root (one naming the root itself skips everything); any other pattern is used
    as written. Globs then match the whole path relative to the root. A single-file target is
    itself `.` and only --skip-files can skip it.
    """

    def __init__(self, invocation: Invocation, target: str, checkout_root: str, single_file: bool):
        self.root = target
        self.checkout_root = checkout_root
        self.single_file = single_file
        cwd = invocation.cwd or checkout_root
        self.files = [self._rewrite(p, cwd) for p in invocation.skip_files]
        self.dirs = [self._rewrite(p, cwd) for p in invocation.skip_dirs]

    def _rewrite(self, pattern: str, cwd: str) -> str:
        resolved = posixpath.normpath(pattern if pattern.startswith("/") else posixpath.join(cwd, pattern))
        if resolved == self.root:
            return ROOT
        if resolved.startswith(self.root + "/"):
            return resolved[len(self.root) + 1:]
        return normalize(pattern.lstrip("/"))

    def skips(self, path: str) -> bool:
        if not (self.files or self.dirs):
            return False
        if self.single_file:
            return trivy_skip_match(self.files, ROOT)
        relative = posixpath.relpath(posixpath.join(self.checkout_root, path), self.root)
        if trivy_skip_match(self.files, relative):
            return True
        folders = [ROOT]
        parent = posixpath.dirname(relative)
        while parent:
            folders.append(parent)
            parent = posixpath.dirname(parent)
        return any(trivy_skip_match(self.dirs, folder) for folder in folders)
