"""What kube-linter and yamllint steps read, as Invocations (both take paths and walk directories)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping

from bot.repotree import RepoTree
from bot.scope import gitignore
from bot.scope.argv import parse
from bot.scope.context import WORKSPACE, StepContext, absolute, resolve_value
from bot.scope.model import Invocation
from bot.scope.shell import Command, Unresolved, expand_vars, stdin_source
from bot.workflow import WorkflowError, load_yaml

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
    try:
        config_file = resolve_value(inputs.get("config_file") or inputs.get("yamllint_config_filepath") or "", ctx.env)
        config_data = resolve_value(inputs.get("config_data") or inputs.get("yamllint_config_datapath") or "", ctx.env)
    except Unresolved as exc:
        return Invocation("yamllint", "unknown", unresolved=str(exc))
    words = (["-c", config_file] if config_file else []) + (["-d", config_data] if config_data else [])
    args = parse(words + target.split(), _YAMLLINT_VALUES)
    return _yamllint(args, WORKSPACE, ctx, tree)


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
    stdin = stdin_source(command)
    if "-" in args.positional and stdin is not None:
        # `yamllint - < FILE`, `kube-linter lint - < FILE`: the file the shell feeds it, as a named file
        args = type(args)(args.flags, tuple(stdin if p == "-" else p for p in args.positional))
    if not args.positional or "-" in args.positional:
        return Invocation(tool, "unknown", unresolved="reads standard input or no paths")
    if tool == "yamllint":
        return _yamllint(args, command.cwd, ctx, tree)
    return Invocation(tool, "lint", targets=tuple(absolute(command.cwd, p) for p in args.positional),
                      scanners=(scanner,))


_PROJECT_CONFIGS = (".yamllint", ".yamllint.yaml", ".yamllint.yml")
_DEFAULT_YAML_FILES = ("*.yaml", "*.yml", ".yamllint")


def _yamllint(args, cwd: str, ctx: StepContext, tree: RepoTree) -> Invocation:
    """yamllint 1.38's file selection (cli.py, config.py), with its configuration read as data.

    The configuration is `-d DATA`, else `-c FILE`, else the first .yamllint/.yamllint.yaml/.yamllint.yml
    found from the working directory up to the repository root. Its `ignore` (or `ignore-from-file`)
    patterns, gitignore style, drop files by their path as yamllint sees it (relative to the working
    directory, as the argument was written), named files included; `yaml-files` patterns choose,
    by base name, which files a folder contributes. `extends:` a file inherits what the file sets.
    """
    root = ctx.checkout_root or cwd
    config = _yamllint_config(args, cwd, root, tree)
    if isinstance(config, str):
        return Invocation("yamllint", "unknown", unresolved=config)
    ignore, yaml_files = config
    targets: list[str] = []
    for written in args.positional:
        target = absolute(cwd, written)
        relative = posixpath.relpath(target, root)
        if relative.startswith("..") or not tree.exists(relative if relative != "." else "."):
            targets.append(target)  # outside the checkout or missing: located (and reported) as it is
            continue
        if tree.is_file(relative):
            if not gitignore.ignored(ignore, posixpath.normpath(written)):
                targets.append(target)
            continue
        for path in tree.files_under(relative):
            below = path if relative == "." else path[len(relative) + 1:]
            seen = posixpath.normpath(posixpath.join(written, below))
            if gitignore.ignored(yaml_files, posixpath.basename(path)) and not gitignore.ignored(ignore, seen):
                targets.append(absolute(root, path))
    return Invocation("yamllint", "lint", targets=tuple(targets), scanners=("yaml-lint",),
                      note=None if targets else "yamllint finds no file to lint")


def _yamllint_config(args, cwd: str, root: str, tree: RepoTree, depth: int = 0):
    data = None
    if args.has("-d", "--config-data"):
        text = args.raw("-d", "--config-data")[-1]
        if text and ":" not in text:
            text = f"extends: {text}"
        data = _load(text, "-d")
        where = cwd
    else:
        path = None
        if args.has("-c", "--config-file"):
            path = posixpath.relpath(absolute(cwd, args.raw("-c", "--config-file")[-1]), root)
            if path.startswith("..") or not tree.is_file(path):
                return f"yamllint config {args.raw('-c', '--config-file')[-1]} is not in the repository"
        else:
            folder = posixpath.relpath(cwd, root)
            while path is None and not folder.startswith(".."):
                for name in _PROJECT_CONFIGS:
                    candidate = posixpath.normpath(posixpath.join(folder, name))
                    if tree.is_file(candidate):
                        path = candidate
                        break
                if folder == ".":
                    break
                folder = posixpath.dirname(folder) or "."
        if path is not None:
            data = _load(tree.read_text(path) or "", path)
        where = cwd
    return _settings(data, where, root, tree, depth)


def _load(text: str, where: str):
    try:
        return load_yaml(text) or {}
    except WorkflowError as exc:
        return f"cannot read the yamllint config {where}: {exc}"


def _settings(data, cwd: str, root: str, tree: RepoTree, depth: int):
    defaults = gitignore.compile_patterns(_DEFAULT_YAML_FILES)
    if isinstance(data, str):
        return data
    if not isinstance(data, Mapping):
        return [], defaults
    ignore, yaml_files = None, None
    extends = data.get("extends")
    if isinstance(extends, str) and extends not in ("default", "relaxed") and depth < 4:
        base_path = posixpath.relpath(absolute(cwd, extends), root)
        if base_path.startswith("..") or not tree.is_file(base_path):
            return f"yamllint config extends {extends}, which is not in the repository"
        base = _settings(_load(tree.read_text(base_path) or "", base_path), cwd, root, tree, depth + 1)
        if isinstance(base, str):
            return base
        ignore, yaml_files = base
    if "ignore" in data and "ignore-from-file" in data:
        return "invalid yamllint config: ignore and ignore-from-file together (yamllint stops)"
    lines = None
    if "ignore-from-file" in data:
        names = data["ignore-from-file"]
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            return "invalid yamllint config: ignore-from-file"
        lines = []
        for name in names:
            text = tree.read_text(posixpath.relpath(absolute(cwd, name), root))
            if text is None:
                return f"yamllint ignore-from-file {name} is not in the repository"
            lines += text.splitlines()
    elif "ignore" in data:
        value = data["ignore"]
        if isinstance(value, str):
            lines = value.splitlines()
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            lines = list(value)
        else:
            return "invalid yamllint config: ignore should contain file patterns"
    if lines is not None:
        ignore = gitignore.compile_patterns(lines)
    if "yaml-files" in data:
        value = data["yaml-files"]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "invalid yamllint config: yaml-files"
        yaml_files = gitignore.compile_patterns(value)
    for compiled in (ignore, yaml_files):
        if isinstance(compiled, str):
            return compiled
    return ignore or [], yaml_files if yaml_files is not None else defaults
