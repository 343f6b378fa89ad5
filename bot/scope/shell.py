"""Split a `run:` script into simple commands, tracking `cd`, `export` and inline variables."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.scope.bash import SUBSTITUTION, ShellSyntaxError, Token, tokenize

# Words that open or close compound commands: the command proper follows them.
_KEYWORDS = {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "esac"}
_COMPOUND = {"for", "case", "select", "function"}
_WRAPPERS = {"sudo", "time", "exec", "command", "nohup", "builtin"}
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# Expansion limits (README "Limits"): past them a command is `unknown` with the reason, never expanded.
MAX_VALUE = 100_000  # characters one expanded word or variable may reach (`A=$A$A` forty times)
MAX_ITERATIONS = 1000  # iterations of nested `for` loops expanded per command
_LIMIT_MARK = "${{ expansion-limit }}"  # the value of a variable that grew past MAX_VALUE
_VAR = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<default>:?-[^}]*)?\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")


class Unresolved(ValueError):
    """A value that depends on something only known when the workflow runs."""


@dataclass(frozen=True)
class Command:
    """One simple command: its words after expansion, its directory and its environment."""

    argv: tuple[str, ...]
    cwd: str
    env: Mapping[str, str]
    problem: str | None = None
    upstream: "Command | None" = None  # the command piped into this one's standard input
    stdin_file: str | None = None  # `< file`, relative to cwd


def stdin_source(command: "Command") -> str | None:
    """The repository file a command reads on standard input: `< FILE` or `cat FILE |` (relative to its cwd)."""
    if command.stdin_file is not None:
        return None if "$" in command.stdin_file else command.stdin_file
    upstream = command.upstream
    if upstream is not None and len(upstream.argv) == 2 and upstream.argv[0] == "cat" and "$" not in upstream.argv[1]:
        return upstream.argv[1]
    return None


def expand_vars(word: str, env: Mapping[str, str]) -> str:
    """Expand `$X`, `${X}` and `${X:-default}`; a variable we cannot know raises Unresolved."""

    def replace(match: re.Match[str]) -> str:
        name = match["braced"] or match["bare"]
        if name in env:
            if env[name] == _LIMIT_MARK:
                raise Unresolved(f"${name} grows past {MAX_VALUE} characters (expansion limit); not expanded")
            if "${{" in env[name]:
                raise Unresolved(f"${name} comes from an expression only known when the workflow runs")
            return env[name]
        if match["default"]:
            return match["default"].lstrip(":")[1:]
        raise Unresolved(f"${name} is not set in the workflow's env")

    if SUBSTITUTION in word or "$(" in word or "`" in word:
        raise Unresolved("a command substitution decides the value only at run time")
    if "${{" in word:
        raise Unresolved(f"`{word}` is only known when the workflow runs")
    if len(word) > MAX_VALUE:
        raise Unresolved(f"a word longer than {MAX_VALUE} characters is not expanded")
    expanded = _VAR.sub(replace, word)
    if len(expanded) > MAX_VALUE:
        raise Unresolved(f"`{word[:40]}` expands to more than {MAX_VALUE} characters (expansion limit)")
    return expanded


def split_commands(script: str, env: Mapping[str, str], cwd: str) -> list[Command]:
    """Simple commands in order; `cd` and `export` carry over to later commands like bash."""
    try:
        tokens = tokenize(script)
    except ShellSyntaxError as exc:
        return [Command((), cwd, dict(env), problem=f"cannot split the script: {exc}")]
    commands: list[Command] = []
    shell_env = dict(env)
    subshells: list[str] = []
    loops: list[tuple[str, list[str]]] = []  # (variable, values) of the enclosing `for` loops
    current: list[str] = []
    piped: list[Command] = []  # the commands of the previous pipeline stage
    stdin_file: str | None = None
    for token in tokens + [Token("op", "\n")]:
        if token.kind == "word":
            current.append(token.text)
            continue
        if token.kind == "stdin":
            stdin_file = token.text
            continue
        made: list[Command] = []
        if current:
            head = [w for w in current if w not in ("do", "then", "else")][:1]
            if head == ["for"]:
                loops.append(_loop(current, shell_env))
            elif head == ["done"] and loops:
                loops.pop()
            else:
                environments, too_many = _loop_environments(loops, shell_env)
                for loop_env in environments:
                    command, cwd = _interpret(list(current), loop_env, cwd)
                    if command is not None and too_many:
                        command = Command(command.argv, command.cwd, command.env, too_many)
                    if command is not None:
                        if loops:
                            # loop variables are not kept once the loop is over
                            shell_env.update({k: v for k, v in loop_env.items() if k not in dict(loops)})
                        made.append(Command(command.argv, command.cwd, command.env, command.problem,
                                            piped[-1] if piped else None, stdin_file))
        commands.extend(made)
        piped = made if token.text == "|" else []
        current, stdin_file = [], None
        if token.text == "(":
            subshells.append(cwd)
        elif token.text == ")" and subshells:
            cwd = subshells.pop()  # a `cd` inside ( … ) ends with the subshell
    return commands


def _loop(words: list[str], env: Mapping[str, str]) -> tuple[str, list[str]]:
    """`for NAME in WORDS…`: the values, or one unresolvable value when they come from the run."""
    words = [w for w in words if w not in ("do",)]
    name = words[1] if len(words) > 1 else "_"
    if len(words) < 3 or words[2] != "in":
        return name, ["${{ unresolved }}"]  # `for x; do` loops over "$@", `for ((…))` counts
    try:
        return name, [expand_vars(w, env) for w in words[3:]]
    except Unresolved:
        return name, ["${{ unresolved }}"]


def _loop_environments(loops: list[tuple[str, list[str]]],
                       env: dict[str, str]) -> tuple[list[dict[str, str]], str | None]:
    """The shell environment once per iteration of the enclosing loops (the env itself without loops).

    Past MAX_ITERATIONS the loops are not expanded: one environment where every loop variable is
    unknown, and the reason.
    """
    if not loops:
        return [env], None
    count = 1
    for _, values in loops:
        count *= max(len(values), 1)
        if count > MAX_ITERATIONS:
            unknown = {**env, **{name: "${{ unresolved }}" for name, _ in loops}}
            return [unknown], (f"the enclosing `for` loops run more than {MAX_ITERATIONS} iterations "
                               "(expansion limit); not expanded")
    environments = [dict(env)]
    for name, values in loops:
        environments = [{**e, name: value} for e in environments for value in values]
    return environments, None


def _interpret(words: list[str], shell_env: dict[str, str], cwd: str) -> tuple[Command | None, str]:
    while words and words[0] in _KEYWORDS:
        words.pop(0)
    if not words or words[0] in _COMPOUND:
        return None, cwd
    inline: dict[str, str] = {}
    while words and _ASSIGNMENT.match(words[0]):
        name, _, value = words.pop(0).partition("=")
        inline[name] = value
    if not words:  # a bare assignment sets a shell variable for later commands
        for name, value in inline.items():
            shell_env[name] = _safe_expand(value, shell_env)
        return None, cwd
    while words and words[0] in _WRAPPERS:
        words.pop(0)
    if words and words[0] == "env":
        words.pop(0)
        while words and _ASSIGNMENT.match(words[0]):
            name, _, value = words.pop(0).partition("=")
            inline[name] = value
    if not words:
        return None, cwd
    if words[0] == "export":
        for item in words[1:]:
            name, sep, value = item.partition("=")
            if sep:
                shell_env[name] = _safe_expand(value, shell_env)
        return None, cwd
    if words[0] == "cd":
        target = words[1] if len(words) > 1 else "$GITHUB_WORKSPACE"
        try:
            target = expand_vars(target, shell_env)
        except Unresolved as exc:
            return Command(tuple(words), cwd, dict(shell_env), problem=f"cd to an unknown directory: {exc}"), cwd
        return None, posixpath.normpath(posixpath.join(cwd, target))
    env = dict(shell_env)
    env.update({name: _safe_expand(value, shell_env) for name, value in inline.items()})
    return Command(tuple(words), cwd, env), cwd


def _safe_expand(value: str, env: Mapping[str, str]) -> str:
    try:
        return expand_vars(value, env)
    except Unresolved as exc:
        return _LIMIT_MARK if "expansion limit" in str(exc) else "${{ unresolved }}"
