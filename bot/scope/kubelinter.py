"""What kube-linter and yamllint steps read, as Invocations (both take paths and walk directories)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping

from bot.repotree import RepoTree
from bot.scope.argv import parse
from bot.scope.context import WORKSPACE, StepContext, absolute, resolve_value
from bot.scope.model import Invocation
from bot.scope.shell import Command, Unresolved, expand_vars

ACTIONS = re.compile(r"^(?:stackrox/kube-linter-action|ibiqlik/action-yamllint|karancode/yamllint-github-action)@",
                     re.IGNORECASE)
_KUBE_LINTER_VALUES = {"--config", "--format", "--include", "--exclude", "--fail-if-no-objects-found"}
_YAMLLINT_VALUES = {"-c", "--config-file", "-d", "--config-data", "-f", "--format"}


def from_action(uses: str, inputs: Mapping, ctx: StepContext, tree: RepoTree) -> Invocation:
    kube_linter = "kube-linter" in uses.lower()
    key = "directory" if kube_linter else "file_or_dir"
    try:
        target = resolve_value(inputs.get(key) or inputs.get("yamllint_file_or_dir") or ".", ctx.env)
    except Unresolved as exc:
        return Invocation("kube-linter" if kube_linter else "yamllint", "unknown", unresolved=str(exc))
    if kube_linter:
        return Invocation("kube-linter", "lint", targets=(absolute(WORKSPACE, target),), scanners=("k8s-lint",))
    return Invocation("yamllint", "lint", targets=tuple(absolute(WORKSPACE, t) for t in target.split()),
                      scanners=("yaml-lint",))


def from_command(command: Command, ctx: StepContext, tree: RepoTree) -> Invocation | None:
    name = posixpath.basename(command.argv[0]) if command.argv else ""
    if name == "kube-linter" and command.argv[1:2] == ("lint",):
        tool, words, values, scanner = "kube-linter", command.argv[2:], _KUBE_LINTER_VALUES, "k8s-lint"
    elif name == "yamllint":
        tool, words, values, scanner = "yamllint", command.argv[1:], _YAMLLINT_VALUES, "yaml-lint"
    else:
        return None
    try:
        args = parse([expand_vars(w, command.env) for w in words], values)
    except Unresolved as exc:
        return Invocation(tool, "unknown", unresolved=str(exc))
    if not args.positional or "-" in args.positional:
        return Invocation(tool, "unknown", unresolved="reads standard input or no paths")
    return Invocation(tool, "lint", targets=tuple(absolute(command.cwd, p) for p in args.positional),
                      scanners=(scanner,))
