"""What a kubeconform step (CLI or its Docker image action) validates, as an Invocation."""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Mapping, Sequence

from bot.repotree import RepoTree
from bot.scope.argv import parse
from bot.scope.context import WORKSPACE, StepContext, absolute, resolve_value
from bot.scope.model import Invocation
from bot.scope.shell import Command, Unresolved, expand_vars, stdin_source

TOOL = "kubeconform"
ACTIONS = re.compile(r"^docker://(?:[\w.-]+/)*kubeconform(?::|@|$)", re.IGNORECASE)
_VALUE_FLAGS = {"-cache", "-ignore-filename-pattern", "-ignore-missing-schemas", "-kubernetes-version", "-n",
                "-output", "-reject", "-schema-location", "-skip", "-debug"}
_VALUE_FLAGS = frozenset({flag for f in _VALUE_FLAGS - {"-ignore-missing-schemas", "-debug"} for flag in (f, "-" + f)})


def from_action(uses: str, inputs: Mapping, ctx: StepContext, tree: RepoTree) -> Invocation:
    try:
        args = shlex.split(resolve_value(inputs.get("args") or "", ctx.env))
    except (Unresolved, ValueError) as exc:
        return Invocation(TOOL, "unknown", unresolved=str(exc))
    return _from_args(args, WORKSPACE)


def from_command(command: Command, ctx: StepContext, tree: RepoTree) -> Invocation | None:
    if not command.argv or posixpath.basename(command.argv[0]) != TOOL:
        return None
    try:
        args = [expand_vars(w, command.env) for w in command.argv[1:]]
    except Unresolved as exc:
        return Invocation(TOOL, "unknown", unresolved=str(exc))
    return _from_args(args, command.cwd, stdin_source(command))


def _from_args(words: Sequence[str], cwd: str, stdin: str | None = None) -> Invocation:
    args = parse(words, _VALUE_FLAGS)
    # kubeconform's flag package: -v prints the version and exits, -h the usage; neither reads a file.
    if args.has("-v", "--v"):
        return Invocation(TOOL, "version", note="`kubeconform -v` only prints its version")
    if args.has("-h", "--h", "-help", "--help"):
        return Invocation(TOOL, "help", note="`kubeconform -h` only prints its usage")
    paths = [p for p in args.positional if p != "-"]
    if not paths and stdin is not None and args.positional in ((), ("-",)):
        paths = [stdin]  # `kubeconform < FILE`: the file the shell feeds it
    if not paths:
        return Invocation(TOOL, "unknown", unresolved="validates standard input")
    return Invocation(TOOL, "validate", targets=tuple(absolute(cwd, p) for p in paths), scanners=("k8s-schema",),
                      skip_regex=tuple(args.raw("-ignore-filename-pattern", "--ignore-filename-pattern")))
