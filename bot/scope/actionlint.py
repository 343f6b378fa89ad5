"""What an actionlint step (action, Docker image or command line) lints, as an Invocation."""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Mapping, Sequence

from bot.scope.context import WORKSPACE, StepContext, resolve_value
from bot.repotree import RepoTree
from bot.scope.argv import parse
from bot.scope.model import Invocation
from bot.scope.shell import Command, Unresolved, expand_vars

TOOL = "actionlint"
ACTIONS = re.compile(r"^(?:(?:raven-actions|devops-actions|reviewdog)/(?:action-)?actionlint@"
                     r"|docker://(?:[\w.-]+/)*actionlint(?::|@|$))", re.IGNORECASE)
DEFAULT_DIR = ".github/workflows"
_VALUE_FLAGS = frozenset({"-format", "-config-file", "-ignore", "-shellcheck", "-pyflakes", "-stdin-filename"})


def from_action(uses: str, inputs: Mapping, ctx: StepContext, tree: RepoTree) -> Invocation:
    """raven-actions/actionlint: `files` is a comma-separated glob list; unset lints the default."""
    if uses.lower().startswith("docker://"):
        return _from_docker(inputs, ctx)
    try:
        files = resolve_value(inputs.get("files") or "", ctx.env)
        flags = resolve_value(inputs.get("flags") or "", ctx.env)
    except Unresolved as exc:
        return Invocation("actionlint", "lint", unresolved=str(exc))
    args = shlex.split(flags) + [f.strip() for f in files.split(",") if f.strip()]
    return _from_args(args, WORKSPACE, ctx)


def _from_docker(inputs: Mapping, ctx: StepContext) -> Invocation:
    try:
        args = shlex.split(resolve_value(inputs.get("args") or "", ctx.env))
    except (Unresolved, ValueError) as exc:
        return Invocation("actionlint", "lint", unresolved=str(exc))
    return _from_args(args, WORKSPACE, ctx)


def from_command(command: Command, ctx: StepContext, tree: RepoTree) -> Invocation | None:
    argv = list(command.argv)
    if argv[:2] == ["go", "run"] and len(argv) > 2 and "actionlint" in argv[2]:
        argv = argv[2:]
    if not argv or "actionlint" not in posixpath.basename(argv[0]):
        return None
    if command.problem:
        return Invocation("actionlint", "lint", unresolved=command.problem)
    try:
        args = [expand_vars(word, command.env) for word in argv[1:]]
    except Unresolved as exc:
        return Invocation("actionlint", "lint", unresolved=str(exc))
    return _from_args(args, command.cwd, ctx)


def _from_args(args: Sequence[str], cwd: str, ctx: StepContext) -> Invocation:
    # actionlint's flags take one dash or two.
    parsed = parse(args, _VALUE_FLAGS | {"-" + f for f in _VALUE_FLAGS})
    if "-" in parsed.positional:
        return Invocation("actionlint", "lint", unresolved="lints standard input")
    files = [posixpath.normpath(posixpath.join(cwd, word)) for word in parsed.positional]
    if files:
        return Invocation("actionlint", "lint", targets=tuple(files), scanners=("workflow-lint",))
    # With no file arguments actionlint walks the nearest .github/workflows above its directory.
    root = ctx.checkout_root or WORKSPACE
    return Invocation("actionlint", "lint", targets=(posixpath.join(root, DEFAULT_DIR),),
                      scanners=("workflow-lint",))
