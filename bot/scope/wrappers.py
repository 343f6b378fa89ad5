"""Commands that run another command: package-runner wrappers, and `make` targets with plain recipes.

A wrapper is unwrapped to the command it runs (`pipenv run yamllint .` → `yamllint .`). A `make`
target is followed through the repository's Makefile when its recipe is plain commands; variables
set in the Makefile with a literal value are expanded. Anything else (make functions, includes,
pattern rules, a missing Makefile or target) is not guessed: the caller reports the step unknown when
it names a scanner.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.repotree import RepoTree
from bot.scope.shell import Command

# wrapper → (options that take a value, options that change the directory)
_RUNNERS: dict[tuple[str, ...], tuple[frozenset[str], frozenset[str]]] = {
    ("pipenv", "run"): (frozenset(), frozenset()),
    ("poetry", "run"): (frozenset({"-P", "--project", "-C", "--directory"}), frozenset({"-C", "--directory"})),
    ("uv", "run"): (frozenset({"--with", "--python", "-p", "--project", "--directory", "--extra", "--group",
                               "--env-file", "--with-requirements", "--package", "--index", "--index-url"}),
                    frozenset({"--directory"})),
    ("uvx",): (frozenset({"--with", "--python", "-p", "--from", "--index", "--index-url"}), frozenset()),
    ("pipx", "run"): (frozenset({"--spec", "--python", "--index-url", "--pip-args"}), frozenset()),
    ("npx",): (frozenset({"-p", "--package"}), frozenset()),
    ("pdm", "run"): (frozenset({"-p", "--project"}), frozenset()),
    ("hatch", "run"): (frozenset(), frozenset()),
    ("bundle", "exec"): (frozenset(), frozenset()),
}
_PYTHON = re.compile(r"^python(?:\d+(?:\.\d+)?)?$")
_PYTHON_MODULES = {"yamllint": "yamllint", "checkov": "checkov", "checkov.main": "checkov"}
_MAX_MAKE_DEPTH = 6
_MAX_MAKEFILE_BYTES = 256_000
_MAKE_VALUES = {"-C", "--directory", "-f", "--file", "--makefile", "-j", "--jobs", "-l", "-o", "-W", "-I"}


def unwrap(command: Command) -> Command | str | None:
    """The command a wrapper runs; None when `command` is no wrapper; a reason when it cannot be told."""
    argv = list(command.argv)
    if not argv:
        return None
    head = posixpath.basename(argv[0])
    if _PYTHON.match(head) and len(argv) > 2 and argv[1] == "-m":
        module = argv[2]
        inner = _PYTHON_MODULES.get(module, module)
        return Command((inner, *argv[3:]), command.cwd, command.env, upstream=command.upstream,
                       stdin_file=command.stdin_file)
    for prefix, (values, chdirs) in _RUNNERS.items():
        if tuple([head, *argv[1:len(prefix)]]) != prefix:
            continue
        rest = argv[len(prefix):]
        cwd = command.cwd
        while rest and rest[0].startswith("-"):
            flag = rest.pop(0)
            if flag == "--":
                break
            if flag in ("-c", "--call", "--shell"):
                return f"`{' '.join(prefix)} {flag}` runs a shell string"
            name, eq, value = flag.partition("=")
            if name in values and not eq:
                value = rest.pop(0) if rest else ""
            if name in chdirs:
                if "$" in value:
                    return f"`{' '.join(prefix)}` runs in a directory only known at run time"
                cwd = posixpath.normpath(posixpath.join(cwd, value))
        if not rest:
            return None
        if head == "npx" and rest[0].startswith("@"):
            rest[0] = rest[0].split("/")[-1].split("@")[0]  # npx @scope/tool@1.2 → tool
        return Command(tuple(rest), cwd, command.env, upstream=command.upstream, stdin_file=command.stdin_file)
    return None


@dataclass(frozen=True)
class MakeRun:
    """The shell lines a `make` invocation runs, in order, each with the directory it runs in."""

    lines: tuple[tuple[str, str], ...]  # (cwd, recipe line after variable expansion)
    problem: str | None = None
    targets: tuple[str, ...] = ()
    raw: str = ""  # the recipes as written (what an unfollowed target would run), to name its scanner


def follow_make(command: Command, tree: RepoTree, checkout_root: str | None) -> MakeRun:
    """What `make [-C DIR] [-f FILE] [VAR=value] [TARGET…]` runs, from the repository's Makefile."""
    args = list(command.argv[1:])
    cwd, makefile, overrides, goals = command.cwd, None, {}, []
    while args:
        word = args.pop(0)
        if word.startswith("-") and word != "-":
            name, eq, value = word.partition("=")
            if name in _MAKE_VALUES and not eq:
                if len(name) == 2 and len(word) > 2:
                    value = word[2:]
                else:
                    value = args.pop(0) if args else ""
            elif word[:2] in ("-C", "-f") and len(word) > 2:
                name, value = word[:2], word[2:]
            if name in ("-C", "--directory"):
                cwd = posixpath.normpath(posixpath.join(cwd, value))
            elif name in ("-f", "--file", "--makefile"):
                makefile = value
            continue
        if "=" in word and re.match(r"^[A-Za-z_][A-Za-z0-9_.-]*=", word):
            name, _, value = word.partition("=")
            overrides[name] = value
            continue
        goals.append(word)
    if any("$" in part for part in [cwd, makefile or "", *goals]):
        return MakeRun((), "the make directory, file or target is only known at run time", tuple(goals))
    if checkout_root is None:
        return MakeRun((), "the job does not check out the repository", tuple(goals))
    names = [makefile] if makefile else ["GNUmakefile", "makefile", "Makefile"]
    for name in names:
        path = posixpath.relpath(posixpath.normpath(posixpath.join(cwd, name)), checkout_root)
        if path.startswith("..") or not tree.is_file(path):
            continue
        text = tree.read_text(path)
        if text is None or len(text) > _MAX_MAKEFILE_BYTES:
            return MakeRun((), f"{path} cannot be read", tuple(goals))
        parsed = _parse_makefile(text)
        if isinstance(parsed, str):
            return MakeRun((), f"{path}: {parsed}", tuple(goals))
        rules, variables, default = parsed
        variables = {**variables, **overrides}
        goals = goals or ([default] if default else [])
        if not goals:
            return MakeRun((), f"{path} has no target", ())
        lines: list[tuple[str, str]] = []
        done: set[str] = set()
        for goal in goals:
            problem = _run_target(goal, rules, variables, cwd, lines, done, 0)
            if problem:
                raw = " ".join(line for target in done if target in rules for line in rules[target][1])
                return MakeRun(tuple(lines), f"{path}: {problem}", tuple(goals), raw)
        return MakeRun(tuple(lines), None, tuple(goals))
    where = posixpath.relpath(cwd, checkout_root)
    return MakeRun((), f"no Makefile in {'the repository root' if where == '.' else where}", tuple(goals))


_RULE = re.compile(r"^([^\t:=#][^:=#]*?)\s*::?(?!=)\s*([^=;#]*?)\s*(?:;\s*(.*))?$")
_ASSIGN = re.compile(r"^(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(::=|:=|\?=|\+=|!=|=)\s*(.*)$")


def _parse_makefile(text: str) -> tuple[dict[str, list[str] | tuple], dict[str, str], str | None] | str:
    """rules {target: (prerequisites, recipe lines)}, literal variables, and the default goal."""
    logical: list[str] = []
    pending = ""
    for raw in text.replace("\r\n", "\n").split("\n"):
        if raw.endswith("\\"):
            pending += raw[:-1] + " "
            continue
        logical.append(pending + raw)
        pending = ""
    if pending:
        logical.append(pending)
    rules: dict[str, tuple[list[str], list[str]]] = {}
    variables: dict[str, str] = {}
    default: str | None = None
    current: list[str] | None = None
    for line in logical:
        if line.startswith("\t"):
            if current is not None:
                for target in current:
                    rules[target][1].append(line[1:])
            continue
        stripped = line.split("#", 1)[0].strip()
        if not stripped:
            continue
        if stripped.startswith(("include ", "-include ", "sinclude ", "ifeq", "ifneq", "ifdef", "ifndef", "else",
                                "endif", "define ", "endef", "vpath", "unexport", "$(")):
            current = None
            if stripped.startswith(("include ", "-include ", "sinclude ", "ifeq", "ifneq", "ifdef", "ifndef",
                                    "define ")):
                return "uses include, conditionals or define, which are not followed"
            continue
        assign = _ASSIGN.match(stripped)
        if assign:
            name, op, value = assign.groups()
            if op == "!=":
                return f"variable {name} is set from a shell command"
            variables[name] = (variables.get(name, "") + " " + value).strip() if op == "+=" else (
                variables.get(name, value) if op == "?=" else value)
            current = None
            continue
        rule = _RULE.match(stripped)
        if rule:
            targets = rule.group(1).split()
            current = []
            for target in targets:
                if target.startswith(".") or "%" in target:
                    continue
                rules.setdefault(target, ([], []))
                rules[target][0].extend(rule.group(2).split())
                if rule.group(3):
                    rules[target][1].append(rule.group(3))
                current.append(target)
                if default is None:
                    default = target
            continue
        current = None
    return rules, variables, default


_MAKE_VAR = re.compile(r"\$(?:\(([^()$]*)\)|\{([^{}$]*)\}|([A-Za-z0-9_@<^]))")


def _expand(text: str, variables: Mapping[str, str], depth: int = 0) -> str | None:
    """Expand $(VAR), ${VAR} and $V from literal Makefile variables; None when it needs a make function."""
    if depth > 8:
        return None
    out: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("$$", i):
            out.append("$")
            i += 2
            continue
        match = _MAKE_VAR.match(text, i) if text[i] == "$" else None
        if match is None:
            if text[i] == "$":
                return None
            out.append(text[i])
            i += 1
            continue
        name = match.group(1) or match.group(2) or match.group(3)
        if name == "MAKE":
            value = "make"
        elif " " in name or name in ("@", "<", "^"):
            return None  # a make function or an automatic variable
        else:
            value = _expand(variables.get(name, ""), variables, depth + 1)
            if value is None:
                return None
        out.append(value)
        i = match.end()
    return "".join(out)


def _run_target(target: str, rules, variables, cwd: str, lines: list, done: set, depth: int) -> str | None:
    if target in done:
        return None
    done.add(target)
    if depth > _MAX_MAKE_DEPTH:
        return "targets nest too deep"
    if target not in rules:
        return f"no rule for target `{target}`"
    prerequisites, recipe = rules[target]
    for prerequisite in prerequisites:
        if prerequisite in rules:
            problem = _run_target(prerequisite, rules, variables, cwd, lines, done, depth + 1)
            if problem:
                return problem
    for raw in recipe:
        line = raw.strip().lstrip("@-+").strip()
        expanded = _expand(line, variables)
        if expanded is None:
            return f"the recipe of `{target}` uses make functions or automatic variables"
        lines.append((cwd, expanded))
    return None
