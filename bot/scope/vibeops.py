"""What a `vibeops check` step (the gate recipe) reads, so the gate's own scope can be proven."""

from __future__ import annotations

import posixpath

from bot.repotree import RepoTree
from bot.scope.argv import parse
from bot.scope.context import StepContext, absolute
from bot.scope.model import Invocation
from bot.scope.shell import Command, Unresolved, expand_vars

TOOL = "vibeops"
ACTIONS = None
_VALUE_FLAGS = {"--repo", "--requested", "--tool", "--format", "--output", "--spec"}


def from_command(command: Command, ctx: StepContext, tree: RepoTree) -> Invocation | None:
    argv = list(command.argv)
    if argv[:2] == ["pipx", "run"]:  # `pipx run [--spec S] vibeops …`
        argv = argv[2:]
        while argv and argv[0].startswith("-"):
            argv = argv[2:] if argv[0] == "--spec" else argv[1:]
    if not argv or posixpath.basename(argv[0]) != TOOL or argv[1:2] != ["check"]:
        return None
    try:
        args = parse([expand_vars(w, command.env) for w in argv[2:]], _VALUE_FLAGS)
    except Unresolved as exc:
        return Invocation(TOOL, "unknown", unresolved=str(exc))
    repo = absolute(command.cwd, (args.raw("--repo") or ["."])[-1])
    targets = [absolute(command.cwd, p) for p in args.positional]
    if args.has("--all"):
        targets.append(posixpath.join(repo, ".github/workflows"))
    if not targets:
        return Invocation(TOOL, "unknown", unresolved="vibeops check without files or --all")
    return Invocation(TOOL, "gate", targets=tuple(targets), scanners=("workflow-gate",))
