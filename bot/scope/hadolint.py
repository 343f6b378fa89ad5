"""What a hadolint step (CLI or hadolint/hadolint-action) lints, as an Invocation."""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Mapping

from bot.repotree import RepoTree
from bot.scope.argv import parse  # noqa: F401  (re-used for hadolint inside docker)
from bot.scope.context import WORKSPACE, StepContext, absolute, resolve_value
from bot.scope.model import Invocation
from bot.scope.shell import Command, Unresolved, expand_vars

TOOL = "hadolint"
ACTIONS = re.compile(r"^hadolint/hadolint-action@", re.IGNORECASE)
VALUE_FLAGS = _VALUE_FLAGS = {"-c", "--config", "-f", "--format", "--ignore", "-t", "--failure-threshold", "--trusted-registry",
                "--require-label", "--error", "--warning", "--info", "--style", "--file-path-in-report"}


def from_action(uses: str, inputs: Mapping, ctx: StepContext, tree: RepoTree) -> Invocation:
    """`dockerfile` (default Dockerfile); with `recursive: true` it is a name pattern searched everywhere."""
    try:
        # GitHub applies an input's default only when the input is not given: `dockerfile: ''` stays blank.
        given = inputs.get("dockerfile")
        pattern = resolve_value("Dockerfile" if given is None else given, ctx.env)
        recursive = resolve_value(inputs.get("recursive") or "false", ctx.env).lower() == "true"
    except Unresolved as exc:
        return Invocation(TOOL, "unknown", unresolved=str(exc))
    if not recursive:
        # hadolint.sh runs `eval "hadolint …" "$dockerfile"`: the value is split at spaces and each word is a
        # bash glob without globstar (`**` is `*`).
        words = [w.replace("**", "*") for w in pattern.split()]
        if not words:  # `hadolint` alone: "Please provide a Dockerfile", and it stops
            return Invocation(TOOL, "lint", note="the dockerfile input is blank: hadolint gets no Dockerfile and stops")
        return Invocation(TOOL, "lint", targets=tuple(absolute(WORKSPACE, w) for w in words),
                          scanners=("dockerfile-lint",))
    root = ctx.checkout_root or WORKSPACE
    # `**/NAME` with globstar: every folder below the workspace except hidden ones (bash leaves dotfiles out).
    matches = [absolute(root, f) for f in tree.files if fnmatch.fnmatchcase(posixpath.basename(f), pattern)
               and not any(part.startswith(".") for part in f.split("/")[:-1])
               and (pattern.startswith(".") or not posixpath.basename(f).startswith("."))]
    return Invocation(TOOL, "lint", targets=tuple(matches), scanners=("dockerfile-lint",),
                      note=None if matches else f"no file matches {pattern}")


def from_command(command: Command, ctx: StepContext, tree: RepoTree) -> Invocation | None:
    if not command.argv or posixpath.basename(command.argv[0]) != TOOL:
        return None
    try:
        args = parse([expand_vars(w, command.env) for w in command.argv[1:]], _VALUE_FLAGS)
    except Unresolved as exc:
        return Invocation(TOOL, "unknown", unresolved=str(exc))
    files = list(args.positional)
    if "-" in files:
        if command.stdin_file is None:
            return Invocation(TOOL, "unknown", unresolved="lints standard input")
        files[files.index("-")] = command.stdin_file
    if not files:
        return Invocation(TOOL, "unknown", unresolved="hadolint without a Dockerfile argument")
    return Invocation(TOOL, "lint", targets=tuple(absolute(command.cwd, f) for f in files),
                      scanners=("dockerfile-lint",))
