"""What a checkov step (CLI or bridgecrewio/checkov-action) scans, as an Invocation."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping

from bot.repotree import RepoTree
from bot.scope.context import WORKSPACE, StepContext, absolute, resolve_value
from bot.scope.model import Invocation
from bot.scope.shell import Command, Unresolved, expand_vars

TOOL = "checkov"
ACTIONS = re.compile(r"^bridgecrewio/checkov-action@", re.IGNORECASE)
# checkov's CKV_IGNORED_DIRECTORIES default: these folders are never scanned.
IGNORED_DIRECTORIES = r"(^|/)(node_modules|\.terraform|\.serverless)/"
_MANY = {"-d", "--directory", "-f", "--file", "--skip-path", "--framework"}


def from_action(uses: str, inputs: Mapping, ctx: StepContext, tree: RepoTree) -> Invocation:
    """checkov-action: `file` overrides `directory` (default `.`); `skip_path` is a regex list."""
    try:
        files = _split(resolve_value(inputs.get("file") or "", ctx.env))
        directory = resolve_value(inputs.get("directory") or ".", ctx.env)
        skips = _split(resolve_value(inputs.get("skip_path") or "", ctx.env))
        config = resolve_value(inputs.get("config_file") or "", ctx.env)
    except Unresolved as exc:
        return Invocation(TOOL, "unknown", unresolved=str(exc))
    note = None
    if config:
        repo_path = posixpath.relpath(absolute(WORKSPACE, config), ctx.checkout_root or WORKSPACE)
        if tree.is_file(repo_path):
            return Invocation(TOOL, "unknown", unresolved=f"settings come from the config file {config}")
        note = f"config file {config} is not in the repository"
    targets = files or [directory]
    return Invocation(TOOL, "scan", targets=tuple(absolute(WORKSPACE, t) for t in targets), scanners=(TOOL,),
                      skip_regex=(IGNORED_DIRECTORIES, *skips), cwd=WORKSPACE, note=note)


def from_command(command: Command, ctx: StepContext, tree: RepoTree) -> Invocation | None:
    if not command.argv or posixpath.basename(command.argv[0]) != TOOL:
        return None
    try:
        words = [expand_vars(w, command.env) for w in command.argv[1:]]
    except Unresolved as exc:
        return Invocation(TOOL, "unknown", unresolved=str(exc))
    found: dict[str, list[str]] = {}
    current = None
    for word in words:
        name, eq, value = word.partition("=")
        if word.startswith("-"):
            current = name if name in _MANY else None
            if current and eq:
                found.setdefault(current, []).append(value)
            if name == "--config-file":
                return Invocation(TOOL, "unknown", unresolved="settings come from a checkov config file")
        elif current:
            found.setdefault(current, []).append(word)  # -f/-d/--framework take several values
            if current == "--skip-path":
                current = None
    files = found.get("-f", []) + found.get("--file", [])
    dirs = found.get("-d", []) + found.get("--directory", [])
    if not files and not dirs:
        return Invocation(TOOL, "unknown", unresolved="checkov without -d or -f scans nothing")
    frameworks = [f for value in found.get("--framework", []) for f in value.split(",") if f]
    scanners = (TOOL,) if not frameworks or "all" in frameworks else tuple(f"{TOOL}:{f}" for f in frameworks)
    return Invocation(TOOL, "scan", targets=tuple(absolute(command.cwd, t) for t in dirs + files),
                      scanners=scanners, skip_regex=(IGNORED_DIRECTORIES, *found.get("--skip-path", [])),
                      cwd=command.cwd)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]
